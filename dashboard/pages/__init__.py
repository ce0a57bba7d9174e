"""Page registry. A page is a module exposing `PAGE: Page`; its callbacks are registered once by create_app."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from queries.core.scope import Principal

# Menu order. Each module: dashboard.pages.<name> (a module or a package) exposing PAGE.
PAGE_MODULES = ("accueil", "statistiques", "responsables", "qualite", "journal", "delegations", "admin", "courriels")


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    allowed: Callable[[Principal], bool]
    layout: Callable[[Principal, Mapping[str, str]], Any]  # (principal, query parameters) -> component
    register_callbacks: Callable[[Any, Any], None] | None = None  # (app, settings)
    in_menu: bool = True
    # Every component its callbacks name (layout and callback-built ones), built without principal or data:
    # create_app joins them into app.validation_layout, against which Dash checks the callbacks' ids.
    skeleton: Callable[[Any], Any] | None = None  # (settings) -> component


class Callbacks:
    """Callbacks declared at module level (`@callbacks(Output…, Input…)` over a plain function), registered on
    each app by `register`. Not `dash.callback`: Dash hands its global list to the first app that starts and
    empties it, and a process may build several apps (tests, CLI)."""

    def __init__(self) -> None:
        self._items: list[tuple[tuple[Any, ...], dict[str, Any], Callable[..., Any]]] = []
        self._clientside: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def declare(fn: Callable[..., Any]) -> Callable[..., Any]:
            self._items.append((args, kwargs, fn))
            return fn

        return declare

    def clientside(self, function: Any, *args: Any, **kwargs: Any) -> None:
        """A clientside callback (a static function of assets/), registered with the others."""
        self._clientside.append((function, args, kwargs))

    def register(self, app: Any, settings: Any = None) -> None:  # settings: callbacks read auth.settings_of()
        for args, kwargs, fn in self._items:
            app.callback(*args, **kwargs)(fn)
        for function, args, kwargs in self._clientside:
            app.clientside_callback(function, *args, **kwargs)


def load_pages() -> list[Page]:
    return [importlib.import_module(f"dashboard.pages.{name}").PAGE for name in PAGE_MODULES]
