"""Letters PDF (text extracted back with pypdf), list PDF, CSV (BOM, `;`, formula neutralisation), export route."""

from __future__ import annotations

import csv
import io
from datetime import date

from pypdf import PdfReader

from dashboard.exports_console import LIST_COLUMNS, letters_pdf, list_csv, list_pdf
from queries.core.formats import neutralise
from queries.services.actions import Letter, de, letter_email, of_children


def _text(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_letters_pdf_one_page_per_guardian_text_back():
    letters = [
        Letter("m.abbeym", "MME", "ABBEYEM", "Marie Sandrine", "", ("Emma ABBEYEM (3EME J)",), "Collège Bois de Nèfles",
               "Xk7pQ2mZr9Ta", date(2027, 2, 28)),
        Letter("j.latchoumy1", "M", "LATCHOUMY", "Jean Gaël", "", (), "Collège Bois de Nèfles", None, date(2027, 2, 28)),
    ]
    pages = _text(letters_pdf(letters))
    assert len(pages) == 2
    assert "m.abbeym" in pages[0] and "Xk7pQ2mZr9Ta" in pages[0] and "3 mois" in pages[0]
    assert "28/02/2027" in pages[0] and "Réunion" in pages[0] and "activer" in pages[0]
    assert "j.latchoumy1" in pages[1] and "Mot de passe perdu" in pages[1] and "Gaël" in pages[1]


def test_salutation_follows_the_civility_as_onde_and_siecle_write_it():
    def letter(civilite: str) -> Letter:
        return Letter("x.test", civilite, "TEST", "Alex", "", (), "École", None, date(2027, 2, 28))

    pages = _text(letters_pdf([letter("M."), letter("Mme"), letter("")]))
    assert "Monsieur Alex TEST" in pages[0] and "Madame, Monsieur" not in pages[0].split("Alex TEST")[0]
    assert "Madame Alex TEST" in pages[1]
    assert "Madame, Monsieur Alex TEST" in pages[2]
    assert letter_email(letter("M."), False)[1].startswith("Monsieur")


def test_csv_is_bom_semicolon_and_neutralised():
    rows = [{"eleve": "ABBEYEM Emma", "responsable": "=HYPERLINK(\"http://x\")", "identifiant": "+33",
             "mef": "-1", "classe": "@SUM(A1)", "etat": "\tTAB", "origine": "\rCR", "messagerie": "✔"}]
    data = list_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert parsed[0] == [label for _, label in LIST_COLUMNS]
    row = dict(zip([k for k, _ in LIST_COLUMNS], parsed[1], strict=True))
    assert row["responsable"].startswith("'=") and row["identifiant"] == "'+33" and row["mef"] == "'-1"
    assert row["classe"] == "'@SUM(A1)" and row["etat"] == "'\tTAB" and row["origine"].startswith("'")
    assert row["eleve"] == "ABBEYEM Emma" and row["messagerie"] == "✔"
    assert neutralise("Jean-Paul") == "Jean-Paul" and neutralise(None) == ""


def test_list_pdf_has_scope_date_and_page_numbers():
    rows = [{"eleve": f"ÉLÈVE {i}", "classe": "5EME A", "identifiant": f"id{i}", "etat": "Activé"} for i in range(120)]
    pages = _text(list_pdf(rows, "Collège Bois de Nèfles (9740001H)", "aucun filtre", "Données du 08/09/2026 à 06:30"))
    assert len(pages) >= 3
    assert "Périmètre : Collège Bois de Nèfles (9740001H)" in pages[0] and "Données du 08/09/2026" in pages[0]
    assert f"page 1/{len(pages)}" in pages[0] and f"page {len(pages)}/{len(pages)}" in pages[-1]
    assert "ÉLÈVE 119" in pages[-1]


def test_list_pdf_columns_fit_their_heading_words():
    """A heading wraps between words, never inside one (« Messag erie » was seen): each heading word comes back
    whole from the extracted text, on every page where the heading row repeats."""
    rows = [{"eleve": f"ÉLÈVE {i}", "messagerie": "✔", "etat": "Activé"} for i in range(60)]
    pages = _text(list_pdf(rows, "Collège X (9740001H)", "aucun filtre", ""))
    assert len(pages) >= 2
    for page in pages:
        words = page.split()
        for _, label in LIST_COLUMNS:
            for word in label.split():
                assert word in words, f"« {word} » coupé : {page[:300]}"


def test_de_elides_before_a_vowel_sound_not_before_h():
    assert de("Axel") == "d'Axel" and de("Émilie") == "d'Émilie" and de("Yves") == "d'Yves"
    assert de("ÉLODIE") == "d'ÉLODIE" and de("Œdipe") == "d'Œdipe" and de("ines") == "d'ines"
    assert de("Hugo") == "de Hugo" and de("Hélène") == "de Hélène" and de("Marie") == "de Marie"
    assert of_children(()) == "de vos enfants"
    assert of_children(("Axel MARTIN (6EME A)",)) == "d'Axel MARTIN (6EME A)"
    assert of_children(("Axel M (6EME)", "Hugo M (CM2)", "Émilie M (CP)")) == "d'Axel M (6EME), de Hugo M (CM2) et d'Émilie M (CP)"


def test_letters_elide_the_child_name_and_are_dated():
    def letter(kind: str, *enfants: str) -> Letter:
        return Letter("x.test", "M", "TEST", "Alex", "", enfants, "Collège Bois de Nèfles", None, date(2027, 2, 28),
                      kind)

    pages = [" ".join(p.split()) for p in _text(letters_pdf(
        [letter("activation", "Axel TEST (6EME A)"), letter("rappel", "Émilie TEST (CP)", "Hugo TEST (CM2)"),
         letter("activation")], edited=date(2026, 11, 30)))]
    assert "la scolarité d'Axel TEST (6EME A)" in pages[0] and "de Axel" not in pages[0]
    assert "la scolarité d'Émilie TEST (CP) et de Hugo TEST (CM2)" in pages[1]
    assert "la scolarité de vos enfants" in pages[2]
    assert all("Le 30/11/2026" in p for p in pages)
    # the date comes before the object of the letter, in its header
    assert pages[0].index("Le 30/11/2026") < pages[0].index("Votre compte EduConnect")
    subject, body = letter_email(letter("activation", "Yanis TEST (5EME B)"), True)
    assert "la scolarité d'Yanis TEST (5EME B)" in " ".join(body.split())
