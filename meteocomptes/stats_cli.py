"""`meteocomptes stats`: the synthesis table of a scope, as text, CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys

from meteocomptes.cli import iso_date
from meteocomptes.settings import Settings
from queries.labels import ETATS, SYNTHESE_COLUMNS, fmt_int, origine_label
from queries.scope import Scope, ScopeError
from queries.stats import StatsError, Synthese, synthese
from queries.warehouse import WarehouseUnavailable

NUMBER_COLUMNS = ("comptes", *ETATS)


def render_table(s: Synthese) -> str:
    title = f"Synthèse des comptes responsables de la structure — {s.scope}"
    if s.degre:
        title += f" ({s.degre})"
    header = [SYNTHESE_COLUMNS[c] for c in ("origine", *NUMBER_COLUMNS)]
    body = [[origine_label(str(r["origine"]))] + [fmt_int(int(r[c])) for c in NUMBER_COLUMNS] for r in s.rows]  # type: ignore[call-overload]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(cells))

    rule = "  ".join("-" * w for w in widths)
    out = [title, "", line(header), rule, *(line(r) for r in body[:-1]), rule, line(body[-1]), "",
           s.derniere_mise_a_jour()]
    return "\n".join(out) + "\n"


def render_csv(s: Synthese) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(["origine", *NUMBER_COLUMNS])
    for r in s.rows:
        w.writerow([r["origine"], *(r[c] for c in NUMBER_COLUMNS)])
    return buf.getvalue()


def render_json(s: Synthese) -> str:
    doc = {
        "scope": str(s.scope),
        "date": s.data_date.isoformat(),
        "ingested_at": s.ingested_at.isoformat(timespec="minutes"),
        "degre": s.degre,
        "rows": s.rows,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


RENDERERS = {"table": render_table, "csv": render_csv, "json": render_json}


def _run(args: argparse.Namespace) -> int:
    try:
        scope = Scope.parse(args.scope)
        s = synthese(Settings.from_env(), None, scope, args.date, args.degre)
    except (ScopeError, StatsError, WarehouseUnavailable) as exc:
        print(f"ERREUR : {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(RENDERERS[args.format](s))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "stats",
        help="Synthèse des comptes responsables d'un périmètre.",
        description="Comptes responsables distincts par origine et état, à une date (la dernière par défaut).",
    )
    p.add_argument("--scope", required=True,
                   help="academie:28, departement:974, circonscription:CODE, etablissement:UAI, "
                        "classe:UAI:CLASSE ou mef:UAI:CODE_MEF")
    p.add_argument("--date", type=iso_date, help="AAAA-MM-JJ : données au dernier instantané à cette date ou avant")
    p.add_argument("--degre", choices=("1D", "2D"), help="académie ou département : un seul degré")
    p.add_argument("--format", choices=tuple(RENDERERS), default="table")
    p.set_defaults(func=_run)
