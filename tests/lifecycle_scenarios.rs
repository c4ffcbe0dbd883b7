//! The lifecycle scenario table: plan variants × recorded decisions × as-of
//! dates around every boundary. Each row asserts the phase, the deadline in
//! force, the risk category, the significant-progress verdict and the rule
//! that decided it, from the library and from `cip status --format json`.
//! Then every row is put to every letter kind: the letter is either refused
//! with a named reason, or its text (pdftotext) states only facts equal to
//! the lifecycle's on the letter date.

mod common;
mod letter_common;
mod lifecycle_common;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Days, NaiveDate};
use cip::letter::profile::{Decision, ExtensionData, FollowUpData, Request};
use cip::letter::{
    AmProfile, Issuer, Kind, LetterData, LetterError, LetterOptions, PlanInput, Templates,
};
use cip::lifecycle::{self, CaseState, Threshold};
use letter_common::{pdf_text, workspace};
use lifecycle_common::*;

const STD: &str = "standard";
const HIGH: &str = "a higher compliance risk category";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// The plan variants, by name.
fn plan(name: &str) -> Cip {
    match name {
        // Nothing done; targets 2027-03-01.
        "nothing" => Cip::new(),
        // Every step done on 2027-02-20, validation not sent.
        "all-on-time" => Cip::new().done(0, 11, "2027-02-20"),
        // ... and validation results sent on 2027-03-25.
        "all-validated" => Cip::new().done(0, 11, "2027-02-20").sent("2027-03-25"),
        // Every step completed on 2027-05-20, after the period.
        "all-late" => Cip::new().done(0, 11, "2027-05-20"),
        // 7 of 11 (63 %), open targets 12 days overdue on 2027-04-01.
        "63-within" => Cip::new()
            .done(0, 7, "2026-12-20")
            .open_target("2027-03-20")
            .validation("2027-03-22", "2027-03-26", "2027-03-31"),
        // 7 of 11, open targets 45 days overdue on 2027-04-01.
        "63-beyond" => Cip::new()
            .done(0, 7, "2026-12-20")
            .open_target("2027-02-15")
            .validation("2027-03-22", "2027-03-26", "2027-03-31"),
        // Two steps corrected during the assessment, the rest on time,
        // validated.
        "early" => Cip::new()
            .done(0, 2, "2026-09-15")
            .done(2, 11, "2027-02-01")
            .sent("2027-03-25"),
        // Report on a month end: the period ends 2027-02-28.
        "month-end" => Cip::new()
            .report("2026-08-31", "2026-09-30")
            .open_target("2027-01-15")
            .validation("2027-01-20", "2027-02-01", "2027-02-10"),
        // Leap year: 2027-08-31 + 6 months = 2028-02-29.
        "leap" => Cip::new()
            .report("2027-08-31", "2027-09-30")
            .open_target("2028-01-15")
            .validation("2028-01-20", "2028-02-01", "2028-02-10"),
        other => panic!("no plan variant {other}"),
    }
}

/// The recorded decisions, by name.
fn record(name: &str) -> &'static str {
    match name {
        "none" => "",
        "pending" => "[[extension]]\nrequested = 2027-03-15\n",
        "granted" => {
            "[[extension]]\nrequested = 2027-03-15\n\n[[extension]]\nrequested = 2027-03-15\ndecided = 2027-03-25\ndecision = \"granted\"\nnew_deadline = 2027-06-30\n"
        }
        "granted-late" => {
            "[[extension]]\nrequested = 2027-03-28\ndecided = 2027-04-05\ndecision = \"granted\"\nnew_deadline = 2027-06-30\n"
        }
        "denied" => {
            "[[extension]]\nrequested = 2027-03-28\ndecided = 2027-04-05\ndecision = \"denied\"\n"
        }
        "review-open" => "[[follow_up]]\nrequested = 2027-03-10\nstarted = 2027-03-25\n",
        "review-done" => {
            "[[follow_up]]\nrequested = 2027-03-10\nstarted = 2027-03-25\n\n[[follow_up]]\ncompleted = 2027-04-20\noutcome = \"effective\"\n"
        }
        "review-late" => {
            "[[follow_up]]\nrequested = 2027-03-10\nstarted = 2027-04-10\ncompleted = 2027-05-01\n"
        }
        other => panic!("no record {other}"),
    }
}

/// (plan, record, as of, phase, deadline in force, category, verdict, rule)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const NYJ: &str = "not-yet-judged";
const NJ: &str = "not-judged";

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // Nothing done: the period, its last day, the day after, much later.
    ("nothing", "none", "2026-12-01", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("nothing", "none", "2027-04-01", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("nothing", "none", "2027-04-02", "at-risk", "2027-04-01", HIGH, "not-significant", "done-share"),
    ("nothing", "none", "2027-10-01", "at-risk", "2027-04-01", HIGH, "not-significant", "done-share"),
    // All done on time: implemented is not validated.
    ("all-on-time", "none", "2027-02-19", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("all-on-time", "none", "2027-02-20", "implemented", "2027-04-01", STD, NYJ, NJ),
    ("all-on-time", "none", "2027-04-02", "implemented", "2027-04-01", STD, "implemented", "all-done"),
    ("all-validated", "none", "2027-03-24", "implemented", "2027-04-01", STD, NYJ, NJ),
    ("all-validated", "none", "2027-03-25", "ready-for-follow-up", "2027-04-01", STD, NYJ, NJ),
    ("all-validated", "none", "2027-05-01", "ready-for-follow-up", "2027-04-01", STD, "implemented", "all-done"),
    // All done after the deadline: completions count from their date.
    ("all-late", "none", "2027-03-31", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("all-late", "none", "2027-04-02", "at-risk", "2027-04-01", HIGH, "not-significant", "done-share"),
    ("all-late", "none", "2027-05-19", "at-risk", "2027-04-01", HIGH, "not-significant", "done-share"),
    ("all-late", "none", "2027-05-20", "implemented", "2027-04-01", HIGH, "not-significant", "done-share"),
    // 63 %, overdue within the limit on the deadline, whatever the date after.
    ("63-within", "none", "2027-04-01", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("63-within", "none", "2027-04-02", "extension-advised", "2027-04-01", STD, "significant", "both-met"),
    ("63-within", "none", "2027-06-01", "extension-advised", "2027-04-01", STD, "significant", "both-met"),
    // 63 %, overdue beyond the limit.
    ("63-beyond", "none", "2027-04-02", "at-risk", "2027-04-01", HIGH, "not-significant", "overdue"),
    // Extension requested, pending.
    ("63-within", "pending", "2027-03-14", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("63-within", "pending", "2027-03-20", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("63-within", "pending", "2027-04-02", "extension-requested", "2027-04-01", STD, "significant", "both-met"),
    ("all-late", "pending", "2027-04-02", "extension-requested", "2027-04-01", STD, "not-significant", "done-share"),
    // Granted on 2027-03-25: applies from its decision date.
    ("63-within", "granted", "2027-03-24", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("63-within", "granted", "2027-03-25", "within-extension", "2027-06-30", STD, NYJ, NJ),
    ("63-within", "granted", "2027-04-02", "within-extension", "2027-06-30", STD, NYJ, NJ),
    ("63-within", "granted", "2027-06-30", "within-extension", "2027-06-30", STD, NYJ, NJ),
    ("63-within", "granted", "2027-07-01", "at-risk", "2027-06-30", HIGH, "not-significant", "overdue"),
    ("nothing", "granted", "2027-04-02", "within-extension", "2027-06-30", STD, NYJ, NJ),
    // Granted after the period ended (request 2027-03-28, decision 2027-04-05).
    ("63-within", "granted-late", "2027-04-03", "extension-requested", "2027-04-01", STD, "significant", "both-met"),
    ("63-within", "granted-late", "2027-04-05", "within-extension", "2027-06-30", STD, NYJ, NJ),
    // Denied on 2027-04-05.
    ("63-within", "denied", "2027-04-04", "extension-requested", "2027-04-01", STD, "significant", "both-met"),
    ("63-within", "denied", "2027-04-05", "at-risk", "2027-04-01", HIGH, "significant", "both-met"),
    // Follow-up review under way at the end of the period: automatic extension.
    ("63-beyond", "review-open", "2027-03-24", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("63-beyond", "review-open", "2027-03-25", "follow-up-under-way", "2027-04-01", STD, NYJ, NJ),
    ("63-beyond", "review-open", "2027-04-02", "follow-up-under-way", "2027-04-01", STD, "not-significant", "overdue"),
    ("63-beyond", "review-done", "2027-04-19", "follow-up-under-way", "2027-04-01", STD, "not-significant", "overdue"),
    ("63-beyond", "review-done", "2027-04-20", "follow-up-completed", "2027-04-01", STD, "not-significant", "overdue"),
    // A review begun after the period gives no automatic extension.
    ("63-beyond", "review-late", "2027-04-05", "at-risk", "2027-04-01", HIGH, "not-significant", "overdue"),
    ("63-beyond", "review-late", "2027-04-10", "follow-up-under-way", "2027-04-01", HIGH, "not-significant", "overdue"),
    ("all-validated", "review-done", "2027-04-20", "follow-up-completed", "2027-04-01", STD, "implemented", "all-done"),
    // Corrective action taken before the report counts as done.
    ("early", "none", "2026-10-15", "within-period", "2027-04-01", STD, NYJ, NJ),
    ("early", "none", "2027-03-25", "ready-for-follow-up", "2027-04-01", STD, NYJ, NJ),
    // Month-end and leap-day period ends.
    ("month-end", "none", "2027-02-28", "within-period", "2027-02-28", STD, NYJ, NJ),
    ("month-end", "none", "2027-03-01", "at-risk", "2027-02-28", HIGH, "not-significant", "done-share"),
    ("leap", "none", "2028-02-29", "within-period", "2028-02-29", STD, NYJ, NJ),
    ("leap", "none", "2028-03-01", "at-risk", "2028-02-29", HIGH, "not-significant", "done-share"),
];

/// Writes each (plan, record) pair once into `dir`; returns file names.
fn files(dir: &Path, plan_name: &str, record_name: &str) -> (String, String) {
    let p = format!("{plan_name}.toml");
    if !dir.join(&p).exists() {
        plan(plan_name).write(dir, &p);
    }
    let c = format!("{plan_name}--{record_name}.case.toml");
    std::fs::write(dir.join(&c), record(record_name)).expect("write case");
    (p, c)
}

fn input(dir: &Path, p: &str, c: &str) -> PlanInput {
    PlanInput::load_with_case(&dir.join(p), &[], Some(&dir.join(c))).expect("plan and case load")
}

fn state(i: &PlanInput, as_of: &str) -> CaseState {
    lifecycle::assess(&i.plan, &i.case, d(as_of), &Threshold::default())
}

#[test]
fn scenario_table() {
    assert!(TABLE.len() >= 40, "{} rows", TABLE.len());
    let ws = workspace();
    let dir = ws.path();
    for (n, row) in TABLE.iter().enumerate() {
        let (p, r, as_of, phase, deadline, category, verdict, rule) = *row;
        let (pf, cf) = files(dir, p, r);
        let what = format!("row {} ({p}, {r}, {as_of})", n + 1);
        let s = state(&input(dir, &pf, &cf), as_of);
        assert_eq!(
            s.phase.as_str(),
            phase,
            "{what}: phase; notes {:?}",
            s.notes
        );
        assert_eq!(
            s.deadline_date().map(|x| x.to_string()).as_deref(),
            Some(deadline),
            "{what}: deadline in force"
        );
        assert_eq!(s.category_words(), category, "{what}: category");
        assert_eq!(s.progress.verdict.as_str(), verdict, "{what}: verdict");
        assert_eq!(s.progress.decided_by.as_str(), rule, "{what}: rule");
        assert!(
            s.record_problems.is_empty(),
            "{what}: {:?}",
            s.record_problems
        );
        // `cip status` states the same.
        let j = status(dir, &pf, Some(&cf), as_of);
        assert_eq!(j["phase"]["phase"], phase, "{what}: status phase");
        assert_eq!(j["period"]["deadline"], deadline, "{what}: status deadline");
        assert_eq!(
            j["phase"]["risk_category"], category,
            "{what}: status category"
        );
        assert_eq!(j["progress"]["verdict"], verdict, "{what}: status verdict");
        assert_eq!(j["progress"]["decided_by"], rule, "{what}: status rule");
    }
}

/// Every "Month D, YYYY" in `t`.
fn dates_in(t: &str) -> Vec<NaiveDate> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let words: Vec<&str> = t.split(' ').collect();
    let mut out = Vec::new();
    for w in words.windows(3) {
        if let Some(m) = MONTHS.iter().position(|m| *m == w[0]) {
            let day = w[1].trim_end_matches(',');
            let year: String = w[2].chars().take_while(char::is_ascii_digit).collect();
            if let (Ok(day), Ok(year)) = (day.parse::<u32>(), year.parse::<i32>()) {
                if w[1].ends_with(',') {
                    if let Some(x) = NaiveDate::from_ymd_opt(year, m as u32 + 1, day) {
                        out.push(x);
                    }
                }
            }
        }
    }
    out
}

/// Every date the plan, the record, the letter's own data and the lifecycle
/// know: the only dates a letter may state.
fn known_dates(i: &PlanInput, s: &CaseState, data: &LetterData) -> BTreeSet<NaiveDate> {
    let mut k = BTreeSet::new();
    let text = format!("{}\n{}", i.plan.source.text, i.case.text);
    for token in text.split(|c: char| !(c.is_ascii_digit() || c == '-')) {
        if let Ok(x) = NaiveDate::parse_from_str(token, "%Y-%m-%d") {
            k.insert(x);
        }
    }
    k.insert(s.as_of);
    k.extend(s.period_end);
    k.extend(s.deadline_date());
    k.extend(s.category.as_ref().map(|c| c.since));
    k.extend(s.implementation.completed_on);
    k.extend(s.progress.on);
    k.extend(data.due);
    if let Some(x) = &data.extension {
        k.extend(x.requested);
        k.extend(x.new_deadline);
    }
    if let Some(f) = &data.follow_up {
        k.insert(f.date);
    }
    k
}

/// The letter data each kind is tried with on a row's date.
fn data_for(kind: &Kind, s: &CaseState) -> LetterData {
    let mut data = LetterData::default();
    match kind {
        Kind::AdditionalInformation => {
            data.due = Some(s.as_of + Days::new(21));
            data.requests.push(Request {
                deficiency: Some("D2".into()),
                text: "Provide the valuation checklist.".into(),
            });
        }
        Kind::Extension => {
            let requested = s
                .pending_extension()
                .and_then(|p| p.requested)
                .unwrap_or(s.as_of);
            let base = s.deadline_date().unwrap_or(s.as_of).max(s.as_of);
            data.extension = Some(ExtensionData {
                decision: Decision::Granted,
                requested: Some(requested),
                new_deadline: Some(base + Days::new(60)),
                reason: None,
            });
        }
        Kind::FollowUp => {
            data.follow_up = Some(FollowUpData {
                date: s.as_of + Days::new(14),
                location: None,
                deficiencies: None,
            });
        }
        _ => {}
    }
    data
}

#[test]
fn every_letter_states_the_case_or_is_refused_with_a_reason() {
    let ws = workspace();
    let dir = ws.path();
    let am = AmProfile::load(&letter_common::repo().join("samples/am.toml")).expect("am.toml");
    let templates = Templates::bundled().expect("templates");
    let t = Threshold::default();
    let (mut issued, mut refused) = (0, 0);
    for (n, row) in TABLE.iter().enumerate() {
        let (p, r, as_of, ..) = *row;
        let (pf, cf) = files(dir, p, r);
        let i = input(dir, &pf, &cf);
        let s = state(&i, as_of);
        for kind in Kind::BUILTIN {
            let what = format!("row {} ({p}, {r}, {as_of}), {kind}", n + 1);
            let data = data_for(&kind, &s);
            let issuer = Issuer {
                kind: kind.clone(),
                am: &am,
                data: &data,
                templates: &templates,
                options: LetterOptions {
                    date: Some(d(as_of)),
                    threshold: t,
                    ..LetterOptions::default()
                },
                signer: None,
            };
            let letter = match issuer.issue(&i) {
                Err(LetterError::Refused { refusals, .. }) => {
                    assert!(!refusals.is_empty(), "{what}");
                    assert!(
                        refusals
                            .iter()
                            .all(|r| !r.code.is_empty() && !r.message.is_empty()),
                        "{what}: {refusals:?}"
                    );
                    refused += 1;
                    continue;
                }
                Err(e) => panic!("{what}: {e}"),
                Ok(l) => l,
            };
            issued += 1;
            // The state after this letter's decision: what the letter states.
            let after_case = match &letter.record {
                Some(e) => i.case.with_entry(e).expect("entry"),
                None => i.case.clone(),
            };
            let after = lifecycle::assess(&i.plan, &after_case, d(as_of), &t);
            let pdf = dir.join(format!("row{n}-{kind}.pdf"));
            std::fs::write(&pdf, &letter.pdf).expect("write");
            let text = pdf_text(&pdf);

            // Only dates the case knows.
            let known = known_dates(&i, &after, &data);
            for x in dates_in(&text) {
                assert!(
                    known.contains(&x),
                    "{what}: the letter states {x}, which the case does not know:\n{text}"
                );
            }
            // Counts of steps are the lifecycle's on the letter date.
            let counts = format!(
                "{} of {}",
                after.implementation.done, after.implementation.total
            );
            for marker in [
                " corrective action steps are completed",
                "Corrective action steps completed as of the date of this letter ",
            ] {
                if let Some(at) = text.find(marker) {
                    let around =
                        &text[at.saturating_sub(12)..(at + marker.len() + 10).min(text.len())];
                    assert!(
                        around.contains(&counts),
                        "{what}: expected {counts} near {around:?}"
                    );
                }
            }
            // The letter's own claims.
            assert!(
                d(as_of) >= s.report_date.expect("report"),
                "{what}: dated before the report"
            );
            match kind {
                Kind::RiskCategory => {
                    let words = after.category_words();
                    assert_eq!(words, s.category_words(), "{what}: designation = status");
                    assert!(
                        text.contains(&format!("Compliance risk category {words}")),
                        "{what}:\n{text}"
                    );
                    let dl = after
                        .deadline_date()
                        .expect("deadline")
                        .format("%B %-d, %Y")
                        .to_string();
                    assert!(
                        text.contains(&format!("Deadline in force {dl}")),
                        "{what}:\n{text}"
                    );
                }
                Kind::Extension => {
                    let x = data.extension.as_ref().expect("data");
                    let on = s.deadline_date().expect("deadline").min(d(as_of));
                    let p = lifecycle::progress_on(&i.plan, on, &t);
                    assert!(
                        p.significant,
                        "{what}: granted without significant progress: {}",
                        p.rule
                    );
                    assert!(
                        text.contains("Extension of the Conditional Period \u{2014} Granted"),
                        "{what}"
                    );
                    let nd = x.new_deadline.expect("nd").format("%B %-d, %Y").to_string();
                    assert!(
                        text.contains(&format!("New deadline for full implementation {nd}")),
                        "{what}:\n{text}"
                    );
                    assert_eq!(
                        after.deadline_date(),
                        x.new_deadline,
                        "{what}: the grant is in force"
                    );
                }
                Kind::FollowUp => {
                    assert!(
                        s.implementation.complete && s.validation.complete,
                        "{what}: follow-up before implementation and validation"
                    );
                }
                Kind::Acceptance => {
                    assert_eq!(s.implementation.done_without_evidence, 0, "{what}");
                }
                _ => {}
            }
        }
    }
    println!(
        "{} rows x 5 kinds: {issued} letters issued, {refused} refused",
        TABLE.len()
    );
    // The table exercises both outcomes of every kind's check.
    assert!(
        issued > 60 && refused > 30,
        "issued {issued}, refused {refused}"
    );
}

/// A small deterministic generator (no external crate): plans with random
/// completions, targets and validation, random records and dates. No
/// letter contradicts status, and the category follows from the facts.
#[test]
fn generated_plans_letters_never_contradict_status() {
    let ws = workspace();
    let dir = ws.path();
    let am = AmProfile::load(&letter_common::repo().join("samples/am.toml")).expect("am.toml");
    let templates = Templates::bundled().expect("templates");
    let t = Threshold::default();
    let mut seed: u64 = 0x5eed_cafe;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let base = d("2026-10-01");
    let records = [
        "none",
        "pending",
        "granted",
        "granted-late",
        "denied",
        "review-open",
        "review-done",
        "review-late",
    ];
    for case_no in 0..40 {
        let mut cip = Cip::new();
        for s in 0..11 {
            if next(3) > 0 {
                let c = base + Days::new(30 + next(270));
                cip.steps[s].1 = Some(c.to_string());
            }
            cip.steps[s].0 = (base + Days::new(60 + next(200))).to_string();
        }
        if next(2) == 0 {
            cip.sent = Some((base + Days::new(150 + next(120))).to_string());
        }
        let pf = format!("gen{case_no}.toml");
        cip.write(dir, &pf);
        let rec = records[next(records.len() as u64) as usize];
        let cf = format!("gen{case_no}.case.toml");
        std::fs::write(dir.join(&cf), record(rec)).expect("case");
        let i = input(dir, &pf, &cf);
        let as_of = base + Days::new(60 + next(400));
        let s = lifecycle::assess(&i.plan, &i.case, as_of, &t);
        let st = cip::status::compute(&i.plan, &i.case, as_of, &t);
        let what = format!("generated {case_no} ({rec}, {as_of})");
        assert_eq!(st.phase.phase, s.phase, "{what}");
        assert_eq!(st.phase.risk_category, s.category_words(), "{what}");
        // The higher category only past the deadline, without implementation
        // by it, without an open automatic extension.
        if s.category_words() == "a higher compliance risk category" {
            assert!(s.deadline.as_ref().is_some_and(|x| x.passed()), "{what}");
            assert!(
                s.automatic_extension
                    .as_ref()
                    .is_none_or(|a| a.ended.is_some()),
                "{what}"
            );
            assert_ne!(s.progress.verdict.as_str(), "implemented", "{what}");
        }
        // A step counts as done only with a completion on or before the date.
        let done = cip
            .steps
            .iter()
            .filter(|x| x.1.as_deref().is_some_and(|c| d(c) <= as_of))
            .count();
        assert_eq!(s.implementation.done, done, "{what}");
        // The risk-category letter designates what status says, or nothing.
        let data = LetterData::default();
        let issuer = Issuer {
            kind: Kind::RiskCategory,
            am: &am,
            data: &data,
            templates: &templates,
            options: LetterOptions {
                date: Some(as_of),
                threshold: t,
                ..LetterOptions::default()
            },
            signer: None,
        };
        match issuer.issue(&i) {
            Ok(l) => {
                assert_eq!(
                    l.meta
                        .record
                        .as_ref()
                        .map(|r| r["fields"]["category"].clone()),
                    Some(serde_json::Value::from(st.phase.risk_category)),
                    "{what}"
                );
                assert!(
                    l.markdown
                        .contains(&format!("**{}**", st.phase.risk_category)),
                    "{what}"
                );
            }
            Err(LetterError::Refused { refusals, .. }) => {
                panic!("{what}: the category status gives is refused: {refusals:?}")
            }
            Err(e) => panic!("{what}: {e}"),
        }
    }
}
