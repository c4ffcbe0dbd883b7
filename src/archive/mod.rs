//! The archive of signed copies: an append-only, content-addressed store of
//! signed PDFs (plans and letters) with a SQLite index, that can be copied,
//! backed up and checked years later without a server.
//!
//! ```text
//! DIR/objects/ab/cdef…   the files, named by SHA-256, read-only
//! DIR/index.sqlite       what each file is, who signed it and when (WAL)
//! DIR/tmp/               objects being written (ignored by verify)
//! ```
//!
//! An add verifies the file (as `cip verify`), records an add "in progress",
//! writes and fsyncs the object, then commits the row and clears the mark in
//! one transaction. A process killed at any point leaves the archive
//! consistent: at most a temp file, or an object whose add is marked in
//! progress, which `verify` notes and a re-run of the add completes.
//! There is no delete and no edit.

mod bundle;
mod check;
mod classify;
mod index;
pub mod renew;
mod store;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use x509_cert::Certificate;

use crate::verify::{VerifyOptions, VerifyReport};

pub use bundle::{BUNDLE_INDEX, BundleEntry, BundleIndex, ExportSummary, verify_bundle};
pub use check::{Problem, ProblemKind, VerifyArchiveReport, judge};
pub use classify::{Classified, classify};
pub use index::{INDEX, SCHEMA_VERSION};
pub use store::{is_sha256, object_path, sha256_hex};

/// Environment variable naming the archive folder (`--archive` wins).
pub const ENV_ARCHIVE: &str = "CIP_ARCHIVE";
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

fn store_err(e: store::StoreError) -> ArchiveError {
    match e {
        store::StoreError::Io { path, source } => io_err(&path)(source),
        store::StoreError::Conflict { path } => {
            let actual = store::hash_file(&path)
                .map(|(h, _)| h)
                .unwrap_or_else(|e| e.to_string());
            ArchiveError::Corrupt { path, actual }
        }
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

/// An archive folder. Several processes can work on one folder at once.
/// Reads open their own SQLite connection; adds share one write connection,
/// kept open so that many adds in a row do not each pay for a checkpoint.
#[derive(Debug)]
pub struct Archive {
    root: PathBuf,
    writer: std::cell::RefCell<Option<rusqlite::Connection>>,
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
            writer: std::cell::RefCell::new(None),
        }
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
        }
        Ok(a)
    }

    pub fn root(&self) -> &Path {
        &self.root
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

    fn read_conn(&self) -> Result<rusqlite::Connection, ArchiveError> {
        let writable = self.ensure_writable().is_ok();
        index::open_read(&self.index_path(), writable).map_err(|e| self.db("cannot open", e))
    }

    fn write_conn(&self) -> Result<rusqlite::Connection, ArchiveError> {
        index::open_write(&self.index_path()).map_err(|e| self.db("cannot open for writing", e))
    }

    /// A folder or file without any write permission bit is treated as
    /// read-only even for root, who could otherwise write through it; so is
    /// one on a read-only mount (EROFS), whose permission bits say nothing:
    /// there the index must be opened read-only, or not at all.
    fn ensure_writable(&self) -> Result<(), ArchiveError> {
        for p in [
            self.root.clone(),
            self.root.join(store::OBJECTS),
            self.index_path(),
        ] {
            let meta = fs::metadata(&p).map_err(io_err(&p))?;
            if meta.permissions().readonly() || !kernel_allows_writing(&p) {
                return Err(ArchiveError::ReadOnly { path: p });
            }
        }
        let tmp = self.root.join(store::TMP);
        if let Ok(meta) = fs::metadata(&tmp) {
            if meta.permissions().readonly() || !kernel_allows_writing(&tmp) {
                return Err(ArchiveError::ReadOnly { path: tmp });
            }
        }
        Ok(())
    }

    /// Refuses an output at or under the archive's folder: `get -o
    /// ARCHIVE/index.sqlite` replaced the archive's own index.
    fn refuse_inside(&self, path: &Path, what: &'static str) -> Result<(), ArchiveError> {
        if crate::model::files::is_within(path, &self.root) {
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
        let sha256 = sha256_hex(&bytes);
        let mut writer = self.writer.borrow_mut();
        if writer.is_none() {
            *writer = Some(self.write_conn()?);
        }
        let Some(conn) = writer.as_mut() else {
            return Err(self.db("no connection", rusqlite::Error::InvalidQuery));
        };
        if let Some(record) =
            index::find(conn, &sha256).map_err(|e| self.db("cannot look up the file", e))?
        {
            return Ok(AddOutcome::AlreadyPresent { record });
        }
        let vopts = VerifyOptions {
            trust: opts.trust.clone(),
            docs_dir: None,
        };
        let report =
            crate::verify::verify_pdf(&bytes, &vopts).map_err(|e| ArchiveError::Refused {
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
        let files = crate::verify::signed_embedded_files(&bytes, &report).unwrap_or_default();
        let class = classify(&files);
        let now = now()?;
        let original_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let record = check::record_from(&sha256, bytes.len(), &class, &report, original_name, now);
        let report_json = serde_json::to_string(&report).unwrap_or_else(|_| "{}".into());
        let anchors: Vec<(String, Vec<u8>)> = opts
            .trust
            .iter()
            .filter_map(|c| der::Encode::to_der(c).ok())
            .map(|d| (sha256_hex(&d), d))
            .collect();

        if let Some(record) = index::begin_pending(conn, &sha256, &record.added_at)
            .map_err(|e| self.db("cannot record the add", e))?
        {
            return Ok(AddOutcome::AlreadyPresent { record });
        }
        if let Err(e) = store::put(&self.root, &sha256, &bytes) {
            let _ = index::clear_pending(conn, &sha256);
            return Err(store_err(e));
        }
        let extra = index::Extra {
            verify_report_json: &report_json,
            anchors: &anchors,
        };
        let inserted = index::insert(conn, &record, &extra)
            .map_err(|e| self.db("cannot record the file", e))?;
        store::clean_temp(&self.root);
        if inserted {
            Ok(AddOutcome::Added {
                record,
                notes: class.notes,
            })
        } else {
            let record = index::find(conn, &sha256)
                .map_err(|e| self.db("cannot look up the file", e))?
                .unwrap_or(record);
            Ok(AddOutcome::AlreadyPresent { record })
        }
    }

    /// Records matching `filter`, oldest first.
    pub fn list(&self, filter: &Filter) -> Result<Vec<Record>, ArchiveError> {
        let since = match &filter.since {
            Some(s) => Some(normalize_time("--since", s)?),
            None => None,
        };
        let conn = self.read_conn()?;
        let all = index::all(&conn).map_err(|e| self.db("cannot list", e))?;
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

    /// The full hash for `id` (a hash or a unique prefix of one).
    pub fn resolve(&self, id: &str) -> Result<String, ArchiveError> {
        let id_l = id.trim().to_ascii_lowercase();
        if id_l.is_empty() || id_l.len() > 64 || !id_l.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ArchiveError::BadId { id: id.to_string() });
        }
        let conn = self.read_conn()?;
        let found = index::by_prefix(&conn, &id_l, 6).map_err(|e| self.db("cannot look up", e))?;
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
        let conn = self.read_conn()?;
        let record = index::find(&conn, &sha)
            .map_err(|e| self.db("cannot read the row", e))?
            .ok_or_else(|| ArchiveError::NotFound { id: id.to_string() })?;
        let report = index::verify_report(&conn, &sha)
            .map_err(|e| self.db("cannot read the row", e))?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or(serde_json::Value::Null);
        Ok(Shown {
            object: object_path(&self.root, &sha),
            record,
            verify_report_at_add: report,
        })
    }

    /// Restores the exact bytes of `id` to `out` (checked against the hash
    /// while copying; nothing is left at `out` when they do not match).
    pub fn get(&self, id: &str, out: &Path) -> Result<Record, ArchiveError> {
        self.refuse_inside(out, "the restored file")?;
        let sha = self.resolve(id)?;
        let record = index::find(&self.read_conn()?, &sha)
            .map_err(|e| self.db("cannot read the row", e))?
            .ok_or_else(|| ArchiveError::NotFound { id: id.to_string() })?;
        let src = object_path(&self.root, &sha);
        match store::copy_checked(&src, &sha, out) {
            Ok(_) => Ok(record),
            Err(store::CopyError::Read(p, source)) => Err(ArchiveError::Io { path: p, source }),
            Err(store::CopyError::Write(p, source)) => Err(ArchiveError::Io { path: p, source }),
            Err(store::CopyError::Mismatch { actual }) => {
                Err(ArchiveError::Corrupt { path: src, actual })
            }
        }
    }

    /// Re-hashes every object, re-verifies every signature, and matches
    /// rows with objects. `Err` only when the index cannot be read at all.
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
    /// rows name, then the index is put in place.
    pub fn backup(&self, dest: &Path) -> Result<BackupSummary, ArchiveError> {
        self.refuse_inside(dest, "a backup")?;
        check::backup(self, dest)
    }
}
