//! Issue 10, "One CIP lifecycle": one regression test per numbered defect.
//! Report 2026-10-01, so the conditional period ends 2027-04-01.

mod common;
mod letter_common;
mod lifecycle_common;

use letter_common::{pdf_text, text, workspace, write};
use lifecycle_common::*;

/// 4 of 11 done in December; the other 7 reported completed on 2027-05-20.
fn completed_late() -> Cip {
    Cip::new()
        .done(0, 4, "2026-11-25")
        .open_target("2027-02-15")
        .done(4, 11, "2027-05-20")
}

#[test]
fn defect_1_letters_and_status_agree() {
    let ws = workspace();
    let dir = ws.path();
    seven_of_eleven().write(dir, "plan.toml");
    let s = status(dir, "plan.toml", None, "2027-04-10");
    assert_eq!(s["phase"]["phase"], "extension-advised");
    assert_eq!(s["phase"]["risk_category"], "standard");
    assert_eq!(s["progress"]["verdict"], "significant");

    // Without a designation of its own, the letter designates what status says.
    let t = letter_text(
        dir,
        "risk-category",
        "plan.toml",
        "2027-04-10",
        &[],
        "r.pdf",
    );
    assert!(t.contains("Compliance risk category standard"), "{t}");
    assert!(!t.contains("has not been demonstrated"), "{t}");
    assert!(t.contains("7 of 11"), "{t}");
    let meta = letter_json(&dir.join("r.pdf"));
    assert_eq!(
        meta["record"]["fields"]["category"],
        s["phase"]["risk_category"]
    );

    // Designating "a higher compliance risk category" contradicts the case.
    write(
        dir,
        "higher.toml",
        "[risk_category]\ncategory = \"a higher compliance risk category\"\nreason = \"Not implemented.\"\n",
    );
    let o = letter(
        dir,
        "risk-category",
        "plan.toml",
        "2027-04-10",
        &["--data", "higher.toml", "-o", "h.pdf"],
    );
    let msg = refused(&o, &["designation-contradicts-state"]);
    assert!(msg.contains("significant progress"), "{msg}");
    assert!(!dir.join("h.pdf").exists());
}

#[test]
fn defect_2_future_completions_do_not_count() {
    let ws = workspace();
    let dir = ws.path();
    completed_late().write(dir, "plan.toml");
    let s = status(dir, "plan.toml", None, "2027-04-15");
    assert_eq!(s["implementation"]["done"], 4);
    assert_eq!(s["implementation"]["total"], 11);
    assert_eq!(s["implementation"]["complete"], false);
    assert_eq!(s["implementation"]["completed_later"], 7);
    assert_eq!(s["completion"]["percent"], 36);
    assert_eq!(s["phase"]["phase"], "at-risk");
    assert_eq!(s["progress"]["verdict"], "not-significant");
    assert_eq!(s["progress"]["decided_by"], "done-share");
    assert!(
        s["notes"].as_array().expect("notes").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("completion date after 2027-04-15"))),
        "{}",
        s["notes"]
    );
    // After the completions, every step is done (late).
    let s = status(dir, "plan.toml", None, "2027-05-20");
    assert_eq!(s["implementation"]["done"], 11);
    assert_eq!(s["implementation"]["completed_on"], "2027-05-20");
    assert_eq!(s["phase"]["phase"], "implemented");
    assert_eq!(
        s["phase"]["risk_category"],
        "a higher compliance risk category"
    );
}

#[test]
fn defect_3_letters_state_no_false_implementation() {
    let ws = workspace();
    let dir = ws.path();
    completed_late().write(dir, "plan.toml");
    let t = letter_text(
        dir,
        "risk-category",
        "plan.toml",
        "2027-06-01",
        &[],
        "r.pdf",
    );
    assert!(!t.contains("implemented by the end of the period"), "{t}");
    assert!(
        t.contains("was not implemented by the deadline (April 1, 2027)"),
        "{t}"
    );
    assert!(t.contains("4 of 11 steps done"), "{t}");
    assert!(t.contains("completed by May 20, 2027"), "{t}");
    assert!(
        t.contains("Compliance risk category a higher compliance risk category"),
        "{t}"
    );
    let s = status(dir, "plan.toml", None, "2027-06-01");
    assert_eq!(
        s["phase"]["risk_category"],
        "a higher compliance risk category"
    );
    assert_eq!(s["phase"]["category_since"], "2027-04-02");
}

#[test]
fn defect_4_significant_progress_is_judged_on_the_deadline() {
    let ws = workspace();
    let dir = ws.path();
    seven_of_eleven().write(dir, "plan.toml");
    let first = status(dir, "plan.toml", None, "2027-04-10");
    for today in ["2027-04-02", "2027-05-10", "2027-08-01", "2028-04-01"] {
        let s = status(dir, "plan.toml", None, today);
        assert_eq!(s["phase"]["phase"], "extension-advised", "{today}");
        assert_eq!(s["progress"]["on"], "2027-04-01", "{today}");
        assert_eq!(s["progress"]["longest_overdue_days"], 12, "{today}");
        assert_eq!(s["progress"]["rule"], first["progress"]["rule"], "{today}");
    }
    // Before the deadline there is no verdict yet, only an outlook.
    let s = status(dir, "plan.toml", None, "2027-03-31");
    assert_eq!(s["progress"]["verdict"], "not-yet-judged");
    assert_eq!(s["outlook"]["on"], "2027-03-31");
}

#[test]
fn defect_5_implemented_validated_and_reviewed_are_three_states() {
    let ws = workspace();
    let dir = ws.path();
    let implemented = Cip::new().done(0, 11, "2027-02-20");
    implemented.write(dir, "plan.toml");
    let s = status(dir, "plan.toml", None, "2027-03-10");
    assert_eq!(s["phase"]["phase"], "implemented");
    assert_eq!(s["implementation"]["complete"], true);
    assert_eq!(s["validation"]["complete"], false);
    assert_eq!(s["follow_up"]["stage"], "not-requested");
    assert_eq!(s["next_actions"][0]["what"], "Conclude validation testing");

    implemented
        .clone()
        .sent("2027-03-25")
        .write(dir, "plan.toml");
    let s = status(dir, "plan.toml", None, "2027-03-26");
    assert_eq!(s["phase"]["phase"], "ready-for-follow-up");
    assert_eq!(s["validation"]["complete"], true);
    assert_eq!(s["follow_up"]["stage"], "not-requested");

    write(
        dir,
        "case.toml",
        "[[follow_up]]\nrequested = 2027-03-26\nstarted = 2027-04-12\n",
    );
    let s = status(dir, "plan.toml", Some("case.toml"), "2027-04-01");
    assert_eq!(s["follow_up"]["stage"], "scheduled");
    assert_eq!(s["phase"]["phase"], "ready-for-follow-up");
    let s = status(dir, "plan.toml", Some("case.toml"), "2027-04-12");
    assert_eq!(s["follow_up"]["stage"], "under-way");
    assert_eq!(s["phase"]["phase"], "follow-up-under-way");
    assert_eq!(s["implementation"]["complete"], true);
    assert_eq!(s["validation"]["complete"], true);
}

#[test]
fn defect_6_decisions_are_facts_with_dates() {
    let ws = workspace();
    let dir = ws.path();
    seven_of_eleven().write(dir, "plan.toml");
    // A grant decided 2027-03-25 applies from 2027-03-25.
    write(
        dir,
        "granted.toml",
        "[[extension]]\nrequested = 2027-03-15\n\n[[extension]]\nrequested = 2027-03-15\ndecided = 2027-03-25\ndecision = \"granted\"\nnew_deadline = 2027-06-30\nreason = \"the ERP changes are in testing\"\n",
    );
    let s = status(dir, "plan.toml", Some("granted.toml"), "2027-03-20");
    assert_eq!(s["period"]["deadline"], "2027-04-01");
    assert_eq!(s["period"]["extension_pending"], "2027-03-15");
    assert_eq!(s["extensions"][0]["outcome"], serde_json::Value::Null);
    let s = status(dir, "plan.toml", Some("granted.toml"), "2027-03-25");
    assert_eq!(s["period"]["deadline"], "2027-06-30");
    assert_eq!(s["extensions"][0]["outcome"], "granted");
    assert_eq!(s["phase"]["phase"], "within-extension");

    // A denial can be recorded, and it has consequences from its date.
    write(
        dir,
        "denied.toml",
        "[[extension]]\nrequested = 2027-03-28\ndecided = 2027-04-05\ndecision = \"denied\"\n",
    );
    let s = status(dir, "plan.toml", Some("denied.toml"), "2027-04-03");
    assert_eq!(s["phase"]["phase"], "extension-requested");
    assert_eq!(s["phase"]["risk_category"], "standard");
    let s = status(dir, "plan.toml", Some("denied.toml"), "2027-04-05");
    assert_eq!(s["extensions"][0]["outcome"], "denied");
    assert_eq!(s["phase"]["phase"], "at-risk");
    assert_eq!(
        s["phase"]["risk_category"],
        "a higher compliance risk category"
    );
    assert_eq!(s["phase"]["category_since"], "2027-04-05");

    // A denial letter dated after the deadline says what follows, not that
    // the past deadline "remains".
    write(
        dir,
        "request.toml",
        "[[extension]]\nrequested = 2027-03-28\n",
    );
    write(
        dir,
        "deny.toml",
        "[extension]\ndecision = \"denied\"\nreason = \"The ERP changes have not started\"\n",
    );
    let t = letter_text(
        dir,
        "extension",
        "plan.toml",
        "2027-04-05",
        &["--data", "deny.toml", "--case", "request.toml"],
        "deny.pdf",
    );
    assert!(
        t.contains("Extension of the Conditional Period \u{2014} Denied"),
        "{t}"
    );
    assert!(!t.contains("remains"), "{t}");
    assert!(
        t.contains("it has passed without full implementation"),
        "{t}"
    );
    assert!(
        t.contains("placed in a higher compliance risk category, effective April 5, 2027"),
        "{t}"
    );
    // ... and the decision is now recorded.
    let s = status(dir, "plan.toml", Some("request.toml"), "2027-04-06");
    assert_eq!(s["extensions"][0]["outcome"], "denied");
    assert_eq!(s["extensions"][0]["decided"], "2027-04-05");

    // A letter dated 2026-12-01 cannot decide a request of 2027-03-15, and
    // the reason's counts are checked against the plan.
    write(
        dir,
        "early.toml",
        "[extension]\ndecision = \"granted\"\nrequested = 2027-03-15\nnew_deadline = 2027-06-30\nreason = \"eleven of the fourteen corrective action steps are done\"\n",
    );
    let o = letter(
        dir,
        "extension",
        "plan.toml",
        "2026-12-01",
        &["--data", "early.toml", "-o", "e.pdf"],
    );
    refused(&o, &["extension-decided-before-request"]);
    let o = letter(
        dir,
        "extension",
        "plan.toml",
        "2027-03-25",
        &["--data", "early.toml", "-o", "e.pdf"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("[reason-numbers-differ]"), "{t}");
    assert!(t.contains("7 of 11"), "{t}");
    let meta = letter_json(&dir.join("e.pdf"));
    assert!(
        meta["warnings"][0]
            .as_str()
            .expect("warning recorded")
            .contains("reason-numbers-differ")
    );
    let pdf = pdf_text(&dir.join("e.pdf"));
    assert!(
        pdf.contains("Extension of the Conditional Period \u{2014} Granted"),
        "{pdf}"
    );
    assert!(pdf.contains("7 of 11 are completed"), "{pdf}");

    // A grant below the threshold (4 of 11 = 36%) is refused.
    completed_late().write(dir, "low.toml");
    write(
        dir,
        "grant.toml",
        "[extension]\ndecision = \"granted\"\nrequested = 2027-03-15\nnew_deadline = 2027-06-30\n",
    );
    let o = letter(
        dir,
        "extension",
        "low.toml",
        "2027-03-25",
        &["--data", "grant.toml", "-o", "g.pdf"],
    );
    let msg = refused(&o, &["extension-without-significant-progress"]);
    assert!(msg.contains("4 of 11 steps done, 36% (below 50%)"), "{msg}");

    // An acceptance letter dated before the report is refused.
    let o = letter(
        dir,
        "acceptance",
        "plan.toml",
        "2026-09-15",
        &["-o", "a.pdf"],
    );
    refused(&o, &["letter-before-report", "letter-before-prepared"]);
}

#[test]
fn defect_7_automatic_extension_and_follow_up_notice() {
    let ws = workspace();
    let dir = ws.path();
    seven_of_eleven().write(dir, "plan.toml");
    write(
        dir,
        "case.toml",
        "[[follow_up]]\nrequested = 2027-03-10\nstarted = 2027-03-25\n",
    );
    let s = status(dir, "plan.toml", Some("case.toml"), "2027-04-20");
    assert_eq!(s["phase"]["phase"], "follow-up-under-way");
    assert_eq!(s["phase"]["risk_category"], "standard");
    assert_eq!(s["period"]["automatic_extension"]["deadline"], "2027-04-01");
    assert_eq!(
        s["period"]["automatic_extension"]["review_started"],
        "2027-03-25"
    );
    assert!(
        s["phase"]["category_basis"]
            .as_str()
            .expect("basis")
            .contains("automatic extension")
    );
    // A review begun after the deadline gives no automatic extension.
    write(
        dir,
        "late.toml",
        "[[follow_up]]\nrequested = 2027-03-10\nstarted = 2027-04-05\n",
    );
    let s = status(dir, "plan.toml", Some("late.toml"), "2027-04-20");
    assert!(s["period"]["automatic_extension"].is_null());

    // A follow-up notice for 4 of 11 steps and no validation is refused.
    completed_late().write(dir, "four.toml");
    write(dir, "review.toml", "[follow_up]\ndate = 2027-04-12\n");
    let o = letter(
        dir,
        "follow-up",
        "four.toml",
        "2027-03-20",
        &["--data", "review.toml", "-o", "f.pdf"],
    );
    let msg = refused(
        &o,
        &[
            "follow-up-before-implementation",
            "follow-up-before-validation",
        ],
    );
    assert!(msg.contains("4 of 11"), "{msg}");
}

#[test]
fn defect_8_corrective_action_before_the_report_is_allowed() {
    let ws = workspace();
    let dir = ws.path();
    Cip::new()
        .done(0, 2, "2026-09-15")
        .done(2, 4, "2026-11-10")
        .write(dir, "plan.toml");
    let o = common::run(
        std::process::Command::new(common::cip_bin())
            .current_dir(dir)
            .args(["check", "plan.toml"]),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("step-completed-early"), "{}", text(&o));
    let o = common::run(
        std::process::Command::new(common::cip_bin())
            .current_dir(dir)
            .args(["render", "plan.toml", "-o", "plan.pdf"]),
    );
    assert!(o.status.success(), "{}", text(&o));
    let s = status(dir, "plan.toml", None, "2026-12-01");
    assert_eq!(s["implementation"]["done"], 4);
    assert_eq!(s["implementation"]["before_report"], 2);
    assert!(s["notes"].as_array().expect("notes").iter().any(|n| {
        n.as_str()
            .is_some_and(|n| n.contains("before the report date"))
    }));
}

#[test]
fn defect_9_acceptance_needs_evidence_for_completed_steps() {
    let ws = workspace();
    let dir = ws.path();
    Cip::new()
        .done(0, 3, "2026-11-15")
        .undocumented(1)
        .write(dir, "plan.toml");
    let o = letter(
        dir,
        "acceptance",
        "plan.toml",
        "2026-12-01",
        &["-o", "a.pdf"],
    );
    let msg = refused(&o, &["step-done-without-evidence"]);
    assert!(msg.contains("D1 step 2"), "{msg}");
    assert!(!dir.join("a.pdf").exists());

    // --force alone is not enough: the reason is required and recorded.
    let o = letter(
        dir,
        "acceptance",
        "plan.toml",
        "2026-12-01",
        &["--force", "-o", "a.pdf"],
    );
    assert!(!o.status.success());
    let reason = "training records were shown at the meeting of November 30";
    let o = letter(
        dir,
        "acceptance",
        "plan.toml",
        "2026-12-01",
        &["--force", "--reason", reason, "-o", "a.pdf"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let meta = letter_json(&dir.join("a.pdf"));
    assert_eq!(meta["override"]["reason"], reason);
    assert!(
        meta["override"]["refused"][0]
            .as_str()
            .expect("refusal")
            .contains("step-done-without-evidence")
    );

    // With the document attached, the letter goes out without an override.
    Cip::new().done(0, 3, "2026-11-15").write(dir, "plan.toml");
    let o = letter(
        dir,
        "acceptance",
        "plan.toml",
        "2026-12-01",
        &["-o", "b.pdf"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(letter_json(&dir.join("b.pdf"))["override"].is_null());
}

#[test]
fn an_issued_letters_decision_is_recorded_for_the_next() {
    let ws = workspace();
    let dir = ws.path();
    seven_of_eleven().write(dir, "plan.toml");
    write(
        dir,
        "grant.toml",
        "[extension]\ndecision = \"granted\"\nrequested = 2027-03-15\nnew_deadline = 2027-06-30\nreason = \"the ERP changes are in testing\"\n",
    );
    let o = letter(
        dir,
        "extension",
        "plan.toml",
        "2027-03-25",
        &[
            "--data",
            "grant.toml",
            "--case",
            "plan.case.toml",
            "-o",
            "x.pdf",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let case = std::fs::read_to_string(dir.join("plan.case.toml")).expect("case file written");
    assert!(case.contains("decision = \"granted\""), "{case}");
    assert!(case.contains("letter = \"x.pdf\""), "{case}");
    // status finds PLAN.case.toml by itself.
    let s = status(dir, "plan.toml", None, "2027-05-01");
    assert_eq!(s["period"]["deadline"], "2027-06-30");
    assert_eq!(s["record_origin"], "case-file");
    // The same request cannot be decided twice.
    let o = letter(
        dir,
        "extension",
        "plan.toml",
        "2027-03-26",
        &["--data", "grant.toml", "-o", "y.pdf"],
    );
    refused(&o, &["extension-already-decided"]);
    // Without --data, the extension letter restates the recorded decision.
    let t = letter_text(dir, "extension", "plan.toml", "2027-04-02", &[], "z.pdf");
    assert!(
        t.contains("New deadline for full implementation June 30, 2027"),
        "{t}"
    );
    assert!(t.contains("granted on March 25, 2027"), "{t}");
}

#[test]
fn the_readme_case_file_example_is_a_valid_record() {
    let readme =
        std::fs::read_to_string(letter_common::repo().join("README.md")).expect("README.md");
    let start = readme.find("## The case file").expect("section");
    let block = readme[start..]
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("toml block");
    let case = cip::model::case::parse("README.md", block).expect("the example parses");
    assert_eq!(case.extensions.len(), 2);
    assert_eq!(case.follow_up.len(), 2);
    assert_eq!(case.designations.len(), 1);
    let plan =
        cip::model::load_file(&letter_common::repo().join("samples/acme.toml")).expect("sample");
    case.matches(&plan)
        .expect("the example names the sample plan");
    let s = cip::lifecycle::assess(
        &plan,
        &case,
        chrono::NaiveDate::from_ymd_opt(2027, 5, 1).expect("date"),
        &cip::lifecycle::Threshold::default(),
    );
    assert!(s.record_problems.is_empty(), "{:?}", s.record_problems);
    assert_eq!(
        s.deadline_date().map(|d| d.to_string()).as_deref(),
        Some("2027-06-30")
    );
}
