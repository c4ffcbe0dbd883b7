//! Intake: reading a plan from either of its two forms: the TOML the company writes,
//! or a signed plan PDF made by `cip render` + `cip sign` (what the account
//! manager usually receives). A PDF is verified first and the plan is read
//! back from its embedded `plan.toml`; a PDF whose signature or manifest does
//! not verify is refused, with the verification report.
//!
//! This sits above `verify` (which sits above `model`), so that `model`
//! never depends on the verifier.
//!
//! A valid signature whose signer is not among the trusted certificates is
//! not a refusal: the caller gets the report and decides how to warn.

use std::path::Path;

use x509_cert::Certificate;

use crate::model::{LoadError, MAX_PLAN_BYTES, Plan, load_file, parse_bytes};
use crate::verify::{self, ManifestStatus, VerifyOptions, VerifyReport};

/// Signed plan PDFs larger than this are refused before parsing.
pub const MAX_PLAN_PDF_BYTES: u64 = 256 * 1024 * 1024;

/// Why a plan could not be read from a TOML file or a signed PDF.
#[derive(Debug, thiserror::Error)]
pub enum AnyError {
    /// The TOML (or the `plan.toml` embedded in a PDF) could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {size} bytes is too large for a plan PDF (limit {limit} bytes)")]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error("{path}: not a readable PDF: {message}")]
    Unreadable { path: String, message: String },
    /// The PDF was read but does not verify; `problems` says why, `report`
    /// has every detail.
    #[error("{path}: the signed plan does not verify: {}", problems.join("; "))]
    Refused {
        path: String,
        problems: Vec<String>,
        report: Box<VerifyReport>,
    },
    #[error(
        "{path}: the PDF verifies but has no embedded plan.toml (is it a plan made by cip render?)"
    )]
    NoPlan { path: String },
}

/// Load a plan from `path`: a TOML plan, or a signed plan PDF (recognised by
/// its `%PDF-` header, whatever its extension). For a PDF, returns the
/// verification report too; its signers may be untrusted (see
/// [`untrusted_signers`]), everything else about it verified.
pub fn load_plan_any(
    path: &Path,
    trust: &[Certificate],
) -> Result<(Plan, Option<VerifyReport>), AnyError> {
    let shown = path.display().to_string();
    if !is_pdf(path).map_err(|source| AnyError::Io {
        path: shown.clone(),
        source,
    })? {
        return Ok((load_file(path)?, None));
    }
    let io = |source| AnyError::Io {
        path: shown.clone(),
        source,
    };
    // (issue 16, bounded reads) a device or FIFO has no size to check first.
    let bytes = match crate::model::files::read_bounded(path, MAX_PLAN_PDF_BYTES, "a plan PDF") {
        Ok(b) => b,
        Err(crate::model::files::ReadError::TooLarge { size, limit, .. }) => {
            return Err(AnyError::TooLarge {
                path: shown,
                size,
                limit,
            });
        }
        Err(e) => return Err(io(e.into())),
    };
    let (plan, report) = plan_from_pdf(&shown, path, &bytes, trust)?;
    Ok((plan, Some(report)))
}

/// Verify a signed plan PDF held in memory and read its plan. `name` is used
/// in messages; documents are looked for beside `path`.
pub fn plan_from_pdf(
    name: &str,
    path: &Path,
    pdf: &[u8],
    trust: &[Certificate],
) -> Result<(Plan, VerifyReport), AnyError> {
    let opts = VerifyOptions {
        trust: trust.to_vec(),
        docs_dir: None,
    };
    let report = verify::verify_pdf(pdf, &opts).map_err(|e| AnyError::Unreadable {
        path: name.to_string(),
        message: e.to_string(),
    })?;
    let problems = refusal_reasons(&report);
    if !problems.is_empty() {
        return Err(AnyError::Refused {
            path: name.to_string(),
            problems,
            report: Box::new(report),
        });
    }
    // Verification read the signed revision's files once; no second parse.
    let plan_toml = report
        .signed_plan_toml
        .clone()
        .ok_or_else(|| AnyError::NoPlan {
            path: name.to_string(),
        })?;
    if plan_toml.len() as u64 > MAX_PLAN_BYTES {
        return Err(AnyError::Load(LoadError::TooLarge {
            name: format!("{name} (plan.toml)"),
            size: plan_toml.len() as u64,
            limit: MAX_PLAN_BYTES,
        }));
    }
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let plan = parse_bytes(&format!("{name} (plan.toml)"), base_dir, plan_toml)?;
    Ok((plan, report))
}

/// Why a verification report is not good enough to read a plan from: no
/// signature, an invalid signature, changes after signing other than further
/// signatures, or a manifest that is missing or does not match. Trust is not
/// among the reasons (see [`untrusted_signers`]).
pub fn refusal_reasons(report: &VerifyReport) -> Vec<String> {
    let mut problems = verify::judge(report, false).err().unwrap_or_default();
    // A generic signed PDF may lack a manifest; a plan made by cip may not.
    if report.manifest.status == ManifestStatus::NoManifest {
        problems.push("the PDF has no manifest.json (not a plan made by cip render)".into());
    }
    problems
}

/// Signers of valid signatures that are not trusted (no `--trust`
/// certificate vouches for them), as "Name, Title (certificate SHA-256 …)".
pub fn untrusted_signers(report: &VerifyReport) -> Vec<String> {
    report
        .signatures
        .iter()
        .filter(|s| s.valid && !s.trusted)
        .map(|s| match &s.signer {
            Some(c) => {
                let who = match (&c.name, &c.title) {
                    (Some(n), Some(t)) => format!("{n}, {t}"),
                    (Some(n), None) => n.clone(),
                    _ => c.subject.clone(),
                };
                format!("{who} (certificate SHA-256 {})", c.cert_sha256)
            }
            None => format!("the signer of field {}", s.field),
        })
        .collect()
}

/// True when the file is a PDF: it starts with `%PDF-`, or, for a file named
/// `.pdf`, has that header within its first KB (readers allow leading junk).
pub fn is_pdf(path: &Path) -> std::io::Result<bool> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(1024);
    // (issue 16, bounded reads) refuses a FIFO instead of waiting on it.
    crate::model::files::open_regular(path)?
        .0
        .take(1024)
        .read_to_end(&mut head)?;
    let named_pdf = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    Ok(head.starts_with(b"%PDF-") || (named_pdf && head.windows(5).any(|w| w == b"%PDF-")))
}

/// Why a file found in a folder of plans is not read as a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAPlan {
    /// `PLAN.case.toml`: Customs' decisions, read with its plan.
    CaseFile,
    /// A TOML file without a `[plan]` table: a profile, letter data, ….
    NoPlanTable,
    /// A PDF that embeds `letter.json`: a letter saved beside the plans.
    Letter,
}

impl std::fmt::Display for NotAPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotAPlan::CaseFile => "a case file, read with its plan",
            NotAPlan::NoPlanTable => "a TOML file without a [plan] table",
            NotAPlan::Letter => "a letter (it embeds letter.json)",
        })
    }
}

/// Whether a file met in a folder is a plan to read, by its name and a
/// look at its content: `Ok` for `.toml` files with a `[plan]` table and
/// `.pdf` files other than letters, and for anything that cannot be read,
/// so that reading it as a plan reports why; other files, by extension,
/// are `Err(None)` (not considered at all).
pub fn folder_entry(path: &Path) -> Result<(), Option<NotAPlan>> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.ends_with(".case.toml") {
        return Err(Some(NotAPlan::CaseFile));
    }
    if name.ends_with(".toml") {
        return match crate::model::files::read_bounded(path, MAX_PLAN_BYTES, "a plan") {
            Ok(b) if !has_plan_table(&String::from_utf8_lossy(&b)) => {
                Err(Some(NotAPlan::NoPlanTable))
            }
            _ => Ok(()),
        };
    }
    if name.ends_with(".pdf") {
        let is_letter = crate::model::files::read_bounded(path, MAX_PLAN_PDF_BYTES, "a PDF")
            .ok()
            .and_then(|b| verify::embedded_files(&b).ok())
            .is_some_and(|files| files.iter().any(|(n, _)| n == crate::manifest::LETTER_FILE));
        return if is_letter {
            Err(Some(NotAPlan::Letter))
        } else {
            Ok(())
        };
    }
    Err(None)
}

/// A `[plan]` table header on a line of its own (TOML allows spaces inside
/// the brackets and a comment after them).
fn has_plan_table(text: &str) -> bool {
    text.lines().any(|l| {
        let Some(rest) = l.trim_start().strip_prefix('[') else {
            return false;
        };
        let Some(rest) = rest.trim_start().strip_prefix("plan") else {
            return false;
        };
        let rest = rest.trim_start();
        rest.starts_with(']') && !rest.starts_with("]]") && {
            let after = rest[1..].trim_start();
            after.is_empty() || after.starts_with('#')
        }
    })
}

/// The files directly inside `dir` that may be plans, by name only, sorted:
/// `.toml` files other than case files (read with their plans), and `.pdf`
/// files. Their content is not read here: a portfolio loads them anyway,
/// and asks [`folder_entry`] only about those that fail to load.
pub fn plan_candidates_in(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|f| {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            f.is_file()
                && ((name.ends_with(".toml") && !name.ends_with(".case.toml"))
                    || name.ends_with(".pdf"))
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod folder_tests {
    use super::has_plan_table;

    #[test]
    fn plan_table_header_forms() {
        for yes in ["[plan]", "  [ plan ]  # the header", "x = 1\n[plan]\n"] {
            assert!(has_plan_table(yes), "{yes:?}");
        }
        for no in [
            "[planner]",
            "[[plan]]",
            "# [plan]",
            "plan = 1",
            "[plan] x = 1",
        ] {
            assert!(!has_plan_table(no), "{no:?}");
        }
    }
}
