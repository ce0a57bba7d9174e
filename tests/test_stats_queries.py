"""Statistics queries (queries/warehouse/stats_series.py) against the hand-computed `mini` fixture (tests/fixtures/mini/README.md).

Covers the distinct-count rule, the degree split, as-of dates, classes and MEF, the children comparison, the
funnel aggregate computed at ingestion, « à relancer », the projection, and the remit checks done in SQL.
"""

from __future__ import annotations

from datetime import date

import pytest

from queries.core.scope import AccessDenied, Level, Principal, Role, Scope
from queries.warehouse import stats_series as S

D1, D2, D3 = date(2026, 9, 1), date(2026, 9, 8), date(2026, 9, 15)
PILOTE = Principal(1, "pilote", Role.PILOTE, Scope.parse("academie:28"))
IEN = Principal(2, "ien", Role.IEN, Scope.parse("circonscription:974-SUD"))
CHEF = Principal(3, "chef", Role.CHEF, Scope.parse("etablissement:9740501B"))
ADMIN = Principal(4, "admin", Role.ADMIN, None)


def totals(settings, principal, scope: str, degre: str = "ALL") -> dict[date, int]:
    r = S.rate_series(S.evolution(settings, principal, Scope.parse(scope), degre))
    return dict(zip(r["date"], r["comptes"].astype(int), strict=True))


def states(settings, principal, scope: str, day: date, degre: str = "ALL") -> tuple[int, ...]:
    e = S.by_state(S.evolution(settings, principal, Scope.parse(scope), degre, day, day))
    return tuple(int(v) for v in e.loc[day])


@pytest.mark.parametrize(
    ("scope", "degre", "expected"),
    [
        ("academie:28", "ALL", {D1: 14, D2: 15, D3: 14}),
        ("academie:28", "1D", {D1: 7, D2: 8, D3: 7}),
        ("academie:28", "2D", {D1: 8, D2: 8, D3: 8}),
        ("departement:974", "ALL", {D1: 14, D2: 15, D3: 14}),
        ("circonscription:974-SUD", "ALL", {D1: 7, D2: 8, D3: 7}),
        ("etablissement:9740102T", "ALL", {D1: 2, D2: 3, D3: 2}),
        ("etablissement:9740501B", "ALL", {D1: 5, D2: 5, D3: 5}),
        ("classe:9740501B:6EME A", "ALL", {D1: 3, D2: 3, D3: 3}),
        ("classe:9740501B:3EME B", "ALL", {D1: 2, D2: 2, D3: 2}),
        ("mef:9740501B:10010012110", "ALL", {D1: 3, D2: 3, D3: 3}),
        ("mef:9740501B:10115001110", "ALL", {D1: 1, D2: 1, D3: 1}),
    ],
)
def test_series_totals_match_the_hand_computed_fixture(mini_warehouse, scope, degre, expected):
    assert totals(mini_warehouse, PILOTE, scope, degre) == expected


def test_distinct_count_rule_and_degree_split(mini_warehouse):
    s = mini_warehouse
    aca = totals(s, PILOTE, "academie:28")[D1]
    etabs = sum(totals(s, PILOTE, f"etablissement:{u}")[D1] for u in ("9740101S", "9740102T", "9740501B", "9740601K"))
    assert (aca, etabs) == (14, 16)  # a.dupont and j.techer count once in the académie
    d1, d2 = totals(s, PILOTE, "academie:28", "1D")[D1], totals(s, PILOTE, "academie:28", "2D")[D1]
    assert d1 + d2 == 15 > aca  # a.dupont has a child in each degree


def test_states_and_as_of_dates(mini_warehouse):
    s = mini_warehouse
    # (NON_NOTIFIE, NOTIFIE_NON_ACTIVE, EN_COURS_ACTIVATION, ACTIVE, DESACTIVE)
    assert states(s, PILOTE, "academie:28", D1) == (3, 2, 1, 7, 1)
    assert states(s, PILOTE, "academie:28", D2) == (3, 1, 1, 9, 1)  # e.payet activated, o.hoarau arrived
    assert states(s, PILOTE, "academie:28", D3) == (3, 1, 1, 8, 1)  # o.hoarau's pupil left
    assert states(s, PILOTE, "academie:28", D3, "1D") == (2, 0, 1, 4, 0)
    assert states(s, PILOTE, "etablissement:9740501B", D1) == (1, 0, 0, 3, 1)
    assert states(s, PILOTE, "mef:9740501B:10115001110", D1) == (1, 0, 0, 0, 0)
    # A day between two snapshots is answered by the previous one.
    assert S.asof(mini_warehouse, date(2026, 9, 10)) == D2
    with pytest.raises(S.NoData):
        S.asof(mini_warehouse, date(2026, 8, 1))


def test_range_filter(mini_warehouse):
    df = S.evolution(mini_warehouse, PILOTE, Scope.parse("academie:28"), "ALL", D2, D2)
    assert set(df["date"]) == {D2}


def test_kpis(mini_warehouse):
    k = S.kpis(mini_warehouse, PILOTE, Scope.parse("academie:28"))
    assert (k["date"], k["comptes"], k["actives"]) == (D3, 14, 8)
    assert k["taux"] == pytest.approx(8 / 14)
    assert (k["date_7j"], k["delta_comptes_7j"], k["delta_actives_7j"]) == (D2, -1, -1)
    assert k["delta_taux_7j"] == pytest.approx(8 / 14 - 9 / 15)
    assert (k["date_rentree"], k["delta_comptes_rentree"], k["delta_actives_rentree"]) == (D1, 0, 1)
    assert k["delta_taux_rentree"] == pytest.approx(8 / 14 - 7 / 14)


def _children(settings, principal, scope, degre="ALL", par="classe", day=D1):
    ch = S.children(settings, principal, Scope.parse(scope), degre, day, par)
    return {(r.code, r.sub): (int(r.comptes), int(r.actives)) for r in ch.itertuples()}, ch


def test_children_per_level(mini_warehouse):
    s = mini_warehouse
    assert _children(s, PILOTE, "academie:28")[0] == {("974", ""): (14, 7)}
    assert _children(s, PILOTE, "academie:28", "1D")[0] == {("974-SUD", ""): (7, 3)}  # e.payet not yet active
    two_d, ch = _children(s, PILOTE, "academie:28", "2D")
    assert set(two_d) == {("9740501B", ""), ("9740601K", "")}
    assert two_d[("9740501B", "")] == (5, 3)
    assert ch["taux"].is_monotonic_increasing  # lowest activation rate first
    dep, _ = _children(s, PILOTE, "departement:974")
    assert set(dep) == {("974-SUD", ""), ("9740501B", ""), ("9740601K", "")}
    circo, _ = _children(s, IEN, "circonscription:974-SUD")
    assert set(circo) == {("9740101S", ""), ("9740102T", "")}
    classes, _ = _children(s, CHEF, "etablissement:9740501B")
    assert classes == {("9740501B", "6EME A"): (3, 2), ("9740501B", "3EME B"): (2, 1)}
    mefs, ch = _children(s, CHEF, "etablissement:9740501B", par="mef")
    assert mefs[("9740501B", "10115001110")] == (1, 0)
    assert mefs[("9740501B", "10010012110")] == (3, 2)
    assert "3EME PREPA-METIERS" in set(ch["label"])
    assert _children(s, CHEF, "classe:9740501B:6EME A")[0] == {}


def test_academie_median_of_classes(mini_warehouse):
    # Class rates on 09-01: CP A 3/5, CE1 0/2, 6EME A 2/3, 3EME B 1/2, 2NDE 1 3/4 → median 3/5.
    m = S.academie_median(mini_warehouse, CHEF, Level.CLASSE, "28", D1)
    assert m == pytest.approx(3 / 5)


def test_children_series_for_the_heatmap(mini_warehouse):
    cs = S.children_series(mini_warehouse, CHEF, Scope.parse("etablissement:9740501B"))
    assert len(cs) == 6  # 2 classes × 3 weeks
    row = cs[(cs["sub"] == "6EME A") & (cs["date"] == D3)].iloc[0]
    assert (int(row["comptes"]), int(row["actives"])) == (3, 2)


def test_a_relancer(mini_warehouse):
    s = mini_warehouse
    d1 = S.a_relancer(s, PILOTE, Scope.parse("academie:28"), D1)
    assert {(r.uai, r.classe, int(r.notifies_non_actives)) for r in d1.itertuples()} == {
        ("9740101S", "CP A", 1), ("9740601K", "2NDE 1", 1)}
    d3 = S.a_relancer(s, PILOTE, Scope.parse("academie:28"), D3)
    assert [(r.uai, r.classe) for r in d3.itertuples()] == [("9740601K", "2NDE 1")]  # e.payet activated
    assert S.a_relancer(s, CHEF, Scope.parse("etablissement:9740501B"), D3).empty


def test_funnel_from_the_ingestion_aggregate(mini_warehouse):
    s = mini_warehouse
    aca = Scope.parse("academie:28")
    weeks = S.funnel_weeks(s, PILOTE, aca, "ALL", D3)
    assert weeks == [date(2026, 8, 24), date(2026, 6, 22)]
    f = S.funnel(s, PILOTE, aca, date(2026, 8, 24), "ALL", D3).set_index("kind")
    # e.payet (activated 6 days after), g.grondin, n.boyer notified on 28/08.
    assert tuple(int(x) for x in f.loc["total", ["notifies", "actives_7j", "actives_30j"]]) == (3, 1, 1)
    f1 = S.funnel(s, PILOTE, aca, date(2026, 8, 24), "ALL", D1).set_index("kind")
    assert int(f1.loc["total", "actives_7j"]) == 0  # as of 01/09, e.payet was not yet activated
    fc = S.funnel(s, CHEF, Scope.parse("etablissement:9740501B"), date(2026, 6, 22), "ALL", D3)
    by = {r.sub: (r.notifies, r.actives_7j, r.actives_30j) for r in fc.itertuples()}
    assert by["6EME A"] == (1, 0, 1)  # a.dupont: notified 26/06, activated 06/07 (10 days)
    assert by["3EME B"] == (1, 1, 1)  # j.techer: 4 days
    assert by[""] == (2, 1, 2)  # the establishment's own row
    assert S.default_week(weeks, D3) == date(2026, 6, 22)  # the latest week with a complete 30-day window
    counts = S.funnel_week_counts(s, PILOTE, aca, "ALL", D3)
    assert counts == [(date(2026, 8, 24), 3), (date(2026, 6, 22), 2)]
    # A lone re-notification is skipped for the default: the last real wave with a complete window is shown.
    assert S.default_week([(date(2026, 10, 5), 1), (date(2026, 9, 28), 2), (date(2026, 9, 7), 40)],
                          date(2026, 12, 1)) == date(2026, 9, 7)


def test_projection_is_bounded_and_labelled():
    import pandas as pd

    days = [date(2026, 9, 1 + 7 * i) for i in range(4)]
    series = pd.DataFrame({"date": days, "taux": [0.2, 0.3, 0.4, 0.5]})
    p = S.projection(series, date(2026, 10, 20))
    assert p.ok and "Projection" in p.message
    assert 0.5 < p.rate < 1 and p.low < p.rate < p.high <= 1
    assert p.curve[0][0] == days[-1] and p.curve[-1][0] == date(2026, 10, 20)
    assert not S.projection(series.head(2), date(2026, 10, 20)).ok
    assert not S.projection(series, days[-1]).ok


@pytest.mark.parametrize(
    ("principal", "scope"),
    [
        (IEN, "academie:28"),
        (IEN, "etablissement:9740501B"),  # a 2D establishment is not in a circonscription
        (CHEF, "etablissement:9740601K"),
        (CHEF, "circonscription:974-SUD"),
        (CHEF, "classe:9740101S:CP A"),
        (ADMIN, "academie:28"),
    ],
)
def test_out_of_remit_is_refused_everywhere(mini_warehouse, principal, scope):
    sc = Scope.parse(scope)
    s = mini_warehouse
    calls = [
        lambda: S.check_scope(s, principal, sc),
        lambda: S.evolution(s, principal, sc),
        lambda: S.kpis(s, principal, sc),
        lambda: S.children(s, principal, sc),
        lambda: S.children_series(s, principal, sc),
        lambda: S.a_relancer(s, principal, sc),
        lambda: S.funnel_weeks(s, principal, sc),
    ]
    with pytest.raises(AccessDenied):
        calls[0]()
    for call in calls[1:]:  # refused up front, or filtered out by the SQL guard: never a row
        try:
            out = call()
        except AccessDenied:
            continue
        assert len(out) == 0 if not isinstance(out, dict) else out["comptes"] == 0


def test_sql_guard_filters_even_without_the_python_check(mini_warehouse, monkeypatch):
    """The EXISTS clause on the principal's scope is in the SQL itself: bypassing the depth check returns nothing."""
    monkeypatch.setattr(S, "_allowed_depth", lambda principal, scope: None)
    df = S.evolution(mini_warehouse, CHEF, Scope.parse("etablissement:9740601K"))
    assert df.empty
    assert S.a_relancer(mini_warehouse, CHEF, Scope.parse("etablissement:9740601K"), D1).empty


def test_unknown_scopes(mini_warehouse):
    # Unknown scopes are refused as those outside the remit are (no existence oracle)...
    for scope in ("etablissement:9749999Z", "circonscription:974-NORD", "academie:99"):
        with pytest.raises(AccessDenied, match="est inconnu ou ne fait pas partie du vôtre"):
            S.check_scope(mini_warehouse, PILOTE, Scope.parse(scope))
    # ...while an unknown class or MEF of an establishment inside the remit is just not found.
    for scope in ("classe:9740501B:5EME Z", "mef:9740501B:999"):
        with pytest.raises(S.ScopeNotFound):
            S.check_scope(mini_warehouse, PILOTE, Scope.parse(scope))


def test_breadcrumb_chain_starts_at_the_principal_scope(mini_warehouse):
    s = mini_warehouse
    chain = S.check_scope(s, PILOTE, Scope.parse("etablissement:9740101S")).chain
    assert [c.scope.level for c in chain] == [Level.ACADEMIE, Level.DEPARTEMENT, Level.CIRCONSCRIPTION,
                                              Level.ETABLISSEMENT]
    chain = S.check_scope(s, IEN, Scope.parse("etablissement:9740101S")).chain
    assert [str(c.scope) for c in chain] == ["circonscription:974-SUD", "etablissement:9740101S"]
    info = S.check_scope(s, CHEF, Scope.parse("mef:9740501B:10115001110"))
    assert info.label == "MEF 3EME PREPA-METIERS" and info.etab_degre == "2D"


def test_establishment_known_only_through_a_console_export(settings, tmp_path):
    """Coverage 'uai:<UAI>' (the console's export, issue 2): the statistics answer from it for its head."""
    from ingest_kit import GUIDE_ROWS, export_file
    from ingest_kit import run_export as run

    oc, _, _ = run(settings, export_file(tmp_path, GUIDE_ROWS), uai="9740001H")
    assert oc.error is None
    chef = Principal(9, "chef", Role.CHEF, Scope.parse("etablissement:9740001H"))
    scope = Scope.parse("etablissement:9740001H")
    assert S.cov_of(settings, scope) == "uai:9740001H"
    info = S.check_scope(settings, chef, scope)
    assert info.cov == "uai:9740001H" and info.chain[-1].scope == scope
    r = S.rate_series(S.evolution(settings, chef, scope))
    assert (int(r["comptes"].iloc[-1]), int(r["actives"].iloc[-1])) == (6, 1)
    classes = {row.sub: int(row.comptes) for row in S.children(settings, chef, scope).itertuples()}
    assert classes == {"3EME J": 2, "5EME A": 3, "6EME D": 2, "4EME A": 1}
    assert S.a_relancer(settings, chef, scope).iloc[0]["notifies_non_actives"] == 1
    with pytest.raises(AccessDenied):  # another head never sees it
        S.check_scope(settings, CHEF, scope)
