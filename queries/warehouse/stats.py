"""Statistics queries on the warehouse. Every function takes the principal (None: trusted CLI use) and checks the
requested scope against the principal's scope in SQL, on the establishment dimension at the data date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime

from queries.core import authz
from queries.core.authz import Action, Caller
from queries.core.formats import fmt_update
from queries.core.scope import AccessDenied, Level, Principal, Scope
from queries.core.settings import Settings
from queries.core.vocab import ETATS, ORIGINES, TOTAL
from queries.warehouse import connect
from queries.warehouse.stats_series import resolve_cov

FAR_FUTURE = Date(9999, 12, 31)


class StatsError(ValueError):
    """A request that cannot be answered (unknown scope, no data at that date…); message in French."""


# ------------------------------------------------------------------------------------------------- synthese
@dataclass(frozen=True)
class Synthese:
    """The synthesis table: one row per origin (ORIGINES order, zeros included), then TOTAL."""

    scope: Scope
    data_date: Date  # the ingested date used (as-of the requested date)
    ingested_at: datetime
    rows: list[dict[str, object]] = field(default_factory=list)
    degre: str | None = None
    cov: str = "full"

    @property
    def total(self) -> dict[str, object]:
        return self.rows[-1]

    def derniere_mise_a_jour(self) -> str:
        return fmt_update(self.data_date, self.ingested_at)


def _scope_filter(scope: Scope) -> tuple[str, str, str]:
    """(agg level, code, sub) of agg_synthese for a scope."""
    return scope.level.value, scope.code, scope.sub or ""




def synthese(
    settings: Settings,
    principal: Caller,
    scope: Scope,
    date: Date | None = None,
    degre: str | None = None,
) -> Synthese:
    if degre is not None:
        degre = degre.upper()
        if degre not in ("1D", "2D"):
            raise StatsError(f"Degré « {degre} » invalide (attendu : 1D ou 2D).")
        if scope.level not in (Level.ACADEMIE, Level.DEPARTEMENT):
            raise StatsError("Le degré ne s'applique qu'aux périmètres académie et département.")
    authz.require(principal, Action.STATS)
    bound = principal if isinstance(principal, Principal) else None  # SYSTEM (the command line) reads anywhere
    x = date or FAR_FUTURE
    with connect(settings) as con:
        cov = resolve_cov(con, scope, x)
        row = con.execute(
            "SELECT date, ingested_at FROM snapshot WHERE cov = $cov AND date = asof($cov, $x)", {"cov": cov, "x": x}
        ).fetchone()
        if row is None:
            if date is None:
                raise StatsError("L'entrepôt ne contient encore aucune donnée.")
            raise StatsError(f"Aucune donnée au {date:%d/%m/%Y} ou avant")
        s, ingested_at = row

        # Existence of the scope and access, in SQL on the establishment dimension at s.
        target_pred, target_params = scope.etab_predicate("e")
        if bound is not None:
            assert bound.scope is not None
            own_pred, own_params = bound.scope.etab_predicate("e")
        else:
            own_pred, own_params = "TRUE", []
        sub_sql, sub_params = "TRUE", []
        if scope.level in (Level.CLASSE, Level.MEF):
            col = "classe" if scope.level is Level.CLASSE else "mef_code"
            sub_sql = f"EXISTS (SELECT 1 FROM eleve_at(?, ?) el WHERE el.uai = e.uai AND el.{col} = ?)"  # noqa: S608
            sub_params = [cov, s, scope.sub]
        # A principal limited to one class or MEF sees only that one.
        same_sub = (
            bound is None or bound.scope is None or bound.scope.sub is None
            or (bound.scope.level == scope.level and bound.scope.sub == scope.sub)
        )
        n_target, n_outside = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE NOT coalesce(({own_pred}), false) OR NOT ?) "  # noqa: S608 — fixed predicates
            f"FROM etab_at(?, ?) e WHERE {target_pred} AND {sub_sql}",
            [*own_params, same_sub, cov, s, *target_params, *sub_params],
        ).fetchone()  # type: ignore[misc]
        if bound is not None and (n_target == 0 or n_outside):
            # Unknown or outside the remit: one answer (no existence oracle), as stats_series.require_visible.
            raise AccessDenied(f"Le périmètre {scope} est inconnu ou ne fait pas partie du vôtre.")
        if n_target == 0:
            raise StatsError(f"Périmètre inconnu : {scope}")

        level, code, sub = _scope_filter(scope)
        data = con.execute(
            "SELECT origine, etat, n FROM agg_synthese WHERE cov = ? AND date = ? AND level = ? AND code = ? "
            "AND sub = ? AND degre = ?",
            [cov, s, level, code, sub, degre or "ALL"],
        ).fetchall()

    counts: dict[str, dict[str, int]] = {o: dict.fromkeys(ETATS, 0) for o in ORIGINES}
    for origine, etat, n in data:
        if origine in counts and etat in ETATS:
            counts[origine][etat] += int(n)
    rows: list[dict[str, object]] = []
    for o in ORIGINES:
        rows.append({"origine": o, "comptes": sum(counts[o].values()), **counts[o]})
    total: dict[str, object] = {"origine": TOTAL, "comptes": sum(int(r["comptes"]) for r in rows)}  # type: ignore[call-overload]
    for e in ETATS:
        total[e] = sum(counts[o][e] for o in ORIGINES)
    rows.append(total)
    return Synthese(scope=scope, data_date=s, ingested_at=ingested_at, rows=rows, degre=degre, cov=cov)
