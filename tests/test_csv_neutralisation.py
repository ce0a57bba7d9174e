"""Formula cells (CSV injection) are neutralised end to end, in every CSV route of the application.

A warehouse is built by the real ingestion from the mini snapshots whose latest day (2026-09-15) carries formulas
in values the exports show: establishment names, a class, a MEF label, a pupil's name, guardians' names, an
account identifier. The journal gets entries holding a tab and a carriage return first (the ingestion quarantines
control characters, the log does not). Each CSV is downloaded through its Flask route by an authorised user,
parsed back, and compared cell by cell with what it must hold: the value itself, with one leading `'` when a
spreadsheet would run it (queries/core/formats.py), nothing else changed. The routes are read from the url_map: a
new CSV route (or any new /export or /api route) fails here until it gets a case or is declared not CSV.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from auth_kit import add_user, logged_client, make_app
from dash import Dash
from flask.testing import FlaskClient
from mini_kit import MINI

from dashboard.exports_console import LIST_COLUMNS
from dashboard.pages.responsables.callbacks import export_token
from queries.core import formats
from queries.core.scope import Principal
from queries.core.settings import Settings
from queries.services import console, journal
from queries.services.console import Filters
from queries.store import audit, users

# The rule, stated again here rather than imported: a start removed from queries/core/formats.py must fail here.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(,\d+)?")
DATE = re.compile(r"\d\d/\d\d/\d{4}")
DAY = "2026-09-15"

HYPERLINK = '=HYPERLINK("http://x","y")'
# Old value → formula, for values the statistics exports show (whole cells).
RENAMED = {
    "École élémentaire Les Filaos": HYPERLINK,  # establishment 9740101S
    "École primaire Bois d'Olive": "+262 École primaire Bois d'Olive",  # establishment 9740102T
    "3EME B": "@SUM(1)",  # class of 9740501B
    "3EME PREPA-METIERS": "-1+2",  # MEF label of pupil 9
}


def shown(raw: str | int) -> str:
    """What the cell of a value must hold (numbers as they are)."""
    if not isinstance(raw, str):
        return str(raw)
    return "'" + raw if raw.startswith(FORMULA_START) else raw


def _edit(path: Path, change: Callable[[dict[str, str]], None]) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f, delimiter=";")
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        change(row)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fields, delimiter=";", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _inject(day: Path) -> None:
    def etab(r: dict[str, str]) -> None:
        r["nom"] = RENAMED.get(r["nom"], r["nom"])

    def eleve(r: dict[str, str]) -> None:
        r["classe"] = RENAMED.get(r["classe"], r["classe"])
        r["mef_libelle"] = RENAMED.get(r["mef_libelle"], r["mef_libelle"])
        if r["ine"] == "0000000007A":
            r["nom"] = "=1+1"

    def resp(r: dict[str, str]) -> None:
        r["nom_usage"] = {"R10": "-1+2", "R11": HYPERLINK, "R12": "@SUM(1)"}.get(
            r["responsable_id"], r["nom_usage"]
        )
        if r["identifiant"] == "k.fontaine":
            r["identifiant"] = "-k.fontaine"

    def compte(r: dict[str, str]) -> None:
        if r["identifiant"] == "k.fontaine":
            r["identifiant"] = "-k.fontaine"

    _edit(day / "etablissements.csv", etab)
    _edit(day / "eleves.csv", eleve)
    _edit(day / "responsables.csv", resp)
    _edit(day / "comptes.csv", compte)


def _settings(root: Path) -> Settings:
    return Settings.from_env(
        {
            "METEOCOMPTES_DATA_DIR": str(root / "var"),
            "METEOCOMPTES_WAREHOUSE": str(root / "warehouse"),
            "EXPORT_RATE_LIMIT": "1000",
        }
    )


def _app_with_users(s: Settings) -> Dash:
    app = make_app(s)
    add_user(s, "support.aca", "support", "academie:28")
    add_user(s, "pilote.aca", "pilote", "academie:28")
    return app


@dataclass
class Env:
    s: Settings  # the warehouse with formulas
    app: Dash
    control_s: Settings  # the untouched mini warehouse
    control_app: Dash

    def client(self, login: str, control: bool = False) -> FlaskClient:
        return logged_client(self.control_app if control else self.app, login)

    def principal(self, login: str) -> Principal:
        u = users.find_user(self.s, login)
        return Principal(u.id, u.login, u.role, u.scope)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, _mini_warehouse_built: Path) -> Env:
    from data.ingest import ingest

    root = tmp_path_factory.mktemp("csv_injection")
    shutil.copytree(MINI, root / "input")
    _inject(root / "input" / DAY)
    s = _settings(root)
    log = io.StringIO()
    outcomes = ingest(s, [root / "input"], out=log, err=log)
    assert all(o.error is None for o in outcomes), log.getvalue()
    app = _app_with_users(s)
    # Hostile entries as the command line writes them (login `cli:<OS user>`, a data action): the support reads them.
    audit.record(s, "\tcli:exploitant", "snapshot_withdrawn", detail="\r@SUM(1)", outcome="failed")
    audit.record(s, "cli:exploitant", "snapshot_withdrawn", targets=["=1+1", "a"], detail="-2+3")

    control_root = tmp_path_factory.mktemp("csv_control")
    shutil.copytree(_mini_warehouse_built, control_root / "warehouse", symlinks=True)
    control = _settings(control_root)
    return Env(s, app, control, _app_with_users(control))


def parse(r) -> list[list[str]]:  # noqa: ANN001 - a Flask test response
    assert r.status_code == 200, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    assert r.data.startswith(b"\xef\xbb\xbf")
    # newline="": a carriage return inside a quoted cell is part of the value, not a line end.
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert_no_live_formula(rows)
    return rows


def assert_no_live_formula(rows: list[list[str]]) -> None:
    """No cell a spreadsheet would run: every cell starting with a formula character is a plain number."""
    live = [c for row in rows for c in row if c.startswith(FORMULA_START) and not NUMBER.fullmatch(c)]
    assert live == [], live


def _stats(env: Env, what: str, params: dict[str, str], control_params: dict[str, str] | None = None):  # noqa: ANN202
    """The same statistics export from the warehouse with formulas and from the untouched one."""
    url = f"/export/stats/{what}?"
    edited = parse(env.client("pilote.aca").get(url + urlencode(params)))
    control = parse(env.client("pilote.aca", control=True).get(url + urlencode(control_params or params)))
    return edited, control


# ------------------------------------------------------------------------------------------- one check per route


def check_console_list(env: Env) -> None:
    """Console « Responsables » list: every guardian of the académie, as the support exports it."""
    c = env.client("support.aca")
    p = env.principal("support.aca")
    with env.app.server.test_request_context():
        token = export_token(p, Filters())
    rows = parse(c.get(f"/export/responsables.csv?t={token}"))
    assert rows[0] == [label for _, label in LIST_COLUMNS]
    raw = console.export_rows(env.s, p, Filters(), 10_000)
    assert rows[1:] == [
        [shown("" if r.get(k) is None else str(r.get(k))) for k, _ in LIST_COLUMNS] for r in raw
    ]
    cells = {(k, v) for row in rows[1:] for (k, _), v in zip(LIST_COLUMNS, row, strict=True)}
    for expected in [
        ("responsable", "'" + '=HYPERLINK("HTTP://X","Y") Jean Gaël'),  # upper-cased name, then neutralised
        ("responsable", "'-1+2 Isabelle"),
        ("responsable", "'@SUM(1) Karine"),
        ("identifiant", "'-k.fontaine"),
        ("eleve", "'=1+1 Chloé"),
        ("classe", "'@SUM(1)"),
        ("mef", "'-1+2"),
        ("responsable", "TECHER Jean Gaël"),  # the same account's other record, untouched
    ]:
        assert expected in cells, expected


def check_journal(env: Env) -> None:
    """Journal: the entries the support reads, among them the targets of a console export."""
    c = env.client("support.aca")
    p = env.principal("support.aca")
    with env.app.server.test_request_context():
        token = export_token(p, Filters(q="fontaine"))
    assert c.get(f"/export/responsables.csv?t={token}").status_code == 200  # targets ["-k.fontaine"]
    expected = journal.export_rows(env.s, p, journal.Filters.from_dict({}), int(env.s["EXPORT_MAX_ROWS"]))
    rows = parse(c.get("/export/journal.csv"))
    assert rows[0] == [label for _, label in journal.CSV_COLUMNS]
    assert rows[1:] == [[shown(r[k]) for k, _ in journal.CSV_COLUMNS] for r in expected]
    cells = {(k, v) for row in rows[1:] for (k, _), v in zip(journal.CSV_COLUMNS, row, strict=True)}
    for cell in [
        ("login", "'\tcli:exploitant"),
        ("detail", "'\r@SUM(1)"),
        ("cibles", "'=1+1, a"),
        ("detail", "'-2+3"),
        ("cibles", "'-k.fontaine"),
        ("login", "support.aca"),
    ]:
        assert cell in cells, cell


def check_stats_comparaison(env: Env) -> None:
    """Comparison of children: establishments of a circonscription, classes and MEFs of an establishment."""
    negative_numbers = 0
    for params in (
        {"scope": "circonscription:974-SUD"},
        {"scope": "etablissement:9740501B"},
        {"scope": "etablissement:9740501B", "par": "mef"},
        {"scope": "academie:28", "degre": "2D"},
    ):
        edited, control = _stats(env, "comparaison.csv", {**params, "date": DAY})
        assert edited[0] == control[0]
        expected = [[shown(RENAMED[c]) if c in RENAMED else c for c in row] for row in control[1:]]
        assert sorted(edited[1:]) == sorted(expected), params
        negative_numbers += sum(c.startswith("-") for row in edited[1:] for c in row)
    renamed = {shown(v) for v in RENAMED.values()}
    seen = {
        c
        for params in (
            {"scope": "circonscription:974-SUD"},
            {"scope": "etablissement:9740501B"},
            {"scope": "etablissement:9740501B", "par": "mef"},
        )
        for row in _stats(env, "comparaison.csv", {**params, "date": DAY})[0]
        for c in row
    }
    assert renamed <= seen, renamed - seen  # each formula reached this CSV
    assert negative_numbers > 0  # gaps below the median stay numbers, not quoted text


def _undated(rows: list[list[str]]) -> list[list[str]]:
    """Without the « Dernière mise à jour » line: its time of ingestion differs between the two warehouses."""
    kept = [
        r
        for r in rows
        if not (r and r[0].startswith("Dernière mise à jour le ") and f"{DAY[8:]}/{DAY[5:7]}/{DAY[:4]}" in r[0])
    ]
    assert len(kept) == len(rows) - 1, rows
    return kept


def check_stats_synthese(env: Env) -> None:
    """Synthesis: origins and counts are fixed labels and numbers; the scope line quotes the class mid-cell."""
    edited, control = _stats(
        env,
        "synthese.csv",
        {"scope": "classe:9740501B:@SUM(1)", "date": DAY},
        {"scope": "classe:9740501B:3EME B", "date": DAY},
    )
    edited, control = _undated(edited), _undated(control)
    scope = [i for i, row in enumerate(edited) if row and row[0].startswith("Périmètre")]
    assert (
        len(scope) == 1
        and edited[: scope[0]] + edited[scope[0] + 1 :] == control[: scope[0]] + control[scope[0] + 1 :]
    )
    assert edited[scope[0]] == [
        control[scope[0]][0].replace("3EME B", "@SUM(1)")
    ]  # inside a cell: left as it is
    for params in ({"scope": "academie:28", "degre": "1D"}, {"scope": "etablissement:9740102T"}):
        edited, control = _stats(env, "synthese.csv", {**params, "date": DAY})
        # The scope line names the establishment mid-cell (« Périmètre : +262 École … »): left as it is.
        renamed = [[_renamed_back(c) for c in row] for row in _undated(edited)]
        assert renamed == _undated(control)


def _renamed_back(cell: str) -> str:
    if not cell.startswith("Périmètre"):
        return cell
    for old, new in RENAMED.items():
        cell = cell.replace(new, old)
    return cell


def check_stats_series(env: Env) -> None:
    """Series: dates and numbers only (no value of the data is text here); a text column must get a case."""
    for params in (
        {"scope": "etablissement:9740102T"},
        {"scope": "academie:28", "degre": "2D"},
        {"scope": "classe:9740501B:6EME A"},
    ):
        edited, control = _stats(env, "series.csv", params)
        assert edited == control
        assert all(
            DATE.fullmatch(row[0]) and all(NUMBER.fullmatch(c) or c == "" for c in row[1:])
            for row in edited[1:]
        ), edited


CSV_ROUTES: dict[str, Callable[[Env], None]] = {
    "/export/responsables.<fmt>": check_console_list,  # .csv (the .pdf variant is not a spreadsheet)
    "/export/journal.csv": check_journal,
    "/export/stats/comparaison.csv": check_stats_comparaison,
    "/export/stats/synthese.csv": check_stats_synthese,
    "/export/stats/series.csv": check_stats_series,
}
# The checks whose CSV carries text from the data at the start of a cell: they must fail without the neutraliser.
CARRY_DATA_TEXT = ("/export/responsables.<fmt>", "/export/journal.csv", "/export/stats/comparaison.csv")
NOT_CSV = {
    "/export/stats/rapport.pdf": "PDF",
    "/api/v1/stats/synthese": "JSON",
    "/api/v1/stats/evolution": "JSON",
    "/api/v1/openapi.json": "JSON",
    "/api/v1/<path:rest>": "JSON (404, 405)",
}


def test_every_export_and_api_route_is_classified(env):
    rules = {r.rule for r in env.app.server.url_map.iter_rules() if r.rule.startswith(("/export", "/api"))}
    assert rules == set(CSV_ROUTES) | set(NOT_CSV), (
        "route d'export ou d'API nouvelle : ajoutez un cas à CSV_ROUTES (CSV) ou déclarez-la dans NOT_CSV",
        rules ^ (set(CSV_ROUTES) | set(NOT_CSV)),
    )


@pytest.mark.parametrize("rule", [r for r in NOT_CSV if "<" not in r])
def test_routes_declared_not_csv_answer_no_csv(env, rule):
    c = env.client("support.aca")
    r = c.get(rule + "?" + urlencode({"scope": "academie:28", "date": DAY, "format": "csv"}))
    assert (
        r.status_code < 500
        and r.mimetype != "text/csv"
        and r.mimetype in ("application/pdf", "application/json")
    ), (r.status_code, r.mimetype)


@pytest.mark.parametrize("rule", list(CSV_ROUTES))
def test_formulas_are_neutralised_and_nothing_else_changes(env, rule):
    CSV_ROUTES[rule](env)


@pytest.mark.parametrize("rule", CARRY_DATA_TEXT)
def test_the_checks_catch_a_disabled_neutraliser(env, rule, monkeypatch):
    """The same checks with queries/core/formats.py's rule switched off: each must fail."""
    monkeypatch.setattr(formats, "neutralise", lambda v: "" if v is None else str(v))
    with pytest.raises(AssertionError):
        CSV_ROUTES[rule](env)
