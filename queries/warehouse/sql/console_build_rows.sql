-- Console « Responsables »: insert the console_row rows of the latest full date $b for the links in
-- `console_links` (the changed ones: console_changes.sql; for a full rebuild, one slice of UAIs at a time taken
-- from console_full.sql's `console_links_all`, so that each slice's joins and sort stay in memory).
--
-- console_row: one row per (pupil, guardian source record) link, with display labels, accent-free lower-case
--              search key `k_all` (pupil | guardian names: infix search, and the pupil-then-guardian order) and the
--              account's state. Inserted in UAI order so that DuckDB's zone maps skip most row groups when a
--              search is limited to one establishment. `rid` is an opaque row id (md5 prefix): the only thing the
--              browser holds. The guardian record's name keys come from resp_h (computed when it was written).

INSERT INTO console_row BY NAME
SELECT
    {{console_row_columns.sql}},
    nullif(trim(c.courriel), '') AS compte_courriel,
    nullif(trim(c.telephone_portable), '') AS compte_mobile,
    -- the record's own contact data (page « Qualité des données »; the addresses are read from console_resp)
    r.courriel IS NOT NULL AS resp_has_email,
    r.telephone_portable IS NOT NULL AS resp_has_mobile,
    compte_courriel IS NOT NULL OR resp_has_email AS has_email,  -- the aliases above (DuckDB's lateral aliases)
    compte_mobile IS NOT NULL OR resp_has_mobile AS has_mobile,
    -- one key for infix search on pupil and guardian names (birth name included: parents search by it too)
    lower(strip_accents(coalesce(p.nom, '') || ' ' || coalesce(p.prenom, ''))) || ' | ' || r.k_nom_usage || ' '
        || r.k_nom_naissance || ' ' || r.k_prenoms AS k_all
FROM console_links l
JOIN eleve_at('full', $b) p USING (ine)
JOIN resp_at('full', $b) r USING (responsable_id)
JOIN etab_at('full', $b) e ON e.uai = p.uai
LEFT JOIN compte_at('full', $b) c ON c.identifiant = r.identifiant
WHERE r.identifiant IS NOT NULL AND r.identifiant <> ''
ORDER BY p.uai;
