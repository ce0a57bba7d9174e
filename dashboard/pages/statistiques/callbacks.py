"""Callbacks of « Statistiques »: one per section, each answering from aggregates (agg_synthese, agg_funnel).

Pattern (docs/ARCHITECTURE.md, "Access control"), in this order in every callback: who is asking (the
principal from the server-side session, `auth.require_principal(Action.STATS)`), validate (the view from the
dcc.Store is re-parsed strictly), query (the scope is checked against the principal in SQL, `data.checked`,
and only then is the cache consulted: `data.cached`), figure. The reads live in `data.py`, shared with the
exports.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from dash import MATCH, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import auth, requests_guard
from dashboard.ids import Shell
from dashboard.pages import Callbacks
from dashboard.pages.statistiques import data as D
from dashboard.pages.statistiques import figures as F
from dashboard.pages.statistiques import sections as S
from dashboard.pages.statistiques.ids import LAZY, Ids
from dashboard.pages.statistiques.layout import inline_chooser
from dashboard.pages.statistiques.view import View, ViewError, parse_view
from queries import warehouse
from queries.core import authz
from queries.core.authz import Action
from queries.core.formats import fmt_date, fmt_int, fmt_pct, fmt_pts
from queries.core.scope import AccessDenied, Level, Principal, Scope
from queries.core.settings import Settings
from queries.core.vocab import ETATS, ORIGINES
from queries.warehouse import stats_series

# ------------------------------------------------------------------------------------------------ guard


def store_view(data: dict | None) -> tuple[Principal, View]:
    """Who is asking, then the view that the page's dcc.Store holds, re-validated strictly."""
    principal = auth.require_principal(Action.STATS)
    if data is not None and not isinstance(data, dict):  # requests_guard refuses it first; never a 500 here
        raise AccessDenied("vue invalide : pas un objet")
    try:
        view, _ = parse_view(principal, data or {}, strict=True)
    except ViewError as exc:
        raise AccessDenied(f"vue invalide : {exc}") from None
    return principal, view


def resolve(data: dict | None) -> tuple[Settings, Principal, View, stats_series.ScopeInfo, date]:
    """Who is asking, the view validated, then the remit checked in SQL: what every section needs."""
    principal, view = store_view(data)
    settings = auth.settings_of()
    info, s = D.checked(settings, principal, view)
    return settings, principal, view, info, s


def _guarded(render: Callable[..., Any], lazy: bool = False) -> Callable[..., Any]:
    """A section's callback: who is asking, the view, the remit; then the render (cached, errors in French;
    AccessDenied goes to the 403 handler). A lazy section answers nothing until its store says it was seen (no
    query, no figure for what nobody looks at)."""

    def run(data: dict | None, seen: int | None = None) -> Any:
        if lazy:
            store_view(data)  # who is asking first, as everywhere
            if not seen:
                raise PreventUpdate
        try:
            settings, principal, view, info, s = resolve(data)
        except S.EXPECTED as exc:
            return S.alert_for(exc)
        return S.rendered(render, settings, principal, view, info, s)

    run.__name__ = render.__name__
    return run


# ------------------------------------------------------------------------------------------------ sections


def _evolution(settings: Settings, principal: Principal, view: View, s: date) -> tuple[Any, Any, Any, str] | None:
    """The evolution over the period (cached): by origin, by state, the rate, and the period in words."""
    df, d_from, d_to = D.evolution(settings, principal, view, s)
    if df.empty:
        return None
    per = f"du {fmt_date(d_from)} au {fmt_date(d_to)}"
    return stats_series.by_origin(df), stats_series.by_state(df), stats_series.rate_series(df), per


def render_evolution(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    ev = _evolution(settings, principal, view, s)
    if ev is None:
        return F.alert("Aucune donnée sur la période choisie.", "info")
    o, e, r, _ = ev
    return html.Div([
        html.Div([
            F.graph(F.area_by_origin(o, "Comptes par origine (aires empilées)"), "stats-g-origine",
                    D.file_stem(view, "origine", s), "Graphique : comptes par origine"),
            F.details_table("Voir les données : comptes par origine", "origine"),
        ], className="stats-chart"),
        html.Div([
            F.graph(F.lines_by_state(e, "Comptes par état"), "stats-g-etat", D.file_stem(view, "etat", s),
                    "Graphique : comptes par état"),
            F.details_table("Voir les données : comptes par état", "etat"),
        ], className="stats-chart"),
        html.Div([
            F.graph(F.rate_chart(r, "Taux d'activation"), "stats-g-taux", D.file_stem(view, "taux", s),
                    "Graphique : taux d'activation"),
            F.details_table("Voir les données : taux d'activation", "taux"),
        ], className="stats-chart"),
    ], className="stats-charts")


def table_origine(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> Any:
    ev = _evolution(settings, principal, view, s)
    if ev is None:
        return None
    o, _, _, per = ev
    return F.table(f"Comptes par origine, {per}", ["Date", *[ORIGINES[c] for c in o.columns], "Total"],
                   [[fmt_date(d), *[fmt_int(v) for v in row], fmt_int(sum(row))] for d, row in
                    zip(o.index, o.values.tolist(), strict=True)])


def table_etat(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> Any:
    ev = _evolution(settings, principal, view, s)
    if ev is None:
        return None
    _, e, _, per = ev
    return F.table(f"Comptes par état, {per}", ["Date", *[ETATS[c] for c in e.columns]],
                   [[fmt_date(d), *[fmt_int(v) for v in row]] for d, row in zip(e.index, e.values.tolist(), strict=True)])


def table_taux(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> Any:
    ev = _evolution(settings, principal, view, s)
    if ev is None:
        return None
    _, _, r, per = ev
    return F.table(f"Taux d'activation, {per}", ["Date", "Comptes", "Activés", "Taux d'activation"],
                   [[fmt_date(x.date), fmt_int(x.comptes), fmt_int(x.actives), fmt_pct(x.taux)]
                    for x in r.itertuples()])


def projection_targets(s: date) -> list[date]:
    """Offered targets: in 2, 4, 8 weeks, and the ends of the first term and of the school year."""
    start = stats_series.rentree(s)
    out = [s + timedelta(weeks=w) for w in (2, 4, 8)]
    out += [d for d in (date(start.year, 12, 18), date(start.year + 1, 7, 4)) if d > s]
    return sorted(set(out))


def render_projection(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    proj, r = D.projection(settings, principal, view, s)
    targets = projection_targets(s)
    if proj.target and proj.target not in targets:
        targets = sorted([*targets, proj.target])
    chooser = inline_chooser("Date cible de la projection", Ids.CIBLE,
                             [{"label": fmt_date(d), "value": d.isoformat()} for d in targets],
                             (proj.target or targets[0]).isoformat(), "Projeter", Ids.CIBLE_APPLY)
    if not proj.ok:
        return html.Div([chooser, F.alert(proj.message, "info")])
    callout = html.Div([
        html.P("PROJECTION — estimation, pas une mesure", className="fr-callout__title"),
        html.P([
            "Si la tendance des dernières semaines se poursuit, le taux d'activation atteindrait ",
            html.Strong(fmt_pct(proj.rate)), f" le {fmt_date(proj.target)} ",
            f"(intervalle de projection à 95 % : {fmt_pct(proj.low)} – {fmt_pct(proj.high)}).",
        ], className="fr-callout__text"),
        html.P("Méthode : droite ajustée sur le logit du taux des 8 dernières dates, intervalle tiré des écarts "
               "observés. Une campagne de notification ou les vacances changent la tendance.", className="fr-text--xs"),
    ], className="fr-callout fr-callout--blue-ecume stats-projection")
    return html.Div([
        chooser, callout,
        F.graph(F.rate_chart(r, "Taux d'activation observé et PROJECTION", proj), "stats-g-projection",
                D.file_stem(view, "projection", s), "Graphique : taux d'activation observé et projeté"),
        F.details_table("Voir les données : projection", "projection"),
    ])


def table_projection(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> Any:
    proj, _ = D.projection(settings, principal, view, s)
    if not proj.ok:
        return None
    return F.table("Projection du taux d'activation (estimation)",
                   ["Date", "Taux projeté", "Borne basse (95 %)", "Borne haute (95 %)"],
                   [[fmt_date(d), fmt_pct(m), fmt_pct(lo), fmt_pct(hi)] for d, m, lo, hi in proj.curve])


def child_scope(row: Any) -> Scope:
    lv = Level(row.level)
    return Scope(lv, row.code, row.sub if lv in (Level.CLASSE, Level.MEF) else None)


def _plural(kinds: str) -> str:
    return ", ".join(k if k == "MEF" else k + "s" for k in kinds.split(", "))


def render_children(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    ch, median = D.children(settings, principal, view, info, s)
    if ch.empty:
        return F.alert("Aucun sous-périmètre à comparer.", "info")
    kinds = ", ".join(dict.fromkeys(ch["kind"]))
    rows = []
    for x in ch.itertuples():
        sc = child_scope(x)
        degre = view.degre if sc.level is Level.DEPARTEMENT else "ALL"
        href = view.href(scope=sc, degre=degre, par="classe", semaine=None)
        gap = None if median is None or pd.isna(x.taux) else x.taux - median
        label = str(x.label) if sc.level is not Level.MEF else f"{x.label} ({x.sub})"
        rows.append([dcc.Link(label, href=href, className="fr-link"), fmt_int(x.comptes), fmt_int(x.actives),
                     fmt_pct(x.taux), fmt_pts(gap), fmt_int(x.notifies_non_actives)])
    tbl = F.table(
        f"Comparaison des {_plural(kinds)} au {fmt_date(s)}, du taux d'activation le plus faible au plus élevé",
        ["Périmètre", "Comptes", "Activés", "Taux d'activation", "Écart à la médiane académique",
         "Notifiés non activés"], rows,
    )
    med = html.P(f"Médiane académique ({kinds}) : {fmt_pct(median)}", className="fr-text--sm") if median is not None else None
    if ch["taux"].notna().sum() < 2:  # one bar compares nothing: a sentence says it
        rated = ch.dropna(subset=["taux"])
        x = (rated if len(rated) else ch).iloc[0]
        chart: Any = html.P(f"Un seul sous-périmètre ({x['label']}) : taux d'activation de {fmt_pct(x['taux'])}, "
                            "rien à comparer à ce niveau.", className="fr-text--sm")
    else:
        fig = F.ranked_bar(ch, f"Taux d'activation par {kinds} (les plus faibles en haut)", median)
        chart = F.graph(fig, "stats-g-children", D.file_stem(view, "comparaison", s),
                        f"Graphique : taux d'activation par {kinds}")
    return html.Div([med, chart, tbl])


def _children_series(settings: Settings, principal: Principal, view: View, s: date) -> pd.DataFrame:
    d_from, d_to = D.date_range(settings, view, s)
    return D.cached(settings, "children-series",
                    lambda: stats_series.children_series(settings, principal, view.scope, view.degre, d_from, d_to,
                                                         view.par),
                    view.scope, view.degre, d_from, d_to, view.par)


def render_heatmap(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    cs = _children_series(settings, principal, view, s)
    if cs.empty:
        return F.alert("Aucune donnée sur la période choisie.", "info")
    return html.Div([
        F.graph(F.heatmap(cs, "Taux d'activation par semaine"), "stats-g-heatmap", D.file_stem(view, "carte", s),
                "Carte de chaleur : taux d'activation par semaine"),
        F.details_table("Voir les données : taux par semaine", "carte"),
    ])


def table_carte(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> Any:
    cs = _children_series(settings, principal, view, s)
    if cs.empty:
        return None
    piv = cs.pivot_table(index="label", columns="date", values="taux", aggfunc="first")
    return F.table("Taux d'activation par semaine (date du dernier instantané de la semaine)",
                   ["Périmètre", *[fmt_date(w) for w in piv.columns]],
                   [[lab, *[fmt_pct(v) for v in vals]] for lab, vals in zip(piv.index, piv.values.tolist(), strict=True)])


def render_funnel(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    weeks = D.cached(settings, "funnel-weeks",
                     lambda: stats_series.funnel_week_counts(settings, principal, view.scope, view.degre, s),
                     view.scope, view.degre, s)
    if not weeks:
        return F.alert("Aucune notification enregistrée dans ce périmètre.", "info")
    week = view.semaine if view.semaine in dict(weeks) else stats_series.default_week(weeks, s)
    assert week is not None
    fn = D.cached(settings, "funnel",
                  lambda: stats_series.funnel(settings, principal, view.scope, week, view.degre, s, view.par),
                  view.scope, week, view.degre, s, view.par)
    chooser = inline_chooser("Semaine de notification (lundi)", Ids.SEMAINE,
                             [{"label": f"Semaine du {fmt_date(w)} ({fmt_int(n)} notifiés)", "value": w.isoformat()}
                              for w, n in weeks], week.isoformat(), "Afficher", Ids.SEMAINE_APPLY)
    note = []
    if week + timedelta(days=6 + 30) > s:
        note.append(F.alert(f"Fenêtre de 30 jours incomplète au {fmt_date(s)} : les activations à 30 jours de "
                            "cette semaine sont encore partielles.", "info"))
    rows = [[str(x.label) if x.kind != "total" else html.Strong(x.label), fmt_int(x.notifies),
             fmt_int(x.actives_7j), fmt_pct(x.taux_7j), fmt_int(x.actives_30j), fmt_pct(x.taux_30j)]
            for x in fn.itertuples()]
    tbl = F.table(f"Comptes notifiés la semaine du {fmt_date(week)} et activés ensuite",
                  ["Périmètre", "Notifiés", "Activés sous 7 jours", "%", "Activés sous 30 jours", "%"], rows)
    parts: list[Any] = [chooser, *note]
    if (fn["kind"] != "total").any():
        parts.append(F.graph(F.funnel_chart(fn, f"Notifiés la semaine du {fmt_date(week)} → activés"),
                             "stats-g-funnel", D.file_stem(view, "entonnoir", s), "Graphique : entonnoir par sous-périmètre"))
    parts.append(tbl)
    return html.Div(parts)


def console_href(uai: str, classe: str) -> str:
    return "/responsables?" + urlencode({"uai": uai, "classe": classe, "etat": "NOTIFIE_NON_ACTIVE"})


def render_relance(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    df = D.cached(settings, "relance", lambda: stats_series.a_relancer(settings, principal, view.scope, s),
                  view.scope, s)
    if df.empty:
        return F.alert("Aucun compte notifié et non activé : rien à relancer.", "success")
    rows = []
    for x in df.itertuples():
        if authz.allowed(principal, Action.CONSOLE):
            action: Any = dcc.Link("Ouvrir dans la console", href=console_href(x.uai, x.classe), className="fr-link",
                                   title=f"Responsables notifiés non activés de la classe {x.classe}")
        else:
            action = "—"
        rows.append([x.classe, f"{x.etablissement} ({x.uai})", fmt_int(x.notifies_non_actives),
                     fmt_int(x.comptes), action])
    note = None if authz.allowed(principal, Action.CONSOLE) else html.P(
        "La console est réservée aux établissements et à l'assistance : transmettez cette liste aux "
        "établissements concernés.", className="fr-text--sm")
    return html.Div([note, F.table(f"Classes à relancer au {fmt_date(s)}",
                                   ["Classe", "Établissement", "Notifiés non activés", "Comptes", "Action"], rows,
                                   numeric_from=2)])


SECTIONS: dict[Ids, Callable[..., Any]] = {
    Ids.EVOLUTION: render_evolution,
    Ids.PROJECTION: render_projection,
    Ids.CHILDREN: render_children,
    Ids.HEATMAP: render_heatmap,
    Ids.FUNNEL: render_funnel,
    Ids.RELANCE: render_relance,
}


callbacks = Callbacks()
requests_guard.expect(Ids.VIEW, "data", "dict")  # a list or a text here is refused (422) before any callback
for _out, _render in SECTIONS.items():  # every section below the synthesis is rendered when seen
    requests_guard.expect(LAZY[_out], "data", "int")
    callbacks(Output(_out, "children"), Input(Ids.VIEW, "data"), Input(LAZY[_out], "data"))(
        _guarded(_render, lazy=True))

# The charts' data tables, by the key of their <details> (F.details_table): sent when first unfolded.
DATA_TABLES: dict[str, Callable[..., Any]] = {
    render.__name__.removeprefix("table_"): _guarded(render)
    for render in (table_origine, table_etat, table_taux, table_projection, table_carte)
}


@callbacks(
    Output({"type": Ids.DT_BODY, "key": MATCH}, "children"),
    Input({"type": Ids.DT, "key": MATCH}, "n_clicks"), State(Ids.VIEW, "data"),
    prevent_initial_call=True,
)
def data_table(n, data):  # noqa: ANN001, ANN201
    store_view(data)  # who is asking, first
    key = ctx.triggered_id.get("key") if isinstance(ctx.triggered_id, dict) else None
    if key not in DATA_TABLES:
        raise AccessDenied("tableau de données inconnu")
    if n != 1:  # filled at the first unfolding; folding and unfolding again keeps it
        raise PreventUpdate
    return DATA_TABLES[key](data)


# ------------------------------------------------------------------------------------------------ URL


def new_query(principal: Principal, view: View, values: dict[str, str | None]) -> str:
    """New query string from the form; only ids go to the URL (re-validated by the next layout)."""
    params = view.params()
    params.update({k: v for k, v in values.items() if v})
    for k, v in values.items():
        if not v:
            params.pop(k, None)
    if params.get("degre") == "ALL":
        params.pop("degre")
    if params.get("par") == "classe":
        params.pop("par")
    new, _ = parse_view(principal, params)
    return new.query()


def latest_date(principal: Principal, view: View) -> str | None:
    """Latest ingested date of the view's coverage (ISO), read after the remit check; None if unknown."""
    settings = auth.settings_of()
    try:
        D.checked(settings, principal, view)
        cov = D.cached(settings, "cov", lambda: stats_series.cov_of(settings, view.scope), view.scope)
        ds = D.cached(settings, "dates", lambda: stats_series.dates(settings, cov), cov)
    except (stats_series.NoData, stats_series.ScopeNotFound, warehouse.WarehouseUnavailable):
        return None
    return ds[-1].isoformat() if ds else None


@callbacks(
    Output(Shell.URL, "search", allow_duplicate=True),
    Input(Ids.APPLY, "n_clicks"),
    Input(Ids.DATE, "value"), Input(Ids.FROM, "value"), Input(Ids.TO, "value"),
    Input(Ids.DEGRE, "value"), Input(Ids.PAR, "value"), State(Ids.VIEW, "data"),
    prevent_initial_call=True,
)
def apply_form(n, d, f, t, degre, par, data):  # noqa: ANN001, ANN201
    """Every control applies on change (the button re-applies); the view goes into the URL."""
    principal, view = store_view(data)
    trigger = ctx.triggered_id
    # Dash also calls this when the page is built (every control reported at once): only a single control
    # changed by the user, or the button, navigates.
    if trigger is None or len(ctx.triggered) != 1 or (trigger == Ids.APPLY and not n):
        return no_update
    values = {"date": d, "from": f, "to": t, "degre": degre, "par": par}
    if trigger == Ids.DATE:
        # The period follows the date: its end is the new date, its start stays unless it is now after it.
        values["to"] = None
        if f and d and f > d:
            values["from"] = None
    # The latest date is the default: keep the URL short (and following new publications) when it is chosen.
    if not view.date and d and d == latest_date(principal, view):
        values["date"] = None
        if values["to"] == d:
            values["to"] = None
    query = new_query(principal, view, values)
    if trigger != Ids.APPLY and query == view.query():
        return no_update  # a control re-rendered with the view's own value: nothing to navigate to
    return query


def apply_choice(key: str) -> Callable[..., Any]:
    """A section's own choice (projection target, funnel week): its button puts the value into the URL as `key`."""

    def apply(n: int | None, value: str | None, data: dict | None) -> Any:
        if not n:
            return no_update
        principal, view = store_view(data)
        return new_query(principal, view, {key: value})

    apply.__name__ = f"apply_{key}"
    return apply


# The sections' own choosers: URL parameter → (dropdown, button).
CHOOSERS = {"cible": (Ids.CIBLE, Ids.CIBLE_APPLY), "semaine": (Ids.SEMAINE, Ids.SEMAINE_APPLY)}
for _key, (_field, _button) in CHOOSERS.items():
    callbacks(Output(Shell.URL, "search", allow_duplicate=True), Input(_button, "n_clicks"),
              State(_field, "value"), State(Ids.VIEW, "data"), prevent_initial_call=True)(apply_choice(_key))
