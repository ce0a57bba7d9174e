"""Small look-ups on the published warehouse that are not tied to a user (demo set-up, health)."""

from __future__ import annotations

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
