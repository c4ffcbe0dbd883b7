//! The archive of signed copies: an append-only, content-addressed store of
//! signed PDFs (plans and letters) with an index, that can be copied,
//! backed up and checked years later. Two back ends behind one interface
//! (`backend`): a folder that needs no server, and a shared archive for an
//! office (S3 with Object Lock for the objects, PostgreSQL for the index).
//!
//! ```text
//! DIR/objects/ab/cdef…   the files, named by SHA-256, read-only
//! DIR/index.sqlite       what each file is, who signed it and when (WAL)
//! DIR/tmp/               objects being written (ignored by verify)
//!
//! s3://BUCKET/PREFIX/objects/ab/cdef…   the same, under Object Lock
//! postgres://…                          the same tables (`schema`)
//! ```
//!
//! An add verifies the file (as `cip verify`), records an add "in progress",
//! writes the object durably, then commits the row and clears the mark in
//! one transaction. A process killed at any point leaves the archive
//! consistent: at most a temp file, or an object whose add is marked in
//! progress, which `verify` notes and a re-run of the add completes.
//! There is no delete and no edit.

mod add_all;
mod backend;
mod bundle;
mod chain;
mod check;
mod classify;
mod copy;
mod index;
#[cfg(feature = "shared-archive")]
mod pg;
pub mod renew;
#[cfg(feature = "shared-archive")]
mod s3;
mod schema;
mod store;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use x509_cert::Certificate;

use crate::verify::{VerifyOptions, VerifyReport};

pub use add_all::{AddSummary, AddVerdict};
pub use backend::{Extra, Found, Index, IndexError, ObjectStore, Put, StoreError};
pub use bundle::{BUNDLE_INDEX, BundleEntry, BundleIndex, ExportSummary, verify_bundle};
pub use chain::{Chain, ChainLink, LinkState, chains};
pub use check::{Problem, ProblemKind, VerifyArchiveReport, judge};
pub use classify::{Classified, classify};
pub use copy::MigrateSummary;
pub use index::{INDEX, SCHEMA_VERSION};
pub use schema::PG_WRITER_ROLE;
pub use store::{is_sha256, object_path, sha256_hex};

/// Environment variable naming the archive folder or `s3://bucket/prefix`
/// (`--archive` wins).
pub const ENV_ARCHIVE: &str = "CIP_ARCHIVE";
/// Environment variable naming the index of a shared archive
/// (`postgres://…`; `--index` wins).
pub const ENV_INDEX: &str = "CIP_INDEX";
/// Environment variable fixing "now" (RFC 3339) for deterministic runs.
pub const ENV_NOW: &str = "CIP_ARCHIVE_NOW";
/// The folder used when neither `--archive` nor `CIP_ARCHIVE` is given.
pub const DEFAULT_DIR: &str = "cip-archive";

/// One archived file, as recorded in the index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Record {
    pub sha256: String,
    pub size: u64,
    /// "plan", "letter" or "other".
    pub kind: String,
    pub letter_kind: Option<String>,
    pub company: Option<String>,
    pub assessment_report: Option<String>,
    pub plan_toml_sha256: Option<String>,
    pub original_name: String,
    /// When it was added (UTC, RFC 3339).
    pub added_at: String,
    /// "trusted" when every signature was trusted at add time, else the
    /// state of the first one that was not ("untrusted_self_signed",
    /// "untrusted").
    pub trust: String,
    /// A plan's `[plan] revision` (1 when absent), from its signed
    /// plan.toml; `None` for letters and other files.
    #[serde(default)]
    pub revision: Option<i64>,
    /// The SHA-256 of the submission a revised plan supersedes
    /// (`[plan] supersedes.sha256`).
    #[serde(default)]
    pub supersedes_sha256: Option<String>,
    /// Its file name as the plan gives it (`supersedes.file`).
    #[serde(default)]
    pub supersedes_file: Option<String>,
    pub signatures: Vec<SignatureRecord>,
}

impl Record {
    /// The last signature (the one that completed the document).
    pub fn last_signer(&self) -> Option<&SignatureRecord> {
        self.signatures.last()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SignatureRecord {
    pub field: String,
    pub signer_name: Option<String>,
    pub signer_title: Option<String>,
    pub signer_organization: Option<String>,
    /// SHA-256 of the signer's certificate (DER).
    pub cert_sha256: Option<String>,
    pub signing_time: Option<String>,
    pub trust: String,
}

#[derive(Clone, Debug, Default)]
pub struct AddOptions {
    /// Trust anchors, as for `cip verify --trust`; recorded in the index.
    pub trust: Vec<Certificate>,
    /// Refuse files whose signers are not trusted.
    pub require_trusted: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AddOutcome {
    Added {
        record: Record,
        /// Fields that could not be read (e.g. an unparsable `plan.toml`).
        notes: Vec<String>,
    },
    /// The same bytes were already archived: nothing changed.
    AlreadyPresent { record: Record },
}

impl AddOutcome {
    pub fn record(&self) -> &Record {
        match self {
            AddOutcome::Added { record, .. } | AddOutcome::AlreadyPresent { record } => record,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Case-insensitive substring of the company name.
    pub company: Option<String>,
    /// "plan", "letter", "other", or a letter kind (e.g. "acceptance").
    pub kind: Option<String>,
    /// Added at or after this date (YYYY-MM-DD) or time (RFC 3339).
    pub since: Option<String>,
}

/// `show`: the record, where its object is, and the verification report
/// made when it was added.
#[derive(Clone, Debug, Serialize)]
pub struct Shown {
    pub record: Record,
    pub object: PathBuf,
    pub verify_report_at_add: serde_json::Value,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct BackupSummary {
    pub dest: PathBuf,
    pub rows: usize,
    pub objects_copied: usize,
    pub objects_already_there: usize,
    /// Objects that could not be copied faithfully (missing or corrupt in
    /// the source); their rows are in the backup's index all the same.
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("no archive at {dir}: {what} is missing (create one with `cip archive init`)")]
    NotAnArchive { dir: PathBuf, what: &'static str },
    #[error("{dir} is already an archive")]
    AlreadyInitialized { dir: PathBuf },
    #[error("{dir} exists and is not empty; an archive is created in a new or empty folder")]
    NotEmpty { dir: PathBuf },
    #[error(
        "{path} is read-only: the archive cannot be written (nothing was changed; make it writable, or work on a copy)"
    )]
    ReadOnly { path: PathBuf },
    #[error(
        "the index {path} has schema version {found}, newer than this cip understands ({supported}); nothing was changed: use a newer cip"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{reason}")]
    BadLocation { reason: String },
    #[error("{location}: {message}")]
    Remote { location: String, message: String },
    #[error("index {location}: {context}: {message}")]
    Index {
        location: PathBuf,
        context: String,
        message: String,
    },
    #[error("the object {path} is missing; run `cip archive verify`")]
    MissingObject { path: PathBuf },
    #[error(
        "the index {location} has no archive schema (create one with `cip archive init --archive … --index …` as the database's owner)"
    )]
    NoSchema { location: PathBuf },
    #[error("index {path}: {context}: {source}")]
    Db {
        path: PathBuf,
        context: String,
        source: rusqlite::Error,
    },
    #[error("{path}: refused: {}", reasons.join("; "))]
    Refused {
        path: PathBuf,
        reasons: Vec<String>,
        /// The verification report, when the file could be read as a PDF.
        report: Option<Box<VerifyReport>>,
    },
    #[error("no archived file matches `{id}`")]
    NotFound { id: String },
    #[error("`{id}` matches several archived files: {}", candidates.join(", "))]
    Ambiguous { id: String, candidates: Vec<String> },
    #[error("`{id}` is not a SHA-256 or a prefix of one (hexadecimal digits)")]
    BadId { id: String },
    #[error(
        "the object {path} does not match its hash (its content hashes to {actual}); run `cip archive verify`"
    )]
    Corrupt { path: PathBuf, actual: String },
    #[error("no archived file of a company matching `{company}`")]
    NoSuchCompany { company: String },
    #[error("`{company}` matches several companies: {}; give the full name", candidates.join(", "))]
    AmbiguousCompany {
        company: String,
        candidates: Vec<String>,
    },
    #[error("{path}: not a bundle: {reason}")]
    BadBundle { path: PathBuf, reason: String },
    #[error("{what}: {value:?} is not a date (YYYY-MM-DD) or an RFC 3339 time")]
    BadTime { what: String, value: String },
    #[error(
        "{path} is inside the archive {archive}; {what} must be written outside it (only cip archive writes an archive's own files)"
    )]
    InsideArchive {
        path: PathBuf,
        archive: PathBuf,
        what: &'static str,
    },
}

/// The kernel's own answer to "may this process write `p`?", which covers a
/// read-only mount as well as permissions.
#[cfg(unix)]
fn kernel_allows_writing(p: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt as _;
    let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a NUL-terminated path that outlives the call; access(2)
    // only reads it.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

#[cfg(not(unix))]
fn kernel_allows_writing(_: &Path) -> bool {
    true
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ArchiveError + '_ {
    move |source| {
        if source.kind() == io::ErrorKind::PermissionDenied || source.raw_os_error() == Some(30) {
            // EACCES, EROFS
            ArchiveError::ReadOnly {
                path: path.to_path_buf(),
            }
        } else {
            ArchiveError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

fn store_err(e: StoreError) -> ArchiveError {
    match e {
        StoreError::Io { path, source } => io_err(&path)(source),
        StoreError::Conflict { path } => {
            let actual = store::hash_file(&path)
                .map(|(h, _)| h)
                .unwrap_or_else(|_| "something else (see `cip archive verify`)".into());
            ArchiveError::Corrupt { path, actual }
        }
        StoreError::Missing { path } => ArchiveError::MissingObject { path },
        StoreError::Remote { location, message } => ArchiveError::Remote { location, message },
    }
}

/// A folder or file without any write permission bit is treated as
/// read-only even for root, who could otherwise write through it; so is
/// one on a read-only mount (EROFS), whose permission bits say nothing:
/// there the index must be opened read-only, or not at all.
pub(crate) fn ensure_writable(root: &Path) -> Result<(), ArchiveError> {
    for p in [
        root.to_path_buf(),
        root.join(store::OBJECTS),
        root.join(INDEX),
    ] {
        let meta = fs::metadata(&p).map_err(io_err(&p))?;
        if meta.permissions().readonly() || !kernel_allows_writing(&p) {
            return Err(ArchiveError::ReadOnly { path: p });
        }
    }
    let tmp = root.join(store::TMP);
    if let Ok(meta) = fs::metadata(&tmp) {
        if meta.permissions().readonly() || !kernel_allows_writing(&tmp) {
            return Err(ArchiveError::ReadOnly { path: tmp });
        }
    }
    Ok(())
}

/// Where an archive is: a folder (objects and `index.sqlite` in it), or
/// an S3 bucket and prefix with a PostgreSQL index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Folder(PathBuf),
    Shared {
        /// `s3://bucket/prefix`
        objects: String,
        /// `postgres://…`
        index: String,
    },
}

impl Location {
    /// From `--archive` / `--index` (else `CIP_ARCHIVE` / `CIP_INDEX`,
    /// else the folder `./cip-archive`).
    pub fn from_args(archive: Option<&str>, index: Option<&str>) -> Result<Location, ArchiveError> {
        let env = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        let archive = archive
            .map(str::to_string)
            .filter(|a| !a.is_empty())
            .or_else(|| env(ENV_ARCHIVE));
        let index = index
            .map(str::to_string)
            .filter(|a| !a.is_empty())
            .or_else(|| env(ENV_INDEX));
        let archive = archive.unwrap_or_else(|| DEFAULT_DIR.to_string());
        let is_s3 = archive.starts_with("s3://");
        match (is_s3, index) {
            (false, None) => Ok(Location::Folder(PathBuf::from(archive))),
            (true, Some(index))
                if index.starts_with("postgres://") || index.starts_with("postgresql://") =>
            {
                Ok(Location::Shared {
                    objects: archive,
                    index,
                })
            }
            (true, Some(index)) => Err(ArchiveError::BadLocation {
                reason: format!(
                    "the index of a shared archive is a PostgreSQL URL (postgres://USER@HOST:PORT/DB), not {:?}",
                    shown_index(&index)
                ),
            }),
            (true, None) => Err(ArchiveError::BadLocation {
                reason: format!(
                    "{archive} needs an index: --index postgres://USER@HOST:PORT/DB (or {ENV_INDEX})"
                ),
            }),
            (false, Some(index)) => Err(ArchiveError::BadLocation {
                reason: format!(
                    "--index {} is for a shared archive (--archive s3://BUCKET/PREFIX); a folder archive keeps its index in the folder",
                    shown_index(&index)
                ),
            }),
        }
    }
}

fn shown_index(s: &str) -> String {
    #[cfg(feature = "shared-archive")]
    {
        pg::shown_url(s)
    }
    #[cfg(not(feature = "shared-archive"))]
    {
        s.split('@').next_back().unwrap_or("").to_string()
    }
}

/// The current time for `added_at`: `CIP_ARCHIVE_NOW` when set, else the
/// clock; UTC, whole seconds.
pub fn now() -> Result<String, ArchiveError> {
    match std::env::var(ENV_NOW) {
        Ok(v) if !v.trim().is_empty() => normalize_time(ENV_NOW, &v),
        _ => Ok(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)),
    }
}

/// A date or RFC 3339 time as UTC RFC 3339 (the form `added_at` is stored
/// in, so that strings compare as times).
pub fn normalize_time(what: &str, v: &str) -> Result<String, ArchiveError> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true));
        }
    }
    Err(ArchiveError::BadTime {
        what: what.to_string(),
        value: v.to_string(),
    })
}

/// An archive: an object store and an index (a folder with
/// `index.sqlite`, or S3 with PostgreSQL), used through the same protocol.
/// Several processes, on one machine or (shared) several, can work on one
/// archive at once.
#[derive(Debug)]
pub struct Archive {
    /// The folder, or for a shared archive its `s3://` location (for
    /// messages).
    root: PathBuf,
    /// Whether this is the folder archive (backup, read-only checks).
    folder: bool,
    store: Box<dyn ObjectStore>,
    index: Box<dyn Index>,
}

impl Archive {
    /// Creates a new archive in `dir` (absent or empty).
    pub fn init(dir: &Path) -> Result<Archive, ArchiveError> {
        let created = !dir.exists();
        if !created {
            if dir.join(INDEX).exists() {
                return Err(ArchiveError::AlreadyInitialized {
                    dir: dir.to_path_buf(),
                });
            }
            let mut entries = fs::read_dir(dir).map_err(io_err(dir))?;
            if entries.next().is_some() {
                return Err(ArchiveError::NotEmpty {
                    dir: dir.to_path_buf(),
                });
            }
        }
        let result = Self::init_inner(dir);
        if result.is_err() && created {
            let _ = fs::remove_dir_all(dir);
        }
        result
    }

    fn init_inner(dir: &Path) -> Result<Archive, ArchiveError> {
        fs::create_dir_all(dir.join(store::OBJECTS)).map_err(io_err(dir))?;
        fs::create_dir_all(dir.join(store::TMP)).map_err(io_err(dir))?;
        // Built under a temporary name and renamed, so a folder with an
        // `index.sqlite` always has a complete one.
        let dest = dir.join(INDEX);
        let pending = crate::atomic::Pending::new(&dest, 0o666, crate::atomic::Durability::Synced)
            .map_err(io_err(dir))?;
        let now = now()?;
        if let Err(source) = index::create(pending.path(), &now) {
            return Err(ArchiveError::Db {
                path: pending.path().to_path_buf(),
                context: "cannot create the index".into(),
                source,
            });
        }
        pending.replace().map_err(io_err(&dest))?;
        Ok(Archive::at(dir))
    }

    fn at(dir: &Path) -> Archive {
        Archive {
            root: dir.to_path_buf(),
            folder: true,
            store: Box::new(backend::FolderStore {
                root: dir.to_path_buf(),
            }),
            index: Box::new(index::SqliteIndex::new(dir)),
        }
    }

    /// Creates the archive at `loc`: a new folder, or the schema of a
    /// shared archive's index (run by the database's owner; a shared
    /// index that already has it is brought up to date, not an error, so
    /// that every office machine can run the same setup).
    pub fn init_at(loc: &Location) -> Result<Archive, ArchiveError> {
        match loc {
            Location::Folder(dir) => Archive::init(dir),
            Location::Shared { objects, index } => Archive::shared(objects, index, true),
        }
    }

    /// Opens the archive at `loc`.
    pub fn open_at(loc: &Location) -> Result<Archive, ArchiveError> {
        match loc {
            Location::Folder(dir) => Archive::open(dir),
            Location::Shared { objects, index } => Archive::shared(objects, index, false),
        }
    }

    #[cfg(not(feature = "shared-archive"))]
    fn shared(objects: &str, _index: &str, _create: bool) -> Result<Archive, ArchiveError> {
        Err(ArchiveError::BadLocation {
            reason: format!(
                "{objects}: this cip was built without the shared archive (cargo feature `shared-archive`)"
            ),
        })
    }

    #[cfg(feature = "shared-archive")]
    fn shared(objects: &str, index_url: &str, create: bool) -> Result<Archive, ArchiveError> {
        let url =
            s3::S3Url::parse(objects).map_err(|reason| ArchiveError::BadLocation { reason })?;
        let store =
            s3::S3Store::from_env(&url).map_err(|reason| ArchiveError::BadLocation { reason })?;
        let shown = PathBuf::from(pg::shown_url(index_url));
        let idx_err = |context: &str| {
            let shown = shown.clone();
            let context = context.to_string();
            move |e: IndexError| ArchiveError::Index {
                location: shown,
                context,
                message: e.to_string(),
            }
        };
        let pgi = pg::PgIndex::connect(index_url).map_err(idx_err("cannot connect"))?;
        let v = pgi
            .version()
            .map_err(idx_err("cannot read the schema version"))?;
        if v > SCHEMA_VERSION {
            return Err(ArchiveError::NewerSchema {
                path: shown,
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        if v == 0 && !create {
            return Err(ArchiveError::NoSchema { location: shown });
        }
        if v < SCHEMA_VERSION {
            pgi.migrate(&now()?).map_err(idx_err(
                "cannot create or migrate the schema (this needs the owner of the database)",
            ))?;
        }
        Ok(Archive {
            root: PathBuf::from(url.to_string()),
            folder: false,
            store: Box::new(store),
            index: Box::new(pgi),
        })
    }

    /// Opens an existing archive; migrates an older index (which needs the
    /// folder to be writable), refuses a newer one without touching it.
    pub fn open(dir: &Path) -> Result<Archive, ArchiveError> {
        if !dir.is_dir() {
            return Err(ArchiveError::NotAnArchive {
                dir: dir.to_path_buf(),
                what: "the folder",
            });
        }
        let idx = dir.join(INDEX);
        if !idx.is_file() {
            return Err(ArchiveError::NotAnArchive {
                dir: dir.to_path_buf(),
                what: INDEX,
            });
        }
        if !dir.join(store::OBJECTS).is_dir() {
            return Err(ArchiveError::NotAnArchive {
                dir: dir.to_path_buf(),
                what: "objects/",
            });
        }
        let a = Archive::at(dir);
        let conn = a.read_conn()?;
        let v = index::version(&conn).map_err(|e| a.db("cannot read the schema version", e))?;
        drop(conn);
        if v > SCHEMA_VERSION {
            return Err(ArchiveError::NewerSchema {
                path: idx,
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        if v < SCHEMA_VERSION {
            a.ensure_writable()?;
            let mut conn = a.write_conn()?;
            index::migrate(&mut conn, &now()?).map_err(|e| a.db("migration failed", e))?;
            if v < 2 {
                a.backfill_revisions(&mut conn)?;
            }
        }
        Ok(a)
    }

    /// Plans archived before the index had revision columns: their
    /// revision and `supersedes`, read from each one's signed plan.toml.
    fn backfill_revisions(&self, conn: &mut rusqlite::Connection) -> Result<(), ArchiveError> {
        let rows = index::all(conn).map_err(|e| self.db("cannot read the rows", e))?;
        let mut found = Vec::new();
        for r in rows
            .iter()
            .filter(|r| r.kind == "plan" && r.revision.is_none())
        {
            let Ok(bytes) = self.store.read(&r.sha256) else {
                continue; // `verify` reports the missing object
            };
            let Ok(report) = crate::verify::verify_pdf(&bytes, &VerifyOptions::default()) else {
                continue;
            };
            let files = crate::verify::signed_embedded_files(&bytes, &report).unwrap_or_default();
            let c = classify(&files);
            if c.revision.is_some() {
                found.push((
                    r.sha256.clone(),
                    c.revision,
                    c.supersedes_sha256,
                    c.supersedes_file,
                ));
            }
        }
        index::backfill_revisions(conn, &found).map_err(|e| self.db("cannot fill in revisions", e))
    }

    /// The folder, or for a shared archive its `s3://bucket/prefix`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether this is a shared archive (S3 + PostgreSQL).
    pub fn is_shared(&self) -> bool {
        !self.folder
    }

    /// Where the index is (the file, or the PostgreSQL URL without its
    /// password).
    pub fn index_location(&self) -> PathBuf {
        self.index.location()
    }

    fn index_path(&self) -> PathBuf {
        self.root.join(INDEX)
    }

    fn db(&self, context: &str, source: rusqlite::Error) -> ArchiveError {
        if source.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) {
            return ArchiveError::ReadOnly {
                path: self.index_path(),
            };
        }
        ArchiveError::Db {
            path: self.index_path(),
            context: context.to_string(),
            source,
        }
    }

    /// An index error in the archive's terms.
    fn ix(&self, context: &str) -> impl FnOnce(IndexError) -> ArchiveError + '_ {
        let context = context.to_string();
        move |e| match e {
            IndexError::Sqlite(source) => self.db(&context, source),
            other => ArchiveError::Index {
                location: self.index.location(),
                context,
                message: other.to_string(),
            },
        }
    }

    fn read_conn(&self) -> Result<rusqlite::Connection, ArchiveError> {
        let writable = self.ensure_writable().is_ok();
        index::open_read(&self.index_path(), writable).map_err(|e| self.db("cannot open", e))
    }

    fn write_conn(&self) -> Result<rusqlite::Connection, ArchiveError> {
        index::open_write(&self.index_path()).map_err(|e| self.db("cannot open for writing", e))
    }

    /// A folder archive must be writable to add (see `ensure_writable`);
    /// a shared one is checked by its servers.
    fn ensure_writable(&self) -> Result<(), ArchiveError> {
        if self.folder {
            ensure_writable(&self.root)
        } else {
            self.store.check_writable()
        }
    }

    /// Refuses an output at or under the archive's folder: `get -o
    /// ARCHIVE/index.sqlite` replaced the archive's own index.
    fn refuse_inside(&self, path: &Path, what: &'static str) -> Result<(), ArchiveError> {
        if self.folder && crate::model::files::is_within(path, &self.root) {
            return Err(ArchiveError::InsideArchive {
                path: path.to_path_buf(),
                archive: self.root.clone(),
                what,
            });
        }
        Ok(())
    }

    /// Verifies `path` and archives it (see the module documentation for
    /// the order of writes).
    pub fn add(&self, path: &Path, opts: &AddOptions) -> Result<AddOutcome, ArchiveError> {
        self.ensure_writable()?;
        let bytes = store::read_file(path).map_err(|source| ArchiveError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let original_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        self.add_bytes(&bytes, &original_name, path, opts)
    }

    /// `add` of bytes already read (`path` is for messages only).
    fn add_bytes(
        &self,
        bytes: &[u8],
        original_name: &str,
        path: &Path,
        opts: &AddOptions,
    ) -> Result<AddOutcome, ArchiveError> {
        let sha256 = sha256_hex(bytes);
        if let Some(record) = self
            .index
            .find(&sha256)
            .map_err(self.ix("cannot look up the file"))?
        {
            return Ok(AddOutcome::AlreadyPresent { record });
        }
        let vopts = VerifyOptions {
            trust: opts.trust.clone(),
            docs_dir: None,
        };
        let report =
            crate::verify::verify_pdf(bytes, &vopts).map_err(|e| ArchiveError::Refused {
                path: path.to_path_buf(),
                reasons: vec![e.to_string()],
                report: None,
            })?;
        if let Err(reasons) = judge(&report, opts.require_trusted) {
            return Err(ArchiveError::Refused {
                path: path.to_path_buf(),
                reasons,
                report: Some(Box::new(report)),
            });
        }
        let files = crate::verify::signed_embedded_files(bytes, &report).unwrap_or_default();
        let class = classify(&files);
        let now = now()?;
        let record = check::record_from(
            &sha256,
            bytes.len(),
            &class,
            &report,
            original_name.to_string(),
            now,
        );
        let report_json = serde_json::to_string(&report).unwrap_or_else(|_| "{}".into());
        let anchors: Vec<(String, Vec<u8>)> = opts
            .trust
            .iter()
            .filter_map(|c| der::Encode::to_der(c).ok())
            .map(|d| (sha256_hex(&d), d))
            .collect();
        let extra = Extra {
            verify_report_json: &report_json,
            anchors: &anchors,
        };
        match self.commit(bytes, &record, &extra)? {
            true => Ok(AddOutcome::Added {
                record,
                notes: class.notes,
            }),
            false => {
                let record = self
                    .index
                    .find(&sha256)
                    .map_err(self.ix("cannot look up the file"))?
                    .unwrap_or(record);
                Ok(AddOutcome::AlreadyPresent { record })
            }
        }
    }

    /// The add protocol proper: mark the add in progress, store the object
    /// durably, then insert the row and clear the mark in one transaction.
    /// `false` when another process archived the same bytes first.
    fn commit(
        &self,
        bytes: &[u8],
        record: &Record,
        extra: &Extra<'_>,
    ) -> Result<bool, ArchiveError> {
        let sha256 = &record.sha256;
        if self
            .index
            .begin_pending(sha256, &record.added_at)
            .map_err(self.ix("cannot record the add"))?
            .is_some()
        {
            return Ok(false);
        }
        if let Err(e) = self.store.put(sha256, bytes) {
            let _ = self.index.clear_pending(sha256);
            return Err(store_err(e));
        }
        test_abort_after_put();
        let inserted = self
            .index
            .insert(record, extra)
            .map_err(self.ix("cannot record the file"))?;
        self.store.clean();
        Ok(inserted)
    }

    /// Records matching `filter`, oldest first.
    pub fn list(&self, filter: &Filter) -> Result<Vec<Record>, ArchiveError> {
        let since = match &filter.since {
            Some(s) => Some(normalize_time("--since", s)?),
            None => None,
        };
        let all = self.index.all().map_err(self.ix("cannot list"))?;
        let company = filter.company.as_ref().map(|c| c.to_lowercase());
        let kind = filter.kind.as_ref().map(|k| k.to_lowercase());
        Ok(all
            .into_iter()
            .filter(|r| {
                company.as_ref().is_none_or(|c| {
                    r.company
                        .as_ref()
                        .is_some_and(|rc| rc.to_lowercase().contains(c))
                })
            })
            .filter(|r| {
                kind.as_ref().is_none_or(|k| {
                    r.kind == *k
                        || r.letter_kind
                            .as_ref()
                            .is_some_and(|lk| lk.to_lowercase() == *k)
                })
            })
            .filter(|r| since.as_ref().is_none_or(|s| r.added_at >= *s))
            .collect())
    }

    /// The revision chains of the archived plans (see `chain`).
    pub fn chains(&self) -> Result<Vec<Chain>, ArchiveError> {
        let all = self.index.all().map_err(self.ix("cannot list"))?;
        Ok(chains(&all))
    }

    /// The full hash for `id` (a hash or a unique prefix of one).
    pub fn resolve(&self, id: &str) -> Result<String, ArchiveError> {
        let id_l = id.trim().to_ascii_lowercase();
        if id_l.is_empty() || id_l.len() > 64 || !id_l.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ArchiveError::BadId { id: id.to_string() });
        }
        let found = self
            .index
            .by_prefix(&id_l, 6)
            .map_err(self.ix("cannot look up"))?;
        match found.len() {
            0 => Err(ArchiveError::NotFound { id: id.to_string() }),
            1 => Ok(found.into_iter().next().unwrap_or_default()),
            _ => Err(ArchiveError::Ambiguous {
                id: id.to_string(),
                candidates: found,
            }),
        }
    }

    pub fn show(&self, id: &str) -> Result<Shown, ArchiveError> {
        let sha = self.resolve(id)?;
        let record = self
            .index
            .find(&sha)
            .map_err(self.ix("cannot read the row"))?
            .ok_or_else(|| ArchiveError::NotFound { id: id.to_string() })?;
        let report = self
            .index
            .verify_report(&sha)
            .map_err(self.ix("cannot read the row"))?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(serde_json::Value::Null);
        Ok(Shown {
            object: self.store.object_location(&sha),
            record,
            verify_report_at_add: report,
        })
    }

    /// The exact bytes of the archived file `sha256`, checked against the
    /// hash (`Corrupt` when they do not match).
    pub fn read_object(&self, sha256: &str) -> Result<Vec<u8>, ArchiveError> {
        let bytes = self.store.read(sha256).map_err(store_err)?;
        let actual = sha256_hex(&bytes);
        if actual != sha256 {
            return Err(ArchiveError::Corrupt {
                path: self.store.object_location(sha256),
                actual,
            });
        }
        Ok(bytes)
    }

    /// Restores the exact bytes of `id` to `out` (checked against the hash
    /// while copying; nothing is left at `out` when they do not match).
    pub fn get(&self, id: &str, out: &Path) -> Result<Record, ArchiveError> {
        self.refuse_inside(out, "the restored file")?;
        let sha = self.resolve(id)?;
        let record = self
            .index
            .find(&sha)
            .map_err(self.ix("cannot read the row"))?
            .ok_or_else(|| ArchiveError::NotFound { id: id.to_string() })?;
        if self.folder {
            let src = object_path(&self.root, &sha);
            return match store::copy_checked(&src, &sha, out) {
                Ok(_) => Ok(record),
                Err(store::CopyError::Read(p, source)) => Err(ArchiveError::Io { path: p, source }),
                Err(store::CopyError::Write(p, source)) => {
                    Err(ArchiveError::Io { path: p, source })
                }
                Err(store::CopyError::Mismatch { actual }) => {
                    Err(ArchiveError::Corrupt { path: src, actual })
                }
            };
        }
        let bytes = self.read_object(&sha)?;
        crate::atomic::write(out, &bytes).map_err(|source| ArchiveError::Io {
            path: out.to_path_buf(),
            source,
        })?;
        Ok(record)
    }

    /// Re-hashes every object, re-verifies every signature, matches rows
    /// with objects, and checks the revision chains. `Err` only when the
    /// index cannot be read at all.
    pub fn verify(&self) -> Result<VerifyArchiveReport, ArchiveError> {
        check::verify_archive(self)
    }

    /// Writes the files of one company and an `index.json` into `dir`
    /// (absent or empty), for `verify_bundle` on another machine.
    pub fn export(&self, company: &str, dir: &Path) -> Result<ExportSummary, ArchiveError> {
        self.refuse_inside(dir, "an export")?;
        bundle::export(self, company, dir)
    }

    /// A consistent copy of the archive in `dest` (new, empty, an earlier
    /// backup, which is brought up to date, or what a killed backup left,
    /// which it completes), safe while others add: the
    /// index is copied with SQLite's online backup, then the objects its
    /// rows name, then the index is put in place. From a shared archive,
    /// `dest` becomes a folder archive with every row and object (the
    /// same copy as `migrate`, in the other direction).
    pub fn backup(&self, dest: &Path) -> Result<BackupSummary, ArchiveError> {
        self.refuse_inside(dest, "a backup")?;
        if !self.folder {
            return copy::backup_to_folder(self, dest);
        }
        check::backup(self, dest)
    }

    /// Copies every row and object of this archive into `to` (which must
    /// exist), verifying each object; safe to run again after an
    /// interruption (what is there is checked and kept).
    pub fn migrate_to(&self, to: &Archive) -> Result<MigrateSummary, ArchiveError> {
        copy::migrate(self, to)
    }
}

/// Tests only: `CIP_ARCHIVE_TEST_ABORT_AFTER_PUT=N` kills the process
/// (abort, as a crash would) right after its Nth object is stored and
/// before that object's row commits: the crash window of the add
/// protocol, hit exactly instead of by chance.
#[doc(hidden)]
pub const ENV_TEST_ABORT_AFTER_PUT: &str = "CIP_ARCHIVE_TEST_ABORT_AFTER_PUT";

fn test_abort_after_put() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static PUTS: AtomicUsize = AtomicUsize::new(0);
    let Some(n) = std::env::var(ENV_TEST_ABORT_AFTER_PUT)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
    else {
        return;
    };
    if PUTS.fetch_add(1, Ordering::SeqCst) + 1 >= n {
        std::process::abort();
    }
}
