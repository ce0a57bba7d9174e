"""Local accounts, server-side sessions and DELEG-CE-style delegations (transactional store).

Passwords: argon2id (argon2-cffi defaults). Logins are unique case-insensitively (`login_key` = casefold).
Sessions: the cookie holds an opaque random token; the store keeps only its SHA-256, so a copy of the
database does not hand out live sessions. A delegue's scope is never stored on the account: it is resolved
from the active delegations at every request, so an expired or revoked delegation stops working at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from queries.core import authz
from queries.core.authz import Action
from queries.core.clock import utcnow
from queries.core.scope import ROLE_SCOPE_LEVEL, Level, Principal, Role, Scope, ScopeError
from queries.core.settings import Settings
from queries.store import engine, metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("login", sa.String(64), nullable=False),
    sa.Column("login_key", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(120), nullable=False, default=""),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("scope", sa.String(100), nullable=True),
    sa.Column("password_hash", sa.String(255), nullable=True),  # NULL: no local password (portal account)
    sa.Column("source", sa.String(16), nullable=False, default="local"),  # local | portail
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("last_login_at", sa.DateTime, nullable=True),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("sid_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("ip", sa.String(64), nullable=True),
)

delegations = sa.Table(
    "delegations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("uai", sa.String(20), nullable=False, index=True),
    sa.Column("delegate_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("granted_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    sa.Column("granted_at", sa.DateTime, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),  # inclusive
    sa.Column("revoked_at", sa.DateTime, nullable=True),
    sa.Column("revoked_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
)

LOGIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@\-]{1,63}$")
MAX_DELEGATION_DAYS = 366
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
# Verified against when the login is unknown, so that unknown and known logins cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """Invalid account operation (message in French, shown to the operator)."""


@dataclass(frozen=True)
class User:
    id: int
    login: str
    display_name: str
    role: Role
    scope: Scope | None
    active: bool
    source: str
    has_password: bool
    created_at: datetime
    last_login_at: datetime | None



def login_key(login: str) -> str:
    return login.strip().casefold()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, ~96 bits


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")
    if len(password) > 256:
        raise UserError("Le mot de passe est trop long (256 caractères au plus).")


def _row_to_user(row: sa.Row) -> User:
    return User(
        id=row.id,
        login=row.login,
        display_name=row.display_name or "",
        role=Role(row.role),
        scope=Scope.parse(row.scope) if row.scope else None,
        active=bool(row.active),
        source=row.source,
        has_password=row.password_hash is not None,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


def validate_role_scope(role: str | Role, scope: str | Scope | None) -> tuple[Role, Scope | None]:
    try:
        r = Role(str(role).strip().lower())
    except ValueError:
        raise UserError(f"Rôle inconnu « {role} » (attendu : {', '.join(x.value for x in Role)}).") from None
    want = ROLE_SCOPE_LEVEL[r]
    if r is Role.DELEGUE:
        if scope:
            raise UserError("Un délégué n'a pas de périmètre propre : il le reçoit par une délégation d'un chef d'établissement.")
        return r, None
    if want is None:
        if scope:
            raise UserError(f"Le rôle {r.value} n'a pas de périmètre de données.")
        return r, None
    if not scope:
        raise UserError(f"Le rôle {r.value} exige un périmètre de niveau {want.value} (ex. {want.value}:CODE).")
    try:
        s = scope if isinstance(scope, Scope) else Scope.parse(scope)
    except ScopeError as exc:
        raise UserError(str(exc)) from None
    if s.level is not want:
        raise UserError(f"Le rôle {r.value} exige un périmètre de niveau {want.value}, pas {s.level.value}.")
    return r, s


def _require_known(scope: Scope | None, scope_exists: Callable[[Scope], bool] | None) -> None:
    if scope is not None and scope_exists is not None and not scope_exists(scope):
        raise UserError(f"Périmètre inconnu : « {scope} » ne figure pas dans les dernières données de l'entrepôt. "
                        "Vérifiez le code (UAI, circonscription, département, académie).")


def create_user(
    settings: Settings,
    login: str,
    role: str | Role,
    scope: str | Scope | None = None,
    display_name: str = "",
    password: str | None = None,
    *,
    source: str = "local",
    scope_exists: Callable[[Scope], bool] | None = None,
) -> User:
    """Create an account. `scope_exists`: the check that the scope exists in the warehouse's latest data
    (services/accounts.py passes it for the admin page and `meteocomptes users add`; a portal profile is trusted
    as the portal sends it)."""
    login = login.strip()
    if not LOGIN_RE.match(login):
        raise UserError("Identifiant invalide : 2 à 64 caractères parmi lettres, chiffres, « . _ - @ ».")
    r, s = validate_role_scope(role, scope)
    _require_known(s, scope_exists)
    if password is not None:
        check_password_strength(password)
    now = utcnow()
    try:
        with engine(settings).begin() as con:
            uid = con.execute(
                users.insert().values(
                    login=login,
                    login_key=login_key(login),
                    display_name=display_name.strip()[:120],
                    role=r.value,
                    scope=str(s) if s else None,
                    password_hash=hash_password(password) if password is not None else None,
                    source=source,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
    except sa.exc.IntegrityError:
        raise UserError(f"L'identifiant « {login} » existe déjà.") from None
    user = get_user(settings, int(uid))
    assert user is not None
    return user


def get_user(settings: Settings, user_id: int) -> User | None:
    with engine(settings).connect() as con:
        row = con.execute(sa.select(users).where(users.c.id == user_id)).first()
    return _row_to_user(row) if row else None


def find_user(settings: Settings, login: str) -> User | None:
    with engine(settings).connect() as con:
        row = con.execute(sa.select(users).where(users.c.login_key == login_key(login))).first()
    return _row_to_user(row) if row else None


def list_users(settings: Settings) -> list[User]:
    with engine(settings).connect() as con:
        rows = con.execute(sa.select(users).order_by(users.c.login_key)).all()
    return [_row_to_user(r) for r in rows]


def authenticate(settings: Settings, login: str, password: str) -> User | None:
    """The user when the login exists, is active, has a local password and the password matches.

    Always runs one argon2 verification, whatever the outcome, so timing does not reveal which logins exist.
    """
    with engine(settings).connect() as con:
        row = con.execute(sa.select(users).where(users.c.login_key == login_key(login))).first()
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or not row.password_hash or not row.active:
        return None
    updates: dict = {"last_login_at": utcnow()}
    if _hasher.check_needs_rehash(row.password_hash):
        updates["password_hash"] = hash_password(password)
    with engine(settings).begin() as con:
        con.execute(users.update().where(users.c.id == row.id).values(**updates))
    return _row_to_user(row)


def burn_password_check(password: str) -> None:
    """One argon2 verification against a dummy hash: refused attempts cost as much as real ones."""
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass


def set_active(settings: Settings, login: str, active: bool) -> User:
    user = find_user(settings, login)
    if user is None:
        raise UserError(f"Compte « {login} » introuvable.")
    with engine(settings).begin() as con:
        con.execute(users.update().where(users.c.id == user.id).values(active=active, updated_at=utcnow()))
        if not active:  # belt and braces: the request check also refuses disabled accounts
            con.execute(sessions.delete().where(sessions.c.user_id == user.id))
    return get_user(settings, user.id)  # type: ignore[return-value]


def set_password(settings: Settings, login: str, password: str) -> User:
    check_password_strength(password)
    user = find_user(settings, login)
    if user is None:
        raise UserError(f"Compte « {login} » introuvable.")
    with engine(settings).begin() as con:
        con.execute(
            users.update().where(users.c.id == user.id).values(password_hash=hash_password(password), updated_at=utcnow())
        )
        con.execute(sessions.delete().where(sessions.c.user_id == user.id))  # a reset ends every live session
    return user


def update_profile(settings: Settings, user_id: int, role: Role, scope: Scope | None, display_name: str) -> None:
    """Portal (trusted-header) accounts follow what the portal says at each request."""
    with engine(settings).begin() as con:
        con.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(role=role.value, scope=str(scope) if scope else None, display_name=display_name[:120], updated_at=utcnow())
        )


# ---------------------------------------------------------------- sessions


def _sid_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_session(settings: Settings, user_id: int, ip: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine(settings).begin() as con:
        con.execute(sessions.insert().values(sid_hash=_sid_hash(token), user_id=user_id, created_at=now, last_seen=now, ip=ip))
    return token


@dataclass(frozen=True)
class SessionRow:
    sid_hash: str
    user_id: int
    created_at: datetime
    last_seen: datetime


def get_session(settings: Settings, token: str) -> SessionRow | None:
    if not token or len(token) > 128:
        return None
    with engine(settings).connect() as con:
        row = con.execute(sa.select(sessions).where(sessions.c.sid_hash == _sid_hash(token))).first()
    return SessionRow(row.sid_hash, row.user_id, row.created_at, row.last_seen) if row else None


def session_expired(settings: Settings, s: SessionRow, now: datetime) -> str | None:
    """Why the session is over ('idle' or 'absolute'), or None while it is valid."""
    if now - s.created_at > timedelta(hours=int(settings["SESSION_MAX_HOURS"])):
        return "absolute"
    if now - s.last_seen > timedelta(minutes=int(settings["SESSION_IDLE_MINUTES"])):
        return "idle"
    return None


def touch_session(settings: Settings, s: SessionRow, now: datetime) -> None:
    # Dash fires many callbacks per page: write last_seen at most once a minute.
    if now - s.last_seen >= timedelta(seconds=60):
        with engine(settings).begin() as con:
            con.execute(sessions.update().where(sessions.c.sid_hash == s.sid_hash).values(last_seen=now))


def delete_session(settings: Settings, token: str) -> None:
    with engine(settings).begin() as con:
        con.execute(sessions.delete().where(sessions.c.sid_hash == _sid_hash(token)))


def delete_user_sessions(settings: Settings, user_id: int) -> None:
    with engine(settings).begin() as con:
        con.execute(sessions.delete().where(sessions.c.user_id == user_id))


def purge_sessions(settings: Settings, now: datetime) -> int:
    idle = now - timedelta(minutes=int(settings["SESSION_IDLE_MINUTES"]))
    old = now - timedelta(hours=int(settings["SESSION_MAX_HOURS"]))
    with engine(settings).begin() as con:
        return con.execute(sessions.delete().where(sa.or_(sessions.c.last_seen < idle, sessions.c.created_at < old))).rowcount


# ---------------------------------------------------------------- delegations


@dataclass(frozen=True)
class Delegation:
    id: int
    uai: str
    delegate_login: str
    delegate_name: str
    granted_by_login: str | None
    granted_at: datetime
    end_date: date
    revoked_at: datetime | None

    def active_on(self, day: date) -> bool:
        return self.revoked_at is None and day <= self.end_date


def _active_clause(day: date) -> sa.ColumnElement[bool]:
    return sa.and_(delegations.c.revoked_at.is_(None), delegations.c.end_date >= day)


def active_delegation_uais(settings: Settings, user_id: int, day: date) -> list[str]:
    with engine(settings).connect() as con:
        rows = con.execute(
            sa.select(delegations.c.uai)
            .where(delegations.c.delegate_id == user_id, _active_clause(day))
            .order_by(delegations.c.granted_at)
        ).all()
    return [r.uai for r in rows]


# One message for every login that cannot receive the delegation — unknown, of another role, disabled, or already
# delegated by another establishment: the form must not tell a head which logins exist nor who works elsewhere.
DELEGATE_UNAVAILABLE = ("Délégation impossible pour cet identifiant : il doit désigner un compte de personnel "
                        "délégataire actif, sans délégation en cours d'un autre établissement. Vérifiez l'identifiant "
                        "auprès de l'administrateur de MétéoComptes.")


def grant_delegation(settings: Settings, grantor: Principal, delegate_login: str, end_date: date, today: date,
                     *, scope_exists: Callable[[Scope], bool] | None = None) -> Delegation:
    """A chef delegates console access for their own UAI to an existing, active `delegue` account.
    `scope_exists`: the check that the UAI exists in the warehouse's latest data (services/accounts.py)."""
    if not authz.allowed(grantor, Action.DELEGATE) or grantor.scope is None or grantor.scope.level is not Level.ETABLISSEMENT:
        raise UserError("Seul un chef d'établissement peut déléguer l'accès à la console.")
    if end_date < today:
        raise UserError("La date de fin doit être aujourd'hui ou plus tard.")
    if end_date > today + timedelta(days=MAX_DELEGATION_DAYS):
        raise UserError(f"Une délégation dure au plus {MAX_DELEGATION_DAYS} jours.")
    _require_known(grantor.scope, scope_exists)
    delegate = find_user(settings, delegate_login)
    if delegate is None or delegate.role is not Role.DELEGUE or not delegate.active:
        raise UserError(DELEGATE_UNAVAILABLE)
    uai = grantor.scope.code
    # One effective scope per principal: a staff member works for one establishment at a time.
    if any(u != uai for u in active_delegation_uais(settings, delegate.id, today)):
        raise UserError(DELEGATE_UNAVAILABLE)
    with engine(settings).begin() as con:
        # Re-granting replaces the previous active delegation of this UAI to this person (new end date).
        con.execute(
            delegations.update()
            .where(delegations.c.uai == uai, delegations.c.delegate_id == delegate.id, _active_clause(today))
            .values(revoked_at=utcnow(), revoked_by=grantor.user_id)
        )
        did = con.execute(
            delegations.insert().values(
                uai=uai, delegate_id=delegate.id, granted_by=grantor.user_id, granted_at=utcnow(), end_date=end_date
            )
        ).inserted_primary_key[0]
    return next(d for d in list_delegations(settings, uai) if d.id == did)


def revoke_delegation(settings: Settings, grantor: Principal, delegation_id: int) -> Delegation:
    if not authz.allowed(grantor, Action.DELEGATE) or grantor.scope is None:
        raise UserError("Seul un chef d'établissement peut retirer une délégation.")
    uai = grantor.scope.code
    with engine(settings).begin() as con:
        # The UAI condition is the scope check: a forged id of another establishment matches nothing.
        n = con.execute(
            delegations.update()
            .where(delegations.c.id == delegation_id, delegations.c.uai == uai, delegations.c.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_by=grantor.user_id)
        ).rowcount
    if n != 1:
        raise UserError("Délégation introuvable ou déjà retirée.")
    return next(d for d in list_delegations(settings, uai) if d.id == delegation_id)


def list_delegations(settings: Settings, uai: str) -> list[Delegation]:
    d, u, g = delegations, users.alias("u"), users.alias("g")
    q = (
        sa.select(d, u.c.login.label("delegate_login"), u.c.display_name.label("delegate_name"), g.c.login.label("granted_by_login"))
        .join(u, u.c.id == d.c.delegate_id)
        .outerjoin(g, g.c.id == d.c.granted_by)
        .where(d.c.uai == uai)
        .order_by(d.c.granted_at.desc(), d.c.id.desc())
    )
    with engine(settings).connect() as con:
        rows = con.execute(q).all()
    return [
        Delegation(r.id, r.uai, r.delegate_login, r.delegate_name or "", r.granted_by_login, r.granted_at, r.end_date, r.revoked_at)
        for r in rows
    ]


# ---------------------------------------------------------------- principal


def principal_for(settings: Settings, user: User, today: date) -> Principal | None:
    """The request's principal, or None when the account may not use the application right now."""
    if not user.active:
        return None
    scope = user.scope
    if user.role is Role.DELEGUE:
        uais = active_delegation_uais(settings, user.id, today)
        # No active delegation: the principal exists (can log in, sees the home page) but has no data scope.
        scope = Scope(Level.ETABLISSEMENT, uais[0]) if uais else None
    return Principal(user_id=user.id, login=user.login, role=user.role, scope=scope, display_name=user.display_name)
