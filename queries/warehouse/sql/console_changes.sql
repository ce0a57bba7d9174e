-- Console « Responsables », incremental refresh from the date $a the tables were built for to the latest
-- full date $b (queries/warehouse/console_tables.py). A console row depends on five versions: its link, its pupil, its
-- guardian record, that record's account and the pupil's establishment. It can only differ between $a and $b
-- if one of them did, i.e. if a history row of that key is valid at exactly one of the two dates: the keys
-- below. The criteria are symmetric (a key that changed selects the row at $a and at $b), so deleting the
-- rows they select (console_delete.sql) and building the ones they select at $b gives the full rebuild's rows.

CREATE OR REPLACE TEMP TABLE cx_ine AS
SELECT DISTINCT ine FROM eleve_h
WHERE cov = 'full' AND changed_between(d_from, d_to, $a, $b);

CREATE OR REPLACE TEMP TABLE cx_resp AS
SELECT DISTINCT responsable_id FROM resp_h
WHERE cov = 'full' AND changed_between(d_from, d_to, $a, $b);

CREATE OR REPLACE TEMP TABLE cx_lien AS
SELECT DISTINCT ine, responsable_id FROM lien_h
WHERE cov = 'full' AND changed_between(d_from, d_to, $a, $b);

CREATE OR REPLACE TEMP TABLE cx_acc AS
SELECT DISTINCT identifiant FROM compte_h
WHERE cov = 'full' AND changed_between(d_from, d_to, $a, $b);

CREATE OR REPLACE TEMP TABLE cx_uai AS
SELECT DISTINCT uai FROM etab_h
WHERE cov = 'full' AND changed_between(d_from, d_to, $a, $b);

CREATE OR REPLACE TEMP TABLE console_links AS
SELECT l.responsable_id, l.ine FROM lien_at('full', $b) l
WHERE l.ine IN (SELECT ine FROM cx_ine)
   OR l.ine IN (SELECT ine FROM eleve_at('full', $b) WHERE uai IN (SELECT uai FROM cx_uai))
   OR l.responsable_id IN (SELECT responsable_id FROM cx_resp)
   OR l.responsable_id IN (
        SELECT responsable_id FROM resp_at('full', $b) WHERE identifiant IN (SELECT identifiant FROM cx_acc))
   OR EXISTS (SELECT 1 FROM cx_lien x WHERE x.ine = l.ine AND x.responsable_id = l.responsable_id);
