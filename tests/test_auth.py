"""Login, sessions, logout, route classes, delegation, trusted headers, audit of authentication events."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from auth_kit import (
    PASSWORD,
    add_user,
    csrf,
    fast_argon2,  # noqa: F401 - autouse fixture
    logged_client,
    login,
    make_app,
    make_settings,
    router_body,
    text,
)

from dashboard import auth
from dashboard.ids import Shell
from queries.core import authz
from queries.core.authz import Action
from queries.core.scope import AccessDenied, Level, Principal, Role, Scope
from queries.store import audit, engine, users

CHEF_UAI = "9740501B"


@pytest.fixture
def env(tmp_path):
    s = make_settings(tmp_path)
    app = make_app(s)
    add_user(s, "Chef.College", "chef", f"etablissement:{CHEF_UAI}")
    return s, app


def _audit_actions(s) -> list[str]:
    with engine(s).connect() as con:
        return [r.action for r in con.execute(sa.select(audit.audit_log).order_by(audit.audit_log.c.id))]


def _dash_post(client, body=None):  # noqa: ANN001, ANN202
    return client.post("/_dash-update-component", json=body or router_body("/"))


def _assert_logged_in(client, display_name: str = "Chef.College", **headers: str) -> None:  # noqa: ANN001
    """The router answers 200 with this user's name and the logout link: still logged in (a 500, a 403 or an
    anonymous answer, whose user slot is empty, all fail here)."""
    r = client.post("/_dash-update-component", json=router_body("/"), headers=headers)
    assert r.status_code == 200, (r.status_code, r.get_data(as_text=True)[:300])
    user = r.get_json()["response"][str(Shell.USER)]["children"]
    assert display_name in json.dumps(user, ensure_ascii=False) and "Se déconnecter" in text(r), user


# ------------------------------------------------------------------ route classes


def test_pages_redirect_to_login_with_local_next(env):
    _, app = env
    c = app.server.test_client()
    r = c.get("/statistiques?date=2026-09-15")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login?next=/statistiques")


@pytest.mark.parametrize("path", ["/_dash-update-component", "/_dash-layout", "/_dash-dependencies", "/export/x.csv", "/api/x"])
def test_data_routes_answer_401_json_without_session(env, path):
    _, app = env
    c = app.server.test_client()
    r = c.post(path, json={}) if path == "/_dash-update-component" else c.get(path)
    assert r.status_code == 401
    assert r.is_json and "erreur" in r.json
    assert "Location" not in r.headers


def test_public_routes_stay_reachable(env):
    _, app = env
    c = app.server.test_client()
    assert c.get("/login").status_code == 200
    r = c.get("/healthz")  # no warehouse in this test: 503 with its JSON, not 401/302
    assert r.status_code == 503 and r.json["status"] == "indisponible"
    assert c.get("/assets/dsfr/dsfr.main.min.css").status_code == 200
    assert c.get("/_favicon.ico").status_code == 200
    suites = [p for p in app.server.url_map.iter_rules() if "_dash-component-suites" in p.rule]
    assert suites


def test_login_page_is_french_dsfr_form(env):
    _, app = env
    html = app.server.test_client().get("/login").get_data(as_text=True)
    assert '<html lang="fr"' in html
    assert 'name="login"' in html and 'name="password"' in html and 'name="csrf_token"' in html
    assert "fr-input" in html and "fr-btn" in html and "dsfr.main.min.css" in html


# ------------------------------------------------------------------ login and session


def test_login_sets_opaque_cookie_and_session_row(env):
    s, app = env
    c = app.server.test_client()
    r = login(c, "chef.college", next_="/statistiques")
    assert r.status_code == 303 and r.headers["Location"] == "/statistiques"
    cookies = r.headers.getlist("Set-Cookie")
    sess = next(h for h in cookies if h.startswith("meteocomptes="))
    token = sess.split(";")[0].split("=", 1)[1]
    assert len(token) >= 40 and "chef" not in sess.lower() and CHEF_UAI not in sess
    assert "HttpOnly" in sess and "SameSite=Lax" in sess
    with engine(s).connect() as con:
        rows = con.execute(sa.select(users.sessions)).all()
    assert len(rows) == 1 and rows[0].sid_hash != token  # only a digest is stored
    _assert_logged_in(c)
    assert "login_ok" in _audit_actions(s)


def test_current_principal_resolved_from_session(env):
    s, app = env
    seen = {}

    @app.server.get("/_test/whoami")
    def whoami():  # noqa: ANN202
        p = auth.current_principal()
        seen["p"] = p
        return "ok"

    c = logged_client(app, "CHEF.college")
    assert c.get("/_test/whoami").status_code == 200
    p = seen["p"]
    assert p.role is Role.CHEF and p.scope == Scope(Level.ETABLISSEMENT, CHEF_UAI) and p.login == "Chef.College"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("/responsables?x=1", "/responsables?x=1"), ("//evil.example/", "/"), ("https://evil.example/", "/"),
     ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("/login", "/"), ("", "/"), ("/ok\r\nSet-Cookie: x", "/")],
)
def test_next_must_be_a_local_path(given, expected):
    assert auth.safe_next(given) == expected


def test_login_without_or_with_wrong_csrf_token_is_refused(env):
    s, app = env
    c = app.server.test_client()
    r = c.post("/login", data={"login": "chef.college", "password": PASSWORD})
    assert r.status_code == 400
    csrf(c)
    r = c.post("/login", data={"login": "chef.college", "password": PASSWORD, "csrf_token": "faux"})
    assert r.status_code == 400
    assert "login_ok" not in _audit_actions(s)


def test_cross_origin_posts_are_refused(env):
    _, app = env
    c = app.server.test_client()
    token = csrf(c)
    r = c.post("/login", data={"login": "chef.college", "password": PASSWORD, "csrf_token": token},
               headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    c2 = logged_client(app, "chef.college")
    assert c2.post("/_dash-update-component", json=router_body("/"), headers={"Origin": "https://evil.example"}).status_code == 403
    assert c2.post("/_dash-update-component", json=router_body("/"), headers={"Referer": "http://evil.example/x"}).status_code == 403
    assert c2.post("/_dash-update-component", json=router_body("/"), headers={"Origin": "null"}).status_code == 403
    _assert_logged_in(c2, Origin="http://localhost")  # our own origin goes through


def test_logout_deletes_the_session(env):
    s, app = env
    c = logged_client(app, "chef.college")
    token = c.get_cookie("meteocomptes").value
    r = c.get("/logout")
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    c.set_cookie("meteocomptes", token)  # replaying the old id does not work
    assert _dash_post(c).status_code == 401
    assert "logout" in _audit_actions(s)


def test_cross_site_logout_link_only_shows_a_confirmation(env):
    _, app = env
    c = logged_client(app, "chef.college")
    r = c.get("/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 200 and 'method="post"' in r.get_data(as_text=True)
    _assert_logged_in(c)
    r = c.post("/logout", headers={"Origin": "http://localhost"})
    assert r.status_code == 303
    assert _dash_post(c).status_code == 401


def _age_session(s, *, created=None, seen=None) -> None:  # noqa: ANN001
    values = {}
    if created is not None:
        values["created_at"] = users.utcnow() - created
    if seen is not None:
        values["last_seen"] = users.utcnow() - seen
    with engine(s).begin() as con:
        con.execute(users.sessions.update().values(**values))


def test_idle_timeout(env):
    s, app = env
    c = logged_client(app, "chef.college")
    _age_session(s, seen=timedelta(minutes=29))
    _assert_logged_in(c)
    _age_session(s, seen=timedelta(minutes=31))
    assert _dash_post(c).status_code == 401
    r = c.get("/statistiques")
    assert r.status_code == 302
    assert "session_expired" in _audit_actions(s)


def test_absolute_timeout_despite_activity(env):
    s, app = env
    c = logged_client(app, "chef.college")
    _age_session(s, created=timedelta(hours=11, minutes=59), seen=timedelta(minutes=1))
    _assert_logged_in(c)
    _age_session(s, created=timedelta(hours=12, minutes=1), seen=timedelta(seconds=0))
    assert _dash_post(c).status_code == 401


def test_expired_session_redirect_says_so(env):
    s, app = env
    c = logged_client(app, "chef.college")
    _age_session(s, seen=timedelta(hours=1))
    r = c.get("/responsables")
    assert "raison=expiree" in r.headers["Location"]
    assert "Votre session a expiré" in c.get(r.headers["Location"]).get_data(as_text=True)


def test_user_disabled_mid_session_is_refused_at_next_callback(env):
    s, app = env
    c = logged_client(app, "chef.college")
    _assert_logged_in(c)
    # Disabled directly in the store (as another worker/node would), not through set_active's session cleanup.
    with engine(s).begin() as con:
        con.execute(users.users.update().where(users.users.c.login_key == "chef.college").values(active=False))
    r = _dash_post(c)
    assert r.status_code == 401
    assert "session_refused" in _audit_actions(s)
    users.set_active(s, "chef.college", True)
    assert _dash_post(c).status_code == 401  # the session is gone for good: log in again


def test_password_reset_ends_sessions(env):
    s, app = env
    c = logged_client(app, "chef.college")
    users.set_password(s, "chef.college", "un-autre-mot-de-passe")
    assert _dash_post(c).status_code == 401


def test_session_fixation_prevented(env):
    _, app = env
    c = app.server.test_client()
    c.set_cookie("meteocomptes", "identifiant-impose-par-un-attaquant")
    r = login(c, "chef.college")
    assert r.status_code == 303
    assert c.get_cookie("meteocomptes").value != "identifiant-impose-par-un-attaquant"


# ------------------------------------------------------------------ helpers for callbacks


def test_require_principal_and_access_denied_handler(env):
    s, app = env

    @app.server.get("/_test/console")
    def console():  # noqa: ANN202
        auth.require_principal(Action.CONSOLE)
        return "données"

    @app.server.get("/_test/admin")
    def admin():  # noqa: ANN202
        auth.require_principal(Action.ADMIN)
        return "admin"

    c = logged_client(app, "chef.college")
    assert c.get("/_test/console").get_data(as_text=True) == "données"
    r = c.get("/_test/admin")
    assert r.status_code == 403 and r.json == {"erreur": "Accès refusé."}
    with engine(s).connect() as con:
        row = con.execute(sa.select(audit.audit_log).where(audit.audit_log.c.action == "forbidden")).one()
    assert row.login == "Chef.College" and row.outcome == "denied" and "/_test/admin" in row.detail


def test_scope_asked_for_is_checked_by_authz():
    chef = Principal(1, "c", Role.CHEF, Scope.parse(f"etablissement:{CHEF_UAI}"))
    assert authz.allowed(chef, Action.STATS, Scope.parse(f"classe:{CHEF_UAI}:3EME B"))
    for bad in ("etablissement:9740101S", "classe:9740101S:CP A", "academie:28"):
        with pytest.raises(AccessDenied):
            authz.require(chef, Action.STATS, Scope.parse(bad))
    ien = Principal(2, "i", Role.IEN, Scope.parse("circonscription:974-SUD"))
    with pytest.raises(AccessDenied):
        authz.require(ien, Action.STATS, Scope.parse("circonscription:974-NORD"))
    assert authz.allowed(ien, Action.STATS, Scope.parse("etablissement:9740101S"))  # decided in SQL
    with pytest.raises(AccessDenied):
        authz.require(Principal(3, "a", Role.ADMIN, None), Action.STATS, Scope.parse("academie:28"))


def test_access_denied_inside_a_dash_callback_is_403_and_audited(tmp_path):
    from dash import Input, Output, html

    s = make_settings(tmp_path)
    app = make_app(s)
    app.layout = html.Div([html.Div(id="t-in"), html.Div(id="t-out")])

    @app.callback(Output("t-out", "children"), Input("t-in", "children"))
    def cb(v):  # noqa: ANN001, ANN202
        auth.require_principal(Action.CONSOLE)
        return "secret"

    add_user(s, "pilote1", "pilote", "academie:28")
    c = logged_client(app, "pilote1")
    body = {"output": "t-out.children", "outputs": {"id": "t-out", "property": "children"},
            "inputs": [{"id": "t-in", "property": "children", "value": "x"}], "changedPropIds": ["t-in.children"], "state": []}
    r = c.post("/_dash-update-component", json=body)
    assert r.status_code == 403 and "secret" not in r.get_data(as_text=True)
    assert "forbidden" in _audit_actions(s)


# ------------------------------------------------------------------ delegation


def _principal(s, login_: str) -> Principal | None:  # noqa: ANN001
    return users.principal_for(s, users.find_user(s, login_), date.today())


def test_delegation_gives_scope_until_end_date_and_stops_on_revoke(env):
    s, app = env
    add_user(s, "secretaire", "delegue")
    chef = _principal(s, "chef.college")
    today = date.today()
    assert _principal(s, "secretaire").scope is None
    assert not authz.allowed(_principal(s, "secretaire"), Action.CONSOLE)

    d = users.grant_delegation(s, chef, "SECRETAIRE", today + timedelta(days=10), today)
    p = _principal(s, "secretaire")
    assert p.scope == chef.scope and authz.allowed(p, Action.CONSOLE) and not authz.allowed(p, Action.DELEGATE)
    assert users.principal_for(s, users.find_user(s, "secretaire"), today + timedelta(days=11)).scope is None

    c = logged_client(app, "secretaire")
    page = text(c.post("/_dash-update-component", json=router_body("/delegations")))
    assert "Accès refusé" in page  # a delegue cannot delegate

    users.revoke_delegation(s, chef, d.id)
    assert _principal(s, "secretaire").scope is None


def test_delegation_rules(env):
    s, _ = env
    add_user(s, "secretaire", "delegue")
    add_user(s, "autre.chef", "chef", "etablissement:9740601K")
    add_user(s, "pilote1", "pilote", "academie:28")
    chef, other = _principal(s, "chef.college"), _principal(s, "autre.chef")
    today = date.today()
    with pytest.raises(users.UserError):
        users.grant_delegation(s, chef, "pilote1", today + timedelta(days=3), today)  # not a delegue account
    with pytest.raises(users.UserError):
        users.grant_delegation(s, chef, "personne", today + timedelta(days=3), today)
    with pytest.raises(users.UserError):
        users.grant_delegation(s, chef, "secretaire", today - timedelta(days=1), today)
    with pytest.raises(users.UserError):
        users.grant_delegation(s, chef, "secretaire", today + timedelta(days=400), today)
    with pytest.raises(users.UserError):
        users.grant_delegation(s, _principal(s, "pilote1"), "secretaire", today + timedelta(days=3), today)
    d = users.grant_delegation(s, chef, "secretaire", today + timedelta(days=3), today)
    with pytest.raises(users.UserError):  # one establishment at a time
        users.grant_delegation(s, other, "secretaire", today + timedelta(days=3), today)
    with pytest.raises(users.UserError):  # forged id of another establishment's delegation
        users.revoke_delegation(s, other, d.id)
    assert _principal(s, "secretaire").scope.code == CHEF_UAI
    assert [x.id for x in users.list_delegations(s, "9740601K")] == []


def test_delegation_page_grants_and_revokes_with_audit(mini_warehouse):
    from dashboard.pages.delegations import Ids

    s = mini_warehouse  # the page checks the head's establishment against the warehouse
    app = make_app(s)
    add_user(s, "Chef.College", "chef", f"etablissement:{CHEF_UAI}")
    add_user(s, "secretaire", "delegue")
    c = logged_client(app, "chef.college")
    end = (date.today() + timedelta(days=20)).isoformat()
    body = {
        "output": f"..{Ids.MSG}.children...{Ids.TABLE}.children...{Ids.TARGET}.options..",
        "outputs": [{"id": Ids.MSG, "property": "children"}, {"id": Ids.TABLE, "property": "children"},
                    {"id": Ids.TARGET, "property": "options"}],
        "inputs": [{"id": Ids.GRANT, "property": "n_clicks", "value": 1}, {"id": Ids.REVOKE, "property": "n_clicks", "value": 0}],
        "state": [{"id": Ids.LOGIN, "property": "value", "value": "secretaire"}, {"id": Ids.END, "property": "date", "value": end},
                  {"id": Ids.TARGET, "property": "value", "value": None}],
        "changedPropIds": [f"{Ids.GRANT}.n_clicks"],
    }
    r = c.post("/_dash-update-component", json=body)
    assert r.status_code == 200 and "Délégation accordée" in text(r)
    did = users.list_delegations(s, CHEF_UAI)[0].id
    body["changedPropIds"] = [f"{Ids.REVOKE}.n_clicks"]
    body["state"][2]["value"] = did
    r = c.post("/_dash-update-component", json=body)
    assert "retirée" in text(r)
    acts = _audit_actions(s)
    assert "delegation_granted" in acts and "delegation_revoked" in acts


# ------------------------------------------------------------------ admin page


def _admin_body(trigger, login_=None, role=None, scope=None, target=None) -> dict:  # noqa: ANN001
    from dashboard.pages.admin import Ids

    outs = [(Ids.ADD_MSG, "children"), (Ids.ACTION_MSG, "children"), (Ids.TABLE, "children"), (Ids.TARGET, "options"),
            (Ids.LOGIN, "value"), (Ids.NAME, "value"), (Ids.SCOPE, "value")]
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outs],
        "inputs": [{"id": i, "property": "n_clicks", "value": int(i == trigger)} for i in (Ids.ADD, Ids.DISABLE, Ids.ENABLE, Ids.RESET)],
        "state": [{"id": Ids.LOGIN, "property": "value", "value": login_}, {"id": Ids.NAME, "property": "value", "value": "Nom"},
                  {"id": Ids.ROLE, "property": "value", "value": role}, {"id": Ids.SCOPE, "property": "value", "value": scope},
                  {"id": Ids.TARGET, "property": "value", "value": target}],
        "changedPropIds": [f"{trigger}.n_clicks"],
    }


def test_admin_page_creates_disables_and_resets_accounts(mini_warehouse):
    from dashboard.pages.admin import Ids

    s = mini_warehouse  # a new account's scope is checked against the warehouse
    app = make_app(s)
    add_user(s, "admin1", "admin")
    add_user(s, "chef1", "chef", f"etablissement:{CHEF_UAI}")
    c = logged_client(app, "admin1")
    r = c.post("/_dash-update-component", json=_admin_body(Ids.ADD, "nouveau.ien", "ien", "circonscription:974-SUD"))
    assert r.status_code == 200 and "nouveau.ien" in text(r)
    assert users.find_user(s, "nouveau.ien").scope == Scope.parse("circonscription:974-SUD")
    r = c.post("/_dash-update-component", json=_admin_body(Ids.ADD, "mauvais", "ien", "academie:28"))
    assert "exige un périmètre de niveau circonscription" in text(r)

    chef = logged_client(app, "chef1")
    assert chef.post("/_dash-update-component", json=_admin_body(Ids.ADD, "intrus", "admin")).status_code == 403
    assert users.find_user(s, "intrus") is None

    assert "désactivé" in text(c.post("/_dash-update-component", json=_admin_body(Ids.DISABLE, target="chef1")))
    assert chef.post("/_dash-update-component", json=router_body("/")).status_code == 401
    assert "réactivé" in text(c.post("/_dash-update-component", json=_admin_body(Ids.ENABLE, target="chef1")))
    r = text(c.post("/_dash-update-component", json=_admin_body(Ids.RESET, target="chef1")))
    new_password = r.split("une seule fois : ")[1].split('"children": "')[1].split('"')[0]
    assert users.authenticate(s, "chef1", new_password) is not None
    assert "propre compte" in text(c.post("/_dash-update-component", json=_admin_body(Ids.DISABLE, target="ADMIN1")))
    acts = _audit_actions(s)
    assert {"user_created", "user_disabled", "user_enabled", "user_password_reset"} <= set(acts)
    assert acts.count("forbidden") == 1


# ------------------------------------------------------------------ trusted headers


@pytest.fixture
def portal(tmp_path):
    s = make_settings(tmp_path, TRUSTED_HEADER_AUTH=True, TRUSTED_PROXIES=("10.0.0.5",))
    return s, make_app(s)


def _portal_get(client, path="/_test/me", addr="10.0.0.5", **headers):  # noqa: ANN001, ANN202
    return client.get(path, headers=headers, environ_base={"REMOTE_ADDR": addr})


def _install_me(app):  # noqa: ANN001, ANN202
    @app.server.get("/_test/me")
    def me():  # noqa: ANN202
        p = auth.current_principal()
        return {"login": p.login, "role": p.role.value, "scope": str(p.scope)} if p else {"login": None}


def test_trusted_headers_from_listed_proxy(portal):
    s, app = portal
    _install_me(app)
    c = app.server.test_client()
    r = _portal_get(c, **{"X-Remote-User": "p.hoarau", "X-Remote-Profile": "chef;etablissement:9740501b"})
    assert r.json == {"login": "p.hoarau", "role": "chef", "scope": "etablissement:9740501B"}
    assert users.find_user(s, "p.hoarau").source == "portail"


def test_trusted_headers_from_unlisted_address_are_ignored(portal):
    _, app = portal
    _install_me(app)
    c = app.server.test_client()
    h = {"X-Remote-User": "p.hoarau", "X-Remote-Profile": "support;academie:28"}
    r = _portal_get(c, addr="192.168.1.20", **h)
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    # Nor via X-Forwarded-For pretending to come through the proxy.
    r = _portal_get(c, addr="192.168.1.20", **h, **{"X-Forwarded-For": "10.0.0.5"})
    assert r.status_code == 302
    r = c.post("/_dash-update-component", json=router_body("/"), headers=h, environ_base={"REMOTE_ADDR": "192.168.1.20"})
    assert r.status_code == 401


def test_trusted_headers_ignored_when_mode_off(tmp_path):
    s = make_settings(tmp_path, TRUSTED_HEADER_AUTH=False, TRUSTED_PROXIES=("10.0.0.5",))
    app = make_app(s)
    _install_me(app)
    r = _portal_get(app.server.test_client(), **{"X-Remote-User": "p.hoarau", "X-Remote-Profile": "pilote;academie:28"})
    assert r.status_code == 302


@pytest.mark.parametrize("profile", ["admin", "admin;academie:28", "chef;academie:28", "roi;academie:28", "chef", "ien;etablissement:9740501B"])
def test_bad_or_privileged_profiles_are_refused(portal, profile):
    s, app = portal
    _install_me(app)
    r = _portal_get(app.server.test_client(), **{"X-Remote-User": "x.y", "X-Remote-Profile": profile})
    assert r.status_code == 403
    assert "forbidden" in _audit_actions(s)


def test_portal_cannot_take_over_a_local_account_and_disabled_portal_account_is_refused(portal):
    s, app = portal
    _install_me(app)
    add_user(s, "admin.local", "admin")
    c = app.server.test_client()
    r = _portal_get(c, **{"X-Remote-User": "admin.local", "X-Remote-Profile": "support;academie:28"})
    assert r.status_code == 403
    _portal_get(c, **{"X-Remote-User": "p.hoarau", "X-Remote-Profile": "pilote;academie:28"})
    users.set_active(s, "p.hoarau", False)
    assert _portal_get(c, **{"X-Remote-User": "p.hoarau", "X-Remote-Profile": "pilote;academie:28"}).status_code == 403


def test_forwarded_for_is_trusted_only_from_proxies(portal):
    s, app = portal
    seen = {}

    @app.server.get("/_test/ip")
    def ip():  # noqa: ANN202
        seen["ip"] = auth.client_ip(s)
        return "ok"

    c = app.server.test_client()
    add_user(s, "chef1", "chef", f"etablissement:{CHEF_UAI}")
    lc = logged_client(app, "chef1")
    lc.get("/_test/ip", headers={"X-Forwarded-For": "1.2.3.4"}, environ_base={"REMOTE_ADDR": "192.168.1.20"})
    assert seen["ip"] == "192.168.1.20"
    lc.get("/_test/ip", headers={"X-Forwarded-For": "1.2.3.4, 10.0.0.5"}, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert seen["ip"] == "1.2.3.4"
    del c


# ------------------------------------------------------------------ audit


def test_audit_never_stores_passwords(env):
    s, app = env
    c = app.server.test_client()
    login(c, "chef.college", "mauvais-mot-de-passe-XYZ")
    login(c, "mot-de-passe-tape-dans-le-champ-identifiant", PASSWORD)  # a password typed in the wrong field
    login(c, "chef.college", PASSWORD)
    audit.record(s, "x", "test", detail={"password": "secret-123", "mot_de_passe": "secret-456", "ok": 1})
    with engine(s).connect() as con:
        dump = json.dumps([list(map(str, r)) for r in con.execute(sa.select(audit.audit_log)).all()], ensure_ascii=False)
    for secret in ("mauvais-mot-de-passe-XYZ", "mot-de-passe-tape", PASSWORD, "secret-123", "secret-456"):
        assert secret not in dump
    assert "login_failed" in dump and "login_ok" in dump


def test_audit_query_is_filtered_by_scope_and_purged(env):
    s, _ = env
    chef = Principal(1, "chef", Role.CHEF, Scope.parse(f"etablissement:{CHEF_UAI}"))
    other = Principal(2, "autre", Role.CHEF, Scope.parse("etablissement:9740601K"))
    support = Principal(3, "support", Role.SUPPORT, Scope.parse("academie:28"))
    admin = Principal(4, "admin", Role.ADMIN, None)
    pilote = Principal(5, "pilote", Role.PILOTE, Scope.parse("academie:28"))
    audit.record(s, chef, "search", targets=["a.dupont"], detail={"filtre": "nom"})
    audit.record(s, other, "export", scope="etablissement:9740601K", targets=["l.nativel"])
    audit.record(s, admin, "user_created", targets=["x"])
    audit.record(s, chef, "view", at=users.utcnow() - timedelta(days=400))
    assert {e.action for e in audit.query(s, chef)} == {"search", "view"}
    assert {e.action for e in audit.query(s, other)} == {"export"}
    assert {e.action for e in audit.query(s, support)} == {"search", "export", "view"}
    assert [e.action for e in audit.query(s, admin)] == ["user_created"]  # account management only
    assert audit.query(s, pilote) == []
    assert audit.query(s, chef, action="search")[0].targets == ["a.dupont"]
    assert audit.purge(s, users.utcnow()) == 1
    assert {e.action for e in audit.query(s, chef)} == {"search"}


# ------------------------------------------------------------------ CLI and demo accounts


def test_users_cli(tmp_path, monkeypatch, capsys, mini_warehouse):
    import argparse
    import io

    from meteocomptes import users_cli

    monkeypatch.setenv("METEOCOMPTES_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("METEOCOMPTES_WAREHOUSE", str(mini_warehouse.warehouse_dir))  # scopes are checked against it
    parser = argparse.ArgumentParser()
    users_cli.register(parser.add_subparsers(dest="c"))

    def run(*argv: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        args = parser.parse_args(list(argv))
        return args.func(args)

    s = make_settings(tmp_path)
    assert run("users", "add", "Chef.A", "--role", "chef", "--scope", "etablissement:9740501b", "--name", "Chef A",
               stdin="un-mot-de-passe-long\n") == 0
    assert users.authenticate(s, "chef.a", "un-mot-de-passe-long") is not None
    assert run("users", "add", "pilote.b", "--role", "pilote", "--scope", "academie:28") == 0
    out = capsys.readouterr().out
    generated = out.split("une seule fois) : ")[1].split()[0]
    assert users.authenticate(s, "pilote.b", generated) is not None
    assert run("users", "add", "ien.c", "--role", "ien", "--scope", "academie:28") == 2  # wrong level
    capsys.readouterr()
    assert run("users", "add", "chef.z", "--role", "chef", "--scope", "etablissement:9999999Z") == 2  # unknown UAI
    assert "Périmètre inconnu" in capsys.readouterr().err and users.find_user(s, "chef.z") is None
    assert run("users", "add", "chef.a", "--role", "admin") == 2  # duplicate, case-insensitive
    assert run("users", "disable", "CHEF.A") == 0 and not users.find_user(s, "chef.a").active
    assert run("users", "enable", "chef.a") == 0 and users.find_user(s, "chef.a").active
    assert run("users", "reset-password", "chef.a", stdin="encore-un-autre-mdp\n") == 0
    assert users.authenticate(s, "chef.a", "encore-un-autre-mdp") is not None
    assert run("users", "add", "deleg", "--role", "delegue") == 0
    until = (date.today() + timedelta(days=5)).isoformat()
    assert run("users", "delegate", "chef.a", "deleg", "--until", until) == 0
    capsys.readouterr()
    assert run("users", "list") == 0
    listing = capsys.readouterr().out
    assert "Chef.A" in listing and "etablissement:9740501B" in listing and "3 compte(s)" in listing
    acts = _audit_actions(s)
    assert {"user_created", "user_disabled", "user_enabled", "user_password_reset", "delegation_granted"} <= set(acts)
    audit.record(s, "x", "view", at=users.utcnow() - timedelta(days=int(s["AUDIT_RETENTION_DAYS"]) + 1))
    capsys.readouterr()
    assert run("users", "purge") == 0
    assert "1 entrée(s) du journal" in capsys.readouterr().out


def test_demo_users_one_per_role_and_idempotent(tmp_path):
    from queries.services.demo_users import DEMO_ACCOUNTS, ensure_demo_users

    s = make_settings(tmp_path)
    app = make_app(s)
    scopes = {"academie": "academie:28", "circonscription": "circonscription:974-SUD",
              "college": "etablissement:9740501B", "ecole": "etablissement:9740101S"}
    first = ensure_demo_users(s, scopes)
    again = ensure_demo_users(s, scopes)
    assert first == again
    assert {r for _, _, r, _ in first} == {r.value for r in Role}
    for login_, password, role, scope in first:
        c = app.server.test_client()
        assert login(c, login_, password).status_code == 303, login_
        p = _principal(s, login_)
        assert p.role.value == role and (str(p.scope) if p.scope else None) == scope
    assert _principal(s, "delegue").scope == Scope.parse("etablissement:9740501B")
    assert len(DEMO_ACCOUNTS) == len(first)


def test_refused_attempt_is_not_shown_to_the_targeted_head(env):
    s, _ = env
    other = Principal(7, "chef.ecole", Role.CHEF, Scope.parse("etablissement:9740101S"))
    chef = Principal(8, "chef.college", Role.CHEF, Scope.parse(f"etablissement:{CHEF_UAI}"))
    audit.record(s, other, "forbidden", scope=f"etablissement:{CHEF_UAI}", detail={"raison": "INE 0000000001A"},
                 outcome="denied")
    assert audit.query(s, chef) == []  # the detail holds the école's data
    assert [e.action for e in audit.query(s, other)] == ["forbidden"]
    support = Principal(9, "support", Role.SUPPORT, Scope.parse("academie:28"))
    assert [e.action for e in audit.query(s, support)] == ["forbidden"]
