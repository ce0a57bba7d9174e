"""gunicorn target of the browser benchmark: the production app (`meteocomptes.wsgi:server`) plus one route that
serves the benchmark's peer pages, static HTML files from BENCH_PEER_DIR.

The peer thus goes through the same gunicorn workers, the same Flask request hooks (session check, security
headers) and the same network path as the pages it is compared with; only Dash is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import send_from_directory

from meteocomptes.wsgi import server

PEER_DIR = Path(os.environ.get("BENCH_PEER_DIR", ".")).resolve()


@server.route("/bench-peer/<name>")
def bench_peer(name: str):  # noqa: ANN201 - a Flask response
    return send_from_directory(PEER_DIR, name, mimetype="text/html", max_age=0)


__all__ = ["server"]
