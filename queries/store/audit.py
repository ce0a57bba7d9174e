"""Append-only audit log: who did what, on which scope, when, from where, with which outcome.

`record()` is the only writer (plus `purge()` for retention). Never pass passwords, tokens, or personal data
beyond the ids needed to answer "who looked at what" (account identifiants, INE, responsable ids): `detail`
is for short technical context (a reason, a count, a filter summary without names).

Actions used so far (extend freely, keep snake_case, one verb per event):
  login_ok, login_failed, login_locked, logout, session_expired, session_refused,
  forbidden, user_created, user_disabled, user_enabled, user_password_reset,
  delegation_granted, delegation_revoked,
  and for the console: search, view, export, notify (called by the console/statistics engineers),
  diagnostic (targets: the account, then every source record the diagnostic matched, as « responsable_id@UAI »;
  detail: counts only), snapshot_withdrawn (`meteocomptes snapshots withdraw`),
  bad_request (a malformed callback body or an unknown static file, refused before any callback runs:
  dashboard/requests_guard.py; detail: path, short reason, the callback's output id — never the body).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from queries.core import authz, request_context
from queries.core.authz import Action
from queries.core.clock import utcnow
from queries.core.scope import Level, Principal, Role, Scope
from queries.core.settings import Settings
from queries.store import engine, metadata

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("user_id", sa.Integer, nullable=True),  # no FK: the log outlives accounts
    sa.Column("login", sa.String(64), nullable=True, index=True),
    sa.Column("role", sa.String(16), nullable=True),
    sa.Column("actor_scope", sa.String(100), nullable=True),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("scope", sa.String(100), nullable=True),  # the scope acted upon
    sa.Column("uai", sa.String(20), nullable=True, index=True),  # establishment concerned, for the chef's view
    sa.Column("targets", sa.Text, nullable=True),  # JSON list of ids (accounts, INE…), at most MAX_TARGETS
    sa.Column("detail", sa.Text, nullable=True),  # JSON or short text
    sa.Column("outcome", sa.String(16), nullable=False),  # ok | denied | failed | error
    sa.Column("ip", sa.String(64), nullable=True),
)

MAX_TARGETS = 500
# Keys never written into `detail`, whoever passes them.
_SECRET_KEYS = {"password", "mot_de_passe", "passwd", "token", "csrf", "csrf_token", "secret", "cookie"}

ACTION_LABELS = {
    "login_ok": "Connexion",
    "login_failed": "Échec de connexion",
    "login_locked": "Connexion refusée (blocage temporaire)",
    "logout": "Déconnexion",
    "session_expired": "Session expirée",
    "session_refused": "Session refusée (compte désactivé)",
    "forbidden": "Accès refusé",
    "user_created": "Création de compte",
    "user_disabled": "Désactivation de compte",
    "user_enabled": "Réactivation de compte",
    "user_password_reset": "Réinitialisation de mot de passe",
    "delegation_granted": "Délégation accordée",
    "delegation_revoked": "Délégation retirée",
    "search": "Recherche",
    "view": "Consultation",
    "export": "Export",
    "notify": "Notification",
    "diagnostic": "Diagnostic « Je ne vois pas tous mes enfants »",
    "snapshot_withdrawn": "Retrait d'une date de données",
    "bad_request": "Requête mal formée refusée",
}


# What the admin (« gestion des comptes uniquement ») reads: the life of staff accounts, their sessions and
# delegations. Their targets are staff logins; no data event (search, view, export, notify, guardian password
# reset, refused data access…) ever carries into this list.
ACCOUNT_ACTIONS: frozenset[str] = frozenset({
    "login_ok", "login_failed", "login_locked", "logout", "session_expired", "session_refused",
    "user_created", "user_disabled", "user_enabled", "user_password_reset",
    "delegation_granted", "delegation_revoked",
})


def _scrub(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: ("***" if str(k).lower() in _SECRET_KEYS else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _uai_of(scope: Scope | None) -> str | None:
    return scope.uai if scope is not None else None


def record(
    settings: Settings,
    principal_or_login: Principal | str | None,
    action: str,
    scope: Scope | str | None = None,
    targets: Iterable[str] | None = None,
    detail: Mapping[str, Any] | str | None = None,
    outcome: str = "ok",
    ip: str | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """Append one event. `scope` is the scope acted upon (defaults to the principal's own scope).

    `ip` defaults to the address of the request being served (core/request_context.py), if any.
    """

    p = principal_or_login if isinstance(principal_or_login, Principal) else None
    login = p.login if p else (principal_or_login if isinstance(principal_or_login, str) else None)
    if isinstance(scope, str):
        try:
            scope = Scope.parse(scope)
        except ValueError:
            scope = None
    if scope is None and p is not None:
        scope = p.scope
    tlist = [str(t)[:100] for t in targets][:MAX_TARGETS] if targets is not None else None
    if detail is not None and not isinstance(detail, str):
        detail = json.dumps(_scrub(dict(detail)), ensure_ascii=False, default=str)[:4000]
    elif isinstance(detail, str):
        detail = detail[:4000]
    if ip is None:
        ip = request_context.client_ip.get()
    with engine(settings).begin() as con:
        con.execute(
            audit_log.insert().values(
                at=at or utcnow(),
                user_id=p.user_id if p else None,
                login=(login or "")[:64] or None,
                role=p.role.value if p else None,
                actor_scope=str(p.scope) if p and p.scope else None,
                action=action[:40],
                scope=str(scope) if scope else None,
                uai=_row_uai(p, scope, outcome),
                targets=json.dumps(tlist, ensure_ascii=False) if tlist is not None else None,
                detail=detail,
                outcome=outcome[:16],
                ip=(ip or None) and ip[:64],
            )
        )


def _row_uai(p: Principal | None, scope: Scope | None, outcome: str) -> str | None:
    """The establishment whose chef may read the row.

    A refused attempt belongs to the actor's establishment, not to the one it aimed at: its detail holds what
    the actor sent (their own pupils' ids, say), which the targeted head must not read.
    """
    own = _uai_of(p.scope) if p is not None else None
    if outcome in ("denied", "failed") and p is not None:
        return own
    return _uai_of(scope) or own


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    login: str | None
    role: str | None
    action: str
    action_label: str
    scope: str | None
    targets: list[str]
    detail: str | None
    outcome: str
    ip: str | None


def visibility(principal: Principal) -> sa.ColumnElement[bool] | None:
    """SQL condition of the entries the principal may read; None means no entry at all.

    chef: events concerning their establishment (their own, their delegates', forbidden attempts on it).
    support (académie): every event carrying a data scope or made by a data role, and data operations made from
    the command line — not account management.
    admin: account-management events only (ACCOUNT_ACTIONS), never a data event nor a guardian's identifier.
    Others: nothing (the Journal page is not theirs).
    The Journal page and its CSV export both read through here: one rule per role.
    """
    a = audit_log.c
    if principal.role is Role.ADMIN:
        return a.action.in_(sorted(ACCOUNT_ACTIONS))
    if principal.scope is None or not authz.allowed(principal, Action.AUDIT):
        return None
    if principal.role is Role.CHEF and principal.scope.level is Level.ETABLISSEMENT:
        return a.uai == principal.scope.code
    if principal.role is Role.SUPPORT and principal.scope.level is Level.ACADEMIE:
        # One académie per deployment (see ARCHITECTURE.md): the académie scope covers every data event.
        # …and data operations from the command line (no role: `snapshots withdraw` of the full feed).
        return sa.or_(a.scope.is_not(None), a.role.in_([r.value for r in Role if r is not Role.ADMIN]),
                      sa.and_(a.role.is_(None), a.action.not_in(sorted(ACCOUNT_ACTIONS))))
    return None


def query(
    settings: Settings,
    principal: Principal,
    *,
    action: str | None = None,
    login: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    outcome: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Entry]:
    """Newest first, filtered by the caller's visibility (in SQL) and the optional filters."""
    cond = visibility(principal)
    if cond is None:
        return []
    a = audit_log.c
    q = sa.select(audit_log).where(cond)
    if action:
        q = q.where(a.action == action)
    if login:
        q = q.where(a.login == login)
    if outcome:
        q = q.where(a.outcome == outcome)
    if since is not None:
        q = q.where(a.at >= (since if isinstance(since, datetime) else datetime.combine(since, datetime.min.time())))
    if until is not None:
        end = until if isinstance(until, datetime) else datetime.combine(until + timedelta(days=1), datetime.min.time())
        q = q.where(a.at < end)
    q = q.order_by(a.at.desc(), a.id.desc()).limit(max(1, min(int(limit), 5000))).offset(max(0, int(offset)))
    with engine(settings).connect() as con:
        rows = con.execute(q).all()
    return [
        Entry(
            id=r.id,
            at=r.at,
            login=r.login,
            role=r.role,
            action=r.action,
            action_label=ACTION_LABELS.get(r.action, r.action),
            scope=r.scope,
            targets=json.loads(r.targets) if r.targets else [],
            detail=r.detail,
            outcome=r.outcome,
            ip=r.ip,
        )
        for r in rows
    ]


def purge(settings: Settings, now: datetime) -> int:
    """Delete entries older than AUDIT_RETENTION_DAYS. The only deletion path of the log."""
    cutoff = now.replace(tzinfo=None) - timedelta(days=int(settings["AUDIT_RETENTION_DAYS"]))
    with engine(settings).begin() as con:
        return con.execute(audit_log.delete().where(audit_log.c.at < cutoff)).rowcount
