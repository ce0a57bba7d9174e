"""Snapshot ingestion: validation and quarantine, refusals, encodings and formats, replacement, ordering."""

from __future__ import annotations

import gzip
import itertools
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from ingest_kit import (
    assert_french_refusal,
    edit,
    lines,
    published,
    quarantine,
    replace_line,
    run,
    total,
    write,
)
from mini_kit import MINI, MINI_DATES, wh_rows

from data.ingest import IngestError, ingest
from queries.core.authz import SYSTEM
from queries.core.scope import Scope
from queries.core.settings import Settings
from queries.core.vocab import QUARANTINE_REASONS
from queries.warehouse.stats import synthese


# --------------------------------------------------------------------------------------------------- happy path
def test_ingest_prints_counts_and_logs(settings: Settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    (oc,) = run(settings, snap)
    assert oc.error is None
    assert oc.rows["eleves"] == {"lus": 12, "charges": 12, "quarantaine": 0}
    assert "lignes lues" in oc.out and "en quarantaine" in oc.out and "chargées" in oc.out
    assert wh_rows(settings, "SELECT table_name, n_read, n_loaded, n_quarantined FROM ingest_log ORDER BY 1") == [
        ("comptes", 15, 15, 0), ("eleves", 12, 12, 0), ("etablissements", 4, 4, 0), ("liens", 16, 16, 0),
        ("responsables", 16, 16, 0)]
    assert wh_rows(settings, "SELECT cov, date, kind FROM snapshot") == [("full", date(2026, 9, 1), "snapshot")]
    assert total(settings) == 14


def test_macros_exist_and_answer(mini_warehouse: Settings) -> None:
    assert wh_rows(mini_warehouse, "SELECT asof('full', DATE '2026-09-10'), asof('full', DATE '2026-08-01')") == [
        (date(2026, 9, 8), None)]
    counts = wh_rows(mini_warehouse, """SELECT (SELECT count(*) FROM etab_at('full', DATE '2026-09-08')),
        (SELECT count(*) FROM eleve_at('full', DATE '2026-09-08')), (SELECT count(*) FROM resp_at('full', DATE '2026-09-08')),
        (SELECT count(*) FROM lien_at('full', DATE '2026-09-08')), (SELECT count(*) FROM compte_at('full', DATE '2026-09-08'))""")
    assert counts == [(4, 13, 17, 17, 16)]
    # e.payet changed state on 09-08: two intervals; unchanged accounts: one open interval.
    assert wh_rows(mini_warehouse, "SELECT etat, d_from, d_to FROM compte_h WHERE identifiant = 'e.payet' ORDER BY d_from") == [
        ("NOTIFIE_NON_ACTIVE", date(2026, 9, 1), date(2026, 9, 1)), ("ACTIVE", date(2026, 9, 8), date(9999, 12, 31))]
    assert wh_rows(mini_warehouse, "SELECT d_from, d_to FROM eleve_h WHERE ine = '0000000013A'") == [
        (date(2026, 9, 8), date(2026, 9, 8))]
    assert wh_rows(mini_warehouse, "SELECT count(*) FROM compte_h WHERE identifiant = 'a.dupont'") == [(1,)]


# --------------------------------------------------------------------------------------------------- quarantine
BAD_CASES = [
    # (table, line number to replace or None to append, new line, expected (column, reason code, value))
    ("etablissements", None, "9740001X;École X;ECOLE_PRIMAIRE;1D;Le Port;974-SUD;Sud;974;La Réunion;28;La Réunion",
     ("uai", "uai_lettre", "9740001X")),
    ("etablissements", None, "974001;École X;ECOLE_PRIMAIRE;1D;Le Port;974-SUD;Sud;974;La Réunion;28;La Réunion",
     ("uai", "uai_format", "974001")),
    ("etablissements", None, "9740001H;École X;ECOLE_PRIVEE;1D;Le Port;974-SUD;Sud;974;La Réunion;28;La Réunion",
     ("type", "inconnu", "ECOLE_PRIVEE")),
    ("etablissements", None, "9740001H;École X;ECOLE_PRIMAIRE;3D;Le Port;974-SUD;Sud;974;La Réunion;28;La Réunion",
     ("degre", "inconnu", "3D")),
    ("etablissements", None, "9740001H;École X;COLLEGE;1D;Le Port;;;974;La Réunion;28;La Réunion",
     ("degre", "degre_incoherent", "1D")),
    ("etablissements", None, "9740001H;École X;ECOLE_PRIMAIRE;1D;Le Port;974-SUD;Sud;974;La Réunion;;",
     ("academie_code", "manquant", None)),
    ("eleves", None, ";SANS;Ine;2019-01-01;9740101S;CP A;;", ("ine", "manquant", None)),
    ("eleves", None, "0000000099A;DATE;Fausse;2019-02-30;9740101S;CP A;;", ("date_naissance", "date_invalide", "2019-02-30")),
    ("eleves", None, "0000000099A;DATE;Format;01/02/2019;9740101S;CP A;;", ("date_naissance", "date_invalide", "01/02/2019")),
    ("eleves", None, "0000000099A;AUTRE;École;2019-01-01;9740000G;CP A;;", ("uai", "etablissement_inconnu", "9740000G")),
    ("eleves", None, "0000000001A;DOUBLON;Léa;2019-03-12;9740101S;CP A;;", ("ine", "doublon", "0000000001A")),
    ("comptes", None, "x.new;MINITEL;ACTIVE;;;;;;", ("origine", "inconnu", "MINITEL")),
    ("comptes", None, "x.new;ENT;PERDU;;;;;;", ("etat", "inconnu", "PERDU")),
    ("comptes", None, "x.new;ENT;ACTIVE;2026-13-01;;;;;", ("date_notification", "date_invalide", "2026-13-01")),
    ("comptes", None, "a.dupont;ENT;ACTIVE;;;;;;", ("identifiant", "doublon", "a.dupont")),
    ("responsables", None, "R99;PRONOTE;9740101S;M;X;X;Y;;;a.dupont", ("source", "inconnu", "PRONOTE")),
    ("responsables", None, "R99;ONDE;9740101S;M;X;X;Y;;;nobody", ("identifiant", "compte_inconnu", "nobody")),
    ("responsables", None, "R99;ONDE;9740101S;M;X;X;Y;;;", ("identifiant", "manquant", None)),
    ("responsables", None, "R01;ONDE;9740101S;M;X;X;Y;;;a.dupont", ("responsable_id", "doublon", "R01")),
    ("liens", None, "R01;0000000002A;ONCLE", ("lien", "inconnu", "ONCLE")),
    ("liens", None, "R01;0000000077A;MERE", ("ine", "eleve_inconnu", "0000000077A")),
    ("liens", None, "R77;0000000001A;MERE", ("responsable_id", "responsable_inconnu", "R77")),
    ("liens", None, "R01;0000000001A;MERE", ("ine", "doublon", "R01 / 0000000001A")),
]


@pytest.mark.parametrize(("table", "at", "new", "expected"), BAD_CASES, ids=[f"{c[0]}-{c[3][0]}-{i}" for i, c in enumerate(BAD_CASES)])
def test_bad_row_quarantined_good_rows_load(settings, mini_snapshot, table, at, new, expected) -> None:
    snap = mini_snapshot("2026-09-01")
    n_lines = len(lines(snap, table))
    edit(snap, table, (lambda ls: [*ls, new]) if at is None else replace_line(at, new))
    bad_line = n_lines + 1 if at is None else at
    (oc,) = run(settings, snap)
    assert oc.error is None
    q = [r for r in quarantine(settings) if r[0] == table]
    assert len(q) == 1, q
    tname, line, column, value, reason, file = q[0]
    assert line == bad_line
    assert column == expected[0]
    (code,) = wh_rows(settings, "SELECT reason_code FROM quarantine WHERE table_name = ?", [table])[0]
    assert code == expected[1]
    assert value == expected[2]
    # The label is the vocabulary's, and never embeds the value; the file is named relative to the snapshot.
    assert reason == QUARANTINE_REASONS[code]
    assert value is None or value not in reason
    assert file == f"{table}.csv"
    assert oc.rows[table]["quarantaine"] == 1
    assert oc.rows[table]["charges"] == oc.rows[table]["lus"] - 1
    assert total(settings) == 14  # the mini figures are untouched: every good row loaded


def test_quarantine_lines_are_attributed_to_their_establishments(settings, mini_snapshot) -> None:
    """Each quarantined line records the establishments it belongs to, read from the staged files."""
    snap = mini_snapshot("2026-09-01")
    edit(snap, "eleves", lambda ls: [*ls, "0000000099A;DATE;Fausse;2019-02-30;9740501B;6EME D;;"])
    edit(snap, "eleves", lambda ls: [*ls, "0000000098A;AUTRE;École;2019-01-01;9740000G;CP A;;"])
    edit(snap, "liens", lambda ls: [*ls, "R01;0000000002A;ONCLE"])
    edit(snap, "comptes", lambda ls: [*ls, "a.dupont;ENT;ACTIVE;;;;;;", "x.orphan;ENT;PERDU;;;;;;"])
    run(settings, snap)
    got = {(t, v): u for t, v, u in wh_rows(settings, "SELECT table_name, value, uais FROM quarantine")}
    resp_uai = dict(wh_rows(settings, "SELECT responsable_id, uai FROM resp_h"))
    eleve_uai = dict(wh_rows(settings, "SELECT ine, uai FROM eleve_h"))
    dupont = sorted({u for (u,) in wh_rows(settings, "SELECT uai FROM resp_h WHERE identifiant = 'a.dupont'")})
    assert got[("eleves", "2019-02-30")] == ["9740501B"]
    assert got[("eleves", "9740000G")] == ["9740000G"]  # an unknown establishment: attributed to no known one
    assert got[("liens", "ONCLE")] == sorted({resp_uai["R01"], eleve_uai["0000000002A"]})
    assert got[("comptes", "a.dupont")] == dupont and dupont
    assert got[("comptes", "PERDU")] == []  # an account no record points to belongs to no establishment


def test_quarantine_cascades_through_references(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    # The lycée's UAI is wrong: its three pupils, then their four links are refused, and stats lose them.
    edit(snap, "etablissements", lambda ls: [x.replace("9740601K", "9740601Z") for x in ls])
    (oc,) = run(settings, snap)
    assert oc.rows["etablissements"]["quarantaine"] == 1
    assert oc.rows["eleves"]["quarantaine"] == 3
    assert oc.rows["liens"]["quarantaine"] == 4
    assert total(settings) == 14 - 3  # l.nativel, m.robert, n.boyer (j.techer still has a child in the collège)


def test_requarantine_replaces_previous_quarantine(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    edit(snap, "liens", lambda ls: [*ls, "R01;0000000002A;ONCLE"])
    run(settings, snap)
    assert len(quarantine(settings)) == 1
    edit(snap, "liens", lambda ls: ls[:-1])
    run(settings, snap)
    assert quarantine(settings) == []




def test_missing_table_refuses_snapshot(mini_warehouse, tmp_path) -> None:
    before = published(mini_warehouse)
    snap = tmp_path / "2026-09-22"
    shutil.copytree(MINI / "2026-09-15", snap)
    (snap / "liens.csv").unlink()
    (oc,) = run(mini_warehouse, snap)
    assert oc.error is not None and "table manquante" in oc.error and str(snap / "liens") in oc.error
    assert "Rien n'a été publié" in oc.err
    assert published(mini_warehouse) == before
    assert total(mini_warehouse) == 14  # previous warehouse still serving


UNREADABLE = {
    "garbage-parquet": ("comptes.parquet", "n'est pas un fichier Parquet lisible"),
    "missing-column": ("comptes.csv", "colonne(s) obligatoire(s) absente(s) de la ligne d'en-tête : etat."),
    "ragged-csv": ("eleves.csv", "eleves.csv, ligne 4 : plus de 8 valeurs"),
    "empty-file": ("liens.csv", "liens.csv est vide (pas même la ligne d'en-tête)"),
}




@pytest.mark.parametrize("how", list(UNREADABLE))
def test_unreadable_table_refuses_snapshot(mini_warehouse, tmp_path, how) -> None:
    before = published(mini_warehouse)
    snap = tmp_path / "2026-09-22"
    shutil.copytree(MINI / "2026-09-15", snap)
    if how == "garbage-parquet":
        (snap / "comptes.csv").unlink()
        (snap / "comptes.parquet").write_bytes(b"PAR1 this is not parquet")
    elif how == "missing-column":
        edit(snap, "comptes", lambda ls: [";".join(x.split(";")[:2] + x.split(";")[3:]) for x in ls])
    elif how == "ragged-csv":
        edit(snap, "eleves", lambda ls: [*ls[:3], ls[3] + ";extra;fields", *ls[4:]])
    else:
        (snap / "liens.csv").write_bytes(b"")
    name, fragment = UNREADABLE[how]
    (oc,) = run(mini_warehouse, snap)
    assert_french_refusal(oc.error, str(snap / name), fragment)
    assert published(mini_warehouse) == before
    assert wh_rows(mini_warehouse, "SELECT max(date) FROM snapshot") == [(date(2026, 9, 15),)]


def drop_pupils(snap: Path, n: int) -> None:
    edit(snap, "eleves", lambda ls: ls[: len(ls) - n])


def test_row_drop_refused_then_forced(mini_warehouse, tmp_path) -> None:
    before = published(mini_warehouse)
    snap = tmp_path / "2026-09-22"
    shutil.copytree(MINI / "2026-09-15", snap)
    drop_pupils(snap, 4)  # 12 → 8 pupils: -33 %
    (oc,) = run(mini_warehouse, snap)
    assert oc.error is not None
    assert "eleves.csv" in oc.error and "8 lignes contre 12" in oc.error and "--force" in oc.error
    assert published(mini_warehouse) == before
    (oc,) = run(mini_warehouse, snap, force=True)
    assert oc.error is None
    assert published(mini_warehouse) != before
    assert wh_rows(mini_warehouse, "SELECT max(date) FROM snapshot") == [(date(2026, 9, 22),)]


def test_row_drop_within_limit_accepted(mini_warehouse, tmp_path) -> None:
    snap = tmp_path / "2026-09-22"
    shutil.copytree(MINI / "2026-09-15", snap)
    drop_pupils(snap, 3)  # -25 %
    (oc,) = run(mini_warehouse, snap)
    assert oc.error is None


def test_refused_snapshot_does_not_block_others(settings, tmp_path) -> None:
    root = tmp_path / "in"
    for d in MINI_DATES:
        shutil.copytree(MINI / d, root / d)
    (root / "2026-09-08" / "comptes.csv").unlink()
    outcomes = run(settings, root)
    assert [o.error is None for o in outcomes] == [True, False, True]
    assert [r[0] for r in wh_rows(settings, "SELECT date FROM snapshot ORDER BY 1")] == [date(2026, 9, 1), date(2026, 9, 15)]


def test_cli_exit_codes(settings, tmp_path, monkeypatch, capsys) -> None:
    import argparse

    from meteocomptes import ingest_cli

    monkeypatch.setenv("METEOCOMPTES_WAREHOUSE", str(settings.warehouse_dir))
    parser = argparse.ArgumentParser()
    ingest_cli.register(parser.add_subparsers())

    def cli(*argv: str) -> int:
        args = parser.parse_args(["ingest", *argv])
        return args.func(args)

    snap = tmp_path / "2026-09-01"
    shutil.copytree(MINI / "2026-09-01", snap)
    assert cli(str(snap)) == 0
    (snap / "eleves.csv").unlink()
    assert cli(str(snap)) == 1
    assert "table manquante" in capsys.readouterr().err
    assert cli(str(tmp_path / "nowhere")) == 2
    export = tmp_path / "export.csv"
    export.write_text("x\n")
    assert cli(str(export)) == 2  # needs --uai and --date
    assert "--uai" in capsys.readouterr().err
    with pytest.raises(IngestError):
        ingest(settings, [export])


def test_cli_verbose_reports_steps_for_its_run_only(settings, tmp_path, monkeypatch, capsys) -> None:
    """`-v` shows each step's duration on stderr; without it, and after it, nothing (no process-wide switch)."""
    import argparse

    from meteocomptes import ingest_cli
    from queries.core.timing import step

    monkeypatch.setenv("METEOCOMPTES_WAREHOUSE", str(settings.warehouse_dir))
    parser = argparse.ArgumentParser()
    ingest_cli.register(parser.add_subparsers())
    snap = tmp_path / "2026-09-01"
    shutil.copytree(MINI / "2026-09-01", snap)
    args = parser.parse_args(["ingest", str(snap)])
    assert args.func(args) == 0
    assert " s] " not in capsys.readouterr().err
    args = parser.parse_args(["ingest", "-v", str(snap)])
    assert args.func(args) == 0
    err = capsys.readouterr().err
    for name in ("copie de wh-", "lecture eleves", "validation comptes", "checkpoint"):
        assert re.search(rf"^  \[ *\d+\.\d\d s\] {name}", err, re.M), (name, err)
    with step("après la commande"):
        pass
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------------------- encodings and formats
def test_bom_and_windows_1252(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    for t in ("etablissements", "responsables", "liens"):
        write(snap, t, lines(snap, t), bom=True)
    write(snap, "eleves", lines(snap, "eleves"), encoding="cp1252")
    (oc,) = run(settings, snap)
    assert oc.error is None
    assert all(c["quarantaine"] == 0 for c in oc.rows.values()), oc.rows
    assert wh_rows(settings, "SELECT prenom FROM eleve_h WHERE ine = '0000000005A'") == [("Maëlys",)]
    assert wh_rows(settings, "SELECT nom FROM etab_h WHERE uai = '9740101S'") == [("École élémentaire Les Filaos",)]
    assert total(settings) == 14


def test_windows_line_endings(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    for t in ("eleves", "comptes"):
        (snap / f"{t}.csv").write_bytes(("\r\n".join(lines(snap, t)) + "\r\n").encode("cp1252"))
    (oc,) = run(settings, snap)
    assert oc.rows["eleves"] == {"lus": 12, "charges": 12, "quarantaine": 0}
    assert wh_rows(settings, "SELECT prenom FROM eleve_h WHERE ine = '0000000012A'") == [("Nathan",)]
    assert total(settings) == 14


def test_cp1252_specific_characters(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    edit(snap, "eleves", lambda ls: [x.replace("Chloé", "Chloé’Œ") for x in ls])
    write(snap, "eleves", lines(snap, "eleves"), encoding="cp1252")
    run(settings, snap)
    assert wh_rows(settings, "SELECT prenom FROM eleve_h WHERE ine = '0000000007A'") == [("Chloé’Œ",)]


def test_undecodable_file_refused(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    raw = (snap / "liens.csv").read_bytes() + b"R01;0000000002A;\x81\x8d\n"  # bytes undefined in cp1252, bad UTF-8
    (snap / "liens.csv").write_bytes(raw)
    (oc,) = run(settings, snap)
    assert oc.error is not None and "liens.csv" in oc.error and "encodage" in oc.error


def test_gzip_and_parquet(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    with gzip.open(snap / "responsables.csv.gz", "wb") as f:
        f.write((snap / "responsables.csv").read_bytes())
    (snap / "responsables.csv").unlink()
    con = duckdb.connect()
    src, dst = str(snap / "comptes.csv"), str(snap / "comptes.parquet")
    con.execute(f"COPY (SELECT * FROM read_csv('{src}', delim=';', header=true, all_varchar=true)) TO '{dst}' (FORMAT parquet)")  # noqa: S608
    con.close()
    (snap / "comptes.csv").unlink()
    (oc,) = run(settings, snap)
    assert oc.error is None and oc.rows["comptes"]["charges"] == 15
    assert total(settings) == 14


def test_parquet_line_numbers(settings, mini_snapshot) -> None:
    snap = mini_snapshot("2026-09-01")
    edit(snap, "comptes", replace_line(4, "c.martin;FRANCECONNECT;INCONNU;;;;;;"))
    con = duckdb.connect()
    src, dst = str(snap / "comptes.csv"), str(snap / "comptes.parquet")
    con.execute(f"COPY (SELECT * FROM read_csv('{src}', delim=';', header=true, all_varchar=true)) TO '{dst}' (FORMAT parquet)")  # noqa: S608
    con.close()
    (snap / "comptes.csv").unlink()
    run(settings, snap)
    assert [(r[0], r[1], r[2]) for r in quarantine(settings)][:1] == [("comptes", 4, "etat")]


# ---------------------------------------------------------------------------------- replacement and ordering
def history(settings: Settings) -> dict[str, list[tuple]]:
    out = {}
    for t, key in (("etab_h", "uai"), ("eleve_h", "ine"), ("resp_h", "responsable_id"),
                   ("lien_h", "responsable_id, ine"), ("compte_h", "identifiant")):
        out[t] = wh_rows(settings, f"SELECT cov, d_from, d_to, h, {key} FROM {t} ORDER BY ALL")  # noqa: S608
    out["agg_synthese"] = wh_rows(settings, "SELECT * FROM agg_synthese ORDER BY ALL")
    return out


def test_reingestion_is_idempotent(settings, tmp_path) -> None:
    run(settings, MINI)
    first = history(settings)
    run(settings, MINI / "2026-09-08")
    run(settings, MINI)
    assert history(settings) == first
    assert wh_rows(settings, "SELECT count(*) FROM snapshot") == [(3,)]
    assert wh_rows(settings, "SELECT count(*) FROM ingest_log") == [(15,)]


@pytest.mark.parametrize("order", list(itertools.permutations(MINI_DATES)))
def test_any_ingestion_order_gives_same_warehouse(make_settings, tmp_path, order) -> None:
    in_order = Settings.from_env({"METEOCOMPTES_WAREHOUSE": str(tmp_path / "a"), "METEOCOMPTES_DATA_DIR": str(tmp_path)})
    run(in_order, MINI)
    shuffled = Settings.from_env({"METEOCOMPTES_WAREHOUSE": str(tmp_path / "b"), "METEOCOMPTES_DATA_DIR": str(tmp_path)})
    for d in order:
        run(shuffled, MINI / d)
    assert history(shuffled) == history(in_order)
    for d in (date(2026, 9, 1), date(2026, 9, 8), date(2026, 9, 15)):
        assert total(shuffled, d=d) == total(in_order, d=d)


def test_replacing_middle_date(settings, tmp_path) -> None:
    """Replace 09-08 with a copy of 09-01: e.payet's change and P13 vanish, intervals merge back."""
    run(settings, MINI)
    fix = tmp_path / "2026-09-08"
    shutil.copytree(MINI / "2026-09-01", fix)
    run(settings, fix, force=True)
    assert total(settings, d=date(2026, 9, 8)) == 14
    assert wh_rows(settings, "SELECT etat, d_from, d_to FROM compte_h WHERE identifiant = 'e.payet' ORDER BY d_from") == [
        ("NOTIFIE_NON_ACTIVE", date(2026, 9, 1), date(2026, 9, 8)), ("ACTIVE", date(2026, 9, 15), date(9999, 12, 31))]
    assert wh_rows(settings, "SELECT count(*) FROM eleve_h WHERE ine = '0000000013A'") == [(0,)]
    # and a fresh warehouse fed 09-01, fixed 09-08, 09-15 holds exactly the same history
    other = Settings.from_env({"METEOCOMPTES_WAREHOUSE": str(tmp_path / "o"), "METEOCOMPTES_DATA_DIR": str(tmp_path)})
    run(other, MINI / "2026-09-01", fix, MINI / "2026-09-15", force=True)
    assert history(other) == history(settings)


def test_as_of_between_snapshots(mini_warehouse) -> None:
    s = synthese(mini_warehouse, SYSTEM, Scope.parse("etablissement:9740102T"), date(2026, 9, 14))
    assert s.data_date == date(2026, 9, 8) and s.total["comptes"] == 3
    s = synthese(mini_warehouse, SYSTEM, Scope.parse("etablissement:9740102T"), date(2030, 1, 1))
    assert s.data_date == date(2026, 9, 15) and s.total["comptes"] == 2
