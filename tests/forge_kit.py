"""Forged Dash callback requests built from the app's own callback map (`/_dash-dependencies`): one payload per
callback that puts a given value into every input and state (pattern-matching ids and ag-grid requests
included). Shared by the access matrix and the malformed-request tests."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

CLICK_PROPS = {"n_clicks", "n_submit", "n_intervals", "n_blur", "n_clicks_timestamp"}


def _parse_id(id_str: str):  # noqa: ANN202
    return json.loads(id_str) if id_str.startswith("{") else id_str


def _concrete(id_obj, v):  # noqa: ANN001, ANN202
    """(concrete id, wildcard kind or None) for a dependency id."""
    if isinstance(id_obj, dict):
        kind = None
        out = {}
        for k, val in id_obj.items():
            if isinstance(val, list) and len(val) == 1 and val[0] in ("MATCH", "ALL", "ALLSMALLER"):
                kind = kind or val[0]
                out[k] = v if isinstance(v, str | int) else str(v)
            else:
                out[k] = val
        return out, kind
    return id_obj, None


def _value_for(prop: str, v, as_list: bool = False):  # noqa: ANN001, ANN202
    base = prop.split("@")[0]
    sv = str(v)
    if base in CLICK_PROPS:
        return 1
    if base == "search":
        return "?" + urlencode({"uai": sv, "scope": sv, "perimetre": sv, "ine": sv, "identifiant": sv, "classe": sv,
                                "id": sv, "q": sv, "compte": sv})
    if base == "pathname":
        return "/responsables"
    if base == "getRowsRequest":
        flt = {"filterType": "text", "type": "contains", "filter": sv}
        return {"startRow": 0, "endRow": 100, "sortModel": [],
                "filterModel": {c: flt for c in ("uai", "ine", "identifiant", "classe", "nom", "responsable")}}
    if base in ("cellClicked", "cellDoubleClicked", "cellRendererData"):
        return {"value": v, "colId": "identifiant", "rowIndex": 0, "rowId": sv,
                "data": {"identifiant": sv, "ine": sv, "uai": sv, "responsable_id": sv}}
    if base in ("selectedRows", "virtualRowData", "rowData"):
        return [{"identifiant": sv, "ine": sv, "uai": sv, "responsable_id": sv, "id": v}]
    if base == "data":
        if isinstance(v, str) and re.fullmatch(r"[0-9a-f]{16}", v):  # the console's open row (resp-current)
            return v
        return {"uai": sv, "scope": sv, "perimetre": sv, "ine": sv, "identifiant": sv, "id": v, "responsable_id": sv,
                "classe": sv, "date": "2026-09-15"}
    if base in ("date", "start_date", "end_date"):
        return "2026-09-15"
    return [v] if as_list else v


def build_payloads(dep: dict, v, as_list: bool = False) -> list[dict]:
    """One payload per trigger (each click-like input, and the first input), all inputs/states set from v."""
    if dep.get("clientside_function"):
        return []  # runs in the browser only: nothing to forge on the server
    output = dep["output"]
    multi = output.startswith("..")
    parts = [] if dep.get("no_output") else output[2:-2].split("...") if multi else [output]
    outputs = []
    for part in parts:
        id_str, prop = part.rsplit(".", 1)
        cid, kind = _concrete(_parse_id(id_str), v)
        spec = {"id": cid, "property": prop.split("@")[0]}
        outputs.append([spec] if kind in ("ALL", "ALLSMALLER") else spec)

    def items(deps: list[dict]) -> list:
        res = []
        for d in deps:
            cid, kind = _concrete(_parse_id(d["id"]), v)
            item = {"id": cid, "property": d["property"], "value": _value_for(d["property"], v, as_list)}
            res.append([item] if kind in ("ALL", "ALLSMALLER") else item)
        return res

    inputs, state = items(dep["inputs"]), items(dep.get("state", []))

    def prop_id(x) -> str:  # noqa: ANN001
        x = x[0] if isinstance(x, list) else x
        i = json.dumps(x["id"], separators=(",", ":"), sort_keys=True) if isinstance(x["id"], dict) else x["id"]
        return f"{i}.{x['property']}"

    triggers = [i for i, d in enumerate(dep["inputs"]) if d["property"] in CLICK_PROPS] or [0]
    if 0 not in triggers:
        triggers.append(0)
    payloads = []
    for t in triggers:
        if not inputs:
            break
        payloads.append({"output": output, "outputs": outputs if multi or not outputs else outputs[0], "inputs": inputs,
                         "state": state, "changedPropIds": [prop_id(inputs[t])]})
    return payloads
