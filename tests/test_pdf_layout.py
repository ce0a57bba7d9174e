"""PDF geometry, read back with pypdf: no two pieces of text on one line overlap, none runs past the margins.

Text extraction alone cannot see a heading printed over its neighbour (both come back whole), nor a line that
runs off the page: each text run's position comes from pypdf, its width from fpdf2's own metrics of the font.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from fpdf import FPDF
from pypdf import PdfReader

from dashboard import exports_stats
from dashboard.exports_console import letters_pdf, list_pdf
from queries.core.vocab import SYNTHESE_COLUMNS
from queries.services.actions import Letter

PT = 72 / 25.4  # points per millimetre


def _runs(pdf: bytes) -> list[tuple[int, float, float, float, float, str]]:
    """(page, page width, x, y, right end, text) of every text run, in points from the bottom left corner."""
    metrics = FPDF(unit="pt")
    family = exports_stats._font(metrics)
    out = []
    for n, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        width = float(page.mediabox.width)

        def visit(text, cm, tm, font, size, n=n, width=width):  # noqa: ANN001, ANN202
            if not text.strip() or not font:
                return
            bold = "Bold" in str(font.get("/BaseFont", ""))
            metrics.set_font(family, "B" if bold else "", size)
            x = tm[4] + metrics.get_string_width(text) - metrics.get_string_width(text.lstrip())
            out.append((n, width, x, tm[5], x + metrics.get_string_width(text.strip()), text.strip()))

        page.extract_text(visitor_text=visit)
    return out


def _assert_laid_out(pdf: bytes, margin_mm: float, bottom_mm: float) -> None:
    """Within the side margins; above `bottom_mm` (a page footer lives in the bottom margin); no overlap."""
    runs = _runs(pdf)
    assert runs
    for _, width, x, y, right, text in runs:
        assert x >= margin_mm * PT - 1 and right <= width - margin_mm * PT + 1, f"hors marge : « {text} »"
        assert y >= bottom_mm * PT, f"sous la marge du bas : « {text} »"
    lines: dict[tuple[int, float], list[tuple[float, float, str]]] = {}
    for n, _, x, y, right, text in runs:
        lines.setdefault((n, round(y, 0)), []).append((x, right, text))
    for line in lines.values():
        line.sort()
        for (_, right, text), (x2, _, text2) in zip(line, line[1:], strict=False):
            assert right <= x2 + 0.5, f"« {text} » chevauche « {text2} »"


class _Synthese:
    scope = "etablissement:9740501B"
    degre = None
    data_date = date(2026, 9, 15)
    rows = [{c: (o if c == "origine" else 123456) for c in SYNTHESE_COLUMNS} for o in ("ONDE", "SIECLE", "TOTAL")]

    def derniere_mise_a_jour(self) -> str:
        return "Dernière mise à jour le 15/09/2026 à 06:30"


def test_statistics_report_headings_and_note_stay_in_place():
    kpis = {"comptes": 123456, "actives": 6789, "taux": 0.55, "delta_taux_7j": 0.012, "delta_taux_rentree": 0.1}
    pdf = exports_stats.report_pdf(_Synthese(), "Collège Hégésippe Hoarau", kpis, pd.DataFrame(),
                                   date(2026, 9, 1), date(2026, 9, 15), use_kaleido=False)
    _assert_laid_out(pdf, 12, 11)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Données synthétiques de démonstration." in " ".join(text.split())


def test_list_and_letters_stay_within_their_margins():
    rows = [{"eleve": "ABBEYEM Emma", "classe": "3EME J", "mef": "3EME PREPA-METIERS", "messagerie": "✔",
             "responsable": "ABBEYEM Marie Sandrine", "identifiant": "m.abbeym", "etat": "Notifié et non activé",
             "origine": "Établissement", "date_notification": "01/09/2026", "date_derniere_connexion": "—"}] * 40
    _assert_laid_out(list_pdf(rows, "Collège Bois de Nèfles (9740001H)", "aucun filtre", "Données du 08/09/2026"), 10, 7)
    letter = Letter("m.abbeym", "MME", "ABBEYEM", "Marie Sandrine", "", ("Emma ABBEYEM (3EME J)",),
                    "Collège Bois de Nèfles", "Xk7pQ2mZr9Ta", date(2027, 2, 28))
    _assert_laid_out(letters_pdf([letter], edited=date(2026, 11, 30)), 10, 7)


def test_statistics_report_with_drawn_charts_stays_in_place(mini_warehouse):
    """The whole page as served without kaleido: synthesis, the two drawn charts, the note at the bottom."""
    from queries.core.scope import Principal, Role, Scope
    from queries.warehouse import stats, stats_series

    pilote = Principal(1, "pilote", Role.PILOTE, Scope.parse("academie:28"))
    scope = Scope.parse("academie:28")
    syn = stats.synthese(mini_warehouse, pilote, scope)
    k = stats_series.kpis(mini_warehouse, pilote, scope)
    df = stats_series.evolution(mini_warehouse, pilote, scope)
    assert not df.empty
    pdf = exports_stats.report_pdf(syn, "Académie de La Réunion", k, df, date(2026, 9, 1), date(2026, 9, 15),
                                   use_kaleido=False)
    _assert_laid_out(pdf, 12, 11)
