//! Atomic file writing: the one way `cip` puts bytes on disk.
//!
//! Every file (PDFs, signed PDFs, letters, keys, case files, archive objects,
//! archive indexes) is first written to a temporary file in the destination's
//! folder (or, for the archive, a temporary folder on the same file system),
//! then put in place with a single rename or link. A reader therefore sees
//! either no file, the old file or the complete new one, and a failed write
//! leaves neither a partial file nor a temporary one behind (`tempfile`
//! removes it when the [`Pending`] is dropped).
//!
//! A rename replaces a symbolic link at the destination rather than writing
//! through it, so `cip` never changes a file the user did not name.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Whether the data and the folder entry are flushed to disk before
/// [`Pending::replace`] / [`Pending::create`] return. A letter batch writes
/// thousands of files and flushes the file system once at the end instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Synced,
    Unsynced,
}

/// A file being written; nothing is visible at the destination until
/// [`Pending::replace`] or [`Pending::create`].
pub struct Pending {
    file: tempfile::NamedTempFile,
    dest: PathBuf,
    durability: Durability,
}

impl Pending {
    /// A temporary file next to `dest`, created with `mode` (before the
    /// umask) on Unix: 0o666 for documents, 0o600 for private keys.
    pub fn new(dest: &Path, mode: u32, durability: Durability) -> io::Result<Pending> {
        let dir = folder_of(dest)?;
        Self::in_folder(&dir, dest, mode, durability)
    }

    /// A temporary file in `tmp_dir` (which must be on the destination's
    /// file system), for writers that keep their temporaries apart, like the
    /// archive's `.tmp/`.
    pub fn in_folder(
        tmp_dir: &Path,
        dest: &Path,
        mode: u32,
        durability: Durability,
    ) -> io::Result<Pending> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // `.NAME.PID.RANDOM.tmp`: the process id lets a cleaner (the
        // archive's) tell a crashed writer's leftovers from a live one's.
        let prefix = format!(".{name}.{}.", std::process::id());
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            b.permissions(fs::Permissions::from_mode(mode));
        }
        #[cfg(not(unix))]
        let _ = mode;
        let file = b
            .tempfile_in(tmp_dir)
            .map_err(|e| context(e, &format!("cannot write to folder {}", tmp_dir.display())))?;
        Ok(Pending {
            file,
            dest: dest.to_path_buf(),
            durability,
        })
    }

    /// The temporary file's path, for writers that fill it by other means
    /// (SQLite builds an index at this path).
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    pub fn as_file(&self) -> &File {
        self.file.as_file()
    }

    /// Put the file in place, replacing whatever the destination was.
    pub fn replace(self) -> io::Result<()> {
        let dest = self.dest.clone();
        let durability = self.durability;
        let what = |e| context(e, &format!("cannot write {}", dest.display()));
        if dest.is_dir() {
            return Err(what(io::Error::new(
                io::ErrorKind::IsADirectory,
                "destination is a directory",
            )));
        }
        if durability == Durability::Synced {
            self.file.as_file().sync_all().map_err(what)?;
        }
        self.file.persist(&dest).map_err(|e| what(e.error))?;
        sync_parent(&dest, durability);
        Ok(())
    }

    /// Put the file in place only if nothing is at the destination; an
    /// existing file is left alone and reported as `AlreadyExists`.
    pub fn create(self) -> io::Result<()> {
        let dest = self.dest.clone();
        let durability = self.durability;
        if durability == Durability::Synced {
            self.file
                .as_file()
                .sync_all()
                .map_err(|e| context(e, &format!("cannot write {}", dest.display())))?;
        }
        match self.file.persist_noclobber(&dest) {
            Ok(_) => {}
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => return Err(e.error),
            Err(e) => {
                return Err(context(
                    e.error,
                    &format!("cannot write {}", dest.display()),
                ));
            }
        }
        sync_parent(&dest, durability);
        Ok(())
    }
}

impl Write for Pending {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Write `bytes` to `path` atomically and durably, replacing any file there.
///
/// Errors name the path they concern, so that the CLI can print them as-is.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, bytes, Durability::Synced)
}

/// [`write`] with a choice of durability.
pub fn write_with(path: &Path, bytes: &[u8], durability: Durability) -> io::Result<()> {
    let mut p = Pending::new(path, 0o666, durability)?;
    p.write_all(bytes)
        .map_err(|e| context(e, &format!("cannot write {}", path.display())))?;
    p.replace()
}

/// Write a new file that must not exist yet (a starter plan, a private key):
/// `AlreadyExists` if something is there, and then nothing is changed.
pub fn create_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut p = Pending::new(path, mode, Durability::Synced)?;
    p.write_all(bytes)
        .map_err(|e| context(e, &format!("cannot write {}", path.display())))?;
    p.create()
}

fn folder_of(path: &Path) -> io::Result<PathBuf> {
    if path.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file path", path.display()),
        ));
    }
    Ok(match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    })
}

/// Make the rename itself durable. Some file systems do not support fsync on
/// folders; the data is already safe, so that is ignored.
fn sync_parent(dest: &Path, durability: Durability) {
    if durability == Durability::Unsynced {
        return;
    }
    if let Ok(dir) = folder_of(dest) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

fn context(e: io::Error, what: &str) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.pdf");
        fs::write(&p, b"old").unwrap();
        write(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["out.pdf"], "temp file left behind");
    }

    #[test]
    fn missing_folder_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope").join("out.pdf");
        let e = write(&p, b"x").unwrap_err();
        assert!(e.to_string().contains("nope"), "{e}");
    }

    #[test]
    fn directory_destination_is_refused_and_cleaned_up() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub");
        fs::create_dir(&p).unwrap();
        assert!(write(&p, b"x").is_err());
        assert_eq!(names(dir.path()), ["sub"], "temp file left behind");
    }

    #[test]
    fn create_new_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("key.pem");
        fs::write(&p, b"precious").unwrap();
        let e = create_new(&p, b"other", 0o600).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&p).unwrap(), b"precious");
        assert_eq!(names(dir.path()), ["key.pem"], "temp file left behind");
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_the_callers() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        create_new(&key, b"k", 0o600).unwrap();
        let mode = fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Documents get the mode of any file the user makes (the umask
        // applies), not the 0600 of a temporary file.
        let pdf = dir.path().join("plan.pdf");
        write(&pdf, b"%PDF").unwrap();
        let plain = dir.path().join("plain");
        fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&pdf), mode(&plain));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_destination_is_replaced_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim.txt");
        fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("out.pdf");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write(&link, b"new").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"keep");
        assert!(!fs::symlink_metadata(&link).unwrap().is_symlink());
    }

    #[test]
    fn a_dropped_pending_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.pdf");
        let mut w = Pending::new(&p, 0o666, Durability::Synced).unwrap();
        w.write_all(b"half").unwrap();
        drop(w);
        assert!(names(dir.path()).is_empty());
    }
}
