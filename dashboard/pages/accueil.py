"""Page « Accueil »: what the user can do, by role."""

from __future__ import annotations

from collections.abc import Mapping

from dash import dcc, html

from dashboard.pages import Page
from queries.core.scope import Principal, Role

ROLE_LABEL = {
    Role.PILOTE: "Pilote académique",
    Role.IEN: "Inspecteur de l'Éducation nationale (IEN)",
    Role.CHEF: "Chef d'établissement / directeur d'école",
    Role.DELEGUE: "Personnel délégué",
    Role.SUPPORT: "Assistance académique",
    Role.ADMIN: "Administrateur",
}


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
                [
                    f"Connecté en tant que {principal.display_name or principal.login} — ",
                    ROLE_LABEL.get(principal.role, principal.role.value),
                    f", périmètre {principal.scope}" if principal.scope else "",
                    ".",
                ]
            ),
            html.P("Vous pouvez :"),
            html.Ul(links),
        ]
    )


PAGE = Page(path="/", title="Accueil", allowed=lambda p: True, layout=layout)
