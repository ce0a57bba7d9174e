"""Incremental refresh of the console tables (queries/warehouse/console_tables.py): after each daily ingestion the tables
must hold exactly what a full rebuild at the latest date would, while only the changed rows are rewritten."""

# Table names spliced into SQL come from the fixed TABLES tuple below (S608).
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from data.generate import generate
from data.ingest import ingest
from queries.core.settings import Settings
from queries.warehouse import console_tables, current_target
from queries.warehouse.ingest import RESP_KEYS

TABLES = ("console_row", "console_resp")


@pytest.fixture(scope="module")
def demo_days(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three weekly demo snapshots of the rentrée: accounts notified and activated, pupils arriving."""
    out = tmp_path_factory.mktemp("demo_days")
    days = generate("demo", 5, dt.date(2026, 9, 1), 15, 7, out)
    assert len(days) == 3
    return days


def meta(settings: Settings) -> tuple:
    with duckdb.connect(str(current_target(settings.warehouse_dir)), read_only=True) as con:
        return con.execute("SELECT built_for, n_rows, n_appended FROM console_meta").fetchone()  # type: ignore[return-value]


def differences_with_full_rebuild(settings: Settings, tmp_path: Path) -> dict[str, tuple[int, int]]:
    """On a copy of the published warehouse: (rows only in the refreshed table, rows only in a full rebuild)."""
    copy = tmp_path / "rebuild.duckdb"
    shutil.copyfile(current_target(settings.warehouse_dir), copy)
    with duckdb.connect(str(copy)) as con:
        for t in TABLES:
            con.execute(f"CREATE TEMP TABLE before_{t} AS SELECT * FROM {t}")
        con.execute("DELETE FROM console_meta")
        assert console_tables.refresh(con) == "full"
        return {
            t: (
                con.execute(f"SELECT count(*) FROM (FROM before_{t} EXCEPT ALL FROM {t})").fetchone()[0],  # type: ignore[index]
                con.execute(f"SELECT count(*) FROM (FROM {t} EXCEPT ALL FROM before_{t})").fetchone()[0],  # type: ignore[index]
            )
            for t in TABLES
        }


def rename_school(day: Path, new_name: str) -> str:
    """Rename the first establishment of a snapshot (an establishment change touches all its rows)."""
    path = day / "etablissements.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header, first = lines[0].split(";"), lines[1].split(";")
    first[header.index("nom")] = new_name
    lines[1] = ";".join(first)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return first[header.index("uai")]


def test_daily_refresh_is_incremental_and_equals_a_full_rebuild(
    demo_days: list[Path], settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day1, day2, day3 = demo_days
    # A rentrée week changes about a fifth of the demo's rows: keep refreshing to test two increments in a row.
    monkeypatch.setattr(console_tables, "REBUILD_SHARE", 0.9)
    assert all(o.error is None for o in ingest(settings, [day1]))
    built, n_rows, appended = meta(settings)
    assert (built, appended) == (dt.date(2026, 9, 1), 0) and n_rows > 10_000

    assert all(o.error is None for o in ingest(settings, [day2]))
    built, n_rows2, appended = meta(settings)
    assert built == dt.date(2026, 9, 8)
    assert 0 < appended < n_rows2 * console_tables.REBUILD_SHARE  # refreshed, not rebuilt
    assert differences_with_full_rebuild(settings, tmp_path) == {t: (0, 0) for t in TABLES}

    edited = tmp_path / "in" / day3.name
    shutil.copytree(day3, edited)
    uai = rename_school(edited, "École renommée pour le test")
    assert all(o.error is None for o in ingest(settings, [edited]))
    built, _, appended3 = meta(settings)
    assert built == dt.date(2026, 9, 15) and appended3 > appended
    assert differences_with_full_rebuild(settings, tmp_path) == {t: (0, 0) for t in TABLES}
    with duckdb.connect(str(current_target(settings.warehouse_dir)), read_only=True) as con:
        names = con.execute("SELECT DISTINCT etab_nom FROM console_row WHERE uai = ?", [uai]).fetchall()
    assert names == [("École renommée pour le test",)]


def test_older_date_leaves_the_console_and_reingesting_the_latest_rebuilds_it(
    demo_days: list[Path], settings: Settings, tmp_path: Path
) -> None:
    day1, day2, day3 = demo_days
    assert all(o.error is None for o in ingest(settings, [day1, day3]))
    before = meta(settings)
    assert before[0] == dt.date(2026, 9, 15)
    assert all(o.error is None for o in ingest(settings, [day2]))  # out of order: the latest date is unchanged
    assert meta(settings) == before

    edited = tmp_path / "in" / day3.name
    shutil.copytree(day3, edited)
    rename_school(edited, "Nom corrigé le jour même")
    assert all(o.error is None for o in ingest(settings, [edited]))  # the latest date replaced: full rebuild
    built, _, appended = meta(settings)
    assert (built, appended) == (dt.date(2026, 9, 15), 0)
    assert differences_with_full_rebuild(settings, tmp_path) == {t: (0, 0) for t in TABLES}


def test_too_many_appended_rows_trigger_a_full_rebuild(
    demo_days: list[Path], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    day1, day2, _ = demo_days
    assert all(o.error is None for o in ingest(settings, [day1]))
    monkeypatch.setattr(console_tables, "REBUILD_SHARE", 0.0)
    assert all(o.error is None for o in ingest(settings, [day2]))
    assert meta(settings)[0] == dt.date(2026, 9, 8) and meta(settings)[2] == 0


def test_full_rebuild_in_uai_slices_equals_one_pass_and_keeps_uai_order(
    demo_days: list[Path], settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert all(o.error is None for o in ingest(settings, [demo_days[0]]))  # one pass: 12 k links < SLICE_ROWS
    monkeypatch.setattr(console_tables, "SLICE_ROWS", 1_000)  # about a dozen slices
    assert differences_with_full_rebuild(settings, tmp_path) == {t: (0, 0) for t in TABLES}
    with duckdb.connect(str(tmp_path / "rebuild.duckdb"), read_only=True) as con:
        inversions = con.execute(
            "SELECT count(*) FROM (SELECT uai < lag(uai) OVER (ORDER BY rowid) AS bad FROM console_row) WHERE bad"
        ).fetchone()[0]  # type: ignore[index]
        uais = con.execute("SELECT count(DISTINCT uai) FROM console_row").fetchone()[0]  # type: ignore[index]
    assert inversions == 0 and uais > 10


def test_warehouse_of_an_earlier_version_gets_the_record_keys_and_the_console_view(
    demo_days: list[Path], settings: Settings
) -> None:
    """Earlier versions kept console_resp as a table and resp_h without keys: the next ingestion migrates both."""
    day1, day2, _ = demo_days
    assert all(o.error is None for o in ingest(settings, [day1]))
    keys = ", ".join(name for name, _ in RESP_KEYS)
    day1_keys = f"SELECT responsable_id, {keys} FROM resp_h WHERE d_from = DATE '2026-09-01' ORDER BY ALL"  # noqa: S608
    with duckdb.connect(str(current_target(settings.warehouse_dir))) as con:
        expected = con.execute(day1_keys).fetchall()
        con.execute("DROP VIEW console_resp")
        for name, _ in RESP_KEYS:
            con.execute(f"ALTER TABLE resp_h DROP COLUMN {name}")
        con.execute("CREATE TABLE console_resp AS SELECT * FROM resp_h")  # the copy earlier versions kept
    assert all(o.error is None for o in ingest(settings, [day2]))
    with duckdb.connect(str(current_target(settings.warehouse_dir)), read_only=True) as con:
        assert con.execute(day1_keys).fetchall() == expected
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'console_resp'").fetchone() == (1,)
        n_view, n_records = con.execute(
            "SELECT (SELECT count(*) FROM console_resp), (SELECT count(*) FROM resp_at('full', DATE '2026-09-08'))"
        ).fetchone()  # type: ignore[misc]
    assert len(expected) > 5_000 and any(row[1] != "" for row in expected)
    assert n_view == n_records > 5_000
