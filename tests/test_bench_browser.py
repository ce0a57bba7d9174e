"""Smoke test of the browser benchmark: `--quick` on the demo académie, one page, must produce figures.

Builds the demo data in a temporary folder (about half a minute), starts gunicorn and Chromium like the real run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_quick_run_on_the_demo_measures_the_home_page(tmp_path):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":  # CI installs Chromium: its absence there is a failure, not a skip
            pytest.fail(f"Chromium absent ({CHROMIUM}) en CI")
        pytest.skip(f"Chromium absent ({CHROMIUM}) : apt-get install chromium (scripts/system-deps.sh)")
    out = tmp_path / "browser.md"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench_browser",
            "--profile",
            "demo",
            "--pages",
            "accueil",
            "--quick",
            "--data-dir",
            str(tmp_path),
            "--markdown",
            str(out),
        ],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| Accueil | pilote |")]
    assert len(rows) == 2, text  # first useful content, complete page
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        median, p95, first, peer, ratio = cells[3:8]
        assert all(re.fullmatch(r"[\d\u202f]+", x) for x in (median, p95, first, peer)), row
        assert 0 < int(median.replace("\u202f", "")) < 120_000, row
        assert re.fullmatch(r"×\d+\.\d", ratio), row
    assert "charge de la machine" in text
    # The seeded journal is in the bench's own store, not in the caller's.
    assert (tmp_path / "browser-demo" / "meteocomptes.sqlite").exists()
