"""Running the warehouse's SQL files: read a file of queries/warehouse/sql/, split it, pass each statement only
the parameters it uses. Shared by the ingestion (ingest.py), the console tables
(console_tables.py) and the withdrawal of a date (snapshots.py). A file may include a fragment of that folder with
`{{name.sql}}`: a select list two scripts share is written once."""

from __future__ import annotations

import re
from importlib import resources

import duckdb

_INCLUDE = re.compile(r"\{\{([\w.]+\.sql)\}\}")


def sql_text(name: str) -> str:
    """The file's text, each `{{fragment.sql}}` outside a comment replaced by that file's code (its comments left out)."""
    text = resources.files("queries.warehouse").joinpath("sql", name).read_text(encoding="utf-8")
    return "\n".join(
        line if _is_comment(line) else _INCLUDE.sub(lambda m: _without_comments(sql_text(m.group(1))).strip(), line)
        for line in text.splitlines()
    )


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("--")


def _without_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not _is_comment(line))


def split_statements(sql: str) -> list[str]:
    """Split a SQL file on `;` at end of line (our files never put `;` inside a string at end of line)."""
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", _without_comments(sql)) if s.strip()]


def execute_script(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> None:
    """Run every statement, passing each only the named `$params` it uses (DuckDB rejects unused ones)."""
    params = params or {}
    for stmt in split_statements(sql):
        used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", stmt)}
        con.execute(stmt, used) if used else con.execute(stmt)
