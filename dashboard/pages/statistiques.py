"""Page « Statistiques » (placeholder until its issue lands)."""

from dash import html

from dashboard.pages import Page


def layout(principal, params):  # noqa: ANN001
    return html.Div([html.H1("Statistiques"), html.P("Cette page est en cours de construction.")])


PAGE = Page(path="/statistiques", title="Statistiques", allowed=lambda p: p.can_stats, layout=layout)
