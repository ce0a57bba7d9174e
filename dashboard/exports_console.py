"""Console documents: notification letters (PDF, one page per guardian), list exports (CSV, PDF).

fpdf2 needs TrueType fonts: DejaVu Sans (Debian `fonts-dejavu-core`) when present, for full Unicode; otherwise
fpdf2's core Helvetica, with text reduced to latin-1 (French accents survive, « ✔ » becomes « oui »).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from queries.core import vocab
from queries.core.clock import today
from queries.core.formats import csv_text, fmt_date
from queries.services.actions import Letter, wording

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
LIST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("eleve", "Élève"),
    ("classe", "Classe"),
    ("mef", "MEF"),
    ("responsable", "Responsable"),
    ("identifiant", "Identifiant"),
    ("messagerie", "Messagerie"),
    ("etat", "Statut du compte"),
    ("origine", "Origine du compte"),
    ("date_notification", "Date de notification"),
    ("date_derniere_connexion", "Date de dernière connexion"),
)


# ------------------------------------------------------------------------------------------------- CSV


def list_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[tuple[str, str]] = LIST_COLUMNS) -> bytes:
    """`;`-separated, UTF-8 with BOM (Excel opens it with the accents right), every cell neutralised."""
    return csv_text([label for _, label in columns], ([r.get(k, "") for k, _ in columns] for r in rows)).encode("utf-8")


# ------------------------------------------------------------------------------------------------- PDF


class _Doc(FPDF):
    def __init__(self, orientation: str = "P", footer_text: str = "") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.unicode = (DEJAVU / "DejaVuSans.ttf").exists()
        if self.unicode:
            self.add_font("dv", "", str(DEJAVU / "DejaVuSans.ttf"))
            self.add_font("dv", "B", str(DEJAVU / "DejaVuSans-Bold.ttf"))
            self.family = "dv"
        else:
            self.family = "helvetica"
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title("MétéoComptes")
        self.set_creator("MétéoComptes")

    def t(self, text: str) -> str:
        if self.unicode:
            return text
        text = text.replace("✔", "oui").replace("✘", "non").replace("’", "'").replace("•", "*")
        return text.encode("latin-1", "replace").decode("latin-1")

    def font(self, style: str = "", size: float = 10) -> None:
        self.set_font(self.family, style, size)

    def para(self, h: float, text: str) -> None:
        """A left-aligned paragraph, wrapped here with memoised word widths: fpdf2's multi_cell re-measures
        the line at every character, which made 500 letters take seconds."""
        width = self.w - self.l_margin - self.r_margin
        space = self._width(" ")
        for raw in self.t(text).split("\n"):
            line, lw = "", 0.0
            for word in raw.split(" "):
                ww = self._width(word)
                if line and lw + space + ww > width:
                    self.cell(width, h, line, new_x="LMARGIN", new_y="NEXT")
                    line, lw = word, ww
                else:
                    line, lw = (f"{line} {word}", lw + space + ww) if line else (word, ww)
            self.cell(width, h, line, new_x="LMARGIN", new_y="NEXT")

    def _width(self, word: str) -> float:
        key = (self.font_family, self.font_style, self.font_size_pt, word)
        cache = self.__dict__.setdefault("_wcache", {})
        w = cache.get(key)
        if w is None:
            w = cache[key] = self.get_string_width(word)
        return w

    def footer(self) -> None:
        if not self.footer_text:
            return
        self.set_y(-12)
        self.font("", 8)
        self.cell(0, 6, self.t(f"{self.footer_text} — page {self.page_no()}/{{nb}}"), align="C")


def letters_pdf(letters: Sequence[Letter], academie: str = "La Réunion", edited: date | None = None) -> bytes:
    """One page per guardian: login, provisional password if one was set, what to do, 3-month validity. The text
    depends on the letter's kind (activation, reset, reminder: queries.services.actions.wording, shared with emails).
    Dated « Le JJ/MM/AAAA » (today in Paris unless given): the console tables hold no commune for a place."""
    dated = f"Le {fmt_date(edited or today())}"
    doc = _Doc(footer_text="Document confidentiel — à remettre en main propre au responsable")
    doc.alias_nb_pages()
    for lt in letters:
        w = wording(lt)
        doc.add_page()
        doc.font("B", 11)
        doc.para(5, (f"Académie de {academie}\n{lt.etablissement}"))
        doc.ln(8)
        civ = vocab.civilite_label(lt.civilite)
        doc.set_x(110)
        doc.font("", 11)
        doc.cell(0, 5, doc.t(f"{civ} {lt.prenoms} {lt.nom}"), new_x="LMARGIN", new_y="NEXT")
        doc.ln(6)
        doc.set_x(110)
        doc.cell(0, 5, doc.t(dated), new_x="LMARGIN", new_y="NEXT")
        doc.ln(6)
        doc.font("B", 14)
        doc.para(8, w.title)
        doc.ln(3)
        doc.font("", 10.5)
        doc.para(5.5, f"{civ},\n\n{w.intro}")
        doc.ln(4)
        doc.set_fill_color(238, 238, 246)
        doc.font("B", 12)
        doc.cell(60, 9, doc.t("Identifiant"), border=1, fill=True)
        doc.font("", 12)
        doc.cell(0, 9, doc.t(lt.identifiant), border=1, new_x="LMARGIN", new_y="NEXT")
        doc.font("B", 12)
        doc.cell(60, 9, doc.t("Mot de passe provisoire"), border=1, fill=True)
        doc.font("", 12)
        doc.cell(0, 9, doc.t(lt.password or "inchangé (voir ci-dessous)"), border=1, new_x="LMARGIN", new_y="NEXT")
        doc.ln(4)
        doc.font("", 10.5)
        doc.para(5.5, w.password_note)
        doc.ln(4)
        doc.font("B", 11)
        doc.cell(0, 6, doc.t(w.steps_title), new_x="LMARGIN", new_y="NEXT")
        doc.font("", 10.5)
        for i, step in enumerate(w.steps, start=1):
            doc.para(5.5, (f"{i}. {step}"))
        if w.outro:
            doc.ln(3)
            doc.para(5.5, w.outro)
    return bytes(doc.output())


LIST_WIDTHS = {"eleve": 38, "classe": 17, "mef": 30, "responsable": 40, "identifiant": 27, "messagerie": 15,
               "etat": 32, "origine": 24, "date_notification": 22, "date_derniere_connexion": 22}


def _fit_widths(doc: _Doc, columns: Sequence[tuple[str, str]], base: Mapping[str, float]) -> list[float]:
    """Column widths (mm) in which no heading word is cut: a heading wraps between words, never inside one
    (« Messag/erie »). Widened columns are paid for by the widest ones when the page is too narrow."""
    size = doc.font_size_pt
    doc.font("B", size)  # headings are bold
    need = [max(doc.get_string_width(doc.t(word)) for word in label.split()) + 2 * doc.c_margin + 0.5
            for _, label in columns]
    doc.font("", size)
    w = [max(float(base.get(k, 25)), n) for (k, _), n in zip(columns, need, strict=True)]
    excess = sum(w) - (doc.w - doc.l_margin - doc.r_margin)
    while excess > 0.01:
        slack = [max(0.0, x - n) for x, n in zip(w, need, strict=True)]
        if sum(slack) <= 0:
            break  # too many columns for the page: widths stay readable, the table overflows
        cut = min(excess, sum(slack))
        w = [x - cut * s / sum(slack) for x, s in zip(w, slack, strict=True)]
        excess -= cut
    return w


def list_pdf(rows: Sequence[Mapping[str, Any]], scope_label: str, filters_label: str, data_label: str,
             columns: Sequence[tuple[str, str]] = LIST_COLUMNS) -> bytes:
    """A landscape table with the scope, the date of the data, the filters and page numbers."""
    now = datetime.now()
    doc = _Doc(orientation="L", footer_text=f"MétéoComptes — {scope_label} — édité le {now:%d/%m/%Y à %H:%M}")
    doc.alias_nb_pages()
    doc.add_page()
    doc.font("B", 13)
    doc.cell(0, 7, doc.t("Liste des comptes responsables"), new_x="LMARGIN", new_y="NEXT")
    doc.font("", 9)
    doc.para(4.5, (f"Périmètre : {scope_label}\n{data_label}\nFiltres : {filters_label}\n"
                                 f"{len(rows)} ligne(s)"))
    doc.ln(2)
    headings = [label for _, label in columns]
    doc.font("", 7.5)
    w = _fit_widths(doc, columns, LIST_WIDTHS)
    with doc.table(col_widths=w, text_align="LEFT", line_height=4, first_row_as_headings=True,
                   repeat_headings=1, width=sum(w)) as table:
        hr = table.row()
        for h in headings:
            hr.cell(doc.t(h))
        for r in rows:
            tr = table.row()
            for k, _ in columns:
                v = r.get(k, "")
                tr.cell(doc.t("" if v is None else str(v)))
    return bytes(doc.output())
