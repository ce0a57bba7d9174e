-- Console « Responsables », full rebuild for the latest full date $b (queries/warehouse/console_tables.py):
-- an empty console_row, and every link of $b to build (console_build_rows.sql).

CREATE OR REPLACE TABLE console_row (
    rid VARCHAR, ine VARCHAR, responsable_id VARCHAR, eleve_nom VARCHAR, eleve_prenom VARCHAR, date_naissance DATE,
    uai VARCHAR, classe VARCHAR, mef_code VARCHAR, mef_libelle VARCHAR, etab_nom VARCHAR, degre VARCHAR,
    circonscription_code VARCHAR, departement_code VARCHAR, academie_code VARCHAR, nom_usage VARCHAR,
    prenoms VARCHAR, identifiant VARCHAR, origine VARCHAR, etat VARCHAR,
    date_notification DATE, date_activation DATE, date_derniere_connexion DATE, date_demande_reinit_mdp DATE,
    compte_courriel VARCHAR, compte_mobile VARCHAR, resp_has_email BOOLEAN, resp_has_mobile BOOLEAN,
    has_email BOOLEAN, has_mobile BOOLEAN, k_all VARCHAR
);

-- every link with its pupil's UAI: the rows are built one slice of UAIs at a time (queries/warehouse/console_tables.py)
CREATE OR REPLACE TEMP TABLE console_links_all AS
SELECT l.responsable_id, l.ine, p.uai
FROM lien_at('full', $b) l JOIN eleve_at('full', $b) p USING (ine);
