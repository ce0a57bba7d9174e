"""Shared plumbing of the real-browser tests (no test here): Debian's Chromium, its flags, a live app server, the
login through the real form."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode, urlsplit

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


@contextmanager
def serve_with_account(settings, login: str, role: str, scope: str | None, password: str,  # noqa: ANN001
                       name: str | None = None) -> Iterator[str]:
    """The app over `settings` (which creates the store's tables) with one account, served; yields its base URL."""
    from dashboard.app import create_app
    from queries.store import users

    app = create_app(settings)
    users.create_user(settings, login, role, scope, name or login.title(), password=password)
    with serve(app) as url:
        yield url


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, closed on the way out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, url: str, login: str, password: str, next_path: str = "/") -> None:  # noqa: ANN001
    """The real login form on `page`, then wait until the browser is on `next_path`'s page."""
    # The favicon request lands on /login (no session yet) and would renew the form's CSRF cookie mid-test.
    page.route("**/favicon.ico", lambda route: route.abort())
    page.goto(f"{url}/login?{urlencode({'next': next_path})}")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    landed = urlsplit(next_path).path
    page.wait_for_url(lambda u: urlsplit(u).path == landed)


def open_logged_in(browser, url: str, login: str, password: str, next_path: str, **options):  # noqa: ANN001, ANN003, ANN201
    """A new page logged in through the real form and landed on `next_path`, with the page errors it collects.

    `options` go to the page's own context (`bypass_csp=True` for the accessibility audit's injected axe-core,
    a `viewport`)."""
    page = browser.new_page(accept_downloads=True, locale="fr-FR", **options)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, url, login, password, next_path)
    return page, errors
