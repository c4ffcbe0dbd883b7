//! The supporting documentation manifest: what `manifest.json` inside a plan
//! PDF says, and how it is built from a plan and its files on disk. `verify`
//! checks attachments against it.

use serde::{Deserialize, Serialize};

use crate::model::{Plan, files, text};

/// Names of the files cip embeds and later reads back by name (intake,
/// verify, archive): one spelling for writers and readers.
pub const PLAN_FILE: &str = "plan.toml";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const LETTER_FILE: &str = "letter.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// SHA-256 of the exact `plan.toml` bytes embedded in the PDF.
    pub plan_toml_sha256: String,
    pub documents: Vec<ManifestEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub id: String,
    pub title: String,
    /// Name of the embedded file (unique within the PDF); `None` = to be submitted.
    pub file: Option<String>,
    /// Path as written in the plan.
    pub path: Option<String>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    /// Whether the bytes are embedded in the PDF.
    pub attached: bool,
}

/// A document file read for the manifest, with its unique embedded name.
pub struct DocumentFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub title: String,
}

#[derive(Debug, thiserror::Error)]
#[error("document `{id}`: {source}")]
pub struct ManifestError {
    pub id: String,
    #[source]
    pub source: files::PathError,
}

/// Hash every document that has a path; return the manifest and the files
/// (to attach unless `attach` is false).
pub fn build(plan: &Plan, attach: bool) -> Result<(Manifest, Vec<DocumentFile>), ManifestError> {
    let mut entries = Vec::new();
    let mut files_out = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for d in &plan.documents {
        let id = text(&d.id).unwrap_or("").to_string();
        let title = text(&d.title).unwrap_or("").to_string();
        let Some(rel) = text(&d.path) else {
            entries.push(ManifestEntry {
                id,
                title,
                file: None,
                path: None,
                size: None,
                sha256: None,
                attached: false,
            });
            continue;
        };
        let err = |source| ManifestError {
            id: id.clone(),
            source,
        };
        // Only attached documents are held in memory; the others are hashed
        // in pieces.
        let (file, bytes) = if attach {
            let f = files::load(&plan.source.base_dir, rel).map_err(err)?;
            let hashed = files::HashedFile {
                path: f.path,
                file_name: f.file_name,
                size: f.bytes.len() as u64,
                sha256: f.sha256,
            };
            (hashed, Some(f.bytes))
        } else {
            (files::hash(&plan.source.base_dir, rel).map_err(err)?, None)
        };
        // Two documents may share a file name in different folders; the
        // embedded name must be unique, so the later one gets its id prefixed.
        let mut name = file.file_name.clone();
        if names.contains(&name) || name == PLAN_FILE || name == MANIFEST_FILE {
            name = format!("{id}-{name}");
        }
        names.push(name.clone());
        entries.push(ManifestEntry {
            id,
            title: title.clone(),
            file: Some(name.clone()),
            path: Some(rel.to_string()),
            size: Some(file.size),
            sha256: Some(file.sha256.clone()),
            attached: attach,
        });
        if let Some(bytes) = bytes {
            files_out.push(DocumentFile { name, bytes, title });
        }
    }
    Ok((
        Manifest {
            plan_toml_sha256: files::sha256_hex(plan.source.text.as_bytes()),
            documents: entries,
        },
        files_out,
    ))
}
