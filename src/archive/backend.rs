//! The two halves of an archive, each a trait with two implementations:
//! where the signed copies are kept ([`ObjectStore`]: a folder, or an S3
//! bucket with Object Lock) and where their rows are ([`Index`]: SQLite, or
//! PostgreSQL). `Archive` holds one of each and runs the same add protocol,
//! `verify`, `list`, `show`, `get`, `export` and revision chains on any pair.

use std::path::PathBuf;

use super::{Record, store};

/// What went wrong in an object store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the object {path} already exists but its content does not match its name")]
    Conflict { path: PathBuf },
    #[error("{path}: no such object")]
    Missing { path: PathBuf },
    /// A remote store answered with an error, or could not be reached.
    #[error("{location}: {message}")]
    Remote { location: String, message: String },
}

/// What happened when an object was stored.
#[derive(Debug, PartialEq, Eq)]
pub enum Put {
    Written,
    /// An identical object was already there.
    Present,
}

/// An entry found while listing the objects.
#[derive(Debug)]
pub enum Found {
    /// An object whose name spells a SHA-256.
    Object { sha256: String, path: PathBuf },
    /// Anything else (a file or key that has no business there).
    Unexpected { path: PathBuf },
}

/// Content-addressed, write-once storage of the archived files.
pub trait ObjectStore: std::fmt::Debug {
    /// Where the store is (a folder, `s3://bucket/prefix`), for messages.
    fn location(&self) -> PathBuf;
    /// Where the object `sha256` is (a path, or an `s3://` URL).
    fn object_location(&self, sha256: &str) -> PathBuf;
    /// Stores `bytes` (whose SHA-256 is `sha256`) durably and never
    /// replaces an existing object: an existing one is compared with its
    /// name instead (`Conflict` when it does not match).
    fn put(&self, sha256: &str, bytes: &[u8]) -> Result<Put, StoreError>;
    /// The bytes of an object as stored (not checked against the name: the
    /// caller re-hashes them and says what a mismatch means).
    fn read(&self, sha256: &str) -> Result<Vec<u8>, StoreError>;
    /// Every object (and anything else found where objects are kept).
    fn list(&self) -> Result<Vec<Found>, StoreError>;
    /// Harmless findings for `verify` (e.g. temporary files).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// A note about one object (e.g. a file left writable).
    fn object_note(&self, _sha256: &str) -> Option<String> {
        None
    }
    /// Removes what interrupted writes left behind.
    fn clean(&self) {}
    /// Whether this process may write (a read-only folder is refused early
    /// with a clear error; a remote store answers for itself).
    fn check_writable(&self) -> Result<(), super::ArchiveError> {
        Ok(())
    }
}

/// What went wrong in an index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[cfg(feature = "shared-archive")]
    #[error("{}", super::pg::describe(.0))]
    Postgres(#[from] postgres::Error),
    #[error("{0}")]
    Other(String),
}

/// What `insert` writes besides the record itself.
pub struct Extra<'a> {
    pub verify_report_json: &'a str,
    pub anchors: &'a [(String, Vec<u8>)],
}

/// The rows: one per archived file, its signatures, the trust anchors
/// given to `add`, and the adds in progress. Append-only: nothing here
/// updates or deletes a record.
pub trait Index: std::fmt::Debug {
    /// Where the index is (a file, or `postgres://host/db` without the
    /// password), for messages.
    fn location(&self) -> PathBuf;
    fn find(&self, sha256: &str) -> Result<Option<Record>, IndexError>;
    /// Hashes of the rows whose hash starts with `prefix` (at most `limit`).
    fn by_prefix(&self, prefix: &str, limit: i64) -> Result<Vec<String>, IndexError>;
    /// Every row, oldest first, with its signatures.
    fn all(&self) -> Result<Vec<Record>, IndexError>;
    /// The verification report recorded at add time (JSON).
    fn verify_report(&self, sha256: &str) -> Result<Option<String>, IndexError>;
    fn pending(&self) -> Result<Vec<String>, IndexError>;
    fn trust_anchors(&self) -> Result<Vec<Vec<u8>>, IndexError>;
    /// Records that an add of `sha256` is under way (before its object is
    /// written); returns the row when the file is already archived.
    fn begin_pending(&self, sha256: &str, now: &str) -> Result<Option<Record>, IndexError>;
    /// Forgets an add that failed before its object was stored.
    fn clear_pending(&self, sha256: &str) -> Result<(), IndexError>;
    /// Inserts the row (or finds that another process did) and clears the
    /// pending mark, in one transaction. Returns `false` when the row existed.
    fn insert(&self, rec: &Record, extra: &Extra<'_>) -> Result<bool, IndexError>;
    /// The database's own consistency check: empty when fine.
    fn integrity(&self) -> Result<Vec<String>, IndexError>;
}

/// The folder store (`objects/ab/cdef…`), see `store`.
#[derive(Debug)]
pub struct FolderStore {
    pub root: PathBuf,
}

impl ObjectStore for FolderStore {
    fn location(&self) -> PathBuf {
        self.root.clone()
    }
    fn object_location(&self, sha256: &str) -> PathBuf {
        store::object_path(&self.root, sha256)
    }
    fn put(&self, sha256: &str, bytes: &[u8]) -> Result<Put, StoreError> {
        store::put(&self.root, sha256, bytes)
    }
    fn read(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let path = store::object_path(&self.root, sha256);
        store::read_file(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                StoreError::Missing { path }
            } else {
                StoreError::Io { path, source }
            }
        })
    }
    fn list(&self) -> Result<Vec<Found>, StoreError> {
        store::walk(&self.root).map_err(|source| StoreError::Io {
            path: self.root.join(store::OBJECTS),
            source,
        })
    }
    fn notes(&self) -> Vec<String> {
        let temps = store::temp_files(&self.root);
        if temps.is_empty() {
            return Vec::new();
        }
        vec![format!(
            "{} temporary file(s) in tmp/ from adds or backups in progress or interrupted (ignored; removed by the next add or backup)",
            temps.len()
        )]
    }
    fn object_note(&self, sha256: &str) -> Option<String> {
        let path = store::object_path(&self.root, sha256);
        let m = std::fs::metadata(&path).ok()?;
        (!m.permissions().readonly()).then(|| {
            format!(
                "{} is writable (objects are kept read-only)",
                path.display()
            )
        })
    }
    fn clean(&self) {
        store::clean_temp(&self.root);
    }
}
