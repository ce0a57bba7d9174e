"""Callbacks and export routes of the « Responsables » console.

Pattern (docs/ARCHITECTURE.md, "Access control"): every callback starts with
`auth.require_principal(Action.CONSOLE)`; everything the browser sends (filters, grid request, selected rows, the
open row id) is re-validated and re-checked against the principal's scope in SQL by queries.services.console; an
AccessDenied raised below answers 403 and is audited by the central handler.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import Response, request

from dashboard import auth, requests_guard
from dashboard.cache import cache
from dashboard.components import rows_io, rows_request, simple_table
from dashboard.exports_console import letters_pdf, list_csv, list_pdf
from dashboard.pages import Callbacks
from dashboard.pages.responsables import confirm
from dashboard.pages.responsables.ids import GRID_TYPE, Ids
from dashboard.pages.responsables.layout import COUNT_HINT, grid, scope_label, several_etabs
from queries import warehouse
from queries.core.authz import Action
from queries.core.formats import fmt_date, fmt_int
from queries.core.journal_text import when
from queries.core.scope import AccessDenied, Principal
from queries.core.settings import Settings
from queries.services import actions, console
from queries.services.console import ETATS, ORIGINES, Filters
from queries.store import audit, outbox, ratelimit

EXPORT_TOKEN_SECONDS = 12 * 3600
PDF_MAX_ROWS = 5000
SELECTION_COLUMN = "ag-Grid-SelectionColumn"


def alert(text: str, kind: str = "info") -> html.Div:
    return html.Div(html.P(text), className=f"fr-alert fr-alert--{kind} fr-alert--sm fr-mt-2w",
                    role="alert" if kind == "error" else None)




def _filters(q: Any, classes: Any, etats: Any, origines: Any, mail: Any, mobile: Any, uai: Any = None) -> Filters:
    return Filters.build(q, classes, etats, origines, mail or None, mobile or None, uai or None)


def _audit_filters(f: Filters, known_classes: list[str] | None = None) -> dict[str, Any]:
    # audit.py: no names in `detail`; the search text's length tells that a name was searched, not which one.
    # Class names are free text from the request: only the scope's own classes are written, the others counted.
    d = {k: v for k, v in f.as_dict().items() if k not in ("q", "classe") and v}
    if f.classes:
        known = set(known_classes or ())
        d["classe"] = [c for c in f.classes if c in known]
        if len(d["classe"]) < len(f.classes):
            d["classes_inconnues"] = len(f.classes) - len(d["classe"])
    if f.q.strip():
        d["recherche_longueur"] = len(f.q.strip())
    return d


# ------------------------------------------------------------------------------------------------ exports


def export_token(principal: Principal, f: Filters) -> str:
    """An opaque link for the export of the current filter: no filter (and so no name) in the URL."""
    token = secrets.token_urlsafe(18)
    cache.set(f"console-export:{token}", {"uid": principal.user_id, "f": f.as_dict()}, timeout=EXPORT_TOKEN_SECONDS)
    return token


def export_view(settings: Settings, fmt: str) -> Response:
    """GET /export/responsables.csv|pdf?t=TOKEN — re-resolves the principal and re-runs the scoped query."""
    principal = auth.require_principal(Action.CONSOLE)
    if fmt not in ("csv", "pdf"):
        raise AccessDenied("format d'export inconnu")
    token = request.args.get("t", "")
    saved = cache.get(f"console-export:{token}") if 0 < len(token) <= 40 else None
    if not saved or saved.get("uid") != principal.user_id:
        return Response("Lien d'export expiré : relancez la recherche.", status=404, mimetype="text/plain")
    if not ratelimit.export_allowed(settings, principal.user_id):
        audit.record(settings, principal, "export", outcome="denied", detail={"raison": "limite d'exports"})
        return Response(ratelimit.EXPORT_LIMIT_MESSAGE, status=429, mimetype="text/plain")
    s = saved["f"]
    f = Filters.from_dict(s)  # uai included: the export re-runs the same scoped query as the grid
    cap = int(settings["EXPORT_MAX_ROWS"])
    if fmt == "pdf":
        cap = min(cap, PDF_MAX_ROWS)  # a table of 100 000 lines is not read, and costs minutes: the CSV is for that
    rows = console.export_rows(settings, principal, f, cap)
    cut = len(rows) > cap
    rows = rows[:cap]
    audit.record(settings, principal, "export", targets=sorted({r["identifiant"] for r in rows}),
                 detail={"format": fmt, "lignes": len(rows), "tronque": cut,
                         **_audit_filters(f, console.classes(settings, principal) if f.classes else [])})
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        body, mime = list_csv(rows), "text/csv; charset=utf-8"
    else:
        try:
            data_label = warehouse.coverage(settings).label()
        except warehouse.WarehouseUnavailable:
            data_label = ""
        label = f.describe() + (f" — limité aux {cap} premières lignes (export CSV pour la liste complète)" if cut else "")
        body, mime = list_pdf(rows, scope_label(settings, principal), label, data_label), "application/pdf"
    resp = Response(body, mimetype=mime)
    resp.headers["Content-Disposition"] = f'attachment; filename="comptes-responsables-{stamp}.{fmt}"'
    return resp


# ------------------------------------------------------------------------------------------------ detail


# Detail buttons that need data a console export does not hold (queries.services.console.EXPORT_LACKS).
EXPORT_DISABLED = (Ids.D_NOTIFY, Ids.D_RESET, Ids.D_DIAG, Ids.D_SAVE)


def render_detail(settings: Settings, d: console.AccountDetail) -> html.Div:
    c = d.compte
    info = [
        ["Identifiant", c["identifiant"]],
        ["Nom", d.nom],
        ["Courrier électronique", c["courriel"] or ("non fourni par l'export" if d.indisponible else "—")],
        ["Téléphone portable", c["telephone_portable"] or ("non fourni par l'export" if d.indisponible else "—")],
        ["Origine du compte", ORIGINES.get(c["origine"], c["origine"])],
        ["État du compte", ETATS.get(c["etat"], c["etat"])],
        ["Date de notification", fmt_date(c["date_notification"], "—")],
        ["Date d'activation", fmt_date(c["date_activation"], "—")],
        ["Date de dernière connexion", fmt_date(c["date_derniere_connexion"], "—")],
        ["Date de demande de réinitialisation du mot de passe", fmt_date(c["date_demande_reinit_mdp"], "—")],
    ]
    sources = [[s["academie_code"] or "", s["source"], s["responsable_id"], s["uai"], s["etab_nom"] or "",
                f"{(s['nom_usage'] or '').upper()} {s['prenoms'] or ''}"
                + (f" (naissance : {s['nom_naissance']})" if s["nom_naissance"] and s["nom_naissance"] != s["nom_usage"] else ""),
                s["telephone_portable"] or "—", s["courriel"] or "—"] for s in d.sources]
    def pupils(lst: list[dict[str, Any]]) -> list[list[Any]]:
        return [[e["prenom"], e["nom"], fmt_date(e["date_naissance"], ""), e["classe"], e["ine"],
                 f"{e['etablissement']} ({e['uai']})"] for e in lst]
    head = ["Prénom", "Nom", "Date de naissance", "Classe", "INE", "Établissement"]
    parts: list[Any] = [
        *([alert(d.indisponible, "warning")] if d.indisponible else []),
        simple_table("Informations du compte", ["Champ", "Valeur"], info),
        simple_table("Informations des sources de données",
               ["Académie", "Base", "Identifiant ONDE / SIECLE", "UAI", "Établissement", "Fiche", "Portable",
                "Courriel"], sources),
        html.H4("Élèves rattachés au compte", className="fr-h6 fr-mt-2w"),
        simple_table("Insérés dans l'établissement", head, pupils(d.eleves_ici)),
        simple_table("Insérés dans un autre établissement", head, pupils(d.eleves_ailleurs)),
    ]
    if d.corrections:
        parts.append(simple_table("Corrections demandées", ["Date", "Champ", "Nouvelle valeur", "Statut", "Par"],
                            [[fmt_date(x["at"], ""), "Courriel" if x["champ"] == "courriel" else "Téléphone portable",
                              x["nouvelle_valeur"], x["statut"], x["login"]] for x in d.corrections]))
    mails = outbox.messages(settings, identifiants=[d.identifiant], limit=10)
    if mails:
        parts.append(simple_table("Courriels de notification", ["Créé le", "Destinataire", "Statut", "Tentatives",
                                                          "Dernière erreur"],
                            [[when(x["created_at"]), x["to_addr"], x["statut"],
                              x["attempts"], x["last_error"] or ""] for x in mails]))
    return html.Div(parts)


def render_diagnostic(d: console.Diagnostic) -> html.Div:
    """« Je ne vois pas tous mes enfants ». Everything here reaches the browser: the query layer already left out
    what the caller may not see (queries.services.console.diagnostic); this only lays it out."""
    inside = [x for x in d.doublons if x.in_remit]
    outside = [x for x in d.doublons if not x.in_remit]
    parts: list[Any] = []
    if not d.doublons:
        parts.append(alert("Aucune fiche à rapprocher : pas de doublon probable de ce responsable dans un autre "
                           "établissement ni dans votre périmètre.", "info"))
    if outside:
        parts.append(simple_table(
            "Fiches probablement du même responsable dans d'autres établissements",
            ["Diagnostic", "Différence", "Champ à aligner", "Fiche du compte", "Valeur sur la fiche du compte",
             "Autre fiche : établissement", "Base", "Que faire"],
            [[console.KIND_LABELS[x.kind], x.reason, x.champ, x.fiche_ici, x.valeur_ici,
              f"{x.etablissement} ({x.uai})", x.source, x.action] for x in outside]))
    if inside:
        parts.append(simple_table(
            "Fiches à rapprocher dans votre périmètre",
            ["Diagnostic", "Différence", "Champ à aligner", "Fiche du compte", "Valeur sur la fiche du compte",
             "Autre fiche", "Autre compte", "Valeur sur l'autre fiche", "Établissement", "Base", "Que faire"],
            [[console.KIND_LABELS[x.kind], x.reason, x.champ, x.fiche_ici, x.valeur_ici, x.nom, x.identifiant,
              x.valeur_la_bas, f"{x.etablissement} ({x.uai})", x.source, x.action] for x in inside]))
    if d.doublons:
        parts.append(html.P("Un doublon se corrige dans ONDE ou SIECLE en alignant le champ indiqué sur l'une des "
                            "fiches : le compte est rapproché le lendemain.", className="fr-text--xs"))
    if d.homonymes:
        parts.append(simple_table(
            "Homonymes dans votre périmètre : d'autres personnes, ne rien modifier",
            ["Fiche", "Compte", "Établissement", "Base", "Champ différent", "Valeur sur la fiche du compte",
             "Valeur sur l'autre fiche"],
            [[x.nom, x.identifiant, f"{x.etablissement} ({x.uai})", x.source, x.champ, x.valeur_ici,
              x.valeur_la_bas] for x in d.homonymes]))
    if d.homonymes_ailleurs:
        n = d.homonymes_ailleurs
        parts.append(html.P(f"{n} homonyme{'s' if n > 1 else ''} dans d'autres établissements, sans lien avec ce "
                            "responsable : ne rien modifier.", className="fr-text--sm"))
    return html.Div(parts)


# ------------------------------------------------------------------------------------------------ callbacks


def _default_newpw(etat: str) -> list[str]:
    """The new-password box of the account panel: unticked for an account whose guardian has a password of their
    own (activated, activating), where a new one would lock them out until they get the letter."""
    return [] if etat in actions.OWN_PASSWORD_STATES else ["oui"]


def _ticked(box: Any) -> bool:
    """A checklist's « oui », from what the browser sent: a forged number or text is an unticked box, not a 500."""
    return isinstance(box, list) and "oui" in box


def count_text(c: console.Counts) -> str:
    """« 1 455 lignes (1 188 comptes) »: the grid lists lines, the statistics count accounts (docs/DOMAINE.md)."""
    def n(x: int, word: str) -> str:
        return f"{fmt_int(x)} {word}{'s' if x > 1 else ''}"
    return f"{n(c.lignes, 'ligne')} ({n(c.comptes, 'compte')})"


def _new_grid(settings: Settings, principal: Principal, f: Filters) -> tuple[Any, Any, int]:
    c = console.counts(settings, principal, f)
    g = grid(time.time_ns() // 1000, f, settings, c.lignes, several_etabs(principal))
    return g, [count_text(c), html.Span(COUNT_HINT, className="fr-text--xs resp-count__hint")], c.lignes


def _selected_accounts(settings: Settings, principal: Principal, target: str, selected: Any, f: Filters) -> list[str]:
    if target == "all":
        return console.accounts_of_filter(settings, principal, f)
    rids: list[str] = []
    for rows in selected or []:
        if isinstance(rows, list):
            rids += [r.get("rid") for r in rows if isinstance(r, dict)]
    return console.accounts_of_rows(settings, principal, rids)


callbacks = Callbacks()

# Types of the inputs and states that their property name does not tell (dashboard/requests_guard.py).
for id_, prop, kind in ((Ids.CURRENT, "data", "str"), (Ids.CONFIRM_TOKEN, "data", "dict"),
                        (Ids.D_CHANNEL, "value", "str"), (Ids.G_CHANNEL, "value", "str"),
                        (Ids.G_TARGET, "value", "str"), (Ids.D_NEWPW, "value", "scalars"),
                        (Ids.G_NEWPW, "value", "scalars"), (Ids.G_NEWPW_ACTIVE, "value", "scalars")):
    requests_guard.expect(id_, prop, kind)

FILTER_STATES = [State(Ids.Q, "value"), State(Ids.CLASSES, "value"), State(Ids.ETATS, "value"),
                 State(Ids.ORIGINES, "value"), State(Ids.MAIL, "value"), State(Ids.MOBILE, "value"),
                 State(Ids.UAI, "value")]

@callbacks(
    Output(Ids.GRID_WRAP, "children"), Output(Ids.COUNT, "children"), Output(Ids.URL, "search"),
    Output(Ids.EXPORT_CSV, "href"), Output(Ids.EXPORT_PDF, "href"),
    Input(Ids.SEARCH, "n_clicks"), Input(Ids.Q, "value"), Input(Ids.CLASSES, "value"),
    Input(Ids.ETATS, "value"), Input(Ids.ORIGINES, "value"), Input(Ids.MAIL, "value"),
    Input(Ids.MOBILE, "value"), Input(Ids.UAI, "value"),
)
def run_search(_n, q, classes, etats, origines, mail, mobile, uai):  # noqa: ANN001, ANN202
    principal = auth.require_principal(Action.CONSOLE)
    settings = auth.settings_of()
    f = _filters(q, classes, etats, origines, mail, mobile, uai)
    try:
        g, count, total = _new_grid(settings, principal, f)
    except warehouse.WarehouseUnavailable as exc:
        return alert(str(exc), "error"), "", no_update, "#", "#"
    known = console.classes(settings, principal) if f.classes else []
    # An establishment outside the remit matches nothing (same answer as an unknown one), and is journaled
    # as refused: only a forged URL or request can send one.
    outside = console.uai_outside_remit(settings, principal, f.uai)
    # The result count lets the Journal say « — 12 résultats » (queries/core/journal_text.py).
    audit.record(settings, principal, "search", detail={**_audit_filters(f, known), "resultats": total},
                 outcome="denied" if outside else "ok")
    params = f.url_params()
    token = export_token(principal, f)
    return (g, count, ("?" + urlencode(params)) if params else "",
            f"/export/responsables.csv?t={token}", f"/export/responsables.pdf?t={token}")

@callbacks(Output(Ids.CLASSES, "options"), Output(Ids.CLASSES, "value"), Input(Ids.UAI, "value"),
              State(Ids.CLASSES, "value"), prevent_initial_call=True)
def class_options(uai, selected):  # noqa: ANN001, ANN202
    # Classes of the chosen establishment (ANDed with the scope in SQL: another one has none); across the
    # whole académie the list would be too long, so none is offered until an establishment is chosen.
    # A class chosen in the previous establishment is dropped: kept, it would silently empty the results.
    principal = auth.require_principal(Action.CONSOLE)
    settings = auth.settings_of()
    try:
        names = console.classes(settings, principal, uai)
        if console.uai_outside_remit(settings, principal, uai):  # no class, as for an unknown one; journaled
            audit.record(settings, principal, "forbidden", outcome="denied",
                         detail={"raison": "établissement hors périmètre", "sortie": "classes"})
    except warehouse.WarehouseUnavailable:
        names = []
    kept = [c for c in selected if c in names] if isinstance(selected, list) else []
    return [{"label": c, "value": c} for c in names], kept

@callbacks(*rows_io(GRID_TYPE), prevent_initial_call=True)
def get_rows(req):  # noqa: ANN001, ANN202
    principal = auth.require_principal(Action.CONSOLE)
    settings = auth.settings_of()
    start, end, c = rows_request(req)
    f = Filters.from_dict(c)
    # filterModel is ignored (no column filter in this grid); sortModel is whitelisted by console.order_by.
    res = console.search(settings, principal, f, start, min(end - start, console.MAX_PAGE), req.get("sortModel"))
    return {"rowData": res.rows, "rowCount": res.total}

@callbacks(
    Output(Ids.DETAIL_BODY, "children"), Output(Ids.D_CONTENT, "hidden"), Output(Ids.D_HINT, "hidden"),
    Output(Ids.CURRENT, "data"), Output(Ids.D_MSG, "children"), Output(Ids.D_DIAG_OUT, "children"),
    Output(Ids.D_EMAIL, "value"), Output(Ids.D_MOBILE, "value"), Output(Ids.D_NEWPW, "value"),
    # disabled for an account known only through a console export (the server refuses them anyway)
    *[Output(b, "disabled") for b in EXPORT_DISABLED],
    Input({"type": GRID_TYPE, "gen": ALL}, "cellClicked"),
    prevent_initial_call=True,
)
def open_detail(clicks):  # noqa: ANN001, ANN202
    # A click, or Enter on a focused row (assets/dashAgGridFunctions.js sets the same prop): only the opaque
    # row id is used, and identifiant_of_row re-checks it against the principal's scope in SQL.
    principal = auth.require_principal(Action.CONSOLE)
    settings = auth.settings_of()
    valid = [c for c in clicks or [] if isinstance(c, dict) and c.get("rowId")]
    if not valid:
        raise PreventUpdate
    click = max(valid, key=lambda c: c.get("timestamp") or 0)
    if click.get("colId") == SELECTION_COLUMN:
        raise PreventUpdate
    rid = str(click["rowId"])
    ident = console.identifiant_of_row(settings, principal, rid)
    d = console.account_detail(settings, principal, ident)
    audit.record(settings, principal, "view", targets=[ident])
    off = bool(d.indisponible)
    return (render_detail(settings, d), False, True, rid, "", "", "", "", _default_newpw(d.compte["etat"]),
            *[off] * len(EXPORT_DISABLED))

@callbacks(
    Output(Ids.D_CONTENT, "hidden", allow_duplicate=True), Output(Ids.D_HINT, "hidden", allow_duplicate=True),
    Output(Ids.CURRENT, "data", allow_duplicate=True),
    Output(Ids.DETAIL_BODY, "children", allow_duplicate=True),
    Input(Ids.D_CLOSE, "n_clicks"), prevent_initial_call=True,
)
def close_detail(n):  # noqa: ANN001, ANN202
    auth.require_principal(Action.CONSOLE)
    if not n:
        raise PreventUpdate
    return True, False, None, None

# Focus to the panel's heading when an account opens or the panel closes (static function in
# assets/dashAgGridFunctions.js: no inline script, so no CSP hash; runs in the browser only and always
# answers no_update; its output is a harmless data-* attribute of the heading).
callbacks.clientside(ClientsideFunction("responsables", "focusDetail"),
                        Output(Ids.D_TITLE, "data-focus"), Input(Ids.CURRENT, "data"),
                        prevent_initial_call=True)

@callbacks(
    Output(Ids.D_MSG, "children", allow_duplicate=True),
    Output(Ids.DETAIL_BODY, "children", allow_duplicate=True),
    Output(Ids.D_DIAG_OUT, "children", allow_duplicate=True),
    Output(Ids.GRID_WRAP, "children", allow_duplicate=True),
    Input(Ids.D_SAVE, "n_clicks"), Input(Ids.D_DIAG, "n_clicks"),
    State(Ids.CURRENT, "data"), State(Ids.D_EMAIL, "value"), State(Ids.D_MOBILE, "value"), *FILTER_STATES,
    prevent_initial_call=True,
)
def detail_action(_c, _e, rid, email, mobile, *filters):  # noqa: ANN001, ANN202
    # Actions that change the guardian's access (notify, reset) go through the confirmation (below).
    principal = auth.require_principal(Action.CONSOLE)
    settings = auth.settings_of()
    trig = ctx.triggered_id
    if trig is None or not rid:
        raise PreventUpdate
    ident = console.identifiant_of_row(settings, principal, rid)
    if trig == Ids.D_DIAG:
        try:
            diag = console.diagnostic(settings, principal, ident)  # audited there, with the records matched
        except console.Unavailable as exc:
            return no_update, no_update, alert(str(exc), "error"), no_update
        return no_update, no_update, render_diagnostic(diag), no_update
    if trig != Ids.D_SAVE:
        raise PreventUpdate
    try:
        fields = actions.correct_account(settings, principal, ident, email, mobile)
    except actions.ActionRefused as exc:
        return alert(str(exc), "error"), no_update, no_update, no_update
    msg = alert("Correction enregistrée (" + ", ".join(
        "courriel" if x == "courriel" else "portable" for x in fields)
        + ") : en attente jusqu'au prochain instantané qui la confirmera.", "success")
    d = console.account_detail(settings, principal, ident)
    g, _, _ = _new_grid(settings, principal, _filters(*filters))
    return msg, render_detail(settings, d), no_update, g

# ---- Actions that change a guardian's access: prepared on the server, confirmed in a dialog (confirm.py).

@callbacks(
    Output(Ids.CONFIRM_TITLE, "children"), Output(Ids.CONFIRM_BODY, "children"),
    Output(Ids.CONFIRM_TOKEN, "data"),
    Output(Ids.D_MSG, "children", allow_duplicate=True), Output(Ids.MESSAGE, "children"),
    Input(Ids.D_NOTIFY, "n_clicks"), Input(Ids.D_RESET, "n_clicks"), Input(Ids.G_OPEN, "n_clicks"),
    State(Ids.CURRENT, "data"), State(Ids.D_CHANNEL, "value"), State(Ids.D_NEWPW, "value"),
    State(Ids.G_TARGET, "value"), State(Ids.G_CHANNEL, "value"), State(Ids.G_NEWPW, "value"),
    State(Ids.G_NEWPW_ACTIVE, "value"), State({"type": GRID_TYPE, "gen": ALL}, "selectedRows"),
    *FILTER_STATES,
    prevent_initial_call=True,
)
def prepare_action(_n, _r, _g, rid, channel, newpw, target, g_channel, g_newpw, g_active, selected,
                   *filters):  # noqa: ANN001, ANN202
    principal = auth.require_principal(Action.CONSOLE)
    settings = auth.settings_of()
    trig = ctx.triggered_id
    group = trig == Ids.G_OPEN
    try:
        if group:
            ids = _selected_accounts(settings, principal, target, selected, _filters(*filters))
            pending = actions.prepare(settings, principal, "notify", ids, g_channel or "courrier",
                                      _ticked(g_newpw), active_passwords=_ticked(g_active),
                                      group=True)
        elif trig in (Ids.D_NOTIFY, Ids.D_RESET) and rid:
            ident = console.identifiant_of_row(settings, principal, rid)
            action = "reset" if trig == Ids.D_RESET else "notify"
            pending = actions.prepare(settings, principal, action, [ident], channel or "courrier",
                                      _ticked(newpw))
        else:
            raise PreventUpdate
    except actions.ActionRefused as exc:
        msg = alert(str(exc), "error")
        return no_update, no_update, None, no_update if group else msg, msg if group else ""
    label = "tous les résultats de la recherche" if target == "all" else "lignes cochées"
    title, body = confirm.describe(pending, label)
    return (title, body, {"token": pending.token, "origin": "group" if group else "detail"},
            "" if not group else no_update, "" if group else no_update)

@callbacks(
    Output(Ids.D_MSG, "children", allow_duplicate=True), Output(Ids.MESSAGE, "children", allow_duplicate=True),
    Output(Ids.DOWNLOAD, "data", allow_duplicate=True),
    Output(Ids.DETAIL_BODY, "children", allow_duplicate=True), Output(Ids.D_NEWPW, "value", allow_duplicate=True),
    Output(Ids.GRID_WRAP, "children", allow_duplicate=True), Output(Ids.CONFIRM_TOKEN, "data", allow_duplicate=True),
    Input(Ids.CONFIRM_OK, "n_clicks"), State(Ids.CONFIRM_TOKEN, "data"), *FILTER_STATES,
    running=[(Output(Ids.CONFIRM_OK, "disabled"), True, False)],
    prevent_initial_call=True,
)
def confirm_action(n, pending_ref, *filters):  # noqa: ANN001, ANN202
    # Only the token comes from the browser: what is done is what the server prepared and the dialog stated.
    principal = auth.require_principal(Action.CONSOLE)
    settings = auth.settings_of()
    if not n:
        raise PreventUpdate
    ref = pending_ref if isinstance(pending_ref, dict) else {}
    group = ref.get("origin") == "group"
    try:
        pending, res = actions.confirm(settings, principal, ref.get("token"))
    except actions.ActionRefused as exc:
        msg = alert(str(exc), "error")
        return (no_update, msg, no_update, no_update, no_update, no_update, None) if group else (
            msg, no_update, no_update, no_update, no_update, no_update, None)
    academie = settings["METEOCOMPTES_ACADEMIE_NOM"]
    g, _, _ = _new_grid(settings, principal, _filters(*filters))
    if isinstance(res, actions.Letter):  # reset
        ident = res.identifiant
        download = dcc.send_bytes(letters_pdf([res], academie), f"reinitialisation-{ident}.pdf")
        msg = alert("Mot de passe réinitialisé : remettez le courrier de réinitialisation (PDF) au responsable.",
                    "success")
    else:
        skipped = []
        if res.skipped_disabled:
            skipped.append(f"{res.skipped_disabled} compte(s) désactivé(s) ignoré(s)")
        if res.skipped_no_email:
            skipped.append(f"{res.skipped_no_email} compte(s) sans adresse électronique ignoré(s)")
        tail = (" — " + " ; ".join(skipped)) if skipped else ""
        ident = pending.accounts[0].identifiant
        download = no_update
        if res.letters:
            name = (f"notifications-{datetime.now():%Y%m%d-%H%M}.pdf" if pending.group
                    else f"notification-{ident}.pdf")
            download = dcc.send_bytes(letters_pdf(res.letters, academie), name)
            what = ("Courrier de réinitialisation du mot de passe" if res.letters[0].kind == "reinitialisation"
                    else "Courrier de notification")
            text = (f"{len(res.letters)} courrier(s) prêt(s) dans un seul PDF{tail}." if pending.group
                    else f"{what} prêt : le PDF est téléchargé.")
        else:
            text = (f"{res.queued} courriel(s) mis en file d'envoi{tail}. Statut visible dans chaque fiche."
                    if pending.group else "Courriel mis en file d'envoi ; son statut apparaît dans la fiche.")
        msg = alert(text, "success")
    if pending.group:
        return no_update, msg, download, no_update, no_update, g, None
    d = console.account_detail(settings, principal, ident)
    return msg, no_update, download, render_detail(settings, d), _default_newpw(d.compte["etat"]), g, None

# Opens the native modal when a token arrives, closes it on « Annuler », « Fermer » or once done (the token
# goes back to None); Escape closes it natively. Static function in assets/dashAgGridFunctions.js.
callbacks.clientside(ClientsideFunction("responsables", "confirmDialog"),
                        Output(Ids.CONFIRM, "data-state"), Input(Ids.CONFIRM_TOKEN, "data"),
                        Input(Ids.CONFIRM_CANCEL, "n_clicks"), Input(Ids.CONFIRM_CLOSE, "n_clicks"),
                        prevent_initial_call=True)
