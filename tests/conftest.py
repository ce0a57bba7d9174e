"""Shared pytest fixtures.

Sections (keep them grouped; add new fixtures to the matching section or open a new one):
  1. paths and settings
  2. warehouse built from the hand-made `tests/fixtures/mini` snapshots (see its README for expected figures)
  3. ingestion inputs (editable copies of the mini snapshots, warehouse inspection helpers)
  4. external services (tests/services.py: skipped locally when missing, failed under CI=true)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from mini_kit import MINI, wh_rows  # noqa: F401 - wh_rows re-exported for the fixtures' users

from queries.core.settings import Settings

# ----------------------------------------------------------------------------------------- 1. paths, settings


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings isolated in tmp_path (data dir and warehouse), with overrides: make_settings(INGEST_MAX_DROP=0.1)."""

    def make(**overrides: object) -> Settings:
        base = {
            "METEOCOMPTES_DATA_DIR": str(tmp_path / "var"),
            "METEOCOMPTES_WAREHOUSE": str(tmp_path / "warehouse"),
        }
        base.update({k: v for k, v in overrides.items() if isinstance(v, str)})
        others = {k: v for k, v in overrides.items() if not isinstance(v, str)}
        return Settings.from_env(base, **others)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """Isolated settings with an empty warehouse directory."""
    return make_settings()


# ------------------------------------------------------------------------------------------- 2. mini warehouse
@pytest.fixture(scope="session")
def _mini_warehouse_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three mini snapshots ingested once per session; tests get a private copy (mini_warehouse)."""
    from data.ingest import ingest

    root = tmp_path_factory.mktemp("mini_wh")
    s = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(root / "var"), "METEOCOMPTES_WAREHOUSE": str(root / "warehouse")})
    outcomes = ingest(s, [MINI])
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    return root / "warehouse"


@pytest.fixture
def mini_warehouse(_mini_warehouse_built: Path, tmp_path: Path) -> Settings:
    """Settings pointing at a fresh copy of the warehouse holding the mini snapshots (3 dates, académie 28)."""
    wh = tmp_path / "warehouse"
    shutil.copytree(_mini_warehouse_built, wh, symlinks=True)
    return Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path / "var"), "METEOCOMPTES_WAREHOUSE": str(wh)})


# ------------------------------------------------------------------------------------------ 3. ingestion inputs
@pytest.fixture
def mini_snapshot(tmp_path: Path) -> Callable[[str], Path]:
    """mini_snapshot("2026-09-01") → an editable copy of that mini snapshot folder under tmp_path/input/."""

    def copy(day: str) -> Path:
        dst = tmp_path / "input" / day
        shutil.copytree(MINI / day, dst)
        return dst

    return copy




# ------------------------------------------------------------------------------------------ 4. external services
@pytest.fixture(scope="session")
def chromium_available() -> str:
    """Debian's Chromium (browser_kit.BROWSER_MARKS): a skip with its reason locally, a failure under CI=true."""
    from services import chromium

    return chromium()
