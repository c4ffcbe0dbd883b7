//! The context every letter template receives, documented variable by
//! variable in `templates/README.md` (keep the two in step: a test renders
//! the README's variable list against this structure).

use chrono::NaiveDate;
use serde::Serialize;

use super::Kind;
use super::profile::{AmProfile, Decision, LetterData};
use crate::check::{Finding, Severity};
use crate::model::{self, Plan, StepStatus, date, text};

/// A date as templates see it: `{{ d.iso }}` = "2027-02-28",
/// `{{ d.long }}` = "February 28, 2027".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    pub iso: String,
    pub long: String,
}

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Self {
        Day {
            iso: d.format("%Y-%m-%d").to_string(),
            long: d.format("%B %-d, %Y").to_string(),
        }
    }
}

fn day(d: Option<NaiveDate>) -> Option<Day> {
    d.map(Day::from)
}

#[derive(Debug, Clone, Serialize)]
pub struct LetterContext {
    pub kind: String,
    pub kind_title: String,
    pub date: Day,
    pub am: AmProfile,
    pub company: Company,
    pub plan: PlanCtx,
    pub deficiencies: Vec<DeficiencyCtx>,
    /// Problems and requests about the plan as a whole (not one deficiency),
    /// numbered after those of the deficiencies.
    pub general_items: Vec<Item>,
    /// Number of items (problems + requests) over the whole letter.
    pub items_total: usize,
    pub response_due: Day,
    pub extension: Option<ExtensionCtx>,
    pub follow_up: Option<FollowUpCtx>,
    pub risk_category: Option<RiskCtx>,
    /// The account manager's extra paragraph (Markdown), or "".
    pub note: String,
    pub cc: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Company {
    pub name: String,
    pub importer_number: String,
    pub responsible_official: Person,
    pub approving_official: Person,
}

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
    /// Date issued (approving official), else none.
    pub date: Option<Day>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanCtx {
    pub assessment_report: String,
    pub report_date: Option<Day>,
    pub prepared: Option<Day>,
    pub submitted_to: String,
    pub conditional_period_months: u32,
    pub period_end: Option<Day>,
    pub extended_deadline: Option<Day>,
    /// Extended deadline if granted, else the period end.
    pub deadline: Option<Day>,
    /// The latest date validation results are to reach Customs.
    pub validation_results_due: Option<Day>,
    pub steps_total: usize,
    pub steps_done: usize,
    /// "toml" or "signed-pdf".
    pub source: String,
    /// File name the plan was read from.
    pub file: String,
    pub plan_toml_sha256: String,
    /// Signers of the plan PDF ("Name, Title"), when read from a signed PDF.
    pub signed_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeficiencyCtx {
    /// 1-based position in the plan.
    pub number: usize,
    pub id: String,
    pub area: String,
    pub result_sheet: String,
    pub condition: String,
    pub steps: Vec<StepCtx>,
    pub validation: Option<ValidationCtx>,
    /// `cip check` findings on this deficiency, in plain words.
    pub problems: Vec<String>,
    /// The account manager's requests on this deficiency (LETTER.toml).
    pub requests: Vec<String>,
    /// problems followed by requests, numbered through the whole letter.
    pub items: Vec<Item>,
}

/// One numbered item of an additional-information letter.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// 1-based, running through the letter (deficiencies first, in plan
    /// order, then the plan as a whole).
    pub number: usize,
    pub text: String,
    /// "check" (a `cip check` finding) or "request" (LETTER.toml).
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepCtx {
    pub number: usize,
    pub action: String,
    pub target: Option<Day>,
    /// "planned", "in-progress" or "done".
    pub status: String,
    pub completed: Option<Day>,
    pub departments: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidationCtx {
    pub methodology: String,
    pub tester: String,
    pub transactions: Option<i64>,
    pub begins: Option<Day>,
    pub concludes: Option<Day>,
    pub results_to_customs: Option<Day>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExtensionCtx {
    /// "granted" or "denied".
    pub decision: String,
    pub granted: bool,
    pub requested: Option<Day>,
    /// The deadline before this decision (period end or earlier extension).
    pub previous_deadline: Option<Day>,
    pub new_deadline: Option<Day>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUpCtx {
    pub date: Day,
    pub location: String,
    /// Deficiencies in scope (same shape as `deficiencies`).
    pub scope: Vec<DeficiencyCtx>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskCtx {
    pub category: String,
    pub reason: String,
    pub effective: Day,
}

/// Why the context for a kind of letter cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(
        "LETTER.toml asks about deficiency `{0}`, which the plan does not have (its deficiencies: {1})"
    )]
    UnknownDeficiency(String, String),
    #[error("{0}")]
    Missing(String),
}

/// Everything the context is built from.
pub struct Inputs<'a> {
    pub kind: Kind,
    pub plan: &'a Plan,
    pub am: &'a AmProfile,
    pub data: &'a LetterData,
    pub date: NaiveDate,
    /// `cip check` findings on the plan.
    pub findings: &'a [Finding],
    pub source: &'a str,
    pub file: &'a str,
    pub signed_by: Vec<String>,
}

pub fn build(i: &Inputs<'_>) -> Result<LetterContext, ContextError> {
    let plan = i.plan;
    let ids: Vec<String> = plan
        .deficiencies
        .iter()
        .enumerate()
        .map(|(n, d)| def_id(n, d))
        .collect();
    let mut deficiencies: Vec<DeficiencyCtx> = plan
        .deficiencies
        .iter()
        .enumerate()
        .map(|(n, d)| deficiency(n, d, &ids[n]))
        .collect();
    let mut general: Vec<(String, &str)> = Vec::new();
    // Errors before warnings, each in plan order (findings come sorted by
    // position).
    let mut findings: Vec<&Finding> = i.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity == Severity::Error));
    for f in findings {
        let words = plain_words(&f.message);
        match f.deficiency.and_then(|n| deficiencies.get_mut(n)) {
            Some(d) => d.problems.push(words),
            None => general.push((words, "check")),
        }
    }
    for r in &i.data.requests {
        let t = r.text.trim().to_string();
        match r.deficiency.as_deref().map(str::trim) {
            Some(id) => match ids.iter().position(|x| x == id) {
                Some(n) => deficiencies[n].requests.push(t),
                None => {
                    return Err(ContextError::UnknownDeficiency(
                        id.to_string(),
                        ids.join(", "),
                    ));
                }
            },
            None => general.push((t, "request")),
        }
    }
    let mut number = 0;
    let mut item = |text: &String, source: &str| {
        number += 1;
        Item {
            number,
            text: text.clone(),
            source: source.to_string(),
        }
    };
    for d in &mut deficiencies {
        let problems = d.problems.iter().map(|t| (t, "check"));
        let requests = d.requests.iter().map(|t| (t, "request"));
        d.items = problems.chain(requests).map(|(t, s)| item(t, s)).collect();
    }
    let general_items: Vec<Item> = general.iter().map(|(t, s)| item(t, s)).collect();
    let items_total = number;

    let steps = plan.deficiencies.iter().flat_map(|d| &d.steps);
    let steps_total = steps.clone().count();
    let steps_done = steps.filter(|s| s.status() == StepStatus::Done).count();
    let validation_results_due = plan
        .deficiencies
        .iter()
        .filter_map(|d| d.validation.as_ref())
        .filter_map(|v| date(&v.results_to_customs))
        .max();
    let h = &plan.header;
    let plan_ctx = PlanCtx {
        assessment_report: plan.assessment_report().to_string(),
        report_date: day(date(&h.report_date)),
        prepared: day(date(&h.prepared)),
        submitted_to: s(&h.submitted_to),
        conditional_period_months: model::CONDITIONAL_PERIOD_MONTHS,
        period_end: day(plan.period_end()),
        extended_deadline: day(plan.extended_deadline()),
        deadline: day(plan.deadline()),
        validation_results_due: day(validation_results_due),
        steps_total,
        steps_done,
        source: i.source.to_string(),
        file: i.file.to_string(),
        plan_toml_sha256: model::files::sha256_hex(plan.source.text.as_bytes()),
        signed_by: i.signed_by.clone(),
    };
    let r = &plan.responsible_official;
    let a = &plan.approving_official;
    let company = Company {
        name: plan.company().to_string(),
        importer_number: s(&h.importer_number),
        responsible_official: Person {
            name: s(&r.name),
            title: s(&r.title),
            email: s(&r.email),
            phone: s(&r.phone),
            date: None,
        },
        approving_official: Person {
            name: s(&a.name),
            title: s(&a.title),
            email: s(&a.email),
            phone: s(&a.phone),
            date: day(date(&a.date)),
        },
    };
    let response_due = i.data.due.unwrap_or_else(|| i.date + chrono::Days::new(30));
    let extension = extension(&i.kind, plan, i.data)?;
    let follow_up = follow_up(&i.kind, plan, i.data, &deficiencies, &ids)?;
    let risk_category = risk(plan, i.data, i.date);
    if i.kind == Kind::RiskCategory && risk_category.is_none() {
        return Err(ContextError::Missing(
            "a risk-category letter needs the designation: give [risk_category] category and reason in LETTER.toml (--data), or a report date in the plan".into(),
        ));
    }
    if i.kind == Kind::AdditionalInformation && items_total == 0 {
        return Err(ContextError::Missing(
            "nothing to ask: cip check finds nothing missing in the plan and LETTER.toml (--data) has no [[request]]".into(),
        ));
    }
    Ok(LetterContext {
        kind: i.kind.as_str().to_string(),
        kind_title: i.kind.title().to_string(),
        date: i.date.into(),
        am: i.am.clone(),
        company,
        plan: plan_ctx,
        deficiencies,
        general_items,
        items_total,
        response_due: response_due.into(),
        extension,
        follow_up,
        risk_category,
        note: i.data.note.clone().unwrap_or_default(),
        cc: i.data.cc.clone(),
    })
}

/// A reason as templates get it: trimmed, without a final period (the
/// template adds its own punctuation).
fn reason(s: &str) -> String {
    s.trim().trim_end_matches('.').trim_end().to_string()
}

fn s(f: &model::Field<String>) -> String {
    text(f).unwrap_or("").to_string()
}

fn def_id(n: usize, d: &model::Deficiency) -> String {
    text(&d.id).map_or_else(|| format!("{}", n + 1), str::to_string)
}

fn deficiency(n: usize, d: &model::Deficiency, id: &str) -> DeficiencyCtx {
    DeficiencyCtx {
        number: n + 1,
        id: id.to_string(),
        area: s(&d.area),
        result_sheet: s(&d.result_sheet),
        condition: s(&d.condition),
        steps: d
            .steps
            .iter()
            .enumerate()
            .map(|(j, st)| StepCtx {
                number: j + 1,
                action: s(&st.action),
                target: day(date(&st.target)),
                status: st.status().as_str().to_string(),
                completed: day(date(&st.completed)),
                departments: st
                    .departments
                    .iter()
                    .map(|d| d.value.trim().to_string())
                    .collect(),
            })
            .collect(),
        validation: d.validation.as_ref().map(|v| ValidationCtx {
            methodology: s(&v.methodology),
            tester: s(&v.tester),
            transactions: v.transactions.as_ref().map(|t| t.value),
            begins: day(date(&v.begins)),
            concludes: day(date(&v.concludes)),
            results_to_customs: day(date(&v.results_to_customs)),
        }),
        problems: Vec::new(),
        requests: Vec::new(),
        items: Vec::new(),
    }
}

/// Finding messages quote ids in backticks (for a terminal); a letter uses
/// typographic quotes.
fn plain_words(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut open = true;
    for c in msg.chars() {
        if c == '`' {
            out.push(if open { '\u{201c}' } else { '\u{201d}' });
            open = !open;
        } else {
            out.push(c);
        }
    }
    out
}

fn extension(
    kind: &Kind,
    plan: &Plan,
    data: &LetterData,
) -> Result<Option<ExtensionCtx>, ContextError> {
    let latest = plan
        .extensions
        .iter()
        .max_by_key(|e| (date(&e.requested), date(&e.granted)));
    let ctx = match (&data.extension, latest) {
        (Some(x), latest) => {
            let plan_deadline = latest.and_then(|e| date(&e.new_deadline));
            let new_deadline = x.new_deadline.or(match x.decision {
                Decision::Granted => plan_deadline,
                Decision::Denied => None,
            });
            if x.decision == Decision::Granted && new_deadline.is_none() {
                return Err(ContextError::Missing(
                    "an extension granted needs its new deadline: give `new_deadline` in [extension] of LETTER.toml".into(),
                ));
            }
            Some(ExtensionCtx {
                decision: decision_word(x.decision).into(),
                granted: x.decision == Decision::Granted,
                requested: day(x
                    .requested
                    .or_else(|| latest.and_then(|e| date(&e.requested)))),
                previous_deadline: day(previous_deadline(plan, new_deadline)),
                new_deadline: day(new_deadline),
                reason: reason(
                    x.reason
                        .as_deref()
                        .or_else(|| latest.and_then(|e| text(&e.reason)))
                        .unwrap_or_default(),
                ),
            })
        }
        (None, Some(e)) if e.granted.is_some() => {
            let new_deadline = date(&e.new_deadline);
            Some(ExtensionCtx {
                decision: "granted".into(),
                granted: true,
                requested: day(date(&e.requested)),
                previous_deadline: day(previous_deadline(plan, new_deadline)),
                new_deadline: day(new_deadline),
                reason: reason(&s(&e.reason)),
            })
        }
        _ => None,
    };
    if *kind == Kind::Extension && ctx.is_none() {
        return Err(ContextError::Missing(
            "an extension letter needs a decision: the plan has no granted [[extension]]; \
             give [extension] decision = \"granted\" or \"denied\" in LETTER.toml (--data)"
                .into(),
        ));
    }
    Ok(ctx)
}

fn decision_word(d: Decision) -> &'static str {
    match d {
        Decision::Granted => "granted",
        Decision::Denied => "denied",
    }
}

/// The deadline in force before an extension to `new_deadline`: the latest
/// granted deadline earlier than it, else the end of the conditional period.
fn previous_deadline(plan: &Plan, new_deadline: Option<NaiveDate>) -> Option<NaiveDate> {
    let earlier = plan
        .extensions
        .iter()
        .filter(|e| e.granted.is_some())
        .filter_map(|e| date(&e.new_deadline))
        .filter(|d| new_deadline.is_none_or(|n| *d < n))
        .max();
    earlier.or_else(|| plan.period_end())
}

fn follow_up(
    kind: &Kind,
    plan: &Plan,
    data: &LetterData,
    deficiencies: &[DeficiencyCtx],
    ids: &[String],
) -> Result<Option<FollowUpCtx>, ContextError> {
    let (when, location, wanted) = match &data.follow_up {
        Some(f) => (Some(f.date), f.location.clone(), f.deficiencies.clone()),
        None => (
            plan.follow_up.as_ref().and_then(|f| date(&f.started)),
            None,
            None,
        ),
    };
    let Some(when) = when else {
        if *kind == Kind::FollowUp {
            return Err(ContextError::Missing(
                "a follow-up letter needs the review date: give [follow_up] date = YYYY-MM-DD in LETTER.toml (--data), or a started date in the plan's [follow_up]".into(),
            ));
        }
        return Ok(None);
    };
    let scope = match wanted {
        None => deficiencies.to_vec(),
        Some(list) => {
            let mut v = Vec::new();
            for id in list {
                let id = id.trim();
                match ids.iter().position(|x| x == id) {
                    Some(n) => v.push(deficiencies[n].clone()),
                    None => {
                        return Err(ContextError::UnknownDeficiency(
                            id.to_string(),
                            ids.join(", "),
                        ));
                    }
                }
            }
            v
        }
    };
    Ok(Some(FollowUpCtx {
        date: when.into(),
        location: location.unwrap_or_else(|| "the company's premises".into()),
        scope,
    }))
}

/// The designation in force: from LETTER.toml, else derived from the plan
/// and the letter date as the framework describes.
fn risk(plan: &Plan, data: &LetterData, on: NaiveDate) -> Option<RiskCtx> {
    if let Some(r) = &data.risk_category {
        return Some(RiskCtx {
            category: r.category.trim().to_string(),
            reason: reason(&r.reason),
            effective: r.effective.unwrap_or(on).into(),
        });
    }
    let deadline = plan.deadline()?;
    let follow_up_open = plan
        .follow_up
        .as_ref()
        .is_some_and(|f| f.started.is_some() && f.completed.is_none());
    let all_done = plan
        .deficiencies
        .iter()
        .flat_map(|d| &d.steps)
        .all(|s| s.status() == StepStatus::Done);
    let long = |d: NaiveDate| Day::from(d).long;
    let (category, why) = if on <= deadline {
        (
            "standard",
            format!(
                "The company is within the period for implementing its Compliance Improvement Plan, which ends {}.",
                long(deadline)
            ),
        )
    } else if follow_up_open {
        (
            "standard",
            "Customs is conducting the follow-up review, which has not been completed; the company remains in the standard category until it is.".to_string(),
        )
    } else if all_done {
        (
            "standard",
            format!(
                "The company reports every corrective action step of its plan as implemented by the end of the period on {}.",
                long(deadline)
            ),
        )
    } else {
        (
            "higher",
            format!(
                "The Compliance Improvement Plan was not implemented within the period that ended {} and significant progress has not been demonstrated.",
                long(deadline)
            ),
        )
    };
    Some(RiskCtx {
        category: category.into(),
        reason: reason(&why),
        effective: on.into(),
    })
}
