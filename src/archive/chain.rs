//! Revision chains: the archived submissions of one plan (same company and
//! assessment report), in revision order, each revision after the first
//! tied to the one before by the SHA-256 its signed `plan.toml` names
//! (`[plan] supersedes`, see `crate::revision`). Computed from the rows,
//! so it is the same on every back end; `verify` reports the breaks.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Record;

/// How a revision is tied to the one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Revision 1: supersedes nothing.
    First,
    /// Supersedes the archived previous revision, by its hash.
    Linked,
    /// The file it supersedes is not in the archive (or it names none).
    Gap,
    /// It names a hash that is not the archived previous revision.
    Mismatch,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChainLink {
    pub revision: i64,
    pub sha256: String,
    pub original_name: String,
    pub added_at: String,
    pub supersedes_sha256: Option<String>,
    pub supersedes_file: Option<String>,
    pub state: LinkState,
    /// What is wrong, in words (for `Gap` and `Mismatch`).
    pub detail: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Chain {
    pub company: Option<String>,
    pub assessment_report: Option<String>,
    /// Oldest revision first.
    pub links: Vec<ChainLink>,
}

impl Chain {
    pub fn ok(&self) -> bool {
        self.links
            .iter()
            .all(|l| matches!(l.state, LinkState::First | LinkState::Linked))
    }
}

fn short(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

/// The chains of every archived plan, grouped by (assessment report,
/// company), in the order their first revision was archived.
pub fn chains(rows: &[Record]) -> Vec<Chain> {
    let by_hash: BTreeMap<&str, &Record> = rows.iter().map(|r| (r.sha256.as_str(), r)).collect();
    // (assessment report, company) -> its plans, in order of first appearance.
    type Key = (Option<String>, Option<String>);
    let mut groups: Vec<(Key, Vec<&Record>)> = Vec::new();
    for r in rows.iter().filter(|r| r.kind == "plan") {
        let key = (r.assessment_report.clone(), r.company.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    groups
        .into_iter()
        .map(|((report, company), mut plans)| {
            plans.sort_by(|a, b| {
                (a.revision.unwrap_or(1), &a.added_at, &a.sha256).cmp(&(
                    b.revision.unwrap_or(1),
                    &b.added_at,
                    &b.sha256,
                ))
            });
            let links = plans.iter().map(|p| link(p, &plans, &by_hash)).collect();
            Chain {
                company,
                assessment_report: report,
                links,
            }
        })
        .collect()
}

fn link(p: &Record, group: &[&Record], by_hash: &BTreeMap<&str, &Record>) -> ChainLink {
    let revision = p.revision.unwrap_or(1);
    let (state, detail) = if revision <= 1 {
        (LinkState::First, None)
    } else {
        let previous: BTreeSet<&str> = group
            .iter()
            .filter(|q| q.revision.unwrap_or(1) == revision - 1)
            .map(|q| q.sha256.as_str())
            .collect();
        let named = p.supersedes_sha256.as_deref();
        let file = p
            .supersedes_file
            .as_deref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        match named {
            None => (
                LinkState::Gap,
                Some(format!(
                    "revision {revision} names no submission it supersedes ([plan] supersedes is missing)"
                )),
            ),
            Some(h) if previous.contains(h) => (LinkState::Linked, None),
            Some(h) if !previous.is_empty() => (
                LinkState::Mismatch,
                Some(format!(
                    "revision {revision} supersedes {}{file}, but the archived revision {} of this plan is {}",
                    short(h),
                    revision - 1,
                    previous
                        .iter()
                        .map(|s| short(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ),
            Some(h) => match by_hash.get(h) {
                Some(other) => (
                    LinkState::Mismatch,
                    Some(format!(
                        "revision {revision} supersedes {}{file}, which is archived as {} (revision {}, {} / {}), not as revision {} of this plan",
                        short(h),
                        other.kind,
                        other.revision.map_or("-".to_string(), |r| r.to_string()),
                        other.company.as_deref().unwrap_or("-"),
                        other.assessment_report.as_deref().unwrap_or("-"),
                        revision - 1
                    )),
                ),
                None => (
                    LinkState::Gap,
                    Some(format!(
                        "revision {revision} supersedes {}{file}, which is not in the archive (revision {} is missing)",
                        short(h),
                        revision - 1
                    )),
                ),
            },
        }
    };
    ChainLink {
        revision,
        sha256: p.sha256.clone(),
        original_name: p.original_name.clone(),
        added_at: p.added_at.clone(),
        supersedes_sha256: p.supersedes_sha256.clone(),
        supersedes_file: p.supersedes_file.clone(),
        state,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(sha: char, rev: i64, sup: Option<char>) -> Record {
        Record {
            sha256: sha.to_string().repeat(64),
            size: 1,
            kind: "plan".into(),
            letter_kind: None,
            company: Some("Acme".into()),
            assessment_report: Some("CA-1".into()),
            plan_toml_sha256: None,
            original_name: format!("r{rev}.pdf"),
            added_at: format!("2026-04-0{rev}T00:00:00Z"),
            trust: "trusted".into(),
            revision: Some(rev),
            supersedes_sha256: sup.map(|c| c.to_string().repeat(64)),
            supersedes_file: None,
            signatures: Vec::new(),
        }
    }

    fn states(rows: &[Record]) -> Vec<(i64, LinkState)> {
        let c = chains(rows);
        assert_eq!(c.len(), 1);
        c[0].links.iter().map(|l| (l.revision, l.state)).collect()
    }

    #[test]
    fn whole_gap_and_mismatch() {
        let whole = [
            plan('c', 3, Some('b')),
            plan('a', 1, None),
            plan('b', 2, Some('a')),
        ];
        assert_eq!(
            states(&whole),
            [
                (1, LinkState::First),
                (2, LinkState::Linked),
                (3, LinkState::Linked)
            ]
        );
        let gap = [plan('a', 1, None), plan('c', 3, Some('b'))];
        assert_eq!(states(&gap)[1], (3, LinkState::Gap));
        let wrong = [plan('a', 1, None), plan('b', 2, Some('e'))];
        assert_eq!(states(&wrong)[1], (2, LinkState::Mismatch));
        let unnamed = [plan('a', 1, None), plan('b', 2, None)];
        assert_eq!(states(&unnamed)[1], (2, LinkState::Gap));
    }
}
