"""Every line accounted for (loaded, quarantined with its reason, or the file refused), no date from the future,
bad values quarantined with their own reason, refusals in French naming the file, the line and what to do."""

from __future__ import annotations

import gzip
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from ingest_kit import (
    UAI,
    assert_french_refusal,
    edit,
    export_file,
    lines,
    published,
    quarantine,
    replace_line,
    run,
    total,
)
from mini_kit import MINI, wh_rows

from data.linecount import scan_csv
from queries.core.formats import fmt_int
from queries.core.vocab import QUARANTINE_REASONS
from queries.warehouse import ingest as q

RESP = "responsables.csv"
BIG_ROW = "RBIG;ONDE;9740101S;MME;{name};DUPONT;Anne;0692000001;anne.dupont@example.re;a.dupont"


def write_bytes(folder: Path, table: str, body: bytes) -> None:
    (folder / f"{table}.csv").write_bytes(body)


def with_big_line(snap: Path, mb: int, where: str) -> int:
    """Make responsables.csv 9 995 data lines long as in the issue, one of them (last or in the middle) with a name
    of `mb` MiB; return its line number."""
    ls = lines(snap, "responsables")
    ls += [f"F{i:05d};ONDE;9740101S;MME;FILLER;FILLER;Anne;;;a.dupont" for i in range(9_994 - len(ls) + 1)]
    big = BIG_ROW.format(name="X" * (mb << 20))
    at = len(ls) if where == "last" else len(ls) // 2
    ls.insert(at, big)
    write_bytes(snap, "responsables", ("\n".join(ls) + "\n").encode())
    return at + 1


# ------------------------------------------------------------------------------------------ every line counted
@pytest.mark.slow
@pytest.mark.parametrize(("mb", "where"), [(33, "last"), (20, "last"), (50, "middle")])
def test_huge_line_refuses_file_naming_line_and_limit(mini_warehouse, tmp_path, mb, where) -> None:
    """Before: a 33 MB last line vanished (exit 0, one row fewer, nothing quarantined); 20 MB gave an English
    error; 50 MB in the middle « Not implemented Error: The Parallel CSV Reader… »."""
    before = published(mini_warehouse)
    snap = tmp_path / "2026-09-22"
    shutil.copytree(MINI / "2026-09-15", snap)
    line = with_big_line(snap, mb, where)
    (oc,) = run(mini_warehouse, snap)
    assert_french_refusal(oc.error, f"{snap / RESP}, ligne {fmt_int(line)} : ligne trop longue (au moins ",
                          f"au-delà de la limite INGEST_MAX_LINE_BYTES ({fmt_int(65536)} octets)")
    assert "Rien n'a été publié" in oc.err
    assert published(mini_warehouse) == before  # the previous warehouse keeps serving
    assert total(mini_warehouse) == 14


@pytest.mark.slow
def test_huge_line_within_a_raised_limit_is_quarantined_not_lost(make_settings, mini_snapshot) -> None:
    """With INGEST_MAX_LINE_BYTES raised, the 33 MB last line is read and quarantined (value too long)."""
    settings = make_settings(INGEST_MAX_LINE_BYTES=64 << 20)
    snap = mini_snapshot("2026-09-01")
    n = 9_994  # data lines besides the big one
    line = with_big_line(snap, 33, "last")
    (oc,) = run(settings, snap)
    assert oc.error is None, oc.error
    assert oc.rows["responsables"] == {"lus": n + 1, "charges": n, "quarantaine": 1}
    (row,) = [r for r in quarantine(settings) if r[0] == "responsables"]
    assert row[1:3] == (line, "nom_usage") and row[4] == QUARANTINE_REASONS["valeur_trop_longue"]
    assert len(row[3]) == 200  # the stored value is cut


@pytest.mark.slow
def test_rows_lost_by_the_csv_reader_refuse_the_file(make_settings, mini_snapshot, monkeypatch) -> None:
    """The independent count catches DuckDB's silent loss: run DuckDB as before (2 MB lines), 33 MB last line."""
    settings = make_settings(INGEST_MAX_LINE_BYTES=64 << 20)
    real = q.stage_table

    def as_before(con, table, path, fmt, required, display, headers=None, layout=None):
        if layout is not None:
            layout = q.CsvLayout(layout.names, 0, layout.line_map)  # DuckDB's default max_line_size again
        real(con, table, path, fmt, required, display, headers, layout)

    monkeypatch.setattr(q, "stage_table", as_before)
    snap = mini_snapshot("2026-09-01")
    n = 9_994  # data lines besides the big one
    with_big_line(snap, 33, "last")
    (oc,) = run(settings, snap)
    assert_french_refusal(oc.error, f"{snap / RESP} : {fmt_int(n + 1)} lignes de données comptées dans le fichier, mais {fmt_int(n)} lues")
    assert published(settings) is None


def test_parquet_rows_checked_against_its_footer(settings, mini_snapshot, monkeypatch) -> None:
    snap = mini_snapshot("2026-09-01")
    con = duckdb.connect()
    src, dst = str(snap / "comptes.csv"), str(snap / "comptes.parquet")
    con.execute(f"COPY (SELECT * FROM read_csv('{src}', delim=';', header=true, all_varchar=true)) TO '{dst}' (FORMAT parquet)")  # noqa: S608
    con.close()
    (snap / "comptes.csv").unlink()
    real = q.parquet_rows
    monkeypatch.setattr(q, "parquet_rows", lambda con, path, display: real(con, path, display) + 1)
    (oc,) = run(settings, snap)
    assert_french_refusal(oc.error, f"{dst} : 16 lignes de données déclarées par le fichier Parquet, mais 15 lues")
    monkeypatch.setattr(q, "parquet_rows", real)
    (oc,) = run(settings, snap)
    assert oc.error is None and oc.rows["comptes"] == {"lus": 15, "charges": 15, "quarantaine": 0}


def test_blank_lines_and_values_on_several_lines_keep_line_numbers(settings, mini_snapshot) -> None:
    """Quarantine names the line in the file even after a blank line and a quoted value spanning lines
    (before: the line of the row as if there were neither)."""
    snap = mini_snapshot("2026-09-01")
    ls = lines(snap, "comptes")
    body = [ls[0], ls[1], "", ls[2], '"c.martin";FRANCECONNECT;ACTIVE;;2026-08-20;2026-08-31;;"celine\n.martin@example.re";0693000004',
            *ls[4:6], "", "", "x.new;MINITEL;ACTIVE;;;;;;", *ls[6:]]
    write_bytes(snap, "comptes", ("\r\n".join(body) + "\r\n").encode())
    (oc,) = run(settings, snap)
    assert oc.error is None, oc.error
    assert oc.rows["comptes"] == {"lus": 16, "charges": 14, "quarantaine": 2}
    got = sorted((r[1], r[2], r[4]) for r in quarantine(settings) if r[0] == "comptes")
    assert got == [(5, "courriel", QUARANTINE_REASONS["caractere_controle"]),
                   (11, "origine", QUARANTINE_REASONS["inconnu"])]
    assert body[10 - 1] == "x.new;MINITEL;ACTIVE;;;;;;"  # physical line 11: the quoted value spans lines 5-6


def test_cr_only_line_endings(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    write_bytes(snap, "eleves", ("\r".join(lines(snap, "eleves")) + "\r").encode())
    (oc,) = run(settings, snap)
    assert oc.rows["eleves"] == {"lus": 12, "charges": 12, "quarantaine": 0}


def test_scan_counts_like_a_csv_parser(tmp_path) -> None:
    """The count follows DuckDB's reading: quoted separators and line breaks, doubled quotes, a stray quote
    inside an unquoted value, blank lines skipped, last line without a line break."""
    p = tmp_path / "t.csv"
    p.write_bytes(b'\xef\xbb\xbf"a";b\n"x;\n""y""";O"Brien\n\n\r\nz;"w"\nlast;one')
    s = scan_csv(p, "t.csv", 1000)
    assert (s.records, s.header, s.line_map) == (4, b'"a";b', [(1, 3)])  # row 1 on line 6
    p.write_bytes(b'a;b\n"open;1\n2;3\n')
    with pytest.raises(q.SnapshotRefused, match="t.csv, ligne 2 : guillemet ouvrant jamais fermé"):
        scan_csv(p, "t.csv", 1000)


# ----------------------------------------------------------------------------------------- dates from the future
def test_snapshot_from_the_future_refused_unless_forced(mini_warehouse, tmp_path) -> None:
    before = published(mini_warehouse)
    snap = tmp_path / "2099-01-01"
    shutil.copytree(MINI / "2026-09-15", snap)
    (oc,) = run(mini_warehouse, snap)
    latest = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=1)
    assert_french_refusal(oc.error, f"{snap} est daté du 01/01/2099, après le {latest:%d/%m/%Y}", "--force")
    assert oc.error.startswith("Instantané refusé")  # type: ignore[union-attr]
    assert published(mini_warehouse) == before
    (oc,) = run(mini_warehouse, snap, force=True)
    assert oc.error is None
    assert wh_rows(mini_warehouse, "SELECT max(date) FROM snapshot") == [(date(2099, 1, 1),)]


def test_tomorrow_accepted_the_day_after_refused(settings, tmp_path) -> None:
    tomorrow = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=1)
    for d, ok in ((tomorrow, True), (tomorrow + timedelta(days=1), False)):
        snap = tmp_path / d.isoformat()
        shutil.copytree(MINI / "2026-09-01", snap)
        (oc,) = run(settings, snap)
        assert (oc.error is None) is ok, oc.error


def test_export_dated_in_the_future_refused(mini_warehouse, tmp_path) -> None:
    p = export_file(tmp_path, ["ABBEYEM Emma;3EME J;3EME;ABBEYEM Marie;m.abbeym;✘;Activé;Établissement;26-06-2020;"])
    (oc,) = run(mini_warehouse, p, uai=UAI, d=date(2099, 1, 1))
    assert_french_refusal(oc.error, "daté du 01/01/2099", "l'option --date de l'export", "--force")


# ------------------------------------------------------------------------------------------------- bad values
def test_nul_byte_in_a_key_quarantined_and_its_links_say_why(settings, mini_snapshot) -> None:
    """Before: INE '0000000003A\\x00' reached the warehouse and the pupil's link was quarantined as « inconnu »."""
    snap = mini_snapshot("2026-09-01")
    edit(snap, "eleves", lambda ls: [x.replace("0000000003A", "0000000003A\x00") for x in ls])
    edit(snap, "responsables", lambda ls: [x.replace(";Bruno;", ";Bru\tno;") for x in ls])
    (oc,) = run(settings, snap)
    assert oc.error is None
    assert wh_rows(settings, "SELECT count(*) FROM eleve_h WHERE contains(ine, chr(0))") == [(0,)]
    assert wh_rows(settings, "SELECT count(*) FROM resp_h WHERE contains(prenoms, chr(9))") == [(0,)]
    q_rows = {(r[0], r[2], r[4]) for r in quarantine(settings)}
    assert ("eleves", "ine", QUARANTINE_REASONS["caractere_controle"]) in q_rows
    assert ("responsables", "prenoms", QUARANTINE_REASONS["caractere_controle"]) in q_rows
    assert ("liens", "ine", QUARANTINE_REASONS["reference_en_quarantaine"]) in q_rows
    assert not [r for r in quarantine(settings) if r[0] == "liens" and r[4] == QUARANTINE_REASONS["eleve_inconnu"]]


DATE_CASES = [
    # (table, column index, new value, column, reason code)
    ("comptes", 4, "2099-01-01", "date_activation", "date_future"),
    ("comptes", 5, "2999-05-01", "date_derniere_connexion", "date_future"),
    ("comptes", 3, "1999-12-31", "date_notification", "date_trop_ancienne"),
    ("comptes", 6, "2026-09-03", "date_demande_reinit_mdp", "date_future"),  # D + 2
    ("eleves", 3, "2090-01-01", "date_naissance", "naissance_invraisemblable"),
    ("eleves", 3, "2026-01-01", "date_naissance", "naissance_invraisemblable"),  # 8 months old
    ("eleves", 3, "1990-01-01", "date_naissance", "naissance_invraisemblable"),  # 36 years old
]


@pytest.mark.parametrize(("table", "idx", "value", "column", "code"), DATE_CASES,
                         ids=[f"{c[3]}-{c[2]}" for c in DATE_CASES])
def test_implausible_date_quarantined(settings, mini_snapshot, table, idx, value, column, code) -> None:
    snap = mini_snapshot("2026-09-01")  # D = 01/09/2026

    def set_value(ls: list[str]) -> list[str]:
        cells = ls[1].split(";")
        cells[idx] = value
        return replace_line(2, ";".join(cells))(ls)

    edit(snap, table, set_value)
    (oc,) = run(settings, snap)
    assert oc.rows[table]["quarantaine"] == 1
    assert [(r[1], r[2], r[3], r[4]) for r in quarantine(settings) if r[0] == table] == [
        (2, column, value, QUARANTINE_REASONS[code])]


def test_plausible_date_bounds_accepted(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    edit(snap, "comptes", replace_line(2, "a.dupont;ETABLISSEMENT;ACTIVE;2000-01-01;2026-09-02;2026-09-02;;a@example.re;"))
    edit(snap, "eleves", replace_line(2, "0000000001A;DUPONT;Léa;2025-09-01;9740101S;CP A;;"))  # 1 year old
    (oc,) = run(settings, snap)
    assert oc.rows["comptes"]["quarantaine"] == 0 and oc.rows["eleves"]["quarantaine"] == 0


def test_export_values_checked(mini_warehouse, tmp_path) -> None:
    rows = ["ABBEYEM Emma;3EME J;3EME;ABBEYEM Marie;m.abbeym;✘;Activé;Établissement;26-06-2020;01-01-2099",
            "ABBEYEM Réhain;5EME A;5EME;LATCHOUMY\x00 Jean;j.latchoumy1;✘;Non notifié;Non renseigné;;",
            "ABBEYEM Yvan;4EME A;4EME;CRAHONN Johanne;j.crahonn;✘;Non notifié;Non renseigné;;"]
    (oc,) = run(mini_warehouse, export_file(tmp_path, rows), uai=UAI, d=date(2020, 8, 12))
    assert oc.rows["export"] == {"lus": 3, "charges": 1, "quarantaine": 2}
    got = sorted((r[1], r[2], r[4]) for r in quarantine(mini_warehouse) if r[0] == "export")
    assert got == [(2, "date_derniere_connexion", QUARANTINE_REASONS["date_future"]),
                   (3, "responsable", QUARANTINE_REASONS["caractere_controle"])]


# ---------------------------------------------------------------------------------------------------- refusals
def refused(settings, snap: Path) -> str:
    before = published(settings)
    (oc,) = run(settings, snap)
    assert oc.error is not None
    assert published(settings) == before  # nothing published: the previous warehouse keeps serving
    assert total(settings) == 14
    return oc.error


@pytest.fixture
def snap22(tmp_path) -> Path:
    snap = tmp_path / "2026-09-22"
    shutil.copytree(MINI / "2026-09-15", snap)
    return snap


def test_wrong_separator_has_its_own_message(mini_warehouse, snap22) -> None:
    edit(snap22, "liens", lambda ls: [x.replace(";", ",") for x in ls])
    assert_french_refusal(refused(mini_warehouse, snap22), f"{snap22 / 'liens.csv'} : mauvais séparateur",
                          "virgule « , » au lieu du point-virgule « ; »")


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n"])
def test_empty_file_has_its_own_message(mini_warehouse, snap22, content) -> None:
    write_bytes(snap22, "liens", content)
    assert_french_refusal(refused(mini_warehouse, snap22), f"{snap22 / 'liens.csv'} est vide")


def test_truncated_gzip(mini_warehouse, snap22) -> None:
    """Before: « IO Error: Unexpected end of GZIP stream »."""
    data = gzip.compress((snap22 / "comptes.csv").read_bytes())
    (snap22 / "comptes.csv").unlink()
    (snap22 / "comptes.csv.gz").write_bytes(data[: len(data) // 2])
    assert_french_refusal(refused(mini_warehouse, snap22), f"{snap22 / 'comptes.csv.gz'} : fichier compressé (gzip) tronqué")


def test_unterminated_quote_names_its_line(mini_warehouse, snap22) -> None:
    """Before: « Invalid Input Error: Error when sniffing file »."""
    edit(snap22, "eleves", replace_line(5, '0000000004A;"GRONDIN;Tom;2019-04-02;9740101S;CP A;;'))
    assert_french_refusal(refused(mini_warehouse, snap22), f"{snap22 / 'eleves.csv'}, ligne 5 : guillemet ouvrant jamais fermé")


def test_character_after_closing_quote_names_its_line(mini_warehouse, snap22) -> None:
    edit(snap22, "eleves", replace_line(5, '0000000004A;"GRONDIN"X;Tom;2019-04-02;9740101S;CP A;;'))
    assert_french_refusal(refused(mini_warehouse, snap22),
                          f"{snap22 / 'eleves.csv'}, ligne 5 : caractère après un guillemet fermant")


def test_utf16_file(mini_warehouse, snap22) -> None:
    p = snap22 / "liens.csv"
    p.write_bytes(p.read_text(encoding="utf-8").encode("utf-16"))
    assert_french_refusal(refused(mini_warehouse, snap22), f"{p} : encodé en UTF-16", "Réenregistrez-le en UTF-8")


def test_short_line_names_its_line(mini_warehouse, snap22) -> None:
    edit(snap22, "eleves", replace_line(3, "0000000002A;MARTIN"))
    assert_french_refusal(refused(mini_warehouse, snap22), f"{snap22 / 'eleves.csv'}, ligne 3 : 2 valeur(s) au lieu de 8")


def test_undefined_byte_names_its_line(mini_warehouse, snap22) -> None:
    raw = (snap22 / "liens.csv").read_bytes().split(b"\n")
    raw[3] += b"\x81"
    (snap22 / "liens.csv").write_bytes(b"\n".join(raw))
    assert_french_refusal(refused(mini_warehouse, snap22), f"{snap22 / 'liens.csv'}, ligne 4 : encodage non reconnu",
                          "octet 0x81", "UTF-8")


def test_binary_file(mini_warehouse, snap22) -> None:
    write_bytes(snap22, "liens", b"responsable_id;ine;lien\n" + bytes(range(256)) * 4)
    msg = refused(mini_warehouse, snap22)
    assert_french_refusal(msg, f"{snap22 / 'liens.csv'}")


def test_symlink_outside_the_snapshot_refused(mini_warehouse, snap22, tmp_path) -> None:
    outside = tmp_path / "elsewhere.csv"
    shutil.move(snap22 / "liens.csv", outside)
    (snap22 / "liens.csv").symlink_to(outside)
    assert_french_refusal(refused(mini_warehouse, snap22), f"{snap22 / 'liens.csv'} est un lien symbolique vers {outside}",
                          "hors du dossier")
    # a link that stays inside the snapshot folder is followed
    (snap22 / "liens.csv").unlink()
    shutil.move(outside, snap22 / "liens-copie.csv")
    (snap22 / "liens.csv").symlink_to(snap22 / "liens-copie.csv")
    (oc,) = run(mini_warehouse, snap22)
    assert oc.error is None


def test_symlinked_dated_folder_outside_the_root_refused(mini_warehouse, tmp_path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    real = tmp_path / "real" / "2026-09-22"
    shutil.copytree(MINI / "2026-09-15", real)
    (root / "2026-09-22").symlink_to(real)
    (oc,) = run(mini_warehouse, root)
    assert_french_refusal(oc.error, f"{root / '2026-09-22'} est un lien symbolique vers {real}")


def test_header_only_file_has_no_rows(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    edit(snap, "liens", lambda ls: ls[:1])
    (oc,) = run(settings, snap)
    assert oc.error is None and oc.rows["liens"] == {"lus": 0, "charges": 0, "quarantaine": 0}


def test_cli_reports_refusal_in_french(settings, snap22, monkeypatch, capsys) -> None:
    import argparse

    monkeypatch.setenv("METEOCOMPTES_WAREHOUSE", str(settings.warehouse_dir))
    from meteocomptes import ingest_cli

    parser = argparse.ArgumentParser()
    ingest_cli.register(parser.add_subparsers())
    write_bytes(snap22, "liens", b"")
    args = parser.parse_args(["ingest", str(snap22)])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert "ERREUR : Fichier refusé" in err and "liens.csv est vide" in err and "Rien n'a été publié" in err


@pytest.mark.parametrize(("body", "flagged"), [
    (b"a;b\n1;2\n", False), (b"a;b\r\n1;2\r\n", False), (b"a;b\r1;2\r", False), (b'a;b\n"1";"x y"\n', False),
    (b"a;b\n1\x00;2\n", True), (b"a;b\n1\t;2\n", True), (b"a;b\n1\x7f;2\n", True), (b'a;b\n"1\n";2\n', True),
    (b"a;b\n1\r;2\n", True), (b"a;b\n\x1b;2\n", True),
])
def test_scan_flags_files_that_may_hold_control_characters(tmp_path, body, flagged) -> None:
    """Only flagged files pay for the control-character check in SQL (a regular expression over every value)."""
    p = tmp_path / "t.csv"
    p.write_bytes(body)
    assert scan_csv(p, "t.csv", 1000).control_chars is flagged
