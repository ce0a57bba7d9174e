"""Real browser (Chromium via Playwright): log in, search, open an account, notify it, download the letter.

The app runs in a real HTTP server (werkzeug, threaded) on a free localhost port, on a warehouse built by the
real ingestion from tests/test_console_data.py.
"""

from __future__ import annotations

import io
import os
import re
import socket
import threading
from pathlib import Path

import pytest
from test_console_data import COLLEGE, build_warehouse

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
PASSWORD = "Console-Test-2026!x"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium absent (/usr/bin/chromium) : "
                       "apt-get install chromium (scripts/system-deps.sh)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_app(settings):
    from werkzeug.serving import make_server

    from dashboard.app import create_app
    from queries import users

    build_warehouse(settings)
    app = create_app(settings)
    users.create_user(settings, "chef.college", "chef", f"etablissement:{COLLEGE}", "Chef du collège",
                      password=PASSWORD)
    port = _free_port()
    srv = make_server("127.0.0.1", port, app.server, threaded=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{port}", settings
    srv.shutdown()


def test_search_open_notify_download(live_app, tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright
    from pypdf import PdfReader

    url, settings = live_app
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(accept_downloads=True, locale="fr-FR")
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # The favicon request lands on /login (no session yet) and would renew the form's CSRF cookie mid-test.
        page.route("**/favicon.ico", lambda route: route.abort())
        page.goto(f"{url}/login?next=/responsables")
        page.fill("input[name=login]", "chef.college")
        page.fill("input[name=password]", PASSWORD)
        page.locator("form button[type=submit], form input[type=submit]").first.click()
        page.wait_for_url(re.compile(r".*/responsables.*"))
        expect(page.locator("#resp-count")).to_contain_text("9 résultats", timeout=20_000)

        page.fill("#resp-q", "rehain")
        page.press("#resp-q", "Enter")
        expect(page.locator("#resp-count")).to_contain_text("2 résultats", timeout=20_000)
        cell = page.locator(".ag-row .ag-cell[col-id=responsable]", has_text="ABBEYEM Marie Sandrine").first
        expect(cell).to_be_visible(timeout=20_000)
        assert "rehain" not in page.url.lower()  # the search text stays out of the URL
        page.screenshot(path=str(tmp_path / "search.png"))

        cell.click()
        detail = page.locator("#resp-detail")
        expect(detail).to_be_visible(timeout=20_000)
        expect(detail).to_contain_text("Insérés dans l'établissement")
        expect(detail).to_contain_text("Insérés dans un autre établissement")
        expect(detail).to_contain_text("Lucas")  # 1D sibling

        with page.expect_download(timeout=30_000) as dl:
            page.click("#resp-d-notify")
        path = tmp_path / "lettre.pdf"
        dl.value.save_as(path)
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
        assert "m.abbeym" in text and "Mot de passe provisoire" in text
        expect(detail).to_contain_text("Notifié et non activé", timeout=20_000)
        page.screenshot(path=str(tmp_path / "detail.png"), full_page=True)

        # Group action on every row of the current filter: the confirmation states the count.
        page.fill("#resp-q", "")
        page.press("#resp-q", "Enter")
        expect(page.locator("#resp-count")).to_contain_text("9 résultats", timeout=20_000)
        page.locator("#resp-g-target label", has_text="Tous les résultats").click()
        page.click("#resp-g-open")
        expect(page.locator("#resp-g-confirm-text")).to_contain_text("7 comptes", timeout=20_000)
        with page.expect_download(timeout=60_000) as dl2:
            page.click("#resp-g-confirm")
        pdf2 = PdfReader(io.BytesIO(Path(dl2.value.path()).read_bytes()))
        assert len(pdf2.pages) == 6  # 7 accounts, the deactivated one is skipped
        expect(page.locator("#resp-message")).to_contain_text("désactivé", timeout=20_000)

        # A group action on zero accounts is refused with a message.
        page.locator("#resp-g-target label", has_text="lignes cochées").click()
        page.click("#resp-g-open")
        expect(page.locator("#resp-message")).to_contain_text("Aucun compte sélectionné", timeout=20_000)

        page.goto(f"{url}/journal")
        expect(page.locator("#journal-table")).to_contain_text("Notification", timeout=20_000)
        page.screenshot(path=str(tmp_path / "journal.png"), full_page=True)
        page.goto(f"{url}/qualite")
        expect(page.locator("#shell-content")).to_contain_text("sans téléphone portable", timeout=20_000)
        page.screenshot(path=str(tmp_path / "qualite.png"), full_page=True)
        assert not errors, errors
        browser.close()

    from queries import audit
    from queries.scope import Principal, Role

    admin = Principal(0, "admin", Role.ADMIN, None)
    acts = {e.action for e in audit.query(settings, admin, limit=100)}
    assert {"search", "view", "notify"} <= acts
