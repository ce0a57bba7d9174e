"""Running the warehouse's SQL files: read a file of queries/warehouse/sql/, split it, pass each statement only
the parameters it uses. Shared by the ingestion (ingest.py), the console tables
(console_tables.py) and the withdrawal of a date (snapshots.py)."""

from __future__ import annotations

import re
from importlib import resources

import duckdb


def sql_text(name: str) -> str:
    return resources.files("queries.warehouse").joinpath("sql", name).read_text(encoding="utf-8")


def split_statements(sql: str) -> list[str]:
    """Split a SQL file on `;` at end of line (our files never put `;` inside a string at end of line)."""
    no_comments = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", no_comments) if s.strip()]


def execute_script(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> None:
    """Run every statement, passing each only the named `$params` it uses (DuckDB rejects unused ones)."""
    params = params or {}
    for stmt in split_statements(sql):
        used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", stmt)}
        con.execute(stmt, used) if used else con.execute(stmt)
