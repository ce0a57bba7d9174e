"""The coded vocabularies (docs/DOMAINE.md), one enum each with its French labels, written once for the
ingestion, the generator, the queries, the CLI and the dashboard."""

from __future__ import annotations

from enum import StrEnum


class Coded(StrEnum):
    """A code of the data with its French label: `MEMBER = "CODE", "Libellé"` (the label defaults to the code)."""

    label: str

    def __new__(cls, code: str, label: str = "") -> Coded:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label or code
        return member


class Origine(Coded):
    """Origin of an account (docs/DOMAINE.md, « Vocabulaires »)."""

    ATEN = "ATEN"
    ENT = "ENT"
    ETABLISSEMENT = "ETABLISSEMENT", "Établissement"
    FRANCECONNECT = "FRANCECONNECT", "FranceConnect"
    RESPONSABLE = "RESPONSABLE", "Responsable"
    NON_RENSEIGNE = "NON_RENSEIGNE", "N/A"


class Etat(Coded):
    NON_NOTIFIE = "NON_NOTIFIE", "Non notifié"  # the states in the order of an account's life
    NOTIFIE_NON_ACTIVE = "NOTIFIE_NON_ACTIVE", "Notifié et non activé"
    EN_COURS_ACTIVATION = "EN_COURS_ACTIVATION", "En cours d'activation"
    ACTIVE = "ACTIVE", "Activé"
    DESACTIVE = "DESACTIVE", "Désactivé"


class Lien(Coded):
    """Legal link of a guardian to a pupil."""

    MERE, PERE, TUTEUR, AUTRE = ("MERE", "Mère"), ("PERE", "Père"), ("TUTEUR", "Tuteur"), ("AUTRE", "Autre")


class Degre(Coded):
    PREMIER, SECOND = ("1D", "1er degré"), ("2D", "2nd degré")


class TypeEtab(Coded):
    """Type of establishment; its degree follows from it."""

    ECOLE_MATERNELLE, ECOLE_ELEMENTAIRE, ECOLE_PRIMAIRE = "ECOLE_MATERNELLE", "ECOLE_ELEMENTAIRE", "ECOLE_PRIMAIRE"
    COLLEGE, LYCEE, LYCEE_PRO = "COLLEGE", "LYCEE", "LYCEE_PRO"

    @property
    def degre(self) -> Degre:
        return Degre.PREMIER if self.value.startswith("ECOLE") else Degre.SECOND


# The same vocabularies as code → label mappings, in their order (tables, CSV columns, SQL IN lists).
ORIGINES: dict[str, str] = {o.value: o.label for o in Origine}
ETATS: dict[str, str] = {e.value: e.label for e in Etat}
LIENS: dict[str, str] = {x.value: x.label for x in Lien}
DEGRES: dict[str, str] = {d.value: d.label for d in Degre}
TYPES_1D = tuple(t.value for t in TypeEtab if t.degre is Degre.PREMIER)
TYPES_2D = tuple(t.value for t in TypeEtab if t.degre is Degre.SECOND)
TOTAL = "TOTAL"
TOTAL_LABEL = "Total"

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



# Staff roles (queries/core/scope.py `Role` values) as a sentence names them (Journal): lower case, no article.
ROLES: dict[str, str] = {
    "pilote": "pilote académique",
    "ien": "inspecteur de l'Éducation nationale",
    "chef": "chef d'établissement",
    "delegue": "personnel délégué",
    "support": "assistance académique",
    "admin": "administrateur",
}


def role_label(code: str | None) -> str:
    return ROLES.get(code or "", code or "")


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
    # Value checks (queries/warehouse/ingest.py: _control, _too_long, _window; plausible windows PLAUSIBLE_*, relative to
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

# Columns of the input contract (docs/DOMAINE.md) as shown on the « Qualité des données » page.
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
