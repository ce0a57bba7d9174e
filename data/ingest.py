"""Ingestion orchestration: find the files, handle encodings, drive queries.warehouse.ingest on a private copy of the
warehouse (queries.warehouse.publish), print per-table counts. The `meteocomptes ingest` command drives it
(meteocomptes/ingest_cli.py).

Inputs (docs/DOMAINE.md):
- snapshot folders `YYYY-MM-DD/` holding etablissements, eleves, responsables, liens, comptes as `.csv`
  (`;`, UTF-8 with or without BOM, or Windows-1252), `.csv.gz` or `.parquet` — coverage `cov='full'`;
  a folder holding such dated folders ingests all of them, oldest first;
- console export files (one CSV per establishment), with --uai and --date — coverage `cov='uai:<UAI>'`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

from data.linecount import CsvScan, os_error_fr, scan_csv
from queries.core import clock
from queries.core.formats import fmt_int
from queries.core.settings import Settings
from queries.core.timing import step
from queries.warehouse import ingest as q
from queries.warehouse.publish import TMP_PREFIX, writable_copy

DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXTENSIONS = (".csv", ".csv.gz", ".parquet")
# "Today" for refusing snapshots from the future: the date in Paris, with one day of tolerance. Every académie
# is at most one calendar day ahead of Paris (La Réunion and Mayotte by 2-3 hours, Nouvelle-Calédonie by 10),
# and those behind it (Antilles, Guyane, Polynésie) never are ahead: a same-day extract is never refused.
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass
class Job:
    kind: str  # "snapshot" or "export"
    path: Path
    date: date
    uai: str | None = None
    root: Path | None = None  # the folder named on the command line that holds this dated folder, if any

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
def inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def refuse_outside_link(path: Path, folder: Path) -> None:
    """Symbolic links are followed only when they resolve inside `folder`."""
    if not inside(path, folder):
        raise q.SnapshotRefused(
            f"Fichier refusé : {path} est un lien symbolique vers {path.resolve()}, hors du dossier {folder}. "
            "Copiez le fichier (ou le dossier) à cet endroit au lieu d'un lien, puis relancez l'ingestion."
        )


def find_table_file(folder: Path, table: str) -> Path | None:
    for ext in EXTENSIONS:
        p = folder / f"{table}{ext}"
        if p.is_symlink():
            refuse_outside_link(p, folder)
        if p.is_file():
            return p
    return None


def file_format(path: Path) -> str:
    return "parquet" if path.name.endswith(".parquet") else "csv"


def transcode_cp1252(path: Path, workdir: Path, display: str) -> Path:
    """Windows-1252 (possibly gzipped) → UTF-8 temporary file, streamed (the file may be large).

    Named with the writer's temp prefix so that a killed run's leftovers are removed by the next run. A byte that
    Windows-1252 leaves undefined refuses the file, naming its line.
    """
    out = workdir / f"{TMP_PREFIX}{os.getpid()}-{path.name.removesuffix('.gz')}.utf8.csv"
    opener = gzip.open if path.name.endswith(".gz") else open
    decoder = codecs.getincrementaldecoder("cp1252")(errors="strict")
    lines = 0
    try:
        with opener(path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 24):
                try:
                    dst.write(decoder.decode(chunk))
                except UnicodeDecodeError as exc:
                    line = lines + chunk.count(b"\n", 0, exc.start) + 1
                    raise q.SnapshotRefused(
                        f"Fichier refusé : {display}, ligne {fmt_int(line)} : encodage non reconnu, ni UTF-8 ni "
                        f"Windows-1252 (octet 0x{chunk[exc.start]:02X}). Réenregistrez le fichier en UTF-8, puis "
                        "relancez l'ingestion."
                    ) from exc
                lines += chunk.count(b"\n")
            dst.write(decoder.decode(b"", final=True))
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return out


def csv_layout(scan: CsvScan, display: str, settings: Settings) -> q.CsvLayout:
    """Header names of a scanned CSV; an empty file and a wrong separator get their own refusal."""
    if scan.records == 0:
        raise q.SnapshotRefused(
            f"Fichier refusé : {display} est vide (pas même la ligne d'en-tête). Vérifiez l'extraction, puis "
            "relancez l'ingestion."
        )
    raw = scan.header.rstrip(b"\r")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw:
        raise q.SnapshotRefused(
            f"Fichier refusé : {display} : encodé en UTF-16 (ou binaire), ni UTF-8 ni Windows-1252. Réenregistrez-le "
            "en UTF-8, puis relancez l'ingestion."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    names = next(csv.reader([text], delimiter=";", quotechar='"'))
    if len(names) == 1:
        for sep, name in ((",", "virgule « , »"), ("\t", "tabulation"), ("|", "barre « | »")):
            if sep in text:
                raise q.SnapshotRefused(
                    f"Fichier refusé : {display} : mauvais séparateur, la ligne d'en-tête sépare ses colonnes par "
                    f"une {name} au lieu du point-virgule « ; ». Réexportez le fichier avec « ; » comme "
                    "séparateur, puis relancez l'ingestion."
                )
    return q.CsvLayout(tuple(names), int(settings["INGEST_MAX_LINE_BYTES"]), tuple(scan.line_map))


@dataclass(frozen=True)
class Staged:
    """Which costly value checks a staged file needs (data/linecount.py rules out most of them for a CSV)."""

    control_chars: bool = True  # may hold a control character
    long_values: bool = True  # may hold a value over INGEST_MAX_FIELD_BYTES


def stage_file(con: q.Connection, table: str, path: Path, required: tuple[str, ...], display: str,
               workdir: Path, settings: Settings, headers: dict[str, str] | None = None) -> Staged:
    """Stage a file and account for every one of its lines: a CSV is first counted by data/linecount.py (and
    refused on a line over INGEST_MAX_LINE_BYTES), a Parquet file declares its row count; the file is refused
    when DuckDB staged another number of rows. A CSV that is not UTF-8 is retried as Windows-1252.
    Returns which value checks the file needs (all for Parquet: it was not scanned)."""
    fmt = file_format(path)
    if fmt == "parquet":
        expected = q.parquet_rows(con, path, display)
        q.stage_table(con, table, path, fmt, required, display, headers)
        counted, needs = "déclarées par le fichier Parquet", Staged()
    else:
        scan = scan_csv(path, display, int(settings["INGEST_MAX_LINE_BYTES"]))
        layout = csv_layout(scan, display, settings)
        expected, counted = scan.data_rows, "comptées dans le fichier"
        needs = Staged(scan.control_chars, scan.longest > int(settings["INGEST_MAX_FIELD_BYTES"]))
        try:
            q.stage_table(con, table, path, fmt, required, display, headers, layout)
        except UnicodeError:
            try:
                utf8 = transcode_cp1252(path, workdir, display)
            except OSError as exc:
                raise q.SnapshotRefused(f"Fichier refusé : {display} : {os_error_fr(exc)}") from exc
            try:
                q.stage_table(con, table, utf8, fmt, required, display, headers, layout)
            except UnicodeError as exc:
                raise q.SnapshotRefused(
                    f"Fichier refusé : {display} : encodage non reconnu (ni UTF-8 ni Windows-1252). Réenregistrez "
                    "le fichier en UTF-8, puis relancez l'ingestion."
                ) from exc
            finally:
                utf8.unlink(missing_ok=True)
    staged = q.staged_rows(con, table)
    if staged != expected:
        raise q.SnapshotRefused(
            f"Fichier refusé : {display} : {fmt_int(expected)} lignes de données {counted}, mais "
            f"{fmt_int(staged)} lues. Rien n'en est chargé, pour ne perdre aucune ligne sans le dire. Vérifiez le "
            "fichier (guillemets, lignes très longues, fin du fichier), puis relancez l'ingestion."
        )
    return needs




def check_not_future(job: Job, force: bool) -> None:
    """A snapshot dated after tomorrow (Paris) is refused unless --force."""
    latest = clock.today() + FUTURE_TOLERANCE
    if job.date > latest and not force:
        what = "le dossier" if job.kind == "snapshot" else "l'option --date de l'export"
        raise q.SnapshotRefused(
            f"Instantané refusé : {job.path} est daté du {job.date:%d/%m/%Y}, après le {latest:%d/%m/%Y} "
            f"(aujourd'hui à Paris plus un jour de tolérance). Vérifiez la date ({what}, AAAA-MM-JJ) ; si elle "
            "est juste, relancez avec --force."
        )


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
            jobs.extend(Job("snapshot", s, date.fromisoformat(s.name), root=p) for s in subs)
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
    if job.root is not None and job.path.is_symlink():
        refuse_outside_link(job.path, job.root)
    files: dict[str, Path] = {}
    for table in q.SNAPSHOT_TABLES:
        f = find_table_file(job.path, table)
        if f is None:
            raise q.SnapshotRefused(
                f"Instantané refusé : table manquante {job.path / table}.csv (ni .csv.gz, ni .parquet). Ajoutez le "
                "fichier au dossier, puis relancez l'ingestion."
            )
        files[table] = f
    rows: dict[str, dict[str, int]] = {}
    q.set_check_context(con, job.date, int(settings["INGEST_MAX_FIELD_BYTES"]))
    for table in q.TABLE_ORDER:
        with step(f"lecture {table}"):
            needs = stage_file(con, table, files[table], q.SPECS[table].columns, str(files[table]), workdir,
                               settings)
        with step(f"validation {table}"):
            q.validate(con, table, control_chars=needs.control_chars, long_values=needs.long_values)
            rows[table] = q.counts(con, table)
    rows = {t: rows[t] for t in q.SNAPSHOT_TABLES}
    names = {t: str(f) for t, f in files.items()}
    if not force:
        q.check_drop(con, job.cov, job.date, rows, names, float(settings["INGEST_MAX_DROP"]))
    q.commit_snapshot(con, job.cov, job.date, "snapshot", str(job.path), names, rows, clock.paris_wall())
    return rows


def ingest_export(con: q.Connection, job: Job, settings: Settings, force: bool,
                  workdir: Path) -> dict[str, dict[str, int]]:
    assert job.uai is not None
    stage_file(con, "export", job.path, q.EXPORT_COLUMNS, str(job.path), workdir, settings, q.EXPORT_HEADERS)
    q.set_check_context(con, job.date, int(settings["INGEST_MAX_FIELD_BYTES"]))
    rows = q.validate_export(con, job.uai, job.date)
    names = {t: str(job.path) for t in ("export", *q.SNAPSHOT_TABLES)}
    if not force:
        q.check_drop(con, job.cov, job.date, {"export": rows["export"]}, names, float(settings["INGEST_MAX_DROP"]))
    q.commit_snapshot(con, job.cov, job.date, "export", str(job.path), names, rows, clock.paris_wall())
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
                    check_not_future(job, force)
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
