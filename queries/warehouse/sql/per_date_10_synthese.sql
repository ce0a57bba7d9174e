-- agg_synthese and agg_funnel for one ingested (cov, date). Idempotent: delete (cov, date), then insert.
-- * agg_synthese: distinct accounts linked to at least one pupil enrolled in the scope that day, per
--   origine × etat (docs/ARCHITECTURE.md).
-- * agg_funnel: notification → activation funnel. For each scope and each week of notification (Monday, within
--   400 days before the date), the distinct accounts notified that week, and how many of them were activated
--   within 7 and within 30 days of the notification.
-- An account counts once per scope in both: the académie's figure is not the sum of its establishments'.
-- Console exports (cov 'uai:<UAI>') may know an establishment without its académie/département: those levels
-- are skipped.
--
-- Why this shape (national day: 22 M links, 14 M accounts, 2 cores). A count(DISTINCT) per level over string keys
-- took half of a 40 s run; here every large step works on integers and no step counts distinct per level.
-- * A "cell" is (uai, classe, mef_code). Each cell gets one integer id per level grouping (g0..g7: académie,
--   académie × degré, département, département × degré, circonscription, établissement, classe, MEF), computed
--   on the small cell table; g = 8 * rank + level so that ids of different levels never collide, NULL where the
--   level's key is NULL (such rows are not stored). Labels are joined back on the result rows only.
-- * An account counts once at a level for each distinct id of its cells. Taking its cells in some order, a cell
--   "counts" at level ℓ when its gℓ is not NULL and differs from gℓ of every earlier cell: bit ℓ of the cell's
--   mask. Masks are summed per (cell, origine × etat, mask) and rolled up per level: a few million rows.
-- * One group-by over the links gives each account its number of links k and its min / max cell, which is all
--   its cells when k <= 2, and with sum - min - max when k = 3 (97 % of accounts). Only accounts with more links
--   over several cells (3 %) read their links again, each cell compared with the lower ones.
-- * The account id is the rowid of its compte_h row (compte_at hides it): dense and exact, without a
--   single-threaded row_number() over 14 M rows. The account and (pupil, cell) sides are materialised first so
--   that the join order does not depend on the date's statistics (one plan carried origine and etat strings
--   through every join).
-- * Both aggregates count the same accounts over the same cells: an account's category `oe` is its
--   origine × etat × (notification week, activated within 7 / 30 days), so one pass of masks serves both and the
--   roll-up is summed per aggregate at the end (the funnel used to redo the four-way join with count(DISTINCT)).

DELETE FROM agg_synthese WHERE cov = $cov AND date = $date;
DELETE FROM agg_funnel WHERE cov = $cov AND date = $date;

CREATE OR REPLACE TEMP TABLE agg_etab AS
SELECT uai, degre, academie_code, departement_code, circonscription_code,
    CASE WHEN academie_code IS NOT NULL THEN 8 * dense_rank() OVER (ORDER BY academie_code) END AS g0,
    CASE WHEN academie_code IS NOT NULL AND degre IS NOT NULL
        THEN 8 * dense_rank() OVER (ORDER BY academie_code, degre) + 1 END AS g1,
    CASE WHEN departement_code IS NOT NULL THEN 8 * dense_rank() OVER (ORDER BY departement_code) + 2 END AS g2,
    CASE WHEN departement_code IS NOT NULL AND degre IS NOT NULL
        THEN 8 * dense_rank() OVER (ORDER BY departement_code, degre) + 3 END AS g3,
    CASE WHEN circonscription_code IS NOT NULL
        THEN 8 * dense_rank() OVER (ORDER BY circonscription_code) + 4 END AS g4,
    8 * dense_rank() OVER (ORDER BY uai) + 5 AS g5
FROM etab_at($cov, $date);

CREATE OR REPLACE TEMP TABLE agg_dim AS
SELECT row_number() OVER () AS cell, d.uai, d.classe, d.mef_code, e.g0, e.g1, e.g2, e.g3, e.g4, e.g5,
    CASE WHEN d.classe IS NOT NULL THEN 8 * dense_rank() OVER (ORDER BY d.uai, d.classe) + 6 END AS g6,
    CASE WHEN d.mef_code IS NOT NULL THEN 8 * dense_rank() OVER (ORDER BY d.uai, d.mef_code) + 7 END AS g7
FROM (SELECT DISTINCT uai, classe, mef_code FROM eleve_at($cov, $date)) d
JOIN agg_etab e ON e.uai = d.uai;

-- every account of the date with its category; funnel week NULL when not notified within the 400 days before it
-- (a macro, read twice: cheaper than materialising 14 M rows with their identifiant)
CREATE OR REPLACE TEMP MACRO agg_acc(_cov, _date) AS TABLE
SELECT acc, identifiant, origine, etat, semaine,
       CASE WHEN semaine IS NOT NULL
            THEN coalesce(date_activation BETWEEN date_notification AND date_notification + 7, false) END AS a7,
       CASE WHEN semaine IS NOT NULL
            THEN coalesce(date_activation BETWEEN date_notification AND date_notification + 30, false) END AS a30
FROM (
    SELECT rowid AS acc, identifiant, origine, etat, date_notification, date_activation,
           CASE WHEN date_notification <= _date AND date_notification > CAST(_date AS DATE) - INTERVAL 400 DAY
                THEN CAST(date_trunc('week', date_notification) AS DATE) END AS semaine
    FROM compte_h
    WHERE cov = _cov AND d_from <= _date AND _date <= d_to
);

CREATE OR REPLACE TEMP TABLE agg_oe AS
SELECT row_number() OVER () AS oe, origine, etat, semaine, a7, a30
FROM (SELECT DISTINCT origine, etat, semaine, a7, a30 FROM agg_acc($cov, $date));

-- one row per link: (account, origine × etat, cell)
CREATE OR REPLACE TEMP TABLE agg_cells AS
WITH pupil AS MATERIALIZED (
    SELECT el.ine, d.cell
    FROM eleve_at($cov, $date) el
    JOIN agg_dim d
      ON d.uai = el.uai AND d.classe IS NOT DISTINCT FROM el.classe AND d.mef_code IS NOT DISTINCT FROM el.mef_code
), account AS MATERIALIZED (
    SELECT c.acc, o.oe, c.identifiant
    FROM agg_acc($cov, $date) c
    JOIN agg_oe o ON o.origine IS NOT DISTINCT FROM c.origine AND o.etat IS NOT DISTINCT FROM c.etat
        AND o.semaine IS NOT DISTINCT FROM c.semaine AND o.a7 IS NOT DISTINCT FROM c.a7
        AND o.a30 IS NOT DISTINCT FROM c.a30
)
SELECT a.acc, a.oe, p.cell
FROM pupil p
JOIN lien_at($cov, $date) l ON l.ine = p.ine
JOIN resp_at($cov, $date) r ON r.responsable_id = l.responsable_id
JOIN account a ON a.identifiant = r.identifiant;

-- per account: k links, cells c0 <= c1 <= c2 (c1 only when k = 3)
CREATE OR REPLACE TEMP TABLE agg_n AS
SELECT acc, oe, count(*) AS k, min(cell) AS c0, max(cell) AS c2,
       CASE WHEN count(*) = 3 THEN (sum(cell) - min(cell) - max(cell))::BIGINT END AS c1
FROM agg_cells
GROUP BY acc, oe;

-- (cell, oe, mask, n): n accounts of state oe for which this cell counts at the levels of mask
CREATE OR REPLACE TEMP TABLE agg_mask AS
-- the first (lowest) cell of every account, except those read again below
SELECT c0 AS cell, oe, 255 AS mask, count(*) AS n FROM agg_n WHERE k <= 3 OR c0 = c2 GROUP BY ALL
UNION ALL
-- c1 after c0, c2 after c0 and c1 (k <= 3; a repeated cell gets an empty mask)
SELECT t.cell, t.oe,
       1 * (a.g0 IS NOT NULL AND a.g0 IS DISTINCT FROM b.g0 AND a.g0 IS DISTINCT FROM b2.g0)::INTEGER
     + 2 * (a.g1 IS NOT NULL AND a.g1 IS DISTINCT FROM b.g1 AND a.g1 IS DISTINCT FROM b2.g1)::INTEGER
     + 4 * (a.g2 IS NOT NULL AND a.g2 IS DISTINCT FROM b.g2 AND a.g2 IS DISTINCT FROM b2.g2)::INTEGER
     + 8 * (a.g3 IS NOT NULL AND a.g3 IS DISTINCT FROM b.g3 AND a.g3 IS DISTINCT FROM b2.g3)::INTEGER
     + 16 * (a.g4 IS NOT NULL AND a.g4 IS DISTINCT FROM b.g4 AND a.g4 IS DISTINCT FROM b2.g4)::INTEGER
     + 32 * (a.g5 IS NOT NULL AND a.g5 IS DISTINCT FROM b.g5 AND a.g5 IS DISTINCT FROM b2.g5)::INTEGER
     + 64 * (a.g6 IS NOT NULL AND a.g6 IS DISTINCT FROM b.g6 AND a.g6 IS DISTINCT FROM b2.g6)::INTEGER
     + 128 * (a.g7 IS NOT NULL AND a.g7 IS DISTINCT FROM b.g7 AND a.g7 IS DISTINCT FROM b2.g7)::INTEGER,
       count(*)
FROM (
    SELECT c1 AS cell, c0 AS p, NULL AS p2, oe FROM agg_n WHERE k = 3 AND c0 <> c2
    UNION ALL
    SELECT c2, c0, c1, oe FROM agg_n WHERE k <= 3 AND c0 <> c2
) t
JOIN agg_dim a ON a.cell = t.cell
JOIN agg_dim b ON b.cell = t.p
LEFT JOIN agg_dim b2 ON b2.cell = t.p2
GROUP BY ALL
UNION ALL
-- accounts with k > 3 links over several cells: each distinct cell against the lower ones
SELECT cell, oe, mask, count(*)
FROM (
    SELECT r.cell, r.oe,
        (   1 * (a.g0 IS NOT NULL)::INTEGER + 2 * (a.g1 IS NOT NULL)::INTEGER + 4 * (a.g2 IS NOT NULL)::INTEGER
          + 8 * (a.g3 IS NOT NULL)::INTEGER + 16 * (a.g4 IS NOT NULL)::INTEGER + 32 * (a.g5 IS NOT NULL)::INTEGER
          + 64 * (a.g6 IS NOT NULL)::INTEGER + 128 * (a.g7 IS NOT NULL)::INTEGER
        ) & ~coalesce(bit_or(
            1 * (a.g0 IS NOT DISTINCT FROM b.g0)::INTEGER + 2 * (a.g1 IS NOT DISTINCT FROM b.g1)::INTEGER
          + 4 * (a.g2 IS NOT DISTINCT FROM b.g2)::INTEGER + 8 * (a.g3 IS NOT DISTINCT FROM b.g3)::INTEGER
          + 16 * (a.g4 IS NOT DISTINCT FROM b.g4)::INTEGER + 32 * (a.g5 IS NOT DISTINCT FROM b.g5)::INTEGER
          + 64 * (a.g6 IS NOT DISTINCT FROM b.g6)::INTEGER + 128 * (a.g7 IS NOT DISTINCT FROM b.g7)::INTEGER
        ), 0) AS mask
    FROM (
        SELECT DISTINCT c.acc, c.oe, c.cell
        FROM agg_cells c SEMI JOIN agg_n n ON n.acc = c.acc AND n.k > 3 AND n.c0 <> n.c2
    ) r
    JOIN agg_dim a ON a.cell = r.cell
    LEFT JOIN (
        SELECT DISTINCT c.acc, c.cell
        FROM agg_cells c SEMI JOIN agg_n n ON n.acc = c.acc AND n.k > 3 AND n.c0 <> n.c2
    ) r2 ON r2.acc = r.acc AND r2.cell < r.cell
    LEFT JOIN agg_dim b ON b.cell = r2.cell
    GROUP BY r.acc, r.oe, r.cell, a.g0, a.g1, a.g2, a.g3, a.g4, a.g5, a.g6, a.g7
)
GROUP BY ALL;

-- Roll-up per (level id, category). Levels up to the establishment depend on a cell only through g0..g5:
-- summed over those first.
CREATE OR REPLACE TEMP TABLE agg_roll AS
SELECT d.g6 AS g, m.oe, sum(m.n) AS n
FROM agg_mask m JOIN agg_dim d ON d.cell = m.cell
WHERE m.mask & 64 <> 0 AND d.g6 IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT d.g7, m.oe, sum(m.n)
FROM agg_mask m JOIN agg_dim d ON d.cell = m.cell
WHERE m.mask & 128 <> 0 AND d.g7 IS NOT NULL
GROUP BY ALL
UNION ALL
SELECT g, oe, sum(n)
FROM (
    SELECT unnest([CASE WHEN mask & 1 <> 0 THEN g0 END, CASE WHEN mask & 2 <> 0 THEN g1 END,
                   CASE WHEN mask & 4 <> 0 THEN g2 END, CASE WHEN mask & 8 <> 0 THEN g3 END,
                   CASE WHEN mask & 16 <> 0 THEN g4 END, CASE WHEN mask & 32 <> 0 THEN g5 END]) AS g, oe, n
    FROM (
        SELECT d.g0, d.g1, d.g2, d.g3, d.g4, d.g5, m.oe, m.mask & 63 AS mask, sum(m.n) AS n
        FROM agg_mask m JOIN agg_dim d ON d.cell = m.cell
        GROUP BY ALL
    )
)
WHERE g IS NOT NULL
GROUP BY ALL;

-- level id -> (level, code, sub, degre)
CREATE OR REPLACE TEMP TABLE agg_lab AS
SELECT DISTINCT g0 AS g, 'academie' AS level, academie_code AS code, '' AS sub, 'ALL' AS degre FROM agg_etab
UNION ALL SELECT DISTINCT g1, 'academie', academie_code, '', degre FROM agg_etab
UNION ALL SELECT DISTINCT g2, 'departement', departement_code, '', 'ALL' FROM agg_etab
UNION ALL SELECT DISTINCT g3, 'departement', departement_code, '', degre FROM agg_etab
UNION ALL SELECT DISTINCT g4, 'circonscription', circonscription_code, '', 'ALL' FROM agg_etab
UNION ALL SELECT DISTINCT g5, 'etablissement', uai, '', 'ALL' FROM agg_etab
UNION ALL SELECT DISTINCT g6, 'classe', uai, classe, 'ALL' FROM agg_dim
UNION ALL SELECT DISTINCT g7, 'mef', uai, mef_code, 'ALL' FROM agg_dim;

INSERT INTO agg_synthese
SELECT $cov, $date, v.level, v.code, v.sub, v.degre, s.origine, s.etat, s.n
FROM (SELECT r.g, o.origine, o.etat, sum(r.n) AS n FROM agg_roll r JOIN agg_oe o ON o.oe = r.oe GROUP BY ALL) s
JOIN agg_lab v ON v.g = s.g;

INSERT INTO agg_funnel
SELECT $cov, CAST($date AS DATE), v.level, v.code, v.sub, v.degre, s.semaine, s.n, s.n7, s.n30
FROM (
    SELECT r.g, o.semaine, sum(r.n) AS n, coalesce(sum(r.n) FILTER (WHERE o.a7), 0) AS n7,
           coalesce(sum(r.n) FILTER (WHERE o.a30), 0) AS n30
    FROM agg_roll r JOIN agg_oe o ON o.oe = r.oe
    WHERE o.semaine IS NOT NULL
    GROUP BY ALL
) s
JOIN agg_lab v ON v.g = s.g;

DROP TABLE agg_roll;
DROP TABLE agg_lab;
DROP TABLE agg_mask;
DROP TABLE agg_n;
DROP TABLE agg_cells;
DROP TABLE agg_oe;
DROP MACRO TABLE agg_acc;
DROP TABLE agg_dim;
DROP TABLE agg_etab;
