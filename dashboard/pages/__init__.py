"""Page registry. A page is a module exposing `PAGE: Page`; its callbacks are registered once by create_app."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from queries.core.scope import Principal

# Menu order. Each module: dashboard.pages.<name> (a module or a package) exposing PAGE.
PAGE_MODULES = ("accueil", "statistiques", "responsables", "qualite", "journal", "delegations", "admin")


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    allowed: Callable[[Principal], bool]
    layout: Callable[[Principal, Mapping[str, str]], Any]  # (principal, query parameters) -> component
    register_callbacks: Callable[[Any, Any], None] | None = None  # (app, settings)
    in_menu: bool = True


def load_pages() -> list[Page]:
    return [importlib.import_module(f"dashboard.pages.{name}").PAGE for name in PAGE_MODULES]
