//! The field-level difference between two submissions of a plan: what the
//! "Changes since revision N" page of a rendered plan lists and what
//! `cip diff` prints. One implementation, so that the page the company sends
//! and the account manager's comparison always say the same thing.
//!
//! Each change is one entry with its words already written (`text`), so
//! every output (terminal, JSON, PDF) shows the same sentence. A step that
//! changed several things is still one entry: a step that only moved its
//! target date is one line, not a paragraph.
//!
//! Steps have no ids in the plan format, so they are matched within their
//! deficiency: first by identical action text, then an unmatched old step is
//! paired with the unmatched new step whose wording is closest (a reworded
//! step), and whatever is left was removed or added.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::model::{self, Deficiency, Plan, Step, Validation, date, text};

/// One side of a comparison: the plan and the SHA-256 of each supporting
/// document (by document id; absent when the document has no file yet).
#[derive(Debug, Clone)]
pub struct Version {
    pub plan: Plan,
    pub document_sha256: BTreeMap<String, String>,
}

/// Every difference between two submissions, in plan order.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    pub old_revision: i64,
    pub new_revision: i64,
    pub changes: Vec<Change>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Added,
    Removed,
    Changed,
}

/// One changed thing: a step, a document, a deficiency's validation, ...
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub kind: Kind,
    /// `plan`, `official`, `deficiency`, `step`, `validation`, `document`,
    /// `extension`, `follow-up` or `response`.
    pub section: &'static str,
    /// What changed, e.g. `D1 step 3` or `document import-manual`.
    pub subject: String,
    /// The fields that differ (for `changed`), old and new as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// The change in words, as the changes page and the terminal show it.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl FieldChange {
    /// "target date 2026-12-18 → 2027-01-08", "completed set to 2026-12-01".
    fn words(&self) -> String {
        let label = self.field.replace('_', " ");
        match (&self.old, &self.new) {
            (None, Some(n)) => format!("{label} set to {n}"),
            (Some(o), None) => format!("{label} {o} removed"),
            (Some(o), Some(n)) if long(o) || long(n) => format!("{label} now “{n}”"),
            (Some(o), Some(n)) => format!("{label} {o} → {n}"),
            (None, None) => String::new(),
        }
    }
}

/// Free text too long to show old and new side by side on one line.
fn long(s: &str) -> bool {
    s.chars().count() > 60
}

/// The difference from `old` to `new`.
pub fn diff(old: &Version, new: &Version) -> Changes {
    let mut out = Vec::new();
    header(&old.plan, &new.plan, &mut out);
    officials(&old.plan, &new.plan, &mut out);
    documents(old, new, &mut out);
    deficiencies(&old.plan, &new.plan, &mut out);
    extensions(&old.plan, &new.plan, &mut out);
    follow_up(&old.plan, &new.plan, &mut out);
    responses(&old.plan, &new.plan, &mut out);
    Changes {
        old_revision: old.plan.revision(),
        new_revision: new.plan.revision(),
        changes: out,
    }
}

fn s(f: &model::Field<String>) -> Option<String> {
    text(f).map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn d(f: &model::Field<chrono::NaiveDate>) -> Option<String> {
    date(f).map(|d| d.to_string())
}

/// The fields of `pairs` whose old and new values differ.
fn compare(pairs: Vec<(&'static str, Option<String>, Option<String>)>) -> Vec<FieldChange> {
    pairs
        .into_iter()
        .filter(|(_, o, n)| o != n)
        .map(|(field, old, new)| FieldChange { field, old, new })
        .collect()
}

fn changed(
    out: &mut Vec<Change>,
    section: &'static str,
    subject: String,
    fields: Vec<FieldChange>,
) {
    if fields.is_empty() {
        return;
    }
    let words: Vec<String> = fields.iter().map(FieldChange::words).collect();
    out.push(Change {
        kind: Kind::Changed,
        section,
        text: format!("{subject}: {}", words.join("; ")),
        subject,
        fields,
    });
}

fn header(old: &Plan, new: &Plan, out: &mut Vec<Change>) {
    let (o, n) = (&old.header, &new.header);
    // `revision` and `supersedes` change with every submission by design;
    // the page's title already says which revision replaces which.
    let fields = compare(vec![
        ("company", s(&o.company), s(&n.company)),
        (
            "importer_number",
            s(&o.importer_number),
            s(&n.importer_number),
        ),
        (
            "assessment_report",
            s(&o.assessment_report),
            s(&n.assessment_report),
        ),
        ("report_date", d(&o.report_date), d(&n.report_date)),
        ("prepared", d(&o.prepared), d(&n.prepared)),
        ("submitted_to", s(&o.submitted_to), s(&n.submitted_to)),
    ]);
    changed(out, "plan", "Plan".into(), fields);
}

fn officials(old: &Plan, new: &Plan, out: &mut Vec<Change>) {
    let pairs = [
        (
            &old.responsible_official,
            &new.responsible_official,
            "Responsible official",
        ),
        (
            &old.approving_official,
            &new.approving_official,
            "Approving official",
        ),
    ];
    for (o, n, who) in pairs {
        let fields = compare(vec![
            ("name", s(&o.name), s(&n.name)),
            ("title", s(&o.title), s(&n.title)),
            ("email", s(&o.email), s(&n.email)),
            ("phone", s(&o.phone), s(&n.phone)),
            ("date", d(&o.date), d(&n.date)),
        ]);
        changed(out, "official", who.into(), fields);
    }
}

fn documents(old: &Version, new: &Version, out: &mut Vec<Change>) {
    let id = |d: &model::SupportingDocument| text(&d.id).unwrap_or("").to_string();
    let hash_words =
        |h: Option<&String>| h.map_or("no file yet".to_string(), |h| format!("SHA-256 {h}"));
    for n in &new.plan.documents {
        let key = id(n);
        let subject = format!("Document {key}");
        let new_hash = new.document_sha256.get(&key);
        let Some(o) = old.plan.document(&key) else {
            out.push(Change {
                kind: Kind::Added,
                section: "document",
                text: format!(
                    "{subject} added: {} ({})",
                    s(&n.title).unwrap_or_default(),
                    hash_words(new_hash)
                ),
                subject,
                fields: Vec::new(),
            });
            continue;
        };
        let old_hash = old.document_sha256.get(&key);
        let mut fields = compare(vec![
            ("title", s(&o.title), s(&n.title)),
            ("path", s(&o.path), s(&n.path)),
        ]);
        if old_hash != new_hash {
            // A new file under the same id: say "replaced" with both hashes,
            // the fact the account manager checks the attachment against.
            let what = match (old_hash, new_hash) {
                (Some(_), Some(_)) => "replaced",
                (None, Some(_)) => "now submitted",
                _ => "file withdrawn",
            };
            let mut words = vec![format!(
                "{subject} {what} ({} → {})",
                hash_words(old_hash),
                hash_words(new_hash)
            )];
            words.extend(fields.iter().map(FieldChange::words));
            fields.push(FieldChange {
                field: "sha256",
                old: old_hash.cloned(),
                new: new_hash.cloned(),
            });
            out.push(Change {
                kind: Kind::Changed,
                section: "document",
                text: words.join("; "),
                subject,
                fields,
            });
        } else {
            changed(out, "document", subject, fields);
        }
    }
    for o in &old.plan.documents {
        let key = id(o);
        if new.plan.document(&key).is_none() {
            out.push(Change {
                kind: Kind::Removed,
                section: "document",
                text: format!(
                    "Document {key} removed: {}",
                    s(&o.title).unwrap_or_default()
                ),
                subject: format!("Document {key}"),
                fields: Vec::new(),
            });
        }
    }
}

fn deficiency_label(i: usize, d: &Deficiency) -> String {
    text(&d.id).map_or_else(|| format!("Deficiency {}", i + 1), str::to_string)
}

fn deficiencies(old: &Plan, new: &Plan, out: &mut Vec<Change>) {
    let key =
        |i: usize, d: &Deficiency| text(&d.id).map_or_else(|| format!("#{i}"), str::to_string);
    for (i, n) in new.deficiencies.iter().enumerate() {
        let label = deficiency_label(i, n);
        let k = key(i, n);
        let Some(o) = old
            .deficiencies
            .iter()
            .enumerate()
            .find(|(j, o)| key(*j, o) == k)
            .map(|(_, o)| o)
        else {
            out.push(Change {
                kind: Kind::Added,
                section: "deficiency",
                text: format!(
                    "{label} added: {} ({} step(s))",
                    s(&n.area).unwrap_or_default(),
                    n.steps.len()
                ),
                subject: label,
                fields: Vec::new(),
            });
            continue;
        };
        let fields = compare(vec![
            ("area", s(&o.area), s(&n.area)),
            ("result_sheet", s(&o.result_sheet), s(&n.result_sheet)),
            ("condition", s(&o.condition), s(&n.condition)),
        ]);
        changed(out, "deficiency", label.clone(), fields);
        steps(&label, &o.steps, &n.steps, out);
        validation(&label, o.validation.as_ref(), n.validation.as_ref(), out);
    }
    for (j, o) in old.deficiencies.iter().enumerate() {
        let k = key(j, o);
        if !new
            .deficiencies
            .iter()
            .enumerate()
            .any(|(i, n)| key(i, n) == k)
        {
            let label = deficiency_label(j, o);
            out.push(Change {
                kind: Kind::Removed,
                section: "deficiency",
                text: format!("{label} removed: {}", s(&o.area).unwrap_or_default()),
                subject: label,
                fields: Vec::new(),
            });
        }
    }
}

/// The first words of a step's action, to name it in one line.
fn gist(step: &Step) -> String {
    let action = s(&step.action).unwrap_or_default();
    let words: Vec<&str> = action.split_whitespace().collect();
    if words.len() <= 8 {
        action
    } else {
        format!("{} …", words[..8].join(" "))
    }
}

fn words_of(step: &Step) -> HashSet<String> {
    s(&step.action)
        .unwrap_or_default()
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Share of words two actions have in common (Jaccard), 0..=1.
fn similarity(a: &Step, b: &Step) -> f64 {
    let (a, b) = (words_of(a), words_of(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// Below this share of common words two actions are different steps, not
/// one step reworded.
const REWORDED: f64 = 0.5;

/// Pairs (old index, new index) of matched steps.
fn match_steps(old: &[Step], new: &[Step]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut used_new = vec![false; new.len()];
    let mut used_old = vec![false; old.len()];
    for (i, o) in old.iter().enumerate() {
        let Some(a) = s(&o.action) else { continue };
        if let Some(j) =
            (0..new.len()).find(|&j| !used_new[j] && s(&new[j].action) == Some(a.clone()))
        {
            used_new[j] = true;
            used_old[i] = true;
            pairs.push((i, j));
        }
    }
    for (i, o) in old.iter().enumerate() {
        if used_old[i] {
            continue;
        }
        // Best remaining candidate; ties go to the earlier step, so the
        // result does not depend on anything but the two plans.
        let best = (0..new.len())
            .filter(|&j| !used_new[j])
            .map(|j| (similarity(o, &new[j]), j))
            .filter(|(sim, _)| *sim >= REWORDED)
            .fold(None::<(f64, usize)>, |acc, c| match acc {
                Some(a) if a.0 >= c.0 => Some(a),
                _ => Some(c),
            });
        if let Some((_, j)) = best {
            used_new[j] = true;
            used_old[i] = true;
            pairs.push((i, j));
        }
    }
    pairs.sort_by_key(|&(_, j)| j);
    pairs
}

fn departments(step: &Step) -> Option<String> {
    let v: Vec<&str> = step
        .departments
        .iter()
        .map(|d| d.value.trim())
        .filter(|d| !d.is_empty())
        .collect();
    (!v.is_empty()).then(|| v.join(", "))
}

fn doc_list(step: &Step) -> Option<String> {
    let v: Vec<&str> = step.documents.iter().map(|d| d.value.trim()).collect();
    (!v.is_empty()).then(|| v.join(", "))
}

fn steps(def: &str, old: &[Step], new: &[Step], out: &mut Vec<Change>) {
    let pairs = match_steps(old, new);
    for (j, n) in new.iter().enumerate() {
        let subject = format!("{def} step {}", j + 1);
        let Some(&(i, _)) = pairs.iter().find(|(_, nj)| *nj == j) else {
            let mut details = Vec::new();
            if let Some(t) = d(&n.target) {
                details.push(format!("target {t}"));
            }
            if let Some(dep) = departments(n) {
                details.push(dep);
            }
            let details = if details.is_empty() {
                String::new()
            } else {
                format!(" ({})", details.join(", "))
            };
            out.push(Change {
                kind: Kind::Added,
                section: "step",
                text: format!(
                    "{subject} added: {}{details}",
                    s(&n.action).unwrap_or_default()
                ),
                subject,
                fields: Vec::new(),
            });
            continue;
        };
        let o = &old[i];
        let fields = compare(vec![
            ("action", s(&o.action), s(&n.action)),
            ("target_date", d(&o.target), d(&n.target)),
            (
                "status",
                Some(o.status().as_str().to_string()),
                Some(n.status().as_str().to_string()),
            ),
            ("completed", d(&o.completed), d(&n.completed)),
            ("departments", departments(o), departments(n)),
            ("documents", doc_list(o), doc_list(n)),
        ]);
        if fields.is_empty() {
            continue;
        }
        let words: Vec<String> = fields
            .iter()
            .map(|f| {
                if f.field == "action" {
                    // The line names the step by its new wording; the old
                    // one is what the reader cannot see elsewhere.
                    format!("reworded (previously “{}”)", f.old.as_deref().unwrap_or(""))
                } else {
                    f.words()
                }
            })
            .collect();
        let renumbered = if i == j {
            String::new()
        } else {
            format!(" (was step {})", i + 1)
        };
        out.push(Change {
            kind: Kind::Changed,
            section: "step",
            text: format!("{subject}{renumbered} ({}): {}", gist(n), words.join("; ")),
            subject,
            fields,
        });
    }
    for (i, o) in old.iter().enumerate() {
        if !pairs.iter().any(|(oi, _)| *oi == i) {
            let subject = format!("{def} step {} (of the previous revision)", i + 1);
            out.push(Change {
                kind: Kind::Removed,
                section: "step",
                text: format!("{subject} removed: {}", s(&o.action).unwrap_or_default()),
                subject,
                fields: Vec::new(),
            });
        }
    }
}

fn validation(
    def: &str,
    old: Option<&Validation>,
    new: Option<&Validation>,
    out: &mut Vec<Change>,
) {
    let subject = format!("{def} validation");
    let empty = Validation::default();
    let (o, n) = match (old, new) {
        (None, None) => return,
        (Some(_), None) => {
            out.push(Change {
                kind: Kind::Removed,
                section: "validation",
                text: format!("{subject} removed"),
                subject,
                fields: Vec::new(),
            });
            return;
        }
        (o, Some(n)) => (o.unwrap_or(&empty), n),
    };
    let num = |f: &model::Field<i64>| f.as_ref().map(|v| v.value.to_string());
    let fields = compare(vec![
        ("methodology", s(&o.methodology), s(&n.methodology)),
        ("tester", s(&o.tester), s(&n.tester)),
        ("transactions", num(&o.transactions), num(&n.transactions)),
        ("begins", d(&o.begins), d(&n.begins)),
        ("concludes", d(&o.concludes), d(&n.concludes)),
        (
            "results_to_customs",
            d(&o.results_to_customs),
            d(&n.results_to_customs),
        ),
        ("results_sent", d(&o.results_sent), d(&n.results_sent)),
    ]);
    if old.is_none() {
        out.push(Change {
            kind: Kind::Added,
            section: "validation",
            text: format!("{subject} added"),
            subject,
            fields,
        });
    } else {
        changed(out, "validation", subject, fields);
    }
}

fn extensions(old: &Plan, new: &Plan, out: &mut Vec<Change>) {
    let count = old.extensions.len().max(new.extensions.len());
    for i in 0..count {
        let subject = format!("Extension {}", i + 1);
        match (old.extensions.get(i), new.extensions.get(i)) {
            (Some(o), Some(n)) => {
                let fields = compare(vec![
                    ("requested", d(&o.requested), d(&n.requested)),
                    ("granted", d(&o.granted), d(&n.granted)),
                    ("new_deadline", d(&o.new_deadline), d(&n.new_deadline)),
                    ("reason", s(&o.reason), s(&n.reason)),
                ]);
                changed(out, "extension", subject, fields);
            }
            (None, Some(n)) => out.push(Change {
                kind: Kind::Added,
                section: "extension",
                text: format!(
                    "{subject} added (requested {})",
                    d(&n.requested).unwrap_or_else(|| "—".into())
                ),
                subject,
                fields: Vec::new(),
            }),
            (Some(_), None) => out.push(Change {
                kind: Kind::Removed,
                section: "extension",
                text: format!("{subject} removed"),
                subject,
                fields: Vec::new(),
            }),
            (None, None) => {}
        }
    }
}

fn follow_up(old: &Plan, new: &Plan, out: &mut Vec<Change>) {
    let empty = model::FollowUp::default();
    let o = old.follow_up.as_ref().unwrap_or(&empty);
    let n = new.follow_up.as_ref().unwrap_or(&empty);
    let fields = compare(vec![
        ("requested", d(&o.requested), d(&n.requested)),
        ("started", d(&o.started), d(&n.started)),
        ("completed", d(&o.completed), d(&n.completed)),
        ("outcome", s(&o.outcome), s(&n.outcome)),
    ]);
    changed(out, "follow-up", "Follow-up review".into(), fields);
}

fn responses(old: &Plan, new: &Plan, out: &mut Vec<Change>) {
    let id = |r: &model::Response| text(&r.request).unwrap_or("").to_string();
    let docs = |r: &model::Response| {
        let v: Vec<&str> = r.documents.iter().map(|d| d.value.trim()).collect();
        (!v.is_empty()).then(|| v.join(", "))
    };
    for n in &new.responses {
        let key = id(n);
        let subject = format!("Response to request {key}");
        match old.responses.iter().find(|o| id(o) == key) {
            None => {
                let with = docs(n).map_or(String::new(), |d| format!(" (documents: {d})"));
                out.push(Change {
                    kind: Kind::Added,
                    section: "response",
                    text: format!("{subject} added: {}{with}", s(&n.text).unwrap_or_default()),
                    subject,
                    fields: Vec::new(),
                });
            }
            Some(o) => {
                let fields = compare(vec![
                    ("text", s(&o.text), s(&n.text)),
                    ("documents", docs(o), docs(n)),
                ]);
                changed(out, "response", subject, fields);
            }
        }
    }
    for o in &old.responses {
        let key = id(o);
        if !new.responses.iter().any(|n| id(n) == key) {
            let subject = format!("Response to request {key}");
            out.push(Change {
                kind: Kind::Removed,
                section: "response",
                text: format!("{subject} removed"),
                subject,
                fields: Vec::new(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(toml: &str) -> Version {
        let plan = model::parse("t.toml", Default::default(), toml.to_string()).expect("plan");
        Version {
            plan,
            document_sha256: BTreeMap::new(),
        }
    }

    const OLD: &str = "[[deficiency]]\nid = \"D1\"\n\n[[deficiency.step]]\naction = \"Train the staff on the revised classification procedure.\"\ntarget = 2026-12-18\n\n[[deficiency.step]]\naction = \"Add a field to the ERP item master.\"\ntarget = 2027-01-15\n";

    #[test]
    fn identical_plans_have_no_changes() {
        assert!(diff(&version(OLD), &version(OLD)).is_empty());
    }

    #[test]
    fn a_moved_date_is_one_line() {
        let new = OLD.replace("2026-12-18", "2027-01-08");
        let c = diff(&version(OLD), &version(&new));
        assert_eq!(c.changes.len(), 1, "{c:#?}");
        assert_eq!(
            c.changes[0].text,
            "D1 step 1 (Train the staff on the revised classification procedure.): target date 2026-12-18 → 2027-01-08"
        );
    }

    #[test]
    fn reworded_added_and_removed_steps() {
        let new = OLD
            .replace(
                "Train the staff on the revised classification procedure.",
                "Train all staff on the revised classification procedure.",
            )
            .replace("Add a field to the ERP item master.", "Hire an auditor.");
        let c = diff(&version(OLD), &version(&new));
        let kinds: Vec<(Kind, &str)> = c
            .changes
            .iter()
            .map(|c| (c.kind, c.subject.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (Kind::Changed, "D1 step 1"),
                (Kind::Added, "D1 step 2"),
                (Kind::Removed, "D1 step 2 (of the previous revision)")
            ]
        );
        assert!(
            c.changes[0].text.ends_with(
                ": reworded (previously “Train the staff on the revised classification procedure.”)"
            ),
            "{}",
            c.changes[0].text
        );
    }

    #[test]
    fn a_step_reported_done_is_one_line_with_its_status_and_date() {
        let new = OLD.replace(
            "target = 2026-12-18\n",
            "target = 2026-12-18\nstatus = \"done\"\ncompleted = 2026-12-16\n",
        );
        let c = diff(&version(OLD), &version(&new));
        assert_eq!(c.changes.len(), 1, "{c:#?}");
        assert!(
            c.changes[0]
                .text
                .ends_with(": status planned → done; completed set to 2026-12-16"),
            "{}",
            c.changes[0].text
        );
    }

    #[test]
    fn a_replaced_document_names_both_hashes() {
        let toml = "[[document]]\nid = \"m\"\ntitle = \"Manual\"\npath = \"m.md\"\n";
        let mut old = version(toml);
        let mut new = version(toml);
        old.document_sha256.insert("m".into(), "aa".repeat(32));
        new.document_sha256.insert("m".into(), "bb".repeat(32));
        let c = diff(&old, &new);
        assert_eq!(c.changes.len(), 1);
        assert_eq!(
            c.changes[0].text,
            format!(
                "Document m replaced (SHA-256 {} → SHA-256 {})",
                "aa".repeat(32),
                "bb".repeat(32)
            )
        );
    }
}
