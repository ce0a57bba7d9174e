"""The one authorisation rule (queries/core/authz.py): fail-closed, one table of roles, SYSTEM for the CLI only."""

import pytest

from queries.core.authz import ROLES, SYSTEM, Action, allowed, require
from queries.core.scope import AccessDenied, Principal, Role, Scope

ACAD = Scope.parse("academie:28")
UAI = Scope.parse("etablissement:9740102T")


def who(role: Role, scope: str | None) -> Principal:
    return Principal(1, role.value, role, Scope.parse(scope) if scope else None)


@pytest.mark.parametrize("nobody", [None, "chef", {"role": "support", "scope": "academie:28"}, 0])
@pytest.mark.parametrize("action", list(Action))
def test_anything_but_a_principal_is_refused(nobody, action):
    assert allowed(nobody, action) is False
    with pytest.raises(AccessDenied):
        require(nobody, action)


def test_each_role_gets_exactly_its_actions():
    scopes = {Role.PILOTE: "academie:28", Role.IEN: "circonscription:9740001A", Role.CHEF: "etablissement:9740102T",
              Role.DELEGUE: "etablissement:9740102T", Role.SUPPORT: "academie:28", Role.ADMIN: None}
    got = {r: {a for a in Action if allowed(who(r, s), a)} for r, s in scopes.items()}
    assert got == {
        Role.PILOTE: {Action.STATS},
        Role.IEN: {Action.STATS},
        Role.CHEF: {Action.STATS, Action.CONSOLE, Action.DELEGATE, Action.AUDIT},
        Role.DELEGUE: {Action.STATS, Action.CONSOLE},
        Role.SUPPORT: {Action.STATS, Action.CONSOLE, Action.AUDIT},
        Role.ADMIN: {Action.ADMIN, Action.AUDIT},
    }
    assert set(ROLES) == set(Action)


def test_a_data_action_needs_a_scope():
    # A delegate whose delegation ended keeps a session but has no scope: no data.
    assert not allowed(who(Role.DELEGUE, None), Action.CONSOLE)
    assert not allowed(who(Role.CHEF, None), Action.STATS)


def test_resource_outside_the_remit_is_refused_when_decidable():
    chef = who(Role.CHEF, "etablissement:9740102T")
    assert allowed(chef, Action.CONSOLE, UAI)
    assert allowed(chef, Action.STATS, Scope.parse("classe:9740102T:6EME A"))
    assert not allowed(chef, Action.STATS, Scope.parse("etablissement:9740601K"))
    assert not allowed(chef, Action.STATS, ACAD)
    pilote = who(Role.PILOTE, "academie:28")
    assert allowed(pilote, Action.STATS, UAI)  # under the académie: decided by the SQL filter
    assert not allowed(pilote, Action.STATS, Scope.parse("academie:01"))


def test_system_is_for_the_command_line_statistics_only():
    assert allowed(SYSTEM, Action.STATS, ACAD)
    assert not any(allowed(SYSTEM, a) for a in Action if a is not Action.STATS)


def test_statistics_refuse_a_missing_principal(mini_warehouse):
    from queries.warehouse.stats import synthese

    with pytest.raises(AccessDenied):
        synthese(mini_warehouse, None, ACAD)  # type: ignore[arg-type]
    assert synthese(mini_warehouse, SYSTEM, ACAD).total["comptes"] > 0


def test_a_refusal_names_the_role_in_words():
    """The message is the Journal's reason for the refusal: « chef d'établissement », not « chef »."""
    head = Principal(1, "c", Role.CHEF, Scope.parse("etablissement:9740001A"))
    with pytest.raises(AccessDenied, match="action admin refusée \\(chef d'établissement\\)"):
        require(head, Action.ADMIN)
