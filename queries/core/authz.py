"""The one authorisation rule: `allowed(principal, action, resource)`, and `require`, which raises.

Fail-closed: anything that is not a Principal (None, a login string, a forged dict) is refused; a role not listed
for an action is refused; a data action needs a data scope. Trusted command-line use passes `SYSTEM`
explicitly (the web layer never builds it). `resource`, when given, is the scope asked for: what can be decided
without the warehouse is decided here (same level, other code; another establishment, class or MEF for a
principal bound to one); the rest is decided by the SQL filter, which ANDs the principal's scope anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from queries.core.scope import AccessDenied, Principal, Role, Scope
from queries.core.vocab import role_label


class Action(StrEnum):
    STATS = "stats"  # aggregates of a scope (Statistiques, its exports and API, Qualité des données)
    CONSOLE = "console"  # guardians' personal data of a scope, and the actions on their accounts
    DELEGATE = "delegate"  # delegate the console of one's establishment
    ADMIN = "admin"  # manage users (the Administration page)
    AUDIT = "audit"  # read the Journal (each role its own part: queries.store.audit.visibility)


ROLES: dict[Action, frozenset[Role]] = {
    Action.STATS: frozenset({Role.PILOTE, Role.IEN, Role.CHEF, Role.DELEGUE, Role.SUPPORT}),
    Action.CONSOLE: frozenset({Role.CHEF, Role.DELEGUE, Role.SUPPORT}),
    Action.DELEGATE: frozenset({Role.CHEF}),
    Action.ADMIN: frozenset({Role.ADMIN}),
    Action.AUDIT: frozenset({Role.CHEF, Role.SUPPORT, Role.ADMIN}),
}
NEEDS_SCOPE = frozenset({Action.STATS, Action.CONSOLE, Action.DELEGATE})


@dataclass(frozen=True)
class SystemPrincipal:
    """The command line run by an operator of the server (`meteocomptes stats`): reads aggregates anywhere."""

    login: str = "système"


SYSTEM = SystemPrincipal()
SYSTEM_ACTIONS = frozenset({Action.STATS})
Caller = Principal | SystemPrincipal


def _within(own: Scope, asked: Scope) -> bool:
    if own.uai is not None:
        return asked.uai == own.uai and (own.sub is None or (asked.level, asked.sub) == (own.level, own.sub))
    return not (asked.level is own.level and asked.code != own.code)


def allowed(principal: object, action: Action, resource: Scope | None = None) -> bool:
    if isinstance(principal, SystemPrincipal):
        return action in SYSTEM_ACTIONS
    if not isinstance(principal, Principal) or principal.role not in ROLES.get(action, ()):
        return False
    if action in NEEDS_SCOPE and principal.scope is None:
        return False
    if resource is not None:
        return principal.scope is not None and _within(principal.scope, resource)
    return True


def require(principal: object, action: Action, resource: Scope | None = None) -> Caller:
    """The principal, when allowed; AccessDenied (→ 403 and a `denied` audit row at the web edge) otherwise."""
    if not allowed(principal, action, resource):
        who = role_label(principal.role.value) if isinstance(principal, Principal) else "inconnu"  # read in the Journal
        raise AccessDenied(f"action {action.value} refusée ({who}" + (f", périmètre {resource})" if resource else ")"))
    return principal  # type: ignore[return-value]
