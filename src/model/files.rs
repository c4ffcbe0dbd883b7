//! Supporting documents on disk: resolving a plan's relative `path` safely
//! and reading the bytes that are hashed into the manifest.

use std::fs::{File, Metadata};
use std::io::{self, Read as _};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

/// A supporting document larger than this is refused: attached, it could not
/// fit in a plan PDF cip reads back (`MAX_PLAN_PDF_BYTES`), and hashing a
/// 6 GB sparse file took 25 s.
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// Why a file could not be read within its bound. The messages leave out the
/// path, which callers put in their own errors (or get through the
/// conversion to `io::Error`).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("not a regular file but {0}; give the path of a regular file")]
    NotRegular(&'static str),
    #[error("too large for {what} ({size} bytes or more; the limit is {limit} bytes)")]
    TooLarge {
        /// The size on disk, or what was read before giving up.
        size: u64,
        limit: u64,
        what: &'static str,
    },
}

impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Io(e) => e,
            ReadError::NotRegular(_) => io::Error::new(io::ErrorKind::InvalidInput, e.to_string()),
            ReadError::TooLarge { .. } => {
                io::Error::new(io::ErrorKind::FileTooLarge, e.to_string())
            }
        }
    }
}

/// Opens `path` for reading if it is a regular file. Devices (`/dev/zero`),
/// FIFOs and folders are refused: a size taken from `metadata().len()` is 0
/// for them, and reading one never ends or blocks. The check is on the
/// opened file, so the path cannot be swapped in between.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    let mut opts = File::options();
    opts.read(true);
    // Opening a FIFO for reading otherwise waits for a writer, forever.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut opts, libc::O_NONBLOCK);
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    Ok((file, meta))
}

fn kind_of(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// Reads an opened regular file (see [`open_regular`]) of at most `limit`
/// bytes; `what` names the input in the error ("a plan"). A file that
/// grows while it is read, or that says it is smaller than it is (`/proc`),
/// is still cut off at `limit + 1` bytes.
pub fn read_opened(
    file: File,
    meta: &Metadata,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, ReadError> {
    let too_large = |size| ReadError::TooLarge { size, limit, what };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    // Sized up front: no reallocation leaves copies of a key behind.
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    file.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_large(buf.len() as u64));
    }
    Ok(buf)
}

/// Reads the regular file `path` of at most `limit` bytes: the one way cip
/// reads an input whole.
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path)?;
    read_opened(file, &meta, limit, what)
}

/// SHA-256 (hex) and size of the regular file `path` of at most `limit`
/// bytes, read in pieces so that memory stays small whatever the size.
pub fn hash_bounded(
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<(String, u64), ReadError> {
    let (file, meta) = open_regular(path)?;
    let too_large = |size| ReadError::TooLarge { size, limit, what };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut input = file.take(limit.saturating_add(1));
    let mut h = Sha256::new();
    // No bigger than the file (plus one byte to see its end): a fresh
    // zeroed 64 KB buffer per small document was page faults for nothing.
    let cap = usize::try_from(meta.len().saturating_add(1)).unwrap_or(usize::MAX);
    let mut buf = vec![0u8; cap.clamp(512, 64 * 1024)];
    let mut size = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        h.update(&buf[..n]);
        size += n as u64;
    }
    if size > limit {
        return Err(too_large(size));
    }
    Ok((hex::encode(h.finalize()), size))
}

/// Why a document path cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("`{0}` is an absolute path")]
    Absolute(String),
    #[error("`{0}` leaves the plan's folder (`..`)")]
    Escapes(String),
    #[error("`{path}` does not exist or cannot be read ({source})")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{0}` is not a regular file")]
    NotAFile(String),
    #[error("`{0}` resolves (through a link) outside the plan's folder")]
    LinkEscapes(String),
    #[error("`{path}` is larger than {limit} bytes, the limit for a supporting document")]
    TooLarge { path: String, limit: u64 },
}

/// A supporting document read from disk.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub path: PathBuf,
    /// Final component of the path, e.g. `import-manual.md`.
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// A supporting document hashed on disk without keeping its bytes.
#[derive(Debug, Clone)]
pub struct HashedFile {
    pub path: PathBuf,
    /// Final component of the path, e.g. `import-manual.md`.
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
}

/// Resolve `rel` (as written in the plan) under `base`, refusing absolute
/// paths and any path that leaves `base`, also through symbolic links.
pub fn resolve(base: &Path, rel: &str) -> Result<PathBuf, PathError> {
    let p = Path::new(rel);
    if p.is_absolute() || rel.starts_with('/') || rel.starts_with('\\') {
        return Err(PathError::Absolute(rel.to_string()));
    }
    if p.components().any(|c| {
        matches!(
            c,
            Component::ParentDir | Component::Prefix(_) | Component::RootDir
        )
    }) {
        return Err(PathError::Escapes(rel.to_string()));
    }
    let full = base.join(p);
    let unreadable = |source| PathError::Unreadable {
        path: rel.to_string(),
        source,
    };
    let canon = full.canonicalize().map_err(unreadable)?;
    let base_canon = base
        .canonicalize()
        .or_else(|_| Path::new(".").canonicalize())
        .map_err(unreadable)?;
    if !canon.starts_with(&base_canon) {
        return Err(PathError::LinkEscapes(rel.to_string()));
    }
    if !canon.is_file() {
        return Err(PathError::NotAFile(rel.to_string()));
    }
    Ok(full)
}

/// Resolve and read a document (to attach it), hashing its bytes.
pub fn load(base: &Path, rel: &str) -> Result<LoadedFile, PathError> {
    let path = resolve(base, rel)?;
    let bytes =
        read_bounded(&path, MAX_DOCUMENT_BYTES, "a supporting document").map_err(doc_error(rel))?;
    Ok(LoadedFile {
        sha256: sha256_hex(&bytes),
        file_name: file_name(&path, rel),
        path,
        bytes,
    })
}

/// Resolve and hash a document, reading it in pieces.
pub fn hash(base: &Path, rel: &str) -> Result<HashedFile, PathError> {
    let path = resolve(base, rel)?;
    let (sha256, size) =
        hash_bounded(&path, MAX_DOCUMENT_BYTES, "a supporting document").map_err(doc_error(rel))?;
    Ok(HashedFile {
        sha256,
        size,
        file_name: file_name(&path, rel),
        path,
    })
}

fn file_name(path: &Path, rel: &str) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| rel.to_string())
}

fn doc_error(rel: &str) -> impl Fn(ReadError) -> PathError + '_ {
    move |e| match e {
        ReadError::Io(source) => PathError::Unreadable {
            path: rel.to_string(),
            source,
        },
        ReadError::NotRegular(_) => PathError::NotAFile(rel.to_string()),
        ReadError::TooLarge { limit, .. } => PathError::TooLarge {
            path: rel.to_string(),
            limit,
        },
    }
}

/// True when `a` and `b` name the same file: the same path, the same path
/// once links are resolved, or the same file on disk (a hard link). Used to
/// refuse an output that would replace one of the command's inputs.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    if let (Ok(x), Ok(y)) = (a.canonicalize(), b.canonicalize()) {
        if x == y {
            return true;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    false
}

/// True when `path`, which need not exist yet, is `dir` or lies under it,
/// links resolved as far as the path exists.
pub fn is_within(path: &Path, dir: &Path) -> bool {
    match (dir.canonicalize(), resolve_existing(path)) {
        (Ok(dir), Some(p)) => p.starts_with(dir),
        _ => false,
    }
}

/// `path` made absolute, its longest existing ancestor canonicalized and the
/// rest appended as written.
fn resolve_existing(path: &Path) -> Option<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(mut p) = existing.canonicalize() {
            p.extend(rest.iter().rev());
            return Some(p);
        }
        rest.push(existing.file_name()?);
        existing = existing.parent()?;
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
