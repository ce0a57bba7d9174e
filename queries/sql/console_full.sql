-- Console « Responsables », full rebuild for the latest full date $b (queries/console_tables.py):
-- empty tables, and every guardian record and every link of $b to build (console_build_*.sql).

CREATE OR REPLACE TABLE console_resp (
    responsable_id VARCHAR, source VARCHAR, uai VARCHAR, etab_nom VARCHAR, academie_code VARCHAR,
    identifiant VARCHAR, civilite VARCHAR, nom_usage VARCHAR, nom_naissance VARCHAR, prenoms VARCHAR,
    telephone_portable VARCHAR, courriel VARCHAR, k_nom_usage VARCHAR, k_nom_naissance VARCHAR, k_prenoms VARCHAR,
    k_prenom1 VARCHAR, k_mobile VARCHAR, k_courriel VARCHAR
);

CREATE OR REPLACE TABLE console_row (
    rid VARCHAR, ine VARCHAR, responsable_id VARCHAR, eleve_nom VARCHAR, eleve_prenom VARCHAR, date_naissance DATE,
    uai VARCHAR, classe VARCHAR, mef_code VARCHAR, mef_libelle VARCHAR, etab_nom VARCHAR, degre VARCHAR,
    circonscription_code VARCHAR, departement_code VARCHAR, academie_code VARCHAR, source VARCHAR, civilite VARCHAR,
    nom_usage VARCHAR, prenoms VARCHAR, identifiant VARCHAR, origine VARCHAR, etat VARCHAR,
    date_notification DATE, date_activation DATE, date_derniere_connexion DATE, date_demande_reinit_mdp DATE,
    compte_courriel VARCHAR, compte_mobile VARCHAR, resp_courriel VARCHAR, resp_mobile VARCHAR,
    has_email BOOLEAN, has_mobile BOOLEAN, k_resp VARCHAR, k_all VARCHAR
);

CREATE OR REPLACE TEMP TABLE console_resp_ids AS SELECT responsable_id FROM resp_at('full', $b);

-- every link with its pupil's UAI: the rows are built one slice of UAIs at a time (queries/console_tables.py)
CREATE OR REPLACE TEMP TABLE console_links_all AS
SELECT l.responsable_id, l.ine, p.uai
FROM lien_at('full', $b) l JOIN eleve_at('full', $b) p USING (ine);
