"""Creating users and delegations from the admin page, the delegation page and the CLI: the store's rules, plus
the check that the scope exists in the warehouse's latest data (fail-closed: no data, no check, refused)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from queries import warehouse
from queries.core.scope import Principal, Scope
from queries.core.settings import Settings
from queries.store import users
from queries.warehouse import catalog


def scope_exists(settings: Settings, scope: Scope) -> bool:
    try:
        return catalog.scope_exists(settings, scope)
    except warehouse.WarehouseUnavailable:
        raise users.UserError("Impossible de vérifier le périmètre : l'entrepôt de données est indisponible ou vide "
                              "(ingérez d'abord un instantané).") from None


def create_user(settings: Settings, *args: Any, **kwargs: Any) -> users.User:
    return users.create_user(settings, *args, scope_exists=partial(scope_exists, settings), **kwargs)


def grant_delegation(settings: Settings, grantor: Principal, delegate_login: str, end_date: date,
                     today: date) -> users.Delegation:
    return users.grant_delegation(settings, grantor, delegate_login, end_date, today,
                                  scope_exists=partial(scope_exists, settings))
