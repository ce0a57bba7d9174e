"""Callbacks of « Statistiques »: one per section, each answering from aggregates (agg_synthese, agg_funnel).

Pattern (docs/ARCHITECTURE.md, "Access control"): the principal comes from the server-side session
(`auth.require_principal(Action.STATS)`), the view from the dcc.Store is re-validated strictly, the scope is checked
against the principal in SQL (`check_scope`), and only then is the cache consulted. Cached values are keyed by
the published warehouse file (a new publication invalidates them) and by the requested scope and view, which
determine the answer once the remit check has passed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from dash import Input, Output, State, dcc, html, no_update

from dashboard import auth, requests_guard
from dashboard.cache import cache
from dashboard.ids import Shell
from dashboard.pages.statistiques import figures as F
from dashboard.pages.statistiques.ids import Ids
from dashboard.pages.statistiques.layout import View, ViewError, parse_view
from queries import warehouse
from queries.core import authz
from queries.core.authz import Action
from queries.core.formats import fmt_date, fmt_delta, fmt_int, fmt_pct, fmt_pts
from queries.core.scope import AccessDenied, Level, Principal, Scope
from queries.core.settings import Settings
from queries.core.vocab import DEGRES, ETATS, ORIGINES, SYNTHESE_COLUMNS, origine_label
from queries.warehouse import stats, stats_series

# ------------------------------------------------------------------------------------------------ cache


def _code_version() -> str:
    """Digest of this page's and the queries' source: a deployment with new code never reads stale renders."""
    from pathlib import Path

    import queries.warehouse.stats_series as qs

    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")) + [Path(qs.__file__), Path(stats.__file__)]:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


CODE_VERSION = _code_version()


def _wh_key(settings: Settings) -> str:
    target = warehouse.current_target(settings.warehouse_dir)
    if target is None:
        raise warehouse.WarehouseUnavailable("Aucun entrepôt publié.")
    try:
        st = target.stat()
    except FileNotFoundError as exc:
        raise warehouse.WarehouseUnavailable("Entrepôt introuvable.") from exc
    return f"{target.name}:{st.st_mtime_ns}"


def cached(settings: Settings, name: str, fn: Callable[[], Any], *key: Any) -> Any:
    """`fn()` through Flask-Caching, keyed by the warehouse file and `key`. Call only after check_scope."""
    raw = json.dumps([CODE_VERSION, _wh_key(settings), name, *[str(k) for k in key]], ensure_ascii=False)
    k = "stats:" + hashlib.sha256(raw.encode()).hexdigest()[:32]
    try:
        hit = cache.get(k)
    except Exception:  # noqa: BLE001 - a broken cache backend must not break the page
        hit = None
    if hit is not None:
        return hit
    value = fn()
    try:
        cache.set(k, value)
    except Exception:  # noqa: BLE001, S110
        pass
    return value


def checked(settings: Settings, principal: Principal, view: View) -> tuple[stats_series.ScopeInfo, date]:
    """Remit check in SQL for this principal's scope (cached per principal scope and role, never across)."""
    # Uncached and first: an unknown scope and one outside the remit take the same path (no existence oracle,
    # not even through the timing of the shared cov/asof cache).
    stats_series.require_visible(settings, principal, view.scope)
    cov = cached(settings, "cov", lambda: stats_series.cov_of(settings, view.scope), view.scope)
    s = cached(settings, "asof", lambda: stats_series.asof(settings, view.date, cov), view.date, cov)
    info = cached(
        settings, "check", lambda: stats_series.check_scope(settings, principal, view.scope, s),
        principal.role.value, principal.scope, view.scope, s,
    )
    return info, s


def _view_data(data: Any) -> dict:
    """The view store as sent by the browser: None before the first render; anything but an object is forged."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AccessDenied("vue invalide : pas un objet")
    return data


def resolve(data: dict | None) -> tuple[Settings, Principal, View, stats_series.ScopeInfo, date]:
    principal = auth.require_principal(Action.STATS)
    settings = auth.settings_of()
    try:
        view, _ = parse_view(principal, _view_data(data), strict=True)
    except ViewError as exc:
        raise AccessDenied(f"vue invalide : {exc}") from None
    info, s = checked(settings, principal, view)
    return settings, principal, view, info, s


def _guarded(render: Callable[..., Any]) -> Callable[[dict | None], Any]:
    """Expected errors become a French message in the section; AccessDenied goes to the 403 handler."""

    def run(data: dict | None) -> Any:
        try:
            settings, principal, view, info, s = resolve(data)
            # The rendered section is cached too (figures cost more than the queries). After the remit check,
            # it depends only on the view and on whether the console links are shown.
            return cached(settings, f"render:{render.__name__}",
                          lambda: render(settings, principal, view, info, s),
                          sorted(view.params().items()), s, authz.allowed(principal, Action.CONSOLE))
        except (stats_series.NoData, stats_series.ScopeNotFound, stats.StatsError) as exc:
            return F.alert(str(exc), "warning")
        except warehouse.WarehouseUnavailable as exc:
            return F.alert(str(exc), "error")

    run.__name__ = render.__name__
    return run


def _fname(view: View, what: str, s: date) -> str:
    return f"meteocomptes_{what}_{str(view.scope).replace(':', '-').replace(' ', '')}_{s.isoformat()}"


def _range(view: View, s: date, settings: Settings) -> tuple[date, date]:
    cov = cached(settings, "cov", lambda: stats_series.cov_of(settings, view.scope), view.scope)
    ds = cached(settings, "dates", lambda: stats_series.dates(settings, cov), cov)
    start = stats_series.rentree(s)
    default_from = next((d for d in ds if start <= d <= s), s)
    return view.d_from or default_from, view.d_to or s


# ------------------------------------------------------------------------------------------------ sections


def render_kpis(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    k = cached(settings, "kpis", lambda: stats_series.kpis(settings, principal, view.scope, view.degre, s),
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
    syn = cached(settings, "synthese", lambda: stats.synthese(settings, principal, view.scope, s, degre),
                 view.scope, s, degre)
    total = syn.rows[-1]
    taux = (int(total["ACTIVE"]) / int(total["comptes"])) if int(total["comptes"]) else None
    return html.Div([
        synthese_table(syn, f"Synthèse des comptes responsables — {info.label}"
                       + (f" — {DEGRES[view.degre]}" if degre else "") + f" au {fmt_date(syn.data_date)}"),
        html.P([syn.derniere_mise_a_jour(), f" · Taux d'activation : {fmt_pct(taux)}"],
               className="fr-text--sm stats-maj"),
    ])


def _evolution(settings: Settings, principal: Principal, view: View, s: date) -> tuple[pd.DataFrame, date, date]:
    d_from, d_to = _range(view, s, settings)
    df = cached(settings, "evolution",
                lambda: stats_series.evolution(settings, principal, view.scope, view.degre, d_from, d_to),
                view.scope, view.degre, d_from, d_to)
    return df, d_from, d_to


def render_evolution(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    df, d_from, d_to = _evolution(settings, principal, view, s)
    if df.empty:
        return F.alert("Aucune donnée sur la période choisie.", "info")
    o = stats_series.by_origin(df)
    e = stats_series.by_state(df)
    r = stats_series.rate_series(df)
    per = f"du {fmt_date(d_from)} au {fmt_date(d_to)}"
    t1 = F.table(f"Comptes par origine, {per}", ["Date", *[ORIGINES[c] for c in o.columns], "Total"],
                 [[fmt_date(d), *[fmt_int(v) for v in row], fmt_int(sum(row))] for d, row in
                  zip(o.index, o.values.tolist(), strict=True)])
    t2 = F.table(f"Comptes par état, {per}", ["Date", *[ETATS[c] for c in e.columns]],
                 [[fmt_date(d), *[fmt_int(v) for v in row]] for d, row in zip(e.index, e.values.tolist(), strict=True)])
    t3 = F.table(f"Taux d'activation, {per}", ["Date", "Comptes", "Activés", "Taux d'activation"],
                 [[fmt_date(x.date), fmt_int(x.comptes), fmt_int(x.actives), fmt_pct(x.taux)]
                  for x in r.itertuples()])
    return html.Div([
        html.Div([
            F.graph(F.area_by_origin(o, "Comptes par origine (aires empilées)"), "stats-g-origine",
                    _fname(view, "origine", s), "Graphique : comptes par origine"),
            F.details_table("Voir les données : comptes par origine", t1),
        ], className="stats-chart"),
        html.Div([
            F.graph(F.lines_by_state(e, "Comptes par état"), "stats-g-etat", _fname(view, "etat", s),
                    "Graphique : comptes par état"),
            F.details_table("Voir les données : comptes par état", t2),
        ], className="stats-chart"),
        html.Div([
            F.graph(F.rate_chart(r, "Taux d'activation"), "stats-g-taux", _fname(view, "taux", s),
                    "Graphique : taux d'activation"),
            F.details_table("Voir les données : taux d'activation", t3),
        ], className="stats-chart"),
    ], className="stats-charts")


def projection_targets(s: date) -> list[date]:
    """Offered targets: in 2, 4, 8 weeks, and the ends of the first term and of the school year."""
    start = stats_series.rentree(s)
    out = [s + timedelta(weeks=w) for w in (2, 4, 8)]
    out += [d for d in (date(start.year, 12, 18), date(start.year + 1, 7, 4)) if d > s]
    return sorted(set(out))


def compute_projection(settings: Settings, principal: Principal, view: View, s: date) -> tuple[stats_series.Projection, pd.DataFrame]:
    start = stats_series.rentree(s)
    df = cached(settings, "evolution-year",
                lambda: stats_series.evolution(settings, principal, view.scope, view.degre, start, s),
                view.scope, view.degre, start, s)
    r = stats_series.rate_series(df)
    target = view.cible if view.cible and view.cible > s else s + timedelta(weeks=4)
    return stats_series.projection(r, target), r


def render_projection(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    proj, r = compute_projection(settings, principal, view, s)
    targets = projection_targets(s)
    if proj.target and proj.target not in targets:
        targets = sorted([*targets, proj.target])
    chooser = html.Div([
        html.Label("Date cible de la projection", htmlFor=Ids.CIBLE, className="fr-label"),
        dcc.Dropdown(id=Ids.CIBLE, options=[{"label": fmt_date(d), "value": d.isoformat()} for d in targets],
                     value=(proj.target or targets[0]).isoformat(), clearable=False, className="stats-dropdown"),
        html.Button("Projeter", id=Ids.CIBLE_APPLY, type="button", className="fr-btn fr-btn--secondary fr-btn--sm"),
    ], className="stats-inline-form")
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
    tbl = F.table("Projection du taux d'activation (estimation)", ["Date", "Taux projeté", "Borne basse (95 %)",
                                                                    "Borne haute (95 %)"],
                  [[fmt_date(d), fmt_pct(m), fmt_pct(lo), fmt_pct(hi)] for d, m, lo, hi in proj.curve])
    return html.Div([
        chooser, callout,
        F.graph(F.rate_chart(r, "Taux d'activation observé et PROJECTION", proj), "stats-g-projection",
                _fname(view, "projection", s), "Graphique : taux d'activation observé et projeté"),
        F.details_table("Voir les données : projection", tbl),
    ])


def child_scope(row: Any) -> Scope:
    lv = Level(row.level)
    return Scope(lv, row.code, row.sub if lv in (Level.CLASSE, Level.MEF) else None)


def compute_children(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> tuple[pd.DataFrame, float | None]:
    ch = cached(settings, "children",
                lambda: stats_series.children(settings, principal, view.scope, view.degre, s, view.par),
                view.scope, view.degre, s, view.par)
    specs = stats_series.child_spec(view.scope, view.degre, view.par)
    median = None
    if len(specs) == 1:
        sp = specs[0]
        median = cached(settings, "median",
                        lambda: stats_series.academie_median(settings, principal, sp.level, info.academie, s,
                                                             sp.filter_degre, view.degre),
                        sp.level, info.academie, s, sp.filter_degre, view.degre)
    return ch, median


def _plural(kinds: str) -> str:
    return ", ".join(k if k == "MEF" else k + "s" for k in kinds.split(", "))


def render_children(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    ch, median = compute_children(settings, principal, view, info, s)
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
    fig = F.ranked_bar(ch, f"Taux d'activation par {kinds} (les plus faibles en haut)", median)
    return html.Div([
        med,
        F.graph(fig, "stats-g-children", _fname(view, "comparaison", s), f"Graphique : taux d'activation par {kinds}"),
        tbl,
    ])


def render_heatmap(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    d_from, d_to = _range(view, s, settings)
    cs = cached(settings, "children-series",
                lambda: stats_series.children_series(settings, principal, view.scope, view.degre, d_from, d_to, view.par),
                view.scope, view.degre, d_from, d_to, view.par)
    if cs.empty:
        return F.alert("Aucune donnée sur la période choisie.", "info")
    piv = cs.pivot_table(index="label", columns="date", values="taux", aggfunc="first")
    weeks = list(piv.columns)
    tbl = F.table("Taux d'activation par semaine (date du dernier instantané de la semaine)",
                  ["Périmètre", *[fmt_date(w) for w in weeks]],
                  [[lab, *[fmt_pct(v) for v in vals]] for lab, vals in zip(piv.index, piv.values.tolist(), strict=True)])
    return html.Div([
        F.graph(F.heatmap(cs, "Taux d'activation par semaine"), "stats-g-heatmap", _fname(view, "carte", s),
                "Carte de chaleur : taux d'activation par semaine"),
        F.details_table("Voir les données : taux par semaine", tbl),
    ])


def render_funnel(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    weeks = cached(settings, "funnel-weeks",
                   lambda: stats_series.funnel_week_counts(settings, principal, view.scope, view.degre, s),
                   view.scope, view.degre, s)
    if not weeks:
        return F.alert("Aucune notification enregistrée dans ce périmètre.", "info")
    week = view.semaine if view.semaine in dict(weeks) else stats_series.default_week(weeks, s)
    assert week is not None
    fn = cached(settings, "funnel",
                lambda: stats_series.funnel(settings, principal, view.scope, week, view.degre, s, view.par),
                view.scope, week, view.degre, s, view.par)
    chooser = html.Div([
        html.Label("Semaine de notification (lundi)", htmlFor=Ids.SEMAINE, className="fr-label"),
        dcc.Dropdown(id=Ids.SEMAINE, options=[{"label": f"Semaine du {fmt_date(w)} ({fmt_int(n)} notifiés)",
                                               "value": w.isoformat()} for w, n in weeks],
                     value=week.isoformat(), clearable=False,
                     className="stats-dropdown"),
        html.Button("Afficher", id=Ids.SEMAINE_APPLY, type="button", className="fr-btn fr-btn--secondary fr-btn--sm"),
    ], className="stats-inline-form")
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
                             "stats-g-funnel", _fname(view, "entonnoir", s), "Graphique : entonnoir par sous-périmètre"))
    parts.append(tbl)
    return html.Div(parts)


def console_href(uai: str, classe: str) -> str:
    return "/responsables?" + urlencode({"uai": uai, "classe": classe, "etat": "NOTIFIE_NON_ACTIVE"})


def render_relance(settings: Settings, principal: Principal, view: View, info: Any, s: date) -> html.Div:
    df = cached(settings, "relance", lambda: stats_series.a_relancer(settings, principal, view.scope, s),
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


SECTIONS = {
    Ids.KPIS: render_kpis,
    Ids.SYNTHESE: render_synthese,
    Ids.EVOLUTION: render_evolution,
    Ids.PROJECTION: render_projection,
    Ids.CHILDREN: render_children,
    Ids.HEATMAP: render_heatmap,
    Ids.FUNNEL: render_funnel,
    Ids.RELANCE: render_relance,
}


# ------------------------------------------------------------------------------------------------ URL


def view_from_controls(data: dict | None, values: dict[str, str | None]) -> str:
    """New query string from the form; only ids go to the URL (re-validated by the next layout)."""
    principal = auth.require_principal(Action.STATS)
    try:
        view, _ = parse_view(principal, _view_data(data), strict=True)
    except ViewError as exc:
        raise AccessDenied(f"vue invalide : {exc}") from None
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


def register_callbacks(app: Any, settings: Settings) -> None:
    requests_guard.expect(Ids.VIEW, "data", "dict")  # a list or a text here is refused (422) before any callback
    for out_id, render in SECTIONS.items():
        app.callback(Output(out_id, "children"), Input(Ids.VIEW, "data"))(_guarded(render))

    @app.callback(
        Output(Shell.URL, "search", allow_duplicate=True),
        Input(Ids.APPLY, "n_clicks"),
        State(Ids.DATE, "value"), State(Ids.FROM, "value"), State(Ids.TO, "value"),
        State(Ids.DEGRE, "value"), State(Ids.PAR, "value"), State(Ids.VIEW, "data"),
        prevent_initial_call=True,
    )
    def apply_form(n, d, f, t, degre, par, data):  # noqa: ANN001, ANN202
        if not n:
            return no_update
        data = _view_data(data)
        latest = data.get("date")
        # The latest date is the default: keep the URL short (and following new publications) when it is chosen.
        values = {"date": d, "from": f, "to": t, "degre": degre, "par": par}
        if not latest:
            st = auth.settings_of()
            try:
                ds = stats_series.dates(st, stats_series.cov_of(st, Scope.parse(data.get("scope", ""))))
            except ValueError:
                ds = []
            if ds and d == ds[-1].isoformat():
                values["date"] = None
                if t == d:
                    values["to"] = None
        return view_from_controls(data, values)

    @app.callback(
        Output(Shell.URL, "search", allow_duplicate=True),
        Input(Ids.CIBLE_APPLY, "n_clicks"), State(Ids.CIBLE, "value"), State(Ids.VIEW, "data"),
        prevent_initial_call=True,
    )
    def apply_cible(n, cible, data):  # noqa: ANN001, ANN202
        return view_from_controls(data, {"cible": cible}) if n else no_update

    @app.callback(
        Output(Shell.URL, "search", allow_duplicate=True),
        Input(Ids.SEMAINE_APPLY, "n_clicks"), State(Ids.SEMAINE, "value"), State(Ids.VIEW, "data"),
        prevent_initial_call=True,
    )
    def apply_semaine(n, semaine, data):  # noqa: ANN001, ANN202
        return view_from_controls(data, {"semaine": semaine}) if n else no_update

