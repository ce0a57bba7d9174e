"""A real gunicorn (as `meteocomptes serve` and the Procfile start it) believes X-Forwarded-Proto only from
TRUSTED_PROXIES: with the list empty, a local client cannot make the application think it is served over HTTPS
(gunicorn's own default trusts 127.0.0.1)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser_kit import free_port
from services import venv_program

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _env(tmp_path: Path, proxies: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    env.update({"METEOCOMPTES_DATA_DIR": str(tmp_path / "var"), "TRUSTED_PROXIES": proxies, "PORT": str(port),
                "WEB_CONCURRENCY": "1", "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
                # gunicorn's own variable would be its default: ours must win over it.
                "FORWARDED_ALLOW_IPS": "127.0.0.1,::1"})
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return env


@contextmanager
def _gunicorn(cmd: list[str] | str, env: dict[str, str], port: int, shell: bool = False) -> Iterator[str]:
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2)  # noqa: S310 - local test server
                break
            except urllib.error.HTTPError:
                break  # 503 without data: the server answers
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    pytest.fail(f"gunicorn n'a pas démarré : {err[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, 15)  # gunicorn's arbiter and its workers (their own session, started here)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=10)


def _login_page(url: str) -> tuple[str, str | None]:
    """Name of the CSRF cookie the login page sets (`__Host-` only over HTTPS), and the HSTS header."""
    req = urllib.request.Request(f"{url}/login", headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - local test server
        cookie = r.headers.get("Set-Cookie", "")
        return cookie.split("=", 1)[0], r.headers.get("Strict-Transport-Security")


def _serve_cmd(port: int) -> list[str]:
    return [str(BIN / "meteocomptes"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]


def _procfile_cmd() -> str:
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    # The platform binds every interface; here, loopback only.
    return re.sub(r"--bind \S+", "--bind 127.0.0.1:$PORT", line.removeprefix("web:").strip())


@pytest.fixture(autouse=True)
def _gunicorn_installed() -> None:
    venv_program("gunicorn", BIN)  # skipped locally when missing, failed under CI=true


@pytest.mark.parametrize("how", ["serve", "procfile"])
@pytest.mark.parametrize(("proxies", "cookie", "https"), [
    ("", "meteocomptes_csrf", False),  # nobody trusted: plain HTTP, no __Host- prefix, no HSTS
    ("127.0.0.1", "__Host-meteocomptes_csrf", True),  # the same request from a listed proxy: HTTPS (the check can tell)
])
def test_forwarded_proto_believed_only_from_trusted_proxies(tmp_path, how, proxies, cookie, https):
    port = free_port()
    env = _env(tmp_path, proxies, port)
    cmd, shell = (_serve_cmd(port), False) if how == "serve" else (_procfile_cmd(), True)
    with _gunicorn(cmd, env, port, shell=shell) as url:
        got, hsts = _login_page(url)
    assert got == cookie
    assert (hsts is not None) is https
