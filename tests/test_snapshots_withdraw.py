"""`meteocomptes snapshots list|withdraw`: withdrawing an ingested date leaves exactly the warehouse that
ingesting the other dates alone would have written (queries/warehouse/snapshots.py)."""

# The comparison splices table and column names read from the warehouses' own catalogue (S608).
# ruff: noqa: S608
from __future__ import annotations

import io
import json
import shutil
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from mini_kit import MINI, wh_rows

from data.ingest import ingest
from meteocomptes.cli import main
from queries.core.authz import SYSTEM
from queries.core.scope import Principal, Role, Scope
from queries.core.settings import Settings
from queries.store import audit
from queries.warehouse import console_tables, current_target, data_info, snapshots
from queries.warehouse.publish import published_files
from queries.warehouse.stats import synthese

A, B, C = (date.fromisoformat(d) for d in ("2026-09-01", "2026-09-08", "2026-09-15"))

# Columns that record when something was done, not what: they differ between any two runs.
TIMESTAMPS = {"ingested_at"}
# console_meta.n_appended counts rows appended since the last full rebuild of console_row: a physical-layout
# counter (when to re-cluster), which depends on how the dates were grouped into ingestion runs.
LAYOUT = {("console_meta", "n_appended")}


def _edit(path: Path, replace: dict[str, str] | None = None, drop: str | None = None,
          add: list[str] | None = None) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    lines = [ln for ln in text.splitlines() if drop is None or not ln.startswith(drop)]
    path.write_text("\n".join([*lines, *(add or [])]) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[date, Path]:
    """The mini snapshots, with changes that give every case of re-stitching something to do:
    - A only: pupil P12 leaves the lycée after A (its rows end at A);
    - B only: P02 in another class, the lycée renamed, R03's link missing (gaps and versions that B interrupts,
      merged again when B goes), plus the mini's own P13/R17/o.hoarau (present at B only), a quarantined line;
    - from B on: e.payet activated (mini), c.martin's email changed (versions that begin at B);
    - C only: h.dupont's last connection (a version that begins at the latest date)."""
    root = tmp_path_factory.mktemp("withdraw_inputs")
    out = {}
    for d in (A, B, C):
        out[d] = root / d.isoformat()
        shutil.copytree(MINI / d.isoformat(), out[d])
    for d in (B, C):
        _edit(out[d] / "eleves.csv", drop="0000000012A")
        _edit(out[d] / "liens.csv", drop="R16;0000000012A")
    _edit(out[B] / "eleves.csv", {"0000000002A;MARTIN;Noé;2019-07-01;9740101S;CP A": "0000000002A;MARTIN;Noé;2019-07-01;9740101S;CP B"})
    _edit(out[B] / "etablissements.csv", {"9740601K;": "9740601K;Lycée renommé ", })
    _edit(out[B] / "liens.csv", drop="R03;0000000001A")
    _edit(out[B] / "comptes.csv", add=["q.invalide;ORIGINE_INCONNUE;ACTIVE;;;;;;"])
    for d in (B, C):
        text = (out[d] / "comptes.csv").read_text(encoding="utf-8")
        line = next(ln for ln in text.splitlines() if ln.startswith("c.martin;"))
        _edit(out[d] / "comptes.csv", {line: line.rsplit(";", 2)[0] + ";nouveau.martin@example.re;" + line.rsplit(";", 1)[1]})
    text = (out[C] / "comptes.csv").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("h.dupont;"))
    parts = line.split(";")
    parts[5] = "2026-09-14"
    _edit(out[C] / "comptes.csv", {line: ";".join(parts)})
    return out


def _settings(root: Path) -> Settings:
    return Settings.from_env({"METEOCOMPTES_DATA_DIR": str(root / "var"), "METEOCOMPTES_WAREHOUSE": str(root / "warehouse")})


def _ingest(settings: Settings, paths: list[Path], **kw) -> None:
    outcomes = ingest(settings, paths, out=io.StringIO(), err=io.StringIO(), **kw)
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]


def _published(settings: Settings) -> Path:
    p = current_target(settings.warehouse_dir)
    assert p is not None
    return p


def differences(left: Settings, right: Settings) -> dict[str, tuple[int, int]]:
    """Every table of both warehouses, compared row for row (EXCEPT ALL both ways) without the timestamps:
    {table: (rows only on the left, rows only on the right)} for the tables that differ."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{_published(left)}' AS l (READ_ONLY)")
    con.execute(f"ATTACH '{_published(right)}' AS r (READ_ONLY)")

    def tables(db: str) -> set[str]:
        return {t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND NOT temporary", [db]).fetchall()}

    names = tables("l")
    assert names == tables("r")
    assert {"etab_h", "eleve_h", "resp_h", "lien_h", "compte_h", "snapshot", "quarantine", "ingest_log",
            "agg_synthese", "agg_funnel", "console_row", "console_meta"} <= names
    diff = {}
    for t in sorted(names):
        cols = [c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'l' AND table_name = ? "
            "ORDER BY column_index", [t]).fetchall() if c not in TIMESTAMPS and (t, c) not in LAYOUT]
        sel = ", ".join(f'"{c}"' for c in cols)
        only_l = con.execute(f"SELECT count(*) FROM (SELECT {sel} FROM l.{t} EXCEPT ALL SELECT {sel} FROM r.{t})").fetchone()[0]
        only_r = con.execute(f"SELECT count(*) FROM (SELECT {sel} FROM r.{t} EXCEPT ALL SELECT {sel} FROM l.{t})").fetchone()[0]
        if only_l or only_r:
            diff[t] = (only_l, only_r)
    con.close()
    return diff


@pytest.fixture(scope="module")
def abc(tmp_path_factory: pytest.TempPathFactory, inputs: dict[date, Path]) -> Path:
    """A, B, C ingested one run each (so that every console refresh is incremental)."""
    root = tmp_path_factory.mktemp("abc")
    s = _settings(root)
    for d in (A, B, C):
        _ingest(s, [inputs[d]])
    return root


@pytest.fixture
def abc_copy(abc: Path, tmp_path: Path) -> Settings:
    shutil.copytree(abc, tmp_path / "abc", symlinks=True)
    return _settings(tmp_path / "abc")


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        rc = main(list(args))
    finally:
        sys.stdout, sys.stderr = old
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> callable:
    def use(settings: Settings) -> Settings:
        monkeypatch.setenv("METEOCOMPTES_DATA_DIR", str(settings.data_dir))
        monkeypatch.setenv("METEOCOMPTES_WAREHOUSE", str(settings.warehouse_dir))
        return settings
    return use


# ------------------------------------------------------------------------------------------ exact history
@pytest.mark.parametrize("withdrawn", [B, C, A], ids=["middle", "latest", "first"])
def test_withdrawn_date_leaves_the_warehouse_of_the_other_dates(
        abc_copy: Settings, inputs: dict[date, Path], tmp_path: Path, env, withdrawn: date,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # never rebuild the console whole for the mini's share of changed rows: the incremental path is the one tested
    monkeypatch.setattr(console_tables, "REBUILD_SHARE", 1.0)
    others = [d for d in (A, B, C) if d != withdrawn]
    reference = _settings(tmp_path / "ref")
    _ingest(reference, [inputs[d] for d in others])  # one run: the console built once, in full
    assert differences(abc_copy, reference), "the fixture must make the withdrawn date matter"

    env(abc_copy)
    rc, out, err = cli("snapshots", "withdraw", withdrawn.isoformat(), "--yes")
    assert rc == 0, err
    assert f"Date du {withdrawn:%d/%m/%Y} retirée" in out

    assert differences(abc_copy, reference) == {}
    assert [r[0] for r in wh_rows(abc_copy, "SELECT date FROM snapshot ORDER BY date")] == others
    if withdrawn == C:  # the console went back to B incrementally (a full rebuild resets the appended count)
        assert wh_rows(abc_copy, "SELECT built_for, n_appended > 0 FROM console_meta") == [(B, True)]


def test_withdrawing_every_date_in_turn_down_to_one(abc_copy: Settings, inputs: dict[date, Path], tmp_path: Path) -> None:
    snapshots.withdraw(abc_copy, "full", B)
    snapshots.withdraw(abc_copy, "full", C)
    reference = _settings(tmp_path / "ref")
    _ingest(reference, [inputs[A]])
    assert differences(abc_copy, reference) == {}
    with pytest.raises(snapshots.WithdrawRefused, match="seule date de données complète"):
        snapshots.withdraw(abc_copy, "full", A)


def test_an_export_coverage_can_be_withdrawn_whole(mini_warehouse: Settings, tmp_path: Path) -> None:
    from ingest_kit import GUIDE_ROWS, UAI, export_file

    before = tmp_path / "before"
    shutil.copytree(mini_warehouse.warehouse_dir.parent, before, symlinks=True)
    for d in (date(2020, 8, 12), date(2020, 8, 19)):
        _ingest(mini_warehouse, [export_file(tmp_path, GUIDE_ROWS[: 4 if d.day == 12 else 8])], uai=UAI, d=d)
    snapshots.withdraw(mini_warehouse, f"uai:{UAI}", date(2020, 8, 12))
    assert wh_rows(mini_warehouse, "SELECT min(d_from) FROM eleve_h WHERE cov = ?", [f"uai:{UAI}"]) == [(date(2020, 8, 19),)]
    snapshots.withdraw(mini_warehouse, UAI.lower(), date(2020, 8, 19))  # a bare UAI names its coverage
    assert differences(mini_warehouse, _settings(before)) == {}


@pytest.mark.slow
def test_generated_days_ingested_out_of_order(tmp_path: Path) -> None:
    """The demo académie's rentrée (thousands of changes a week), dates ingested out of order, one run each."""
    from data.generate import generate

    days = generate("demo", 5, date(2026, 9, 1), 15, 7, tmp_path / "in")
    assert len(days) == 3
    whole = _settings(tmp_path / "abc")
    for i in (2, 0, 1):
        _ingest(whole, [days[i]])
    snapshots.withdraw(whole, "full", date.fromisoformat(days[1].name))  # the middle one: every case
    ref = _settings(tmp_path / "ref")
    _ingest(ref, [days[0], days[2]])
    assert differences(whole, ref) == {}


# ------------------------------------------------------------------------------------- the 2099 snapshot
def _default_date(settings: Settings) -> date:
    return synthese(settings, SYSTEM, Scope.parse("academie:28")).data_date


def test_a_snapshot_from_the_future_is_withdrawn_and_the_defaults_come_back(
        mini_warehouse: Settings, tmp_path: Path, env) -> None:
    env(mini_warehouse)
    future = tmp_path / "in" / "2099-01-01"
    shutil.copytree(MINI / "2026-09-15", future)
    _ingest(mini_warehouse, [future], force=True)
    assert data_info(mini_warehouse).date == date(2099, 1, 1)
    assert _default_date(mini_warehouse) == date(2099, 1, 1)
    later = tmp_path / "in" / "2026-09-22"
    shutil.copytree(MINI / "2026-09-15", later)
    _ingest(mini_warehouse, [later])
    assert _default_date(mini_warehouse) == date(2099, 1, 1)  # the bug: a real later date does not help
    rc, out, _ = cli("snapshots", "list")
    assert rc == 0 and "Date servie par défaut pour « full » : 01/01/2099" in out

    rc, out, err = cli("snapshots", "withdraw", "2099-01-01", "--yes")
    assert rc == 0, err
    assert "celles du 22/09/2026" in out
    assert data_info(mini_warehouse).date == date(2026, 9, 22)
    assert _default_date(mini_warehouse) == date(2026, 9, 22)
    assert wh_rows(mini_warehouse, "SELECT built_for FROM console_meta") == [(date(2026, 9, 22),)]
    assert wh_rows(mini_warehouse, "SELECT count(*) FROM compte_h WHERE d_from > DATE '2026-12-31' "
                                   "OR (d_to > DATE '2026-12-31' AND d_to < DATE '9999-12-31')") == [(0,)]

    ref = _settings(tmp_path / "ref")
    _ingest(ref, [MINI, later])  # the same folders (their paths are in the bookkeeping), without 2099
    assert differences(mini_warehouse, ref) == {}


# ---------------------------------------------------------------------------------- CLI, audit, atomicity
def test_list_in_french_in_three_formats(abc_copy: Settings, env) -> None:
    env(abc_copy)
    rc, out, _ = cli("snapshots", "list")
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].startswith("Dates de données ingérées")
    row_b = next(ln for ln in lines if "08/09/2026" in ln)
    # full, 08/09/2026, snapshot; loaded: 4 establishments, 12 pupils (P12 gone, P13 in), 17 records, 15 links
    # (R03's and P12's gone, R17's in), 16 accounts; 1 line quarantined (the invalid origin)
    assert row_b.split()[:3] == ["full", "08/09/2026", "Instantané"]
    assert row_b.split()[-6:] == ["4", "12", "17", "15", "16", "1"]
    assert "Date servie par défaut pour « full » : 15/09/2026" in out

    rc, out, _ = cli("snapshots", "list", "--format", "csv")
    assert rc == 0
    assert out.splitlines()[0].startswith("Couverture;Date;Type;Ingérée le;Établissements;Élèves")
    assert out.splitlines()[2].startswith("full;08/09/2026;Instantané;")
    assert out.splitlines()[2].endswith(";4;12;17;15;16;;1")

    rc, out, _ = cli("snapshots", "list", "--format", "json")
    doc = json.loads(out)
    assert [(s["cov"], s["date"]) for s in doc] == [("full", "2026-09-01"), ("full", "2026-09-08"), ("full", "2026-09-15")]
    assert doc[1]["rows"]["comptes"] == {"lus": 17, "charges": 16, "quarantaine": 1} and doc[1]["quarantined"] == 1


def test_thousands_are_grouped_in_the_table(abc_copy: Settings, env, monkeypatch: pytest.MonkeyPatch) -> None:
    env(abc_copy)
    from meteocomptes import snapshots_cli

    real = snapshots.list_snapshots
    monkeypatch.setattr(snapshots_cli, "list_snapshots", lambda s: [
        snapshots.SnapshotInfo(x.cov, x.date, x.kind, x.ingested_at, x.source_path,
                               {**x.rows, "eleves": {"lus": 12345, "charges": 12345, "quarantaine": 0}})
        for x in real(s)])
    rc, out, _ = cli("snapshots", "list")
    assert rc == 0 and "12\u202f345" in out


def test_withdrawal_is_audited_with_the_cli_identity(abc_copy: Settings, env) -> None:
    env(abc_copy)
    rc, _, err = cli("snapshots", "withdraw", "2026-09-08", "--yes")
    assert rc == 0, err
    rc, _, err = cli("snapshots", "withdraw", "2026-09-09", "--yes")
    assert rc == 2 and "Aucune donnée du 09/09/2026" in err and "08/09/2026" not in err.split("ingérées")[1]
    admin = Principal(1, "admin", Role.ADMIN, None)
    assert audit.query(abc_copy, admin, action="snapshot_withdrawn") == []  # a data event: not account management
    support = Principal(2, "support", Role.SUPPORT, Scope.parse("academie:28"))
    entries = audit.query(abc_copy, support, action="snapshot_withdrawn")
    assert [(e.outcome, e.login.startswith("cli"), json.loads(e.detail)["date"]) for e in entries] == [
        ("failed", True, "2026-09-09"), ("ok", True, "2026-09-08")]
    assert json.loads(entries[1].detail)["date_servie"] == "2026-09-15"
    assert audit.ACTION_LABELS["snapshot_withdrawn"] == "Retrait d'une date de données"


def test_export_withdrawal_is_in_the_head_journal(mini_warehouse: Settings, tmp_path: Path, env) -> None:
    from ingest_kit import GUIDE_ROWS, UAI, export_file

    env(mini_warehouse)
    _ingest(mini_warehouse, [export_file(tmp_path, GUIDE_ROWS)], uai=UAI, d=date(2020, 8, 12))
    rc, out, _ = cli("snapshots", "list")
    assert "Lignes d'export" in out.splitlines()[2]
    assert next(ln for ln in out.splitlines() if ln.startswith("uai:")).split("  ")[:3] == [
        f"uai:{UAI}", "12/08/2020", "Export de la console"]
    assert "Date servie par défaut pour « uai:9740501B » : 12/08/2020" in out
    rc, out, err = cli("snapshots", "withdraw", "2020-08-12", "--cov", f"uai:{UAI}", "--yes")
    assert rc == 0, err
    assert "cette couverture n'aura plus aucune donnée" in out
    chef = Principal(2, "chef", Role.CHEF, Scope.parse(f"etablissement:{UAI}"))
    assert [e.action for e in audit.query(mini_warehouse, chef)] == ["snapshot_withdrawn"]
    other = Principal(3, "chef2", Role.CHEF, Scope.parse("etablissement:9740601K"))
    assert audit.query(mini_warehouse, other) == []


def test_confirmation_is_asked_on_a_terminal(abc_copy: Settings, env, monkeypatch: pytest.MonkeyPatch) -> None:
    env(abc_copy)
    before = _published(abc_copy)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal, no --yes
    rc, out, err = cli("snapshots", "withdraw", "2026-09-15")
    assert rc == 2 and "--yes" in err
    assert "Retrait des données du 15/09/2026" in out and "celles du 08/09/2026" in out

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Tty("non\n"))
    rc, out, _ = cli("snapshots", "withdraw", "2026-09-15")
    assert rc == 1 and "rien n'a été modifié" in out
    assert _published(abc_copy) == before
    monkeypatch.setattr(sys, "stdin", Tty("oui\n"))
    rc, out, _ = cli("snapshots", "withdraw", "2026-09-15")
    assert rc == 0
    assert _published(abc_copy) != before
    assert data_info(abc_copy).date == B


def test_a_failed_withdrawal_publishes_nothing(abc_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    before, files = _published(abc_copy), published_files(abc_copy.warehouse_dir)

    def boom(*a, **k):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(snapshots, "per_date_tables", boom)
    with pytest.raises(RuntimeError):
        snapshots.withdraw(abc_copy, "full", B)
    assert _published(abc_copy) == before and published_files(abc_copy.warehouse_dir) == files
    assert [p.name for p in abc_copy.warehouse_dir.iterdir() if p.name.startswith(".ingest-")] == []
    assert wh_rows(abc_copy, "SELECT count(*) FROM snapshot") == [(3,)]


def test_withdrawal_waits_for_a_running_ingestion(abc_copy: Settings) -> None:
    import threading
    import time

    from queries.warehouse.publish import ingest_lock

    done = threading.Event()
    with ingest_lock(abc_copy.warehouse_dir):
        t = threading.Thread(target=lambda: (snapshots.withdraw(abc_copy, "full", B), done.set()))
        t.start()
        time.sleep(1.0)
        assert not done.is_set()
    t.join(30)
    assert done.is_set()


def test_every_interval_table_is_restitched() -> None:
    """A new history table must be added to queries.warehouse.ingest.SPECS, or withdrawing would leave its rows."""
    from queries.warehouse.ingest import SPECS, init_schema

    con = duckdb.connect()
    init_schema(con)
    interval = {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_columns() WHERE column_name = 'd_from' AND NOT internal").fetchall()}
    assert interval == {s.hist for s in SPECS.values()}
    assert set(snapshots.per_date_tables(con)) >= {"snapshot", "quarantine", "ingest_log", "agg_synthese", "agg_funnel"}

