//! Revisions of a plan: reading either side of a comparison (a plan TOML or a
//! signed plan PDF, verified first) as a [`diff::Version`], and tying a
//! revised plan to the submission it supersedes (`cip render --previous`).
//!
//! The link is the SHA-256 of the previous PDF's exact bytes: a file name can
//! be reused, the hash cannot, so the account manager can tell which signed
//! copy a revision answers.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::diff::Version;
use crate::intake::{self, AnyError, MAX_PLAN_PDF_BYTES};
use crate::manifest::{self, Manifest};
use crate::model::{self, Plan, text};
use crate::verify;

#[derive(Debug, thiserror::Error)]
pub enum RevisionError {
    #[error(transparent)]
    Intake(#[from] AnyError),
    #[error("{path}: cannot hash the supporting documents: {source}")]
    Documents {
        path: String,
        #[source]
        source: manifest::ManifestError,
    },
    #[error("{path}: the signed plan's manifest.json cannot be read: {message}")]
    Manifest { path: String, message: String },
    #[error(
        "{plan}:{line}: [plan] revision = {new}, but {previous} is revision {old}; a revised plan is revision {expected} (one more than the plan it supersedes)"
    )]
    NotNext {
        plan: String,
        line: usize,
        new: i64,
        old: i64,
        expected: i64,
        previous: String,
    },
    #[error(
        "{plan}:{line}: supersedes.sha256 is {named}, but {previous} has SHA-256 {actual}: the plan names another submission; give --previous the PDF it supersedes, or remove `supersedes` to have it filled in"
    )]
    WrongHash {
        plan: String,
        line: usize,
        named: String,
        actual: String,
        previous: String,
    },
    #[error(
        "{plan}: answers assessment report {:?} (importer {:?}), but {previous} answers {:?} (importer {:?}): a revision supersedes a submission of the same plan",
        .new.0, .new.1, .old.0, .old.1
    )]
    OtherPlan {
        plan: String,
        previous: String,
        /// (assessment report, importer number) of each side.
        new: Box<(String, String)>,
        old: Box<(String, String)>,
    },
    #[error(
        "{previous}: a previous submission must be the signed plan PDF sent to Customs, not a TOML file"
    )]
    NotPdf { previous: String },
    #[error("{plan}: cannot fill in [plan] revision and supersedes: {message}")]
    Edit { plan: String, message: String },
}

/// A submission read from disk: the plan with its documents' hashes, and,
/// for a PDF, the SHA-256 of the file's bytes.
pub struct Loaded {
    pub version: Version,
    pub file_sha256: Option<String>,
    /// Warnings to show: signers of a PDF that are valid but not trusted.
    pub warnings: Vec<String>,
}

fn untrusted(path: &str, report: &verify::VerifyReport) -> Vec<String> {
    intake::untrusted_signers(report)
        .into_iter()
        .map(|s| {
            format!(
                "{path}: the plan's signature is valid but its signer is not trusted: {s} (pass their certificate with --trust)"
            )
        })
        .collect()
}

/// Read a plan TOML or a signed plan PDF (verified first; a PDF that does
/// not verify is refused). Documents' hashes come from the PDF's signed
/// manifest, or for a TOML from the files beside it.
pub fn load(path: &Path, trust: &[Certificate]) -> Result<Loaded, RevisionError> {
    let shown = path.display().to_string();
    let io = |source| AnyError::Io {
        path: shown.clone(),
        source,
    };
    if !intake::is_pdf(path).map_err(io)? {
        let plan = model::load_file(path).map_err(AnyError::from)?;
        let (manifest, _) =
            manifest::build(&plan, false).map_err(|source| RevisionError::Documents {
                path: shown.clone(),
                source,
            })?;
        return Ok(Loaded {
            version: version(plan, &manifest),
            file_sha256: None,
            warnings: Vec::new(),
        });
    }
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_PLAN_PDF_BYTES {
        return Err(AnyError::TooLarge {
            path: shown,
            size,
            limit: MAX_PLAN_PDF_BYTES,
        }
        .into());
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let (plan, report) = intake::plan_from_pdf(&shown, path, &bytes, trust)?;
    let manifest_bytes =
        verify::signed_embedded_file(&bytes, &report, crate::manifest::MANIFEST_FILE)
            .map_err(|e| RevisionError::Manifest {
                path: shown.clone(),
                message: e.to_string(),
            })?
            .ok_or_else(|| RevisionError::Manifest {
                path: shown.clone(),
                message: "not embedded".into(),
            })?;
    let manifest: Manifest =
        serde_json::from_slice(&manifest_bytes).map_err(|e| RevisionError::Manifest {
            path: shown.clone(),
            message: e.to_string(),
        })?;
    Ok(Loaded {
        version: version(plan, &manifest),
        file_sha256: Some(hex::encode(Sha256::digest(&bytes))),
        warnings: untrusted(&shown, &report),
    })
}

/// A plan with its documents' hashes from a manifest.
pub fn version(plan: Plan, manifest: &Manifest) -> Version {
    let document_sha256: BTreeMap<String, String> = manifest
        .documents
        .iter()
        .filter_map(|d| Some((d.id.clone(), d.sha256.clone()?)))
        .collect();
    Version {
        plan,
        document_sha256,
    }
}

/// What `--previous` established about a revised plan.
pub struct Previous {
    /// The previous submission, for the changes page.
    pub version: Version,
    /// The plan's text with `revision` and `supersedes` filled in, when it
    /// lacked them (to be written back to the plan file).
    pub filled: Option<String>,
    pub revision: i64,
    pub sha256: String,
    pub file: String,
    /// Untrusted signers of the previous PDF.
    pub warnings: Vec<String>,
}

/// Check the plan at `plan_path` against the previous signed submission
/// `previous` (verified first): its revision must be one more, and a
/// `supersedes` it names must carry the previous file's hash. Missing
/// `revision` / `supersedes` are filled in.
pub fn previous(
    plan_path: &Path,
    previous: &Path,
    trust: &[Certificate],
) -> Result<Previous, RevisionError> {
    let prev_shown = previous.display().to_string();
    let loaded = load(previous, trust)?;
    let Some(sha256) = loaded.file_sha256 else {
        return Err(RevisionError::NotPdf {
            previous: prev_shown,
        });
    };
    let plan = model::load_file(plan_path).map_err(AnyError::from)?;
    let shown = plan.source.name.clone();
    // Revisions of one plan answer one assessment report for one importer
    // (the same key the archive files plans under).
    let key = |p: &Plan| {
        (
            p.assessment_report().to_string(),
            text(&p.header.importer_number).unwrap_or("").to_string(),
        )
    };
    let (new_key, old_key) = (key(&plan), key(&loaded.version.plan));
    if new_key != old_key {
        return Err(RevisionError::OtherPlan {
            plan: shown,
            previous: prev_shown,
            new: Box::new(new_key),
            old: Box::new(old_key),
        });
    }
    let old = loaded.version.plan.revision();
    let expected = old + 1;
    let file = previous
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or(prev_shown.clone());
    let line = |span: &model::Span| plan.line_col(span.start).0;
    if let Some(r) = &plan.header.revision {
        if r.value != expected {
            return Err(RevisionError::NotNext {
                plan: shown,
                line: line(&r.span),
                new: r.value,
                old,
                expected,
                previous: prev_shown,
            });
        }
    }
    if let Some(named) = plan
        .header
        .supersedes
        .as_ref()
        .and_then(|s| s.sha256.as_ref())
    {
        if !named.value.trim().eq_ignore_ascii_case(&sha256) {
            return Err(RevisionError::WrongHash {
                plan: shown,
                line: line(&named.span),
                named: named.value.trim().to_string(),
                actual: sha256,
                previous: prev_shown,
            });
        }
    }
    let missing_file = plan
        .header
        .supersedes
        .as_ref()
        .is_none_or(|s| text(&s.file).is_none());
    let filled =
        if plan.header.revision.is_none() || plan.header.supersedes.is_none() || missing_file {
            Some(
                fill_in(&plan.source.text, expected, &file, &sha256).map_err(|message| {
                    RevisionError::Edit {
                        plan: shown.clone(),
                        message,
                    }
                })?,
            )
        } else {
            None
        };
    Ok(Previous {
        warnings: loaded.warnings,
        version: loaded.version,
        filled,
        revision: expected,
        sha256,
        file,
    })
}

/// The plan text with `[plan] revision` and `supersedes` set, everything
/// else (comments, order, spacing) kept as the company wrote it.
pub fn fill_in(text: &str, revision: i64, file: &str, sha256: &str) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let plan = doc
        .entry("plan")
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .ok_or("[plan] is not a table")?;
    if plan.get("revision").is_none() {
        plan.insert("revision", toml_edit::value(revision));
    }
    let mut sup = toml_edit::InlineTable::new();
    sup.insert("file", file.into());
    sup.insert("sha256", sha256.into());
    plan.insert("supersedes", toml_edit::value(sup));
    Ok(doc.to_string())
}
