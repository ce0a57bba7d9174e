-- Console « Responsables » for the establishments known only through a console export (coverage `uai:<UAI>`,
-- queries/warehouse/console_tables.py refresh_exports). Rebuilt whole after every ingestion run and every withdrawal: the
-- exports are one establishment each, a few thousand lines.
--
-- console_exports: the export coverages the console serves — the latest ingested date of each `uai:<UAI>`
--     coverage whose establishment the full coverage does not know at the date the console is built for
--     (console_meta.built_for). When a full snapshot covers the establishment, it takes precedence, as in the
--     statistics (queries/warehouse/stats.py _resolve_cov). Its date column is `data_date`, not `date`: it is not a
--     per-date table (queries/warehouse/snapshots.py per_date_tables), it is derived whole.
-- console_xrow: console_row's columns for those coverages, one row per (pupil, guardian) line of the export, plus
--     the coverage and its date. The export has no contact data: the account's addresses stay NULL (the
--     « (renseignée) » placeholder of Messagerie ✔ only sets has_email), mobiles are unknown (NULL).
-- console_all: what the console reads, the full rows and the export rows.

CREATE OR REPLACE TABLE console_exports AS
SELECT s.cov, substr(s.cov, 5) AS uai, s.date AS data_date, s.ingested_at
FROM snapshot s
WHERE s.cov LIKE 'uai:%'
  AND s.date = (SELECT max(t.date) FROM snapshot t WHERE t.cov = s.cov)
  AND substr(s.cov, 5) NOT IN (
      SELECT uai FROM etab_h WHERE cov = 'full'
        AND d_from <= (SELECT max(built_for) FROM console_meta) AND (SELECT max(built_for) FROM console_meta) <= d_to)
ORDER BY uai;

CREATE OR REPLACE TABLE console_xrow AS
WITH
    e AS (SELECT x.cov, x.data_date, h.* EXCLUDE (cov, d_from, d_to, h) FROM console_exports x
          JOIN etab_h h ON h.cov = x.cov AND h.d_from <= x.data_date AND x.data_date <= h.d_to),
    p AS (SELECT x.cov, h.* EXCLUDE (cov, d_from, d_to, h) FROM console_exports x
          JOIN eleve_h h ON h.cov = x.cov AND h.d_from <= x.data_date AND x.data_date <= h.d_to),
    r AS (SELECT x.cov, h.* EXCLUDE (cov, d_from, d_to, h) FROM console_exports x
          JOIN resp_h h ON h.cov = x.cov AND h.d_from <= x.data_date AND x.data_date <= h.d_to),
    l AS (SELECT x.cov, h.* EXCLUDE (cov, d_from, d_to, h) FROM console_exports x
          JOIN lien_h h ON h.cov = x.cov AND h.d_from <= x.data_date AND x.data_date <= h.d_to),
    c AS (SELECT x.cov, h.* EXCLUDE (cov, d_from, d_to, h) FROM console_exports x
          JOIN compte_h h ON h.cov = x.cov AND h.d_from <= x.data_date AND x.data_date <= h.d_to)
SELECT
    {{console_row_columns.sql}},
    CAST(NULL AS VARCHAR) AS compte_courriel,
    CAST(NULL AS VARCHAR) AS compte_mobile,
    CAST(NULL AS BOOLEAN) AS resp_has_email,
    CAST(NULL AS BOOLEAN) AS resp_has_mobile,
    c.courriel IS NOT NULL AS has_email,
    CAST(NULL AS BOOLEAN) AS has_mobile,
    lower(strip_accents(coalesce(p.nom, '') || ' ' || coalesce(p.prenom, ''))) || ' | ' || r.k_nom_usage || ' '
        || r.k_nom_naissance || ' ' || r.k_prenoms AS k_all,
    e.cov, e.data_date AS cov_date
FROM l
JOIN p ON p.cov = l.cov AND p.ine = l.ine
JOIN r ON r.cov = l.cov AND r.responsable_id = l.responsable_id
JOIN e ON e.cov = l.cov AND e.uai = p.uai
LEFT JOIN c ON c.cov = l.cov AND c.identifiant = r.identifiant
WHERE r.identifiant IS NOT NULL AND r.identifiant <> ''
ORDER BY p.uai, k_all;

CREATE OR REPLACE VIEW console_all AS
SELECT *, 'full' AS cov, CAST(NULL AS DATE) AS cov_date FROM console_row
UNION ALL BY NAME
SELECT * FROM console_xrow;
