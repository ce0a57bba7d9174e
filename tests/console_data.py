"""A tiny hand-made warehouse for the console tests (no test here; imported by tests/test_console*.py).

It follows docs/ARCHITECTURE.md (interval-encoded history tables, `asof` / `*_at` macros, `snapshot`,
`quarantine`) and then builds the console tables (queries/warehouse/console_tables.py), as the ingestion does after each run.
The people mirror the guide's table (ABBEYEM, LATCHOUMY, HOARAU…) plus the diagnostic's tricky cases.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from queries.core.settings import Settings

LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
D1, D2 = date(2026, 9, 1), date(2026, 9, 8)


def uai(n: int) -> str:
    return f"{n:07d}{LETTERS[n % 23]}"


COLLEGE, ECOLE, LYCEE, AUTRE = uai(9740001), uai(9740002), uai(9740003), uai(9740004)

ETABS = [
    (COLLEGE, "Collège Bois de Nèfles", "COLLEGE", "2D", "Saint-Denis", "", "", "974", "La Réunion", "28", "La Réunion"),
    (ECOLE, "École primaire Les Lataniers", "ECOLE_PRIMAIRE", "1D", "Saint-Denis", "9741", "Saint-Denis 1",
     "974", "La Réunion", "28", "La Réunion"),
    (LYCEE, "Lycée Jean Joly", "LYCEE", "2D", "Saint-Louis", "", "", "974", "La Réunion", "28", "La Réunion"),
    (AUTRE, "Collège Marcel Goulette", "COLLEGE", "2D", "Saint-Leu", "", "", "974", "La Réunion", "28", "La Réunion"),
]

# ine, nom, prenom, naissance, uai, classe, mef_code, mef_libelle
ELEVES = [
    ("000000001AA", "ABBEYEM", "Emma", date(2011, 3, 2), COLLEGE, "3EME J", "3EMEPM", "3EME PREPA-METIERS"),
    ("000000002AA", "ABBEYEM", "Réhain", date(2013, 5, 9), COLLEGE, "5EME A", "5EME", "5EME"),
    ("000000003AA", "ABBEYEM", "Stéphanie", date(2014, 1, 20), COLLEGE, "6EME D", "6EME", "6EME"),
    ("000000004AA", "ABBEYEM", "Yvan", date(2012, 7, 14), COLLEGE, "4EME A", "4EME", "4EME"),
    ("000000005AA", "ABDOUFOUSTOFA", "Ali", date(2013, 2, 2), COLLEGE, "5EME A", "5EME", "5EME"),
    ("000000006AA", "O'HARA", "Kévin", date(2013, 2, 3), COLLEGE, "5EME A", "5EME", "5EME"),
    ("000000007AA", "ABBEYEM", "Lucas", date(2019, 6, 1), ECOLE, "CP A", "CP", "CP"),
    ("000000008AA", "PAYET", "Noémie", date(2009, 4, 4), LYCEE, "2NDE 3", "2NDE", "2NDE GENERALE"),
    ("000000009AA", "GRONDIN", "Tom", date(2010, 8, 8), AUTRE, "3EME B", "3EME", "3EME"),
    ("000000010AA", "HOARAU", "Jade", date(2009, 9, 9), LYCEE, "2NDE 1", "2NDE", "2NDE GENERALE"),
    ("000000011AA", "LATCHOUMI", "Inès", date(2010, 10, 10), AUTRE, "3EME C", "3EME", "3EME"),
    ("000000099AA", "ERREUR", "Date", "2013-13-45", COLLEGE, "5EME A", "5EME", "5EME"),  # → quarantine
]

# responsable_id, source, uai, civilite, nom_usage, nom_naissance, prenoms, mobile, courriel, identifiant
RESPS = [
    ("S-A-1", "SIECLE", COLLEGE, "MME", "ABBEYEM", "ABBEYEM", "Marie Sandrine", "0692123456", "", "m.abbeym"),
    ("O-B-1", "ONDE", ECOLE, "MME", "ABBEYEM", "ABBEYEM", "Marie Sandrine", "0692123456", "", "m.abbeym"),
    ("S-A-2", "SIECLE", COLLEGE, "M", "LATCHOUMY", "PAYET", "Jean Gaël", "0693111222", "", "j.latchoumy1"),
    ("S-A-3", "SIECLE", COLLEGE, "MME", "HOARAU", "HOARAU", "Gabrielle", "", "g.hoarau@example.fr", "g.hoarau12"),
    ("S-A-4", "SIECLE", COLLEGE, "MME", "ABBEYEM", "ABBEYEM", "Sabrina", "0692000001", "sabrina@example.fr",
     "s.abbeym12"),
    ("S-A-5", "SIECLE", COLLEGE, "MME", "CRAHONN", "CRAHONN", "Johanne", "0692000002", "=cmd|' /C calc'!A0",
     "j.crahonn"),
    ("S-A-6", "SIECLE", COLLEGE, "MME", "CHRISTIAN", "CHRISTIAN", "Rose May", "0692000003", "rose@example.fr",
     "r.christina"),
    ("S-A-7", "SIECLE", COLLEGE, "M", "O'HARA", "O'HARA", "Sean", "0692000004", "sean@example.fr", "s.ohara"),
    # Diagnostic: the same Jean Gaël elsewhere, on other accounts
    ("S-C-1", "SIECLE", LYCEE, "M", "PAYET", "LATCHOUMY", "Jean Gaël", "+262693111222", "", "j.payet3"),  # swapped
    ("S-D-1", "SIECLE", AUTRE, "M", "LATCHOUMY", "LATCHOUMY", "Jean Gaël Marcel", "0693 11 12 22", "",
     "j.latchoumy2"),  # extra first names
    ("S-D-2", "SIECLE", AUTRE, "M", "LATCHOUMI", "LATCHOUMI", "Jean", "+262 693 11 12 22", "", "j.latchoumi"),
    # Homonym of Gabrielle HOARAU: another person (other mobile and email)
    ("S-C-2", "SIECLE", LYCEE, "MME", "HOARAU", "HOARAU", "Gabrielle", "0692555444", "gaby@example.fr",
     "g.hoarau13"),
]

LIENS = [
    ("S-A-1", "000000001AA", "MERE"), ("S-A-2", "000000001AA", "PERE"),
    ("S-A-1", "000000002AA", "MERE"), ("S-A-2", "000000002AA", "PERE"),
    ("S-A-3", "000000003AA", "MERE"), ("S-A-4", "000000003AA", "MERE"),
    ("S-A-5", "000000004AA", "MERE"), ("S-A-6", "000000005AA", "MERE"),
    ("S-A-7", "000000006AA", "PERE"),
    ("O-B-1", "000000007AA", "MERE"),
    ("S-C-1", "000000008AA", "PERE"), ("S-D-1", "000000009AA", "PERE"), ("S-D-2", "000000011AA", "PERE"),
    ("S-C-2", "000000010AA", "MERE"),
]

# identifiant, origine, etat, notification, activation, derniere_connexion, reinit, courriel, mobile
COMPTES_D2 = [
    ("m.abbeym", "ETABLISSEMENT", "ACTIVE", date(2026, 6, 26), date(2026, 7, 1), date(2026, 7, 6), None, "", "0692123456"),
    ("j.latchoumy1", "ETABLISSEMENT", "NOTIFIE_NON_ACTIVE", date(2026, 6, 26), None, None, None, "", ""),
    ("g.hoarau12", "NON_RENSEIGNE", "NON_NOTIFIE", None, None, None, None, "", ""),
    ("s.abbeym12", "NON_RENSEIGNE", "NON_NOTIFIE", None, None, None, None, "sabrina@example.fr", ""),
    ("j.crahonn", "FRANCECONNECT", "ACTIVE", None, date(2026, 9, 2), date(2026, 9, 3), None, "", ""),
    ("r.christina", "RESPONSABLE", "EN_COURS_ACTIVATION", None, None, None, None, "rose@example.fr", ""),
    ("s.ohara", "ENT", "DESACTIVE", None, None, None, None, "", ""),
    ("j.payet3", "NON_RENSEIGNE", "NON_NOTIFIE", None, None, None, None, "", ""),
    ("j.latchoumy2", "NON_RENSEIGNE", "NON_NOTIFIE", None, None, None, None, "", ""),
    ("j.latchoumi", "NON_RENSEIGNE", "NON_NOTIFIE", None, None, None, None, "", ""),
    ("g.hoarau13", "RESPONSABLE", "ACTIVE", None, date(2026, 9, 1), date(2026, 9, 5), None, "gaby@example.fr", ""),
]


def _csv(path: Path, header: str, rows: list[tuple]) -> None:
    def cell(v: object) -> str:
        return "" if v is None else (v.isoformat() if isinstance(v, date) else str(v))

    lines = [header] + [";".join(cell(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_snapshots(root: Path) -> Path:
    """Two snapshot folders (D1, D2) in the docs/DOMAINE.md format. On D1 j.crahonn had not yet signed up."""
    for d in (D1, D2):
        f = root / d.isoformat()
        f.mkdir(parents=True, exist_ok=True)
        _csv(f / "etablissements.csv", "uai;nom;type;degre;commune;circonscription_code;circonscription_nom;"
             "departement_code;departement_nom;academie_code;academie_nom", ETABS)
        _csv(f / "eleves.csv", "ine;nom;prenom;date_naissance;uai;classe;mef_code;mef_libelle", ELEVES)
        _csv(f / "responsables.csv", "responsable_id;source;uai;civilite;nom_usage;nom_naissance;prenoms;"
             "telephone_portable;courriel;identifiant", RESPS)
        _csv(f / "liens.csv", "responsable_id;ine;lien", LIENS)
        comptes = [
            ("j.crahonn", "NON_RENSEIGNE", "NON_NOTIFIE", None, None, None, None, "", "")
            if d == D1 and r[0] == "j.crahonn" else r
            for r in COMPTES_D2
        ]
        _csv(f / "comptes.csv", "identifiant;origine;etat;date_notification;date_activation;date_derniere_connexion;"
             "date_demande_reinit_mdp;courriel;telephone_portable", comptes)
    return root


def build_warehouse(settings: Settings) -> Settings:
    """Ingests the two snapshots with the real ingestion (which builds the console tables) into settings' warehouse."""
    import io

    from data.ingest import ingest

    src = write_snapshots(settings.data_dir / "console-snapshots")
    out = io.StringIO()
    outcomes = ingest(settings, [src], out=out, err=out)
    assert all(o.error is None for o in outcomes), out.getvalue()
    return settings
