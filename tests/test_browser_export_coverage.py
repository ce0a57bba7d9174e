"""Real browser (Chromium via Playwright): an empty warehouse, one console export in the real console's format
(UTF-8, `●` bullets, ✔/✘, JJ-MM-AAAA dates) imported by `meteocomptes ingest FILE --uai --date`; its head logs in,
searches, and finds as many results as the file has distinct (pupil, guardian) lines; the header states the
coverage; the actions the export cannot serve are disabled, with the reason."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from browser_kit import ARGS, BROWSER_MARKS, CHROMIUM, open_logged_in, serve
from ingest_kit import GUIDE_ROWS, export_file

from meteocomptes.cli import main as cli_main

PASSWORD = "Export-Test-2026!x"
UAI = "9740001H"
D = date(2026, 9, 15)

pytestmark = BROWSER_MARKS


@pytest.fixture
def live_app(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from dashboard.app import create_app
    from queries.store import users

    # the real console's export, one line duplicated as its export sometimes repeats a pair: 8 distinct lines
    path = export_file(tmp_path, [*GUIDE_ROWS, GUIDE_ROWS[0]])
    monkeypatch.setenv("METEOCOMPTES_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("METEOCOMPTES_WAREHOUSE", str(settings.warehouse_dir))
    assert cli_main(["ingest", str(path), "--uai", UAI, "--date", D.isoformat()]) == 0
    app = create_app(settings)
    users.create_user(settings, "chef.export", "chef", f"etablissement:{UAI}", "Chef", password=PASSWORD)
    with serve(app) as url:
        yield url, path


def distinct_lines(path: Path) -> int:
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return len({(r.split(";")[0], r.split(";")[3]) for r in rows if r.strip()})


def distinct_accounts(path: Path) -> int:
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return len({r.split(";")[4] for r in rows if r.strip()})


def test_head_searches_an_export_only_establishment(live_app, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, path = live_app
    n = distinct_lines(path)
    m = distinct_accounts(path)
    assert (n, m) == (8, 6)
    shots = Path(os.environ.get("EXPORT_COVERAGE_SHOTS", tmp_path))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page, errors = open_logged_in(browser, url, "chef.export", PASSWORD, "/responsables")
        expect(page.locator("#resp-count")).to_contain_text(f"{n} lignes ({m} comptes)", timeout=20_000)
        expect(page.locator("body")).to_contain_text(
            "Données du 15/09/2026 — 1 établissement (export console)"
        )
        expect(page.locator("body")).not_to_contain_text("aucune donnée")
        expect(page.locator(".ag-row").first).to_be_visible(timeout=20_000)
        page.screenshot(path=str(shots / "export-search.png"), full_page=True)

        page.fill("#resp-q", "abbeyem")
        page.press("#resp-q", "Enter")
        expect(page.locator("#resp-count")).to_contain_text("7 lignes (5 comptes)", timeout=20_000)

        with page.expect_download(timeout=30_000) as dl:
            page.click("#resp-export-csv")
        csv_lines = Path(dl.value.path()).read_text(encoding="utf-8-sig").strip().splitlines()
        assert len(csv_lines) == 1 + 7

        cell = page.locator(".ag-row .ag-cell[col-id=responsable]", has_text="ABBEYEM Marie Sandrine").first
        cell.click()
        detail = page.locator("#resp-detail")
        expect(detail).to_contain_text(
            "Indisponible : cet établissement n'est connu que par l'export de la console "
            "du 15/09/2026, qui ne contient pas",
            timeout=20_000,
        )
        for button in ("#resp-d-notify", "#resp-d-reset", "#resp-d-diag", "#resp-d-save"):
            expect(page.locator(button)).to_be_disabled()
        page.screenshot(path=str(shots / "export-detail.png"), full_page=True)
        browser.close()
    assert errors == []
