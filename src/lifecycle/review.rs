//! Is a Customs letter consistent with the case on its date?
//!
//! Before a letter is written, the decision it communicates is checked
//! against the lifecycle: a letter that would state something the case does
//! not support is refused with the list of reasons (each with a stable
//! code), and only an explicit override (recorded in the letter) issues it.
//! Warnings do not stop a letter; they are printed and recorded.

use chrono::NaiveDate;
use serde::Serialize;

use super::{CaseState, Progress, ReviewStage, StepState, Threshold, Verdict, assess, progress_on};
use crate::model::Plan;
use crate::model::case::{Case, Category, Outcome};

/// The decision a letter communicates, in the lifecycle's terms.
#[derive(Debug, Clone)]
pub enum Notice {
    Acceptance,
    AdditionalInformation {
        due: NaiveDate,
    },
    Extension(ExtensionDecision),
    FollowUp {
        /// First day of the review.
        date: NaiveDate,
    },
    Designation {
        category: Category,
        effective: NaiveDate,
        reason: Option<String>,
    },
    /// The company's letter transmitting the plan.
    Transmittal,
    /// The company's report of validation results.
    ValidationResults,
    /// A letter kind the lifecycle knows nothing about (a user's template).
    Other,
}

/// An extension decision, new (made by this letter) or recorded earlier.
#[derive(Debug, Clone)]
pub struct ExtensionDecision {
    pub requested: Option<NaiveDate>,
    pub decided: NaiveDate,
    pub outcome: Outcome,
    pub new_deadline: Option<NaiveDate>,
    pub reason: Option<String>,
    /// Already in the record (the letter re-states it) rather than made now.
    pub recorded: bool,
}

/// One reason a letter is refused (or a warning about it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Objection {
    /// Stable code, e.g. `extension-without-significant-progress`.
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for Objection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Review {
    pub refusals: Vec<Objection>,
    pub warnings: Vec<Objection>,
}

impl Review {
    fn refuse(&mut self, code: &'static str, message: String) {
        self.refusals.push(Objection { code, message });
    }

    fn warn(&mut self, code: &'static str, message: String) {
        self.warnings.push(Objection { code, message });
    }
}

/// The facts an extension decision rests on: the deadline it extends and
/// the progress on the day it is judged (that deadline, or the decision
/// date when decided before it).
pub fn extension_basis(
    plan: &Plan,
    before: &CaseState,
    decided: NaiveDate,
    t: &Threshold,
) -> (Option<NaiveDate>, Option<Progress>) {
    let prev = before.deadline_date();
    (prev, prev.map(|p| progress_on(plan, decided.min(p), t)))
}

/// Check `notice`, in a letter dated `on`, against the case. `case` is the
/// record without this letter's decision.
pub fn review(plan: &Plan, case: &Case, t: &Threshold, on: NaiveDate, notice: &Notice) -> Review {
    let mut r = Review::default();
    let state = assess(plan, case, on, t);
    if let Some(report) = state.report_date {
        if on < report {
            r.refuse(
                "letter-before-report",
                format!(
                    "the letter is dated {on}, before the Compliance Assessment report ({report})"
                ),
            );
        }
    }
    if let Some(p) = state.prepared {
        if on < p {
            r.refuse(
                "letter-before-prepared",
                format!("the letter is dated {on}, before the plan was prepared ({p})"),
            );
        }
    }
    // Every letter answers the plan as approved and transmitted: one dated
    // before the approving official signed answers a plan Customs could
    // not have had ("approved by Robert Chen" on a day he had not).
    if let Some(a) = plan.approving_official.date.as_ref().map(|d| d.value) {
        if on < a {
            r.refuse(
                "letter-before-approval",
                format!(
                    "the letter is dated {on}, before the approving official approved the plan ({a})"
                ),
            );
        }
    }
    match notice {
        Notice::Acceptance => acceptance(&state, &mut r),
        Notice::AdditionalInformation { due } => {
            if *due <= on {
                r.refuse(
                    "response-due-not-after-letter",
                    format!("the response is due {due}, not after the letter date ({on})"),
                );
            }
        }
        Notice::Extension(x) => extension(plan, case, t, &state, on, x, &mut r),
        Notice::FollowUp { date } => follow_up(&state, on, *date, &mut r),
        Notice::Designation {
            category,
            effective,
            reason,
        } => designation(
            plan, case, t, &state, on, *category, *effective, &mut r, reason,
        ),
        Notice::ValidationResults => results_report(plan, on, &mut r),
        Notice::Transmittal | Notice::Other => {}
    }
    r
}

/// The report of validation results states that testing concluded and
/// forwards results the plan records as sent, so it cannot precede the
/// latest of those dates for the deficiencies it reports.
fn results_report(plan: &Plan, on: NaiveDate, r: &mut Review) {
    let mut latest: Option<(NaiveDate, String)> = None;
    for (n, d) in plan.deficiencies.iter().enumerate() {
        let Some(v) = &d.validation else { continue };
        let Some(res) = &v.results else { continue };
        let id = crate::model::text(&d.id).map_or_else(|| format!("{}", n + 1), str::to_string);
        let dates = [
            (v.concludes.as_ref(), "testing concluded"),
            (res.sent.as_ref(), "results sent"),
            (v.results_sent.as_ref(), "results sent"),
        ];
        for (date, what) in dates {
            let Some(date) = date.map(|d| d.value) else {
                continue;
            };
            if on < date && latest.as_ref().is_none_or(|(l, _)| date > *l) {
                latest = Some((date, format!("{id}: {what} {date}")));
            }
        }
    }
    if let Some((_, fact)) = latest {
        r.refuse(
            "letter-before-results",
            format!(
                "the letter is dated {on}, before the testing and sending of the results it reports (latest: {fact}); date it on or after that day"
            ),
        );
    }
}

fn acceptance(s: &CaseState, r: &mut Review) {
    if s.report_date.is_none() {
        r.refuse(
            "no-report-date",
            "the plan has no report date, so the conditional period the letter states is unknown"
                .into(),
        );
    }
    let missing: Vec<String> = s
        .deficiencies
        .iter()
        .flat_map(|d| {
            d.steps
                .iter()
                .filter(|st| st.state == StepState::Done && !st.evidence)
                .map(move |st| format!("{} step {}", d.id, st.number))
        })
        .collect();
    if !missing.is_empty() {
        r.refuse(
            "step-done-without-evidence",
            format!(
                "supporting documentation is not attached for completed step(s): {} (the framework asks for evidence of the corrective action for steps already completed)",
                missing.join(", ")
            ),
        );
    }
    if let Some(a) = s.accepted {
        r.warn(
            "already-accepted",
            format!("the record already has an acceptance dated {a}"),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn extension(
    plan: &Plan,
    case: &Case,
    t: &Threshold,
    s: &CaseState,
    on: NaiveDate,
    x: &ExtensionDecision,
    r: &mut Review,
) {
    let Some(period_end) = s.period_end else {
        r.refuse(
            "no-report-date",
            "the plan has no report date, so the period an extension extends is unknown".into(),
        );
        return;
    };
    if on < x.decided {
        r.refuse(
            "letter-before-decision",
            format!(
                "the letter is dated {on}, before the decision it communicates ({})",
                x.decided
            ),
        );
    }
    match x.requested {
        None => r.refuse(
            "extension-without-request",
            format!(
                "the extension is {} without a request: the framework grants extensions \"if requested by the company\"; record the request date (`requested`)",
                x.outcome.as_str()
            ),
        ),
        Some(q) if q > x.decided => r.refuse(
            "extension-decided-before-request",
            format!(
                "the extension is decided on {} but was requested on {q}, later",
                x.decided
            ),
        ),
        Some(_) => {}
    }
    // The state the decision is made in: as of the day before it when
    // re-stating a recorded decision, else the letter's day.
    let before = if x.recorded {
        let mut without = case.clone();
        without.extensions.retain(|e| {
            !(e.decision.is_some()
                && e.requested.as_ref().map(|d| d.value) == x.requested
                && e.decided.as_ref().map(|d| d.value) == Some(x.decided))
        });
        assess(plan, &without, x.decided, t)
    } else {
        s.clone()
    };
    if !x.recorded {
        // Any decision the record holds for this request, whatever its date:
        // one request has one decision.
        if let Some(q) = x.requested {
            if let Some(e) = case
                .extensions
                .iter()
                .find(|e| e.decision.is_some() && e.requested.as_ref().map(|d| d.value) == Some(q))
            {
                r.refuse(
                    "extension-already-decided",
                    format!(
                        "the request of {q} is already {} on {} ({})",
                        e.decision.as_ref().map_or("decided", |d| d.value.as_str()),
                        e.decided
                            .as_ref()
                            .map(|d| d.value.to_string())
                            .unwrap_or_default(),
                        case.at(&e.span)
                    ),
                );
            }
        }
    }
    let (prev, progress) = extension_basis(plan, &before, x.decided, t);
    let prev = prev.unwrap_or(period_end);
    if x.outcome == Outcome::Granted {
        match x.new_deadline {
            None => r.refuse(
                "extension-deadline-missing",
                "an extension granted needs its new deadline (`new_deadline`)".into(),
            ),
            Some(nd) if nd <= prev => r.refuse(
                "extension-deadline-not-later",
                format!("the new deadline ({nd}) is not after the deadline it extends ({prev})"),
            ),
            Some(nd) if nd <= on => r.refuse(
                "extension-deadline-passed",
                format!("the new deadline ({nd}) is not after the letter date ({on})"),
            ),
            Some(_) => {}
        }
        if let Some(p) = &progress {
            match p.verdict {
                Verdict::NotSignificant => r.refuse(
                    "extension-without-significant-progress",
                    format!(
                        "the company has not demonstrated significant progress ({}); the framework grants extensions on significant progress",
                        p.rule
                    ),
                ),
                // The framework extends the period of a company that "has not
                // implemented the CIP"; an implemented one has nothing to extend.
                Verdict::Implemented => r.refuse(
                    "extension-not-needed",
                    format!(
                        "every corrective action step is already completed ({}): the framework grants extensions to a company that has not implemented the plan",
                        p.rule
                    ),
                ),
                _ => {}
            }
        }
        if before.automatic_extension.is_some() {
            r.warn(
                "automatic-extension-applies",
                "a follow-up review under way at the end of the period already gives an automatic extension".into(),
            );
        }
    }
    // Without a reason, a denial's letter says the progress shown falls short
    // of the standard: false when the record shows significant progress or
    // full implementation. Customs may still deny ("extensions may be
    // granted"), but the letter must then say why.
    if x.outcome != Outcome::Granted && x.reason.is_none() {
        if let Some(p) = progress
            .as_ref()
            .filter(|p| matches!(p.verdict, Verdict::Significant | Verdict::Implemented))
        {
            r.refuse(
                "extension-denial-contradicts-progress",
                format!(
                    "the denial would say the progress shown does not meet the standard, but the record shows {} ({}); give the reason for the denial (`reason`)",
                    if p.verdict == Verdict::Implemented {
                        "every step completed"
                    } else {
                        "significant progress"
                    },
                    p.rule
                ),
            );
        }
    }
    if let Some(reason) = &x.reason {
        numbers(reason, &before, r);
    }
}

fn follow_up(s: &CaseState, on: NaiveDate, date: NaiveDate, r: &mut Review) {
    let i = &s.implementation;
    if !i.complete {
        r.refuse(
            "follow-up-before-implementation",
            format!(
                "the CIP is not fully implemented on {on}: {} of {} corrective action steps are completed (Customs conducts the follow-up review \"upon full implementation\")",
                i.done, i.total
            ),
        );
    }
    let v = &s.validation;
    if !v.complete {
        r.refuse(
            "follow-up-before-validation",
            format!(
                "the validation action is not completed on {on}: results sent for {} of {} deficiencies (Customs \"will not normally conduct the follow-up review until the company has completed its validation action\")",
                v.done,
                s.deficiencies.len()
            ),
        );
    }
    if s.follow_up.stage == ReviewStage::Completed {
        r.refuse(
            "follow-up-already-completed",
            format!(
                "the follow-up review was already completed on {}",
                s.follow_up
                    .completed
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
        );
    }
    if date < on {
        r.warn(
            "follow-up-date-passed",
            format!("the review date ({date}) is before the letter date ({on})"),
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn designation(
    plan: &Plan,
    case: &Case,
    t: &Threshold,
    s: &CaseState,
    on: NaiveDate,
    category: Category,
    effective: NaiveDate,
    r: &mut Review,
    reason: &Option<String>,
) {
    let Some(report) = s.report_date else {
        r.refuse(
            "no-report-date",
            "the plan has no report date, so no category can be designated against its period"
                .into(),
        );
        return;
    };
    if effective < report {
        r.refuse(
            "designation-before-report",
            format!("the designation takes effect on {effective}, before the report ({report})"),
        );
        return;
    }
    if effective < on {
        r.warn(
            "designation-retroactive",
            format!("the designation takes effect on {effective}, before the letter date ({on})"),
        );
    }
    let at = if effective == on {
        s.clone()
    } else {
        assess(plan, case, effective, t)
    };
    if let Some(c) = &at.category {
        if c.category != category {
            r.refuse(
                "designation-contradicts-state",
                format!(
                    "on {effective} the framework places the company in \"{}\", not \"{}\": {}",
                    c.words,
                    category.words(),
                    c.basis
                ),
            );
        }
    }
    if let Some(reason) = reason {
        numbers(reason, &at, r);
    }
}

/// Numbers the free text gives as "N of M" that contradict the plan's
/// counts on the date (a warning: the text is the AM's).
fn numbers(reason: &str, s: &CaseState, r: &mut Review) {
    let done = s.implementation.done;
    let total = s.implementation.total;
    let words: Vec<String> = reason
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    for i in 0..words.len() {
        let Some(n) = number(&words[i]) else { continue };
        if words.get(i + 1).map(String::as_str) != Some("of") {
            continue;
        }
        let mut j = i + 2;
        if matches!(
            words.get(j).map(String::as_str),
            Some("the" | "all" | "its")
        ) {
            j += 1;
        }
        let Some(m) = words.get(j).and_then(|w| number(w)) else {
            continue;
        };
        let noun = words.get(j + 1).map(String::as_str).unwrap_or("");
        if noun.starts_with("deficienc")
            || noun.starts_with("validation")
            || noun.starts_with("transaction")
        {
            continue;
        }
        if (n, m) != (done, total) {
            r.warn(
                "reason-numbers-differ",
                format!(
                    "the reason says \"{} of {}\" but the plan has {done} of {total} corrective action steps completed on {}",
                    words[i], words[j], s.as_of
                ),
            );
        }
    }
}

/// A count written in digits or words (up to ninety-nine).
fn number(w: &str) -> Option<usize> {
    if let Ok(n) = w.parse::<usize>() {
        return Some(n);
    }
    const ONES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    if let Some(n) = ONES.iter().position(|x| *x == w) {
        return Some(n);
    }
    let (tens, ones) = w.split_once('-').unwrap_or((w, ""));
    let t = TENS.iter().position(|x| *x == tens)?;
    let o = if ones.is_empty() {
        0
    } else {
        ONES.iter()
            .position(|x| *x == ones)
            .filter(|&o| (1..10).contains(&o))?
    };
    Some((t + 2) * 10 + o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_words_and_digits() {
        assert_eq!(number("eleven"), Some(11));
        assert_eq!(number("fourteen"), Some(14));
        assert_eq!(number("twenty-one"), Some(21));
        assert_eq!(number("7"), Some(7));
        assert_eq!(number("steps"), None);
    }
}
