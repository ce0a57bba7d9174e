"""Small display components shared by several pages."""

from __future__ import annotations

from typing import Any

from dash import MATCH, Input, Output, html


def simple_table(caption: str, head: list[str], rows: list[list[Any]], empty: str | None = "Aucun") -> html.Div:
    """A compact DSFR table with caption and column headers; `empty` (None: an empty table) replaces it when there are no rows."""
    if not rows and empty is not None:
        return html.Div([html.H4(caption, className="fr-h6"), html.P(empty, className="fr-text--sm")])
    return html.Div(
        html.Table([
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody([html.Tr([html.Td("" if c is None else c) for c in r]) for r in rows]),
        ]),
        className="fr-table fr-table--sm",
    )


MAX_START_ROW = 10_000_000


def rows_io(grid_type: str) -> tuple[Output, Input]:
    """The Output and Input of a grid's infinite-row-model callback: the grid `{"type": grid_type, "gen": n}` (a
    new search mounts a new generation) asks for a block of rows, read with rows_request, and gets them back."""
    grid = {"type": grid_type, "gen": MATCH}
    return Output(grid, "getRowsResponse"), Input(grid, "getRowsRequest")


def rows_request(req: Any) -> tuple[int, int, dict[str, Any]]:
    """(start, end, context) of a dash-ag-grid infinite-model `getRowsRequest`, every value checked; anything
    else (a forged or partial request) stops the callback with no update."""
    from dash.exceptions import PreventUpdate

    if not isinstance(req, dict):
        raise PreventUpdate
    start, end = req.get("startRow"), req.get("endRow")
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end or start > MAX_START_ROW:
        raise PreventUpdate
    context = req.get("context")
    return start, end, context if isinstance(context, dict) else {}
