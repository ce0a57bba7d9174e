-- Console « Responsables »: build the rows of the latest full date $b for the guardian records in
-- `console_resp_ids` and the links in `console_links` (every one for a full rebuild: console_full.sql; the
-- changed ones otherwise: console_changes.sql).
--
-- console_resp: one row per guardian source record, with normalised name and mobile keys for the
--               « Je ne vois pas tous mes enfants » diagnostic. Built first: console_row reuses its name keys
--               (accent stripping is the costly part, done once per record rather than once per link).
-- console_row:  one row per (pupil, guardian source record) link, with display labels, accent-free lower-case
--               search keys (`k_eleve`, `k_resp`, `k_all` for infix search) and the account's state. Inserted
--               in UAI order so that DuckDB's zone maps skip most row groups when a search is limited to one
--               establishment. `rid` is an opaque row id (md5 prefix): the only thing the browser holds.

INSERT INTO console_resp BY NAME
WITH e AS (SELECT uai, nom, academie_code FROM etab_at('full', $b))
SELECT *, split_part(k_prenoms, ' ', 1) AS k_prenom1 FROM (
SELECT
    r.responsable_id, r.source, r.uai, e.nom AS etab_nom, e.academie_code, r.identifiant,
    r.civilite, r.nom_usage, r.nom_naissance, r.prenoms,
    nullif(trim(r.telephone_portable), '') AS telephone_portable,
    nullif(trim(r.courriel), '') AS courriel,
    lower(strip_accents(trim(coalesce(r.nom_usage, '')))) AS k_nom_usage,
    lower(strip_accents(trim(coalesce(r.nom_naissance, '')))) AS k_nom_naissance,
    lower(strip_accents(trim(coalesce(r.prenoms, '')))) AS k_prenoms,
    -- the national significant number: the last 9 digits ("0692 12…", "+262 692 12…" and "00262…" agree)
    nullif(right(regexp_replace(coalesce(r.telephone_portable, ''), '[^0-9]', '', 'g'), 9), '') AS k_mobile,
    nullif(lower(trim(coalesce(r.courriel, ''))), '') AS k_courriel
FROM resp_at('full', $b) r
LEFT JOIN e ON e.uai = r.uai
WHERE r.identifiant IS NOT NULL AND r.identifiant <> ''
  AND r.responsable_id IN (SELECT responsable_id FROM console_resp_ids)
);

INSERT INTO console_row BY NAME
SELECT
    substr(md5(l.ine || '|' || l.responsable_id), 1, 16) AS rid,
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
    r.courriel AS resp_courriel,
    r.telephone_portable AS resp_mobile,
    coalesce(nullif(trim(c.courriel), ''), r.courriel) IS NOT NULL AS has_email,
    coalesce(nullif(trim(c.telephone_portable), ''), r.telephone_portable) IS NOT NULL AS has_mobile,
    trim(lower(strip_accents(coalesce(p.nom, '') || ' ' || coalesce(p.prenom, '')))) AS k_eleve,
    trim(r.k_nom_usage || ' ' || r.k_prenoms) AS k_resp,
    -- one key for infix search on pupil and guardian names (birth name included: parents search by it too)
    lower(strip_accents(coalesce(p.nom, '') || ' ' || coalesce(p.prenom, ''))) || ' | ' || r.k_nom_usage || ' '
        || r.k_nom_naissance || ' ' || r.k_prenoms AS k_all
FROM console_links l
JOIN eleve_at('full', $b) p USING (ine)
JOIN console_resp r USING (responsable_id)
JOIN etab_at('full', $b) e ON e.uai = p.uai
LEFT JOIN compte_at('full', $b) c ON c.identifiant = r.identifiant
ORDER BY p.uai;

DROP TABLE console_links;
DROP TABLE console_resp_ids;
DROP TABLE IF EXISTS cx_ine;
DROP TABLE IF EXISTS cx_resp;
DROP TABLE IF EXISTS cx_lien;
DROP TABLE IF EXISTS cx_acc;
DROP TABLE IF EXISTS cx_uai;
