"""`meteocomptes snapshots list|withdraw`: the ingested dates, and withdrawing one (queries/snapshots.py)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable

from meteocomptes.cli import iso_date, operator_login
from meteocomptes.settings import Settings
from queries import audit
from queries.labels import fmt_int
from queries.snapshots import (
    FULL,
    SnapshotInfo,
    Withdrawal,
    WithdrawRefused,
    list_snapshots,
    normalise_cov,
    plan,
    withdraw,
)
from queries.store import init_db
from queries.warehouse import WarehouseUnavailable

# (table in the snapshot's row counts, column header): rows loaded per table
TABLES = (
    ("etablissements", "Établissements"),
    ("eleves", "Élèves"),
    ("responsables", "Responsables"),
    ("liens", "Liens"),
    ("comptes", "Comptes"),
    ("export", "Lignes d'export"),
)


def _table_cells(s: SnapshotInfo, sep: str) -> list[str]:
    nums = [s.loaded(t) for t, _ in TABLES]
    return [s.cov, f"{s.date:%d/%m/%Y}", s.kind_label, f"{s.ingested_at:%d/%m/%Y %H:%M}",
            *("" if n is None else fmt_int(n, sep) for n in nums), fmt_int(s.quarantined, sep)]


HEADER = ["Couverture", "Date", "Type", "Ingérée le", *(h for _, h in TABLES), "Quarantaine"]


def render_table(snaps: list[SnapshotInfo]) -> str:
    if not snaps:
        return "L'entrepôt ne contient encore aucune donnée.\n"
    # a column no date has (the export lines when there is no console export) is left out of the table
    keep = [i for i in range(len(HEADER)) if any(_table_cells(s, "")[i] for s in snaps)]
    header = [HEADER[i] for i in keep]
    body = [[cells[i] for i in keep] for cells in (_table_cells(s, "\u202f") for s in snaps)]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(widths[i]) if i < 4 else c.rjust(widths[i]) for i, c in enumerate(cells)).rstrip()

    out = ["Dates de données ingérées (lignes chargées par table)", "", line(header),
           "  ".join("-" * w for w in widths), *(line(r) for r in body), ""]
    latest = {s.cov: s.date for s in snaps}  # oldest first per coverage: the last one wins
    out += [f"Date servie par défaut pour « {cov} » : {d:%d/%m/%Y}" for cov, d in latest.items()]
    return "\n".join(out) + "\n"


def render_csv(snaps: list[SnapshotInfo]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(HEADER)
    for s in snaps:
        w.writerow(_table_cells(s, ""))
    return buf.getvalue()


def render_json(snaps: list[SnapshotInfo]) -> str:
    doc = [
        {"cov": s.cov, "date": s.date.isoformat(), "kind": s.kind,
         "ingested_at": s.ingested_at.isoformat(timespec="seconds"), "source_path": s.source_path,
         "rows": s.rows, "quarantined": s.quarantined}
        for s in snaps
    ]
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


RENDERERS: dict[str, Callable[[list[SnapshotInfo]], str]] = {"table": render_table, "csv": render_csv, "json": render_json}


def _list(args: argparse.Namespace) -> int:
    try:
        snaps = list_snapshots(Settings.from_env())
    except WarehouseUnavailable as exc:
        print(f"ERREUR : {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(RENDERERS[args.format](snaps))
    return 0


def _confirm(question: str) -> bool:
    answer = input(f"{question} [oui/non] ").strip().lower()
    return answer in ("o", "oui", "y", "yes")


def _summary(w: Withdrawal) -> str:
    s = w.snapshot
    counts = ", ".join(f"{fmt_int(n)} {h.lower()}" for t, h in TABLES if (n := s.loaded(t)) is not None)
    after = (f"les données servies par défaut seront celles du {w.latest_after:%d/%m/%Y}"
             if w.latest_after is not None else "cette couverture n'aura plus aucune donnée")
    return (f"Retrait des données du {s.date:%d/%m/%Y} (couverture « {s.cov} », {s.kind_label.lower()} ingéré le "
            f"{s.ingested_at:%d/%m/%Y à %H:%M}, {s.source_path}) : {counts}, {fmt_int(s.quarantined)} ligne(s) en "
            f"quarantaine.\nL'historique, les statistiques et la console seront recalculés comme si cette date "
            f"n'avait jamais été ingérée ; {after}.")


def _withdraw(args: argparse.Namespace) -> int:
    from queries.warehouse import WarehouseUnavailable

    settings = Settings.from_env()
    init_db(settings)  # the audit log must be writable before anything is changed
    cov = normalise_cov(args.cov)
    scope = None if cov == FULL else f"etablissement:{cov.removeprefix('uai:')}"
    detail = {"date": args.date.isoformat(), "couverture": cov}
    try:
        print(_summary(plan(settings, cov, args.date)))
        if not args.yes:
            if not sys.stdin.isatty():
                print("ERREUR : confirmation impossible sans terminal : relancez avec --yes.", file=sys.stderr)
                return 2
            if not _confirm("Retirer cette date ?"):
                print("Abandon : rien n'a été modifié.")
                return 1
        w = withdraw(settings, cov, args.date)
    except (WithdrawRefused, WarehouseUnavailable) as exc:
        audit.record(settings, operator_login(), "snapshot_withdrawn", scope=scope, outcome="failed",
                     detail={**detail, "raison": str(exc)})
        print(f"ERREUR : {exc}", file=sys.stderr)
        return 2
    audit.record(settings, operator_login(), "snapshot_withdrawn", scope=scope, detail={
        **detail, "type": w.snapshot.kind, "ingere_le": w.snapshot.ingested_at.isoformat(timespec="seconds"),
        "source": w.snapshot.source_path, "lignes": w.snapshot.rows,
        "date_servie": w.latest_after.isoformat() if w.latest_after else None,
    })
    after = f"données servies : {w.latest_after:%d/%m/%Y}" if w.latest_after else "couverture vide"
    print(f"Date du {args.date:%d/%m/%Y} retirée (couverture « {cov} ») et entrepôt republié ; {after}.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "snapshots",
        help="Dates de données ingérées : liste, retrait d'une date.",
        description="Liste les dates ingérées ou retire une date de l'entrepôt (republication atomique).",
    )
    sp = p.add_subparsers(dest="snapshots_command", required=True, metavar="ACTION")
    lst = sp.add_parser("list", help="Chaque date ingérée : couverture, type, ingestion, lignes chargées, quarantaine.")
    lst.add_argument("--format", choices=tuple(RENDERERS), default="table")
    lst.set_defaults(func=_list)
    w = sp.add_parser(
        "withdraw",
        help="Retire une date ingérée, comme si elle ne l'avait jamais été (demande confirmation).",
        description="Republie l'entrepôt sans cette date : historique, agrégats, quarantaine et console sont "
                    "recalculés comme si elle n'avait jamais été ingérée. La seule date complète ne peut pas "
                    "être retirée. L'action est inscrite au journal.",
    )
    w.add_argument("date", type=iso_date, metavar="AAAA-MM-JJ", help="date de données à retirer")
    w.add_argument("--cov", default="full", metavar="COUVERTURE",
                   help="full (instantanés, par défaut) ou uai:UAI (export de la console d'un établissement)")
    w.add_argument("--yes", action="store_true", help="ne pas demander de confirmation")
    w.set_defaults(func=_withdraw)
