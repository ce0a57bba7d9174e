"""Helpers of the ingestion tests: editing snapshot CSV files, running the ingestion with captured output, reading
its quarantine and totals, and console export files in the real console's format (coverage `uai:<UAI>`)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

from mini_kit import wh_rows

from data.ingest import ingest
from queries.core.authz import SYSTEM
from queries.core.scope import Scope
from queries.core.settings import Settings
from queries.warehouse import current_target
from queries.warehouse.stats import synthese


def lines(folder: Path, table: str) -> list[str]:
    return (folder / f"{table}.csv").read_text(encoding="utf-8").splitlines()


def write(folder: Path, table: str, content: list[str], encoding: str = "utf-8", bom: bool = False) -> None:
    data = ("\n".join(content) + "\n").encode(encoding)
    (folder / f"{table}.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def edit(folder: Path, table: str, fn: Callable[[list[str]], list[str]]) -> None:
    write(folder, table, fn(lines(folder, table)))


def replace_line(n: int, new: str) -> Callable[[list[str]], list[str]]:
    """Replace line n (1-based, header = 1)."""
    return lambda ls: ls[: n - 1] + [new] + ls[n:]


def run(settings: Settings, *paths: Path, **kw) -> list:
    out, err = io.StringIO(), io.StringIO()
    outcomes = ingest(settings, list(paths), out=out, err=err, **kw)
    for o in outcomes:
        o.out, o.err = out.getvalue(), err.getvalue()  # type: ignore[attr-defined]
    return outcomes


def quarantine(settings: Settings) -> list[tuple]:
    return wh_rows(settings, "SELECT table_name, line, column_name, value, reason, file FROM quarantine ORDER BY ALL")


def total(settings: Settings, scope: str = "academie:28", d: date | None = None) -> int:
    return int(synthese(settings, SYSTEM, Scope.parse(scope), d).total["comptes"])


# ----------------------------------------------------------------------------------------------------- refusals
def published(settings: Settings) -> Path | None:
    return current_target(settings.warehouse_dir)


def assert_french_refusal(message: str | None, *fragments: str) -> None:
    """A refusal in French that names what is wrong and says what to do, without DuckDB's English."""
    assert message is not None
    for fragment in fragments:
        assert fragment in message, message
    assert "relancez" in message, message
    for english in ("Error", "Invalid", "Input", "sniff", "Not implemented", "Original Line"):
        assert english not in message, message


HEADER = ("Élève;Classe;MEF;Responsable;Identifiant;Messagerie;Statut du compte;Origine du compte;"
          "Date de notification;Date de dernière connexion")


# The guide's sample (establishment 9740501B is the mini fixture's collège).
GUIDE_ROWS = [
    "ABBEYEM Emma;3EME J;3EME PREPA-METIERS;ABBEYEM Marie Sandrine;m.abbeym;✘;● Activé;Établissement;26-06-2020;06-07-2020",
    "ABBEYEM Emma;3EME J;3EME PREPA-METIERS;LATCHOUMY Jean Gaël;j.latchoumy1;✘;● Notifié et non activé;Établissement;26-06-2020;",
    "ABBEYEM Réhain;5EME A;5EME;ABBEYEM Marie Sandrine;m.abbeym;✘;● Activé;Établissement;26-06-2020;06-07-2020",
    "ABBEYEM Réhain;5EME A;5EME;LATCHOUMY Jean Gaël;j.latchoumy1;✘;● Notifié et non activé;Établissement;26-06-2020;",
    "ABBEYEM Stéphanie;6EME D;6EME;HOARAU Gabrielle;g.hoarau12;✘;● Non notifié;Non renseigné;;",
    "ABBEYEM Stéphanie;6EME D;6EME;ABBEYEM Sabrina;s.abbeym12;✔;● Non notifié;Non renseigné;;",
    "ABBEYEM Yvan;4EME A;4EME;CRAHONN Johanne;j.crahonn;✘;● Non notifié;Non renseigné;;",
    "ABDOUFOUSTOFA;5EME A;5EME;CHRISTIAN Rose May;r.christina;✘;● Non notifié;Non renseigné;;",
]


UAI = "9740501B"


D = date(2020, 8, 12)


def export_file(tmp_path: Path, rows: list[str], encoding: str = "utf-8", name: str = "export.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode(encoding))
    return p


def run_export(settings: Settings, path: Path, uai: str = UAI, d: date = D, **kw):
    out, err = io.StringIO(), io.StringIO()
    (oc,) = ingest(settings, [path], uai=uai, d=d, out=out, err=err, **kw)
    return oc, out.getvalue(), err.getvalue()


def table(settings: Settings, scope: str, d: date | None = D) -> dict[str, dict]:
    return {r["origine"]: r for r in synthese(settings, SYSTEM, Scope.parse(scope), d).rows}
