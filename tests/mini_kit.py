"""Paths of the hand-made `tests/fixtures/mini` snapshots (see its README for expected figures) and a reader of
the published warehouse: shared by conftest's fixtures, the tests and the demo-free benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from queries.core.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
MINI_DATES = ("2026-09-01", "2026-09-08", "2026-09-15")


def wh_rows(settings: Settings, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[tuple]:
    """Rows of a query on the published warehouse, through the application's read-only connection."""
    from queries.warehouse import connect

    with connect(settings) as con:
        return con.execute(sql, params or []).fetchall()
