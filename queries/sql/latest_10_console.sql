-- Console « Responsables » — derived tables for the latest full snapshot, rebuilt after each ingestion.
--
-- console_row:  one row per (pupil, guardian source record) link, with display labels, normalised search keys
--               (lower + strip_accents) and the account's state. Ordered by UAI so that DuckDB's zone maps
--               skip most row groups when a search is limited to one establishment.
-- console_resp: one row per guardian source record, with normalised name and mobile keys for the
--               « Je ne vois pas tous mes enfants » diagnostic.
--
-- No parameter: the latest ingested full date is resolved here (asof with a far date).

CREATE OR REPLACE TABLE console_row AS
WITH s AS (SELECT "asof"('full', DATE '9999-12-30') AS d),
p AS (SELECT ine, nom, prenom, date_naissance, uai, classe, mef_code, mef_libelle FROM eleve_at('full', (SELECT d FROM s))),
r AS (
    SELECT responsable_id, source, uai, civilite, nom_usage, nom_naissance, prenoms, telephone_portable, courriel, identifiant
    FROM resp_at('full', (SELECT d FROM s))
),
l AS (SELECT responsable_id, ine, lien FROM lien_at('full', (SELECT d FROM s))),
c AS (
    SELECT identifiant, origine, etat, date_notification, date_activation, date_derniere_connexion,
           date_demande_reinit_mdp, courriel, telephone_portable
    FROM compte_at('full', (SELECT d FROM s))
),
e AS (
    SELECT uai, nom, type, degre, circonscription_code, departement_code, academie_code
    FROM etab_at('full', (SELECT d FROM s))
)
SELECT
    substr(md5(l.ine || '|' || l.responsable_id), 1, 16) AS rid,   -- opaque row id sent to the browser
    l.ine, l.responsable_id, l.lien,
    p.nom AS eleve_nom, p.prenom AS eleve_prenom, p.date_naissance,
    trim(upper(p.nom) || ' ' || coalesce(p.prenom, '')) AS eleve,
    p.uai, p.classe, p.mef_code, p.mef_libelle,
    e.nom AS etab_nom, e.type AS etab_type, e.degre, e.circonscription_code, e.departement_code, e.academie_code,
    r.source, r.uai AS resp_uai, r.civilite, r.nom_usage, r.nom_naissance, r.prenoms,
    trim(upper(r.nom_usage) || ' ' || coalesce(r.prenoms, '')) AS responsable,
    r.identifiant,
    coalesce(c.origine, 'NON_RENSEIGNE') AS origine,
    coalesce(c.etat, 'NON_NOTIFIE') AS etat,
    c.date_notification, c.date_activation, c.date_derniere_connexion, c.date_demande_reinit_mdp,
    nullif(trim(c.courriel), '') AS compte_courriel,
    nullif(trim(c.telephone_portable), '') AS compte_mobile,
    nullif(trim(r.courriel), '') AS resp_courriel,
    nullif(trim(r.telephone_portable), '') AS resp_mobile,
    coalesce(nullif(trim(c.courriel), ''), nullif(trim(r.courriel), '')) IS NOT NULL AS has_email,
    coalesce(nullif(trim(c.telephone_portable), ''), nullif(trim(r.telephone_portable), '')) IS NOT NULL AS has_mobile,
    lower(strip_accents(trim(coalesce(p.nom, '') || ' ' || coalesce(p.prenom, '')))) AS k_eleve,
    lower(strip_accents(trim(coalesce(r.nom_usage, '') || ' ' || coalesce(r.prenoms, '')))) AS k_resp,
    -- one key for infix search on pupil and guardian names (birth name included: parents search by it too)
    lower(strip_accents(
        coalesce(p.nom, '') || ' ' || coalesce(p.prenom, '') || ' | ' || coalesce(r.nom_usage, '') || ' '
        || coalesce(r.nom_naissance, '') || ' ' || coalesce(r.prenoms, '')
    )) AS k_all
FROM l
JOIN p USING (ine)
JOIN r USING (responsable_id)
JOIN e ON e.uai = p.uai
LEFT JOIN c ON c.identifiant = r.identifiant
WHERE r.identifiant IS NOT NULL AND r.identifiant <> ''
ORDER BY p.uai, k_eleve, k_resp;

CREATE OR REPLACE TABLE console_resp AS
WITH s AS (SELECT "asof"('full', DATE '9999-12-30') AS d),
e AS (SELECT uai, nom, academie_code FROM etab_at('full', (SELECT d FROM s)))
SELECT
    r.responsable_id, r.source, r.uai, e.nom AS etab_nom, e.academie_code, r.identifiant,
    r.civilite, r.nom_usage, r.nom_naissance, r.prenoms,
    nullif(trim(r.telephone_portable), '') AS telephone_portable,
    nullif(trim(r.courriel), '') AS courriel,
    lower(strip_accents(trim(coalesce(r.nom_usage, '')))) AS k_nom_usage,
    lower(strip_accents(trim(coalesce(r.nom_naissance, '')))) AS k_nom_naissance,
    lower(strip_accents(trim(coalesce(r.prenoms, '')))) AS k_prenoms,
    lower(strip_accents(split_part(trim(coalesce(r.prenoms, '')), ' ', 1))) AS k_prenom1,
    -- the national significant number: the last 9 digits ("0692 12…", "+262 692 12…" and "00262…" agree)
    nullif(right(regexp_replace(coalesce(r.telephone_portable, ''), '[^0-9]', '', 'g'), 9), '') AS k_mobile,
    nullif(lower(trim(coalesce(r.courriel, ''))), '') AS k_courriel
FROM resp_at('full', (SELECT d FROM s)) r
LEFT JOIN e ON e.uai = r.uai
WHERE r.identifiant IS NOT NULL AND r.identifiant <> '';
