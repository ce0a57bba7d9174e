"""External services some tests need (Chromium, PostgreSQL, Redis, the venv's gunicorn); no test here.

Every "this service is missing" goes through `require_service`: locally the test is skipped and says why; in
continuous integration (`CI=true`, exported by `.ci/run`) it fails, so that a broken machine cannot turn the
browser, PostgreSQL or Redis tests into a green run that tested nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

CHROMIUM = "/usr/bin/chromium"
REDIS_URL_TEST = os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/15")
DATABASE_URL_TEST = os.environ.get("DATABASE_URL_TEST", "postgresql://postgres@127.0.0.1:5432/test")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_service(name: str, reason: str) -> NoReturn:
    """Stops the current test because `name` is unavailable: a skip with its reason, a failure under CI=true."""
    message = f"{name} indisponible : {reason}"
    if in_ci():
        pytest.fail(
            f"{message} (CI=true : un service manquant fait échouer la suite au lieu de l'ignorer)",
            pytrace=False,
        )
    pytest.skip(message)


def chromium() -> str:
    """Path of Debian's Chromium (browser tests, kaleido's charts)."""
    if not os.path.exists(CHROMIUM):
        require_service("Chromium", f"{CHROMIUM} absent : apt-get install chromium (scripts/system-deps.sh)")
    return CHROMIUM


def redis_url() -> str:
    """REDIS_URL_TEST, once a PING answered."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL_TEST, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no usable Redis here"
        require_service("Redis", f"injoignable à {REDIS_URL_TEST} (REDIS_URL_TEST) : {exc}")
    return REDIS_URL_TEST


def postgres_url() -> str:
    """DATABASE_URL_TEST, once a `SELECT 1` answered."""
    try:
        import sqlalchemy as sa

        from queries.store import _normalise

        eng = sa.create_engine(_normalise(DATABASE_URL_TEST))
        try:
            with eng.connect() as con:
                con.execute(sa.text("SELECT 1"))
        finally:
            eng.dispose()
    except Exception as exc:  # noqa: BLE001
        require_service("PostgreSQL", f"injoignable à {DATABASE_URL_TEST} (DATABASE_URL_TEST) : {exc}")
    return DATABASE_URL_TEST


def venv_program(name: str, bin_dir: Path) -> Path:
    """A program installed in the venv (gunicorn): missing means a broken install."""
    path = bin_dir / name
    if not path.exists():
        require_service(name, f"absent du venv ({bin_dir}) : pip install -e '.[test]'")
    return path
