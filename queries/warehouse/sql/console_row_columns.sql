-- Fragment, not a script: the columns console_row (console_build_rows.sql) and console_xrow (console_exports.sql)
-- compute alike from the aliases l (link), p (pupil), e (establishment), r (guardian record), c (account).
-- Included where a file says {{console_row_columns.sql}} (queries/warehouse/sqlkit.py sql_text).
    substr(md5(l.ine || '|' || l.responsable_id), 1, 16) AS rid,
    l.ine, l.responsable_id,
    p.nom AS eleve_nom, p.prenom AS eleve_prenom, p.date_naissance,
    p.uai, p.classe, p.mef_code, p.mef_libelle,
    e.nom AS etab_nom, e.degre, e.circonscription_code, e.departement_code, e.academie_code,
    r.nom_usage, r.prenoms,
    r.identifiant,
    coalesce(c.origine, 'NON_RENSEIGNE') AS origine,
    coalesce(c.etat, 'NON_NOTIFIE') AS etat,
    c.date_notification, c.date_activation, c.date_derniere_connexion, c.date_demande_reinit_mdp
