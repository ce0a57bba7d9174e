"""The one rule for cells of every CSV the application serves (console list, statistics, journal).

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(…)` sends data away,
`-1+2` computes), and Excel also after a leading tab or carriage return: such a text cell gets a leading `'`,
which spreadsheets show as text. Numbers are written by the exporters as numbers, never passed here as text
(a negative rate must stay a number Excel can sum).
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The cell as text, prefixed with a quote when a spreadsheet would run it as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
