-- Console « Responsables », incremental refresh: delete the rows selected by the changed keys of
-- console_changes.sql (as they were at the date the tables were built for).

DELETE FROM console_row c
WHERE c.ine IN (SELECT ine FROM cx_ine)
   OR c.responsable_id IN (SELECT responsable_id FROM cx_resp)
   OR c.identifiant IN (SELECT identifiant FROM cx_acc)
   OR c.uai IN (SELECT uai FROM cx_uai)
   OR EXISTS (SELECT 1 FROM cx_lien x WHERE x.ine = c.ine AND x.responsable_id = c.responsable_id);
