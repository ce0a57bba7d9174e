"""Page « Journal » (placeholder until its issue lands)."""

from dash import html

from dashboard.pages import Page


def layout(principal, params):  # noqa: ANN001
    return html.Div([html.H1("Journal"), html.P("Cette page est en cours de construction.")])


PAGE = Page(path="/journal", title="Journal", allowed=lambda p: p.can_audit, layout=layout)
