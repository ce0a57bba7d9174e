"""Authentication (placeholder until the access-control issue lands): nobody is logged in."""

from __future__ import annotations

from flask import Flask

from meteocomptes.settings import Settings
from queries.scope import Principal


def init_auth(server: Flask, settings: Settings) -> None:
    """Registers the login routes and the per-request principal resolution."""


def current_principal() -> Principal | None:
    return None
