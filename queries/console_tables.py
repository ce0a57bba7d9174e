"""Console derived tables (`console_row`, `console_resp`) for the latest full snapshot, refreshed once per
ingestion run: rebuilt whole, or only for the keys that changed since the date they were built for.

A national full rebuild writes 22 M wide rows (the largest step of a first load); a daily refresh touches the
rows of the accounts, records, pupils, links and establishments that changed, typically a few per cent.
Appended rows are not clustered by UAI like the rebuilt table, so once they exceed REBUILD_SHARE of the table
the next refresh rebuilds it whole, which restores the clustering that establishment searches rely on.
"""

from __future__ import annotations

from datetime import date

import duckdb

from queries.ingest import execute_script, sql_text, step

REBUILD_SHARE = 0.25


def latest_full_date(con: duckdb.DuckDBPyConnection) -> date | None:
    row = con.execute("SELECT max(date) FROM snapshot WHERE cov = 'full'").fetchone()
    return row[0] if row else None


def invalidate(con: duckdb.DuckDBPyConnection, d: date) -> None:
    """(Re)ingesting the full date the tables were built for changes their base: force a full rebuild."""
    con.execute("UPDATE console_meta SET built_for = NULL WHERE built_for = ?", [d])


def refresh(con: duckdb.DuckDBPyConnection) -> str:
    """Bring the console tables to the latest full date; return the mode used: full, incremental, unchanged."""
    b = latest_full_date(con)
    meta = con.execute("SELECT built_for, n_rows, n_appended FROM console_meta").fetchone()
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND table_name IN ('console_row', 'console_resp')"
    ).fetchall()}
    a, n_rows, n_appended = meta if meta else (None, 0, 0)
    usable = a is not None and len(tables) == 2 and b is not None and a <= b and bool(con.execute(
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
        execute_script(con, sql_text("console_build.sql"), {"b": b})
    n_rows = int(con.execute("SELECT count(*) FROM console_row").fetchone()[0])  # type: ignore[index]
    con.execute("DELETE FROM console_meta")
    con.execute("INSERT INTO console_meta VALUES (?, ?, ?)", [b, n_rows, n_appended])
    return mode
