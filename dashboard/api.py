"""Read-only JSON API of the statistics, behind the same login, session and scopes as the pages.

    GET /api/v1/stats/synthese?scope=SCOPE&date=YYYY-MM-DD[&degre=1D|2D]   rows of `meteocomptes stats --format json`
    GET /api/v1/stats/evolution?scope=SCOPE&from=YYYY-MM-DD&to=YYYY-MM-DD[&degre=1D|2D]
    GET /api/v1/openapi.json                                                 the OpenAPI 3.1 description

Errors are JSON `{"erreur": "…"}` with a 4xx status, never a 500: 400 malformed parameter, 401 no session
(answered by dashboard.auth before the view runs), 403 for a scope outside the caller's remit or unknown — the
same answer, so that the API is no existence oracle (AccessDenied → central handler, audited) —, 404 no data at
that date (or, inside the remit, an unknown class or MEF). `init_api` also registers the statistics exports.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Flask, jsonify, request

from dashboard import auth
from queries import warehouse
from queries.core.authz import Action
from queries.core.scope import Level, Scope, ScopeError
from queries.core.settings import Settings
from queries.core.vocab import ETATS, ORIGINES
from queries.warehouse import stats, stats_series

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):  # noqa: ANN202
    return jsonify(erreur=exc.message), exc.status


def _date_param(name: str, required: bool = False) -> date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise ApiError(400, f"Paramètre « {name} » obligatoire (AAAA-MM-JJ).")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"Paramètre « {name} » invalide : « {raw[:30]} » n'est pas une date AAAA-MM-JJ.") from None


def _scope_param() -> Scope:
    raw = request.args.get("scope")
    if not raw:
        raise ApiError(400, "Paramètre « scope » obligatoire (ex. academie:28, etablissement:UAI).")
    try:
        return Scope.parse(raw)
    except ScopeError as exc:
        raise ApiError(400, str(exc)) from None


def _degre_param(scope: Scope) -> str | None:
    raw = request.args.get("degre")
    if not raw:
        return None
    d = raw.upper()
    if d not in ("1D", "2D"):
        raise ApiError(400, f"Paramètre « degre » invalide : « {raw[:10]} » (attendu : 1D ou 2D).")
    if scope.level not in (Level.ACADEMIE, Level.DEPARTEMENT):
        raise ApiError(400, "Le degré ne s'applique qu'aux périmètres académie et département.")
    return d


def _unknown_params(allowed: set[str]) -> None:
    extra = sorted(set(request.args) - allowed)
    if extra:
        raise ApiError(400, "Paramètre(s) inconnu(s) : " + ", ".join(x[:20] for x in extra[:5]) + ".")


def _check(settings: Settings, principal: Any, scope: Scope, day: date | None) -> date:
    """Remit check in SQL; AccessDenied propagates to the central 403 handler (which audits it)."""
    try:
        stats_series.require_visible(settings, principal, scope)  # first: unknown and outside answer alike
        s = stats_series.asof(settings, day, stats_series.cov_of(settings, scope))
        stats_series.check_scope(settings, principal, scope, s)
    except stats_series.ScopeNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except stats_series.NoData as exc:
        raise ApiError(404, str(exc)) from None
    except warehouse.WarehouseUnavailable as exc:
        raise ApiError(503, str(exc)) from None
    return s


@bp.get("/stats/synthese")
def synthese():  # noqa: ANN201
    principal = auth.require_principal(Action.STATS)
    settings = auth.settings_of()
    _unknown_params({"scope", "date", "degre"})
    scope = _scope_param()
    day = _date_param("date")
    degre = _degre_param(scope)
    _check(settings, principal, scope, day)
    try:
        syn = stats.synthese(settings, principal, scope, day, degre)
    except stats.StatsError as exc:
        raise ApiError(404, str(exc)) from None
    return jsonify({
        "scope": str(syn.scope),
        "date": syn.data_date.isoformat(),
        "ingested_at": syn.ingested_at.isoformat(timespec="minutes"),
        "degre": syn.degre,
        "derniere_mise_a_jour": syn.derniere_mise_a_jour(),
        "rows": syn.rows,
    })


@bp.get("/stats/evolution")
def evolution():  # noqa: ANN201
    principal = auth.require_principal(Action.STATS)
    settings = auth.settings_of()
    _unknown_params({"scope", "from", "to", "degre"})
    scope = _scope_param()
    d_from = _date_param("from")
    d_to = _date_param("to")
    degre = _degre_param(scope) or "ALL"
    if d_from and d_to and d_from > d_to:
        raise ApiError(400, "La date « from » est postérieure à la date « to ».")
    s = _check(settings, principal, scope, d_to)
    df = stats_series.evolution(settings, principal, scope, degre, d_from, s)
    o = stats_series.by_origin(df)
    e = stats_series.by_state(df)
    series = []
    for d in o.index:
        origines = {k: int(o.loc[d, k]) for k in ORIGINES}
        etats = {k: int(e.loc[d, k]) for k in ETATS}
        total = sum(origines.values())
        series.append({
            "date": d.isoformat(), "comptes": total, "origines": origines, "etats": etats,
            "taux_activation": round(etats["ACTIVE"] / total, 6) if total else None,
        })
    return jsonify({"scope": str(scope), "degre": None if degre == "ALL" else degre,
                    "from": d_from.isoformat() if d_from else None, "to": s.isoformat(), "series": series})


def _int_obj(keys: Any) -> dict:
    return {"type": "object", "properties": {k: {"type": "integer", "minimum": 0} for k in keys},
            "required": list(keys)}


def openapi_document() -> dict:
    err = {"description": "Erreur", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Erreur"}}}}
    scope_p = {"name": "scope", "in": "query", "required": True, "schema": {"type": "string"},
               "description": "academie:28, departement:974, circonscription:CODE, etablissement:UAI, "
                              "classe:UAI:CLASSE ou mef:UAI:CODE_MEF", "example": "academie:28"}
    degre_p = {"name": "degre", "in": "query", "required": False, "schema": {"type": "string", "enum": ["1D", "2D"]},
               "description": "Degré (académie et département seulement)"}

    def date_p(name: str, desc: str) -> dict:
        return {"name": name, "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                "description": desc}

    errors = {"400": err, "401": err, "403": err, "404": err}
    row = {"type": "object", "properties": {"origine": {"type": "string", "enum": [*ORIGINES, "TOTAL"]},
                                            "comptes": {"type": "integer"},
                                            **{k: {"type": "integer"} for k in ETATS}},
           "required": ["origine", "comptes", *ETATS]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "MétéoComptes — API statistique", "version": "1.0.0",
                 "description": "Agrégats des comptes EduConnect des responsables, en lecture seule. Même "
                                "connexion et mêmes périmètres que l'application : la session (cookie) est requise."},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "meteocomptes_session"}},
            "schemas": {
                "Erreur": {"type": "object", "properties": {"erreur": {"type": "string"}}, "required": ["erreur"]},
                "LigneSynthese": row,
            },
        },
        "security": [{"session": []}],
        "paths": {
            "/api/v1/stats/synthese": {"get": {
                "summary": "Synthèse des comptes responsables d'un périmètre à une date",
                "parameters": [scope_p, date_p("date", "Date des données (défaut : la dernière)"), degre_p],
                "responses": {"200": {"description": "Lignes par origine puis TOTAL", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {
                        "scope": {"type": "string"}, "date": {"type": "string", "format": "date"},
                        "ingested_at": {"type": "string"}, "degre": {"type": ["string", "null"]},
                        "derniere_mise_a_jour": {"type": "string"},
                        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/LigneSynthese"}}}}}}},
                    **errors},
            }},
            "/api/v1/stats/evolution": {"get": {
                "summary": "Comptes par origine et par état à chaque date ingérée de la période",
                "parameters": [scope_p, date_p("from", "Début (inclus)"), date_p("to", "Fin (incluse, défaut : la dernière)"),
                               degre_p],
                "responses": {"200": {"description": "Série", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "scope": {"type": "string"}, "from": {"type": ["string", "null"]}, "to": {"type": "string"},
                        "series": {"type": "array", "items": {"type": "object", "properties": {
                            "date": {"type": "string", "format": "date"}, "comptes": {"type": "integer"},
                            "origines": _int_obj(ORIGINES), "etats": _int_obj(ETATS),
                            "taux_activation": {"type": ["number", "null"]}}}}}}}}},
                    **errors},
            }},
        },
    }


@bp.get("/openapi.json")
def openapi():  # noqa: ANN201
    auth.require_principal(Action.STATS)
    return jsonify(openapi_document())


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str):  # noqa: ANN201
    # Without it Dash's catch-all route would answer an unknown API path with the HTML page.
    return jsonify(erreur="Ressource inconnue."), 404


def init_api(server: Flask, settings: Settings) -> None:
    """Registers the JSON API and the statistics exports (CSV, PDF)."""
    from dashboard import exports_stats

    server.register_blueprint(bp)
    exports_stats.init_exports(server, settings)
