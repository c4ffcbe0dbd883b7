//! `cip check --explain RULE`: where a rule comes from (the framework's own
//! sentence, or the plan format for the rules that keep input honest) and a
//! plan fragment that satisfies it.

use super::{RULES, Severity};

/// One part of the framework (or of the plan format) and the rules it gives.
pub struct Section {
    pub title: &'static str,
    /// The framework's words, verbatim; for format rules, why they exist.
    pub source: &'static str,
    /// A plan fragment that satisfies the section's rules.
    pub example: &'static str,
    /// Rule ids (exact) or prefixes ending in `-`.
    rules: &'static [&'static str],
}

pub struct Explanation {
    pub id: &'static str,
    pub severity: Severity,
    pub enforces: &'static str,
    pub section: &'static Section,
}

const SECTIONS: &[Section] = &[
    Section {
        title: "The plan format (not a framework rule)",
        source: "These rules keep the input honest: a misspelt key, a quoted date or a character \
                 the PDF font cannot show would otherwise be silently ignored or lost, and a plan \
                 that is not what its author meant would be signed.",
        example: "[plan]\nreport_date = 2026-10-01   # a TOML date: no quotes, no time\n",
        rules: &[
            "unreadable",
            "not-utf8",
            "too-large",
            "toml-syntax",
            "unknown-key",
            "wrong-type",
            "invalid-value",
            "placeholder",
            "unsupported-character",
            "bidi-control",
        ],
    },
    Section {
        title: "CIP Description; Timeframes",
        source: "The plan should be transmitted in writing by the company at the corporate level \
                 to the appropriate AM or the designated CIP point of contact. [...] Companies will \
                 be given a conditional period of six months from the date of the report to \
                 implement their CIP before being placed in a higher compliance risk category.",
        example: "[plan]\ncompany = \"Acme Imports, Inc.\"\nassessment_report = \"CA-2026-NY-0412\"\n\
                  report_date = 2026-10-01\nprepared = 2026-11-20\n\
                  submitted_to = \"Patricia Okafor, Account Manager\"\n",
        rules: &[
            "company-missing",
            "assessment-report-missing",
            "report-date-missing",
            "prepared-missing",
            "submitted-to-missing",
            "prepared-before-report",
        ],
    },
    Section {
        title: "Responsible Official",
        source: "The CIP should identify the name and title of the person assigned to coordinate \
                 the CIP process. That person should be the company's primary point of contact \
                 regarding the CIP.",
        example: "[responsible_official]\nname = \"Maria Alvarez\"\ntitle = \"Director, Trade Compliance\"\n\
                  email = \"m.alvarez@acme.example\"\n",
        rules: &["responsible-official-"],
    },
    Section {
        title: "Approving Official",
        source: "The CIP should be signed and transmitted at the corporate level and include the \
                 name and the position title of the office and the date issued.",
        example: "[approving_official]\nname = \"Robert Chen\"\ntitle = \"Chief Financial Officer\"\n\
                  date = 2026-11-24\n",
        rules: &["approving-official-", "issued-before-prepared"],
    },
    Section {
        title: "Deficiency Disclosed on the Result Sheet",
        source: "The CIP should clearly state the deficiencies found during the CA for each \
                 non-compliant area and should refer to the result sheet(s) describing the \
                 non-compliant condition.",
        example: "[[deficiency]]\nid = \"D1\"\narea = \"Classification\"\nresult_sheet = \"RS-2\"\n\
                  condition = \"Entries of parts were classified without a documented ruling search.\"\n",
        rules: &[
            "no-deficiency",
            "deficiency-",
            "result-sheet-missing",
            "condition-missing",
        ],
    },
    Section {
        title: "Target Dates",
        source: "A target date should be established for each action step required to correct a \
                 deficiency. The company should inform Customs when it expects to complete the \
                 associated corrective action steps.",
        example: "[[deficiency.step]]\naction = \"Adopt a written classification procedure.\"\n\
                  target = 2026-12-15\n",
        rules: &[
            "step-target-missing",
            "step-target-passed",
            "beyond-conditional-period",
        ],
    },
    Section {
        title: "Responsible Department",
        source: "In some cases, there may be more than one department responsible for addressing \
                 an action step. The action plan should reference the department assigned to \
                 address each action step.",
        example: "[[deficiency.step]]\naction = \"Adopt a written classification procedure.\"\n\
                  department = [\"Trade Compliance\", \"Engineering\"]\n",
        rules: &["step-department-missing"],
    },
    Section {
        title: "Supporting Documentation",
        source: "Copies of supporting documentation (department operating manuals illustrating \
                 the change, policy statements or other evidence documenting the corrective \
                 action for those action steps already completed) should be attached to the CIP.",
        example: "[[document]]\nid = \"import-manual\"\ntitle = \"Import Procedure Manual, revision 4\"\n\
                  path = \"docs/import-manual.md\"\n\n[[deficiency.step]]\n\
                  action = \"Adopt a written classification procedure.\"\nstatus = \"done\"\n\
                  completed = 2026-11-12\ndocuments = [\"import-manual\"]\n",
        rules: &[
            "step-done-undocumented",
            "step-document-unknown",
            "document-",
        ],
    },
    Section {
        title: "Action Steps",
        source: "The company should include a full explanation of any corrective action steps \
                 taken and/or action steps that are anticipated to correct the non-compliant \
                 areas. A step-by-step outline is necessary for the integration of each affected \
                 department involved with the company's Customs transactions.",
        example: "[[deficiency.step]]\naction = \"Train purchasing staff on the procedure.\"\n\
                  status = \"done\"\ncompleted = 2026-11-30\n",
        rules: &["no-steps", "step-"],
    },
    Section {
        title: "Validation Action",
        source: "As the final action step the company should describe the validation action. It \
                 should include the testing methodology to be used, who will conduct the testing, \
                 number of transactions to be tested, date testing will begin and conclude, and \
                 when the results will be forwarded to Customs.",
        example: "[deficiency.validation]\nmethodology = \"Independent re-classification of a random sample.\"\n\
                  tester = \"Internal Audit Department\"\ntransactions = 60\nbegins = 2027-01-25\n\
                  concludes = 2027-02-19\nresults_to_customs = 2027-03-05\n",
        rules: &["validation-", "results-"],
    },
    Section {
        title: "Status letters and revisions",
        source: "Upon receipt of the CIP, the company will be notified in writing as to the status \
                 of the CIP and its related supporting documentation. The letters will inform the \
                 company as to whether the CIP and supporting documentation reasonably address \
                 the deficiencies noted on the audit result sheets and/or if additional \
                 information is necessary.",
        example: "[plan]\nrevision = 2\nsupersedes = { file = \"acme-r1.pdf\", sha256 = \"<SHA-256 of acme-r1.pdf>\" }\n\n\
                  [[response]]\nrequest = \"AI-2026-12-10-1\"\n\
                  text = \"The training sessions were moved to January 2027.\"\n",
        rules: &[
            "revision-",
            "supersedes-",
            "response-",
            "request-",
            "case-file-",
        ],
    },
    Section {
        title: "Timeframes",
        source: "If, at the end of the six month conditional period, the company has not \
                 implemented the CIP, but has demonstrated significant progress, extensions may \
                 be granted, if requested by the company. [...] Upon full implementation of the \
                 CIP, Customs will conduct a follow-up review [...]",
        example: "# In the case file (PLAN.case.toml), which the account manager keeps:\n\
                  [[extension]]\nrequested = 2027-03-15\ndecided = 2027-03-25\ndecision = \"granted\"\n\
                  new_deadline = 2027-06-30\n",
        rules: &["extension-", "follow-up-"],
    },
];

fn matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('-') {
        Some(prefix) => id.starts_with(prefix) && id.len() > prefix.len(),
        None => pattern == id,
    }
}

/// The section a rule comes from: the first whose list names it.
pub fn section_of(id: &str) -> Option<&'static Section> {
    SECTIONS
        .iter()
        .find(|s| s.rules.iter().any(|p| matches(p, id)))
}

/// Everything `--explain` prints about rule `id`, or `None` for an id that
/// is not a rule.
pub fn explain(id: &str) -> Option<Explanation> {
    let (id, severity, enforces) = RULES.iter().find(|(r, _, _)| *r == id)?;
    Some(Explanation {
        id,
        severity: *severity,
        enforces,
        section: section_of(id)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_source() {
        let orphans: Vec<&str> = RULES
            .iter()
            .map(|(id, _, _)| *id)
            .filter(|id| section_of(id).is_none())
            .collect();
        assert!(orphans.is_empty(), "rules without a section: {orphans:?}");
    }

    #[test]
    fn the_quotes_are_the_framework_text() {
        let framework = include_str!("../../docs/cip-framework.txt")
            .replace('\u{2019}', "'")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for s in SECTIONS.iter().skip(1) {
            for part in s.source.split("[...]") {
                let part = part.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(
                    framework.contains(&part),
                    "{}: not verbatim from the framework: {part}",
                    s.title
                );
            }
        }
    }

    #[test]
    fn the_examples_are_toml() {
        for s in SECTIONS {
            if let Err(e) = s.example.parse::<toml::Table>() {
                panic!("{}: example is not TOML: {e}", s.title);
            }
        }
    }

    #[test]
    fn steps_rules_find_their_specific_section_first() {
        assert_eq!(
            section_of("step-target-missing").map(|s| s.title),
            Some("Target Dates")
        );
        assert_eq!(
            section_of("step-action-missing").map(|s| s.title),
            Some("Action Steps")
        );
        assert!(section_of("nonexistent").is_none());
    }
}
