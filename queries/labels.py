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
