"""Ingested dates: listing them, and withdrawing one as if it had never been ingested.

Withdrawing the ingested date D of a coverage `cov` (P and N: the ingested dates of cov just before and after D)
runs on the writer's private copy (queries/warehouse/publish.py: lock → copy → write → checkpoint → atomic publication), so
readers see either the warehouse with D or the one without it, never a mix. What D contributed:
- history tables (interval-encoded over the ingested dates of cov, docs/ARCHITECTURE.md): each row loses D from
  the dates it holds at, and rows of the same (key, hash) that become adjacent are merged again:
    rows holding at D only             → deleted;
    rows starting at D, going on       → start at N;
    rows ending at D                   → end at P;
    D was the latest: rows ending at P (closed because of D) → open again (d_to = 9999-12-31);
    a row ending at P and a row of the same (key, hash) starting at N (a version that D interrupted) → one row.
  Every other row holds at both P and N or at neither, and keeps its interval. The result is the canonical
  encoding of the remaining dates, i.e. what ingesting them without D would have written.
- per-date rows: every warehouse table with `cov` and `date` columns (snapshot, quarantine, ingest_log,
  agg_synthese, agg_funnel and whatever queries/warehouse/sql/per_date_*.sql writes): the rows of (cov, D) are deleted.
  The other dates' aggregates are functions of their own date's state, which does not change.
- console tables (latest full date): when D is the date they were built for, they are first brought to P by
  the usual incremental refresh (queries/warehouse/console_tables.py, its change criteria are symmetric), while D is still
  in the history; the history at P is not changed by the withdrawal.
The last ingested date of the full coverage cannot be withdrawn (the application would have nothing to serve:
ingest the right snapshot first); the only date of a console export's coverage can (that removes the import).
"""

# Dynamic SQL here only splices identifiers from the fixed SPECS of queries/warehouse/ingest.py and table names read
# from the warehouse's own catalogue (S608).
# ruff: noqa: S608
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from queries import warehouse
from queries.core.settings import Settings
from queries.core.timing import step
from queries.warehouse import console_tables
from queries.warehouse.ingest import (
    OPEN_END,
    SPECS,
    TableSpec,
    _neighbours,
    _q,
    init_schema,
    run_latest,
)
from queries.warehouse.publish import writable_copy

FULL = "full"
KIND_LABELS = {"snapshot": "Instantané", "export": "Export de la console"}


class WithdrawRefused(Exception):
    """The date cannot be withdrawn (French message); nothing is published."""


@dataclass(frozen=True)
class SnapshotInfo:
    cov: str
    date: date
    kind: str
    ingested_at: datetime
    source_path: str | None
    rows: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def cov_label(self) -> str:
        return "complète" if self.cov == FULL else f"établissement {self.cov.removeprefix('uai:')}"

    def loaded(self, table: str) -> int | None:
        c = self.rows.get(table)
        return None if c is None else int(c.get("charges", 0))

    @property
    def quarantined(self) -> int:
        """Lines set aside (one line may have several reasons in the quarantine table: counted once)."""
        return sum(int(c.get("quarantaine", 0)) for c in self.rows.values())


def _rows(value: object) -> dict[str, dict[str, int]]:
    if value is None:
        return {}
    return json.loads(value) if isinstance(value, str) else dict(value)  # type: ignore[call-overload]


def _fetch(con: duckdb.DuckDBPyConnection, where: str = "", params: list[object] | None = None) -> list[SnapshotInfo]:
    rows = con.execute(
        "SELECT cov, date, kind, ingested_at, source_path, rows FROM snapshot "
        f"{where} ORDER BY cov <> 'full', cov, date",
        params or [],
    ).fetchall()
    return [SnapshotInfo(r[0], r[1], r[2], r[3], r[4], _rows(r[5])) for r in rows]


def list_snapshots(settings: Settings) -> list[SnapshotInfo]:
    """Every ingested (cov, date): the full coverage first, then each console export's, oldest date first."""
    with warehouse.connect(settings) as con:
        return _fetch(con)


def normalise_cov(text: str) -> str:
    """`full`, `uai:<UAI>` or a bare UAI → the coverage as stored."""
    t = text.strip()
    if t.lower() == FULL:
        return FULL
    return "uai:" + t.removeprefix("uai:").removeprefix("UAI:").strip().upper()


@dataclass(frozen=True)
class Withdrawal:
    """What withdrawing (cov, date) does: the date's bookkeeping, its neighbours, the latest date before/after."""

    snapshot: SnapshotInfo
    previous: date | None
    next: date | None
    latest_after: date | None  # latest ingested date of the coverage once withdrawn (None: coverage emptied)


def _plan(con: duckdb.DuckDBPyConnection, cov: str, d: date) -> Withdrawal:
    found = _fetch(con, "WHERE cov = ? AND date = ?", [cov, d])
    if not found:
        dates = [s.date for s in _fetch(con, "WHERE cov = ?", [cov])]
        known = ", ".join(f"{x:%d/%m/%Y}" for x in dates) or "aucune"
        raise WithdrawRefused(
            f"Aucune donnée du {d:%d/%m/%Y} pour la couverture « {cov} » : rien à retirer "
            f"(dates ingérées pour cette couverture : {known}). Vérifiez la date avec « meteocomptes snapshots list »."
        )
    prev, nxt = _neighbours(con, cov, d)
    if cov == FULL and prev is None and nxt is None:
        raise WithdrawRefused(
            f"Le {d:%d/%m/%Y} est la seule date de données complète : la retirer laisserait l'application sans "
            "données. Ingérez d'abord l'instantané correct, puis retirez celle-ci."
        )
    latest = con.execute("SELECT max(date) FROM snapshot WHERE cov = ? AND date <> ?", [cov, d]).fetchone()[0]  # type: ignore[index]
    return Withdrawal(found[0], prev, nxt, latest)


def plan(settings: Settings, cov: str, d: date) -> Withdrawal:
    """What `withdraw` would do, read from the published warehouse (raises WithdrawRefused)."""
    with warehouse.connect(settings) as con:
        return _plan(con, normalise_cov(cov), d)


def restitch(con: duckdb.DuckDBPyConnection, spec: TableSpec, cov: str, d: date,
             prev: date | None, nxt: date | None) -> None:
    """Remove ingested date d from the intervals of `spec.hist` for cov (module docstring), set-based."""
    t = spec.hist
    same = lambda a, b: " AND ".join(f"{a}.{k} = {b}.{k}" for k in (*spec.key, "h"))  # noqa: E731
    p = {"cov": cov, "d": d, "prev": prev, "next": nxt, "open": OPEN_END}

    def run(sql: str, *names: str) -> None:
        con.execute(sql, {k: p[k] for k in ("cov", *names)})

    if nxt is None:  # d is the latest date: what held at d only goes, what d closed at prev is open again
        run(f"DELETE FROM {t} WHERE cov = $cov AND d_from = $d", "d")
        if prev is not None:
            run(f"UPDATE {t} SET d_to = $open WHERE cov = $cov AND d_to >= $prev AND d_to < $open",
                "prev", "open")
        return
    run(f"DELETE FROM {t} WHERE cov = $cov AND d_from = $d AND d_to = $d", "d")
    run(f"UPDATE {t} SET d_from = $next WHERE cov = $cov AND d_from = $d", "d", "next")
    if prev is None:
        return
    run(f"UPDATE {t} SET d_to = $prev WHERE cov = $cov AND d_to = $d", "d", "prev")
    # a version that d interrupted: [a, prev] and [next, z] of the same (key, hash) become [a, z]
    run(f"""UPDATE {t} SET d_to = r.d_to FROM {t} r
        WHERE {t}.cov = $cov AND {t}.d_to = $prev AND r.cov = $cov AND r.d_from = $next AND {same('r', t)}""",
        "prev", "next")
    run(f"""DELETE FROM {t} WHERE cov = $cov AND d_from = $next AND EXISTS (
            SELECT 1 FROM {t} l WHERE l.cov = $cov AND l.d_from < $next AND l.d_to = {t}.d_to AND {same('l', t)})""",
        "next")


def per_date_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Warehouse tables holding rows per (cov, date): bookkeeping, quarantine and per-date aggregates."""
    rows = con.execute(
        """SELECT c.table_name FROM duckdb_columns() c
        JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
        WHERE NOT t.temporary AND NOT t.internal AND t.database_name = current_database()
          AND c.column_name IN ('cov', 'date')
        GROUP BY c.table_name HAVING count(DISTINCT c.column_name) = 2 ORDER BY c.table_name"""
    ).fetchall()
    return [r[0] for r in rows]


def withdraw_date(con: duckdb.DuckDBPyConnection, cov: str, d: date) -> Withdrawal:
    """Take (cov, d) out of a writable warehouse as if it had never been ingested. The caller runs run_latest()."""
    w = _plan(con, cov, d)
    if cov == FULL:
        built_for = con.execute("SELECT max(built_for) FROM console_meta").fetchone()[0]  # type: ignore[index]
        if built_for == d and w.latest_after is not None:
            with step("console : retour à la date précédente"):
                console_tables.refresh(con, w.latest_after)  # while d is still in the history
    con.execute("BEGIN TRANSACTION")
    try:
        for spec in SPECS.values():
            with step(f"historique {spec.hist}"):
                restitch(con, spec, cov, d, w.previous, w.next)
        for table in per_date_tables(con):  # snapshot included: last, _plan read it
            con.execute(f"DELETE FROM {_q(table)} WHERE cov = ? AND date = ?", [cov, d])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return w


def withdraw(settings: Settings, cov: str, d: date) -> Withdrawal:
    """Republish the warehouse without (cov, d), under the ingestion lock; raises WithdrawRefused.
    `cov`: `full`, `uai:<UAI>` or a bare UAI."""
    with writable_copy(settings) as con:
        init_schema(con)
        w = withdraw_date(con, normalise_cov(cov), d)
        run_latest(con)
    return w
