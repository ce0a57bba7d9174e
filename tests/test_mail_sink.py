"""The demo's mail sink (MAIL_SINK_DIR): emails written as .eml files, listed on « Courriels envoyés (démo) » for
the support only and only while the sink is on; a failed SMTP delivery says why in French."""

from __future__ import annotations

import socket
import stat

import pytest
from auth_kit import add_user, fast_argon2, logged_client, make_app, router_body, text  # noqa: F401
from console_data import COLLEGE, build_warehouse

from queries.core.scope import Principal, Role, Scope
from queries.services import actions, journal
from queries.store import console_state, init_db, outbox

CHEF = Principal(1, "chef", Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: connecting is refused


@pytest.fixture
def sink_settings(make_settings, tmp_path):
    # A closed SMTP port: had the sender tried SMTP, the delivery would fail.
    s = make_settings(MAIL_SINK_DIR=str(tmp_path / "courriels"), SMTP_HOST="127.0.0.1", SMTP_PORT=_closed_port())
    init_db(s)
    build_warehouse(s)
    return s


def test_sink_writes_each_message_as_an_eml_file(sink_settings, tmp_path):
    s = sink_settings
    res = actions.notify(s, CHEF, ["s.abbeym12"], "courriel", True, group=True)
    assert res.queued == 1
    assert outbox.deliver_pending(s).sent == 1
    files = list((tmp_path / "courriels").glob("*.eml"))
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert not list((tmp_path / "courriels").glob("*.tmp"))
    [m] = outbox.sink_messages(s)
    assert m.to == "sabrina@example.fr" and m.subject == "Votre compte EduConnect" and m.date is not None
    assert "s.abbeym12" in m.body and "{mot_de_passe}" not in m.body
    pw = m.body.split("Votre mot de passe provisoire : ", 1)[1].split()[0]
    assert console_state.verify_provisional(s, "s.abbeym12", pw)  # the password drawn at delivery, as over SMTP
    assert outbox.messages(s)[0]["statut"] == "Envoyé"


def test_without_sink_nothing_is_listed(make_settings):
    s = make_settings()
    assert outbox.sink_dir(s) is None and outbox.sink_messages(s) == []


def test_refused_connection_is_reported_in_french(make_settings):
    s = make_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=_closed_port())
    init_db(s)
    outbox.enqueue(s, "x@example.fr", "Votre compte EduConnect", "Bonjour")
    rep = outbox.deliver_pending(s)
    assert rep.sent == 0 and rep.retried == 1
    err = outbox.messages(s)[0]["last_error"]
    assert err.startswith("Serveur de courriel injoignable") and "SMTP_HOST" in err
    assert "Errno" not in err and "Error" not in err


@pytest.mark.parametrize(("login", "role", "scope", "sees"), [
    ("support", "support", "academie:28", True),
    ("admin", "admin", None, False),  # no right to guardians' data, so not to their emails either
    ("chef", "chef", f"etablissement:{COLLEGE}", False),
    ("pilote", "pilote", "academie:28", False),
])
def test_page_opens_to_the_support_only_and_only_with_the_sink(sink_settings, make_settings, login, role, scope,
                                                               sees):
    s = sink_settings
    actions.notify(s, CHEF, ["s.abbeym12"], "courriel", True, group=True)
    outbox.deliver_pending(s)
    user = add_user(s, login, role, scope)
    c = logged_client(make_app(s), login)
    body = text(c.post("/_dash-update-component", json=router_body("/courriels")))
    assert ("sabrina@example.fr" in body) is sees
    assert ("Accès refusé" in body) is not sees
    assert ('"href": "/courriels"' in body) is sees  # in the menu of the support only
    if sees:
        assert "Courriels envoyés (démo)" in body and "n'est ouverte qu'au support" in body
        assert "Votre mot de passe provisoire" in body  # the body, viewable in its <details>
        assert "boîte de démonstration" in body and str(outbox.sink_dir(s)) not in body  # no server path
        # The opening is journaled as what it was, not as « a ouvert un compte ».
        reader = Principal(user.id, login, Role(role), Scope.parse(str(scope)))
        rows = journal.page(s, reader, journal.Filters(login=login), 0, 5)
        assert "a consulté les courriels de démonstration (1 courriel)" in rows[0]["entree"]
    # the same account with the sink off: no page, no menu entry
    off = make_settings(DATABASE_URL=s.database_url)
    assert outbox.sink_dir(off) is None
    c_off = logged_client(make_app(off), login)
    body = text(c_off.post("/_dash-update-component", json=router_body("/courriels")))
    assert "Accès refusé" in body and "sabrina@example.fr" not in body and '"href": "/courriels"' not in body


def test_demo_turns_the_sink_on_unless_mail_is_configured(monkeypatch, make_settings):
    from meteocomptes.serve import demo_mail_sink

    s = make_settings()
    for name in ("MAIL_SINK_DIR", "SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    assert demo_mail_sink(s) == str(s.data_dir / "courriels")
    import os

    assert os.environ["MAIL_SINK_DIR"] == str(s.data_dir / "courriels")  # inherited by the gunicorn workers
    monkeypatch.delenv("MAIL_SINK_DIR")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.fr")
    assert demo_mail_sink(s) is None and "MAIL_SINK_DIR" not in os.environ
