"""The client address of the request being served, for the audit log.

The web layer sets it at the start of each request and resets it at the end; the store reads it when a caller
does not pass an address. A context variable keeps the store free of any web framework."""

from __future__ import annotations

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
