"""`meteocomptes stats` and queries.warehouse.stats.synthese on the mini warehouse (figures: tests/fixtures/mini/README.md)."""

from __future__ import annotations

import argparse
import json
from datetime import date

import pytest

from meteocomptes import stats_cli
from queries.core.authz import SYSTEM
from queries.core.scope import AccessDenied, Principal, Role, Scope
from queries.core.settings import Settings
from queries.warehouse.stats import StatsError, synthese


def run_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str):
    monkeypatch.setenv("METEOCOMPTES_WAREHOUSE", str(settings.warehouse_dir))
    monkeypatch.setenv("METEOCOMPTES_DATA_DIR", str(settings.data_dir))
    parser = argparse.ArgumentParser()
    stats_cli.register(parser.add_subparsers())
    args = parser.parse_args(["stats", *argv])
    rc = args.func(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def totals(settings: Settings, scope: str, d: date | None = None, degre: str | None = None) -> dict:
    return synthese(settings, SYSTEM, Scope.parse(scope), d, degre).rows[-1]


ORDER = ["ATEN", "ENT", "ETABLISSEMENT", "FRANCECONNECT", "RESPONSABLE", "NON_RENSEIGNE", "TOTAL"]


def test_academie_latest(mini_warehouse: Settings) -> None:
    s = synthese(mini_warehouse, SYSTEM, Scope.parse("academie:28"))
    assert s.data_date == date(2026, 9, 15)
    assert [r["origine"] for r in s.rows] == ORDER
    by = {r["origine"]: r for r in s.rows}
    assert by["ETABLISSEMENT"] == {"origine": "ETABLISSEMENT", "comptes": 5, "NON_NOTIFIE": 0,
                                   "NOTIFIE_NON_ACTIVE": 1, "EN_COURS_ACTIVATION": 1, "ACTIVE": 3, "DESACTIVE": 0}
    assert by["TOTAL"]["comptes"] == 14
    for r in s.rows:  # every row adds up
        assert r["comptes"] == sum(r[e] for e in ORDER[:0] or
                                   ["NON_NOTIFIE", "NOTIFIE_NON_ACTIVE", "EN_COURS_ACTIVATION", "ACTIVE", "DESACTIVE"])


def test_distinct_accounts_not_sum_of_schools(mini_warehouse: Settings) -> None:
    schools = ["9740101S", "9740102T", "9740501B", "9740601K"]
    per_school = [totals(mini_warehouse, f"etablissement:{u}")["comptes"] for u in schools]
    assert per_school == [5, 2, 5, 4]
    assert totals(mini_warehouse, "academie:28")["comptes"] == 14 < sum(per_school)
    assert totals(mini_warehouse, "departement:974")["comptes"] == 14


def test_degree_split(mini_warehouse: Settings) -> None:
    assert totals(mini_warehouse, "academie:28", degre="1D")["comptes"] == 7
    assert totals(mini_warehouse, "academie:28", degre="2D")["comptes"] == 8  # j.techer in collège and lycée
    assert totals(mini_warehouse, "departement:974", degre="2D")["comptes"] == 8
    assert totals(mini_warehouse, "circonscription:974-SUD")["comptes"] == 7
    with pytest.raises(StatsError):
        totals(mini_warehouse, "etablissement:9740501B", degre="2D")


def test_classes_and_mef(mini_warehouse: Settings) -> None:
    assert totals(mini_warehouse, "classe:9740501B:6EME A")["comptes"] == 3
    assert totals(mini_warehouse, "classe:9740501B:3EME B")["comptes"] == 2
    assert totals(mini_warehouse, "mef:9740501B:10010012110")["comptes"] == 3
    assert totals(mini_warehouse, "mef:9740501B:10115001110") == {
        "origine": "TOTAL", "comptes": 1, "NON_NOTIFIE": 1, "NOTIFIE_NON_ACTIVE": 0,
        "EN_COURS_ACTIVATION": 0, "ACTIVE": 0, "DESACTIVE": 0}


def test_as_of_and_state_change(mini_warehouse: Settings) -> None:
    t1 = totals(mini_warehouse, "academie:28", date(2026, 9, 1))
    assert (t1["comptes"], t1["NOTIFIE_NON_ACTIVE"], t1["ACTIVE"]) == (14, 2, 7)
    s = synthese(mini_warehouse, SYSTEM, Scope.parse("academie:28"), date(2026, 9, 10))  # between two snapshots
    assert s.data_date == date(2026, 9, 8)
    assert (s.total["comptes"], s.total["NOTIFIE_NON_ACTIVE"], s.total["ACTIVE"]) == (15, 1, 9)
    with pytest.raises(StatsError, match="Aucune donnée au 01/01/2020 ou avant"):
        totals(mini_warehouse, "academie:28", date(2020, 1, 1))


def test_unknown_scope(mini_warehouse: Settings) -> None:
    with pytest.raises(StatsError, match="Périmètre inconnu : etablissement:9740000G"):
        totals(mini_warehouse, "etablissement:9740000G")
    with pytest.raises(StatsError, match="Périmètre inconnu"):
        totals(mini_warehouse, "classe:9740501B:TERM Z")


def test_principal_scope_checked(mini_warehouse: Settings) -> None:
    chef = Principal(1, "chef", Role.CHEF, Scope.parse("etablissement:9740501B"))
    assert synthese(mini_warehouse, chef, Scope.parse("classe:9740501B:6EME A")).total["comptes"] == 3
    with pytest.raises(AccessDenied):
        synthese(mini_warehouse, chef, Scope.parse("etablissement:9740601K"))
    with pytest.raises(AccessDenied):
        synthese(mini_warehouse, chef, Scope.parse("academie:28"))
    ien = Principal(2, "ien", Role.IEN, Scope.parse("circonscription:974-SUD"))
    assert synthese(mini_warehouse, ien, Scope.parse("etablissement:9740102T")).total["comptes"] == 2
    with pytest.raises(AccessDenied):
        synthese(mini_warehouse, ien, Scope.parse("etablissement:9740501B"))
    pilote = Principal(3, "pilote", Role.PILOTE, Scope.parse("academie:28"))
    assert synthese(mini_warehouse, pilote, Scope.parse("departement:974")).total["comptes"] == 14
    admin = Principal(4, "admin", Role.ADMIN, None)
    with pytest.raises(AccessDenied):
        synthese(mini_warehouse, admin, Scope.parse("academie:28"))


def test_cli_table(mini_warehouse, monkeypatch, capsys) -> None:
    rc, out, _ = run_cli(mini_warehouse, monkeypatch, capsys, "--scope", "academie:28", "--date", "2026-09-01")
    assert rc == 0
    for label in ("ATEN", "ENT", "Établissement", "FranceConnect", "Responsable", "N/A", "Total",
                  "Nombre de comptes responsables", "Non notifiés", "Notifiés et non activés",
                  "En cours d'activation", "Activés", "Désactivés"):
        assert label in out
    # The fixture was ingested today: the line names that day and time, and the data date it is about.
    update = next(line for line in out.splitlines() if line.startswith("Dernière mise à jour le "))
    assert update.endswith("(données du 01/09/2026)") or "le 01/09/2026 à " in update, update
    total_line = next(line for line in out.splitlines() if line.startswith("Total"))
    assert total_line.split() == ["Total", "14", "3", "2", "1", "7", "1"]


def test_cli_csv_and_json(mini_warehouse, monkeypatch, capsys) -> None:
    rc, out, _ = run_cli(mini_warehouse, monkeypatch, capsys, "--scope", "etablissement:9740501B", "--format", "csv")
    assert rc == 0
    lines = out.splitlines()
    assert lines[0] == "origine;comptes;NON_NOTIFIE;NOTIFIE_NON_ACTIVE;EN_COURS_ACTIVATION;ACTIVE;DESACTIVE"
    assert lines[-1] == "TOTAL;5;1;0;0;3;1"
    rc, out, _ = run_cli(mini_warehouse, monkeypatch, capsys, "--scope", "academie:28", "--degre", "1D",
                         "--format", "json")
    doc = json.loads(out)
    assert doc["scope"] == "academie:28" and doc["date"] == "2026-09-15"
    assert [r["origine"] for r in doc["rows"]] == ORDER
    assert doc["rows"][-1]["comptes"] == 7


def test_cli_errors(mini_warehouse, monkeypatch, capsys) -> None:
    rc, out, err = run_cli(mini_warehouse, monkeypatch, capsys, "--scope", "etablissement:9740000G")
    assert rc == 2 and out == "" and "Périmètre inconnu : etablissement:9740000G" in err
    rc, _, err = run_cli(mini_warehouse, monkeypatch, capsys, "--scope", "planete:3")
    assert rc == 2 and "Niveau de périmètre inconnu" in err
    rc, _, err = run_cli(mini_warehouse, monkeypatch, capsys, "--scope", "academie:28", "--date", "2020-01-01")
    assert rc == 2 and "Aucune donnée au 01/01/2020 ou avant" in err


def test_cli_no_warehouse(settings, monkeypatch, capsys) -> None:
    rc, _, err = run_cli(settings, monkeypatch, capsys, "--scope", "academie:28")
    assert rc == 2 and "Aucun entrepôt publié" in err


def test_table_number_format_and_alignment() -> None:
    from datetime import datetime

    from queries.warehouse.stats import Synthese

    rows = [{"origine": o, "comptes": 0, "NON_NOTIFIE": 0, "NOTIFIE_NON_ACTIVE": 0, "EN_COURS_ACTIVATION": 0,
             "ACTIVE": 0, "DESACTIVE": 0} for o in ORDER[:-1]]
    rows[2].update(comptes=12345, ACTIVE=12345)
    rows.append({**rows[2], "origine": "TOTAL"})
    s = Synthese(Scope.parse("academie:28"), date(2020, 8, 12), datetime(2020, 8, 12, 19, 46), rows)
    text = stats_cli.render_table(s)
    assert "12\u202f345" in text
    assert text.rstrip().endswith("Dernière mise à jour le 12/08/2020 à 19:46")
    body = [line for line in text.splitlines() if line.startswith(("ATEN", "Établissement", "Total"))]
    assert len({len(line) for line in body}) == 1  # aligned columns
    assert stats_cli.render_csv(s).splitlines()[3] == "ETABLISSEMENT;12345;0;0;0;12345;0"
