//! `cip check`: every requirement of the CIP framework as a rule with a
//! stable id. Rules return findings (severity, span, field path, message,
//! hint); nothing here prints or knows about PDFs. The only I/O is reading
//! the supporting documents the plan names, to hash them.

pub mod explain;
mod rules;

use std::path::Path;

use serde::Serialize;

use crate::model::{self, LoadError, Plan, Span};

pub use rules::RULES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in a plan.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable rule id, e.g. `step-target-missing`.
    pub rule: &'static str,
    pub severity: Severity,
    /// Field path, e.g. `deficiency[2].step[1].target`.
    pub path: String,
    /// Byte range in the plan source.
    #[serde(skip)]
    pub span: Option<Span>,
    /// 1-based line and column of the span start.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Plain words, usable in a letter to the company.
    pub message: String,
    /// What would be valid.
    pub hint: String,
    /// Index of the deficiency the finding belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deficiency: Option<usize>,
}

/// The result of checking one plan file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub file: String,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub source: String,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }
}

/// Check a loaded plan against every rule.
pub fn check(plan: &Plan) -> Vec<Finding> {
    let mut out = Findings {
        plan,
        list: Vec::new(),
    };
    for rule in rules::GROUPS {
        rule(plan, &mut out);
    }
    let mut list = out.list;
    list.sort_by_key(|f| (f.span.as_ref().map_or(0, |s| s.start), f.rule));
    list
}

/// Load and check a plan file. A file that is not readable TOML is an
/// `Err`; a TOML file whose shape is wrong gives a report with that finding.
pub fn check_file(path: &Path) -> Result<(Option<Plan>, Report), LoadError> {
    match model::load_file(path) {
        Ok(plan) => {
            let mut findings = check(&plan);
            findings.extend(case_findings(&plan, path));
            let report = Report {
                file: plan.source.name.clone(),
                source: plan.source.text.clone(),
                findings,
            };
            Ok((Some(plan), report))
        }
        Err(LoadError::Schema(errors)) => {
            let findings = errors
                .iter()
                .map(|e| {
                    let (line, column) = e
                        .span
                        .as_ref()
                        .map(|s| model::line_col(&e.text, s.start))
                        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
                    Finding {
                        rule: e.rule,
                        severity: Severity::Error,
                        path: e.path.clone(),
                        span: e.span.clone(),
                        line,
                        column,
                        message: e.message.clone(),
                        hint: e.hint.clone(),
                        deficiency: None,
                    }
                })
                .collect();
            let first = errors.first();
            Ok((
                None,
                Report {
                    file: first.map(|e| e.name.clone()).unwrap_or_default(),
                    source: first.map(|e| e.text.clone()).unwrap_or_default(),
                    findings,
                },
            ))
        }
        Err(e) => Err(e),
    }
}

/// Findings that need Customs' record of the plan: the case file beside it
/// (`PLAN.case.toml`), when there is one. A case file that cannot be read is
/// reported as a warning: the plan itself may still be fine.
fn case_findings(plan: &Plan, path: &Path) -> Vec<Finding> {
    let mut out = Findings {
        plan,
        list: Vec::new(),
    };
    match model::case::for_plan(plan, path, None, false) {
        Ok((case, Some(_))) => rules::requests(plan, &case, &mut out),
        Ok((_, None)) => {}
        Err(e) => out.push(
            "case-file-unreadable",
            "",
            None,
            None,
            format!("The case file beside the plan cannot be read: {e}"),
            "fix the case file, or move it away to check the plan alone",
        ),
    }
    out.list
}

/// Collects findings, filling in line and column from the span.
pub(crate) struct Findings<'a> {
    plan: &'a Plan,
    list: Vec<Finding>,
}

impl Findings<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: &'static str,
        path: impl Into<String>,
        span: Option<Span>,
        deficiency: Option<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let severity = rules::severity(rule);
        // A table's span covers all its lines; underlining its header line
        // is enough to show where it is, and keeps the diagnostic short.
        let span = span.map(|s| {
            let text = self.plan.source.text.get(s.clone()).unwrap_or("");
            match text.find('\n') {
                Some(nl) if nl > 0 => s.start..s.start + nl,
                _ => s,
            }
        });
        let (line, column) = match &span {
            Some(s) => {
                let (l, c) = self.plan.line_col(s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        self.list.push(Finding {
            rule,
            severity,
            path: path.into(),
            span,
            line,
            column,
            message: message.into(),
            hint: hint.into(),
            deficiency,
        });
    }
}

#[cfg(test)]
mod tests {
    /// Every rule id a finding is pushed with is listed in `RULES` (an
    /// unlisted id would silently become an error without a description).
    /// Rule ids are the kebab-case string literals of rules.rs after the table.
    #[test]
    fn every_pushed_rule_is_listed() {
        let source = include_str!("rules.rs");
        let body = &source[source.find("fn severity").unwrap_or(0)..];
        let is_id = |s: &str| {
            s.contains('-')
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        let used: Vec<&str> = body
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| is_id(s))
            .collect();
        assert!(used.len() > 45, "found only {} rule ids", used.len());
        for id in used {
            assert!(
                super::RULES.iter().any(|(r, _, _)| *r == id),
                "rule `{id}` is used but not listed in RULES"
            );
        }
    }
}
