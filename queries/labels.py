"""French labels of the coded vocabularies (DOMAIN.md), shared by the CLI and the dashboard."""

from __future__ import annotations

ORIGINES: dict[str, str] = {
    "ATEN": "ATEN",
    "ENT": "ENT",
    "ETABLISSEMENT": "Établissement",
    "FRANCECONNECT": "FranceConnect",
    "RESPONSABLE": "Responsable",
    "NON_RENSEIGNE": "N/A",
}
TOTAL = "TOTAL"
TOTAL_LABEL = "Total"

ETATS: dict[str, str] = {
    "NON_NOTIFIE": "Non notifié",
    "NOTIFIE_NON_ACTIVE": "Notifié et non activé",
    "EN_COURS_ACTIVATION": "En cours d'activation",
    "ACTIVE": "Activé",
    "DESACTIVE": "Désactivé",
}

# Column headers of the synthesis table ("Synthèse des comptes responsables de la structure").
SYNTHESE_COLUMNS: dict[str, str] = {
    "origine": "Origine du compte",
    "comptes": "Nombre de comptes responsables",
    "NON_NOTIFIE": "Non notifiés",
    "NOTIFIE_NON_ACTIVE": "Notifiés et non activés",
    "EN_COURS_ACTIVATION": "En cours d'activation",
    "ACTIVE": "Activés",
    "DESACTIVE": "Désactivés",
}

LIENS: dict[str, str] = {"MERE": "Mère", "PERE": "Père", "TUTEUR": "Tuteur", "AUTRE": "Autre"}
DEGRES: dict[str, str] = {"1D": "1er degré", "2D": "2nd degré"}


def origine_label(code: str) -> str:
    return TOTAL_LABEL if code == TOTAL else ORIGINES.get(code, code)


def etat_label(code: str) -> str:
    return ETATS.get(code, code)


# Civility as ONDE / SIECLE write it ("M.", "M", "MME", "Monsieur"…) → the salutation of letters and emails.
_CIVILITES: dict[str, str] = {"M": "Monsieur", "MR": "Monsieur", "MONSIEUR": "Monsieur", "MME": "Madame",
                              "MADAME": "Madame"}


def civilite_label(code: str | None) -> str:
    """Salutation for a civility code; "Madame, Monsieur" when it is missing or unknown."""
    key = (code or "").strip().upper().rstrip(".")
    return _CIVILITES.get(key, "Madame, Monsieur")


# Quarantine reasons of the ingestion's value checks: a stable snake_case code (it is stored) → its French label.
# A label never embeds a value: the offending value has its own column. The plausible date windows are those of
# queries/ingest.py (PLAUSIBLE_*), relative to the snapshot date D.
VALUE_REASONS: dict[str, str] = {
    "caractere_controle": "Caractère de contrôle (NUL, tabulation, saut de ligne…) dans la valeur",
    "valeur_trop_longue": "Valeur plus longue que la limite INGEST_MAX_FIELD_BYTES",
    "date_future": "Date postérieure au lendemain de la date de l'extraction",
    "date_trop_ancienne": "Date antérieure au 01/01/2000",
    "naissance_invraisemblable": "Date de naissance invraisemblable : moins d'un an ou plus de 30 ans à la date de l'extraction",
    "reference_en_quarantaine": "Fait référence à une ligne elle-même mise en quarantaine (voir son motif)",
}
