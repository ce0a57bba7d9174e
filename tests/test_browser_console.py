"""Real browser (Chromium via Playwright): log in, search, open an account, notify it, download the letter.

The app runs in a real HTTP server (werkzeug, threaded) on a free localhost port, on a warehouse built by the
real ingestion from tests/test_console_data.py.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest
from browser_kit import BROWSER_MARKS, chromium, free_port, open_logged_in, serve
from console_data import COLLEGE, ECOLE, build_warehouse

PASSWORD = "Console-Test-2026!x"

pytestmark = BROWSER_MARKS



@pytest.fixture
def live_app(settings):
    from dashboard.app import create_app
    from queries.store import users

    build_warehouse(settings)
    app = create_app(settings)
    users.create_user(settings, "chef.college", "chef", f"etablissement:{COLLEGE}", "Chef du collège",
                      password=PASSWORD)
    with serve(app) as url:
        yield url, settings


def test_search_open_notify_download(live_app, tmp_path: Path):
    from playwright.sync_api import expect
    from pypdf import PdfReader

    url, settings = live_app
    with chromium() as browser:
        page, errors = open_logged_in(browser, url, "chef.college", PASSWORD, "/responsables")
        expect(page.locator("#resp-count")).to_contain_text("9 lignes (7 comptes)", timeout=20_000)

        page.fill("#resp-q", "rehain")
        page.press("#resp-q", "Enter")
        expect(page.locator("#resp-count")).to_contain_text("2 lignes (2 comptes)", timeout=20_000)
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

        # An activated account (last login 06/07/2026): the new-password box starts unticked, and every action
        # that changes its access asks first, in a modal dialog that Escape closes without doing anything.
        newpw = page.locator("#resp-d-newpw input[type=checkbox]")
        expect(newpw).not_to_be_checked()
        dialog = page.locator("#resp-confirm")
        page.click("#resp-d-notify")
        expect(dialog).to_be_visible(timeout=20_000)
        expect(dialog).to_contain_text("Ce compte est activé ; dernière connexion le 06/07/2026.")
        expect(dialog).to_contain_text("son mot de passe actuel reste valable")
        expect(page.locator("#resp-confirm-cancel")).to_be_focused()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(page.locator("#resp-d-notify")).to_be_focused()
        newpw.check()
        page.click("#resp-d-notify")
        expect(dialog).to_contain_text("empêchera le responsable de se connecter avec son mot de passe actuel",
                                       timeout=20_000)
        page.screenshot(path=str(tmp_path / "confirmation.png"))
        with page.expect_download(timeout=30_000) as dl:
            page.click("#resp-confirm-ok")
        path = tmp_path / "lettre.pdf"
        dl.value.save_as(path)
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
        assert "m.abbeym" in text and "Mot de passe provisoire" in text
        assert "Réinitialisation de votre mot de passe" in text and "Pour activer votre compte" not in text
        expect(dialog).to_be_hidden(timeout=20_000)
        expect(detail).to_contain_text("Notifié et non activé", timeout=20_000)
        page.screenshot(path=str(tmp_path / "detail.png"), full_page=True)

        # Group action on every row of the current filter: the confirmation states the count and the states.
        page.fill("#resp-q", "")
        page.press("#resp-q", "Enter")
        expect(page.locator("#resp-count")).to_contain_text("9 lignes (7 comptes)", timeout=20_000)
        page.locator("#resp-g-target label", has_text="Tous les résultats").click()
        page.click("#resp-g-open")
        expect(page.locator("#resp-confirm-title")).to_contain_text("7 comptes", timeout=20_000)
        expect(dialog).to_contain_text("1 désactivé : ignoré")
        expect(dialog).to_contain_text("gardent leur mot de passe")
        with page.expect_download(timeout=60_000) as dl2:
            page.click("#resp-confirm-ok")
        pdf2 = PdfReader(io.BytesIO(Path(dl2.value.path()).read_bytes()))
        assert len(pdf2.pages) == 6  # 7 accounts, the deactivated one is skipped
        expect(page.locator("#resp-message")).to_contain_text("désactivé", timeout=20_000)

        # A group action on zero accounts is refused with a message.
        page.locator("#resp-g-target label", has_text="lignes cochées").click()
        page.click("#resp-g-open")
        expect(page.locator("#resp-message")).to_contain_text("Aucun compte sélectionné", timeout=20_000)
        expect(dialog).to_be_hidden()

        page.goto(f"{url}/journal")
        expect(page.locator("#journal-table")).to_contain_text("Notification", timeout=20_000)
        page.screenshot(path=str(tmp_path / "journal.png"), full_page=True)
        page.goto(f"{url}/qualite")
        expect(page.locator("#shell-content")).to_contain_text("sans téléphone portable", timeout=20_000)
        page.screenshot(path=str(tmp_path / "qualite.png"), full_page=True)
        assert not errors, errors

    from queries.core.scope import Principal, Role, Scope
    from queries.store import audit

    reader = Principal(0, "support", Role.SUPPORT, Scope.parse("academie:28"))  # data events: not the admin's
    acts = {e.action for e in audit.query(settings, reader, limit=100)}
    assert {"search", "view", "notify"} <= acts


def test_filters_from_url_and_email_notification_status(settings, tmp_path: Path):
    """Filters come back from the URL; an email notification goes through the outbox to a real SMTP server
    (aiosmtpd) via the worker's background sender, and the account shows the message's status."""
    from aiosmtpd.controller import Controller
    from playwright.sync_api import expect

    from dashboard.app import create_app
    from queries.core.settings import Settings
    from queries.store import users

    received: list[str] = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
            received.append(envelope.content.decode("utf-8", "replace"))
            return "250 OK"

    smtp_port = free_port()
    ctl = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    ctl.start()
    s = Settings({**settings.values, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port, "SMTP_TLS": "none"})
    build_warehouse(s)
    app = create_app(s)
    users.create_user(s, "chef.mail", "chef", f"etablissement:{COLLEGE}", "Chef", password=PASSWORD)
    with serve(app) as url, contextlib.ExitStack() as stack:
        stack.callback(ctl.stop)  # the SMTP server stops whatever the outcome
        with chromium() as browser:
            page, _ = open_logged_in(browser, url, "chef.mail", PASSWORD, "/responsables?etat=NON_NOTIFIE&mail=oui")
            expect(page.locator("#resp-count")).to_contain_text("2 lignes (2 comptes)", timeout=20_000)
            expect(page.locator("#resp-etats")).to_contain_text("Non notifié")
            assert "etat=NON_NOTIFIE" in page.url and "mail=oui" in page.url
            page.locator(".ag-cell[col-id=identifiant]", has_text="s.abbeym12").first.click()
            expect(page.locator("#resp-detail")).to_be_visible(timeout=20_000)
            page.locator("#resp-d-channel label", has_text="Courriel").click()
            page.click("#resp-d-notify")
            expect(page.locator("#resp-confirm")).to_contain_text("Ce compte n'a jamais été notifié", timeout=20_000)
            page.click("#resp-confirm-ok")
            expect(page.locator("#resp-d-msg")).to_contain_text("file d'envoi", timeout=20_000)
            for _ in range(120):  # the sender is woken at once; under load (CI on 2 busy cores) it may take seconds
                if received:
                    break
                page.wait_for_timeout(250)
            assert received and "s.abbeym12" in received[0] and "Votre mot de passe provisoire" in received[0]
            # Now « Notifié et non activé » (live state): it left the « Non notifié » filter. Reopen it from a
            # list that holds it: the message's status is shown.
            expect(page.locator("#resp-detail-body")).to_contain_text("Courriels de notification")
            page.goto(f"{url}/responsables?etat=NOTIFIE_NON_ACTIVE")
            page.locator(".ag-cell[col-id=identifiant]", has_text="s.abbeym12").first.click()
            expect(page.locator("#resp-detail-body")).to_contain_text("Envoyé", timeout=20_000)
            page.screenshot(path=str(tmp_path / "courriel.png"), full_page=True)


@contextlib.contextmanager
def _chef_page(url: str, login: str = "chef.college"):  # noqa: ANN202
    """A logged-in Chromium page on the console (1400×1000, French), with the page's script errors collected."""
    with chromium() as browser:
        yield open_logged_in(browser, url, login, PASSWORD, "/responsables", viewport={"width": 1400, "height": 1000})


def test_keyboard_only_opens_an_account(live_app, tmp_path: Path):
    """RGAA: no mouse. Tab into the grid, arrows to a row, Enter opens the account, and the focus lands on the
    panel's heading; before that the panel shows a hint, not empty action buttons and fields. Also: the scope
    line names the establishment, the status column has its coloured dot and the text, Messagerie says Oui/Non."""
    from playwright.sync_api import expect

    url, _settings = live_app
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS", str(tmp_path)))
    with _chef_page(url) as (page, errors):
        expect(page.locator("#resp-count")).to_contain_text("9 lignes (7 comptes)", timeout=20_000)
        expect(page.locator("#resp-scope")).to_contain_text(f"Périmètre : Collège Bois de Nèfles ({COLLEGE}).")
        # Dropdowns are named by their label first, then their value (assets/dropdown-label.js, which patches
        # them as they render: wait until the six are there and patched).
        page.wait_for_function("""() => { const d = [...document.querySelectorAll('.dash-dropdown[aria-labelledby]')];
            return d.length >= 6 && d.every(e => document.getElementById(
                e.getAttribute('aria-labelledby').split(' ')[0])?.tagName === 'LABEL'); }""", timeout=20_000)
        names = page.evaluate("""() => [...document.querySelectorAll('.dash-dropdown[aria-labelledby]')].map(e =>
            e.getAttribute('aria-labelledby').split(' ').map(i => document.getElementById(i)?.textContent ?? ''))""")
        assert [n[0] for n in names] == ["Établissement", "Classe(s)", "État(s) de compte", "Origine du compte",
                                         "Adresse mail", "Téléphone portable"], names
        assert names[1][-1] == "Tous" and names[4][-1] == "Indifférent", names  # then the value, as before

        # No account open: a hint, no buttons, no empty correction fields.
        expect(page.locator("#resp-d-hint")).to_be_visible()
        expect(page.locator("#resp-d-hint")).to_have_text(
            "Sélectionnez un responsable dans la liste pour afficher son compte.")
        for sel in ("#resp-d-notify", "#resp-d-reset", "#resp-d-save", "#resp-d-email", "#resp-d-close"):
            expect(page.locator(sel)).to_be_hidden()

        # Status: the label as text, and a coloured dot as a decorative ::before mark.
        active = page.locator(".ag-cell[col-id=etat]", has_text="Activé").first
        expect(active).to_be_visible(timeout=20_000)
        assert "resp-etat--active" in (active.get_attribute("class") or "")
        dot = active.evaluate("e => { const s = getComputedStyle(e, '::before'); return [s.content, s.color]; }")
        assert "●" in dot[0] and dot[1] == "rgb(24, 117, 60)", dot
        mails = page.locator(".ag-cell[col-id=messagerie]").all_inner_texts()
        assert mails and set(m.strip() for m in mails) <= {"Oui", "Non"} and "Oui" in {m.strip() for m in mails}
        page.screenshot(path=str(shots / "console-initial.png"), full_page=True)

        # Keyboard only: from the search box, Tab until the focus is inside the grid.
        page.focus("#resp-q")
        in_grid = "() => !!document.activeElement && !!document.activeElement.closest('.ag-root')"
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(in_grid):
                break
        assert page.evaluate(in_grid), "la grille n'est pas atteignable au clavier"
        # Down to the second data row, then right onto a data column (not the checkbox).
        for _ in range(2):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        focused = page.evaluate("""() => {
            const cell = document.activeElement.closest('.ag-cell');
            const row = cell && cell.closest('.ag-row');
            const id = row && row.querySelector('.ag-cell[col-id=identifiant]');
            return [cell && cell.getAttribute('col-id'), id && id.innerText.trim()];
        }""")
        assert focused[0] and focused[0] != "ag-Grid-SelectionColumn" and focused[1], focused
        page.screenshot(path=str(shots / "console-keyboard-focus.png"))
        page.keyboard.press("Enter")

        content = page.locator("#resp-d-content")
        expect(content).to_be_visible(timeout=20_000)
        expect(page.locator("#resp-detail-body")).to_contain_text(focused[1])
        expect(page.locator("#resp-d-hint")).to_be_hidden()
        expect(page.locator("#resp-d-notify")).to_be_visible()
        expect(page.locator("#resp-detail-title")).to_be_focused(timeout=20_000)
        page.screenshot(path=str(shots / "console-keyboard-open.png"), full_page=True)

        # Closing (keyboard too) brings the hint back and keeps the focus in the panel.
        page.focus("#resp-d-close")
        page.keyboard.press("Enter")
        expect(page.locator("#resp-d-hint")).to_be_visible(timeout=20_000)
        expect(content).to_be_hidden()
        expect(page.locator("#resp-detail-title")).to_be_focused(timeout=20_000)
        assert not errors, errors


def test_diagnostic_page_holds_nothing_outside_the_remit_and_reset_dialog_by_keyboard(live_app, tmp_path: Path):
    """« Je ne vois pas tous mes enfants » as the collège's head: the page's whole HTML (hidden parts included) holds
    the other establishments and what differs, never the other records' accounts, names, email or mobile digits.
    Then « Réinitialiser le mot de passe » from the keyboard: the dialog takes the focus, keeps it, and « Annuler »
    gives it back, with nothing changed."""
    from playwright.sync_api import expect

    url, _settings = live_app
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS", str(tmp_path)))
    forbidden = ["j.payet3", "j.latchoumy2", "j.latchoumi", "g.hoarau13", "gaby@example.fr", "PAYET / LATCHOUMY",
                 "Jean Gaël Marcel", "LATCHOUMI Jean", "S-C-1", "S-D-1", "S-D-2", "S-C-2", "555444", "55 54 44"]
    with _chef_page(url) as (page, errors):
        page.fill("#resp-q", "latch")
        page.press("#resp-q", "Enter")
        expect(page.locator("#resp-count")).to_contain_text("2 lignes (1 compte)", timeout=20_000)
        page.locator(".ag-cell[col-id=identifiant]", has_text="j.latchoumy1").first.click()
        expect(page.locator("#resp-d-content")).to_be_visible(timeout=20_000)
        page.click("#resp-d-diag")
        out = page.locator("#resp-d-diag-out")
        expect(out).to_contain_text("Lycée Jean Joly", timeout=20_000)
        expect(out).to_contain_text("Nom d'usage et nom de naissance inversés")
        expect(out).to_contain_text("secrétariat de l'établissement Collège Marcel Goulette")
        html_ = page.content()
        assert [f for f in forbidden if f in html_] == []
        assert "<details" not in html_
        page.locator("#resp-d-diag-out").screenshot(path=str(shots / "console-diagnostic-chef.png"))

        page.fill("#resp-q", "hoarau")
        page.press("#resp-q", "Enter")
        page.locator(".ag-cell[col-id=identifiant]", has_text="g.hoarau12").first.click()
        expect(page.locator("#resp-detail-body")).to_contain_text("g.hoarau12", timeout=20_000)
        page.click("#resp-d-diag")
        expect(out).to_contain_text("1 homonyme dans d'autres établissements, sans lien avec ce responsable",
                                    timeout=20_000)
        html_ = page.content()
        assert [f for f in forbidden if f in html_] == []

        # Keyboard only: the reset asks first; Tab stays in the dialog; « Annuler » closes it, focus returns.
        page.focus("#resp-d-reset")
        page.keyboard.press("Enter")
        dialog = page.locator("#resp-confirm")
        expect(dialog).to_be_visible(timeout=20_000)
        expect(page.locator("#resp-confirm-title")).to_have_text("Réinitialiser le mot de passe du compte g.hoarau12 ?")
        expect(dialog).to_contain_text("Ce compte n'a jamais été notifié ; aucune connexion enregistrée.")
        expect(page.locator("#resp-confirm-cancel")).to_be_focused()
        inside = "() => !!document.activeElement.closest('#resp-confirm')"
        for _ in range(5):
            page.keyboard.press("Tab")
            assert page.evaluate(inside), "le focus a quitté la fenêtre de confirmation"
        page.screenshot(path=str(shots / "console-confirmation.png"))
        page.focus("#resp-confirm-cancel")
        page.keyboard.press("Enter")
        expect(dialog).to_be_hidden(timeout=20_000)
        expect(page.locator("#resp-d-reset")).to_be_focused()
        expect(page.locator("#resp-detail-body")).to_contain_text("Non notifié")
        assert not errors, errors


def test_support_grid_fits_1366_with_establishment_column(live_app, tmp_path: Path):
    """At 1366×768, an académie-wide support sees every column (the origin and both dates included) without a
    sideways scroll, the Établissement column (name, UAI on its second line), lines sorted by names across
    establishments, the count as lines and accounts with its explanation, and finds an account by its identifier."""
    from playwright.sync_api import expect

    from queries.store import users

    url, settings = live_app
    users.create_user(settings, "support.aca", "support", "academie:28", "Support", password=PASSWORD)
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS", str(tmp_path)))
    with chromium() as browser:
        page, errors = open_logged_in(browser, url, "support.aca", PASSWORD, "/responsables",
                                      viewport={"width": 1366, "height": 768})
        count = page.locator("#resp-count")
        expect(count).to_contain_text("14 lignes (11 comptes)", timeout=20_000)
        expect(count).to_contain_text("une ligne par élève et responsable")
        expect(page.locator(".ag-header-cell[col-id=etablissement]")).to_contain_text("Établissement")
        eleves = page.locator(".ag-row .ag-cell[col-id=eleve]")
        expect(eleves.nth(2)).to_have_text("ABBEYEM Lucas", timeout=20_000)  # the école's pupil, between the collège's
        etab = page.locator(".ag-row[row-index='2'] .ag-cell[col-id=etablissement]")
        expect(etab.locator(".resp-etab__nom")).to_have_text("École primaire Les Lataniers")
        expect(etab.locator(".resp-etab__uai")).to_have_text(ECOLE)  # the UAI as text, on the second line
        count.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(shots / "support-1366.png"))
        fit = page.evaluate("""() => {
            const v = document.querySelector('.resp-grid .ag-center-cols-viewport');
            const root = document.querySelector('.resp-grid .ag-root').getBoundingClientRect();
            const cols = ['eleve', 'etablissement', 'responsable', 'identifiant', 'etat', 'origine',
                          'date_notification', 'date_derniere_connexion'];
            const out = cols.filter(c => {
                const h = document.querySelector(`.resp-grid .ag-header-cell[col-id=${c}]`);
                if (!h) return true;
                const b = h.getBoundingClientRect();
                return b.width < 40 || b.left < root.left - 1 || b.right > root.right + 1;
            });
            return {scroll: v.scrollWidth - v.clientWidth, out: out};
        }""")
        assert fit == {"scroll": 0, "out": []}, fit
        page.fill("#resp-q", "M.ABB")
        page.press("#resp-q", "Enter")
        expect(count).to_contain_text("3 lignes (1 compte)", timeout=20_000)
        expect(page.locator(".ag-row .ag-cell[col-id=identifiant]").first).to_have_text("m.abbeym", timeout=20_000)
        assert not errors, errors
