"""Page « Délégations » (role chef): grant and revoke console access for the head's UAI (DELEG-CE style).

The UAI is always the principal's own (from the session), never a value sent by the browser; a revocation
sent with another establishment's delegation id matches nothing in SQL (`revoke_delegation` filters on UAI).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard.auth import require_principal, settings_of
from dashboard.pages import Callbacks, Page
from queries.core import authz
from queries.core.authz import Action
from queries.core.scope import Principal
from queries.services import accounts
from queries.store import audit, users


class Ids(StrEnum):
    TABLE = "deleg-table"
    LOGIN = "deleg-login"
    END = "deleg-end"
    GRANT = "deleg-grant"
    TARGET = "deleg-target"
    REVOKE = "deleg-revoke"
    MSG = "deleg-msg"


def _status(d: users.Delegation, today: date) -> html.P:
    if d.revoked_at is not None:
        return html.P("retirée", className="fr-badge fr-badge--sm")
    if d.end_date < today:
        return html.P("échue", className="fr-badge fr-badge--sm fr-badge--warning")
    return html.P("active", className="fr-badge fr-badge--sm fr-badge--success")


def delegations_table(rows: list[users.Delegation], today: date) -> html.Div:
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in
                               ("Personnel", "Identifiant", "Accordée le", "Par", "Fin", "État")]))
    body = html.Tbody([
        html.Tr([html.Td(d.delegate_name or "—"), html.Td(d.delegate_login), html.Td(d.granted_at.strftime("%d/%m/%Y")),
                 html.Td(d.granted_by_login or "—"), html.Td(d.end_date.strftime("%d/%m/%Y")), html.Td(_status(d, today))])
        for d in rows
    ] or [html.Tr(html.Td("Aucune délégation.", colSpan=6))])
    return html.Div(html.Table([html.Caption("Délégations de l'établissement"), head, body]), className="fr-table")


def _active_options(rows: list[users.Delegation], today: date) -> list[dict[str, Any]]:
    return [{"label": f"{d.delegate_login} (jusqu'au {d.end_date:%d/%m/%Y})", "value": d.id} for d in rows if d.active_on(today)]


def _alert(kind: str, text: str) -> html.Div:
    return html.Div(html.P(text), className=f"fr-alert fr-alert--{kind} fr-alert--sm fr-mt-2w")


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    uai = principal.scope.code if principal.scope else ""
    return body(uai, users.list_delegations(settings_of(), uai), date.today())


def body(uai: str, rows: list[users.Delegation], today: date) -> html.Div:
    return html.Div([
        html.H1("Délégations de l'accès à la console"),
        html.P(f"Établissement {uai}. Un personnel délégataire voit la console et les statistiques de l'établissement "
               "jusqu'à la date de fin incluse ; il ne peut pas déléguer à son tour."),
        html.Div(delegations_table(rows, today), id=Ids.TABLE),
        html.H2("Accorder une délégation", className="fr-mt-4w"),
        html.Div([
            html.Div(html.Div([
                html.Label(["Identifiant du personnel", html.Span("compte de rôle « délégué » créé par l'administrateur",
                                                                  className="fr-hint-text")], className="fr-label", htmlFor=Ids.LOGIN),
                dcc.Input(id=Ids.LOGIN, type="text", className="fr-input", maxLength=64),
            ], className="fr-input-group"), className="fr-col-12 fr-col-md-6"),
            html.Div([
                html.Label("Date de fin (incluse)", className="fr-label", htmlFor=Ids.END),
                dcc.DatePickerSingle(id=Ids.END, min_date_allowed=today, max_date_allowed=today + timedelta(days=users.MAX_DELEGATION_DAYS),
                                     initial_visible_month=today, date=(today + timedelta(days=30)).isoformat(),
                                     display_format="DD/MM/YYYY", first_day_of_week=1),
            ], className="fr-col-12 fr-col-md-6"),
        ], className="fr-grid-row fr-grid-row--gutters"),
        html.Button("Accorder", id=Ids.GRANT, className="fr-btn fr-mt-2w", n_clicks=0),
        html.H2("Retirer une délégation", className="fr-mt-4w"),
        html.Label("Délégation active", className="fr-label", htmlFor=Ids.TARGET),
        dcc.Dropdown(id=Ids.TARGET, options=_active_options(rows, today), placeholder="Choisir une délégation"),
        html.Button("Retirer", id=Ids.REVOKE, className="fr-btn fr-btn--secondary fr-mt-2w", n_clicks=0),
        html.Div(id=Ids.MSG, **{"aria-live": "polite"}),
    ])


callbacks = Callbacks()
@callbacks(
    Output(Ids.MSG, "children"), Output(Ids.TABLE, "children"), Output(Ids.TARGET, "options"),
    Input(Ids.GRANT, "n_clicks"), Input(Ids.REVOKE, "n_clicks"),
    State(Ids.LOGIN, "value"), State(Ids.END, "date"), State(Ids.TARGET, "value"),
    prevent_initial_call=True,
)
def change(_g: int | None, _r: int | None, login: str | None, end: str | None, target: Any):  # noqa: ANN202
    p = require_principal(Action.DELEGATE)
    settings = settings_of()
    today = date.today()
    try:
        if ctx.triggered_id == Ids.GRANT:
            try:
                end_date = date.fromisoformat(str(end)[:10])
            except ValueError:
                return _alert("error", "Choisissez une date de fin."), no_update, no_update
            d = accounts.grant_delegation(settings, p, login or "", end_date, today)
            audit.record(settings, p, "delegation_granted", targets=[d.delegate_login], detail={"fin": d.end_date.isoformat()})
            msg = _alert("success", f"Délégation accordée à « {d.delegate_login} » jusqu'au {d.end_date:%d/%m/%Y}.")
        elif ctx.triggered_id == Ids.REVOKE:
            try:
                did = int(target)
            except (TypeError, ValueError):
                return _alert("info", "Choisissez d'abord une délégation."), no_update, no_update
            d = users.revoke_delegation(settings, p, did)
            audit.record(settings, p, "delegation_revoked", targets=[d.delegate_login])
            msg = _alert("success", f"Délégation de « {d.delegate_login} » retirée.")
        else:
            return no_update, no_update, no_update
    except users.UserError as exc:
        audit.record(settings, p, "delegation_granted" if ctx.triggered_id == Ids.GRANT else "delegation_revoked",
                     detail={"raison": str(exc)}, outcome="failed")
        return _alert("error", str(exc)), no_update, no_update
    rows = users.list_delegations(settings, p.scope.code)  # type: ignore[union-attr]
    return msg, delegations_table(rows, today), _active_options(rows, today)


def skeleton(settings: Any = None) -> html.Div:
    """Every component the page's callbacks name, built without principal or data (app.validation_layout)."""
    return body("", [], date.today())


PAGE = Page(path="/delegations", title="Délégations", allowed=lambda p: authz.allowed(p, Action.DELEGATE),
            layout=layout, register_callbacks=callbacks.register, skeleton=skeleton)
