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
    # One dcc.Store per section rendered on demand: assets/stats-lazy.js sets its data to 1 when the section
    # comes into view (or takes the focus, or the page is printed); its callback renders only then.
    EVOLUTION_GO = "stats-evolution-go"
    PROJECTION_GO = "stats-projection-go"
    CHILDREN_GO = "stats-children-go"
    HEATMAP_GO = "stats-heatmap-go"
    FUNNEL_GO = "stats-funnel-go"
    RELANCE_GO = "stats-relance-go"
    # A chart's data table is sent when its <details> is first opened, not with the chart: hundreds of cells
    # as Dash components cost seconds of rendering for a table most people never unfold. Pattern ids:
    # {"type": DT, "key": …} is the <summary> (its clicks ask), {"type": DT_BODY, "key": …} receives the table.
    DT = "stats-dt"
    DT_BODY = "stats-dt-body"


# The section bodies rendered when seen, and the store that says so.
LAZY: dict[Ids, Ids] = {
    Ids.EVOLUTION: Ids.EVOLUTION_GO,
    Ids.PROJECTION: Ids.PROJECTION_GO,
    Ids.CHILDREN: Ids.CHILDREN_GO,
    Ids.HEATMAP: Ids.HEATMAP_GO,
    Ids.FUNNEL: Ids.FUNNEL_GO,
    Ids.RELANCE: Ids.RELANCE_GO,
}
