"""`meteocomptes serve` (gunicorn) and `meteocomptes demo` (demo data when missing, demo accounts, then serve)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

from queries.core.settings import Settings

DEMO_START = date(2026, 8, 24)  # the week before the rentrée 2026
# gunicorn settings derived from ours (forwarded_allow_ips from TRUSTED_PROXIES); the Procfile uses it too.
GUNICORN_CONFIG = "python:meteocomptes.gunicorn_conf"
DEMO_EVERY = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="Sert l'application (gunicorn).")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=serve)

    d = sub.add_parser("demo", help="Prépare l'académie de démonstration si besoin, puis sert l'application.")
    d.add_argument("--host", default=None)
    d.add_argument("--port", type=int, default=None)
    d.add_argument("--workers", type=int, default=None)
    d.add_argument("--no-serve", action="store_true", help="Prépare les données et les comptes sans servir.")
    d.set_defaults(func=demo)


def _url(settings: Settings, args: argparse.Namespace) -> tuple[str, int]:
    return args.host or settings["HOST"], args.port or settings["PORT"]


def serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    host, port = _url(settings, args)
    workers = args.workers or settings["WEB_CONCURRENCY"]
    print(f"MétéoComptes : http://{host}:{port}/", flush=True)
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    cmd = [gunicorn, "--config", GUNICORN_CONFIG, "--bind", f"{host}:{port}", "--workers", str(workers),
           "--threads", "4", "--timeout", "60", "meteocomptes.wsgi:server"]
    os.execv(gunicorn, cmd)
    return 0  # not reached


def ensure_demo_data(settings: Settings) -> None:
    from meteocomptes.cli import main as cli
    from queries import warehouse

    if warehouse.current_target(settings.warehouse_dir) is not None:
        return
    today = date.today()
    end = max(today, DEMO_START + timedelta(days=30))
    days = (end - DEMO_START).days
    out = settings.data_dir / "demo-snapshots"
    print(f"Génération de l'académie de démonstration dans {out}…", flush=True)
    rc = cli(["generate", "--profile", "demo", "--seed", "1", "--start", DEMO_START.isoformat(),
              "--days", str(days), "--every", str(DEMO_EVERY), "--out", str(out)])
    if rc:
        raise SystemExit(rc)
    folders = sorted(str(p) for p in out.iterdir() if p.is_dir())
    print(f"Ingestion de {len(folders)} instantanés…", flush=True)
    # --force: the demo's synthetic timeline runs to at least DEMO_START + 30 days, which may be after today.
    rc = cli(["ingest", "--force", *folders])
    if rc:
        raise SystemExit(rc)


def demo_mail_sink(settings: Settings) -> str | None:
    """The demo has no mail server: unless one is configured (SMTP_HOST or MAIL_SINK_DIR in the environment),
    emails are written as files in DATA_DIR/courriels, shown to the support on « Courriels envoyés (démo) ». Set
    in the environment, so that the gunicorn workers started by `serve` inherit it."""
    if os.environ.get("MAIL_SINK_DIR") or os.environ.get("SMTP_HOST"):
        return os.environ.get("MAIL_SINK_DIR") or None
    os.environ["MAIL_SINK_DIR"] = str(settings.data_dir / "courriels")
    return os.environ["MAIL_SINK_DIR"]


def demo(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    sink = demo_mail_sink(settings)
    ensure_demo_data(settings)
    from queries.services.demo_users import ensure_demo_users
    from queries.store import init_db
    from queries.warehouse.catalog import demo_scopes

    init_db(settings)
    accounts = ensure_demo_users(settings, demo_scopes(settings))
    print("Comptes de démonstration :", flush=True)
    for login, password, role, scope in accounts:
        print(f"  {login:<12} {password:<18} {role:<8} {scope or ''}", flush=True)
    if sink:
        print(f"Courriels : écrits dans {sink} (aucun envoi réel), visibles par le compte support sur la page "
              "« Courriels envoyés (démo) ».", flush=True)
    if args.no_serve:
        return 0
    return serve(args)
