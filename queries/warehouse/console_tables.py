"""Console derived table `console_row` for the latest full snapshot, refreshed once per ingestion run: rebuilt
whole, or only for the keys that changed since the date it was built for. (The guardian records with their keys
are not copied: the view `console_resp` reads them from resp_h at the date in console_meta, schema.sql.)

A national full rebuild writes 22 M wide rows (the largest step of a first load); a daily refresh touches the
rows of the accounts, records, pupils, links and establishments that changed, typically a few per cent.
Appended rows are not clustered by UAI like the rebuilt table, so once they exceed REBUILD_SHARE of the table
the next refresh rebuilds it whole, which restores the clustering that establishment searches rely on.
A full rebuild inserts the rows one slice of UAIs at a time (SLICE_ROWS links each): every slice's joins and
sort fit in memory instead of spilling (national: 136 s → 116 s for console_row), and the table stays in UAI
order because the slices are inserted in order.
"""

from __future__ import annotations

import math
from datetime import date
from itertools import pairwise

import duckdb

from queries.core.timing import step
from queries.warehouse.sqlkit import execute_script, sql_text

REBUILD_SHARE = 0.25
SLICE_ROWS = 3_000_000
TEMP_TABLES = ("console_links", "console_links_all", "cx_ine", "cx_resp", "cx_lien", "cx_acc", "cx_uai")


def latest_full_date(con: duckdb.DuckDBPyConnection) -> date | None:
    row = con.execute("SELECT max(date) FROM snapshot WHERE cov = 'full'").fetchone()
    return row[0] if row else None


def invalidate(con: duckdb.DuckDBPyConnection, d: date) -> None:
    """(Re)ingesting the full date the tables were built for changes their base: force a full rebuild."""
    con.execute("UPDATE console_meta SET built_for = NULL WHERE built_for = ?", [d])


def refresh(con: duckdb.DuckDBPyConnection, b: date | None = None) -> str:
    """Bring the console tables to the latest full date (or to the full date `b`: the one that becomes the latest
    when a date is withdrawn, queries/warehouse/snapshots.py); return the mode used: full, incremental, unchanged."""
    b = b or latest_full_date(con)
    meta = con.execute("SELECT built_for, n_rows, n_appended FROM console_meta").fetchone()
    has_table = bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND table_name = 'console_row'"
    ).fetchone()[0])  # type: ignore[index]
    a, n_rows, n_appended = meta if meta else (None, 0, 0)
    # a > b only when the date the tables were built for is being withdrawn: the change criteria are symmetric
    usable = a is not None and has_table and b is not None and bool(con.execute(
        "SELECT count(*) FROM snapshot WHERE cov = 'full' AND date = ?", [a]).fetchone()[0])  # type: ignore[index]
    if usable and a == b:
        return "unchanged"
    mode = "full"
    if usable:
        with step("console : changements"):
            execute_script(con, sql_text("console_changes.sql"), {"a": a, "b": b})
        n_new = int(con.execute("SELECT count(*) FROM console_links").fetchone()[0])  # type: ignore[index]
        if n_appended + n_new <= REBUILD_SHARE * n_rows:
            mode = "incremental"
            with step("console : suppression des lignes changées"):
                execute_script(con, sql_text("console_delete.sql"))
            n_appended += n_new
    if mode == "full":
        with step("console : reconstruction"):
            execute_script(con, sql_text("console_full.sql"), {"b": b})
        n_appended = 0
    with step(f"console : construction ({mode})"):
        if mode == "full":
            _build_rows_in_slices(con, b)
        else:
            execute_script(con, sql_text("console_build_rows.sql"), {"b": b})
    for t in TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {t}")  # names from the fixed tuple above
    n_rows = int(con.execute("SELECT count(*) FROM console_row").fetchone()[0])  # type: ignore[index]
    con.execute("DELETE FROM console_meta")
    con.execute("INSERT INTO console_meta VALUES (?, ?, ?)", [b, n_rows, n_appended])
    return mode


def refresh_exports(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild the console's rows of the establishments known only through a console export (console_exports.sql)
    and the view `console_all` over both kinds of rows; run after refresh() (it reads console_meta). Returns the
    number of export rows."""
    with step("console : exports de la console"):
        execute_script(con, sql_text("console_exports.sql"))
    return int(con.execute("SELECT count(*) FROM console_xrow").fetchone()[0])  # type: ignore[index]


def _build_rows_in_slices(con: duckdb.DuckDBPyConnection, b: date | None) -> None:
    """console_row from console_links_all, in consecutive UAI ranges of about SLICE_ROWS links each."""
    n = int(con.execute("SELECT count(*) FROM console_links_all").fetchone()[0])  # type: ignore[index]
    k = max(1, math.ceil(n / SLICE_ROWS))
    bounds: list[str] = []
    if k > 1:
        row = con.execute("SELECT quantile_disc(uai, ?) FROM console_links_all", [[i / k for i in range(1, k)]])
        bounds = sorted(set(row.fetchone()[0]))  # type: ignore[index]
    edges: list[str | None] = [None, *bounds, None]
    for lo, hi in pairwise(edges):
        con.execute(
            """CREATE OR REPLACE TEMP TABLE console_links AS SELECT responsable_id, ine FROM console_links_all
            WHERE (CAST($lo AS VARCHAR) IS NULL OR uai >= $lo) AND (CAST($hi AS VARCHAR) IS NULL OR uai < $hi)""",
            {"lo": lo, "hi": hi},
        )
        execute_script(con, sql_text("console_build_rows.sql"), {"b": b})
