//! `export`: one company's archived files and an `index.json` in a plain
//! folder; `verify_bundle`: the same checks as `verify`, on another machine
//! with nothing but the folder (and the trust anchors it chooses).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use x509_cert::Certificate;

use super::check::{ProblemKind, VerifyArchiveReport, recheck};
use super::{Archive, ArchiveError, Filter, Record, io_err, store};

/// `index.json` of a bundle: a few hundred bytes per archived file.
const MAX_INDEX_BYTES: u64 = 64 * 1024 * 1024;

pub const BUNDLE_INDEX: &str = "index.json";
pub const BUNDLE_FORMAT: &str = "cip-archive-bundle";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BundleIndex {
    pub format: String,
    pub version: u32,
    pub exported_at: String,
    pub company: String,
    pub documents: Vec<BundleEntry>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BundleEntry {
    /// File name inside the bundle folder.
    pub file: String,
    #[serde(flatten)]
    pub record: Record,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExportSummary {
    pub dir: PathBuf,
    pub company: String,
    pub files: usize,
}

/// A file name that is safe in any folder: the hash prefix keeps names
/// unique, the original name keeps them readable.
fn bundle_name(rec: &Record) -> String {
    let clean: String = rec
        .original_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.');
    let clean = if clean.is_empty() { "file.pdf" } else { clean };
    let short = rec.sha256.get(..16).unwrap_or(&rec.sha256);
    if clean.to_ascii_lowercase().ends_with(".pdf") {
        format!("{short}-{clean}")
    } else {
        format!("{short}-{clean}.pdf")
    }
}

/// The one company name matching `company`: an exact (case-insensitive)
/// match, else the only one containing it.
fn resolve_company(rows: &[Record], company: &str) -> Result<String, ArchiveError> {
    let wanted = company.trim().to_lowercase();
    let names: BTreeSet<&str> = rows.iter().filter_map(|r| r.company.as_deref()).collect();
    if let Some(exact) = names.iter().find(|n| n.to_lowercase() == wanted) {
        return Ok((*exact).to_string());
    }
    let partial: Vec<String> = names
        .iter()
        .filter(|n| n.to_lowercase().contains(&wanted))
        .map(|n| (*n).to_string())
        .collect();
    match partial.len() {
        0 => Err(ArchiveError::NoSuchCompany {
            company: company.to_string(),
        }),
        1 => Ok(partial.into_iter().next().unwrap_or_default()),
        _ => Err(ArchiveError::AmbiguousCompany {
            company: company.to_string(),
            candidates: partial,
        }),
    }
}

pub(super) fn export(
    a: &Archive,
    company: &str,
    dir: &Path,
) -> Result<ExportSummary, ArchiveError> {
    let all = a.list(&Filter::default())?;
    let name = resolve_company(&all, company)?;
    let rows: Vec<Record> = all
        .into_iter()
        .filter(|r| r.company.as_deref() == Some(name.as_str()))
        .collect();
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(io_err(dir))?;
        if entries.next().is_some() {
            return Err(ArchiveError::NotEmpty {
                dir: dir.to_path_buf(),
            });
        }
    }
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut documents = Vec::new();
    for rec in rows {
        let file = bundle_name(&rec);
        if a.is_shared() {
            // From a remote store: read whole and checked, then written.
            let bytes = a.read_object(&rec.sha256)?;
            let out = dir.join(&file);
            crate::atomic::write(&out, &bytes).map_err(io_err(&out))?;
            documents.push(BundleEntry { file, record: rec });
            continue;
        }
        let src = store::object_path(a.root(), &rec.sha256);
        match store::copy_checked(&src, &rec.sha256, &dir.join(&file)) {
            Ok(_) => {}
            Err(store::CopyError::Read(p, source)) | Err(store::CopyError::Write(p, source)) => {
                return Err(io_err(&p)(source));
            }
            Err(store::CopyError::Mismatch { actual }) => {
                return Err(ArchiveError::Corrupt { path: src, actual });
            }
        }
        documents.push(BundleEntry { file, record: rec });
    }
    let index = BundleIndex {
        format: BUNDLE_FORMAT.into(),
        version: 1,
        exported_at: super::now()?,
        company: name.clone(),
        documents,
    };
    let json = serde_json::to_vec_pretty(&index).map_err(|e| ArchiveError::Io {
        path: dir.join(BUNDLE_INDEX),
        source: std::io::Error::other(e),
    })?;
    let path = dir.join(BUNDLE_INDEX);
    crate::atomic::write(&path, &json).map_err(io_err(&path))?;
    Ok(ExportSummary {
        dir: dir.to_path_buf(),
        company: name,
        files: index.documents.len(),
    })
}

/// Checks a bundle made by `export`: every listed file present with its
/// hash and size, its signatures valid and matching `index.json`, nothing
/// unlisted. Trust is compared only when `trust` anchors are given.
pub fn verify_bundle(
    dir: &Path,
    trust: &[Certificate],
) -> Result<VerifyArchiveReport, ArchiveError> {
    let path = dir.join(BUNDLE_INDEX);
    let bad = |reason: String| ArchiveError::BadBundle {
        path: dir.to_path_buf(),
        reason,
    };
    let text = crate::model::files::read_bounded(&path, MAX_INDEX_BYTES, "a bundle index")
        .map_err(|e| bad(format!("cannot read {BUNDLE_INDEX}: {e}")))?;
    let index: BundleIndex =
        serde_json::from_slice(&text).map_err(|e| bad(format!("{BUNDLE_INDEX}: {e}")))?;
    if index.format != BUNDLE_FORMAT || index.version != 1 {
        return Err(bad(format!(
            "{BUNDLE_INDEX} is format {:?} version {}, expected {BUNDLE_FORMAT:?} version 1",
            index.format, index.version
        )));
    }
    let mut out = VerifyArchiveReport {
        location: dir.to_path_buf(),
        rows: index.documents.len(),
        ..Default::default()
    };
    let mut listed = BTreeSet::new();
    let mut hashes = BTreeSet::new();
    for e in &index.documents {
        let rec = &e.record;
        let sha = Some(rec.sha256.as_str());
        let plain = Path::new(&e.file)
            .file_name()
            .is_some_and(|n| n == e.file.as_str())
            && !e.file.starts_with('.');
        let file = dir.join(&e.file);
        if !plain {
            out.problems.push(super::Problem {
                kind: ProblemKind::UnexpectedFile,
                sha256: sha.map(str::to_string),
                path: Some(file),
                detail: "the file name in index.json is not a plain name in the bundle".into(),
            });
            continue;
        }
        listed.insert(e.file.clone());
        if !hashes.insert(rec.sha256.clone()) {
            out.problems.push(super::Problem {
                kind: ProblemKind::RecordMismatch,
                sha256: sha.map(str::to_string),
                path: Some(file.clone()),
                detail: "listed twice in index.json".into(),
            });
        }
        let bytes = match store::read_file(&file) {
            Ok(b) => b,
            Err(err) => {
                let kind = if err.kind() == std::io::ErrorKind::NotFound {
                    ProblemKind::MissingObject
                } else {
                    ProblemKind::Unreadable
                };
                out.problems.push(super::Problem {
                    kind,
                    sha256: sha.map(str::to_string),
                    path: Some(file),
                    detail: format!("cannot read {}: {err}", e.file),
                });
                continue;
            }
        };
        out.objects += 1;
        let actual = store::sha256_hex(&bytes);
        if actual != rec.sha256 {
            out.problems.push(super::Problem {
                kind: ProblemKind::HashMismatch,
                sha256: sha.map(str::to_string),
                path: Some(file),
                detail: format!(
                    "the content hashes to {actual}: the file was modified (its signatures were not checked)"
                ),
            });
            continue;
        }
        let anchors = if trust.is_empty() { None } else { Some(trust) };
        recheck(&bytes, rec, anchors, &file, &mut out);
    }
    if trust.is_empty() {
        out.notes.push(
            "trust was not re-checked (give the signers' certificates or their issuers with --trust)"
                .into(),
        );
    }
    let entries = fs::read_dir(dir).map_err(io_err(dir))?;
    let mut extra: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != BUNDLE_INDEX && !listed.contains(n))
        .map(|n| dir.join(n))
        .collect();
    extra.sort();
    for p in extra {
        out.problems.push(super::Problem {
            kind: ProblemKind::UnexpectedFile,
            sha256: None,
            path: Some(p),
            detail: "not listed in index.json".into(),
        });
    }
    Ok(out.finish())
}
