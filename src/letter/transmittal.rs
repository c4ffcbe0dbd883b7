//! The company's transmittal letter (`cip letter transmittal`): the plan
//! "should be transmitted in writing by the company at the corporate
//! level", so the company sends it to the account manager (or designated
//! CIP point of contact) over the approving official's signature, listing
//! the enclosed plan and supporting documents with their SHA-256 digests.
//!
//! The same path as Customs' letters: a template → Markdown → blocks framed
//! by a letterhead (the company's, `samples/company.toml`) → layout → PDF →
//! optionally signed. The letter embeds `transmittal.json` (what was sent)
//! and the plan's `plan.toml`.
//!
//! The report of validation results (`cip letter validation-results`) is
//! the company's other letter to Customs and goes the same way: it states
//! each deficiency's `[deficiency.validation.results]` (error rate computed
//! here, never typed) and embeds `validation-results.json`.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::context::{self, Company, Day};
use super::profile::{AmProfile, InputError, read_toml};
use super::{DateStyle, LetterError, Override, PlanInput, Templates, letterhead, or_dash};
use crate::documents::{
    Align, Attachment, Block, Closing, Continuation, DocInfo, Document, Footer, PageNumbers, Paper,
    Relationship, Span, markdown,
};
use crate::keys::Signer;
use crate::lifecycle::review::{self, Notice, Objection};
use crate::lifecycle::{self, Threshold};
use crate::model::files;
use crate::sign::{self, SignOptions};

/// Which of the company's letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompanyKind {
    /// The plan sent to the account manager.
    #[default]
    Transmittal,
    /// The validation results forwarded to Customs.
    Results,
}

impl CompanyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CompanyKind::Transmittal => "transmittal",
            CompanyKind::Results => "validation-results",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            CompanyKind::Transmittal => "Transmittal of the Compliance Improvement Plan",
            CompanyKind::Results => "Report of Validation Results",
        }
    }
}

/// One deficiency's validation results, as the report states them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ResultCtx {
    pub id: String,
    pub area: String,
    pub methodology: String,
    pub tester: String,
    pub tested: Option<i64>,
    pub errors: Option<i64>,
    /// Errors over tested, "1.7%" (computed, never written by hand).
    pub error_rate: String,
    /// "5%".
    pub tolerable_rate: String,
    /// "effective" / "not effective".
    pub conclusion: String,
    pub effective: bool,
    pub findings: String,
    pub follow_up: String,
    pub concludes: Option<String>,
    pub sent: Option<String>,
    /// The deficiency's corrective action steps completed by the letter
    /// date, of all: validation tests transactions after them.
    pub steps_done: usize,
    pub steps_total: usize,
}

/// Name of the approving official's signature field on the letter.
pub const SIGNATURE_FIELD: &str = "company_official";

/// The company's letterhead (`--from samples/company.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyProfile {
    /// The company's name as it signs letters.
    pub name: String,
    /// Postal address lines.
    #[serde(default)]
    pub address: Vec<String>,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// Lines at the top of the letter, largest first (default: the name).
    #[serde(default)]
    pub letterhead: Vec<String>,
    /// Copy recipients ("cc:").
    #[serde(default)]
    pub cc: Vec<String>,
}

impl CompanyProfile {
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let p: CompanyProfile = read_toml(path)?;
        if p.name.trim().is_empty() {
            return Err(InputError::Invalid {
                path: path.display().to_string(),
                message: "the company profile needs `name` (see samples/company.toml)".into(),
            });
        }
        Ok(p)
    }
}

/// Whom the letter is addressed to.
#[derive(Debug, Clone, Serialize)]
pub struct To {
    pub name: String,
    pub salutation: String,
    pub title: String,
    pub office: String,
    pub address: Vec<String>,
}

/// One enclosed file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Enclosed {
    /// The plan's document id ("" for the plan itself).
    pub id: String,
    pub title: String,
    pub file: String,
    pub sha256: String,
}

/// A supporting document the plan lists without a file yet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ToFollow {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanFacts {
    pub assessment_report: String,
    pub report_date: Option<Day>,
    pub prepared: Option<Day>,
    pub period_end: Option<Day>,
    /// The period has ended on the letter date.
    pub period_ended: bool,
    /// The deadline in force when Customs granted an extension.
    pub extended_deadline: Option<Day>,
    pub validation_results_due: Option<Day>,
    /// That date is before the letter date.
    pub validation_results_due_passed: bool,
    pub deficiencies_total: usize,
    /// Deficiencies whose plan describes a validation action.
    pub validations_total: usize,
    pub steps_total: usize,
}

/// What the transmittal template receives.
#[derive(Debug, Clone, Serialize)]
pub struct TransmittalContext {
    pub date: Day,
    pub from: CompanyProfile,
    pub company: Company,
    pub to: To,
    pub plan: PlanFacts,
    /// The plan first, then each supporting document with a file.
    pub enclosed: Vec<Enclosed>,
    pub to_follow: Vec<ToFollow>,
    /// The validation results (report of validation results).
    pub results: Vec<ResultCtx>,
}

/// What the AM's tools read back from the letter (`transmittal.json`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransmittalMeta {
    pub kind: String,
    pub company: String,
    pub assessment_report: String,
    /// Letter date, YYYY-MM-DD.
    pub date: String,
    pub addressee: String,
    /// The approving official who signs the letter.
    pub signer: String,
    pub enclosed: Vec<Enclosed>,
    pub to_follow: Vec<ToFollow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<ResultCtx>,
    pub creator: String,
    /// The consistency check refused the letter and the company overrode
    /// it (`--force --reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "override")]
    pub override_: Option<Override>,
}

/// A transmittal letter made in memory.
pub struct Transmittal {
    pub pdf: Vec<u8>,
    pub markdown: String,
    pub meta: TransmittalMeta,
}

/// How the letter is made.
pub struct TransmittalOptions<'a> {
    pub date: NaiveDate,
    pub paper: Paper,
    /// The account manager's profile, for the address block and greeting;
    /// without it, the plan's `submitted_to`.
    pub to: Option<&'a AmProfile>,
    pub signer: Option<(&'a Signer, SignOptions)>,
    pub date_style: DateStyle,
    pub kind: CompanyKind,
    /// Issue the letter although the consistency check refuses it; needs
    /// `reason`, which the letter's embedded data records.
    pub force: bool,
    pub reason: Option<&'a str>,
}

/// Make (and sign) the transmittal letter of `input`'s plan, refused (as
/// Customs' letters are, unless overridden) when the plan has `cip check`
/// errors or the letter is dated before the facts it states.
pub fn issue(
    input: &PlanInput,
    from: &CompanyProfile,
    opts: &TransmittalOptions<'_>,
) -> Result<Transmittal, LetterError> {
    let plan = &input.plan;
    let file = input.file.clone();
    let mut refusals: Vec<Objection> = super::check_errors(
        &input.findings(),
        &format!(
            "so the company's {} letter would state what the plan does not support; correct the plan (`cip check {file}`) first",
            opts.kind.as_str()
        ),
    )
    .into_iter()
    .collect();
    let dated = review::review(
        plan,
        &input.case,
        &Threshold::default(),
        opts.date,
        &match opts.kind {
            CompanyKind::Transmittal => Notice::Transmittal,
            CompanyKind::Results => Notice::ValidationResults,
        },
    );
    refusals.extend(dated.refusals);
    refusals.extend(another_company(plan, from));
    let override_ = super::refused_or_overridden(
        &file,
        opts.kind.as_str(),
        opts.date,
        refusals,
        opts.force,
        opts.reason,
    )?;
    let read_err = |source: std::io::Error| {
        LetterError::Input(InputError::Io {
            path: file.clone(),
            source,
        })
    };
    // The digest of the file as sent: the signed PDF or the TOML itself.
    let plan_bytes = std::fs::read(&input.file).map_err(read_err)?;
    let plan_path = Path::new(&input.file);
    let plan_name = plan_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.file.clone());
    let mut enclosed = vec![Enclosed {
        id: String::new(),
        title: "Compliance Improvement Plan".into(),
        file: plan_name,
        sha256: files::sha256_hex(&plan_bytes),
    }];
    let mut to_follow = Vec::new();
    let base = plan_path.parent().unwrap_or(Path::new("."));
    for d in &plan.documents {
        let id = context::text_of(&d.id);
        let title = context::text_of(&d.title);
        let title = if title.is_empty() { id.clone() } else { title };
        match d
            .path
            .as_ref()
            .map(|p| p.value.trim())
            .filter(|p| !p.is_empty())
        {
            // A signed plan carries its documents as attachments: they are
            // enclosed in it, with the digests its manifest records.
            Some(rel) if input.report.is_none() => {
                let loaded = files::load(base, rel).map_err(|e| {
                    LetterError::Input(InputError::Invalid {
                        path: input.file.clone(),
                        message: format!("document {id} ({rel}): {e}"),
                    })
                })?;
                enclosed.push(Enclosed {
                    id,
                    title,
                    file: loaded.file_name,
                    sha256: loaded.sha256,
                });
            }
            Some(_) => {}
            None => to_follow.push(ToFollow { id, title }),
        }
    }
    let st = lifecycle::assess(plan, &input.case, opts.date, &Threshold::default());
    let validation_results_due = plan
        .deficiencies
        .iter()
        .filter_map(|d| d.validation.as_ref())
        .filter_map(|v| v.results_to_customs.as_ref().map(|s| s.value))
        .max();
    let results = results_of(plan, &st, opts.date_style);
    if opts.kind == CompanyKind::Results && results.is_empty() {
        return Err(LetterError::Input(InputError::Invalid {
            path: input.file.clone(),
            message: "the plan records no validation results: add [deficiency.validation.results] (tested, errors, tolerable_rate, conclusion, findings, sent) to each deficiency tested".into(),
        }));
    }
    let company = context::company_of(plan);
    let to = match opts.to {
        Some(am) => To {
            name: am.name.clone(),
            salutation: if am.salutation.trim().is_empty() {
                am.name.clone()
            } else {
                am.salutation.trim().to_string()
            },
            title: am.title.clone(),
            office: am.office.clone(),
            address: am.address.clone(),
        },
        None => {
            let to = context::text_of(&plan.header.submitted_to);
            To {
                name: to.clone(),
                salutation: if to.is_empty() {
                    "Sir or Madam".into()
                } else {
                    to.split(',').next().unwrap_or_default().trim().to_string()
                },
                title: String::new(),
                office: String::new(),
                address: Vec::new(),
            }
        }
    };
    let mut ctx = TransmittalContext {
        date: opts.date.into(),
        from: from.clone(),
        company,
        to,
        plan: PlanFacts {
            assessment_report: plan.assessment_report().to_string(),
            report_date: context::day(st.report_date),
            prepared: context::day(st.prepared),
            period_end: context::day(st.period_end),
            period_ended: st.period_ended(),
            extended_deadline: st
                .extension_in_force()
                .and_then(|_| context::day(st.deadline_date())),
            validation_results_due: context::day(validation_results_due),
            validation_results_due_passed: validation_results_due.is_some_and(|d| d < opts.date),
            deficiencies_total: plan.deficiencies.len(),
            validations_total: plan
                .deficiencies
                .iter()
                .filter(|d| d.validation.is_some())
                .count(),
            steps_total: st.implementation.total,
        },
        enclosed,
        to_follow,
        results,
    };
    let templates = Templates::company()?;
    let md = templates.render_styled(opts.kind.as_str(), &ctx, opts.date_style)?;
    if opts.date_style == DateStyle::Iso {
        ctx.date.long = ctx.date.iso.clone();
    }
    let a = &ctx.company.approving_official;
    let meta = TransmittalMeta {
        kind: opts.kind.as_str().into(),
        company: ctx.company.name.clone(),
        assessment_report: ctx.plan.assessment_report.clone(),
        date: ctx.date.iso.clone(),
        addressee: ctx.to.name.clone(),
        signer: [a.name.as_str(), a.title.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        enclosed: ctx.enclosed.clone(),
        to_follow: ctx.to_follow.clone(),
        results: ctx.results.clone(),
        creator: format!("cip {}", env!("CARGO_PKG_VERSION")),
        override_,
    };
    let how = sign::Publish {
        signer: opts.signer.as_ref().map(|(s, o)| (*s, o)),
        default_reason: Some(format!(
            "{} \u{2014} {}",
            opts.kind.title(),
            or_dash(&ctx.company.name)
        )),
        ..sign::Publish::default()
    };
    let doc = document(
        &ctx,
        &md,
        &meta,
        plan.source.text.as_bytes(),
        opts.paper,
        opts.kind,
    );
    let pdf = super::render_signed(doc, &how, file)?;
    Ok(Transmittal {
        pdf,
        markdown: md,
        meta,
    })
}

fn document(
    ctx: &TransmittalContext,
    body: &str,
    meta: &TransmittalMeta,
    plan_toml: &[u8],
    paper: Paper,
    kind: CompanyKind,
) -> Document {
    let from = &ctx.from;
    let head: Vec<String> = if from.letterhead.iter().any(|l| !l.trim().is_empty()) {
        from.letterhead.clone()
    } else {
        vec![from.name.clone()]
    };
    let mut reach = Vec::new();
    if !from.phone.trim().is_empty() {
        reach.push(format!("Tel. {}", from.phone.trim()));
    }
    if !from.email.trim().is_empty() {
        reach.push(from.email.trim().to_string());
    }
    let mut blocks = letterhead(&head, None, &from.address, &reach);
    blocks.push(Block::Paragraph {
        text: vec![Span::plain(ctx.date.long.clone())],
        align: Align::Right,
    });
    blocks.push(Block::Spacer(6.0));
    let t = &ctx.to;
    let mut to: Vec<String> = [&t.name, &t.title, &t.office]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .cloned()
        .collect();
    to.extend(t.address.iter().filter(|s| !s.trim().is_empty()).cloned());
    if to.is_empty() {
        to.push("U.S. Customs and Border Protection".into());
    }
    blocks.push(Block::Paragraph {
        text: vec![Span::plain(to.join("\n"))],
        align: Align::Left,
    });
    blocks.push(Block::Spacer(6.0));
    let subject = super::subject(&ctx.company.name, &ctx.plan.assessment_report);
    blocks.push(Block::Paragraph {
        text: vec![
            Span::bold("RE: "),
            Span::bold(subject.clone()),
            Span::plain("\n"),
            Span::italic(kind.title()),
        ],
        align: Align::Left,
    });
    blocks.push(Block::Spacer(4.0));
    blocks.extend(markdown::to_blocks(body));
    let a = &ctx.company.approving_official;
    blocks.push(Block::Spacer(6.0));
    blocks.push(Block::Closing(Closing {
        words: "Sincerely,".into(),
        lines: vec![
            a.name.clone(),
            a.title.clone(),
            or_dash(&from.name).to_string(),
        ],
        field: SIGNATURE_FIELD.into(),
        height: 44.0,
    }));
    let enclosed: Vec<&str> = match kind {
        CompanyKind::Transmittal => ctx.enclosed.iter().map(|e| e.file.as_str()).collect(),
        CompanyKind::Results => Vec::new(),
    };
    blocks.extend(super::notations(&enclosed, &from.cc));
    let json = serde_json::to_vec_pretty(meta).unwrap_or_default();
    Document {
        info: DocInfo {
            title: format!("{} \u{2014} {}", kind.title(), or_dash(&ctx.company.name)),
            author: format!("{}, {}", a.name, a.title),
            subject: format!("RE: {subject}"),
            keywords: vec![
                "Compliance Improvement Plan".into(),
                kind.as_str().into(),
                ctx.company.name.clone(),
                ctx.plan.assessment_report.clone(),
            ],
            creator: meta.creator.clone(),
            date: NaiveDate::parse_from_str(&ctx.date.iso, "%Y-%m-%d")
                .unwrap_or_default()
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default(),
        },
        paper,
        header: None,
        continuation: Some(Continuation {
            lines: vec![
                or_dash(&t.name).to_string(),
                format!(
                    "RE: {} \u{2014} report {}",
                    kind.title(),
                    or_dash(&ctx.plan.assessment_report)
                ),
                ctx.date.long.clone(),
            ],
        }),
        footer: Footer {
            left: None,
            page_numbers: PageNumbers::None,
        },
        draft: false,
        blocks,
        attachments: vec![
            Attachment {
                name: format!("{}.json", kind.as_str()),
                description: match kind {
                    CompanyKind::Transmittal => {
                        "What this letter transmits: the plan and documents with their SHA-256"
                    }
                    CompanyKind::Results => "The validation results this report states",
                }
                .into(),
                mime: "application/json".into(),
                relationship: Relationship::Data,
                bytes: json,
            },
            Attachment {
                name: crate::manifest::PLAN_FILE.into(),
                description: "The plan transmitted (TOML source)".into(),
                mime: "application/toml".into(),
                relationship: Relationship::Source,
                bytes: plan_toml.to_vec(),
            },
        ],
        reserved: Default::default(),
    }
}

/// Every deficiency's `[deficiency.validation.results]`, in plan order.
fn results_of(
    plan: &crate::model::Plan,
    st: &lifecycle::CaseState,
    style: DateStyle,
) -> Vec<ResultCtx> {
    let show = |d: chrono::NaiveDate| {
        let day = Day::from(d);
        match style {
            DateStyle::Long => day.long,
            DateStyle::Iso => day.iso,
        }
    };
    let percent = |v: f64| {
        let s = format!("{v:.1}");
        format!("{}%", s.strip_suffix(".0").unwrap_or(&s))
    };
    let mut out = Vec::new();
    for (n, d) in plan.deficiencies.iter().enumerate() {
        let Some(v) = &d.validation else { continue };
        let Some(r) = &v.results else { continue };
        let id = context::text_of(&d.id);
        out.push(ResultCtx {
            id: if id.is_empty() {
                format!("{}", n + 1)
            } else {
                id
            },
            area: context::text_of(&d.area),
            methodology: context::text_of(&v.methodology),
            tester: context::text_of(&v.tester),
            tested: r.tested.as_ref().map(|t| t.value),
            errors: r.errors.as_ref().map(|e| e.value),
            error_rate: r
                .error_rate()
                .map(percent)
                .unwrap_or_else(|| "\u{2014}".into()),
            tolerable_rate: r
                .tolerable_rate
                .as_ref()
                .map(|t| percent(t.value))
                .unwrap_or_else(|| "\u{2014}".into()),
            conclusion: match r.effective() {
                Some(true) => "effective".into(),
                Some(false) => "not effective".into(),
                None => context::text_of(&r.conclusion),
            },
            effective: r.effective() == Some(true),
            findings: context::text_of(&r.findings),
            follow_up: context::text_of(&r.follow_up),
            concludes: v.concludes.as_ref().map(|c| show(c.value)),
            sent: r.sent.as_ref().map(|s| show(s.value)),
            steps_done: st.deficiencies.get(n).map_or(0, |s| s.done),
            steps_total: st.deficiencies.get(n).map_or(0, |s| s.total),
        });
    }
    out
}

/// The letterhead and the closing print the profile's name, the subject
/// and body the plan's company: when they name different companies the
/// letter would be one company's about another's plan. Compared on letters
/// and digits only, so "Acme Imports, Inc." and "ACME Imports Inc" agree.
fn another_company(plan: &crate::model::Plan, from: &CompanyProfile) -> Option<Objection> {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let company = plan.company();
    (!company.trim().is_empty() && key(company) != key(&from.name)).then(|| Objection {
        code: "profile-names-another-company",
        message: format!(
            "the company profile (--from) is \"{}\" but the plan is \"{}\"'s; the letter's letterhead and signature would name one company and its subject the other: use that company's profile, or correct `name` in it or `company` in the plan",
            from.name.trim(),
            company.trim()
        ),
    })
}
