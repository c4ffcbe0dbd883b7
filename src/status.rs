//! Timeframes: where a plan stands after submission, and what follows.
//!
//! The framework (section TIMEFRAMES) gives the company a conditional period
//! of six months from the date of the Compliance Assessment report, in the
//! "standard" risk category. What happens next depends on the plan's
//! progress, which the plan itself records (`status`/`completed` on each
//! step, `results_sent` on each validation, `[[extension]]`, `[follow_up]`):
//!
//! | phase | when | consequence |
//! |---|---|---|
//! | `within-period` | today ≤ end of the conditional period | "standard" category |
//! | `within-extension` | past the period, today ≤ a granted extension's deadline | "standard" category |
//! | `ready-for-follow-up` | every step done and every validation's results sent | request Customs' follow-up review |
//! | `follow-up-under-way` | the follow-up review started, not completed | automatic extension, stays "standard" |
//! | `follow-up-completed` | the follow-up review completed | its outcome decides |
//! | `extension-advised` | deadline passed, significant progress | request an extension (a new deadline is suggested) |
//! | `at-risk` | deadline passed, no significant progress | higher risk category; the AM will take action |
//! | `undetermined` | no report date | the period cannot be computed |
//!
//! "Significant progress" is not defined by the framework; [`Threshold`]
//! makes it explicit and configurable (default: at least half of all steps
//! done and no open step overdue by more than 30 days), and
//! [`Progress::rule`] says which part of it decided.
//!
//! Everything here is pure: [`compute`] takes the plan and `today` and never
//! reads the clock; [`portfolio`] takes the loader as a function so that the
//! same code serves TOML plans and signed PDFs.

use std::cmp::Ordering;
use std::fmt::Display;
use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::model::{self, LoadError, Plan, StepStatus, date, text};

/// When progress counts as "significant" (the framework's condition for an
/// extension). Both parts must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Threshold {
    /// At least this share of all corrective steps is done, in percent
    /// (default 50: "at least half").
    pub min_done_percent: u32,
    /// No open step (or validation result) is overdue by more than this
    /// many days (default 30).
    pub max_overdue_days: i64,
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold {
            min_done_percent: 50,
            max_overdue_days: 30,
        }
    }
}

/// A step's state on a given day: `overdue` is a target passed while the
/// step is not done, whatever its declared status.
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

/// The validation action's state on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValidationState {
    /// The plan has no validation action for this deficiency.
    Missing,
    /// Testing has not begun (today is before `begins`).
    NotStarted,
    /// Between `begins` and `concludes`.
    Testing,
    /// Testing concluded; results due by `results_to_customs`.
    ResultsDue,
    /// `results_to_customs` has passed and no `results_sent` date is recorded.
    ResultsOverdue,
    /// Results forwarded (`results_sent`), or implied by a follow-up review
    /// that has started.
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
pub struct StepInfo {
    /// 1-based, as people count.
    pub number: usize,
    pub action: String,
    pub departments: Vec<String>,
    pub target: Option<NaiveDate>,
    pub completed: Option<NaiveDate>,
    /// As written in the plan.
    pub declared: StepStatus,
    pub state: StepState,
    /// Days past the target (overdue steps only).
    pub days_overdue: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidationInfo {
    pub state: ValidationState,
    pub begins: Option<NaiveDate>,
    pub concludes: Option<NaiveDate>,
    pub results_to_customs: Option<NaiveDate>,
    pub results_sent: Option<NaiveDate>,
    pub days_overdue: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeficiencyStatus {
    pub id: String,
    pub area: String,
    pub result_sheet: String,
    pub steps: Vec<StepInfo>,
    pub done: usize,
    pub in_progress: usize,
    pub planned: usize,
    pub overdue: usize,
    pub total: usize,
    pub validation: ValidationInfo,
    /// Earliest date of anything still open (overdue dates included).
    pub next_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExtensionInForce {
    pub requested: Option<NaiveDate>,
    pub granted: Option<NaiveDate>,
    pub new_deadline: NaiveDate,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub report_date: Option<NaiveDate>,
    /// Six calendar months after the report date (month-end clamped).
    pub period_end: Option<NaiveDate>,
    /// The latest granted extension, if any.
    pub extension: Option<ExtensionInForce>,
    /// An extension requested and not (yet) granted: its request date.
    pub extension_pending: Option<NaiveDate>,
    /// The deadline in force: the extension's, else the period's end.
    pub deadline: Option<NaiveDate>,
    /// Days from today to the deadline (0 on the day itself).
    pub days_left: Option<i64>,
    /// Days since the deadline passed.
    pub days_overdue: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Completion {
    pub done: usize,
    pub in_progress: usize,
    pub planned: usize,
    pub overdue: usize,
    pub total: usize,
    /// Done steps as a whole percentage of all steps, rounded down.
    pub percent: u32,
    pub validations_done: usize,
    pub validations_total: usize,
    pub validations_overdue: usize,
}

/// Which part of the [`Threshold`] decided the significant-progress answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProgressRule {
    /// Both parts hold.
    BothMet,
    /// Too few steps done.
    DoneShare,
    /// A step is overdue by more than the allowed days.
    Overdue,
    /// The plan has no corrective steps.
    NoSteps,
}

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub significant: bool,
    pub decided_by: ProgressRule,
    /// The deciding facts in words, e.g. "6 of 11 steps done, 54% (at least
    /// 50%); nothing overdue (limit 30 days)".
    pub rule: String,
    pub done_percent: f64,
    pub longest_overdue_days: i64,
    pub threshold: Threshold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Undetermined,
    WithinPeriod,
    WithinExtension,
    ReadyForFollowUp,
    FollowUpUnderWay,
    FollowUpCompleted,
    ExtensionAdvised,
    AtRisk,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Undetermined => "undetermined",
            Phase::WithinPeriod => "within-period",
            Phase::WithinExtension => "within-extension",
            Phase::ReadyForFollowUp => "ready-for-follow-up",
            Phase::FollowUpUnderWay => "follow-up-under-way",
            Phase::FollowUpCompleted => "follow-up-completed",
            Phase::ExtensionAdvised => "extension-advised",
            Phase::AtRisk => "at-risk",
        }
    }

    /// A short human title.
    pub fn title(self) -> &'static str {
        match self {
            Phase::Undetermined => "Undetermined (no report date)",
            Phase::WithinPeriod => "Within the conditional period",
            Phase::WithinExtension => "Within an extension",
            Phase::ReadyForFollowUp => "Implemented and validated",
            Phase::FollowUpUnderWay => "Follow-up review under way",
            Phase::FollowUpCompleted => "Follow-up review completed",
            Phase::ExtensionAdvised => "Period over, significant progress",
            Phase::AtRisk => "Period over, no significant progress",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseInfo {
    pub phase: Phase,
    pub title: &'static str,
    /// "standard" while the framework keeps the company there, else
    /// "higher risk category possible".
    pub risk_category: &'static str,
    /// The framework's consequence, spelled out for this plan.
    pub consequence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuggestedDeadline {
    pub date: NaiveDate,
    pub basis: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUpInfo {
    pub requested: Option<NaiveDate>,
    pub started: Option<NaiveDate>,
    pub completed: Option<NaiveDate>,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub date: Option<NaiveDate>,
    /// Deficiency id, when the action belongs to one.
    pub deficiency: Option<String>,
    pub what: String,
    /// The date has passed.
    pub overdue: bool,
}

/// Everything `cip status` shows about one plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlanStatus {
    pub file: String,
    pub company: String,
    pub importer_number: String,
    pub assessment_report: String,
    pub today: NaiveDate,
    pub period: Period,
    pub phase: PhaseInfo,
    pub progress: Progress,
    pub completion: Completion,
    pub suggested_deadline: Option<SuggestedDeadline>,
    pub follow_up: Option<FollowUpInfo>,
    pub deficiencies: Vec<DeficiencyStatus>,
    /// Overdue steps plus validations whose results are overdue.
    pub overdue_count: usize,
    /// Earliest open date in the plan (overdue ones included).
    pub next_date: Option<NaiveDate>,
    /// The next three actions, earliest first (phase actions first).
    pub next_actions: Vec<Action>,
}

fn days(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

fn owned(field: &model::Field<String>) -> Option<String> {
    text(field).map(str::to_string)
}

/// How many days after today a new deadline is suggested at the least, when
/// every remaining target has already passed.
pub const MIN_EXTENSION_DAYS: i64 = 30;

/// Where `plan` stands on `today`.
pub fn compute(plan: &Plan, today: NaiveDate, threshold: &Threshold) -> PlanStatus {
    let follow_up = plan.follow_up.as_ref().map(|f| FollowUpInfo {
        requested: date(&f.requested),
        started: date(&f.started),
        completed: date(&f.completed),
        outcome: owned(&f.outcome),
    });
    let review_started = follow_up
        .as_ref()
        .and_then(|f| f.started)
        .is_some_and(|d| d <= today);
    let review_completed = follow_up
        .as_ref()
        .and_then(|f| f.completed)
        .is_some_and(|d| d <= today);

    let deficiencies: Vec<DeficiencyStatus> = plan
        .deficiencies
        .iter()
        .enumerate()
        .map(|(i, d)| deficiency_status(i, d, today, review_started))
        .collect();

    let mut c = Completion {
        done: 0,
        in_progress: 0,
        planned: 0,
        overdue: 0,
        total: 0,
        percent: 0,
        validations_done: 0,
        validations_total: 0,
        validations_overdue: 0,
    };
    let mut longest_overdue = 0i64;
    for d in &deficiencies {
        c.done += d.done;
        c.in_progress += d.in_progress;
        c.planned += d.planned;
        c.overdue += d.overdue;
        c.total += d.total;
        for s in &d.steps {
            longest_overdue = longest_overdue.max(s.days_overdue.unwrap_or(0));
        }
        let v = &d.validation;
        if v.state != ValidationState::Missing {
            c.validations_total += 1;
        }
        match v.state {
            ValidationState::Done => c.validations_done += 1,
            ValidationState::ResultsOverdue => {
                c.validations_overdue += 1;
                longest_overdue = longest_overdue.max(v.days_overdue.unwrap_or(0));
            }
            _ => {}
        }
    }
    c.percent = (c.done * 100)
        .checked_div(c.total)
        .map_or(0, |p| u32::try_from(p).unwrap_or(100));

    let period = period(plan, today);
    let progress = progress(&c, longest_overdue, threshold);
    let fully_implemented = c.total > 0
        && c.done == c.total
        && !deficiencies.is_empty()
        && deficiencies
            .iter()
            .all(|d| d.validation.state == ValidationState::Done);

    let phase = if review_completed {
        Phase::FollowUpCompleted
    } else if review_started {
        Phase::FollowUpUnderWay
    } else if fully_implemented {
        Phase::ReadyForFollowUp
    } else {
        match period.deadline {
            None => Phase::Undetermined,
            Some(deadline) if today <= deadline => {
                if period.period_end.is_some_and(|end| today > end) {
                    Phase::WithinExtension
                } else {
                    Phase::WithinPeriod
                }
            }
            Some(_) if progress.significant => Phase::ExtensionAdvised,
            Some(_) => Phase::AtRisk,
        }
    };

    let suggested_deadline = (phase == Phase::ExtensionAdvised)
        .then(|| suggest_deadline(&deficiencies, today))
        .flatten();
    let phase_info = phase_info(
        phase,
        &period,
        &progress,
        follow_up.as_ref(),
        suggested_deadline.as_ref(),
    );

    let overdue_count = c.overdue + c.validations_overdue;
    let next_date = deficiencies.iter().filter_map(|d| d.next_date).min();
    let next_actions = next_actions(
        phase,
        &period,
        &deficiencies,
        follow_up.as_ref(),
        suggested_deadline.as_ref(),
        today,
    );

    PlanStatus {
        file: plan.source.name.clone(),
        company: plan.company().to_string(),
        importer_number: text(&plan.header.importer_number).unwrap_or("").to_string(),
        assessment_report: plan.assessment_report().to_string(),
        today,
        period,
        phase: phase_info,
        progress,
        completion: c,
        suggested_deadline,
        follow_up,
        deficiencies,
        overdue_count,
        next_date,
        next_actions,
    }
}

fn deficiency_status(
    i: usize,
    d: &model::Deficiency,
    today: NaiveDate,
    review_started: bool,
) -> DeficiencyStatus {
    let steps: Vec<StepInfo> = d
        .steps
        .iter()
        .enumerate()
        .map(|(j, s)| step_info(j, s, today))
        .collect();
    let count = |st: StepState| steps.iter().filter(|s| s.state == st).count();
    let validation = validation_info(d.validation.as_ref(), today, review_started);
    let open_steps = steps
        .iter()
        .filter(|s| s.state != StepState::Done)
        .filter_map(|s| s.target);
    let next_date = open_steps.chain(validation_next(&validation)).min();
    DeficiencyStatus {
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

fn step_info(j: usize, s: &model::Step, today: NaiveDate) -> StepInfo {
    let declared = s.status();
    let target = date(&s.target);
    let overdue_by = target
        .map(|t| days(t, today))
        .filter(|&n| n > 0 && declared != StepStatus::Done);
    let state = match (declared, overdue_by) {
        (StepStatus::Done, _) => StepState::Done,
        (_, Some(_)) => StepState::Overdue,
        (StepStatus::InProgress, None) => StepState::InProgress,
        (StepStatus::Planned, None) => StepState::Planned,
    };
    StepInfo {
        number: j + 1,
        action: text(&s.action).unwrap_or("").to_string(),
        departments: s
            .departments
            .iter()
            .map(|d| d.value.trim().to_string())
            .collect(),
        target,
        completed: date(&s.completed),
        declared,
        state,
        days_overdue: overdue_by,
    }
}

fn validation_info(
    v: Option<&model::Validation>,
    today: NaiveDate,
    review_started: bool,
) -> ValidationInfo {
    let Some(v) = v else {
        return ValidationInfo {
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
    let sent = date(&v.results_sent).filter(|&d| d <= today);
    let before = |d: Option<NaiveDate>| d.is_none_or(|d| today < d);
    let not_after = |d: Option<NaiveDate>| d.is_none_or(|d| today <= d);
    let state = if sent.is_some() || review_started {
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
        .then(|| results.map(|r| days(r, today)))
        .flatten();
    ValidationInfo {
        state,
        begins,
        concludes,
        results_to_customs: results,
        results_sent: date(&v.results_sent),
        days_overdue,
    }
}

/// The validation's next milestone date, while it is open.
fn validation_next(v: &ValidationInfo) -> Option<NaiveDate> {
    match v.state {
        ValidationState::Missing | ValidationState::Done => None,
        ValidationState::NotStarted => v.begins.or(v.concludes).or(v.results_to_customs),
        ValidationState::Testing => v.concludes.or(v.results_to_customs),
        ValidationState::ResultsDue | ValidationState::ResultsOverdue => v.results_to_customs,
    }
}

fn period(plan: &Plan, today: NaiveDate) -> Period {
    let report_date = date(&plan.header.report_date);
    let period_end = plan.period_end();
    let deadline = plan.deadline();
    let extension = plan
        .extensions
        .iter()
        .filter(|e| e.granted.is_some())
        .filter_map(|e| date(&e.new_deadline).map(|d| (d, e)))
        .max_by_key(|(d, _)| *d)
        .filter(|(d, _)| period_end.is_none_or(|end| *d > end))
        .map(|(d, e)| ExtensionInForce {
            requested: date(&e.requested),
            granted: date(&e.granted),
            new_deadline: d,
            reason: owned(&e.reason),
        });
    let extension_pending = plan
        .extensions
        .iter()
        .filter(|e| e.granted.is_none())
        .filter_map(|e| date(&e.requested))
        .max();
    let (days_left, days_overdue) = match deadline {
        Some(d) if today <= d => (Some(days(today, d)), None),
        Some(d) => (None, Some(days(d, today))),
        None => (None, None),
    };
    Period {
        report_date,
        period_end,
        extension,
        extension_pending,
        deadline,
        days_left,
        days_overdue,
    }
}

/// The significant-progress rule: at least `min_done_percent` of all steps
/// done, and nothing overdue by more than `max_overdue_days`.
pub fn progress(c: &Completion, longest_overdue_days: i64, t: &Threshold) -> Progress {
    let done_percent = if c.total == 0 {
        0.0
    } else {
        c.done as f64 * 100.0 / c.total as f64
    };
    // Integer comparison, exact at the threshold: done/total >= min/100.
    let share_ok = c.total > 0 && c.done * 100 >= c.total * t.min_done_percent as usize;
    let overdue_ok = longest_overdue_days <= t.max_overdue_days;
    let share = format!(
        "{} of {} steps done, {:.0}% ({} {}%)",
        c.done,
        c.total,
        done_percent.floor(),
        if share_ok { "at least" } else { "below" },
        t.min_done_percent
    );
    let overdue = if longest_overdue_days == 0 {
        format!("nothing overdue (limit {} days)", t.max_overdue_days)
    } else {
        format!(
            "longest overdue {} days ({} the {}-day limit)",
            longest_overdue_days,
            if overdue_ok { "within" } else { "over" },
            t.max_overdue_days
        )
    };
    let (significant, decided_by, rule) = if c.total == 0 {
        (
            false,
            ProgressRule::NoSteps,
            "the plan has no corrective steps".to_string(),
        )
    } else if share_ok && overdue_ok {
        (true, ProgressRule::BothMet, format!("{share}; {overdue}"))
    } else if !share_ok {
        let also = if overdue_ok {
            String::new()
        } else {
            format!("; also {overdue}")
        };
        (false, ProgressRule::DoneShare, format!("{share}{also}"))
    } else {
        (
            false,
            ProgressRule::Overdue,
            format!("{overdue}, although {share}"),
        )
    };
    Progress {
        significant,
        decided_by,
        rule,
        done_percent,
        longest_overdue_days,
        threshold: *t,
    }
}

/// A new deadline for an extension request: the latest remaining target
/// (open steps' targets and open validations' results dates), but at least
/// [`MIN_EXTENSION_DAYS`] after today.
fn suggest_deadline(
    deficiencies: &[DeficiencyStatus],
    today: NaiveDate,
) -> Option<SuggestedDeadline> {
    let remaining = deficiencies
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
    let floor = today + chrono::Days::new(MIN_EXTENSION_DAYS as u64);
    Some(match remaining {
        Some(last) if last >= floor => SuggestedDeadline {
            date: last,
            basis: format!("the latest remaining target date ({last})"),
        },
        Some(last) => SuggestedDeadline {
            date: floor,
            basis: format!(
                "{MIN_EXTENSION_DAYS} days from today: the latest remaining target ({last}) leaves too little time; re-plan the overdue steps"
            ),
        },
        None => SuggestedDeadline {
            date: floor,
            basis: format!("{MIN_EXTENSION_DAYS} days from today (no remaining target dates)"),
        },
    })
}

fn phase_info(
    phase: Phase,
    period: &Period,
    progress: &Progress,
    follow_up: Option<&FollowUpInfo>,
    suggested: Option<&SuggestedDeadline>,
) -> PhaseInfo {
    let opt = |d: Option<NaiveDate>| d.map_or_else(|| "?".to_string(), |d| d.to_string());
    let (risk, consequence) = match phase {
        Phase::Undetermined => (
            "unknown",
            "The plan has no report_date, so the six-month conditional period cannot be computed; add it to [plan] (see `cip check`).".to_string(),
        ),
        Phase::WithinPeriod => (
            "standard",
            format!(
                "The company is in the \"standard\" risk category during the six-month conditional period (until {}). Implement every step and complete the validation before then.",
                opt(period.deadline)
            ),
        ),
        Phase::WithinExtension => (
            "standard",
            format!(
                "An extension granted on significant progress runs until {}; the company stays in the \"standard\" risk category until then.",
                opt(period.deadline)
            ),
        ),
        Phase::ReadyForFollowUp => (
            "standard",
            match follow_up.and_then(|f| f.requested) {
                Some(r) => format!(
                    "The plan is fully implemented and validated. The follow-up review was requested on {r}; Customs will determine whether the corrective actions were implemented and effective."
                ),
                None => "The plan is fully implemented and validated: report full implementation to the Account Manager and request Customs' follow-up review.".to_string(),
            },
        ),
        Phase::FollowUpUnderWay => (
            "standard",
            format!(
                "Customs' follow-up review is under way (started {}). If the period ends before it is completed, the company receives an automatic extension and stays in the \"standard\" risk category until the review is completed.",
                opt(follow_up.and_then(|f| f.started))
            ),
        ),
        Phase::FollowUpCompleted => (
            "per the review's outcome",
            format!(
                "Customs' follow-up review was completed on {}{}. The Account Manager informs the company of its risk category in writing.",
                opt(follow_up.and_then(|f| f.completed)),
                follow_up
                    .and_then(|f| f.outcome.as_deref())
                    .map(|o| format!(" (outcome: {o})"))
                    .unwrap_or_default()
            ),
        ),
        Phase::ExtensionAdvised => (
            "standard if an extension is granted",
            match period.extension_pending {
                Some(r) => format!(
                    "The deadline ({}) has passed without full implementation, but the company shows significant progress: {}. An extension was requested on {r} and awaits Customs' decision.",
                    opt(period.deadline),
                    progress.rule
                ),
                None => format!(
                    "The deadline ({}) has passed without full implementation, but the company shows significant progress: {}. Request an extension from the Account Manager{}.",
                    opt(period.deadline),
                    progress.rule,
                    suggested
                        .map(|s| format!(", suggesting {} as the new deadline ({})", s.date, s.basis))
                        .unwrap_or_default()
                ),
            },
        ),
        Phase::AtRisk => (
            "higher risk category possible",
            format!(
                "The deadline ({}) has passed without full implementation and without significant progress: {}. The company is at risk of a higher compliance risk category: the Account Manager will take appropriate action and inform the company in writing.",
                opt(period.deadline),
                progress.rule
            ),
        ),
    };
    PhaseInfo {
        phase,
        title: phase.title(),
        risk_category: risk,
        consequence,
    }
}

/// How many actions `next_actions` lists.
pub const NEXT_ACTIONS: usize = 3;

fn next_actions(
    phase: Phase,
    period: &Period,
    deficiencies: &[DeficiencyStatus],
    follow_up: Option<&FollowUpInfo>,
    suggested: Option<&SuggestedDeadline>,
    today: NaiveDate,
) -> Vec<Action> {
    let mut first = Vec::new();
    let now = |what: String| Action {
        date: Some(today),
        deficiency: None,
        what,
        overdue: false,
    };
    match phase {
        Phase::ReadyForFollowUp if follow_up.and_then(|f| f.requested).is_none() => first.push(
            now("Report full implementation and request Customs' follow-up review".into()),
        ),
        Phase::ExtensionAdvised if period.extension_pending.is_none() => first.push(now(format!(
            "Request an extension from the Account Manager{}",
            suggested
                .map(|s| format!(" (suggested new deadline {})", s.date))
                .unwrap_or_default()
        ))),
        Phase::AtRisk => first.push(now(
            "Contact the Account Manager: the deadline passed without significant progress".into(),
        )),
        Phase::Undetermined => first.push(now("Add the report date to [plan]".into())),
        _ => {}
    }
    let mut open = Vec::new();
    for d in deficiencies {
        for s in d.steps.iter().filter(|s| s.state != StepState::Done) {
            open.push(Action {
                date: s.target,
                deficiency: Some(d.id.clone()),
                what: format!("Step {} ({}): {}", s.number, s.state.as_str(), s.action),
                overdue: s.state == StepState::Overdue,
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
        open.push(Action {
            date,
            deficiency: Some(d.id.clone()),
            what: what.to_string(),
            overdue: v.state == ValidationState::ResultsOverdue,
        });
    }
    // Dated actions by date (stable: plan order on ties), undated last.
    open.sort_by(|a, b| match (a.date, b.date) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    first.extend(open);
    first.truncate(NEXT_ACTIONS);
    first
}

// ---------------------------------------------------------------------------
// Loading

/// Why `cip status` could not read a plan.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Plan(#[from] crate::intake::AnyError),
}

/// The single entry point for reading a plan by path: a TOML plan, or a
/// signed plan PDF, verified and read back as letters do
/// ([`crate::intake::load_plan_any`]). An untrusted signer is no obstacle to
/// reporting status; an invalid signature or manifest is.
pub fn load(path: &Path) -> Result<Plan, StatusError> {
    Ok(crate::intake::load_plan_any(path, &[])?.0)
}

// ---------------------------------------------------------------------------
// Portfolio

/// One line of the account manager's portfolio.
#[derive(Debug, Clone, Serialize)]
pub struct PortfolioRow {
    pub file: String,
    pub company: String,
    pub assessment_report: String,
    pub period_end: Option<NaiveDate>,
    /// The deadline in force (extension or period end).
    pub deadline: Option<NaiveDate>,
    pub phase: Phase,
    pub completion_percent: u32,
    pub steps_done: usize,
    pub steps_total: usize,
    pub overdue: usize,
    /// Earliest date among overdue items (the oldest), if any.
    pub overdue_since: Option<NaiveDate>,
    pub next_date: Option<NaiveDate>,
}

impl PortfolioRow {
    pub fn from_status(s: &PlanStatus) -> Self {
        let overdue_since = s
            .deficiencies
            .iter()
            .flat_map(|d| {
                d.steps
                    .iter()
                    .filter(|st| st.state == StepState::Overdue)
                    .filter_map(|st| st.target)
                    .chain(
                        (d.validation.state == ValidationState::ResultsOverdue)
                            .then_some(d.validation.results_to_customs)
                            .flatten(),
                    )
            })
            .min();
        PortfolioRow {
            file: s.file.clone(),
            company: s.company.clone(),
            assessment_report: s.assessment_report.clone(),
            period_end: s.period.period_end,
            deadline: s.period.deadline,
            phase: s.phase.phase,
            completion_percent: s.completion.percent,
            steps_done: s.completion.done,
            steps_total: s.completion.total,
            overdue: s.overdue_count,
            overdue_since,
            next_date: s.next_date,
        }
    }

    /// Urgency tier: 0 = something overdue or at risk, 1 = open,
    /// 2 = in Customs' hands (follow-up under way or completed).
    pub fn tier(&self) -> u8 {
        if self.overdue > 0 || self.phase == Phase::AtRisk {
            0
        } else if matches!(
            self.phase,
            Phase::FollowUpUnderWay | Phase::FollowUpCompleted
        ) {
            2
        } else {
            1
        }
    }
}

/// The portfolio's order: overdue (or at-risk) plans first, the longest
/// overdue first; then the nearest deadline; plans whose follow-up review is
/// under way or completed last; ties by company, then file.
pub fn urgency(a: &PortfolioRow, b: &PortfolioRow) -> Ordering {
    fn none_last(x: Option<NaiveDate>, y: Option<NaiveDate>) -> Ordering {
        match (x, y) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    a.tier()
        .cmp(&b.tier())
        .then_with(|| {
            if a.tier() == 0 {
                none_last(
                    a.overdue_since.or(a.deadline),
                    b.overdue_since.or(b.deadline),
                )
            } else {
                Ordering::Equal
            }
        })
        .then_with(|| none_last(a.deadline, b.deadline))
        .then_with(|| none_last(a.next_date, b.next_date))
        .then_with(|| a.company.cmp(&b.company))
        .then_with(|| a.file.cmp(&b.file))
}

#[derive(Debug, Clone, Serialize)]
pub struct Unreadable {
    pub file: String,
    pub error: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Portfolio {
    pub today: NaiveDate,
    pub threshold: Threshold,
    /// Sorted by [`urgency`].
    pub plans: Vec<PortfolioRow>,
    /// Files that could not be read, by path.
    pub unreadable: Vec<Unreadable>,
}

/// Status of many plans, read in parallel with `load`; unreadable files are
/// collected, never fatal.
pub fn portfolio<P, F, E>(
    paths: &[P],
    load: F,
    today: NaiveDate,
    threshold: &Threshold,
) -> Portfolio
where
    P: AsRef<Path> + Sync,
    F: Fn(&Path) -> Result<Plan, E> + Sync,
    E: Display,
{
    let results: Vec<Result<PortfolioRow, Unreadable>> = paths
        .par_iter()
        .map(|p| {
            let p = p.as_ref();
            match load(p) {
                Ok(plan) => Ok(PortfolioRow::from_status(&compute(&plan, today, threshold))),
                Err(e) => Err(Unreadable {
                    file: p.display().to_string(),
                    error: e.to_string(),
                }),
            }
        })
        .collect();
    let mut plans = Vec::with_capacity(results.len());
    let mut unreadable = Vec::new();
    for r in results {
        match r {
            Ok(row) => plans.push(row),
            Err(u) => unreadable.push(u),
        }
    }
    plans.par_sort_by(urgency);
    unreadable.sort_by(|a, b| a.file.cmp(&b.file));
    Portfolio {
        today,
        threshold: *threshold,
        plans,
        unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn completion(done: usize, total: usize) -> Completion {
        Completion {
            done,
            in_progress: 0,
            planned: total - done,
            overdue: 0,
            total,
            percent: 0,
            validations_done: 0,
            validations_total: 0,
            validations_overdue: 0,
        }
    }

    #[test]
    fn significant_progress_at_threshold() {
        let t = Threshold::default();
        assert!(progress(&completion(5, 10), 0, &t).significant);
        assert!(progress(&completion(5, 10), 30, &t).significant);
        let p = progress(&completion(4, 10), 0, &t);
        assert!(!p.significant);
        assert_eq!(p.decided_by, ProgressRule::DoneShare);
        let p = progress(&completion(5, 10), 31, &t);
        assert!(!p.significant);
        assert_eq!(p.decided_by, ProgressRule::Overdue);
        // 1 of 3 is 33%, 2 of 3 is 66%: exact integer comparison.
        assert!(!progress(&completion(1, 3), 0, &t).significant);
        assert!(progress(&completion(2, 3), 0, &t).significant);
        let p = progress(&completion(0, 0), 0, &t);
        assert_eq!(p.decided_by, ProgressRule::NoSteps);
        // Configurable.
        let strict = Threshold {
            min_done_percent: 75,
            max_overdue_days: 0,
        };
        assert!(!progress(&completion(7, 10), 0, &strict).significant);
        assert!(progress(&completion(8, 10), 0, &strict).significant);
        assert!(!progress(&completion(8, 10), 1, &strict).significant);
    }

    #[test]
    fn suggested_deadline_floor() {
        let s = suggest_deadline(&[], d(2027, 5, 1)).expect("some");
        assert_eq!(s.date, d(2027, 5, 31));
    }
}
