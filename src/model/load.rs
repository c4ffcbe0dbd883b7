//! Reading a plan from TOML text: syntax first (toml_edit, with spans), then
//! the shape (serde, unknown keys denied), then conversion to the model.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use serde_spanned::Spanned;
use toml_edit::Datetime;

use super::*;

/// Plans larger than this are refused before parsing; a real plan is a few KB.
pub const MAX_PLAN_BYTES: u64 = 16 * 1024 * 1024;

/// Why a plan could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{name}:{line}:{column}: not UTF-8 text (invalid byte at offset {offset}); save the plan as UTF-8"
    )]
    NotUtf8 {
        name: String,
        offset: usize,
        line: usize,
        column: usize,
    },
    #[error("{name}: {size} bytes is too large for a plan (limit {limit} bytes)")]
    TooLarge { name: String, size: u64, limit: u64 },
    #[error("{name}:{line}:{column}: not valid TOML: {message}")]
    Syntax {
        name: String,
        text: String,
        message: String,
        span: Option<Span>,
        line: usize,
        column: usize,
    },
    /// Valid TOML whose shape is not a plan (unknown key, wrong type,
    /// invalid value). `check` reports it as a finding.
    #[error("{}: {}", .0[0].name, .0[0].message)]
    Schema(Vec<SchemaError>),
}

/// Whether diagnostics may quote lines of `text` (read from `name`): only for
/// TOML files (a name ending in `.toml`, or a `plan.toml` read back from a
/// PDF), never when a line looks like part of a PEM private key, whatever the
/// file is called, and never when the text holds characters a terminal acts
/// on. Quoting any file given by mistake leaks it: `cip check keys/k.pem`
/// once printed an Ed25519 private key whole.
pub fn may_quote(name: &str, text: &str) -> bool {
    let toml = name
        .to_ascii_lowercase()
        .trim_end_matches(')')
        .ends_with(".toml");
    let acts = |c: char| super::chars::acts_on_terminal(c) && !matches!(c, '\n' | '\r' | '\t');
    toml && !text.lines().any(|l| l.contains("PRIVATE KEY-----")) && !text.chars().any(acts)
}

impl LoadError {
    /// True when the input is not a readable TOML file at all (exit code 2).
    pub fn is_unreadable(&self) -> bool {
        !matches!(self, LoadError::Schema(_))
    }
}

#[derive(Debug, Clone)]
pub struct SchemaError {
    pub name: String,
    pub text: String,
    /// `unknown-key`, `wrong-type` or `invalid-value`.
    pub rule: &'static str,
    pub path: String,
    pub message: String,
    pub hint: String,
    pub span: Option<Span>,
}

/// Read and load a plan file.
pub fn load_file(path: &Path) -> Result<Plan, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let name = path.display().to_string();
    let bytes = match super::files::read_bounded(path, MAX_PLAN_BYTES, "a plan") {
        Ok(b) => b,
        Err(super::files::ReadError::TooLarge { size, limit, .. }) => {
            return Err(LoadError::TooLarge { name, size, limit });
        }
        Err(e) => return Err(io(e.into())),
    };
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse_bytes(&name, base_dir, bytes)
}

/// Load a plan from bytes (e.g. `plan.toml` read back from a signed PDF).
pub fn parse_bytes(name: &str, base_dir: PathBuf, bytes: Vec<u8>) -> Result<Plan, LoadError> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
        let (line, column) = line_col(&valid, offset);
        LoadError::NotUtf8 {
            name: name.to_string(),
            offset,
            line,
            column,
        }
    })?;
    parse(name, base_dir, text)
}

/// Load a plan from its text.
pub fn parse(name: &str, base_dir: PathBuf, text: String) -> Result<Plan, LoadError> {
    let doc = parse_document(name, &text)?;
    let problems = super::schema::check(doc.as_table());
    if !problems.is_empty() {
        return Err(LoadError::Schema(
            problems
                .into_iter()
                .map(|p| SchemaError {
                    name: name.to_string(),
                    text: text.clone(),
                    rule: p.rule,
                    path: p.path,
                    message: p.message,
                    hint: p.hint,
                    span: p.span,
                })
                .collect(),
        ));
    }
    // Plain serde first: tracking the path allocates a segment for every
    // key, a tenth of a letter's allocations. Only a plan serde rejects
    // (rare: the schema check above catches most wrong shapes) is read
    // again with the path kept, to name the field in the error.
    let raw = RawFile::deserialize(toml_edit::de::Deserializer::from(doc)).map_err(|plain| {
        let tracked = parse_document(name, &text).map(|doc| {
            serde_path_to_error::deserialize::<_, RawFile>(toml_edit::de::Deserializer::from(doc))
        });
        match tracked {
            Ok(Err(e)) => LoadError::Schema(vec![schema_error(
                name,
                &text,
                display_path(e.path()),
                e.inner(),
            )]),
            // Unreachable (the same text, the same deserializer); the
            // plain error, without its path, is still true.
            Ok(Ok(_)) | Err(_) => {
                LoadError::Schema(vec![schema_error(name, &text, String::new(), &plain)])
            }
        }
    })?;
    let source = Source {
        name: name.to_string(),
        base_dir,
        text,
    };
    convert(raw, source).map_err(|e| LoadError::Schema(vec![*e]))
}

fn parse_document<'t>(
    name: &str,
    text: &'t str,
) -> Result<toml_edit::ImDocument<&'t str>, LoadError> {
    toml_edit::ImDocument::parse(text).map_err(|e| {
        let span = e.span();
        let (line, column) = line_col(text, span.as_ref().map_or(0, |s| s.start));
        LoadError::Syntax {
            name: name.to_string(),
            text: text.to_string(),
            message: e.message().trim().to_string(),
            span,
            line,
            column,
        }
    })
}

fn schema_error(name: &str, text: &str, path: String, inner: &toml_edit::de::Error) -> SchemaError {
    let message = inner.message().trim().to_string();
    let (rule, hint) = if message.starts_with("unknown field") {
        (
            "unknown-key",
            "remove the key or correct its spelling; see `cip init` for every valid key"
                .to_string(),
        )
    } else if message.starts_with("unknown variant") {
        (
            "invalid-value",
            "use one of the values listed in the message".to_string(),
        )
    } else if message.contains("expected a TOML datetime") || message.contains("datetime") {
        (
            "wrong-type",
            "write dates as TOML dates without quotes, e.g. 2026-12-15".to_string(),
        )
    } else {
        (
            "wrong-type",
            "see `cip init` for the type each key takes".to_string(),
        )
    };
    SchemaError {
        name: name.to_string(),
        text: text.to_string(),
        rule,
        path,
        message,
        hint,
        span: inner.span(),
    }
}

/// A spanned value as the model's `Sp`.
/// A list whose items keep their own spans.
fn sp_list<T>(list: Option<Spanned<Vec<Spanned<T>>>>) -> Vec<Sp<T>> {
    list.map(|l| l.into_inner().into_iter().map(sp).collect())
        .unwrap_or_default()
}

fn sp<T>(t: Spanned<T>) -> Sp<T> {
    let span = t.span();
    Sp {
        value: t.into_inner(),
        span,
    }
}

/// `deficiency[1].step[0].target`, as the user would write it.
pub(super) fn display_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                // Spanned<T> is deserialized through private keys; hide them.
                if key.starts_with("$__") {
                    continue;
                }
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Enum { variant } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    out
}

// ---- the raw shape of the file -------------------------------------------

type S<T> = Option<Spanned<T>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    plan: S<RawHeader>,
    responsible_official: S<RawResponsible>,
    approving_official: S<RawApproving>,
    #[serde(default)]
    document: Vec<Spanned<RawDocument>>,
    #[serde(default)]
    deficiency: Vec<Spanned<RawDeficiency>>,
    #[serde(default)]
    extension: Vec<Spanned<RawExtension>>,
    follow_up: S<RawFollowUp>,
    #[serde(default)]
    response: Vec<Spanned<RawResponse>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSupersedes {
    file: S<String>,
    sha256: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponse {
    request: S<String>,
    text: S<String>,
    documents: S<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    company: S<String>,
    importer_number: S<String>,
    assessment_report: S<String>,
    report_date: S<Datetime>,
    prepared: S<Datetime>,
    submitted_to: S<String>,
    revision: S<i64>,
    supersedes: S<RawSupersedes>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponsible {
    name: S<String>,
    title: S<String>,
    email: S<String>,
    phone: S<String>,
    salutation: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApproving {
    name: S<String>,
    title: S<String>,
    date: S<Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    id: S<String>,
    title: S<String>,
    path: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeficiency {
    id: S<String>,
    area: S<String>,
    result_sheet: S<String>,
    condition: S<String>,
    #[serde(default)]
    step: Vec<Spanned<RawStep>>,
    validation: S<RawValidation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    action: S<String>,
    documents: S<Vec<Spanned<String>>>,
    target: S<Datetime>,
    department: S<Departments>,
    status: S<StatusName>,
    completed: S<Datetime>,
}

/// `department = "A"` or `department = ["A", "B"]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Departments {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum StatusName {
    Planned,
    InProgress,
    Done,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValidation {
    methodology: S<String>,
    tester: S<String>,
    transactions: S<i64>,
    begins: S<Datetime>,
    concludes: S<Datetime>,
    results_to_customs: S<Datetime>,
    results_sent: S<Datetime>,
    results: S<RawResults>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResults {
    tested: S<i64>,
    errors: S<i64>,
    tolerable_rate: S<f64>,
    conclusion: S<String>,
    findings: S<String>,
    follow_up: S<String>,
    sent: S<Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    requested: S<Datetime>,
    granted: S<Datetime>,
    new_deadline: S<Datetime>,
    reason: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFollowUp {
    requested: S<Datetime>,
    started: S<Datetime>,
    completed: S<Datetime>,
    outcome: S<String>,
}

// ---- conversion ------------------------------------------------------------

/// Carries what conversion needs for error messages.
struct Conv<'a> {
    source: &'a Source,
}

impl Conv<'_> {
    fn s(&self, f: S<String>) -> Field<String> {
        f.map(|s| {
            let span = s.span();
            Sp {
                value: s.into_inner(),
                span,
            }
        })
    }

    fn date(&self, f: S<Datetime>, path: &str) -> Result<Field<NaiveDate>, Box<SchemaError>> {
        let Some(f) = f else { return Ok(None) };
        let span = f.span();
        let dt = f.into_inner();
        let bad = |what: &str| {
            Box::new(SchemaError {
                name: self.source.name.clone(),
                text: self.source.text.clone(),
                rule: "wrong-type",
                path: path.to_string(),
                message: format!("`{dt}` is {what}, not a date"),
                hint: "write a plain TOML date, e.g. 2026-12-15".to_string(),
                span: Some(span.clone()),
            })
        };
        let value = super::dates::from_toml(&dt).map_err(|e| bad(&e.to_string()))?;
        Ok(Some(Sp { value, span }))
    }
}

fn convert(raw: RawFile, source: Source) -> Result<Plan, Box<SchemaError>> {
    let c = Conv { source: &source };
    let whole = 0..0;

    let header = match raw.plan {
        Some(h) => {
            let span = h.span();
            let h = h.into_inner();
            Header {
                span,
                present: true,
                company: c.s(h.company),
                importer_number: c.s(h.importer_number),
                assessment_report: c.s(h.assessment_report),
                report_date: c.date(h.report_date, "plan.report_date")?,
                prepared: c.date(h.prepared, "plan.prepared")?,
                submitted_to: c.s(h.submitted_to),
                revision: h.revision.map(|r| {
                    let span = r.span();
                    Sp {
                        value: r.into_inner(),
                        span,
                    }
                }),
                supersedes: h.supersedes.map(|t| {
                    let span = t.span();
                    let t = t.into_inner();
                    Supersedes {
                        span,
                        file: c.s(t.file),
                        sha256: c.s(t.sha256),
                    }
                }),
            }
        }
        None => Header {
            span: whole.clone(),
            ..Header::default()
        },
    };

    let responsible_official = match raw.responsible_official {
        Some(o) => {
            let span = o.span();
            let o = o.into_inner();
            Official {
                span,
                present: true,
                name: c.s(o.name),
                title: c.s(o.title),
                email: c.s(o.email),
                phone: c.s(o.phone),
                salutation: c.s(o.salutation),
                date: None,
            }
        }
        None => Official::default(),
    };

    let approving_official = match raw.approving_official {
        Some(o) => {
            let span = o.span();
            let o = o.into_inner();
            Official {
                span,
                present: true,
                name: c.s(o.name),
                title: c.s(o.title),
                email: None,
                phone: None,
                salutation: None,
                date: c.date(o.date, "approving_official.date")?,
            }
        }
        None => Official::default(),
    };

    let documents = raw
        .document
        .into_iter()
        .map(|d| {
            let span = d.span();
            let d = d.into_inner();
            SupportingDocument {
                span,
                id: c.s(d.id),
                title: c.s(d.title),
                path: c.s(d.path),
            }
        })
        .collect();

    let mut deficiencies = Vec::new();
    for (i, d) in raw.deficiency.into_iter().enumerate() {
        let span = d.span();
        let d = d.into_inner();
        let mut steps = Vec::new();
        for (j, s) in d.step.into_iter().enumerate() {
            let p = |f: &str| format!("deficiency[{i}].step[{j}].{f}");
            let span = s.span();
            let s = s.into_inner();
            let department_span = s.department.as_ref().map(|d| d.span());
            let departments = match s.department {
                None => Vec::new(),
                Some(dep) => {
                    let span = dep.span();
                    let names = match dep.into_inner() {
                        Departments::One(n) => vec![n],
                        Departments::Many(v) => v,
                    };
                    names
                        .into_iter()
                        .map(|value| Sp {
                            value,
                            span: span.clone(),
                        })
                        .collect()
                }
            };
            steps.push(Step {
                span,
                action: c.s(s.action),
                documents: sp_list(s.documents),
                target: c.date(s.target, &p("target"))?,
                departments,
                department_span,
                status: s.status.map(|st| {
                    let span = st.span();
                    let value = match st.into_inner() {
                        StatusName::Planned => StepStatus::Planned,
                        StatusName::InProgress => StepStatus::InProgress,
                        StatusName::Done => StepStatus::Done,
                    };
                    Sp { value, span }
                }),
                completed: c.date(s.completed, &p("completed"))?,
            });
        }
        let validation = match d.validation {
            None => None,
            Some(v) => {
                let p = |f: &str| format!("deficiency[{i}].validation.{f}");
                let span = v.span();
                let v = v.into_inner();
                Some(Validation {
                    span,
                    methodology: c.s(v.methodology),
                    tester: c.s(v.tester),
                    transactions: v.transactions.map(|t| {
                        let span = t.span();
                        Sp {
                            value: t.into_inner(),
                            span,
                        }
                    }),
                    begins: c.date(v.begins, &p("begins"))?,
                    concludes: c.date(v.concludes, &p("concludes"))?,
                    results_to_customs: c.date(v.results_to_customs, &p("results_to_customs"))?,
                    results_sent: c.date(v.results_sent, &p("results_sent"))?,
                    results: match v.results {
                        Some(r) => {
                            let span = r.span();
                            let r = r.into_inner();
                            Some(ValidationResults {
                                span,
                                tested: r.tested.map(sp),
                                errors: r.errors.map(sp),
                                tolerable_rate: r.tolerable_rate.map(sp),
                                conclusion: c.s(r.conclusion),
                                findings: c.s(r.findings),
                                follow_up: c.s(r.follow_up),
                                sent: c.date(r.sent, &p("results.sent"))?,
                            })
                        }
                        None => None,
                    },
                })
            }
        };
        deficiencies.push(Deficiency {
            span,
            id: c.s(d.id),
            area: c.s(d.area),
            result_sheet: c.s(d.result_sheet),
            condition: c.s(d.condition),
            steps,
            validation,
        });
    }

    let mut extensions = Vec::new();
    for (i, e) in raw.extension.into_iter().enumerate() {
        let p = |f: &str| format!("extension[{i}].{f}");
        let span = e.span();
        let e = e.into_inner();
        extensions.push(Extension {
            span,
            requested: c.date(e.requested, &p("requested"))?,
            granted: c.date(e.granted, &p("granted"))?,
            new_deadline: c.date(e.new_deadline, &p("new_deadline"))?,
            reason: c.s(e.reason),
        });
    }

    let follow_up = match raw.follow_up {
        None => None,
        Some(f) => {
            let span = f.span();
            let f = f.into_inner();
            Some(FollowUp {
                span,
                requested: c.date(f.requested, "follow_up.requested")?,
                started: c.date(f.started, "follow_up.started")?,
                completed: c.date(f.completed, "follow_up.completed")?,
                outcome: c.s(f.outcome),
            })
        }
    };

    let responses = raw
        .response
        .into_iter()
        .map(|r| {
            let span = r.span();
            let r = r.into_inner();
            Response {
                span,
                request: c.s(r.request),
                text: c.s(r.text),
                documents: sp_list(r.documents),
            }
        })
        .collect();

    Ok(Plan {
        source,
        header,
        responsible_official,
        approving_official,
        documents,
        deficiencies,
        extensions,
        follow_up,
        responses,
    })
}
