"""Real browser (Chromium): the Content-Security-Policy breaks nothing and is never violated.

Every page each demo role can open is loaded with the real CSP; any `securitypolicyviolation` event or
page error fails the test (so a component that needs `unsafe-eval`, or an inline script without its hash,
is caught here rather than in production).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from auth_kit import PASSWORD, add_user
from browser_kit import ARGS, BROWSER_MARKS, CHROMIUM, serve

pytestmark = BROWSER_MARKS

# Installed before any page script: collects CSP violations and keeps them in window.__csp.
COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""



@pytest.fixture
def live(mini_warehouse):
    from dashboard.app import create_app

    s = mini_warehouse
    app = create_app(s)
    add_user(s, "b.chef", "chef", "etablissement:9740501B")
    add_user(s, "b.admin", "admin")
    with serve(app) as url:
        yield url, s


@pytest.mark.parametrize(("login", "paths"), [
    ("b.chef", ["/", "/statistiques", "/responsables", "/qualite", "/journal", "/delegations"]),
    ("b.admin", ["/admin", "/journal"]),
])
def test_pages_run_under_the_csp_without_violation(live, login, paths):
    from playwright.sync_api import expect, sync_playwright

    live, _ = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(locale="fr-FR")
        ctx.add_init_script(COLLECT)
        page = ctx.new_page()
        errors: list[str] = []
        console: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{live}/login")
        assert not page.evaluate("window.__csp")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(r".*/$"))
        for path in paths:
            page.goto(f"{live}{path}")
            expect(page.locator("#shell-content h1").first).to_be_visible(timeout=20_000)
            expect(page.locator("#shell-content")).not_to_contain_text("Accès refusé")
            page.wait_for_timeout(1500)  # let graphs, grids and their injected styles settle
            violations = page.evaluate("window.__csp")
            assert not violations, f"{path} : {violations}"
        assert not console, console
        assert not errors, errors
        # Logout ends the session in the browser too.
        page.goto(f"{live}/logout")
        page.goto(f"{live}/statistiques")
        assert "/login" in page.url
        browser.close()


def test_open_page_goes_to_login_when_the_session_expires(live):
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect, sync_playwright

    from queries import store
    from queries.store import users

    url, s = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="fr-FR")
        page.goto(f"{url}/login?next=/statistiques")
        page.fill("input[name=login]", "b.chef")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(re.compile(r".*/statistiques$"))
        expect(page.locator("#shell-nav a", has_text="Responsables")).to_be_visible(timeout=20_000)
        with store.engine(s).begin() as con:  # 31 minutes of inactivity, as seen by the server
            con.execute(users.sessions.update().values(last_seen=users.utcnow() - timedelta(minutes=31)))
        # In-app navigation (dcc.Link): no page load, only the router callback, which now gets a 401.
        try:
            page.evaluate("document.querySelector('#shell-nav a[href=\"/responsables\"]').click()")
        except PlaywrightError as exc:
            # A statistics callback still in flight got its 401 first and already left for /login.
            if "Execution context was destroyed" not in str(exc):
                raise
        # next= is the page the browser was on when the first callback got its 401 (a late statistics callback
        # may win the race against the click).
        # to_have_url polls the address: unlike wait_for_url it does not fail on a navigation the page itself aborted.
        expect(page).to_have_url(re.compile(r".*/login\?raison=expiree&next=%2F(responsables|statistiques)"), timeout=20_000)
        expect(page.locator("main")).to_contain_text("Votre session a expiré")
        browser.close()
