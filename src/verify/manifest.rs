//! The manifest check: `manifest.json` embedded by `cip render` lists the
//! SHA-256 of `plan.toml` and of every supporting document; the embedded
//! copies (and, with `--docs DIR`, the files there) must match it.

use std::path::Path;

use serde::Serialize;

use crate::manifest::{MANIFEST_FILE as MANIFEST_NAME, PLAN_FILE as PLAN_NAME};

use crate::manifest::Manifest;
use crate::model::files::sha256_hex;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestStatus {
    /// The PDF has no `manifest.json` (not a failure for a generic PDF).
    NoManifest,
    Matches,
    Mismatch,
    /// `manifest.json` is present but unreadable.
    Invalid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileCheck {
    Match,
    Mismatch,
    Missing,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocumentCheck {
    pub id: String,
    pub title: String,
    pub file: String,
    pub expected_sha256: String,
    pub attached: bool,
    /// The embedded copy, for attached documents.
    pub embedded: Option<FileCheck>,
    /// The file in `--docs DIR`, when given and found there.
    pub docs_dir: Option<FileCheck>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ManifestReport {
    pub status: ManifestStatus,
    pub plan_toml: Option<FileCheck>,
    pub documents: Vec<DocumentCheck>,
    pub problems: Vec<String>,
}

impl ManifestReport {
    pub fn ok(&self) -> bool {
        matches!(
            self.status,
            ManifestStatus::NoManifest | ManifestStatus::Matches
        )
    }
}

/// A manifest entry that names a file.
struct Entry {
    id: String,
    title: String,
    file: String,
    sha256: String,
    size: Option<u64>,
    attached: bool,
}

fn compare(actual: Option<&[u8]>, expected: &str) -> FileCheck {
    match actual {
        None => FileCheck::Missing,
        Some(b) if sha256_hex(b).eq_ignore_ascii_case(expected.trim()) => FileCheck::Match,
        Some(_) => FileCheck::Mismatch,
    }
}

/// Checks `files` (name, bytes) against their embedded manifest.
pub fn check(files: &[(String, Vec<u8>)], docs_dir: Option<&Path>) -> ManifestReport {
    let find = |name: &str| {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    };
    let mut report = ManifestReport {
        status: ManifestStatus::NoManifest,
        plan_toml: None,
        documents: Vec::new(),
        problems: Vec::new(),
    };
    let Some(raw) = find(MANIFEST_NAME) else {
        return report;
    };
    let manifest: Manifest = match serde_json::from_slice(raw) {
        Ok(m) => m,
        Err(e) => {
            report.status = ManifestStatus::Invalid;
            report
                .problems
                .push(format!("{MANIFEST_NAME} is not valid: {e}"));
            return report;
        }
    };
    let plan = compare(find(PLAN_NAME), &manifest.plan_toml_sha256);
    if plan != FileCheck::Match {
        report
            .problems
            .push(format!("{PLAN_NAME}: {plan:?}").to_lowercase());
    }
    report.plan_toml = Some(plan);
    for d in manifest.documents {
        // A document "to be submitted" has no file and nothing to compare.
        let (Some(file), Some(sha256)) = (d.file, d.sha256) else {
            continue;
        };
        let d = Entry {
            id: d.id,
            title: d.title,
            file,
            sha256,
            size: d.size,
            attached: d.attached,
        };
        let embedded = d.attached.then(|| compare(find(&d.file), &d.sha256));
        let docs = docs_dir.and_then(|dir| check_docs_dir(dir, &d.file, &d.sha256));
        for (place, c) in [("embedded", embedded), ("in --docs", docs)] {
            if let Some(c) = c.filter(|c| *c != FileCheck::Match) {
                report
                    .problems
                    .push(format!("{} ({place}): {c:?}", d.file).to_lowercase());
            }
        }
        if let (Some(size), Some(bytes)) = (d.size, find(&d.file).filter(|_| d.attached)) {
            if size != bytes.len() as u64 {
                report
                    .problems
                    .push(format!("{}: size differs from the manifest", d.file));
            }
        }
        report.documents.push(DocumentCheck {
            id: d.id,
            title: d.title,
            file: d.file,
            expected_sha256: d.sha256,
            attached: d.attached,
            embedded,
            docs_dir: docs,
        });
    }
    report.status = if report.problems.is_empty() {
        ManifestStatus::Matches
    } else {
        ManifestStatus::Mismatch
    };
    report
}

/// Only files actually present are compared; a manifest `file` that tries to
/// leave the folder is treated as a mismatch.
fn check_docs_dir(dir: &Path, file: &str, expected: &str) -> Option<FileCheck> {
    let rel = Path::new(file);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Some(FileCheck::Mismatch);
    }
    use crate::model::files::{self, ReadError};
    match files::hash_bounded(
        &dir.join(rel),
        files::MAX_DOCUMENT_BYTES,
        "a supporting document",
    ) {
        Ok((sha, _)) if sha.eq_ignore_ascii_case(expected.trim()) => Some(FileCheck::Match),
        // cip never records a document over the limit, nor anything but a
        // regular file.
        Ok(_) | Err(ReadError::TooLarge { .. } | ReadError::NotRegular(_)) => {
            Some(FileCheck::Mismatch)
        }
        Err(ReadError::Io(_)) => None,
    }
}
