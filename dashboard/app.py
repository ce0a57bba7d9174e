"""Application factory. `create_app(settings)` builds the Dash app; it opens no DuckDB connection."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from dash import Dash, Input, Output, State, dcc, html, no_update
from flask import (
    Flask,
    Response,
    current_app,
    has_request_context,
    jsonify,
    request,
    send_file,
)

from dashboard import api, auth, requests_guard
from dashboard.cache import init_cache
from dashboard.ids import Shell
from dashboard.pages import Page, load_pages
from dashboard.pages.journal import export_journal
from dashboard.pages.responsables.callbacks import export_view
from queries import warehouse
from queries.core import authz
from queries.core.authz import Action
from queries.core.scope import Principal
from queries.core.settings import Settings
from queries.store import audit, init_db, outbox

ASSETS = Path(__file__).resolve().parent.parent / "assets"

INDEX = """<!DOCTYPE html>
<html lang="fr" data-fr-scheme="light">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        <!-- Asked for now, while the scripts load: the renderer's own fetch of them then finds them ready. -->
        <link rel="preload" href="/_dash-layout" as="fetch" crossorigin="anonymous">
        <link rel="preload" href="/_dash-dependencies" as="fetch" crossorigin="anonymous">
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def header(settings: Settings, menu: object = None, user: object = None, user_menu: object = None) -> html.Header:
    """The DSFR header (« En-tête »): below 992 px the navigation and the user's links move into a modal opened by
    the « Menu » button (assets/header-menu.js). The user's links are written twice by the router, in the tools
    (desktop) and in the menu (phones), as the DSFR asks of frameworks that render the DOM themselves."""
    return html.Header(
        className="fr-header",
        role="banner",
        children=[
            html.Div(
                className="fr-header__body",
                children=html.Div(
                    className="fr-container",
                    children=html.Div(
                        className="fr-header__body-row",
                        children=[
                            html.Div(
                                className="fr-header__brand fr-enlarge-link",
                                children=[
                                    html.Div(
                                        className="fr-header__brand-top",
                                        children=[
                                            html.Div(
                                                className="fr-header__logo",
                                                children=html.P(
                                                    ["Académie", html.Br(), settings["METEOCOMPTES_ACADEMIE_NOM"]],
                                                    className="fr-logo",
                                                ),
                                            ),
                                            html.Div(
                                                className="fr-header__navbar",
                                                children=html.Button(
                                                    "Menu",
                                                    id=Shell.MENU_BUTTON,
                                                    className="fr-btn--menu fr-btn",
                                                    title="Menu",
                                                    type="button",
                                                    **{"data-fr-opened": "false", "aria-controls": Shell.MENU,
                                                       "aria-haspopup": "dialog"},
                                                ),
                                            ),
                                        ],
                                    ),
                                    html.Div(
                                        className="fr-header__service",
                                        children=[
                                            dcc.Link(
                                                html.P("MétéoComptes", className="fr-header__service-title"),
                                                href="/",
                                                title="Accueil — MétéoComptes",
                                            ),
                                            html.P(
                                                "Comptes EduConnect des responsables",
                                                className="fr-header__service-tagline",
                                            ),
                                        ],
                                    ),
                                ],
                            ),
                            html.Div(
                                className="fr-header__tools",
                                children=html.Div(user, className="fr-header__tools-links", id=Shell.USER),
                            ),
                        ],
                    ),
                ),
            ),
            html.Div(
                id=Shell.MENU,
                className="fr-header__menu fr-modal",
                **{"aria-labelledby": Shell.MENU_BUTTON},
                children=html.Div(
                    className="fr-container",
                    children=[
                        html.Button("Fermer", className="fr-btn--close fr-btn", title="Fermer", type="button",
                                    **{"aria-controls": Shell.MENU}),
                        html.Div(user_menu, className="fr-header__menu-links", id=Shell.USER_MENU),
                        html.Nav(menu, id=Shell.NAV, className="fr-nav", role="navigation",
                                 **{"aria-label": "Menu principal"}),
                    ],
                ),
            ),
        ],
    )


def user_links(principal: Principal) -> html.Ul:
    """Who is connected and the logout link, as a DSFR button group (the header's tools, or the menu)."""
    return html.Ul(
        [html.Li(html.Span(principal.display_name or principal.login, className="shell-user-name")),
         html.Li(html.A("Se déconnecter", href="/logout", className="fr-btn"))],
        className="fr-btns-group",
    )


def shell_layout(settings: Settings, first: tuple[str, tuple] | None = None) -> html.Div:
    """The page around every screen. `first` = (address, the router's outputs for it): the screen asked for,
    rendered into the layout itself, so the browser shows it without waiting for the router's round trip."""
    content, menu, data_date, user, user_menu = first[1] if first else (None, None, None, None, None)
    return html.Div(
        [
            dcc.Location(id=Shell.URL, refresh="callback-nav"),
            dcc.Store(id=Shell.RENDERED, data=first[0] if first else None),
            html.A("Aller au contenu", href="#contenu", className="fr-link skip-link"),
            header(settings, menu, user, user_menu),
            html.Main(
                id="contenu",
                role="main",
                className="fr-container fr-my-4w",
                children=[
                    html.P(data_date, id=Shell.DATA_DATE, className="fr-text--sm data-date", **{"aria-live": "polite"}),
                    html.Div(content, id=Shell.CONTENT),
                ],
            ),
            html.Footer(
                className="fr-footer fr-container",
                role="contentinfo",
                children=html.P("MétéoComptes — données synthétiques de démonstration", className="fr-text--xs"),
            ),
        ]
    )


def referred_page(server_host: str) -> tuple[str, str] | None:
    """The address of the page whose layout is being fetched: /_dash-layout is requested by that page, which
    sends it as Referer (Referrer-Policy: same-origin). None when absent or from elsewhere: the router then
    renders it as before."""
    ref = urlsplit(request.referrer or "")
    if ref.netloc != server_host or not ref.path:
        return None
    return ref.path, f"?{ref.query}" if ref.query else ""


def nav(pages: list[Page], principal: Principal | None, current: str) -> html.Ul:
    items = []
    if principal is not None:
        for p in pages:
            if p.in_menu and p.allowed(principal):
                # dcc.Link takes no aria-* props: the current page is a plain link carrying aria-current.
                link = (html.A(p.title, href=p.path, className="fr-nav__link", **{"aria-current": "page"})
                        if p.path == current else dcc.Link(p.title, href=p.path, className="fr-nav__link"))
                items.append(html.Li(link, className="fr-nav__item"))
    return html.Ul(items, className="fr-nav__list")


def data_date_label(settings: Settings) -> str:
    try:
        return warehouse.coverage(settings).label()  # full snapshot, console exports, or both
    except warehouse.WarehouseUnavailable:
        return "Aucune donnée disponible pour le moment."


def page_key(path: str) -> str:
    """The registry key of a page path: the router ignores a trailing slash."""
    return path.rstrip("/") or "/"


def validation_layout(settings: Settings, pages: list[Page]) -> html.Div:
    """The shell and every page's skeleton: Dash checks each callback's ids and properties against it."""
    return html.Div([shell_layout(settings), *[p.skeleton(settings) for p in pages if p.skeleton is not None]])


SUITES = "/_dash-component-suites/"
# Where dash-renderer tells dcc.Graph to load plotly.js from when serving locally (a fixed address).
PLOTLY_URL = f"{SUITES}plotly/package_data/plotly.min.js"
# The code a page's first screen waits for and that the renderer would only ask for once that screen is built
# (dcc's dropdown, the grid): asked for with the page instead.
PAGE_SCRIPTS = {
    "/statistiques": ("dash/dcc/async-dropdown.js",),  # not plotly.js: the charts are below the first screen
    "/responsables": ("dash_ag_grid/async-community.js", "dash/dcc/async-dropdown.js"),
    "/journal": ("dash_ag_grid/async-community.js", "dash/dcc/async-dropdown.js"),
    "/admin": ("dash/dcc/async-dropdown.js",),
}


def init_preload_hints(app: Dash) -> None:
    """Preload, in the page's head, the chunks its first screen needs (PAGE_SCRIPTS)."""
    interpolate = app.interpolate_index

    def with_hints(**kw: str) -> str:
        scripts = PAGE_SCRIPTS.get(page_key(request.path), ())
        hints = "".join(f'<link rel="preload" href="{SUITES}{s}" as="script">' for s in scripts)
        return interpolate(**{**kw, "css": kw.get("css", "") + hints})

    app.interpolate_index = with_hints  # type: ignore[method-assign]


def init_not_found(app: Dash, pages: list[Page]) -> None:
    """Unknown paths answer 404. Dash's catch-all serves its index for any path and the router then shows
    « Page introuvable »: the same page is sent, with the status that monitors, crawlers and logs expect."""
    known = {page_key(p.path) for p in pages}
    catchall = app.config.routes_pathname_prefix + "<path:path>"

    @app.server.after_request
    def _unknown_page_is_404(resp: Response) -> Response:
        if request.endpoint == catchall and resp.status_code == 200 and page_key(request.path) not in known:
            resp.status_code = 404
        return resp


def init_outbox(server: Flask, settings: Settings) -> None:
    """The email sender thread and the export routes of the console and the Journal (pages register no server
    state: their callbacks only)."""

    @server.before_request
    def _start_outbox_sender() -> None:
        # Started lazily in each worker, after gunicorn's fork (a thread does not survive a fork).
        outbox.start_background_sender(settings)

    server.add_url_rule("/export/responsables.<fmt>", "export_responsables", lambda fmt: export_view(settings, fmt))
    server.add_url_rule("/export/journal.csv", "export_journal", lambda: export_journal(settings))


# ------------------------------------------------------------------------------------------------ router


def route(principal: Principal | None, pathname: str | None, search: str | None) -> tuple:
    """The screen at this address for the person asking: content, menu, data date, user links (twice)."""
    settings = auth.settings_of()
    pages: list[Page] = current_app.config["METEOCOMPTES_PAGES"]
    path = pathname or "/"
    menu = nav(pages, principal, path)
    if principal is None:
        return (
            html.Div([html.H1("Connexion requise"), html.A("Se connecter", href="/login", className="fr-btn")]),
            menu, "", "", "",
        )
    user = user_links(principal)
    page = next((p for p in pages if page_key(p.path) == page_key(path)), None)
    if page is None:
        return html.Div([html.H1("Page introuvable"), dcc.Link("Retour à l'accueil", href="/")]), menu, "", user, user_links(principal)
    if not page.allowed(principal):
        audit.record(settings, principal, "forbidden", detail={"page": page.path}, outcome="denied")
        return html.Div([html.H1("Accès refusé"), html.P("Cette page ne fait pas partie de vos droits.")]), menu, "", user, user_links(principal)
    params = dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=False))
    # The data date only for those who read data (the admin manages accounts and reads none).
    reads_data = authz.allowed(principal, Action.STATS) or authz.allowed(principal, Action.CONSOLE)
    return (page.layout(principal, params), menu, data_date_label(settings) if reads_data else "", user,
            user_links(principal))


def serve_layout(settings: Settings) -> html.Div:
    """app.layout (bound to the app's settings): the shell, with the screen of the page that fetches it (see
    referred_page)."""
    # Outside a request (Dash's own checks) or without a usable Referer: the bare shell, the router fills it.
    ref = referred_page(request.host) if has_request_context() else None
    return shell_layout(settings, (ref[0] + ref[1], route(auth.current_principal(), *ref)) if ref else None)


ROUTER_IO = (
    Output(Shell.CONTENT, "children"),
    Output(Shell.NAV, "children"),
    Output(Shell.DATA_DATE, "children"),
    Output(Shell.USER, "children"),
    Output(Shell.USER_MENU, "children"),
    Output(Shell.RENDERED, "data"),
    Input(Shell.URL, "pathname"),
    Input(Shell.URL, "search"),
    State(Shell.RENDERED, "data"),
)


def route_callback(pathname: str | None, search: str | None, rendered: str | None) -> tuple:
    """The router: every navigation inside the app (links, back/forward, the statistics' controls)."""
    principal = auth.current_principal()
    # The layout already holds the screen of this very address (dcc.Location reports it once mounted):
    # nothing to send again; later navigations, even back to this address, are routed.
    if rendered is not None and rendered == (pathname or "/") + (search or ""):
        return (*[no_update] * 5, None)
    return (*route(principal, pathname, search), None)


PLOTLY_BUNDLE = Path(__file__).resolve().parent / "vendor" / "plotly-cartesian.min.js"


def init_plotly_bundle(server: Flask) -> None:
    """dcc.Graph loads plotly.js when the first chart comes. At that address the full bundle (4.8 MB) is
    replaced by the cartesian one (1.5 MB: scatter, bar, heatmap, every trace the statistics draw), the same
    plotly.js release (tests/test_app_shell.py checks it): a third of the code to parse before the charts."""
    server.add_url_rule(PLOTLY_URL, "plotly_bundle",
                        lambda: send_file(PLOTLY_BUNDLE, mimetype="text/javascript"))


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or Settings.from_env()
    server = Flask("meteocomptes")
    server.config["METEOCOMPTES_SETTINGS"] = settings
    server.config["SECRET_KEY"] = settings.secret_key()
    # Static files (assets/: DSFR, our CSS and JS, whose addresses carry their modification time) kept a day by
    # the browser instead of revalidated one by one on every page: a dozen round trips fewer before the first
    # screen. Pages, callbacks and exports stay `no-store` (security.py).
    server.config["SEND_FILE_MAX_AGE_DEFAULT"] = 86400
    init_db(settings)
    init_cache(server, settings)

    app = Dash(
        __name__,
        server=server,
        assets_folder=str(ASSETS),
        title="MétéoComptes",
        update_title=None,
        index_string=INDEX,
        serve_locally=True,
        compress=False,
    )
    init_plotly_bundle(server)
    auth.init_auth(server, settings)
    # After init_auth: the body of a callback is judged once its caller is known (anonymous: 401 first).
    requests_guard.init_requests_guard(server, settings, lambda: app.callback_map)
    api.init_api(server, settings)  # statistics JSON API + exports
    init_outbox(server, settings)
    pages = load_pages()
    init_not_found(app, pages)
    init_preload_hints(app)
    requests_guard.expect(Shell.RENDERED, "data", "str")

    @server.get("/healthz")
    def healthz():  # noqa: ANN202
        try:
            # counts and dates only: this route is public, it names no establishment
            body = warehouse.coverage(settings).as_json()
        except warehouse.WarehouseUnavailable:
            # No path or driver message on a public route: the server log has the detail.
            server.logger.exception("healthz: entrepôt illisible")
            return jsonify(status="indisponible", erreur="Entrepôt de données indisponible ou vide."), 503
        return jsonify(status="ok", **body)

    server.config["METEOCOMPTES_PAGES"] = pages
    app.layout = partial(serve_layout, settings)
    app.validation_layout = validation_layout(settings, pages)
    app.callback(*ROUTER_IO)(route_callback)

    for p in pages:
        if p.register_callbacks is not None:
            p.register_callbacks(app, settings)
    return app
