"""An establishment known only through the real console's export (coverage `uai:<UAI>`): its console rows come
from the export's (pupil, guardian) lines, actions needing what the export lacks are refused with the reason, the
header and /healthz state the coverage, a newer full snapshot takes precedence, withdrawing the date removes it."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from auth_kit import add_user, fast_argon2, logged_client, make_app, router_body  # noqa: F401
from ingest_kit import GUIDE_ROWS, export_file
from mini_kit import MINI, wh_rows

from data.ingest import ingest
from meteocomptes.cli import main as cli_main
from queries import warehouse
from queries.core.scope import Principal, Role, Scope
from queries.core.settings import Settings
from queries.services import actions, console
from queries.services.console import Filters
from queries.store import init_db

UAI = "9740001H"  # named by no full snapshot of the mini fixture
D = date(2026, 9, 15)
LINES = len(GUIDE_ROWS)  # 8 distinct (pupil, guardian) lines
CHEF = Principal(1, "chef", Role.CHEF, Scope.parse(f"etablissement:{UAI}"))
SUPPORT = Principal(2, "support", Role.SUPPORT, Scope.parse("academie:28"))
OTHER_CHEF = Principal(3, "chef2", Role.CHEF, Scope.parse("etablissement:9740501B"))


def run_export(settings: Settings, tmp_path: Path, uai: str = UAI, d: date = D) -> None:
    (oc,) = ingest(
        settings, [export_file(tmp_path, GUIDE_ROWS)], uai=uai, d=d, out=io.StringIO(), err=io.StringIO()
    )
    assert oc.error is None, oc.error


@pytest.fixture
def only_export(settings: Settings, tmp_path: Path) -> Settings:
    """An empty warehouse, then one console export: the establishment is known through it alone."""
    run_export(settings, tmp_path)
    init_db(settings)
    return settings


@pytest.fixture
def mini_and_export(mini_warehouse: Settings, tmp_path: Path) -> Settings:
    """The mini full snapshots (académie 28) and an export of an establishment none of them names."""
    run_export(mini_warehouse, tmp_path)
    init_db(mini_warehouse)
    return mini_warehouse


def search(settings: Settings, principal: Principal, sort: list | None = None, **kw) -> console.SearchResult:
    return console.search(settings, principal, Filters.build(**kw), limit=500, sort_model=sort)


# ----------------------------------------------------------------------------------------------- console rows
def test_head_searches_filters_sorts_and_exports_the_export_lines(only_export) -> None:
    s = only_export
    res = search(s, CHEF)
    assert res.total == LINES == len(res.rows)  # one row per (pupil, guardian) line of the file
    assert {(r["eleve"], r["responsable"]) for r in res.rows} == {
        (line.split(";")[0], line.split(";")[3]) for line in GUIDE_ROWS
    }
    assert search(s, CHEF, q="rehain").total == 2
    assert search(s, CHEF, q="latchoumy").total == 2
    assert search(s, CHEF, etats=["ACTIVE"]).total == 2
    assert search(s, CHEF, origines=["NON_RENSEIGNE"]).total == 4
    assert search(s, CHEF, classes=["5EME A"]).total == 3
    assert [r["identifiant"] for r in search(s, CHEF, email=True).rows] == ["s.abbeym12"]  # Messagerie ✔
    assert search(s, CHEF, mobile=True).total == 0  # the export has no mobile: never claimed
    assert console.classes(s, CHEF) == ["3EME J", "4EME A", "5EME A", "6EME D"]
    by_resp = [r["responsable"] for r in search(s, CHEF, sort=[{"colId": "responsable", "sort": "asc"}]).rows]
    assert by_resp == sorted(by_resp, key=console.fold)
    row = next(r for r in res.rows if r["identifiant"] == "m.abbeym")
    assert (row["etat"], row["origine"], row["date_notification"], row["date_derniere_connexion"]) == (
        "Activé",
        "Établissement",
        "26/06/2020",
        "06/07/2020",
    )
    exported = console.export_rows(s, CHEF, Filters.build())
    assert len(exported) == LINES
    from dashboard.exports_console import list_csv

    assert len(list_csv(exported).decode("utf-8-sig").strip().splitlines()) == LINES + 1
    assert search(s, OTHER_CHEF).total == 0  # another establishment's head sees none of it


def test_support_finds_it_in_the_academie(mini_and_export) -> None:
    s = mini_and_export
    assert search(s, SUPPORT, uai=UAI).total == LINES
    assert UAI in dict(console.establishments(s, SUPPORT))
    assert search(s, CHEF).total == LINES
    assert search(s, OTHER_CHEF).total == 5  # the mini collège: full rows, none of the export's
    # the académie's département was given to the establishment from its UAI (974…), so support's scope holds it
    assert wh_rows(s, "SELECT departement_code, academie_code FROM etab_h WHERE cov = ?", [f"uai:{UAI}"]) == [
        ("974", "28")
    ]


def test_newer_full_snapshot_takes_precedence(settings, tmp_path) -> None:
    """An export of 9740501B dated before the mini full snapshots (which name 9740501B): once they are
    ingested, the console's rows of 9740501B are the full snapshot's, not the export's."""
    run_export(settings, tmp_path, uai="9740501B", d=date(2026, 8, 20))
    init_db(settings)
    chef = Principal(1, "chef", Role.CHEF, Scope.parse("etablissement:9740501B"))
    before = search(settings, chef).rows
    assert len(before) == LINES and all(len(r["rid"]) == 16 for r in before)
    assert wh_rows(settings, "SELECT count(*) FROM console_xrow") == [(LINES,)]
    assert ingest(settings, [MINI], out=io.StringIO(), err=io.StringIO())[-1].error is None
    after = search(settings, chef)
    assert after.total == 5  # the mini collège's rows at 2026-09-15 (tests/fixtures/mini/README.md)
    assert wh_rows(settings, "SELECT count(*) FROM console_xrow") == [(0,)]
    assert wh_rows(settings, "SELECT DISTINCT cov FROM console_all WHERE uai = '9740501B'") == [("full",)]
    assert not {r["rid"] for r in before} & {r["rid"] for r in after.rows}
    assert warehouse.coverage(settings).exports == ()
    assert warehouse.coverage(settings).label().startswith("Données du 15/09/2026")


# --------------------------------------------------------------------------------------- refused, with reasons
REASON = "Indisponible : cet établissement n'est connu que par l'export de la console du 15/09/2026, qui ne contient pas "


def test_actions_needing_what_the_export_lacks_are_refused(only_export) -> None:
    s = only_export
    d = console.account_detail(s, CHEF, "m.abbeym")
    assert d.indisponible.startswith(REASON) and "fiches des bases de scolarité" in d.indisponible
    assert d.sources == [] and d.compte["courriel"] == "" and d.nom == "ABBEYEM Marie Sandrine"
    assert [e["nom"] for e in d.eleves_ici] == ["ABBEYEM", "ABBEYEM"]
    with pytest.raises(console.Unavailable, match="^" + REASON + "les fiches ONDE ou SIECLE"):
        console.diagnostic(s, CHEF, "m.abbeym")
    with pytest.raises(actions.ActionRefused, match="^" + REASON + ".*notifiez depuis la console EduConnect"):
        actions.prepare(s, CHEF, "notify", ["m.abbeym"], "courrier", True)
    with pytest.raises(actions.ActionRefused, match="^" + REASON + ".*réinitialisez le mot de passe"):
        actions.prepare(s, CHEF, "reset", ["m.abbeym"])
    with pytest.raises(actions.ActionRefused, match="^" + REASON):
        actions.prepare(
            s,
            CHEF,
            "notify",
            console.accounts_of_filter(s, CHEF, Filters.build()),
            "courriel",
            False,
            group=True,
        )
    with pytest.raises(actions.ActionRefused, match="^" + REASON):  # the direct calls refuse too
        actions.notify(s, CHEF, ["s.abbeym12"], "courriel", False)
    with pytest.raises(actions.ActionRefused, match="^" + REASON):
        actions.reset_password(s, CHEF, "m.abbeym")
    with pytest.raises(actions.ActionRefused, match="^" + REASON + "les coordonnées des responsables"):
        actions.correct_account(s, CHEF, "m.abbeym", "marie@example.org", None)
    # nothing was done: no live overlay, no pending correction
    assert console.account_detail(s, CHEF, "m.abbeym").compte["etat"] == "ACTIVE"


# ------------------------------------------------------------------------------------------ header and healthz
def test_header_and_healthz_state_the_coverage(only_export, fast_argon2) -> None:  # noqa: F811
    s = only_export
    assert warehouse.coverage(s).label() == "Données du 15/09/2026 — 1 établissement (export console)"
    app = make_app(s)
    r = app.server.test_client().get("/healthz")
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "ok" and body["data_date"] == "2026-09-15"
    assert body["couverture"] == {
        "complete": None,
        "exports_console": {"etablissements": 1, "dates": ["2026-09-15"]},
    }
    assert UAI not in r.get_data(as_text=True)  # public route: counts, never an establishment
    add_user(s, "chef.x", "chef", f"etablissement:{UAI}")  # the scope exists: the export names it
    c = logged_client(app, "chef.x")
    page = json.dumps(
        c.post("/_dash-update-component", json=router_body("/responsables")).get_json(), ensure_ascii=False
    )
    assert "Données du 15/09/2026 — 1 établissement (export console)" in page
    assert "aucune donnée" not in page.lower()


def test_header_beside_full_snapshots(mini_and_export) -> None:
    label = warehouse.coverage(mini_and_export).label()
    assert label.startswith("Données du 15/09/2026") and label.endswith(
        " — plus 1 établissement (export console)"
    )


# ------------------------------------------------------------------------------------------------- withdrawal
def test_withdrawing_the_export_date_removes_the_coverage(mini_and_export, capsys) -> None:
    s = mini_and_export
    assert search(s, SUPPORT, uai=UAI).total == LINES
    env = {"METEOCOMPTES_DATA_DIR": str(s.data_dir), "METEOCOMPTES_WAREHOUSE": str(s.warehouse_dir)}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        assert cli_main(["snapshots", "withdraw", D.isoformat(), "--cov", f"uai:{UAI}", "--yes"]) == 0
    assert "Retrait des données du 15/09/2026" in capsys.readouterr().out
    assert search(s, SUPPORT, uai=UAI).total == 0
    assert search(s, CHEF).total == 0
    assert warehouse.coverage(s).exports == ()
    assert not warehouse.coverage(s).label().endswith("(export console)")
    assert wh_rows(s, "SELECT count(*) FROM console_exports") == [(0,)]


def test_withdrawing_the_only_export_empties_the_warehouse_again(only_export) -> None:
    from queries.warehouse import snapshots

    snapshots.withdraw(only_export, f"uai:{UAI}", D)
    with pytest.raises(warehouse.WarehouseUnavailable, match="aucune donnée"):
        search(only_export, CHEF)
    assert warehouse.coverage(only_export).exports == ()
