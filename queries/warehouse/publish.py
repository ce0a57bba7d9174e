"""Writer side of the DuckDB warehouse: lock → copy → write → checkpoint → atomic publication → GC.

Readers (queries/warehouse/__init__.py) only ever open the file `current.duckdb` points to, read-only. The writer never
touches that file: it works on a private copy and swaps the symlink with a rename, so a crash (even `kill -9`) at
any point leaves the previous publication intact and serving. Stale temporary files of killed runs are removed
by the next run, under the lock.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from queries.core.settings import Settings
from queries.core.timing import step
from queries.warehouse import CURRENT, current_target

LOCK_NAME = ".ingest.lock"
TMP_PREFIX = ".ingest-"  # temporary warehouse copies: `.ingest-<pid>-<ts>.duckdb` (+ `.wal`)
LINK_TMP_PREFIX = ".current-"  # temporary symlink before os.replace onto current.duckdb
KEEP = 3  # published files kept besides the current one
GRACE_SECONDS = 600  # readers may hold a superseded file this long before it is removed


class IngestBusy(RuntimeError):
    """Another ingestion holds the lock (non-blocking mode)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def ingest_lock(warehouse_dir: Path, wait: bool = True) -> Iterator[None]:
    """Exclusive lock for writers (fcntl: released by the kernel when the process dies)."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(warehouse_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise IngestBusy("Une ingestion est déjà en cours.") from None
            print("Une autre ingestion est en cours : attente du verrou…", file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def remove_stale_temp(warehouse_dir: Path) -> list[Path]:
    """Temporary files left by killed runs. Only call under the lock (no live writer can own them then)."""
    removed = []
    for p in warehouse_dir.iterdir():
        if p.name.startswith((TMP_PREFIX, LINK_TMP_PREFIX)):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)  # DuckDB spill directory
            else:
                p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def published_files(warehouse_dir: Path) -> list[Path]:
    """Published warehouse files, oldest first (the UTC timestamp in the name sorts chronologically)."""
    return sorted(p for p in warehouse_dir.glob("wh-*.duckdb") if p.is_file())


def gc_published(warehouse_dir: Path, keep: int = KEEP, grace_seconds: float = GRACE_SECONDS) -> list[Path]:
    """Remove published files older than the last `keep`, once superseded for `grace_seconds`.

    A file is superseded when its successor was published (the successor's mtime). Readers still holding an old
    file keep it alive anyway (POSIX unlink semantics); the grace only spares them a reopen.
    """
    files = published_files(warehouse_dir)
    current = current_target(warehouse_dir)
    now = time.time()
    removed = []
    for i, p in enumerate(files[: max(0, len(files) - keep)]):
        if current is not None and p.resolve() == current.resolve():
            continue
        successor = files[i + 1]
        try:
            if now - successor.stat().st_mtime >= grace_seconds:
                p.unlink()
                removed.append(p)
        except FileNotFoundError:
            pass
    return removed


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def publish_file(warehouse_dir: Path, tmp: Path) -> Path:
    """fsync `tmp`, rename it to `wh-<UTC timestamp>.duckdb` and point `current.duckdb` at it atomically."""
    _fsync_file(tmp)
    final = warehouse_dir / f"wh-{_timestamp()}.duckdb"
    while final.exists():  # two publications within the same microsecond: never overwrite
        final = warehouse_dir / f"wh-{_timestamp()}.duckdb"
    os.rename(tmp, final)
    link_tmp = warehouse_dir / f"{LINK_TMP_PREFIX}{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(final.name, link_tmp)  # relative target: the directory can be moved
    os.replace(link_tmp, warehouse_dir / CURRENT)
    _fsync_dir(warehouse_dir)
    return final


@contextmanager
def writable_copy(settings: Settings, grace_seconds: float = GRACE_SECONDS) -> Iterator[duckdb.DuckDBPyConnection]:
    """Lock, copy the published warehouse (or start an empty one), yield a read-write connection to the copy.

    On normal exit: CHECKPOINT, close, publish atomically, GC. On exception: the copy is deleted and the
    published warehouse is untouched. The caller must not keep the connection after the block.
    """
    wh = settings.warehouse_dir
    with ingest_lock(wh):
        remove_stale_temp(wh)
        tmp = wh / f"{TMP_PREFIX}{os.getpid()}-{_timestamp()}.duckdb"
        src = current_target(wh)
        if src is not None and src.exists():
            with step(f"copie de {src.name}"):
                shutil.copyfile(src, tmp)
        spill = wh / f"{TMP_PREFIX}{os.getpid()}.spill"
        con: duckdb.DuckDBPyConnection | None = None
        ok = False
        try:
            con = duckdb.connect(
                str(tmp),
                config={
                    "memory_limit": str(settings["INGEST_MEMORY_LIMIT"]),
                    "temp_directory": str(spill),
                    "preserve_insertion_order": True,  # file line numbers are derived from insertion order
                },
            )
            con.execute("SET enable_progress_bar = false")
            yield con
            with step("checkpoint"):
                con.execute("CHECKPOINT")
            ok = True
        finally:
            if con is not None:
                con.close()
            shutil.rmtree(spill, ignore_errors=True)
            if not ok:
                for p in (tmp, tmp.with_name(tmp.name + ".wal")):
                    p.unlink(missing_ok=True)
        publish_file(wh, tmp)
        gc_published(wh, grace_seconds=grace_seconds)
