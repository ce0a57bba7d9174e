"""Console queries: search filters, accent-insensitivity, bad input, scope, detail, diagnostic, actions, audit."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from console_data import AUTRE, COLLEGE, ECOLE, LYCEE, build_warehouse

from queries.core.scope import AccessDenied, Principal, Role, Scope
from queries.services import actions, console
from queries.services.console import Filters
from queries.store import console_state, engine, init_db

CHEF = Principal(1, "chef", Role.CHEF, Scope.parse(f"etablissement:{COLLEGE}"))
SUPPORT = Principal(2, "support", Role.SUPPORT, Scope.parse("academie:28"))
CHEF_LYCEE = Principal(3, "chef2", Role.CHEF, Scope.parse(f"etablissement:{LYCEE}"))
PILOTE = Principal(4, "pilote", Role.PILOTE, Scope.parse("academie:28"))


@pytest.fixture
def wh(settings):
    build_warehouse(settings)
    init_db(settings)
    return settings


def names(settings, principal, **kw):
    res = console.search(settings, principal, Filters.build(**kw), limit=500)
    return res


def test_search_accent_and_case_insensitive_prefix_and_infix(wh):
    for q, expected in (("rehain", "ABBEYEM Réhain"), ("RÉHAIN", "ABBEYEM Réhain"), ("abbey", "ABBEYEM Emma"),
                        ("ABBEY", "ABBEYEM Emma"), ("latch", "ABBEYEM Emma"), ("eyem", "ABBEYEM Emma"),
                        ("gaël", "ABBEYEM Emma"), ("gael latchoumy", "ABBEYEM Emma")):
        res = names(wh, CHEF, q=q)
        assert expected in {r["eleve"] for r in res.rows}, q
    res = names(wh, CHEF, q="latch")
    assert {r["responsable"] for r in res.rows} == {"LATCHOUMY Jean Gaël"}
    assert res.total == 2  # Emma and Réhain


def test_each_filter(wh):
    assert {r["classe"] for r in names(wh, CHEF, classes=["5EME A"]).rows} == {"5EME A"}
    assert names(wh, CHEF, classes=["5EME A", "3EME J"]).total == 6
    assert {r["etat_code"] for r in names(wh, CHEF, etats=["ACTIVE"]).rows} == {"ACTIVE"}
    assert {r["identifiant"] for r in names(wh, CHEF, etats=["EN_COURS_ACTIVATION", "DESACTIVE"]).rows} == {
        "r.christina", "s.ohara"}
    assert {r["identifiant"] for r in names(wh, CHEF, origines=["FRANCECONNECT"]).rows} == {"j.crahonn"}
    assert {r["origine"] for r in names(wh, CHEF, origines=["NON_RENSEIGNE"]).rows} == {"Non renseigné"}
    with_mail = {r["identifiant"] for r in names(wh, CHEF, email="oui").rows}
    without_mail = {r["identifiant"] for r in names(wh, CHEF, email="non").rows}
    assert "s.abbeym12" in with_mail and "m.abbeym" in without_mail and not with_mail & without_mail
    assert {r["messagerie"] for r in names(wh, CHEF, email="non").rows} == {"✘"}
    assert {r["identifiant"] for r in names(wh, CHEF, mobile="non").rows} == {"g.hoarau12"}
    assert "g.hoarau12" not in {r["identifiant"] for r in names(wh, CHEF, mobile="oui").rows}
    # unknown codes are dropped, not passed to SQL
    assert Filters.build(etats=["ACTIVE", "'; DROP TABLE x"], origines=["X"]).etats == ("ACTIVE",)


def test_scope_is_enforced_in_sql(wh):
    chef = {r["identifiant"] for r in names(wh, CHEF).rows}
    assert "j.payet3" not in chef and "g.hoarau13" not in chef  # lycée / other collège
    assert {r["identifiant"] for r in names(wh, CHEF_LYCEE).rows} == {"j.payet3", "g.hoarau13"}
    assert names(wh, SUPPORT).total == 14
    with pytest.raises(AccessDenied):
        console.search(wh, PILOTE, Filters())  # aggregates only
    with pytest.raises(AccessDenied):
        console.account_detail(wh, CHEF_LYCEE, "m.abbeym")
    assert console.accounts_in_scope(wh, CHEF_LYCEE, ["m.abbeym", "j.payet3"]) == ["j.payet3"]


def test_bad_input_is_literal_and_capped(wh):
    assert names(wh, CHEF, q="x" * 10_000).total == 0
    assert len("".join(console.search_terms("x" * 10_000))) == console.MAX_QUERY_CHARS
    for q in ("%", "_", "\"", "' OR 1=1 --", "\\", "abb%", "a_b", ";", "*", "%abbeyem%"):
        assert names(wh, CHEF, q=q).total == 0, q
    assert {r["eleve"] for r in names(wh, CHEF, q="o'hara").rows} == {"O'HARA Kévin"}
    assert {r["eleve"] for r in names(wh, CHEF, q="'").rows} == {"O'HARA Kévin"}  # a quote is a quote


def test_server_side_sort_and_pagination(wh):
    f = Filters()
    full = console.search(wh, CHEF, f, limit=500, sort_model=[{"colId": "responsable", "sort": "desc"}])
    assert [r["responsable"] for r in full.rows] == sorted([r["responsable"] for r in full.rows], key=console.fold,
                                                          reverse=True)
    p1 = console.search(wh, CHEF, f, start=0, limit=3, sort_model=[{"colId": "responsable", "sort": "desc"}])
    p2 = console.search(wh, CHEF, f, start=3, limit=3, sort_model=[{"colId": "responsable", "sort": "desc"}])
    assert [r["rid"] for r in p1.rows + p2.rows] == [r["rid"] for r in full.rows[:6]]
    assert p1.total == full.total == 9
    # an unknown / hostile sort column is ignored
    odd = console.search(wh, CHEF, f, limit=500, sort_model=[{"colId": "1; DROP TABLE console_row", "sort": "asc"}])
    assert odd.total == 9
    assert console.search(wh, CHEF, f, limit=10**9).total == 9  # page size capped, no error


def test_detail_two_lists_of_pupils_with_1d_sibling(wh):
    d = console.account_detail(wh, CHEF, "m.abbeym")
    assert {e["prenom"] for e in d.eleves_ici} == {"Emma", "Réhain"}
    assert [(e["prenom"], e["uai"], e["classe"]) for e in d.eleves_ailleurs] == [("Lucas", ECOLE, "CP A")]
    assert d.compte["etat"] == "ACTIVE" and d.compte["origine"] == "ETABLISSEMENT"
    assert {(s["source"], s["uai"]) for s in d.sources} == {("SIECLE", COLLEGE), ("ONDE", ECOLE)}
    assert all(e["ine"] and e["date_naissance"] for e in d.eleves_ici + d.eleves_ailleurs)
    # support: the whole académie is its scope, so both pupils are "in" it
    d2 = console.account_detail(wh, SUPPORT, "m.abbeym")
    assert len(d2.eleves_ici) == 3 and not d2.eleves_ailleurs


def test_diagnostic_je_ne_vois_pas_tous_mes_enfants(wh):
    # support (académie): every record is inside its remit, shown in full
    f = {x.identifiant: x for x in console.diagnostic(wh, SUPPORT, "j.latchoumy1").findings}
    assert f["j.payet3"].kind == "doublon" and "inversés" in f["j.payet3"].reason
    assert f["j.latchoumy2"].kind == "doublon" and f["j.latchoumy2"].champ == "Prénoms"
    assert f["j.latchoumi"].kind == "doublon" and "portable" in f["j.latchoumi"].reason
    assert f["j.payet3"].nom == "PAYET Jean Gaël" and f["j.payet3"].valeur_la_bas == "PAYET / LATCHOUMY"
    h = console.diagnostic(wh, SUPPORT, "g.hoarau12")
    assert [x.identifiant for x in h.homonymes] == ["g.hoarau13"] and h.homonymes_ailleurs == 0
    assert h.homonymes[0].valeur_la_bas == "•• •• •• •• 44 · gaby@example.fr"  # mobile: its last two digits
    # the collège's head: the same three records, by establishment and kind of difference only
    d = console.diagnostic(wh, CHEF, "j.latchoumy1")
    assert sorted((x.uai, x.difference) for x in d.findings) == [
        (LYCEE, "noms_inverses"), (AUTRE, "nom_prenoms_ecrits_autrement"), (AUTRE, "prenoms_supplementaires")]
    assert all(x.identifiant is None and x.nom is None and x.valeur_la_bas is None and not x.in_remit
               for x in d.findings)
    assert {x.etablissement for x in d.findings} == {"Lycée Jean Joly", "Collège Marcel Goulette"}
    assert all("secrétariat" in x.action and x.uai in x.action for x in d.findings)
    h2 = console.diagnostic(wh, CHEF, "g.hoarau12")
    assert h2.findings == [] and h2.homonymes_ailleurs == 1  # another person: a count, nothing else


def test_live_overlay_notify_shows_notified_today(wh):
    before = console.account_detail(wh, CHEF, "g.hoarau12").compte
    assert before["etat"] == "NON_NOTIFIE"
    res = actions.notify(wh, CHEF, ["g.hoarau12"], "courrier", True)
    assert len(res.letters) == 1 and res.letters[0].password
    after = console.account_detail(wh, CHEF, "g.hoarau12").compte
    assert after["etat"] == "NOTIFIE_NON_ACTIVE" and after["origine"] == "ETABLISSEMENT"
    assert after["date_notification"] == actions.utcnow().date()
    grid = names(wh, CHEF, etats=["NOTIFIE_NON_ACTIVE"])
    assert "g.hoarau12" in {r["identifiant"] for r in grid.rows}
    # only the hash is stored
    with engine(wh).connect() as con:
        stored = con.execute(sa.select(console_state.provisional_password.c.hash)).scalars().all()
    assert stored and all(h.startswith("$argon2") and res.letters[0].password not in h for h in stored)
    assert console_state.verify_provisional(wh, "g.hoarau12", res.letters[0].password)


def test_group_action_on_zero_accounts_is_refused(wh):
    with pytest.raises(actions.ActionRefused, match="Aucun compte"):
        actions.notify(wh, CHEF, [], "courrier", False, group=True)
    with pytest.raises(actions.ActionRefused, match="périmètre"):
        actions.notify(wh, CHEF, ["j.payet3"], "courrier", False)
    ids = console.accounts_of_filter(wh, CHEF, Filters.build(q="zzzz"))
    assert ids == []


def test_email_and_mobile_validation_in_french(wh):
    assert actions.normalise_mobile("0692 12 34 56") == "+262692123456"
    assert actions.normalise_mobile("06 12 34 56 78") == "+33612345678"
    assert actions.normalise_mobile("0639 01 23 45") == "+262639012345"
    assert actions.normalise_mobile("0690 12 34 56") == "+590690123456"
    with pytest.raises(actions.ActionRefused, match="fixe"):
        actions.normalise_mobile("0262 12 34 56")
    with pytest.raises(actions.ActionRefused, match="invalide"):
        actions.normalise_mobile("12")
    with pytest.raises(actions.ActionRefused, match="@"):
        actions.normalise_email("marie.example.fr")
    with pytest.raises(actions.ActionRefused, match="invalide"):
        actions.normalise_email("marie@exa mple")
    assert actions.normalise_email("Marie@Example.fr") == "Marie@example.fr"


def test_correction_pending_then_shown(wh):
    fields = actions.correct_account(wh, CHEF, "m.abbeym", "marie@example.fr", "0693 11 22 33")
    assert set(fields) == {"courriel", "telephone_portable"}
    d = console.account_detail(wh, CHEF, "m.abbeym")
    assert d.compte["courriel"] == "marie@example.fr" and d.compte["telephone_portable"] == "+262693112233"
    assert {c["statut"] for c in d.corrections} == {"en attente"}
    with pytest.raises(actions.ActionRefused):
        actions.correct_account(wh, CHEF, "m.abbeym", "pas-un-mail", None)


def test_audit_entries_for_actions(wh):
    from queries.store import audit

    actions.notify(wh, CHEF, ["g.hoarau12", "s.abbeym12"], "courrier", True, group=True)
    actions.reset_password(wh, CHEF, "m.abbeym", confirmed={"m.abbeym": "ACTIVE"})
    actions.correct_account(wh, CHEF, "m.abbeym", "m@example.fr", None)
    with pytest.raises(actions.ActionRefused):
        actions.notify(wh, CHEF, ["j.payet3"], "courrier", False)
    with engine(wh).connect() as con:
        rows = con.execute(sa.select(audit.audit_log).order_by(audit.audit_log.c.id)).all()
    acts = [(r.action, r.outcome) for r in rows]
    assert ("notify", "ok") in acts and ("reset", "ok") in acts and ("correct", "ok") in acts
    assert ("notify", "denied") in acts
    notify = next(r for r in rows if r.action == "notify" and r.outcome == "ok")
    assert set(json.loads(notify.targets)) == {"g.hoarau12", "s.abbeym12"}
    assert notify.login == "chef" and notify.uai == COLLEGE
    blob = " ".join(str(tuple(r)) for r in rows)
    assert "mot_de_passe\": \"" not in blob and "$argon2" not in blob


def test_console_tables_built_on_the_mini_fixture(mini_warehouse):
    """The real ingestion of the shared mini fixture builds the console tables too."""
    sup = Principal(9, "s", Role.SUPPORT, Scope.parse("academie:28"))
    init_db(mini_warehouse)
    res = console.search(mini_warehouse, sup, Filters.build(q="dupont"), limit=100)
    assert res.total >= 3
    d = console.account_detail(mini_warehouse, Principal(8, "c", Role.CHEF, Scope.parse("etablissement:9740501B")),
                               "a.dupont")
    assert d.eleves_ici and d.eleves_ailleurs  # collège pupil here, école pupil elsewhere


def test_group_notifications_are_rate_limited(make_settings):
    s = make_settings(NOTIFY_RATE_LIMIT=1)
    build_warehouse(s)
    init_db(s)
    actions.notify(s, CHEF, ["g.hoarau12", "s.abbeym12"], "courrier", False, group=True)
    with pytest.raises(actions.ActionRefused, match="Trop de notifications"):
        actions.notify(s, CHEF, ["g.hoarau12", "s.abbeym12"], "courrier", False, group=True)
    actions.notify(s, CHEF, ["g.hoarau12"], "courrier", False)  # one account from its detail: not a group action


def test_reset_password_gives_a_letter_and_overlays(wh):
    letter = actions.reset_password(wh, CHEF, "j.crahonn", confirmed={"j.crahonn": "ACTIVE"})
    assert letter.kind == "reinitialisation"
    assert letter.password and console_state.verify_provisional(wh, "j.crahonn", letter.password)
    c = console.account_detail(wh, CHEF, "j.crahonn").compte
    assert c["etat"] == "NOTIFIE_NON_ACTIVE" and c["date_demande_reinit_mdp"] == actions.utcnow().date()
    with pytest.raises(AccessDenied):
        actions.reset_password(wh, CHEF_LYCEE, "j.crahonn")


def test_next_snapshot_supersedes_the_live_state(wh):
    """Notified today: « Notifié et non activé » until a snapshot dated after the action is ingested."""
    import io
    from datetime import timedelta

    from console_data import write_snapshots

    from data.ingest import ingest

    actions.notify(wh, CHEF, ["g.hoarau12"], "courrier", True)
    assert console.account_detail(wh, CHEF, "g.hoarau12").compte["etat"] == "NOTIFIE_NON_ACTIVE"
    # the next extraction, dated after the action, is the directory's word again
    root = write_snapshots(wh.data_dir / "later")
    nxt = root / (actions.utcnow().date() + timedelta(days=1)).isoformat()
    (root / "2026-09-08").rename(nxt)
    out = io.StringIO()
    assert all(o.error is None for o in ingest(wh, [nxt], out=out, err=out)), out.getvalue()
    c = console.account_detail(wh, CHEF, "g.hoarau12").compte
    assert c["etat"] == "NON_NOTIFIE" and c["date_notification"] is None  # the directory's word now


def test_group_action_size_is_capped(wh):
    with pytest.raises(actions.ActionRefused, match="au plus"):
        actions.notify(wh, CHEF, [f"x{i}" for i in range(actions.MAX_GROUP + 1)], "courrier", False, group=True)


def test_search_by_account_identifier_exact_and_prefix(wh):
    # Helpdesk calls start with the EduConnect identifier: exact, prefix, any case; never outside the scope.
    for q in ("m.abbeym", "M.ABBEYM", "m.abb", " m.abbeym "):
        res = names(wh, CHEF, q=q)
        assert {r["identifiant"] for r in res.rows} == {"m.abbeym"}, q
        assert {r["eleve"] for r in res.rows} == {"ABBEYEM Emma", "ABBEYEM Réhain"}, q
    assert {r["identifiant"] for r in names(wh, SUPPORT, q="j.latchoumy").rows} == {"j.latchoumy1", "j.latchoumy2"}
    assert names(wh, SUPPORT, q="j.latchoumy1").total == 2
    assert names(wh, CHEF, q="abbeym12").total == 0  # a prefix, not an infix: "s.abbeym12" is not found by its end
    assert names(wh, CHEF_LYCEE, q="m.abbeym").total == 0  # the collège's account, outside the lycée's scope
    assert names(wh, CHEF, q="m.abb%").total == 0 and names(wh, CHEF, q="_.abbeym").total == 0  # literal characters
    # Names still match as before, and the export and « tous les résultats » follow the same filter.
    assert names(wh, CHEF, q="sabrina").total == 1
    assert console.accounts_of_filter(wh, CHEF, Filters.build(q="s.abb")) == ["s.abbeym12"]
    assert {r["identifiant"] for r in console.export_rows(wh, CHEF, Filters.build(q="g.hoarau"))} == {"g.hoarau12"}


def test_counts_lines_and_distinct_accounts_of_the_same_filter(wh):
    # CHEF: 9 pupil × guardian lines; m.abbeym and j.latchoumy1 each have two pupils there: 7 accounts.
    assert console.counts(wh, CHEF, Filters()) == console.Counts(9, 7)
    assert console.counts(wh, SUPPORT, Filters()) == console.Counts(14, 11)  # m.abbeym: 3 lines (Lucas at the école)
    assert console.counts(wh, SUPPORT, Filters.build(q="m.abbeym")) == console.Counts(3, 1)
    assert console.counts(wh, CHEF, Filters.build(classes=["5EME A", "3EME J"])) == console.Counts(6, 4)
    assert console.counts(wh, CHEF_LYCEE, Filters.build(q="m.abbeym")) == console.Counts(0, 0)
    assert console.count(wh, CHEF, Filters()) == names(wh, CHEF).total == 9
    with pytest.raises(AccessDenied):
        console.counts(wh, PILOTE, Filters())


def test_default_order_is_by_names_across_establishments(wh):
    rows = names(wh, SUPPORT).rows
    keys = [(console.fold(r["eleve"]), console.fold(r["responsable"])) for r in rows]
    assert keys == sorted(keys)
    # Lucas (école) between Emma and Réhain (collège): not grouped by establishment first.
    assert [r["eleve"] for r in rows[:5]] == ["ABBEYEM Emma", "ABBEYEM Emma", "ABBEYEM Lucas", "ABBEYEM Réhain",
                                               "ABBEYEM Réhain"]
    assert {(r["etablissement"], r["uai"]) for r in rows[:5]} == {("Collège Bois de Nèfles", COLLEGE),
                                                                  ("École primaire Les Lataniers", ECOLE)}
    by_etab = console.search(wh, SUPPORT, Filters(), limit=500, sort_model=[{"colId": "etablissement", "sort": "desc"}])
    assert [r["etablissement"] for r in by_etab.rows] == sorted((r["etablissement"] for r in rows), reverse=True)


def test_establishment_column_only_for_a_remit_of_several(wh):
    import importlib

    lay = importlib.import_module("dashboard.pages.responsables.layout")  # the package re-exports layout()

    def fields(principal: Principal) -> list[str]:
        g = lay.grid(1, Filters(), wh, 9, lay.several_etabs(principal))
        return [c["field"] for c in g.columnDefs]

    ien = Principal(5, "ien", Role.IEN, Scope.parse("circonscription:9741"))
    assert "etablissement" in fields(SUPPORT) and "etablissement" in fields(ien)
    assert "etablissement" not in fields(CHEF) and "etablissement" not in fields(CHEF_LYCEE)
    assert fields(SUPPORT)[:2] == ["eleve", "etablissement"]
    etab = next(c for c in lay.grid(1, Filters(), wh, 9, True).columnDefs if c["field"] == "etablissement")
    assert etab.get("sortable", True) and "etablissement" in console.SORT_COLUMNS
    assert "uai" in etab["tooltipValueGetter"]["function"]
