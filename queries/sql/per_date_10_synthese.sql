-- agg_synthese for one ingested (cov, date): distinct accounts linked to at least one pupil enrolled in the scope
-- that day, per origine × etat (docs/ARCHITECTURE.md). Idempotent: delete (cov, date), then insert.
-- An account counts once per scope: the académie's figure is not the sum of its establishments'.

DELETE FROM agg_synthese WHERE cov = $cov AND date = $date;

CREATE OR REPLACE TEMP TABLE agg_pairs AS
SELECT DISTINCT
    e.academie_code, e.departement_code, e.circonscription_code, e.degre,
    el.uai, el.classe, el.mef_code,
    c.identifiant, c.origine, c.etat
FROM eleve_at($cov, $date) el
JOIN etab_at($cov, $date) e ON e.uai = el.uai
JOIN lien_at($cov, $date) l ON l.ine = el.ine
JOIN resp_at($cov, $date) r ON r.responsable_id = l.responsable_id
JOIN compte_at($cov, $date) c ON c.identifiant = r.identifiant;

INSERT INTO agg_synthese
SELECT $cov, $date, level, code, sub, degre, origine, etat, n FROM (
    SELECT 'academie' AS level, academie_code AS code, '' AS sub, 'ALL' AS degre, origine, etat,
           count(DISTINCT identifiant) AS n
    FROM agg_pairs WHERE academie_code IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'academie', academie_code, '', degre, origine, etat, count(DISTINCT identifiant)
    FROM agg_pairs WHERE academie_code IS NOT NULL AND degre IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'departement', departement_code, '', 'ALL', origine, etat, count(DISTINCT identifiant)
    FROM agg_pairs WHERE departement_code IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'departement', departement_code, '', degre, origine, etat, count(DISTINCT identifiant)
    FROM agg_pairs WHERE departement_code IS NOT NULL AND degre IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'circonscription', circonscription_code, '', 'ALL', origine, etat, count(DISTINCT identifiant)
    FROM agg_pairs WHERE circonscription_code IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'etablissement', uai, '', 'ALL', origine, etat, count(DISTINCT identifiant)
    FROM agg_pairs GROUP BY ALL
    UNION ALL
    SELECT 'classe', uai, classe, 'ALL', origine, etat, count(DISTINCT identifiant)
    FROM agg_pairs WHERE classe IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT 'mef', uai, mef_code, 'ALL', origine, etat, count(DISTINCT identifiant)
    FROM agg_pairs WHERE mef_code IS NOT NULL GROUP BY ALL
);

DROP TABLE agg_pairs;
