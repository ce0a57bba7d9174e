"""The one clock. Timestamps are taken timezone-aware; the store keeps them as naive UTC (SQLite and PostgreSQL
`timestamp without time zone` both round-trip that unchanged), so `utcnow()` drops the zone only at that edge.
Dates that users and the ingestion reason about ("today") are those of Europe/Paris, the product's reference:
every académie is at most one calendar day ahead of it."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PRODUCT_TZ = ZoneInfo("Europe/Paris")


def now() -> datetime:
    """Aware UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def utcnow() -> datetime:
    """Naive UTC, to the second: the store's convention for its DateTime columns."""
    return now().replace(tzinfo=None)


def in_paris(at: datetime) -> datetime:
    """A stored naive-UTC time (or an aware one) in Paris, for display."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(PRODUCT_TZ)


def paris_wall() -> datetime:
    """Naive Paris wall time: the warehouse's ingestion time, shown as is in the header (to the microsecond: it
    also orders the ingestions, several of which may fall within a second)."""
    return datetime.now(PRODUCT_TZ).replace(tzinfo=None)


def today() -> date:
    """Today's date in Paris."""
    return datetime.now(PRODUCT_TZ).date()


def iso_date(text: str) -> date:
    """argparse type for `AAAA-MM-JJ` dates, with a French error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » (attendu : AAAA-MM-JJ)") from None
