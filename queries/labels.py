"""French labels of the coded vocabularies (DOMAIN.md), and French number formatting, shared by the CLI, the
ingestion's messages and the dashboard."""

from __future__ import annotations

NNBSP = "\u202f"  # French thousands separator (narrow no-break space: a number never wraps)


def fmt_int(n: int, sep: str = NNBSP) -> str:
    """`12 345`; `sep=""` for machine-readable cells."""
    return f"{n:,}".replace(",", sep)


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


# ---------------------------------------------------------------------------------------------------------
# Quarantine (rows set aside by the ingestion). One vocabulary: the ingestion stores `reason_code` and its label
# (`reason`); the offending value goes to its own column (`value`), so a label never embeds data. To add a check,
# add its code here (snake_case, stable: it is stored) and emit the code from the check's SQL.
QUARANTINE_REASONS: dict[str, str] = {
    "manquant": "Valeur obligatoire manquante",
    "inconnu": "Valeur hors du vocabulaire attendu",
    "date_invalide": "Date invalide (attendu : AAAA-MM-JJ)",
    "date_invalide_fr": "Date invalide (attendu : JJ-MM-AAAA ou JJ/MM/AAAA)",
    "uai_format": "UAI au format invalide (attendu : 7 chiffres et une lettre)",
    "uai_lettre": "UAI dont la lettre de contrôle est invalide",
    "degre_incoherent": "Degré incohérent avec le type d'établissement",
    "etablissement_inconnu": "Établissement absent de la table des établissements",
    "eleve_inconnu": "Élève absent de la table des élèves",
    "responsable_inconnu": "Responsable absent de la table des responsables",
    "compte_inconnu": "Compte absent de la table des comptes",
    "doublon": "Clé en double (seule la première ligne est chargée)",
    "doublon_couple": "Couple élève / responsable en double (seule la première ligne est chargée)",
    "compte_incoherent": "Statut ou origine du compte différent d'une ligne précédente du même compte",
    # Value checks (queries/ingest.py: _control, _too_long, _window; plausible windows PLAUSIBLE_*, relative to
    # the snapshot date D).
    "caractere_controle": "Caractère de contrôle (NUL, tabulation, saut de ligne…) dans la valeur",
    "valeur_trop_longue": "Valeur plus longue que la limite INGEST_MAX_FIELD_BYTES",
    "date_future": "Date postérieure au lendemain de la date de l'extraction",
    "date_trop_ancienne": "Date antérieure au 01/01/2000",
    "naissance_invraisemblable": "Date de naissance invraisemblable : moins d'un an ou plus de 30 ans à la date de l'extraction",
    "reference_en_quarantaine": "Fait référence à une ligne elle-même mise en quarantaine (voir son motif)",
    "autre": "Autre motif (ingestion antérieure)",
}

QUARANTINE_TABLES: dict[str, str] = {
    "etablissements": "Établissements",
    "eleves": "Élèves",
    "responsables": "Responsables",
    "liens": "Liens élève / responsable",
    "comptes": "Comptes",
    "export": "Export de la console",
}

# Columns of the input contract (DOMAIN.md) as shown on the « Qualité des données » page.
INPUT_COLUMNS: dict[str, str] = {
    "uai": "UAI", "nom": "Nom", "type": "Type", "degre": "Degré", "commune": "Commune",
    "circonscription_code": "Code de circonscription", "circonscription_nom": "Circonscription",
    "departement_code": "Code de département", "departement_nom": "Département",
    "academie_code": "Code d'académie", "academie_nom": "Académie",
    "ine": "INE", "prenom": "Prénom", "date_naissance": "Date de naissance", "classe": "Classe",
    "mef_code": "Code MEF", "mef_libelle": "MEF",
    "responsable_id": "Identifiant de la fiche responsable", "source": "Source", "civilite": "Civilité",
    "nom_usage": "Nom d'usage", "nom_naissance": "Nom de naissance", "prenoms": "Prénoms",
    "telephone_portable": "Téléphone portable", "courriel": "Courriel", "identifiant": "Identifiant du compte",
    "lien": "Lien", "origine": "Origine du compte", "etat": "État du compte",
    "date_notification": "Date de notification", "date_activation": "Date d'activation",
    "date_derniere_connexion": "Date de dernière connexion", "date_demande_reinit_mdp": "Date de demande de réinitialisation",
    "eleve": "Élève", "mef": "MEF", "responsable": "Responsable", "messagerie": "Messagerie",
    "statut": "Statut du compte",
}


def quarantine_reason_label(code: str | None) -> str:
    return QUARANTINE_REASONS.get(code or "", QUARANTINE_REASONS["autre"])
