//! Customs' decisions on one plan, as the account manager records them: the
//! case file (`PLAN.case.toml` next to the plan, or `--case FILE`).
//!
//! The plan belongs to the company; what Customs decided (acceptance,
//! requests for information, extension decisions, the follow-up review, risk
//! category designations) belongs to the account manager and lives here, each
//! with its date. The file is a log: `cip letter` appends the decision a
//! letter communicates and never rewrites what is there, so the AM's own
//! comments and earlier entries stay as written.
//!
//! Plans written before the case file existed carry `[[extension]]` and
//! `[follow_up]` themselves; [`Case::from_plan`] reads those as the record
//! when no case file is given, so old plans keep working.
//!
//! This module only reads and writes the record. What the dates mean against
//! the framework's periods (is a decision in force, does a grant follow a
//! request) is decided in `lifecycle`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use serde_spanned::Spanned;
use toml_edit::Datetime;

use super::{Plan, Sp, Span, line_col, text};

/// Case files larger than this are refused; a real one is a few KB.
pub const MAX_CASE_BYTES: u64 = 1024 * 1024;

/// The compliance risk categories, in the framework's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Category {
    #[serde(rename = "standard")]
    Standard,
    #[serde(rename = "a higher compliance risk category")]
    Higher,
}

impl Category {
    /// "standard" or "a higher compliance risk category" (TIMEFRAMES).
    pub fn words(self) -> &'static str {
        match self {
            Category::Standard => "standard",
            Category::Higher => "a higher compliance risk category",
        }
    }

    /// The words as a case file or LETTER.toml may give them.
    pub fn parse(s: &str) -> Option<Category> {
        match s.trim().to_lowercase().as_str() {
            "standard" | "\"standard\"" => Some(Category::Standard),
            "a higher compliance risk category" | "higher compliance risk category" | "higher" => {
                Some(Category::Higher)
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.words())
    }
}

/// Customs' answer to an extension request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Granted,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Granted => "granted",
            Outcome::Denied => "denied",
        }
    }
}

/// Where the record came from (for messages and for `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A case file.
    CaseFile,
    /// The plan's own `[[extension]]` / `[follow_up]` (before case files).
    Plan,
    /// Nothing recorded.
    Empty,
}

#[derive(Debug, Clone, Default)]
pub struct CaseHeader {
    pub company: Option<String>,
    pub assessment_report: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Acceptance {
    pub span: Span,
    pub date: Sp<NaiveDate>,
    pub letter: Option<String>,
}

#[derive(Debug, Clone)]
pub struct InfoRequest {
    pub span: Span,
    /// The request's id as recorded (`id = "..."`); without one, the id is
    /// derived from its date (see [`Case::requests`]).
    pub id: Option<String>,
    pub date: Sp<NaiveDate>,
    pub items: Option<u32>,
    pub due: Option<Sp<NaiveDate>>,
    pub letter: Option<String>,
}

/// An extension request, Customs' decision on it, or both. Entries with the
/// same `requested` date are one request (the request is recorded when it
/// arrives, the decision when it is made).
#[derive(Debug, Clone, Default)]
pub struct ExtensionRecord {
    pub span: Span,
    pub requested: Option<Sp<NaiveDate>>,
    pub decided: Option<Sp<NaiveDate>>,
    pub decision: Option<Sp<Outcome>>,
    pub new_deadline: Option<Sp<NaiveDate>>,
    pub reason: Option<String>,
    pub letter: Option<String>,
}

/// Customs' follow-up review. Several entries are merged in file order, a
/// later date replacing an earlier one.
#[derive(Debug, Clone, Default)]
pub struct FollowUpRecord {
    pub span: Span,
    pub requested: Option<Sp<NaiveDate>>,
    pub started: Option<Sp<NaiveDate>>,
    pub completed: Option<Sp<NaiveDate>>,
    pub outcome: Option<String>,
    pub letter: Option<String>,
}

/// A compliance risk category designation, communicated in writing.
#[derive(Debug, Clone)]
pub struct Designation {
    pub span: Span,
    pub category: Sp<Category>,
    pub effective: Sp<NaiveDate>,
    /// The date of the letter that designated it.
    pub decided: Option<Sp<NaiveDate>>,
    pub reason: Option<String>,
    pub letter: Option<String>,
}

/// Customs' recorded decisions on one plan.
#[derive(Debug, Clone)]
pub struct Case {
    /// File name for messages ("acme.case.toml", or the plan's name when
    /// the record is the plan's own tables).
    pub name: String,
    pub text: String,
    pub origin: Origin,
    pub header: CaseHeader,
    pub acceptances: Vec<Acceptance>,
    pub info_requests: Vec<InfoRequest>,
    pub extensions: Vec<ExtensionRecord>,
    pub follow_up: Vec<FollowUpRecord>,
    pub designations: Vec<Designation>,
    /// Overrides recorded with letters (`--force --reason`), for the record.
    pub overrides: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{path}: cannot read the case file: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {size} bytes is too large for a case file (limit {MAX_CASE_BYTES} bytes)")]
    TooLarge { path: String, size: u64 },
    #[error("{path}:{line}:{column}: {field}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        field: String,
        message: String,
    },
    #[error(
        "{path}: the case file is for {what} `{case}`, but the plan says `{plan}`; is it the right case file?"
    )]
    Mismatch {
        path: String,
        what: &'static str,
        case: String,
        plan: String,
    },
}

impl Case {
    /// No decisions recorded.
    pub fn empty(name: &str) -> Case {
        Case {
            name: name.to_string(),
            text: String::new(),
            origin: Origin::Empty,
            header: CaseHeader::default(),
            acceptances: Vec::new(),
            info_requests: Vec::new(),
            extensions: Vec::new(),
            follow_up: Vec::new(),
            designations: Vec::new(),
            overrides: Vec::new(),
        }
    }

    /// The decisions a plan records itself (`[[extension]]`, `[follow_up]`),
    /// as plans did before case files: a granted date is a decision to
    /// grant; an extension without one is a request still pending.
    pub fn from_plan(plan: &Plan) -> Case {
        let mut c = Case::empty(&plan.source.name);
        c.text = plan.source.text.clone();
        for e in &plan.extensions {
            c.extensions.push(ExtensionRecord {
                span: e.span.clone(),
                requested: e.requested.clone(),
                decided: e.granted.clone(),
                decision: e.granted.as_ref().map(|g| Sp {
                    value: Outcome::Granted,
                    span: g.span.clone(),
                }),
                new_deadline: e.new_deadline.clone(),
                reason: text(&e.reason).map(str::to_string),
                letter: None,
            });
        }
        if let Some(f) = &plan.follow_up {
            c.follow_up.push(FollowUpRecord {
                span: f.span.clone(),
                requested: f.requested.clone(),
                started: f.started.clone(),
                completed: f.completed.clone(),
                outcome: text(&f.outcome).map(str::to_string),
                letter: None,
            });
        }
        if !c.extensions.is_empty() || !c.follow_up.is_empty() {
            c.origin = Origin::Plan;
        }
        c
    }

    /// This record with `entry` added, as if appended to the file.
    pub fn with_entry(&self, entry: &Entry) -> Result<Case, CaseError> {
        let add = parse(&format!("{} (this letter)", self.name), &entry.toml())?;
        let mut c = self.clone();
        c.acceptances.extend(add.acceptances);
        c.info_requests.extend(add.info_requests);
        c.extensions.extend(add.extensions);
        c.follow_up.extend(add.follow_up);
        c.designations.extend(add.designations);
        c.overrides.extend(add.overrides);
        if c.origin == Origin::Empty {
            c.origin = Origin::CaseFile;
        }
        Ok(c)
    }

    /// "file:line:column" of a span of this record.
    /// Every additional-information request with its id: the recorded `id`,
    /// else `AI-<date>-<n>`, n counting the requests of that day from 1 in
    /// the order recorded (the id a `[[response]]` names).
    pub fn requests(&self) -> Vec<(String, &InfoRequest)> {
        let mut out = Vec::new();
        for (i, r) in self.info_requests.iter().enumerate() {
            let id = r.id.clone().unwrap_or_else(|| {
                let n = self.info_requests[..=i]
                    .iter()
                    .filter(|o| o.date.value == r.date.value)
                    .count();
                format!("AI-{}-{n}", r.date.value)
            });
            out.push((id, r));
        }
        out
    }

    pub fn at(&self, span: &Span) -> String {
        let (l, c) = line_col(&self.text, span.start);
        format!("{}:{l}:{c}", self.name)
    }

    /// The case file belongs to another plan (company or report differ).
    pub fn matches(&self, plan: &Plan) -> Result<(), CaseError> {
        let pairs = [
            (
                "assessment report",
                self.header.assessment_report.as_deref(),
                plan.assessment_report(),
            ),
            ("company", self.header.company.as_deref(), plan.company()),
        ];
        for (what, case, planned) in pairs {
            if let Some(case) = case.map(str::trim).filter(|s| !s.is_empty()) {
                if case != planned.trim() {
                    return Err(CaseError::Mismatch {
                        path: self.name.clone(),
                        what,
                        case: case.to_string(),
                        plan: planned.to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// The case file a plan has by default: `acme.toml` → `acme.case.toml`,
/// `acme-signed.pdf` → `acme-signed.case.toml`, in the plan's folder.
pub fn default_path(plan: &Path) -> PathBuf {
    let stem = plan
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan".into());
    plan.with_file_name(format!("{stem}.case.toml"))
}

/// The record for a plan: `explicit` if given (it must exist), else the
/// plan's default case file when it exists, else the plan's own tables.
/// Returns the record and the case file's path (when one applies).
///
/// With `create`, an explicit case file that does not exist yet is no
/// error: the record is the plan's own tables until the first decision is
/// appended (see [`append`], which migrates them).
pub fn for_plan(
    plan: &Plan,
    plan_path: &Path,
    explicit: Option<&Path>,
    create: bool,
) -> Result<(Case, Option<PathBuf>), CaseError> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => Some(default_path(plan_path)).filter(|p| p.is_file()),
    };
    match path {
        Some(p) if create && !p.exists() => Ok((Case::from_plan(plan), Some(p))),
        Some(p) => {
            let case = load(&p)?;
            case.matches(plan)?;
            Ok((case, Some(p)))
        }
        None => Ok((Case::from_plan(plan), None)),
    }
}

/// The plan's own `[[extension]]` / `[follow_up]` as case-file entries, so
/// that a new case file starts with what the plan recorded.
pub fn migrated(plan: &Plan) -> Vec<Entry> {
    let mut out = Vec::new();
    for e in &plan.extensions {
        let granted = e.granted.as_ref().map(|g| g.value);
        out.push(
            Entry::new("extension")
                .date("requested", e.requested.as_ref().map(|d| d.value))
                .date("decided", granted)
                .text("decision", granted.map(|_| "granted"))
                .date("new_deadline", e.new_deadline.as_ref().map(|d| d.value))
                .text("reason", text(&e.reason)),
        );
    }
    if let Some(f) = &plan.follow_up {
        out.push(
            Entry::new("follow_up")
                .date("requested", f.requested.as_ref().map(|d| d.value))
                .date("started", f.started.as_ref().map(|d| d.value))
                .date("completed", f.completed.as_ref().map(|d| d.value))
                .text("outcome", text(&f.outcome)),
        );
    }
    out.retain(|e| !e.fields.is_empty());
    out
}

/// Read a case file.
pub fn load(path: &Path) -> Result<Case, CaseError> {
    let shown = path.display().to_string();
    let io = |source| CaseError::Io {
        path: shown.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_CASE_BYTES {
        return Err(CaseError::TooLarge { path: shown, size });
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    parse(&shown, &text)
}

/// Parse case-file text named `name` in messages.
pub fn parse(name: &str, text: &str) -> Result<Case, CaseError> {
    let invalid = |span: Option<Span>, field: String, message: String| {
        let (line, column) = line_col(text, span.map_or(0, |s| s.start));
        CaseError::Invalid {
            path: name.to_string(),
            line,
            column,
            field,
            message,
        }
    };
    let doc = toml_edit::ImDocument::parse(text.to_string())
        .map_err(|e| invalid(e.span(), "(syntax)".into(), e.message().trim().to_string()))?;
    let de = toml_edit::de::Deserializer::from(doc);
    let raw: RawCase = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = super::load::display_path(e.path());
        let inner = e.inner();
        invalid(inner.span(), field, inner.message().trim().to_string())
    })?;
    let d = |f: Spanned<Datetime>, field: String| -> Result<Sp<NaiveDate>, CaseError> {
        let span = f.span();
        let dt = f.into_inner();
        super::dates::from_toml(&dt)
            .ok()
            .map(|value| Sp {
                value,
                span: span.clone(),
            })
            .ok_or_else(|| {
                invalid(
                    Some(span),
                    field,
                    format!("`{dt}` is not a plain calendar date; write e.g. 2027-03-25"),
                )
            })
    };
    let od = |f: Option<Spanned<Datetime>>, field: String| f.map(|f| d(f, field)).transpose();
    let words = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());

    let mut case = Case::empty(name);
    case.text = text.to_string();
    case.origin = Origin::CaseFile;
    if let Some(h) = raw.case {
        case.header = CaseHeader {
            company: words(h.company),
            assessment_report: words(h.assessment_report),
        };
    }
    for (i, a) in raw.acceptance.into_iter().enumerate() {
        let span = a.span();
        let a = a.into_inner();
        case.acceptances.push(Acceptance {
            span,
            date: d(a.date, format!("acceptance[{i}].date"))?,
            letter: words(a.letter),
        });
        if let Some(r) = words(a.override_reason) {
            case.overrides.push(r);
        }
    }
    for (i, r) in raw.additional_information.into_iter().enumerate() {
        let span = r.span();
        let r = r.into_inner();
        case.info_requests.push(InfoRequest {
            span,
            id: words(r.id),
            date: d(r.date, format!("additional_information[{i}].date"))?,
            items: r.items,
            due: od(r.due, format!("additional_information[{i}].due"))?,
            letter: words(r.letter),
        });
        if let Some(o) = words(r.override_reason) {
            case.overrides.push(o);
        }
    }
    for (i, e) in raw.extension.into_iter().enumerate() {
        let span = e.span();
        let e = e.into_inner();
        let p = format!("extension[{i}]");
        case.extensions.push(ExtensionRecord {
            span,
            requested: od(e.requested, format!("{p}.requested"))?,
            decided: od(e.decided, format!("{p}.decided"))?,
            decision: e.decision.map(|x| {
                let span = x.span();
                Sp {
                    value: x.into_inner(),
                    span,
                }
            }),
            new_deadline: od(e.new_deadline, format!("{p}.new_deadline"))?,
            reason: words(e.reason),
            letter: words(e.letter),
        });
        if let Some(o) = words(e.override_reason) {
            case.overrides.push(o);
        }
    }
    for (i, f) in raw.follow_up.into_iter().enumerate() {
        let span = f.span();
        let f = f.into_inner();
        let p = format!("follow_up[{i}]");
        case.follow_up.push(FollowUpRecord {
            span,
            requested: od(f.requested, format!("{p}.requested"))?,
            started: od(f.started, format!("{p}.started"))?,
            completed: od(f.completed, format!("{p}.completed"))?,
            outcome: words(f.outcome),
            letter: words(f.letter),
        });
        if let Some(o) = words(f.override_reason) {
            case.overrides.push(o);
        }
    }
    for (i, r) in raw.risk_category.into_iter().enumerate() {
        let span = r.span();
        let r = r.into_inner();
        let p = format!("risk_category[{i}]");
        let cat_span = r.category.span();
        let cat = r.category.into_inner();
        let category = Category::parse(&cat).ok_or_else(|| {
            invalid(
                Some(cat_span.clone()),
                format!("{p}.category"),
                format!(
                    "`{cat}` is not a category of the framework; write \"standard\" or \"a higher compliance risk category\""
                ),
            )
        })?;
        case.designations.push(Designation {
            span,
            category: Sp {
                value: category,
                span: cat_span,
            },
            effective: d(r.effective, format!("{p}.effective"))?,
            decided: od(r.decided, format!("{p}.decided"))?,
            reason: words(r.reason),
            letter: words(r.letter),
        });
        if let Some(o) = words(r.override_reason) {
            case.overrides.push(o);
        }
    }
    Ok(case)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    case: Option<RawHeader>,
    #[serde(default)]
    acceptance: Vec<Spanned<RawAcceptance>>,
    #[serde(default)]
    additional_information: Vec<Spanned<RawInfo>>,
    #[serde(default)]
    extension: Vec<Spanned<RawExtension>>,
    #[serde(default)]
    follow_up: Vec<Spanned<RawFollowUp>>,
    #[serde(default)]
    risk_category: Vec<Spanned<RawDesignation>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    company: Option<String>,
    assessment_report: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAcceptance {
    date: Spanned<Datetime>,
    letter: Option<String>,
    override_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInfo {
    id: Option<String>,
    date: Spanned<Datetime>,
    items: Option<u32>,
    due: Option<Spanned<Datetime>>,
    letter: Option<String>,
    override_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    requested: Option<Spanned<Datetime>>,
    decided: Option<Spanned<Datetime>>,
    decision: Option<Spanned<Outcome>>,
    new_deadline: Option<Spanned<Datetime>>,
    reason: Option<String>,
    letter: Option<String>,
    override_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFollowUp {
    requested: Option<Spanned<Datetime>>,
    started: Option<Spanned<Datetime>>,
    completed: Option<Spanned<Datetime>>,
    outcome: Option<String>,
    letter: Option<String>,
    override_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDesignation {
    category: Spanned<String>,
    effective: Spanned<Datetime>,
    decided: Option<Spanned<Datetime>>,
    reason: Option<String>,
    letter: Option<String>,
    override_reason: Option<String>,
}

// ---------------------------------------------------------------------------
// Writing: one entry appended per decision.

/// A value of an entry to append.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum Value {
    Date(NaiveDate),
    Text(String),
    Number(u32),
}

/// One decision, as a case-file entry (`[[extension]]`, …) and as the
/// `record` of a letter's `letter.json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// The array of tables it goes into: "acceptance", "extension", …
    pub table: &'static str,
    /// Keys and values in the order they are written.
    pub fields: Vec<(&'static str, Value)>,
}

impl Entry {
    pub fn new(table: &'static str) -> Entry {
        Entry {
            table,
            fields: Vec::new(),
        }
    }

    pub fn date(mut self, key: &'static str, d: Option<NaiveDate>) -> Entry {
        if let Some(d) = d {
            self.fields.push((key, Value::Date(d)));
        }
        self
    }

    pub fn text(mut self, key: &'static str, s: Option<&str>) -> Entry {
        if let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) {
            self.fields.push((key, Value::Text(s.to_string())));
        }
        self
    }

    pub fn number(mut self, key: &'static str, n: Option<u32>) -> Entry {
        if let Some(n) = n {
            self.fields.push((key, Value::Number(n)));
        }
        self
    }

    /// The entry as TOML, `[[table]]` first.
    pub fn toml(&self) -> String {
        let mut s = format!("[[{}]]\n", self.table);
        for (k, v) in &self.fields {
            let v = match v {
                Value::Date(d) => d.format("%Y-%m-%d").to_string(),
                Value::Text(t) => toml_string(t),
                Value::Number(n) => n.to_string(),
            };
            s.push_str(&format!("{k} = {v}\n"));
        }
        s
    }
}

/// A TOML basic string with every character that needs it escaped.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Append `entry` to the case file at `path` (created with a `[case]`
/// header naming the plan when it does not exist yet), after a comment
/// saying which letter recorded it. The result is parsed before it replaces
/// the file, so a case file never becomes unreadable.
pub fn append(path: &Path, plan: &Plan, entry: &Entry, comment: &str) -> Result<(), CaseError> {
    let shown = path.display().to_string();
    let io = |source| CaseError::Io {
        path: shown.clone(),
        source,
    };
    let mut text = if path.exists() {
        std::fs::read_to_string(path).map_err(io)?
    } else {
        let mut head = format!(
            "# Customs' decisions on the Compliance Improvement Plan of {}, as the\n\
             # Account Manager records them (see README: \"The case file\").\n\
             # `cip letter` appends each decision it communicates; add entries by hand\n\
             # for decisions made otherwise (a request received, a review started).\n\n\
             [case]\ncompany = {}\nassessment_report = {}\n",
            plan.company(),
            toml_string(plan.company()),
            toml_string(plan.assessment_report()),
        );
        let old = migrated(plan);
        if !old.is_empty() {
            head.push_str(
                "\n# Migrated from the plan's own [[extension]] / [follow_up] tables, which\n\
                 # are not read once this file exists.\n",
            );
            for e in old {
                head.push_str(&e.toml());
            }
        }
        head
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    for line in comment.lines() {
        text.push_str("# ");
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&entry.toml());
    parse(&shown, &text)?;
    crate::atomic::write(path, text.as_bytes()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_table_and_names_line_and_field_of_errors() {
        let text = "[case]\nassessment_report = \"CA-1\"\n\n[[extension]]\nrequested = 2027-03-15\n\n[[extension]]\nrequested = 2027-03-15\ndecided = 2027-03-25\ndecision = \"granted\"\nnew_deadline = 2027-06-30\n\n[[risk_category]]\ncategory = \"a higher compliance risk category\"\neffective = 2027-04-10\n";
        let c = parse("c.toml", text).expect("parses");
        assert_eq!(c.extensions.len(), 2);
        assert_eq!(c.designations[0].category.value, Category::Higher);
        let bad = text.replace("\"granted\"", "\"maybe\"");
        let e = parse("c.toml", &bad).expect_err("bad outcome").to_string();
        assert!(e.starts_with("c.toml:10:"), "{e}");
        assert!(e.contains("extension[1].decision"), "{e}");
        let bad = text.replace("effective", "efective");
        let e = parse("c.toml", &bad).expect_err("unknown key").to_string();
        assert!(e.contains("efective"), "{e}");
        let bad = text.replace("\"a higher compliance risk category\"", "\"elevated\"");
        let e = parse("c.toml", &bad)
            .expect_err("invented label")
            .to_string();
        assert!(e.contains("risk_category[0].category"), "{e}");
    }

    #[test]
    fn entries_round_trip() {
        let e = Entry::new("extension")
            .date("requested", NaiveDate::from_ymd_opt(2027, 3, 15))
            .text("decision", Some("denied"))
            .text("reason", Some("only \"4\" of 11\nsteps"));
        let c = parse("c.toml", &e.toml()).expect("parses");
        assert_eq!(
            c.extensions[0].decision.as_ref().map(|d| d.value),
            Some(Outcome::Denied)
        );
        assert_eq!(
            c.extensions[0].reason.as_deref(),
            Some("only \"4\" of 11\nsteps")
        );
    }
}
