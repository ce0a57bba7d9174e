"""Accessibility in a real browser (RGAA through axe-core): every page, for every role that may open it.

The canary world of the access matrix (tests/canary.py) is served by a real HTTP server; each role logs in
through the form (browser_kit.open_logged_in) and opens each page of EXPECTED_PAGES that is its own; axe-core
then audits the rendered page, and no violation of impact « serious » or « critical » is allowed. The console
(/responsables) is audited twice: on arrival, and after a search with an account opened (grid and detail panel).

No axe rule is disabled. axe-core comes from npm (scripts/system-deps.sh installs it in .cache/axe, git-ignored);
missing, these tests skip locally and fail under CI=true (services.require_service).

A keyboard check completes it: on /responsables, Tab reaches the search field and the search button, Enter
searches, and Enter on a grid row opens the account (assets/dashAgGridFunctions.js, respOpenOnEnter).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import canary
import pytest
from browser_kit import ARGS, BROWSER_MARKS, CHROMIUM, open_logged_in, serve
from services import require_service
from test_access_matrix import EXPECTED_PAGES, WHO

from queries.core.scope import Principal
from queries.core.settings import Settings
from queries.store import users

pytestmark = BROWSER_MARKS

AXE_DIR = Path(__file__).resolve().parent.parent / ".cache" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "Accessibilite-Test-2026!x"
BLOCKING = {"serious", "critical"}
# The demo mail sink is on in this module (MAIL_SINK_DIR), so « Courriels envoyés (démo) » opens, to the support
# only (tests/test_mail_sink.py); the access matrix runs with the sink off, where no role opens it.
PAGES = {**EXPECTED_PAGES, "/courriels": {"support"}}


def axe_script() -> Path:
    if not AXE_JS.exists():
        require_service("axe-core", f"{AXE_JS} absent : bash scripts/system-deps.sh (npm install axe-core)")
    return AXE_JS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The canary world served once for the module, with one account per role of the access matrix."""
    from argon2 import PasswordHasher

    from dashboard.app import create_app

    axe_script()
    root = tmp_path_factory.mktemp("a11y")
    canary.build_warehouse(root)
    s = Settings.from_env(
        {"METEOCOMPTES_DATA_DIR": str(root / "var"), "METEOCOMPTES_WAREHOUSE": str(root / "warehouse")},
        MAIL_SINK_DIR=str(root / "courriels"),
    )
    app = create_app(s)  # creates the store's tables
    canary.write_journal(s)
    with pytest.MonkeyPatch.context() as mp:  # cheap hashes: hashing cost is not what this module checks
        mp.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        for w in WHO:
            users.create_user(
                s,
                f"a11y.{w.name}",
                w.role,
                w.scope if w.role != "delegue" else None,
                w.name,
                password=PASSWORD,
            )
        head = users.create_user(
            s, "a11y.chef_lycee", "chef", f"etablissement:{canary.LYCEE_UAI}", "Chef lycée", password=PASSWORD
        )
        today = date.today()
        users.grant_delegation(
            s,
            Principal(head.id, head.login, head.role, head.scope),
            "a11y.delegue",
            today + timedelta(days=30),
            today,
        )
        with serve(app) as url:
            yield url


@pytest.fixture(scope="module")
def browser(site: str):  # noqa: ANN201 - a Playwright Browser
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def settle(page) -> None:  # noqa: ANN001 - a Playwright Page
    """The Dash page rendered: a heading in the content, no callback pending, the network quiet."""
    page.wait_for_function(
        "() => { const c = document.querySelector('#shell-content');"
        " return c && c.querySelector('h1') && !document.querySelector('[data-dash-is-loading=\"true\"]'); }",
        timeout=30_000,
    )
    page.wait_for_load_state("networkidle", timeout=30_000)


def audit(page, where: str) -> list[str]:  # noqa: ANN001
    """axe-core on the current document; the serious and critical violations, one line per element."""
    page.add_script_tag(path=str(axe_script()))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for v in result["violations"]:
        if v["impact"] not in BLOCKING:
            continue
        for node in v["nodes"]:
            found.append(
                f"{where} : {v['id']} ({v['impact']}) {v['help']} — {node['target']} "
                f"{node['html'][:160]} | {node.get('failureSummary', '')[:200]}"
            )
    return found


def new_logged_page(browser, site: str, name: str, path: str):  # noqa: ANN001, ANN201
    # bypass_csp: our CSP refuses inline and injected scripts, rightly; axe is injected only in these tests.
    page, errors = open_logged_in(browser, site, f"a11y.{name}", PASSWORD, path, bypass_csp=True)
    return page.context, page, errors


def open_account(page, query: str = "") -> None:  # noqa: ANN001
    """A search on the console, then the first grid row opened (mouse), its detail panel shown."""
    from playwright.sync_api import expect

    if query:
        page.fill("#resp-q", query)
    # A search mounts a new grid (its id carries a generation): wait for it, not for the rows of the old one.
    gen = "() => { const g = document.querySelector('#resp-grid-wrap [id*=\"resp-grid\"]'); return g ? g.id : ''; }"
    before = page.evaluate(gen)
    page.click("#resp-search")
    page.wait_for_function(f"(b) => ({gen})() !== b", arg=before, timeout=30_000)
    cell = page.locator(".ag-row .ag-cell[col-id=responsable]").first
    expect(cell).to_be_visible(timeout=30_000)
    settle(page)
    # Under load (2 shared cores, the whole module) the first click on a just-mounted grid was lost twice for
    # chef_ecole, never when run alone: one more click. Opening by click is itself tested in
    # test_browser_console.py; here the point is auditing the opened panel.
    for attempt in range(2):
        cell.click()
        try:
            expect(page.locator("#resp-d-content")).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            if attempt:
                raise
    settle(page)


def test_login_page(browser, site):
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site}/login")
    page.wait_for_selector("input[name=login]")
    found = audit(page, "/login")
    context.close()
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", [w.name for w in WHO])
def test_pages_per_role(browser, site, name):
    """Every page the role may open, audited; the violations of all its pages are reported together."""
    paths = [p for p, who in PAGES.items() if name in who]
    assert paths  # every role opens at least the home page
    context, page, errors = new_logged_page(browser, site, name, paths[0])
    found: list[str] = []
    for path in paths:
        page.goto(f"{site}{path}")
        settle(page)
        assert page.locator("#shell-content h1").first.inner_text() != "Accès refusé", f"{name} {path}"
        found += audit(page, f"{name} {path}")
        if path == "/responsables":
            open_account(page)
            found += audit(page, f"{name} {path} (recherche, fiche ouverte)")
    context.close()
    assert not errors, errors
    assert not found, f"{len(found)} violation(s) :\n" + "\n".join(found)


def test_console_keyboard(browser, site):
    """Tab reaches the search field then the button, Enter searches, Enter on a grid row opens the account."""
    from playwright.sync_api import expect

    context, page, errors = new_logged_page(browser, site, "chef_college", "/responsables")
    settle(page)

    def tab_to(selector_js: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(
                f"() => {{ const a = document.activeElement; return !!(a && ({selector_js})); }}"
            ):
                return
        pytest.fail(f"Tab n'atteint pas {selector_js} en {limit} appuis")

    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab_to("a.id === 'resp-q'")
    # At a human pace: typed at once on this loaded machine, dcc.Input once lost the caret ("dtupon").
    page.keyboard.type("dupont", delay=80)
    tab_to("a.id === 'resp-search'")
    page.focus("#resp-q")
    assert page.input_value("#resp-q") == "dupont"
    page.keyboard.press("Enter")
    expect(page.locator("#resp-count")).to_contain_text("2 lignes", timeout=30_000)
    expect(page.locator(".ag-row .ag-cell[col-id=responsable]").first).to_contain_text(
        "DUPONT", timeout=30_000
    )
    # Into the grid by keyboard: Tab to a cell (header first), arrows to a data cell off the selection column.
    tab_to("a.closest('.ag-root-wrapper')")
    page.keyboard.press("ArrowDown")
    for _ in range(6):
        col = page.evaluate(
            "() => { const c = document.activeElement.closest('.ag-cell');"
            " return c && c.closest('.ag-row') ? c.getAttribute('col-id') : null; }"
        )
        if col == "responsable":
            break
        page.keyboard.press("ArrowRight")
    assert col == "responsable", col
    page.keyboard.press("Enter")
    expect(page.locator("#resp-d-content")).to_be_visible(timeout=30_000)
    expect(page.locator("#resp-d-content")).to_contain_text(re.compile("DUPONT", re.I), timeout=30_000)
    expect(page.locator("#resp-detail-title")).to_be_focused()  # the panel's heading takes the focus
    context.close()
    assert not errors, errors
