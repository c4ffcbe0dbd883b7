//! Letters that once stated something false, found by reading them against
//! the plan, the dates and the framework (2026-12-03). Report 2026-10-01
//! unless a test says otherwise, so the conditional period ends 2027-04-01.

mod common;
mod letter_common;
mod lifecycle_common;

use letter_common::{repo, set_key, workspace, write};
use lifecycle_common::*;
use std::path::Path;

/// The words of a `kind` letter on plan.toml dated `date`, with `data` as
/// its letter data (`--data`) and `extra` arguments.
fn letter_with(dir: &Path, kind: &str, date: &str, data: &str, extra: &[&str]) -> String {
    write(dir, "data.toml", data);
    let mut args = vec!["--data", "data.toml"];
    args.extend_from_slice(extra);
    words(&letter_text(dir, kind, "plan.toml", date, &args, "out.pdf"))
}

/// Letter text with its line breaks undone, to compare sentences.
fn words(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A denial without a reason used to say "the progress shown does not meet
/// that standard" beside figures showing it did. Refused now; with a reason
/// the letter gives the reason and not the false default.
#[test]
fn a_denial_never_calls_significant_progress_insufficient() {
    let ws = workspace();
    let dir = ws.path();
    seven_of_eleven().write(dir, "plan.toml");
    write(
        dir,
        "deny.toml",
        "[extension]\ndecision = \"denied\"\nrequested = 2027-03-25\n",
    );
    let o = letter(
        dir,
        "extension",
        "plan.toml",
        "2027-04-10",
        &["--data", "deny.toml", "-o", "d.pdf"],
    );
    let msg = refused(&o, &["extension-denial-contradicts-progress"]);
    assert!(msg.contains("significant progress (7 of 11"), "{msg}");
    assert!(!dir.join("d.pdf").exists());

    let t = letter_with(
        dir,
        "extension",
        "2027-04-10",
        "[extension]\ndecision = \"denied\"\nrequested = 2027-03-25\nreason = \"The validation action has not begun and no date is proposed for it\"\n",
        &[],
    );
    assert!(!t.contains("does not meet that standard"), "{t}");
    assert!(t.contains("The validation action has not begun"), "{t}");

    // Forced without a reason, the letter still does not call the progress
    // insufficient: it states the rule and the figures, nothing more.
    let t = words(&letter_text(
        dir,
        "extension",
        "plan.toml",
        "2027-04-10",
        &[
            "--data",
            "deny.toml",
            "--force",
            "--reason",
            "AM's decision",
        ],
        "f.pdf",
    ));
    assert!(t.contains("is denied"), "{t}");
    assert!(!t.contains("does not meet that standard"), "{t}");
}

/// The framework extends the period of a company that "has not implemented
/// the CIP": a grant for a plan whose every step is done is refused (it was
/// issued with a warning, asking the company to "complete the remaining
/// corrective action steps (11 of 11 are completed)").
#[test]
fn no_extension_for_an_implemented_plan() {
    let ws = workspace();
    let dir = ws.path();
    Cip::new().done(0, 11, "2026-12-20").write(dir, "plan.toml");
    write(
        dir,
        "grant.toml",
        "[extension]\ndecision = \"granted\"\nrequested = 2027-03-25\nnew_deadline = 2027-06-30\n",
    );
    let o = letter(
        dir,
        "extension",
        "plan.toml",
        "2027-04-05",
        &["--data", "grant.toml", "-o", "g.pdf"],
    );
    refused(&o, &["extension-not-needed"]);
    assert!(!dir.join("g.pdf").exists());
}

/// An acceptance says the plan was "approved by Robert Chen": not on a
/// letter dated before his signature.
#[test]
fn no_letter_before_the_plan_was_approved() {
    let ws = workspace();
    let dir = ws.path();
    let mut plan = Cip::new();
    plan.issued = "2026-12-15".into();
    plan.write(dir, "plan.toml");
    let o = letter(
        dir,
        "acceptance",
        "plan.toml",
        "2026-12-14",
        &["-o", "a.pdf"],
    );
    let msg = refused(&o, &["letter-before-approval"]);
    assert!(msg.contains("2026-12-15"), "{msg}");
    assert!(!dir.join("a.pdf").exists());
    // On the day itself it is issued.
    let t = words(&letter_text(
        dir,
        "acceptance",
        "plan.toml",
        "2026-12-15",
        &[],
        "b.pdf",
    ));
    assert!(t.contains("approved by Robert Chen"), "{t}");
}

/// An acceptance after the period's end says it ended, and states the
/// framework's extension rule without inventing a time limit ("request an
/// extension in writing before the period ends", four days after it had).
#[test]
fn an_acceptance_after_the_period_says_it_ended() {
    let ws = workspace();
    let dir = ws.path();
    let sample = std::fs::read_to_string(repo().join("samples/acme.toml")).expect("sample");
    write(
        dir,
        "plan.toml",
        &set_key(&sample, "report_date", "2026-05-29"),
    );
    let t = words(&letter_text(
        dir,
        "acceptance",
        "plan.toml",
        "2026-12-03",
        &[],
        "a.pdf",
    ));
    assert!(t.contains("That period ended on November 29, 2026"), "{t}");
    assert!(!t.contains("before the period ends"), "{t}");
    assert!(
        t.contains("an extension may be granted if the company requests it in writing"),
        "{t}"
    );

    let t = words(&letter_text(
        dir,
        "acceptance",
        "plan.toml",
        "2026-11-27",
        &[],
        "b.pdf",
    ));
    assert!(t.contains("That period ends on November 29, 2026"), "{t}");
}

/// The risk-category letter's closing paragraph follows the case: with the
/// follow-up review under way it no longer asks for validation results
/// already sent "so that Customs can conduct the follow-up review".
#[test]
fn a_designation_letter_knows_the_review_is_under_way() {
    let ws = workspace();
    let dir = ws.path();
    Cip::new()
        .done(0, 11, "2026-12-20")
        .validation("2027-01-05", "2027-01-20", "2027-02-01")
        .sent("2027-01-30")
        .write(dir, "plan.toml");
    write(
        dir,
        "case.toml",
        "[[follow_up]]\nrequested = 2027-02-05\nstarted = 2027-03-01\n",
    );
    let t = words(&letter_text(
        dir,
        "risk-category",
        "plan.toml",
        "2027-03-10",
        &["--case", "case.toml"],
        "r.pdf",
    ));
    assert!(
        t.contains("Customs' follow-up review of the corrective actions is under way"),
        "{t}"
    );
    assert!(
        !t.contains("Customs will conduct a follow-up review"),
        "{t}"
    );
    assert!(!t.contains("please provide the results"), "{t}");
}

/// A follow-up notice issued (with an override) before full implementation
/// said "The company reports every corrective action step completed" beside
/// "results sent for 0 of 3": it now states the counts as they are.
#[test]
fn a_follow_up_notice_states_the_steps_done_as_they_are() {
    let ws = workspace();
    let dir = ws.path();
    seven_of_eleven().write(dir, "plan.toml");
    let t = letter_with(
        dir,
        "follow-up",
        "2027-03-01",
        "[follow_up]\ndate = 2027-04-12\nlocation = \"the company's offices\"\n",
        &["--force", "--reason", "early notice"],
    );
    assert!(!t.contains("every corrective action step completed"), "{t}");
    assert!(
        t.contains("The company reports 7 of 11 corrective action steps completed as of the date of this letter"),
        "{t}"
    );
}

/// A grant issued with an override on a plan without significant progress
/// said "The company has demonstrated significant progress" beside figures
/// below the threshold: it now gives the figures without that claim.
#[test]
fn a_forced_grant_does_not_claim_significant_progress() {
    let ws = workspace();
    let dir = ws.path();
    Cip::new()
        .done(0, 2, "2026-12-20")
        .open_target("2027-03-20")
        .validation("2027-03-22", "2027-03-26", "2027-03-31")
        .write(dir, "plan.toml");
    write(
        dir,
        "grant.toml",
        "[extension]\ndecision = \"granted\"\nrequested = 2027-03-25\nnew_deadline = 2027-06-30\n",
    );
    let args = ["--data", "grant.toml"];
    refused(
        &letter(dir, "extension", "plan.toml", "2027-04-10", &args),
        &["extension-without-significant-progress"],
    );
    let mut forced = args.to_vec();
    forced.extend(["--force", "--reason", "AM's decision"]);
    let t = words(&letter_text(
        dir,
        "extension",
        "plan.toml",
        "2027-04-10",
        &forced,
        "g.pdf",
    ));
    assert!(t.contains("is granted"), "{t}");
    assert!(
        !t.contains("demonstrated significant progress in implementing"),
        "{t}"
    );
    assert!(
        t.contains("Progress in implementing the CIP as of April 1, 2027: 2 of 11 steps done"),
        "{t}"
    );
    assert!(t.contains("2 of 11 steps done"), "{t}");
}

/// A denial after the deadline of a plan implemented by then said "it has
/// passed without full implementation of the CIP (11 of 11 … completed)"
/// and that the Account Manager "will take appropriate action".
#[test]
fn a_denial_for_a_plan_implemented_by_the_deadline_says_so() {
    let ws = workspace();
    let dir = ws.path();
    Cip::new().done(0, 11, "2026-12-20").write(dir, "plan.toml");
    write(dir, "case.toml", "[[extension]]\nrequested = 2027-03-15\n");
    let t = letter_with(
        dir,
        "extension",
        "2027-04-10",
        "[extension]\ndecision = \"denied\"\nrequested = 2027-03-15\nreason = \"the validation testing can be completed within the period\"\n",
        &["--case", "case.toml"],
    );
    assert!(!t.contains("without full implementation"), "{t}");
    assert!(!t.contains("appropriate action"), "{t}");
    assert!(
        t.contains("every corrective action step was completed by then: no extension is needed"),
        "{t}"
    );
}

/// A designation dated before the deadline (effective after it) said "The
/// company had six months … and did not implement it within that time".
#[test]
fn a_designation_before_the_deadline_does_not_say_it_passed() {
    let ws = workspace();
    let dir = ws.path();
    Cip::new().done(0, 2, "2026-12-20").write(dir, "plan.toml");
    let t = letter_with(
        dir,
        "risk-category",
        "2027-03-25",
        "[risk_category]\ncategory = \"a higher compliance risk category\"\nreason = \"The company will not have implemented its CIP by the end of the period\"\neffective = 2027-04-02\n",
        &[],
    );
    assert!(!t.contains("did not implement it within that time"), "{t}");
    assert!(
        t.contains("The company has until April 1, 2027 to implement its CIP (2 of 11"),
        "{t}"
    );
}

/// A follow-up notice dated after the review's first day said "The review
/// will begin on" that day, and that the period "ends" after it ended.
#[test]
fn a_follow_up_notice_after_the_first_day_says_the_review_began() {
    let ws = workspace();
    let dir = ws.path();
    Cip::new()
        .done(0, 11, "2026-12-20")
        .validation("2027-01-05", "2027-01-20", "2027-02-01")
        .sent("2027-01-30")
        .write(dir, "plan.toml");
    let t = letter_with(
        dir,
        "follow-up",
        "2027-04-05",
        "[follow_up]\ndate = 2027-03-25\nlocation = \"the company's offices\"\n",
        &[],
    );
    assert!(!t.contains("will begin"), "{t}");
    assert!(t.contains("The review began on March 25, 2027"), "{t}");
    assert!(!t.contains("confirm the date"), "{t}");
    assert!(!t.contains("(ending April 1, 2027) ends"), "{t}");
}
