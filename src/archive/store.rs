//! The object store: `objects/ab/cdef…`, each file named by the SHA-256 of
//! its bytes and read-only (0444). Objects are written into `tmp/` first,
//! fsynced, made read-only and then hard-linked into place, which never
//! replaces an existing object; a process killed half-way leaves at most a
//! stray file in `tmp/`, which `verify` ignores and the next `add` removes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

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
    let tmp = tmp_dir.join(format!(
        "{sha256}.{}.{}.tmp",
        std::process::id(),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let result = write_then_link(&tmp, &dest, bytes);
    let _ = fs::remove_file(&tmp);
    match result? {
        Put::Present => check_existing(&dest, sha256),
        Put::Written => Ok(Put::Written),
    }
}

fn write_then_link(tmp: &Path, dest: &Path, bytes: &[u8]) -> Result<Put, StoreError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(tmp)
        .map_err(io_err(tmp))?;
    f.write_all(bytes).map_err(io_err(tmp))?;
    f.sync_all().map_err(io_err(tmp))?;
    drop(f);
    set_read_only(tmp).map_err(io_err(tmp))?;
    let dir = dest.parent().unwrap_or(Path::new("."));
    let created_dir = !dir.exists();
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    if created_dir {
        if let Some(objects) = dir.parent() {
            sync_dir(objects).map_err(io_err(objects))?;
        }
    }
    // A hard link never replaces an existing file, so two processes storing
    // the same object at once cannot clobber each other.
    match fs::hard_link(tmp, dest) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(Put::Present),
        // File systems without hard links: a rename (the race with another
        // writer of the same bytes is harmless, the bytes are identical).
        Err(_) => fs::rename(tmp, dest).map_err(io_err(dest))?,
    }
    sync_dir(dir).map_err(io_err(dir))?;
    Ok(Put::Written)
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
    let pid = match name.split_once(".backup-") {
        Some((_, rest)) => digits(rest),
        None => name.split('.').nth(1).and_then(digits),
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
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
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
        let mut output = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| CopyError::Write(tmp.clone(), e))?;
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
            output
                .write_all(&buf[..n])
                .map_err(|e| CopyError::Write(tmp.clone(), e))?;
            size += n as u64;
        }
        let actual = hex::encode(h.finalize());
        if actual != sha256 {
            return Err(CopyError::Mismatch { actual });
        }
        output
            .sync_all()
            .map_err(|e| CopyError::Write(tmp.clone(), e))?;
        fs::rename(&tmp, out).map_err(|e| CopyError::Write(out.to_path_buf(), e))?;
        let _ = sync_dir(&dir);
        Ok(size)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[derive(Debug)]
pub enum CopyError {
    Read(PathBuf, io::Error),
    Write(PathBuf, io::Error),
    Mismatch { actual: String },
}
