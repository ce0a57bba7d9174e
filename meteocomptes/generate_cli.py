"""`meteocomptes generate`: synthetic snapshots (data/generate.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from data.generate import PROFILES, TABLES, write_snapshots
from queries.core.clock import iso_date
from queries.core.formats import fmt_int


def _handle(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    folders, rows = write_snapshots(args.profile, args.seed, args.start, args.days, args.every, Path(args.out),
                                    args.format)
    secs = time.perf_counter() - t0
    print(f"{len(folders)} instantané(s) écrit(s) sous {args.out} "
          f"(profil {args.profile}, graine {args.seed}, format {args.format}) :")
    for f in folders:
        print(f"  {f}")
    print("Lignes écrites (tous instantanés confondus) :")
    for t in TABLES:
        print(f"  {t:<15} {fmt_int(rows[t]):>12}")
    print(f"Durée : {secs:.1f} s")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "generate", help="générer des instantanés synthétiques",
        description="Génère des instantanés synthétiques (établissements, élèves, responsables, liens, "
                    "comptes), un dossier AAAA-MM-JJ par date d'extraction.")
    p.add_argument("--profile", choices=PROFILES, default="demo",
                   help="demo (petit), reunion (académie de La Réunion), national (~30 académies)")
    p.add_argument("--seed", type=int, default=1, help="graine aléatoire (défaut : 1)")
    p.add_argument("--start", type=iso_date, default=dt.date(2026, 9, 1),
                   help="date du premier instantané, AAAA-MM-JJ (défaut : 2026-09-01)")
    p.add_argument("--days", type=int, default=1, help="nombre de jours couverts (défaut : 1)")
    p.add_argument("--every", type=int, default=1, help="un instantané tous les K jours (défaut : 1)")
    p.add_argument("--out", required=True, type=Path, help="dossier de sortie")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="format des tables")
    p.set_defaults(func=_handle)
