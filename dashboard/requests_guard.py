"""Malformed requests: a French 4xx JSON answer, judged before any callback runs, and an audit row `bad_request`.

- `/_dash-update-component` (POST): the body is checked against the app's own callback map before Dash
  dispatches it: a JSON object; `output` naming a registered callback (else 404); `outputs`, `inputs` and
  `state` with the declared number of entries, each an object {id, property} of the declared id and property
  (a list of them for an ALL/ALLSMALLER wildcard); `changedPropIds` a list of strings (400 otherwise). Then each
  value must have the type its component can send (422 otherwise): by property name (`BY_PROPERTY`), or as a
  page declared it with `expect()` (a `dcc.Store` holding a dict, a single-choice dropdown…). Dash itself
  trusts the renderer, so without this a forged shape reaches our callbacks (or Dash's own dispatch) and
  ends as a 500 with Werkzeug's HTML page.
- Static files (`/_dash-component-suites/…`): a package or file that Dash did not register (Dash raises
  DependencyException, or the file is missing) is a 404 JSON, not a 500.
- Any other HTTP error on a data route (405, 413, 415…) answers JSON too; an unexpected exception answers a
  500 JSON without traceback (the server log keeps it). AccessDenied keeps its own handler (403, `forbidden`).

The audit row holds the path, a short reason and, for a known callback, its output id: never the body, whose
values may be personal data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from queries.core.settings import Settings
from queries.store import audit

CALLBACK_PATH = "/_dash-update-component"
STATIC_PREFIX = "/_dash-component-suites/"
WILDCARDS_MANY = ("ALL", "ALLSMALLER")


class BadRequest(Exception):
    """A request refused for its shape; `reason` is short, French, and holds no value from the body."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


# ------------------------------------------------------------------ value kinds

Check = Callable[[Any], bool]


def _scalar(v: Any) -> bool:
    return isinstance(v, str | int | float) and not isinstance(v, bool)


KINDS: dict[str, tuple[str, Check]] = {
    # name: (French description for the message, check); None is always accepted (an unset property).
    "int": ("un entier", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "str": ("un texte", lambda v: isinstance(v, str)),
    "dict": ("un objet", lambda v: isinstance(v, dict)),
    "dicts": ("une liste d'objets", lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v)),
    "scalars": ("une liste de valeurs simples", lambda v: isinstance(v, list) and all(_scalar(x) for x in v)),
    "scalar_or_scalars": (
        "une valeur simple ou une liste de valeurs simples",
        lambda v: _scalar(v) or (isinstance(v, list) and all(_scalar(x) for x in v)),
    ),
    "any": ("une valeur", lambda v: True),
}

# What the components we use send for these properties (dcc, html, dash-ag-grid). A property absent from here
# and from the declarations is accepted as is ("any"): tests/test_malformed_requests.py lists them.
BY_PROPERTY: dict[str, str] = {
    "n_clicks": "int",
    "n_submit": "int",
    "n_blur": "int",
    "n_intervals": "int",
    "pathname": "str",
    "search": "str",
    "hash": "str",
    "href": "str",
    "date": "str",
    "start_date": "str",
    "end_date": "str",
    "value": "scalar_or_scalars",
    "getRowsRequest": "dict",
    "cellClicked": "dict",
    "cellDoubleClicked": "dict",
    "cellRendererData": "dict",
    "selectedRows": "dicts",
    "rowData": "dicts",
    "virtualRowData": "dicts",
}

# (component id — for a pattern-matching id, its "type" —, property) → kind; filled by the pages.
_declared: dict[tuple[str, str], str] = {}


def expect(component_id: str, prop: str, kind: str) -> None:
    """Declares the type of a callback input or state that its property name alone does not tell."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    _declared[(component_id, prop)] = kind


def kind_of(component_id: Any, prop: str) -> str:
    key = component_id.get("type") if isinstance(component_id, dict) else component_id
    return _declared.get((str(key), prop)) or BY_PROPERTY.get(prop, "any")


# ------------------------------------------------------------------ shape of a callback body


def _declared_id(id_str: str) -> str | dict:
    return json.loads(id_str) if id_str.startswith("{") else id_str


def _many(declared: str | dict) -> bool:
    return isinstance(declared, dict) and any(
        isinstance(v, list) and len(v) == 1 and v[0] in WILDCARDS_MANY for v in declared.values()
    )


def _same_id(sent: Any, declared: str | dict) -> bool:
    if isinstance(declared, str):
        return isinstance(sent, str) and sent == declared
    if not isinstance(sent, dict) or set(sent) != set(declared):
        return False
    for k, want in declared.items():
        if isinstance(want, list):  # wildcard: any scalar value
            if not (_scalar(sent[k]) or isinstance(sent[k], bool)):
                return False
        elif sent[k] != want:
            return False
    return True


def _check_item(item: Any, where: str, id_str: str, prop: str, *, with_value: bool) -> None:
    base = prop.split("@")[0]
    if not isinstance(item, dict):
        raise BadRequest(f"{where} : un objet est attendu")
    if "id" not in item or "property" not in item:
        raise BadRequest(f"{where} : « id » et « property » sont requis")
    sent_prop = item["property"]
    # The renderer may send an output's property with its allow_duplicate suffix (« search@<hash> »).
    if (
        not _same_id(item["id"], _declared_id(id_str))
        or not isinstance(sent_prop, str)
        or sent_prop.split("@")[0] != base
    ):
        raise BadRequest(f"{where} : ne correspond pas à {id_str}.{base}")
    if with_value and item.get("value") is not None:
        name, check = KINDS[kind_of(item["id"], base)]
        if not check(item["value"]):
            raise BadRequest(f"{where} ({id_str}.{base}) : {name} est attendu", 422)


def _check_entries(entries: Any, deps: list[dict], what: str, *, with_value: bool = True) -> None:
    if not isinstance(entries, list):
        raise BadRequest(f"« {what} » doit être une liste")
    if len(entries) != len(deps):
        raise BadRequest(f"« {what} » : {len(deps)} entrée(s) attendue(s), {len(entries)} reçue(s)")
    for n, (entry, dep) in enumerate(zip(entries, deps, strict=True), start=1):
        where = f"{what} n° {n}"
        if _many(_declared_id(dep["id"])):
            if not isinstance(entry, list):
                raise BadRequest(f"{where} : une liste est attendue")
            for item in entry:
                _check_item(item, where, dep["id"], dep["property"], with_value=with_value)
        else:
            _check_item(entry, where, dep["id"], dep["property"], with_value=with_value)


def _output_deps(cb: Mapping[str, Any]) -> list[dict]:
    outs = cb["output"] if isinstance(cb["output"], list | tuple) else [cb["output"]]
    return [{"id": o.component_id_str(), "property": o.component_property} for o in outs]


def check_callback_body(callback_map: Mapping[str, Any], body: Any) -> str:
    """The callback's output id when the body is well formed; raises BadRequest otherwise."""
    if not isinstance(body, dict):
        raise BadRequest("le corps doit être un objet JSON")
    output = body.get("output")
    if not isinstance(output, str) or not output:
        raise BadRequest("« output » manquant ou illisible")
    cb = callback_map.get(output)
    if cb is None:
        raise BadRequest("aucun callback pour cette sortie", 404)
    if not cb.get("no_output"):
        if "outputs" not in body:
            raise BadRequest("« outputs » manquant")
        outs = _output_deps(cb)
        sent = body["outputs"]
        if output.startswith(".."):  # several outputs: a list, one entry per output
            _check_entries(sent, outs, "outputs", with_value=False)
        else:
            _check_entries([sent], outs, "outputs", with_value=False)
    if "inputs" not in body:
        raise BadRequest("« inputs » manquant")
    _check_entries(body["inputs"], cb["inputs"], "inputs")
    _check_entries(body.get("state", []), cb.get("state", []), "state")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise BadRequest("« changedPropIds » doit être une liste de textes")
    return output


# ------------------------------------------------------------------ answers


def _is_data_route(path: str) -> bool:
    from dashboard import auth

    return path.startswith(STATIC_PREFIX) or path in auth.API_PATHS or path.startswith(auth.API_PREFIXES)


def _refuse(settings: Settings, status: int, reason: str, output: str | None = None) -> tuple[Response, int]:
    from dashboard import auth

    detail = {"chemin": request.path[:200], "raison": reason[:300]}
    if output:
        detail["sortie"] = output[:300]
    audit.record(settings, auth.current_principal(), "bad_request", detail=detail, outcome="denied")
    message = {
        404: "Ressource introuvable",
        405: "Méthode non autorisée",
        422: "Données de requête invalides",
    }.get(status, "Requête mal formée")
    return jsonify(erreur=f"{message} : {reason}."), status


HTTP_MESSAGES = {
    400: "Requête mal formée.",
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette adresse.",
    413: "Requête trop volumineuse.",
    415: "Type de contenu non accepté : JSON attendu.",
}


def init_requests_guard(
    server: Flask, settings: Settings, callback_map: Callable[[], Mapping[str, Any]]
) -> None:
    """Registers the callback-body check (after authentication: an anonymous caller gets its 401 first) and
    the JSON error handlers. `callback_map` is read at each request: pages add callbacks after this call."""

    @server.before_request
    def _check_callback_body():  # noqa: ANN202
        if request.path != CALLBACK_PATH:
            return None
        if (
            request.method != "POST"
        ):  # else Dash's catch-all page route would answer a GET with the app's HTML
            return _refuse(settings, 405, "seule la méthode POST est acceptée")
        body = request.get_json(silent=True)
        if body is None and request.get_data(cache=True).strip() not in (b"null",):
            return _refuse(settings, 400, "corps JSON illisible")
        try:
            check_callback_body(callback_map(), body)
        except BadRequest as exc:
            out = body.get("output") if isinstance(body, dict) else None
            # The output id goes to the log only when it names one of our callbacks (not free text).
            known = out if isinstance(out, str) and out in callback_map() else None
            return _refuse(settings, exc.status, exc.reason, known)
        return None

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # noqa: ANN202
        if not _is_data_route(request.path) or exc.code is None or exc.code < 400:
            return exc
        if exc.code in (401, 403):
            return jsonify(erreur="Accès refusé."), exc.code
        message = HTTP_MESSAGES.get(exc.code, "La requête n'a pas pu aboutir.")
        if exc.code < 500:
            audit.record(
                settings,
                _principal(),
                "bad_request",
                detail={"chemin": request.path[:200], "raison": f"HTTP {exc.code}"},
                outcome="denied",
            )
        return jsonify(erreur=message), exc.code

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception):  # noqa: ANN202
        import dash.exceptions

        if request.path.startswith(STATIC_PREFIX) and isinstance(
            exc, dash.exceptions.DependencyException | OSError
        ):
            # Not a file Dash registered (its message lists every registered path: never sent), or missing.
            return _refuse(settings, 404, "fichier statique inconnu")
        server.logger.error("Erreur non prévue sur %s %s", request.method, request.path, exc_info=exc)
        if _is_data_route(request.path):
            return jsonify(
                erreur="Erreur interne du serveur : l'incident est consigné, veuillez réessayer "
                "ou prévenir l'assistance."
            ), 500
        return Response("Erreur interne du serveur : l'incident est consigné.", 500, mimetype="text/plain")


def _principal():  # noqa: ANN202
    from dashboard import auth

    return auth.current_principal()
