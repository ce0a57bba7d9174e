"""Shared counters for login throttling and for export / group-notification rate limits.

In Redis when REDIS_URL is set, else in the transactional store (SQLite or PostgreSQL): either way every
worker and node sees the same counts. A counter lives `window_seconds` from its first hit (fixed window, for
"N exports per hour"), or from its last hit when `sliding=True` (for login failures: the lock lasts
LOGIN_LOCK_MINUTES after the last failure, so a patient attacker does not get a fresh budget every window).

Exports share one budget per user: `export_allowed(settings, user_id)`, else answer 429 with
EXPORT_LIMIT_MESSAGE and audit it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from queries.core.clock import utcnow
from queries.core.settings import Settings
from queries.store import engine, metadata

counters = sa.Table(
    "ratelimit_counters",
    metadata,
    sa.Column("key", sa.String(80), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
)

_PREFIX = "meteocomptes:rl:"
_redis_clients: dict[str, object] = {}


def _key(key: str) -> str:
    # Keys carry logins and IP addresses: store a digest, not the value.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


def _redis(settings: Settings):  # noqa: ANN202
    url = settings["REDIS_URL"]
    if not url:
        return None
    client = _redis_clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        _redis_clients[url] = client
    return client


def _now() -> datetime:
    return utcnow()


def incr(settings: Settings, key: str, window_seconds: int, *, sliding: bool = False) -> int:
    """Add one to the counter and return its new value."""
    k = _key(key)
    r = _redis(settings)
    if r is not None:
        pipe = r.pipeline(transaction=True)
        pipe.incr(_PREFIX + k)
        if sliding:
            pipe.expire(_PREFIX + k, int(window_seconds))
        else:
            pipe.expire(_PREFIX + k, int(window_seconds), nx=True)  # only when first created
        return int(pipe.execute()[0])
    now = _now()
    exp = now + timedelta(seconds=int(window_seconds))
    eng = engine(settings)
    ins = (postgresql if eng.dialect.name == "postgresql" else sqlite).insert(counters)
    c = counters.c
    expired = c.expires_at <= now
    stmt = ins.values(key=k, count=1, expires_at=exp).on_conflict_do_update(
        index_elements=[c.key],
        set_={
            "count": sa.case((expired, 1), else_=c.count + 1),
            "expires_at": exp if sliding else sa.case((expired, exp), else_=c.expires_at),
        },
    ).returning(c.count)
    with eng.begin() as con:
        return int(con.execute(stmt).scalar_one())


def peek(settings: Settings, key: str) -> int:
    """Current value of the counter (0 when absent or expired)."""
    k = _key(key)
    r = _redis(settings)
    if r is not None:
        v = r.get(_PREFIX + k)
        return int(v) if v else 0
    with engine(settings).connect() as con:
        v = con.execute(
            sa.select(counters.c.count).where(counters.c.key == k, counters.c.expires_at > _now())
        ).scalar()
    return int(v or 0)


def reset(settings: Settings, key: str) -> None:
    k = _key(key)
    r = _redis(settings)
    if r is not None:
        r.delete(_PREFIX + k)
        return
    with engine(settings).begin() as con:
        con.execute(counters.delete().where(counters.c.key == k))


def hit(settings: Settings, key: str, limit: int, window_seconds: int) -> bool:
    """Count one use of `key`; True while at most `limit` uses happened in the window, False beyond."""
    return incr(settings, key, window_seconds) <= int(limit)


def purge(settings: Settings) -> int:
    """Drop expired counters of the store (Redis expires its own)."""
    if _redis(settings) is not None:
        return 0
    with engine(settings).begin() as con:
        return con.execute(counters.delete().where(counters.c.expires_at <= _now())).rowcount


EXPORT_LIMIT_MESSAGE = "Trop d'exports en peu de temps, réessayez plus tard."


def export_allowed(settings: Settings, user_id: int) -> bool:
    """One export (any kind: list, letters, statistics, journal) by this user: at most EXPORT_RATE_LIMIT an hour."""
    return hit(settings, f"export:{user_id}", int(settings["EXPORT_RATE_LIMIT"]), 3600)
