-- Console « Responsables »: build the rows of the latest full date $b for the guardian records in
-- `console_resp_ids` (every one for a full rebuild: console_full.sql; the changed ones otherwise:
-- console_changes.sql). console_build_rows.sql then builds console_row.
--
-- console_resp: one row per guardian source record, with normalised name and mobile keys for the
--               « Je ne vois pas tous mes enfants » diagnostic. Built first: console_row reuses its name keys
--               (accent stripping is the costly part, done once per record rather than once per link).
-- console_row:  one row per (pupil, guardian source record) link, with display labels, accent-free lower-case
--               search keys (`k_resp`, and `k_all` for infix search and the pupil-then-guardian order) and the account's state. Inserted
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
