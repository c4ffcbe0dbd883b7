//! What a signed PDF is, from its embedded files: a letter (`letter.json`),
//! a plan (`plan.toml`, parsed with the plan model for the company and the
//! assessment report), or "other".

use std::path::PathBuf;

use serde::Deserialize;

use super::store::sha256_hex;

use crate::manifest::{LETTER_FILE as LETTER_JSON, PLAN_FILE as PLAN_TOML};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Classified {
    /// "plan", "letter" or "other".
    pub kind: &'static str,
    pub letter_kind: Option<String>,
    pub company: Option<String>,
    pub assessment_report: Option<String>,
    pub plan_toml_sha256: Option<String>,
    /// A plan's `[plan] revision` (1 when absent) and what it supersedes.
    pub revision: Option<i64>,
    pub supersedes_sha256: Option<String>,
    pub supersedes_file: Option<String>,
    /// Why a field could not be read (e.g. an unparsable `plan.toml`).
    pub notes: Vec<String>,
}

#[derive(Deserialize)]
struct LetterJson {
    kind: Option<String>,
    company: Option<String>,
    assessment_report: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Classifies by the embedded files (name, bytes) of a PDF.
pub fn classify(files: &[(String, Vec<u8>)]) -> Classified {
    let find = |name: &str| files.iter().find(|(n, _)| n == name).map(|(_, b)| b);
    let mut c = Classified {
        kind: "other",
        ..Default::default()
    };
    let plan = find(PLAN_TOML);
    c.plan_toml_sha256 = plan.map(|b| sha256_hex(b));
    if let Some(bytes) = plan {
        c.kind = "plan";
        match crate::model::parse_bytes(PLAN_TOML, PathBuf::new(), bytes.clone()) {
            Ok(p) => {
                c.revision = Some(p.revision());
                c.company = non_empty(p.header.company.map(|f| f.value));
                if let Some(sup) = &p.header.supersedes {
                    c.supersedes_sha256 = non_empty(sup.sha256.as_ref().map(|f| f.value.clone()))
                        .map(|h| h.to_ascii_lowercase());
                    c.supersedes_file = non_empty(sup.file.as_ref().map(|f| f.value.clone()));
                }
                c.assessment_report = non_empty(p.header.assessment_report.map(|f| f.value));
            }
            Err(e) => c
                .notes
                .push(format!("the embedded plan.toml cannot be read: {e}")),
        }
    }
    if let Some(bytes) = find(LETTER_JSON) {
        c.kind = "letter";
        // Revisions are a plan's: a letter quoting a plan is not one.
        c.revision = None;
        c.supersedes_sha256 = None;
        c.supersedes_file = None;
        match serde_json::from_slice::<LetterJson>(bytes) {
            Ok(l) => {
                c.letter_kind = non_empty(l.kind);
                // The letter names its company; a plan embedded in it only
                // fills what the letter leaves out.
                c.company = non_empty(l.company).or(c.company.take());
                c.assessment_report = non_empty(l.assessment_report).or(c.assessment_report.take());
            }
            Err(e) => c
                .notes
                .push(format!("the embedded letter.json cannot be read: {e}")),
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str =
        "[plan]\ncompany = \"Acme Imports, Inc.\"\nassessment_report = \"CA-2026-NY-0412\"\n";

    #[test]
    fn plan_letter_other() {
        let plan = classify(&[("plan.toml".into(), PLAN.as_bytes().to_vec())]);
        assert_eq!(plan.kind, "plan");
        assert_eq!(plan.company.as_deref(), Some("Acme Imports, Inc."));
        assert_eq!(plan.assessment_report.as_deref(), Some("CA-2026-NY-0412"));
        assert_eq!(plan.plan_toml_sha256, Some(sha256_hex(PLAN.as_bytes())));
        assert_eq!(plan.revision, Some(1));
        assert_eq!(plan.supersedes_sha256, None);

        let rev2 = format!(
            "{PLAN}revision = 2\nsupersedes = {{ file = \"acme.pdf\", sha256 = \"{}\" }}\n",
            "AB".repeat(32)
        );
        let rev2 = classify(&[("plan.toml".into(), rev2.into_bytes())]);
        assert_eq!(rev2.revision, Some(2));
        assert_eq!(rev2.supersedes_sha256, Some("ab".repeat(32)));
        assert_eq!(rev2.supersedes_file.as_deref(), Some("acme.pdf"));

        let letter = classify(&[(
            "letter.json".into(),
            br#"{"kind": "acceptance", "company": "Beta LLC", "assessment_report": "CA-1"}"#
                .to_vec(),
        )]);
        assert_eq!(letter.kind, "letter");
        assert_eq!(letter.letter_kind.as_deref(), Some("acceptance"));
        assert_eq!(letter.company.as_deref(), Some("Beta LLC"));
        assert_eq!(letter.plan_toml_sha256, None);

        let other = classify(&[("readme.txt".into(), b"x".to_vec())]);
        assert_eq!(other.kind, "other");
        assert_eq!(other.company, None);

        let broken = classify(&[("plan.toml".into(), b"[plan\n".to_vec())]);
        assert_eq!(broken.kind, "plan");
        assert_eq!(broken.company, None);
        assert_eq!(broken.notes.len(), 1);
    }
}
