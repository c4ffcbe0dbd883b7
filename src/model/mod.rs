//! The plan as typed data, loaded from TOML with source spans.
//!
//! Every field the user writes is optional at this level: a missing field is
//! a finding of `check` (with a rule id and a span), not a parse failure, so
//! that one run reports every problem. Only input that is not TOML, or whose
//! shape cannot be read (unknown keys, wrong types), stops loading.

pub mod case;
pub mod chars;
pub mod dates;
pub mod files;
mod load;
mod schema;

use std::ops::Range;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

pub use dates::{
    CONDITIONAL_PERIOD_MONTHS, DateStyle, NotADate, add_months, conditional_period_end,
    from_toml as date_from_toml,
};
pub use load::{LoadError, MAX_PLAN_BYTES, SchemaError, load_file, may_quote, parse, parse_bytes};

/// Byte range in the plan source.
pub type Span = Range<usize>;

/// A value with the span it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

/// An optional field: `None` when the key is absent.
pub type Field<T> = Option<Sp<T>>;

/// The plan source: where it came from and its exact text (embedded in the
/// PDF as `plan.toml`, and used to render diagnostics).
#[derive(Debug, Clone)]
pub struct Source {
    /// Path as given by the user (for messages), e.g. `samples/acme.toml`.
    pub name: String,
    /// Folder that document paths are relative to.
    pub base_dir: PathBuf,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub source: Source,
    pub header: Header,
    pub responsible_official: Official,
    pub approving_official: Official,
    pub documents: Vec<SupportingDocument>,
    pub deficiencies: Vec<Deficiency>,
    pub extensions: Vec<Extension>,
    pub follow_up: Option<FollowUp>,
    /// Answers to Customs' additional-information requests (`[[response]]`).
    pub responses: Vec<Response>,
}

/// The `[plan]` table.
#[derive(Debug, Clone, Default)]
pub struct Header {
    /// Span of the table (or of the whole file when it is absent).
    pub span: Span,
    pub present: bool,
    pub company: Field<String>,
    pub importer_number: Field<String>,
    pub assessment_report: Field<String>,
    pub report_date: Field<NaiveDate>,
    pub prepared: Field<NaiveDate>,
    pub submitted_to: Field<String>,
    /// Which submission of the plan this is: 1 for the first, then one more
    /// for each revision sent in answer to Customs (absent = 1).
    pub revision: Field<i64>,
    /// From revision 2 on: the signed PDF this revision replaces.
    pub supersedes: Option<Supersedes>,
}

/// `supersedes = { file = "...", sha256 = "..." }`: the previous submission,
/// named by file and pinned by the SHA-256 of its exact bytes, so that each
/// revision can be traced to the one before.
#[derive(Debug, Clone, Default)]
pub struct Supersedes {
    pub span: Span,
    pub file: Field<String>,
    pub sha256: Field<String>,
}

/// `[[response]]`: the company's answer to one additional-information request.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub span: Span,
    /// The request id Customs gave (e.g. `AI-2026-12-10-3`).
    pub request: Field<String>,
    pub text: Field<String>,
    /// Ids of `[[document]]` entries sent with the answer.
    pub documents: Vec<Sp<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct Official {
    pub span: Span,
    pub present: bool,
    pub name: Field<String>,
    pub title: Field<String>,
    pub email: Field<String>,
    pub phone: Field<String>,
    /// How a letter greets them ("Ms. Alvarez"); letters fall back to the
    /// full name.
    pub salutation: Field<String>,
    /// Date issued (approving official only).
    pub date: Field<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct SupportingDocument {
    pub span: Span,
    pub id: Field<String>,
    pub title: Field<String>,
    /// Relative to the plan's folder; absent = to be submitted later.
    pub path: Field<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Deficiency {
    pub span: Span,
    pub id: Field<String>,
    pub area: Field<String>,
    pub result_sheet: Field<String>,
    pub condition: Field<String>,
    pub steps: Vec<Step>,
    pub validation: Option<Validation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    #[default]
    Planned,
    InProgress,
    Done,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Planned => "planned",
            StepStatus::InProgress => "in-progress",
            StepStatus::Done => "done",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Step {
    pub span: Span,
    pub action: Field<String>,
    pub documents: Vec<Sp<String>>,
    pub target: Field<NaiveDate>,
    /// One or more responsible departments (the framework allows several).
    pub departments: Vec<Sp<String>>,
    /// Span of the `department` value, if the key is present.
    pub department_span: Option<Span>,
    pub status: Field<StepStatus>,
    pub completed: Field<NaiveDate>,
}

impl Step {
    pub fn status(&self) -> StepStatus {
        self.status.as_ref().map(|s| s.value).unwrap_or_default()
    }
}

/// The final action step of a deficiency.
#[derive(Debug, Clone, Default)]
pub struct Validation {
    pub span: Span,
    pub methodology: Field<String>,
    pub tester: Field<String>,
    pub transactions: Field<i64>,
    pub begins: Field<NaiveDate>,
    pub concludes: Field<NaiveDate>,
    pub results_to_customs: Field<NaiveDate>,
    /// Date the results were actually forwarded to Customs: the validation
    /// action is done (optional; absent = not yet).
    pub results_sent: Field<NaiveDate>,
    /// The results of the testing, as reported to Customs.
    pub results: Option<ValidationResults>,
}

impl Validation {
    /// The date the results were forwarded to Customs: `results_sent`,
    /// else the results' own `sent`.
    pub fn sent(&self) -> Option<NaiveDate> {
        self.results_sent
            .as_ref()
            .or_else(|| self.results.as_ref().and_then(|r| r.sent.as_ref()))
            .map(|s| s.value)
    }
}

/// `[deficiency.validation.results]`: what the testing found.
#[derive(Debug, Clone, Default)]
pub struct ValidationResults {
    pub span: Span,
    /// Transactions tested.
    pub tested: Field<i64>,
    /// Transactions found in error.
    pub errors: Field<i64>,
    /// The company's tolerable error rate, in percent.
    pub tolerable_rate: Field<f64>,
    /// "effective" or "not effective", as written.
    pub conclusion: Field<String>,
    pub findings: Field<String>,
    /// The corrective follow-up when the action was not effective.
    pub follow_up: Field<String>,
    /// Date the results were sent to Customs.
    pub sent: Field<NaiveDate>,
}

impl ValidationResults {
    /// Errors over transactions tested, in percent (none without both, or
    /// with nothing tested).
    pub fn error_rate(&self) -> Option<f64> {
        let tested = self.tested.as_ref()?.value;
        let errors = self.errors.as_ref()?.value;
        (tested > 0).then(|| errors as f64 * 100.0 / tested as f64)
    }

    /// The conclusion says the corrective action was effective.
    pub fn effective(&self) -> Option<bool> {
        match self
            .conclusion
            .as_ref()?
            .value
            .trim()
            .to_lowercase()
            .as_str()
        {
            "effective" => Some(true),
            "not effective" | "not-effective" | "ineffective" => Some(false),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Extension {
    pub span: Span,
    pub requested: Field<NaiveDate>,
    pub granted: Field<NaiveDate>,
    pub new_deadline: Field<NaiveDate>,
    pub reason: Field<String>,
}

/// Customs' follow-up review, once the company reports full implementation.
#[derive(Debug, Clone, Default)]
pub struct FollowUp {
    pub span: Span,
    pub requested: Field<NaiveDate>,
    pub started: Field<NaiveDate>,
    pub completed: Field<NaiveDate>,
    pub outcome: Field<String>,
}

/// The text of an optional string field, trimmed; `None` when absent or blank
/// (the framework's "missing" includes empty and whitespace-only strings).
pub fn text(field: &Field<String>) -> Option<&str> {
    field
        .as_ref()
        .map(|s| s.value.trim())
        .filter(|s| !s.is_empty())
}

/// The value of an optional date field.
pub fn date(field: &Field<NaiveDate>) -> Option<NaiveDate> {
    field.as_ref().map(|d| d.value)
}

impl Plan {
    pub fn company(&self) -> &str {
        text(&self.header.company).unwrap_or("")
    }

    /// The revision number as written (1 when absent).
    pub fn revision(&self) -> i64 {
        self.header.revision.as_ref().map_or(1, |r| r.value)
    }

    pub fn assessment_report(&self) -> &str {
        text(&self.header.assessment_report).unwrap_or("")
    }

    /// End of the six-month conditional period, if the report date is known.
    pub fn period_end(&self) -> Option<NaiveDate> {
        date(&self.header.report_date).map(conditional_period_end)
    }

    pub fn document(&self, id: &str) -> Option<&SupportingDocument> {
        self.documents.iter().find(|d| text(&d.id) == Some(id))
    }

    /// Line and column (1-based, in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.source.text, offset)
    }
}

/// Line and column (1-based; column counted in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}
