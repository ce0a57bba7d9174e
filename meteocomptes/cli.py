"""`meteocomptes` command line. Each sub-command is a `*_cli` module of this package (the top layer: data/ and
queries/ never import it) exposing `register(subparsers)`."""

from __future__ import annotations

import argparse
import getpass
import importlib
import sys

# module exposing `register(subparsers)`; imported lazily so a missing optional part does not break the others.
COMMANDS = (
    "meteocomptes.generate_cli",
    "meteocomptes.ingest_cli",
    "meteocomptes.stats_cli",
    "meteocomptes.snapshots_cli",
    "meteocomptes.users_cli",
    "meteocomptes.outbox_cli",
    "meteocomptes.serve",
)




def operator_login() -> str:
    """Who runs a command, as the audit log names them: `cli:<OS user>` (local operator, no account)."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "cli"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meteocomptes",
        description="MétéoComptes : statistiques et console des comptes EduConnect des responsables.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")
    for mod in COMMANDS:
        importlib.import_module(mod).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        rc = args.func(args)
    except KeyboardInterrupt:
        return 130
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
