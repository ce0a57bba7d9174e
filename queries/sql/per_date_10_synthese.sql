-- agg_synthese for one ingested (cov, date): distinct accounts linked to at least one pupil enrolled in the scope
-- that day, per origine × etat (docs/ARCHITECTURE.md). Idempotent: delete (cov, date), then insert.
-- An account counts once per scope: the académie's figure is not the sum of its establishments'.
--
-- Why this shape (national day: 20 M links, 13 M accounts): a "cell" is (uai, classe, mef_code). Most accounts
-- have all their pupils in one cell; such an account counts exactly once in that cell and in every scope above
-- it, so those accounts are simply counted per cell and rolled up (small rows). Only accounts spread over
-- several cells need a count(DISTINCT) per scope, on their (much smaller) subset. Two large hash operations
-- instead of one count(DISTINCT) per level over all the links.

DELETE FROM agg_synthese WHERE cov = $cov AND date = $date;

CREATE OR REPLACE TEMP TABLE agg_cells AS
SELECT DISTINCT r.identifiant, el.uai, el.classe, el.mef_code
FROM eleve_at($cov, $date) el
JOIN lien_at($cov, $date) l ON l.ine = el.ine
JOIN resp_at($cov, $date) r ON r.responsable_id = l.responsable_id;

CREATE OR REPLACE TEMP TABLE agg_acc AS
SELECT a.identifiant, a.n, a.uai, a.classe, a.mef_code, c.origine, c.etat
FROM (
    SELECT identifiant, count(*) AS n, any_value(uai) AS uai, any_value(classe) AS classe,
           any_value(mef_code) AS mef_code
    FROM agg_cells GROUP BY identifiant
) a
JOIN compte_at($cov, $date) c ON c.identifiant = a.identifiant;

CREATE OR REPLACE TEMP TABLE agg_e AS
SELECT uai, degre, academie_code, departement_code, circonscription_code FROM etab_at($cov, $date);

-- single-cell accounts, already counted per cell and state
CREATE OR REPLACE TEMP TABLE agg_single AS
SELECT s.uai, s.classe, s.mef_code, s.origine, s.etat, s.n, e.degre, e.academie_code, e.departement_code,
       e.circonscription_code
FROM (SELECT uai, classe, mef_code, origine, etat, count(*) AS n FROM agg_acc WHERE n = 1 GROUP BY ALL) s
JOIN agg_e e ON e.uai = s.uai;

-- multi-cell accounts, one row per cell
CREATE OR REPLACE TEMP TABLE agg_multi AS
SELECT m.identifiant, m.uai, m.classe, m.mef_code, a.origine, a.etat, e.degre, e.academie_code,
       e.departement_code, e.circonscription_code
FROM agg_cells m
JOIN agg_acc a ON a.identifiant = m.identifiant AND a.n > 1
JOIN agg_e e ON e.uai = m.uai;

INSERT INTO agg_synthese
SELECT $cov, $date, level, code, sub, degre, origine, etat, sum(n)
FROM (
    SELECT 'academie' AS level, academie_code AS code, '' AS sub, 'ALL' AS degre, origine, etat, n
        FROM agg_single WHERE academie_code IS NOT NULL
    UNION ALL SELECT 'academie', academie_code, '', degre, origine, etat, n
        FROM agg_single WHERE academie_code IS NOT NULL AND degre IS NOT NULL
    UNION ALL SELECT 'departement', departement_code, '', 'ALL', origine, etat, n
        FROM agg_single WHERE departement_code IS NOT NULL
    UNION ALL SELECT 'departement', departement_code, '', degre, origine, etat, n
        FROM agg_single WHERE departement_code IS NOT NULL AND degre IS NOT NULL
    UNION ALL SELECT 'circonscription', circonscription_code, '', 'ALL', origine, etat, n
        FROM agg_single WHERE circonscription_code IS NOT NULL
    UNION ALL SELECT 'etablissement', uai, '', 'ALL', origine, etat, n FROM agg_single
    UNION ALL SELECT 'classe', uai, classe, 'ALL', origine, etat, n FROM agg_single WHERE classe IS NOT NULL
    UNION ALL SELECT 'mef', uai, mef_code, 'ALL', origine, etat, n FROM agg_single WHERE mef_code IS NOT NULL

    UNION ALL SELECT 'academie', academie_code, '', 'ALL', origine, etat, count(DISTINCT identifiant)
        FROM agg_multi WHERE academie_code IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'academie', academie_code, '', degre, origine, etat, count(DISTINCT identifiant)
        FROM agg_multi WHERE academie_code IS NOT NULL AND degre IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'departement', departement_code, '', 'ALL', origine, etat, count(DISTINCT identifiant)
        FROM agg_multi WHERE departement_code IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'departement', departement_code, '', degre, origine, etat, count(DISTINCT identifiant)
        FROM agg_multi WHERE departement_code IS NOT NULL AND degre IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'circonscription', circonscription_code, '', 'ALL', origine, etat, count(DISTINCT identifiant)
        FROM agg_multi WHERE circonscription_code IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'etablissement', uai, '', 'ALL', origine, etat, count(DISTINCT identifiant)
        FROM agg_multi GROUP BY ALL
    UNION ALL SELECT 'classe', uai, classe, 'ALL', origine, etat, count(DISTINCT identifiant)
        FROM agg_multi WHERE classe IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'mef', uai, mef_code, 'ALL', origine, etat, count(DISTINCT identifiant)
        FROM agg_multi WHERE mef_code IS NOT NULL GROUP BY ALL
)
GROUP BY ALL;

DROP TABLE agg_multi;
DROP TABLE agg_single;
DROP TABLE agg_e;
DROP TABLE agg_acc;
DROP TABLE agg_cells;
