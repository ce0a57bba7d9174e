"""Figures and accessible tables of the statistics page (pure functions: data in, components out).

Every chart has a data table beside it (RGAA: an alternative to the image). Colours are DSFR ones with enough
contrast on white; French number formatting (`12 345`, `45,3 %`) and dates (JJ/MM/AAAA) everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from dashboard.pages.statistiques.ids import Ids
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
# Plotly formats numbers with d3 and the layout's `separators` (decimal, thousands): `, ` gives `12 345,6`.
# Rates are drawn in percent (0–100) with a ` %` suffix: d3's `%` format would write `52%`, not `52 %`.
SEPARATORS = ", "
PCT_SUFFIX = "\u202f%"  # narrow no-break space, as fmt_pct
DATE_TICKS = "%d/%m<br>%Y"  # day/month, year under it: never cut (« 23/08/20… »), never « Sep 2026 »
DATE_HOVER = "%d/%m/%Y"


def pct(values: Any) -> list[float | None]:
    """Rates (0.516) as percentages (51.6) for a chart; missing ones stay gaps."""
    return [None if v is None or pd.isna(v) else 100 * float(v) for v in values]


def order_for_reading(rates: pd.Series) -> list[str]:
    """The order in which both the ranked bars and the heat map list sub-scopes, top to bottom: lowest rate
    first (the ones to act on), ties and missing rates by natural name order (« 6e2 » before « 6e10 »)."""
    known = rates.dropna()
    missing = [k for k in rates.index if k not in known.index]
    return [*sorted(known.index, key=lambda k: (known[k], _natural(k))), *sorted(missing, key=_natural)]


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


def details_table(summary: str, key: str) -> html.Details:
    """The data table of a chart, folded under it (native <details>: keyboard-usable, announced). Its body is
    filled by the callback `data_table` when the summary is first activated (click, Enter or Space)."""
    return html.Details([
        html.Summary(summary, id={"type": Ids.DT, "key": key}, n_clicks=0, className="fr-link"),
        html.Div(id={"type": Ids.DT_BODY, "key": key}, className="stats-details__body"),
    ], className="stats-details fr-mt-1w")


def alert(message: str, kind: str = "info", title: str | None = None) -> html.Div:
    return html.Div(
        [html.H3(title, className="fr-alert__title") if title else None, html.P(message)],
        className=f"fr-alert fr-alert--{kind} fr-alert--sm fr-my-2w",
        role="alert" if kind == "error" else "status",
    )


# ------------------------------------------------------------------------------------------------ figures


def graph_config(filename: str) -> dict:
    """Modebar in French (assets/plotly-locale-fr.js registers the locale), PNG export with a meaningful file
    name, no Plotly logo; the chart follows its container's width (phones)."""
    return {
        "locale": "fr",
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2, "width": 1100, "height": 500},
        # Never offer to upload the data to Plotly's cloud (it is the académie's data).
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "sendChartToCloud", "sendDataToCloud",
                                   "editInChartStudio"],
        "showSendToCloud": False,
        "showEditInChartStudio": False,
    }


def _base(fig: go.Figure, title: str, yaxis: str, pct: bool = False, dates: bool = True) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 16}, "x": 0, "xanchor": "left", "xref": "paper"},
        separators=SEPARATORS,
        font={"family": "Marianne, Arial, sans-serif", "color": "#161616", "size": 13},
        plot_bgcolor="#FFFFFF",
        paper_bgcolor="#FFFFFF",
        autosize=True,  # no width: the container's (see graph(): responsive, width 100 %)
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        # Legend under the plot, below the tick labels whatever their height (automargin grows the margin).
        legend={"orientation": "h", "y": -0.15, "yref": "paper", "yanchor": "top", "x": 0, "xanchor": "left"},
        hovermode="x unified",
        height=450,  # dcc.Graph's own default, which the charts had on screen before graph() passed the height
    )
    # separatethousands: Plotly leaves 4-digit numbers unseparated otherwise (« 8000 »).
    fig.update_yaxes(title=yaxis, gridcolor="#DDDDDD", rangemode="tozero", separatethousands=True, automargin=True)
    fig.update_xaxes(gridcolor="#EEEEEE", separatethousands=True, automargin=True)
    if dates:
        fig.update_xaxes(tickformat=DATE_TICKS, hoverformat=DATE_HOVER)
    if pct:
        fig.update_yaxes(ticksuffix=PCT_SUFFIX, range=[0, 100])
    return fig


def area_by_origin(wide: pd.DataFrame, title: str) -> go.Figure:
    fig = go.Figure()
    for o in ORIGINES:
        if o in wide.columns:
            fig.add_trace(go.Scatter(
                x=list(wide.index), y=wide[o].tolist(), name=ORIGINES[o], stackgroup="one", mode="lines",
                line={"color": ORIGINE_COLORS[o], "width": 1}, hovertemplate="%{y:,d} comptes",
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
                line={"color": ETAT_COLORS[e], "dash": dashes[e], "width": 2}, hovertemplate="%{y:,d} comptes",
            ))
    return _base(fig, title, "Comptes")


def rate_chart(rates: pd.DataFrame, title: str, proj: Any = None) -> go.Figure:
    fig = go.Figure()
    hover = "%{y:.1f}" + PCT_SUFFIX
    fig.add_trace(go.Scatter(
        x=list(rates["date"]), y=pct(rates["taux"]), name="Taux d'activation observé",
        mode="lines+markers", line={"color": BLEU_FRANCE, "width": 3}, hovertemplate=hover,
    ))
    if proj is not None and proj.ok:
        xs = [c[0] for c in proj.curve]
        fig.add_trace(go.Scatter(x=xs, y=pct(c[3] for c in proj.curve), mode="lines", line={"width": 0},
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            x=xs, y=pct(c[2] for c in proj.curve), mode="lines", line={"width": 0}, fill="tonexty",
            fillcolor="rgba(106,106,244,0.25)", name="Intervalle de projection à 95 %", hoverinfo="skip",
        ))
        fig.add_trace(go.Scatter(
            x=xs, y=pct(c[1] for c in proj.curve), mode="lines", name="PROJECTION (tendance)",
            line={"color": "#6A6AF4", "dash": "dash", "width": 2}, hovertemplate=hover,
        ))
        fig.add_vline(x=xs[0], line={"color": "#666666", "dash": "dot"})
        fig.add_annotation(x=xs[0], y=1, yref="paper", text="Projection →", showarrow=False,
                           xanchor="left", yanchor="bottom", font={"color": "#3A3A3A"})
    return _base(fig, title, "Taux d'activation", pct=True)


def ranked_bar(ch: pd.DataFrame, title: str, median: float | None) -> go.Figure:
    """Activation rate per sub-scope, lowest at the top; at most the 40 lowest (the full list is in the table).
    Callers show a sentence instead when fewer than two sub-scopes have a rate (nothing to compare)."""
    rates = ch.dropna(subset=["taux"]).drop_duplicates("label").set_index("label")["taux"]
    labels = order_for_reading(rates)[:40]
    fig = go.Figure(go.Bar(
        x=pct(rates[k] for k in labels), y=labels, orientation="h", marker={"color": BLEU_FRANCE},
        hovertemplate="%{y} : %{x:.1f}" + PCT_SUFFIX + "<extra></extra>", name="Taux d'activation",
    ))
    fig = _base(fig, title, "", dates=False)
    if median is not None:
        fig.add_vline(x=100 * median, line={"color": "#CE0500", "dash": "dash", "width": 2})
        # Above the plot area (in the top margin), never over the bars.
        fig.add_annotation(x=100 * median, y=1, yref="paper", yanchor="bottom", text=f"Médiane {fmt_pct(median)}",
                           showarrow=False, font={"color": "#CE0500"}, bgcolor="#FFFFFF")
    fig.update_layout(height=max(300, 24 * len(labels) + 140), hovermode="closest", showlegend=False,
                      margin={"t": 80})
    fig.update_xaxes(ticksuffix=PCT_SUFFIX, range=[0, 100], title="Taux d'activation")
    # Top to bottom in the order of `labels` (a category axis is drawn bottom-up otherwise).
    fig.update_yaxes(rangemode=None, type="category", categoryorder="array", categoryarray=labels,
                     autorange="reversed")
    return fig


def heatmap(cs: pd.DataFrame, title: str) -> go.Figure:
    """Activation rate child × week (weeks labelled by the date of their last snapshot); rows in the ranked bar
    chart's order: the latest week's rate, lowest first."""
    piv = cs.pivot_table(index="label", columns="date", values="taux", aggfunc="first", dropna=False)
    piv = piv.reindex(order_for_reading(piv[piv.columns[-1]]) if len(piv.columns) else piv.index)
    xs = [fmt_date(d) for d in piv.columns]
    fig = go.Figure(go.Heatmap(
        z=[pct(row) for row in piv.values.tolist()], x=xs, y=list(piv.index), zmin=0, zmax=100,
        colorscale=[[0, "#F6F6F6"], [0.5, "#8585F6"], [1, BLEU_FRANCE]],
        colorbar={"title": {"text": "Taux"}, "ticksuffix": PCT_SUFFIX, "thickness": 12},
        hovertemplate="%{y} — semaine du %{x} : %{z:.1f}" + PCT_SUFFIX + "<extra></extra>", xgap=1, ygap=1,
    ))
    fig = _base(fig, title, "", dates=False)
    fig.update_layout(height=max(300, 22 * len(piv.index) + 160), hovermode="closest")
    fig.update_xaxes(type="category", title="Semaine (date de l'instantané)", tickangle=-45)
    fig.update_yaxes(autorange="reversed", rangemode=None, type="category")
    return fig


def _short(label: str, n: int = 22) -> str:
    return label if len(label) <= n else label[: n - 1].rstrip() + "…"


def funnel_chart(fn: pd.DataFrame, title: str) -> go.Figure:
    """Notified in the week → activated within 7 / 30 days, per sub-scope: horizontal bars, so that long
    establishment names stay readable (shortened on the axis, whole in the hover and the table)."""
    d = fn[fn["kind"] != "total"].head(30)
    labels = [str(x) for x in d["label"]]
    shown = [_short(x) for x in labels]
    if len(set(shown)) < len(shown):  # two names alike once shortened: keep them whole
        shown = labels
    fig = go.Figure()
    for col, name, color in (("notifies", "Notifiés dans la semaine", "#CECECE"),
                             ("actives_30j", "Activés sous 30 jours", "#6A6AF4"),
                             ("actives_7j", "Activés sous 7 jours", BLEU_FRANCE)):
        fig.add_trace(go.Bar(y=shown, x=d[col].tolist(), name=name, orientation="h", marker={"color": color},
                             customdata=labels, hovertemplate="%{customdata} : %{x:,d}"))
    fig = _base(fig, title, "", dates=False)
    fig.update_layout(barmode="group", hovermode="y unified", height=max(320, 60 * len(labels) + 160),
                      legend={"traceorder": "normal"})
    fig.update_xaxes(title="Comptes", rangemode="tozero")
    fig.update_yaxes(type="category", autorange="reversed", rangemode=None)
    return fig


def _natural(s: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(s)))


def graph(fig: go.Figure, graph_id: str, filename: str, label: str) -> html.Div:
    """The chart, announced as a figure whose text alternative is the data table that follows it.

    Its title is shown in the page, above the chart, where it wraps on a phone; Plotly's own title, which it would
    cut at the chart's width and which the modebar covers, is hidden on screen (assets/stats.css) but kept in the
    figure for the PNG export (drawn off the page, outside .stats-graph)."""
    return html.Div(
        [
            html.P(fig.layout.title.text, className="stats-graph__title"),
            # A plain dict, not a go.Figure: cached sections unpickle and serialise it without re-validation.
            # responsive=True drops the figure's height for its container's (450 px by default): the container
            # gets the figure's, so that a bar chart of 40 classes is as tall as they need (one label per bar).
            dcc.Graph(id=graph_id, figure=json.loads(fig.to_json()), config=graph_config(filename),
                      className="stats-graph", style={"width": "100%", "height": f"{fig.layout.height}px"},
                      responsive=True),
        ],
        role="figure",
        **{"aria-label": f"{label} (données détaillées dans le tableau qui suit)"},
    )
