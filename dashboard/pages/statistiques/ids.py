"""Component ids of the statistics page (one enum: a typo is an AttributeError, not a silent dead callback)."""

from enum import StrEnum


class Ids(StrEnum):
    VIEW = "stats-view"  # dcc.Store: the validated view (scope, dates, degree…) as URL parameters, no personal data
    DATE = "stats-date"
    DEGRE = "stats-degre"
    FROM = "stats-from"
    TO = "stats-to"
    PAR = "stats-par"
    APPLY = "stats-apply"
    KPIS = "stats-kpis"
    SYNTHESE = "stats-synthese"
    EVOLUTION = "stats-evolution"
    CHILDREN = "stats-children"
    HEATMAP = "stats-heatmap"
    PROJECTION = "stats-projection"
    CIBLE = "stats-cible"
    CIBLE_APPLY = "stats-cible-apply"
    FUNNEL = "stats-funnel"
    SEMAINE = "stats-semaine"
    SEMAINE_APPLY = "stats-semaine-apply"
    RELANCE = "stats-relance"
