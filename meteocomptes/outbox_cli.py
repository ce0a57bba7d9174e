"""`meteocomptes outbox [--loop]`: sends pending notification emails (the web workers also do it in a thread)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("outbox", help="Envoie les courriels de notification en attente (un passage, ou --loop).")
    p.add_argument("--loop", action="store_true", help="tourne en continu (sinon un seul passage)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from queries.store.outbox import main

    return main(["--loop"] if args.loop else [])
