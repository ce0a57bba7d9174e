"""Page « Qualité des données » (placeholder until its issue lands)."""

from dash import html

from dashboard.pages import Page


def layout(principal, params):  # noqa: ANN001
    return html.Div([html.H1("Qualité des données"), html.P("Cette page est en cours de construction.")])


PAGE = Page(path="/qualite", title="Qualité des données", allowed=lambda p: p.can_stats, layout=layout)
