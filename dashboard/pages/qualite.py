"""Page « Qualité des données »: guardians without mobile / without email, and the last ingestion's quarantine.

Everything is computed in the principal's scope (SQL in queries.services.console). Counts only, except the quarantined
lines of the caller's remit, shown to the roles entitled to personal data there (support for the académie, chef
and delegue for their establishment): see queries.services.console.quarantine_of_last_ingestion. Pilote and IEN see the
categories of reasons with their counts, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from dashboard import auth
from dashboard.components import simple_table
from dashboard.pages import Page
from queries import warehouse
from queries.core import authz, vocab
from queries.core.authz import Action
from queries.core.formats import fmt_int, fmt_pct
from queries.core.scope import Principal
from queries.services import console
from queries.store import audit


def _table(name: str | None) -> str:
    return vocab.QUARANTINE_TABLES.get(name or "", name or "")


def _column(name: str | None) -> str:
    return vocab.INPUT_COLUMNS.get(name or "", name or "")


def _pct(n: int, d: int) -> str:
    return fmt_pct(n / d) if d else "—"


def layout(principal: Principal, params: Mapping[str, str]) -> html.Div:
    settings = auth.settings_of()
    p = principal  # resolved from the server-side session by the shell's router, which checked `allowed`
    try:
        tot = console.quality_totals(settings, p)
        group, rows = console.quality_by_group(settings, p)
        quar = console.quarantine_of_last_ingestion(settings, p)
    except warehouse.WarehouseUnavailable as exc:
        return html.Div([html.H1("Qualité des données"), html.P(str(exc))])
    audit.record(settings, p, "view", detail={"page": "qualite", "lignes_en_quarantaine_montrees": len(quar["lignes"])})
    n = tot["fiches"]
    tiles = html.Ul([
        html.Li(f"{fmt_int(n)} fiches responsables (ONDE / SIECLE) dans le périmètre"),
        html.Li(f"{fmt_int(tot['sans_portable'])} sans téléphone portable ({_pct(tot['sans_portable'], n)})"),
        html.Li(f"{fmt_int(tot['sans_courriel'])} sans adresse électronique ({_pct(tot['sans_courriel'], n)})"),
        html.Li(f"{fmt_int(tot['sans_les_deux'])} sans aucun des deux ({_pct(tot['sans_les_deux'], n)}) : "
                "ces responsables ne peuvent ni s'inscrire par SMS ni recevoir un courriel."),
    ])
    label = "Classe" if group == "classe" else "Établissement"
    grp = simple_table(
        f"Fiches sans portable ou sans courriel, par {label.lower()} (les plus incomplètes d'abord)",
        [label, "Code" if group == "etablissement" else "", "Fiches", "Sans portable", "%", "Sans courriel", "%"],
        [[r["libelle"], r["code"] if group == "etablissement" else "", fmt_int(r["fiches"]), fmt_int(r["sans_portable"]),
          _pct(r["sans_portable"], r["fiches"]), fmt_int(r["sans_courriel"]), _pct(r["sans_courriel"], r["fiches"])]
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
    if quar["date"] is None or not quar["resume"]:
        parts.append(html.P("Aucune ligne de votre périmètre n'a été écartée par la dernière ingestion."))
    else:
        parts.append(html.P(f"Ingestion du {quar['date']:%d/%m/%Y à %H:%M} : {fmt_int(quar['total'])} ligne(s) "
                            "de votre périmètre écartée(s).", className="fr-text--sm"))
        parts.append(simple_table(
            "Lignes en quarantaine par table, colonne et motif", ["Table", "Colonne", "Motif", "Lignes"],
            [[_table(r["table_name"]), _column(r["column_name"]), r["reason"], fmt_int(r["n"])] for r in quar["resume"]]))
        if quar["detail"]:
            parts.append(simple_table(
                "Détail des lignes en quarantaine",
                ["Date", "Table", "Fichier", "Ligne", "Colonne", "Valeur", "Motif"],
                [[f"{r['date']:%d/%m/%Y}", _table(r["table_name"]), r["file"], fmt_int(r["line"]),
                  _column(r["column_name"]), r["value"], r["reason"]] for r in quar["lignes"]]))
        else:
            parts.append(html.P("Le détail des lignes (valeurs) est réservé aux rôles qui ont accès aux données "
                                "personnelles : l'assistance académique, et le chef d'établissement pour les lignes "
                                "de son établissement.", className="fr-text--xs"))
    return html.Div(parts)


PAGE = Page(path="/qualite", title="Qualité des données", allowed=lambda p: authz.allowed(p, Action.STATS), layout=layout)
