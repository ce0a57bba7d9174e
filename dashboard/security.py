"""HTTP hardening: security headers on every response, cookie flags, same-origin checks, no CORS.

Content-Security-Policy:
- scripts: 'self' plus the sha256 of Dash's own inline scripts (`app.csp_hashes()`: the renderer bootstrap and
  inline clientside callbacks). No 'unsafe-inline', no 'unsafe-eval' (the only `new Function` in the renderer
  is a globalThis polyfill inside a try/catch).
- styles: 'self' 'unsafe-inline'. Dash 4.4 needs it: dcc (dash_core_components-shared.js), plotly.js and
  dash-ag-grid insert <style> elements at run time and take no nonce. Style injection is far less dangerous
  than script injection, and React escapes every text we render, so this is the accepted trade-off.
- img data:/blob: for plotly's exported images and DSFR icons; fonts 'self' (Marianne); connect 'self'.
- frame-ancestors 'none' (and X-Frame-Options: DENY for old browsers), form-action 'self', base-uri 'none',
  object-src 'none'.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request

from queries.core.settings import Settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Responses that may be cached by the browser: static code and styles, no data.
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")


def _find_dash_app(server: Flask):  # noqa: ANN202
    """The Dash app mounted on this Flask server (Dash registers its bound `_setup_server` as before_request)."""
    import dash

    for f in server.before_request_funcs.get(None, []):
        owner = getattr(f, "__self__", None)
        if isinstance(owner, dash.Dash):
            return owner
    return None


class CSP:
    """Builds the policy lazily: Dash's inline-script hashes are known only once every callback is defined."""

    def __init__(self, server: Flask) -> None:
        self.server = server
        self._key: tuple[int, ...] | None = None
        self._value = ""

    def value(self) -> str:
        app = _find_dash_app(self.server)
        hashes: list[str] = []
        key: tuple[int, ...] = ()
        if app is not None:
            import dash._callback as _cb

            # Recompute only when clientside callbacks were added since (cheap tuple comparison).
            key = (id(app), len(app._inline_scripts), len(_cb.GLOBAL_INLINE_SCRIPTS))
            if key == self._key:
                return self._value
            hashes = list(app.csp_hashes())
        directives = {
            "default-src": ["'self'"],
            "script-src": ["'self'", *hashes],
            "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": ["'self'", "data:", "blob:"],
            "font-src": ["'self'", "data:"],
            "connect-src": ["'self'"],
            "worker-src": ["'self'", "blob:"],
            "frame-ancestors": ["'none'"],
            "form-action": ["'self'"],
            "base-uri": ["'none'"],
            "object-src": ["'none'"],
        }
        self._value = "; ".join(f"{k} {' '.join(v)}" for k, v in directives.items())
        self._key = key if app is not None else None
        return self._value


def is_https(settings: Settings) -> bool:
    """Scheme of the current request; X-Forwarded-Proto counts only from a trusted proxy."""
    if request.scheme == "https":
        return True
    if request.remote_addr in settings["TRUSTED_PROXIES"]:
        return request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() == "https"
    return False


def same_origin(settings: Settings) -> bool:
    """For unsafe methods: Origin (or, failing it, Referer) must name this very host when the browser sends one.

    Browsers send Origin on every cross-site POST, so a forged cross-site request is refused here; clients
    that send neither (curl, tests) are not browsers carrying a victim's cookie.
    """
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        ref = request.headers.get("Referer")
        if not ref:
            return origin != "null"  # "null" = sandboxed or opaque origin: never ours
        parts = urlsplit(ref)
        origin = f"{parts.scheme}://{parts.netloc}"
    parts = urlsplit(origin)
    host = request.host
    if request.remote_addr in settings["TRUSTED_PROXIES"] and request.headers.get("X-Forwarded-Host"):
        host = request.headers["X-Forwarded-Host"].split(",")[0].strip()
    scheme = "https" if is_https(settings) else "http"
    return parts.netloc.lower() == host.lower() and parts.scheme == scheme


def init_security(server: Flask, settings: Settings) -> None:
    server.config.update(
        # Flask's own signed session cookie is not used (our cookie is an opaque id), but harden it anyway.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="meteocomptes_flask",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    csp = CSP(server)

    @server.before_request
    def _check_origin():  # noqa: ANN202
        if request.method in UNSAFE_METHODS and not same_origin(settings):
            return jsonify(erreur="Requête d'une autre origine refusée."), 403
        return None

    @server.after_request
    def _headers(resp: Response) -> Response:
        h = resp.headers
        h["Content-Security-Policy"] = csp.value()
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "same-origin"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        # No CORS, whatever a component or extension might have added.
        for name in [k for k in h.keys() if k.lower().startswith("access-control-allow-")]:
            del h[name]
        if not request.path.startswith(STATIC_PREFIXES):
            # Pages, callbacks and exports carry personal data: never in a shared or disk cache.
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        if is_https(settings):
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return resp
