"""Page « Qualité des données »: guardians without mobile / without email, and the last ingestion's quarantine.

Everything is computed in the principal's scope (SQL in queries.console). Counts only, except the quarantine
rows, shown to académie-level roles (see queries.console.quarantine_of_last_ingestion).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from dashboard import auth
from dashboard.components import simple_table
from dashboard.pages import Page
from queries import audit, console, warehouse
from queries.scope import Principal


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f} %".replace(".", ",") if d else "—"


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    settings = auth.settings_of()
    p = principal  # resolved from the server-side session by the shell's router, which checked `allowed`
    try:
        tot = console.quality_totals(settings, p)
        group, rows = console.quality_by_group(settings, p)
        quar = console.quarantine_of_last_ingestion(settings, p)
    except warehouse.WarehouseUnavailable as exc:
        return html.Div([html.H1("Qualité des données"), html.P(str(exc))])
    audit.record(settings, p, "view", detail={"page": "qualite"})
    n = tot["fiches"]
    tiles = html.Ul([
        html.Li(f"{n} fiches responsables (ONDE / SIECLE) dans le périmètre"),
        html.Li(f"{tot['sans_portable']} sans téléphone portable ({_pct(tot['sans_portable'], n)})"),
        html.Li(f"{tot['sans_courriel']} sans adresse électronique ({_pct(tot['sans_courriel'], n)})"),
        html.Li(f"{tot['sans_les_deux']} sans aucun des deux ({_pct(tot['sans_les_deux'], n)}) : "
                "ces responsables ne peuvent ni s'inscrire par SMS ni recevoir un courriel."),
    ])
    label = "Classe" if group == "classe" else "Établissement"
    grp = simple_table(
        f"Fiches sans portable ou sans courriel, par {label.lower()} (les plus incomplètes d'abord)",
        [label, "Code" if group == "etablissement" else "", "Fiches", "Sans portable", "%", "Sans courriel", "%"],
        [[r["libelle"], r["code"] if group == "etablissement" else "", r["fiches"], r["sans_portable"],
          _pct(r["sans_portable"], r["fiches"]), r["sans_courriel"], _pct(r["sans_courriel"], r["fiches"])]
         for r in rows],
    )
    parts: list[Any] = [
        html.H1("Qualité des données"),
        html.P("Un responsable sans téléphone portable ni adresse électronique est la première cause d'appels "
               "à l'assistance : complétez ces fiches dans ONDE (1er degré) ou SIECLE (2nd degré). Une correction "
               "saisie avant 15 h 30 est reprise le lendemain.", className="fr-text--sm"),
        tiles, grp,
        html.H2("Lignes écartées par la dernière ingestion", className="fr-h4 fr-mt-4w"),
    ]
    if quar["date"] is None:
        parts.append(html.P("Aucune ligne en quarantaine lors de la dernière ingestion."))
    else:
        parts.append(html.P(f"Ingestion du {quar['date']:%d/%m/%Y à %H:%M}.", className="fr-text--sm"))
        parts.append(simple_table("Lignes en quarantaine par table et motif", ["Table", "Motif", "Lignes"],
                            [[r["table_name"], r["reason"], r["n"]] for r in quar["resume"]]))
        if quar["detail"]:
            parts.append(simple_table("Détail des lignes en quarantaine",
                                ["Date", "Table", "Fichier", "Ligne", "Colonne", "Valeur", "Motif"],
                                [[f"{r['date']:%d/%m/%Y}", r["table_name"], r["file"], r["line"], r["column_name"],
                                  r["value"], r["reason"]] for r in quar["lignes"]]))
        else:
            parts.append(html.P("Le détail des lignes est réservé au niveau académique (pilotage, assistance) : "
                                "une ligne écartée n'a pas toujours d'établissement lisible.", className="fr-text--xs"))
    return html.Div(parts)


PAGE = Page(path="/qualite", title="Qualité des données", allowed=lambda p: p.can_stats, layout=layout)
