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
from queries.store.users import users

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
    "reset": "Réinitialisation du mot de passe d'un responsable",
    "correct": "Correction d'un compte",
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
    # Journal page only (`grouped`): the account's display name, the actor's own scope, and for a group of
    # identical searches, how many and since when (`at` is then the latest).
    name: str = ""
    actor_scope: str | None = None
    count: int = 1
    first_at: datetime | None = None
    uai: str | None = None


OUTCOMES = ("ok", "denied", "failed", "error")
# Identical searches (same person, scope, filter and outcome) within one such window of the clock read as one
# Journal entry « ×5 entre 10:02 et 10:09 »: a search is journaled at every keystroke pause or filter change.
GROUP_SECONDS = 600


@dataclass(frozen=True)
class Filter:
    """What the Journal is narrowed to, on top of the reader's visibility. Times are naive UTC (the store's)."""

    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    login: str | None = None
    action: str | None = None
    target: str | None = None  # one element of `targets`, exactly
    outcome: str | None = None
    only_actions: tuple[str, ...] | None = None  # narrows to these actions (set by the service, not the reader)


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


def _conditions(principal: Principal, f: Filter) -> list[sa.ColumnElement[bool]] | None:
    cond = visibility(principal)
    if cond is None:
        return None
    a = audit_log.c
    out = [cond]
    if f.since is not None:
        out.append(a.at >= f.since)
    if f.until is not None:
        out.append(a.at < f.until)
    if f.login:
        out.append(a.login == f.login)
    if f.action:
        out.append(a.action == f.action)
    if f.outcome:
        out.append(a.outcome == f.outcome)
    if f.only_actions is not None:
        out.append(a.action.in_(f.only_actions))
    if f.target:
        # `targets` is a JSON list of strings: the quoted id is one element, never a part of another one.
        out.append(a.targets.contains(json.dumps(f.target, ensure_ascii=False), autoescape=True))
    return out


def _grouped(conds: list[sa.ColumnElement[bool]], window: int) -> sa.Subquery:
    """One row per entry: a search with the same actor, scope, detail, outcome and address as the previous one,
    made at most `window` seconds after it, is folded into it (a burst stays one entry however long, and the clock
    draws no boundary through it); any other event is its own entry. Window functions: SQLite and PostgreSQL."""
    a = audit_log.c
    names = ("user_id", "login", "role", "actor_scope", "action", "scope", "uai", "targets", "detail", "outcome", "ip")
    epoch = sa.extract("epoch", a.at)
    prev = sa.func.lag(epoch).over(partition_by=[a[n] for n in names], order_by=(a.at, a.id))
    s = sa.select(audit_log, (epoch - prev).label("gap")).where(*conds).subquery("s")
    starts = sa.case(((s.c.action == "search") & s.c.gap.is_not(None) & (s.c.gap <= window), 0), else_=1)
    grp = sa.func.sum(starts).over(partition_by=[s.c[n] for n in names], order_by=(s.c.at, s.c.id),
                                   rows=(None, 0))
    s2 = sa.select(s, grp.label("grp")).subquery("s2")
    cols = [s2.c[n] for n in names]
    return (
        sa.select(sa.func.max(s2.c.id).label("id"), sa.func.max(s2.c.at).label("at"),
                  sa.func.min(s2.c.at).label("first_at"), sa.func.count().label("n"), *cols)
        .group_by(s2.c.grp, *cols)
        .subquery("g")
    )


def grouped(
    settings: Settings, principal: Principal, f: Filter, offset: int = 0, limit: int = 100,
    window: int = GROUP_SECONDS,
) -> list[Entry]:
    """The Journal page: entries visible to the principal (in SQL), repeated searches folded, newest first."""
    conds = _conditions(principal, f)
    if conds is None:
        return []
    g = _grouped(conds, window)
    q = (
        sa.select(g, users.c.display_name)
        .select_from(g.outerjoin(users, users.c.id == g.c.user_id))
        .order_by(g.c.at.desc(), g.c.id.desc())
        .limit(max(1, min(int(limit), 100_000)))
        .offset(max(0, int(offset)))
    )
    with engine(settings).connect() as con:
        rows = con.execute(q).all()
    return [
        Entry(
            id=r.id, at=r.at, login=r.login, role=r.role, action=r.action,
            action_label=ACTION_LABELS.get(r.action, r.action), scope=r.scope,
            targets=json.loads(r.targets) if r.targets else [], detail=r.detail, outcome=r.outcome, ip=r.ip,
            name=r.display_name or "", actor_scope=r.actor_scope, count=int(r.n), first_at=r.first_at, uai=r.uai,
        )
        for r in rows
    ]


def count_grouped(settings: Settings, principal: Principal, f: Filter, window: int = GROUP_SECONDS) -> int:
    """How many entries `grouped` would give (the grid's row count)."""
    conds = _conditions(principal, f)
    if conds is None:
        return 0
    g = _grouped(conds, window)
    with engine(settings).connect() as con:
        return int(con.execute(sa.select(sa.func.count()).select_from(g)).scalar_one())


def logins(settings: Settings, principal: Principal, f: Filter, limit: int = 500) -> list[str]:
    """Who appears in the entries the principal may read under `f` (its login filter aside): the « Qui » list."""
    conds = _conditions(principal, Filter(**{**f.__dict__, "login": None}))
    if conds is None:
        return []
    a = audit_log.c
    q = sa.select(a.login).where(a.login.is_not(None), *conds).group_by(a.login).order_by(a.login).limit(limit)
    with engine(settings).connect() as con:
        return [r[0] for r in con.execute(q).all()]


def purge(settings: Settings, now: datetime) -> int:
    """Delete entries older than AUDIT_RETENTION_DAYS. The only deletion path of the log."""
    cutoff = now.replace(tzinfo=None) - timedelta(days=int(settings["AUDIT_RETENTION_DAYS"]))
    with engine(settings).begin() as con:
        return con.execute(audit_log.delete().where(audit_log.c.at < cutoff)).rowcount
