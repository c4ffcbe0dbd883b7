//! `cip init`: the starter plan, every field explained in the framework's
//! own words. It fails `cip check` (rule `placeholder`) until filled in.

use std::path::{Path, PathBuf};

/// The starter plan text.
pub const STARTER: &str = include_str!("../templates/plan.toml");

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} already exists; cip init never overwrites a file (choose another path)")]
    Exists(PathBuf),
    #[error("{path}: cannot write: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Write the starter plan to `path`, refusing to overwrite anything.
pub fn write_starter(path: &Path) -> Result<(), InitError> {
    let io = |source| InitError::Io {
        path: path.to_path_buf(),
        source,
    };
    crate::atomic::create_new(path, STARTER.as_bytes(), 0o666).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            InitError::Exists(path.to_path_buf())
        } else {
            io(e)
        }
    })
}
