"""How the statistics read: French number formats in every figure and in the CSV, one order for the ranked bars
and the heat map, and, in Chromium, a page that fits a phone (390 px) with the DSFR « Menu » button.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pandas as pd
import pytest
from browser_kit import BROWSER_MARKS, chromium, open_logged_in, serve_with_account

from dashboard import exports_stats
from dashboard.pages.statistiques import figures as F

PASSWORD = "Stats-Look-2026!x"
D1, D2 = date(2026, 9, 1), date(2026, 9, 8)


def _children() -> pd.DataFrame:
    return pd.DataFrame({
        "kind": ["classe"] * 3, "level": ["classe"] * 3, "code": ["9740501B"] * 3, "sub": ["6e10", "6e2", "6e3"],
        "label": ["6e10", "6e2", "6e3"], "comptes": [10271, 20, 30], "actives": [5298, 5, 27],
        "taux": [0.5158, 0.25, 0.9], "notifies_non_actives": [1840, 10, 1],
    })


def _figures() -> dict:
    wide = pd.DataFrame({"ETABLISSEMENT": [8000, 10271], "RESPONSABLE": [12, 14]}, index=[D1, D2])
    states = pd.DataFrame({"ACTIVE": [4000, 5298], "NON_NOTIFIE": [4012, 4987]}, index=[D1, D2])
    rates = pd.DataFrame({"date": [D1, D2], "taux": [0.5, 0.5158]})
    series = pd.DataFrame({"label": ["6e10", "6e2", "6e3"] * 2, "date": [D1] * 3 + [D2] * 3,
                           "taux": [0.5, 0.2, 0.8, 0.5158, 0.25, 0.9]})
    funnel = pd.DataFrame({"kind": ["etablissement", "etablissement", "total"],
                           "label": ["ECOLE ELEMENTAIRE JULES FERRY SAINT-PIERRE", "ECOLE PRIMAIRE LES CAMELIAS", "Total"],
                           "notifies": [1840, 20, 1860], "actives_7j": [900, 5, 905], "actives_30j": [1500, 9, 1509]})
    return {
        "origine": F.area_by_origin(wide, "Comptes par origine"),
        "etat": F.lines_by_state(states, "Comptes par état"),
        "taux": F.rate_chart(rates, "Taux d'activation"),
        "comparaison": F.ranked_bar(_children(), "Taux par classe", 0.7465),
        "carte": F.heatmap(series, "Taux par semaine"),
        "entonnoir": F.funnel_chart(funnel, "Entonnoir"),
    }


@pytest.mark.parametrize("name", ["origine", "etat", "taux", "comparaison", "carte", "entonnoir"])
def test_every_figure_writes_french_numbers(name):
    fig = _figures()[name]
    layout = fig.to_plotly_json()["layout"]
    assert layout["separators"] == ", "  # decimal comma, space between thousands
    # Plotly leaves « 8000 » unseparated unless asked: every axis asks.
    assert layout["xaxis"]["separatethousands"] and layout["yaxis"]["separatethousands"], name
    assert layout["autosize"] and "width" not in layout  # the container's width (phones)
    for trace in fig.data:
        tpl = getattr(trace, "hovertemplate", None) or ""
        assert "%}" not in tpl and ":.1%" not in tpl, tpl  # never d3's « 52% »: `%{y:.1f} %`
    axis = layout["xaxis"]
    if name in ("origine", "etat", "taux"):
        assert axis["tickformat"] == F.DATE_TICKS and "%Y" in axis["hoverformat"]  # never « 23/08/20… »


def test_rates_are_drawn_in_percent_with_a_french_suffix():
    figs = _figures()
    assert figs["taux"].data[0].y == pytest.approx((50.0, 51.58))
    assert figs["taux"].layout.yaxis.ticksuffix == "\u202f%"
    assert "Médiane 74,7" in figs["comparaison"].layout.annotations[0].text


def test_graph_config_is_french_and_responsive():
    div = F.graph(_figures()["taux"], "g", "fichier", "Graphique")
    title, g = div.children
    assert g.config["locale"] == "fr" and g.config["responsive"] is True
    assert g.style == {"width": "100%", "height": "450px"}
    # responsive=True sizes the chart by its container: the container gets the figure's height (long bar charts).
    ranked = F.graph(_figures()["comparaison"], "g", "fichier", "Graphique").children[1]
    assert ranked.style["height"] == f"{_figures()['comparaison'].layout.height}px"
    # The title in the page, where it wraps (a phone); Plotly's stays in the figure for the PNG export.
    assert title.children == "Taux d'activation" == g.figure["layout"]["title"]["text"]


def test_ranked_bars_and_heat_map_list_sub_scopes_in_the_same_order():
    figs = _figures()
    bars = list(figs["comparaison"].layout.yaxis.categoryarray)
    assert bars == ["6e2", "6e10", "6e3"]  # lowest rate first, read top-down (autorange reversed)
    assert figs["comparaison"].layout.yaxis.autorange == "reversed"
    assert list(figs["carte"].data[0].y) == bars and figs["carte"].layout.yaxis.autorange == "reversed"


def test_funnel_keeps_long_names_readable():
    fig = _figures()["entonnoir"]
    assert fig.data[0].orientation == "h"
    assert fig.data[0].y[0] == "ECOLE ELEMENTAIRE JUL…"
    assert fig.data[0].customdata[0] == "ECOLE ELEMENTAIRE JULES FERRY SAINT-PIERRE"  # whole in the hover


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_csv_rates_in_percent_and_gaps_in_points():
    rows = _rows(exports_stats.children_csv(_children(), 0.7465))
    head = rows[0]
    rate, gap = head.index("Taux d'activation (%)"), head.index("Écart à la médiane académique (points)")
    first = rows[1]
    assert (first[rate], first[gap]) == ("51,6", "-23,1")  # not 0,5158 nor -23,0700
    assert first[head.index("Comptes")] == "10271"  # raw integers: Excel sums them


def test_series_csv_rate_column_in_percent():
    df = pd.DataFrame({"date": [D1, D1], "origine": ["ETABLISSEMENT", "ETABLISSEMENT"],
                       "etat": ["ACTIVE", "NON_NOTIFIE"], "n": [5298, 4973]})
    rows = _rows(exports_stats.series_csv(df))
    assert rows[0][-1] == "Taux d'activation (%)"
    assert rows[1][0] == "01/09/2026" and rows[1][-1] == "51,6"


# ------------------------------------------------------------------------------------------------ browser


@pytest.fixture
def live(mini_warehouse):
    with serve_with_account(mini_warehouse, "pilote.look", "pilote", "academie:28", PASSWORD,
                            "Pilote académique") as url:
        yield url


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_phone_no_sideways_scroll_and_menu_button(live):
    from playwright.sync_api import expect

    with chromium() as browser:
        page, errors = open_logged_in(browser, live, "pilote.look", PASSWORD, "/statistiques?scope=etablissement:9740501B")
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.locator("#stats-synthese-table tr.stats-total")).to_be_visible(timeout=30_000)
        # Sections below the synthesis render when seen (assets/stats-lazy.js): bring the first chart into view.
        page.locator("#stats-evolution").scroll_into_view_if_needed()
        expect(page.locator(".stats-graph .main-svg").first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(500)  # Plotly's resize follows the container
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], widths

        # The modebar speaks French (plotly-locale-fr.js served from assets/, config.locale = "fr").
        expect(page.locator('.modebar-btn[data-title="Télécharger le graphique en fichier PNG"]').first).to_have_count(1)

        # The navigation sits behind the DSFR « Menu » button, which opens it.
        button = page.locator("#shell-menu-button")
        expect(button).to_be_visible()
        expect(page.locator("#shell-nav a", has_text="Statistiques")).to_be_hidden()
        button.click()
        expect(page.locator("#shell-menu")).to_have_class(re.compile("fr-modal--opened"), timeout=5_000)
        expect(page.locator("#shell-nav a", has_text="Statistiques")).to_be_visible()
        expect(page.locator("#shell-user-menu a", has_text="Se déconnecter")).to_be_visible()

        # Desktop: no menu button, the navigation and the user's links in the header.
        page.set_viewport_size({"width": 1366, "height": 768})
        expect(button).to_be_hidden()
        expect(page.locator("#shell-nav a", has_text="Statistiques")).to_be_visible()
        expect(page.locator("#shell-user", has_text="Pilote académique")).to_be_visible()
        assert not errors, errors
