-- agg_synthese for one ingested (cov, date): distinct accounts linked to at least one pupil enrolled in the scope
-- that day, per origine × etat (docs/ARCHITECTURE.md). Idempotent: delete (cov, date), then insert.
-- An account counts once per scope: the académie's figure is not the sum of its establishments'.
--
-- Why this shape (national day: 20 M links, 13 M accounts): a "cell" is (uai, classe, mef_code). Most accounts
-- have all their pupils in one cell; such an account counts exactly once in that cell and in every scope above
-- it, so those accounts are simply counted per cell and rolled up (small rows). Only accounts spread over
-- several cells need a count(DISTINCT) per scope, on their (much smaller) subset. Two large hash operations on
-- integers instead of one count(DISTINCT) of strings per level over all the links.

DELETE FROM agg_synthese WHERE cov = $cov AND date = $date;

-- Dense integer ids (exact, no hashing) for cells and accounts: the large join and aggregations then carry
-- two integers per link instead of four strings, which keeps a national day in memory.
CREATE OR REPLACE TEMP TABLE agg_dim AS
SELECT row_number() OVER () AS cell, d.uai, d.classe, d.mef_code, e.degre, e.academie_code, e.departement_code,
       e.circonscription_code
FROM (SELECT DISTINCT uai, classe, mef_code FROM eleve_at($cov, $date)) d
JOIN etab_at($cov, $date) e ON e.uai = d.uai;

CREATE OR REPLACE TEMP TABLE agg_acc AS
SELECT row_number() OVER () AS acc, identifiant, origine, etat FROM compte_at($cov, $date);

-- (account, cell) pairs
CREATE OR REPLACE TEMP TABLE agg_cells AS
SELECT DISTINCT a.acc, d.cell
FROM eleve_at($cov, $date) el
JOIN agg_dim d
  ON d.uai = el.uai AND d.classe IS NOT DISTINCT FROM el.classe AND d.mef_code IS NOT DISTINCT FROM el.mef_code
JOIN lien_at($cov, $date) l ON l.ine = el.ine
JOIN resp_at($cov, $date) r ON r.responsable_id = l.responsable_id
JOIN agg_acc a ON a.identifiant = r.identifiant;

CREATE OR REPLACE TEMP TABLE agg_n AS
SELECT acc, count(*) AS n, any_value(cell) AS cell FROM agg_cells GROUP BY acc;

-- single-cell accounts, counted per cell and state, with the cell's scopes
CREATE OR REPLACE TEMP TABLE agg_single AS
SELECT d.uai, d.classe, d.mef_code, d.degre, d.academie_code, d.departement_code, d.circonscription_code,
       s.origine, s.etat, s.n
FROM (
    SELECT n.cell, a.origine, a.etat, count(*) AS n
    FROM agg_n n JOIN agg_acc a ON a.acc = n.acc
    WHERE n.n = 1 GROUP BY ALL
) s
JOIN agg_dim d ON d.cell = s.cell;

-- multi-cell accounts, one row per cell
CREATE OR REPLACE TEMP TABLE agg_multi AS
SELECT c.acc AS identifiant, d.uai, d.classe, d.mef_code, d.degre, d.academie_code, d.departement_code,
       d.circonscription_code, a.origine, a.etat
FROM agg_cells c
JOIN agg_n n ON n.acc = c.acc AND n.n > 1
JOIN agg_acc a ON a.acc = c.acc
JOIN agg_dim d ON d.cell = c.cell;

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
DROP TABLE agg_n;
DROP TABLE agg_cells;
DROP TABLE agg_acc;
DROP TABLE agg_dim;
