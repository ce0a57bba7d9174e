"""Real browser (Chromium via Playwright): the Journal with 10 000 entries opens at once for the académie's support
(the grid fetches its rows page by page), a filter narrows it, and the grid speaks French.

The time from navigation to the first rows is printed (pytest -s), not asserted: a shared machine's timing would
make the test flaky; the figure goes in the report.
"""

from __future__ import annotations

import json
import random
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from browser_kit import BROWSER_MARKS, chromium, open_logged_in, serve
from console_data import COLLEGE, LYCEE, build_warehouse

from queries import store
from queries.core.clock import utcnow

PASSWORD = "Journal-Test-2026!x"
N_ENTRIES = 10_000

pytestmark = BROWSER_MARKS


def seed(settings, n: int = N_ENTRIES) -> None:  # noqa: ANN001
    """n audit rows over the last five days, as the console writes them (bulk insert: the test is not about
    writing), a tenth of them bursts of the same search."""
    from queries.store.audit import audit_log

    rnd = random.Random(7)
    now = utcnow()
    people = [
        ("chef.college", "chef", COLLEGE),
        ("chef.lycee", "chef", LYCEE),
        ("secr.college", "delegue", COLLEGE),
    ]
    rows = []
    for i in range(n):
        login, role, uai = people[i % len(people)]
        at = now - timedelta(seconds=rnd.randrange(5 * 86400))
        action = rnd.choice(("search", "view", "view", "export", "notify"))
        targets = None if action == "search" else json.dumps([f"compte.{rnd.randrange(500)}"])
        detail = {
            "search": {"recherche_longueur": rnd.randrange(3, 9), "resultats": rnd.randrange(40)},
            "export": {"format": "csv", "lignes": rnd.randrange(1, 300)},
            "notify": {"canal": "courrier", "nombre": 1},
        }.get(action)
        rows.append(
            {
                "at": at,
                "user_id": None,
                "login": login,
                "role": role,
                "actor_scope": f"etablissement:{uai}",
                "action": action,
                "scope": f"etablissement:{uai}",
                "uai": uai,
                "targets": targets,
                "detail": json.dumps(detail) if detail else None,
                "outcome": "ok",
                "ip": "127.0.0.1",
            }
        )
    with store.engine(settings).begin() as con:
        con.execute(audit_log.insert(), rows)


@pytest.fixture
def live_app(settings):
    from dashboard.app import create_app
    from queries.store import users

    build_warehouse(settings)
    app = create_app(settings)
    users.create_user(
        settings, "support.aca", "support", "academie:28", "Assistance académique", password=PASSWORD
    )
    users.create_user(
        settings, "chef.college", "chef", f"etablissement:{COLLEGE}", "Marie Dupont", password=PASSWORD
    )
    seed(settings)
    with serve(app) as url:
        yield url, settings


def test_ten_thousand_entries_open_at_once_and_filter(live_app, tmp_path: Path):
    from playwright.sync_api import expect

    url, _settings = live_app
    with chromium() as browser:
        page, errors = open_logged_in(browser, url, "support.aca", PASSWORD, "/",
                                      viewport={"width": 1400, "height": 1000})

        rows = page.locator("#journal-table .ag-center-cols-container .ag-row")
        t0 = time.perf_counter()
        page.goto(f"{url}/journal")
        loaded = time.perf_counter() - t0
        expect(page.locator("#journal-count")).to_contain_text("entrées", timeout=30_000)
        counted = time.perf_counter() - t0
        expect(rows.first.locator("[col-id=entree]")).to_contain_text(
            "académie de La Réunion", timeout=30_000
        )
        first_rows = time.perf_counter() - t0
        count = page.locator("#journal-count").inner_text()
        print(
            f"\nJournal, {N_ENTRIES} entrées, assistance : premières lignes en {first_rows * 1000:.0f} ms ({count}) ; "
            f"page chargée à {loaded * 1000:.0f} ms, nombre affiché à {counted * 1000:.0f} ms"
        )
        assert re.match(r"^\d[\d\u202f]* entrées depuis le \d\d/\d\d/\d{4}$", count), count
        page.screenshot(path=str(tmp_path / "journal-support.png"))
        # Again, as a user coming back to it (the grid's script in the browser's cache).
        page.goto(f"{url}/")
        page.wait_for_load_state("networkidle")
        t0 = time.perf_counter()
        page.goto(f"{url}/journal")
        expect(rows.first.locator("[col-id=entree]")).to_contain_text(
            "académie de La Réunion", timeout=30_000
        )
        print(f"Deuxième ouverture : premières lignes en {(time.perf_counter() - t0) * 1000:.0f} ms")
        texts = " ".join(rows.locator("[col-id=entree]").all_inner_texts())
        assert (
            "etablissement:" not in texts and "Collège Bois de Nèfles" in texts and "Lycée Jean Joly" in texts
        )
        # Rows further down are fetched on scroll (infinite row model): the whole log is never sent at once.
        n_dom = rows.count()
        assert 0 < n_dom <= 100, n_dom

        # A filter: only the exports; the grid is rebuilt and shows them.
        t0 = time.perf_counter()
        page.click("#journal-action")
        page.keyboard.type("Export")
        page.keyboard.press("Enter")
        expect(page.locator("#journal-count")).not_to_have_text(count, timeout=20_000)
        expect(rows.first.locator("[col-id=action]")).to_have_text("Export", timeout=20_000)
        print(
            f"Filtre « Export » : lignes en {(time.perf_counter() - t0) * 1000:.0f} ms "
            f"({page.locator('#journal-count').inner_text()})"
        )
        assert (
            "a exporté la liste des responsables (CSV, " in rows.first.locator("[col-id=entree]").inner_text()
        )
        actions = set(page.locator("#journal-table .ag-row [col-id=action]").all_inner_texts())
        assert actions == {"Export"}, actions
        # The grid's own words are French (screen readers hear them too).
        assert page.locator("#journal-table").get_attribute("aria-label") == "Entrées du journal"
        page.screenshot(path=str(tmp_path / "journal-support-export.png"))
        assert not errors, errors
