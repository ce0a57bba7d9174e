"""No existence oracle: an unknown scope and an existing one outside the caller's remit get the same answer —
same status, same body (but for the echoed scope), same audit — on the statistics page, its section callbacks,
the JSON API and the exports. The delegation form does not tell which logins are delegated elsewhere."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from auth_kit import add_user, logged_client, make_app, router_body, text

from dashboard.pages.statistiques.ids import LAZY, Ids
from queries.core.scope import Principal, Role, Scope
from queries.store import audit, users

CHEF_UAI = "9740501B"
# (user, an existing scope outside their remit, an unknown scope of the same shape)
PAIRS = [
    ("chef.o", "etablissement:9740601K", "etablissement:9749999Z"),
    ("chef.o", "classe:9740601K:2NDE 1", "classe:9749999Z:2NDE 1"),
    ("ien.o", f"etablissement:{CHEF_UAI}", "etablissement:9749999Z"),
    ("ien.o", f"mef:{CHEF_UAI}:10115001110", "mef:9749999Z:10115001110"),
]
ROUTES = [
    "/api/v1/stats/synthese?scope={s}",
    "/api/v1/stats/evolution?scope={s}",
    "/export/stats/synthese.csv?scope={s}",
    "/export/stats/series.csv?scope={s}",
    "/export/stats/rapport.pdf?scope={s}",
]


@pytest.fixture
def web(mini_warehouse):
    s = mini_warehouse
    app = make_app(s)
    add_user(s, "ien.o", "ien", "circonscription:974-SUD")
    add_user(s, "chef.o", "chef", f"etablissement:{CHEF_UAI}")
    return s, app


def _masked(text: str, scope: str) -> str:
    """The answer with the scope asked for blanked: as a code, and its parts as told in words
    (« établissement 9749999Z »)."""
    text = text.replace(scope, "<P>").replace(json.dumps(scope)[1:-1], "<P>")
    for part in scope.split(":")[1:]:
        text = text.replace(part, "<p>")
    return text


def _same(a: str, b: str, sa: str, sb: str) -> None:
    assert _masked(a, sa) == _masked(b, sb)


def _last_forbidden(settings, login: str) -> audit.Entry | None:  # noqa: ANN001
    reader = Principal(0, "s", Role.SUPPORT, Scope.parse("academie:28"))
    return next((e for e in audit.query(settings, reader, action="forbidden") if e.login == login), None)


@pytest.mark.parametrize(("user", "outside", "unknown"), PAIRS)
def test_api_and_exports_answer_alike(web, user, outside, unknown):
    settings, app = web
    c = logged_client(app, user)
    for route in ROUTES:
        before = _last_forbidden(settings, user)
        a = c.get(route.format(s=outside))
        fo = _last_forbidden(settings, user)
        b = c.get(route.format(s=unknown))
        fu = _last_forbidden(settings, user)
        assert a.status_code == b.status_code == 403, (route, a.status_code, b.status_code)
        assert a.get_data() == b.get_data(), route
        # Each refusal is audited, alike: same action, outcome and detail but for the scope it names.
        assert fo is not None and fu is not None and len({getattr(before, "id", None), fo.id, fu.id}) == 3, route
        assert (fo.outcome, fo.scope) == (fu.outcome, fu.scope) and fo.outcome == "denied"
        _same(fo.detail or "", fu.detail or "", outside, unknown)


@pytest.mark.parametrize(("user", "outside", "unknown"), PAIRS)
def test_statistics_page_and_sections_answer_alike(web, user, outside, unknown):
    settings, app = web
    c = logged_client(app, user)
    pa = c.post("/_dash-update-component", json=router_body("/statistiques", f"?scope={outside}"))
    pb = c.post("/_dash-update-component", json=router_body("/statistiques", f"?scope={unknown}"))
    assert pa.status_code == pb.status_code == 200
    assert "Accès refusé" in text(pa)
    _same(text(pa), text(pb), outside, unknown)
    for out_id in (Ids.EVOLUTION, Ids.CHILDREN, Ids.RELANCE):  # KPIs and synthesis: the page's (above)
        inputs = [{"id": str(Ids.VIEW), "property": "data", "value": {}}]
        if out_id in LAZY:  # a section below the synthesis, as seen (assets/stats-lazy.js sets its store)
            inputs.append({"id": str(LAZY[out_id]), "property": "data", "value": 1})
        body = {"output": f"{out_id}.children", "outputs": {"id": str(out_id), "property": "children"},
                "inputs": inputs, "changedPropIds": [f"{Ids.VIEW}.data"], "state": []}
        answers = []
        for scope in (outside, unknown):
            body["inputs"][0]["value"] = {"scope": scope}
            r = c.post("/_dash-update-component", json=body)
            answers.append((r.status_code, r.get_data()))
        assert answers[0] == answers[1] and answers[0][0] == 403, (out_id, answers)


def test_inside_the_remit_an_unknown_class_is_just_not_found(web):
    settings, app = web
    c = logged_client(app, "chef.o")
    r = c.get(f"/api/v1/stats/synthese?scope=classe:{CHEF_UAI}:9EME Z")
    assert r.status_code == 404 and r.is_json


def test_delegation_form_does_not_reveal_logins_of_other_establishments(web):
    settings, app = web
    today = date.today()
    add_user(settings, "deleg.ailleurs", "delegue")
    add_user(settings, "deleg.libre", "delegue")
    lycee = add_user(settings, "chef.lycee", "chef", "etablissement:9740601K")
    other = Principal(lycee.id, lycee.login, Role.CHEF, lycee.scope)
    me = users.find_user(settings, "chef.o")
    chef = Principal(me.id, me.login, Role.CHEF, me.scope)
    users.grant_delegation(settings, other, "deleg.ailleurs", today + timedelta(days=5), today)
    messages = {}
    for login in ("deleg.ailleurs", "personne.inconnue", "ien.o"):
        with pytest.raises(users.UserError) as exc:
            users.grant_delegation(settings, chef, login, today + timedelta(days=5), today)
        messages[login] = str(exc.value)
    assert len(set(messages.values())) == 1, messages  # delegated elsewhere, unknown, another role: one message
    assert users.grant_delegation(settings, chef, "deleg.libre", today + timedelta(days=5), today).uai == CHEF_UAI



def test_console_filters_answer_alike(web):
    """The console's establishment filter is ANDed with the remit in SQL: another establishment's UAI and an unknown
    one both select nothing, and name nothing."""
    from queries.services import console

    settings, app = web
    u = users.find_user(settings, "chef.o")
    chef = Principal(u.id, u.login, u.role, u.scope)
    assert console.count(settings, chef, console.Filters.build()) > 0
    answers = [(console.count(settings, chef, console.Filters.build(uai=uai)), console.classes(settings, chef, uai))
               for uai in ("9740601K", "9749999Z")]
    assert answers[0] == answers[1] == (0, [])
