"""Statistics page, JSON API and exports through the Flask test client with a logged-in session (mini fixture).

URL round trip (params → view → params), the layout and every section callback as the browser calls them,
forged callbacks for another scope, the API's 4xx JSON errors, CSV parsed back and PDF text extracted.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from auth_kit import add_user, logged_client, make_app, router_body, text
from services import require_service

from dashboard.pages.statistiques.callbacks import SECTIONS
from dashboard.pages.statistiques.ids import LAZY, Ids
from dashboard.pages.statistiques.view import View, ViewError, parse_view
from queries.core.scope import Principal, Role, Scope

PILOTE = Principal(1, "pilote", Role.PILOTE, Scope.parse("academie:28"))
CHEF_UAI = "9740501B"


# ------------------------------------------------------------------------------------------------ URL


@pytest.mark.parametrize(
    "params",
    [
        {"scope": "academie:28"},
        {"scope": "academie:28", "degre": "1D"},
        {"scope": "etablissement:9740001A", "date": "2026-10-01", "from": "2026-09-01", "to": "2026-10-01"},
        {"scope": "classe:9740501B:3EME B", "date": "2026-09-08"},
        {"scope": "etablissement:9740501B", "par": "mef", "semaine": "2026-08-24", "cible": "2026-12-18"},
        {"scope": "mef:9740501B:10115001110"},
    ],
)
def test_url_round_trip(params):
    view, messages = parse_view(PILOTE, params)
    assert messages == []
    assert view.params() == params
    from urllib.parse import parse_qsl

    again, _ = parse_view(PILOTE, dict(parse_qsl(view.query().lstrip("?"))))
    assert again == view


def test_default_view_is_the_principal_scope():
    view, _ = parse_view(Principal(3, "c", Role.CHEF, Scope.parse(f"etablissement:{CHEF_UAI}")), {})
    assert view == View(scope=Scope.parse(f"etablissement:{CHEF_UAI}"))
    assert view.query() == f"?scope=etablissement:{CHEF_UAI}"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"date": "2026-13-45"}, "n'est pas une date"),
        ({"scope": "planete:3"}, "Niveau de périmètre inconnu"),
        ({"degre": "3D"}, "Degré"),
        ({"scope": "etablissement:9740501B", "degre": "1D"}, "ne s'applique qu'à l'académie"),
        ({"from": "2026-10-01", "to": "2026-09-01"}, "postérieure"),
        ({"par": "eleve"}, "Regroupement"),
        ({"x": "1"}, "inconnu"),
    ],
)
def test_invalid_params_are_ignored_with_a_french_message_or_refused_when_strict(params, fragment):
    view, messages = parse_view(PILOTE, params)
    assert any(fragment in m for m in messages), messages
    assert view.scope == PILOTE.scope or view.scope.level.value == "etablissement"
    with pytest.raises(ViewError):
        parse_view(PILOTE, params, strict=True)


# ------------------------------------------------------------------------------------------------ app


@pytest.fixture
def web(mini_warehouse):
    s = mini_warehouse
    app = make_app(s)
    add_user(s, "pilote.test", "pilote", "academie:28")
    add_user(s, "ien.test", "ien", "circonscription:974-SUD")
    add_user(s, "chef.test", "chef", f"etablissement:{CHEF_UAI}")
    return s, app


def section_body(out_id: str, view: dict, seen: int | None = 1) -> dict:
    """A section's callback; a section rendered on demand also gets its « seen » store (1: in view)."""
    inputs = [{"id": str(Ids.VIEW), "property": "data", "value": view}]
    if out_id in LAZY:
        inputs.append({"id": str(LAZY[out_id]), "property": "data", "value": seen})
    return {
        "output": f"{out_id}.children",
        "outputs": {"id": str(out_id), "property": "children"},
        "inputs": inputs,
        "changedPropIds": [f"{Ids.VIEW}.data"],
        "state": [],
    }


def component(tree: object, cid: str) -> dict:
    """The component of id `cid` in a callback's JSON answer (the router's page, say)."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == cid:
            return tree
        children = tree.values()
    elif isinstance(tree, list):
        children = tree
    else:
        raise KeyError(cid)
    for child in children:
        try:
            return component(child, cid)
        except KeyError:
            pass
    raise KeyError(cid)


def post(client, body):  # noqa: ANN001, ANN201
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def test_layout_through_the_router(web):
    s, app = web
    c = logged_client(app, "pilote.test")
    r = post(c, router_body("/statistiques", "?scope=etablissement:9740501B&date=2026-09-08"))
    assert r.status_code == 200
    body = text(r)
    assert "Collège Hégésippe Hoarau" in body and "données du 08/09/2026" in body
    assert '"data": {"scope": "etablissement:9740501B", "date": "2026-09-08"}' in body  # the view store
    assert "/statistiques?scope=academie:28" in body  # breadcrumb back to the académie
    # Invalid parameters: ignored, with a message.
    body = text(post(c, router_body("/statistiques", "?date=demain&degre=5D")))
    assert "n'est pas une date" in body and "Degré" in body


def test_own_scope_unknown_to_the_data_is_told_in_words(web):
    s, app = web
    add_user(s, "chef.parti", "chef", "etablissement:9749999Z")
    body = text(post(logged_client(app, "chef.parti"), router_body("/statistiques")))
    assert "établissement 9749999Z" in body and "etablissement:" not in body, body[:600]


def test_layout_refuses_out_of_remit_and_audits(web):
    import sqlalchemy as sa

    from queries.store import audit, engine

    s, app = web
    c = logged_client(app, "chef.test")
    body = text(post(c, router_body("/statistiques", "?scope=etablissement:9740601K")))
    assert "Accès refusé" in body
    # The scope asked for, in words, and not named (its name would tell that it exists).
    assert "(établissement 9740601K)" in body and "etablissement:" not in body and "Roussin" not in body
    body = text(post(c, router_body("/statistiques", "?scope=academie:28")))
    assert "Accès refusé" in body
    with engine(s).connect() as con:
        rows = con.execute(sa.select(audit.audit_log).where(audit.audit_log.c.action == "forbidden")).fetchall()
    assert len(rows) >= 2


def test_every_section_callback_answers_for_the_pilot(web):
    s, app = web
    c = logged_client(app, "pilote.test")
    view = {"scope": "academie:28", "date": "2026-09-01"}
    # The KPIs and the synthesis come with the page itself (sections.first_sections), the rest by callback.
    page = text(post(c, router_body("/statistiques", "?scope=academie:28&date=2026-09-01")))
    assert "Comptes responsables" in page and "Dernière mise à jour le " in page
    expected = {
        Ids.EVOLUTION: "Comptes par origine",
        Ids.PROJECTION: "Pas assez de dates",  # one date only up to 01/09
        Ids.CHILDREN: "La Réunion",
        Ids.HEATMAP: "Taux d'activation par semaine",
        Ids.FUNNEL: "Semaine du",
        Ids.RELANCE: "CP A",
    }
    for out_id, fragment in expected.items():
        r = post(c, section_body(out_id, view))
        assert r.status_code == 200, (out_id, r.get_data(as_text=True)[:300])
        assert fragment in text(r), (out_id, text(r)[:500])


def test_synthesis_numbers_on_screen(web):
    s, app = web
    c = logged_client(app, "pilote.test")
    body = json.loads(post(c, router_body("/statistiques", "?scope=academie:28&date=2026-09-01")).get_data())
    syn = json.dumps(component(body, Ids.SYNTHESE), ensure_ascii=False)
    # Total row of the README: 14 = 3 / 2 / 1 / 7 / 1, and 7/14 activated.
    assert '"Total"' in syn and "Taux d'activation : 50,0" in syn
    # The section's heading and the table's caption do not say the same thing twice in a row.
    page = json.dumps(body, ensure_ascii=False)
    assert page.count("Synthèse des comptes responsables") == 1
    assert '"Comptes par origine et par état — Académie de La Réunion au 01/09/2026"' in syn
    body = json.loads(post(c, router_body("/statistiques", "?scope=academie:28")).get_data())
    kpis = json.dumps(component(body, Ids.KPIS), ensure_ascii=False)
    assert '"14"' in kpis and '"8"' in kpis and "57,1" in kpis


def test_relance_links_into_the_console_only_for_console_roles(web):
    s, app = web
    chef = logged_client(app, "chef.test")
    pil = logged_client(app, "pilote.test")
    view = {"scope": "academie:28", "date": "2026-09-01"}
    assert "etat=NOTIFIE_NON_ACTIVE" not in text(post(pil, section_body(Ids.RELANCE, view)))
    body = text(post(pil, section_body(Ids.RELANCE, view)))
    assert "réservée" in body
    # The chef sees his own establishment's classes (none to chase in the fixture) and never another's.
    assert post(chef, section_body(Ids.RELANCE, {"scope": "etablissement:9740601K"})).status_code == 403
    from dashboard.pages.statistiques.callbacks import console_href

    assert console_href("9740601K", "2NDE 1") == "/responsables?uai=9740601K&classe=2NDE+1&etat=NOTIFIE_NON_ACTIVE"


# Every section the page registers (a new one is covered without editing this list); not list(Ids), whose
# form controls have no `children` callback: their cases asserted nothing.
@pytest.mark.parametrize("out_id", list(SECTIONS))
def test_forged_callbacks_for_another_scope_are_refused(web, out_id):
    s, app = web
    c = logged_client(app, "ien.test")
    own = post(c, section_body(out_id, {"scope": "circonscription:974-SUD", "date": "2026-09-01"}))
    assert own.status_code == 200, (out_id, own.get_data(as_text=True)[:300])  # the callback exists and answers
    for scope in ("academie:28", f"etablissement:{CHEF_UAI}", "classe:9740601K:2NDE 1"):
        r = post(c, section_body(out_id, {"scope": scope}))
        assert r.status_code == 403, (out_id, scope, r.status_code)
        assert "9740601K" not in text(r) and "Collège" not in text(r)


def form_body(app, values: dict, view: dict, changed: Ids = Ids.APPLY) -> dict:  # noqa: ANN001
    """The form's callback: the button and the five controls are inputs (a change applies at once), the view's
    store is its state; `changed` is the control the user touched."""
    key = next(k for k in app.callback_map if k.startswith("shell-url.search@") and
               any(i["id"] == str(Ids.APPLY) for i in app.callback_map[k]["inputs"]))
    controls = {Ids.DATE: None, Ids.FROM: None, Ids.TO: None, Ids.DEGRE: "ALL", Ids.PAR: "classe", **values}
    prop = "n_clicks" if changed == Ids.APPLY else "value"
    return {
        "output": key,
        "outputs": {"id": "shell-url", "property": key.split(".", 1)[1]},
        "inputs": [{"id": str(Ids.APPLY), "property": "n_clicks", "value": 1 if changed == Ids.APPLY else None}]
        + [{"id": str(i), "property": "value", "value": v} for i, v in controls.items()],
        "state": [{"id": str(Ids.VIEW), "property": "data", "value": view}],
        "changedPropIds": [f"{changed}.{prop}"],
    }


def search_of(r) -> str:  # noqa: ANN001
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return next(iter(json.loads(r.get_data(as_text=True))["response"]["shell-url"].values()))


def test_form_writes_the_view_into_the_url(web):
    s, app = web
    c = logged_client(app, "pilote.test")
    values = {Ids.DATE: "2026-09-08", Ids.FROM: "2026-09-01", Ids.TO: "2026-09-08", Ids.DEGRE: "2D"}
    view = {"scope": "academie:28"}
    expected = "?scope=academie:28&date=2026-09-08&degre=2D&from=2026-09-01&to=2026-09-08"
    assert search_of(post(c, form_body(app, values, view))) == expected
    # A control applies on change, without the button: « 2nd degré » chosen → the URL follows.
    assert search_of(post(c, form_body(app, {Ids.DEGRE: "2D"}, view, changed=Ids.DEGRE))) == (
        "?scope=academie:28&degre=2D")
    # A control that reports the view's own value (re-rendered) navigates nowhere.
    r = post(c, form_body(app, {Ids.DEGRE: "2D"}, {**view, "degre": "2D"}, changed=Ids.DEGRE))
    assert r.status_code == 200 and json.loads(r.get_data(as_text=True))["response"] == {}


def test_the_period_follows_the_data_date(web):
    s, app = web
    c = logged_client(app, "pilote.test")
    view = {"scope": "academie:28", "date": "2026-09-15", "from": "2026-09-01", "to": "2026-09-15"}
    old = {Ids.DATE: "2026-09-15", Ids.FROM: "2026-09-01", Ids.TO: "2026-09-15"}
    # An older data date: the period's end moves with it, its start stays.
    r = post(c, form_body(app, {**old, Ids.DATE: "2026-09-08"}, view, changed=Ids.DATE))
    assert search_of(r) == "?scope=academie:28&date=2026-09-08&from=2026-09-01"
    # A date before the period's start: the period goes back to its default (rentrée → date).
    r = post(c, form_body(app, {Ids.DATE: "2026-09-01", Ids.FROM: "2026-09-08", Ids.TO: "2026-09-15"},
                          {**view, "from": "2026-09-08"}, changed=Ids.DATE))
    assert search_of(r) == "?scope=academie:28&date=2026-09-01"
    # Back to the latest date (the default, out of the URL): the period's end is the latest date again.
    r = post(c, form_body(app, {**old, Ids.DATE: "2026-09-15", Ids.TO: "2026-09-08"},
                          {"scope": "academie:28", "to": "2026-09-08"}, changed=Ids.DATE))
    assert search_of(r) == "?scope=academie:28&from=2026-09-01"
    # Changing only the period's end keeps the date.
    r = post(c, form_body(app, {**old, Ids.TO: "2026-09-08"}, view, changed=Ids.TO))
    assert search_of(r) == "?scope=academie:28&date=2026-09-15&from=2026-09-01&to=2026-09-08"
    # And the page built for the new view shows the period ending at the new date.
    r = post(c, router_body("/statistiques", "?scope=academie:28&date=2026-09-08&from=2026-09-01"))
    page = text(r)
    assert "Du 01/09/2026 au 08/09/2026." in page


@pytest.mark.parametrize(("field", "button", "value"), [(Ids.CIBLE, Ids.CIBLE_APPLY, "2026-12-18"),
                                                        (Ids.SEMAINE, Ids.SEMAINE_APPLY, "2026-08-24")])
def test_a_section_chooser_writes_its_choice_into_the_url(web, field, button, value):
    """The projection's target and the funnel's week: their button adds the choice to the view's URL."""
    s, app = web
    c = logged_client(app, "pilote.test")
    key = next(k for k in app.callback_map if k.startswith("shell-url.search@") and
               [i["id"] for i in app.callback_map[k]["inputs"]] == [str(button)])
    body = {
        "output": key,
        "outputs": {"id": "shell-url", "property": key.split(".", 1)[1]},
        "inputs": [{"id": str(button), "property": "n_clicks", "value": 1}],
        "state": [{"id": str(field), "property": "value", "value": value},
                  {"id": str(Ids.VIEW), "property": "data", "value": {"scope": "academie:28"}}],
        "changedPropIds": [f"{button}.n_clicks"],
    }
    param = "cible" if field == Ids.CIBLE else "semaine"
    assert search_of(post(c, body)) == f"?scope=academie:28&{param}={value}"


def test_last_update_of_an_older_date_is_its_own(web):
    """« Dernière mise à jour » names the shown date's own ingestion (day and time), not the latest load's."""
    from datetime import datetime

    import duckdb

    from queries import warehouse

    s, app = web
    times = {"2026-09-01": datetime(2026, 9, 2, 6, 43), "2026-09-08": datetime(2026, 9, 8, 21, 5),
             "2026-09-15": datetime(2026, 11, 30, 7, 12)}
    target = warehouse.current_target(s.warehouse_dir)
    con = duckdb.connect(str(target))  # nothing reads the fixture's copy yet: rewrite its bookkeeping
    for d, t in times.items():
        con.execute("UPDATE snapshot SET ingested_at = ? WHERE cov = 'full' AND date = ?", [t, d])
    con.close()
    c = logged_client(app, "pilote.test")

    def line(view: dict) -> str:
        search = "?" + "&".join(f"{k}={v}" for k, v in view.items())
        syn = component(json.loads(post(c, router_body("/statistiques", search)).get_data()), Ids.SYNTHESE)
        return next(p for p in syn["props"]["children"]["props"]["children"]
                    if p["props"].get("className", "").endswith("stats-maj"))["props"]["children"][0]

    assert line({"scope": "academie:28", "date": "2026-09-01"}) == (
        "Dernière mise à jour le 02/09/2026 à 06:43 (données du 01/09/2026)")
    assert line({"scope": "academie:28", "date": "2026-09-08"}) == "Dernière mise à jour le 08/09/2026 à 21:05"
    assert line({"scope": "academie:28"}) == "Dernière mise à jour le 30/11/2026 à 07:12 (données du 15/09/2026)"


def test_form_checks_who_is_asking_before_reading_the_warehouse(web, monkeypatch):
    from queries.warehouse import stats_series

    s, app = web
    add_user(s, "admin.test", "admin")
    reads: list[str] = []
    real = stats_series.dates
    monkeypatch.setattr(stats_series, "dates", lambda *a, **k: reads.append("dates") or real(*a, **k))
    # No statistics right, then a forged scope outside the remit: refused before any read of the dates.
    latest = {Ids.DATE: "2026-09-15", Ids.TO: "2026-09-15"}
    r = post(logged_client(app, "admin.test"), form_body(app, latest, {"scope": "academie:28"}))
    assert r.status_code == 403 and reads == []
    c = logged_client(app, "chef.test")
    r = post(c, form_body(app, latest, {"scope": "etablissement:9740601K"}))
    assert r.status_code == 403 and reads == []
    # Inside the remit, the latest date is the default and stays out of the URL.
    r = post(c, form_body(app, latest, {"scope": f"etablissement:{CHEF_UAI}"}))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    search = next(iter(json.loads(r.get_data(as_text=True))["response"]["shell-url"].values()))
    assert search == f"?scope=etablissement:{CHEF_UAI}"


# ------------------------------------------------------------------------------------------------ API


def test_api_synthese_matches_the_cli_rows(web):
    s, app = web
    c = logged_client(app, "pilote.test")
    r = c.get("/api/v1/stats/synthese?scope=academie:28&date=2026-09-01")
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["date"] == "2026-09-01" and doc["rows"][-1] == {
        "origine": "TOTAL", "comptes": 14, "NON_NOTIFIE": 3, "NOTIFIE_NON_ACTIVE": 2, "EN_COURS_ACTIVATION": 1,
        "ACTIVE": 7, "DESACTIVE": 1}
    assert [r["origine"] for r in doc["rows"]] == ["ATEN", "ENT", "ETABLISSEMENT", "FRANCECONNECT", "RESPONSABLE",
                                                   "NON_RENSEIGNE", "TOTAL"]
    r = c.get("/api/v1/stats/synthese?scope=academie:28&date=2026-09-15&degre=1D")
    assert r.get_json()["rows"][-1]["comptes"] == 7


def test_api_evolution(web):
    s, app = web
    c = logged_client(app, "chef.test")
    r = c.get(f"/api/v1/stats/evolution?scope=classe:{CHEF_UAI}:6EME A&from=2026-09-02&to=2026-09-15")
    assert r.status_code == 200
    doc = r.get_json()
    assert [p["date"] for p in doc["series"]] == ["2026-09-08", "2026-09-15"]
    assert doc["series"][0]["comptes"] == 3 and doc["series"][0]["etats"]["ACTIVE"] == 2
    assert sum(doc["series"][0]["origines"].values()) == 3


@pytest.mark.parametrize(
    ("user", "url", "status"),
    [
        ("chef.test", "/api/v1/stats/synthese?scope=etablissement:9740601K", 403),
        ("chef.test", "/api/v1/stats/synthese?scope=academie:28", 403),
        ("ien.test", f"/api/v1/stats/evolution?scope=etablissement:{CHEF_UAI}", 403),
        ("pilote.test", "/api/v1/stats/synthese?scope=etablissement:9749999Z", 403),
        ("pilote.test", "/api/v1/stats/synthese?scope=academie:99", 403),
        ("pilote.test", "/api/v1/stats/synthese?scope=niveau:1", 400),
        ("pilote.test", "/api/v1/stats/synthese", 400),
        ("pilote.test", "/api/v1/stats/synthese?scope=academie:28&date=2026-02-30", 400),
        ("pilote.test", "/api/v1/stats/synthese?scope=academie:28&date=01/09/2026", 400),
        ("pilote.test", "/api/v1/stats/synthese?scope=academie:28&date=2020-01-01", 404),
        ("pilote.test", "/api/v1/stats/synthese?scope=academie:28&degre=4D", 400),
        ("pilote.test", f"/api/v1/stats/synthese?scope=etablissement:{CHEF_UAI}&degre=1D", 400),
        ("pilote.test", "/api/v1/stats/evolution?scope=academie:28&from=2026-10-01&to=2026-09-01", 400),
        ("pilote.test", "/api/v1/stats/evolution?scope=academie:28&from=hier", 400),
        ("pilote.test", "/api/v1/stats/inconnu", 404),
    ],
)
def test_api_errors_are_json_4xx(web, user, url, status):
    s, app = web
    c = logged_client(app, user)
    r = c.get(url)
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    assert r.is_json and r.get_json().get("erreur")


def test_api_requires_a_session_and_publishes_openapi(web):
    s, app = web
    anon = app.server.test_client()
    r = anon.get("/api/v1/stats/synthese?scope=academie:28")
    assert r.status_code == 401 and r.is_json
    c = logged_client(app, "pilote.test")
    doc = c.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and {"/api/v1/stats/synthese", "/api/v1/stats/evolution"} <= set(doc["paths"])


# ------------------------------------------------------------------------------------------------ exports


def _csv(r) -> list[list[str]]:  # noqa: ANN001
    raw = r.get_data()
    assert raw.startswith("\ufeff".encode())  # BOM: French Excel reads UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_csv_exports_parse_back(web):
    s, app = web
    c = logged_client(app, "pilote.test")
    r = c.get("/export/stats/synthese.csv?scope=academie:28&date=2026-09-01")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    rows = _csv(r)
    assert rows[0][:2] == ["Origine du compte", "Nombre de comptes responsables"]
    total = next(x for x in rows if x and x[0] == "Total")
    assert total[1:] == ["14", "3", "2", "1", "7", "1"]
    assert any(x[0].startswith("Dernière mise à jour le ") and "01/09/2026" in x[0] for x in rows if x)
    rows = _csv(c.get("/export/stats/series.csv?scope=academie:28&degre=1D"))
    assert rows[0][0] == "Date" and [x[0] for x in rows[1:]] == ["01/09/2026", "08/09/2026", "15/09/2026"]
    assert [x[1] for x in rows[1:]] == ["7", "8", "7"]
    rows = _csv(c.get("/export/stats/comparaison.csv?scope=circonscription:974-SUD&date=2026-09-01"))
    assert {x[1] for x in rows[1:]} == {"9740101S", "9740102T"}


def test_export_scope_lines_are_names_never_codes(web, monkeypatch):
    """« Périmètre : Académie de La Réunion — 1er degré », a class with its establishment: no « academie:28 »."""
    from pypdf import PdfReader

    from dashboard import exports_stats

    monkeypatch.setattr(exports_stats, "_charts_png", lambda figs, **kw: [None] * len(figs))
    s, app = web
    c = logged_client(app, "pilote.test")
    for query, line in (
        ("scope=academie:28&degre=1D", "Périmètre : Académie de La Réunion — 1er degré"),
        (f"scope=classe:{CHEF_UAI}:3EME B", f"Périmètre : Classe 3EME B — Collège Hégésippe Hoarau ({CHEF_UAI})"),
    ):
        scope = next(x[0] for x in _csv(c.get(f"/export/stats/synthese.csv?{query}")) if x and x[0].startswith("Pér"))
        pdf = PdfReader(io.BytesIO(c.get(f"/export/stats/rapport.pdf?{query}").get_data())).pages[0].extract_text()
        for shown in (scope, pdf):
            assert line in shown and "academie:" not in shown and "classe:" not in shown, shown[:300]


def test_exports_are_scoped_and_rate_limited(web, mini_warehouse):
    s, app = web
    c = logged_client(app, "chef.test")
    assert c.get("/export/stats/synthese.csv?scope=academie:28").status_code == 403
    assert c.get("/export/stats/synthese.csv?scope=etablissement:9740601K").status_code == 403
    assert c.get("/export/stats/synthese.csv?date=pas-une-date").status_code == 400
    limit = s["EXPORT_RATE_LIMIT"]
    codes = [c.get(f"/export/stats/synthese.csv?scope=etablissement:{CHEF_UAI}").status_code for _ in range(limit + 1)]
    assert codes[-1] == 429 and codes[0] == 200


def test_pdf_report_text(web, monkeypatch):
    from pypdf import PdfReader

    from dashboard import exports_stats

    monkeypatch.setattr(exports_stats, "_charts_png", lambda figs, **kw: [None] * len(figs))  # drawn charts
    s, app = web
    c = logged_client(app, "chef.test")
    r = c.get(f"/export/stats/rapport.pdf?scope=etablissement:{CHEF_UAI}&date=2026-09-15")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(r.get_data()))
    assert len(reader.pages) == 1
    txt = reader.pages[0].extract_text()
    assert "Périmètre : Collège Hégésippe Hoarau (9740501B)" in txt and "etablissement:" not in txt  # a name
    for fragment in ("Données du 15/09/2026",
                     "Dernière mise à jour le ", "Synthèse des comptes responsables", "Établissement",
                     "Taux d'activation", "Comptes par origine"):
        assert fragment in txt, (fragment, txt[:800])


@pytest.mark.slow
def test_pdf_report_renders_charts_with_kaleido(mini_warehouse):
    """The real path: kaleido (headless Chromium) renders both charts into the one-page report."""
    from datetime import date

    from pypdf import PdfReader

    from dashboard import exports_stats
    from queries.warehouse import stats, stats_series

    s = mini_warehouse
    scope = Scope.parse("academie:28")
    syn = stats.synthese(s, PILOTE, scope)
    k = stats_series.kpis(s, PILOTE, scope)
    df = stats_series.evolution(s, PILOTE, scope)
    pdf = exports_stats.report_pdf(syn, "Académie de La Réunion", k, df, date(2026, 9, 1), date(2026, 9, 15))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    if len(page.images) == 0:  # skipped locally, failed under CI=true
        require_service("Chromium (kaleido)", "kaleido n'a pas pu le lancer : graphiques dessinés par fpdf2")
    assert len(page.images) == 2
    assert "Total" in page.extract_text()
