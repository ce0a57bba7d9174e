"""Authentication and per-request principal.

- `/login` (GET form, POST `login` + `password` + CSRF token) and `/logout` are plain Flask routes.
- The session cookie holds only an opaque random id; the session row (created_at, last_seen) lives in the
  transactional store. Every request re-reads it and the account: idle/absolute expiry, disabled accounts and
  revoked delegations take effect at the very next request.
- Trusted-header mode (TRUSTED_HEADER_AUTH): the académie portal's reverse proxy sets the user and profile
  headers; they are honoured only when the TCP peer (request.remote_addr) is in TRUSTED_PROXIES.
  Profile header: `ROLE;SCOPE`, e.g. `chef;etablissement:9740001A`, `ien;circonscription:9740045X`,
  `pilote;academie:28`, `support;academie:28`, `delegue;etablissement:9740001A` (DELEG-CE done by the portal).
  `admin` is never accepted from headers: account administration stays a local account.
- Route classes: public (login, logout, healthz, static code and styles); data/API (Dash callbacks, layout and
  dependency map, /export…, /api…, any non-GET) → 401 JSON without a session; everything else is a Dash page
  → redirect to /login?next=….

Pattern for every data callback and route (see docs/ARCHITECTURE.md, "Access control"):
    principal = require_principal(Action.CONSOLE)       # 403 + audit when absent or not allowed
    rows = queries.services.console.search(settings, principal, ...)  # filters by principal.scope in SQL
and raise `queries.core.scope.AccessDenied` anywhere below: the central handler answers 403 JSON and audits it.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import date
from typing import Literal
from urllib.parse import quote, urlsplit

from flask import Flask, Response, g, has_request_context, jsonify, redirect, render_template_string, request

from dashboard import security
from queries.core import authz, request_context
from queries.core.authz import Action
from queries.core.scope import ROLE_SCOPE_LEVEL, AccessDenied, Principal, Role, Scope, ScopeError
from queries.core.settings import Settings
from queries.store import audit, ratelimit, users

GENERIC_LOGIN_ERROR = "Identifiant ou mot de passe incorrect, ou compte temporairement bloqué."
# Many staff share one address (rectorat, school NAT): the per-IP budget is this multiple of the per-account one.
IP_FAILURE_FACTOR = 4

PUBLIC_PATHS = frozenset({"/login", "/logout", "/healthz", "/_favicon.ico", "/favicon.ico"})
# Static code, fonts and the DSFR stylesheet (the login page needs it): no data, so no session required.
PUBLIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_auth/")
# JSON/data endpoints: answer 401/403 JSON, never a redirect that a fetch would silently follow.
# /_dash-layout and /_dash-dependencies are only fetched by an authenticated page, and the callback map is
# reconnaissance for forged requests: they require a session too.
API_PATHS = frozenset({"/_dash-update-component", "/_dash-layout", "/_dash-dependencies", "/_reload-hash"})
API_PREFIXES = ("/export", "/api", "/_dash-")
# The one export that needs no data scope: the Journal's CSV, for every role that reads the Journal (the admin
# included); it shows exactly the rows of the page (queries.store.audit.visibility).
JOURNAL_EXPORT = "/export/journal.csv"

# ---------------------------------------------------------------- helpers


def settings_of() -> Settings:
    from flask import current_app

    return current_app.config["METEOCOMPTES_SETTINGS"]


def client_ip(settings: Settings) -> str:
    """The peer address; X-Forwarded-For is read only when the peer is a trusted proxy."""
    peer = request.remote_addr or ""
    proxies = settings["TRUSTED_PROXIES"]
    if peer in proxies:
        chain = [x.strip() for x in request.headers.get("X-Forwarded-For", "").split(",") if x.strip()]
        for addr in reversed(chain):  # rightmost entry not added by one of our proxies
            if addr not in proxies:
                return addr[:64]
    return peer


def cookie_name(settings: Settings, kind: str = "session") -> str:
    # __Host- prefix over HTTPS: the browser refuses it unless Secure, Path=/ and no Domain.
    base = "meteocomptes" if kind == "session" else "meteocomptes_csrf"
    return f"__Host-{base}" if security.is_https(settings) else base


def set_cookie(resp: Response, settings: Settings, kind: str, value: str, samesite: str) -> None:
    resp.set_cookie(
        cookie_name(settings, kind), value, httponly=True, samesite=samesite, secure=security.is_https(settings), path="/"
    )


def safe_next(value: str | None) -> str:
    """A local path to go back to after login; anything else (other host, scheme, //, backslash) → "/"."""
    if not value or len(value) > 1000 or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or re.search(r"[\x00-\x1f\x7f]", value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    if parts.path in ("/login", "/logout"):
        return "/"
    return value


def is_api_request() -> bool:
    p = request.path
    return request.method != "GET" or p in API_PATHS or p.startswith(API_PREFIXES)


def is_public_request() -> bool:
    return request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES)


def current_principal() -> Principal | None:
    """The principal of the current request (resolved from the server-side session before the request)."""
    if not has_request_context():
        return None
    return g.get("principal")


def require_principal(action: Action | None = None) -> Principal:
    """Who is asking, for every data callback and data route: the session's principal, allowed to do `action`
    (authz.require; None: any logged-in user). AccessDenied (→ 403 JSON + audit) otherwise."""
    p = current_principal()
    if p is None:
        raise AccessDenied("session absente")
    if action is not None:
        authz.require(p, action)
    return p


def _deny_json(status: int, message: str) -> tuple[Response, int]:
    return jsonify(erreur=message), status


# ---------------------------------------------------------------- trusted headers


def _header_principal(settings: Settings) -> Principal | None | Literal[False]:
    """Principal from the portal's headers; None when the mode does not apply; False when refused."""
    if not settings["TRUSTED_HEADER_AUTH"] or request.remote_addr not in settings["TRUSTED_PROXIES"]:
        return None
    login = (request.headers.get(settings["TRUSTED_USER_HEADER"]) or "").strip()
    if not login:
        return None  # e.g. the local admin logging in through the same proxy
    profile = (request.headers.get(settings["TRUSTED_PROFILE_HEADER"]) or "").strip()
    try:
        role, scope = parse_profile(profile)
        if not users.LOGIN_RE.match(login):
            raise ValueError("identifiant illisible")
    except ValueError as exc:
        audit.record(settings, login[:64], "forbidden", detail={"raison": f"en-têtes du portail : {exc}"}, outcome="denied")
        return False
    user = users.find_user(settings, login)
    if user is None:
        try:
            user = users.create_user(settings, login, role, scope if role is not Role.DELEGUE else None, login, source="portail")
        except users.UserError:  # another worker created it a moment ago
            user = users.find_user(settings, login)
            if user is None:
                raise
    if user.source != "portail":
        # A portal identity never takes over a local account (and its role).
        audit.record(settings, login, "forbidden", detail={"raison": "identifiant local présenté par le portail"}, outcome="denied")
        return False
    if not user.active:
        audit.record(settings, login, "session_refused", detail={"raison": "compte désactivé"}, outcome="denied")
        return False
    if (user.role, user.scope) != (role, scope if role is not Role.DELEGUE else None):
        users.update_profile(settings, user.id, role, scope if role is not Role.DELEGUE else None, user.display_name)
    return Principal(user_id=user.id, login=user.login, role=role, scope=scope, display_name=user.display_name or login)


def parse_profile(profile: str) -> tuple[Role, Scope]:
    """`ROLE;SCOPE` as set by the portal (see module docstring)."""
    role_text, _, scope_text = profile.partition(";")
    try:
        role = Role(role_text.strip().lower())
    except ValueError:
        raise ValueError("rôle inconnu") from None
    if role is Role.ADMIN:
        raise ValueError("le rôle admin n'est pas délégable au portail")
    want = ROLE_SCOPE_LEVEL[role]
    try:
        scope = Scope.parse(scope_text.strip())
    except ScopeError:
        raise ValueError("périmètre illisible") from None
    if scope.level is not want:
        raise ValueError("niveau de périmètre incompatible avec le rôle")
    return role, scope


# ---------------------------------------------------------------- session resolution


def _session_principal(settings: Settings) -> Principal | None:
    token = request.cookies.get(cookie_name(settings))
    if not token:
        return None
    s = users.get_session(settings, token)
    if s is None:
        return None
    now = users.utcnow()
    user = users.get_user(settings, s.user_id)
    why = users.session_expired(settings, s, now)
    if why is not None or user is None:
        users.delete_session(settings, token)
        if user is not None:
            audit.record(settings, user.login, "session_expired", detail={"raison": why})
        g.session_expired = True
        return None
    if not user.active:
        users.delete_user_sessions(settings, user.id)
        audit.record(settings, user.login, "session_refused", detail={"raison": "compte désactivé"}, outcome="denied")
        return None
    principal = users.principal_for(settings, user, date.today())
    if principal is None:
        return None
    users.touch_session(settings, s, now)
    g.session_token = token
    return principal


def _resolve(settings: Settings):  # noqa: ANN202
    g.client_ip = client_ip(settings)
    g.client_ip_token = request_context.client_ip.set(g.client_ip)
    g.principal = None
    if is_public_request() and request.path not in ("/login", "/logout"):
        return None
    hp = _header_principal(settings)
    if hp is False:
        if is_api_request():
            return _deny_json(403, "Accès refusé par le portail.")
        return Response("Accès refusé : profil transmis par le portail non accepté.", 403, mimetype="text/plain")
    g.principal = hp if hp is not None else _session_principal(settings)
    if g.principal is not None or is_public_request():
        if (g.principal is not None and request.path.startswith(("/export", "/api")) and g.principal.scope is None
                and not (request.path == JOURNAL_EXPORT and authz.allowed(g.principal, Action.AUDIT))):
            # Default deny safety net: a principal without data scope (admin, delegue without delegation)
            # never reaches a data route, whatever the route itself checks.
            audit.record(settings, g.principal, "forbidden", detail={"chemin": request.path}, outcome="denied")
            return _deny_json(403, "Accès refusé.")
        return None
    if is_api_request():
        return _deny_json(401, "Session absente ou expirée : veuillez vous reconnecter.")
    target = request.full_path if request.query_string else request.path
    q = "next=" + quote(safe_next(target), safe="/")
    if g.get("session_expired"):
        q += "&raison=expiree"
    return redirect("/login?" + q, code=302)


# ---------------------------------------------------------------- login page

LOGIN_HTML = """<!DOCTYPE html>
<html lang="fr" data-fr-scheme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connexion — MétéoComptes</title>
<link rel="stylesheet" href="/assets/dsfr/dsfr.main.min.css">
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<a class="fr-link skip-link" href="#contenu">Aller au contenu</a>
<header role="banner" class="fr-header">
  <div class="fr-header__body"><div class="fr-container"><div class="fr-header__body-row">
    <div class="fr-header__brand">
      <div class="fr-header__brand-top"><div class="fr-header__logo">
        <p class="fr-logo">Académie<br>{{ academie }}</p>
      </div></div>
      <div class="fr-header__service">
        <p class="fr-header__service-title">MétéoComptes</p>
        <p class="fr-header__service-tagline">Comptes EduConnect des responsables</p>
      </div>
    </div>
  </div></div></div>
</header>
<main role="main" id="contenu" class="fr-container fr-my-6w">
  <div class="fr-grid-row fr-grid-row--center"><div class="fr-col-12 fr-col-md-8 fr-col-lg-6">
    <h1>Connexion</h1>
    {% if info %}<div class="fr-alert fr-alert--info fr-alert--sm fr-mb-3w"><p>{{ info }}</p></div>{% endif %}
    {#- After a refused attempt the focus goes to the message (autofocus on a focusable region, no script): a
        screen reader reads it and the keyboard continues from it to the fields, instead of from the top. -#}
    {% if error %}<div id="login-error" class="fr-alert fr-alert--error fr-alert--sm fr-mb-3w" role="alert" tabindex="-1" autofocus><p>{{ error }}</p></div>{% endif %}
    <form method="post" action="/login">
      <fieldset class="fr-fieldset" aria-labelledby="login-legend">
        <legend class="fr-fieldset__legend" id="login-legend">Identifiez-vous avec votre compte MétéoComptes</legend>
        <div class="fr-fieldset__element"><div class="fr-input-group">
          <label class="fr-label" for="login">Identifiant</label>
          <input class="fr-input" id="login" name="login" type="text" autocomplete="username" autocapitalize="off"
                 spellcheck="false" maxlength="64" required value="{{ login }}"{% if error %} aria-describedby="login-error"{% endif %}>
        </div></div>
        <div class="fr-fieldset__element"><div class="fr-input-group">
          <label class="fr-label" for="password">Mot de passe</label>
          <input class="fr-input" id="password" name="password" type="password" autocomplete="current-password"
                 maxlength="256" required>
        </div></div>
        <input type="hidden" name="csrf_token" value="{{ csrf }}">
        <input type="hidden" name="next" value="{{ next }}">
        <div class="fr-fieldset__element"><button class="fr-btn" type="submit">Se connecter</button></div>
      </fieldset>
    </form>
    <p class="fr-text--sm">Mot de passe oublié ou compte bloqué : adressez-vous à l'administrateur de MétéoComptes de votre académie.</p>
  </div></div>
</main>
</body>
</html>"""


LOGOUT_CONFIRM_HTML = """<!DOCTYPE html>
<html lang="fr" data-fr-scheme="light">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Déconnexion — MétéoComptes</title><link rel="stylesheet" href="/assets/dsfr/dsfr.main.min.css"></head>
<body><main role="main" class="fr-container fr-my-6w">
<h1>Déconnexion</h1>
<form method="post" action="/logout"><button class="fr-btn" type="submit">Se déconnecter de MétéoComptes</button></form>
<p class="fr-mt-2w"><a class="fr-link" href="/">Retour à l'accueil</a></p>
</main></body></html>"""


def _login_page(settings: Settings, *, error: str = "", info: str = "", login: str = "", next_: str = "/", status: int = 200) -> Response:
    # Reuse the token already in the cookie: a parallel request redirected here (the browser's favicon fetch)
    # must not replace the token of the form the user is filling.
    existing = request.cookies.get(cookie_name(settings, "csrf")) or ""
    csrf = existing if len(existing) == 43 and existing.replace("-", "").replace("_", "").isalnum() else secrets.token_urlsafe(32)
    html = render_template_string(
        LOGIN_HTML,
        academie=settings["METEOCOMPTES_ACADEMIE_NOM"],
        error=error,
        info=info,
        login=login,
        csrf=csrf,
        next=safe_next(next_),
    )
    resp = Response(html, status=status, mimetype="text/html")
    # Double-submit token: a cross-site form cannot read this cookie to copy it into the field.
    set_cookie(resp, settings, "csrf", csrf, samesite="Strict")
    return resp


def _do_login(settings: Settings) -> Response:
    form = request.form
    login = (form.get("login") or "").strip()[:64]
    password = (form.get("password") or "")[:256]
    next_ = form.get("next") or request.args.get("next") or "/"
    cookie_csrf = request.cookies.get(cookie_name(settings, "csrf")) or ""
    field_csrf = form.get("csrf_token") or ""
    if not cookie_csrf or not hmac.compare_digest(cookie_csrf.encode(), field_csrf.encode()):
        return _login_page(settings, error="Le formulaire a expiré : veuillez vous identifier à nouveau.", login=login, next_=next_, status=400)

    ip = g.client_ip
    key = users.login_key(login)
    acct_key, ip_key = f"login:acct:{key}", f"login:ip:{ip}"
    max_fail = int(settings["LOGIN_MAX_FAILURES"])
    window = int(settings["LOGIN_LOCK_MINUTES"]) * 60
    known = users.find_user(settings, login) if login else None
    # Only a login that names an account goes to the log: a mistyped field may hold a password.
    who = known.login if known else None

    locked = ratelimit.peek(settings, acct_key) >= max_fail or ratelimit.peek(settings, ip_key) >= max_fail * IP_FAILURE_FACTOR
    if locked:
        users.burn_password_check(password)  # same cost as a real attempt
        audit.record(settings, who, "login_locked", detail={"identifiant_connu": known is not None}, outcome="denied")
        return _login_page(settings, error=GENERIC_LOGIN_ERROR, login=login, next_=next_)

    user = users.authenticate(settings, login, password) if login and password else None
    if user is None:
        if not (login and password):
            users.burn_password_check(password)
        n = ratelimit.incr(settings, acct_key, window, sliding=True)
        ratelimit.incr(settings, ip_key, window, sliding=True)
        audit.record(
            settings, who, "login_failed",
            detail={"raison": "compte désactivé" if known and not known.active else "identifiants refusés"}, outcome="failed",
        )
        if n == max_fail:
            audit.record(settings, who, "login_locked", detail={"raison": "seuil d'échecs atteint"}, outcome="denied")
        return _login_page(settings, error=GENERIC_LOGIN_ERROR, login=login, next_=next_)

    ratelimit.reset(settings, acct_key)  # not the IP counter: a valid account must not reset an attacker's budget
    old = request.cookies.get(cookie_name(settings))
    if old:
        users.delete_session(settings, old)  # no session fixation: always a fresh id
    users.purge_sessions(settings, users.utcnow())  # keeps the table small without a scheduler
    token = users.create_session(settings, user.id, ip)
    principal = users.principal_for(settings, user, date.today())
    audit.record(settings, principal or user.login, "login_ok")
    resp = redirect(safe_next(next_), code=303)
    set_cookie(resp, settings, "session", token, samesite="Lax")
    resp.delete_cookie(cookie_name(settings, "csrf"), path="/", secure=security.is_https(settings), httponly=True, samesite="Strict")
    return resp


# ---------------------------------------------------------------- expired session in an open page

SESSION_JS_PATH = "/_auth/session.js"
# Loaded by every Dash page (external script, allowed by script-src 'self'): when a callback answers 401 (idle
# or absolute expiry, logout in another tab, account disabled), go to the login page instead of leaving a page
# that silently stops updating.
# Several callbacks in flight all get their 401: only the first one navigates, so that a second assign() does not
# abort the first navigation.
SESSION_JS = """(function () {
  var orig = window.fetch;
  var leaving = false;
  if (!orig) { return; }
  window.fetch = function () {
    return orig.apply(this, arguments).then(function (resp) {
      if (!leaving && resp.status === 401 && resp.url.indexOf('/_dash-') !== -1) {
        leaving = true;
        var next = window.location.pathname + window.location.search;
        window.location.assign('/login?raison=expiree&next=' + encodeURIComponent(next));
      }
      return resp;
    });
  };
})();
"""


def _install_session_script(server: Flask) -> None:
    app = security._find_dash_app(server)
    if app is not None and SESSION_JS_PATH not in app.config.external_scripts:
        app.config.external_scripts.append(SESSION_JS_PATH)


# ---------------------------------------------------------------- wiring


def init_auth(server: Flask, settings: Settings) -> None:
    """Registers security headers, the login routes, the per-request principal and the AccessDenied handler."""
    security.init_security(server, settings)

    @server.before_request
    def _principal():  # noqa: ANN202
        return _resolve(settings)

    @server.teardown_request
    def _forget_client_ip(_exc: BaseException | None) -> None:
        token = g.pop("client_ip_token", None)
        if token is not None:
            request_context.client_ip.reset(token)

    @server.route("/login", methods=["GET", "POST"])
    def login():  # noqa: ANN202
        if request.method == "POST":
            return _do_login(settings)
        next_ = request.args.get("next") or "/"
        if current_principal() is not None:
            return redirect(safe_next(next_), code=303)
        info = "Votre session a expiré : veuillez vous identifier à nouveau." if request.args.get("raison") == "expiree" else ""
        return _login_page(settings, info=info, next_=next_)

    _install_session_script(server)

    @server.get(SESSION_JS_PATH)
    def session_js():  # noqa: ANN202
        resp = Response(SESSION_JS, mimetype="text/javascript")
        resp.cache_control.max_age = 3600
        return resp

    @server.get("/favicon.ico")
    def favicon():  # noqa: ANN202
        # Browsers ask for it on their own; without this route it would land on the login redirect.
        return redirect("/_favicon.ico", code=301)

    @server.route("/logout", methods=["GET", "POST"])
    def logout():  # noqa: ANN202
        # GET is accepted because the shell links to it. A cross-site top-level GET (Lax cookies are sent on those)
        # only gets a confirmation button, so another site cannot log users out behind their back.
        if request.method == "GET" and request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return Response(render_template_string(LOGOUT_CONFIRM_HTML), mimetype="text/html")
        token = request.cookies.get(cookie_name(settings))
        p = current_principal()
        if token:
            users.delete_session(settings, token)
        if p is not None:
            audit.record(settings, p, "logout")
        resp = redirect("/login", code=303)
        resp.delete_cookie(cookie_name(settings), path="/", secure=security.is_https(settings), httponly=True, samesite="Lax")
        return resp

    @server.errorhandler(AccessDenied)
    def _access_denied(exc: AccessDenied):  # noqa: ANN202
        detail: dict = {"chemin": request.path, "raison": str(exc)[:300]}
        if request.path.endswith("/_dash-update-component"):
            body = request.get_json(silent=True) or {}
            detail["sortie"] = str(body.get("output", ""))[:300]
        audit.record(settings, current_principal(), "forbidden", detail=detail, outcome="denied")
        return _deny_json(403, "Accès refusé.")
