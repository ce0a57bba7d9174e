"""Shared plumbing of the real-browser tests (no test here): Debian's Chromium, its flags, a live app server."""

from __future__ import annotations

import re
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


def open_logged_in(browser, url: str, login: str, password: str, next_path: str, **options):  # noqa: ANN001, ANN003, ANN201
    """A new page logged in through the real form and landed on `next_path`, with the page errors it collects.

    `options` go to the page's own context (`bypass_csp=True` for the accessibility audit's injected axe-core)."""
    page = browser.new_page(accept_downloads=True, locale="fr-FR", **options)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # The favicon request lands on /login (no session yet) and would renew the form's CSRF cookie mid-test.
    page.route("**/favicon.ico", lambda route: route.abort())
    page.goto(f"{url}/login?next={next_path}")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(re.compile(".*" + re.escape(next_path) + ".*"))
    return page, errors
