"""Real browser (Chromium): after a refused login, the keyboard focus is on the error message, not the page body.

The login page is rendered by the server (dashboard/auth.py `_login_page`): the message region is focusable
(tabindex="-1") and autofocused, so a screen reader announces it and Tab leads on to the fields.
"""

from __future__ import annotations

import pytest
from auth_kit import PASSWORD, fast_argon2  # noqa: F401 - fast_argon2: autouse
from browser_kit import BROWSER_MARKS, chromium, serve_with_account

pytestmark = BROWSER_MARKS


@pytest.fixture
def live(settings):
    with serve_with_account(settings, "f.chef", "chef", "etablissement:9740501B", PASSWORD) as url:
        yield url


def test_failed_login_moves_focus_to_the_error_message(live):
    with chromium() as browser:
        page = browser.new_page(locale="fr-FR")
        page.route("**/favicon.ico", lambda route: route.abort())
        page.goto(f"{live}/login")
        assert page.evaluate("document.activeElement.tagName") == "BODY"  # nothing to announce on arrival
        page.fill("input[name=login]", "f.chef")
        page.fill("input[name=password]", "pas-le-bon")
        page.click("form button[type=submit]")
        page.wait_for_selector("#login-error")
        # autofocus applies once the document is parsed; polled from Python (the CSP forbids wait_for_function's eval)
        for _ in range(50):
            if page.evaluate("document.activeElement && document.activeElement.id") == "login-error":
                break
            page.wait_for_timeout(100)
        focused = page.evaluate("[document.activeElement.id, document.activeElement.getAttribute('role'), "
                                "document.activeElement.innerText]")
        assert focused[0] == "login-error" and focused[1] == "alert" and "Identifiant ou mot de passe" in focused[2]
        page.keyboard.press("Tab")  # the keyboard goes on from the message to the form
        assert page.evaluate("document.activeElement.id") == "login"
        assert page.get_attribute("#login", "aria-describedby") == "login-error"
        # and a good password still logs in from there
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{live}/")
