"""French texts of dash-ag-grid (`dashGridOptions={"localeText": LOCALE_FR}`), for every grid of the product.

The grid's own words — its loading and empty messages, paging, and what it announces to screen readers when a
row, a checkbox or a sortable header gets the keyboard focus — would otherwise be English. Keys are AG Grid's
(the ones its community bundle asks for).
"""

from __future__ import annotations

LOCALE_FR: dict[str, str] = {
    # Messages in the grid
    "loadingOoo": "Chargement…",
    "loadingError": "Erreur de chargement",
    "noRowsToShow": "Aucun résultat",
    # Paging
    "page": "Page",
    "of": "sur",
    "to": "à",
    "more": "plus",
    "pageLastRowUnknown": "?",
    "firstPage": "Première page",
    "lastPage": "Dernière page",
    "nextPage": "Page suivante",
    "previousPage": "Page précédente",
    "pageSizeSelectorLabel": "Lignes par page :",
    "ariaPageSizeSelectorLabel": "Lignes par page",
    # Sorting
    "sortAscending": "Tri croissant",
    "sortDescending": "Tri décroissant",
    "sortUnSort": "Sans tri",
    "ariaSortableColumn": "Appuyez sur Entrée pour trier",
    "ariaSortableColumnWithCellSelection": "Appuyez sur Alt et Entrée pour trier",
    "ariaMenuColumn": "Appuyez sur Alt et flèche bas pour ouvrir le menu de la colonne",
    "ariaLabelColumnMenu": "Menu de la colonne",
    # Selection and checkboxes (screen readers)
    "ariaChecked": "cochée",
    "ariaUnchecked": "non cochée",
    "ariaIndeterminate": "partiellement cochée",
    "ariaRowSelect": "Appuyez sur Espace pour sélectionner cette ligne",
    "ariaRowDeselect": "Appuyez sur Espace pour désélectionner cette ligne",
    "ariaRowToggleSelection": "Appuyez sur Espace pour cocher ou décocher la ligne",
    "ariaRowSelectAll": "Appuyez sur Espace pour cocher ou décocher toutes les lignes",
    "ariaRowSelectionDisabled": "La sélection est désactivée pour cette ligne",
    "ariaHeaderSelection": "Colonne de sélection",
    "ariaToggleCellValue": "Appuyez sur Espace pour changer la valeur de la cellule",
    # Loading rows of an infinite grid
    "ariaSkeletonCellLoading": "Chargement des lignes…",
    "ariaSkeletonCellLoadingFailed": "Les lignes n'ont pas pu être chargées",
    "ariaDeferSkeletonCellLoading": "Chargement de la cellule…",
    "ariaLabelTooltip": "Info-bulle",
}
