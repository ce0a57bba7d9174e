"""Malformed requests (dashboard/requests_guard.py): a French 4xx JSON answer without traceback, judged before any
callback runs, and an audit row `bad_request` (path and reason, never the body). Well-formed traffic still works."""

from __future__ import annotations

import json
import shutil

import pytest
import sqlalchemy as sa
from auth_kit import add_user, fast_argon2, logged_client, make_app, router_body  # noqa: F401 - autouse
from console_data import COLLEGE, build_warehouse

from dashboard.ids import Shell
from dashboard.pages.journal import Ids as JournalIds
from dashboard.pages.responsables.ids import GRID_TYPE
from dashboard.pages.statistiques.ids import Ids as StatsIds
from queries import store
from queries.store import audit

# A value no answer and no audit row may repeat: it stands for personal data sent in a body.
CANARY = "CANARI-0692123456"
GRID_ID = {"type": GRID_TYPE, "gen": 1}
GRID_OUTPUT = json.dumps({"type": GRID_TYPE, "gen": ["MATCH"]}, separators=(",", ":"), sort_keys=True)


@pytest.fixture(scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN202
    """The console's tiny warehouse, ingested once for the module; each test gets a private copy."""
    from queries.core.settings import Settings

    root = tmp_path_factory.mktemp("malformed")
    s = Settings.from_env(
        {"METEOCOMPTES_DATA_DIR": str(root / "var"), "METEOCOMPTES_WAREHOUSE": str(root / "warehouse")}
    )
    build_warehouse(s)
    return root / "warehouse"


@pytest.fixture
def env(settings, _built):  # noqa: ANN001, ANN201
    shutil.copytree(_built, settings.warehouse_dir, symlinks=True, dirs_exist_ok=True)
    app = make_app(settings)
    add_user(settings, "chef.college", "chef", f"etablissement:{COLLEGE}")
    add_user(settings, "support.aca", "support", "academie:28")
    add_user(settings, "admin.aca", "admin")
    return settings, app


def grid_body(value: object) -> dict:
    return {
        "output": f"{GRID_OUTPUT}.getRowsResponse",
        "outputs": {"id": GRID_ID, "property": "getRowsResponse"},
        "inputs": [{"id": GRID_ID, "property": "getRowsRequest", "value": value}],
        "changedPropIds": [f"{json.dumps(GRID_ID, separators=(',', ':'), sort_keys=True)}.getRowsRequest"],
        "state": [],
    }


GOOD_ROWS = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}, "context": {"q": ""}}


def stats_body(data: object) -> dict:
    """A section's callback (the evolution, as seen: its « seen » store set)."""
    return {
        "output": f"{StatsIds.EVOLUTION}.children",
        "outputs": {"id": StatsIds.EVOLUTION, "property": "children"},
        "inputs": [{"id": StatsIds.VIEW, "property": "data", "value": data},
                   {"id": StatsIds.EVOLUTION_GO, "property": "data", "value": 1}],
        "changedPropIds": [f"{StatsIds.VIEW}.data"],
        "state": [],
    }


def apply_body(entries: list) -> dict:
    """The Statistiques form (applied on change or by « Afficher »): the button and the five controls as inputs,
    the view's store as state. `entries`: the five controls then the store (a non-list goes to `state` as is)."""
    inputs = [{"id": StatsIds.APPLY, "property": "n_clicks", "value": 1}]
    if isinstance(entries, list):
        inputs, state = inputs + entries[:5], entries[5:]
    else:
        state = entries
    return {
        "output": next(k for k in _callback_outputs() if k.startswith(f"{Shell.URL}.search@")
                       and any(i["id"] == StatsIds.APPLY for i in dash_inputs(k))),
        "outputs": {"id": Shell.URL, "property": "search"},
        "inputs": inputs,
        "changedPropIds": [f"{StatsIds.APPLY}.n_clicks"],
        "state": state,
    }


def dash_inputs(key: str) -> list[dict]:
    import dash

    return dash.get_app().callback_map[key]["inputs"]


def _callback_outputs() -> list[str]:
    import dash

    return list(dash.get_app().callback_map)


def journal_body(action: object) -> dict:
    ids = (JournalIds.SINCE, JournalIds.UNTIL, JournalIds.LOGIN, JournalIds.ACTION, JournalIds.TARGET,
           JournalIds.OUTCOME)
    outs = ((JournalIds.TABLE, "children"), (JournalIds.COUNT, "children"), (JournalIds.EXPORT, "href"),
            (JournalIds.LOGIN, "options"))
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outs],
        "inputs": [
            {"id": i, "property": "value", "value": action if i == JournalIds.ACTION else None} for i in ids
        ],
        "changedPropIds": [f"{JournalIds.ACTION}.value"],
        "state": [],
    }


def _without(body: dict, key: str) -> dict:
    return {k: v for k, v in body.items() if k != key}


STATE_OK = [
    {"id": i, "property": "value", "value": None}
    for i in (StatsIds.DATE, StatsIds.FROM, StatsIds.TO, StatsIds.DEGRE, StatsIds.PAR)
]

# (case, login, raw body or JSON-able body, expected status)
CASES = [
    ("tableau JSON", "chef.college", [grid_body(GOOD_ROWS)], 400),
    ("null", "chef.college", None, 400),
    ("JSON illisible", "chef.college", b'{"output": "' + CANARY.encode(), 400),
    ("texte non JSON", "chef.college", b"output=" + CANARY.encode(), 400),
    ("sans output", "chef.college", _without(grid_body(GOOD_ROWS), "output"), 400),
    ("output non textuel", "chef.college", {**grid_body(GOOD_ROWS), "output": [CANARY]}, 400),
    ("sans inputs", "chef.college", _without(grid_body(GOOD_ROWS), "inputs"), 400),
    ("sans outputs", "chef.college", _without(grid_body(GOOD_ROWS), "outputs"), 400),
    ("sortie inconnue", "chef.college", {**grid_body(GOOD_ROWS), "output": f"{CANARY}.children"}, 404),
    ("inputs objet", "chef.college", {**grid_body(GOOD_ROWS), "inputs": {"value": CANARY}}, 400),
    ("entrée non objet", "chef.college", {**grid_body(GOOD_ROWS), "inputs": [CANARY]}, 400),
    (
        "entrée d'un autre composant",
        "chef.college",
        {**grid_body(GOOD_ROWS), "inputs": [{"id": "resp-q", "property": "value", "value": CANARY}]},
        400,
    ),
    (
        "trop d'entrées",
        "chef.college",
        {**grid_body(GOOD_ROWS), "inputs": grid_body(GOOD_ROWS)["inputs"] * 2},
        400,
    ),
    ("changedPropIds non liste", "chef.college", {**grid_body(GOOD_ROWS), "changedPropIds": CANARY}, 400),
    ("getRowsRequest liste", "chef.college", grid_body([GOOD_ROWS, CANARY]), 422),
    ("getRowsRequest texte", "chef.college", grid_body(CANARY), 422),
    ("getRowsRequest entier", "chef.college", grid_body(7), 422),
    ("vue des statistiques liste", "support.aca", stats_body([{"scope": "academie:28"}, CANARY]), 422),
    ("vue des statistiques texte", "support.aca", stats_body(CANARY), 422),
    ("vue des statistiques entier", "support.aca", stats_body(7), 422),
    ("états non objets", "support.aca", "apply:" + json.dumps([CANARY, 1, 2, 3, 4, 5]), 400),
    (
        "état vue liste",
        "support.aca",
        "apply:" + json.dumps([*STATE_OK, {"id": StatsIds.VIEW, "property": "data", "value": [CANARY]}]),
        422,
    ),
    ("state non liste", "support.aca", "apply:" + json.dumps({"value": CANARY}), 400),
    ("choix unique du journal en liste", "support.aca", journal_body([CANARY, "login_ok"]), 422),
    (
        "adresse de la page en nombre",
        "support.aca",
        {
            **router_body("/"),
            "inputs": [
                {"id": Shell.URL, "property": "pathname", "value": "/"},
                {"id": Shell.URL, "property": "search", "value": 7},
            ],
        },
        422,
    ),
]


def _post(client, body):  # noqa: ANN001, ANN202
    if isinstance(body, str) and body.startswith("apply:"):
        state = json.loads(body[len("apply:") :])
        body = apply_body(state)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/_dash-update-component", data=raw, content_type="application/json")


def bad_request_rows(settings) -> list:  # noqa: ANN001
    with store.engine(settings).connect() as con:
        return con.execute(sa.select(audit.audit_log).where(audit.audit_log.c.action == "bad_request")).all()


def assert_clean_json(r, status: int) -> dict:  # noqa: ANN001
    body = r.get_data(as_text=True)
    assert r.status_code == status, (r.status_code, body[:500])
    assert r.mimetype == "application/json", r.headers.get("Content-Type")
    assert "Traceback" not in body and ".py" not in body and "site-packages" not in body, body[:500]
    assert CANARY not in body
    data = r.get_json()
    assert isinstance(data, dict) and data["erreur"], data
    return data


@pytest.mark.parametrize(("case", "login", "body", "status"), CASES, ids=[c[0] for c in CASES])
def test_malformed_callback_is_4xx_json_and_audited(env, case, login, body, status):  # noqa: ANN001
    settings, app = env
    c = logged_client(app, login)
    before = len(bad_request_rows(settings))
    r = _post(c, body)
    data = assert_clean_json(r, status)
    assert data["erreur"].startswith(
        ("Requête mal formée", "Ressource introuvable", "Données de requête invalides")
    )
    rows = bad_request_rows(settings)
    assert len(rows) == before + 1, case
    row = rows[-1]
    assert row.login == login and row.outcome == "denied"
    detail = json.loads(row.detail)
    assert detail["chemin"] == "/_dash-update-component" and detail["raison"]
    assert CANARY not in row.detail  # never the body


STATIC_CASES = [
    "/_dash-component-suites/dash/__init__.py",
    "/_dash-component-suites/dash/_callback.py",
    "/_dash-component-suites/dash/deps/inexistant.js",
    "/_dash-component-suites/paquet_inconnu/x.js",
    "/_dash-component-suites/os/__init__.py",
]


@pytest.mark.parametrize("path", STATIC_CASES)
def test_unknown_static_file_is_404_json_and_audited(env, path):  # noqa: ANN001
    settings, app = env
    r = app.server.test_client().get(path)
    data = assert_clean_json(r, 404)
    assert "introuvable" in data["erreur"]
    row = bad_request_rows(settings)[-1]
    assert json.loads(row.detail)["chemin"] == path


def test_registered_static_file_still_served(env):
    _, app = env
    html = logged_client(app, "support.aca").get("/").get_data(as_text=True)
    src = next(
        p.split('"')[0] for p in html.split('src="')[1:] if p.startswith("/_dash-component-suites/dash/")
    )
    r = app.server.test_client().get(src)
    assert r.status_code == 200 and "javascript" in r.mimetype


def test_well_formed_grid_request_answers_rows(env):
    settings, app = env
    r = _post(logged_client(app, "chef.college"), grid_body(GOOD_ROWS))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    data = next(iter(r.get_json()["response"].values()))["getRowsResponse"]
    assert data["rowCount"] > 0 and data["rowData"]
    assert bad_request_rows(settings) == []


def test_well_formed_router_and_stats_requests_answer(env):
    settings, app = env
    c = logged_client(app, "support.aca")
    r = _post(c, router_body("/statistiques", "?scope=academie:28"))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert "Statistiques" in r.get_data(as_text=True)
    r = _post(c, stats_body({"scope": "academie:28"}))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    r = _post(c, journal_body("login_ok"))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert bad_request_rows(settings) == []


def test_anonymous_malformed_request_gets_401_first(env):
    settings, app = env
    r = app.server.test_client().post("/_dash-update-component", data=b"[1", content_type="application/json")
    assert r.status_code == 401 and r.mimetype == "application/json"
    assert bad_request_rows(settings) == []


def test_unexpected_error_in_a_callback_is_500_json_without_traceback(env, monkeypatch):  # noqa: ANN001
    from queries.services import console

    def boom(*a, **k):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError(f"/srv/app/queries/console.py: {CANARY}")

    monkeypatch.setattr(console, "search", boom)
    settings, app = env
    r = _post(logged_client(app, "chef.college"), grid_body(GOOD_ROWS))
    assert_clean_json(r, 500)
    assert "Erreur interne" in r.get_json()["erreur"]


def test_wrong_method_on_callback_route_is_json(env):
    _, app = env
    r = logged_client(app, "chef.college").get("/_dash-update-component")
    data = assert_clean_json(r, 405)
    assert "Méthode" in data["erreur"]


def test_every_callback_input_has_a_declared_type(env):
    """A new callback input or state must say what it accepts (BY_PROPERTY or requests_guard.expect): else a
    forged type would reach the callback, and end as a 500 rather than a 422."""
    from dashboard import requests_guard

    _, app = env
    missing = sorted(
        {
            f"{d['id']}.{d['property']}"
            for cb in app.callback_map.values()
            for d in [*cb["inputs"], *cb.get("state", [])]
            if requests_guard.kind_of(requests_guard._declared_id(d["id"]), d["property"]) == "any"
        }
    )
    assert missing == []


def test_journal_labels_bad_request(env):
    assert audit.ACTION_LABELS["bad_request"] == "Requête mal formée refusée"
    settings, app = env
    _post(logged_client(app, "chef.college"), [])
    from datetime import date

    from queries.services import journal
    from queries.store.users import find_user, principal_for

    p = principal_for(settings, find_user(settings, "support.aca"), date.today())
    shown = journal.page(settings, p, journal.Filters.build(None, None, None, "bad_request"), 0, 100)
    assert shown and shown[0]["action"] == "Requête mal formée refusée" and shown[0]["resultat"] == "Refusé"


def test_no_forged_value_type_reaches_a_callback_as_a_500(env):
    """Every input and state of every callback, given a value of each JSON type: never a 5xx, never a traceback
    (what is not the declared type is refused with 422 before the callback runs)."""
    import copy

    from forge_kit import build_payloads

    settings, app = env
    add_user(settings, "chef.deleg", "chef", f"etablissement:{COLLEGE}")
    clients = {n: logged_client(app, n) for n in ("support.aca", "admin.aca", "chef.deleg")}
    deps = clients["support.aca"].get("/_dash-dependencies").get_json()
    failures = []
    for dep in deps:
        who = (
            "admin.aca"
            if "admin-" in dep["output"]
            else "chef.deleg"
            if "deleg-" in dep["output"]
            else "support.aca"
        )
        for payload in build_payloads(dep, "x")[:1]:
            for kind in ("inputs", "state"):
                for n in range(len(payload[kind])):
                    for bad in ([CANARY, 2], {"a": CANARY}, 7, 1.5, True, CANARY):
                        p = copy.deepcopy(payload)
                        entry = p[kind][n]
                        for item in entry if isinstance(entry, list) else [entry]:
                            item["value"] = bad
                        r = clients[who].post("/_dash-update-component", json=p)
                        body = r.get_data(as_text=True)
                        if r.status_code >= 500 or "Traceback" in body:
                            failures.append((dep["output"][:50], kind, n, bad, r.status_code))
    assert failures == []
