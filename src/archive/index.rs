//! `index.sqlite`: one row per archived file, its signatures, the trust
//! anchors given to `add`, and the adds in progress. WAL mode, a
//! `schema_version` table and forward-only migrations.
//!
//! Write transactions are `BEGIN IMMEDIATE` (so a reader never has to
//! upgrade to a writer and fail with "database is locked"), the busy timeout
//! is long, and a busy error that still comes through is retried.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::backend::{Index, IndexError};
use super::{Record, SignatureRecord};

pub const INDEX: &str = "index.sqlite";

pub use super::schema::SCHEMA_VERSION;
use super::schema::{COLUMNS, INSERT_COLUMNS, MIGRATIONS};

const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
const RETRIES: u32 = 20;

pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Runs `f` again while SQLite answers "busy"/"locked" (after the busy
/// timeout has already waited), with a growing pause.
pub fn retry<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let mut attempt = 0;
    loop {
        match f() {
            Err(e) if is_busy(&e) && attempt < RETRIES => {
                attempt += 1;
                thread::sleep(Duration::from_millis(10 * u64::from(attempt.min(10))));
            }
            r => return r,
        }
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(())
}

/// A read-write connection to an existing index (never creates one).
pub fn open_write(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    // FULL: a committed add survives a power cut, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// A connection for reading. In a writable folder it is a read-write
/// connection that only reads: unlike a read-only one, it removes the WAL
/// files it created when it closes, so reading leaves the folder exactly as
/// it was. In a folder marked read-only it is a read-only connection, or,
/// when no WAL content is pending, an immutable one (SQLite cannot create
/// the WAL's shared-memory file on read-only media).
pub fn open_read(path: &Path, writable: bool) -> rusqlite::Result<Connection> {
    let probe = |c: Connection| -> rusqlite::Result<Connection> {
        configure(&c)?;
        c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok(c)
    };
    let base = OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if writable {
        return Connection::open_with_flags(path, base | OpenFlags::SQLITE_OPEN_READ_WRITE)
            .and_then(probe);
    }
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal_pending = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let ro = base | OpenFlags::SQLITE_OPEN_READ_ONLY;
    let immutable = || {
        let uri = format!("file:{}?immutable=1", uri_path(path));
        Connection::open_with_flags(uri, ro | OpenFlags::SQLITE_OPEN_URI).and_then(probe)
    };
    if wal_pending {
        Connection::open_with_flags(path, ro).and_then(probe)
    } else {
        immutable()
    }
}

fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Creates a new index at `path` (which must not exist): WAL mode and every
/// migration.
pub fn create(path: &Path, now: &str) -> rusqlite::Result<()> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!(
                "the file system does not support WAL mode (journal mode is {mode})"
            )),
        ));
    }
    migrate(&mut conn, now)
}

/// The schema version recorded in the index (0 for an empty database).
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    let has_table: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(0);
    }
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )
}

/// Applies the migrations after `from`, each in its own transaction that
/// re-reads the version (another process may have migrated meanwhile).
pub fn migrate(conn: &mut Connection, now: &str) -> rusqlite::Result<()> {
    loop {
        let done = retry(|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let v = version(&tx)?;
            if v >= SCHEMA_VERSION {
                return Ok(true);
            }
            let idx = usize::try_from(v).unwrap_or(0);
            tx.execute_batch(MIGRATIONS[idx].sqlite)?;
            tx.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
                params![v + 1, now],
            )?;
            tx.commit()?;
            Ok(false)
        })?;
        if done {
            return Ok(());
        }
    }
}

pub fn find(conn: &Connection, sha256: &str) -> rusqlite::Result<Option<Record>> {
    let rec = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM documents WHERE sha256 = ?1"),
            [sha256],
            row_to_record,
        )
        .optional()?;
    match rec {
        Some((id, mut r)) => {
            r.signatures = signatures(conn, id)?;
            Ok(Some(r))
        }
        None => Ok(None),
    }
}

/// Hashes of the rows whose hash starts with `prefix` (at most `limit`).
pub fn by_prefix(conn: &Connection, prefix: &str, limit: i64) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare(
        "SELECT sha256 FROM documents WHERE substr(sha256, 1, length(?1)) = ?1 ORDER BY sha256 LIMIT ?2",
    )?;
    let rows = st.query_map(params![prefix, limit], |r| r.get::<_, String>(0))?;
    rows.collect()
}

fn row_to_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Record)> {
    let size: i64 = r.get(2)?;
    Ok((
        r.get(0)?,
        Record {
            sha256: r.get(1)?,
            size: u64::try_from(size).unwrap_or(0),
            kind: r.get(3)?,
            letter_kind: r.get(4)?,
            company: r.get(5)?,
            assessment_report: r.get(6)?,
            plan_toml_sha256: r.get(7)?,
            original_name: r.get(8)?,
            added_at: r.get(9)?,
            trust: r.get(10)?,
            revision: r.get(11)?,
            supersedes_sha256: r.get(12)?,
            supersedes_file: r.get(13)?,
            signatures: Vec::new(),
        },
    ))
}

fn signatures(conn: &Connection, id: i64) -> rusqlite::Result<Vec<SignatureRecord>> {
    let mut st = conn.prepare_cached(
        "SELECT field, signer_name, signer_title, signer_organization, cert_sha256, signing_time, trust \
         FROM signatures WHERE document_id = ?1 ORDER BY position",
    )?;
    let rows = st.query_map([id], |r| {
        Ok(SignatureRecord {
            field: r.get(0)?,
            signer_name: r.get(1)?,
            signer_title: r.get(2)?,
            signer_organization: r.get(3)?,
            cert_sha256: r.get(4)?,
            signing_time: r.get(5)?,
            trust: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// Every row, oldest first, with its signatures.
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<Record>> {
    let mut st = conn.prepare(&format!("SELECT {COLUMNS} FROM documents ORDER BY id"))?;
    let rows = st
        .query_map([], row_to_record)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, mut r) in rows {
        r.signatures = signatures(conn, id)?;
        out.push(r);
    }
    Ok(out)
}

/// The stored verification report of a row (JSON, as recorded at add time).
pub fn verify_report(conn: &Connection, sha256: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT verify_report FROM documents WHERE sha256 = ?1",
        [sha256],
        |r| r.get(0),
    )
    .optional()
}

pub fn pending(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare("SELECT sha256 FROM pending ORDER BY sha256")?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

pub fn trust_anchors(conn: &Connection) -> rusqlite::Result<Vec<Vec<u8>>> {
    let mut st = conn.prepare("SELECT der FROM trust_anchors ORDER BY cert_sha256")?;
    let rows = st.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
    rows.collect()
}

/// Records that an add of `sha256` is under way (before its object is
/// written), so an object left by a killed add is recognised as such.
pub fn begin_pending(
    conn: &mut Connection,
    sha256: &str,
    now: &str,
) -> rusqlite::Result<Option<Record>> {
    retry(|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(r) = find(&tx, sha256)? {
            return Ok(Some(r));
        }
        tx.execute(
            "INSERT OR REPLACE INTO pending (sha256, started_at, pid) VALUES (?1, ?2, ?3)",
            params![sha256, now, i64::from(std::process::id())],
        )?;
        tx.commit()?;
        Ok(None)
    })
}

/// Forgets an add that failed before its object was stored.
pub fn clear_pending(conn: &mut Connection, sha256: &str) -> rusqlite::Result<()> {
    retry(|| {
        conn.execute("DELETE FROM pending WHERE sha256 = ?1", [sha256])
            .map(|_| ())
    })
}

pub use super::backend::Extra;

/// Inserts the row (or finds that another process did) and clears the
/// pending mark, in one transaction. Returns `false` when the row existed.
pub fn insert(conn: &mut Connection, rec: &Record, extra: &Extra<'_>) -> rusqlite::Result<bool> {
    retry(|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT count(*) > 0 FROM documents WHERE sha256 = ?1",
            [&rec.sha256],
            |r| r.get(0),
        )?;
        if !exists {
            tx.execute(
                &format!(
                    "INSERT INTO documents ({INSERT_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                ),
                params![
                    rec.sha256,
                    i64::try_from(rec.size).unwrap_or(i64::MAX),
                    rec.kind,
                    rec.letter_kind,
                    rec.company,
                    rec.assessment_report,
                    rec.plan_toml_sha256,
                    rec.original_name,
                    rec.added_at,
                    rec.trust,
                    rec.revision,
                    rec.supersedes_sha256,
                    rec.supersedes_file,
                    extra.verify_report_json,
                ],
            )?;
            let id = tx.last_insert_rowid();
            for (i, s) in rec.signatures.iter().enumerate() {
                tx.execute(
                    "INSERT INTO signatures (document_id, position, field, signer_name, signer_title, \
                     signer_organization, cert_sha256, signing_time, trust) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        id,
                        i64::try_from(i).unwrap_or(i64::MAX),
                        s.field,
                        s.signer_name,
                        s.signer_title,
                        s.signer_organization,
                        s.cert_sha256,
                        s.signing_time,
                        s.trust,
                    ],
                )?;
            }
            for (sha, der) in extra.anchors {
                tx.execute(
                    "INSERT OR IGNORE INTO trust_anchors (cert_sha256, der, added_at) VALUES (?1, ?2, ?3)",
                    params![sha, der, rec.added_at],
                )?;
            }
        }
        tx.execute("DELETE FROM pending WHERE sha256 = ?1", [&rec.sha256])?;
        tx.commit()?;
        Ok(!exists)
    })
}

/// `PRAGMA integrity_check`: "ok" or the problems SQLite found.
pub fn integrity(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare("PRAGMA integrity_check")?;
    let rows = st.query_map([], |r| r.get::<_, String>(0))?;
    let v: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(v.into_iter().filter(|s| s != "ok").collect())
}

/// Fills the revision columns of plans archived before they existed (read
/// from each plan's signed plan.toml by the caller), once, in the
/// migration that adds them.
/// (sha256, revision, supersedes_sha256, supersedes_file) of one plan.
pub type RevisionFill = (String, Option<i64>, Option<String>, Option<String>);

pub fn backfill_revisions(conn: &mut Connection, rows: &[RevisionFill]) -> rusqlite::Result<()> {
    retry(|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (sha, rev, sup_sha, sup_file) in rows {
            tx.execute(
                "UPDATE documents SET plan_revision = ?2, supersedes_sha256 = ?3, supersedes_file = ?4 \
                 WHERE sha256 = ?1 AND plan_revision IS NULL",
                params![sha, rev, sup_sha, sup_file],
            )?;
        }
        tx.commit()
    })
}

/// `index.sqlite` in an archive folder, as an [`Index`]. Reads open their
/// own connection; adds share one write connection, kept open so that many
/// adds in a row do not each pay for a checkpoint.
#[derive(Debug)]
pub struct SqliteIndex {
    root: PathBuf,
    writer: RefCell<Option<Connection>>,
}

impl SqliteIndex {
    pub fn new(root: &Path) -> SqliteIndex {
        SqliteIndex {
            root: root.to_path_buf(),
            writer: RefCell::new(None),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.root.join(INDEX)
    }

    pub fn read_conn(&self) -> rusqlite::Result<Connection> {
        let writable = super::ensure_writable(&self.root).is_ok();
        open_read(&self.path(), writable)
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, IndexError> {
        let mut w = self.writer.borrow_mut();
        if w.is_none() {
            *w = Some(open_write(&self.path())?);
        }
        match w.as_mut() {
            Some(conn) => Ok(f(conn)?),
            None => Err(IndexError::Other("no connection".into())),
        }
    }
}

impl Index for SqliteIndex {
    fn location(&self) -> PathBuf {
        self.path()
    }
    fn find(&self, sha256: &str) -> Result<Option<Record>, IndexError> {
        Ok(find(&self.read_conn()?, sha256)?)
    }
    fn by_prefix(&self, prefix: &str, limit: i64) -> Result<Vec<String>, IndexError> {
        Ok(by_prefix(&self.read_conn()?, prefix, limit)?)
    }
    fn all(&self) -> Result<Vec<Record>, IndexError> {
        Ok(all(&self.read_conn()?)?)
    }
    fn verify_report(&self, sha256: &str) -> Result<Option<String>, IndexError> {
        Ok(verify_report(&self.read_conn()?, sha256)?)
    }
    fn pending(&self) -> Result<Vec<String>, IndexError> {
        Ok(pending(&self.read_conn()?)?)
    }
    fn trust_anchors(&self) -> Result<Vec<Vec<u8>>, IndexError> {
        Ok(trust_anchors(&self.read_conn()?)?)
    }
    fn begin_pending(&self, sha256: &str, now: &str) -> Result<Option<Record>, IndexError> {
        self.with_writer(|c| begin_pending(c, sha256, now))
    }
    fn clear_pending(&self, sha256: &str) -> Result<(), IndexError> {
        self.with_writer(|c| clear_pending(c, sha256))
    }
    fn insert(&self, rec: &Record, extra: &Extra<'_>) -> Result<bool, IndexError> {
        self.with_writer(|c| insert(c, rec, extra))
    }
    fn integrity(&self) -> Result<Vec<String>, IndexError> {
        Ok(integrity(&self.read_conn()?)?)
    }
}
