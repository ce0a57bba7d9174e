"""Page « Accueil »: what the user can do, by role."""

from __future__ import annotations

from collections.abc import Mapping

from dash import dcc, html

from dashboard.pages import Page
from queries.core.journal_text import default_place
from queries.core.scope import Principal
from queries.core.vocab import role_label
from queries.warehouse import catalog


def scope_name(principal: Principal) -> str:
    """The principal's own perimeter by name (« académie de La Réunion »), read within that perimeter; its level
    and code in words when the warehouse cannot tell (no data yet), never « academie:28 »."""
    from dashboard.auth import settings_of

    own = str(principal.scope)
    return catalog.scope_names(settings_of(), [own], principal.scope).get(own) or default_place(own)


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    from dashboard.pages import load_pages

    links = [
        html.Li(dcc.Link(p.title, href=p.path, className="fr-link"))
        for p in load_pages()
        if p.in_menu and p.path != "/" and p.allowed(principal)
    ]
    return html.Div(
        [
            html.H1("Bienvenue sur MétéoComptes"),
            html.P(
                f"Connecté en tant que {principal.display_name or principal.login} — {role_label(principal.role.value)}"
                + (f", périmètre : {scope_name(principal)}" if principal.scope else "")
                + "."
            ),
            html.P("Vous pouvez :"),
            html.Ul(links),
        ]
    )


PAGE = Page(path="/", title="Accueil", allowed=lambda p: True, layout=layout)
