//! Copying one archive into another, whatever their back ends: `cip
//! archive migrate` (a folder into S3 + PostgreSQL) and `backup` of a
//! shared archive (into a folder). Each object is read, re-hashed and
//! re-verified against its row before it is copied; each row keeps its
//! `added_at` and its add-time verification report. The copy uses the add
//! protocol of the destination (pending mark, object, row), so it can be
//! interrupted anywhere and run again: what is already there is kept.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::check::{VerifyArchiveReport, parse_anchors, recheck};
use super::{Archive, ArchiveError, BackupSummary, Extra, sha256_hex};

#[derive(Clone, Debug, Default, Serialize)]
pub struct MigrateSummary {
    pub from: PathBuf,
    pub to: PathBuf,
    /// Rows in the source.
    pub rows: usize,
    /// Rows (and objects) copied by this run.
    pub copied: usize,
    /// Rows the destination already had (an earlier, interrupted run).
    pub already_there: usize,
    /// Files not copied because they failed the check (missing, corrupt,
    /// no longer verifying, or different from their row).
    pub problems: Vec<String>,
}

pub(super) fn migrate(from: &Archive, to: &Archive) -> Result<MigrateSummary, ArchiveError> {
    to.ensure_writable()?;
    let rows = from.index.all().map_err(from.ix("cannot read the rows"))?;
    let ders = from
        .index
        .trust_anchors()
        .map_err(from.ix("cannot read the trust anchors"))?;
    let mut scratch = VerifyArchiveReport::default();
    let anchor_certs = parse_anchors(&ders, &mut scratch);
    let anchors: Vec<(String, Vec<u8>)> = ders.iter().map(|d| (sha256_hex(d), d.clone())).collect();
    let mut summary = MigrateSummary {
        from: from.root.clone(),
        to: to.root.clone(),
        rows: rows.len(),
        ..Default::default()
    };
    for rec in &rows {
        if to
            .index
            .find(&rec.sha256)
            .map_err(to.ix("cannot look up the file"))?
            .is_some()
        {
            summary.already_there += 1;
            continue;
        }
        let bytes = match from.read_object(&rec.sha256) {
            Ok(b) => b,
            Err(e) => {
                summary
                    .problems
                    .push(format!("{}: not copied: {e}", rec.sha256));
                continue;
            }
        };
        let mut check = VerifyArchiveReport::default();
        let shown = from.store.object_location(&rec.sha256);
        recheck(&bytes, rec, Some(&anchor_certs), &shown, &mut check);
        if !check.problems.is_empty() {
            for p in check.problems {
                summary
                    .problems
                    .push(format!("{}: not copied: {}", rec.sha256, p.detail));
            }
            continue;
        }
        let report = from
            .index
            .verify_report(&rec.sha256)
            .map_err(from.ix("cannot read the row"))?
            .unwrap_or_else(|| "{}".into());
        let extra = Extra {
            verify_report_json: &report,
            anchors: &anchors,
        };
        if to.commit(&bytes, rec, &extra)? {
            summary.copied += 1;
        } else {
            summary.already_there += 1;
        }
    }
    Ok(summary)
}

/// A shared archive's backup: a folder archive at `dest` (new, empty, or
/// an earlier backup brought up to date) with every row and object.
pub(super) fn backup_to_folder(a: &Archive, dest: &Path) -> Result<BackupSummary, ArchiveError> {
    let target = if dest.join(super::INDEX).is_file() {
        Archive::open(dest)?
    } else {
        Archive::init(dest)?
    };
    let m = migrate(a, &target)?;
    Ok(BackupSummary {
        dest: dest.to_path_buf(),
        rows: m.rows,
        objects_copied: m.copied,
        objects_already_there: m.already_there,
        problems: m.problems,
    })
}
