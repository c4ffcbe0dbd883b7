//! "Significant progress", which the framework requires for an extension but
//! does not define: a configurable threshold, judged on one day.

use chrono::NaiveDate;
use serde::Serialize;

/// When progress counts as "significant". Both parts must hold.
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

/// The answer to "has the company demonstrated significant progress?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The deadline in force has not passed: the framework asks the
    /// question "at the end of the six month conditional period" only.
    NotYetJudged,
    /// Every step was completed by the deadline: the question does not arise.
    Implemented,
    Significant,
    NotSignificant,
    /// No report date, so there is no deadline to judge on.
    Undetermined,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NotYetJudged => "not-yet-judged",
            Verdict::Implemented => "implemented",
            Verdict::Significant => "significant",
            Verdict::NotSignificant => "not-significant",
            Verdict::Undetermined => "undetermined",
        }
    }
}

/// Which part of the [`Threshold`] decided.
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
    /// Every step was done by the day judged.
    AllDone,
    /// Not judged (yet): see [`Verdict`].
    NotJudged,
}

impl ProgressRule {
    pub fn as_str(self) -> &'static str {
        match self {
            ProgressRule::BothMet => "both-met",
            ProgressRule::DoneShare => "done-share",
            ProgressRule::Overdue => "overdue",
            ProgressRule::NoSteps => "no-steps",
            ProgressRule::AllDone => "all-done",
            ProgressRule::NotJudged => "not-judged",
        }
    }
}

/// Progress counted on one day (`on`): steps completed on or before it,
/// targets passed by it.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub verdict: Verdict,
    /// Verdict is `Significant` or `Implemented`.
    pub significant: bool,
    pub decided_by: ProgressRule,
    /// The deciding facts in words, e.g. "7 of 11 steps done, 63% (at least
    /// 50%); longest overdue 12 days (within the 30-day limit)".
    pub rule: String,
    /// The day the facts were counted on (the deadline in force when
    /// judged; the as-of date for an outlook).
    pub on: Option<NaiveDate>,
    pub done: usize,
    pub total: usize,
    pub done_percent: f64,
    pub longest_overdue_days: i64,
    pub threshold: Threshold,
}

/// Counts on one day.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub done: usize,
    pub total: usize,
    pub longest_overdue_days: i64,
}

/// The rule applied to `c`, counted on `on`.
pub fn judge(c: Counts, on: NaiveDate, t: &Threshold) -> Progress {
    let done_percent = if c.total == 0 {
        0.0
    } else {
        c.done as f64 * 100.0 / c.total as f64
    };
    // Integer comparison, exact at the threshold: done/total >= min/100.
    let share_ok = c.total > 0 && c.done * 100 >= c.total * t.min_done_percent as usize;
    let overdue_ok = c.longest_overdue_days <= t.max_overdue_days;
    let share = format!(
        "{} of {} steps done, {:.0}% ({} {}%)",
        c.done,
        c.total,
        done_percent.floor(),
        if share_ok { "at least" } else { "below" },
        t.min_done_percent
    );
    let overdue = if c.longest_overdue_days == 0 {
        format!("nothing overdue (limit {} days)", t.max_overdue_days)
    } else {
        format!(
            "longest overdue {} days ({} the {}-day limit)",
            c.longest_overdue_days,
            if overdue_ok { "within" } else { "over" },
            t.max_overdue_days
        )
    };
    let (verdict, decided_by, rule) = if c.total == 0 {
        (
            Verdict::NotSignificant,
            ProgressRule::NoSteps,
            "the plan has no corrective steps".to_string(),
        )
    } else if c.done == c.total {
        (
            Verdict::Implemented,
            ProgressRule::AllDone,
            format!(
                "all {} steps done by {}",
                c.total,
                crate::model::dates::long(on)
            ),
        )
    } else if share_ok && overdue_ok {
        (
            Verdict::Significant,
            ProgressRule::BothMet,
            format!("{share}; {overdue}"),
        )
    } else if !share_ok {
        let also = if overdue_ok {
            String::new()
        } else {
            format!("; also {overdue}")
        };
        (
            Verdict::NotSignificant,
            ProgressRule::DoneShare,
            format!("{share}{also}"),
        )
    } else {
        (
            Verdict::NotSignificant,
            ProgressRule::Overdue,
            format!("{overdue}, although {share}"),
        )
    };
    Progress {
        significant: matches!(verdict, Verdict::Significant | Verdict::Implemented),
        verdict,
        decided_by,
        rule,
        on: Some(on),
        done: c.done,
        total: c.total,
        done_percent,
        longest_overdue_days: c.longest_overdue_days,
        threshold: *t,
    }
}

/// No verdict: `why` says what is missing.
pub fn not_judged(verdict: Verdict, why: String, t: &Threshold) -> Progress {
    Progress {
        verdict,
        significant: false,
        decided_by: ProgressRule::NotJudged,
        rule: why,
        on: None,
        done: 0,
        total: 0,
        done_percent: 0.0,
        longest_overdue_days: 0,
        threshold: *t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(done: usize, total: usize, overdue: i64) -> Counts {
        Counts {
            done,
            total,
            longest_overdue_days: overdue,
        }
    }

    #[test]
    fn threshold_edges() {
        let on = NaiveDate::from_ymd_opt(2027, 4, 1).expect("date");
        let t = Threshold::default();
        assert!(judge(c(5, 10, 0), on, &t).significant);
        assert!(judge(c(5, 10, 30), on, &t).significant);
        let p = judge(c(4, 10, 0), on, &t);
        assert_eq!(p.decided_by, ProgressRule::DoneShare);
        let p = judge(c(5, 10, 31), on, &t);
        assert_eq!(p.decided_by, ProgressRule::Overdue);
        assert!(!judge(c(1, 3, 0), on, &t).significant);
        assert!(judge(c(2, 3, 0), on, &t).significant);
        assert_eq!(judge(c(0, 0, 0), on, &t).decided_by, ProgressRule::NoSteps);
        assert_eq!(judge(c(3, 3, 0), on, &t).verdict, Verdict::Implemented);
        // Letters quote the rule inside sentences in the long date form.
        assert_eq!(
            judge(c(3, 3, 0), on, &t).rule,
            "all 3 steps done by April 1, 2027"
        );
        let strict = Threshold {
            min_done_percent: 75,
            max_overdue_days: 0,
        };
        assert!(!judge(c(7, 10, 0), on, &strict).significant);
        assert!(judge(c(8, 10, 0), on, &strict).significant);
        assert!(!judge(c(8, 10, 1), on, &strict).significant);
    }
}
