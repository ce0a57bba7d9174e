"""Console documents: notification letters (PDF, one page per guardian), list exports (CSV, PDF).

fpdf2 needs TrueType fonts: DejaVu Sans (Debian `fonts-dejavu-core`) when present, for full Unicode; otherwise
fpdf2's core Helvetica, with text reduced to latin-1 (French accents survive, « ✔ » becomes « oui »).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from dashboard import csv_safe
from queries import labels
from queries.actions import Letter, wording

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
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([label for _, label in columns])
    for r in rows:
        w.writerow([csv_safe.neutralise(r.get(k, "")) for k, _ in columns])
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")


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


def letters_pdf(letters: Sequence[Letter], academie: str = "La Réunion") -> bytes:
    """One page per guardian: login, provisional password if one was set, what to do, 3-month validity. The text
    depends on the letter's kind (activation, reset, reminder: queries.actions.wording, shared with emails)."""
    doc = _Doc(footer_text="Document confidentiel — à remettre en main propre au responsable")
    doc.alias_nb_pages()
    for lt in letters:
        w = wording(lt)
        doc.add_page()
        doc.font("B", 11)
        doc.para(5, (f"Académie de {academie}\n{lt.etablissement}"))
        doc.ln(8)
        civ = labels.civilite_label(lt.civilite)
        doc.set_x(110)
        doc.font("", 11)
        doc.cell(0, 5, doc.t(f"{civ} {lt.prenoms} {lt.nom}"), new_x="LMARGIN", new_y="NEXT")
        doc.ln(10)
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
    widths = {"eleve": 38, "classe": 17, "mef": 30, "responsable": 40, "identifiant": 27, "messagerie": 15,
              "etat": 32, "origine": 24, "date_notification": 22, "date_derniere_connexion": 22}
    w = [widths.get(k, 25) for k, _ in columns]
    headings = [label for _, label in columns]
    doc.font("", 7.5)
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
