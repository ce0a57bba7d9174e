"""Page « Journal »: the audit log as French sentences in a paged grid, filterable and exportable (CSV).

What each role reads is decided in SQL by queries.store.audit.visibility (chef: their establishment; support: data
events of the académie; admin: account-management events only), for the grid and its CSV export alike; the
sentences, the withheld ids and the folding of repeated searches are queries/services/journal.py's. The grid
fetches its rows page by page (infinite row model): the page opens at once whatever the log's size. Entries older
than AUDIT_RETENTION_DAYS are purged when the page is opened (a cheap indexed DELETE), so the retention holds even
without a scheduler.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html
from flask import Response, request

from dashboard import auth, requests_guard
from dashboard.components import MAX_START_ROW, rows_io, rows_request
from dashboard.exports_console import list_csv
from dashboard.grid_locale import LOCALE_FR
from dashboard.pages import Callbacks, Page
from queries.core import authz, clock
from queries.core.authz import Action
from queries.core.formats import fmt_int
from queries.core.journal_text import OUTCOME_LABELS
from queries.core.scope import Principal
from queries.core.settings import Settings
from queries.services import journal
from queries.services.journal import Filters
from queries.store import audit

GRID_TYPE = "journal-grid"
PAGE_ROWS = 100


class Ids:
    SINCE = "journal-since"
    UNTIL = "journal-until"
    LOGIN = "journal-login"
    ACTION = "journal-action"
    TARGET = "journal-target"
    OUTCOME = "journal-outcome"
    COUNT = "journal-count"
    TABLE = "journal-table"  # the grid's wrapper
    EXPORT = "journal-export"


# Date and Entrée share what the three fixed columns leave: 160 px and the rest on a laptop; on a phone both
# shrink to their minimum, which fits a 390 px screen (the date on two lines), the other columns after them.
COLUMNS: list[dict[str, Any]] = [
    {"field": "date", "headerName": "Date", "flex": 1, "minWidth": 100, "maxWidth": 160, "cellClass": "journal-wrap"},
    {
        "field": "entree",
        "headerName": "Entrée",
        "flex": 3,
        "minWidth": 240,
        "cellClass": "journal-wrap",
        "cellRenderer": "JournalText",  # assets/dashAgGridFunctions.js
        "tooltipField": "entree",  # the rare sentence longer than its row
    },
    {"field": "action", "headerName": "Action", "width": 180, "cellClass": "journal-wrap"},
    {"field": "login", "headerName": "Identifiant", "width": 150, "cellClass": "journal-wrap"},
    {"field": "resultat", "headerName": "Résultat", "width": 110, "cellClass": "journal-wrap"},
]


def grid(f: Filters, total: int) -> html.Div:
    """A fresh grid (new id: React mounts a new one, its infinite cache empty) for these filters, which travel in
    its context: every getRowsRequest carries them back and the server validates them again."""
    gen = time.time_ns() // 1000
    g = dag.AgGrid(
        id={"type": GRID_TYPE, "gen": gen},
        columnDefs=COLUMNS,
        defaultColDef={
            "sortable": False,
            "resizable": True,
            "filter": False,
            "suppressHeaderMenuButton": True,
        },
        rowModelType="infinite",
        getRowId="params.data.id",
        dashGridOptions={
            "context": {**f.as_dict(), "total": total},
            "cacheBlockSize": PAGE_ROWS,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": min(total, PAGE_ROWS) if total > 0 else 1,
            "localeText": LOCALE_FR,
            "rowBuffer": 0,
            # No rowHeight: the grid reads the theme's --ag-row-height, which assets/journal.css sets per screen
            # width (the infinite row model needs one height for every row: no autoHeight).
            "suppressCellFocus": False,
        },
        className="ag-theme-alpine",
        style={"height": "560px", "width": "100%"},
    )
    # A new React key: the grid is mounted anew (an empty infinite cache asking for its first block), never
    # updated in place with the previous filter's rows.
    return html.Div(g, key=str(gen))


def _field(label: str, control: Any, id_: str, width: str = "fr-col-12 fr-col-md-4") -> html.Div:
    return html.Div([html.Label(label, htmlFor=id_, className="fr-label"), control], className=width)


def _date_field(label: str, id_: str, value: date | None) -> html.Div:
    control = dcc.Input(id=id_, type="date", debounce=True, className="fr-input",
                        value=value.isoformat() if value else None)
    return _field(label, control, id_, "fr-col-6 fr-col-md-2")


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    settings = auth.settings_of()
    audit.purge(settings, clock.utcnow())
    f = Filters.from_dict(params) if params else Filters.default()
    # The first grid and its count come with the page (no callback round trip before the grid mounts): the page
    # shows its first rows with a single request of the grid. The « Qui » list, which holds the log's logins,
    # is filled by a callback meanwhile: the page itself carries no entry of the log.
    return body(settings, f, journal.count(settings, principal, f))


def skeleton(settings: Settings) -> html.Div:
    """Every component the page's callbacks name, built without principal or data (app.validation_layout)."""
    return body(settings, Filters.default(), 0)


def body(settings: Settings, f: Filters, total: int) -> html.Div:
    actions = [{"label": v, "value": k} for k, v in sorted(audit.ACTION_LABELS.items(), key=lambda kv: kv[1])]
    return html.Div(
        [
            html.H1("Journal"),
            html.P(
                "Qui a fait quoi, quand, sur quel périmètre. Journal en ajout seul ; les entrées de plus de "
                f"{settings['AUDIT_RETENTION_DAYS']} jours sont supprimées. Les recherches identiques répétées en "
                f"quelques minutes sont regroupées en une entrée (« ×5 entre 10:02 et 10:09 »).",
                className="fr-text--sm",
            ),
            html.Div(
                [
                    _date_field("Du", Ids.SINCE, f.since),
                    _date_field("Au", Ids.UNTIL, f.until),
                    _field(
                        "Qui (identifiant)",
                        dcc.Dropdown(
                            id=Ids.LOGIN,
                            options=[],
                            value=f.login,
                            placeholder="Tout le monde",
                            searchable=True,
                            clearable=True,
                        ),
                        Ids.LOGIN,
                    ),
                    _field(
                        "Quoi",
                        dcc.Dropdown(
                            id=Ids.ACTION,
                            options=actions,
                            value=f.action,
                            placeholder="Toutes les actions",
                            clearable=True,
                        ),
                        Ids.ACTION,
                        "fr-col-12 fr-col-md-4",
                    ),
                    _field(
                        "Compte concerné (identifiant exact)",
                        dcc.Input(
                            id=Ids.TARGET,
                            type="search",
                            debounce=True,
                            maxLength=100,
                            className="fr-input",
                            value=f.target,
                            autoComplete="off",
                            placeholder="identifiant du compte, en entier",
                        ),
                        Ids.TARGET,
                    ),
                    _field(
                        "Résultat",
                        dcc.Dropdown(
                            id=Ids.OUTCOME,
                            options=[{"label": v, "value": k} for k, v in OUTCOME_LABELS.items()],
                            value=f.outcome,
                            placeholder="Tous",
                            clearable=True,
                        ),
                        Ids.OUTCOME,
                        "fr-col-12 fr-col-md-3",
                    ),
                ],
                className="fr-grid-row fr-grid-row--gutters fr-mb-2w",
                role="search",
            ),
            html.Div(
                [
                    html.P(
                        _count_text(total, f),
                        id=Ids.COUNT,
                        className="fr-text--bold fr-mb-1w",
                        **{"aria-live": "polite"},
                    ),
                    html.A(
                        "Exporter en CSV",
                        id=Ids.EXPORT,
                        href=_export_href(f),
                        className="fr-btn fr-btn--secondary",
                    ),
                ],
                className="fr-mb-2w",
            ),
            html.Div(grid(f, total), id=Ids.TABLE, role="region", **{"aria-label": "Entrées du journal"}),
            html.P(
                "Au clavier : Tab pour entrer dans la liste, flèches pour aller d'une cellule à l'autre, Page suivante "
                "et Page précédente pour défiler. Les entrées se chargent par pages de "
                f"{PAGE_ROWS} au fil du défilement.",
                className="fr-text--xs fr-mt-1w",
            ),
        ]
    )


def _who(settings: Settings, principal: Principal, f: Filters) -> list[dict[str, str]]:
    """« Qui »: the people of the entries the reader may read in this period (their own login among them)."""
    who = journal.logins(settings, principal, f)
    if f.login and f.login not in who:
        who.append(f.login)
    return [{"label": x, "value": x} for x in who]


def _export_href(f: Filters) -> str:
    # `since` always, even empty: an empty one is « no start », a missing one « the default week ».
    return "/export/journal.csv?" + urlencode({k: v for k, v in f.as_dict().items() if v or k == "since"})


def _count_text(n: int, f: Filters) -> str:
    since = f" depuis le {f.since:%d/%m/%Y}" if f.since else ""
    until = f" jusqu'au {f.until:%d/%m/%Y}" if f.until else ""
    return f"{fmt_int(n)} entrée{'s' if n > 1 else ''}{since}{until}"


def export_journal(settings: Settings) -> Response:
    principal = auth.require_principal(Action.AUDIT)
    f = Filters.from_dict(request.args.to_dict())
    cap = int(settings["EXPORT_MAX_ROWS"])
    rows = journal.export_rows(settings, principal, f, cap + 1)
    cut = len(rows) > cap
    rows = rows[:cap]
    audit.record(
        settings,
        principal,
        "export",
        detail={"page": "journal", "format": "csv", "lignes": len(rows), "tronque": cut},
    )
    resp = Response(list_csv(rows, journal.CSV_COLUMNS), mimetype="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = f'attachment; filename="journal-{datetime.now():%Y%m%d-%H%M}.csv"'
    return resp


callbacks = Callbacks()
for _id in (Ids.SINCE, Ids.UNTIL, Ids.LOGIN, Ids.ACTION, Ids.TARGET, Ids.OUTCOME):
    requests_guard.expect(_id, "value", "str")  # single texts (dashboard/requests_guard.py)

@callbacks(
    Output(Ids.TABLE, "children"), Output(Ids.COUNT, "children"), Output(Ids.EXPORT, "href"),
    Output(Ids.LOGIN, "options"),
    *[Input(i, "value") for i in (Ids.SINCE, Ids.UNTIL, Ids.LOGIN, Ids.ACTION, Ids.TARGET, Ids.OUTCOME)],
    prevent_initial_call=True,
)
def show(since, until, login, action, target, outcome):  # noqa: ANN001, ANN202
    principal = auth.require_principal(Action.AUDIT)
    settings = auth.settings_of()
    f = Filters.build(since, until, login, action, target, outcome)
    total = journal.count(settings, principal, f)
    return grid(f, total), _count_text(total, f), _export_href(f), _who(settings, principal, f)

@callbacks(
    Output(Ids.LOGIN, "options", allow_duplicate=True),
    Input(Ids.SINCE, "value"), Input(Ids.UNTIL, "value"), State(Ids.LOGIN, "value"),
    prevent_initial_call="initial_duplicate",
)
def who_options(since, until, login):  # noqa: ANN001, ANN202
    principal = auth.require_principal(Action.AUDIT)
    settings = auth.settings_of()
    return _who(settings, principal, Filters.build(since, until, login))

@callbacks(*rows_io(GRID_TYPE), prevent_initial_call=True)
def get_rows(req):  # noqa: ANN001, ANN202
    principal = auth.require_principal(Action.AUDIT)
    settings = auth.settings_of()
    start, end, c = rows_request(req)
    # filterModel and sortModel are ignored: no column filter nor sort in this grid (newest first).
    rows = journal.page(settings, principal, Filters.from_dict(c), start, end - start)
    # The count came with the grid (its context): not recounted for every block. A short block is the end;
    # a count that the rows already passed (entries written since, a forged context) is « unknown » (-1).
    if len(rows) < end - start:
        count = start + len(rows)
    else:
        total = c.get("total")
        count = total if isinstance(total, int) and start + len(rows) <= total <= MAX_START_ROW else -1
    return {"rowData": rows, "rowCount": count}


PAGE = Page(
    path="/journal",
    title="Journal",
    allowed=lambda p: authz.allowed(p, Action.AUDIT),
    layout=layout,
    register_callbacks=callbacks.register,
    skeleton=skeleton,
)
