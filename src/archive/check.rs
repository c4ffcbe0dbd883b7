//! Judging a verification report for the archive, re-checking archived
//! files against their rows (`verify`, `verify --bundle`), and `backup`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use der::Decode as _;
use serde::Serialize;
use x509_cert::Certificate;

use super::backend::Found;
use super::chain::LinkState;
use super::classify::{Classified, classify};
use super::{Archive, ArchiveError, BackupSummary, Record, SignatureRecord, index, io_err, store};
pub use crate::verify::judge;
use crate::verify::{Trust, VerifyOptions, VerifyReport};

fn trust_str(t: Trust) -> String {
    match t {
        Trust::Trusted => "trusted",
        Trust::UntrustedSelfSigned => "untrusted_self_signed",
        Trust::Untrusted => "untrusted",
        Trust::NotChecked => "not_checked",
    }
    .to_string()
}

fn signature_records(report: &VerifyReport) -> Vec<SignatureRecord> {
    report
        .signatures
        .iter()
        .map(|s| SignatureRecord {
            field: s.field.clone(),
            signer_name: s.signer.as_ref().and_then(|p| p.name.clone()),
            signer_title: s.signer.as_ref().and_then(|p| p.title.clone()),
            signer_organization: s.signer.as_ref().and_then(|p| p.organization.clone()),
            cert_sha256: s.signer.as_ref().map(|p| p.cert_sha256.clone()),
            signing_time: s.signing_time.clone(),
            trust: trust_str(s.trust),
        })
        .collect()
}

fn overall_trust(sigs: &[SignatureRecord]) -> String {
    sigs.iter()
        .find(|s| s.trust != "trusted")
        .map(|s| s.trust.clone())
        .unwrap_or_else(|| "trusted".to_string())
}

pub(super) fn record_from(
    sha256: &str,
    size: usize,
    class: &Classified,
    report: &VerifyReport,
    original_name: String,
    added_at: String,
) -> Record {
    let signatures = signature_records(report);
    Record {
        sha256: sha256.to_string(),
        size: size as u64,
        kind: class.kind.to_string(),
        letter_kind: class.letter_kind.clone(),
        company: class.company.clone(),
        assessment_report: class.assessment_report.clone(),
        plan_toml_sha256: class.plan_toml_sha256.clone(),
        original_name,
        added_at,
        trust: overall_trust(&signatures),
        revision: class.revision,
        supersedes_sha256: class.supersedes_sha256.clone(),
        supersedes_file: class.supersedes_file.clone(),
        signatures,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The object's content does not hash to its name (it was modified).
    HashMismatch,
    /// A row whose object is missing.
    MissingObject,
    /// An object that no row names (and no add in progress).
    OrphanObject,
    /// A file in `objects/` (or a bundle) that is not an object.
    UnexpectedFile,
    /// The file no longer verifies (signature, later changes, manifest).
    SignatureInvalid,
    /// The file verifies but differs from what its row records (signers,
    /// signing times, size, kind, company…): the index was altered.
    RecordMismatch,
    /// Recorded as trusted, no longer trusted by the recorded anchors.
    TrustDowngraded,
    /// A revised plan whose predecessor (the file it supersedes) is not in
    /// the archive, or a revision after 1 that names none.
    ChainGap,
    /// A revised plan names, as the file it supersedes, a hash that is not
    /// the archived previous revision of the same plan.
    ChainMismatch,
    /// SQLite's integrity check failed, or a row cannot be read.
    IndexCorrupt,
    /// An object or bundle file cannot be read.
    Unreadable,
}

#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub sha256: Option<String>,
    pub path: Option<PathBuf>,
    pub detail: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct VerifyArchiveReport {
    /// The archive folder or bundle checked.
    pub location: PathBuf,
    pub rows: usize,
    pub objects: usize,
    pub signatures_checked: usize,
    pub problems: Vec<Problem>,
    /// Harmless findings: adds in progress or interrupted, temp files.
    pub notes: Vec<String>,
    pub ok: bool,
}

impl VerifyArchiveReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub(super) fn push(
        &mut self,
        kind: ProblemKind,
        sha256: Option<&str>,
        path: Option<&Path>,
        detail: String,
    ) {
        self.problems.push(Problem {
            kind,
            sha256: sha256.map(str::to_string),
            path: path.map(Path::to_path_buf),
            detail,
        });
    }

    pub(super) fn finish(mut self) -> Self {
        self.problems.sort_by(|a, b| {
            (a.sha256.as_deref(), a.kind, a.path.as_deref()).cmp(&(
                b.sha256.as_deref(),
                b.kind,
                b.path.as_deref(),
            ))
        });
        self.ok = self.problems.is_empty();
        self
    }
}

/// Re-verifies `bytes` (already known to hash to `rec.sha256`) against its
/// row. `anchors: None` skips the trust comparison.
pub(super) fn recheck(
    bytes: &[u8],
    rec: &Record,
    anchors: Option<&[Certificate]>,
    path: &Path,
    out: &mut VerifyArchiveReport,
) {
    let sha = Some(rec.sha256.as_str());
    if bytes.len() as u64 != rec.size {
        out.push(
            ProblemKind::RecordMismatch,
            sha,
            Some(path),
            format!(
                "size is {} bytes, the row records {}",
                bytes.len(),
                rec.size
            ),
        );
    }
    let opts = VerifyOptions {
        trust: anchors.map(<[Certificate]>::to_vec).unwrap_or_default(),
        docs_dir: None,
    };
    let report = match crate::verify::verify_pdf(bytes, &opts) {
        Ok(r) => r,
        Err(e) => {
            out.push(
                ProblemKind::SignatureInvalid,
                sha,
                Some(path),
                format!("no longer readable as a PDF: {e}"),
            );
            return;
        }
    };
    out.signatures_checked += report.signatures.len();
    if let Err(reasons) = judge(&report, false) {
        out.push(
            ProblemKind::SignatureInvalid,
            sha,
            Some(path),
            reasons.join("; "),
        );
        return;
    }
    let now = signature_records(&report);
    let mut diffs = Vec::new();
    if now.len() != rec.signatures.len() {
        diffs.push(format!(
            "{} signatures, the row records {}",
            now.len(),
            rec.signatures.len()
        ));
    }
    for (i, (a, b)) in now.iter().zip(&rec.signatures).enumerate() {
        if a.cert_sha256 != b.cert_sha256 {
            diffs.push(format!(
                "signature {}: signer certificate {}, the row records {}",
                i + 1,
                a.cert_sha256.as_deref().unwrap_or("none"),
                b.cert_sha256.as_deref().unwrap_or("none")
            ));
        }
        if a.signing_time != b.signing_time {
            diffs.push(format!(
                "signature {}: signing time {}, the row records {}",
                i + 1,
                a.signing_time.as_deref().unwrap_or("none"),
                b.signing_time.as_deref().unwrap_or("none")
            ));
        }
        if (&a.signer_name, &a.signer_title, &a.field)
            != (&b.signer_name, &b.signer_title, &b.field)
        {
            diffs.push(format!(
                "signature {}: signer {:?} / {:?}, the row records {:?} / {:?}",
                i + 1,
                a.signer_name,
                a.signer_title,
                b.signer_name,
                b.signer_title
            ));
        }
    }
    let files = crate::verify::signed_embedded_files(bytes, &report).unwrap_or_default();
    let class = classify(&files);
    let fields = [
        ("kind", Some(class.kind.to_string()), Some(rec.kind.clone())),
        ("letter kind", class.letter_kind, rec.letter_kind.clone()),
        ("company", class.company, rec.company.clone()),
        (
            "assessment report",
            class.assessment_report,
            rec.assessment_report.clone(),
        ),
        (
            "plan.toml SHA-256",
            class.plan_toml_sha256,
            rec.plan_toml_sha256.clone(),
        ),
        (
            "revision",
            class.revision.map(|r| r.to_string()),
            rec.revision.map(|r| r.to_string()),
        ),
        (
            "supersedes",
            class.supersedes_sha256,
            rec.supersedes_sha256.clone(),
        ),
    ];
    for (name, actual, recorded) in fields {
        if actual != recorded {
            diffs.push(format!(
                "{name} is {}, the row records {}",
                actual.as_deref().unwrap_or("none"),
                recorded.as_deref().unwrap_or("none")
            ));
        }
    }
    if !diffs.is_empty() {
        out.push(
            ProblemKind::RecordMismatch,
            sha,
            Some(path),
            diffs.join("; "),
        );
    }
    if anchors.is_some() {
        let downgraded: Vec<String> = now
            .iter()
            .zip(&rec.signatures)
            .filter(|(a, b)| b.trust == "trusted" && a.trust != "trusted")
            .map(|(a, _)| {
                format!(
                    "signature by {} was trusted when added, now {}",
                    a.signer_name.as_deref().unwrap_or("?"),
                    a.trust
                )
            })
            .collect();
        if !downgraded.is_empty() {
            out.push(
                ProblemKind::TrustDowngraded,
                sha,
                Some(path),
                downgraded.join("; "),
            );
        }
    }
}

pub(super) fn parse_anchors(ders: &[Vec<u8>], out: &mut VerifyArchiveReport) -> Vec<Certificate> {
    let mut v = Vec::new();
    for d in ders {
        match Certificate::from_der(d) {
            Ok(c) => v.push(c),
            Err(e) => out.push(
                ProblemKind::IndexCorrupt,
                None,
                None,
                format!("a recorded trust anchor cannot be read: {e}"),
            ),
        }
    }
    v
}

pub(super) fn verify_archive(a: &Archive) -> Result<VerifyArchiveReport, ArchiveError> {
    let mut out = VerifyArchiveReport {
        location: a.root.clone(),
        ..Default::default()
    };
    for p in a
        .index
        .integrity()
        .map_err(a.ix("integrity check failed"))?
    {
        out.push(
            ProblemKind::IndexCorrupt,
            None,
            Some(&a.index.location()),
            p,
        );
    }
    let rows = a.index.all().map_err(a.ix("cannot read the rows"))?;
    let pending: BTreeSet<String> = a
        .index
        .pending()
        .map_err(a.ix("cannot read the adds in progress"))?
        .into_iter()
        .collect();
    let ders = a
        .index
        .trust_anchors()
        .map_err(a.ix("cannot read the trust anchors"))?;
    let anchors = parse_anchors(&ders, &mut out);
    out.rows = rows.len();

    let found = a.store.list().map_err(super::store_err)?;
    let mut objects: BTreeMap<String, PathBuf> = BTreeMap::new();
    for f in found {
        match f {
            Found::Object { sha256, path } => {
                objects.insert(sha256, path);
            }
            Found::Unexpected { path } => out.push(
                ProblemKind::UnexpectedFile,
                None,
                Some(&path),
                "not an object (objects are objects/xx/<62 hex digits>)".into(),
            ),
        }
    }
    out.objects = objects.len();

    let mut seen = BTreeSet::new();
    for rec in &rows {
        seen.insert(rec.sha256.clone());
        let Some(path) = objects.get(&rec.sha256) else {
            out.push(
                ProblemKind::MissingObject,
                Some(&rec.sha256),
                Some(&a.store.object_location(&rec.sha256)),
                format!(
                    "the row ({}, {}, added {}) has no object",
                    rec.kind, rec.original_name, rec.added_at
                ),
            );
            continue;
        };
        let bytes = match a.store.read(&rec.sha256) {
            Ok(b) => b,
            Err(e) => {
                out.push(
                    ProblemKind::Unreadable,
                    Some(&rec.sha256),
                    Some(path),
                    e.to_string(),
                );
                continue;
            }
        };
        let actual = store::sha256_hex(&bytes);
        if actual != rec.sha256 {
            out.push(
                ProblemKind::HashMismatch,
                Some(&rec.sha256),
                Some(path),
                format!("the content hashes to {actual}: the object was modified (its signatures were not checked)"),
            );
            continue;
        }
        recheck(&bytes, rec, Some(&anchors), path, &mut out);
        if let Some(n) = a.store.object_note(&rec.sha256) {
            out.notes.push(n);
        }
    }
    for (sha, path) in &objects {
        if seen.contains(sha) {
            continue;
        }
        let hash_note = match a.store.read(sha) {
            Ok(b) if store::sha256_hex(&b) == *sha => String::new(),
            Ok(b) => format!(" (and its content hashes to {})", store::sha256_hex(&b)),
            Err(e) => format!(" (and it cannot be read: {e})"),
        };
        if pending.contains(sha) && hash_note.is_empty() {
            out.notes.push(format!(
                "{sha}: an add was interrupted after storing the object; re-run `cip archive add` on the file to complete it"
            ));
        } else {
            out.push(
                ProblemKind::OrphanObject,
                Some(sha),
                Some(path),
                format!("no row names this object{hash_note}"),
            );
        }
    }
    for sha in &pending {
        if !seen.contains(sha) && !objects.contains_key(sha) {
            out.notes.push(format!(
                "{sha}: an add is in progress or was interrupted before its object was stored"
            ));
        }
    }
    for chain in super::chains(&rows) {
        for l in &chain.links {
            let kind = match l.state {
                LinkState::Gap => ProblemKind::ChainGap,
                LinkState::Mismatch => ProblemKind::ChainMismatch,
                LinkState::First | LinkState::Linked => continue,
            };
            out.push(
                kind,
                Some(&l.sha256),
                None,
                format!(
                    "{} / {}: {}",
                    chain.company.as_deref().unwrap_or("-"),
                    chain.assessment_report.as_deref().unwrap_or("-"),
                    l.detail.as_deref().unwrap_or("")
                ),
            );
        }
    }
    out.notes.extend(a.store.notes());
    if a.folder {
        for p in legacy_backup_temps(&a.root) {
            out.notes.push(format!(
                "{}: the snapshot of a backup in progress or interrupted (ignored; removed by the next backup to this folder, or delete it)",
                p.display()
            ));
        }
    }
    Ok(out.finish())
}

/// True when `dest` holds only what a backup killed before installing its
/// index leaves (`objects/` with nothing but objects, `tmp/`, an old-style
/// snapshot): the backup resumes there, copying only the missing objects.
fn interrupted_backup(dest: &Path) -> Result<bool, ArchiveError> {
    let legacy = legacy_backup_temps(dest);
    for e in fs::read_dir(dest).map_err(io_err(dest))? {
        let e = e.map_err(io_err(dest))?;
        let ours = e.file_name() == store::OBJECTS
            || e.file_name() == store::TMP
            || legacy.contains(&e.path());
        if !ours {
            return Ok(false);
        }
    }
    Ok(match store::walk(dest) {
        Ok(found) => found
            .iter()
            .all(|f| matches!(f, store::Found::Object { .. })),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    })
}

/// `.index.sqlite.backup-PID` (and its journal): where backups before this
/// version made their snapshot.
fn legacy_backup_temps(dir: &Path) -> Vec<PathBuf> {
    let prefix = format!(".{}.backup-", index::INDEX);
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

pub(super) fn backup(a: &Archive, dest: &Path) -> Result<BackupSummary, ArchiveError> {
    if dest.exists() && !dest.join(index::INDEX).is_file() && !interrupted_backup(dest)? {
        return Err(ArchiveError::NotEmpty {
            dir: dest.to_path_buf(),
        });
    }
    fs::create_dir_all(dest.join(store::OBJECTS)).map_err(io_err(dest))?;
    fs::create_dir_all(dest.join(store::TMP)).map_err(io_err(dest))?;
    // What a killed backup (or add) left behind: its snapshot in tmp/, or,
    // from earlier versions, `.index.sqlite.backup-PID` beside the index.
    store::clean_temp(dest);
    for p in legacy_backup_temps(dest) {
        if store::process_gone(&p) {
            let _ = fs::remove_file(&p);
        }
    }

    // 1. A snapshot of the index by SQLite's online backup (one step, so
    //    one read transaction: consistent even while others write). It is
    //    made in tmp/, where a killed backup's copy is found and removed.
    let pending = crate::atomic::Pending::in_folder(
        &dest.join(store::TMP),
        &dest.join(index::INDEX),
        0o666,
        crate::atomic::Durability::Synced,
    )
    .map_err(io_err(dest))?;
    let tmp = pending.path().to_path_buf();
    let src = a.read_conn()?;
    let snapshot = (|| -> rusqlite::Result<Vec<String>> {
        let mut dst = rusqlite::Connection::open(&tmp)?;
        {
            let b = rusqlite::backup::Backup::new(&src, &mut dst)?;
            let mut tries = 0;
            loop {
                match b.step(-1)? {
                    rusqlite::backup::StepResult::Done => break,
                    _ if tries < 600 => {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    _ => {
                        return Err(rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                            Some("the index stayed busy".into()),
                        ));
                    }
                }
            }
        }
        let mut st = dst.prepare("SELECT sha256 FROM documents ORDER BY id")?;
        let v = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    })();
    let hashes = match snapshot {
        Ok(h) => h,
        Err(source) => {
            return Err(ArchiveError::Db {
                path: a.index_path(),
                context: "online backup failed".into(),
                source,
            });
        }
    };
    let mut summary = BackupSummary {
        dest: dest.to_path_buf(),
        rows: hashes.len(),
        ..Default::default()
    };
    // 2. The objects the snapshot names (written before their rows
    //    committed, so they are all there).
    for sha in &hashes {
        let target = store::object_path(dest, sha);
        let src = store::object_path(&a.root, sha);
        if let (Ok(t), Ok(s)) = (fs::metadata(&target), fs::metadata(&src)) {
            if t.len() == s.len() {
                summary.objects_already_there += 1;
                continue;
            }
        }
        let bytes = match store::read_file(&src) {
            Ok(b) => b,
            Err(e) => {
                summary
                    .problems
                    .push(format!("{sha}: cannot read {}: {e}", src.display()));
                continue;
            }
        };
        let actual = store::sha256_hex(&bytes);
        if actual != *sha {
            summary.problems.push(format!(
                "{sha}: {} is corrupt (hashes to {actual}); not copied",
                src.display()
            ));
            continue;
        }
        match store::put(dest, sha, &bytes) {
            Ok(_) => summary.objects_copied += 1,
            Err(e) => {
                return Err(super::store_err(e));
            }
        }
    }
    // 3. The index, put in place last (the snapshot's connection is
    //    closed: nothing of it is left in a journal).
    let install = (|| -> std::io::Result<()> {
        for suffix in ["-wal", "-shm"] {
            let p = dest.join(format!("{}{suffix}", index::INDEX));
            if p.exists() {
                fs::remove_file(p)?;
            }
        }
        pending.replace()
    })();
    install.map_err(io_err(dest))?;
    Ok(summary)
}
