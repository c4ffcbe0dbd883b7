//! The index on PostgreSQL: the same tables as `index.sqlite` (see
//! `schema`), shared by every writer of an office. Concurrent adds of
//! different files proceed in parallel; two adds of the same bytes are
//! decided by the unique key on `sha256` (`INSERT … ON CONFLICT DO
//! NOTHING`); a transaction that fails with a serialization failure or a
//! deadlock is run again.
//!
//! The connection string is `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`
//! (`PGPASSWORD` supplies a password the URL leaves out); messages show it
//! without the password.

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, GenericClient, NoTls, Row};

use super::backend::{Extra, Index, IndexError};
use super::schema::{self, COLUMNS, INSERT_COLUMNS, MIGRATIONS, SCHEMA_VERSION};
use super::{Record, SignatureRecord};

const RETRIES: u32 = 20;
/// Serialises schema migrations between processes (any constant will do).
const MIGRATION_LOCK: i64 = 0x0063_6970_5f6d_6967;

/// A PostgreSQL error in words: the server's message (and detail), or the
/// client's.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(d) => format!("{} ({d})", db.message()),
            None => db.message().to_string(),
        },
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(inner) = src {
                s.push_str(": ");
                s.push_str(&inner.to_string());
                src = inner.source();
            }
            s
        }
    }
}

fn retryable(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// The URL without its password, for messages.
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    let host = host.split('?').next().unwrap_or(host);
    match auth {
        Some(a) => {
            let user = a.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => format!("{scheme}://{host}"),
    }
}

pub struct PgIndex {
    shown: String,
    client: RefCell<Client>,
}

impl std::fmt::Debug for PgIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgIndex")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

impl PgIndex {
    /// Connects (without TLS: run it over a private network or a tunnel).
    pub fn connect(url: &str) -> Result<PgIndex, IndexError> {
        let mut config: postgres::Config = url.parse()?;
        if config.get_password().is_none() {
            if let Ok(p) = std::env::var("PGPASSWORD") {
                config.password(p);
            }
        }
        config.connect_timeout(Duration::from_secs(30));
        config.application_name("cip archive");
        let client = config.connect(NoTls)?;
        Ok(PgIndex {
            shown: shown_url(url),
            client: RefCell::new(client),
        })
    }

    /// The schema version recorded (0 for an empty database).
    pub fn version(&self) -> Result<i64, IndexError> {
        Ok(version(&mut *self.client.borrow_mut())?)
    }

    /// Applies the migrations after the recorded version, each in its own
    /// transaction under an advisory lock (another process may be
    /// migrating at the same moment). Needs the tables' owner.
    pub fn migrate(&self, now: &str) -> Result<(), IndexError> {
        let mut c = self.client.borrow_mut();
        loop {
            let mut tx = c.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            let v = version(&mut tx)?;
            if v >= SCHEMA_VERSION {
                return Ok(());
            }
            let idx = usize::try_from(v).unwrap_or(0);
            tx.batch_execute(MIGRATIONS[idx].postgres)?;
            tx.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
                &[&(v + 1), &now],
            )?;
            tx.commit()?;
        }
    }

    /// Runs `f` in a transaction, again while PostgreSQL answers with a
    /// serialization failure or a deadlock.
    fn in_tx<T>(
        &self,
        mut f: impl FnMut(&mut postgres::Transaction<'_>) -> Result<T, postgres::Error>,
    ) -> Result<T, IndexError> {
        let mut c = self.client.borrow_mut();
        let mut attempt = 0;
        loop {
            let result = (|| {
                let mut tx = c.transaction()?;
                let v = f(&mut tx)?;
                tx.commit()?;
                Ok(v)
            })();
            match result {
                Err(e) if retryable(&e) && attempt < RETRIES => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(5 * u64::from(attempt.min(10))));
                }
                r => return r.map_err(IndexError::from),
            }
        }
    }
}

fn version(c: &mut impl GenericClient) -> Result<i64, postgres::Error> {
    let has: bool = c
        .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?
        .get(0);
    if !has {
        return Ok(0);
    }
    c.query_one(
        "SELECT coalesce(max(version), 0)::BIGINT FROM schema_version",
        &[],
    )
    .map(|r| r.get(0))
}

fn row_to_record(r: &Row) -> (i64, Record) {
    let size: i64 = r.get(2);
    (
        r.get(0),
        Record {
            sha256: r.get(1),
            size: u64::try_from(size).unwrap_or(0),
            kind: r.get(3),
            letter_kind: r.get(4),
            company: r.get(5),
            assessment_report: r.get(6),
            plan_toml_sha256: r.get(7),
            original_name: r.get(8),
            added_at: r.get(9),
            trust: r.get(10),
            revision: r.get(11),
            supersedes_sha256: r.get(12),
            supersedes_file: r.get(13),
            signatures: Vec::new(),
        },
    )
}

fn signatures(
    c: &mut impl GenericClient,
    id: i64,
) -> Result<Vec<SignatureRecord>, postgres::Error> {
    let rows = c.query(
        "SELECT field, signer_name, signer_title, signer_organization, cert_sha256, signing_time, trust \
         FROM signatures WHERE document_id = $1 ORDER BY position",
        &[&id],
    )?;
    Ok(rows
        .iter()
        .map(|r| SignatureRecord {
            field: r.get(0),
            signer_name: r.get(1),
            signer_title: r.get(2),
            signer_organization: r.get(3),
            cert_sha256: r.get(4),
            signing_time: r.get(5),
            trust: r.get(6),
        })
        .collect())
}

fn find(c: &mut impl GenericClient, sha256: &str) -> Result<Option<Record>, postgres::Error> {
    let row = c.query_opt(
        &format!("SELECT {COLUMNS} FROM documents WHERE sha256 = $1"),
        &[&sha256],
    )?;
    match row {
        Some(r) => {
            let (id, mut rec) = row_to_record(&r);
            rec.signatures = signatures(c, id)?;
            Ok(Some(rec))
        }
        None => Ok(None),
    }
}

impl Index for PgIndex {
    fn location(&self) -> PathBuf {
        PathBuf::from(&self.shown)
    }

    fn find(&self, sha256: &str) -> Result<Option<Record>, IndexError> {
        Ok(find(&mut *self.client.borrow_mut(), sha256)?)
    }

    fn by_prefix(&self, prefix: &str, limit: i64) -> Result<Vec<String>, IndexError> {
        let rows = self.client.borrow_mut().query(
            "SELECT sha256 FROM documents WHERE left(sha256, length($1)) = $1 ORDER BY sha256 LIMIT $2",
            &[&prefix, &limit],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn all(&self) -> Result<Vec<Record>, IndexError> {
        // One read-only transaction: rows and signatures from one snapshot.
        let mut c = self.client.borrow_mut();
        let mut tx = c
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let rows = tx.query(&format!("SELECT {COLUMNS} FROM documents ORDER BY id"), &[])?;
        let sigs = tx.query(
            "SELECT document_id, field, signer_name, signer_title, signer_organization, cert_sha256, signing_time, trust \
             FROM signatures ORDER BY document_id, position",
            &[],
        )?;
        tx.commit()?;
        let mut by_doc: std::collections::HashMap<i64, Vec<SignatureRecord>> =
            std::collections::HashMap::new();
        for r in &sigs {
            by_doc.entry(r.get(0)).or_default().push(SignatureRecord {
                field: r.get(1),
                signer_name: r.get(2),
                signer_title: r.get(3),
                signer_organization: r.get(4),
                cert_sha256: r.get(5),
                signing_time: r.get(6),
                trust: r.get(7),
            });
        }
        Ok(rows
            .iter()
            .map(|r| {
                let (id, mut rec) = row_to_record(r);
                rec.signatures = by_doc.remove(&id).unwrap_or_default();
                rec
            })
            .collect())
    }

    fn verify_report(&self, sha256: &str) -> Result<Option<String>, IndexError> {
        let row = self.client.borrow_mut().query_opt(
            "SELECT verify_report FROM documents WHERE sha256 = $1",
            &[&sha256],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    fn pending(&self) -> Result<Vec<String>, IndexError> {
        let rows = self
            .client
            .borrow_mut()
            .query("SELECT sha256 FROM pending ORDER BY sha256", &[])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn trust_anchors(&self) -> Result<Vec<Vec<u8>>, IndexError> {
        let rows = self
            .client
            .borrow_mut()
            .query("SELECT der FROM trust_anchors ORDER BY cert_sha256", &[])?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn begin_pending(&self, sha256: &str, now: &str) -> Result<Option<Record>, IndexError> {
        let pid = i64::from(std::process::id());
        self.in_tx(|tx| {
            if let Some(r) = find(tx, sha256)? {
                return Ok(Some(r));
            }
            tx.execute(
                "INSERT INTO pending (sha256, started_at, pid) VALUES ($1, $2, $3) \
                 ON CONFLICT (sha256) DO UPDATE SET started_at = excluded.started_at, pid = excluded.pid",
                &[&sha256, &now, &pid],
            )?;
            Ok(None)
        })
    }

    fn clear_pending(&self, sha256: &str) -> Result<(), IndexError> {
        self.in_tx(|tx| {
            tx.execute("DELETE FROM pending WHERE sha256 = $1", &[&sha256])
                .map(|_| ())
        })
    }

    fn insert(&self, rec: &Record, extra: &Extra<'_>) -> Result<bool, IndexError> {
        let size = i64::try_from(rec.size).unwrap_or(i64::MAX);
        self.in_tx(|tx| {
            let id: Option<i64> = tx
                .query_opt(
                    &format!(
                        "INSERT INTO documents ({INSERT_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                         ON CONFLICT (sha256) DO NOTHING RETURNING id"
                    ),
                    &[
                        &rec.sha256,
                        &size,
                        &rec.kind,
                        &rec.letter_kind,
                        &rec.company,
                        &rec.assessment_report,
                        &rec.plan_toml_sha256,
                        &rec.original_name,
                        &rec.added_at,
                        &rec.trust,
                        &rec.revision,
                        &rec.supersedes_sha256,
                        &rec.supersedes_file,
                        &extra.verify_report_json,
                    ],
                )?
                .map(|r| r.get(0));
            if let Some(id) = id {
                for (i, s) in rec.signatures.iter().enumerate() {
                    let pos = i64::try_from(i).unwrap_or(i64::MAX);
                    tx.execute(
                        "INSERT INTO signatures (document_id, position, field, signer_name, signer_title, \
                         signer_organization, cert_sha256, signing_time, trust) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        &[
                            &id,
                            &pos,
                            &s.field,
                            &s.signer_name,
                            &s.signer_title,
                            &s.signer_organization,
                            &s.cert_sha256,
                            &s.signing_time,
                            &s.trust,
                        ],
                    )?;
                }
                for (sha, der) in extra.anchors {
                    tx.execute(
                        "INSERT INTO trust_anchors (cert_sha256, der, added_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (cert_sha256) DO NOTHING",
                        &[sha, der, &rec.added_at],
                    )?;
                }
            }
            tx.execute("DELETE FROM pending WHERE sha256 = $1", &[&rec.sha256])?;
            Ok(id.is_some())
        })
    }

    /// The append-only triggers must be there and enabled: the owner can
    /// disable them, and this says so.
    fn integrity(&self) -> Result<Vec<String>, IndexError> {
        let mut out = Vec::new();
        let rows = self.client.borrow_mut().query(
            "SELECT c.relname, t.tgname, t.tgenabled::TEXT FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid \
             WHERE NOT t.tgisinternal AND t.tgname LIKE '%_append_only'",
            &[],
        )?;
        for table in schema::RECORD_TABLES {
            let found = rows.iter().find(|r| r.get::<_, String>(0) == *table);
            match found {
                None => out.push(format!(
                    "the append-only trigger on {table} is missing: rows can be changed"
                )),
                Some(r) if r.get::<_, String>(2) == "D" => out.push(format!(
                    "the append-only trigger {} on {table} is disabled: rows can be changed",
                    r.get::<_, String>(1)
                )),
                Some(_) => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            shown_url("postgres://app:s3cret@db.example:5433/cip?sslmode=disable"),
            "postgres://app@db.example:5433/cip"
        );
        assert_eq!(shown_url("postgres://db/cip"), "postgres://db/cip");
    }
}
