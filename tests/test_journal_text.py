"""The Journal's sentences (queries/core/journal_text.py): plain values in, French out."""

from __future__ import annotations

from datetime import datetime

from queries.core.formats import NNBSP
from queries.core.journal_text import Event, accounts, actor, default_place, sentence, when

# Stored times are naive UTC; Paris is UTC+2 in June.
AT = datetime(2026, 6, 10, 8, 9)
NAMES = {"etablissement:9740001A": "Collège Bois de Nèfles", "academie:28": "académie de La Réunion"}


def place(scope: str | None) -> str:
    return NAMES.get(scope or "") or default_place(scope)


def chef(**kw: object) -> Event:
    base = {
        "at": AT,
        "action": "view",
        "login": "m.dupont",
        "name": "Marie Dupont",
        "role": "chef",
        "actor_scope": "etablissement:9740001A",
        "scope": "etablissement:9740001A",
    }
    return Event(**{**base, **kw})


def test_search_reads_as_a_sentence_with_names_and_french_numbers():
    ev = chef(action="search", detail='{"recherche_longueur": 6, "etat": ["ACTIVE"], "resultats": 12345}')
    assert sentence(ev, "Recherche", place) == (
        "Marie Dupont (chef d'établissement, Collège Bois de Nèfles) a recherché un nom de 6 caractères dans la "
        f"console (état Activé) — 12{NNBSP}345 résultats"
    )


def test_view_export_and_refusal():
    assert sentence(chef(targets=["h.dupont"]), "Consultation", place).endswith("a ouvert le compte h.dupont")
    export = chef(action="export", detail={"format": "csv", "lignes": 40, "tronque": False})
    assert sentence(export, "Export", place).endswith("a exporté la liste des responsables (CSV, 40 lignes)")
    refused = chef(action="export", outcome="denied", detail={"raison": "limite d'exports"})
    assert sentence(refused, "Export", place) == (
        "Tentative refusée : Marie Dupont (chef d'établissement, Collège Bois de Nèfles) — export (limite d'exports)"
    )
    # A head reads that an attempt was refused, not what was tried.
    hidden = chef(
        action="forbidden", outcome="denied", detail={"raison": "compte g.hoarau13"}, detail_hidden=True
    )
    text = sentence(hidden, "Accès refusé", place)
    assert text.startswith("Tentative refusée : ") and "g.hoarau13" not in text and "réservé" in text


def test_no_raw_perimeter_code_ever():
    # A perimeter without a name at hand still reads as words, never « etablissement:… » nor « academie:… ».
    ev = chef(actor_scope="etablissement:9740099Z", scope="etablissement:9740099Z", targets=["a.b"])
    text = sentence(ev, "Consultation", place)
    assert "établissement 9740099Z" in text and "etablissement:" not in text
    support = Event(at=AT, action="view", login="s.aca", name="", role="support", actor_scope="academie:28")
    assert actor(support, place) == "s.aca (assistance académique, académie de La Réunion)"
    assert sentence(support, "", place).startswith("s.aca ")  # a login as written, no capital
    created = Event(
        at=AT,
        action="user_created",
        login="admin.j",
        name="Admin J",
        role="admin",
        targets=["n.chef"],
        detail={"role": "chef", "perimetre": "etablissement:9740001A"},
    )
    assert sentence(created, "Création de compte", place) == (
        "Admin J (administrateur) a créé le compte n.chef (chef d'établissement, Collège Bois de Nèfles)"
    )


def test_a_refusal_reason_names_its_perimeters():
    """An AccessDenied message quoted as the reason (« Le périmètre etablissement:… dépasse le vôtre ») reads with
    names, or level and code in words: the académie and the admin read refused attempts in full."""
    pilote = Event(at=AT, action="forbidden", outcome="denied", login="p.aca", name="P", role="pilote",
                   actor_scope="academie:28",
                   detail={"chemin": "/_dash-update-component", "perimetre": "etablissement:9740001A",
                           "raison": "Le périmètre etablissement:9740001A ne fait pas partie du vôtre (academie:28)."})
    text = sentence(pilote, "Accès refusé", place)
    assert "Le périmètre Collège Bois de Nèfles ne fait pas partie du vôtre (académie de La Réunion)." in text
    other = Event(at=AT, action="login_failed", outcome="denied", detail={"raison": "classe:9740099Z:3A ; mef:X1:Y"},
                  login="x")
    text = sentence(other, "Connexion", place)
    assert "classe 3A (établissement 9740099Z) ; MEF Y (établissement X1)" in text
    for code in ("etablissement:", "academie:", "classe:", "mef:"):
        assert code not in sentence(pilote, "Accès refusé", place) + text


def test_targets_outside_the_remit_are_counted_not_named():
    assert accounts(["a"], 0) == "le compte a"
    assert accounts(["a", "b"], 1) == "les comptes a, b et 1 compte hors de votre périmètre"
    assert accounts([], 2) == "2 comptes hors de votre périmètre"
    assert accounts([f"c{i}" for i in range(8)]) == "les comptes c0, c1, c2, c3, c4 et 3 autres"
    reset = chef(action="reset", targets=[], hidden_targets=1)
    assert sentence(reset, "", place).endswith(
        "a réinitialisé le mot de passe de 1 compte hors de votre périmètre"
    )


def test_grouped_searches_say_how_many_and_when_in_paris_time():
    ev = chef(action="search", count=5, first_at=datetime(2026, 6, 10, 8, 2), at=AT, detail={"resultats": 1})
    assert sentence(ev, "Recherche", place).endswith("— 1 résultat (×5 entre 10:02 et 10:09)")
    assert when(AT) == "10/06/2026 10:09"
    night = chef(
        action="search", count=2, first_at=datetime(2026, 6, 10, 21, 58), at=datetime(2026, 6, 10, 22, 3)
    )
    assert sentence(night, "", place).endswith("(×2 entre le 10/06/2026 23:58 et le 11/06/2026 00:03)")
    # Two searches within the same minute: one time, not « entre 16:18 et 16:18 ».
    same = chef(action="search", count=2, first_at=datetime(2026, 6, 10, 8, 9, 5), at=datetime(2026, 6, 10, 8, 9, 50))
    assert sentence(same, "", place).endswith("(×2 à 10:09)")


def test_each_page_view_says_which_page_never_an_account():
    # Opening « Courriels envoyés (démo) » is a `view` without targets: it is not « a ouvert un compte ».
    mails = chef(role="support", actor_scope="academie:28", detail={"page": "courriels", "messages": 3})
    text = sentence(mails, "Consultation", place)
    assert text.endswith("a consulté les courriels de démonstration (3 courriels)") and "compte" not in text
    assert sentence(chef(detail={"page": "autre"}), "Consultation", place).endswith("a consulté la page « autre »")


def test_sign_in_events_and_command_line():
    failed = Event(
        at=AT,
        action="login_failed",
        login="m.dupont",
        outcome="failed",
        detail={"raison": "identifiants refusés"},
    )
    assert (
        sentence(failed, "Échec de connexion")
        == "Échec : connexion de l'identifiant « m.dupont » (identifiants refusés)"
    )
    cli = Event(at=AT, action="snapshot_withdrawn", login="cli:root", detail={"date": "2026-06-01"})
    assert sentence(cli, "") == (
        "L'opérateur en ligne de commande « root » a retiré les données du 01/06/2026 (fichiers complets)"
    )
    grant = chef(action="delegation_granted", targets=["secr.college"], detail={"fin": "2026-07-14"})
    assert sentence(grant, "", place).endswith(
        "a délégué l'accès à la console à secr.college jusqu'au 14/07/2026"
    )


def test_stored_times_are_shown_in_paris_whatever_the_server_zone():
    from datetime import UTC, datetime

    from queries.core import clock
    from queries.core.journal_text import when

    # The store keeps naive UTC: 14:05 UTC on a winter day is 15:05 in Paris, 13:05 UTC in summer is 15:05 too.
    assert when(datetime(2026, 11, 30, 14, 5)) == "30/11/2026 15:05"
    assert when(datetime(2026, 7, 1, 13, 5)) == "01/07/2026 15:05"
    assert f"{clock.in_paris(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)):%d/%m %H:%M}" == "01/12 00:30"
    # The warehouse's ingestion time: Paris wall time, naive, whatever TZ the server runs in.
    wall = clock.paris_wall()
    assert wall.tzinfo is None and abs(wall - datetime.now(clock.PRODUCT_TZ).replace(tzinfo=None)).total_seconds() < 5
