//! `cip status`: where a plan stands in the framework's timeframes, and
//! what follows, as of a date.
//!
//! Everything here states what [`crate::lifecycle::assess`] decided (the
//! deadline in force, the phase, significant progress judged on the
//! deadline, the risk category and since when, what is due next and by
//! whom) and adds only presentation: the consequence in words and the
//! account manager's portfolio order. No date is compared against the
//! framework's periods here.
//!
//! | phase | when | consequence |
//! |---|---|---|
//! | `within-period` | as-of date ≤ end of the conditional period | "standard" category |
//! | `within-extension` | an extension granted (decided by the date) runs | "standard" category |
//! | `implemented` | every step completed, validation not yet | validate, send the results |
//! | `ready-for-follow-up` | every step completed and every validation's results sent | request Customs' follow-up review |
//! | `follow-up-under-way` | the review started, not completed | automatic extension if the period ends meanwhile |
//! | `follow-up-completed` | the review completed | the AM designates the category in writing |
//! | `extension-advised` | deadline passed, significant progress on it | request an extension |
//! | `extension-requested` | deadline passed, a request awaits Customs' decision | "standard" until decided |
//! | `at-risk` | deadline passed, no significant progress on it, or extension denied | "a higher compliance risk category" |
//! | `undetermined` | no report date | the period cannot be computed |

use std::cmp::Ordering;
use std::fmt::Display;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::lifecycle::{self, DeadlineBasis};
pub use crate::lifecycle::{
    AutomaticExtension, CaseState, DeficiencyState as DeficiencyStatus, Due, ExtensionState,
    MIN_EXTENSION_DAYS, Phase, Progress, ProgressRule, StepFact as StepInfo, StepState,
    SuggestedDeadline, Threshold, ValidationFact as ValidationInfo, ValidationState, Verdict,
};
use crate::model::case::{self, Case, CaseError};
use crate::model::{LoadError, Plan, text};

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
    /// The granted extension whose deadline is in force, if any.
    pub extension: Option<ExtensionInForce>,
    /// A request awaiting Customs' decision: its request date.
    pub extension_pending: Option<NaiveDate>,
    /// The deadline in force on the date.
    pub deadline: Option<NaiveDate>,
    /// Days from the date to the deadline (0 on the day itself).
    pub days_left: Option<i64>,
    /// Days since the deadline passed, unless it was met (`met_on`): a
    /// deadline for full implementation is not overdue once every step was
    /// done by it.
    pub days_overdue: Option<i64>,
    /// The day the last step was completed, when that was on or before the
    /// deadline: the deadline was met.
    pub met_on: Option<NaiveDate>,
    pub automatic_extension: Option<AutomaticExtension>,
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

#[derive(Debug, Clone, Serialize)]
pub struct PhaseInfo {
    pub phase: Phase,
    pub title: &'static str,
    /// "standard" or "a higher compliance risk category" (the framework's
    /// words), "unknown" without a report date.
    pub risk_category: &'static str,
    /// Since when that category applies.
    pub category_since: Option<NaiveDate>,
    /// Why, in the framework's terms.
    pub category_basis: String,
    /// The framework's consequence, spelled out for this plan.
    pub consequence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub date: Option<NaiveDate>,
    /// "company" or "Customs".
    pub by: &'static str,
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
    /// Where Customs' decisions were read from, and its kind.
    pub record: String,
    pub record_origin: case::Origin,
    pub period: Period,
    pub phase: PhaseInfo,
    /// Significant progress, judged on the deadline in force once passed.
    pub progress: Progress,
    /// The same rule counted on the date, while the deadline has not passed.
    pub outlook: Option<Progress>,
    pub completion: Completion,
    pub implementation: lifecycle::Implementation,
    pub validation: lifecycle::Validation,
    pub suggested_deadline: Option<SuggestedDeadline>,
    pub extensions: Vec<ExtensionState>,
    pub follow_up: lifecycle::FollowUp,
    pub designation: Option<lifecycle::DesignationState>,
    pub accepted: Option<NaiveDate>,
    pub deficiencies: Vec<DeficiencyStatus>,
    /// Overdue steps plus validations whose results are overdue.
    pub overdue_count: usize,
    /// Earliest open date in the plan (overdue ones included).
    pub next_date: Option<NaiveDate>,
    /// The next three actions, phase duties first.
    pub next_actions: Vec<Action>,
    pub notes: Vec<String>,
}

/// How many actions `next_actions` lists.
pub const NEXT_ACTIONS: usize = 3;

/// Where `plan` stands on `today`, with Customs' decisions in `case`.
pub fn compute(plan: &Plan, case: &Case, today: NaiveDate, threshold: &Threshold) -> PlanStatus {
    from_state(plan, lifecycle::assess(plan, case, today, threshold))
}

/// The status view of a lifecycle state.
pub fn from_state(plan: &Plan, s: CaseState) -> PlanStatus {
    let i = &s.implementation;
    let v = &s.validation;
    let completion = Completion {
        done: i.done,
        in_progress: i.in_progress,
        planned: i.planned,
        overdue: i.overdue,
        total: i.total,
        percent: i.percent,
        validations_done: v.done,
        validations_total: v.total,
        validations_overdue: v.overdue,
    };
    let met_on = s.deadline.as_ref().and_then(|d| d.met_on);
    let period = Period {
        report_date: s.report_date,
        period_end: s.period_end,
        extension: s.extension_in_force().and_then(|e| {
            Some(ExtensionInForce {
                requested: e.requested,
                granted: e.decided,
                new_deadline: e.new_deadline?,
                reason: e.reason.clone(),
            })
        }),
        extension_pending: s.pending_extension().and_then(|e| e.requested),
        deadline: s.deadline_date(),
        days_left: s.deadline.as_ref().and_then(|d| d.days_left),
        days_overdue: s
            .deadline
            .as_ref()
            .and_then(|d| d.days_overdue)
            .filter(|_| met_on.is_none()),
        met_on,
        automatic_extension: s.automatic_extension.clone(),
    };
    let phase = PhaseInfo {
        phase: s.phase,
        title: s.phase.title(),
        risk_category: s.category_words(),
        category_since: s.category.as_ref().map(|c| c.since),
        category_basis: s
            .category
            .as_ref()
            .map(|c| c.basis.clone())
            .unwrap_or_default(),
        consequence: consequence(&s),
    };
    let next_actions = s
        .due
        .iter()
        .take(NEXT_ACTIONS)
        .map(|d: &Due| Action {
            date: d.date,
            by: d.by.as_str(),
            deficiency: d.deficiency.clone(),
            what: d.what.clone(),
            overdue: d.overdue,
        })
        .collect();
    PlanStatus {
        file: plan.source.name.clone(),
        company: plan.company().to_string(),
        importer_number: text(&plan.header.importer_number).unwrap_or("").to_string(),
        assessment_report: plan.assessment_report().to_string(),
        today: s.as_of,
        record: s.record_file.clone(),
        record_origin: s.record,
        period,
        phase,
        progress: s.progress.clone(),
        outlook: s.outlook.clone(),
        completion,
        implementation: s.implementation.clone(),
        validation: s.validation.clone(),
        suggested_deadline: s.suggested_deadline.clone(),
        extensions: s.extensions.clone(),
        follow_up: s.follow_up.clone(),
        designation: s.designation.clone(),
        accepted: s.accepted,
        overdue_count: s.implementation.overdue + s.validation.overdue,
        next_date: s.deficiencies.iter().filter_map(|d| d.next_date).min(),
        next_actions,
        notes: s.notes.clone(),
        deficiencies: s.deficiencies,
    }
}

/// The framework's consequence for the phase, in words, from the state's
/// facts only.
fn consequence(s: &CaseState) -> String {
    let opt = |d: Option<NaiveDate>| d.map_or_else(|| "?".to_string(), |d| d.to_string());
    let deadline = opt(s.deadline_date());
    let category = s.category_words();
    let extension_words = match s.deadline.as_ref().map(|d| d.basis) {
        Some(DeadlineBasis::Extension) => "the extension granted",
        _ => "the six-month conditional period",
    };
    match s.phase {
        lifecycle::Phase::Undetermined => "The plan has no report_date, so the six-month conditional period cannot be computed; add it to [plan] (see `cip check`).".to_string(),
        lifecycle::Phase::WithinPeriod | lifecycle::Phase::WithinExtension => format!(
            "The company is in the \"{category}\" risk category during {extension_words} (until {deadline}). Implement every step and complete the validation before then.{}",
            s.pending_extension()
                .map(|p| format!(" An extension requested on {} awaits Customs' decision.", opt(p.requested)))
                .unwrap_or_default()
        ),
        lifecycle::Phase::Implemented => format!(
            "Every corrective action step is completed ({}). Upon full implementation the company should validate: complete the validation action and forward its results to Customs ({} of {} sent). Category: \"{category}\".",
            opt(s.implementation.completed_on),
            s.validation.done,
            s.deficiencies.len()
        ),
        lifecycle::Phase::ReadyForFollowUp => match s.follow_up.requested {
            Some(r) => format!(
                "The plan is fully implemented and validated. The follow-up review was requested on {r}; Customs will determine whether the corrective actions were implemented and effective. Category: \"{category}\"."
            ),
            None => format!(
                "The plan is fully implemented and validated: report full implementation to the Account Manager and request Customs' follow-up review. Category: \"{category}\"."
            ),
        },
        lifecycle::Phase::FollowUpUnderWay => match &s.automatic_extension {
            Some(a) => format!(
                "Customs' follow-up review (started {}) was under way at the end of the period ({}): the company has an automatic extension and remains in the \"standard\" risk category until the review is completed.",
                a.review_started, a.deadline
            ),
            // Started after the deadline: nothing was under way when the
            // period ended, so no automatic extension (framework: only a
            // review under way at the end of the period extends it).
            None if s.deadline.as_ref().is_some_and(|d| d.passed()) => format!(
                "Customs' follow-up review is under way (started {}). It began after the deadline ({deadline}), so it brings no automatic extension. Category: \"{category}\".",
                opt(s.follow_up.started)
            ),
            None => format!(
                "Customs' follow-up review is under way (started {}). If the period ({deadline}) ends before it is completed, the company receives an automatic extension and stays in the \"standard\" risk category until the review is completed.",
                opt(s.follow_up.started)
            ),
        },
        lifecycle::Phase::FollowUpCompleted => format!(
            "Customs' follow-up review was completed on {}{}. The Account Manager informs the company of its risk category in writing{}.",
            opt(s.follow_up.completed),
            s.follow_up
                .outcome
                .as_deref()
                .map(|o| format!(" (outcome: {o})"))
                .unwrap_or_default(),
            s.designation
                .as_ref()
                .map(|d| format!(" (designated \"{}\", effective {})", d.words, d.effective))
                .unwrap_or_default()
        ),
        lifecycle::Phase::ExtensionAdvised => format!(
            "The deadline ({deadline}) passed without full implementation, but the company had demonstrated significant progress by then: {}. Request an extension from the Account Manager{}.",
            s.progress.rule,
            s.suggested_deadline
                .as_ref()
                .map(|x| format!(", suggesting {} as the new deadline ({})", x.date, x.basis))
                .unwrap_or_default()
        ),
        lifecycle::Phase::ExtensionRequested => format!(
            "The deadline ({deadline}) passed without full implementation; the extension requested on {} awaits Customs' decision. Progress {}. The company remains in the \"standard\" category until Customs decides.",
            opt(s.pending_extension().and_then(|p| p.requested)),
            s.progress.rule
        ),
        lifecycle::Phase::AtRisk => format!(
            "Category: \"{category}\"{}: {}. The Account Manager will take appropriate action and inform the company in writing of its compliance risk category designation{}.",
            s.category
                .as_ref()
                .map(|c| format!(" since {}", c.since))
                .unwrap_or_default(),
            s.category.as_ref().map(|c| c.basis.as_str()).unwrap_or(""),
            s.designation
                .as_ref()
                .map(|d| format!(" (designated in writing: \"{}\", effective {})", d.words, d.effective))
                .unwrap_or_default()
        ),
    }
}

// ---------------------------------------------------------------------------
// Loading

/// Why `cip status` could not read a plan or its case file.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Plan(#[from] crate::intake::AnyError),
    #[error(transparent)]
    Case(#[from] CaseError),
}

/// A plan and Customs' decisions on it.
pub struct Loaded {
    pub plan: Plan,
    pub case: Case,
    /// The case file in use, when there is one.
    pub case_path: Option<PathBuf>,
}

/// Read a plan by path (a TOML plan, or a signed plan PDF, verified and
/// read back as letters do) and its record: `case_file` if given, else the
/// plan's default case file (`PLAN.case.toml`) when it exists, else the
/// plan's own `[[extension]]` / `[follow_up]`.
pub fn load_with(path: &Path, case_file: Option<&Path>) -> Result<Loaded, StatusError> {
    let plan = crate::intake::load_plan_any(path, &[])?.0;
    let (case, case_path) = case::for_plan(&plan, path, case_file, false)?;
    Ok(Loaded {
        plan,
        case,
        case_path,
    })
}

/// [`load_with`] without an explicit case file, as the portfolio reads.
pub fn load(path: &Path) -> Result<(Plan, Case), StatusError> {
    let l = load_with(path, None)?;
    Ok((l.plan, l.case))
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
        Self::from_parts(
            &s.file,
            &s.company,
            &s.assessment_report,
            s.period.period_end,
            s.period.deadline,
            s.phase.phase,
            &s.completion,
            s.overdue_count,
            &s.deficiencies,
        )
    }

    /// A row straight from the lifecycle, without the status view's text
    /// (the portfolio reads thousands of plans).
    pub fn from_state(plan: &Plan, st: &CaseState) -> Self {
        let i = &st.implementation;
        let completion = Completion {
            done: i.done,
            in_progress: i.in_progress,
            planned: i.planned,
            overdue: i.overdue,
            total: i.total,
            percent: i.percent,
            validations_done: st.validation.done,
            validations_total: st.validation.total,
            validations_overdue: st.validation.overdue,
        };
        Self::from_parts(
            &plan.source.name,
            plan.company(),
            plan.assessment_report(),
            st.period_end,
            st.deadline_date(),
            st.phase,
            &completion,
            i.overdue + st.validation.overdue,
            &st.deficiencies,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn from_parts(
        file: &str,
        company: &str,
        assessment_report: &str,
        period_end: Option<NaiveDate>,
        deadline: Option<NaiveDate>,
        phase: Phase,
        c: &Completion,
        overdue: usize,
        deficiencies: &[DeficiencyStatus],
    ) -> Self {
        let overdue_since = deficiencies
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
            file: file.to_string(),
            company: company.to_string(),
            assessment_report: assessment_report.to_string(),
            period_end,
            deadline,
            phase,
            completion_percent: c.percent,
            steps_done: c.done,
            steps_total: c.total,
            overdue,
            overdue_since,
            next_date: deficiencies.iter().filter_map(|d| d.next_date).min(),
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
    /// Files of the folders given that are not plans (letters, profiles),
    /// by path; case files are read with their plans, not listed.
    pub not_plans: Vec<NotAPlanFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotAPlanFile {
    pub file: String,
    pub reason: String,
}

/// The portfolio of the paths given on a command line: a file is read as a
/// plan (and reported if it cannot be); a folder stands for the plans
/// directly inside it. Of a folder's files, one that fails to load and is
/// not a plan at all ([`crate::intake::folder_entry`]: a letter, a profile)
/// is listed apart instead of reported unreadable; plans are read once.
/// A folder that cannot be listed is reported as unreadable.
pub fn portfolio_of_paths(
    args: &[std::path::PathBuf],
    today: NaiveDate,
    threshold: &Threshold,
) -> Portfolio {
    let mut paths = Vec::with_capacity(args.len());
    let mut in_folders = std::collections::HashSet::new();
    for a in args {
        if !a.is_dir() {
            paths.push(a.clone());
            continue;
        }
        match crate::intake::plan_candidates_in(a) {
            Ok(files) => {
                in_folders.extend(files.iter().map(|f| f.display().to_string()));
                paths.extend(files);
            }
            // Read as a plan, it is reported with the reason.
            Err(_) => paths.push(a.clone()),
        }
    }
    let mut p = portfolio(&paths, load, today, threshold);
    let unreadable = std::mem::take(&mut p.unreadable);
    for u in unreadable {
        let why = in_folders
            .contains(&u.file)
            .then(|| {
                crate::intake::folder_entry(Path::new(&u.file))
                    .err()
                    .flatten()
            })
            .flatten();
        match why {
            Some(why) => p.not_plans.push(NotAPlanFile {
                file: u.file,
                reason: why.to_string(),
            }),
            None => p.unreadable.push(u),
        }
    }
    p
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
    F: Fn(&Path) -> Result<(Plan, Case), E> + Sync,
    E: Display,
{
    let results: Vec<Result<PortfolioRow, Unreadable>> = paths
        .par_iter()
        .map(|p| {
            let p = p.as_ref();
            match load(p) {
                Ok((plan, case)) => Ok(PortfolioRow::from_state(
                    &plan,
                    &lifecycle::assess(&plan, &case, today, threshold),
                )),
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
        not_plans: Vec::new(),
    }
}
