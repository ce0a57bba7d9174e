"""Figures and accessible tables of the statistics page (pure functions: data in, components out).

Every chart has a data table beside it (RGAA: an alternative to the image). Colours are DSFR ones with enough
contrast on white; French number formatting (`12 345`, `45,3 %`) and dates (JJ/MM/AAAA) everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from queries.core.formats import fmt_date, fmt_pct
from queries.core.vocab import ETATS, ORIGINES

BLEU_FRANCE = "#000091"
ORIGINE_COLORS = {
    "ATEN": "#A558A0",
    "ENT": "#C3992A",
    "ETABLISSEMENT": BLEU_FRANCE,
    "FRANCECONNECT": "#009081",
    "RESPONSABLE": "#E4794A",
    "NON_RENSEIGNE": "#929292",
}
ETAT_COLORS = {
    "NON_NOTIFIE": "#929292",
    "NOTIFIE_NON_ACTIVE": "#CE0500",
    "EN_COURS_ACTIVATION": "#B34000",
    "ACTIVE": "#18753C",
    "DESACTIVE": "#3A3A3A",
}


# ------------------------------------------------------------------------------------------------ formatting







# ------------------------------------------------------------------------------------------------ tables


def table(
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    numeric_from: int = 1,
    row_header: bool = True,
    table_id: str | None = None,
    footer: Sequence[Any] | None = None,
) -> html.Div:
    """A DSFR table (fr-table) with caption, column headers (scope=col) and row headers (scope=row)."""
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in headers]))

    def cells(row: Sequence[Any], bold: bool = False) -> list:
        out = []
        for i, v in enumerate(row):
            cls = "stats-num" if i >= numeric_from else None
            v = html.Strong(v) if bold and isinstance(v, str) else v
            if i == 0 and row_header:
                out.append(html.Th(v, scope="row", className=cls))
            else:
                out.append(html.Td(v, className=cls))
        return out

    body = [html.Tr(cells(r)) for r in rows]
    if footer is not None:
        body.append(html.Tr(cells(footer, bold=True), className="stats-total"))
    attrs = {"id": table_id} if table_id else {}
    return html.Div(
        className="fr-table fr-table--sm fr-table--bordered stats-table",
        children=html.Div(
            className="fr-table__wrapper",
            children=html.Div(
                className="fr-table__container",
                children=html.Div(
                    className="fr-table__content",
                    children=html.Table([html.Caption(caption), head, html.Tbody(body)], **attrs),
                ),
            ),
        ),
    )


def details_table(summary: str, tbl: html.Div) -> html.Details:
    """The data table of a chart, folded under it (native <details>: keyboard-usable, announced)."""
    return html.Details([html.Summary(summary, className="fr-link"), tbl], className="stats-details fr-mt-1w")


def alert(message: str, kind: str = "info", title: str | None = None) -> html.Div:
    return html.Div(
        [html.H3(title, className="fr-alert__title") if title else None, html.P(message)],
        className=f"fr-alert fr-alert--{kind} fr-alert--sm fr-my-2w",
        role="alert" if kind == "error" else "status",
    )


# ------------------------------------------------------------------------------------------------ figures


def graph_config(filename: str) -> dict:
    """Modebar: PNG export with a meaningful file name; no Plotly logo; French-ish."""
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2, "width": 1100, "height": 500},
        # Never offer to upload the data to Plotly's cloud (it is the académie's data).
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "sendChartToCloud", "sendDataToCloud",
                                   "editInChartStudio"],
        "showSendToCloud": False,
        "showEditInChartStudio": False,
    }


def _base(fig: go.Figure, title: str, yaxis: str, pct: bool = False) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 16}},
        separators=", ",  # decimal comma, thin thousands separator
        font={"family": "Marianne, Arial, sans-serif", "color": "#161616", "size": 13},
        plot_bgcolor="#FFFFFF",
        paper_bgcolor="#FFFFFF",
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.18},
        hovermode="x unified",
        height=380,
    )
    fig.update_yaxes(title=yaxis, gridcolor="#DDDDDD", rangemode="tozero")
    fig.update_xaxes(gridcolor="#EEEEEE", tickformat="%d/%m/%Y")  # French dates, never "Sep 2026"
    if pct:
        fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return fig


def area_by_origin(wide: pd.DataFrame, title: str) -> go.Figure:
    fig = go.Figure()
    for o in ORIGINES:
        if o in wide.columns:
            fig.add_trace(go.Scatter(
                x=list(wide.index), y=wide[o].tolist(), name=ORIGINES[o], stackgroup="one", mode="lines",
                line={"color": ORIGINE_COLORS[o], "width": 1}, hovertemplate="%{y:,d}",
            ))
    return _base(fig, title, "Comptes")


def lines_by_state(wide: pd.DataFrame, title: str) -> go.Figure:
    fig = go.Figure()
    dashes = {"NON_NOTIFIE": "dot", "NOTIFIE_NON_ACTIVE": "dash", "EN_COURS_ACTIVATION": "dashdot",
              "ACTIVE": "solid", "DESACTIVE": "longdash"}
    for e in ETATS:
        if e in wide.columns:
            # Dashes as well as colours: the states stay distinct for colour-blind readers and in grey print.
            fig.add_trace(go.Scatter(
                x=list(wide.index), y=wide[e].tolist(), name=ETATS[e], mode="lines+markers",
                line={"color": ETAT_COLORS[e], "dash": dashes[e], "width": 2}, hovertemplate="%{y:,d}",
            ))
    return _base(fig, title, "Comptes")


def rate_chart(rates: pd.DataFrame, title: str, proj: Any = None) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=list(rates["date"]), y=rates["taux"].tolist(), name="Taux d'activation observé",
        mode="lines+markers", line={"color": BLEU_FRANCE, "width": 3}, hovertemplate="%{y:.1%}",
    ))
    if proj is not None and proj.ok:
        xs = [c[0] for c in proj.curve]
        fig.add_trace(go.Scatter(x=xs, y=[c[3] for c in proj.curve], mode="lines", line={"width": 0},
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            x=xs, y=[c[2] for c in proj.curve], mode="lines", line={"width": 0}, fill="tonexty",
            fillcolor="rgba(106,106,244,0.25)", name="Intervalle de projection à 95 %", hoverinfo="skip",
        ))
        fig.add_trace(go.Scatter(
            x=xs, y=[c[1] for c in proj.curve], mode="lines", name="PROJECTION (tendance)",
            line={"color": "#6A6AF4", "dash": "dash", "width": 2}, hovertemplate="%{y:.1%}",
        ))
        fig.add_vline(x=xs[0], line={"color": "#666666", "dash": "dot"})
        fig.add_annotation(x=xs[0], y=1, yref="paper", text="Projection →", showarrow=False,
                           xanchor="left", font={"color": "#3A3A3A"})
    return _base(fig, title, "Taux d'activation", pct=True)


def ranked_bar(ch: pd.DataFrame, title: str, median: float | None) -> go.Figure:
    # At most the 40 lowest (the ones to act on); the full list is in the comparison table.
    d = ch.dropna(subset=["taux"]).sort_values("taux").head(40).iloc[::-1]
    fig = go.Figure(go.Bar(
        x=d["taux"].tolist(), y=d["label"].tolist(), orientation="h", marker={"color": BLEU_FRANCE},
        hovertemplate="%{y} : %{x:.1%}<extra></extra>", name="Taux d'activation",
    ))
    if median is not None:
        fig.add_vline(x=median, line={"color": "#CE0500", "dash": "dash", "width": 2})
        fig.add_annotation(x=median, y=1.02, yref="paper", text=f"Médiane académique {fmt_pct(median)}",
                           showarrow=False, font={"color": "#CE0500"})
    fig = _base(fig, title, "")
    fig.update_layout(height=max(300, 22 * len(d) + 100), hovermode="closest", showlegend=False)
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title="Taux d'activation")
    fig.update_yaxes(rangemode=None, automargin=True)
    return fig


def heatmap(cs: pd.DataFrame, title: str) -> go.Figure:
    """Activation rate child × week (weeks labelled by the date of their last snapshot)."""
    piv = cs.pivot_table(index="label", columns="date", values="taux", aggfunc="first")
    piv = piv.reindex(sorted(piv.index, key=_natural))
    xs = [fmt_date(d) for d in piv.columns]
    fig = go.Figure(go.Heatmap(
        z=piv.values.tolist(), x=xs, y=list(piv.index), zmin=0, zmax=1,
        colorscale=[[0, "#F6F6F6"], [0.5, "#8585F6"], [1, BLEU_FRANCE]],
        colorbar={"title": "Taux", "tickformat": ".0%"},
        hovertemplate="%{y} — semaine du %{x} : %{z:.1%}<extra></extra>", xgap=1, ygap=1,
    ))
    fig = _base(fig, title, "")
    fig.update_layout(height=max(300, 20 * len(piv.index) + 120), hovermode="closest")
    fig.update_xaxes(type="category", title="Semaine (date de l'instantané)")
    fig.update_yaxes(autorange="reversed", rangemode=None)
    return fig


def funnel_chart(fn: pd.DataFrame, title: str) -> go.Figure:
    d = fn[fn["kind"] != "total"].head(30)
    labels = d["label"].tolist()
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=d["notifies"].tolist(), name="Notifiés dans la semaine",
                         marker={"color": "#CECECE"}))
    fig.add_trace(go.Bar(x=labels, y=d["actives_30j"].tolist(), name="Activés sous 30 jours",
                         marker={"color": "#6A6AF4"}))
    fig.add_trace(go.Bar(x=labels, y=d["actives_7j"].tolist(), name="Activés sous 7 jours",
                         marker={"color": BLEU_FRANCE}))
    fig = _base(fig, title, "Comptes")
    fig.update_layout(barmode="group", hovermode="x unified")
    fig.update_xaxes(type="category", tickformat=None)
    return fig


def _natural(s: str) -> tuple:
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(s)))


def graph(fig: go.Figure, graph_id: str, filename: str, label: str) -> html.Div:
    """The chart, announced as a figure whose text alternative is the data table that follows it."""
    return html.Div(
        # A plain dict, not a go.Figure: cached sections unpickle and serialise it without re-validation.
        dcc.Graph(id=graph_id, figure=json.loads(fig.to_json()), config=graph_config(filename),
                  className="stats-graph"),
        role="figure",
        **{"aria-label": f"{label} (données détaillées dans le tableau qui suit)"},
    )
