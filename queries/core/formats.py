"""French number and date formats, written once for every screen, export and message: `12 345`, `51,6 %`,
`JJ/MM/AAAA`. The thousands separator is a narrow no-break space, so a number never wraps."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

NBSP = "\u00a0"
NNBSP = "\u202f"
MISSING = "–"


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_int(n: Any, sep: str = NNBSP) -> str:
    """`12 345`."""
    return MISSING if _missing(n) else f"{int(n):,}".replace(",", sep)


def fmt_pct(x: Any, digits: int = 1) -> str:
    """A rate (0.516) as `51,6 %`."""
    if _missing(x):
        return MISSING
    return f"{100 * float(x):.{digits}f}".replace(".", ",") + f"{NBSP}%"


def fmt_pts(x: Any) -> str:
    """A change of rate in percentage points, signed."""
    if _missing(x):
        return MISSING
    v = round(100 * float(x), 1)
    sign = "+" if v > 0 else ("−" if v < 0 else "±")
    return sign + f"{abs(v):.1f}".replace(".", ",") + f"{NBSP}pt"


def fmt_delta(n: Any) -> str:
    """A signed count: `+12`, `−3`, `±0`."""
    if _missing(n):
        return MISSING
    return ("+" if n > 0 else ("−" if n < 0 else "±")) + fmt_int(abs(int(n)))


def fmt_date(d: Any, missing: str = MISSING) -> str:
    """`JJ/MM/AAAA`; `missing` for anything that is not a date."""
    return f"{d:%d/%m/%Y}" if isinstance(d, (date, datetime)) else missing


def fmt_datetime(d: Any, missing: str = MISSING) -> str:
    """`JJ/MM/AAAA HH:MM` (the caller converts to the time zone it shows); `missing` for anything else."""
    return f"{d:%d/%m/%Y %H:%M}" if isinstance(d, datetime) else missing


def fmt_update(data_date: date, ingested_at: datetime) -> str:
    """« Dernière mise à jour » of one data date, from that date's own ingestion time. A date loaded on another
    day (a backfill, the demo, a re-ingestion) names the day it was loaded: pairing the data date with the
    time of a later load would state an update that never happened then."""
    when = f"{ingested_at:%d/%m/%Y} à {ingested_at:%H:%M}"
    if ingested_at.date() == data_date:
        return f"Dernière mise à jour le {when}"
    return f"Dernière mise à jour le {when} (données du {data_date:%d/%m/%Y})"


# ------------------------------------------------------------------------------------------------------- CSV
# Every CSV the product writes (console lists, statistics, journal): `;`-separated, UTF-8 with a BOM and CRLF, as
# French Excel opens them; numbers raw (no thousands separator) so that Excel sums them. A spreadsheet runs a cell
# that starts with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(…)` sends data away, `-1+2` computes), and
# Excel also after a leading tab or carriage return: such a text cell gets a leading `'`, shown as text.
# Numbers are never passed as text (a negative rate must stay a number Excel can sum).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_pct(x: Any, digits: int = 1) -> Decimal | None:
    """A rate (0.5158) as the CSV number of a « … (%) » column: `51,6`. A Decimal keeps exactly `digits` decimals
    and stays a number for Excel (a negative one is not neutralised as a formula)."""
    return None if _missing(x) else round(Decimal(100 * float(x)), digits)


def csv_pts(x: Any, digits: int = 1) -> Decimal | None:
    """A gap between two rates (−0.2307) in percentage points for a « … (points) » column: `-23,1`."""
    return csv_pct(x, digits)


def csv_cell(v: Any) -> Any:
    if _missing(v):
        return ""
    if isinstance(v, Decimal):
        return str(v).replace(".", ",")
    if isinstance(v, float):
        return f"{v:.4f}".replace(".", ",")  # French decimal comma
    if isinstance(v, (date, datetime)):
        return fmt_date(v)
    if isinstance(v, str):
        return neutralise(v)
    return v


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for r in rows:
        w.writerow([csv_cell(v) for v in r])
    return BOM + buf.getvalue()
