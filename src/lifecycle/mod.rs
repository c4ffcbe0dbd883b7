//! One CIP's lifecycle under the framework's TIMEFRAMES, as of one date.
//!
//! This is the only place that compares dates against the framework's
//! periods. [`assess`] is a pure function of the plan (what the company
//! reports), the case record (what Customs decided, with dates), the as-of
//! date and the significant-progress [`Threshold`]; `status`, every letter,
//! the timeline page and `check`'s timeframe rules state what it returns and
//! decide nothing themselves.
//!
//! The framework, in its words, and how each sentence is read here:
//!
//! - "a conditional period of six months from the date of the report to
//!   implement their CIP before being placed in a higher compliance risk
//!   category. During this time the company will be placed in the "standard"
//!   risk category." — the period ends six calendar months after the report
//!   date (month-end clamped, `model::conditional_period_end`); "standard"
//!   until then.
//! - "If, at the end of the six month conditional period, the company has not
//!   implemented the CIP, but has demonstrated significant progress,
//!   extensions may be granted, if requested by the company." — significant
//!   progress is judged on the deadline in force, never on a later day; an
//!   extension is a recorded decision and moves the deadline only from the
//!   day it was decided.
//! - "If, at the end of the six month period, Customs is in the process of
//!   conducting a follow-up review but has not completed it, the company will
//!   be given an automatic extension and will remain in the "standard" risk
//!   category until the follow-up review is completed."
//! - "Upon full implementation the company should validate" and Customs
//!   "will not normally conduct the follow-up review until the company has
//!   completed its validation action" — implementation (every corrective
//!   step completed), validation (testing done, results sent) and the
//!   follow-up review are three separate states.
//! - As of a date, a step is done only if it was completed on or before that
//!   date; a decision applies only from its decision date.

mod progress;
pub mod review;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::case::{Case, Category, Origin, Outcome};
use crate::model::dates::long;
use crate::model::{self, Plan, StepStatus, date, text};

pub use progress::{Counts, Progress, ProgressRule, Threshold, Verdict};

/// How many days after the as-of date a new deadline is suggested at the
/// least, when every remaining target has already passed.
pub const MIN_EXTENSION_DAYS: i64 = 30;

// ---------------------------------------------------------------------------
// The state

/// A step's state on the as-of date: `overdue` is a target passed while the
/// step is not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    Done,
    InProgress,
    Planned,
    Overdue,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::InProgress => "in progress",
            StepState::Planned => "planned",
            StepState::Overdue => "overdue",
        }
    }
}

/// The validation action's state on the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValidationState {
    /// The plan has no validation action for this deficiency.
    Missing,
    /// Testing has not begun (before `begins`).
    NotStarted,
    /// Between `begins` and `concludes`.
    Testing,
    /// Testing concluded; results due by `results_to_customs`.
    ResultsDue,
    /// `results_to_customs` has passed and no results were sent by then.
    ResultsOverdue,
    /// Results forwarded to Customs (`results_sent`, or the results' `sent`, on or before the date).
    Done,
}

impl ValidationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationState::Missing => "missing",
            ValidationState::NotStarted => "not started",
            ValidationState::Testing => "testing",
            ValidationState::ResultsDue => "results due",
            ValidationState::ResultsOverdue => "results overdue",
            ValidationState::Done => "done",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StepFact {
    /// 1-based, as people count.
    pub number: usize,
    pub action: String,
    pub departments: Vec<String>,
    pub target: Option<NaiveDate>,
    /// The completion date the plan reports (possibly after the as-of date).
    pub completed: Option<NaiveDate>,
    /// As written in the plan.
    pub declared: StepStatus,
    pub state: StepState,
    /// Days past the target (overdue steps only).
    pub days_overdue: Option<i64>,
    /// Completed before the report date: corrective action taken during the
    /// assessment, which counts as done.
    pub before_report: bool,
    /// Reported done, but completed after the as-of date: not done yet then.
    pub completed_later: bool,
    /// Reported done without a completion date: not counted as done.
    pub undated: bool,
    /// At least one of its supporting documents is attached (has a path).
    pub evidence: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidationFact {
    pub state: ValidationState,
    pub begins: Option<NaiveDate>,
    pub concludes: Option<NaiveDate>,
    pub results_to_customs: Option<NaiveDate>,
    /// The date the plan reports the results were sent (possibly later than
    /// the as-of date).
    pub results_sent: Option<NaiveDate>,
    pub days_overdue: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeficiencyState {
    pub id: String,
    pub area: String,
    pub result_sheet: String,
    pub steps: Vec<StepFact>,
    pub done: usize,
    pub in_progress: usize,
    pub planned: usize,
    pub overdue: usize,
    pub total: usize,
    pub validation: ValidationFact,
    /// Earliest date of anything still open (overdue dates included).
    pub next_date: Option<NaiveDate>,
}

/// Implementation: every corrective action step completed.
#[derive(Debug, Clone, Serialize)]
pub struct Implementation {
    pub done: usize,
    pub in_progress: usize,
    pub planned: usize,
    pub overdue: usize,
    pub total: usize,
    /// Done steps as a whole percentage of all steps, rounded down.
    pub percent: u32,
    pub complete: bool,
    /// The last step's completion date, once every step is done.
    pub completed_on: Option<NaiveDate>,
    /// Steps reported done with a completion date after the as-of date.
    pub completed_later: usize,
    /// Steps completed before the report date (counted as done).
    pub before_report: usize,
    /// Steps reported done without a completion date (not counted).
    pub undated: usize,
    /// Done steps without supporting documentation attached.
    pub done_without_evidence: usize,
}

/// Validation: testing done and results sent to Customs, per deficiency.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// Deficiencies whose validation results were sent.
    pub done: usize,
    /// Deficiencies whose planned testing window has ended (results due,
    /// overdue or sent). The plan records no actual testing dates, so this
    /// is the schedule, not a claim that testing took place.
    pub tested: usize,
    /// Deficiencies with a validation action.
    pub total: usize,
    /// Deficiencies without a validation action.
    pub missing: usize,
    pub overdue: usize,
    /// Every deficiency's results were sent.
    pub complete: bool,
    pub completed_on: Option<NaiveDate>,
}

impl Validation {
    /// Deficiencies whose planned testing window has ended with no results
    /// sent yet.
    pub fn awaiting_results(&self) -> usize {
        self.tested.saturating_sub(self.done)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewStage {
    NotRequested,
    Requested,
    /// A start date is recorded and lies after the as-of date.
    Scheduled,
    UnderWay,
    Completed,
}

impl ReviewStage {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStage::NotRequested => "not requested",
            ReviewStage::Requested => "requested",
            ReviewStage::Scheduled => "scheduled",
            ReviewStage::UnderWay => "under way",
            ReviewStage::Completed => "completed",
        }
    }
}

/// Customs' follow-up review.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub stage: ReviewStage,
    pub requested: Option<NaiveDate>,
    pub started: Option<NaiveDate>,
    pub completed: Option<NaiveDate>,
    pub outcome: Option<String>,
}

/// An extension request and Customs' decision, as of the as-of date.
#[derive(Debug, Clone, Serialize)]
pub struct ExtensionState {
    /// 1-based, in order of request.
    pub number: usize,
    pub requested: Option<NaiveDate>,
    /// The decision date, when decided on or before the as-of date.
    pub decided: Option<NaiveDate>,
    /// `None` while pending.
    pub outcome: Option<Outcome>,
    pub new_deadline: Option<NaiveDate>,
    pub reason: Option<String>,
    /// The deadline in force when it was decided (or now, while pending).
    pub previous_deadline: Option<NaiveDate>,
    /// That deadline had passed when it was decided (or now, while pending).
    pub previous_deadline_passed: bool,
    /// Progress on the day it was (or would be) decided: the previous
    /// deadline, or the decision date when decided before it.
    pub progress: Option<Progress>,
    /// Where it is recorded ("acme.case.toml:12:1").
    pub recorded_at: String,
}

impl ExtensionState {
    pub fn outcome_str(&self) -> &'static str {
        self.outcome.map_or("pending", Outcome::as_str)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlineBasis {
    ConditionalPeriod,
    Extension,
}

/// The deadline for full implementation in force on the as-of date.
#[derive(Debug, Clone, Serialize)]
pub struct Deadline {
    pub date: NaiveDate,
    pub basis: DeadlineBasis,
    /// The extension that set it (number), when `basis` is `Extension`.
    pub extension: Option<usize>,
    /// Days from the as-of date to the deadline (0 on the day itself).
    pub days_left: Option<i64>,
    /// Days since the deadline passed.
    pub days_overdue: Option<i64>,
    /// The day the last step was completed, when that was on or before
    /// the deadline: it was met, and is not overdue however long ago it
    /// passed.
    pub met_on: Option<NaiveDate>,
}

impl Deadline {
    pub fn passed(&self) -> bool {
        self.days_overdue.is_some()
    }
}

/// The automatic extension while a follow-up review is under way at the
/// end of the period.
#[derive(Debug, Clone, Serialize)]
pub struct AutomaticExtension {
    /// The deadline it extends.
    pub deadline: NaiveDate,
    pub review_started: NaiveDate,
    /// The review's completion, when it is completed by the as-of date.
    pub ended: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Undetermined,
    WithinPeriod,
    WithinExtension,
    /// Every step completed; validation not complete.
    Implemented,
    ReadyForFollowUp,
    FollowUpUnderWay,
    FollowUpCompleted,
    ExtensionAdvised,
    ExtensionRequested,
    AtRisk,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Undetermined => "undetermined",
            Phase::WithinPeriod => "within-period",
            Phase::WithinExtension => "within-extension",
            Phase::Implemented => "implemented",
            Phase::ReadyForFollowUp => "ready-for-follow-up",
            Phase::FollowUpUnderWay => "follow-up-under-way",
            Phase::FollowUpCompleted => "follow-up-completed",
            Phase::ExtensionAdvised => "extension-advised",
            Phase::ExtensionRequested => "extension-requested",
            Phase::AtRisk => "at-risk",
        }
    }

    /// A short human title.
    pub fn title(self) -> &'static str {
        match self {
            Phase::Undetermined => "Undetermined (no report date)",
            Phase::WithinPeriod => "Within the conditional period",
            Phase::WithinExtension => "Within an extension",
            Phase::Implemented => "Implemented, validation not completed",
            Phase::ReadyForFollowUp => "Implemented and validated",
            Phase::FollowUpUnderWay => "Follow-up review under way",
            Phase::FollowUpCompleted => "Follow-up review completed",
            Phase::ExtensionAdvised => "Deadline passed, significant progress",
            Phase::ExtensionRequested => "Deadline passed, extension requested",
            Phase::AtRisk => "Deadline passed, not implemented",
        }
    }
}

/// The compliance risk category the framework places the company in.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryState {
    pub category: Category,
    /// "standard" or "a higher compliance risk category".
    pub words: &'static str,
    pub since: NaiveDate,
    /// Why, in the framework's terms and this case's facts.
    pub basis: String,
}

/// A designation communicated in writing (recorded), in force on the date.
#[derive(Debug, Clone, Serialize)]
pub struct DesignationState {
    pub category: Category,
    pub words: &'static str,
    pub effective: NaiveDate,
    pub decided: Option<NaiveDate>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    Company,
    Customs,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Company => "company",
            Party::Customs => "Customs",
        }
    }
}

/// Something due next: by whom, what, by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    pub by: Party,
    pub date: Option<NaiveDate>,
    /// Deficiency id, when it belongs to one.
    pub deficiency: Option<String>,
    pub what: String,
    /// The date has passed.
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuggestedDeadline {
    pub date: NaiveDate,
    pub basis: String,
}

/// An inconsistency in the record itself (a decision before its request, …).
#[derive(Debug, Clone, Serialize)]
pub struct RecordProblem {
    pub code: &'static str,
    /// "file:line:column".
    pub at: String,
    pub message: String,
}

/// Everything the framework's lifecycle says about one plan on one date.
#[derive(Debug, Clone, Serialize)]
pub struct CaseState {
    pub as_of: NaiveDate,
    pub threshold: Threshold,
    /// Where Customs' decisions were read from.
    pub record: Origin,
    pub record_file: String,
    pub report_date: Option<NaiveDate>,
    pub prepared: Option<NaiveDate>,
    /// Six calendar months after the report date (month-end clamped).
    pub period_end: Option<NaiveDate>,
    /// Requests made on or before the as-of date, in order of request.
    pub extensions: Vec<ExtensionState>,
    pub deadline: Option<Deadline>,
    pub automatic_extension: Option<AutomaticExtension>,
    pub implementation: Implementation,
    pub validation: Validation,
    pub follow_up: FollowUp,
    pub deficiencies: Vec<DeficiencyState>,
    /// Judged on the deadline in force, once it has passed.
    pub progress: Progress,
    /// The same rule counted on the as-of date, while not yet judged.
    pub outlook: Option<Progress>,
    pub phase: Phase,
    pub category: Option<CategoryState>,
    pub designation: Option<DesignationState>,
    pub accepted: Option<NaiveDate>,
    /// The latest request for additional information: (date, due).
    pub info_request: Option<(NaiveDate, Option<NaiveDate>)>,
    pub suggested_deadline: Option<SuggestedDeadline>,
    /// Phase-level duties first, then open steps and validations by date.
    pub due: Vec<Due>,
    pub notes: Vec<String>,
    pub record_problems: Vec<RecordProblem>,
}

impl CaseState {
    /// The six-month conditional period ended before the as-of date.
    pub fn period_ended(&self) -> bool {
        self.period_end.is_some_and(|end| end < self.as_of)
    }

    pub fn deadline_date(&self) -> Option<NaiveDate> {
        self.deadline.as_ref().map(|d| d.date)
    }

    /// The granted extension whose deadline is in force, if any.
    pub fn extension_in_force(&self) -> Option<&ExtensionState> {
        let n = self.deadline.as_ref()?.extension?;
        self.extensions.iter().find(|e| e.number == n)
    }

    /// The latest request still awaiting a decision.
    pub fn pending_extension(&self) -> Option<&ExtensionState> {
        self.extensions.iter().rev().find(|e| e.outcome.is_none())
    }

    /// `day` falls on or before the deadline in force (a follow-up review
    /// begun by then would be under way at the end of the period).
    pub fn within_deadline(&self, day: NaiveDate) -> bool {
        self.deadline_date().is_some_and(|d| day <= d)
    }

    /// The deadline in force has passed on the as-of date.
    pub fn deadline_passed(&self) -> bool {
        self.deadline.as_ref().is_some_and(Deadline::passed)
    }

    pub fn category_words(&self) -> &'static str {
        self.category.as_ref().map_or("unknown", |c| c.words)
    }
}

// ---------------------------------------------------------------------------
// Assessment

/// The end of the six-month conditional period of `plan`.
pub fn period_end(plan: &Plan) -> Option<NaiveDate> {
    plan.period_end()
}

/// The latest deadline the record grants, whatever the date: what a plan's
/// target dates must fit within (`check`'s timeframe rule).
pub fn final_deadline(plan: &Plan, case: &Case) -> Option<NaiveDate> {
    let requests = merge_extensions(case, &mut Vec::new());
    let mut deadline = period_end(plan)?;
    for r in &requests {
        if r.outcome == Some(Outcome::Granted) {
            if let Some(nd) = r.new_deadline {
                deadline = deadline.max(nd);
            }
        }
    }
    Some(deadline)
}

/// The limit a plan's open dates must fit within, for `check`'s timeframe
/// rule: the end of the period, or the latest deadline the record grants.
#[derive(Debug, Clone, Copy)]
pub struct Timeframe {
    pub period_end: NaiveDate,
    pub limit: NaiveDate,
    /// The limit comes from a granted extension.
    pub extended: bool,
}

impl Timeframe {
    /// `d` falls after the limit.
    pub fn beyond(&self, d: NaiveDate) -> bool {
        d > self.limit
    }
}

/// The plan's timeframe under the decisions of `case`.
pub fn timeframe(plan: &Plan, case: &Case) -> Option<Timeframe> {
    let period_end = period_end(plan)?;
    let limit = final_deadline(plan, case).unwrap_or(period_end);
    Some(Timeframe {
        period_end,
        limit,
        extended: limit > period_end,
    })
}

/// One of the plan's own `[[extension]]` tables against the deadline it
/// extends (in order of request).
#[derive(Debug, Clone, Copy)]
pub struct ExtensionLink {
    /// Index in `plan.extensions`.
    pub index: usize,
    /// The deadline in force before it: the period end or an earlier grant.
    pub previous: Option<NaiveDate>,
    /// Its new deadline is not after `previous`.
    pub not_later: bool,
}

/// The plan's own extensions in order of request, each with the deadline it
/// extends.
pub fn extension_chain(plan: &Plan) -> Vec<ExtensionLink> {
    let mut previous = period_end(plan);
    let mut order: Vec<usize> = (0..plan.extensions.len()).collect();
    order.sort_by_key(|&i| date(&plan.extensions[i].requested));
    let mut out = Vec::new();
    for index in order {
        let e = &plan.extensions[index];
        let nd = date(&e.new_deadline);
        out.push(ExtensionLink {
            index,
            previous,
            not_later: nd.zip(previous).is_some_and(|(n, p)| n <= p),
        });
        if let (Some(n), true) = (nd, e.granted.is_some()) {
            previous = Some(previous.map_or(n, |p| p.max(n)));
        }
    }
    out
}

fn days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// One extension request with its decision, merged from the record.
#[derive(Debug, Clone)]
struct Request {
    requested: Option<NaiveDate>,
    decided: Option<NaiveDate>,
    outcome: Option<Outcome>,
    new_deadline: Option<NaiveDate>,
    reason: Option<String>,
    at: String,
}

/// Entries with the same request date are one request; a request's
/// decision is the first entry that gives one.
fn merge_extensions(case: &Case, problems: &mut Vec<RecordProblem>) -> Vec<Request> {
    let mut out: Vec<Request> = Vec::new();
    for e in &case.extensions {
        let requested = e.requested.as_ref().map(|d| d.value);
        let at = case.at(&e.span);
        let decision = e.decision.as_ref().map(|d| d.value);
        let decided = e.decided.as_ref().map(|d| d.value);
        if decision.is_some() != decided.is_some() {
            problems.push(RecordProblem {
                code: "extension-decision-incomplete",
                at: at.clone(),
                message: "an extension decision needs both `decision` and `decided` (its date)"
                    .into(),
            });
        }
        let slot = requested.and_then(|r| out.iter().position(|x| x.requested == Some(r)));
        let idx = match slot {
            Some(i) => i,
            None => {
                out.push(Request {
                    requested,
                    decided: None,
                    outcome: None,
                    new_deadline: None,
                    reason: None,
                    at: at.clone(),
                });
                out.len() - 1
            }
        };
        let r = &mut out[idx];
        if e.reason.is_some() && (r.reason.is_none() || decision.is_some()) {
            r.reason = e.reason.clone();
        }
        if let (Some(o), Some(d)) = (decision, decided) {
            if r.outcome.is_some() {
                problems.push(RecordProblem {
                    code: "extension-decided-twice",
                    at: at.clone(),
                    message: format!(
                        "the extension request{} already has a decision; the first one stands",
                        requested.map(|r| format!(" of {r}")).unwrap_or_default()
                    ),
                });
                continue;
            }
            r.outcome = Some(o);
            r.decided = Some(d);
            r.at = at.clone();
            r.new_deadline = e.new_deadline.as_ref().map(|d| d.value);
        } else if r.new_deadline.is_none() {
            // A request may ask for a date; the decision's date replaces it.
            r.new_deadline = e.new_deadline.as_ref().map(|d| d.value);
        }
    }
    for r in &out {
        match (r.requested, r.decided) {
            (None, Some(_)) => problems.push(RecordProblem {
                code: "extension-without-request",
                at: r.at.clone(),
                message: "an extension decision without the date it was requested (`requested`)"
                    .into(),
            }),
            (Some(q), Some(d)) if d < q => problems.push(RecordProblem {
                code: "extension-decided-before-requested",
                at: r.at.clone(),
                message: format!("the extension is decided ({d}) before it was requested ({q})"),
            }),
            _ => {}
        }
        if r.outcome == Some(Outcome::Granted) && r.new_deadline.is_none() {
            problems.push(RecordProblem {
                code: "extension-deadline-missing",
                at: r.at.clone(),
                message: "a granted extension without its new deadline (`new_deadline`)".into(),
            });
        }
    }
    out.sort_by_key(|r| (r.requested.is_none(), r.requested, r.decided));
    out
}

/// Follow-up entries merged in file order: a later date replaces an earlier.
fn merge_follow_up(
    case: &Case,
) -> (
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<String>,
) {
    let mut m = (None, None, None, None);
    for f in &case.follow_up {
        if let Some(d) = &f.requested {
            m.0 = Some(d.value);
        }
        if let Some(d) = &f.started {
            m.1 = Some(d.value);
        }
        if let Some(d) = &f.completed {
            m.2 = Some(d.value);
        }
        if f.outcome.is_some() {
            m.3 = f.outcome.clone();
        }
    }
    m
}

/// Steps done and the longest overdue, counted on `on`.
fn counts_on(plan: &Plan, on: NaiveDate) -> Counts {
    let mut c = Counts {
        done: 0,
        total: 0,
        longest_overdue_days: 0,
    };
    for d in &plan.deficiencies {
        for s in &d.steps {
            c.total += 1;
            if done_by(s, on) {
                c.done += 1;
            } else if let Some(t) = date(&s.target) {
                c.longest_overdue_days = c.longest_overdue_days.max(days(t, on));
            }
        }
        if let Some(v) = &d.validation {
            let sent = v.sent().is_some_and(|s| s <= on);
            if let (false, Some(r)) = (sent, date(&v.results_to_customs)) {
                c.longest_overdue_days = c.longest_overdue_days.max(days(r, on));
            }
        }
    }
    c
}

/// Reported done with a completion date on or before `on`.
fn done_by(s: &model::Step, on: NaiveDate) -> bool {
    s.status() == StepStatus::Done && date(&s.completed).is_some_and(|c| c <= on)
}

/// Every step completed by `on` (and there is at least one).
fn implemented_by(plan: &Plan, on: NaiveDate) -> bool {
    let mut steps = plan.deficiencies.iter().flat_map(|d| &d.steps).peekable();
    steps.peek().is_some() && steps.all(|s| done_by(s, on))
}

/// Significant progress counted on `on`.
pub fn progress_on(plan: &Plan, on: NaiveDate, t: &Threshold) -> Progress {
    progress::judge(counts_on(plan, on), on, t)
}

/// Where `plan` stands on `as_of`, given Customs' decisions in `case`.
pub fn assess(plan: &Plan, case: &Case, as_of: NaiveDate, t: &Threshold) -> CaseState {
    let report_date = date(&plan.header.report_date);
    let prepared = date(&plan.header.prepared);
    let period_end = period_end(plan);
    let mut problems = Vec::new();
    let mut notes = Vec::new();

    // Extensions: requests made by the as-of date; decisions only from
    // their decision date, applied in the order they were decided.
    let requests = merge_extensions(case, &mut problems);
    let mut extensions: Vec<ExtensionState> = requests
        .iter()
        .filter(|r| r.requested.is_none_or(|q| q <= as_of))
        .enumerate()
        .map(|(i, r)| {
            let decided_now = r.decided.filter(|d| *d <= as_of);
            ExtensionState {
                number: i + 1,
                requested: r.requested,
                decided: decided_now,
                outcome: decided_now.and(r.outcome),
                new_deadline: r.new_deadline,
                reason: r.reason.clone(),
                previous_deadline: None,
                previous_deadline_passed: false,
                progress: None,
                recorded_at: r.at.clone(),
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..extensions.len())
        .filter(|&i| extensions[i].decided.is_some())
        .collect();
    order.sort_by_key(|&i| (extensions[i].decided, i));
    let mut deadline_date = period_end;
    let mut deadline_ext = None;
    for i in order {
        let e = &mut extensions[i];
        e.previous_deadline = deadline_date;
        e.previous_deadline_passed = deadline_date.zip(e.decided).is_some_and(|(d, x)| x > d);
        if let (Some(prev), Some(decided)) = (deadline_date, e.decided) {
            e.progress = Some(progress_on(plan, decided.min(prev), t));
        }
        if e.outcome == Some(Outcome::Granted) {
            if let Some(nd) = e.new_deadline {
                if deadline_date.is_some_and(|d| nd <= d) {
                    problems.push(RecordProblem {
                        code: "extension-deadline-not-later",
                        at: e.recorded_at.clone(),
                        message: format!(
                            "extension {} grants a new deadline ({nd}) that is not after the deadline it extends ({})",
                            e.number,
                            deadline_date.map(|d| d.to_string()).unwrap_or_default()
                        ),
                    });
                } else {
                    deadline_date = Some(nd);
                    deadline_ext = Some(e.number);
                }
            }
        }
    }
    for e in extensions.iter_mut().filter(|e| e.outcome.is_none()) {
        e.previous_deadline = deadline_date;
        e.previous_deadline_passed = deadline_date.is_some_and(|d| as_of > d);
        if let Some(d) = deadline_date {
            e.progress = Some(progress_on(plan, as_of.min(d), t));
        }
    }
    let deadline = deadline_date.map(|d| Deadline {
        date: d,
        basis: if deadline_ext.is_some() {
            DeadlineBasis::Extension
        } else {
            DeadlineBasis::ConditionalPeriod
        },
        extension: deadline_ext,
        days_left: (as_of <= d).then(|| days(as_of, d)),
        days_overdue: (as_of > d).then(|| days(d, as_of)),
        met_on: None,
    });
    let passed = deadline.as_ref().is_some_and(Deadline::passed);

    // Steps, validations, deficiencies.
    let deficiencies: Vec<DeficiencyState> = plan
        .deficiencies
        .iter()
        .enumerate()
        .map(|(i, d)| deficiency_state(plan, i, d, as_of, report_date))
        .collect();
    let implementation = implementation(&deficiencies);
    let deadline = deadline.map(|d| Deadline {
        met_on: implementation.completed_on.filter(|done| *done <= d.date),
        ..d
    });
    let validation = validation(&deficiencies);

    // The follow-up review.
    let (requested, started, completed, outcome) = merge_follow_up(case);
    for (a, b, what) in [
        (requested, started, "started before it was requested"),
        (started, completed, "completed before it started"),
    ] {
        if let (Some(a), Some(b)) = (a, b) {
            if b < a {
                problems.push(RecordProblem {
                    code: "follow-up-order",
                    at: case.name.clone(),
                    message: format!("the follow-up review is {what} ({b} < {a})"),
                });
            }
        }
    }
    let seen = |d: Option<NaiveDate>| d.filter(|d| *d <= as_of);
    let stage = if seen(completed).is_some() {
        ReviewStage::Completed
    } else if seen(started).is_some() {
        ReviewStage::UnderWay
    } else if started.is_some() {
        ReviewStage::Scheduled
    } else if seen(requested).is_some() {
        ReviewStage::Requested
    } else {
        ReviewStage::NotRequested
    };
    let follow_up = FollowUp {
        stage,
        requested: seen(requested),
        started: if stage == ReviewStage::Scheduled {
            started
        } else {
            seen(started)
        },
        completed: seen(completed),
        outcome: seen(completed).and(outcome),
    };

    // The automatic extension: the review under way at the end of the
    // period (the deadline in force), and the as-of date after it.
    let automatic_extension = match (deadline_date, started) {
        (Some(d), Some(s)) if s <= d && as_of > d && completed.is_none_or(|c| c > d) => {
            Some(AutomaticExtension {
                deadline: d,
                review_started: s,
                ended: seen(completed),
            })
        }
        _ => None,
    };

    // Significant progress: on the deadline in force, once it has passed.
    let (progress, outlook) = match deadline_date {
        None => (
            progress::not_judged(
                Verdict::Undetermined,
                "no report date: the conditional period and its deadline are unknown".into(),
                t,
            ),
            None,
        ),
        Some(d) if !passed => (
            progress::not_judged(
                Verdict::NotYetJudged,
                format!(
                    "judged at the end of the period in force ({}), not yet reached",
                    long(d)
                ),
                t,
            ),
            Some(progress_on(plan, as_of, t)),
        ),
        Some(d) => (progress_on(plan, d, t), None),
    };

    let implemented_by_deadline = deadline_date.is_some_and(|d| implemented_by(plan, d));
    let pending = extensions
        .iter()
        .rev()
        .find(|e| e.outcome.is_none())
        .cloned();
    let last_decided = extensions
        .iter()
        .filter(|e| e.decided.is_some())
        .max_by_key(|e| (e.decided, e.number))
        .cloned();
    let denied = last_decided
        .as_ref()
        .filter(|e| e.outcome == Some(Outcome::Denied))
        .cloned();

    let phase = if report_date.is_none() {
        Phase::Undetermined
    } else if follow_up.stage == ReviewStage::Completed {
        Phase::FollowUpCompleted
    } else if follow_up.stage == ReviewStage::UnderWay {
        Phase::FollowUpUnderWay
    } else if implementation.complete && validation.complete {
        Phase::ReadyForFollowUp
    } else if implementation.complete {
        Phase::Implemented
    } else if !passed {
        if deadline_ext.is_some() {
            Phase::WithinExtension
        } else {
            Phase::WithinPeriod
        }
    } else if pending.is_some() {
        Phase::ExtensionRequested
    } else if denied.is_some() || !progress.significant {
        Phase::AtRisk
    } else {
        Phase::ExtensionAdvised
    };

    // Designations in writing, in force on the date.
    let designation = case
        .designations
        .iter()
        .filter(|x| x.effective.value <= as_of)
        .enumerate()
        .max_by_key(|(i, x)| (x.effective.value, *i))
        .map(|(_, x)| DesignationState {
            category: x.category.value,
            words: x.category.value.words(),
            effective: x.effective.value,
            decided: x.decided.as_ref().map(|d| d.value),
            reason: x.reason.clone(),
        });

    let category = report_date.map(|report| {
        let standard = |since: NaiveDate, basis: String| CategoryState {
            category: Category::Standard,
            words: Category::Standard.words(),
            since,
            basis,
        };
        let higher = |since: NaiveDate, basis: String| CategoryState {
            category: Category::Higher,
            words: Category::Higher.words(),
            since,
            basis,
        };
        let d = deadline_date.unwrap_or(report);
        let after_review = follow_up.completed.and_then(|c| {
            designation
                .as_ref()
                .filter(|x| x.effective >= c)
                .map(|x| (c, x))
        });
        if let Some((c, x)) = after_review {
            return CategoryState {
                category: x.category,
                words: x.words,
                since: x.effective,
                basis: format!(
                    "designated in writing, effective {}, after the follow-up review completed on {}",
                    long(x.effective),
                    long(c)
                ),
            };
        }
        if !passed {
            return standard(
                report,
                match deadline_ext {
                    Some(n) => format!(
                        "the company is within the extension granted on {} (extension {n}), which runs until {}",
                        extensions
                            .iter()
                            .find(|e| e.number == n)
                            .and_then(|e| e.decided)
                            .map(long)
                            .unwrap_or_default(),
                        long(d)
                    ),
                    None => format!(
                        "the company is within the six-month conditional period, which ends {}",
                        long(d)
                    ),
                },
            );
        }
        if let Some(a) = &automatic_extension {
            return standard(
                report,
                match a.ended {
                    None => format!(
                        "Customs' follow-up review, begun on {}, was in process at the end of the period ({}) and has not been completed: an automatic extension applies until it is completed",
                        long(a.review_started),
                        long(a.deadline)
                    ),
                    Some(e) => format!(
                        "the follow-up review under way at the end of the period ({}) kept the company in the \"standard\" category until it was completed on {}; the Account Manager informs the company of its designation in writing",
                        long(a.deadline),
                        long(e)
                    ),
                },
            );
        }
        if implemented_by_deadline {
            return standard(
                report,
                format!(
                    "every corrective action step was completed by {} (the deadline in force was {})",
                    implementation
                        .completed_on
                        .map(long)
                        .unwrap_or_else(|| long(d)),
                    long(d)
                ),
            );
        }
        if let Some(p) = &pending {
            return standard(
                report,
                format!(
                    "the deadline ({}) has passed without full implementation; the extension requested{} awaits Customs' decision",
                    long(d),
                    p.requested
                        .map(|r| format!(" on {}", long(r)))
                        .unwrap_or_default()
                ),
            );
        }
        let since = d.succ_opt().unwrap_or(d);
        if let Some(x) = &denied {
            let decided = x.decided.unwrap_or(since);
            return higher(
                since.max(decided),
                format!(
                    "the Compliance Improvement Plan was not implemented by the deadline ({}) and the extension requested{} was denied on {}",
                    long(d),
                    x.requested
                        .map(|r| format!(" on {}", long(r)))
                        .unwrap_or_default(),
                    long(decided)
                ),
            );
        }
        if progress.significant {
            return standard(
                report,
                format!(
                    "the deadline ({}) has passed without full implementation, but the company had demonstrated significant progress by then ({}); an extension may be granted if requested",
                    long(d),
                    progress.rule
                ),
            );
        }
        higher(
            since,
            format!(
                "the Compliance Improvement Plan was not implemented by the deadline ({}) and significant progress had not been demonstrated by then ({})",
                long(d),
                progress.rule
            ),
        )
    });

    if let Some((x, c)) = designation.as_ref().zip(category.as_ref()) {
        if x.category != c.category {
            notes.push(format!(
                "the designation in writing (\"{}\", effective {}) differs from the category the framework gives on {as_of} (\"{}\")",
                x.words, x.effective, c.words
            ));
        }
    }

    let suggested_deadline =
        (phase == Phase::ExtensionAdvised).then(|| suggest_deadline(&deficiencies, as_of));

    // Notes.
    if case.origin == Origin::CaseFile && (!plan.extensions.is_empty() || plan.follow_up.is_some())
    {
        notes.push(format!(
            "the plan's own [[extension]] / [follow_up] tables are not used: {} is the record of Customs' decisions",
            case.name
        ));
    }
    if implementation.before_report > 0 {
        notes.push(format!(
            "{} step(s) completed before the report date: corrective action taken during the assessment, counted as done",
            implementation.before_report
        ));
    }
    if implementation.completed_later > 0 {
        notes.push(format!(
            "{} step(s) reported done with a completion date after {as_of}: not done as of {as_of}",
            implementation.completed_later
        ));
    }
    if implementation.undated > 0 {
        notes.push(format!(
            "{} step(s) reported done without a completion date: not counted as done",
            implementation.undated
        ));
    }
    for p in &problems {
        notes.push(format!("{}: {} [{}]", p.at, p.message, p.code));
    }

    let accepted = case
        .acceptances
        .iter()
        .map(|a| a.date.value)
        .filter(|d| *d <= as_of)
        .max();
    let info_request = case
        .info_requests
        .iter()
        .filter(|r| r.date.value <= as_of)
        .max_by_key(|r| r.date.value)
        .map(|r| (r.date.value, r.due.as_ref().map(|d| d.value)));

    let mut state = CaseState {
        as_of,
        threshold: *t,
        record: case.origin,
        record_file: case.name.clone(),
        report_date,
        prepared,
        period_end,
        extensions,
        deadline,
        automatic_extension,
        implementation,
        validation,
        follow_up,
        deficiencies,
        progress,
        outlook,
        phase,
        category,
        designation,
        accepted,
        info_request,
        suggested_deadline,
        due: Vec::new(),
        notes,
        record_problems: problems,
    };
    state.due = due(&state);
    state
}

fn deficiency_state(
    plan: &Plan,
    i: usize,
    d: &model::Deficiency,
    as_of: NaiveDate,
    report: Option<NaiveDate>,
) -> DeficiencyState {
    let steps: Vec<StepFact> = d
        .steps
        .iter()
        .enumerate()
        .map(|(j, s)| step_fact(plan, j, s, as_of, report))
        .collect();
    let count = |st: StepState| steps.iter().filter(|s| s.state == st).count();
    let validation = validation_fact(d.validation.as_ref(), as_of);
    let open_steps = steps
        .iter()
        .filter(|s| s.state != StepState::Done)
        .filter_map(|s| s.target);
    let next_date = open_steps.chain(validation_next(&validation)).min();
    DeficiencyState {
        id: text(&d.id)
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{}", i + 1)),
        area: text(&d.area).unwrap_or("").to_string(),
        result_sheet: text(&d.result_sheet).unwrap_or("").to_string(),
        done: count(StepState::Done),
        in_progress: count(StepState::InProgress),
        planned: count(StepState::Planned),
        overdue: count(StepState::Overdue),
        total: steps.len(),
        steps,
        validation,
        next_date,
    }
}

fn step_fact(
    plan: &Plan,
    j: usize,
    s: &model::Step,
    as_of: NaiveDate,
    report: Option<NaiveDate>,
) -> StepFact {
    let declared = s.status();
    let target = date(&s.target);
    let completed = date(&s.completed);
    let done = done_by(s, as_of);
    let overdue_by = target.map(|t| days(t, as_of)).filter(|&n| n > 0 && !done);
    let completed_later = declared == StepStatus::Done && completed.is_some_and(|c| c > as_of);
    let state = match (done, overdue_by, declared) {
        (true, _, _) => StepState::Done,
        (false, Some(_), _) => StepState::Overdue,
        (false, None, StepStatus::Planned) => StepState::Planned,
        (false, None, _) => StepState::InProgress,
    };
    StepFact {
        number: j + 1,
        action: text(&s.action).unwrap_or("").to_string(),
        departments: s
            .departments
            .iter()
            .map(|d| d.value.trim().to_string())
            .collect(),
        target,
        completed,
        declared,
        state,
        days_overdue: overdue_by,
        before_report: done && report.zip(completed).is_some_and(|(r, c)| c < r),
        completed_later,
        undated: declared == StepStatus::Done && completed.is_none(),
        evidence: s.documents.iter().any(|id| {
            plan.document(id.value.trim())
                .is_some_and(|d| text(&d.path).is_some())
        }),
    }
}

fn validation_fact(v: Option<&model::Validation>, as_of: NaiveDate) -> ValidationFact {
    let Some(v) = v else {
        return ValidationFact {
            state: ValidationState::Missing,
            begins: None,
            concludes: None,
            results_to_customs: None,
            results_sent: None,
            days_overdue: None,
        };
    };
    let begins = date(&v.begins);
    let concludes = date(&v.concludes);
    let results = date(&v.results_to_customs);
    let sent = v.sent().filter(|&d| d <= as_of);
    let before = |d: Option<NaiveDate>| d.is_none_or(|d| as_of < d);
    let not_after = |d: Option<NaiveDate>| d.is_none_or(|d| as_of <= d);
    let state = if sent.is_some() {
        ValidationState::Done
    } else if before(begins) {
        ValidationState::NotStarted
    } else if not_after(concludes) {
        ValidationState::Testing
    } else if not_after(results) {
        ValidationState::ResultsDue
    } else {
        ValidationState::ResultsOverdue
    };
    let days_overdue = (state == ValidationState::ResultsOverdue)
        .then(|| results.map(|r| days(r, as_of)))
        .flatten();
    ValidationFact {
        state,
        begins,
        concludes,
        results_to_customs: results,
        results_sent: v.sent(),
        days_overdue,
    }
}

/// The validation's next milestone date, while it is open.
fn validation_next(v: &ValidationFact) -> Option<NaiveDate> {
    match v.state {
        ValidationState::Missing | ValidationState::Done => None,
        ValidationState::NotStarted => v.begins.or(v.concludes).or(v.results_to_customs),
        ValidationState::Testing => v.concludes.or(v.results_to_customs),
        ValidationState::ResultsDue | ValidationState::ResultsOverdue => v.results_to_customs,
    }
}

fn implementation(ds: &[DeficiencyState]) -> Implementation {
    let steps = || ds.iter().flat_map(|d| &d.steps);
    let total = steps().count();
    let done = steps().filter(|s| s.state == StepState::Done).count();
    let count = |st: StepState| steps().filter(|s| s.state == st).count();
    let complete = total > 0 && done == total;
    Implementation {
        done,
        in_progress: count(StepState::InProgress),
        planned: count(StepState::Planned),
        overdue: count(StepState::Overdue),
        total,
        percent: (done * 100)
            .checked_div(total)
            .map_or(0, |p| u32::try_from(p).unwrap_or(100)),
        complete,
        completed_on: if complete {
            steps().filter_map(|s| s.completed).max()
        } else {
            None
        },
        completed_later: steps().filter(|s| s.completed_later).count(),
        before_report: steps().filter(|s| s.before_report).count(),
        undated: steps().filter(|s| s.undated).count(),
        done_without_evidence: steps()
            .filter(|s| s.state == StepState::Done && !s.evidence)
            .count(),
    }
}

fn validation(ds: &[DeficiencyState]) -> Validation {
    let vs = || ds.iter().map(|d| &d.validation);
    let done = vs().filter(|v| v.state == ValidationState::Done).count();
    let missing = vs().filter(|v| v.state == ValidationState::Missing).count();
    let complete = !ds.is_empty() && done == ds.len();
    Validation {
        done,
        tested: vs()
            .filter(|v| {
                matches!(
                    v.state,
                    ValidationState::ResultsDue
                        | ValidationState::ResultsOverdue
                        | ValidationState::Done
                )
            })
            .count(),
        total: ds.len() - missing,
        missing,
        overdue: vs()
            .filter(|v| v.state == ValidationState::ResultsOverdue)
            .count(),
        complete,
        completed_on: if complete {
            vs().filter_map(|v| v.results_sent).max()
        } else {
            None
        },
    }
}

/// A new deadline for an extension request: the latest remaining target,
/// but at least [`MIN_EXTENSION_DAYS`] after the as-of date.
fn suggest_deadline(ds: &[DeficiencyState], as_of: NaiveDate) -> SuggestedDeadline {
    let remaining = ds
        .iter()
        .flat_map(|d| {
            let steps = d
                .steps
                .iter()
                .filter(|s| s.state != StepState::Done)
                .filter_map(|s| s.target);
            let v = match d.validation.state {
                ValidationState::Missing | ValidationState::Done => None,
                _ => d.validation.results_to_customs,
            };
            steps.chain(v)
        })
        .max();
    let floor = as_of + chrono::Days::new(MIN_EXTENSION_DAYS as u64);
    match remaining {
        Some(last) if last >= floor => SuggestedDeadline {
            date: last,
            basis: format!("the latest remaining target date ({last})"),
        },
        Some(last) => SuggestedDeadline {
            date: floor,
            basis: format!(
                "{MIN_EXTENSION_DAYS} days from {as_of}: the latest remaining target ({last}) leaves too little time; re-plan the overdue steps"
            ),
        },
        None => SuggestedDeadline {
            date: floor,
            basis: format!("{MIN_EXTENSION_DAYS} days from {as_of} (no remaining target dates)"),
        },
    }
}

/// What is due next, by whom: the phase's duties first, then the company's
/// open steps and validations by date.
fn due(s: &CaseState) -> Vec<Due> {
    let now = |by: Party, what: String| Due {
        by,
        date: Some(s.as_of),
        deficiency: None,
        what,
        overdue: false,
    };
    let mut first = Vec::new();
    let designation_matches = |c: &CategoryState| {
        s.designation
            .as_ref()
            .is_some_and(|x| x.category == c.category && x.effective >= c.since)
    };
    if let Some(p) = s.pending_extension() {
        first.push(now(
            Party::Customs,
            format!(
                "Decide on the extension request{}",
                p.requested.map(|r| format!(" of {r}")).unwrap_or_default()
            ),
        ));
    }
    match s.phase {
        Phase::Undetermined => {
            first.push(now(Party::Company, "Add the report date to [plan]".into()))
        }
        Phase::ReadyForFollowUp => match s.follow_up.stage {
            ReviewStage::NotRequested => first.push(now(
                Party::Company,
                "Report full implementation and request Customs' follow-up review".into(),
            )),
            ReviewStage::Scheduled => first.push(Due {
                by: Party::Customs,
                date: s.follow_up.started,
                deficiency: None,
                what: "Begin the follow-up review (scheduled)".into(),
                overdue: false,
            }),
            _ => first.push(now(
                Party::Customs,
                format!(
                    "Conduct the follow-up review (requested {})",
                    s.follow_up
                        .requested
                        .map(|r| r.to_string())
                        .unwrap_or_else(|| "?".into())
                ),
            )),
        },
        Phase::FollowUpUnderWay => {
            first.push(now(Party::Customs, "Complete the follow-up review".into()))
        }
        Phase::FollowUpCompleted
            if !s.category.as_ref().is_some_and(designation_matches)
                || s.designation
                    .as_ref()
                    .zip(s.follow_up.completed)
                    .is_none_or(|(x, c)| x.effective < c) =>
        {
            first.push(now(
                Party::Customs,
                "Inform the company in writing of its compliance risk category designation".into(),
            ));
        }
        Phase::ExtensionAdvised => first.push(now(
            Party::Company,
            format!(
                "Request an extension from the Account Manager{}",
                s.suggested_deadline
                    .as_ref()
                    .map(|x| format!(" (suggested new deadline {})", x.date))
                    .unwrap_or_default()
            ),
        )),
        Phase::AtRisk if !s.category.as_ref().is_some_and(designation_matches) => {
            first.push(now(
                Party::Customs,
                "Take appropriate action and inform the company in writing of its compliance risk category designation".into(),
            ));
        }
        _ => {}
    }
    let mut open = Vec::new();
    for d in &s.deficiencies {
        for st in d.steps.iter().filter(|x| x.state != StepState::Done) {
            open.push(Due {
                by: Party::Company,
                date: st.target,
                deficiency: Some(d.id.clone()),
                what: format!("Step {} ({}): {}", st.number, st.state.as_str(), st.action),
                overdue: st.state == StepState::Overdue,
            });
        }
        let v = &d.validation;
        let (date, what) = match v.state {
            ValidationState::NotStarted => (v.begins, "Begin validation testing"),
            ValidationState::Testing => (v.concludes, "Conclude validation testing"),
            ValidationState::ResultsDue | ValidationState::ResultsOverdue => (
                v.results_to_customs,
                "Forward the validation results to Customs",
            ),
            ValidationState::Missing | ValidationState::Done => continue,
        };
        open.push(Due {
            by: Party::Company,
            date,
            deficiency: Some(d.id.clone()),
            what: what.to_string(),
            overdue: v.state == ValidationState::ResultsOverdue,
        });
    }
    // Dated duties by date (stable: plan order on ties), undated last.
    open.sort_by_key(|a| (a.date.is_none(), a.date));
    first.extend(open);
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn suggested_deadline_floor() {
        let s = suggest_deadline(&[], d(2027, 5, 1));
        assert_eq!(s.date, d(2027, 5, 31));
    }
}
