"""Atomic publication (queries/warehouse/publish.py): kill -9, readers following publications, lock, GC, stale files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from mini_kit import MINI, wh_rows

from data.ingest import ingest
from queries.core.settings import Settings
from queries.warehouse import CURRENT, connect, current_target, publish

ROOT = Path(__file__).resolve().parents[1]


def max_date(settings: Settings) -> date:
    return wh_rows(settings, "SELECT max(date) FROM snapshot")[0][0]


def temp_files(wh: Path) -> list[Path]:
    return [p for p in wh.iterdir() if p.name.startswith((publish.TMP_PREFIX, publish.LINK_TMP_PREFIX))]


def spawn_ingest(settings: Settings, path: Path) -> subprocess.Popen:
    env = {**os.environ, "METEOCOMPTES_WAREHOUSE": str(settings.warehouse_dir),
           "METEOCOMPTES_DATA_DIR": str(settings.data_dir)}
    code = ("import sys; from pathlib import Path; from data.ingest import ingest; "
            "from queries.core.settings import Settings; ingest(Settings.from_env(), [Path(sys.argv[1])])")
    return subprocess.Popen([sys.executable, "-c", code, str(path)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def bigger_snapshot(tmp_path: Path) -> Path:
    """A generated demo day (a few thousand rows: long enough to be killed midway), dated after the mini ones."""
    from data.generate import generate  # part of the project: missing is an error, not a skip

    return generate("demo", 1, date(2026, 9, 22), 1, 1, tmp_path / "gen")[0]


def test_kill_9_after_temp_file_appears_leaves_previous_warehouse(mini_warehouse: Settings, bigger_snapshot) -> None:
    wh = mini_warehouse.warehouse_dir
    before = current_target(wh)
    proc = spawn_ingest(mini_warehouse, bigger_snapshot)
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".duckdb") for p in temp_files(wh)):
        assert proc.poll() is None, "ingestion ended before its temporary file was seen"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert current_target(wh) == before
    assert max_date(mini_warehouse) == date(2026, 9, 15)  # previous warehouse serving through the reader
    assert temp_files(wh)  # the killed run's leftovers…
    ingest(mini_warehouse, [MINI / "2026-09-15"])
    assert not temp_files(wh)  # …are removed by the next run, under the lock


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.2, 0.5, 1.0, 2.0])
def test_kill_9_at_any_time_leaves_a_consistent_warehouse(mini_warehouse: Settings, bigger_snapshot, delay) -> None:
    wh = mini_warehouse.warehouse_dir
    proc = spawn_ingest(mini_warehouse, bigger_snapshot)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Either the old or the new publication, never a broken one.
    assert max_date(mini_warehouse) in (date(2026, 9, 15), date(2026, 9, 22))
    assert (wh / CURRENT).is_symlink()
    ingest(mini_warehouse, [MINI / "2026-09-15"])
    assert max_date(mini_warehouse) in (date(2026, 9, 15), date(2026, 9, 22))


def test_reader_follows_new_publication_without_restart(settings: Settings) -> None:
    ingest(settings, [MINI / "2026-09-01"])
    with connect(settings) as con:
        assert con.execute("SELECT max(date) FROM snapshot").fetchone() == (date(2026, 9, 1),)
        old_cursor = con
    ingest(settings, [MINI / "2026-09-08"])
    with connect(settings) as con:
        assert con.execute("SELECT max(date) FROM snapshot").fetchone() == (date(2026, 9, 8),)
    # A cursor taken before the publication still reads its (now superseded) file consistently.
    assert old_cursor.execute("SELECT max(date) FROM snapshot").fetchone() == (date(2026, 9, 1),)


def test_publication_is_a_relative_symlink_and_old_files_collected(settings: Settings) -> None:
    wh = settings.warehouse_dir
    for _ in range(5):
        ingest(settings, [MINI / "2026-09-01"])
    link = os.readlink(wh / CURRENT)
    assert "/" not in link and link.startswith("wh-") and link.endswith(".duckdb")
    # The default grace keeps superseded files for readers; without grace only the last 3 remain.
    assert len(publish.published_files(wh)) == 5
    removed = publish.gc_published(wh, grace_seconds=0)
    assert len(removed) == 2
    files = publish.published_files(wh)
    assert len(files) == 3 and (wh / link) in files
    assert max_date(settings) == date(2026, 9, 1)


def test_lock_is_exclusive(settings: Settings) -> None:
    with publish.ingest_lock(settings.warehouse_dir):
        with pytest.raises(publish.IngestBusy):
            with publish.ingest_lock(settings.warehouse_dir, wait=False):
                pass
    with publish.ingest_lock(settings.warehouse_dir, wait=False):
        pass


def test_failure_inside_ingestion_discards_the_copy(mini_warehouse: Settings) -> None:
    wh = mini_warehouse.warehouse_dir
    before = current_target(wh)
    with pytest.raises(RuntimeError):
        with publish.writable_copy(mini_warehouse) as con:
            con.execute("DELETE FROM snapshot")
            raise RuntimeError("boom")
    assert current_target(wh) == before
    assert not temp_files(wh)
    assert max_date(mini_warehouse) == date(2026, 9, 15)
