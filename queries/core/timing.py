"""Step timings of the writer side (ingestion, withdrawal, publication), shown by `meteocomptes ingest -v`.

Who wants them says so explicitly, for the duration of a block: `with report_steps(sys.stderr): ingest(...)`.
A context variable rather than a parameter through every layer (the steps are deep in queries/), and rather
than a process-wide switch: it ends with the block and is not inherited by other threads or child processes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

_REPORT: ContextVar[TextIO | None] = ContextVar("meteocomptes_report_steps", default=None)


@contextmanager
def report_steps(out: TextIO | None) -> Iterator[None]:
    """Print each step's duration to `out` inside the block (`None`: print nothing)."""
    token = _REPORT.set(out)
    try:
        yield
    finally:
        _REPORT.reset(token)


@contextmanager
def step(name: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        out = _REPORT.get()
        if out is not None:
            print(f"  [{time.perf_counter() - t0:7.2f} s] {name}", file=out, flush=True)
