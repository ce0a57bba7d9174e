"""Application shell: /healthz, the data-date banner on every page, refused pages audited."""

from __future__ import annotations

import json

import sqlalchemy as sa
from auth_kit import add_user, fast_argon2, logged_client, make_app, router_body  # noqa: F401

from queries.store import engine
from queries.store.audit import audit_log


def test_healthz_is_503_without_warehouse_and_leaks_no_path(settings):
    app = make_app(settings)
    r = app.server.test_client().get("/healthz")
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "indisponible"
    assert str(settings.warehouse_dir) not in r.get_data(as_text=True)


def test_healthz_reports_the_data_date(mini_warehouse):
    app = make_app(mini_warehouse)
    r = app.server.test_client().get("/healthz")
    assert r.status_code == 200
    assert r.get_json()["data_date"] == "2026-09-15"


def test_every_page_states_the_data_date(mini_warehouse):
    """The mini snapshots (dated 2026) were loaded today: the header says so, with that load's time, rather than
    pairing 15/09/2026 with a time of another day."""
    from queries import warehouse

    loaded = warehouse.data_info(mini_warehouse).ingested_at
    header = f"Données du 15/09/2026, chargées le {loaded:%d/%m/%Y} à {loaded:%H:%M}"
    app = make_app(mini_warehouse)
    add_user(mini_warehouse, "pil", "pilote", "academie:28")
    c = logged_client(app, "pil")
    for path in ("/", "/statistiques", "/qualite"):
        r = c.post("/_dash-update-component", json=router_body(path))
        assert r.status_code == 200
        assert r.get_json()["response"]["shell-data-date"]["children"] == header, path
    # The admin reads no data (accounts only): no data date in the header, on any page.
    add_user(mini_warehouse, "adm", "admin", None)
    adm = logged_client(app, "adm")
    for path in ("/", "/admin", "/journal"):
        r = adm.post("/_dash-update-component", json=router_body(path))
        assert r.status_code == 200
        assert r.get_json()["response"]["shell-data-date"]["children"] == "", path


def test_the_header_time_belongs_to_the_data_date_shown():
    from datetime import date, datetime

    from queries.warehouse import Coverage, DataInfo

    same_day = DataInfo(date(2026, 9, 15), datetime(2026, 9, 15, 19, 46))
    assert same_day.label() == "Données du 15/09/2026 à 19:46"
    next_morning = DataInfo(date(2026, 9, 15), datetime(2026, 9, 16, 6, 10))
    assert next_morning.label() == "Données du 15/09/2026, chargées le 16/09/2026 à 06:10"
    assert Coverage(next_morning, (same_day,)).label() == (
        "Données du 15/09/2026, chargées le 16/09/2026 à 06:10 — plus 1 établissement (export console)"
    )


def test_a_refused_page_is_audited(mini_warehouse):
    app = make_app(mini_warehouse)
    add_user(mini_warehouse, "pil", "pilote", "academie:28")
    c = logged_client(app, "pil")
    r = c.post("/_dash-update-component", json=router_body("/responsables"))
    assert "Accès refusé" in json.dumps(r.get_json(), ensure_ascii=False)
    with engine(mini_warehouse).connect() as con:
        rows = con.execute(
            sa.select(audit_log.c.action, audit_log.c.outcome, audit_log.c.detail).where(audit_log.c.login == "pil")
        ).fetchall()
    assert any(a == "forbidden" and o == "denied" and "/responsables" in (d or "") for a, o, d in rows), rows


# ------------------------------------------------------------------------------------------------ unknown pages


def test_unknown_paths_answer_404_and_known_pages_200(settings):
    from dashboard.pages import load_pages

    app = make_app(settings)
    add_user(settings, "adm", "admin")
    c = logged_client(app, "adm")
    for p in load_pages():  # every registered page, allowed or not: the router answers those itself
        for path in (p.path, p.path.rstrip("/") + "/"):
            assert c.get(path).status_code == 200, path
    for path in ("/nimporte", "/statistiques/x", "/responsables.csv", "/_dash-nope"):
        r = c.get(path)
        assert r.status_code == 404, path
        # Still the application's page (DSFR shell, French): the router shows « Page introuvable » in it.
        assert 'lang="fr"' in r.get_data(as_text=True) and "MétéoComptes" in r.get_data(as_text=True)
    r = c.post("/_dash-update-component", json=router_body("/nimporte"))
    assert "Page introuvable" in json.dumps(r.get_json(), ensure_ascii=False)


def test_unknown_paths_still_ask_to_log_in_first(settings):
    r = make_app(settings).server.test_client().get("/nimporte")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")


# ------------------------------------------------------------------------------------------------ callback ids


def _targets(deps: list[dict]) -> list[tuple[str | dict, str]]:
    """(id, property) of every output, input and state of the callback map."""
    pairs: list[tuple[str, str]] = []
    for cb in deps:
        for part in cb["output"].split("..."):
            ident, _, prop = part.strip(".").rpartition(".")
            pairs.append((ident, prop.split("@")[0]))
        pairs += [(d["id"], d["property"]) for d in cb["inputs"] + cb["state"]]
    # A pattern-matching id travels as its JSON text.
    return [(json.loads(i) if i.startswith("{") else i, prop) for i, prop in pairs]


def _matches(pattern: str | dict, ident: object) -> bool:
    if isinstance(pattern, str) or not isinstance(ident, dict):
        return pattern == ident
    return set(pattern) == set(ident) and all(isinstance(v, list) or ident[k] == v for k, v in pattern.items())


def unvalidated_targets(app, deps: list[dict]) -> list[str]:  # noqa: ANN001
    """What the renderer would report against app.validation_layout: ids found in no component, and
    properties that the component found does not have."""
    components = [c for c in app.validation_layout._traverse() if getattr(c, "id", None) is not None]
    bad = []
    for ident, prop in _targets(deps):
        found = [c for c in components if _matches(ident, c.id)]
        if not found:
            bad.append(f"{ident}: absent")
        elif not any(prop in c._prop_names or prop.startswith(tuple(c._valid_wildcard_attributes)) for c in found):
            bad.append(f"{ident}.{prop}: propriété inconnue")
    return bad


def test_every_callback_id_and_property_is_in_the_validation_layout(settings):
    app = make_app(settings)
    assert app.config.suppress_callback_exceptions is False
    add_user(settings, "adm", "admin")
    deps = logged_client(app, "adm").get("/_dash-dependencies").get_json()
    assert len(deps) > 20
    assert unvalidated_targets(app, deps) == []
    ids = [c.id for c in app.validation_layout._traverse() if isinstance(getattr(c, "id", None), str)]
    assert len(ids) == len(set(ids)), "identifiant en double dans la disposition de validation"
    # The renderer receives it: the index page carries it in its config.
    assert '"validation_layout"' in logged_client(app, "adm").get("/").get_data(as_text=True)


def test_a_callback_with_a_wrong_id_or_property_is_caught(settings):
    from dash import Input, Output

    from dashboard.ids import Shell
    from dashboard.pages.statistiques.ids import Ids

    app = make_app(settings)
    app.callback(Output("stats-kpi", "children"), Input(Shell.URL, "pathname"))(lambda p: p)  # typo: stats-kpis
    app.callback(Output(Ids.KPIS, "childern"), Input(Shell.URL, "search"))(lambda s: s)
    add_user(settings, "adm", "admin")
    deps = logged_client(app, "adm").get("/_dash-dependencies").get_json()
    assert unvalidated_targets(app, deps) == ["stats-kpi: absent", "stats-kpis.childern: propriété inconnue"]


# ------------------------------------------------------------------------------------------------ home page


def test_home_page_names_the_role_and_perimeter(mini_warehouse):
    """« chef d'établissement, périmètre : Collège Hégésippe Hoarau », never « chef » nor « etablissement:… »."""
    app = make_app(mini_warehouse)
    for login, role, scope, role_name, name in (
        ("pil", "pilote", "academie:28", "pilote académique", "académie de La Réunion"),
        ("chef", "chef", "etablissement:9740501B", "chef d'établissement", "Collège Hégésippe Hoarau"),
        ("ien", "ien", "circonscription:974-SUD", "inspecteur de l'Éducation nationale", "circonscription Saint-Pierre Sud"),
    ):
        add_user(mini_warehouse, login, role, scope)
        r = logged_client(app, login).post("/_dash-update-component", json=router_body("/"))
        content = json.dumps(r.get_json()["response"]["shell-content"], ensure_ascii=False)
        assert f"{role_name}, périmètre : {name}" in content, content
        assert scope not in content and f'"{role}"' not in content


def test_home_page_without_data_still_names_the_perimeter_in_words(settings):
    app = make_app(settings)
    add_user(settings, "chef", "chef", "etablissement:9740501B")
    r = logged_client(app, "chef").post("/_dash-update-component", json=router_body("/"))
    content = json.dumps(r.get_json()["response"]["shell-content"], ensure_ascii=False)
    assert "périmètre : établissement 9740501B" in content and "etablissement:" not in content


def test_the_layout_carries_the_page_of_its_referer_for_the_person_asking(mini_warehouse):
    """/_dash-layout renders the screen of the page that fetches it (its Referer), checked like the router:
    no session, no layout; outside the remit, « Accès refusé » and an audit row; another host, the bare shell."""
    app = make_app(mini_warehouse)
    add_user(mini_warehouse, "pil.l", "pilote", "academie:28")
    add_user(mini_warehouse, "chef.l", "chef", "etablissement:9740501B")
    stats = "http://localhost/statistiques?scope=academie:28"
    assert app.server.test_client().get("/_dash-layout", headers={"Referer": stats}).status_code == 401
    pil = logged_client(app, "pil.l")
    body = json.dumps(pil.get("/_dash-layout", headers={"Referer": stats}).get_json(), ensure_ascii=False)
    assert "stats-synthese-table" in body and "Comptes responsables" in body  # KPIs and synthesis in the page
    assert '"id": "shell-rendered", "data": "/statistiques?scope=academie:28"' in body
    for ref in (None, "http://ailleurs.example/statistiques?scope=academie:28"):
        bare = pil.get("/_dash-layout", headers={"Referer": ref} if ref else {}).get_data(as_text=True)
        assert "stats-synthese-table" not in bare and "Comptes responsables" not in bare
    chef = logged_client(app, "chef.l")
    body = json.dumps(chef.get("/_dash-layout", headers={"Referer": stats}).get_json(), ensure_ascii=False)
    assert "Accès refusé" in body and "stats-synthese-table" not in body
    with engine(mini_warehouse).connect() as con:
        rows = con.execute(sa.select(audit_log.c.login).where(audit_log.c.action == "forbidden")).fetchall()
    assert ("chef.l",) in rows


def test_the_router_skips_the_address_the_layout_was_served_with(mini_warehouse):
    app = make_app(mini_warehouse)
    add_user(mini_warehouse, "pil.r", "pilote", "academie:28")
    c = logged_client(app, "pil.r")
    body = router_body("/qualite")
    body["state"][0]["value"] = "/qualite"
    r = c.post("/_dash-update-component", json=body).get_json()["response"]
    assert r == {"shell-rendered": {"data": None}}  # nothing sent again; the next visit is routed
    body["state"][0]["value"] = None
    r = c.post("/_dash-update-component", json=body).get_json()["response"]
    assert "Qualité" in json.dumps(r["shell-content"], ensure_ascii=False)


def test_charts_get_plotly_js_cartesian_bundle_of_the_same_release(settings):
    from plotly.offline import get_plotlyjs_version

    app = make_app(settings)
    r = app.server.test_client().get("/_dash-component-suites/plotly/package_data/plotly.min.js")
    assert r.status_code == 200 and r.mimetype == "text/javascript"
    head = r.get_data(as_text=True)[:200]
    assert f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}" in head


def test_a_page_preloads_the_chunks_its_first_screen_needs(mini_warehouse):
    app = make_app(mini_warehouse)
    add_user(mini_warehouse, "sup.h", "support", "academie:28")
    c = logged_client(app, "sup.h")
    journal = c.get("/journal").get_data(as_text=True)
    assert '<link rel="preload" href="/_dash-component-suites/dash_ag_grid/async-community.js" as="script">' in journal
    assert '<link rel="preload" href="/_dash-layout" as="fetch" crossorigin="anonymous">' in journal
    home = c.get("/").get_data(as_text=True)
    assert "async-community.js" not in home and "/_dash-layout" in home
