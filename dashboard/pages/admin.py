"""Page « Administration » (placeholder until its issue lands)."""

from dash import html

from dashboard.pages import Page


def layout(principal, params):  # noqa: ANN001
    return html.Div([html.H1("Administration"), html.P("Cette page est en cours de construction.")])


PAGE = Page(path="/admin", title="Administration", allowed=lambda p: p.can_admin, layout=layout)
