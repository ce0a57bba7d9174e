"""Loading SQL: staging, vectorised validation, quarantine, interval-encoded history, per-date aggregates.

Everything here is set-based DuckDB SQL on whole tables (no Python loop per row): it has to scale to a national
day (≈ 20 M guardian records, 12 M pupils). Values always travel as parameters; the only identifiers spliced into
SQL come from the fixed specifications below (or are double-quoted file header names).

Flow for one snapshot (cov, D), on the writer's private copy (queries/warehouse/publish.py):
  stage_table()     → TEMP table `stgdata_<table>` (one pass over the file: all VARCHAR, trimmed, '' → NULL)
                      and view `stg_<table>` adding `line` (line in the file, header = 1)
  validate()        → TEMP table `q_tmp` (bad rows: line, column, value, reason code) and view `ok_<table>`
                      (typed rows not in quarantine)
  check_drop()      → refusal when a table shrinks by more than INGEST_MAX_DROP against the previous snapshot
  commit_snapshot() → quarantine/ingest_log/snapshot rows, history update, per_date_*.sql (one transaction)
  run_latest()      → console tables of the latest full date (queries/warehouse/console_tables.py), once per run
"""

# Dynamic SQL here only splices identifiers and fragments from the fixed SPECS/CHECKS of this module (S608).
# ruff: noqa: S608
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import duckdb

from queries.core.formats import fmt_int
from queries.core.timing import step
from queries.core.vocab import DEGRES, ETATS, LIENS, ORIGINES, QUARANTINE_REASONS, TYPES_1D, TYPES_2D
from queries.warehouse import console_tables
from queries.warehouse.sqlkit import execute_script, sql_text

Connection = duckdb.DuckDBPyConnection  # for callers outside queries/, which do not import duckdb themselves
OPEN_END = date(9999, 12, 31)
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"

SOURCES = ("ONDE", "SIECLE")


class SnapshotRefused(Exception):
    """The whole snapshot is refused (French message naming the file); nothing of it is published."""


@dataclass(frozen=True)
class TableSpec:
    name: str  # input table (file stem)
    hist: str  # history table
    key: tuple[str, ...]
    columns: tuple[str, ...]  # input columns, in contract order
    dates: tuple[str, ...] = ()  # columns typed DATE
    # (column, SQL expression over `columns`) stored beside them in the history: functions of the payload, so a
    # row's (key, h) still identifies it. Computed once, for the rows a date changes.
    derived: tuple[tuple[str, str], ...] = ()

    @property
    def payload(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.key)

    @property
    def stored(self) -> tuple[str, ...]:
        return self.columns + tuple(name for name, _ in self.derived)


def _fold(col: str) -> str:
    return f"lower(strip_accents(trim(coalesce({col}, ''))))"


# Normalised keys of a guardian record, for the console: name search and the « Je ne vois pas tous mes enfants »
# diagnostic (accent stripping is the costly part: done once per record version, not per query or per link).
RESP_KEYS: tuple[tuple[str, str], ...] = (
    ("k_nom_usage", _fold("nom_usage")),
    ("k_nom_naissance", _fold("nom_naissance")),
    ("k_prenoms", _fold("prenoms")),
    ("k_prenom1", f"split_part({_fold('prenoms')}, ' ', 1)"),
    # the national significant number: the last 9 digits ("0692 12…", "+262 692 12…" and "00262…" agree)
    ("k_mobile", "nullif(right(regexp_replace(coalesce(telephone_portable, ''), '[^0-9]', '', 'g'), 9), '')"),
    ("k_courriel", "nullif(lower(trim(coalesce(courriel, ''))), '')"),
)


SPECS: dict[str, TableSpec] = {
    s.name: s
    for s in (
        TableSpec(
            "etablissements", "etab_h", ("uai",),
            ("uai", "nom", "type", "degre", "commune", "circonscription_code", "circonscription_nom",
             "departement_code", "departement_nom", "academie_code", "academie_nom"),
        ),
        TableSpec(
            "eleves", "eleve_h", ("ine",),
            ("ine", "nom", "prenom", "date_naissance", "uai", "classe", "mef_code", "mef_libelle"),
            ("date_naissance",),
        ),
        TableSpec(
            "responsables", "resp_h", ("responsable_id",),
            ("responsable_id", "source", "uai", "civilite", "nom_usage", "nom_naissance", "prenoms",
             "telephone_portable", "courriel", "identifiant"),
            derived=RESP_KEYS,
        ),
        TableSpec("liens", "lien_h", ("responsable_id", "ine"), ("responsable_id", "ine", "lien")),
        TableSpec(
            "comptes", "compte_h", ("identifiant",),
            ("identifiant", "origine", "etat", "date_notification", "date_activation", "date_derniere_connexion",
             "date_demande_reinit_mdp", "courriel", "telephone_portable"),
            ("date_notification", "date_activation", "date_derniere_connexion", "date_demande_reinit_mdp"),
        ),
    )
}
# Validation order: references are checked against the rows already accepted in the tables before.
TABLE_ORDER = ("etablissements", "eleves", "comptes", "responsables", "liens")
SNAPSHOT_TABLES = tuple(SPECS)








def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    _migrate(con)
    execute_script(con, sql_text("schema.sql"))


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a warehouse written by an earlier version to schema.sql: guardian record keys stored in resp_h
    (computed here for the rows already there), console_resp a view of them rather than a copy, quarantine
    reasons as codes."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
    if "console_resp" in tables:
        con.execute("DROP TABLE console_resp")
    if "quarantine" in tables:
        _migrate_quarantine(con)
    if "resp_h" not in tables:
        return
    have = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'resp_h'").fetchall()}
    missing = [(name, expr) for name, expr in RESP_KEYS if name not in have]
    for name, _ in missing:
        con.execute(f"ALTER TABLE resp_h ADD COLUMN {name} VARCHAR")
    if missing:
        con.execute("UPDATE resp_h SET " + ", ".join(f"{name} = {expr}" for name, expr in missing))


# Reasons written by versions before reason codes (free text embedding the values) → codes; most specific first.
_OLD_REASONS: tuple[tuple[str, str], ...] = (
    ("Doublon du couple%", "doublon_couple"),
    ("Doublon de la clé%", "doublon"),
    ("Date « %", "date_invalide"),
    ("UAI % : format invalide%", "uai_format"),
    ("UAI % : lettre de contrôle%", "uai_lettre"),
    ("Degré % incohérent%", "degre_incoherent"),
    ("Établissement % inconnu", "etablissement_inconnu"),
    ("Élève % inconnu", "eleve_inconnu"),
    ("Responsable % inconnu", "responsable_inconnu"),
    ("Compte % absent de la table comptes", "compte_inconnu"),
    ("Compte % : statut ou origine différent%", "compte_incoherent"),
    ("% manquant", "manquant"),
    ("%« % » inconnu%", "inconnu"),
    ("Messagerie « % » invalide%", "inconnu"),
)


def _migrate_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    """Quarantine rows of earlier versions: reason text → code and label (the value stays in `value`), file path →
    file name. Their establishments are unknown (uais NULL): only the académie level sees them."""
    have = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'quarantine'").fetchall()}
    if "reason_code" in have:
        return
    con.execute("ALTER TABLE quarantine ADD COLUMN reason_code VARCHAR")
    con.execute("ALTER TABLE quarantine ADD COLUMN uais VARCHAR[]")
    code = "CASE " + " ".join(f"WHEN reason LIKE {_lit(pat)} THEN {_lit(c)}" for pat, c in _OLD_REASONS) + " ELSE 'autre' END"
    con.execute(f"UPDATE quarantine SET reason_code = {code}")
    con.execute(f"UPDATE quarantine SET reason = {REASON_LABEL_SQL.format(c='reason_code')}, "
                "file = regexp_extract(file, '[^/\\\\]*$')")


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


# --------------------------------------------------------------------------------------------------- staging
def _norm_header(name: str) -> str:
    """Header as compared: no BOM, no accents, lower case, single spaces."""
    text = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).lower().split())


@dataclass(frozen=True)
class CsvLayout:
    """What the ingestion learnt of a CSV file before DuckDB reads it (data/linecount.py)."""

    names: tuple[str, ...]  # header names, in file order
    max_line_bytes: int  # INGEST_MAX_LINE_BYTES
    line_map: tuple[tuple[int, int], ...] = ()  # (row, offset): from data row `row` on, line = row + 2 + offset


DUCKDB_MAX_LINE = 2_097_152  # DuckDB's default max_line_size


def stage_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    fmt: str,
    required: tuple[str, ...],
    display: str,
    headers: dict[str, str] | None = None,
    layout: CsvLayout | None = None,
) -> None:
    """Load one file into TEMP `stgdata_<table>` (all VARCHAR, trimmed, '' → NULL) and expose it as the view
    `stg_<table>` with `line` (line in the file, header = line 1; for Parquet, row index + 2 likewise).

    A CSV is read with the layout found by data/linecount.py (header names, line numbers), without DuckDB's
    dialect sniffing: `;`, `"` quoting, every row as many fields as the header, else an error naming the line.
    Raises SnapshotRefused (French, naming the file and the line when there is one) when the file cannot be read
    or lacks a required column. `fmt` is csv or parquet (gzip is handled by read_csv). A CSV that is not UTF-8
    raises UnicodeError so that the caller can transcode.
    """
    params: list[object] = [str(path)]
    if fmt == "parquet":
        src = "read_parquet(?)"
    else:
        assert layout is not None
        src = (
            "read_csv(?, delim = ';', quote = '\"', escape = '\"', header = true, auto_detect = false, "
            "columns = ?, strict_mode = true, null_padding = false, max_line_size = ?)"
        )
        # Positional names: the header's own names may be anything (quotes, duplicates, empty).
        params += [{f"c{i:05d}": "VARCHAR" for i in range(len(layout.names))},
                   max(layout.max_line_bytes + 16, DUCKDB_MAX_LINE)]
    data = f"stgdata_{table}"
    try:
        if fmt == "parquet":
            cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}", params).fetchall()]
            names = cols
        else:
            assert layout is not None
            cols, names = [f"c{i:05d}" for i in range(len(layout.names))], list(layout.names)
        by_norm: dict[str, str] = {}
        for c, name in zip(cols, names, strict=True):
            by_norm.setdefault(_norm_header(name), c)
        headers = headers or {c: c for c in required}  # canonical column → expected normalised header
        missing = [headers[c] for c in required if headers[c] not in by_norm]
        if missing:
            raise SnapshotRefused(
                f"Fichier refusé : {display} : colonne(s) obligatoire(s) absente(s) de la ligne d'en-tête : "
                f"{', '.join(missing)}. Ajoutez-les (l'en-tête attendu est : {';'.join(headers[c] for c in required)}), "
                "puis relancez l'ingestion."
            )
        select = ", ".join(
            f"NULLIF(trim(CAST({_q(by_norm[headers[c]])} AS VARCHAR)), '') AS {_q(c)}" for c in required
        )
        # One pass, one copy: insertion order is preserved, so rowid + 2 is the line in the file (header = 1).
        con.execute(f"CREATE OR REPLACE TEMP TABLE {data} AS SELECT {select} FROM {src}", params)
    except duckdb.Error as exc:
        msg = str(exc)
        if "Invalid unicode" in msg or "not utf-8" in msg:
            raise UnicodeError(msg) from exc
        raise SnapshotRefused(read_error(msg, display, fmt, layout)) from exc
    if layout is not None and layout.line_map:
        # Blank lines or values spanning lines shift line numbers: map each row to its first line in the file.
        con.execute(f"CREATE OR REPLACE TEMP TABLE linemap_{table} (row BIGINT, off BIGINT)")
        con.executemany(f"INSERT INTO linemap_{table} VALUES (?, ?)", [list(m) for m in layout.line_map])
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW stg_{table} AS SELECT d.rowid + 2 + coalesce(m.off, 0) AS line, d.* "
            f"FROM {data} d ASOF LEFT JOIN linemap_{table} m ON d.rowid >= m.row"
        )
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW stg_{table} AS SELECT rowid + 2 AS line, * FROM {data}")


def read_error(msg: str, display: str, fmt: str, layout: CsvLayout | None = None) -> str:
    """DuckDB's (English) read error → a French refusal naming the file, the line when known, what to do.
    The offending line's content (DuckDB's « Original Line ») is never repeated: it holds personal data."""
    found = re.search(r"CSV Error on Line: (\d+)", msg)
    where = f"{display}, ligne {fmt_int(int(found.group(1)))}" if found else display
    again = "puis relancez l'ingestion."
    cols = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", msg)
    if cols:
        expected, got = int(cols.group(1)), int(cols.group(2))  # DuckDB stops counting at expected + 1
        count, hint = ((f"plus de {expected} valeurs", "une valeur contenant « ; » doit être entourée de guillemets")
                       if got > expected else
                       (f"{got} valeur(s) au lieu de {expected}", "la ligne est incomplète, coupée ou d'un autre "
                        "séparateur que « ; »"))
        return (f"Fichier refusé : {where} : {count} (il en faut autant que de colonnes dans l'en-tête, séparées "
                f"par « ; »). Corrigez cette ligne ({hint}), {again}")
    if "unterminated quote" in msg:
        return (f"Fichier refusé : {where} : guillemet ouvrant jamais fermé. Fermez-le (un guillemet dans une "
                f"valeur entre guillemets s'écrit \"\"), {again}")
    if "Maximum line size" in msg or "line size" in msg.lower():
        limit = layout.max_line_bytes if layout else DUCKDB_MAX_LINE
        return (f"Fichier refusé : {where} : ligne plus longue que la limite INGEST_MAX_LINE_BYTES ({fmt_int(limit)} octets). "
                f"Vérifiez l'extraction ; si la ligne est légitime, relevez INGEST_MAX_LINE_BYTES, {again}")
    if "gzip" in msg.lower():
        return (f"Fichier refusé : {display} : fichier compressé (gzip) tronqué ou corrompu. Recopiez-le ou "
                f"refaites l'extraction, {again}")
    if fmt == "parquet":
        return (f"Fichier refusé : {display} n'est pas un fichier Parquet lisible (tronqué, corrompu ou d'un autre "
                f"format). Réexportez-le en Parquet ou en CSV (séparateur « ; »), {again}")
    if "quote" in msg.lower():
        return (f"Fichier refusé : {where} : guillemet mal placé (après un guillemet fermant, seuls « ; » ou la fin "
                f"de ligne sont permis). Corrigez la valeur (un guillemet s'y écrit \"\"), {again}")
    if "invalid state" in msg or "RFC 4180" in msg:
        return (f"Fichier refusé : {where} : contenu illisible comme CSV (fichier binaire, corrompu ou d'un autre "
                f"format ?). Vérifiez le fichier, {again}")
    first = msg.splitlines()[0] if msg else "?"
    return (f"Fichier refusé : {where} : lecture impossible. Vérifiez qu'il s'agit d'un CSV (séparateur « ; », "
            f"ligne d'en-tête, UTF-8 ou Windows-1252) ou d'un Parquet, {again} (Détail technique : {first})")


def staged_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM stgdata_{table}").fetchone()[0])  # type: ignore[index]


def parquet_rows(con: duckdb.DuckDBPyConnection, path: Path, display: str) -> int:
    """Rows a Parquet file declares in its footer, read independently of the row scan."""
    try:
        row = con.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)", [str(path)]).fetchone()
    except duckdb.Error as exc:
        raise SnapshotRefused(read_error(str(exc), display, "parquet")) from exc
    return int(row[0] or 0) if row else 0


# ------------------------------------------------------------------------------------------------ validation
def _in(values: tuple[str, ...]) -> str:
    # Fixed vocabularies of this module (not user input).
    return "(" + ", ".join("'" + v + "'" for v in values) + ")"


_DATE_BAD = "({c} IS NOT NULL AND (NOT regexp_full_match({c}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') OR try_cast({c} AS DATE) IS NULL))"


def _lit(text: str) -> str:
    """SQL literal of a fixed message fragment of this module (not user input)."""
    return "'" + text.replace("'", "''") + "'"


def _code(code: str) -> str:
    """SQL literal of a quarantine reason code; it must be in vocab.QUARANTINE_REASONS (checked at import)."""
    if code not in QUARANTINE_REASONS:
        raise KeyError(f"quarantine reason code {code!r} missing from queries.core.vocab.QUARANTINE_REASONS")
    return _lit(code)


# Every check selects (line, column_name, value, reason_code): the offending value in its own column, the reason
# as a code of vocab.QUARANTINE_REASONS. A label never embeds a value (the page shows labels to roles that may
# not see the values).
def _required(col: str) -> str:
    return f"SELECT line, '{col}', {col}, {_code('manquant')} FROM stg WHERE {col} IS NULL"


def _vocab(col: str, values: tuple[str, ...]) -> str:
    return f"SELECT line, '{col}', {col}, {_code('inconnu')} FROM stg WHERE {col} IS NOT NULL AND {col} NOT IN {_in(values)}"


# Plausible dates in fields, relative to the snapshot date D (set per snapshot by set_check_context()): an event
# (notification, activation, connection, password reset) is neither after D + 1 day (one day of tolerance, as for
# the snapshot date itself) nor before 2000 (no online account of parents existed); a pupil is born between
# D − 30 years (adults finishing a vocational diploma) and D − 1 year (the « toute petite section » takes
# children from two years old in the calendar year, so some are 20 months old at the rentrée).
PLAUSIBLE_EVENT_MIN = date(2000, 1, 1)
PLAUSIBLE_AGE_YEARS = (1, 30)
_WINDOWS: dict[str, tuple[tuple[str, str], ...]] = {
    "evenement": (("{d} > getvariable('ingest_event_max')", "date_future"),
                  ("{d} < getvariable('ingest_event_min')", "date_trop_ancienne")),
    "naissance": (("{d} > getvariable('ingest_birth_max') OR {d} < getvariable('ingest_birth_min')",
                   "naissance_invraisemblable"),),
}


def _window(col: str, typed: str, window: str | None, bad_format: str, format_reason: str) -> str:
    """A date check: bad format, then (for a well-formed date) outside its plausible window, each its reason."""
    if window is None:
        return f"SELECT line, '{col}', {col}, {format_reason} FROM stg WHERE {bad_format}"
    rules = [(cond.format(d=typed), code) for cond, code in _WINDOWS[window]]
    reason = f"CASE WHEN {bad_format} THEN {format_reason} " + " ".join(
        f"WHEN {cond} THEN {_code(code)}" for cond, code in rules) + " END"
    out = " OR ".join(f"({cond})" for cond, _ in rules)
    return f"SELECT line, '{col}', {col}, {reason} FROM stg WHERE {bad_format} OR ({col} IS NOT NULL AND ({out}))"


def _date(col: str, window: str | None = None) -> str:
    return _window(col, f"try_cast({col} AS DATE)", window, _DATE_BAD.format(c=col),
                   _code("date_invalide"))


def _first_value(cols: tuple[str, ...], cond: str, anyone: str, code: str) -> str:
    """Rows where `anyone` holds, reported on the first column where `cond` does (value cut to 200 characters)."""
    which = "CASE " + " ".join(f"WHEN {cond.format(c=c)} THEN '{c}'" for c in cols) + " END"
    value = "CASE " + " ".join(f"WHEN {cond.format(c=c)} THEN left({c}, 200)" for c in cols) + " END"
    return f"SELECT line, {which}, {value}, {_code(code)} FROM stg WHERE {anyone}"


def _too_long(cols: tuple[str, ...]) -> str:
    """No value longer than INGEST_MAX_FIELD_BYTES bytes (strlen reads the stored length: nearly free)."""
    cond = "strlen({c}) > getvariable('ingest_max_field')"
    return _first_value(cols, cond, " OR ".join(cond.format(c=c) for c in cols), "valeur_trop_longue")


def _control(cols: tuple[str, ...]) -> str:
    """No control character in any value (a NUL byte, a tab, a line break inside quotes, DEL, C1 controls…).
    A regular expression over every value is costly at national scale: it runs only on the files where
    data/linecount.py saw a control byte (and on Parquet files and console exports), and tests all the values
    of a row at once."""
    cond = r"regexp_matches({c}, '\p{{Cc}}')"
    anyone = r"regexp_matches(concat(" + ", ".join(cols) + r"), '\p{Cc}')"
    return _first_value(cols, cond, anyone, "caractere_controle")


def set_check_context(con: duckdb.DuckDBPyConnection, d: date, max_field_bytes: int) -> None:
    """The snapshot date's plausible windows and the field size limit, read by the checks (DuckDB variables)."""
    young, old = PLAUSIBLE_AGE_YEARS

    def years_before(n: int) -> date:
        return d.replace(year=d.year - n, day=28) if (d.month, d.day) == (2, 29) else d.replace(year=d.year - n)

    for name, value in (("ingest_event_min", PLAUSIBLE_EVENT_MIN), ("ingest_event_max", d + timedelta(days=1)),
                        ("ingest_birth_min", years_before(old)), ("ingest_birth_max", years_before(young))):
        con.execute(f"SET VARIABLE {name} = CAST(? AS DATE)", [value])
    con.execute("SET VARIABLE ingest_max_field = CAST(? AS BIGINT)", [max_field_bytes])


# A UAI: 7 digits then the check letter UAI_LETTERS[n mod 23]. The expected letter is computed only on 7 digits.
_UAI_FORMAT = (
    f"SELECT line, 'uai', uai, {_code('uai_format')} "
    "FROM stg WHERE uai IS NOT NULL AND NOT regexp_full_match(uai, '[0-9]{7}[A-Z]')"
)
_UAI_LETTER = (
    f"SELECT line, 'uai', uai, {_code('uai_lettre')} "
    f"FROM (SELECT *, substr('{UAI_LETTERS}', CAST(CAST(substr(uai, 1, 7) AS BIGINT) % 23 AS INTEGER) + 1, 1) "
    "AS expected FROM stg WHERE regexp_full_match(uai, '[0-9]{7}[A-Z]')) WHERE substr(uai, 8, 1) <> expected"
)


def _ref(col: str, code: str, other: str, other_col: str) -> str:
    """A reference to a row of an earlier table: unknown, or known but quarantined there (control characters
    removed, so that a key quarantined for a NUL byte is recognised)."""
    # ANTI JOIN rather than NOT IN: no NULL-aware mark join over millions of keys. Only the failing rows (few)
    # are looked up among the quarantined keys of the other table.
    src = other.removeprefix("ok_")
    return (
        f"SELECT line, '{col}', s.{col}, CASE WHEN qk.k IS NULL THEN {_code(code)} "
        f"ELSE {_code('reference_en_quarantaine')} END FROM stg s "
        f"ANTI JOIN (SELECT {other_col} AS k FROM {other}) o ON s.{col} = o.k "
        f"LEFT JOIN (SELECT DISTINCT regexp_replace(x.{other_col}, '\\p{{Cc}}', '', 'g') AS k FROM stg_{src} x "
        f"SEMI JOIN (SELECT line FROM q_tmp WHERE table_name = '{src}') USING (line)) qk ON s.{col} = qk.k "
        f"WHERE s.{col} IS NOT NULL"
    )


CHECKS: dict[str, list[str]] = {
    "etablissements": [
        _required("uai"),
        _UAI_FORMAT,
        _UAI_LETTER,
        _required("type"),
        _vocab("type", TYPES_1D + TYPES_2D),
        _required("degre"),
        _vocab("degre", DEGRES),
        f"SELECT line, 'degre', degre, {_code('degre_incoherent')} FROM stg "
        f"WHERE (type IN {_in(TYPES_1D)} AND degre = '2D') OR (type IN {_in(TYPES_2D)} AND degre = '1D')",
        _required("departement_code"),
        _required("academie_code"),
    ],
    "eleves": [
        _required("ine"),
        _date("date_naissance", "naissance"),
        _required("uai"),
        _ref("uai", "etablissement_inconnu", "ok_etablissements", "uai"),
    ],
    "comptes": [
        _required("identifiant"),
        _required("origine"),
        _vocab("origine", ORIGINES),
        _required("etat"),
        _vocab("etat", ETATS),
        _date("date_notification", "evenement"),
        _date("date_activation", "evenement"),
        _date("date_derniere_connexion", "evenement"),
        _date("date_demande_reinit_mdp", "evenement"),
    ],
    "responsables": [
        _required("responsable_id"),
        _vocab("source", SOURCES),
        _ref("uai", "etablissement_inconnu", "ok_etablissements", "uai"),
        _required("identifiant"),
        _ref("identifiant", "compte_inconnu", "ok_comptes", "identifiant"),
    ],
    "liens": [
        _required("responsable_id"),
        _required("ine"),
        _vocab("lien", LIENS),
        _ref("responsable_id", "responsable_inconnu", "ok_responsables", "responsable_id"),
        _ref("ine", "eleve_inconnu", "ok_eleves", "ine"),
    ],
}

Q_TMP_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS q_tmp (table_name VARCHAR, line BIGINT, column_name VARCHAR, "
    "value VARCHAR, reason_code VARCHAR)"
)


def _on(check: str, staging: str) -> str:
    """A check written over `stg` applied to one staging view (`stg_<table>` names elsewhere are left alone)."""
    return re.sub(r"\bFROM stg\b", f"FROM {staging}", check)


def validate(con: duckdb.DuckDBPyConnection, table: str, extra_checks: list[str] | None = None,
             control_chars: bool = True, long_values: bool = True) -> None:
    """Quarantine bad rows of `stg_<table>` into `q_tmp`, then build typed `ok_<table>` from the others.

    Duplicate keys are checked last, among the rows that passed every other check: the first occurrence loads.
    `control_chars`: the file may hold control characters (data/linecount.py saw one, or it is not a CSV);
    `long_values`: it may hold a value over INGEST_MAX_FIELD_BYTES (not when its longest line is shorter).
    """
    spec = SPECS[table]
    con.execute(Q_TMP_DDL)
    values = [_control(spec.columns)] if control_chars else []
    values += [_too_long(spec.columns)] if long_values else []
    for check in values + CHECKS[table] + (extra_checks or []):
        con.execute(f"INSERT INTO q_tmp SELECT '{table}', * FROM ({_on(check, f'stg_{table}')})")
    key = ", ".join(spec.key)
    key_text = " || ' / ' || ".join(spec.key)
    alive = f"NOT EXISTS (SELECT 1 FROM q_tmp q WHERE q.table_name = '{table}' AND q.line = s.line)"
    # Duplicated keys are rare: find them with a hash aggregate, then number only their lines.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE dup_keys AS
        SELECT {key} FROM stg_{table} s WHERE {alive} GROUP BY ALL HAVING count(*) > 1"""
    )
    con.execute(
        f"""INSERT INTO q_tmp
        SELECT '{table}', line, '{spec.key[-1]}', {key_text}, {_code('doublon')}
        FROM (SELECT line, {key}, min(line) OVER (PARTITION BY {key}) AS first_line
              FROM stg_{table} s SEMI JOIN dup_keys USING ({key})
              WHERE {alive})
        WHERE line > first_line"""
    )
    con.execute("DROP TABLE dup_keys")
    cols = ", ".join(f"CAST({c} AS DATE) AS {c}" if c in spec.dates else c for c in spec.columns)
    # A view, not a copy: at national scale one more materialisation of 20 M rows costs more than re-scanning.
    con.execute(f"CREATE OR REPLACE TEMP VIEW ok_{table} AS SELECT {cols} FROM stg_{table} s WHERE {alive}")


def counts(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    read = con.execute(f"SELECT count(*) FROM stg_{table}").fetchone()[0]  # type: ignore[index]
    loaded = con.execute(f"SELECT count(*) FROM ok_{table}").fetchone()[0]  # type: ignore[index]
    return {"lus": int(read), "charges": int(loaded), "quarantaine": int(read - loaded)}


def reset_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every temporary object of the previous job (views first: they depend on the tables)."""
    for kind, sql in (("VIEW", "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"),
                      ("TABLE", "SELECT table_name FROM duckdb_tables() WHERE temporary AND NOT internal")):
        for (name,) in con.execute(sql).fetchall():
            con.execute(f"DROP {kind} IF EXISTS {_q(name)}")


# ---------------------------------------------------------------------------------------------- refusal check
def previous_rows(con: duckdb.DuckDBPyConnection, cov: str, d: date) -> tuple[date, dict] | None:
    """Row counts of the latest ingested snapshot of `cov` strictly before `d`."""
    row = con.execute(
        "SELECT date, rows FROM snapshot WHERE cov = ? AND date < ? ORDER BY date DESC LIMIT 1", [cov, d]
    ).fetchone()
    if row is None:
        return None
    return row[0], json.loads(row[1]) if isinstance(row[1], str) else row[1]


def check_drop(
    con: duckdb.DuckDBPyConnection, cov: str, d: date, rows: dict[str, dict[str, int]], files: dict[str, str],
    max_drop: float,
) -> None:
    prev = previous_rows(con, cov, d)
    if prev is None:
        return
    prev_date, prev_rows = prev
    for table, c in rows.items():
        before = int((prev_rows.get(table) or {}).get("lus", 0))
        if before and c["lus"] < before * (1 - max_drop):
            drop = 1 - c["lus"] / before
            raise SnapshotRefused(
                f"Instantané refusé : {files.get(table, table)} contient {c['lus']} lignes contre {before} "
                f"au {prev_date:%d/%m/%Y} (baisse de {drop:.0%} > {max_drop:.0%}). "
                "Vérifiez l'extraction ou relancez avec --force."
            )


# ---------------------------------------------------------------------------------------------------- history
def _neighbours(con: duckdb.DuckDBPyConnection, cov: str, d: date) -> tuple[date | None, date | None]:
    prev, nxt = con.execute(
        "SELECT max(date) FILTER (WHERE date < $d), min(date) FILTER (WHERE date > $d) FROM snapshot "
        "WHERE cov = $cov",
        {"d": d, "cov": cov},
    ).fetchone()  # type: ignore[misc]
    return prev, nxt


def update_history(con: duckdb.DuckDBPyConnection, spec: TableSpec, cov: str, d: date) -> None:
    """Make `spec.hist` hold `ok_<table>` at ingested date d of cov (new date or replacement), set-based.

    Generic algorithm (ARCHITECTURE.md): split the intervals containing d around it, insert d's rows, merge with
    same-key same-hash neighbours. It is applied only to what changes at d: an old row holding at d whose
    (key, hash) is still there gives back the very same interval after split + insert + merge, so it is left
    alone. `gone` = old rows at d without an identical new row (to split), `fresh` = new rows without an
    identical old one (to insert and merge). A daily ingestion therefore writes only the day's changes, and a
    first load is a plain insert.
    """
    prev, nxt = _neighbours(con, cov, d)
    t, key = spec.hist, spec.key
    cols = ", ".join(spec.stored)
    keys = ", ".join(key)
    same = lambda a, b: " AND ".join(f"{a}.{k} = {b}.{k}" for k in (*key, "h"))  # noqa: E731
    p = {"cov": cov, "d": d, "prev": prev, "next": nxt, "open": OPEN_END}

    def run(sql: str) -> None:
        con.execute(sql, {k: v for k, v in p.items() if re.search(rf"\${k}\b", sql)})

    h = "hash(" + ", ".join(spec.payload) + ")" if spec.payload else "hash(0)"
    new_rows = f"(SELECT {h} AS h, {', '.join(spec.columns)} FROM ok_{spec.name})"
    # derived columns: computed on the fresh rows only (a day's changes), not on every row of the file
    fresh_cols = "h, " + ", ".join(spec.columns) + "".join(f", {expr} AS {name}" for name, expr in spec.derived)
    at_d = f"(SELECT {keys}, h FROM {t} WHERE cov = $cov AND d_from <= $d AND $d <= d_to)"
    has_old = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {t} WHERE cov = $cov AND d_from <= $d AND $d <= d_to LIMIT 1)",
        {"cov": cov, "d": d},
    ).fetchone()[0]  # type: ignore[index]
    if has_old:
        # One full outer join finds both sides of the change (two anti joins would hash both big inputs twice).
        o_cols = ", ".join(f"o.{k} AS o_{k}" for k in (*key, "h"))
        run(f"""CREATE OR REPLACE TEMP TABLE hdiff AS SELECT n.*, {o_cols}
            FROM {new_rows} n FULL JOIN {at_d} o ON {same('n', 'o')} WHERE n.h IS NULL OR o.h IS NULL""")
        con.execute(f"CREATE OR REPLACE TEMP TABLE fresh AS SELECT {fresh_cols} FROM hdiff WHERE h IS NOT NULL")
        con.execute("CREATE OR REPLACE TEMP TABLE gone AS SELECT "
                    + ", ".join(f"o_{k} AS {k}" for k in (*key, "h")) + " FROM hdiff WHERE o_h IS NOT NULL")
        con.execute("DROP TABLE hdiff")
        in_gone = f"EXISTS (SELECT 1 FROM gone g WHERE {same('g', t)})"
        contains = f"cov = $cov AND d_from <= $d AND $d <= d_to AND {in_gone}"
        # 1. split: right part [next, d_to] as new rows, left part [d_from, prev] in place, drop what starts at d.
        if nxt is not None:
            run(f"INSERT INTO {t} (cov, d_from, d_to, h, {cols}) SELECT cov, $next, d_to, h, {cols} FROM {t} "
                f"WHERE {contains} AND d_to >= $next")
        if prev is not None:
            run(f"UPDATE {t} SET d_to = $prev WHERE {contains} AND d_from < $d")
        run(f"DELETE FROM {t} WHERE {contains}")
        con.execute("DROP TABLE gone")
    else:  # nothing holds at d (first load, or a date older/newer than every interval): no split
        con.execute(f"CREATE OR REPLACE TEMP VIEW fresh AS SELECT {fresh_cols} FROM {new_rows}")
    # 2. insert d's new rows.
    to = "$d" if nxt is not None else "$open"
    run(f"INSERT INTO {t} (cov, d_from, d_to, h, {cols}) SELECT $cov, $d, {to}, h, {cols} FROM fresh")
    # 3. merge them with the right neighbour [next, z] of same key and hash, then with the left one [a, prev].
    in_fresh = f"EXISTS (SELECT 1 FROM fresh f WHERE {same('f', t)})"
    if nxt is not None:
        run(f"""UPDATE {t} SET d_to = r.d_to FROM {t} r
            WHERE {t}.cov = $cov AND {t}.d_from = $d AND r.cov = $cov AND r.d_from = $next
              AND {same('r', t)} AND {in_fresh}""")
        run(f"""DELETE FROM {t} WHERE cov = $cov AND d_from = $next AND {in_fresh} AND EXISTS (
                SELECT 1 FROM {t} n WHERE n.cov = $cov AND n.d_from = $d AND {same('n', t)})""")
    if prev is not None:
        run(f"""UPDATE {t} SET d_to = n.d_to FROM {t} n
            WHERE {t}.cov = $cov AND {t}.d_to = $prev AND n.cov = $cov AND n.d_from = $d
              AND {same('n', t)} AND {in_fresh}""")
        run(f"""DELETE FROM {t} WHERE cov = $cov AND d_from = $d AND {in_fresh} AND EXISTS (
                SELECT 1 FROM {t} l WHERE l.cov = $cov AND l.d_from < $d AND l.d_to = {t}.d_to AND {same('l', t)})""")
    con.execute("DROP VIEW fresh" if not has_old else "DROP TABLE fresh")


# ------------------------------------------------------------------------------------------------- aggregates
def sql_files(prefix: str) -> list[str]:
    root = resources.files("queries.warehouse").joinpath("sql")
    return sorted(p.name for p in root.iterdir() if p.name.startswith(prefix) and p.name.endswith(".sql"))


def run_aggregates(con: duckdb.DuckDBPyConnection, cov: str, d: date) -> None:
    """Every per_date_*.sql for (cov, d), in name order (each is idempotent: delete then insert)."""
    for name in sql_files("per_date_"):
        with step(name):
            execute_script(con, sql_text(name), {"cov": cov, "date": d})


def run_latest(con: duckdb.DuckDBPyConnection) -> str:
    """Derived tables of the latest full date, once after all the dates of a run (the console's tables), then the
    console's rows of the establishments known only through a console export."""
    mode = console_tables.refresh(con)
    console_tables.refresh_exports(con)
    return mode


# ------------------------------------------------------------------------------------------------ quarantine
# Label of a reason code, in SQL (from the one vocabulary, vocab.QUARANTINE_REASONS). No ELSE: an unknown code
# gives NULL, which the NOT NULL `reason` column refuses — a new check cannot forget its label.
REASON_LABEL_SQL = (
    "CASE {c} "
    + " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in QUARANTINE_REASONS.items()).replace("{", "{{").replace("}", "}}")
    + " END"
)

# Which establishments' source rows a quarantined line belongs to, read from the staged files (the line itself
# may be unreadable): its own UAI for etablissements, eleves and responsables; the pupil's and the guardian
# record's UAIs for a link; the UAIs of the records reconciled into an account for comptes. The « Qualité des
# données » page shows a head only the lines of their establishment; lines attributed to no known establishment
# are the académie's (queries.services.console.quarantine_of_last_ingestion).
_ATTRIBUTION: dict[str, str] = {
    "etablissements": "SELECT s.line, s.uai FROM stg_etablissements s SEMI JOIN qk ON qk.line = s.line",
    "eleves": "SELECT s.line, s.uai FROM stg_eleves s SEMI JOIN qk ON qk.line = s.line",
    "responsables": "SELECT s.line, s.uai FROM stg_responsables s SEMI JOIN qk ON qk.line = s.line",
    "liens": "SELECT l.line, e.uai FROM (SELECT * FROM stg_liens s SEMI JOIN qk ON qk.line = s.line) l "
             "JOIN stg_eleves e ON e.ine = l.ine "
             "UNION ALL SELECT l.line, r.uai FROM (SELECT * FROM stg_liens s SEMI JOIN qk ON qk.line = s.line) l "
             "JOIN stg_responsables r ON r.responsable_id = l.responsable_id",
    "comptes": "SELECT c.line, r.uai FROM (SELECT * FROM stg_comptes s SEMI JOIN qk ON qk.line = s.line) c "
               "JOIN stg_responsables r ON r.identifiant = c.identifiant",
}


def attribute_quarantine(con: duckdb.DuckDBPyConnection, cov: str) -> None:
    """TEMP table `q_uai(table_name, line, uais)`: the establishments each line of `q_tmp` belongs to.

    A console export (cov `uai:<UAI>`) belongs to its establishment. Only the few quarantined lines are looked up
    (semi-joins on the staged tables), so a clean day costs nothing.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE q_uai (table_name VARCHAR, line BIGINT, uais VARCHAR[])")
    if cov.startswith("uai:"):
        con.execute("INSERT INTO q_uai SELECT DISTINCT table_name, line, [$u] FROM q_tmp", {"u": cov[4:]})
        return
    present = {r[0] for r in con.execute("SELECT DISTINCT table_name FROM q_tmp").fetchall()}
    for table, sql in _ATTRIBUTION.items():
        if table not in present:
            continue
        con.execute(
            f"""INSERT INTO q_uai
            WITH qk AS (SELECT DISTINCT line FROM q_tmp WHERE table_name = '{table}')
            SELECT '{table}', qk.line,
                   coalesce(list_sort(list_distinct(list(a.uai) FILTER (WHERE a.uai IS NOT NULL))), []::VARCHAR[])
            FROM qk LEFT JOIN ({sql}) a USING (line) GROUP BY qk.line"""
        )


# ---------------------------------------------------------------------------------------------------- commit
def commit_snapshot(
    con: duckdb.DuckDBPyConnection,
    cov: str,
    d: date,
    kind: str,
    source_path: str,
    files: dict[str, str],
    rows: dict[str, dict[str, int]],
    ingested_at: datetime,
) -> None:
    """Write quarantine, log, snapshot row and history for (cov, d), then per-date aggregates. One transaction.
    The caller runs run_latest() once after its last date."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM quarantine WHERE cov = ? AND date = ?", [cov, d])
        con.execute("DELETE FROM ingest_log WHERE cov = ? AND date = ?", [cov, d])
        attribute_quarantine(con, cov)
        # The file's name only (relative to the snapshot folder): a server path is nobody's business on a page.
        con.execute(
            "INSERT INTO quarantine (cov, date, table_name, file, line, column_name, value, reason_code, reason, uais, "
            f"ingested_at) SELECT $cov, $d, q.table_name, f.file, q.line, q.column_name, q.value, q.reason_code, "
            f"{REASON_LABEL_SQL.format(c='q.reason_code')}, a.uais, $at "
            "FROM q_tmp q LEFT JOIN (SELECT unnest($tables) AS table_name, unnest($files) AS file) f USING (table_name) "
            "LEFT JOIN q_uai a USING (table_name, line) ORDER BY q.table_name, q.line",
            {"cov": cov, "d": d, "at": ingested_at, "tables": list(files),
             "files": [Path(f).name for f in files.values()]},
        )
        for table, c in rows.items():
            con.execute(
                "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [cov, d, table, files.get(table), c["lus"], c["charges"], c["quarantaine"], ingested_at],
            )
        # The snapshot row first: the history update reads the neighbouring dates from it (d itself excluded).
        con.execute("DELETE FROM snapshot WHERE cov = ? AND date = ?", [cov, d])
        # History rows need no particular order: let DuckDB insert in parallel (staging keeps file order).
        con.execute("SET preserve_insertion_order = false")
        try:
            for spec in SPECS.values():
                with step(f"historique {spec.hist}"):
                    update_history(con, spec, cov, d)
        finally:
            con.execute("SET preserve_insertion_order = true")
        con.execute(
            "INSERT INTO snapshot VALUES (?, ?, ?, ?, ?, ?)",
            [cov, d, kind, ingested_at, source_path, json.dumps(rows)],
        )
        run_aggregates(con, cov, d)
        if cov == "full":
            console_tables.invalidate(con, d)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# ------------------------------------------------------------------------------------------- console export
# The console's list of (pupil, guardian) pairs of one establishment (docs/DOMAINE.md). Canonical staging column →
# header as normalised by _norm_header (accents stripped, lower case).
EXPORT_HEADERS: dict[str, str] = {
    "eleve": "eleve",
    "classe": "classe",
    "mef": "mef",
    "responsable": "responsable",
    "identifiant": "identifiant",
    "messagerie": "messagerie",
    "statut": "statut du compte",
    "origine": "origine du compte",
    "date_notification": "date de notification",
    "date_derniere_connexion": "date de derniere connexion",
}
EXPORT_COLUMNS = tuple(EXPORT_HEADERS)

# Labels → codes, compared on lower(strip_accents()) after removing the console's leading bullet « ● ».
_LABEL = "lower(strip_accents(regexp_replace({c}, '^[^\\p{{L}}\\p{{N}}]+', '')))"
_ETAT_CODE = (
    "CASE " + _LABEL.format(c="statut")
    + " WHEN 'non notifie' THEN 'NON_NOTIFIE' WHEN 'notifie et non active' THEN 'NOTIFIE_NON_ACTIVE'"
    " WHEN 'en cours d''activation' THEN 'EN_COURS_ACTIVATION' WHEN 'active' THEN 'ACTIVE'"
    " WHEN 'desactive' THEN 'DESACTIVE'"
    f" ELSE CASE WHEN upper(statut) IN {_in(ETATS)} THEN upper(statut) END END"
)
_ORIGINE_CODE = (
    "CASE WHEN origine IS NULL THEN 'NON_RENSEIGNE' ELSE CASE " + _LABEL.format(c="origine")
    + " WHEN 'aten' THEN 'ATEN' WHEN 'ent' THEN 'ENT' WHEN 'etablissement' THEN 'ETABLISSEMENT'"
    " WHEN 'franceconnect' THEN 'FRANCECONNECT' WHEN 'responsable' THEN 'RESPONSABLE'"
    " WHEN 'non renseigne' THEN 'NON_RENSEIGNE' WHEN 'n/a' THEN 'NON_RENSEIGNE'"
    f" ELSE CASE WHEN upper(origine) IN {_in(ORIGINES)} THEN upper(origine) END END END"
)
_MESSAGERIE = (
    "CASE WHEN messagerie IS NULL THEN NULL WHEN messagerie IN ('✔', '✓') OR lower(messagerie) = 'oui' THEN true"
    " WHEN messagerie IN ('✘', '✗') OR lower(messagerie) = 'non' THEN false END"
)
_FR_DATE = "try_strptime({c}, ['%d-%m-%Y', '%d/%m/%Y'])"
# `NOM Prénom(s)`: the leading words without a lower-case letter are the surname.
_NOM = r"regexp_extract({c}, '^((?:[^\s\p{{Ll}}]+\s+)*[^\s\p{{Ll}}]+)(?:\s|$)', 1)"


def _fr_date_check(col: str) -> str:
    bad = (f"({col} IS NOT NULL AND (NOT regexp_full_match({col}, '\\d{{2}}[-/]\\d{{2}}[-/]\\d{{4}}') "
           f"OR {_FR_DATE.format(c=col)} IS NULL))")
    return _window(col, f"CAST({_FR_DATE.format(c=col)} AS DATE)", "evenement", bad,
                   _code("date_invalide_fr"))


EXPORT_CHECKS: list[str] = [
    _too_long(EXPORT_COLUMNS),
    _control(EXPORT_COLUMNS),
    _required("eleve"),
    _required("responsable"),
    _required("identifiant"),
    _required("statut"),
    f"SELECT line, 'statut', statut, {_code('inconnu')} FROM stg WHERE statut IS NOT NULL AND ({_ETAT_CODE}) IS NULL",
    f"SELECT line, 'origine', origine, {_code('inconnu')} FROM stg WHERE ({_ORIGINE_CODE}) IS NULL",
    f"SELECT line, 'messagerie', messagerie, {_code('inconnu')} "
    f"FROM stg WHERE messagerie IS NOT NULL AND ({_MESSAGERIE}) IS NULL",
    _fr_date_check("date_notification"),
    _fr_date_check("date_derniere_connexion"),
]


def validate_export(con: duckdb.DuckDBPyConnection, uai: str, d: date) -> dict[str, dict[str, int]]:
    """Validate `stg_export` and derive the five `ok_<table>` tables of coverage `uai:<UAI>`.

    The export carries no INE nor source record id: stable synthetic ids are derived from what it shows —
    pupil `X` + md5(UAI|NOM Prénom|classe)[:10] (homonyms of one class merge; a pupil changing class gets a
    new id, which keeps every date's counts right), guardian record `X` + md5(UAI|NOM Prénom|identifiant)[:10].
    The MEF label stands for the MEF code. « Messagerie ✔ » is stored as courriel `(renseignée)`.
    The establishment's attributes come from the latest full snapshot that knows the UAI, if any; otherwise its
    département and académie come from one that knows its département (so that the académie's support sees it).
    """
    con.execute(Q_TMP_DDL)
    for check in EXPORT_CHECKS:
        con.execute(f"INSERT INTO q_tmp SELECT 'export', * FROM ({_on(check, 'stg_export')})")
    ok = "NOT EXISTS (SELECT 1 FROM q_tmp q WHERE q.table_name = 'export' AND q.line = s.line)"
    # Duplicated pairs, and an account shown with different state/origin on two lines: the first line wins.
    con.execute(
        f"""INSERT INTO q_tmp
        SELECT 'export', line, 'responsable', eleve || ' / ' || responsable, {_code('doublon_couple')}
        FROM (SELECT line, eleve, responsable, min(line) OVER (PARTITION BY eleve, classe, responsable, identifiant)
                     AS first_line FROM stg_export s WHERE {ok})
        WHERE line > first_line"""
    )
    con.execute(
        f"""INSERT INTO q_tmp
        SELECT 'export', line, 'statut', statut, {_code('compte_incoherent')}
        FROM (SELECT line, identifiant, statut, ({_ETAT_CODE}) AS etat, ({_ORIGINE_CODE}) AS origine,
                     first_value(({_ETAT_CODE})) OVER w AS etat1, first_value(({_ORIGINE_CODE})) OVER w AS origine1
              FROM stg_export s WHERE {ok}
              WINDOW w AS (PARTITION BY identifiant ORDER BY line))
        WHERE etat <> etat1 OR origine <> origine1"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE exp_ok AS
        SELECT line, eleve, classe, mef, responsable, identifiant,
               ({_ETAT_CODE}) AS etat, ({_ORIGINE_CODE}) AS origine, ({_MESSAGERIE}) AS messagerie,
               CAST({_FR_DATE.format(c="date_notification")} AS DATE) AS date_notification,
               CAST({_FR_DATE.format(c="date_derniere_connexion")} AS DATE) AS date_derniere_connexion,
               'X' || upper(substr(md5($uai || '|' || eleve || '|' || coalesce(classe, '')), 1, 10)) AS ine,
               'X' || upper(substr(md5($uai || '|' || responsable || '|' || identifiant), 1, 10)) AS responsable_id
        FROM stg_export s WHERE {ok}""",
        {"uai": uai},
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE ok_etablissements AS
        SELECT $uai AS uai, e.nom, e.type, e.degre, e.commune, e.circonscription_code, e.circonscription_nom,
               coalesce(e.departement_code, d.departement_code) AS departement_code,
               coalesce(e.departement_nom, d.departement_nom) AS departement_nom,
               coalesce(e.academie_code, d.academie_code) AS academie_code,
               coalesce(e.academie_nom, d.academie_nom) AS academie_nom
        FROM (SELECT 1) LEFT JOIN (
            SELECT * FROM etab_h WHERE cov = 'full' AND uai = $uai ORDER BY d_from DESC LIMIT 1
        ) e ON true LEFT JOIN (
            -- an establishment no full snapshot names: its département is the UAI's first three digits
            -- (DOMAINE.md), taken with its académie from a full snapshot that knows that département, if any
            SELECT departement_code, departement_nom, academie_code, academie_nom FROM etab_h
            WHERE cov = 'full' AND departement_code IN (substr($uai, 1, 3), ltrim(substr($uai, 1, 3), '0'))
            ORDER BY d_from DESC, uai LIMIT 1
        ) d ON true""",
        {"uai": uai},
    )
    nom = _NOM.format(c="eleve")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ok_eleves AS
        SELECT ine, nullif({nom}, '') AS nom, nullif(trim(substr(eleve, length({nom}) + 1)), '') AS prenom,
               CAST(NULL AS DATE) AS date_naissance, $uai AS uai, classe, mef AS mef_code, mef AS mef_libelle
        FROM (SELECT ine, arg_min(eleve, line) AS eleve, arg_min(classe, line) AS classe, arg_min(mef, line) AS mef
              FROM exp_ok GROUP BY ine)""",
        {"uai": uai},
    )
    nom = _NOM.format(c="responsable")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE ok_responsables AS
        SELECT responsable_id, CAST(NULL AS VARCHAR) AS source, $uai AS uai, CAST(NULL AS VARCHAR) AS civilite,
               nullif({nom}, '') AS nom_usage, CAST(NULL AS VARCHAR) AS nom_naissance,
               nullif(trim(substr(responsable, length({nom}) + 1)), '') AS prenoms,
               CAST(NULL AS VARCHAR) AS telephone_portable, CAST(NULL AS VARCHAR) AS courriel, identifiant
        FROM (SELECT responsable_id, arg_min(responsable, line) AS responsable, arg_min(identifiant, line) AS identifiant
              FROM exp_ok GROUP BY responsable_id)""",
        {"uai": uai},
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE ok_liens AS
        SELECT DISTINCT responsable_id, ine, CAST(NULL AS VARCHAR) AS lien FROM exp_ok"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE ok_comptes AS
        SELECT identifiant, arg_min(origine, line) AS origine, arg_min(etat, line) AS etat,
               arg_min(date_notification, line) AS date_notification, CAST(NULL AS DATE) AS date_activation,
               arg_min(date_derniere_connexion, line) AS date_derniere_connexion,
               CAST(NULL AS DATE) AS date_demande_reinit_mdp,
               CASE WHEN bool_or(messagerie) THEN '(renseignée)' END AS courriel,
               CAST(NULL AS VARCHAR) AS telephone_portable
        FROM exp_ok GROUP BY identifiant"""
    )
    con.execute("DROP TABLE exp_ok")
    read, loaded = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE line NOT IN (SELECT line FROM q_tmp WHERE table_name = 'export')) "
        "FROM stg_export"
    ).fetchone()  # type: ignore[misc]
    rows = {"export": {"lus": int(read), "charges": int(loaded), "quarantaine": int(read - loaded)}}
    for t in SNAPSHOT_TABLES:
        n = int(con.execute(f"SELECT count(*) FROM ok_{t}").fetchone()[0])  # type: ignore[index]
        rows[t] = {"lus": n, "charges": n, "quarantaine": 0}
    return rows
