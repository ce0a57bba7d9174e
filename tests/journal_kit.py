"""Driving the Journal page through the Flask test client as the browser does (no test here): the filters'
callback answers the count, the CSV link and a fresh grid; the grid then asks for its rows (getRowsRequest, with
the filters in its context)."""

from __future__ import annotations

import json
from typing import Any

from dashboard.pages.journal import Ids

FILTERS = (Ids.SINCE, Ids.UNTIL, Ids.LOGIN, Ids.ACTION, Ids.TARGET, Ids.OUTCOME)


def _key(gid: dict, match: bool = False) -> str:
    return json.dumps({**gid, "gen": ["MATCH"]} if match else gid, separators=(",", ":"), sort_keys=True)


def show(client, **values: Any) -> dict[str, Any]:  # noqa: ANN001
    """The filters' callback with these input values (since, until, login, action, target, outcome; None if not
    given): {"count", "href", "logins", "grid"}."""
    outs = [
        {"id": Ids.TABLE, "property": "children"},
        {"id": Ids.COUNT, "property": "children"},
        {"id": Ids.EXPORT, "property": "href"},
        {"id": Ids.LOGIN, "property": "options"},
    ]
    body = {
        "output": "..journal-table.children...journal-count.children...journal-export.href...journal-login.options..",
        "outputs": outs,
        "inputs": [
            {"id": i, "property": "value", "value": values.get(i.removeprefix("journal-"))} for i in FILTERS
        ],
        "changedPropIds": [f"{Ids.ACTION}.value"],
        "state": [],
    }
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    resp = r.get_json()["response"]
    return {
        "count": resp[Ids.COUNT]["children"],
        "href": resp[Ids.EXPORT]["href"],
        "logins": [o["value"] for o in resp[Ids.LOGIN]["options"]],
        "grid": resp[Ids.TABLE]["children"]["props"]["children"]["props"],  # the grid, in its keyed Div
    }


def get_rows(client, grid: dict, start: int = 0, end: int = 500, context: Any = None):  # noqa: ANN001, ANN201
    """The grid's getRowsRequest; the raw response (status 200: {"rowData", "rowCount"} in .json_rows)."""
    gid = grid["id"]
    ctx = grid["dashGridOptions"]["context"] if context is None else context
    body = {
        "output": _key(gid, match=True) + ".getRowsResponse",
        "outputs": {"id": gid, "property": "getRowsResponse"},
        "inputs": [
            {
                "id": gid,
                "property": "getRowsRequest",
                "value": {"startRow": start, "endRow": end, "context": ctx},
            }
        ],
        "changedPropIds": [_key(gid) + ".getRowsRequest"],
        "state": [],
    }
    r = client.post("/_dash-update-component", json=body)
    if r.status_code == 200:
        r.json_rows = r.get_json()["response"][_key(gid)]["getRowsResponse"]
    return r


def journal(client, **values: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # noqa: ANN001
    """(the filters' answer, every row of the grid)."""
    shown = show(client, **values)
    r = get_rows(client, shown["grid"])
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.json_rows["rowCount"] == len(r.json_rows["rowData"])
    return shown, r.json_rows["rowData"]
