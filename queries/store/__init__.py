"""Transactional store (users, sessions, delegations, audit log, outbox, pending corrections).

SQLite by default, PostgreSQL when DATABASE_URL says so. One engine per process (created lazily, after fork).
Modules of `queries/` register their tables on `metadata`; `init_db` creates whatever is missing.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.core.settings import Settings

metadata = sa.MetaData()

# Modules that declare tables on `metadata`; imported by init_db so every table exists.
TABLE_MODULES: list[str] = ["queries.store.users", "queries.store.audit", "queries.store.ratelimit", "queries.services.actions", "queries.store.outbox"]

_engines: dict[tuple[int, str], Engine] = {}


def _normalise(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def engine(settings: Settings) -> Engine:
    url = _normalise(settings.database_url)
    key = (os.getpid(), url)
    eng = _engines.get(key)
    if eng is None:
        if url.startswith("sqlite"):
            db_path = url.split("///", 1)[-1]
            if db_path and db_path != ":memory:":
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            eng = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

            @sa.event.listens_for(eng, "connect")
            def _sqlite_pragmas(dbapi_con, _record):  # noqa: ANN001
                cur = dbapi_con.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.close()
        else:
            eng = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        _engines[key] = eng
    return eng


def init_db(settings: Settings) -> None:
    for mod in TABLE_MODULES:
        importlib.import_module(mod)
    metadata.create_all(engine(settings))
