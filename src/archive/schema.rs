//! The index schema, for both databases in one place: `MIGRATIONS[i]` takes
//! the schema from version `i` to `i + 1`, once in SQLite's dialect and once
//! in PostgreSQL's. The tables and columns are the same; PostgreSQL adds
//! what only a server can enforce (a role without UPDATE/DELETE, triggers
//! refusing changes to records).

pub struct Migration {
    pub sqlite: &'static str,
    #[cfg_attr(not(feature = "shared-archive"), allow(dead_code))]
    pub postgres: &'static str,
}

/// The role an office grants to the people who add files
/// (`GRANT cip_writer TO alice`): it can read and append, never change.
pub const PG_WRITER_ROLE: &str = "cip_writer";

/// The tables whose rows are records (never updated or deleted).
#[cfg_attr(not(feature = "shared-archive"), allow(dead_code))]
pub const RECORD_TABLES: &[&str] = &["documents", "signatures", "trust_anchors", "schema_version"];

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        sqlite: r#"
CREATE TABLE schema_version (
    version    INTEGER NOT NULL PRIMARY KEY,
    applied_at TEXT NOT NULL
);
CREATE TABLE documents (
    id                INTEGER PRIMARY KEY,
    sha256            TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    size              INTEGER NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('plan', 'letter', 'other')),
    letter_kind       TEXT,
    company           TEXT,
    assessment_report TEXT,
    plan_toml_sha256  TEXT,
    original_name     TEXT NOT NULL,
    added_at          TEXT NOT NULL,
    trust             TEXT NOT NULL,
    verify_report     TEXT NOT NULL
);
CREATE INDEX documents_company ON documents (company);
CREATE INDEX documents_added_at ON documents (added_at);
CREATE TABLE signatures (
    document_id         INTEGER NOT NULL REFERENCES documents (id),
    position            INTEGER NOT NULL,
    field               TEXT NOT NULL,
    signer_name         TEXT,
    signer_title        TEXT,
    signer_organization TEXT,
    cert_sha256         TEXT,
    signing_time        TEXT,
    trust               TEXT NOT NULL,
    PRIMARY KEY (document_id, position)
);
CREATE TABLE trust_anchors (
    cert_sha256 TEXT NOT NULL PRIMARY KEY,
    der         BLOB NOT NULL,
    added_at    TEXT NOT NULL
);
CREATE TABLE pending (
    sha256     TEXT NOT NULL PRIMARY KEY,
    started_at TEXT NOT NULL,
    pid        INTEGER NOT NULL
);
"#,
        postgres: r#"
CREATE TABLE schema_version (
    version    BIGINT NOT NULL PRIMARY KEY,
    applied_at TEXT NOT NULL
);
CREATE TABLE documents (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256            TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    size              BIGINT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('plan', 'letter', 'other')),
    letter_kind       TEXT,
    company           TEXT,
    assessment_report TEXT,
    plan_toml_sha256  TEXT,
    original_name     TEXT NOT NULL,
    added_at          TEXT NOT NULL,
    trust             TEXT NOT NULL,
    verify_report     TEXT NOT NULL
);
CREATE INDEX documents_company ON documents (company);
CREATE INDEX documents_added_at ON documents (added_at);
CREATE TABLE signatures (
    document_id         BIGINT NOT NULL REFERENCES documents (id),
    position            BIGINT NOT NULL,
    field               TEXT NOT NULL,
    signer_name         TEXT,
    signer_title        TEXT,
    signer_organization TEXT,
    cert_sha256         TEXT,
    signing_time        TEXT,
    trust               TEXT NOT NULL,
    PRIMARY KEY (document_id, position)
);
CREATE TABLE trust_anchors (
    cert_sha256 TEXT NOT NULL PRIMARY KEY,
    der         BYTEA NOT NULL,
    added_at    TEXT NOT NULL
);
CREATE TABLE pending (
    sha256     TEXT NOT NULL PRIMARY KEY,
    started_at TEXT NOT NULL,
    pid        BIGINT NOT NULL
);
-- Append-only, enforced by the database: records are never updated or
-- deleted, whoever asks (the owner can only get round this by disabling
-- the triggers, which `cip archive verify` reports).
CREATE FUNCTION cip_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the archive is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION cip_refuse_change();
CREATE TRIGGER documents_no_truncate BEFORE TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION cip_refuse_change();
CREATE TRIGGER signatures_append_only BEFORE UPDATE OR DELETE ON signatures
    FOR EACH ROW EXECUTE FUNCTION cip_refuse_change();
CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON signatures
    FOR EACH STATEMENT EXECUTE FUNCTION cip_refuse_change();
CREATE TRIGGER trust_anchors_append_only BEFORE UPDATE OR DELETE ON trust_anchors
    FOR EACH ROW EXECUTE FUNCTION cip_refuse_change();
CREATE TRIGGER trust_anchors_no_truncate BEFORE TRUNCATE ON trust_anchors
    FOR EACH STATEMENT EXECUTE FUNCTION cip_refuse_change();
CREATE TRIGGER schema_version_append_only BEFORE UPDATE OR DELETE ON schema_version
    FOR EACH ROW EXECUTE FUNCTION cip_refuse_change();
-- The role of the people who add: read and append; on the adds in
-- progress (a work list, not records) also clear.
-- (Roles belong to the cluster: another database's archive may have made
-- it, perhaps at this very moment.)
DO $$ BEGIN
    CREATE ROLE cip_writer NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT SELECT, INSERT ON documents, signatures, trust_anchors, schema_version TO cip_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON pending TO cip_writer;
"#,
    },
    // Revision chains (`[plan] revision` and `supersedes` of an archived
    // plan, read from its signed plan.toml).
    Migration {
        sqlite: r#"
ALTER TABLE documents ADD COLUMN plan_revision INTEGER;
ALTER TABLE documents ADD COLUMN supersedes_sha256 TEXT;
ALTER TABLE documents ADD COLUMN supersedes_file TEXT;
"#,
        postgres: r#"
ALTER TABLE documents ADD COLUMN plan_revision BIGINT;
ALTER TABLE documents ADD COLUMN supersedes_sha256 TEXT;
ALTER TABLE documents ADD COLUMN supersedes_file TEXT;
"#,
    },
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The columns of `documents` read into a `Record` (both databases).
pub const COLUMNS: &str = "id, sha256, size, kind, letter_kind, company, assessment_report, \
plan_toml_sha256, original_name, added_at, trust, plan_revision, supersedes_sha256, supersedes_file";

/// The columns written by an insert, in the order of `COLUMNS` minus `id`,
/// plus `verify_report`.
pub const INSERT_COLUMNS: &str = "sha256, size, kind, letter_kind, company, assessment_report, \
plan_toml_sha256, original_name, added_at, trust, plan_revision, supersedes_sha256, supersedes_file, verify_report";
