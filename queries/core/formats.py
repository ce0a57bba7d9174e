"""French number and date formats, written once for every screen, export and message: `12 345`, `51,6 %`,
`JJ/MM/AAAA`. The thousands separator is a narrow no-break space, so a number never wraps."""

from __future__ import annotations

import math
from datetime import date, datetime
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
