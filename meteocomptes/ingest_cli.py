"""`meteocomptes ingest`: load snapshots or a console export into the warehouse (data/ingest.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from data.ingest import IngestError, ingest
from queries.core.clock import iso_date
from queries.core.settings import Settings
from queries.core.timing import report_steps


def _run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        with report_steps(sys.stderr if args.verbose else None):
            outcomes = ingest(settings, [Path(p) for p in args.paths], args.force, args.uai, args.date)
    except IngestError as exc:
        print(f"ERREUR : {exc}", file=sys.stderr)
        return 2
    return 1 if any(o.error for o in outcomes) else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "ingest",
        help="Ingérer des instantanés (dossiers AAAA-MM-JJ) ou un export de la console dans l'entrepôt.",
        description="Valide, met en quarantaine les lignes invalides, charge et publie atomiquement l'entrepôt.",
    )
    p.add_argument("paths", nargs="+", metavar="CHEMIN",
                   help="dossier AAAA-MM-JJ, dossier de tels dossiers, ou export CSV de la console")
    p.add_argument("--force", action="store_true",
                   help="accepter une baisse du nombre de lignes supérieure à INGEST_MAX_DROP, ou une date "
                        "postérieure au lendemain")
    p.add_argument("--uai", help="UAI de l'établissement d'un export de la console")
    p.add_argument("--date", type=iso_date, help="date (AAAA-MM-JJ) de l'extraction d'un export de la console")
    p.add_argument("-v", "--verbose", action="store_true", help="afficher la durée de chaque étape")
    p.set_defaults(func=_run)
