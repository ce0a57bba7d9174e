"""Ingestion orchestration: find the files, handle encodings, drive queries.ingest on a private copy of the
warehouse (queries.publish), print per-table counts, and the `meteocomptes ingest` command.

Inputs (DOMAIN.md):
- snapshot folders `YYYY-MM-DD/` holding etablissements, eleves, responsables, liens, comptes as `.csv`
  (`;`, UTF-8 with or without BOM, or Windows-1252), `.csv.gz` or `.parquet` — coverage `cov='full'`;
  a folder holding such dated folders ingests all of them, oldest first;
- console export files (one CSV per establishment), with --uai and --date — coverage `cov='uai:<UAI>'`.
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from meteocomptes.cli import iso_date
from meteocomptes.settings import Settings
from queries import ingest as q
from queries.publish import TMP_PREFIX, writable_copy

DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXTENSIONS = (".csv", ".csv.gz", ".parquet")


@dataclass
class Job:
    kind: str  # "snapshot" or "export"
    path: Path
    date: date
    uai: str | None = None

    @property
    def cov(self) -> str:
        return "full" if self.kind == "snapshot" else f"uai:{self.uai}"


@dataclass
class Outcome:
    job: Job
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None


class IngestError(Exception):
    """Bad command line (message in French)."""


# ---------------------------------------------------------------------------------------------------- files
def find_table_file(folder: Path, table: str) -> Path | None:
    for ext in EXTENSIONS:
        p = folder / f"{table}{ext}"
        if p.is_file():
            return p
    return None


def file_format(path: Path) -> str:
    return "parquet" if path.name.endswith(".parquet") else "csv"


def transcode_cp1252(path: Path, workdir: Path) -> Path:
    """Windows-1252 (possibly gzipped) → UTF-8 temporary file, streamed (the file may be large).

    Named with the writer's temp prefix so that a killed run's leftovers are removed by the next run.
    """
    out = workdir / f"{TMP_PREFIX}{os.getpid()}-{path.name.removesuffix('.gz')}.utf8.csv"
    opener = gzip.open if path.name.endswith(".gz") else open
    decoder = codecs.getincrementaldecoder("cp1252")(errors="strict")
    with opener(path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(1 << 24):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return out


def stage_file(con: q.Connection, table: str, path: Path, required: tuple[str, ...],
               display: str, workdir: Path, headers: dict[str, str] | None = None) -> None:
    """Stage a file; a CSV that is not UTF-8 is retried as Windows-1252."""
    fmt = file_format(path)
    try:
        q.stage_table(con, table, path, fmt, required, display, headers)
        return
    except UnicodeError:
        pass
    try:
        utf8 = transcode_cp1252(path, workdir)
    except (UnicodeError, OSError) as exc:
        raise q.SnapshotRefused(f"Fichier illisible : {display} (encodage ni UTF-8 ni Windows-1252 : {exc})") from exc
    try:
        q.stage_table(con, table, utf8, fmt, required, display, headers)
    except UnicodeError as exc:
        raise q.SnapshotRefused(f"Fichier illisible : {display} (encodage non reconnu)") from exc
    finally:
        utf8.unlink(missing_ok=True)


def check_uai(uai: str) -> str:
    """The --uai of an export: 7 digits and the check letter UAI_LETTERS[n mod 23]."""
    u = uai.strip().upper()
    if not re.fullmatch(r"[0-9]{7}[A-Z]", u):
        raise IngestError(f"UAI {uai} : format invalide (attendu : 7 chiffres et une lettre).")
    expected = q.UAI_LETTERS[int(u[:7]) % 23]
    if u[7] != expected:
        raise IngestError(f"UAI {u} : lettre de contrôle invalide (attendue : {expected}).")
    return u


def resolve_jobs(paths: list[Path], uai: str | None, d: date | None) -> list[Job]:
    """Snapshot folders (or folders of them) and console export files; snapshots sorted by date."""
    jobs: list[Job] = []
    for p in paths:
        if p.is_dir():
            if DATE_DIR.match(p.name):
                jobs.append(Job("snapshot", p, date.fromisoformat(p.name)))
                continue
            subs = sorted(s for s in p.iterdir() if s.is_dir() and DATE_DIR.match(s.name))
            if not subs:
                raise IngestError(f"{p} : ni dossier d'instantané AAAA-MM-JJ, ni dossier en contenant.")
            jobs.extend(Job("snapshot", s, date.fromisoformat(s.name)) for s in subs)
        elif p.is_file():
            if uai is None or d is None:
                raise IngestError(f"{p} : l'import d'un export de la console demande --uai et --date.")
            jobs.append(Job("export", p, d, check_uai(uai)))
        else:
            raise IngestError(f"{p} : fichier ou dossier introuvable.")
    return jobs


# ------------------------------------------------------------------------------------------------- ingestion
def ingest_snapshot(con: q.Connection, job: Job, settings: Settings, force: bool,
                    workdir: Path) -> dict[str, dict[str, int]]:
    files: dict[str, Path] = {}
    for table in q.SNAPSHOT_TABLES:
        f = find_table_file(job.path, table)
        if f is None:
            raise q.SnapshotRefused(
                f"Instantané refusé : table manquante {job.path / table}.csv (ni .csv.gz, ni .parquet)."
            )
        files[table] = f
    rows: dict[str, dict[str, int]] = {}
    for table in q.TABLE_ORDER:
        with q.step(f"lecture {table}"):
            stage_file(con, table, files[table], q.SPECS[table].columns, str(files[table]), workdir)
        with q.step(f"validation {table}"):
            q.validate(con, table)
            rows[table] = q.counts(con, table)
    rows = {t: rows[t] for t in q.SNAPSHOT_TABLES}
    names = {t: str(f) for t, f in files.items()}
    if not force:
        q.check_drop(con, job.cov, job.date, rows, names, float(settings["INGEST_MAX_DROP"]))
    q.commit_snapshot(con, job.cov, job.date, "snapshot", str(job.path), names, rows, datetime.now())
    return rows


def ingest_export(con: q.Connection, job: Job, settings: Settings, force: bool,
                  workdir: Path) -> dict[str, dict[str, int]]:
    assert job.uai is not None
    stage_file(con, "export", job.path, q.EXPORT_COLUMNS, str(job.path), workdir, q.EXPORT_HEADERS)
    rows = q.validate_export(con, job.uai, job.date)
    names = {t: str(job.path) for t in ("export", *q.SNAPSHOT_TABLES)}
    if not force:
        q.check_drop(con, job.cov, job.date, {"export": rows["export"]}, names, float(settings["INGEST_MAX_DROP"]))
    q.commit_snapshot(con, job.cov, job.date, "export", str(job.path), names, rows, datetime.now())
    return rows


def print_rows(job: Job, rows: dict[str, dict[str, int]], out: TextIO) -> None:
    print(f"{job.path} ({job.cov}, {job.date:%d/%m/%Y})", file=out)
    print(f"  {'table':<16}{'lignes lues':>14}{'chargées':>14}{'en quarantaine':>16}", file=out)
    for table, c in rows.items():
        print(f"  {table:<16}{c['lus']:>14,}{c['charges']:>14,}{c['quarantaine']:>16,}".replace(",", " "), file=out)


class _NothingToPublish(Exception):
    pass


def ingest(settings: Settings, paths: list[Path], force: bool = False, uai: str | None = None,
           d: date | None = None, out: TextIO | None = None, err: TextIO | None = None) -> list[Outcome]:
    """Ingest every job in one private copy, published once at the end if at least one job was accepted.

    A refused job leaves nothing behind (its staging is dropped, its transaction rolled back); the others load.
    """
    out = out or sys.stdout  # resolved at call time: tests and callers may swap sys.stdout
    err = err or sys.stderr
    jobs = resolve_jobs(paths, uai, d)
    outcomes: list[Outcome] = []
    workdir = settings.warehouse_dir
    try:
        with writable_copy(settings) as con:
            q.init_schema(con)
            for job in jobs:
                oc = Outcome(job)
                try:
                    fn = ingest_snapshot if job.kind == "snapshot" else ingest_export
                    oc.rows = fn(con, job, settings, force, workdir)
                    print_rows(job, oc.rows, out)
                except q.SnapshotRefused as exc:
                    oc.error = str(exc)
                    print(f"ERREUR : {exc}", file=err)
                finally:
                    q.reset_staging(con)
                outcomes.append(oc)
            if not any(o.error is None for o in outcomes):
                raise _NothingToPublish
            q.run_latest(con)  # once per run, not per date
    except _NothingToPublish:
        print("Rien n'a été publié : l'entrepôt précédent reste en service.", file=err)
    return outcomes


# ------------------------------------------------------------------------------------------------------- CLI
def _run(args: argparse.Namespace) -> int:
    if args.verbose:
        os.environ["METEOCOMPTES_INGEST_VERBOSE"] = "1"
    settings = Settings.from_env()
    try:
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
                   help="accepter une baisse du nombre de lignes supérieure à INGEST_MAX_DROP")
    p.add_argument("--uai", help="UAI de l'établissement d'un export de la console")
    p.add_argument("--date", type=iso_date, help="date (AAAA-MM-JJ) de l'extraction d'un export de la console")
    p.add_argument("-v", "--verbose", action="store_true", help="afficher la durée de chaque étape")
    p.set_defaults(func=_run)
