"""Small look-ups on the published warehouse that are not tied to a user (demo set-up, health)."""

from __future__ import annotations

from collections.abc import Iterable

from queries import warehouse
from queries.core.scope import Scope
from queries.core.settings import Settings


def scope_exists(settings: Settings, scope: Scope) -> bool:
    """Whether the scope names establishments of the latest full snapshot, or an establishment the console knows
    only through a console export (console_exports) (an établissement, a circonscription, a département, an
    académie). WarehouseUnavailable when there is no data to check against."""
    pred, params = scope.etab_predicate("e")
    exports = warehouse.coverage(settings).exports
    also = ""
    if exports:
        also = f"""UNION ALL SELECT count(*) FROM console_exports x
                   JOIN etab_h e ON e.cov = x.cov AND e.d_from <= x.data_date AND x.data_date <= e.d_to
                   WHERE {pred}"""  # noqa: S608 - same fixed predicate
    with warehouse.connect(settings) as con:
        n = con.execute(
            f"""SELECT sum(n) FROM (
                SELECT count(*) AS n FROM etab_at('full', (SELECT max(date) FROM snapshot WHERE cov = 'full')) e
                WHERE {pred} {also})""",  # noqa: S608 - fixed column from scope.ETAB_COLUMN
            params * (2 if exports else 1),
        ).fetchone()[0]
    return bool(n)


def demo_scopes(settings: Settings) -> dict[str, str]:
    """Scopes for the demo accounts: the académie, its busiest circonscription, collège and école."""
    with warehouse.connect(settings) as con:
        s = con.execute("SELECT asof('full', DATE '9999-12-30')").fetchone()[0]
        aca = con.execute("SELECT min(academie_code) FROM etab_at('full', ?)", [s]).fetchone()[0]
        circo = con.execute(
            """SELECT e.circonscription_code FROM etab_at('full', ?) e JOIN eleve_at('full', ?) p USING (uai)
               WHERE e.degre = '1D' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""",
            [s, s],
        ).fetchone()[0]
        college = con.execute(
            """SELECT e.uai FROM etab_at('full', ?) e JOIN eleve_at('full', ?) p USING (uai)
               WHERE e.type = 'COLLEGE' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""",
            [s, s],
        ).fetchone()[0]
        ecole = con.execute(
            """SELECT e.uai FROM etab_at('full', ?) e JOIN eleve_at('full', ?) p USING (uai)
               WHERE e.degre = '1D' AND e.circonscription_code = ? GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""",
            [s, s, circo],
        ).fetchone()[0]
    return {
        "academie": f"academie:{aca}",
        "circonscription": f"circonscription:{circo}",
        "college": f"etablissement:{college}",
        "ecole": f"etablissement:{ecole}",
    }


# Level of a perimeter → the establishment columns holding its code and name (etab_h).
_NAME_COLUMNS = {
    "etablissement": ("uai", "nom"),
    "academie": ("academie_code", "academie_nom"),
    "departement": ("departement_code", "departement_nom"),
    "circonscription": ("circonscription_code", "circonscription_nom"),
}


def scope_names(settings: Settings, scopes: Iterable[str], within: Scope | None) -> dict[str, str]:
    """French names of perimeters, for the Journal's sentences: « etablissement:9740001A » → « Collège Bois de
    Nèfles », « academie:28 » → « académie de La Réunion », « classe:UAI:3A » → « classe 3A (Collège …) ».

    Only perimeters with an establishment inside `within` are named (None: any), so that a reader's Journal never
    names an establishment outside their remit; the others are left out (the caller says « établissement UAI »).
    The latest version of each establishment is used, whatever the coverage that knows it. Empty when the
    warehouse cannot answer."""
    wanted: dict[str, set[str]] = {level: set() for level in _NAME_COLUMNS}
    parsed: dict[str, Scope] = {}
    for text in set(scopes):
        try:
            sc = Scope.parse(text)
        except ValueError:
            continue
        parsed[text] = sc
        level = "etablissement" if sc.uai else sc.level.value
        if level in wanted:
            wanted[level].add(sc.code)
    if not parsed:
        return {}
    pred, params = within.etab_predicate("e") if within is not None else ("TRUE", [])
    parts, args = [], []
    for level, (code_col, name_col) in _NAME_COLUMNS.items():
        if wanted[level]:
            parts.append(f"""SELECT '{level}', e.{code_col}, arg_max(e.{name_col}, e.d_to) FROM etab_h e
                             WHERE list_contains(?, e.{code_col}) AND {pred} GROUP BY e.{code_col}""")  # noqa: S608 - fixed columns
            args += [sorted(wanted[level]), *params]
    try:
        with warehouse.connect(settings) as con:
            found = {(lv, code): name for lv, code, name in con.execute(" UNION ALL ".join(parts), args).fetchall()}
    except warehouse.WarehouseUnavailable:
        return {}
    out: dict[str, str] = {}
    for text, sc in parsed.items():
        if sc.uai:
            nom = found.get(("etablissement", sc.code))
            if nom:
                out[text] = nom if sc.sub is None else f"{'classe' if sc.level.value == 'classe' else 'MEF'} {sc.sub} ({nom})"
            continue
        nom = found.get((sc.level.value, sc.code))
        if nom:
            out[text] = {"academie": f"académie de {nom}", "departement": f"département {nom} ({sc.code})",
                         "circonscription": f"circonscription {nom}"}[sc.level.value]
    return out
