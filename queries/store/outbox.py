"""Email outbox in the transactional store: enqueue, then deliver with retries and exponential backoff.

A message is written (status `pending`) in the same request as the notification; delivery happens later, so
a mail server that is down or refuses loses nothing: the message stays `pending` with its attempt count, last
error and next attempt time, until it is accepted (`sent`) or MAX_ATTEMPTS is reached (`failed`, visible and
re-queueable with `requeue`).

No password is ever stored here: a message that carries a new provisional password holds the placeholder
`{mot_de_passe}`; the sender draws the password at delivery time, stores only its argon2 hash (the latest
hash is the valid one, so a failed attempt's password is simply superseded), and sends it.

Who delivers: a daemon thread per web worker, started lazily on the first request of that worker (so never
before gunicorn forks, and never at import), woken at once by `kick()` after a notification and otherwise every
POLL_SECONDS. Several workers or nodes can run it: each message is claimed by an atomic UPDATE (status
`sending` with a lease), so it is sent by one of them only; a claim whose worker died is retaken when its lease
expires. `python -m queries.store.outbox [--loop]` runs the same sender as a separate process for deployments that
prefer one (set no thread then: `start_background_sender` is only called by the web app).

Demo sink: with MAIL_SINK_DIR set (`meteocomptes demo` sets DATA_DIR/courriels), a message is written there as an
`.eml` file instead of being sent over SMTP, so that the demo shows its emails without a mail server
(`sink_messages` lists them for the support's « Courriels envoyés (démo) » page). Such a file holds the
provisional password, as the email would: the sink is for synthetic demo data only.

`last_error` is a French sentence for the console (the technical exception goes to the server log).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import logging
import os
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path

import sqlalchemy as sa

from queries.core.clock import utcnow
from queries.core.settings import Settings
from queries.store import console_state, engine, metadata

log = logging.getLogger(__name__)

outbox_message = sa.Table(
    "outbox_message",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=True),
    sa.Column("batch", sa.String(36), nullable=True, index=True),
    sa.Column("identifiant", sa.String(100), nullable=True, index=True),
    sa.Column("to_addr", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # may hold {mot_de_passe}, filled at delivery
    sa.Column("with_password", sa.Boolean, nullable=False, default=False),
    sa.Column("status", sa.String(12), nullable=False, index=True),  # pending | sending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False, index=True),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("sent_at", sa.DateTime, nullable=True),
    sa.Column("message_id", sa.String(200), nullable=True),
)

MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 30  # 30 s, 1 min, 2 min … capped
BACKOFF_MAX_SECONDS = 3600
LEASE_SECONDS = 300
POLL_SECONDS = 30
STATUS_LABELS = {"pending": "En attente", "sending": "En cours d'envoi", "sent": "Envoyé", "failed": "Échec"}



def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def enqueue(settings: Settings, to: str, subject: str, body: str, *, identifiant: str | None = None,
            batch: str | None = None, created_by: str | None = None) -> int:
    now = utcnow()
    with engine(settings).begin() as con:
        res = con.execute(outbox_message.insert().values(
            created_at=now, created_by=created_by, batch=batch, identifiant=identifiant, to_addr=to[:254],
            subject=subject[:200], body=body, with_password="{mot_de_passe}" in body, status="pending", attempts=0,
            next_attempt_at=now))
        return int(res.inserted_primary_key[0])


def requeue(settings: Settings, ids: list[int]) -> int:
    with engine(settings).begin() as con:
        return con.execute(
            outbox_message.update().where(outbox_message.c.id.in_(ids), outbox_message.c.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=utcnow(), last_error=None)).rowcount


def _claim(settings: Settings, now: datetime, limit: int) -> list[int]:
    m = outbox_message.c
    due = sa.or_(
        sa.and_(m.status == "pending", m.next_attempt_at <= now),
        sa.and_(m.status == "sending", m.lease_until < now),  # a worker died mid-send
    )
    with engine(settings).connect() as con:
        ids = [r[0] for r in con.execute(sa.select(m.id).where(due).order_by(m.id).limit(limit)).all()]
    claimed = []
    for i in ids:
        with engine(settings).begin() as con:
            n = con.execute(outbox_message.update().where(m.id == i, due)
                            .values(status="sending", lease_until=now + timedelta(seconds=LEASE_SECONDS))).rowcount
        if n == 1:
            claimed.append(i)
    return claimed


def _smtp(settings: Settings) -> smtplib.SMTP:
    host, port, tls = settings["SMTP_HOST"], int(settings["SMTP_PORT"]), str(settings["SMTP_TLS"]).lower()
    if tls == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=20, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=20)
        if tls == "starttls":
            server.starttls(context=ssl.create_default_context())
    if settings["SMTP_USER"]:
        server.login(settings["SMTP_USER"], settings["SMTP_PASSWORD"])
    return server


class FileSink:
    """Stands for the SMTP connection in demo mode: each message becomes `<UTC time>-<id>.eml` in the sink folder,
    written under a temporary name then renamed, so that the page never lists a half-written file."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

    def send_message(self, msg: EmailMessage) -> None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        ident = str(msg["Message-ID"] or "").strip("<>").split("@")[0].replace("/", "_")[-24:] or "message"
        final = self.folder / f"{stamp}-{ident}.eml"
        tmp = final.with_suffix(".tmp")
        tmp.write_bytes(msg.as_bytes(policy=email.policy.SMTP))
        os.chmod(tmp, 0o600)  # it holds a provisional password
        tmp.rename(final)

    def quit(self) -> None:
        pass


def sink_dir(settings: Settings) -> Path | None:
    """The demo sink folder, or None when messages go to the SMTP server."""
    folder = settings["MAIL_SINK_DIR"]
    return Path(folder).resolve() if folder else None


def _connect(settings: Settings) -> smtplib.SMTP | FileSink:
    folder = sink_dir(settings)
    return FileSink(folder) if folder is not None else _smtp(settings)


def error_text(settings: Settings, exc: BaseException) -> str:
    """What the console shows for a failed delivery: French, with what to check; no Python exception text."""
    where = f"{settings['SMTP_HOST']}:{settings['SMTP_PORT']}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"Le serveur de courriel {where} a refusé l'identifiant SMTP : vérifiez SMTP_USER et SMTP_PASSWORD."
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in exc.recipients.values()})
        return f"Le serveur de courriel a refusé l'adresse du destinataire (code {', '.join(codes)})."
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"Le serveur de courriel a refusé le message (code {exc.smtp_code}) ; nouvel essai plus tard."
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"Le serveur de courriel {where} a coupé la connexion ; nouvel essai plus tard."
    if isinstance(exc, smtplib.SMTPException):
        return "Le serveur de courriel a répondu de façon inattendue ; nouvel essai plus tard."
    if isinstance(exc, ConnectionRefusedError):
        return f"Serveur de courriel injoignable ({where} refuse la connexion) : vérifiez SMTP_HOST et SMTP_PORT."
    if isinstance(exc, socket.gaierror):
        return f"Serveur de courriel introuvable ({settings['SMTP_HOST']}) : vérifiez SMTP_HOST."
    if isinstance(exc, TimeoutError):
        return f"Le serveur de courriel {where} ne répond pas ; nouvel essai plus tard."
    if isinstance(exc, ssl.SSLError):
        return f"Échec du chiffrement avec le serveur de courriel {where} : vérifiez SMTP_TLS."
    if sink_dir(settings) is not None:
        return "Impossible d'écrire le courriel dans le dossier de démonstration (MAIL_SINK_DIR)."
    return f"Erreur réseau avec le serveur de courriel {where} ; nouvel essai plus tard."


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver_pending(settings: Settings, now: datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send the due messages over SMTP (one connection per run). Safe to call from several processes."""
    now = now or utcnow()
    rep = DeliveryReport()
    ids = _claim(settings, now, limit)
    if not ids:
        return rep
    m = outbox_message.c
    server: smtplib.SMTP | FileSink | None = None
    try:
        for i in ids:
            with engine(settings).connect() as con:
                row = con.execute(sa.select(outbox_message).where(m.id == i)).first()
            if row is None:
                continue
            try:
                if server is None:
                    server = _connect(settings)
                body = row.body
                if row.with_password and row.identifiant:
                    pw = console_state.new_password()
                    console_state.store_provisional_hash(settings, row.identifiant, pw, row.created_by)
                    body = body.replace("{mot_de_passe}", pw)
                msg = EmailMessage()
                msg["From"] = settings["SMTP_FROM"]
                msg["To"] = row.to_addr
                msg["Subject"] = row.subject
                msg["Date"] = format_datetime(datetime.now().astimezone())
                msg["Message-ID"] = row.message_id or make_msgid(domain="meteocomptes.local")
                msg.set_content(body)
                server.send_message(msg)
                del body, msg  # the password leaves memory with the message
                with engine(settings).begin() as con:
                    con.execute(outbox_message.update().where(m.id == i).values(
                        status="sent", sent_at=utcnow(), attempts=row.attempts + 1, lease_until=None, last_error=None))
                rep.sent += 1
            except (smtplib.SMTPException, OSError) as exc:
                attempts = row.attempts + 1
                final = attempts >= MAX_ATTEMPTS
                with engine(settings).begin() as con:
                    con.execute(outbox_message.update().where(m.id == i).values(
                        status="failed" if final else "pending", attempts=attempts, lease_until=None,
                        next_attempt_at=now + backoff(attempts), last_error=error_text(settings, exc)[:500]))
                log.warning("outbox: message %s non remis (tentative %s) : %s: %s", i, attempts,
                            type(exc).__name__, exc)
                rep.failed += final
                rep.retried += not final
                if server is not None and isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                    server = None  # reconnect for the next message
                elif server is None:
                    # connection failed: put the rest back untouched (not an attempt of theirs)
                    rest = ids[ids.index(i) + 1:]
                    with engine(settings).begin() as con:
                        con.execute(outbox_message.update().where(m.id.in_(rest)).values(
                            status="pending", lease_until=None))
                    break
    finally:
        if server is not None:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return rep


def messages(settings: Settings, *, batch: str | None = None, identifiants: list[str] | None = None,
             limit: int = 200) -> list[dict]:
    """Status of messages (for the console: per batch, or per account). No body is returned."""
    m = outbox_message.c
    q = sa.select(m.id, m.created_at, m.identifiant, m.to_addr, m.status, m.attempts, m.last_error, m.sent_at,
                  m.next_attempt_at, m.batch)
    if batch:
        q = q.where(m.batch == batch)
    if identifiants is not None:
        q = q.where(m.identifiant.in_(identifiants))
    with engine(settings).connect() as con:
        rows = con.execute(q.order_by(m.id.desc()).limit(limit)).all()
    return [dict(r._mapping) | {"statut": STATUS_LABELS.get(r.status, r.status)} for r in rows]


@dataclass(frozen=True)
class SinkMessage:
    name: str  # file name in the sink folder (the page's key)
    date: datetime | None
    to: str
    subject: str
    body: str


def sink_messages(settings: Settings, limit: int = 200) -> list[SinkMessage]:
    """The demo sink's messages, newest first (empty when the sink is off or holds nothing)."""
    folder = sink_dir(settings)
    if folder is None or not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain",)) if isinstance(msg, EmailMessage) else None
        try:
            when = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
        except (TypeError, ValueError):
            when = None
        out.append(SinkMessage(path.name, when, str(msg["To"] or ""), str(msg["Subject"] or ""),
                               part.get_content() if part is not None else ""))
    return out


# ---------------------------------------------------------------------------------------------------------
# Background sender (one per worker process)

_wake = threading.Event()
_threads: dict[tuple[int, str, str, int], threading.Thread] = {}
_stops: dict[tuple[int, str, str, int], threading.Event] = {}
_thread_lock = threading.Lock()


def kick() -> None:
    """Wake this process's sender(s) now (after a notification)."""
    _wake.set()


def _loop(settings: Settings, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        _wake.wait(POLL_SECONDS)
        _wake.clear()
        if stop.is_set():
            break
        try:
            while deliver_pending(settings).sent:
                pass
        except Exception:  # the sender must survive a store hiccup; the messages stay pending
            log.exception("outbox: delivery run failed")


def start_background_sender(settings: Settings) -> None:
    """Idempotent per process and store (pid-checked: a thread does not survive fork). One app per process
    in production; tests build several apps in one process, each with its own store and SMTP server."""
    key = (os.getpid(), settings.database_url, str(settings["MAIL_SINK_DIR"] or settings["SMTP_HOST"]),
           int(settings["SMTP_PORT"]))
    t = _threads.get(key)
    if t is not None and t.is_alive():
        return
    with _thread_lock:
        t = _threads.get(key)
        if t is not None and t.is_alive():
            return
        _stops[key] = stop = threading.Event()
        t = threading.Thread(target=_loop, args=(settings, stop), name="outbox-sender", daemon=True)
        t.start()
        _threads[key] = t
        _wake.set()


def stop_background_senders(database_url: str) -> None:
    """Stop and join this process's senders for one store (a test dropping its database: no polling after)."""
    with _thread_lock:
        keys = [k for k in _threads if k[1] == database_url]
        for k in keys:
            _stops.pop(k).set()
        _wake.set()
        threads = [_threads.pop(k) for k in keys]
    for t in threads:
        t.join(timeout=30)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m queries.store.outbox", description="Envoie les courriels en attente.")
    p.add_argument("--loop", action="store_true", help="tourne en continu (sinon un seul passage)")
    args = p.parse_args(argv)
    settings = Settings.from_env()
    from queries.store import init_db

    init_db(settings)
    if args.loop:
        _loop(settings)
    rep = deliver_pending(settings)
    print(f"envoyés : {rep.sent}, à réessayer : {rep.retried}, en échec : {rep.failed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
