//! `cip archive renew`: archive timestamp renewal (PAdES B-LTA over time).
//!
//! A file's proof of time lasts while its newest timestamp's TSA
//! certificate is valid and its algorithms are strong. Before that lapses,
//! a fresh document timestamp over the whole file (the old timestamps
//! included) carries the proof forward. The renewed file is an incremental
//! update of the archived one, archived as a new object: the original
//! stays, and the link is in the bytes (the original is the renewed file
//! cut at one of its revision ends), which is also how a renewed original
//! is recognised and not renewed twice.
//!
//! Built on the archive's public API only (`list`, `get`, `add`).

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use x509_cert::Certificate;

use super::{AddOptions, AddOutcome, Archive, ArchiveError, Filter, Record, sha256_hex};
use crate::pdfbytes::{Pdf, revision_ends};
use crate::timestamp::Tsa;
use crate::verify::{LongTermOptions, VerifyOptions, VerifyReport, verify_pdf_at};

/// The reason given for a file that has no timestamp at all.
const NO_TIMESTAMP: &str = "no timestamp";

#[derive(Clone, Debug)]
pub struct RenewOptions {
    /// Renew when the newest timestamp's TSA certificate expires within
    /// this many days of `now`.
    pub before_days: i64,
    pub trust: Vec<Certificate>,
    pub now: DateTime<Utc>,
}

/// Why a file needs (or not) a fresh timestamp.
#[derive(Clone, Debug, Serialize)]
pub struct Candidate {
    pub sha256: String,
    pub original_name: String,
    /// When the newest timestamp's TSA certificate expires, if there is one.
    pub proof_expires: Option<String>,
    /// Why it is due: "no timestamp", "TSA certificate expires ...", "weak
    /// algorithm ...".
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Renewed {
    pub original: String,
    pub renewed: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct RenewReport {
    /// Files looked at (the newest of each renewal chain).
    pub checked: usize,
    /// Originals already carried forward by a renewed file in the archive.
    pub superseded: usize,
    pub renewed: Vec<Renewed>,
    /// (file, error) for files that could not be renewed.
    pub failed: Vec<(String, String)>,
}

/// The files whose proof lapses within `opts.before_days` (or uses a weak
/// algorithm, or has no timestamp), leaving out originals already renewed.
pub fn due(
    archive: &Archive,
    opts: &RenewOptions,
) -> Result<(Vec<Candidate>, usize, usize), ArchiveError> {
    let scratch = Scratch::new()?;
    let records = archive.list(&Filter::default())?;
    let mut files = Vec::new();
    let mut superseded: HashSet<String> = HashSet::new();
    for r in &records {
        let bytes = fetch(archive, r, &scratch)?;
        if let Ok(doc) = Pdf::parse(&bytes) {
            for end in revision_ends(&doc) {
                if end < bytes.len() {
                    superseded.insert(sha256_hex(&bytes[..end]));
                }
            }
        }
        files.push((r, bytes));
    }
    let mut out = Vec::new();
    let mut checked = 0;
    let mut skipped = 0;
    for (r, bytes) in &files {
        if superseded.contains(&r.sha256) {
            skipped += 1;
            continue;
        }
        checked += 1;
        let vopts = VerifyOptions {
            trust: opts.trust.clone(),
            docs_dir: None,
        };
        let lt = LongTermOptions {
            at: Some(opts.now.fixed_offset()),
        };
        let Ok(report) = verify_pdf_at(bytes, &vopts, &lt) else {
            continue;
        };
        if let Some(c) = judge(r, &report, opts) {
            out.push(c);
        }
    }
    Ok((out, checked, skipped))
}

/// Whether one file's proof is due for renewal.
fn judge(r: &Record, report: &VerifyReport, opts: &RenewOptions) -> Option<Candidate> {
    // The newest timestamp: the last document timestamp, else the
    // signature timestamps (the one expiring first).
    let newest = report
        .document_timestamps
        .iter()
        .filter(|d| d.timestamp.valid)
        .max_by_key(|d| d.signed_revision_end)
        .map(|d| vec![&d.timestamp])
        .unwrap_or_else(|| {
            report
                .signatures
                .iter()
                .filter_map(|s| s.timestamp.as_ref())
                .filter(|t| t.valid)
                .collect()
        });
    let candidate = |expires: Option<DateTime<Utc>>, reason: String| Candidate {
        sha256: r.sha256.clone(),
        original_name: r.original_name.clone(),
        proof_expires: expires.map(|e| e.to_rfc3339()),
        reason,
    };
    if newest.is_empty() {
        return Some(candidate(None, NO_TIMESTAMP.into()));
    }
    if let Some(w) = newest.iter().find_map(|t| t.weak_algorithm.clone()) {
        return Some(candidate(None, format!("weak algorithm {w}")));
    }
    let expires = newest.iter().filter_map(|t| t.tsa_expires()).min()?;
    (expires <= opts.now + Duration::days(opts.before_days)).then(|| {
        candidate(
            Some(expires),
            format!("TSA certificate expires {}", expires.format("%Y-%m-%d")),
        )
    })
}

/// The files whose timestamped proof lapses within a year of `now` (the
/// newest timestamp's TSA certificate expiring, or a weak algorithm), for
/// `cip archive verify`. Files without any timestamp are left out: they
/// have no proof of time to lapse (`renew --dry-run` lists them).
pub fn lapsing(archive: &Archive, now: DateTime<Utc>) -> Result<Vec<Candidate>, ArchiveError> {
    let opts = RenewOptions {
        before_days: 365,
        trust: Vec::new(),
        now,
    };
    let (due, _, _) = due(archive, &opts)?;
    Ok(due
        .into_iter()
        .filter(|c| c.reason != NO_TIMESTAMP)
        .collect())
}

/// Adds a fresh document timestamp from `tsa` to every file [`due`] lists,
/// archiving each renewed file as a new object.
pub fn renew(
    archive: &Archive,
    tsa: &Tsa,
    opts: &RenewOptions,
) -> Result<RenewReport, ArchiveError> {
    let (due, checked, superseded) = due(archive, opts)?;
    let scratch = Scratch::new()?;
    let mut report = RenewReport {
        checked,
        superseded,
        ..RenewReport::default()
    };
    let records = archive.list(&Filter::default())?;
    for c in due {
        let Some(r) = records.iter().find(|r| r.sha256 == c.sha256) else {
            continue;
        };
        let bytes = fetch(archive, r, &scratch)?;
        let renewed = match crate::sign::add_doc_timestamp(&bytes, tsa) {
            Ok(b) => b,
            Err(e) => {
                report.failed.push((c.original_name.clone(), e.to_string()));
                continue;
            }
        };
        // The renewed file keeps the original's name (the archive records
        // the name it was added under).
        let path = scratch.0.join(&c.sha256).join(safe_name(&r.original_name));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ArchiveError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        crate::atomic::write(&path, &renewed).map_err(|source| ArchiveError::Io {
            path: path.clone(),
            source,
        })?;
        let add = AddOptions {
            trust: opts.trust.clone(),
            require_trusted: false,
        };
        match archive.add(&path, &add) {
            Ok(AddOutcome::Added { record, .. } | AddOutcome::AlreadyPresent { record }) => {
                report.renewed.push(Renewed {
                    original: c.sha256.clone(),
                    renewed: record.sha256,
                    reason: c.reason.clone(),
                });
            }
            Err(e) => report.failed.push((c.original_name.clone(), e.to_string())),
        }
    }
    Ok(report)
}

fn safe_name(name: &str) -> String {
    let n: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if n.is_empty() || n == "." || n == ".." {
        "renewed.pdf".into()
    } else {
        n
    }
}

/// The exact archived bytes of `r` (through `get`, which checks the hash).
fn fetch(archive: &Archive, r: &Record, scratch: &Scratch) -> Result<Vec<u8>, ArchiveError> {
    let path = scratch.0.join(format!("{}.pdf", r.sha256));
    archive.get(&r.sha256, &path)?;
    let bytes = std::fs::read(&path).map_err(|source| ArchiveError::Io {
        path: path.clone(),
        source,
    })?;
    let _ = std::fs::remove_file(&path);
    Ok(bytes)
}

/// A private working folder outside the archive, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, ArchiveError> {
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).map_err(|e| ArchiveError::Io {
            path: std::env::temp_dir(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let dir = std::env::temp_dir().join(format!("cip-renew-{}", hex::encode(rnd)));
        std::fs::create_dir(&dir).map_err(|source| ArchiveError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
