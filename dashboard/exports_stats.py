"""Statistics exports: CSV (`;`, UTF-8 with BOM: opens cleanly in French Excel) and a one-page PDF report.

Routes take the same query parameters as the page (`/statistiques?scope=…&date=…`), so the export of a view is
its URL with another path. Same pattern as every data route: principal from the session, remit checked in SQL,
rate limit per user (EXPORT_RATE_LIMIT per hour), audit entry. Charts in the PDF are rendered by kaleido
(headless Chromium); when it cannot run, they are drawn with fpdf2 primitives instead.
"""

from __future__ import annotations

import io
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from flask import Blueprint, Flask, Response, jsonify, request

from dashboard import auth
from dashboard.pages.statistiques import data as D
from dashboard.pages.statistiques import figures as F
from dashboard.pages.statistiques.view import View, ViewError, parse_view
from queries import warehouse
from queries.core.authz import Action
from queries.core.formats import csv_pct, csv_pts, csv_text, fmt_date, fmt_int, fmt_pct, fmt_pts
from queries.core.journal_text import default_place
from queries.core.scope import Principal
from queries.core.settings import Settings
from queries.core.vocab import DEGRES, ETATS, ORIGINES, SYNTHESE_COLUMNS, origine_label
from queries.store import audit, ratelimit
from queries.warehouse import stats, stats_series

log = logging.getLogger(__name__)
bp = Blueprint("exports_stats", __name__, url_prefix="/export/stats")
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class ExportError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@bp.errorhandler(ExportError)
def _export_error(exc: ExportError):  # noqa: ANN202
    return jsonify(erreur=exc.message), exc.status


# ------------------------------------------------------------------------------------------------ content


def synthese_csv(syn: stats.Synthese, label: str | None = None) -> str:
    cols = list(SYNTHESE_COLUMNS)
    rows = [[origine_label(str(r["origine"])), *[int(r[c]) for c in cols[1:]]] for r in syn.rows]  # type: ignore[call-overload]
    rows.append([])
    # The scope's name (check_scope's); its level and code in words when there is none at hand.
    name = label or default_place(str(syn.scope))
    rows.append([f"Périmètre : {name}" + (f" — {DEGRES[syn.degre]}" if syn.degre else "")])
    rows.append([syn.derniere_mise_a_jour()])
    return csv_text([SYNTHESE_COLUMNS[c] for c in cols], rows)


def series_csv(df: pd.DataFrame) -> str:
    o = stats_series.by_origin(df)
    e = stats_series.by_state(df)
    header = ["Date", "Comptes", *[f"Origine : {ORIGINES[c]}" for c in o.columns],
              *[f"État : {ETATS[c]}" for c in e.columns], "Taux d'activation (%)"]
    rows = []
    for d in o.index:
        total = int(o.loc[d].sum())
        rows.append([d, total, *[int(v) for v in o.loc[d]], *[int(v) for v in e.loc[d]],
                     csv_pct(int(e.loc[d, "ACTIVE"]) / total) if total else None])
    return csv_text(header, rows)


def children_csv(ch: pd.DataFrame, median: float | None) -> str:
    header = ["Type", "Code", "Classe ou MEF", "Libellé", "Comptes", "Activés", "Taux d'activation (%)",
              "Écart à la médiane académique (points)", "Notifiés non activés"]
    rows = [[x.kind, x.code, x.sub, x.label, int(x.comptes), int(x.actives), csv_pct(x.taux),
             None if median is None or pd.isna(x.taux) else csv_pts(x.taux - median),
             int(x.notifies_non_actives)] for x in ch.itertuples()]
    return csv_text(header, rows)


# ------------------------------------------------------------------------------------------------ PDF


def _charts_png(figs: list[Any], width: int = 900, height: int = 380) -> list[bytes | None]:
    """All charts in one kaleido session (one Chromium start instead of one per chart)."""
    if not figs:
        return []
    import tempfile

    import plotly.io as pio

    try:
        with tempfile.TemporaryDirectory(prefix="meteocomptes-pdf-") as tmp:
            paths = [Path(tmp) / f"{i}.png" for i in range(len(figs))]
            pio.write_images(figs, paths, format="png", width=width, height=height, scale=1.5)
            return [p.read_bytes() for p in paths]
    except Exception as exc:  # noqa: BLE001 - no Chromium, sandbox refused…: fall back to drawn charts
        log.warning("kaleido indisponible (%s) : graphiques dessinés avec fpdf2", exc)
        return [None] * len(figs)


def _draw_rate(pdf: Any, rates: pd.DataFrame, x: float, y: float, w: float, h: float, title: str) -> None:
    """Fallback: the activation rate as a polyline with fpdf2 primitives."""
    pdf.set_font(size=9)
    pdf.set_xy(x, y)
    pdf.cell(w, 5, title)
    top, bottom, left = y + 7, y + h - 6, x + 10
    pdf.set_draw_color(200, 200, 200)
    for frac in (0, 0.5, 1):
        yy = bottom - frac * (bottom - top)
        pdf.line(left, yy, x + w, yy)
        pdf.set_xy(x, yy - 2)
        pdf.set_font(size=6)
        pdf.cell(9, 4, f"{int(frac * 100)} %")
    pts = [(i, float(t)) for i, t in enumerate(rates["taux"]) if pd.notna(t)]
    if len(pts) >= 2:
        n = max(1, len(rates) - 1)
        pdf.set_draw_color(0, 0, 145)
        pdf.set_line_width(0.6)
        xy = [(left + i / n * (x + w - left), bottom - t * (bottom - top)) for i, t in pts]
        for (x1, y1), (x2, y2) in zip(xy, xy[1:], strict=False):
            pdf.line(x1, y1, x2, y2)
        pdf.set_line_width(0.2)
    pdf.set_font(size=6)
    if len(rates):
        pdf.set_xy(left, bottom + 1)
        pdf.cell(30, 4, fmt_date(rates["date"].iloc[0]))
        pdf.set_xy(x + w - 20, bottom + 1)
        pdf.cell(20, 4, fmt_date(rates["date"].iloc[-1]), align="R")


def _draw_stack(pdf: Any, wide: pd.DataFrame, x: float, y: float, w: float, h: float, title: str) -> None:
    """Fallback: accounts by origin as stacked bars, one per date."""
    pdf.set_font(size=9)
    pdf.set_xy(x, y)
    pdf.cell(w, 5, title)
    top, bottom = y + 7, y + h - 6
    totals = wide.sum(axis=1)
    vmax = float(totals.max()) if len(totals) else 0.0
    if vmax <= 0:
        return
    n = len(wide)
    bw = (w - 4) / max(n, 1)
    for i, (_, row) in enumerate(wide.iterrows()):
        base = bottom
        for o in wide.columns:
            v = float(row[o])
            if v <= 0:
                continue
            hh = v / vmax * (bottom - top)
            r, g, b = (int(F.ORIGINE_COLORS[o][k:k + 2], 16) for k in (1, 3, 5))
            pdf.set_fill_color(r, g, b)
            pdf.rect(x + 2 + i * bw, base - hh, max(bw * 0.8, 0.3), hh, style="F")
            base -= hh


def _font(pdf: Any) -> str:
    reg, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if reg.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(reg))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu"
    return "Helvetica"


def _latin(text: str, family: str) -> str:
    if family != "Helvetica":
        return text
    return (text.replace("\u202f", " ").replace("\u00a0", " ").replace("–", "-").replace("—", "-")
            .replace("→", "->").replace("’", "'").encode("latin-1", "replace").decode("latin-1"))


def _synthesis_widths(pdf: Any, heads: list[str], total: float) -> list[float]:
    """The synthesis table's columns: each at least as wide as its longest heading word (bold, current font), the
    rest of the line shared equally, so that a heading wraps between words and never overlaps its neighbour."""
    need = [max(pdf.get_string_width(w) for w in h.split()) + 2 * pdf.c_margin + 1 for h in heads]
    spare = max(0.0, total - sum(need)) / len(need)
    return [n + spare for n in need]


def report_pdf(
    syn: stats.Synthese, label: str, kpis: dict, df: pd.DataFrame, d_from: date, d_to: date,
    use_kaleido: bool = True,
) -> bytes:
    from fpdf import FPDF, FontFace

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(12, 12, 12)
    pdf.add_page()
    fam = _font(pdf)
    t = lambda s: _latin(s, fam)  # noqa: E731
    pdf.set_title(t(f"MétéoComptes — {label}"))
    pdf.set_author("MétéoComptes")
    pdf.set_font(fam, "B", 15)
    pdf.set_text_color(0, 0, 145)
    pdf.cell(0, 8, t("MétéoComptes — comptes EduConnect des responsables"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(22, 22, 22)
    pdf.set_font(fam, "B", 11)
    pdf.cell(0, 6, t(f"Périmètre : {label}" + (f" — {DEGRES[syn.degre]}" if syn.degre else "")),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fam, "", 9)
    # A wrapping line: « Dernière mise à jour » may name a load made another day (the line gets longer).
    pdf.multi_cell(0, 5, t(f"Données du {fmt_date(syn.data_date)} — {syn.derniere_mise_a_jour()} — "
                           f"édité le {datetime.now():%d/%m/%Y à %H:%M}"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    # KPI line
    pdf.set_font(fam, "B", 10)
    kp = (f"Comptes : {fmt_int(kpis['comptes'])}   Activés : {fmt_int(kpis['actives'])}   "
          f"Taux d'activation : {fmt_pct(kpis['taux'])} ({fmt_pts(kpis['delta_taux_7j'])} en 7 jours, "
          f"{fmt_pts(kpis['delta_taux_rentree'])} depuis la rentrée)")
    pdf.multi_cell(0, 5, t(kp), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    # Synthesis table
    pdf.set_font(fam, "B", 10)
    pdf.cell(0, 6, t("Synthèse des comptes responsables de la structure"), new_x="LMARGIN", new_y="NEXT")
    cols = list(SYNTHESE_COLUMNS)
    heads = ["Origine", "Comptes", "Non notifiés", "Notifiés non activés", "En cours d'activation", "Activés",
             "Désactivés"]
    pdf.set_font(fam, "B", 7.5)
    widths = _synthesis_widths(pdf, heads, pdf.w - pdf.l_margin - pdf.r_margin)
    pdf.set_font(fam, "", 8)  # the rows' font; the headings' is headings_style
    # fpdf2's table wraps a heading between its words inside its column (they overlapped as single-line cells)
    with pdf.table(col_widths=widths, width=sum(widths), line_height=4.5, text_align=("LEFT", *["RIGHT"] * 6),
                   headings_style=FontFace(emphasis="BOLD", fill_color=(232, 232, 255), size_pt=7.5),
                   first_row_as_headings=True) as table:
        hr = table.row()
        for hd in heads:
            hr.cell(t(hd), align="C")
        for i, r in enumerate(syn.rows):
            last = i == len(syn.rows) - 1
            style = FontFace(emphasis="BOLD") if last else None  # the total row
            tr = table.row()
            tr.cell(t(origine_label(str(r["origine"]))), style=style)
            for c in cols[1:]:
                tr.cell(t(fmt_int(r[c])), style=style)
    pdf.ln(3)
    # Charts
    o = stats_series.by_origin(df) if not df.empty else pd.DataFrame()
    rates = stats_series.rate_series(df)
    per = f"du {fmt_date(d_from)} au {fmt_date(d_to)}"
    y0 = pdf.get_y()
    figs = []
    if not df.empty:
        figs = [(F.area_by_origin(o, f"Comptes par origine, {per}"), "stack"),
                (F.rate_chart(rates, f"Taux d'activation, {per}"), "rate")]
    h = 78
    pngs = _charts_png([f for f, _ in figs]) if use_kaleido else [None] * len(figs)
    for k, ((_, kind), png) in enumerate(zip(figs, pngs, strict=True)):
        y = y0 + k * (h + 3)
        if png:
            pdf.image(io.BytesIO(png), x=12, y=y, w=186, h=h)
        elif kind == "stack":
            _draw_stack(pdf, o, 12, y, 186, h, t(f"Comptes par origine, {per}"))
        else:
            _draw_rate(pdf, rates, 12, y, 186, h, t(f"Taux d'activation, {per}"))
    # The note wraps within the margins and ends on the bottom margin (one long cell ran off the page).
    pdf.set_font(fam, "", 7)
    note = t("Comptes distincts : un responsable ayant des enfants dans deux établissements compte une fois "
             "dans chacun et une fois dans l'académie. Données synthétiques de démonstration.")
    pdf.set_x(pdf.l_margin)  # the drawn charts leave x at their right edge
    lines = pdf.multi_cell(0, 3.5, note, align="L", dry_run=True, output="LINES")
    pdf.set_xy(pdf.l_margin, pdf.h - 12 - 3.5 * len(lines))
    pdf.multi_cell(0, 3.5, note, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# ------------------------------------------------------------------------------------------------ routes


def _prepare(kind: str) -> tuple[Settings, Principal, View, stats_series.ScopeInfo, date]:
    principal = auth.require_principal(Action.STATS)
    settings = auth.settings_of()
    try:
        view, _ = parse_view(principal, request.args.to_dict(), strict=True)
    except ViewError as exc:
        raise ExportError(400, str(exc)) from None
    try:
        stats_series.require_visible(settings, principal, view.scope)  # AccessDenied, unknown or outside alike
        s = stats_series.asof(settings, view.date, stats_series.cov_of(settings, view.scope))
        info = stats_series.check_scope(settings, principal, view.scope, s)  # AccessDenied → 403 + audit
    except (stats_series.ScopeNotFound, stats_series.NoData) as exc:
        raise ExportError(404, str(exc)) from None
    except warehouse.WarehouseUnavailable as exc:
        raise ExportError(503, str(exc)) from None
    if not ratelimit.export_allowed(settings, principal.user_id):
        audit.record(settings, principal, "export", scope=view.scope, detail={"type": kind, "raison": "limite"},
                     outcome="denied")
        raise ExportError(429, ratelimit.EXPORT_LIMIT_MESSAGE)
    audit.record(settings, principal, "export", scope=view.scope, detail={"type": kind, "date": s.isoformat()})
    return settings, principal, view, info, s


def _file(body: str | bytes, mimetype: str, name: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _name(view: View, what: str, s: date, ext: str) -> str:
    return D.file_stem(view, what, s) + "." + ext


@bp.get("/synthese.csv")
def synthese_route():  # noqa: ANN201
    settings, principal, view, info, s = _prepare("synthese.csv")
    syn = stats.synthese(settings, principal, view.scope, s, None if view.degre == "ALL" else view.degre)
    return _file(synthese_csv(syn, info.export_label).encode("utf-8"), "text/csv", _name(view, "synthese", s, "csv"))


@bp.get("/series.csv")
def series_route():  # noqa: ANN201
    settings, principal, view, info, s = _prepare("series.csv")
    df, _, _ = D.evolution(settings, principal, view, s)
    return _file(series_csv(df).encode("utf-8"), "text/csv", _name(view, "series", s, "csv"))


@bp.get("/comparaison.csv")
def children_route():  # noqa: ANN201
    settings, principal, view, info, s = _prepare("comparaison.csv")
    ch, median = D.children(settings, principal, view, info, s)
    return _file(children_csv(ch, median).encode("utf-8"), "text/csv",
                 _name(view, "comparaison", s, "csv"))


@bp.get("/rapport.pdf")
def report_route():  # noqa: ANN201
    settings, principal, view, info, s = _prepare("rapport.pdf")
    syn = stats.synthese(settings, principal, view.scope, s, None if view.degre == "ALL" else view.degre)
    k = stats_series.kpis(settings, principal, view.scope, view.degre, s)
    df, d_from, d_to = D.evolution(settings, principal, view, s)
    pdf = report_pdf(syn, info.export_label, k, df, d_from, d_to)
    return _file(pdf, "application/pdf", _name(view, "rapport", s, "pdf"))


def init_exports(server: Flask, settings: Settings) -> None:
    server.register_blueprint(bp)
