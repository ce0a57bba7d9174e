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

from queries.core.formats import fmt_update
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
        """`Données du JJ/MM/AAAA à HH:MM` for a date loaded that day; otherwise the day of the load as well
        (`Données du 15/09/2026, chargées le 16/09/2026 à 06:10`): the time is that load's, never stated as the
        data date's (a backfill, a re-ingestion, a snapshot loaded the next morning). Same rule as fmt_update."""
        if self.ingested_at.date() == self.date:
            return f"Données du {self.date:%d/%m/%Y} à {self.ingested_at:%H:%M}"
        return f"Données du {self.date:%d/%m/%Y}, chargées le {self.ingested_at:%d/%m/%Y} à {self.ingested_at:%H:%M}"

    def derniere_mise_a_jour(self) -> str:
        return fmt_update(self.date, self.ingested_at)


def data_info(settings: Settings, cov: str = "full") -> DataInfo:
    """Latest ingested date of a coverage; raises WarehouseUnavailable when there is none."""
    with connect(settings) as con:
        row = con.execute(
            "SELECT date, ingested_at FROM snapshot WHERE cov = ? ORDER BY date DESC LIMIT 1", [cov]
        ).fetchone()
    if row is None:
        raise WarehouseUnavailable("L'entrepôt ne contient encore aucune donnée.")
    return DataInfo(row[0], row[1])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


@dataclass(frozen=True)
class Coverage:
    """What the published warehouse serves: the latest full snapshot, and the establishments known only through
    a console export (their data dates; no UAI, for the public /healthz answers with this)."""

    full: DataInfo | None
    exports: tuple[DataInfo, ...] = ()

    def latest(self) -> DataInfo:
        """The full snapshot's date, or the latest export's when there is no full snapshot."""
        if self.full is not None:
            return self.full
        if not self.exports:
            raise WarehouseUnavailable("L'entrepôt ne contient encore aucune donnée.")
        return max(self.exports, key=lambda e: (e.date, e.ingested_at))

    def label(self) -> str:
        """Header: `Données du JJ/MM/AAAA à HH:MM` (DataInfo.label), or `Données du JJ/MM/AAAA — 1 établissement (export console)`."""
        n = len(self.exports)
        if self.full is not None:
            return self.full.label() + (
                f" — plus {_plural(n, 'établissement')} (export console)" if n else ""
            )
        return f"Données du {self.latest().date:%d/%m/%Y} — {_plural(n, 'établissement')} (export console)"

    def as_json(self) -> dict[str, object]:
        latest = self.latest()
        return {
            "data_date": latest.date.isoformat(),
            "ingested_at": latest.ingested_at.isoformat(),
            "couverture": {
                "complete": self.full.date.isoformat() if self.full else None,
                "exports_console": {
                    "etablissements": len(self.exports),
                    "dates": sorted({e.date.isoformat() for e in self.exports}),
                },
            },
        }


def coverage(settings: Settings) -> Coverage:
    """The published warehouse's coverage (console_exports: queries/warehouse/sql/console_exports.sql; a warehouse written
    before it existed has no export coverage for the console until the next ingestion)."""
    with connect(settings) as con:
        full = con.execute(
            "SELECT date, ingested_at FROM snapshot WHERE cov = 'full' ORDER BY date DESC LIMIT 1"
        ).fetchone()
        has = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND table_name = 'console_exports'"
        ).fetchone()[0]  # type: ignore[index]
        rows = (
            con.execute("SELECT data_date, ingested_at FROM console_exports ORDER BY uai").fetchall()
            if has
            else []
        )
    return Coverage(DataInfo(full[0], full[1]) if full else None, tuple(DataInfo(d, t) for d, t in rows))
