"""Page « Administration » (role admin only): list, add, disable, enable accounts and reset passwords.

Every callback calls `require_principal(Action.ADMIN)` first: the page being hidden from the menu is not a control.
A generated password is shown once in the page (never put in a dcc.Store, a URL or the log). A new account's
scope must exist in the warehouse's latest data; after a creation the form is cleared.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard import requests_guard
from dashboard.auth import require_principal, settings_of
from dashboard.pages import Callbacks, Page
from queries.core import authz
from queries.core.authz import Action
from queries.core.journal_text import default_place, when
from queries.core.scope import Principal, Role
from queries.core.vocab import role_label
from queries.services import accounts
from queries.store import audit, users
from queries.warehouse import catalog


def _role(role: Role) -> str:
    """« Chef d'établissement »: the one vocabulary of roles, capitalised for a cell or a list."""
    text = role_label(role.value)
    return text[:1].upper() + text[1:]


class Ids(StrEnum):
    TABLE = "admin-users-table"
    LOGIN = "admin-new-login"
    NAME = "admin-new-name"
    ROLE = "admin-new-role"
    SCOPE = "admin-new-scope"
    ADD = "admin-add"
    ADD_MSG = "admin-add-msg"
    TARGET = "admin-target"
    DISABLE = "admin-disable"
    ENABLE = "admin-enable"
    RESET = "admin-reset"
    ACTION_MSG = "admin-action-msg"


def _fmt(dt: Any) -> str:
    """The store's naive UTC shown in Paris (journal_text.when), as every other time on screen."""
    return when(dt) if dt else "—"


def _scope_names(settings: Any, rows: list[users.User]) -> dict[str, str]:
    """Every account's perimeter by name (the admin's remit is every perimeter: no `within`)."""
    return catalog.scope_names(settings, {str(u.scope) for u in rows if u.scope}, None)


def users_table(rows: list[users.User], names: Mapping[str, str] | None = None) -> html.Div:
    """`names`: the perimeters' names (_scope_names); one without a name reads « établissement 9740001A »."""
    names = names or {}
    head = html.Thead(html.Tr([html.Th(c, scope="col") for c in
                               ("Identifiant", "Nom", "Rôle", "Périmètre", "État", "Origine", "Dernière connexion")]))
    body = html.Tbody([
        html.Tr([
            html.Td(u.login), html.Td(u.display_name), html.Td(_role(u.role)),
            html.Td(names.get(str(u.scope)) or default_place(str(u.scope)) if u.scope else "—"),
            html.Td(html.P("actif" if u.active else "désactivé",
                           className="fr-badge fr-badge--sm " + ("fr-badge--success" if u.active else "fr-badge--error"))),
            html.Td("portail" if u.source == "portail" else "local"), html.Td(_fmt(u.last_login_at)),
        ])
        for u in rows
    ])
    return html.Div(html.Table([html.Caption(f"Comptes ({len(rows)})"), head, body]), className="fr-table fr-table--no-caption")


def _options(rows: list[users.User]) -> list[dict[str, str]]:
    return [{"label": f"{u.login} — {u.display_name or _role(u.role)}", "value": u.login} for u in rows]


def _alert(kind: str, text: str | list) -> html.Div:
    return html.Div(html.P(text), className=f"fr-alert fr-alert--{kind} fr-alert--sm fr-mt-2w", role="alert" if kind == "error" else None)


def _input(label: str, id_: str, hint: str = "", **kw: Any) -> html.Div:
    return html.Div(
        [html.Label([label, html.Span(hint, className="fr-hint-text") if hint else None], className="fr-label", htmlFor=id_),
         dcc.Input(id=id_, className="fr-input", debounce=False, **kw)],
        className="fr-input-group",
    )


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    settings = settings_of()
    rows = users.list_users(settings)
    return body(rows, _scope_names(settings, rows))


def body(rows: list[users.User], names: Mapping[str, str] | None = None) -> html.Div:
    return html.Div([
        html.H1("Administration des comptes"),
        html.Div(users_table(rows, names), id=Ids.TABLE),
        html.H2("Créer un compte", className="fr-mt-4w"),
        html.Div([
            html.Div(_input("Identifiant", Ids.LOGIN, "2 à 64 caractères : lettres, chiffres, . _ - @", type="text", maxLength=64), className="fr-col-12 fr-col-md-6"),
            html.Div(_input("Nom affiché", Ids.NAME, type="text", maxLength=120), className="fr-col-12 fr-col-md-6"),
            html.Div([
                html.Label("Rôle", className="fr-label", htmlFor=Ids.ROLE),
                dcc.Dropdown(id=Ids.ROLE, options=[{"label": _role(r), "value": r.value} for r in Role], clearable=False, value=Role.CHEF.value),
            ], className="fr-col-12 fr-col-md-6"),
            html.Div(_input("Périmètre", Ids.SCOPE, "ex. etablissement:9740001A, circonscription:CODE, academie:28 ; vide pour admin et délégué",
                            type="text", maxLength=100), className="fr-col-12 fr-col-md-6"),
        ], className="fr-grid-row fr-grid-row--gutters"),
        html.Button("Créer le compte", id=Ids.ADD, className="fr-btn fr-mt-2w", n_clicks=0),
        html.Div(id=Ids.ADD_MSG, **{"aria-live": "polite"}),
        html.H2("Agir sur un compte", className="fr-mt-4w"),
        html.Label("Compte", className="fr-label", htmlFor=Ids.TARGET),
        dcc.Dropdown(id=Ids.TARGET, options=_options(rows), placeholder="Choisir un compte"),
        html.Ul([
            html.Li(html.Button("Désactiver", id=Ids.DISABLE, className="fr-btn fr-btn--secondary", n_clicks=0)),
            html.Li(html.Button("Réactiver", id=Ids.ENABLE, className="fr-btn fr-btn--secondary", n_clicks=0)),
            html.Li(html.Button("Réinitialiser le mot de passe", id=Ids.RESET, className="fr-btn fr-btn--tertiary", n_clicks=0)),
        ], className="fr-btns-group fr-btns-group--inline fr-mt-2w"),
        html.Div(id=Ids.ACTION_MSG, **{"aria-live": "polite"}),
    ])


callbacks = Callbacks()
for id_ in (Ids.LOGIN, Ids.NAME, Ids.ROLE, Ids.SCOPE, Ids.TARGET):
    requests_guard.expect(id_, "value", "str")  # text fields and single-choice lists
@callbacks(
    Output(Ids.ADD_MSG, "children"), Output(Ids.ACTION_MSG, "children"),
    Output(Ids.TABLE, "children"), Output(Ids.TARGET, "options"),
    Output(Ids.LOGIN, "value"), Output(Ids.NAME, "value"), Output(Ids.SCOPE, "value"),
    Input(Ids.ADD, "n_clicks"), Input(Ids.DISABLE, "n_clicks"), Input(Ids.ENABLE, "n_clicks"), Input(Ids.RESET, "n_clicks"),
    State(Ids.LOGIN, "value"), State(Ids.NAME, "value"), State(Ids.ROLE, "value"), State(Ids.SCOPE, "value"),
    State(Ids.TARGET, "value"),
    prevent_initial_call=True,
)
def manage(_a: int | None, _d: int | None, _e: int | None, _r: int | None, login: str | None, name: str | None,
           role: str | None, scope: str | None, target: str | None):  # noqa: ANN202
    p = require_principal(Action.ADMIN)
    settings = settings_of()
    action = ctx.triggered_id
    keep = (no_update, no_update, no_update)
    if action == Ids.ADD:
        msg, created = _add(settings, p, login, name, role, scope)
        rows = users.list_users(settings)
        return msg, no_update, users_table(rows, _scope_names(settings, rows)), _options(rows), *(("", "", "") if created else keep)
    if action in (Ids.DISABLE, Ids.ENABLE, Ids.RESET):
        msg = _act(settings, p, action, target)
        rows = users.list_users(settings)
        return no_update, msg, users_table(rows, _scope_names(settings, rows)), _options(rows), *keep
    return no_update, no_update, no_update, no_update, *keep


def _add(settings: Any, p: Principal, login: str | None, name: str | None, role: str | None,
         scope: str | None) -> tuple[html.Div, bool]:
    """The message, and whether the account was created (the form is then cleared)."""
    password = users.generate_password()
    try:
        u = accounts.create_user(settings, _text(login), _text(role), _text(scope).strip() or None, _text(name),
                                 password)
    except users.UserError as exc:
        return _alert("error", str(exc)), False
    audit.record(settings, p, "user_created", targets=[u.login], detail={"role": u.role.value, "perimetre": str(u.scope or "")})
    return _alert("success", [f"Compte « {u.login} » créé. Mot de passe provisoire, affiché une seule fois : ",
                              html.Code(password)]), True


def _text(v: Any) -> str:
    """A form value as text: anything but a string (a forged list, a number) counts as empty."""
    return v if isinstance(v, str) else ""


def _act(settings: Any, p: Principal, action: str, target: Any) -> html.Div:
    target = _text(target)  # a forged number or list is no account (and no 500)
    if not target:
        return _alert("info", "Choisissez d'abord un compte.")
    if target.casefold() == p.login.casefold() and action == Ids.DISABLE:
        return _alert("error", "Vous ne pouvez pas désactiver votre propre compte.")
    try:
        if action == Ids.RESET:
            password = users.generate_password()
            u = users.set_password(settings, target, password)
            audit.record(settings, p, "user_password_reset", targets=[u.login])
            return _alert("success", [f"Nouveau mot de passe de « {u.login} », affiché une seule fois : ", html.Code(password),
                                      ". Ses sessions ouvertes sont fermées."])
        active = action == Ids.ENABLE
        u = users.set_active(settings, target, active)
        audit.record(settings, p, "user_enabled" if active else "user_disabled", targets=[u.login])
        return _alert("success", f"Compte « {u.login} » {'réactivé' if active else 'désactivé'}.")
    except users.UserError as exc:
        return _alert("error", str(exc))


def skeleton(settings: Any = None) -> html.Div:
    """Every component the page's callbacks name, built without data (app.validation_layout)."""
    return body([])


PAGE = Page(path="/admin", title="Administration", allowed=lambda p: authz.allowed(p, Action.ADMIN), layout=layout,
            register_callbacks=callbacks.register, skeleton=skeleton)
