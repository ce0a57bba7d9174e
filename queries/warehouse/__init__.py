"""Read side of the DuckDB warehouse.

Each process opens the published file read-only, lazily (never at import, never before a fork), with external
access disabled and its configuration locked. Each thread gets its own cursor. A newly published warehouse
(the `current.duckdb` symlink now points elsewhere) is picked up at the next checkout, without restart.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from queries.core.settings import Settings

CURRENT = "current.duckdb"


class WarehouseUnavailable(RuntimeError):
    """No published warehouse, or it cannot be read (message in French)."""


def current_target(warehouse_dir: Path) -> Path | None:
    link = warehouse_dir / CURRENT
    try:
        return warehouse_dir / os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError:  # a regular file (copied by hand) is accepted as is
        return link if link.exists() else None


class _ProcessState:
    """Connections of this process. Re-created after fork (pid check): DuckDB handles are not fork-safe."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.target: Path | None = None
        self.con: duckdb.DuckDBPyConnection | None = None
        self.local = threading.local()


_state: _ProcessState | None = None


def _process_state() -> _ProcessState:
    global _state
    if _state is None or _state.pid != os.getpid():
        _state = _ProcessState()
    return _state


def _open(path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(
        str(path),
        read_only=True,
        config={
            "enable_external_access": False,
            "memory_limit": str(settings["DUCKDB_MEMORY_LIMIT"]),
            "threads": int(settings["DUCKDB_THREADS"]),
            "lock_configuration": True,
        },
    )


def _checkout(settings: Settings) -> duckdb.DuckDBPyConnection:
    st = _process_state()
    target = current_target(settings.warehouse_dir)
    if target is None or not target.exists():
        raise WarehouseUnavailable(
            f"Aucun entrepôt publié dans {settings.warehouse_dir} : lancez « meteocomptes ingest »."
        )
    if st.target != target or st.con is None:
        with st.lock:
            if st.target != target or st.con is None:
                try:
                    con = _open(target, settings)
                except duckdb.Error as exc:
                    raise WarehouseUnavailable(f"Entrepôt illisible ({target.name}) : {exc}") from exc
                # The old connection is left to the garbage collector: other threads may still use cursors on it.
                st.con, st.target = con, target
                st.local = threading.local()
    cur = getattr(st.local, "cursor", None)
    if cur is None or getattr(st.local, "target", None) != st.target:
        assert st.con is not None
        cur = st.con.cursor()
        st.local.cursor, st.local.target = cur, st.target
    return cur


@contextmanager
def connect(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor for this thread on the currently published warehouse."""
    cur = _checkout(settings)
    try:
        yield cur
    except duckdb.Error as exc:
        raise WarehouseUnavailable(f"Erreur de lecture de l'entrepôt : {exc}") from exc


@dataclass(frozen=True)
class DataInfo:
    date: date
    ingested_at: datetime

    def label(self) -> str:
        """`Données du JJ/MM/AAAA à HH:MM`."""
        return f"Données du {self.date:%d/%m/%Y} à {self.ingested_at:%H:%M}"

    def derniere_mise_a_jour(self) -> str:
        return f"Dernière mise à jour le {self.date:%d/%m/%Y} à {self.ingested_at:%H:%M}"


def data_info(settings: Settings, cov: str = "full") -> DataInfo:
    """Latest ingested date of a coverage; raises WarehouseUnavailable when there is none."""
    with connect(settings) as con:
        row = con.execute(
            "SELECT date, ingested_at FROM snapshot WHERE cov = ? ORDER BY date DESC LIMIT 1", [cov]
        ).fetchone()
    if row is None:
        raise WarehouseUnavailable("L'entrepôt ne contient encore aucune donnée.")
    return DataInfo(row[0], row[1])
