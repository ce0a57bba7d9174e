-- Warehouse schema (docs/ARCHITECTURE.md). Idempotent: run by every ingestion before loading.
-- History tables are interval-encoded over the ingested dates of a coverage `cov`:
-- a row holds at every ingested date S of its cov with d_from <= S <= d_to (d_to = 9999-12-31: still open).
-- h = hash() of the payload columns (64-bit): a day's unchanged rows are recognised by (key, h) and not rewritten.
-- Ordering: every ingestion appends its changed rows in one batch sharing d_from (= the ingested date), so the
-- row groups are clustered by (cov, d_from) and DuckDB's min/max zone maps skip the groups with d_from > S in an
-- as-of scan. No ART index: it would slow the 20 M-row loads and does not serve range predicates.

CREATE TABLE IF NOT EXISTS etab_h (
    cov VARCHAR NOT NULL, d_from DATE NOT NULL, d_to DATE NOT NULL, h UBIGINT NOT NULL,
    uai VARCHAR NOT NULL, nom VARCHAR, type VARCHAR, degre VARCHAR, commune VARCHAR,
    circonscription_code VARCHAR, circonscription_nom VARCHAR, departement_code VARCHAR, departement_nom VARCHAR,
    academie_code VARCHAR, academie_nom VARCHAR
);

CREATE TABLE IF NOT EXISTS eleve_h (
    cov VARCHAR NOT NULL, d_from DATE NOT NULL, d_to DATE NOT NULL, h UBIGINT NOT NULL,
    ine VARCHAR NOT NULL, nom VARCHAR, prenom VARCHAR, date_naissance DATE, uai VARCHAR, classe VARCHAR,
    mef_code VARCHAR, mef_libelle VARCHAR
);

CREATE TABLE IF NOT EXISTS resp_h (
    cov VARCHAR NOT NULL, d_from DATE NOT NULL, d_to DATE NOT NULL, h UBIGINT NOT NULL,
    responsable_id VARCHAR NOT NULL, source VARCHAR, uai VARCHAR, civilite VARCHAR, nom_usage VARCHAR,
    nom_naissance VARCHAR, prenoms VARCHAR, telephone_portable VARCHAR, courriel VARCHAR, identifiant VARCHAR,
    -- normalised keys (queries/warehouse/ingest.py RESP_KEYS), derived from the columns above when a row is written
    k_nom_usage VARCHAR, k_nom_naissance VARCHAR, k_prenoms VARCHAR, k_prenom1 VARCHAR, k_mobile VARCHAR,
    k_courriel VARCHAR
);

CREATE TABLE IF NOT EXISTS lien_h (
    cov VARCHAR NOT NULL, d_from DATE NOT NULL, d_to DATE NOT NULL, h UBIGINT NOT NULL,
    responsable_id VARCHAR NOT NULL, ine VARCHAR NOT NULL, lien VARCHAR
);

CREATE TABLE IF NOT EXISTS compte_h (
    cov VARCHAR NOT NULL, d_from DATE NOT NULL, d_to DATE NOT NULL, h UBIGINT NOT NULL,
    identifiant VARCHAR NOT NULL, origine VARCHAR, etat VARCHAR, date_notification DATE, date_activation DATE,
    date_derniere_connexion DATE, date_demande_reinit_mdp DATE, courriel VARCHAR, telephone_portable VARCHAR
);

CREATE TABLE IF NOT EXISTS snapshot (
    cov VARCHAR NOT NULL, date DATE NOT NULL, kind VARCHAR NOT NULL, ingested_at TIMESTAMP NOT NULL,
    source_path VARCHAR, rows JSON,
    PRIMARY KEY (cov, date)
);

-- reason_code: a code of queries/core/vocab.py QUARANTINE_REASONS, reason: its French label (never a value: the
-- offending value is in `value`); file: name within the snapshot folder; uais: establishments the line belongs
-- to (empty when none can be read), for the « Qualité des données » page's remit filter.
CREATE TABLE IF NOT EXISTS quarantine (
    cov VARCHAR NOT NULL, date DATE NOT NULL, table_name VARCHAR NOT NULL, file VARCHAR, line BIGINT,
    column_name VARCHAR, value VARCHAR, reason VARCHAR NOT NULL, ingested_at TIMESTAMP NOT NULL,
    reason_code VARCHAR, uais VARCHAR[]
);

CREATE TABLE IF NOT EXISTS ingest_log (
    cov VARCHAR NOT NULL, date DATE NOT NULL, table_name VARCHAR NOT NULL, file VARCHAR,
    n_read BIGINT NOT NULL, n_loaded BIGINT NOT NULL, n_quarantined BIGINT NOT NULL, ingested_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS agg_synthese (
    cov VARCHAR NOT NULL, date DATE NOT NULL, level VARCHAR NOT NULL, code VARCHAR NOT NULL, sub VARCHAR NOT NULL,
    degre VARCHAR NOT NULL, origine VARCHAR NOT NULL, etat VARCHAR NOT NULL, n BIGINT NOT NULL
);

-- Notification → activation funnel per scope and week of notification (per_date_10_synthese.sql).
CREATE TABLE IF NOT EXISTS agg_funnel (
    cov VARCHAR NOT NULL, date DATE NOT NULL, level VARCHAR NOT NULL, code VARCHAR NOT NULL, sub VARCHAR NOT NULL,
    degre VARCHAR NOT NULL, semaine DATE NOT NULL,
    notifies BIGINT NOT NULL, actives_7j BIGINT NOT NULL, actives_30j BIGINT NOT NULL
);

-- As-of: the ingested date of `_cov` used for day `_x` (NULL when there is none at or before it).
CREATE OR REPLACE MACRO "asof"(_cov, _x) AS  -- quoted: ASOF is a keyword (ASOF JOIN)
    (SELECT max(s.date) FROM snapshot s WHERE s.cov = _cov AND s.date <= _x);

-- A history row valid at exactly one of two ingested dates: its key changed between them.
CREATE OR REPLACE MACRO changed_between(_from, _to, _a, _b) AS
    (_from <= _a AND _a <= _to) <> (_from <= _b AND _b <= _to);

-- Rows valid at ingested date `_s` (an ingested date: use asof() first for an arbitrary day).
CREATE OR REPLACE MACRO etab_at(_cov, _s) AS TABLE
    SELECT * EXCLUDE (cov, d_from, d_to, h) FROM etab_h WHERE cov = _cov AND d_from <= _s AND _s <= d_to;
CREATE OR REPLACE MACRO eleve_at(_cov, _s) AS TABLE
    SELECT * EXCLUDE (cov, d_from, d_to, h) FROM eleve_h WHERE cov = _cov AND d_from <= _s AND _s <= d_to;
CREATE OR REPLACE MACRO resp_at(_cov, _s) AS TABLE
    SELECT * EXCLUDE (cov, d_from, d_to, h) FROM resp_h WHERE cov = _cov AND d_from <= _s AND _s <= d_to;
CREATE OR REPLACE MACRO lien_at(_cov, _s) AS TABLE
    SELECT * EXCLUDE (cov, d_from, d_to, h) FROM lien_h WHERE cov = _cov AND d_from <= _s AND _s <= d_to;
CREATE OR REPLACE MACRO compte_at(_cov, _s) AS TABLE
    SELECT * EXCLUDE (cov, d_from, d_to, h) FROM compte_h WHERE cov = _cov AND d_from <= _s AND _s <= d_to;

-- The latest full date the console table console_row (and the view console_resp) holds, and how many of its rows
-- were appended by incremental refreshes since the last full rebuild (queries/warehouse/console_tables.py). Empty or NULL:
-- the next refresh rebuilds them whole.
CREATE TABLE IF NOT EXISTS console_meta (built_for DATE, n_rows BIGINT NOT NULL, n_appended BIGINT NOT NULL);

-- Console « Responsables »: the guardian source records of the date the console tables were built for, with
-- their keys and establishment (account detail, « Je ne vois pas tous mes enfants »). A view: the records and
-- their keys are already stored once in resp_h, and these queries look up a few accounts or names at a time.
CREATE OR REPLACE VIEW console_resp AS
SELECT r.*, e.nom AS etab_nom, e.academie_code
FROM resp_at('full', (SELECT built_for FROM console_meta)) r
LEFT JOIN etab_at('full', (SELECT built_for FROM console_meta)) e ON e.uai = r.uai
WHERE r.identifiant IS NOT NULL AND r.identifiant <> '';
