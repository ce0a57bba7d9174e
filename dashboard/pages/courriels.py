"""Page « Courriels envoyés (démo) »: the emails the demo wrote instead of sending them (MAIL_SINK_DIR).

The demo has no mail server; `meteocomptes demo` makes the outbox write each message as an `.eml` file
(queries.store.outbox.FileSink), and this page lists them: date, recipient, subject, and the body on demand.
A notification email carries the guardian's provisional password, so the page exists only while the sink is on
(never with a real SMTP server) and opens to the support alone, the role that already manages every guardian
account of the académie; the admin, who has no right to guardians' data, does not see it. Each opening is
audited (`view`, page `courriels`).
"""

from __future__ import annotations

from collections.abc import Mapping

from dash import html
from flask import has_app_context

from dashboard import auth
from dashboard.pages import Page
from queries.core import authz
from queries.core.authz import Action
from queries.core.clock import in_paris
from queries.core.scope import Principal, Role
from queries.store import audit, outbox

PATH = "/courriels"
TITLE = "Courriels envoyés (démo)"


def allowed(principal: Principal) -> bool:
    """Support with console rights, and only while the demo sink is on (fail-closed outside a request)."""
    if principal.role is not Role.SUPPORT or not authz.allowed(principal, Action.CONSOLE):
        return False
    return has_app_context() and outbox.sink_dir(auth.settings_of()) is not None


def _message(m: outbox.SinkMessage) -> html.Li:
    when = f"{in_paris(m.date):%d/%m/%Y à %H:%M}" if m.date else "date inconnue"
    return html.Li(
        html.Details([
            html.Summary([html.Strong(m.subject or "(sans objet)"), f" — à {m.to} — {when}"]),
            html.Pre(m.body, className="courriel-corps fr-p-2w fr-mt-1w"),
        ]),
        className="fr-mb-1w",
    )


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    settings = auth.settings_of()
    msgs = outbox.sink_messages(settings)
    audit.record(settings, principal, "view", detail={"page": "courriels", "messages": len(msgs)})
    intro = html.Div(
        [
            html.P(
                # No server path on screen (the folder is MAIL_SINK_DIR, the operator's business).
                "Démonstration : aucun courriel ne part. Chaque courriel de notification est déposé dans la boîte "
                "de démonstration au lieu d'être envoyé, et apparaît ici (les plus récents d'abord)."
            ),
            html.P(
                "Un courriel de notification contient le mot de passe provisoire du responsable : cette page "
                "n'existe qu'en démonstration (réglage MAIL_SINK_DIR) et n'est ouverte qu'au support."
            ),
        ],
        className="fr-notice fr-notice--info fr-p-2w fr-mb-3w",
    )
    body = (html.Ul([_message(m) for m in msgs], className="courriels-liste") if msgs
            else html.P("Aucun courriel pour le moment : notifiez un responsable par courriel depuis la console."))
    return html.Div([html.H1(TITLE), intro, html.H2(f"{len(msgs)} courriel(s)", className="fr-h5"), body])


PAGE = Page(path=PATH, title=TITLE, allowed=allowed, layout=layout)
