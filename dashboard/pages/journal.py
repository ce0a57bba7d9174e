"""Page « Journal »: the audit log, filterable and exportable (CSV), for the roles allowed to read it.

What each role sees is decided in SQL by queries.store.audit.visibility (chef: their establishment; support: data
events of the académie; admin: account-management events only), for the page and its CSV export alike. Entries older than AUDIT_RETENTION_DAYS are purged when the page
is opened (a cheap indexed DELETE), so the retention holds even without a scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from dash import Input, Output, dcc, html
from flask import Response, request

from dashboard import auth, requests_guard
from dashboard.exports_console import list_csv
from dashboard.pages import Page
from queries import warehouse
from queries.core import authz, clock
from queries.core.authz import Action
from queries.core.scope import Level, Principal
from queries.core.settings import Settings
from queries.services import console
from queries.store import audit

MAX_ROWS = 1000
EXTRA_LABELS = {"reset": "Réinitialisation du mot de passe d'un responsable", "correct": "Correction d'un compte"}
OUTCOMES = {"ok": "Réussi", "denied": "Refusé", "failed": "Échec", "error": "Erreur"}
COLUMNS = (("at", "Date"), ("login", "Utilisateur"), ("role", "Rôle"), ("action", "Action"), ("scope", "Périmètre"),
           ("targets", "Comptes ou élèves concernés"), ("detail", "Détail"), ("outcome", "Résultat"), ("ip", "Adresse IP"))


class Ids:
    ACTION = "journal-action"
    LOGIN = "journal-login"
    SINCE = "journal-since"
    UNTIL = "journal-until"
    OUTCOME = "journal-outcome"
    TABLE = "journal-table"
    EXPORT = "journal-export"


def _label(action: str) -> str:
    return EXTRA_LABELS.get(action) or audit.ACTION_LABELS.get(action, action)


def _date(v: Any) -> date | None:
    try:
        return date.fromisoformat(str(v)[:10]) if v else None
    except ValueError:
        return None


def _filters(action: Any, login: Any, since: Any, until: Any, outcome: Any) -> dict[str, Any]:
    known = set(audit.ACTION_LABELS) | set(EXTRA_LABELS)
    return {
        "action": action if action in known else None,
        "login": login.strip()[:64] if isinstance(login, str) and login.strip() else None,
        "since": _date(since),
        "until": _date(until),
        "outcome": outcome if outcome in OUTCOMES else None,
    }


def rows(settings: Settings, principal: Principal, f: dict[str, Any]) -> list[dict[str, Any]]:
    """Entries as shown. Below the académie (a head, a delegate), the log must not become a window on other
    establishments: targets outside the scope (a refused attempt names them) are masked, and the free-text
    detail of refused events, which may echo what was tried, is replaced by a plain statement."""
    entries = audit.query(settings, principal, limit=MAX_ROWS, **f)
    scoped = principal.scope is not None and principal.scope.level is not Level.ACADEMIE
    visible: set[str] = set()
    uais: set[str] = set()
    try:
        if scoped:
            visible = console.ids_in_scope(settings, principal, [t for e in entries for t in e.targets])
        elif principal.scope is not None:
            # The académie reads every target, except a record of another académie that a diagnostic matched
            # (« record@UAI »): the diagnostic itself never shows its identifier.
            uais = console.uais_in_scope(settings, principal, [t.rpartition("@")[2] for e in entries for t in e.targets])
    except warehouse.WarehouseUnavailable:
        visible, uais = set(), set()

    def shown(t: str) -> bool:
        if scoped:
            return t in visible
        if principal.scope is not None and "@" in t:
            return t.rpartition("@")[2] in uais
        return True

    out = []
    for e in entries:
        targets = [t if shown(t) else "(hors périmètre)" for t in e.targets]
        detail = e.detail or ""
        if scoped and e.outcome != "ok":
            detail = "Tentative refusée (détail réservé à l'assistance académique et à l'administrateur)."
        out.append({
            "at": e.at.strftime("%d/%m/%Y %H:%M:%S"), "login": e.login or "", "role": e.role or "",
            "action": _label(e.action), "scope": e.scope or "",
            "targets": ", ".join(targets[:20]) + (f" … (+{len(targets) - 20})" if len(targets) > 20 else ""),
            "detail": detail, "outcome": OUTCOMES.get(e.outcome, e.outcome), "ip": e.ip or "",
        })
    return out


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    settings = auth.settings_of()
    audit.purge(settings, clock.utcnow())
    return body(settings["AUDIT_RETENTION_DAYS"])


def body(retention_days: int) -> html.Div:
    actions = {**audit.ACTION_LABELS, **EXTRA_LABELS}
    return html.Div([
        html.H1("Journal"),
        html.P("Qui a fait quoi, quand, sur quel périmètre. Journal en ajout seul ; les entrées de plus de "
               f"{retention_days} jours sont supprimées.", className="fr-text--sm"),
        html.Div([
            html.Div([html.Label("Action", htmlFor=Ids.ACTION, className="fr-label"),
                      dcc.Dropdown(id=Ids.ACTION, options=[{"label": v, "value": k} for k, v in actions.items()],
                                   placeholder="Toutes")], className="fr-col-12 fr-col-md-3"),
            html.Div([html.Label("Utilisateur", htmlFor=Ids.LOGIN, className="fr-label"),
                      dcc.Input(id=Ids.LOGIN, type="text", debounce=True, maxLength=64, className="fr-input")],
                     className="fr-col-12 fr-col-md-3"),
            html.Div([html.Label("Du", htmlFor=Ids.SINCE, className="fr-label"),
                      dcc.Input(id=Ids.SINCE, type="date", debounce=True, className="fr-input")],
                     className="fr-col-6 fr-col-md-2"),
            html.Div([html.Label("Au", htmlFor=Ids.UNTIL, className="fr-label"),
                      dcc.Input(id=Ids.UNTIL, type="date", debounce=True, className="fr-input")],
                     className="fr-col-6 fr-col-md-2"),
            html.Div([html.Label("Résultat", htmlFor=Ids.OUTCOME, className="fr-label"),
                      dcc.Dropdown(id=Ids.OUTCOME, options=[{"label": v, "value": k} for k, v in OUTCOMES.items()],
                                   placeholder="Tous")], className="fr-col-12 fr-col-md-2"),
        ], className="fr-grid-row fr-grid-row--gutters fr-mb-2w"),
        html.A("Exporter en CSV", id=Ids.EXPORT, href="/export/journal.csv", className="fr-btn fr-btn--secondary"),
        html.Div(id=Ids.TABLE, className="fr-mt-2w"),
    ])


def export_journal(settings: Settings) -> Response:
    principal = auth.require_principal(Action.AUDIT)
    a = request.args
    f = _filters(a.get("action"), a.get("login"), a.get("since"), a.get("until"), a.get("outcome"))
    data = rows(settings, principal, f)
    audit.record(settings, principal, "export", detail={"page": "journal", "lignes": len(data)})
    resp = Response(list_csv(data, COLUMNS), mimetype="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'attachment; filename="journal-{datetime.now():%Y%m%d-%H%M}.csv"'
    return resp


def register_callbacks(app: Any, settings: Settings) -> None:
    app.server.add_url_rule("/export/journal.csv", "export_journal", lambda: export_journal(settings))
    for id_ in (Ids.ACTION, Ids.LOGIN, Ids.SINCE, Ids.UNTIL, Ids.OUTCOME):
        requests_guard.expect(id_, "value", "str")  # single-choice fields: a list is refused before the callback

    @app.callback(
        Output(Ids.TABLE, "children"), Output(Ids.EXPORT, "href"),
        Input(Ids.ACTION, "value"), Input(Ids.LOGIN, "value"), Input(Ids.SINCE, "value"),
        Input(Ids.UNTIL, "value"), Input(Ids.OUTCOME, "value"),
    )
    def show(action, login, since, until, outcome):  # noqa: ANN001, ANN202
        principal = auth.require_principal(Action.AUDIT)
        f = _filters(action, login, since, until, outcome)
        data = rows(settings, principal, f)
        from urllib.parse import urlencode

        q = urlencode({k: (v.isoformat() if isinstance(v, date) else v) for k, v in f.items() if v})
        table = html.Div(html.Table([
            html.Caption(f"{len(data)} entrée(s)" + (f" (les {MAX_ROWS} plus récentes)" if len(data) >= MAX_ROWS else "")),
            html.Thead(html.Tr([html.Th(label, scope="col") for _, label in COLUMNS])),
            html.Tbody([html.Tr([html.Td(r[k]) for k, _ in COLUMNS]) for r in data]),
        ]), className="fr-table fr-table--sm")
        return table, "/export/journal.csv" + (f"?{q}" if q else "")


def skeleton(settings: Settings) -> html.Div:
    """Every component the page's callbacks name, built without principal or data (app.validation_layout)."""
    return body(settings["AUDIT_RETENTION_DAYS"])


PAGE = Page(path="/journal", title="Journal", allowed=lambda p: authz.allowed(p, Action.AUDIT), layout=layout,
            register_callbacks=register_callbacks, skeleton=skeleton)
