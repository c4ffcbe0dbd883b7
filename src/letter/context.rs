//! The context every letter template receives, documented variable by
//! variable in `templates/README.md` (keep the two in step: a test renders
//! the README's variable list against this structure).

use chrono::NaiveDate;
use serde::Serialize;

use super::Kind;
use super::profile::{AmProfile, LetterData};
use crate::check::{Finding, Severity};
use crate::lifecycle::{CaseState, Progress};
use crate::model::case::{Category, Outcome};
use crate::model::{self, Plan, date, text};

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
            iso: crate::model::dates::iso(d),
            long: crate::model::dates::long(d),
        }
    }
}

/// The company and its officials, as every letter names them.
pub(super) fn company_of(plan: &Plan) -> Company {
    let h = &plan.header;
    let r = &plan.responsible_official;
    let a = &plan.approving_official;
    Company {
        name: plan.company().to_string(),
        importer_number: s(&h.importer_number),
        responsible_official: Person {
            name: s(&r.name),
            salutation: or_name(s(&r.salutation), &r.name),
            title: s(&r.title),
            email: s(&r.email),
            phone: s(&r.phone),
            date: None,
        },
        approving_official: Person {
            name: s(&a.name),
            salutation: or_name(s(&a.salutation), &a.name),
            title: s(&a.title),
            email: s(&a.email),
            phone: s(&a.phone),
            date: day(date(&a.date)),
        },
    }
}

/// The salutation given, else the full name.
fn or_name(salutation: String, name: &model::Field<String>) -> String {
    if salutation.trim().is_empty() {
        s(name)
    } else {
        salutation.trim().to_string()
    }
}

pub(super) fn day(d: Option<NaiveDate>) -> Option<Day> {
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
    /// The lifecycle on the letter date, after this letter's decision.
    pub case: CaseCtx,
    /// The account manager's extra paragraph (Markdown), or "".
    pub note: String,
    pub cc: Vec<String>,
    /// What is sent with the letter ("Enclosures:" under the signature).
    pub enclosures: Vec<String>,
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
    /// The greeting's name: "Ms. Alvarez" when the plan gives a
    /// `salutation`, else the full name ("Dear {{ … }}:").
    pub salutation: String,
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
    /// The conditional period ended before the letter date.
    pub period_ended: bool,
    /// The new deadline of the extension in force on the letter date.
    pub extended_deadline: Option<Day>,
    /// The deadline in force on the letter date.
    pub deadline: Option<Day>,
    /// The latest date validation results are to reach Customs.
    pub validation_results_due: Option<Day>,
    pub steps_total: usize,
    /// Steps completed on or before the letter date.
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
    /// Transactions the plan intends to test (planned, not a result).
    pub transactions: Option<i64>,
    /// Transactions tested, from `[deficiency.validation.results]`.
    pub tested: Option<i64>,
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
    /// The date of the decision.
    pub decided: Day,
    /// The deadline in force before this decision (period end or earlier extension).
    pub previous_deadline: Option<Day>,
    /// The previous deadline had passed on the letter date.
    pub previous_deadline_passed: bool,
    pub new_deadline: Option<Day>,
    pub reason: String,
    /// Significant progress on the day the request was judged, in words.
    pub progress: String,
    /// Its verdict, as `case.progress_verdict` ("significant", …; empty
    /// when not judged): what a denial may say about the progress shown.
    pub progress_verdict: String,
    /// `progress` in its two parts: the day judged and the rule, in words.
    pub progress_as_of: Option<Day>,
    pub progress_rule: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUpCtx {
    pub date: Day,
    /// The review's first day is on or before the letter date.
    pub begun: bool,
    pub location: String,
    /// Deficiencies in scope (same shape as `deficiencies`).
    pub scope: Vec<DeficiencyCtx>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskCtx {
    /// "standard" or "a higher compliance risk category".
    pub category: String,
    pub higher: bool,
    pub reason: String,
    pub effective: Day,
}

/// What the lifecycle says on the letter date (after this letter's
/// decision): templates state these facts and compute none.
#[derive(Debug, Clone, Serialize)]
pub struct CaseCtx {
    pub as_of: Day,
    /// e.g. "within-period", "at-risk".
    pub phase: String,
    pub phase_title: String,
    /// "standard" or "a higher compliance risk category"; "" without a report date.
    pub category: String,
    /// The category is "a higher compliance risk category".
    pub higher: bool,
    pub category_since: Option<Day>,
    pub category_basis: String,
    pub deadline: Option<Day>,
    pub deadline_passed: bool,
    /// The deadline in force comes from a granted extension.
    pub extended: bool,
    pub steps_done: usize,
    pub steps_total: usize,
    pub steps_percent: u32,
    pub implemented: bool,
    pub implemented_on: Option<Day>,
    pub validations_done: usize,
    pub validations_total: usize,
    pub validated: bool,
    /// "not-yet-judged", "implemented", "significant", "not-significant", "undetermined".
    pub progress_verdict: String,
    pub progress_rule: String,
    pub progress_judged_on: Option<Day>,
    /// "not requested", "requested", "scheduled", "under way", "completed".
    pub follow_up_stage: String,
    pub automatic_extension: bool,
    /// A follow-up review starting on `follow_up.date` would be under way
    /// at the end of the period in force (automatic extension).
    pub review_within_deadline: bool,
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
    /// The lifecycle on the letter date, after this letter's decision.
    pub state: &'a CaseState,
    /// This letter's decision and what it rests on.
    pub facts: &'a Facts,
}

/// The decision a letter communicates and the facts it rests on, made by
/// `letter` from LETTER.toml or the record and checked by
/// `lifecycle::review` before the letter is written.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub extension: Option<ExtensionFacts>,
    pub follow_up: Option<FollowUpFacts>,
    pub designation: Option<DesignationFacts>,
}

#[derive(Debug, Clone)]
pub struct ExtensionFacts {
    pub outcome: Outcome,
    pub requested: Option<NaiveDate>,
    pub decided: NaiveDate,
    pub previous_deadline: Option<NaiveDate>,
    pub previous_deadline_passed: bool,
    pub new_deadline: Option<NaiveDate>,
    pub reason: Option<String>,
    pub progress: Option<Progress>,
}

#[derive(Debug, Clone)]
pub struct FollowUpFacts {
    pub date: NaiveDate,
    pub location: Option<String>,
    pub deficiencies: Option<Vec<String>>,
    pub within_deadline: bool,
}

#[derive(Debug, Clone)]
pub struct DesignationFacts {
    pub category: Category,
    pub effective: NaiveDate,
    pub reason: String,
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
        let words = as_request(&plain_words(&f.message));
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

    let st = i.state;
    let validation_results_due = plan
        .deficiencies
        .iter()
        .filter_map(|d| d.validation.as_ref())
        .filter_map(|v| date(&v.results_to_customs))
        .max();
    let h = &plan.header;
    let plan_ctx = PlanCtx {
        assessment_report: plan.assessment_report().to_string(),
        report_date: day(st.report_date),
        prepared: day(st.prepared),
        submitted_to: s(&h.submitted_to),
        conditional_period_months: model::CONDITIONAL_PERIOD_MONTHS,
        period_end: day(st.period_end),
        period_ended: st.period_ended(),
        extended_deadline: day(st.extension_in_force().and_then(|e| e.new_deadline)),
        deadline: day(st.deadline_date()),
        validation_results_due: day(validation_results_due),
        steps_total: st.implementation.total,
        steps_done: st.implementation.done,
        source: i.source.to_string(),
        file: i.file.to_string(),
        plan_toml_sha256: model::files::sha256_hex(plan.source.text.as_bytes()),
        signed_by: i.signed_by.clone(),
    };
    let company = company_of(plan);
    let response_due = i.data.due.unwrap_or_else(|| i.date + chrono::Days::new(30));
    let extension = i.facts.extension.as_ref().map(extension);
    if i.kind == Kind::Extension && extension.is_none() {
        return Err(ContextError::Missing(
            "an extension letter needs a decision: give [extension] decision = \"granted\" or \"denied\" in LETTER.toml (--data), or record one in the case file".into(),
        ));
    }
    let follow_up = follow_up(i.facts.follow_up.as_ref(), &deficiencies, &ids, i.date)?;
    if i.kind == Kind::FollowUp && follow_up.is_none() {
        return Err(ContextError::Missing(
            "a follow-up letter needs the review date: give [follow_up] date = YYYY-MM-DD in LETTER.toml (--data), or a started date in the case file".into(),
        ));
    }
    let risk_category = i.facts.designation.as_ref().map(|d| RiskCtx {
        category: d.category.words().to_string(),
        higher: d.category == Category::Higher,
        reason: sentence(&d.reason),
        effective: d.effective.into(),
    });
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
        kind_title: i.kind.title_for(i.facts),
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
        case: case_ctx(st, i.facts),
        note: i.data.note.clone().unwrap_or_default(),
        cc: i.data.cc.clone(),
        enclosures: i.data.enclosures.clone(),
    })
}

/// A reason as templates get it: trimmed, without a final period (the
/// template adds its own punctuation).
fn reason(s: &str) -> String {
    s.trim().trim_end_matches('.').trim_end().to_string()
}

/// A reason that starts a sentence: as [`reason`], first letter capital.
fn sentence(s: &str) -> String {
    let r = reason(s);
    let mut c = r.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => r,
    }
}

/// A text field's value, "" when absent.
pub(super) fn text_of(f: &model::Field<String>) -> String {
    s(f)
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
            tested: v
                .results
                .as_ref()
                .and_then(|r| r.tested.as_ref())
                .map(|t| t.value),
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
/// A checker finding as what Customs asks the company to do: "The testing
/// methodology of D2 is missing" becomes "Provide the testing methodology
/// of D2." — a letter requests, it does not report a checker's findings.
fn as_request(msg: &str) -> String {
    let m = msg.trim().trim_end_matches('.');
    for tail in [" is missing", " is empty"] {
        if let Some(what) = m.strip_suffix(tail) {
            let mut c = what.chars();
            if let Some(first) = c.next() {
                let what = format!("{}{}", first.to_lowercase(), c.as_str());
                // "who conducts the testing" is stated, not provided.
                let verb = if what.starts_with("who ") {
                    "State"
                } else {
                    "Provide"
                };
                return format!("{verb} {what}.");
            }
        }
    }
    let mut c = m.chars();
    match c.next() {
        Some(first) => format!(
            "Review and correct the CIP where {}{}.",
            first.to_lowercase(),
            c.as_str()
        ),
        None => String::new(),
    }
}

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

fn extension(x: &ExtensionFacts) -> ExtensionCtx {
    ExtensionCtx {
        decision: x.outcome.as_str().to_string(),
        granted: x.outcome == Outcome::Granted,
        requested: day(x.requested),
        decided: x.decided.into(),
        previous_deadline: day(x.previous_deadline),
        previous_deadline_passed: x.previous_deadline_passed,
        new_deadline: day(x.new_deadline),
        reason: reason(x.reason.as_deref().unwrap_or_default()),
        progress: x
            .progress
            .as_ref()
            .map(|p| match p.on {
                Some(on) => format!("as of {}: {}", Day::from(on).long, p.rule),
                None => p.rule.clone(),
            })
            .unwrap_or_default(),
        progress_verdict: x
            .progress
            .as_ref()
            .map(|p| p.verdict.as_str().to_string())
            .unwrap_or_default(),
        progress_as_of: day(x.progress.as_ref().and_then(|p| p.on)),
        progress_rule: x
            .progress
            .as_ref()
            .map(|p| p.rule.clone())
            .unwrap_or_default(),
    }
}

fn follow_up(
    f: Option<&FollowUpFacts>,
    deficiencies: &[DeficiencyCtx],
    ids: &[String],
    letter_date: NaiveDate,
) -> Result<Option<FollowUpCtx>, ContextError> {
    let Some(f) = f else { return Ok(None) };
    let scope = match &f.deficiencies {
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
        date: f.date.into(),
        begun: f.date <= letter_date,
        location: f
            .location
            .clone()
            .unwrap_or_else(|| "the company's premises".into()),
        scope,
    }))
}

fn case_ctx(st: &CaseState, facts: &Facts) -> CaseCtx {
    let i = &st.implementation;
    let v = &st.validation;
    CaseCtx {
        as_of: st.as_of.into(),
        phase: st.phase.as_str().to_string(),
        phase_title: st.phase.title().to_string(),
        category: st
            .category
            .as_ref()
            .map_or_else(String::new, |c| c.words.to_string()),
        higher: st
            .category
            .as_ref()
            .is_some_and(|c| c.category == Category::Higher),
        category_since: day(st.category.as_ref().map(|c| c.since)),
        category_basis: st
            .category
            .as_ref()
            .map_or_else(String::new, |c| reason(&c.basis)),
        deadline: day(st.deadline_date()),
        deadline_passed: st.deadline.as_ref().is_some_and(|d| d.passed()),
        extended: st.extension_in_force().is_some(),
        steps_done: i.done,
        steps_total: i.total,
        steps_percent: i.percent,
        implemented: i.complete,
        implemented_on: day(i.completed_on),
        validations_done: v.done,
        validations_total: st.deficiencies.len(),
        validated: v.complete,
        progress_verdict: st.progress.verdict.as_str().to_string(),
        progress_rule: st.progress.rule.clone(),
        progress_judged_on: day(st.progress.on),
        follow_up_stage: st.follow_up.stage.as_str().to_string(),
        automatic_extension: st.automatic_extension.is_some(),
        review_within_deadline: facts.follow_up.as_ref().is_some_and(|f| f.within_deadline),
    }
}
