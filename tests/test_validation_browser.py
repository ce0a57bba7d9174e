"""Real browser: Dash's renderer checks every callback against app.validation_layout (no suppressed errors).

The renderer records what it finds in its error store (shown by Dash's dev tools in debug mode): nothing for
the real app on each page, « ID not found in layout » for a callback naming a component that no page builds.
"""

from __future__ import annotations

import json

import pytest
from browser_kit import BROWSER_MARKS, chromium, open_logged_in, serve

PASSWORD = "Valid-Test-2026!x"

pytestmark = BROWSER_MARKS


def renderer_errors(app, paths: list[str]) -> dict[str, list]:  # noqa: ANN001
    """Errors in the renderer's store after loading each path as a support user of the académie."""
    from playwright.sync_api import expect

    out = {}
    with serve(app) as url, chromium() as browser:
        page, _ = open_logged_in(browser, url, "sup.valid", PASSWORD, "/")
        for path in paths:
            page.goto(url + path)
            expect(page.locator("main h1").first).to_be_visible(timeout=20_000)
            page.wait_for_timeout(1500)  # the sections' callbacks
            state = page.evaluate("JSON.stringify(window.dash_stores[0].getState().error)")
            err = json.loads(state)
            out[path] = err["frontEnd"] + err["backEnd"]
    return out


@pytest.fixture
def support(mini_warehouse):
    from queries.store import init_db, users

    init_db(mini_warehouse)
    users.create_user(mini_warehouse, "sup.valid", "support", "academie:28", "Support", password=PASSWORD)
    return mini_warehouse


def test_no_callback_error_on_the_pages(support):
    from dashboard.app import create_app

    paths = [
        "/",
        "/statistiques",
        "/statistiques?scope=etablissement:9740501B",
        "/responsables",
        "/qualite",
        "/journal",
        "/nimporte",
    ]
    assert renderer_errors(create_app(support), paths) == {p: [] for p in paths}


def test_a_callback_to_a_missing_component_is_reported(support):
    from dash import Input, Output

    from dashboard.app import create_app
    from dashboard.ids import Shell

    app = create_app(support)
    # A typo for stats-kpis.
    app.callback(Output("stats-kpi", "children"), Input(Shell.URL, "pathname"))(lambda p: p)
    errors = renderer_errors(app, ["/"])["/"]
    assert [e["error"]["message"] for e in errors] == ["ID not found in layout"]
    assert '"stats-kpi"' in errors[0]["error"]["html"]
