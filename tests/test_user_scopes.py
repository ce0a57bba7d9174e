"""Scopes of users: creating an account (admin page, `meteocomptes users add`: tests/test_auth.py) or a delegation
checks the scope against the warehouse's latest data; an unknown one is refused in French. The admin form is
cleared after a creation (and kept after a refusal, to be corrected)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from auth_kit import add_user, logged_client, make_app, router_body, text

from dashboard.pages.admin import Ids as A
from dashboard.pages.delegations import Ids as D
from queries.store import users

OUTS = [(A.ADD_MSG, "children"), (A.ACTION_MSG, "children"), (A.TABLE, "children"), (A.TARGET, "options"),
        (A.LOGIN, "value"), (A.NAME, "value"), (A.SCOPE, "value")]


@pytest.fixture
def web(mini_warehouse):
    s = mini_warehouse
    app = make_app(s)
    add_user(s, "admin.s", "admin")
    return s, app


def _create(client, login: str, role: str, scope: str) -> dict:  # noqa: ANN001
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in OUTS) + "..",
        "outputs": [{"id": str(i), "property": p} for i, p in OUTS],
        "inputs": [{"id": str(A.ADD), "property": "n_clicks", "value": 1}]
        + [{"id": str(i), "property": "n_clicks", "value": 0} for i in (A.DISABLE, A.ENABLE, A.RESET)],
        "state": [{"id": str(A.LOGIN), "property": "value", "value": login},
                  {"id": str(A.NAME), "property": "value", "value": "Nouveau"},
                  {"id": str(A.ROLE), "property": "value", "value": role},
                  {"id": str(A.SCOPE), "property": "value", "value": scope},
                  {"id": str(A.TARGET), "property": "value", "value": None}],
        "changedPropIds": [f"{A.ADD}.n_clicks"],
    }
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.get_json()["response"]


@pytest.mark.parametrize(("role", "scope"), [
    ("chef", "etablissement:9999999Z"), ("ien", "circonscription:974-NORD"), ("pilote", "academie:99"),
    ("support", "academie:01"),
])
def test_admin_page_refuses_an_unknown_scope(web, role, scope):
    settings, app = web
    c = logged_client(app, "admin.s")
    resp = _create(c, "nouveau.compte", role, scope)
    msg = str(resp[A.ADD_MSG]["children"])
    assert "Périmètre inconnu" in msg and scope in msg
    assert users.find_user(settings, "nouveau.compte") is None
    assert A.LOGIN not in resp  # the form is kept, to be corrected


def test_admin_page_creates_a_known_scope_and_clears_the_form(web):
    settings, app = web
    c = logged_client(app, "admin.s")
    resp = _create(c, "chef.nouveau", "chef", "etablissement:9740501B")
    assert "créé" in str(resp[A.ADD_MSG]["children"])
    assert users.find_user(settings, "chef.nouveau").scope is not None
    assert (resp[A.LOGIN]["value"], resp[A.NAME]["value"], resp[A.SCOPE]["value"]) == ("", "", "")
    resp = _create(c, "ien.nouveau", "ien", "circonscription:974-SUD")
    assert "créé" in str(resp[A.ADD_MSG]["children"])


def test_delegation_of_an_establishment_unknown_to_the_warehouse_is_refused(web):
    settings, app = web
    # A head whose establishment is not (or no longer) in the data: an account from before, or from the portal.
    add_user(settings, "chef.fantome", "chef", "etablissement:9749999Z")
    add_user(settings, "chef.vrai", "chef", "etablissement:9740501B")
    add_user(settings, "secretaire.s", "delegue")
    end = (date.today() + timedelta(days=10)).isoformat()
    outs = [(D.MSG, "children"), (D.TABLE, "children"), (D.TARGET, "options")]
    body = {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outs) + "..",
        "outputs": [{"id": str(i), "property": p} for i, p in outs],
        "inputs": [{"id": str(D.GRANT), "property": "n_clicks", "value": 1},
                   {"id": str(D.REVOKE), "property": "n_clicks", "value": 0}],
        "state": [{"id": str(D.LOGIN), "property": "value", "value": "secretaire.s"},
                  {"id": str(D.END), "property": "date", "value": end},
                  {"id": str(D.TARGET), "property": "value", "value": None}],
        "changedPropIds": [f"{D.GRANT}.n_clicks"],
    }
    r = logged_client(app, "chef.fantome").post("/_dash-update-component", json=body)
    assert r.status_code == 200 and "Périmètre inconnu" in text(r)
    assert users.active_delegation_uais(settings, users.find_user(settings, "secretaire.s").id, date.today()) == []
    r = logged_client(app, "chef.vrai").post("/_dash-update-component", json=body)
    assert r.status_code == 200 and "Délégation accordée" in text(r)


def test_admin_table_names_roles_and_perimeters(web):
    """The « Rôle » and « Périmètre » columns read « Chef d'établissement », « Collège Hégésippe Hoarau »,
    « académie de La Réunion »; an account whose perimeter the data no longer knows, « établissement 9749999Z »:
    never a raw code (« chef », « etablissement:… »)."""
    settings, app = web
    add_user(settings, "pil.a", "pilote", "academie:28")
    add_user(settings, "chef.fantome", "chef", "etablissement:9749999Z")
    c = logged_client(app, "admin.s")
    page = c.post("/_dash-update-component", json=router_body("/admin")).get_json()["response"]["shell-content"]
    created = _create(c, "chef.nouveau", "chef", "etablissement:9740501B")[A.TABLE]["children"]

    def table_of(node: object) -> object:  # the layout's table (the form's hint shows the codes to type)
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == A.TABLE:
                return node
            node = list(node.values())
        if isinstance(node, list):
            return next((t for t in map(table_of, node) if t is not None), None)
        return None

    for table in (json.dumps(table_of(page), ensure_ascii=False), json.dumps(created, ensure_ascii=False)):
        for shown in ("Pilote académique", "Chef d'établissement", "Administrateur", "académie de La Réunion",
                      "établissement 9749999Z"):
            assert shown in table, shown
        assert "academie:" not in table and "etablissement:" not in table and '"chef"' not in table
    assert "Collège Hégésippe Hoarau" in json.dumps(created, ensure_ascii=False)


def test_admin_table_shows_the_last_login_in_paris_time(web):
    """The store keeps naive UTC: 06:30 UTC in September is 08:30 in Paris."""
    from datetime import datetime

    import sqlalchemy as sa

    from queries.store import engine

    settings, app = web
    add_user(settings, "pil.t", "pilote", "academie:28")
    with engine(settings).begin() as con:
        con.execute(sa.update(users.users).where(users.users.c.login == "pil.t")
                    .values(last_login_at=datetime(2026, 9, 15, 6, 30)))
    c = logged_client(app, "admin.s")
    page = text(c.post("/_dash-update-component", json=router_body("/admin")))
    assert "15/09/2026 08:30" in page and "15/09/2026 06:30" not in page
