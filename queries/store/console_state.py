"""What the console changed since the latest snapshot, kept in the transactional store: actions taken on accounts,
provisional passwords (their hash only) and contact corrections. The console's queries overlay these on the
warehouse's rows (services/console.py) and the outbox draws emailed passwords here, so neither needs the actions
module (services/actions.py), which writes them."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher

from queries.core.clock import utcnow
from queries.core.settings import Settings
from queries.store import engine, metadata

console_action = sa.Table(
    "console_action",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.Column("login", sa.String(64), nullable=True),
    sa.Column("kind", sa.String(24), nullable=False),  # notify_letter | notify_email | reset
    sa.Column("identifiant", sa.String(100), nullable=False, index=True),
    sa.Column("batch", sa.String(36), nullable=False, index=True),
    sa.Column("new_password", sa.Boolean, nullable=False, default=False),
    sa.Column("etat_apres", sa.String(24), nullable=True),
    sa.Column("origine_apres", sa.String(24), nullable=True),
)


provisional_password = sa.Table(
    "provisional_password",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("identifiant", sa.String(100), nullable=False, index=True),
    sa.Column("hash", sa.String(200), nullable=False),  # argon2 only, never the password
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=True),
)


account_correction = sa.Table(
    "account_correction",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("identifiant", sa.String(100), nullable=False, index=True),
    sa.Column("champ", sa.String(24), nullable=False),  # courriel | telephone_portable
    sa.Column("ancienne_valeur", sa.String(254), nullable=True),
    sa.Column("nouvelle_valeur", sa.String(254), nullable=False),
    sa.Column("login", sa.String(64), nullable=True),
)


LETTER_VALIDITY_DAYS = 92  # « 3 mois »


PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"  # no 0/O, 1/l/I


PASSWORD_LENGTH = 12


# The password is 12 random characters (~70 bits): a slow hash adds nothing against guessing it, and 500 letters
# must print in seconds, so argon2 runs with light parameters (~2 ms) rather than the login's (~150 ms).
_hasher = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=1)



def new_password() -> str:
    while True:
        pw = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if any(c.isdigit() for c in pw) and any(c.islower() for c in pw) and any(c.isupper() for c in pw):
            return pw


def verify_provisional(settings: Settings, identifiant: str, password: str) -> bool:
    """True when `password` is the latest, unexpired provisional password of the account."""
    t = provisional_password.c
    with engine(settings).connect() as con:
        row = con.execute(
            sa.select(t.hash, t.expires_at).where(t.identifiant == identifiant).order_by(t.id.desc()).limit(1)
        ).first()
    if row is None or row.expires_at < utcnow():
        return False
    try:
        return _hasher.verify(row.hash, password)
    except Exception:  # argon2 raises on mismatch
        return False


def _cutoff(snap_date: date, ingested_at: datetime) -> datetime:
    return min(datetime.combine(snap_date, datetime.min.time()), ingested_at.replace(tzinfo=None))


def live_overlay(settings: Settings, snap_date: date, ingested_at: datetime) -> list[dict[str, Any]]:
    """Per account acted upon since the latest snapshot: the state, dates and contact data to show."""
    since = _cutoff(snap_date, ingested_at)
    a, k = console_action.c, account_correction.c
    with engine(settings).connect() as con:
        acts = con.execute(
            sa.select(a.identifiant, a.kind, a.at, a.etat_apres, a.origine_apres).where(a.at >= since).order_by(a.id)
        ).all()
        corrs = con.execute(
            sa.select(k.identifiant, k.champ, k.nouvelle_valeur).where(k.at >= since).order_by(k.id)
        ).all()
    out: dict[str, dict[str, Any]] = {}

    def slot(ident: str) -> dict[str, Any]:
        return out.setdefault(ident, {"identifiant": ident, "etat": None, "origine": None, "date_notification": None,
                                      "date_demande_reinit_mdp": None, "courriel": None, "telephone_portable": None})

    for r in acts:
        s = slot(r.identifiant)
        s["etat"] = r.etat_apres or s["etat"]
        s["origine"] = r.origine_apres or s["origine"]
        if r.kind in ("notify_letter", "notify_email", "reset"):
            s["date_notification"] = r.at.date()
        if r.kind == "reset":
            s["date_demande_reinit_mdp"] = r.at.date()
    for r in corrs:
        slot(r.identifiant)[r.champ] = r.nouvelle_valeur
    return list(out.values())


def corrections_for(settings: Settings, identifiant: str, compte: dict[str, Any], snap_date: date,
                    snapshot_values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Corrections of an account with their status: en attente / confirmée / non reprise."""
    k = account_correction.c
    with engine(settings).connect() as con:
        rows = con.execute(
            sa.select(account_correction).where(k.identifiant == identifiant).order_by(k.id.desc()).limit(20)
        ).all()
    snapv = snapshot_values or compte
    out = []
    for r in rows:
        if r.at.date() >= snap_date:
            statut = "en attente"
        elif (snapv.get(r.champ) or "") == r.nouvelle_valeur:
            statut = "confirmée"
        else:
            statut = "non reprise par l'annuaire"
        out.append({"at": r.at, "champ": r.champ, "nouvelle_valeur": r.nouvelle_valeur,
                    "ancienne_valeur": r.ancienne_valeur or "", "statut": statut, "login": r.login})
    return out


def store_provisional_hash(settings: Settings, identifiant: str, password: str, created_by: str | None) -> None:
    now = utcnow()
    with engine(settings).begin() as con:
        con.execute(provisional_password.insert().values(
            identifiant=identifiant, hash=_hasher.hash(password), created_at=now,
            expires_at=now + timedelta(days=LETTER_VALIDITY_DAYS), created_by=created_by))


action_confirmation = sa.Table(
    "action_confirmation",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.Column("login", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
    sa.Column("payload", sa.Text, nullable=False),  # JSON: what will be done (ids, states; no personal data else)
)


def record_actions(settings: Settings, actions: list[dict[str, Any]], passwords: list[dict[str, Any]]) -> None:
    """Rows of console_action and provisional_password, written together (one transaction)."""
    with engine(settings).begin() as con:
        con.execute(console_action.insert(), actions)
        if passwords:
            con.execute(provisional_password.insert(), passwords)


def record_corrections(settings: Settings, rows: list[dict[str, Any]]) -> None:
    with engine(settings).begin() as con:
        con.execute(account_correction.insert(), rows)


def keep_confirmation(settings: Settings, token_hash: str, user_id: int | None, login: str, payload: str,
                      now: datetime, expires_at: datetime) -> None:
    """Keep a prepared action under its token's hash (expired ones are dropped on the way)."""
    with engine(settings).begin() as con:
        con.execute(action_confirmation.delete().where(action_confirmation.c.expires_at < now))
        con.execute(action_confirmation.insert().values(
            token_hash=token_hash, user_id=user_id, login=login, created_at=now, expires_at=expires_at,
            payload=payload))


def take_confirmation(settings: Settings, token_hash: str, user_id: int | None) -> str | None:
    """The payload kept under the token, consumed: None when unknown, expired, another user's or already taken
    (by a concurrent request: only the request whose delete removed the row gets it)."""
    t = action_confirmation.c
    cond = sa.and_(t.token_hash == token_hash, t.user_id == user_id, t.expires_at >= utcnow())
    with engine(settings).begin() as con:
        row = con.execute(sa.select(t.payload).where(cond)).first()
        taken = con.execute(action_confirmation.delete().where(cond)).rowcount if row is not None else 0
    return row.payload if row is not None and taken == 1 else None
