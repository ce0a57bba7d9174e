"""Application shell: /healthz, the data-date banner on every page, refused pages audited."""

from __future__ import annotations

import json

import sqlalchemy as sa
from test_auth_kit import add_user, fast_argon2, logged_client, make_app, router_body  # noqa: F401

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
    app = make_app(mini_warehouse)
    add_user(mini_warehouse, "pil", "pilote", "academie:28")
    c = logged_client(app, "pil")
    for path in ("/", "/statistiques", "/qualite"):
        r = c.post("/_dash-update-component", json=router_body(path))
        assert r.status_code == 200
        assert "Données du 15/09/2026 à " in json.dumps(r.get_json(), ensure_ascii=False), path


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
