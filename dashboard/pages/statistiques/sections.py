"""The first sections of « Statistiques » (KPIs and synthesis), built with the page itself, and how any section
is rendered: cached after the remit check, expected errors told in French.

The KPIs and the synthesis are what people came for: the layout carries them (no round trip after the page),
and every view change rebuilds the page, so they need no callback. The other sections come from callbacks
(callbacks.py), rendered when seen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from dash import html

from dashboard.pages.statistiques import data as D
from dashboard.pages.statistiques import figures as F
from dashboard.pages.statistiques.view import View
from queries import warehouse
from queries.core import authz
from queries.core.authz import Action
from queries.core.formats import fmt_date, fmt_delta, fmt_int, fmt_pct, fmt_pts
from queries.core.scope import Principal
from queries.core.settings import Settings
from queries.core.vocab import DEGRES, SYNTHESE_COLUMNS, origine_label
from queries.warehouse import stats, stats_series

# What a section tells in words instead of failing: no data, a scope gone from the data, no warehouse.
EXPECTED = (stats_series.NoData, stats_series.ScopeNotFound, stats.StatsError, warehouse.WarehouseUnavailable)


def alert_for(exc: Exception) -> html.Div:
    """An expected error as a French message in the section (no data, a scope gone, an unavailable warehouse)."""
    return F.alert(str(exc), "error" if isinstance(exc, warehouse.WarehouseUnavailable) else "warning")


def rendered(render: Callable[..., Any], settings: Settings, principal: Principal, view: View, info: Any,
             s: date) -> Any:
    """`render(...)` once the remit is checked (by the caller). The rendered section is cached too (figures cost
    more than the queries): it depends only on the view and on whether the console links are shown."""
    try:
        return D.cached(settings, f"render:{render.__name__}", lambda: render(settings, principal, view, info, s),
                        sorted(view.params().items()), s, authz.allowed(principal, Action.CONSOLE))
    except EXPECTED as exc:
        return alert_for(exc)


def render_kpis(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    k = D.cached(settings, "kpis", lambda: stats_series.kpis(settings, principal, view.scope, view.degre, s),
                 view.scope, view.degre, s)

    def card(title: str, value: str, lines: list[str]) -> html.Div:
        return html.Div(
            html.Div([
                html.P(title, className="stats-kpi__title"),
                html.P(value, className="stats-kpi__value"),
                *[html.P(x, className="stats-kpi__detail") for x in lines],
            ], className="fr-card__body stats-kpi__body"),
            className="fr-card fr-card--no-arrow fr-card--sm stats-kpi",
        )

    r = k["date_rentree"]
    since = f"depuis le {fmt_date(r)}" if r and r != s else "depuis la rentrée"
    return html.Div([
        card("Comptes responsables", fmt_int(k["comptes"]),
             [f"{fmt_delta(k['delta_comptes_7j'])} en 7 jours", f"{fmt_delta(k['delta_comptes_rentree'])} {since}"]),
        card("Comptes activés", fmt_int(k["actives"]),
             [f"{fmt_delta(k['delta_actives_7j'])} en 7 jours", f"{fmt_delta(k['delta_actives_rentree'])} {since}"]),
        card("Taux d'activation", fmt_pct(k["taux"]),
             [f"{fmt_pts(k['delta_taux_7j'])} en 7 jours", f"{fmt_pts(k['delta_taux_rentree'])} {since}"]),
    ], className="stats-kpi-row", role="group", **{"aria-label": "Indicateurs clés"})


def synthese_table(syn: stats.Synthese, caption: str) -> html.Div:
    cols = list(SYNTHESE_COLUMNS)
    rows = [[origine_label(r["origine"]), *[fmt_int(r[c]) for c in cols[1:]]] for r in syn.rows[:-1]]
    footer = [origine_label(syn.rows[-1]["origine"]), *[fmt_int(syn.rows[-1][c]) for c in cols[1:]]]
    return F.table(caption, [SYNTHESE_COLUMNS[c] for c in cols], rows, footer=footer, table_id="stats-synthese-table")


def render_synthese(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    degre = None if view.degre == "ALL" else view.degre
    syn = D.cached(settings, "synthese", lambda: stats.synthese(settings, principal, view.scope, s, degre),
                   view.scope, s, degre)
    total = syn.rows[-1]
    taux = (int(total["ACTIVE"]) / int(total["comptes"])) if int(total["comptes"]) else None
    return html.Div([
        # The section's heading already says « Synthèse des comptes responsables… »: the caption (the table's
        # name for assistive technologies) says what it crosses, for which scope and date, without repeating it.
        synthese_table(syn, f"Comptes par origine et par état — {info.label}"
                       + (f" — {DEGRES[view.degre]}" if degre else "") + f" au {fmt_date(syn.data_date)}"),
        html.P([syn.derniere_mise_a_jour(), f" · Taux d'activation : {fmt_pct(taux)}"],
               className="fr-text--sm stats-maj"),
    ])


def first_sections(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> tuple[Any, Any]:
    """The KPIs and the synthesis of a view whose remit the layout has checked."""
    return (rendered(render_kpis, settings, principal, view, info, s),
            rendered(render_synthese, settings, principal, view, info, s))
