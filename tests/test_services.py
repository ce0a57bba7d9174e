"""tests/services.py: a missing service skips a test locally and fails it in continuous integration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import services


def outcome(call: Callable[[], object]) -> tuple[str, str]:
    """("fail" | "skip" | "returned", message). Caught here, not by pytest.raises: a skip escaping pytest.raises
    would mark this test skipped, not failed, and a broken helper would go unnoticed."""
    try:
        call()
    except pytest.fail.Exception as exc:
        return "fail", str(exc)
    except pytest.skip.Exception as exc:
        return "skip", str(exc)
    return "returned", ""


@pytest.mark.parametrize("ci", ["true", "TRUE", " true "])
def test_missing_service_fails_under_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    kind, message = outcome(lambda: services.require_service("Redis", "injoignable"))
    assert kind == "fail" and message.startswith("Redis indisponible : injoignable"), (kind, message)


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_missing_service_skips_with_its_reason_locally(monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    kind, message = outcome(lambda: services.require_service("PostgreSQL", "injoignable à x"))
    assert (kind, message) == ("skip", "PostgreSQL indisponible : injoignable à x")


def _no_chromium(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(services, "CHROMIUM", "/nonexistent/chromium")
    services.chromium()


def _no_redis(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(services, "REDIS_URL_TEST", "redis://127.0.0.1:1/15")  # nothing listens on port 1
    services.redis_url()


def _no_postgres(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(services, "DATABASE_URL_TEST", "postgresql://postgres@127.0.0.1:1/test")
    services.postgres_url()


def _no_gunicorn(mp: pytest.MonkeyPatch) -> None:
    services.venv_program("gunicorn", Path("/nonexistent"))


@pytest.mark.parametrize(
    ("probe", "service"),
    [
        (_no_chromium, "Chromium"),
        (_no_redis, "Redis"),
        (_no_postgres, "PostgreSQL"),
        (_no_gunicorn, "gunicorn"),
    ],
)
def test_each_probe_goes_through_the_helper(monkeypatch, probe, service):
    """The real probes, pointed at nothing: a failure under CI, a skip locally, naming the service."""
    monkeypatch.setenv("CI", "true")
    kind, message = outcome(lambda: probe(monkeypatch))
    assert kind == "fail" and message.startswith(f"{service} indisponible"), (kind, message)
    monkeypatch.setenv("CI", "false")
    kind, message = outcome(lambda: probe(monkeypatch))
    assert kind == "skip" and message.startswith(f"{service} indisponible"), (kind, message)


def test_browser_tests_use_the_helper_not_a_skipif():
    """The browser marks carry the fixture that calls the helper (a bare skipif would pass silently in CI)."""
    from browser_kit import BROWSER_MARKS

    names = [m.name for m in BROWSER_MARKS]
    assert "skipif" not in names and "skip" not in names
    uses = [m for m in BROWSER_MARKS if m.name == "usefixtures"]
    assert uses and uses[0].args == ("chromium_available",)
