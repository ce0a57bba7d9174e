"""Security headers, CSP, cookie flags, no CORS, no caching of data responses."""

from __future__ import annotations

import pytest
from auth_kit import (
    add_user,
    csrf,
    fast_argon2,  # noqa: F401 - autouse fixture
    logged_client,
    login,
    make_app,
    make_settings,
    router_body,
)


@pytest.fixture
def app_settings(tmp_path):
    s = make_settings(tmp_path)
    app = make_app(s)
    add_user(s, "chef1", "chef", "etablissement:9740501B")
    return app, s


def _csp(r) -> dict[str, list[str]]:  # noqa: ANN001
    out = {}
    for part in r.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.mark.parametrize("path", ["/login", "/", "/statistiques", "/_dash-layout", "/healthz", "/assets/dsfr/dsfr.main.min.css"])
def test_headers_on_every_response(app_settings, path):
    app, _ = app_settings
    c = logged_client(app, "chef1")
    r = c.get(path)
    h = r.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    csp = _csp(r)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert "*" not in " ".join(sum(csp.values(), []))


def test_csp_script_hashes_are_dashs_own(app_settings):
    app, _ = app_settings
    c = logged_client(app, "chef1")
    r = c.get("/")
    assert r.status_code == 200
    csp = _csp(r)
    for h in app.csp_hashes():
        assert h in csp["script-src"]
    # Every inline script actually served in the page is covered by a hash.
    import base64
    import hashlib
    import re

    for body in re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", r.get_data(as_text=True), re.S):
        digest = "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        assert digest in csp["script-src"], body[:80]


def test_clientside_callback_added_later_gets_its_hash(tmp_path):
    from dash import Input, Output

    s = make_settings(tmp_path)
    app = make_app(s)
    app.clientside_callback("function(x){return x;}", Output("cs-out", "children"), Input("cs-in", "children"))
    r = app.server.test_client().get("/login")
    assert set(app.csp_hashes()) <= set(_csp(r)["script-src"])
    assert len(app.csp_hashes()) >= 2


def test_data_responses_are_not_cached_but_static_files_may_be(app_settings):
    app, _ = app_settings
    c = logged_client(app, "chef1")
    assert c.post("/_dash-update-component", json=router_body("/")).headers["Cache-Control"] == "no-store"
    assert c.get("/statistiques").headers["Cache-Control"] == "no-store"
    assert c.get("/login").headers["Cache-Control"] == "no-store"
    # Static files are kept a day: not revalidated one by one before every page's first screen.
    assert c.get("/assets/dsfr/dsfr.main.min.css").headers.get("Cache-Control", "") == "public, max-age=86400"
    assert c.get("/export/responsables.csv").headers["Cache-Control"] == "no-store"


def test_no_cors(app_settings):
    app, _ = app_settings
    c = logged_client(app, "chef1")
    r = c.get("/_dash-layout", headers={"Origin": "https://evil.example"})
    assert not [k for k in r.headers.keys() if k.lower().startswith("access-control-")]
    pre = c.options("/_dash-update-component", headers={"Origin": "https://evil.example",
                                                         "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in pre.headers
    assert c.post("/_dash-update-component", json=router_body("/"), headers={"Origin": "https://evil.example"}).status_code == 403


def test_cookie_flags_over_http(app_settings):
    app, _ = app_settings
    c = app.server.test_client()
    r = c.get("/login")
    csrf_cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("meteocomptes_csrf="))
    assert "HttpOnly" in csrf_cookie and "SameSite=Strict" in csrf_cookie and "Path=/" in csrf_cookie
    r = login(c, "chef1")
    sess = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("meteocomptes="))
    assert "HttpOnly" in sess and "SameSite=Lax" in sess and "Secure" not in sess
    assert "Expires" not in sess and "Max-Age" not in sess  # browser-session cookie; the server enforces lifetimes
    assert "Strict-Transport-Security" not in r.headers


def test_cookie_flags_over_https(app_settings):
    app, _ = app_settings
    c = app.server.test_client()
    token = None
    r = c.get("/login", base_url="https://meteocomptes.example")
    csrf_cookie = next(h for h in r.headers.getlist("Set-Cookie") if "meteocomptes_csrf=" in h)
    assert csrf_cookie.startswith("__Host-") and "Secure" in csrf_cookie
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', r.get_data(as_text=True)).group(1)
    r = c.post("/login", base_url="https://meteocomptes.example",
               data={"login": "chef1", "password": "mot-de-passe-de-test-1", "csrf_token": token, "next": "/"})
    assert r.status_code == 303
    sess = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("__Host-meteocomptes="))
    assert "Secure" in sess and "HttpOnly" in sess and "SameSite=Lax" in sess and "Path=/" in sess and "Domain" not in sess
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_proto_trusted_only_from_proxy(tmp_path):
    s = make_settings(tmp_path, TRUSTED_PROXIES=("10.0.0.5",))
    app = make_app(s)
    c = app.server.test_client()
    r = c.get("/login", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": "192.168.0.9"})
    assert "Strict-Transport-Security" not in r.headers
    r = c.get("/login", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert "Strict-Transport-Security" in r.headers
    assert any(h.startswith("__Host-meteocomptes_csrf=") and "Secure" in h for h in r.headers.getlist("Set-Cookie"))


def test_no_personal_data_in_cookies(app_settings):
    app, _ = app_settings
    c = logged_client(app, "chef1")
    for cookie in (c.get_cookie("meteocomptes"),):
        assert cookie is not None and "chef" not in cookie.value and "9740501B" not in cookie.value
    assert c.get_cookie("session") is None and c.get_cookie("meteocomptes_flask") is None


def test_login_csrf_token_is_per_browser_and_survives_parallel_gets(app_settings):
    app, _ = app_settings
    c = app.server.test_client()
    first = csrf(c)
    assert c.get("/favicon.ico").status_code == 301  # the browser's own favicon request: no login redirect
    assert csrf(c) == first  # a second GET /login does not invalidate the displayed form
    assert csrf(app.server.test_client()) != first
    r = c.post("/login", data={"login": "chef1", "password": "mot-de-passe-de-test-1", "csrf_token": first, "next": "/"})
    assert r.status_code == 303
