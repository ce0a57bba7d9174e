"""« Qualité des données »: the quarantine of the last ingestion, per role, as the browser receives the page.

Canary data: quarantined lines of the collège (the chef's), of the lycée (another establishment: an invalid date
of birth, a link to an unknown INE, a duplicated account), of the école (the IEN's circonscription), and an
account linked to nobody (no establishment). Pilote and IEN get categories and counts and never a value; a chef
gets the lines of their establishment only; support gets every line; nobody gets a server path.
"""

from __future__ import annotations

import io

import pytest
from auth_kit import add_user, logged_client, make_app, router_body, text
from console_data import COLLEGE, ECOLE, LYCEE, write_snapshots

from data.ingest import ingest
from queries.core.vocab import QUARANTINE_REASONS
from queries.store import audit

OWN = "2013-13-45"  # the collège's pupil (already in the console data)
CANARIES = {  # values of lines the collège's head must not see
    "2012-02-31": "lycée: date of birth of another establishment's pupil",
    "000000077ZZ": "lycée: INE in a link of another establishment's guardian",
    "g.hoarau13": "lycée: duplicated account of another establishment's guardian",
    "PERDU-CANARI": "an account linked to nobody: the académie's",
    "2019-02-30": "école: a pupil of the IEN's circonscription",
}


@pytest.fixture
def env(settings):
    root = write_snapshots(settings.data_dir / "q-snapshots")
    last = sorted(root.iterdir())[-1]

    def append(table: str, *rows: str) -> None:
        with open(last / f"{table}.csv", "a", encoding="utf-8") as f:
            f.writelines(r + "\n" for r in rows)

    append("eleves", f"000000098AA;CANARI;Lycee;2012-02-31;{LYCEE};2NDE 1;2NDE;2NDE GENERALE",
           f"000000097AA;CANARI;Ecole;2019-02-30;{ECOLE};CP A;CP;CP")
    append("liens", "S-C-2;000000077ZZ;MERE")
    append("comptes", "g.hoarau13;RESPONSABLE;ACTIVE;;;;;;", "x.orphelin;ENT;PERDU-CANARI;;;;;;")
    out = io.StringIO()
    assert all(o.error is None for o in ingest(settings, [root], out=out, err=out)), out.getvalue()
    app = make_app(settings)
    add_user(settings, "q.pilote", "pilote", "academie:28")
    add_user(settings, "q.ien", "ien", "circonscription:9741")
    add_user(settings, "q.chef", "chef", f"etablissement:{COLLEGE}")
    add_user(settings, "q.support", "support", "academie:28")
    return settings, app, root


def page(app, login: str) -> str:  # noqa: ANN001
    c = logged_client(app, login)
    r = c.post("/_dash-update-component", json=router_body("/qualite"))
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    body = text(r)
    assert "Lignes écartées par la dernière ingestion" in body
    return body


def test_pilote_and_ien_get_counts_and_no_value(env):
    settings, app, root = env
    body = page(app, "q.pilote")
    for value in [OWN, *CANARIES]:
        assert value not in body, value
    assert "6 ligne(s) de votre périmètre" in body  # every line of the académie, counted
    assert QUARANTINE_REASONS["date_invalide"] in body and QUARANTINE_REASONS["eleve_inconnu"] in body
    assert "Détail des lignes en quarantaine" not in body
    body = page(app, "q.ien")
    for value in [OWN, *CANARIES]:
        assert value not in body, value
    assert "1 ligne(s) de votre périmètre" in body  # the école's pupil only
    assert QUARANTINE_REASONS["doublon"] not in body  # the lycée's duplicate is not in the circonscription


def test_chef_reads_the_lines_of_their_establishment_only(env):
    settings, app, root = env
    body = page(app, "q.chef")
    assert OWN in body and "Détail des lignes en quarantaine" in body
    for value, why in CANARIES.items():
        assert value not in body, why
    assert "1 ligne(s) de votre périmètre" in body


def test_support_reads_every_line_without_server_paths(env):
    settings, app, root = env
    body = page(app, "q.support")
    for value in [OWN, *CANARIES]:
        assert value in body, value
    assert "6 ligne(s) de votre périmètre" in body
    assert "eleves.csv" in body
    for b in (page(app, "q.pilote"), page(app, "q.chef"), body):
        assert str(root) not in b and str(settings.data_dir) not in b
    shown = [e for e in audit.query(settings, _support(settings), action="view") if e.login == "q.support"]
    assert shown and '"lignes_en_quarantaine_montrees": 6' in shown[0].detail


def _support(settings):  # noqa: ANN001, ANN202
    from queries.core.scope import Principal, Role, Scope

    return Principal(0, "s", Role.SUPPORT, Scope.parse("academie:28"))


def test_quarantine_of_an_earlier_version_is_migrated(tmp_path):
    """A warehouse written before reason codes: reasons that embed values become codes and labels, file paths
    become file names, and the lines (establishment unknown) are left to the académie level."""
    import duckdb

    from queries.warehouse import ingest as q

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("CREATE TABLE quarantine (cov VARCHAR NOT NULL, date DATE NOT NULL, table_name VARCHAR NOT NULL, "
                "file VARCHAR, line BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR NOT NULL, "
                "ingested_at TIMESTAMP NOT NULL)")
    old = [
        ("eleves", "/srv/donnees/2026-09-01/eleves.csv", "2019-02-30", "Date « 2019-02-30 » invalide (attendu : AAAA-MM-JJ)"),
        ("liens", "/srv/donnees/2026-09-01/liens.csv", "0000000077A", "Élève 0000000077A inconnu"),
        ("comptes", "/srv/donnees/2026-09-01/comptes.csv", "a.dupont", "Doublon de la clé a.dupont (déjà ligne 2)"),
        ("responsables", "C:\\donnees\\responsables.csv", "nobody", "Compte nobody absent de la table comptes"),
        ("comptes", "comptes.csv", "MINITEL", "Origine « MINITEL » inconnu (attendu : ATEN, ENT)"),
        ("export", "/tmp/export.csv", "x", "Un motif d'une autre époque x"),
    ]
    for i, (table, file, value, reason) in enumerate(old):
        con.execute("INSERT INTO quarantine VALUES ('full', DATE '2026-09-01', ?, ?, ?, 'c', ?, ?, now())",
                    [table, file, i, value, reason])
    q.init_schema(con)
    got = con.execute("SELECT reason_code, reason, file, value, uais FROM quarantine ORDER BY line").fetchall()
    assert [r[0] for r in got] == ["date_invalide", "eleve_inconnu", "doublon", "compte_inconnu", "inconnu", "autre"]
    assert [r[2] for r in got] == ["eleves.csv", "liens.csv", "comptes.csv", "responsables.csv", "comptes.csv",
                                   "export.csv"]
    for code, reason, _file, value, uais in got:
        assert reason == QUARANTINE_REASONS[code] and value not in reason and uais is None
    q.init_schema(con)  # idempotent
    assert con.execute("SELECT count(*) FROM quarantine WHERE reason_code IS NULL").fetchone() == (0,)


def test_a_warehouse_published_before_reason_codes_is_read_safely(mini_warehouse):
    """Until its next ingestion migrates it, an older published warehouse is read with no reason text (it embeds
    values) and with its lines left to the académie level."""
    import duckdb

    from queries.core.scope import Principal, Role, Scope
    from queries.services import console

    path = mini_warehouse.warehouse_dir / "current.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE quarantine DROP COLUMN uais")
        con.execute("ALTER TABLE quarantine DROP COLUMN reason_code")
        con.execute("INSERT INTO quarantine VALUES ('full', DATE '2026-09-15', 'eleves', '/srv/x/eleves.csv', 3, "
                    "'date_naissance', '2019-02-30', 'Date « 2019-02-30 » invalide', now())")
    pilote = Principal(1, "p", Role.PILOTE, Scope.parse("academie:28"))
    support = Principal(2, "s", Role.SUPPORT, Scope.parse("academie:28"))
    chef = Principal(3, "c", Role.CHEF, Scope.parse("etablissement:9740501B"))
    q = console.quarantine_of_last_ingestion(mini_warehouse, pilote)
    assert [(r["reason_code"], r["n"]) for r in q["resume"]] == [("autre", 1)] and q["lignes"] == []
    q = console.quarantine_of_last_ingestion(mini_warehouse, support)
    assert [(r["value"], r["file"], r["reason"]) for r in q["lignes"]] == [
        ("2019-02-30", None, QUARANTINE_REASONS["autre"])]
    assert console.quarantine_of_last_ingestion(mini_warehouse, chef)["total"] == 0
