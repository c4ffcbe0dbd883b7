//! The object store: `objects/ab/cdef…`, each file named by the SHA-256 of
//! its bytes and read-only (0444). Objects are written into `tmp/` first
//! (created read-only), fsynced and then linked into place without replacing
//! anything (`crate::atomic`), so an existing object is never overwritten; a
//! process killed half-way leaves at most a stray file in `tmp/`, which
//! `verify` ignores and the next `add` removes.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::atomic::{self, Durability};
use crate::model::files;

pub const OBJECTS: &str = "objects";
pub const TMP: &str = "tmp";

/// Whether `s` is a lowercase hex SHA-256.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub use crate::model::files::sha256_hex;

/// Where the object `sha256` lives under `root` (the archive folder).
pub fn object_path(root: &Path, sha256: &str) -> PathBuf {
    let (a, b) = sha256.split_at(2.min(sha256.len()));
    root.join(OBJECTS).join(a).join(b)
}

pub use super::backend::{Found, Put, StoreError};

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Stores `bytes` (whose SHA-256 is `sha256`) under `root`, durably: the
/// object and its folder are fsynced before this returns.
pub fn put(root: &Path, sha256: &str, bytes: &[u8]) -> Result<Put, StoreError> {
    let dest = object_path(root, sha256);
    if dest.exists() {
        return check_existing(&dest, sha256);
    }
    let tmp_dir = root.join(TMP);
    fs::create_dir_all(&tmp_dir).map_err(io_err(&tmp_dir))?;
    match write_then_link(&tmp_dir, &dest, bytes)? {
        Put::Present => check_existing(&dest, sha256),
        Put::Written => Ok(Put::Written),
    }
}

fn write_then_link(tmp_dir: &Path, dest: &Path, bytes: &[u8]) -> Result<Put, StoreError> {
    // Created read-only: the open descriptor can still write it.
    let mut f = atomic::Pending::in_folder(tmp_dir, dest, 0o444, Durability::Synced)
        .map_err(io_err(tmp_dir))?;
    f.write_all(bytes).map_err(io_err(tmp_dir))?;
    let dir = dest.parent().unwrap_or(Path::new("."));
    let created_dir = !dir.exists();
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    if created_dir {
        if let Some(objects) = dir.parent() {
            sync_dir(objects).map_err(io_err(objects))?;
        }
    }
    // Never replaces an existing object, so two processes storing the same
    // object at once cannot clobber each other.
    match f.create() {
        Ok(()) => Ok(Put::Written),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(Put::Present),
        Err(e) => Err(io_err(dest)(e)),
    }
}

fn check_existing(dest: &Path, sha256: &str) -> Result<Put, StoreError> {
    match hash_file(dest) {
        Ok((h, _)) if h == sha256 => {
            // An object left writable (copied in by hand) is made read-only.
            if fs::metadata(dest).is_ok_and(|m| !m.permissions().readonly()) {
                let _ = set_read_only(dest);
            }
            Ok(Put::Present)
        }
        Ok(_) => Err(StoreError::Conflict {
            path: dest.to_path_buf(),
        }),
        Err(source) => Err(StoreError::Io {
            path: dest.to_path_buf(),
            source,
        }),
    }
}

pub fn set_read_only(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o444))
    }
    #[cfg(not(unix))]
    {
        let mut p = fs::metadata(path)?.permissions();
        p.set_readonly(true);
        fs::set_permissions(path, p)
    }
}

/// Makes a folder's entries durable (a no-op where folders cannot be opened).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Archived files are PDFs cip verified, so never larger than it reads one.
pub(crate) const MAX_FILE_BYTES: u64 = crate::intake::MAX_PLAN_PDF_BYTES;
const WHAT: &str = "an archived PDF";

/// Reads a file to archive, an archived object or a bundle member. A device
/// or FIFO in its place is refused, and a huge (sparse) file is not read.
pub fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    Ok(files::read_bounded(path, MAX_FILE_BYTES, WHAT)?)
}

/// SHA-256 and size of a file, streamed, within the same bound.
pub fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    Ok(files::hash_bounded(path, MAX_FILE_BYTES, WHAT)?)
}

/// Every entry of `objects/`, sorted.
pub fn walk(root: &Path) -> io::Result<Vec<Found>> {
    let mut out = Vec::new();
    let objects = root.join(OBJECTS);
    for top in sorted_entries(&objects)? {
        let top_path = top.path();
        let top_name = top.file_name().to_string_lossy().into_owned();
        let is_fan = top_name.len() == 2 && is_sha256(&format!("{top_name:0<64}"));
        if !is_fan || !top.file_type()?.is_dir() {
            out.push(Found::Unexpected { path: top_path });
            continue;
        }
        for e in sorted_entries(&top_path)? {
            let name = e.file_name().to_string_lossy().into_owned();
            let sha256 = format!("{top_name}{name}");
            if is_sha256(&sha256) && e.file_type()?.is_file() {
                out.push(Found::Object {
                    sha256,
                    path: e.path(),
                });
            } else {
                out.push(Found::Unexpected { path: e.path() });
            }
        }
    }
    Ok(out)
}

fn sorted_entries(dir: &Path) -> io::Result<Vec<fs::DirEntry>> {
    let mut v = fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    v.sort_by_key(|e| e.file_name());
    Ok(v)
}

/// Leftover files in `tmp/`.
pub fn temp_files(root: &Path) -> Vec<PathBuf> {
    match fs::read_dir(root.join(TMP)) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => Vec::new(),
    }
}

/// Removes temporary files left by interrupted adds and backups: those of
/// processes no longer running on this machine, and any older than a day.
pub fn clean_temp(root: &Path) {
    for p in temp_files(root) {
        let old = fs::metadata(&p)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(24 * 3600));
        if process_gone(&p) || old {
            let _ = fs::remove_file(&p);
        }
    }
}

/// True when the process that named a temporary file (`NAME.PID.…`, or
/// `….backup-PID` before) is known to be no longer running here.
pub fn process_gone(temp: &Path) -> bool {
    let name = temp
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let digits = |s: &str| -> Option<u32> {
        let d: String = s.chars().take_while(char::is_ascii_digit).collect();
        d.parse().ok()
    };
    // `crate::atomic` names them `.NAME.PID.RANDOM.tmp`, earlier versions
    // `SHA256.PID.NANOS.tmp` (PID third from the end) and
    // `index-backup.PID.tmp` (second from the end).
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let pid = match name.split_once(".backup-") {
        Some((_, rest)) => digits(rest),
        None => {
            let mut parts = name.rsplit('.').skip(1);
            let (last_but_one, last_but_two) = (parts.next(), parts.next());
            last_but_two
                .and_then(number)
                .or_else(|| last_but_one.and_then(number))
        }
    };
    match pid {
        Some(pid) if pid == std::process::id() => false,
        Some(pid) => {
            Path::new("/proc/self").exists() && !Path::new("/proc").join(pid.to_string()).exists()
        }
        None => false,
    }
}

/// Copies the object `sha256` to `out` (temp file, fsync, rename), checking
/// the hash of what was copied before the rename.
pub fn copy_checked(src: &Path, sha256: &str, out: &Path) -> Result<u64, CopyError> {
    let read_err = |e: files::ReadError| CopyError::Read(src.to_path_buf(), e.into());
    let (input, meta) = files::open_regular(src).map_err(read_err)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(read_err(files::ReadError::TooLarge {
            size: meta.len(),
            limit: MAX_FILE_BYTES,
            what: WHAT,
        }));
    }
    // A file that grows past the bound while copied fails the hash check.
    let mut input = input.take(MAX_FILE_BYTES + 1);
    let write_err = |e| CopyError::Write(out.to_path_buf(), e);
    let mut output = atomic::Pending::new(out, 0o666, Durability::Synced).map_err(write_err)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = input
            .read(&mut buf)
            .map_err(|e| CopyError::Read(src.to_path_buf(), e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        output.write_all(&buf[..n]).map_err(write_err)?;
        size += n as u64;
    }
    let actual = hex::encode(h.finalize());
    if actual != sha256 {
        return Err(CopyError::Mismatch { actual });
    }
    output.replace().map_err(write_err)?;
    Ok(size)
}

#[derive(Debug)]
pub enum CopyError {
    Read(PathBuf, io::Error),
    Write(PathBuf, io::Error),
    Mismatch { actual: String },
}
