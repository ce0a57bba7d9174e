"""Layout of « Statistiques » and its view state.

The whole view (scope, date, degree, date range, children grouping, funnel week, projection target) lives in
the URL query string, so a pilot can e-mail the exact view and back/forward work: the shell's dcc.Location
passes the parameters to `layout`, which validates them (invalid ones are ignored with a French message),
checks the scope against the principal in SQL, and renders a skeleton whose sections are filled by callbacks
from a dcc.Store holding the same parameters (ids only, no personal data; re-checked by every callback).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from uuid import uuid4

from dash import dcc, html

from dashboard import auth
from dashboard.pages.statistiques import figures as F
from dashboard.pages.statistiques import sections as S
from dashboard.pages.statistiques.ids import LAZY, Ids
from dashboard.pages.statistiques.view import PATH, View, parse_view
from queries import warehouse
from queries.core.formats import fmt_date
from queries.core.journal_text import default_place
from queries.core.scope import AccessDenied, Level, Principal, Scope
from queries.core.vocab import DEGRES
from queries.store import audit
from queries.warehouse import stats_series

LEVEL_LABEL = {
    Level.ACADEMIE: "Académie",
    Level.DEPARTEMENT: "Département",
    Level.CIRCONSCRIPTION: "Circonscription",
    Level.ETABLISSEMENT: "Établissement",
    Level.CLASSE: "Classe",
    Level.MEF: "MEF",
}


# ---------------------------------------------------------------------------------------------- components


def breadcrumb(info: stats_series.ScopeInfo, view: View) -> html.Nav:
    items = []
    for i, c in enumerate(info.chain):
        last = i == len(info.chain) - 1
        label = c.label
        if c.scope.level in (Level.ACADEMIE, Level.DEPARTEMENT) and view.degre != "ALL" and c.scope == view.scope:
            label += f" — {DEGRES[view.degre]}"
        if last:
            items.append(html.Li(html.A(label, className="fr-breadcrumb__link", **{"aria-current": "page"})))
        else:
            href = view.href(scope=c.scope, degre="ALL", par="classe", semaine=None)
            items.append(html.Li(dcc.Link(label, href=href, className="fr-breadcrumb__link")))
    return html.Nav(
        html.Ol(items, className="fr-breadcrumb__list"),
        className="fr-breadcrumb fr-mt-0 fr-mb-2w", role="navigation", **{"aria-label": "vous êtes ici :"},
    )


def _date_options(ds: list[date]) -> list[dict]:
    return [{"label": fmt_date(d), "value": d.isoformat()} for d in reversed(ds)]


DROPDOWN_LABELS = {
    "select_all": "Tout sélectionner", "deselect_all": "Tout désélectionner", "selected_count": "{num} sélectionné(s)",
    "search": "Rechercher", "clear_search": "Effacer la recherche", "clear_selection": "Effacer la sélection",
    "no_options_found": "Aucune date",
}


def _field(label: str, control, field_id: str) -> html.Div:  # noqa: ANN001
    return html.Div([html.Label(label, htmlFor=field_id, className="fr-label"), control],
                    className="fr-select-group stats-field")


def controls(view: View, info: stats_series.ScopeInfo, ds: list[date], s: date, d_from: date) -> html.Form:
    opts = _date_options(ds)
    common = {"clearable": False, "searchable": True, "labels": DROPDOWN_LABELS, "className": "stats-dropdown"}
    items = [
        _field("Date des données", dcc.Dropdown(id=Ids.DATE, options=opts, value=s.isoformat(), **common), Ids.DATE),
        _field("Période : du", dcc.Dropdown(id=Ids.FROM, options=opts, value=d_from.isoformat(), **common), Ids.FROM),
        _field("au", dcc.Dropdown(id=Ids.TO, options=opts, value=(view.d_to or s).isoformat(), **common), Ids.TO),
    ]
    degre = dcc.RadioItems(
        id=Ids.DEGRE, value=view.degre, inline=True, className="stats-radios",
        options=[{"label": "Tous degrés", "value": "ALL"}, {"label": "1er degré", "value": "1D"},
                 {"label": "2nd degré", "value": "2D"}],
    )
    par = dcc.RadioItems(
        id=Ids.PAR, value=view.par, inline=True, className="stats-radios",
        options=[{"label": "Classes", "value": "classe"}, {"label": "MEF", "value": "mef"}],
    )
    if info.degre_applicable:
        items.append(html.Fieldset([html.Legend("Degré", className="fr-fieldset__legend--regular"), degre],
                                   className="stats-field stats-fieldset"))
    else:
        items.append(html.Div(degre, hidden=True))
    if view.scope.level is Level.ETABLISSEMENT:
        items.append(html.Fieldset([html.Legend("Comparer par", className="fr-fieldset__legend--regular"), par],
                                   className="stats-field stats-fieldset"))
    else:
        items.append(html.Div(par, hidden=True))
    # Every choice applies at once (the page follows); the button re-applies for those who expect one.
    items.append(html.Div(html.Button("Afficher", id=Ids.APPLY, type="button", className="fr-btn"),
                          className="stats-field stats-apply"))
    items.append(html.P("Chaque choix met à jour la page aussitôt ; changer la date des données déplace avec "
                        "elle la fin de la période.", className="fr-hint-text stats-change-note"))
    return html.Form(items, className="stats-controls fr-mb-3w", role="search",
                     **{"aria-label": "Choix de la date, de la période et du degré"})


def inline_chooser(label: str, field_id: Ids, options: list[dict[str, str]], value: str | None, button: str,
                   button_id: Ids) -> html.Div:
    """A section's own choice (projection target, funnel week): a dropdown and its button."""
    return html.Div([
        html.Label(label, htmlFor=field_id, className="fr-label"),
        dcc.Dropdown(id=field_id, options=options, value=value, clearable=False, className="stats-dropdown"),
        html.Button(button, id=button_id, type="button", className="fr-btn fr-btn--secondary fr-btn--sm"),
    ], className="stats-inline-form")


def export_links(view: View) -> html.Ul:
    q = view.query()
    links = [
        ("Synthèse (CSV)", f"/export/stats/synthese.csv{q}"),
        ("Séries (CSV)", f"/export/stats/series.csv{q}"),
        ("Comparaison (CSV)", f"/export/stats/comparaison.csv{q}"),
        ("Rapport d'une page (PDF)", f"/export/stats/rapport.pdf{q}"),
    ]
    return html.Ul(
        [html.Li(html.A(t, href=h, className="fr-btn fr-btn--secondary fr-btn--sm", download="")) for t, h in links]
        + [html.Li(html.A("Lien de cette vue", href=PATH + q, className="fr-btn fr-btn--tertiary fr-btn--sm",
                          title="Adresse à copier pour partager exactement cette vue"))],
        className="fr-btns-group fr-btns-group--inline-md fr-btns-group--sm stats-exports",
    )


def section(title: str, body_id: str, intro: str | None = None, render: str = "", body: object = None) -> html.Section:
    """A titled section: its `body` given (the synthesis), or filled by a callback. Below the synthesis, the body is
    rendered when the section comes into view (assets/stats-lazy.js sets its store): `render` tells that script a
    new page was built."""
    go = LAZY.get(Ids(body_id))
    lazy = {"data-stats-lazy": str(go), "data-stats-render": render} if go else {}
    return html.Section(
        [html.H2(title, className="fr-h4 fr-mt-4w"), html.P(intro, className="fr-text--sm") if intro else None,
         dcc.Store(id=go) if go else None,
         dcc.Loading(html.Div(body, id=body_id, className="stats-section__body", **{"aria-live": "polite"}), type="dot",
                     delay_show=300)],
        className="stats-section", **lazy,
    )


def denied(settings, principal: Principal, scope: Scope, reason: str) -> html.Div:  # noqa: ANN001
    audit.record(settings, principal, "forbidden", scope=None, detail={"page": PATH, "perimetre": str(scope),
                                                                        "raison": reason[:200]}, outcome="denied")
    return html.Div([
        html.H1("Accès refusé"),
        # In words from the request alone (« établissement 9740601K »): a name would tell that it exists.
        F.alert(f"Le périmètre demandé ({default_place(str(scope))}) est inconnu ou ne fait pas partie de vos droits. Cette tentative "
                "est journalisée.",
                "error"),
        dcc.Link("Revenir à mes statistiques", href=PATH, className="fr-link"),
    ])


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    settings = auth.settings_of()
    view, messages = parse_view(principal, params)
    try:
        stats_series.require_visible(settings, principal, view.scope)  # unknown or outside: the same refusal
        cov = stats_series.cov_of(settings, view.scope)
        ds = stats_series.dates(settings, cov)
        if not ds:
            raise stats_series.NoData("L'entrepôt ne contient encore aucune donnée.")
        if view.date and view.date < ds[0]:
            messages.append(f"Aucune donnée au {fmt_date(view.date)} : affichage de la dernière date.")
            view = replace(view, date=None)
        s = stats_series.asof(settings, view.date, cov)
        info = stats_series.check_scope(settings, principal, view.scope, s)
    except AccessDenied as exc:
        return denied(settings, principal, view.scope, str(exc))
    except stats_series.ScopeNotFound as exc:
        messages.append(f"{exc} Affichage de votre périmètre.")
        view = View(scope=principal.scope)  # type: ignore[arg-type]
        try:
            ds = stats_series.dates(settings, stats_series.cov_of(settings, view.scope))
            s = stats_series.asof(settings, None, stats_series.cov_of(settings, view.scope))
            info = stats_series.check_scope(settings, principal, view.scope, s)
        except (AccessDenied, stats_series.ScopeNotFound) as exc2:
            return html.Div([html.H1("Statistiques"), F.alert(str(exc2), "error")])
    except (stats_series.NoData, warehouse.WarehouseUnavailable) as exc:
        return html.Div([html.H1("Statistiques"), F.alert(str(exc), "warning")])
    d_from = view.d_from or _default_from(ds, s)
    store = view.params()
    title = info.label + (f" — {DEGRES[view.degre]}" if view.degre != "ALL" else "")
    children_kind = ", ".join(sp.kind for sp in stats_series.child_spec(view.scope, view.degre, view.par))
    kpis, synthese = S.first_sections(settings, principal, view, info, s)
    render = uuid4().hex[:12]  # a fresh page: its sections wait to be seen again, even if React reuses them
    body = [
        dcc.Store(id=Ids.VIEW, data=store),
        breadcrumb(info, view),
        html.H1(["Statistiques ", html.Span(f"— {title}", className="stats-h1-scope")]),
        html.P(f"{LEVEL_LABEL[view.scope.level]} · données du {fmt_date(s)}", className="fr-text--lead fr-mb-1w"),
        *[F.alert(m, "warning") for m in messages],
        controls(view, info, ds, s, d_from),
        export_links(view),
        html.Div(kpis, id=Ids.KPIS, className="stats-kpis", **{"aria-live": "polite"}),
        section("Synthèse des comptes responsables de la structure", Ids.SYNTHESE, body=synthese),
        section("Évolution", Ids.EVOLUTION, f"Du {fmt_date(d_from)} au {fmt_date(view.d_to or s)}.", render),
        section("Projection du taux d'activation", Ids.PROJECTION, None, render),
    ]
    if children_kind:
        body.append(section(f"Comparaison : {children_kind}", Ids.CHILDREN,
                            "Triée du taux d'activation le plus faible au plus élevé ; écart à la médiane "
                            "académique du même niveau.", render))
        body.append(section(f"Taux d'activation par {children_kind} et par semaine", Ids.HEATMAP, None, render))
    body.append(section("Entonnoir notification → activation", Ids.FUNNEL,
                        "Parmi les comptes notifiés une semaine donnée, combien ont été activés sous 7 et sous "
                        "30 jours.", render))
    body.append(section("Classes à relancer", Ids.RELANCE,
                        "Les classes qui comptent le plus de comptes notifiés et non activés.", render))
    return html.Div(body, className="stats-page")


def _default_from(ds: list[date], s: date) -> date:
    """Default range: from the rentrée (first ingested date of the school year) to the data date."""
    start = stats_series.rentree(s)
    inside = [d for d in ds if start <= d <= s]
    return inside[0] if inside else s


def skeleton(settings: object = None) -> html.Div:
    """Every component the page's callbacks name, built without principal or data (app.validation_layout)."""
    view = View(scope=Scope(Level.ETABLISSEMENT, "0000000A"))
    info = stats_series.ScopeInfo(scope=view.scope, label="", chain=(), degre_applicable=True, etab_degre=None,
                                  academie="")
    day = date(2000, 1, 1)
    return html.Div([
        dcc.Store(id=Ids.VIEW),
        controls(view, info, [day], day, day),
        html.Div(id=Ids.KPIS),
        *[section("", i) for i in (Ids.SYNTHESE, Ids.EVOLUTION, Ids.PROJECTION, Ids.CHILDREN, Ids.HEATMAP,
                                   Ids.FUNNEL, Ids.RELANCE)],
        inline_chooser("", Ids.CIBLE, [], None, "", Ids.CIBLE_APPLY),  # built by the projection's callback
        inline_chooser("", Ids.SEMAINE, [], None, "", Ids.SEMAINE_APPLY),  # built by the funnel's callback
        F.details_table("", "origine"),  # built by the sections' callbacks, filled by data_table
    ])
