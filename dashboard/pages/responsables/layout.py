"""Layout of the « Responsables » console.

Filters live in the URL (`/responsables?uai=…&classe=…&etat=…&origine=…&mail=oui&mobile=non`), except the search
text: a name typed in the box would end up in browser history and access logs, so it stays in the form only.
No personal data goes in a dcc.Store: one Store holds the opaque row id of the open account, another the opaque
single-use token of an action waiting for its confirmation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.grid_locale import LOCALE_FR
from dashboard.pages.responsables import confirm
from dashboard.pages.responsables.ids import GRID_TYPE, Ids
from queries.core.journal_text import default_place
from queries.core.scope import Principal
from queries.core.settings import Settings
from queries.services import console
from queries.services.console import ETATS, ORIGINES, Filters
from queries.warehouse import stats_series

PATH = "/responsables"

# Statut du compte: a coloured dot (decorative, drawn by assets/console.css) beside the label, which stays the text.
def etat_class(code: str) -> str:
    return "resp-etat--" + code.lower().replace("_", "-")


# Messagerie: the row carries ✔/✘ (queries.services.console.grid_row); the cell shows « Oui »/« Non » as text and the
# symbol as a decorative mark (CSS), so a screen reader says the word, not "heavy check mark".
MESSAGERIE_TEXT = {"function": "params.value === '✔' ? 'Oui' : (params.value === '✘' ? 'Non' : '')"}

# Long names (pupil, guardian, establishment) wrap on two lines in a fixed row height (the infinite row model
# cannot give rows different heights), then end with « … » (assets/console.css); the tooltip has the full text.
NAME_CELL: dict[str, Any] = {"wrapText": True, "cellClass": "resp-wrap"}
ROW_HEIGHT = 52  # two lines of 14 px text

# Widths chosen so that every column fits in the page's content width at 1366 px (≈ 1 200 px, without the
# sideways scroll that hid the origin and dates): headers wrap, names share the remaining width (flex).
COLUMNS: list[dict[str, Any]] = [
    {"field": "eleve", "headerName": "Élève", "flex": 3, "minWidth": 110, "tooltipField": "eleve", **NAME_CELL},
    {"field": "classe", "headerName": "Classe", "width": 72, **NAME_CELL},
    {"field": "mef", "headerName": "MEF", "flex": 2, "minWidth": 84, "tooltipField": "mef", **NAME_CELL},
    {"field": "responsable", "headerName": "Responsable", "flex": 3, "minWidth": 110, "tooltipField": "responsable",
     **NAME_CELL},
    {"field": "identifiant", "headerName": "Identifiant", "width": 112, "tooltipField": "identifiant",
     **NAME_CELL},
    {"field": "messagerie", "headerName": "Messagerie", "width": 96, "valueFormatter": MESSAGERIE_TEXT,
     "cellClassRules": {"resp-mail--oui": "params.value === '✔'", "resp-mail--non": "params.value === '✘'"}},
    {"field": "etat", "headerName": "Statut du compte", "width": 120, "wrapText": True, "cellClass": "resp-etat",
     "cellClassRules": {etat_class(code): f"params.value === {json.dumps(label, ensure_ascii=False)}"
                        for code, label in ETATS.items()}},
    {"field": "origine", "headerName": "Origine du compte", "width": 118, **NAME_CELL},
    {"field": "date_notification", "headerName": "Date de notification", "width": 90},
    {"field": "date_derniere_connexion", "headerName": "Date de dernière connexion", "width": 90},
]
# Shown to a remit of several establishments (support, IEN…), not to the head of one, sortable by name: the name,
# then the UAI on a second line (assets/dashAgGridFunctions.js RespEtab); the tooltip has « name (UAI) » whole.
ETAB_COLUMN: dict[str, Any] = {
    "field": "etablissement", "headerName": "Établissement", "flex": 3, "minWidth": 110, "cellRenderer": "RespEtab",
    "tooltipValueGetter": {"function": "params.data ? params.data.etablissement + ' (' + params.data.uai + ')' : ''"},
}


def columns(several_etabs: bool) -> list[dict[str, Any]]:
    """The grid's columns; the Établissement column after the pupil when the remit has several."""
    if not several_etabs:
        return COLUMNS
    return [*COLUMNS[:1], ETAB_COLUMN, *COLUMNS[1:]]


def several_etabs(principal: Principal) -> bool:
    """Whether the principal's remit covers more than one establishment (support, IEN, …)."""
    return principal.scope is not None and principal.scope.uai is None


# Enter on a focused row opens the account (assets/dashAgGridFunctions.js → the grid's own cellClicked prop).
EVENT_LISTENERS = {"cellKeyDown": ["respOpenOnEnter(params, setGridProps)"]}
YES_NO = [{"label": "Indifférent", "value": ""}, {"label": "Présent", "value": "oui"}, {"label": "Absent", "value": "non"}]


def grid(gen: int, f: Filters, settings: Settings, total: int, several: bool = False) -> dag.AgGrid:
    """A fresh grid (new id, so React mounts a new one and its infinite cache starts empty) for these filters.

    The filters travel in the grid's context: every getRowsRequest carries them back, and the server validates
    them again (Filters.build) and ANDs the principal's scope; nothing else from the request is trusted.
    """
    page = int(settings["PAGE_SIZE"])
    return dag.AgGrid(
        id={"type": GRID_TYPE, "gen": gen},
        columnDefs=columns(several),
        defaultColDef={"sortable": True, "resizable": True, "filter": False, "suppressHeaderMenuButton": True,
                       "wrapHeaderText": True, "autoHeaderHeight": True},
        rowModelType="infinite",
        getRowId="params.data.rid",
        eventListeners=EVENT_LISTENERS,
        dashGridOptions={
            "context": f.as_dict(),
            "cacheBlockSize": page,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": min(total, page) if total > 0 else 1,
            "rowSelection": {"mode": "multiRow", "checkboxes": True, "headerCheckbox": False,
                             "enableClickSelection": False},
            "localeText": LOCALE_FR,
            "rowBuffer": 0,
            "rowHeight": ROW_HEIGHT,
            "tooltipShowDelay": 300,
        },
        className="ag-theme-alpine resp-grid",
        style={"height": "520px", "width": "100%"},
    )


def _dropdown(id_: str, options: list[dict[str, str]], value: Any, label: str, multi: bool = True) -> html.Div:
    return html.Div(
        [html.Label(label, htmlFor=id_, className="fr-label"),
         dcc.Dropdown(id=id_, options=options, value=value, multi=multi, placeholder="Tous", clearable=True)],
        className="fr-col-12 fr-col-md-4 fr-mb-2w",
    )


def etab_field(f: Filters, etabs: list[tuple[str, str]] | None) -> html.Div:
    """« Établissement »: one establishment of the scope. `etabs` None (a single-establishment principal): the
    control still exists, so that the callbacks' inputs are always there, but it is hidden and empty."""
    options = [{"label": f"{nom or uai} ({uai})", "value": uai} for uai, nom in etabs or []]
    value = f.uai if f.uai and any(o["value"] == f.uai for o in options) else None
    return html.Div(
        [html.Label("Établissement", htmlFor=Ids.UAI, className="fr-label"),
         dcc.Dropdown(id=Ids.UAI, options=options, value=value, multi=False, placeholder="Tous",
                      clearable=True, searchable=True)],
        className="fr-col-12 fr-col-md-8 fr-mb-2w", hidden=etabs is None,
    )


def filters_form(f: Filters, class_options: list[str], etabs: list[tuple[str, str]] | None = None) -> html.Div:
    return html.Div(
        [
            etab_field(f, etabs),
            html.Div(
                [html.Label(["Nom ou prénom de l'élève ou du responsable, ou identifiant du compte",
                             html.Span("Le début de l'identifiant suffit (ex. : o.alam).", className="fr-hint-text")],
                            htmlFor=Ids.Q, className="fr-label"),
                 dcc.Input(id=Ids.Q, type="search", value=f.q, debounce=True, maxLength=console.MAX_QUERY_CHARS,
                           className="fr-input", placeholder="ex. : rehain, ABBEY, latch", autoComplete="off")],
                className="fr-col-12 fr-col-md-8 fr-mb-2w",
            ),
            html.Div(html.Button("Rechercher", id=Ids.SEARCH, n_clicks=0, className="fr-btn fr-mt-4w"),
                     className="fr-col-12 fr-col-md-4"),
            _dropdown(Ids.CLASSES, [{"label": c, "value": c} for c in class_options], list(f.classes), "Classe(s)"),
            _dropdown(Ids.ETATS, [{"label": v, "value": k} for k, v in ETATS.items()], list(f.etats),
                      "État(s) de compte"),
            _dropdown(Ids.ORIGINES, [{"label": v, "value": k} for k, v in ORIGINES.items()], list(f.origines),
                      "Origine du compte"),
            _dropdown(Ids.MAIL, YES_NO, "" if f.email is None else ("oui" if f.email else "non"), "Adresse mail",
                      multi=False),
            _dropdown(Ids.MOBILE, YES_NO, "" if f.mobile is None else ("oui" if f.mobile else "non"),
                      "Téléphone portable", multi=False),
        ],
        className="fr-grid-row fr-grid-row--gutters",
        role="search",
    )


def group_actions() -> html.Div:
    return html.Div(
        [
            html.H2("Actions", className="fr-h5 fr-mt-3w"),
            html.Div([
                dcc.RadioItems(
                    id=Ids.G_TARGET, value="selection", inline=True, className="fr-mb-1w",
                    options=[{"label": " Comptes des lignes cochées ", "value": "selection"},
                             {"label": " Tous les résultats de la recherche ", "value": "all"}]),
                dcc.RadioItems(
                    id=Ids.G_CHANNEL, value="courrier", inline=True, className="fr-mb-1w",
                    options=[{"label": " Courriers imprimables (PDF) ", "value": "courrier"},
                             {"label": " Courriels ", "value": "courriel"}]),
                dcc.Checklist(id=Ids.G_NEWPW, value=["oui"], className="fr-mb-1w",
                              options=[{"label": " Nouveau mot de passe provisoire pour les comptes pas encore "
                                                 "activés", "value": "oui"}]),
                dcc.Checklist(id=Ids.G_NEWPW_ACTIVE, value=[], className="fr-mb-1w",
                              options=[{"label": " Nouveau mot de passe provisoire aussi pour les comptes activés ou "
                                                 "en cours d'activation (leur mot de passe actuel ne fonctionnera "
                                                 "plus)", "value": "oui"}]),
            ]),
            html.Ul([
                html.Li(html.Button("(Re)notifier", id=Ids.G_OPEN, n_clicks=0, className="fr-btn")),
                html.Li(html.A("Exporter en CSV", id=Ids.EXPORT_CSV, href="#", className="fr-btn fr-btn--secondary")),
                html.Li(html.A("Exporter en PDF", id=Ids.EXPORT_PDF, href="#", className="fr-btn fr-btn--secondary")),
            ], className="fr-btns-group fr-btns-group--inline-md"),
            html.Div(id=Ids.MESSAGE, **{"aria-live": "polite"}),
        ]
    )


# Beside the count: why it differs from the statistics' number of accounts (one guardian of two pupils, two lines).
COUNT_HINT = " — une ligne par élève et responsable ; un compte de responsable de plusieurs élèves a plusieurs lignes."
HINT = "Sélectionnez un responsable dans la liste pour afficher son compte."


def detail_panel() -> html.Section:
    """Static controls (so their callbacks always exist), shown only once an account is open; until then a hint.

    The heading is focusable (tabIndex -1): it receives the focus when an account opens or the panel closes.
    """
    return html.Section(
        [
            html.H2("Compte du responsable", id=Ids.D_TITLE, tabIndex="-1", className="fr-h4 resp-detail__title"),
            html.P(HINT, id=Ids.D_HINT, className="fr-text--sm fr-mb-0"),
            html.Div([
                html.Div(html.Button("Fermer le compte", id=Ids.D_CLOSE, n_clicks=0,
                                     className="fr-btn fr-btn--tertiary fr-btn--sm"), className="resp-detail__close"),
                html.Div(id=Ids.D_MSG, **{"aria-live": "polite"}),
                html.Div(id=Ids.DETAIL_BODY),
                html.H3("(Re)notifier le compte", className="fr-h6 fr-mt-2w"),
                dcc.RadioItems(id=Ids.D_CHANNEL, value="courrier", inline=True,
                               options=[{"label": " Courrier imprimable (PDF) ", "value": "courrier"},
                                        {"label": " Courriel ", "value": "courriel"}]),
                # Ticked when an account opens unless it is activated or activating (callbacks.open_detail).
                dcc.Checklist(id=Ids.D_NEWPW, value=[],
                              options=[{"label": " Générer un nouveau mot de passe provisoire", "value": "oui"}]),
                html.Ul([
                    html.Li(html.Button("(Re)notifier le compte", id=Ids.D_NOTIFY, n_clicks=0, className="fr-btn")),
                    html.Li(html.Button("Réinitialiser le mot de passe", id=Ids.D_RESET, n_clicks=0,
                                        className="fr-btn fr-btn--secondary")),
                    html.Li(html.Button("Je ne vois pas tous mes enfants", id=Ids.D_DIAG, n_clicks=0,
                                        className="fr-btn fr-btn--tertiary")),
                ], className="fr-btns-group fr-btns-group--inline-md fr-mt-1w"),
                html.H3("Modifier le compte", className="fr-h6 fr-mt-2w"),
                html.Div([
                    html.Div([html.Label("Courriel", htmlFor=Ids.D_EMAIL, className="fr-label"),
                              dcc.Input(id=Ids.D_EMAIL, type="email", className="fr-input", maxLength=254,
                                        autoComplete="off")], className="fr-col-12 fr-col-md-5"),
                    html.Div([html.Label("Téléphone portable", htmlFor=Ids.D_MOBILE, className="fr-label"),
                              dcc.Input(id=Ids.D_MOBILE, type="tel", className="fr-input", maxLength=30,
                                        autoComplete="off")], className="fr-col-12 fr-col-md-4"),
                    html.Div(html.Button("Enregistrer la correction", id=Ids.D_SAVE, n_clicks=0,
                                         className="fr-btn fr-btn--secondary fr-mt-4w"),
                             className="fr-col-12 fr-col-md-3"),
                ], className="fr-grid-row fr-grid-row--gutters"),
                html.Div(id=Ids.D_DIAG_OUT, className="fr-mt-2w"),
            ], id=Ids.D_CONTENT, hidden=True),
        ],
        id=Ids.DETAIL, className="resp-detail fr-p-3w fr-mt-3w", **{"aria-labelledby": Ids.D_TITLE},
    )


def scope_label(settings: Settings, principal: Principal) -> str:
    """« COLLEGE HEGESIPPE HOARAU (9747237Y) », « Académie de … »: the statistics page's scope check gives the names
    (and re-checks the scope in SQL); its level and code in words if the warehouse cannot tell (no data yet)."""
    if principal.scope is None:
        return ""
    try:
        return stats_series.check_scope(settings, principal, principal.scope).label
    except Exception:  # no warehouse, no data yet, unknown establishment: « établissement 9740001A » still says where
        return default_place(str(principal.scope))


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    from dashboard import auth

    settings = auth.settings_of()
    f = Filters.from_params({k: v for k, v in params.items() if k != "q"})
    wide = several_etabs(principal)
    etabs: list[tuple[str, str]] | None = [] if wide else None
    try:
        if wide:
            etabs = console.establishments(settings, principal)
        class_options = console.classes(settings, principal, f.uai if wide else None)
    except Exception:  # no warehouse yet: the search callback says so
        class_options = []
    if not wide or not any(u == f.uai for u, _ in etabs or []):
        f = replace(f, uai=None)  # single establishment: its own scope already; wide: not one of its establishments
    scope_text = (f"Périmètre : {scope_label(settings, principal)}. Pour gérer les comptes, choisissez vos critères "
                  "de recherche.")
    return body(scope_text, filters_form(f, class_options, etabs))


def body(scope_text: str, form: html.Div) -> html.Div:
    return html.Div(
        [
            dcc.Location(id=Ids.URL, refresh=False),
            dcc.Store(id=Ids.CURRENT, storage_type="memory"),
            dcc.Download(id=Ids.DOWNLOAD),
            dcc.Store(id=Ids.CONFIRM_TOKEN, storage_type="memory"),
            html.H1("Gestion des comptes responsables"),
            html.P(scope_text, id=Ids.SCOPE, className="fr-text--sm"),
            form,
            html.P(id=Ids.COUNT, className="fr-text--bold", **{"aria-live": "polite"}),
            html.Div(id=Ids.GRID_WRAP),
            html.P("Pour ouvrir un compte : cliquez sur sa ligne, ou, au clavier, placez-vous sur la ligne avec les "
                   "flèches et appuyez sur Entrée. Cochez des lignes (case à cocher ou barre d'espace) pour une "
                   "action groupée.", id=Ids.GRID_HELP, className="fr-text--xs"),
            detail_panel(),
            group_actions(),
            confirm.dialog(),
        ]
    )


def skeleton(settings: Settings) -> html.Div:
    """Every component the page's callbacks name, built without principal or data (app.validation_layout)."""
    f = Filters()
    return html.Div([body("", filters_form(f, [], [])), grid(0, f, settings, 0)])  # the grid: built by the search
