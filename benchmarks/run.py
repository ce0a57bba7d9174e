"""`make bench`: every benchmark at La Réunion scale (the browser one on the demo too), one after the other (each
prints ratios against its peer).

National scale: `python -m benchmarks.bench_ingest --profile national` (several minutes, ~4 GB of CSV).
"""

from __future__ import annotations

import subprocess
import sys

BENCHES = (
    ["benchmarks.bench_ingest", "--profile", "reunion"],
    ["benchmarks.bench_stats", "--profile", "reunion"],
    ["benchmarks.bench_console", "--profile", "reunion"],
    ["benchmarks.bench_browser", "--profile", "demo", "reunion"],  # Chromium on each page: demo and reunion
)


def main() -> int:
    rc = 0
    for bench in BENCHES:
        print(f"\n=== {' '.join(bench)} ===", flush=True)
        rc |= subprocess.call([sys.executable, "-m", *bench, *sys.argv[1:]])
    return rc


if __name__ == "__main__":
    sys.exit(main())
