-- Notification → activation funnel for one ingested date ($cov, $date), computed at ingestion.
-- For each scope and each week of notification (Monday), the distinct accounts whose notification date falls in
-- that week, and how many of them were activated within 7 and within 30 days of the notification.
-- Same distinct-count rule as agg_synthese: an account counts once in every scope where it has a pupil.
-- Console exports (cov 'uai:<UAI>') may know an establishment without its académie/département: those rows
-- are skipped, as in per_date_10_synthese.sql.
-- Idempotent: the (cov, date) slice is deleted then recomputed.

CREATE TABLE IF NOT EXISTS agg_funnel (
    cov VARCHAR NOT NULL, date DATE NOT NULL, level VARCHAR NOT NULL, code VARCHAR NOT NULL, sub VARCHAR NOT NULL,
    degre VARCHAR NOT NULL, semaine DATE NOT NULL,
    notifies BIGINT NOT NULL, actives_7j BIGINT NOT NULL, actives_30j BIGINT NOT NULL
);

DELETE FROM agg_funnel WHERE cov = $cov AND date = $date;

INSERT INTO agg_funnel
WITH c AS (
    SELECT identifiant,
           CAST(date_trunc('week', date_notification) AS DATE) AS semaine,
           coalesce(date_activation >= date_notification AND date_activation <= date_notification + 7, false) AS a7,
           coalesce(date_activation >= date_notification AND date_activation <= date_notification + 30, false) AS a30
    FROM compte_at($cov, $date)
    WHERE date_notification IS NOT NULL AND date_notification <= $date
      AND date_notification > CAST($date AS DATE) - INTERVAL 400 DAY
),
m AS (
    SELECT DISTINCT c.identifiant, c.semaine, c.a7, c.a30, el.uai, el.classe, el.mef_code,
           e.degre, e.circonscription_code, e.departement_code, e.academie_code
    FROM c
    JOIN resp_at($cov, $date) r ON r.identifiant = c.identifiant
    JOIN lien_at($cov, $date) l ON l.responsable_id = r.responsable_id
    JOIN eleve_at($cov, $date) el ON el.ine = l.ine
    JOIN etab_at($cov, $date) e ON e.uai = el.uai
),
scoped AS (
    SELECT 'classe' AS level, uai AS code, classe AS sub, 'ALL' AS degre, identifiant, semaine, a7, a30
        FROM m WHERE coalesce(classe, '') <> ''
    UNION ALL SELECT 'mef', uai, mef_code, 'ALL', identifiant, semaine, a7, a30
        FROM m WHERE coalesce(mef_code, '') <> ''
    UNION ALL SELECT 'etablissement', uai, '', 'ALL', identifiant, semaine, a7, a30 FROM m WHERE uai IS NOT NULL
    UNION ALL SELECT 'circonscription', circonscription_code, '', 'ALL', identifiant, semaine, a7, a30
        FROM m WHERE coalesce(circonscription_code, '') <> ''
    UNION ALL SELECT 'departement', departement_code, '', 'ALL', identifiant, semaine, a7, a30
        FROM m WHERE departement_code IS NOT NULL
    UNION ALL SELECT 'departement', departement_code, '', degre, identifiant, semaine, a7, a30
        FROM m WHERE departement_code IS NOT NULL AND degre IS NOT NULL
    UNION ALL SELECT 'academie', academie_code, '', 'ALL', identifiant, semaine, a7, a30
        FROM m WHERE academie_code IS NOT NULL
    UNION ALL SELECT 'academie', academie_code, '', degre, identifiant, semaine, a7, a30
        FROM m WHERE academie_code IS NOT NULL AND degre IS NOT NULL
)
SELECT $cov, CAST($date AS DATE), level, code, sub, degre, semaine,
       count(DISTINCT identifiant),
       count(DISTINCT identifiant) FILTER (WHERE a7),
       count(DISTINCT identifiant) FILTER (WHERE a30)
FROM scoped
GROUP BY level, code, sub, degre, semaine;
