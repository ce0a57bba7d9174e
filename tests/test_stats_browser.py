"""Real browser (Chromium via Playwright) on the statistics page, against the mini fixture served over HTTP.

Drill-down links, the form writing the view into the URL, back/forward restoring the view, keyboard use.
"""

from __future__ import annotations

import re

import pytest
from browser_kit import BROWSER_MARKS, chromium, open_logged_in, serve_with_account

PASSWORD = "Stats-Test-2026!x"

pytestmark = BROWSER_MARKS



@pytest.fixture
def live(mini_warehouse):
    with serve_with_account(mini_warehouse, "pilote.stats", "pilote", "academie:28", PASSWORD, "Pilote") as url:
        yield url


def test_drill_down_url_and_back_forward(live):
    from playwright.sync_api import expect

    with chromium() as browser:
        page, errors = open_logged_in(browser, live, "pilote.stats", PASSWORD, "/statistiques")

        h1 = page.locator("main h1")
        expect(h1).to_contain_text("Académie de La Réunion", timeout=20_000)
        total = page.locator("#stats-synthese-table tr.stats-total")
        expect(total).to_contain_text("14", timeout=20_000)  # 15/09: 14 distinct accounts (README of the fixture)

        # Below the synthesis, a section is rendered once it comes into view (assets/stats-lazy.js).
        heat = page.locator("#stats-heatmap")
        assert heat.inner_html() == ""
        page.locator("#stats-children").scroll_into_view_if_needed()
        # Drill down: académie → département (a real link, followed with the keyboard).
        link = page.locator("#stats-children a", has_text="La Réunion").first
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*scope=departement%3A974|.*scope=departement:974"))
        expect(h1).to_contain_text("La Réunion (974)", timeout=20_000)
        page.locator("#stats-children").scroll_into_view_if_needed()
        page.locator("#stats-children a", has_text="Saint-Pierre Sud").first.click()
        expect(h1).to_contain_text("Circonscription Saint-Pierre Sud", timeout=20_000)
        expect(page.locator("#stats-synthese-table tr.stats-total")).to_contain_text("7", timeout=20_000)

        # Back and forward restore the view from the URL.
        page.go_back()
        expect(h1).to_contain_text("La Réunion (974)", timeout=20_000)
        page.go_back()
        expect(h1).to_contain_text("Académie de La Réunion", timeout=20_000)
        page.go_forward()
        expect(h1).to_contain_text("La Réunion (974)", timeout=20_000)

        # The form writes the degree and date into the URL (sendable by e-mail), as soon as a choice changes:
        # with the keyboard, the arrow moves to « 1er degré », the page follows, the focus stays on the choice.
        page.goto(f"{live}/statistiques?scope=academie:28")
        expect(total).to_contain_text("14", timeout=20_000)
        page.locator("#stats-degre input[value='ALL']").focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_url(re.compile(r".*degre=1D.*"))
        expect(h1).to_contain_text("1er degré", timeout=20_000)
        expect(page.locator("#stats-synthese-table tr.stats-total")).to_contain_text("7", timeout=20_000)
        expect(page.locator("#stats-degre input[value='1D']")).to_be_focused(timeout=10_000)
        # Scrolled to the bottom, every section is rendered, the last one included.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        expect(page.locator("#stats-relance table")).to_be_visible(timeout=20_000)
        page.go_back()
        expect(h1).not_to_contain_text("1er degré", timeout=20_000)
        assert not errors, errors


def test_a_charts_data_table_comes_when_unfolded(live):
    """A chart's table is not sent with the chart (hundreds of cells cost seconds of rendering): it comes when its
    « Voir les données » is opened, with the keyboard as with the mouse."""
    from playwright.sync_api import expect

    with chromium() as browser:
        page, errors = open_logged_in(browser, live, "pilote.stats", PASSWORD, "/statistiques?scope=academie:28")
        page.locator("#stats-evolution").scroll_into_view_if_needed()
        summary = page.locator("#stats-evolution summary", has_text="comptes par origine")
        expect(summary).to_be_visible(timeout=20_000)
        details = summary.locator("xpath=..")
        assert details.locator("table").count() == 0  # nothing sent before it is asked for
        summary.focus()
        page.keyboard.press("Enter")
        table = details.locator("table")
        expect(table.locator("caption")).to_contain_text("Comptes par origine, du ", timeout=20_000)
        expect(table.locator("tbody tr").first).to_contain_text("/2026")
        # Folded and unfolded again: the same table, not asked for twice.
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        expect(table).to_have_count(1)
        assert not errors, errors
