"""Shared plumbing of the real-browser tests (no test here): Debian's Chromium, its flags, a live app server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from services import CHROMIUM as CHROMIUM  # re-exported: the browser tests launch it

# Closed network here: without the background-networking flags Chromium keeps trying Google's hosts.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]

# `chromium_available` (conftest.py): without Chromium, skipped with its reason locally, failed under CI=true.
BROWSER_MARKS = [pytest.mark.browser, pytest.mark.usefixtures("chromium_available")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app) -> Iterator[str]:  # noqa: ANN001 - a Dash app
    """The app in a real threaded HTTP server on a free localhost port; yields its base URL."""
    from werkzeug.serving import make_server

    port = free_port()
    srv = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.shutdown()
