"""Statistics beyond the synthesis table: series, KPIs, children comparison, heatmap, funnel, « à relancer ».

Every function takes the principal and answers only inside its scope: `check_scope` refuses scopes outside
the remit (AccessDenied) and every SQL statement repeats the principal's predicate on the establishment
dimension, so a forgotten pre-check still returns nothing. All answers come from aggregates computed at
ingestion (`agg_synthese`, `agg_funnel`) filtered on their leading columns; none touches the raw history.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from queries import warehouse
from queries.core import authz, vocab
from queries.core.authz import Action
from queries.core.journal_text import default_place
from queries.core.scope import ETAB_COLUMN, AccessDenied, Level, Principal, Scope
from queries.core.settings import Settings

COV = "full"
DEGRES = ("ALL", *vocab.DEGRES)
DEPTH = {
    Level.ACADEMIE: 0,
    Level.DEPARTEMENT: 1,
    Level.CIRCONSCRIPTION: 2,
    Level.ETABLISSEMENT: 3,
    Level.CLASSE: 4,
    Level.MEF: 4,
}


class ScopeNotFound(LookupError):
    """The scope parses but names nothing in the warehouse (message in French)."""


class NoData(LookupError):
    """No ingested date at or before the requested one (message in French)."""


@dataclass(frozen=True)
class Crumb:
    scope: Scope
    label: str


@dataclass(frozen=True)
class ScopeInfo:
    """A scope the principal may see, with its names (for titles and the breadcrumb)."""

    scope: Scope
    label: str
    chain: tuple[Crumb, ...]  # from the principal's own scope down to this one (included)
    degre_applicable: bool  # académie and département can be split by degree
    etab_degre: str | None  # '1D'/'2D' for an establishment, class or MEF
    academie: str
    cov: str = COV  # coverage answering the scope ('uai:<UAI>' for console exports)

    @property
    def export_label(self) -> str:
        """The label with its establishment for a class or MEF (« Classe 3A — Collège X (9740001A) »): an export
        has no breadcrumb to say where the class is."""
        if self.scope.sub is None or len(self.chain) < 2:
            return self.label
        return f"{self.label} — {self.chain[-2].label}"


@dataclass(frozen=True)
class ChildSpec:
    level: Level
    kind: str  # French noun for titles
    filter_degre: str | None = None  # restrict establishments to a degree
    agg_degre: str = "ALL"


@dataclass
class Projection:
    ok: bool
    message: str
    target: date | None = None
    rate: float | None = None
    low: float | None = None
    high: float | None = None
    curve: list[tuple[date, float, float, float]] = field(default_factory=list)  # (day, rate, low, high)


# --------------------------------------------------------------------------------------------------- scope


def _pred(alias: str, level: Level) -> str:
    # Column names come from the fixed ETAB_COLUMN map, never from input.
    return f"{alias}.{ETAB_COLUMN[level]} = ?"


def principal_pred(principal: Principal, alias: str = "e") -> tuple[str, list[str]]:
    """SQL predicate restricting the establishment dimension to the principal's remit."""
    if not authz.allowed(principal, Action.STATS) or principal.scope is None:
        raise AccessDenied("Aucun périmètre statistique pour ce compte.")
    return _pred(alias, principal.scope.level), [principal.scope.code]


def resolve_cov(con: Any, scope: Scope, x: date | None = None) -> str:
    """The coverage answering a scope: 'full', or 'uai:<UAI>' for an establishment known only through console
    exports — the one resolver (statistics, series, API, exports). With `x`, as of that date (the synthesis of one
    date: an establishment a full snapshot lists at X is answered from it); without, over the whole timeline (a
    series: any full snapshot listing it wins)."""
    if scope.uai is None:
        return COV
    own = f"uai:{scope.uai}"
    if x is None:
        in_full, in_own = con.execute(
            "SELECT (SELECT count(*) FROM etab_h WHERE cov = ? AND uai = ?), (SELECT count(*) FROM snapshot WHERE cov = ?)",
            [COV, scope.uai, own],
        ).fetchone()
    else:
        in_full, in_own = con.execute(
            "SELECT (SELECT count(*) FROM etab_at(?, asof(?, ?)) WHERE uai = ?), "
            "(SELECT count(*) FROM snapshot WHERE cov = ? AND date <= ?)",
            [COV, COV, x, scope.uai, own, x],
        ).fetchone()
    return own if not in_full and in_own else COV


def cov_of(settings: Settings, scope: Scope) -> str:
    """resolve_cov over the whole timeline, on its own connection."""
    with warehouse.connect(settings) as con:
        return resolve_cov(con, scope)


NOT_VISIBLE = "Le périmètre {scope} est inconnu ou ne fait pas partie du vôtre."


def require_visible(settings: Settings, principal: Principal, scope: Scope) -> None:
    """AccessDenied unless the scope names establishments of the principal's remit (at any ingested date).

    No existence oracle: an unknown scope and an existing one outside the remit get the same exception, message
    and audit (the central 403 handler), after the same single query — call it before anything that depends on
    the scope's existence (coverage, dates, names). A class or MEF unknown inside the remit is decided later
    (ScopeNotFound): the remit is the principal's own.
    """
    _allowed_depth(principal, scope)
    ppred, pargs = principal_pred(principal)
    spred, sargs = scope.etab_predicate("e")
    own = f"uai:{scope.uai}" if scope.uai else COV
    with warehouse.connect(settings) as con:
        n = con.execute(
            f"SELECT count(*) FROM etab_h e WHERE e.cov IN (?, ?) AND {spred} AND {ppred}",  # noqa: S608 - fixed columns
            [COV, own, *sargs, *pargs],
        ).fetchone()[0]
    if not n:
        raise AccessDenied(NOT_VISIBLE.format(scope=scope))


def dates(settings: Settings, cov: str = COV) -> list[date]:
    """Ingested dates of a coverage, oldest first."""
    with warehouse.connect(settings) as con:
        rows = con.execute("SELECT date FROM snapshot WHERE cov = ? ORDER BY date", [cov]).fetchall()
    return [r[0] for r in rows]


def asof(settings: Settings, day: date | None, cov: str = COV) -> date:
    """The ingested date serving `day` (the latest when None). NoData when there is none."""
    with warehouse.connect(settings) as con:
        if day is None:
            row = con.execute("SELECT max(date) FROM snapshot WHERE cov = ?", [cov]).fetchone()
        else:
            row = con.execute("SELECT asof(?, ?)", [cov, day]).fetchone()
    if row is None or row[0] is None:
        if day is None:
            raise NoData("L'entrepôt ne contient encore aucune donnée.")
        raise NoData(f"Aucune donnée au {day:%d/%m/%Y} ou avant.")
    return row[0]


def _allowed_depth(principal: Principal, scope: Scope) -> None:
    if principal.scope is None or not authz.allowed(principal, Action.STATS):
        raise AccessDenied("Aucun périmètre statistique pour ce compte.")
    if DEPTH[scope.level] < DEPTH[principal.scope.level]:
        raise AccessDenied(f"Le périmètre {scope} dépasse le vôtre ({principal.scope}).")
    if DEPTH[scope.level] == DEPTH[principal.scope.level] and scope.level is not principal.scope.level:
        raise AccessDenied(f"Le périmètre {scope} ne fait pas partie du vôtre ({principal.scope}).")


def check_scope(settings: Settings, principal: Principal, scope: Scope, day: date | None = None) -> ScopeInfo:
    """Names of `scope` if the principal may see it. AccessDenied when it is unknown or outside the remit (the
    same answer: require_visible); ScopeNotFound when, inside the remit, it has no row at that date or names an
    unknown class or MEF of the principal's own establishments."""
    require_visible(settings, principal, scope)
    cov = cov_of(settings, scope)
    s = asof(settings, day, cov)
    ppred, pargs = principal_pred(principal)
    spred, sargs = scope.etab_predicate("e")
    with warehouse.connect(settings) as con:
        row = con.execute(
            f"""SELECT any_value(e.academie_code), any_value(e.academie_nom),
                       any_value(e.departement_code), any_value(e.departement_nom),
                       any_value(e.circonscription_code), any_value(e.circonscription_nom),
                       any_value(e.nom), any_value(e.degre), any_value(e.type), count(*)
                FROM etab_at(?, ?) e WHERE {spred} AND {ppred}""",  # noqa: S608 - fixed column names
            [cov, s, *sargs, *pargs],
        ).fetchone()
        if row is None or row[9] == 0:
            raise ScopeNotFound(f"Aucune donnée pour le périmètre {default_place(str(scope))} au {s:%d/%m/%Y}.")
        aca, aca_nom, dep, dep_nom, circo, circo_nom, etab_nom, etab_degre, etab_type, _ = row
        mef_libelle = None
        if scope.level in (Level.CLASSE, Level.MEF):
            col = "classe" if scope.level is Level.CLASSE else "mef_code"
            hit = con.execute(
                f"""SELECT any_value(mef_libelle), count(*) FROM eleve_h
                    WHERE cov = ? AND uai = ? AND {col} = ?""",  # noqa: S608 - fixed column name
                [cov, scope.code, scope.sub],
            ).fetchone()
            if not hit or not hit[1]:
                what = "Classe" if scope.level is Level.CLASSE else "MEF"
                raise ScopeNotFound(f"{what} « {scope.sub} » inconnu(e) dans l'établissement {scope.code}.")
            mef_libelle = hit[0]
    chain: list[Crumb] = [Crumb(Scope(Level.ACADEMIE, aca), f"Académie de {aca_nom or aca}")] if aca else []
    if scope.level is not Level.ACADEMIE and dep:
        chain.append(Crumb(Scope(Level.DEPARTEMENT, dep), f"{dep_nom or 'Département'} ({dep})"))
    on_1d_path = scope.level is Level.CIRCONSCRIPTION or (
        DEPTH[scope.level] >= 3 and etab_degre == "1D" and circo
    )
    if on_1d_path and scope.level is not Level.DEPARTEMENT:
        chain.append(Crumb(Scope(Level.CIRCONSCRIPTION, circo), f"Circonscription {circo_nom or circo}"))
    if DEPTH[scope.level] >= 3:
        chain.append(Crumb(Scope(Level.ETABLISSEMENT, scope.code), f"{etab_nom or scope.code} ({scope.code})"))
    if scope.level is Level.CLASSE:
        chain.append(Crumb(scope, f"Classe {scope.sub}"))
    elif scope.level is Level.MEF:
        chain.append(Crumb(scope, f"MEF {mef_libelle or scope.sub}"))
    own = principal.scope
    assert own is not None
    start = next((i for i, c in enumerate(chain) if c.scope.level is own.level), 0)
    chain = chain[start:]
    return ScopeInfo(
        scope=scope,
        label=chain[-1].label,
        chain=tuple(chain),
        degre_applicable=scope.level in (Level.ACADEMIE, Level.DEPARTEMENT),
        etab_degre=etab_degre if DEPTH[scope.level] >= 3 else None,
        academie=aca or "",
        cov=cov,
    )


def _key(scope: Scope, degre: str) -> tuple[str, str, str, str]:
    """(level, code, sub, degre) of agg_synthese for a scope."""
    d = degre if scope.level in (Level.ACADEMIE, Level.DEPARTEMENT) else "ALL"
    return scope.level.value, scope.code, scope.sub or "", d


def _guard(principal: Principal, scope: Scope, cov: str, s: date) -> tuple[str, list]:
    """EXISTS clause repeating, in SQL, that `scope` lies inside the principal's remit at ingested date `s`."""
    _allowed_depth(principal, scope)
    ppred, pargs = principal_pred(principal, "g")
    spred, sargs = scope.etab_predicate("g")
    return (
        f"EXISTS (SELECT 1 FROM etab_at(?, ?) g WHERE {spred} AND {ppred})",  # noqa: S608
        [cov, s, *sargs, *pargs],
    )


@dataclass(frozen=True)
class Guarded:
    """What every guarded aggregate read needs: coverage, ingested date, the remit guard and the aggregate's key."""

    cov: str
    s: date
    guard: str
    gargs: list
    key: tuple[str, str, str, str]


def _guarded(settings: Settings, principal: Principal, scope: Scope, degre: str, day: date | None) -> Guarded:
    cov = cov_of(settings, scope)
    s = asof(settings, day, cov)
    guard, gargs = _guard(principal, scope, cov, s)
    return Guarded(cov, s, guard, gargs, _key(scope, degre))


# --------------------------------------------------------------------------------------------------- series


def evolution(
    settings: Settings, principal: Principal, scope: Scope, degre: str = "ALL",
    d_from: date | None = None, d_to: date | None = None,
) -> pd.DataFrame:
    """Long table (date, origine, etat, n) of distinct accounts of the scope at each ingested date in range."""
    g = _guarded(settings, principal, scope, degre, d_to)
    cov, s, guard, gargs, (level, code, sub, d) = g.cov, g.s, g.guard, g.gargs, g.key
    with warehouse.connect(settings) as con:
        df = con.execute(
            f"""SELECT a.date, a.origine, a.etat, a.n FROM agg_synthese a
                WHERE a.cov = ? AND a.level = ? AND a.code = ? AND a.sub = ? AND a.degre = ?
                  AND a.date BETWEEN ? AND ? AND {guard}
                ORDER BY a.date""",  # noqa: S608 - guard built from fixed fragments
            [cov, level, code, sub, d, d_from or date(1900, 1, 1), s, *gargs],
        ).df()
    df["date"] = pd.to_datetime(df["date"]).dt.date
    return df


def by_origin(df: pd.DataFrame) -> pd.DataFrame:
    """Wide: one row per date, one column per origin (in docs/DOMAINE.md order)."""
    w = df.pivot_table(index="date", columns="origine", values="n", aggfunc="sum", fill_value=0)
    return w.reindex(columns=list(vocab.ORIGINES), fill_value=0).astype("int64")


def by_state(df: pd.DataFrame) -> pd.DataFrame:
    w = df.pivot_table(index="date", columns="etat", values="n", aggfunc="sum", fill_value=0)
    return w.reindex(columns=list(vocab.ETATS), fill_value=0).astype("int64")


def rate_series(df: pd.DataFrame) -> pd.DataFrame:
    """(date, comptes, actives, taux) per date."""
    if df.empty:
        return pd.DataFrame({"date": [], "comptes": [], "actives": [], "taux": []})
    g = df.assign(act=df["n"].where(df["etat"] == "ACTIVE", 0)).groupby("date", as_index=False)
    out = g.agg(comptes=("n", "sum"), actives=("act", "sum"))
    out["taux"] = out["actives"] / out["comptes"].where(out["comptes"] > 0)
    return out


def rentree(d: date) -> date:
    """Start of the school year containing `d` (15 August: schools notify from the last days of August)."""
    year = d.year if d >= date(d.year, 8, 15) else d.year - 1
    return date(year, 8, 15)


def kpis(settings: Settings, principal: Principal, scope: Scope, degre: str = "ALL", day: date | None = None) -> dict:
    """Accounts, activated, rate at the date; their change over 7 days and since the rentrée."""
    cov = cov_of(settings, scope)
    s = asof(settings, day, cov)
    with warehouse.connect(settings) as con:
        s7 = con.execute("SELECT asof(?, ?)", [cov, s - timedelta(days=7)]).fetchone()[0]
        s0 = con.execute(
            "SELECT min(date) FROM snapshot WHERE cov = ? AND date >= ? AND date <= ?", [cov, rentree(s), s]
        ).fetchone()[0]
    df = evolution(settings, principal, scope, degre, min(x for x in (s7, s0, s) if x is not None), s)
    r = rate_series(df).set_index("date")

    def at(x: date | None) -> tuple[int, int, float | None]:
        if x is None or x not in r.index:
            return 0, 0, None
        row = r.loc[x]
        return int(row["comptes"]), int(row["actives"]), (None if pd.isna(row["taux"]) else float(row["taux"]))

    comptes, actives, taux = at(s)
    out = {"date": s, "comptes": comptes, "actives": actives, "taux": taux, "date_7j": s7, "date_rentree": s0}
    for tag, x in (("7j", s7), ("rentree", s0)):
        c, a, t = at(x)
        ok = x is not None and x != s and x in r.index
        out[f"delta_comptes_{tag}"] = comptes - c if ok else None
        out[f"delta_actives_{tag}"] = actives - a if ok else None
        out[f"delta_taux_{tag}"] = (taux - t) if ok and taux is not None and t is not None else None
    return out


# --------------------------------------------------------------------------------------------------- children


def child_spec(scope: Scope, degre: str = "ALL", par: str = "classe") -> list[ChildSpec]:
    """Which children a scope is compared across (académie → département → circonscription → école;
    académie/département 2D → établissements; établissement → classes or MEF)."""
    lv = scope.level
    if lv is Level.ACADEMIE:
        if degre == "1D":
            return [ChildSpec(Level.CIRCONSCRIPTION, "circonscription")]
        if degre == "2D":
            return [ChildSpec(Level.ETABLISSEMENT, "établissement", filter_degre="2D")]
        return [ChildSpec(Level.DEPARTEMENT, "département")]
    if lv is Level.DEPARTEMENT:
        specs = []
        if degre in ("ALL", "1D"):
            specs.append(ChildSpec(Level.CIRCONSCRIPTION, "circonscription"))
        if degre in ("ALL", "2D"):
            specs.append(ChildSpec(Level.ETABLISSEMENT, "établissement", filter_degre="2D"))
        return specs
    if lv is Level.CIRCONSCRIPTION:
        return [ChildSpec(Level.ETABLISSEMENT, "école", filter_degre="1D")]
    if lv is Level.ETABLISSEMENT:
        return [ChildSpec(Level.MEF, "MEF")] if par == "mef" else [ChildSpec(Level.CLASSE, "classe")]
    return []


def _children_sql(scope: Scope, spec: ChildSpec, principal: Principal, s: date, cov: str) -> tuple[str, list]:
    """Child members (level, code, sub, label) inside scope ∩ remit at ingested date `s`."""
    spred, sargs = scope.etab_predicate("e")
    ppred, pargs = principal_pred(principal, "e")
    deg = "AND e.degre = ?" if spec.filter_degre else ""
    dargs = [spec.filter_degre] if spec.filter_degre else []
    lv = spec.level
    if lv is Level.DEPARTEMENT:
        sel = "SELECT DISTINCT 'departement' AS level, e.departement_code AS code, '' AS sub, e.departement_nom AS label"
        src = "FROM etab_at(?, ?) e"
    elif lv is Level.CIRCONSCRIPTION:
        sel = ("SELECT DISTINCT 'circonscription' AS level, e.circonscription_code AS code, '' AS sub, "
               "e.circonscription_nom AS label")
        src = "FROM etab_at(?, ?) e"
        deg = "AND coalesce(e.circonscription_code, '') <> ''"
        dargs = []
    elif lv is Level.ETABLISSEMENT:
        sel = "SELECT 'etablissement' AS level, e.uai AS code, '' AS sub, e.nom AS label"
        src = "FROM etab_at(?, ?) e"
    else:
        col = "classe" if lv is Level.CLASSE else "mef_code"
        lab = "p.classe" if lv is Level.CLASSE else "any_value(p.mef_libelle)"
        sel = f"SELECT '{lv.value}' AS level, e.uai AS code, p.{col} AS sub, {lab} AS label"
        src = "FROM etab_at(?, ?) e JOIN eleve_at(?, ?) p ON p.uai = e.uai"
        tail = f"WHERE {spred} AND {ppred} AND coalesce(p.{col}, '') <> '' GROUP BY e.uai, p.{col}"
        if lv is Level.CLASSE:
            tail += ", p.classe"
        return f"{sel} {src} {tail}", [cov, s, cov, s, *sargs, *pargs]  # noqa: S608
    return f"{sel} {src} WHERE {spred} AND {ppred} {deg}", [cov, s, *sargs, *pargs, *dargs]  # noqa: S608


ChildQuery = Callable[[str, list, str, date, str], tuple[str, list]]


def _per_child_level(
    settings: Settings, principal: Principal, scope: Scope, degre: str, par: str, day: date | None, query: ChildQuery,
) -> list[pd.DataFrame]:
    """One frame per level of children of `scope` (child_spec), each from `query(members_sql, members_args,
    aggregate_degre, s, cov)`, with the frame's `kind`."""
    cov = cov_of(settings, scope)
    s = asof(settings, day, cov)
    _allowed_depth(principal, scope)
    frames = []
    with warehouse.connect(settings) as con:
        for spec in child_spec(scope, degre, par):
            members, margs = _children_sql(scope, spec, principal, s, cov)
            sql, args = query(members, margs, degre if spec.level is Level.DEPARTEMENT else "ALL", s, cov)
            df = con.execute(sql, args).df()
            df["kind"] = spec.kind
            frames.append(df)
    return frames


def children(
    settings: Settings, principal: Principal, scope: Scope, degre: str = "ALL", day: date | None = None,
    par: str = "classe",
) -> pd.DataFrame:
    """One row per child: level, code, sub, label, comptes, actives, notifies_non_actives, taux (NaN if no account)."""

    def query(members: str, margs: list, agg_deg: str, s: date, cov: str) -> tuple[str, list]:
        return (
            f"""WITH m AS ({members})
                SELECT m.level, m.code, m.sub, m.label,
                       coalesce(sum(a.n), 0)::BIGINT AS comptes,
                       coalesce(sum(a.n) FILTER (WHERE a.etat = 'ACTIVE'), 0)::BIGINT AS actives,
                       coalesce(sum(a.n) FILTER (WHERE a.etat = 'NOTIFIE_NON_ACTIVE'), 0)::BIGINT AS notifies_non_actives,
                       coalesce(sum(a.n) FILTER (WHERE a.etat = 'NON_NOTIFIE'), 0)::BIGINT AS non_notifies
                FROM m LEFT JOIN agg_synthese a
                  ON a.cov = ? AND a.date = ? AND a.level = m.level AND a.code = m.code AND a.sub = m.sub
                 AND a.degre = ?
                GROUP BY ALL""",  # noqa: S608 - fragments from fixed maps
            [*margs, cov, s, agg_deg],
        )

    frames = _per_child_level(settings, principal, scope, degre, par, day, query)
    if not frames:
        return pd.DataFrame(columns=["level", "code", "sub", "label", "comptes", "actives",
                                     "notifies_non_actives", "non_notifies", "kind", "taux"])
    out = pd.concat(frames, ignore_index=True)
    out["taux"] = out["actives"] / out["comptes"].where(out["comptes"] > 0)
    out["label"] = out["label"].fillna(out["code"])
    return out.sort_values(["taux", "label"], na_position="first", kind="stable").reset_index(drop=True)


def academie_median(
    settings: Settings, principal: Principal, level: Level, academie: str, day: date | None = None,
    filter_degre: str | None = None, degre: str = "ALL",
) -> float | None:
    """Median activation rate of every scope of `level` in the académie (an aggregate: no personal data)."""
    s = asof(settings, day)
    if principal.scope is None or not authz.allowed(principal, Action.STATS):
        raise AccessDenied("Aucun périmètre statistique pour ce compte.")
    code_col = {
        Level.DEPARTEMENT: "e.departement_code",
        Level.CIRCONSCRIPTION: "e.circonscription_code",
    }.get(level, "e.uai")
    deg = "AND e.degre = ?" if filter_degre else ""
    with warehouse.connect(settings) as con:
        row = con.execute(
            f"""WITH codes AS (SELECT DISTINCT {code_col} AS code FROM etab_at(?, ?) e
                               WHERE e.academie_code = ? {deg}),
                     r AS (SELECT a.code, a.sub, sum(a.n) FILTER (WHERE a.etat = 'ACTIVE') / sum(a.n) AS t
                           FROM agg_synthese a JOIN codes USING (code)
                           WHERE a.cov = ? AND a.date = ? AND a.level = ? AND a.degre = ?
                           GROUP BY a.code, a.sub HAVING sum(a.n) > 0)
                SELECT median(coalesce(t, 0)) FROM r""",  # noqa: S608 - fixed fragments
            [COV, s, academie, *([filter_degre] if filter_degre else []), COV, s, level.value,
             degre if level is Level.DEPARTEMENT else "ALL"],
        ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def children_series(
    settings: Settings, principal: Principal, scope: Scope, degre: str = "ALL",
    d_from: date | None = None, d_to: date | None = None, par: str = "classe",
) -> pd.DataFrame:
    """Activation rate of each child at the last ingested date of each week (for the heatmap child × week)."""

    def query(members: str, margs: list, agg_deg: str, s: date, cov: str) -> tuple[str, list]:
        return (
            f"""WITH m AS ({members}),
                wk AS (SELECT max(date) AS date FROM snapshot WHERE cov = ? AND date BETWEEN ? AND ?
                       GROUP BY date_trunc('week', date))
                SELECT m.code, m.sub, m.label, a.date,
                       sum(a.n)::BIGINT AS comptes, coalesce(sum(a.n) FILTER (WHERE a.etat = 'ACTIVE'), 0)::BIGINT AS actives
                FROM m JOIN agg_synthese a
                  ON a.cov = ? AND a.level = m.level AND a.code = m.code AND a.sub = m.sub AND a.degre = ?
                JOIN wk ON wk.date = a.date
                GROUP BY ALL ORDER BY a.date""",  # noqa: S608 - fixed fragments
            [*margs, cov, d_from or date(1900, 1, 1), s, cov, agg_deg],
        )

    frames = _per_child_level(settings, principal, scope, degre, par, d_to, query)
    if not frames:
        return pd.DataFrame(columns=["code", "sub", "label", "date", "comptes", "actives", "taux"])
    out = pd.concat(frames, ignore_index=True).drop(columns="kind")
    out["date"] = pd.to_datetime(out["date"]).dt.date
    out["taux"] = out["actives"] / out["comptes"].where(out["comptes"] > 0)
    out["label"] = out["label"].fillna(out["code"])
    return out


# --------------------------------------------------------------------------------------------------- à relancer


def a_relancer(
    settings: Settings, principal: Principal, scope: Scope, day: date | None = None, limit: int = 15
) -> pd.DataFrame:
    """Classes of the scope with the most notified-but-not-activated accounts (uai, etab, classe, n, comptes)."""
    cov = cov_of(settings, scope)
    s = asof(settings, day, cov)
    guard, gargs = _guard(principal, scope, cov, s)
    spred, sargs = scope.etab_predicate("e")
    ppred, pargs = principal_pred(principal, "e")
    cls = "AND a.sub = ?" if scope.level is Level.CLASSE else ""
    cargs = [scope.sub] if scope.level is Level.CLASSE else []
    if scope.level is Level.MEF:  # the classes holding pupils of that MEF
        cls = ("AND a.sub IN (SELECT DISTINCT classe FROM eleve_at(?, ?) WHERE uai = ? AND mef_code = ?)")
        cargs = [cov, s, scope.code, scope.sub]
    with warehouse.connect(settings) as con:
        df = con.execute(
            f"""SELECT a.code AS uai, any_value(e.nom) AS etablissement, a.sub AS classe,
                       coalesce(sum(a.n) FILTER (WHERE a.etat = 'NOTIFIE_NON_ACTIVE'), 0)::BIGINT AS notifies_non_actives,
                       sum(a.n)::BIGINT AS comptes
                FROM agg_synthese a JOIN etab_at(?, ?) e ON e.uai = a.code
                WHERE a.cov = ? AND a.date = ? AND a.level = 'classe' AND a.degre = 'ALL'
                  AND {spred} AND {ppred} {cls} AND {guard}
                GROUP BY a.code, a.sub
                HAVING coalesce(sum(a.n) FILTER (WHERE a.etat = 'NOTIFIE_NON_ACTIVE'), 0) > 0
                ORDER BY notifies_non_actives DESC, uai, classe
                LIMIT ?""",  # noqa: S608 - fixed fragments
            [cov, s, cov, s, *sargs, *pargs, *cargs, *gargs, int(limit)],
        ).df()
    return df


# --------------------------------------------------------------------------------------------------- funnel


def funnel_week_counts(settings: Settings, principal: Principal, scope: Scope, degre: str = "ALL",
                       day: date | None = None) -> list[tuple[date, int]]:
    """(week Monday, accounts notified that week) for weeks with notifications in the scope, most recent first."""
    g = _guarded(settings, principal, scope, degre, day)
    cov, s, guard, gargs, (level, code, sub, d) = g.cov, g.s, g.guard, g.gargs, g.key
    with warehouse.connect(settings) as con:
        rows = con.execute(
            f"""SELECT semaine, notifies FROM agg_funnel
                WHERE cov = ? AND date = ? AND level = ? AND code = ? AND sub = ? AND degre = ? AND notifies > 0
                  AND {guard}
                ORDER BY semaine DESC""",  # noqa: S608
            [cov, s, level, code, sub, d, *gargs],
        ).fetchall()
    return [(r[0], int(r[1])) for r in rows]


def funnel_weeks(settings: Settings, principal: Principal, scope: Scope, degre: str = "ALL",
                 day: date | None = None) -> list[date]:
    """Weeks (Mondays) with at least one notification in the scope, most recent first."""
    return [w for w, _ in funnel_week_counts(settings, principal, scope, degre, day)]


def default_week(weeks: list[date] | list[tuple[date, int]], s: date) -> date | None:
    """The most recent week whose 30-day window is complete and that saw a real notification wave (at least a
    quarter of the busiest complete week: a lone re-notification says little), else the most recent week."""
    counted = [(w, 1) if isinstance(w, date) else w for w in weeks]
    complete = [(w, n) for w, n in counted if w + timedelta(days=6 + 30) <= s]
    if complete:
        top = max(n for _, n in complete)
        return next(w for w, n in complete if n >= max(1, top / 4))
    return counted[0][0] if counted else None


def funnel(
    settings: Settings, principal: Principal, scope: Scope, semaine: date, degre: str = "ALL",
    day: date | None = None, par: str = "classe",
) -> pd.DataFrame:
    """Per child (classes of an establishment…) and for the scope itself (first row, kind 'total'):
    accounts notified in the week, activated within 7 and 30 days."""
    g = _guarded(settings, principal, scope, degre, day)
    cov, s, guard, gargs, (level, code, sub, d) = g.cov, g.s, g.guard, g.gargs, g.key
    with warehouse.connect(settings) as con:
        total = con.execute(
            f"""SELECT level, code, sub, 'Ensemble du périmètre' AS label, notifies, actives_7j, actives_30j
                FROM agg_funnel WHERE cov = ? AND date = ? AND level = ? AND code = ? AND sub = ? AND degre = ?
                  AND semaine = ? AND {guard}""",  # noqa: S608
            [cov, s, level, code, sub, d, semaine, *gargs],
        ).df()
    total["kind"] = "total"
    frames = [total]
    for spec in child_spec(scope, degre, par):
        members, margs = _children_sql(scope, spec, principal, s, cov)
        agg_deg = degre if spec.level is Level.DEPARTEMENT else "ALL"
        with warehouse.connect(settings) as con:
            df = con.execute(
                f"""WITH m AS ({members})
                    SELECT m.level, m.code, m.sub, m.label, f.notifies, f.actives_7j, f.actives_30j
                    FROM m JOIN agg_funnel f
                      ON f.cov = ? AND f.date = ? AND f.level = m.level AND f.code = m.code AND f.sub = m.sub
                     AND f.degre = ? AND f.semaine = ?
                    ORDER BY f.notifies DESC, m.label""",  # noqa: S608
                [*margs, cov, s, agg_deg, semaine],
            ).df()
        df["kind"] = spec.kind
        frames.append(df)
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True) if any(
        not f.empty for f in frames) else total
    for col in ("notifies", "actives_7j", "actives_30j"):
        out[col] = out[col].astype("int64")
    n = out["notifies"].where(out["notifies"] > 0)
    out["taux_7j"] = out["actives_7j"] / n
    out["taux_30j"] = out["actives_30j"] / n
    out["label"] = out["label"].fillna(out["code"])
    return out


# --------------------------------------------------------------------------------------------------- projection

# Student t quantiles (two-sided 95 %) by degrees of freedom; beyond 30 the normal value.
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042}


def _t95(df: int) -> float:
    if df > 30:
        return 1.96
    keys = sorted(k for k in _T95 if k >= df)
    return _T95[keys[0]]


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def projection(series: pd.DataFrame, target: date, window: int = 8) -> Projection:
    """Activation rate projected to `target` by a straight line on the logit of the last `window` points.

    A logistic trend saturates below 100 %, as adoption does; the 95 % prediction interval comes from the
    residuals of the fit (Student t), so it widens with distance and with an irregular curve.
    """
    pts = [(d, float(t)) for d, t in zip(series["date"], series["taux"], strict=True) if pd.notna(t)]
    pts = pts[-window:]
    if len(pts) < 3:
        return Projection(False, "Pas assez de dates (3 au moins) pour projeter la tendance.")
    last = pts[-1][0]
    if target <= last:
        return Projection(False, "La date cible doit être postérieure à la dernière donnée.")
    x = [(d - last).days for d, _ in pts]
    y = [_logit(t) for _, t in pts]
    n = len(x)
    xm, ym = sum(x) / n, sum(y) / n
    sxx = sum((a - xm) ** 2 for a in x)
    if sxx == 0:
        return Projection(False, "Dates identiques : projection impossible.")
    b = sum((a - xm) * (c - ym) for a, c in zip(x, y, strict=True)) / sxx
    a0 = ym - b * xm
    resid = [c - (a0 + b * a) for a, c in zip(x, y, strict=True)]
    s = math.sqrt(sum(r * r for r in resid) / (n - 2)) if n > 2 else 0.0
    s = max(s, 0.02)  # a perfectly straight synthetic curve would otherwise claim certainty
    t = _t95(n - 2)
    curve = []
    horizon = (target - last).days
    step = max(1, horizon // 20)
    for k in list(range(0, horizon, step)) + [horizon]:
        se = s * math.sqrt(1 + 1 / n + (k - xm) ** 2 / sxx)
        mid = a0 + b * k
        curve.append((last + timedelta(days=k), _expit(mid), _expit(mid - t * se), _expit(mid + t * se)))
    _, rate, low, high = curve[-1]
    return Projection(True, "Projection de tendance (modèle logistique), non une prévision certaine.",
                      target, rate, low, high, curve)
