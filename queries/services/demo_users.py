"""Demo accounts: one per role, with fixed passwords documented in the README (demo data only).

`ensure_demo_users(settings, scopes)` is idempotent: it creates missing accounts, resets their passwords to
the documented ones, re-enables them, follows the scopes of the current demo warehouse, and keeps the demo
delegation (collège → delegue) active.
"""

from __future__ import annotations

from datetime import date, timedelta

from queries.core.scope import Principal, Role, Scope
from queries.core.settings import Settings
from queries.store import engine, users

# login, password, role, key of `scopes` (None: no data scope), display name
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str | None, str], ...] = (
    ("pilote", "demo-pilote-974", Role.PILOTE, "academie", "Pilote académique (démo)"),
    ("ien", "demo-ien-974", Role.IEN, "circonscription", "IEN de circonscription (démo)"),
    ("chef", "demo-chef-974", Role.CHEF, "college", "Principal du collège (démo)"),
    ("directeur", "demo-directeur-974", Role.CHEF, "ecole", "Directeur d'école (démo)"),
    ("delegue", "demo-delegue-974", Role.DELEGUE, None, "Secrétaire délégataire (démo)"),
    ("support", "demo-support-974", Role.SUPPORT, "academie", "Assistance académique (démo)"),
    ("admin", "demo-admin-974", Role.ADMIN, None, "Administrateur (démo)"),
)
DEMO_DELEGATION_DAYS = 90


def ensure_demo_users(settings: Settings, scopes: dict[str, str]) -> list[tuple[str, str, str, str | None]]:
    """Returns (login, password, role, scope) for each demo account; the delegue's scope is its delegation."""
    out: list[tuple[str, str, str, str | None]] = []
    today = date.today()
    for login, password, role, key, name in DEMO_ACCOUNTS:
        scope_text = scopes.get(key) if key else None
        if key and not scope_text:
            continue  # the demo warehouse has no such scope (e.g. no 1D school): skip the account
        user = users.find_user(settings, login)
        if user is None:
            users.create_user(settings, login, role, scope_text, name, password)
        else:
            scope = Scope.parse(scope_text) if scope_text else None
            with engine(settings).begin() as con:
                con.execute(
                    users.users.update()
                    .where(users.users.c.id == user.id)
                    .values(role=role.value, scope=str(scope) if scope else None, display_name=name, active=True,
                            source="local", updated_at=users.utcnow())
                )
            users.set_password(settings, login, password)
        out.append((login, password, role.value, scope_text))
    chef = users.find_user(settings, "chef")
    if chef is not None and chef.scope is not None:
        grantor = Principal(chef.id, chef.login, chef.role, chef.scope, chef.display_name)
        active = users.active_delegation_uais(settings, users.find_user(settings, "delegue").id, today)  # type: ignore[union-attr]
        if active and active != [chef.scope.code]:
            with engine(settings).begin() as con:  # the demo warehouse changed: drop the stale delegation
                con.execute(
                    users.delegations.update()
                    .where(users.delegations.c.delegate_id == users.find_user(settings, "delegue").id)  # type: ignore[union-attr]
                    .where(users.delegations.c.revoked_at.is_(None))
                    .values(revoked_at=users.utcnow())
                )
            active = []
        if not active:
            users.grant_delegation(settings, grantor, "delegue", today + timedelta(days=DEMO_DELEGATION_DAYS), today)
        out = [(lg, pw, r, str(chef.scope) if lg == "delegue" else s) for lg, pw, r, s in out]
    return out
