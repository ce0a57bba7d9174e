"""Console over HTTP: export routes re-resolve the principal and re-run the scoped query; forged grid and detail
callbacks cannot leave the scope; Journal and Qualité pages; audit of searches, views and exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from auth_kit import add_user, logged_client, make_app
from console_data import COLLEGE, LYCEE, build_warehouse
from pypdf import PdfReader

from dashboard.pages.responsables.callbacks import EXPORT_DISABLED, export_token
from dashboard.pages.responsables.ids import GRID_TYPE, Ids
from queries.core.scope import AccessDenied, Principal, Role, Scope
from queries.services.console import ETATS, Filters
from queries.store import audit


@pytest.fixture
def env(settings):
    build_warehouse(settings)
    app = make_app(settings)
    add_user(settings, "chef.college", "chef", f"etablissement:{COLLEGE}")
    add_user(settings, "chef.lycee", "chef", f"etablissement:{LYCEE}")
    add_user(settings, "support.aca", "support", "academie:28")
    add_user(settings, "pilote.aca", "pilote", "academie:28")
    return settings, app


def _dash(client, output: str, outputs: list | dict, inputs: list, state: list | None = None):  # noqa: ANN001, ANN202
    flat = [x for i in inputs for x in (i if isinstance(i, list) else [i])]
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": state or [], "changedPropIds": [
        f"{json.dumps(i['id'], separators=(',', ':'), sort_keys=True) if isinstance(i['id'], dict) else i['id']}."
        f"{i['property']}" for i in flat]}
    return client.post("/_dash-update-component", json=body)


def _grid_request(client, gen: int, context: dict, start: int = 0, end: int = 100):  # noqa: ANN001, ANN202
    gid = {"type": GRID_TYPE, "gen": gen}
    wild = json.dumps({"type": GRID_TYPE, "gen": ["MATCH"]}, separators=(",", ":"), sort_keys=True)
    return _dash(client, f"{wild}.getRowsResponse", {"id": gid, "property": "getRowsResponse"},
                 [{"id": gid, "property": "getRowsRequest",
                   "value": {"startRow": start, "endRow": end, "sortModel": [], "filterModel": {}, "context": context}}])


OPEN_DETAIL_OUTPUTS = ((Ids.DETAIL_BODY, "children"), (Ids.D_CONTENT, "hidden"), (Ids.D_HINT, "hidden"),
                       (Ids.CURRENT, "data"), (Ids.D_MSG, "children"), (Ids.D_DIAG_OUT, "children"),
                       (Ids.D_EMAIL, "value"), (Ids.D_MOBILE, "value"), (Ids.D_NEWPW, "value"),
                       # the buttons an account known only through a console export cannot use
                       *((b, "disabled") for b in EXPORT_DISABLED))


def _principal(settings, login):  # noqa: ANN001, ANN202
    from queries.store import users

    u = users.find_user(settings, login)
    return Principal(u.id, u.login, Role(u.role), u.scope_obj if hasattr(u, "scope_obj") else None)


def test_forged_grid_request_stays_in_scope(env):
    settings, app = env
    c = logged_client(app, "chef.college")
    r = _grid_request(c, 1, {"q": "", "etat": ["ACTIVE", "'; DROP"], "classe": []}, 0, 10**6)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    resp = r.get_json()["response"]
    data = next(iter(resp.values()))["getRowsResponse"]
    ids = {row["identifiant"] for row in data["rowData"]}
    assert ids == {"m.abbeym", "j.crahonn"}  # ACTIVE in the collège only, not g.hoarau13 of the lycée
    assert data["rowCount"] == 3
    # a lycée head sees only the lycée, whatever the request says
    c2 = logged_client(app, "chef.lycee")
    data2 = next(iter(_grid_request(c2, 2, {"q": "abbeyem"}).get_json()["response"].values()))["getRowsResponse"]
    assert data2["rowCount"] == 0


def test_forged_cell_click_on_another_establishments_row_is_403_and_audited(env):
    settings, app = env
    from queries.core.scope import Scope
    from queries.services import console

    sup = Principal(999, "x", Role.SUPPORT, Scope.parse("academie:28"))
    rid_lycee = console.search(settings, sup, Filters.build(q="noemie")).rows[0]["rid"]
    c = logged_client(app, "chef.college")
    gid = {"type": GRID_TYPE, "gen": 5}
    outs = [{"id": str(i), "property": p} for i, p in OPEN_DETAIL_OUTPUTS]
    r = _dash(c, ".." + "...".join(f"{o['id']}.{o['property']}" for o in outs) + "..", outs,
              [[{"id": gid, "property": "cellClicked",
                 "value": {"rowId": rid_lycee, "colId": "eleve", "timestamp": 1}}]])
    assert r.status_code == 403
    entries = audit.query(settings, Principal(0, "a", Role.SUPPORT, Scope.parse("academie:28")), action="forbidden")
    assert entries and entries[0].login == "chef.college"


def test_exports_rerun_the_scoped_query(env):
    settings, app = env
    c = logged_client(app, "chef.college")
    with app.server.test_request_context():
        from queries.store import users

        u = users.find_user(settings, "chef.college")
        p = Principal(u.id, u.login, Role.CHEF, None)
        token = export_token(p, Filters.build(etats=["NON_NOTIFIE"]))
    r = c.get(f"/export/responsables.csv?t={token}")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Élève" and {x[4] for x in rows[1:]} == {"g.hoarau12", "s.abbeym12"}
    # j.crahonn's email (record S-A-5) is a formula: the whole collège's export holds the account, never an email
    # (formula cells in exports: tests/test_csv_neutralisation.py).
    with app.server.test_request_context():
        everyone = export_token(p, Filters())
    full = c.get(f"/export/responsables.csv?t={everyone}").data.decode("utf-8-sig")
    assert "j.crahonn" in full and "=cmd" not in full
    pdf = c.get(f"/export/responsables.pdf?t={token}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the scope is named from the warehouse catalog, not printed as its code
    first = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert f"Périmètre : Collège Bois de Nèfles ({COLLEGE})" in first and "etablissement:" not in first
    # someone else's token is worthless
    c2 = logged_client(app, "chef.lycee")
    assert c2.get(f"/export/responsables.csv?t={token}").status_code == 404
    # no session: 401
    assert app.server.test_client().get(f"/export/responsables.csv?t={token}").status_code == 401
    exports = audit.query(settings, Principal(0, "a", Role.SUPPORT, Scope.parse("academie:28")), action="export")
    assert exports and exports[0].login == "chef.college" and "g.hoarau12" in exports[0].targets


def test_export_rate_limit(env, make_settings):
    settings, app = env
    c = logged_client(app, "chef.college")
    with app.server.test_request_context():
        from queries.store import users

        u = users.find_user(settings, "chef.college")
        token = export_token(Principal(u.id, u.login, Role.CHEF, None), Filters())
    codes = [c.get(f"/export/responsables.csv?t={token}").status_code for _ in range(int(settings["EXPORT_RATE_LIMIT"]) + 1)]
    assert codes[:-1] == [200] * int(settings["EXPORT_RATE_LIMIT"]) and codes[-1] == 429


def test_pilote_has_no_console_but_has_quality(env):
    settings, app = env
    c = logged_client(app, "pilote.aca")
    r = _grid_request(c, 3, {})
    assert r.status_code == 403
    from queries.core.scope import Scope
    from queries.services import console

    pil = Principal(1, "p", Role.PILOTE, Scope.parse("academie:28"))
    tot = console.quality_totals(settings, pil)
    assert tot["fiches"] == 12 and tot["sans_portable"] == 1 and tot["sans_courriel"] >= 6
    group, rows = console.quality_by_group(settings, pil)
    assert group == "etablissement" and {r["code"] for r in rows} >= {COLLEGE, LYCEE}
    q = console.quarantine_of_last_ingestion(settings, pil)
    assert q["detail"] is False and q["lignes"] == [] and q["total"] == 1  # aggregates only
    chef = Principal(2, "c", Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))
    g2, rows2 = console.quality_by_group(settings, chef)
    assert g2 == "classe" and {r["code"] for r in rows2} == {"3EME J", "5EME A", "6EME D", "4EME A"}
    q = console.quarantine_of_last_ingestion(settings, chef)  # the quarantined pupil is the collège's
    assert [(r["table_name"], r["value"]) for r in q["lignes"]] == [("eleves", "2013-13-45")]
    lycee = Principal(3, "l", Role.CHEF, Scope.parse(f"etablissement:{LYCEE}"))
    assert console.quarantine_of_last_ingestion(settings, lycee) == {
        "date": q["date"], "resume": [], "lignes": [], "detail": True, "total": 0}


def test_journal_export_and_visibility(env):
    settings, app = env
    c = logged_client(app, "chef.college")
    assert _grid_request(c, 4, {"q": "latch"}).status_code == 200
    r = c.get("/export/journal.csv")
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    text = r.data.decode("utf-8-sig")
    assert "chef.college" in text and "chef.lycee" not in text


def test_journal_masks_what_a_head_tried_outside_the_scope(env):
    settings, app = env
    from queries.core.scope import Scope
    from queries.services import actions, journal
    from queries.store import users

    u = users.find_user(settings, "chef.college")
    chef = Principal(u.id, u.login, Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))
    with pytest.raises(AccessDenied):
        actions.reset_password(settings, chef, "j.payet3")  # the lycée's account
    actions.notify(settings, chef, ["g.hoarau12"], "courrier", False)
    shown = journal.export_rows(settings, chef, journal.Filters(), 1000)  # the page's rows and the CSV's columns
    text = json.dumps(shown, ensure_ascii=False)
    assert "j.payet3" not in text and "(hors périmètre)" in text and "g.hoarau12" in text


def test_enter_on_a_row_opens_the_account_like_a_click(env):
    """What assets/dashAgGridFunctions.js sends on Enter (the grid's cellClicked with the opaque row id) opens an
    in-scope account: the panel's content is shown and its hint hidden."""
    settings, app = env
    from queries.core.scope import Scope
    from queries.services import console

    chef = Principal(998, "y", Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))
    rid = console.search(settings, chef, Filters.build(q="latch")).rows[0]["rid"]
    c = logged_client(app, "chef.college")
    outs = [{"id": str(i), "property": p} for i, p in OPEN_DETAIL_OUTPUTS]
    r = _dash(c, ".." + "...".join(f"{o['id']}.{o['property']}" for o in outs) + "..", outs,
              [[{"id": {"type": GRID_TYPE, "gen": 7}, "property": "cellClicked",
                 "value": {"rowId": rid, "colId": "etat", "rowIndex": 0, "timestamp": 2, "value": None}}]])
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    resp = r.get_json()["response"]
    assert resp[str(Ids.D_CONTENT)]["hidden"] is False and resp[str(Ids.D_HINT)]["hidden"] is True
    assert resp[str(Ids.CURRENT)]["data"] == rid
    assert "j.latchoumy1" in json.dumps(resp[str(Ids.DETAIL_BODY)], ensure_ascii=False)
    assert all(resp[str(b)]["disabled"] is False for b in EXPORT_DISABLED)  # a full snapshot's account


def test_layout_names_the_scope_and_hides_the_empty_panel(env):
    settings, app = env
    import importlib

    from queries.core.scope import Scope

    lay = importlib.import_module("dashboard.pages.responsables.layout")

    chef = Principal(998, "y", Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))
    assert lay.scope_label(settings, chef) == f"Collège Bois de Nèfles ({COLLEGE})"
    sup = Principal(997, "z", Role.SUPPORT, Scope.parse("academie:28"))
    assert lay.scope_label(settings, sup) == "Académie de La Réunion"
    gone = Principal(996, "g", Role.CHEF, Scope.parse("etablissement:9749999Z"))  # unknown to the data
    assert lay.scope_label(settings, gone) == "établissement 9749999Z"
    panel = lay.detail_panel()
    content = next(ch for ch in panel.children if getattr(ch, "id", None) == Ids.D_CONTENT)
    hint = next(ch for ch in panel.children if getattr(ch, "id", None) == Ids.D_HINT)
    assert content.hidden is True and not getattr(hint, "hidden", False)
    assert "Sélectionnez un responsable" in hint.children
    # Every account state has its coloured mark; Messagerie has a text alternative.
    etat = next(col for col in lay.COLUMNS if col["field"] == "etat")
    assert len(etat["cellClassRules"]) == len(ETATS)
    mail = next(col for col in lay.COLUMNS if col["field"] == "messagerie")
    assert "Oui" in mail["valueFormatter"]["function"] and "Non" in mail["valueFormatter"]["function"]
