"""Outbox against a real local SMTP server (aiosmtpd): stopped, then restarted, and no message is lost."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from console_data import COLLEGE, build_warehouse

from queries.core.scope import Principal, Role, Scope
from queries.services import actions
from queries.store import console_state, engine, init_db, outbox

CHEF = Principal(1, "chef", Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 (aiosmtpd hook name)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_settings(make_settings):
    port = _free_port()
    s = make_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none")
    init_db(s)
    return s, port


def _status(settings) -> dict[str, int]:
    m = outbox.outbox_message.c
    with engine(settings).connect() as con:
        return dict(con.execute(sa.select(m.status, sa.func.count()).group_by(m.status)).all())


def test_server_down_then_up_loses_nothing(smtp_settings):
    settings, port = smtp_settings
    sink = Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    for i in range(3):
        outbox.enqueue(settings, f"parent{i}@example.fr", "Votre compte EduConnect", f"Bonjour {i}")
    rep = outbox.deliver_pending(settings)
    assert rep.sent == 3 and len(sink.messages) == 3
    ctl.stop()  # the mail server goes down

    for i in range(3, 7):
        outbox.enqueue(settings, f"parent{i}@example.fr", "Votre compte EduConnect", f"Bonjour {i}")
    rep = outbox.deliver_pending(settings)
    assert rep.sent == 0 and rep.retried >= 1
    st = _status(settings)
    assert st == {"sent": 3, "pending": 4}
    m = outbox.outbox_message.c
    with engine(settings).connect() as con:
        errs = con.execute(sa.select(m.last_error, m.attempts, m.next_attempt_at).where(m.status == "pending")).all()
    assert any(e.last_error for e in errs)  # the status says why
    # backoff: not due right away
    assert outbox.deliver_pending(settings).sent == 0

    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()  # back up
    try:
        later = outbox.utcnow() + timedelta(hours=2)
        rep = outbox.deliver_pending(settings, now=later)
        assert rep.sent == 4
        assert _status(settings) == {"sent": 7}
        got = sorted(r[1][0] for r in sink.messages)
        assert got == sorted(f"parent{i}@example.fr" for i in range(7))  # each once, none lost
    finally:
        ctl.stop()


def test_refusing_server_is_retried_then_failed_visibly(smtp_settings):
    settings, port = smtp_settings

    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
            return "451 4.3.0 Try again later"

    ctl = Controller(Refuse(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        outbox.enqueue(settings, "x@example.fr", "s", "b")
        now = outbox.utcnow()
        for k in range(outbox.MAX_ATTEMPTS):
            outbox.deliver_pending(settings, now=now + timedelta(days=k + 1))
        msgs = outbox.messages(settings)
        assert msgs[0]["status"] == "failed" and msgs[0]["attempts"] == outbox.MAX_ATTEMPTS
        assert msgs[0]["statut"] == "Échec" and "451" in (msgs[0]["last_error"] or "")
        assert outbox.requeue(settings, [msgs[0]["id"]]) == 1
    finally:
        ctl.stop()


def test_notify_by_email_draws_password_at_delivery(smtp_settings):
    settings, port = smtp_settings
    build_warehouse(settings)
    sink = Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        res = actions.notify(settings, CHEF, ["s.abbeym12", "m.abbeym"], "courriel", True, group=True)
        assert res.queued == 1 and res.skipped_no_email == 1  # m.abbeym has no email
        with engine(settings).connect() as con:
            body = con.execute(sa.select(outbox.outbox_message.c.body)).scalar_one()
        assert "{mot_de_passe}" in body  # nothing secret waits in the store
        assert outbox.deliver_pending(settings).sent == 1
        _, rcpt, content = sink.messages[0]
        assert rcpt == ["sabrina@example.fr"] and "s.abbeym12" in content
        pw = content.split("Votre mot de passe provisoire : ", 1)[1].split()[0]
        assert console_state.verify_provisional(settings, "s.abbeym12", pw)
    finally:
        ctl.stop()


def test_background_sender_stops_for_its_store(settings):
    """A test that drops its database stops that store's sender first: no thread polls a store that is gone."""
    init_db(settings)
    outbox.start_background_sender(settings)
    mine = [t for k, t in outbox._threads.items() if k[1] == settings.database_url]
    assert len(mine) == 1 and mine[0].is_alive()
    outbox.stop_background_senders(settings.database_url)
    assert not mine[0].is_alive()
    assert not [k for k in outbox._threads if k[1] == settings.database_url]
    outbox.start_background_sender(settings)  # and it can start again (a later app on the same store)
    assert [t.is_alive() for k, t in outbox._threads.items() if k[1] == settings.database_url] == [True]
    outbox.stop_background_senders(settings.database_url)
