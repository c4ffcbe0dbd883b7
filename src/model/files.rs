//! Supporting documents on disk: resolving a plan's relative `path` safely
//! and reading the bytes that are hashed into the manifest.

use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

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

/// Resolve and read a document, hashing its bytes.
pub fn load(base: &Path, rel: &str) -> Result<LoadedFile, PathError> {
    let path = resolve(base, rel)?;
    let bytes = std::fs::read(&path).map_err(|source| PathError::Unreadable {
        path: rel.to_string(),
        source,
    })?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| rel.to_string());
    Ok(LoadedFile {
        sha256: sha256_hex(&bytes),
        path,
        file_name,
        bytes,
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
