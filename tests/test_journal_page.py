"""The Journal page: repeated searches folded in SQL (SQLite and PostgreSQL), filters in SQL, French sentences with
names, the same rows in the CSV — through the Flask test client, per role."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from auth_kit import add_user, logged_client, make_app
from console_data import COLLEGE, LYCEE, build_warehouse
from journal_kit import get_rows, journal, show

from queries import store
from queries.core.clock import utcnow
from queries.core.scope import Principal, Role, Scope
from queries.core.settings import Settings
from queries.store import audit

DATABASE_URL_TEST = os.environ.get("DATABASE_URL_TEST", "postgresql://postgres@127.0.0.1:5432/test")
T0 = datetime(
    2026, 6, 10, 8, 0
)  # naive UTC, the store's convention; a 10-minute slice of the clock starts here


def _chef(uai: str = COLLEGE, login: str = "chef.college", uid: int = 1) -> Principal:
    return Principal(uid, login, Role.CHEF, Scope.parse(f"etablissement:{uai}"))


SUPPORT = Principal(3, "support.aca", Role.SUPPORT, Scope.parse("academie:28"))


# ------------------------------------------------------------------ grouping, in SQL, on both stores


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path) -> Settings:  # noqa: ANN001
    if request.param == "sqlite":
        s = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path)})
        store.init_db(s)
        yield s
        return
    try:
        admin = sa.create_engine(store._normalise(DATABASE_URL_TEST), isolation_level="AUTOCOMMIT")
        with admin.connect() as con:
            con.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"PostgreSQL injoignable à {DATABASE_URL_TEST} (DATABASE_URL_TEST) : {exc}")
    name = f"mc_journal_{uuid.uuid4().hex[:12]}"
    with admin.connect() as con:
        con.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = urlunsplit(urlsplit(DATABASE_URL_TEST)._replace(path=f"/{name}"))
    s = Settings.from_env({"METEOCOMPTES_DATA_DIR": str(tmp_path)}, DATABASE_URL=url)
    store.init_db(s)
    try:
        yield s
    finally:
        for key in [k for k in store._engines if k[1] == store._normalise(url)]:
            store._engines.pop(key).dispose()
        with admin.connect() as con:
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_identical_searches_in_a_short_window_are_one_entry(any_store):
    s = any_store
    chef, other = _chef(), _chef(LYCEE, "chef.lycee", 2)
    same = {"etat": ["ACTIVE"], "recherche_longueur": 6, "resultats": 12}
    for minute in (2, 4, 6, 9):
        audit.record(s, chef, "search", detail=same, at=T0 + timedelta(minutes=minute))
    audit.record(
        s, chef, "search", detail={**same, "etat": ["DESACTIVE"]}, at=T0 + timedelta(minutes=5)
    )  # other filter
    audit.record(
        s, chef, "view", targets=["h.dupont"], at=T0 + timedelta(minutes=7)
    )  # in between: its own entry
    audit.record(
        s, chef, "view", targets=["h.dupont"], at=T0 + timedelta(minutes=8)
    )  # views are never folded
    audit.record(s, other, "search", detail=same, at=T0 + timedelta(minutes=3))  # someone else
    audit.record(s, chef, "search", detail=same, at=T0 + timedelta(minutes=31))  # later: a new entry
    audit.record(
        s, chef, "search", detail=same, outcome="denied", at=T0 + timedelta(minutes=8)
    )  # refused: apart

    got = audit.grouped(s, SUPPORT, audit.Filter())
    assert audit.count_grouped(s, SUPPORT, audit.Filter()) == len(got) == 7
    folded = [e for e in got if e.count > 1]
    assert len(folded) == 1
    e = folded[0]
    assert (e.count, e.first_at, e.at, e.login, e.outcome) == (
        4,
        T0 + timedelta(minutes=2),
        T0 + timedelta(minutes=9),
        "chef.college",
        "ok",
    )
    assert [x.at for x in got] == sorted(
        (x.at for x in got), reverse=True
    )  # newest first, groups by their latest
    # Paging walks the groups, not the raw rows.
    assert [x.id for x in audit.grouped(s, SUPPORT, audit.Filter(), offset=2, limit=3)] == [
        x.id for x in got[2:5]
    ]
    # Filters and visibility apply before folding: the lycée's head reads only their own search.
    assert [x.count for x in audit.grouped(s, other, audit.Filter())] == [1]
    assert audit.count_grouped(s, chef, audit.Filter(action="view")) == 2
    assert audit.count_grouped(s, chef, audit.Filter(target="h.dupont")) == 2
    assert (
        audit.count_grouped(s, chef, audit.Filter(target="h.dupon")) == 0
    )  # one whole id, not a part of one
    assert audit.count_grouped(s, chef, audit.Filter(since=T0 + timedelta(minutes=10))) == 1


# ------------------------------------------------------------------ the page, per role


@pytest.fixture
def env(settings):
    build_warehouse(settings)
    app = make_app(settings)
    people = {}
    for login, role, scope in (
        ("chef.college", Role.CHEF, f"etablissement:{COLLEGE}"),
        ("chef.lycee", Role.CHEF, f"etablissement:{LYCEE}"),
        ("support.aca", Role.SUPPORT, "academie:28"),
        ("admin.j", Role.ADMIN, None),
        ("pilote.aca", Role.PILOTE, "academie:28"),
    ):
        u = add_user(settings, login, role.value, scope)
        people[login] = Principal(u.id, login, role, Scope.parse(scope) if scope else None)
    college, lycee = people["chef.college"], people["chef.lycee"]
    now = utcnow()
    minute = now.replace(second=0, microsecond=0) - timedelta(minutes=2)  # a whole minute, whatever the clock
    for k in range(3):  # the same search three times within that minute
        audit.record(
            settings,
            college,
            "search",
            detail={"recherche_longueur": 6, "resultats": 2},
            at=minute + timedelta(seconds=10 + 20 * k),
        )
    audit.record(settings, college, "view", targets=["m.abbeym"])
    audit.record(settings, college, "view", targets=["g.hoarau13"], outcome="denied")  # refused: the lycée's
    audit.record(settings, lycee, "view", targets=["g.hoarau13"])
    audit.record(settings, lycee, "export", targets=["g.hoarau13"], detail={"format": "csv", "lignes": 1})
    audit.record(settings, college, "view", targets=["j.latchoumy1"], at=now - timedelta(days=10))  # older
    return settings, app


def test_the_head_reads_sentences_with_names_and_its_searches_folded(env):
    settings, app = env
    c = logged_client(app, "chef.college")
    shown, rows = journal(c, since=(utcnow() - timedelta(days=6)).date().isoformat())
    texts = [r["entree"] for r in rows]
    assert any(
        re.fullmatch(
            r"Chef\.College \(chef d'établissement, Collège Bois de Nèfles\) a recherché un nom de "
            r"6 caractères dans la console — 2 résultats \(×3 à \d\d:\d\d\)",
            t,
        )
        for t in texts
    ), texts
    assert any(t.endswith("a ouvert le compte m.abbeym") for t in texts)
    # Its own refused attempt on another establishment's guardian: said, without naming them.
    refused = next(t for t in texts if t.startswith("Tentative refusée"))
    assert "g.hoarau13" not in refused and "réservé" in refused
    blob = json.dumps(rows, ensure_ascii=False)
    assert "etablissement:" not in blob and "Lycée Jean Joly" not in blob and "chef.lycee" not in blob
    assert "j.latchoumy1" not in blob  # ten days ago: out of the default week
    assert shown["count"].startswith(f"{len(rows)} entrées depuis le ")
    assert set(shown["logins"]) == {"chef.college"}
    # A whole period brings it back; an id of another establishment matches nothing (no oracle on the masked one).
    assert "j.latchoumy1" in json.dumps(journal(c, since="")[1])
    assert journal(c, since="", target="g.hoarau13")[1] == []
    assert len(journal(c, since="", target="m.abbeym")[1]) == 1


def test_a_refused_perimeter_is_named_within_the_remit_and_never_shown_as_a_code(env):
    """A head asks for another establishment's statistics: the académie reads the refusal with the establishment's
    name, the head reads that an attempt was refused (no name of the other establishment), and nobody « etablissement:… »."""
    settings, app = env
    college = logged_client(app, "chef.college")
    assert college.get(f"/export/stats/synthese.csv?scope=etablissement:{LYCEE}").status_code == 403
    _, rows = journal(logged_client(app, "support.aca"), outcome="denied")
    refused = [r["entree"] for r in rows if r["action"] == "Accès refusé"]
    assert refused and any("Lycée Jean Joly" in t for t in refused), refused
    _, rows = journal(college, outcome="denied")
    blob = json.dumps(rows, ensure_ascii=False)
    assert rows and "Lycée Jean Joly" not in blob and LYCEE not in blob
    for reader in ("support.aca", "chef.college"):
        blob = json.dumps(journal(logged_client(app, reader), since="")[1], ensure_ascii=False)
        assert "etablissement:" not in blob and "academie:" not in blob, reader


def test_support_filters_in_sql(env):
    settings, app = env
    c = logged_client(app, "support.aca")
    _, rows = journal(c, action="view")
    assert {r["action"] for r in rows} == {"Consultation"} and len(rows) == 4
    _, rows = journal(c, login="chef.lycee")
    assert {r["login"] for r in rows} == {"chef.lycee"} and len(rows) == 2
    assert any("Lycée Jean Joly" in r["entree"] for r in rows)
    _, rows = journal(c, target="g.hoarau13")
    assert len(rows) == 3  # the lycée's view and export, the collège's refused view
    assert all(
        "g.hoarau13" in r["entree"] for r in rows if r["action"] == "Consultation"
    )  # the académie reads it
    _, rows = journal(c, outcome="denied")
    assert [r["resultat"] for r in rows] == ["Refusé"]
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert journal(c, since=tomorrow)[1] == []
    shown, rows = journal(c, since="2000-01-01", until=tomorrow)
    assert len(rows) == 7 and "chef.lycee" in shown["logins"]
    # Paging: the second block starts where the first stopped.
    r = get_rows(c, shown["grid"], 2, 4)
    assert [x["id"] for x in r.json_rows["rowData"]] == [x["id"] for x in rows[2:4]]
    assert r.json_rows["rowCount"] == 7


def test_forged_grid_requests_keep_each_role_to_its_part(env):
    settings, app = env
    admin = logged_client(app, "admin.j")
    shown = show(admin)
    # The admin's grid asked for data events gets none: visibility is in SQL, whatever the context says.
    r = get_rows(admin, shown["grid"], context={"action": "view", "since": ""})
    assert r.status_code == 200 and r.json_rows == {"rowData": [], "rowCount": 0}
    rows = get_rows(admin, shown["grid"], context={"since": ""}).json_rows["rowData"]
    assert rows and {x["action"] for x in rows} <= {audit.ACTION_LABELS[a] for a in audit.ACCOUNT_ACTIONS}
    # The lycée's head cannot widen theirs with a context naming the collège's guardian.
    lycee = logged_client(app, "chef.lycee")
    r = get_rows(lycee, show(lycee)["grid"], context={"target": "m.abbeym", "since": ""})
    assert r.json_rows["rowData"] == []
    # A role without the Journal: refused (and journaled by the central handler).
    pilote = logged_client(app, "pilote.aca")
    assert get_rows(pilote, shown["grid"]).status_code == 403


def test_csv_is_the_page_with_raw_columns_neutralised_and_capped(env, make_settings):
    settings, app = env
    c = logged_client(app, "support.aca")
    audit.record(settings, '=HYPERLINK("x")', "login_failed", outcome="failed", detail={"raison": "r"})
    shown, rows = journal(c, since="")
    r = c.get(shown["href"])
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    header, body = table[0], table[1:]
    assert header[:5] == ["Date", "Utilisateur", "Rôle", "Action", "Entrée"] and "Occurrences" in header
    assert [x[header.index("Entrée")] for x in body] == [x["entree"] for x in rows]
    folded = next(x for x in body if x[header.index("Occurrences")] == "3")
    assert (
        folded[header.index("Première occurrence")]
        and folded[header.index("Périmètre")] == f"etablissement:{COLLEGE}"
        and folded[header.index("Rôle")] == "chef d'établissement"
    )
    # The support's export names the admin's part? No: the failed sign-in is account management, not theirs.
    assert not any("HYPERLINK" in ";".join(x) for x in body)
    admin = logged_client(app, "admin.j")
    shown = show(admin, since="")
    table = list(csv.reader(io.StringIO(admin.get(shown["href"]).data.decode("utf-8-sig")), delimiter=";"))
    cells = [x for row in table for x in row]
    assert '\'=HYPERLINK("x")' in cells and '=HYPERLINK("x")' not in cells  # formula neutralised

    capped = Settings({**settings.values, "EXPORT_MAX_ROWS": 2})
    capp = make_app(capped)
    c2 = logged_client(capp, "support.aca")
    table = list(
        csv.reader(io.StringIO(c2.get(show(c2, since="")["href"]).data.decode("utf-8-sig")), delimiter=";")
    )
    assert len(table) == 1 + 2
    last = audit.query(settings, SUPPORT, action="export")[0]
    assert json.loads(last.detail) == {"page": "journal", "format": "csv", "lignes": 2, "tronque": True}
