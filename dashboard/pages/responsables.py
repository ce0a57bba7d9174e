"""Page « Responsables » (placeholder until its issue lands)."""

from dash import html

from dashboard.pages import Page


def layout(principal, params):  # noqa: ANN001
    return html.Div([html.H1("Responsables"), html.P("Cette page est en cours de construction.")])


PAGE = Page(path="/responsables", title="Responsables", allowed=lambda p: p.can_console, layout=layout)
