//! Customs' written notices to the company (`cip letter`): acceptance,
//! additional information, extension, follow-up review, risk category.
//!
//! plan (TOML, or a verified signed PDF) + the account manager's profile +
//! optional letter data → template context → tera → Markdown →
//! `documents::markdown` → blocks, framed by the letterhead, date, addressee,
//! subject line and the account manager's signature box → the same layout
//! engine and PDF writer as the plan → optionally signed with `sign`.
//!
//! Every letter PDF embeds `letter.json` (what the archive classifies by) and
//! the plan's `plan.toml` (traceability).

pub mod batch;
pub mod context;
pub mod profile;
pub mod templates;
pub mod transmittal;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use x509_cert::Certificate;

use crate::check::{self, Finding, Severity};
use crate::documents::{
    Align, Attachment, Block, Closing, Continuation, DocInfo, Document, Footer, PageNumbers, Paper,
    Relationship, Rgb, Span, Style, markdown,
};
use crate::intake::{self, AnyError};
use crate::keys::Signer;
use crate::lifecycle::review::{self, ExtensionDecision, Notice, Objection};
use crate::lifecycle::{self, CaseState, Threshold};
use crate::model::Plan;
use crate::model::case::{self, Case, CaseError, Category, Entry, Outcome};
use crate::sign::{self, SignOptions};
use crate::verify::VerifyReport;

pub use context::{ContextError, Facts, LetterContext};
pub use profile::{AmProfile, InputError, LetterData};
pub use templates::{DateStyle, TemplateError, Templates};

/// Name of the account manager's signature field.
pub const SIGNATURE_FIELD: &str = "account_manager";

/// The kinds of letter the framework calls for, plus any kind a user's
/// template folder adds (rendered with the same context).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Kind {
    Acceptance,
    AdditionalInformation,
    Extension,
    FollowUp,
    RiskCategory,
    /// A template of the user's folder that is none of the above.
    Custom(String),
}

impl Kind {
    pub const BUILTIN: [Kind; 5] = [
        Kind::Acceptance,
        Kind::AdditionalInformation,
        Kind::Extension,
        Kind::FollowUp,
        Kind::RiskCategory,
    ];

    pub fn parse(s: &str) -> Kind {
        match s {
            "acceptance" => Kind::Acceptance,
            "additional-information" => Kind::AdditionalInformation,
            "extension" => Kind::Extension,
            "follow-up" => Kind::FollowUp,
            "risk-category" => Kind::RiskCategory,
            other => Kind::Custom(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Kind::Acceptance => "acceptance",
            Kind::AdditionalInformation => "additional-information",
            Kind::Extension => "extension",
            Kind::FollowUp => "follow-up",
            Kind::RiskCategory => "risk-category",
            Kind::Custom(s) => s,
        }
    }

    /// The letter's title, shown under the subject line.
    pub fn title(&self) -> String {
        match self {
            Kind::Acceptance => "Acceptance of the Compliance Improvement Plan".into(),
            Kind::AdditionalInformation => "Request for Additional Information".into(),
            Kind::Extension => "Extension of the Conditional Period".into(),
            Kind::FollowUp => "Notice of Follow-up Review".into(),
            Kind::RiskCategory => "Designation of Compliance Risk Category".into(),
            Kind::Custom(s) => {
                let mut t = String::new();
                for (i, w) in s.split(['-', '_']).filter(|w| !w.is_empty()).enumerate() {
                    if i > 0 {
                        t.push(' ');
                    }
                    let mut c = w.chars();
                    if let Some(f) = c.next() {
                        t.extend(f.to_uppercase());
                        t.push_str(c.as_str());
                    }
                }
                t
            }
        }
    }

    /// The title of this letter: the kind's, with the decision when the
    /// kind has one ("Extension of the Conditional Period — Granted").
    pub fn title_for(&self, facts: &Facts) -> String {
        match (self, &facts.extension, &facts.designation) {
            (Kind::Extension, Some(x), _) => format!(
                "Extension of the Conditional Period \u{2014} {}",
                match x.outcome {
                    Outcome::Granted => "Granted",
                    Outcome::Denied => "Denied",
                }
            ),
            (Kind::RiskCategory, _, Some(d)) => format!(
                "Designation of Compliance Risk Category \u{2014} {}",
                match d.category {
                    Category::Standard => "Standard",
                    Category::Higher => "Higher Compliance Risk Category",
                }
            ),
            _ => self.title(),
        }
    }

    /// What the kind is for, for `cip letter --list`.
    pub fn description(&self) -> &'static str {
        match self {
            Kind::Acceptance => {
                "the CIP and its documentation reasonably address the deficiencies; conditional period, follow-up review, standard risk category"
            }
            Kind::AdditionalInformation => {
                "what is missing or insufficient, per deficiency (cip check findings and the AM's requests), with a response due date"
            }
            Kind::Extension => {
                "extension of the conditional period granted or denied, the new deadline and its basis"
            }
            Kind::FollowUp => "notice of the follow-up review: date, scope, what to have ready",
            Kind::RiskCategory => {
                "written designation of the compliance risk category and its reason"
            }
            Kind::Custom(_) => "a template of the --templates folder",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A plan ready for letters: loaded from TOML, or read back from a signed
/// PDF after verification, with Customs' recorded decisions on it.
pub struct PlanInput {
    pub plan: Plan,
    /// The verification report when the plan came from a signed PDF.
    pub report: Option<VerifyReport>,
    /// The file the plan was read from, as given.
    pub file: String,
    /// Customs' decisions: the case file, else the plan's own tables.
    pub case: Case,
    /// The case file the record is read from and decisions are appended to.
    pub case_path: Option<PathBuf>,
}

impl PlanInput {
    /// Load a plan TOML or a signed plan PDF (verified against `trust`) and
    /// its default case file (`PLAN.case.toml`) when there is one.
    pub fn load(path: &Path, trust: &[Certificate]) -> Result<Self, LetterError> {
        Self::load_with_case(path, trust, None)
    }

    /// As [`load`](Self::load), with the case file `case` (which need not
    /// exist yet: the first decision recorded creates it).
    pub fn load_with_case(
        path: &Path,
        trust: &[Certificate],
        case_file: Option<&Path>,
    ) -> Result<Self, LetterError> {
        let (plan, report) = intake::load_plan_any(path, trust)?;
        let (case, case_path) = case::for_plan(&plan, path, case_file, true)?;
        Ok(PlanInput {
            plan,
            report,
            file: path.display().to_string(),
            case,
            case_path,
        })
    }

    /// Warnings to show: signers of the plan PDF that are not trusted.
    pub fn warnings(&self) -> Vec<String> {
        self.report
            .as_ref()
            .map(intake::untrusted_signers)
            .unwrap_or_default()
            .into_iter()
            .map(|s| {
                format!(
                    "{}: the plan's signature is valid but its signer is not trusted: {s} (pass their certificate with --trust)",
                    self.file
                )
            })
            .collect()
    }

    /// `cip check` findings the letter can speak of. For a plan read from a
    /// verified PDF, findings about document files on disk are left out:
    /// the documents are the PDF's attachments, which the manifest check
    /// has just matched, not files beside it.
    pub fn findings(&self) -> Vec<Finding> {
        let mut f = check::check(&self.plan);
        if self.report.is_some() {
            f.retain(|f| f.rule != "document-path-invalid");
        }
        f
    }
}

/// How a letter is made.
#[derive(Clone, Default)]
pub struct LetterOptions {
    /// The letter date (and the PDF's date). Default: today.
    pub date: Option<NaiveDate>,
    pub paper: Paper,
    /// Issue the letter although the consistency check refuses it; needs
    /// `reason`, which the letter's embedded data records.
    pub force: bool,
    pub reason: Option<String>,
    /// What counts as significant progress.
    pub threshold: Threshold,
    /// In a batch, append each letter's decision to its plan's case file.
    pub record: bool,
    /// How dates are written.
    pub date_style: DateStyle,
}

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error(transparent)]
    Plan(#[from] AnyError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("{file}: {source}")]
    Context {
        file: String,
        #[source]
        source: ContextError,
    },
    #[error(transparent)]
    Case(#[from] CaseError),
    /// The letter would state something the case does not support.
    #[error(
        "{file}: the {kind} letter dated {date} is refused ({}): it is not consistent with the case on its date:\n{}\n(issue it anyway only with --force --reason TEXT; the override is recorded in the letter)",
        refusals.iter().map(|r| r.code).collect::<Vec<_>>().join(", "),
        refusals.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n")
    )]
    Refused {
        file: String,
        kind: String,
        date: NaiveDate,
        refusals: Vec<Objection>,
    },
    #[error("{file}: --force needs --reason TEXT: the reason is recorded in the letter")]
    ForceWithoutReason { file: String },
    #[error("{file}: cannot record the decision in the case file: {source}")]
    Record {
        file: String,
        #[source]
        source: CaseError,
    },
    #[error("{file}: cannot typeset the letter: {source}")]
    Pdf {
        file: String,
        #[source]
        source: crate::pdf::WriteError,
    },
    #[error("{file}: cannot sign the letter: {source}")]
    Sign {
        file: String,
        #[source]
        source: sign::SignError,
    },
}

/// The refusal of a letter for a plan with `cip check` errors, if it has
/// any; `consequence` says what the errors stop ("so it cannot be accepted
/// as it stands; …").
pub(crate) fn check_errors(findings: &[Finding], consequence: &str) -> Option<Objection> {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (errors > 0).then(|| Objection {
        code: "plan-has-check-errors",
        message: format!("the plan has {errors} check error(s), {consequence}"),
    })
}

/// The consistency check's verdict on a letter: no refusals, none to
/// record; refusals without `force`, the letter is refused; with `force`,
/// the override to record (it needs a reason).
pub(crate) fn refused_or_overridden(
    file: &str,
    kind: &str,
    date: NaiveDate,
    refusals: Vec<Objection>,
    force: bool,
    reason: Option<&str>,
) -> Result<Option<Override>, LetterError> {
    if refusals.is_empty() {
        return Ok(None);
    }
    if !force {
        return Err(LetterError::Refused {
            file: file.to_string(),
            kind: kind.to_string(),
            date,
            refusals,
        });
    }
    let Some(reason) = reason.map(str::trim).filter(|r| !r.is_empty()) else {
        return Err(LetterError::ForceWithoutReason {
            file: file.to_string(),
        });
    };
    Ok(Some(Override {
        reason: reason.to_string(),
        refused: refusals.iter().map(ToString::to_string).collect(),
    }))
}

/// What the archive reads from a letter (`letter.json`, embedded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LetterMeta {
    pub kind: String,
    pub company: String,
    pub assessment_report: String,
    /// Letter date, YYYY-MM-DD.
    pub date: String,
    /// SHA-256 of the plan's `plan.toml` (also embedded in the letter).
    pub plan_toml_sha256: String,
    pub importer_number: String,
    pub addressee: String,
    pub account_manager: String,
    pub office: String,
    /// Deficiency ids the letter concerns.
    pub deficiencies: Vec<String>,
    /// Numbered items (problems and requests) in the letter.
    pub items: usize,
    /// Extension decision, follow-up date or risk category, when the kind has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// "toml" or "signed-pdf".
    pub plan_source: String,
    pub creator: String,
    /// The letter's title ("Extension of the Conditional Period — Granted").
    #[serde(default)]
    pub title: String,
    /// The decision as the case-file entry it is recorded as:
    /// `{"table": "extension", "fields": {"requested": "2027-03-15", …}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<serde_json::Value>,
    /// Warnings of the consistency check (the letter was issued).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The consistency check refused the letter and the AM overrode it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "override")]
    pub override_: Option<Override>,
}

/// An override of the consistency check: why, and what it overrode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Override {
    pub reason: String,
    /// The refusals overridden, "message [code]".
    pub refused: Vec<String>,
}

/// A letter made in memory.
pub struct Letter {
    pub pdf: Vec<u8>,
    /// The Markdown the template produced.
    pub markdown: String,
    pub meta: LetterMeta,
    /// The decision to append to the case file.
    pub record: Option<Entry>,
    /// Warnings of the consistency check, for the terminal.
    pub warnings: Vec<String>,
}

/// Everything a letter needs besides its plan; shared by all the letters of
/// a batch.
pub struct Issuer<'a> {
    pub kind: Kind,
    pub am: &'a AmProfile,
    pub data: &'a LetterData,
    pub templates: &'a Templates,
    pub options: LetterOptions,
    /// Sign every letter with this key, with these options.
    pub signer: Option<(&'a Signer, SignOptions)>,
}

impl Issuer<'_> {
    pub fn date(&self) -> NaiveDate {
        self.options
            .date
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// Make (and sign) the letter for one plan: decide what it
    /// communicates, check that against the case on the letter date
    /// (refused unless overridden), then state the facts of the case after
    /// the decision.
    pub fn issue(&self, input: &PlanInput) -> Result<Letter, LetterError> {
        let file = input.file.clone();
        let findings = input.findings();
        let date = self.date();
        let t = &self.options.threshold;
        let plan = &input.plan;
        let context_error = |source| LetterError::Context {
            file: file.clone(),
            source,
        };
        let before = lifecycle::assess(plan, &input.case, date, t);
        let (notice, facts, entry) = self.decide(input, &before, date).map_err(context_error)?;

        let mut refusals = Vec::new();
        if self.kind == Kind::Acceptance {
            refusals.extend(check_errors(
                &findings,
                &format!(
                    "so it cannot be accepted as it stands; run `cip check {file}`, or issue an additional-information letter"
                ),
            ));
        }
        let checked = review::review(plan, &input.case, t, date, &notice);
        refusals.extend(checked.refusals);
        let warnings: Vec<String> = checked.warnings.iter().map(ToString::to_string).collect();
        let override_ = refused_or_overridden(
            &file,
            &self.kind.to_string(),
            date,
            refusals,
            self.options.force,
            self.options.reason.as_deref(),
        )?;
        let entry = entry.map(|e| {
            e.text(
                "override_reason",
                override_.as_ref().map(|o| o.reason.as_str()),
            )
        });
        let after_case = match &entry {
            Some(e) => input.case.with_entry(e)?,
            None => input.case.clone(),
        };
        let after = lifecycle::assess(plan, &after_case, date, t);

        let file_name = Path::new(&input.file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let signed_by = input
            .report
            .as_ref()
            .map(|r| {
                r.signatures
                    .iter()
                    .filter_map(|s| s.signer.as_ref())
                    .map(|c| match (&c.name, &c.title) {
                        (Some(n), Some(t)) => format!("{n}, {t}"),
                        (Some(n), None) => n.clone(),
                        _ => c.subject.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let ctx = context::build(&context::Inputs {
            kind: self.kind.clone(),
            plan,
            am: self.am,
            data: self.data,
            date,
            findings: &findings,
            source: if input.report.is_some() {
                "signed-pdf"
            } else {
                "toml"
            },
            file: &file_name,
            signed_by,
            state: &after,
            facts: &facts,
        })
        .map_err(context_error)?;
        let entry = entry.map(|e| match self.kind {
            Kind::AdditionalInformation => e.number("items", u32::try_from(ctx.items_total).ok()),
            _ => e,
        });
        let md = self
            .templates
            .render_styled(self.kind.as_str(), &ctx, self.options.date_style)?;
        let mut ctx = ctx;
        if self.options.date_style == DateStyle::Iso {
            ctx.date.long = ctx.date.iso.clone();
        }
        let mut meta = meta(&self.kind, &ctx);
        meta.record = entry.as_ref().map(entry_json);
        meta.warnings = warnings.clone();
        meta.override_ = override_;
        let how = sign::Publish {
            signer: self.signer.as_ref().map(|(s, o)| (*s, o)),
            default_reason: Some(format!("{} issued by the Account Manager", ctx.kind_title)),
            default_location: Some(self.am.office.clone()),
            output: None,
        };
        let doc = letter_document(&ctx, &md, &meta, plan, self.options.paper);
        let pdf = render_signed(doc, &how, file)?;
        Ok(Letter {
            pdf,
            markdown: md,
            meta,
            record: entry,
            warnings,
        })
    }

    /// What this letter communicates: the decision of LETTER.toml for its
    /// kind (made on the letter date), else the one the record holds; the
    /// case-file entry recording a new decision; and the facts the letter
    /// states about the other decisions (the record's only).
    fn decide(
        &self,
        input: &PlanInput,
        before: &CaseState,
        date: NaiveDate,
    ) -> Result<(Notice, Facts, Option<Entry>), ContextError> {
        let plan = &input.plan;
        let t = &self.options.threshold;
        let data = self.data;
        let mut facts = Facts::default();
        let recorded = before
            .extensions
            .iter()
            .filter(|e| e.decided.is_some())
            .max_by_key(|e| (e.decided, e.number));
        facts.extension = recorded.and_then(|e| {
            Some(context::ExtensionFacts {
                outcome: e.outcome?,
                requested: e.requested,
                decided: e.decided?,
                previous_deadline: e.previous_deadline,
                previous_deadline_passed: e.previous_deadline_passed,
                new_deadline: e.new_deadline,
                reason: e.reason.clone(),
                progress: e.progress.clone(),
            })
        });
        facts.follow_up = before.follow_up.started.map(|d| context::FollowUpFacts {
            date: d,
            location: None,
            deficiencies: None,
            within_deadline: before.within_deadline(d),
        });
        facts.designation = before.category.as_ref().map(|c| context::DesignationFacts {
            category: c.category,
            effective: c.since,
            reason: c.basis.clone(),
        });
        let (notice, entry) = match &self.kind {
            Kind::Acceptance => (
                Notice::Acceptance,
                Some(Entry::new("acceptance").date("date", Some(date))),
            ),
            Kind::AdditionalInformation => {
                let due = data.due.unwrap_or_else(|| date + chrono::Days::new(30));
                (
                    Notice::AdditionalInformation { due },
                    Some(
                        Entry::new("additional_information")
                            .date("date", Some(date))
                            .date("due", Some(due)),
                    ),
                )
            }
            Kind::Extension => match &data.extension {
                Some(x) => {
                    let outcome = match x.decision {
                        profile::Decision::Granted => Outcome::Granted,
                        profile::Decision::Denied => Outcome::Denied,
                    };
                    let pending = before.pending_extension();
                    let requested = x.requested.or_else(|| pending.and_then(|p| p.requested));
                    let new_deadline = match outcome {
                        Outcome::Granted => x
                            .new_deadline
                            .or_else(|| pending.and_then(|p| p.new_deadline)),
                        Outcome::Denied => None,
                    };
                    let reason = x
                        .reason
                        .clone()
                        .or_else(|| pending.and_then(|p| p.reason.clone()));
                    let (prev, progress) = review::extension_basis(plan, before, date, t);
                    facts.extension = Some(context::ExtensionFacts {
                        outcome,
                        requested,
                        decided: date,
                        previous_deadline: prev,
                        previous_deadline_passed: before.deadline_passed(),
                        new_deadline,
                        reason: reason.clone(),
                        progress,
                    });
                    let entry = Entry::new("extension")
                        .date("requested", requested)
                        .date("decided", Some(date))
                        .text("decision", Some(outcome.as_str()))
                        .date("new_deadline", new_deadline)
                        .text("reason", reason.as_deref());
                    (
                        Notice::Extension(ExtensionDecision {
                            requested,
                            decided: date,
                            outcome,
                            new_deadline,
                            reason,
                            recorded: false,
                        }),
                        Some(entry),
                    )
                }
                None => match &facts.extension {
                    Some(x) => (
                        Notice::Extension(ExtensionDecision {
                            requested: x.requested,
                            decided: x.decided,
                            outcome: x.outcome,
                            new_deadline: x.new_deadline,
                            reason: x.reason.clone(),
                            recorded: true,
                        }),
                        None,
                    ),
                    None => (Notice::Other, None),
                },
            },
            Kind::FollowUp => match &data.follow_up {
                Some(f) => {
                    facts.follow_up = Some(context::FollowUpFacts {
                        date: f.date,
                        location: f.location.clone(),
                        deficiencies: f.deficiencies.clone(),
                        within_deadline: before.within_deadline(f.date),
                    });
                    (
                        Notice::FollowUp { date: f.date },
                        Some(Entry::new("follow_up").date("started", Some(f.date))),
                    )
                }
                None => match &facts.follow_up {
                    Some(f) => (Notice::FollowUp { date: f.date }, None),
                    None => (Notice::Other, None),
                },
            },
            Kind::RiskCategory => {
                let (category, effective, reason) = match &data.risk_category {
                    Some(r) => {
                        let category = Category::parse(&r.category).ok_or_else(|| {
                            ContextError::Missing(format!(
                                "[risk_category] category = \"{}\" is not a category of the framework: write \"standard\" or \"a higher compliance risk category\"",
                                r.category.trim()
                            ))
                        })?;
                        (
                            category,
                            r.effective.unwrap_or(date),
                            Some(r.reason.clone()),
                        )
                    }
                    None => match &before.category {
                        Some(c) => (c.category, date, None),
                        None => return Ok((Notice::Other, facts, None)),
                    },
                };
                let stated = match &reason {
                    Some(r) => r.clone(),
                    None => before
                        .category
                        .as_ref()
                        .map(|c| c.basis.clone())
                        .unwrap_or_default(),
                };
                facts.designation = Some(context::DesignationFacts {
                    category,
                    effective,
                    reason: stated.clone(),
                });
                (
                    Notice::Designation {
                        category,
                        effective,
                        reason,
                    },
                    Some(
                        Entry::new("risk_category")
                            .text("category", Some(category.words()))
                            .date("effective", Some(effective))
                            .date("decided", Some(date))
                            .text("reason", Some(&stated)),
                    ),
                )
            }
            Kind::Custom(_) => (Notice::Other, None),
        };
        Ok((notice, facts, entry))
    }

    /// Append the letter's decision to the case file `path` (created, with
    /// the plan's own decisions migrated, when it does not exist).
    pub fn record(
        &self,
        input: &PlanInput,
        letter: &Letter,
        path: &Path,
        letter_file: &str,
    ) -> Result<bool, LetterError> {
        let Some(entry) = &letter.record else {
            return Ok(false);
        };
        let entry = entry.clone().text("letter", Some(letter_file));
        let comment = format!(
            "{} letter dated {} ({letter_file}), recorded by cip letter",
            self.kind, letter.meta.date
        );
        case::append(path, &input.plan, &entry, &comment).map_err(|source| {
            LetterError::Record {
                file: input.file.clone(),
                source,
            }
        })?;
        Ok(true)
    }
}

/// A case-file entry as JSON: `{"table": …, "fields": {…}}`.
fn entry_json(e: &Entry) -> serde_json::Value {
    let mut fields = serde_json::Map::new();
    for (k, v) in &e.fields {
        let v = match v {
            case::Value::Date(d) => serde_json::Value::String(d.format("%Y-%m-%d").to_string()),
            case::Value::Text(t) => serde_json::Value::String(t.clone()),
            case::Value::Number(n) => serde_json::Value::from(*n),
        };
        fields.insert((*k).to_string(), v);
    }
    serde_json::json!({ "table": e.table, "fields": fields })
}

fn meta(kind: &Kind, ctx: &LetterContext) -> LetterMeta {
    let decision = match kind {
        Kind::Extension => ctx.extension.as_ref().map(|e| match &e.new_deadline {
            Some(d) if e.granted => format!("granted: new deadline {}", d.iso),
            _ => e.decision.clone(),
        }),
        Kind::FollowUp => ctx
            .follow_up
            .as_ref()
            .map(|f| format!("follow-up review {}", f.date.iso)),
        Kind::RiskCategory => ctx
            .risk_category
            .as_ref()
            .map(|r| format!("{} (effective {})", r.category, r.effective.iso)),
        _ => None,
    };
    LetterMeta {
        kind: kind.as_str().to_string(),
        company: ctx.company.name.clone(),
        assessment_report: ctx.plan.assessment_report.clone(),
        date: ctx.date.iso.clone(),
        plan_toml_sha256: ctx.plan.plan_toml_sha256.clone(),
        importer_number: ctx.company.importer_number.clone(),
        addressee: ctx.company.responsible_official.name.clone(),
        account_manager: ctx.am.name.clone(),
        office: ctx.am.office.clone(),
        deficiencies: ctx.deficiencies.iter().map(|d| d.id.clone()).collect(),
        items: ctx.items_total,
        decision,
        plan_source: ctx.plan.source.clone(),
        creator: format!("cip {}", env!("CARGO_PKG_VERSION")),
        title: ctx.kind_title.clone(),
        record: None,
        warnings: Vec::new(),
        override_: None,
    }
}

const GREY: Rgb = Rgb(0.3, 0.3, 0.3);
const NAVY: Rgb = Rgb(0.08, 0.16, 0.32);

/// The "Enclosures:" and "cc:" lines under a letter's closing, when the
/// letter has any.
pub(crate) fn notations<E: AsRef<str>>(enclosures: &[E], cc: &[String]) -> Option<Block> {
    let mut tail = Vec::new();
    if !enclosures.is_empty() {
        let e: Vec<&str> = enclosures.iter().map(AsRef::as_ref).collect();
        tail.push(format!("Enclosures: {}", e.join("; ")));
    }
    if !cc.is_empty() {
        tail.push(format!("cc: {}", cc.join("; ")));
    }
    (!tail.is_empty()).then(|| Block::Paragraph {
        text: vec![styled(tail.join("\n"), false, false, Some(9.0), None)],
        align: Align::Left,
    })
}

fn styled(
    text: impl Into<String>,
    bold: bool,
    italic: bool,
    size: Option<f32>,
    color: Option<Rgb>,
) -> Span {
    Span {
        text: text.into(),
        style: Style {
            bold,
            italic,
            size,
            color,
        },
    }
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

/// The subject line: `RE: Compliance Improvement Plan — COMPANY — report X`.
pub fn subject(company: &str, report: &str) -> String {
    format!(
        "Compliance Improvement Plan \u{2014} {} \u{2014} report {}",
        or_dash(company),
        or_dash(report)
    )
}

/// A letterhead: the first line large, the others smaller, all centred;
/// then office, address and phone/e-mail in small grey lines, and a rule.
fn letterhead(
    head: &[String],
    office: Option<&str>,
    address: &[String],
    reach: &[String],
) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut spans = Vec::new();
    for (i, line) in head.iter().filter(|l| !l.trim().is_empty()).enumerate() {
        if i > 0 {
            spans.push(styled("\n", true, false, Some(11.0), Some(NAVY)));
        }
        let size = if i == 0 { 15.0 } else { 11.0 };
        spans.push(styled(
            line.trim().to_uppercase(),
            true,
            false,
            Some(size),
            Some(NAVY),
        ));
    }
    blocks.push(Block::Paragraph {
        text: spans,
        align: Align::Center,
    });
    let contact: Vec<&str> = address
        .iter()
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty())
        .collect();
    let mut lines = Vec::new();
    if let Some(o) = office.map(str::trim).filter(|o| !o.is_empty()) {
        lines.push(o.to_string());
    }
    if !contact.is_empty() {
        lines.push(contact.join(" \u{00b7} "));
    }
    if !reach.is_empty() {
        lines.push(reach.join(" \u{00b7} "));
    }
    if !lines.is_empty() {
        blocks.push(Block::Paragraph {
            text: vec![styled(
                lines.join("\n"),
                false,
                false,
                Some(8.5),
                Some(GREY),
            )],
            align: Align::Center,
        });
    }
    blocks.push(Block::Rule);
    blocks.push(Block::Spacer(4.0));
    blocks
}

/// The header of a letter's pages 2+: addressee company, short subject,
/// date (the "Page N of M" is added by layout).
pub fn continuation(ctx: &LetterContext) -> Continuation {
    Continuation {
        lines: vec![
            or_dash(&ctx.company.name).to_string(),
            format!(
                "RE: {} \u{2014} report {}",
                ctx.kind_title,
                or_dash(&ctx.plan.assessment_report)
            ),
            ctx.date.long.clone(),
        ],
    }
}

/// A letter's PDF: rendered with the signature's characters in its regular
/// face, then signed when `how` has a signer (see `sign::Publish::reserve`).
fn render_signed(
    mut doc: Document,
    how: &sign::Publish<'_>,
    file: String,
) -> Result<Vec<u8>, LetterError> {
    doc.reserved = how.reserve();
    let written = crate::pdf::render_written(&doc).map_err(|source| LetterError::Pdf {
        file: file.clone(),
        source,
    })?;
    how.sign(written)
        .map_err(|source| LetterError::Sign { file, source })
}

/// The letter as blocks: letterhead, date, addressee, subject, the body the
/// template wrote, the closing and the account manager's signature box.
pub fn letter_document(
    ctx: &LetterContext,
    body_markdown: &str,
    meta: &LetterMeta,
    plan: &Plan,
    paper: Paper,
) -> Document {
    let am = &ctx.am;
    let mut blocks = Vec::new();

    let mut reach = Vec::new();
    if !am.phone.trim().is_empty() {
        reach.push(format!("Tel. {}", am.phone.trim()));
    }
    if !am.email.trim().is_empty() {
        reach.push(am.email.trim().to_string());
    }
    blocks.extend(letterhead(
        &am.letterhead,
        Some(am.office.as_str()),
        &am.address,
        &reach,
    ));

    // Date, then the addressee block.
    blocks.push(Block::Paragraph {
        text: vec![Span::plain(ctx.date.long.clone())],
        align: Align::Right,
    });
    blocks.push(Block::Spacer(6.0));
    let r = &ctx.company.responsible_official;
    let mut to = Vec::new();
    if !r.name.is_empty() {
        to.push(r.name.clone());
    }
    if !r.title.is_empty() {
        to.push(r.title.clone());
    }
    to.push(or_dash(&ctx.company.name).to_string());
    if !ctx.company.importer_number.is_empty() {
        to.push(format!("Importer No. {}", ctx.company.importer_number));
    }
    if !r.email.is_empty() {
        to.push(format!("By e-mail: {}", r.email));
    }
    blocks.push(Block::Paragraph {
        text: vec![Span::plain(to.join("\n"))],
        align: Align::Left,
    });
    blocks.push(Block::Spacer(6.0));

    // Subject line and the letter's title.
    blocks.push(Block::Paragraph {
        text: vec![
            Span::bold("RE: "),
            Span::bold(subject(&ctx.company.name, &ctx.plan.assessment_report)),
            Span::plain("\n"),
            Span::italic(ctx.kind_title.clone()),
        ],
        align: Align::Left,
    });
    blocks.push(Block::Spacer(4.0));

    blocks.extend(markdown::to_blocks(body_markdown));

    // The closing: "Sincerely,", the signature space (where the visible
    // signature goes when the letter is signed), then name, title and
    // office, as a letter is signed, not as a form is filled in.
    blocks.push(Block::Spacer(6.0));
    blocks.push(Block::Closing(Closing {
        words: "Sincerely,".into(),
        lines: vec![am.name.clone(), am.title.clone(), am.office.clone()],
        field: SIGNATURE_FIELD.into(),
        height: 44.0,
    }));
    blocks.extend(notations(&ctx.enclosures, &ctx.cc));

    let letter_json = serde_json::to_vec_pretty(meta).unwrap_or_default();
    let attachments = vec![
        Attachment {
            name: crate::manifest::LETTER_FILE.into(),
            description: "What this letter is: kind, company, assessment report, date, plan digest"
                .into(),
            mime: "application/json".into(),
            relationship: Relationship::Data,
            bytes: letter_json,
        },
        Attachment {
            name: crate::manifest::PLAN_FILE.into(),
            description: "The plan the letter answers (TOML source)".into(),
            mime: "application/toml".into(),
            relationship: Relationship::Source,
            bytes: plan.source.text.as_bytes().to_vec(),
        },
    ];
    let subject_line = subject(&ctx.company.name, &ctx.plan.assessment_report);
    Document {
        info: DocInfo {
            title: format!("{} \u{2014} {}", ctx.kind_title, or_dash(&ctx.company.name)),
            author: format!("{}, {}", am.name, am.title),
            subject: format!("RE: {subject_line}"),
            keywords: vec![
                "Compliance Improvement Plan".into(),
                "U.S. Customs".into(),
                "letter".into(),
                meta.kind.clone(),
                ctx.company.name.clone(),
                ctx.plan.assessment_report.clone(),
            ],
            creator: format!("cip {}", env!("CARGO_PKG_VERSION")),
            date: NaiveDate::parse_from_str(&ctx.date.iso, "%Y-%m-%d")
                .unwrap_or_default()
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default(),
        },
        paper,
        header: None,
        continuation: Some(continuation(ctx)),
        // "Page N of M" is in the continuation header of pages 2+.
        footer: Footer {
            left: None,
            page_numbers: PageNumbers::None,
        },
        draft: false,
        blocks,
        attachments,
        reserved: Default::default(),
    }
}
