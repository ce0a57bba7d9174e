"""Helpers shared by the access-control tests (no test here): app factory, users, login through the real form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dash import Dash
from flask.testing import FlaskClient

from queries.core.settings import Settings
from queries.store import users

PASSWORD = "mot-de-passe-de-test-1"
LOGIN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for test accounts: hashing cost is not what these tests check (2 CPUs, many logins).

    Autouse in every module that imports it (`from auth_kit import fast_argon2`).
    """
    from argon2 import PasswordHasher

    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path)}, **overrides)


def make_app(settings: Settings) -> Dash:
    from dashboard.app import create_app

    return create_app(settings)


def add_user(settings: Settings, login: str, role: str, scope: str | None = None, password: str = PASSWORD) -> users.User:
    return users.create_user(settings, login, role, scope, login.title(), password)


def csrf(client: FlaskClient, next_: str | None = None) -> str:
    r = client.get("/login" + (f"?next={next_}" if next_ else ""))
    m = LOGIN_RE.search(r.get_data(as_text=True))
    assert m, "pas de jeton CSRF dans le formulaire"
    return m.group(1)


def login(client: FlaskClient, login_: str, password: str = PASSWORD, next_: str = "/", **environ: object):  # noqa: ANN201
    token = csrf(client)
    return client.post(
        "/login", data={"login": login_, "password": password, "csrf_token": token, "next": next_},
        environ_base=dict(environ),
    )


def logged_client(app: Dash, login_: str, password: str = PASSWORD) -> FlaskClient:
    c = app.server.test_client()
    r = login(c, login_, password)
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    return c


def router_body(pathname: str, search: str = "") -> dict:
    from dashboard.ids import Shell

    outs = [(Shell.CONTENT, "children"), (Shell.NAV, "children"), (Shell.DATA_DATE, "children"), (Shell.USER, "children"),
            (Shell.USER_MENU, "children"), (Shell.RENDERED, "data")]
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outs) + "..",
        "outputs": [{"id": str(i), "property": p} for i, p in outs],
        "inputs": [{"id": str(Shell.URL), "property": "pathname", "value": pathname},
                   {"id": str(Shell.URL), "property": "search", "value": search}],
        "changedPropIds": [f"{Shell.URL}.pathname"],
        "state": [{"id": str(Shell.RENDERED), "property": "data", "value": None}],
    }


def text(r) -> str:  # noqa: ANN001
    """Response body with JSON unicode escapes undone (Dash escapes non-ASCII and '/')."""
    import json

    raw = r.get_data(as_text=True)
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False)
    except ValueError:
        return raw
