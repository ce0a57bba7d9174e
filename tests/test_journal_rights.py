"""The Journal: one rule per role for the page and its CSV export (queries.store.audit.visibility, in SQL).

The admin (« gestion des comptes uniquement ») reads account-management events only — never a data event nor a
guardian's account identifier — on the page and in the CSV alike. A head never reads another establishment's
entries, on either.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from auth_kit import add_user, logged_client, make_app
from console_data import COLLEGE, LYCEE, build_warehouse
from journal_kit import journal

from queries.core.scope import Principal, Role, Scope
from queries.store import audit

GUARDIANS = ("m.abbeym", "g.hoarau13", "j.latchoumy1")  # guardians' account identifiers (data events' targets)


@pytest.fixture
def env(settings):
    build_warehouse(settings)
    app = make_app(settings)
    people = {}
    for login, role, scope in (("chef.college", Role.CHEF, f"etablissement:{COLLEGE}"),
                               ("chef.lycee", Role.CHEF, f"etablissement:{LYCEE}"),
                               ("support.aca", Role.SUPPORT, "academie:28"), ("admin.j", Role.ADMIN, None)):
        u = add_user(settings, login, role.value, scope)
        people[login] = Principal(u.id, login, role, Scope.parse(scope) if scope else None)
    college, lycee, support, admin = people.values()
    # Data events, of both establishments and of the académie.
    audit.record(settings, college, "view", targets=["m.abbeym"])
    audit.record(settings, college, "reset", targets=["j.latchoumy1"], detail={"lettre": True})
    audit.record(settings, lycee, "view", targets=["g.hoarau13"])
    audit.record(settings, lycee, "export", targets=["g.hoarau13"], detail={"lignes": 1})
    audit.record(settings, support, "view", targets=["m.abbeym"])
    audit.record(settings, lycee, "forbidden", detail={"raison": "compte g.hoarau13"}, outcome="denied")
    # Account management.
    audit.record(settings, admin, "user_created", targets=["nouveau.chef"], detail={"role": "chef"})
    audit.record(settings, lycee, "delegation_granted", targets=["secretaire.lycee"])
    return settings, app


def _journal(client) -> tuple[str, str]:  # noqa: ANN001
    """(the count and every row of the page's grid as the browser receives them, the CSV export link it offers)."""
    shown, rows = journal(client)
    return shown["count"] + "\n" + json.dumps(rows, ensure_ascii=False), shown["href"]


def _csv(client, href: str) -> list[list[str]]:  # noqa: ANN001
    r = client.get(href)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return list(csv.reader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))


def _count(page: str) -> int:
    m = re.search(r"(\d+) entrées?", page)
    assert m, page[:300]
    return int(m.group(1))


def test_admin_reads_account_management_only_on_the_page_and_in_the_csv(env):
    settings, app = env
    c = logged_client(app, "admin.j")
    page, href = _journal(c)
    rows = _csv(c, href)
    assert _count(page) == len(rows) - 1 > 0  # the export is the page
    actions = {r[3] for r in rows[1:]}
    assert {"Création de compte", "Délégation accordée", "Connexion"} <= actions
    assert not actions & {"Consultation", "Export", "Accès refusé", "Réinitialisation du mot de passe d'un responsable"}
    for shown in (page, "\n".join(";".join(r) for r in rows)):
        for ident in GUARDIANS:
            assert ident not in shown, ident
        assert "Consultation" not in shown and "Accès refusé" not in shown


def test_a_head_never_reads_another_establishment_s_entries(env):
    settings, app = env
    c = logged_client(app, "chef.college")
    page, href = _journal(c)
    rows = _csv(c, href)
    assert _count(page) == len(rows) - 1
    assert "m.abbeym" in page and "j.latchoumy1" in page  # their own guardians, in their own entries
    for shown in (page, "\n".join(";".join(r) for r in rows)):
        assert "chef.lycee" not in shown and "g.hoarau13" not in shown and "secretaire.lycee" not in shown
        assert "support.aca" not in shown  # the académie's own views are filed under no establishment
    assert {r[1] for r in rows[1:]} == {"chef.college"}


def test_support_reads_data_events_not_account_management(env):
    settings, app = env
    c = logged_client(app, "support.aca")
    page, href = _journal(c)
    rows = _csv(c, href)
    actions = {r[3] for r in rows[1:]}
    assert {"Consultation", "Export"} <= actions and "Création de compte" not in actions
    assert _count(page) == len(rows) - 1
