"""The view of « Statistiques »: what the URL's query string asks for, validated.

The whole view (scope, date, degree, date range, children grouping, funnel week, projection target) lives in
the URL query string, so a pilot can e-mail the exact view and back/forward work. `parse_view` validates it
(leniently for the page, strictly for callbacks and the API); the scope's remit is checked later, in SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from queries.core.scope import AccessDenied, Level, Principal, Scope, ScopeError
from queries.warehouse import stats_series

PATH = "/statistiques"
PARAM_ORDER = ("scope", "date", "degre", "from", "to", "par", "semaine", "cible")
DATE_PARAMS = {"date": "date", "from": "d_from", "to": "d_to", "semaine": "semaine", "cible": "cible"}  # → View field


class ViewError(ValueError):
    """A view parameter that cannot be honoured (message in French)."""


@dataclass(frozen=True)
class View:
    scope: Scope
    date: date | None = None
    degre: str = "ALL"
    d_from: date | None = None
    d_to: date | None = None
    par: str = "classe"
    semaine: date | None = None
    cible: date | None = None

    def params(self) -> dict[str, str]:
        """Canonical URL parameters: only what differs from the defaults, in PARAM_ORDER."""
        p = {name: d.isoformat() for name, field in DATE_PARAMS.items() if (d := getattr(self, field))}
        p |= {"scope": str(self.scope), "degre": self.degre, "par": self.par}
        defaults = {"degre": View.degre, "par": View.par}  # the dataclass's defaults
        return {k: p[k] for k in PARAM_ORDER if k in p and p[k] != defaults.get(k)}

    def query(self) -> str:
        return "?" + urlencode(self.params(), safe=":")

    def href(self, **changes: object) -> str:
        return PATH + replace(self, **changes).query()  # type: ignore[arg-type]


def _date(name: str, value: str) -> date:
    try:
        d = date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise ViewError(f"Paramètre « {name} » ignoré : « {value[:30]} » n'est pas une date AAAA-MM-JJ.") from None
    if not date(2000, 1, 1) <= d <= date(2100, 12, 31):
        raise ViewError(f"Paramètre « {name} » ignoré : date hors limites.")
    return d


def parse_view(principal: Principal, params: Mapping[str, str], strict: bool = False) -> tuple[View, list[str]]:
    """View from URL parameters. Lenient (default): invalid parameters are dropped and reported in French;
    strict (callbacks, API): the first invalid one raises ViewError. Scope remit is checked later, in SQL."""
    messages: list[str] = []

    def bad(msg: str) -> None:
        if strict:
            raise ViewError(msg)
        messages.append(msg)

    if principal.scope is None:
        raise AccessDenied("aucun périmètre")
    scope = principal.scope
    raw = params.get("scope")
    if raw:
        try:
            scope = Scope.parse(raw)
        except ScopeError as exc:
            bad(f"Périmètre ignoré : {exc}")
    fields: dict[str, object] = {}
    for name, key in DATE_PARAMS.items():
        if params.get(name):
            try:
                fields[key] = _date(name, params[name])
            except ViewError as exc:
                bad(str(exc))
    degre = (params.get("degre") or "ALL").upper()
    if degre not in stats_series.DEGRES:
        bad(f"Degré « {degre[:10]} » ignoré (attendu : 1D ou 2D).")
        degre = "ALL"
    elif degre != "ALL" and scope.level not in (Level.ACADEMIE, Level.DEPARTEMENT):
        bad("Le degré ne s'applique qu'à l'académie et au département : ignoré.")
        degre = "ALL"
    par = params.get("par") or "classe"
    if par not in ("classe", "mef"):
        bad(f"Regroupement « {par[:10]} » ignoré (attendu : classe ou mef).")
        par = "classe"
    if fields.get("d_from") and fields.get("d_to") and fields["d_from"] > fields["d_to"]:  # type: ignore[operator]
        bad("Période ignorée : la date de début est postérieure à la date de fin.")
        fields.pop("d_from")
        fields.pop("d_to")
    unknown = sorted(set(params) - set(PARAM_ORDER))
    if unknown:
        bad("Paramètre(s) inconnu(s) ignoré(s) : " + ", ".join(u[:20] for u in unknown[:5]) + ".")
    return View(scope=scope, degre=degre, par=par, **fields), messages  # type: ignore[arg-type]
