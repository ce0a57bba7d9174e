"""Console establishment filter (`uai`): narrows the principal's scope, never replaces it; URL round trip;
exports, grid requests and group actions carry it; the « Établissement » field is shown to support only.

Built on the shared `mini_warehouse` (académie 28: écoles 9740101S and 9740102T, collège 9740501B, lycée
9740601K; see tests/fixtures/mini/README.md)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from auth_kit import add_user, fast_argon2, logged_client, make_app, router_body  # noqa: F401
from mini_kit import wh_rows

from dashboard.pages.responsables.callbacks import export_token
from dashboard.pages.responsables.ids import Ids
from queries.core.formats import fmt_int
from queries.core.scope import Principal, Role, Scope
from queries.core.settings import Settings
from queries.services import console
from queries.services.console import Filters
from queries.store import audit, init_db

COLLEGE, LYCEE, ECOLE1, ECOLE2 = "9740501B", "9740601K", "9740101S", "9740102T"
SUPPORT = Principal(90, "support", Role.SUPPORT, Scope.parse("academie:28"))
CHEF_COLLEGE = Principal(91, "chef", Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))
DELEGUE_LYCEE = Principal(92, "delegue", Role.DELEGUE, Scope.parse(f"etablissement:{LYCEE}"))


@pytest.fixture
def wh(mini_warehouse: Settings) -> Settings:
    init_db(mini_warehouse)
    return mini_warehouse


def pupils_of(settings: Settings, uai: str, classe: str | None = None) -> set[str]:
    """Expected pupils (grid « Élève » labels) of one establishment, straight from the derived table."""
    sql = ("SELECT DISTINCT trim(upper(eleve_nom) || ' ' || coalesce(eleve_prenom, '')) FROM console_row "
           "WHERE uai = ? AND (? IS NULL OR classe = ?)")
    return {r[0] for r in wh_rows(settings, sql, [uai, classe, classe])}


def eleves(settings: Settings, principal: Principal, f: Filters) -> tuple[set[str], int]:
    res = console.search(settings, principal, f, limit=500)
    return {r["eleve"] for r in res.rows}, res.total


# ------------------------------------------------------------------------------------------------ Filters


def test_uai_is_validated_upper_cased_or_dropped():
    assert Filters.build(uai="9740501b").uai == COLLEGE
    assert Filters.build(uai=" 9740501B ").uai == COLLEGE
    for bad in ("974050B", "97405011B", "9740501", "ABCDEFGH", "9740501-", "' OR 1=1", "", None, 9740501,
                ["9740501B"], "9740501B' --", "９７４０５０１B"):
        assert Filters.build(uai=bad).uai is None, bad
    assert Filters.from_params({"uai": "not-a-uai", "etat": "ACTIVE"}) == Filters.build(etats=["ACTIVE"])


def test_url_round_trip_keeps_uai():
    f = Filters.from_params({"uai": COLLEGE, "classe": "6EME A", "etat": "NOTIFIE_NON_ACTIVE"})
    assert f.uai == COLLEGE and f.classes == ("6EME A",) and f.etats == ("NOTIFIE_NON_ACTIVE",)
    p = f.url_params()
    assert p["uai"] == COLLEGE
    assert Filters.from_params(p) == f
    back = {k: v[0] for k, v in parse_qs(urlencode(p)).items()}
    assert Filters.from_params(back) == f
    assert Filters.from_dict(f.as_dict()) == f  # grid context and export token
    assert f.as_dict()["uai"] == COLLEGE
    assert f"établissement {COLLEGE}" in f.describe()
    assert "uai" not in Filters.build(etats=["ACTIVE"]).url_params()


def test_statistics_relancer_link_parses_to_the_class_of_that_establishment():
    from dashboard.pages.statistiques.callbacks import console_href

    href = console_href(LYCEE, "2NDE 1")
    f = Filters.from_params({k: v[0] for k, v in parse_qs(href.split("?", 1)[1]).items()})
    assert (f.uai, f.classes, f.etats) == (LYCEE, ("2NDE 1",), ("NOTIFIE_NON_ACTIVE",))


# ------------------------------------------------------------------------------------------------ queries


def test_support_with_uai_and_classe_gets_only_that_establishment(wh):
    everything, total_all = eleves(wh, SUPPORT, Filters())
    got, total = eleves(wh, SUPPORT, Filters.build(uai=COLLEGE))
    assert got == pupils_of(wh, COLLEGE) and got and got < everything and total < total_all
    got, _ = eleves(wh, SUPPORT, Filters.build(uai=COLLEGE, classes=["6EME A"]))
    assert got == pupils_of(wh, COLLEGE, "6EME A") and got
    # the class exists in the collège only: asked in the lycée, nothing (not the collège's rows)
    assert eleves(wh, SUPPORT, Filters.build(uai=LYCEE, classes=["6EME A"])) == (set(), 0)
    assert console.count(wh, SUPPORT, Filters.build(uai=COLLEGE)) == len(console.export_rows(
        wh, SUPPORT, Filters.build(uai=COLLEGE)))
    # « tous les résultats » of a group action: the accounts of that establishment only
    ids = set(console.accounts_of_filter(wh, SUPPORT, Filters.build(uai=ECOLE1)))
    assert ids == {r[0] for r in wh_rows(wh, "SELECT DISTINCT identifiant FROM console_row WHERE uai = ?", [ECOLE1])}
    assert "j.techer" not in ids and "a.dupont" in ids


def test_same_class_name_in_two_establishments(wh, mini_snapshot):
    """The « à relancer » case: one class name in two schools of the académie; the link's uai picks one."""
    from data.ingest import ingest

    day = mini_snapshot("2026-09-15")
    p = day / "eleves.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(f"{ECOLE2};CE1;", f"{ECOLE2};CP A;"), encoding="utf-8")
    s = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(Path(wh.data_dir) / "v2"),
                           "METEOCOMPTES_WAREHOUSE": str(Path(wh.data_dir) / "wh2")})
    assert all(o.error is None for o in ingest(s, [day.parent], out=io.StringIO(), err=io.StringIO()))
    init_db(s)
    both, _ = eleves(s, SUPPORT, Filters.build(classes=["CP A"]))
    one, _ = eleves(s, SUPPORT, Filters.build(uai=ECOLE1, classes=["CP A"]))
    other, _ = eleves(s, SUPPORT, Filters.build(uai=ECOLE2, classes=["CP A"]))
    assert one == pupils_of(s, ECOLE1, "CP A") and other == pupils_of(s, ECOLE2, "CP A")
    assert one and other and not one & other and both == one | other
    assert console.classes(s, SUPPORT) == []  # académie-wide: no list…
    assert console.classes(s, SUPPORT, ECOLE2) == ["CP A"]  # …until one establishment is chosen


def test_chef_passing_another_establishments_uai_gets_zero_rows(wh):
    own, n_own = eleves(wh, CHEF_COLLEGE, Filters())
    assert own == pupils_of(wh, COLLEGE)
    assert eleves(wh, CHEF_COLLEGE, Filters.build(uai=COLLEGE)) == (own, n_own)  # its own: no-op
    for other in (LYCEE, ECOLE1, "0750001A"):
        f = Filters.build(uai=other)
        assert eleves(wh, CHEF_COLLEGE, f) == (set(), 0), other
        assert console.count(wh, CHEF_COLLEGE, f) == 0
        assert console.export_rows(wh, CHEF_COLLEGE, f) == []
        assert console.accounts_of_filter(wh, CHEF_COLLEGE, f) == []
        assert console.classes(wh, CHEF_COLLEGE, other) == []
    assert eleves(wh, DELEGUE_LYCEE, Filters.build(uai=COLLEGE)) == (set(), 0)
    # support of another académie: the uai does not widen its scope either
    other_aca = Principal(93, "s2", Role.SUPPORT, Scope.parse("academie:01"))
    assert eleves(wh, other_aca, Filters.build(uai=COLLEGE)) == (set(), 0)


def test_invalid_uai_is_ignored(wh):
    everything = eleves(wh, SUPPORT, Filters())
    for bad in ("9740501", "974O501B", "' OR 1=1 --", "x" * 500):
        assert eleves(wh, SUPPORT, Filters.build(uai=bad)) == everything, bad
    assert eleves(wh, SUPPORT, Filters.build(uai="9740501b")) == eleves(wh, SUPPORT, Filters.build(uai=COLLEGE))


def test_establishments_of_the_scope(wh):
    etabs = console.establishments(wh, SUPPORT)
    assert {u for u, _ in etabs} == {COLLEGE, LYCEE, ECOLE1, ECOLE2}
    assert all(nom for _, nom in etabs)
    assert [u for u, _ in console.establishments(wh, CHEF_COLLEGE)] == [COLLEGE]


# ------------------------------------------------------------------------------------------------ web


@pytest.fixture
def env(wh):
    app = make_app(wh)
    add_user(wh, "support.aca", "support", "academie:28")
    add_user(wh, "chef.college", "chef", f"etablissement:{COLLEGE}")
    return wh, app


def _components(node):  # noqa: ANN001, ANN202
    """Every serialised component of a Dash response, each with its parent (depth first)."""
    stack = [(node, None)]
    while stack:
        n, parent = stack.pop()
        if isinstance(n, dict):
            if "props" in n and "type" in n:
                yield n, parent
                parent = n
            stack.extend((v, parent) for v in (n["props"] if "props" in n and "type" in n else n).values())
        elif isinstance(n, list):
            stack.extend((x, parent) for x in n)


def _find(node, id_):  # noqa: ANN001, ANN202
    return next((c for c, _ in _components(node) if c["props"].get("id") == id_), None)


def _parent_of(node, id_):  # noqa: ANN001, ANN202
    return next((p for c, p in _components(node) if c["props"].get("id") == id_), None)


def _page(client, search: str):  # noqa: ANN001, ANN202
    r = client.post("/_dash-update-component", json=router_body("/responsables", search))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()["response"]


def test_support_sees_the_establishment_field_prefilled_from_the_url(env):
    settings, app = env
    c = logged_client(app, "support.aca")
    page = _page(c, "?" + urlencode({"uai": COLLEGE, "classe": "6EME A", "etat": "NOTIFIE_NON_ACTIVE"}))
    dd = _find(page, str(Ids.UAI))
    assert dd is not None and dd["props"]["value"] == COLLEGE
    labels = {o["value"]: o["label"] for o in dd["props"]["options"]}
    assert set(labels) == {COLLEGE, LYCEE, ECOLE1, ECOLE2} and labels[COLLEGE].endswith(f"({COLLEGE})")
    assert not _parent_of(page, str(Ids.UAI))["props"].get("hidden")
    classes = _find(page, str(Ids.CLASSES))["props"]
    assert classes["value"] == ["6EME A"] and {o["value"] for o in classes["options"]} == {"6EME A", "3EME B"}
    # a uai outside the académie (or malformed) is not pre-filled
    for bad in ("0750001A", "nope"):
        assert _find(_page(c, "?uai=" + bad), str(Ids.UAI))["props"]["value"] is None


def test_chef_does_not_see_the_establishment_field(env):
    settings, app = env
    c = logged_client(app, "chef.college")
    page = _page(c, f"?uai={LYCEE}")
    dd = _find(page, str(Ids.UAI))
    assert dd is not None and dd["props"]["value"] is None and dd["props"]["options"] == []
    assert _parent_of(page, str(Ids.UAI))["props"].get("hidden") is True


def _run_search(client, uai, classe=None, etat=None):  # noqa: ANN001, ANN202
    ins = [(Ids.SEARCH, "n_clicks", 1), (Ids.Q, "value", ""), (Ids.CLASSES, "value", classe or []),
           (Ids.ETATS, "value", etat or []), (Ids.ORIGINES, "value", []), (Ids.MAIL, "value", ""),
           (Ids.MOBILE, "value", ""), (Ids.UAI, "value", uai)]
    outs = [(Ids.GRID_WRAP, "children"), (Ids.COUNT, "children"), (Ids.URL, "search"), (Ids.EXPORT_CSV, "href"),
            (Ids.EXPORT_PDF, "href")]
    body = {"output": ".." + "...".join(f"{i}.{p}" for i, p in outs) + "..",
            "outputs": [{"id": str(i), "property": p} for i, p in outs],
            "inputs": [{"id": str(i), "property": p, "value": v} for i, p, v in ins],
            "state": [], "changedPropIds": [f"{Ids.UAI}.value"]}
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()["response"]


def test_search_callback_writes_uai_to_the_url_grid_context_and_export(env):
    settings, app = env
    c = logged_client(app, "support.aca")
    resp = _run_search(c, COLLEGE, ["6EME A"])
    assert parse_qs(resp[str(Ids.URL)]["search"].lstrip("?"))["uai"] == [COLLEGE]
    grid = resp[str(Ids.GRID_WRAP)]["children"]["props"]
    assert grid["dashGridOptions"]["context"]["uai"] == COLLEGE
    n, m = wh_rows(settings, "SELECT count(*), count(DISTINCT identifiant) FROM console_row WHERE uai = ? AND classe = ?",
                   [COLLEGE, "6EME A"])[0]
    assert resp[str(Ids.COUNT)]["children"][0] == f"{fmt_int(n)} ligne{'s' * (n > 1)} ({fmt_int(m)} compte{'s' * (m > 1)})"
    href = resp[str(Ids.EXPORT_CSV)]["href"]
    r = c.get(href)
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    assert {x[0] for x in rows[1:]} == pupils_of(settings, COLLEGE, "6EME A")
    entries = audit.query(settings, Principal(0, "a", Role.SUPPORT, Scope.parse("academie:28")), action="search")
    assert entries and json.dumps(entries[0].detail).count(COLLEGE)


def test_class_options_follow_the_chosen_establishment(env):
    settings, app = env

    def options(login: str, uai: str | None, selected: list[str] | None = None) -> tuple[list[str], list[str]]:
        c = logged_client(app, login)
        body = {"output": f"..{Ids.CLASSES}.options...{Ids.CLASSES}.value..",
                "outputs": [{"id": str(Ids.CLASSES), "property": "options"},
                            {"id": str(Ids.CLASSES), "property": "value"}],
                "inputs": [{"id": str(Ids.UAI), "property": "value", "value": uai}],
                "state": [{"id": str(Ids.CLASSES), "property": "value", "value": selected}],
                "changedPropIds": [f"{Ids.UAI}.value"]}
        r = c.post("/_dash-update-component", json=body)
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        out = r.get_json()["response"][str(Ids.CLASSES)]
        return [o["value"] for o in out["options"]], out["value"]

    assert options("support.aca", LYCEE) == (["2NDE 1"], [])
    assert options("support.aca", None) == ([], [])
    assert options("chef.college", LYCEE) == ([], [])  # another establishment's classes: none
    # Switching establishment keeps only the chosen classes that the new one has.
    assert options("support.aca", LYCEE, ["6EME A", "2NDE 1"]) == (["2NDE 1"], ["2NDE 1"])
    assert options("support.aca", COLLEGE, ["2NDE 1"])[1] == []


def test_export_with_the_uai_filter_contains_only_that_establishment(env):
    settings, app = env
    from queries.store import users

    c = logged_client(app, "support.aca")
    u = users.find_user(settings, "support.aca")
    with app.server.test_request_context():
        token = export_token(Principal(u.id, u.login, Role.SUPPORT, None), Filters.build(uai=ECOLE1))
    r = c.get(f"/export/responsables.csv?t={token}")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Élève"
    assert {x[0] for x in rows[1:]} == pupils_of(settings, ECOLE1)
    assert len(rows) - 1 == console.count(settings, SUPPORT, Filters.build(uai=ECOLE1))
    pdf = c.get(f"/export/responsables.pdf?t={token}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    exports = audit.query(settings, Principal(0, "a", Role.SUPPORT, Scope.parse("academie:28")), action="export")
    detail = exports[0].detail if exports else None
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert detail and detail.get("uai") == ECOLE1
    # a chef's export token carrying another establishment: an empty list, not the other school's rows
    add_user(settings, "chef.lycee", "chef", f"etablissement:{LYCEE}")
    c2 = logged_client(app, "chef.lycee")
    u2 = users.find_user(settings, "chef.lycee")
    with app.server.test_request_context():
        token2 = export_token(Principal(u2.id, u2.login, Role.CHEF, None), Filters.build(uai=COLLEGE))
    rows2 = list(csv.reader(io.StringIO(c2.get(f"/export/responsables.csv?t={token2}").data.decode("utf-8-sig")),
                            delimiter=";"))
    assert rows2[1:] == []
