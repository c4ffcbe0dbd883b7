//! `cip status`: date arithmetic, every phase reached by a plan made for it
//! (with a fixed `--today`), the significant-progress threshold at its edge,
//! the portfolio's sort order and its handling of unreadable files.

mod status_common;

use status_common::*;

// Report 2026-10-01: the conditional period ends 2027-04-01.
const REPORT: &str = "2026-10-01";

fn v(
    begins: &'static str,
    concludes: &'static str,
    results: &'static str,
) -> Option<ValidationSpec> {
    Some(ValidationSpec {
        begins,
        concludes,
        results,
        sent: None,
    })
}

fn sent(
    begins: &'static str,
    concludes: &'static str,
    results: &'static str,
    s: &'static str,
) -> Option<ValidationSpec> {
    Some(ValidationSpec {
        begins,
        concludes,
        results,
        sent: Some(s),
    })
}

/// Ten steps over two deficiencies: `done` of them done (targets early), the
/// rest planned with target `open_target`; validations' results are due on
/// 2027-03-31.
fn ten_steps(done: usize, open_target: &'static str) -> PlanSpec {
    let mut steps: Vec<StepSpec> = (0..10)
        .map(|i| {
            if i < done {
                step("2026-12-01", "done")
            } else {
                step(open_target, "planned")
            }
        })
        .collect();
    let second = steps.split_off(5);
    PlanSpec::new(REPORT)
        .deficiency(steps, v("2027-03-20", "2027-03-25", "2027-03-31"))
        .deficiency(second, v("2027-03-20", "2027-03-25", "2027-03-31"))
}

fn phase(j: &serde_json::Value) -> &str {
    j["phase"]["phase"].as_str().expect("phase")
}

#[test]
fn conditional_period_month_end_and_leap_year() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("2027-08-31", "2028-02-29", "2028-02-01", 28),
        ("2026-08-31", "2027-02-28", "2027-02-01", 27),
        ("2026-12-31", "2027-06-30", "2027-06-30", 0),
        ("2028-08-30", "2029-02-28", "2029-01-31", 28),
    ];
    for (report, end, today, left) in cases {
        let p = PlanSpec::new(report)
            .deficiency(vec![step(end, "planned")], None)
            .write(dir.path(), "p.toml");
        let j = status_json(&p, today, &[]);
        assert_eq!(j["period"]["report_date"], report);
        assert_eq!(j["period"]["period_end"], end, "report {report}");
        assert_eq!(j["period"]["deadline"], end);
        assert_eq!(
            j["period"]["days_left"], left,
            "report {report} today {today}"
        );
        assert_eq!(phase(&j), "within-period");
    }
    // The day after the end: one day overdue.
    let p = PlanSpec::new("2027-08-31")
        .deficiency(vec![step("2028-01-01", "done")], None)
        .deficiency(vec![step("2028-01-01", "planned")], None)
        .write(dir.path(), "p.toml");
    let j = status_json(&p, "2028-03-01", &[]);
    assert_eq!(j["period"]["days_overdue"], 1);
    assert!(j["period"]["days_left"].is_null());
}

#[test]
fn within_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = ten_steps(3, "2027-02-01").write(dir.path(), "p.toml");
    let j = status_json(&p, "2026-12-15", &[]);
    assert_eq!(phase(&j), "within-period");
    assert_eq!(j["phase"]["risk_category"], "standard");
    assert_eq!(j["period"]["days_left"], 107);
    assert_eq!(j["completion"]["done"], 3);
    assert_eq!(j["completion"]["total"], 10);
    assert_eq!(j["completion"]["percent"], 30);
    assert_eq!(j["overdue_count"], 0);
    assert_eq!(j["next_date"], "2027-02-01");
    let actions = j["next_actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 3);
    assert!(actions.iter().all(|a| a["date"] == "2027-02-01"));
    assert_eq!(j["deficiencies"][0]["validation"]["state"], "not-started");
}

#[test]
fn within_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = ten_steps(6, "2027-06-01");
    plan.extensions
        .push(("2027-03-20", Some("2027-03-28"), "2027-06-30"));
    let p = plan.write(dir.path(), "p.toml");
    let j = status_json(&p, "2027-05-01", &[]);
    assert_eq!(phase(&j), "within-extension");
    assert_eq!(j["period"]["period_end"], "2027-04-01");
    assert_eq!(j["period"]["extension"]["new_deadline"], "2027-06-30");
    assert_eq!(j["period"]["deadline"], "2027-06-30");
    assert_eq!(j["period"]["days_left"], 60);
    assert_eq!(j["phase"]["risk_category"], "standard");

    // Two extensions print on two lines of the table, not joined by an
    // escaped "\n".
    plan.extensions
        .push(("2027-06-20", Some("2027-06-25"), "2027-08-31"));
    let p = plan.write(dir.path(), "p.toml");
    let out = cip()
        .args(["status", "--today", "2027-07-01", "--color", "never"])
        .arg(&p)
        .output()
        .expect("run");
    let t = text(&out);
    assert!(!t.contains("\\n"), "{t}");
    let line = |needle: &str| {
        t.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} missing from\n{t}"))
    };
    assert!(
        line("1. requested 2027-03-20") < line("2. requested 2027-06-20"),
        "{t}"
    );
}

#[test]
fn ready_for_follow_up_then_requested() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = PlanSpec::new(REPORT)
        .deficiency(
            vec![step("2026-12-01", "done"), step("2027-01-10", "done")],
            sent("2027-01-15", "2027-02-10", "2027-02-20", "2027-02-18"),
        )
        .deficiency(
            vec![step("2027-01-20", "done")],
            sent("2027-01-25", "2027-02-15", "2027-03-01", "2027-02-27"),
        );
    let p = plan.write(dir.path(), "p.toml");
    let j = status_json(&p, "2027-03-05", &[]);
    assert_eq!(phase(&j), "ready-for-follow-up");
    assert_eq!(j["completion"]["validations_done"], 2);
    assert_eq!(j["deficiencies"][0]["validation"]["state"], "done");
    assert!(
        j["next_actions"][0]["what"]
            .as_str()
            .expect("what")
            .contains("follow-up review")
    );
    // Still implemented after the period's end: no risk.
    let j = status_json(&p, "2027-05-05", &[]);
    assert_eq!(phase(&j), "ready-for-follow-up");

    let mut plan = plan;
    plan.follow_up = Some((Some("2027-03-06"), None, None, None));
    let p = plan.write(dir.path(), "p.toml");
    let j = status_json(&p, "2027-03-10", &[]);
    assert_eq!(phase(&j), "ready-for-follow-up");
    assert!(
        j["phase"]["consequence"]
            .as_str()
            .expect("c")
            .contains("requested on 2027-03-06")
    );
    // Now it is Customs' turn.
    let actions = j["next_actions"].as_array().expect("a");
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["by"], "Customs");
    assert!(
        actions[0]["what"]
            .as_str()
            .expect("w")
            .contains("Conduct the follow-up review")
    );

    // Implemented, not validated yet (results not sent): three separate
    // things, the validation is what is due.
    let p = PlanSpec::new(REPORT)
        .deficiency(
            vec![step("2026-12-01", "done")],
            v("2027-01-15", "2027-02-10", "2027-02-20"),
        )
        .write(dir.path(), "q.toml");
    let j = status_json(&p, "2027-02-15", &[]);
    assert_eq!(phase(&j), "implemented");
    assert_eq!(j["implementation"]["complete"], true);
    assert_eq!(j["validation"]["complete"], false);
    assert_eq!(j["follow_up"]["stage"], "not-requested");
    assert_eq!(j["deficiencies"][0]["validation"]["state"], "results-due");
}

#[test]
fn follow_up_under_way_is_an_automatic_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = ten_steps(10, "2027-01-01");
    plan.follow_up = Some((Some("2027-03-10"), Some("2027-03-25"), None, None));
    let p = plan.write(dir.path(), "p.toml");
    // After the period's end, review not completed.
    let j = status_json(&p, "2027-04-20", &[]);
    assert_eq!(phase(&j), "follow-up-under-way");
    assert_eq!(j["phase"]["risk_category"], "standard");
    assert!(
        j["phase"]["consequence"]
            .as_str()
            .expect("c")
            .contains("automatic extension")
    );
    assert_eq!(j["follow_up"]["started"], "2027-03-25");
}

#[test]
fn follow_up_completed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = ten_steps(10, "2027-01-01");
    plan.follow_up = Some((
        Some("2027-03-10"),
        Some("2027-03-25"),
        Some("2027-04-15"),
        Some("Implemented and effective."),
    ));
    let p = plan.write(dir.path(), "p.toml");
    let j = status_json(&p, "2027-04-20", &[]);
    assert_eq!(phase(&j), "follow-up-completed");
    assert!(
        j["phase"]["consequence"]
            .as_str()
            .expect("c")
            .contains("Implemented and effective.")
    );
    // The day before completion, it is still under way.
    let j = status_json(&p, "2027-04-14", &[]);
    assert_eq!(phase(&j), "follow-up-under-way");
}

#[test]
fn extension_advised_with_a_suggested_deadline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = ten_steps(6, "2027-03-20");
    // One remaining step is planned well after the period.
    plan.deficiencies[1].0[4] = step("2027-07-15", "in-progress");
    let p = plan.write(dir.path(), "p.toml");
    let j = status_json(&p, "2027-04-10", &[]);
    assert_eq!(phase(&j), "extension-advised");
    assert_eq!(j["progress"]["significant"], true);
    assert_eq!(j["progress"]["decided_by"], "both-met");
    assert_eq!(j["suggested_deadline"]["date"], "2027-07-15");
    assert!(
        j["next_actions"][0]["what"]
            .as_str()
            .expect("w")
            .contains("Request an extension")
    );
    assert!(
        j["next_actions"][0]["what"]
            .as_str()
            .expect("w")
            .contains("2027-07-15")
    );

    // Every remaining target passed: at least 30 days from today.
    let p = ten_steps(6, "2027-03-20").write(dir.path(), "q.toml");
    let j = status_json(&p, "2027-04-10", &[]);
    assert_eq!(phase(&j), "extension-advised");
    assert_eq!(j["suggested_deadline"]["date"], "2027-05-10");

    // Requested, not yet decided: Customs is to decide, the consequence says so.
    let mut plan = ten_steps(6, "2027-03-20");
    plan.extensions.push(("2027-04-05", None, "2027-06-30"));
    let p = plan.write(dir.path(), "r.toml");
    let j = status_json(&p, "2027-04-10", &[]);
    assert_eq!(phase(&j), "extension-requested");
    assert_eq!(j["phase"]["risk_category"], "standard");
    assert_eq!(j["next_actions"][0]["by"], "Customs");
    assert_eq!(j["period"]["extension_pending"], "2027-04-05");
    assert!(
        j["phase"]["consequence"]
            .as_str()
            .expect("c")
            .contains("awaits Customs' decision")
    );
}

#[test]
fn at_risk_without_significant_progress() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = ten_steps(2, "2027-03-20").write(dir.path(), "p.toml");
    let j = status_json(&p, "2027-04-10", &[]);
    assert_eq!(phase(&j), "at-risk");
    assert_eq!(
        j["phase"]["risk_category"],
        "a higher compliance risk category"
    );
    assert_eq!(j["phase"]["category_since"], "2027-04-02");
    assert!(
        j["phase"]["consequence"]
            .as_str()
            .expect("c")
            .contains("The Account Manager will take appropriate action")
    );
    assert_eq!(j["progress"]["decided_by"], "done-share");
    assert_eq!(j["overdue_count"], 10);
    assert!(j["suggested_deadline"].is_null());
}

#[test]
fn undetermined_without_report_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = ten_steps(2, "2027-03-20");
    plan.report_date = None;
    let p = plan.write(dir.path(), "p.toml");
    let j = status_json(&p, "2027-04-10", &[]);
    assert_eq!(phase(&j), "undetermined");
    assert!(j["period"]["period_end"].is_null());
}

#[test]
fn significant_progress_threshold_edges() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Judged on the deadline in force (2027-04-01), whatever the as-of date:
    // open targets 2027-03-02 are exactly 30 days overdue then; validation
    // results (2027-03-31) 1 day.
    let at = |done, target: &'static str, today: &str| {
        let p = ten_steps(done, target).write(dir.path(), "p.toml");
        status_json(&p, today, &[])
    };
    for today in ["2027-04-02", "2027-04-15", "2027-06-30"] {
        let j = at(5, "2027-03-02", today);
        assert_eq!(phase(&j), "extension-advised", "{}", j["progress"]["rule"]);
        assert_eq!(j["progress"]["longest_overdue_days"], 30);
        assert_eq!(j["progress"]["on"], "2027-04-01");

        let j = at(4, "2027-03-02", today);
        assert_eq!(phase(&j), "at-risk");
        assert_eq!(j["progress"]["decided_by"], "done-share");

        let j = at(5, "2027-03-01", today);
        assert_eq!(phase(&j), "at-risk");
        assert_eq!(j["progress"]["decided_by"], "overdue");
        assert_eq!(j["progress"]["longest_overdue_days"], 31);
    }
    // On the deadline itself the period has not ended: not judged yet.
    let j = at(5, "2027-03-01", "2027-04-01");
    assert_eq!(phase(&j), "within-period");
    assert_eq!(j["progress"]["verdict"], "not-yet-judged");
    assert_eq!(j["outlook"]["longest_overdue_days"], 31);

    // Configurable: stricter share, looser overdue limit.
    let today = "2027-04-15";
    let p = ten_steps(5, "2027-03-01").write(dir.path(), "p.toml");
    let j = status_json(&p, today, &["--max-overdue-days", "31"]);
    assert_eq!(phase(&j), "extension-advised");
    assert_eq!(j["progress"]["threshold"]["max_overdue_days"], 31);
    let j = status_json(
        &p,
        today,
        &["--max-overdue-days", "31", "--min-done-percent", "60"],
    );
    assert_eq!(phase(&j), "at-risk");
    assert_eq!(j["progress"]["decided_by"], "done-share");
}

#[test]
fn step_and_validation_states() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = PlanSpec::new(REPORT)
        .deficiency(
            vec![
                step("2026-11-01", "done"),
                step("2026-12-01", "in-progress"),
                step("2026-12-20", "in-progress"),
                step("2027-01-20", "planned"),
            ],
            v("2026-12-05", "2026-12-20", "2027-01-05"),
        )
        .write(dir.path(), "p.toml");
    let j = status_json(&p, "2026-12-10", &[]);
    let d = &j["deficiencies"][0];
    let states: Vec<&str> = d["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["state"].as_str().expect("s"))
        .collect();
    assert_eq!(states, ["done", "overdue", "in-progress", "planned"]);
    assert_eq!(d["steps"][1]["days_overdue"], 9);
    assert_eq!(d["validation"]["state"], "testing");
    assert_eq!(d["next_date"], "2026-12-01");
    assert_eq!(j["next_actions"][0]["overdue"], true);
    for (today, state) in [
        ("2026-12-04", "not-started"),
        ("2026-12-20", "testing"),
        ("2026-12-21", "results-due"),
        ("2027-01-05", "results-due"),
        ("2027-01-06", "results-overdue"),
    ] {
        let j = status_json(&p, today, &[]);
        assert_eq!(
            j["deficiencies"][0]["validation"]["state"], state,
            "{today}"
        );
    }
}

#[test]
fn human_output_honours_no_color_and_color_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = ten_steps(2, "2027-03-20").write(dir.path(), "p.toml");
    let out = cip()
        .arg("status")
        .arg(&p)
        .args(["--today", "2027-04-10"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let t = text(&out);
    assert!(!t.contains('\u{1b}'), "non-TTY output has no escape codes");
    assert!(t.contains("Deadline passed, not implemented"));
    assert!(t.contains("Test Imports, Inc."));
    assert!(t.contains("Next actions"));
    let out = cip()
        .arg("status")
        .arg(&p)
        .args(["--today", "2027-04-10", "--color", "always"])
        .output()
        .expect("run");
    assert!(text(&out).contains('\u{1b}'));
    let out = cip()
        .env("NO_COLOR", "1")
        .arg("status")
        .arg(&p)
        .args(["--today", "2027-04-10"])
        .output()
        .expect("run");
    assert!(!text(&out).contains('\u{1b}'));
}

#[test]
fn unreadable_plans_exit_2_without_panicking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[plan\ncompany = ").expect("write");
    let binary = dir.path().join("bin.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).expect("write");
    let pdf = dir.path().join("plan.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n").expect("write");
    for p in [bad.clone(), binary, pdf, dir.path().join("missing.toml")] {
        for fmt in ["human", "json"] {
            let out = cip()
                .arg("status")
                .arg(&p)
                .args(["--today", "2027-01-01", "--format", fmt])
                .output()
                .expect("run");
            assert_eq!(out.status.code(), Some(2), "{}", p.display());
            assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
        }
    }
    let out = cip()
        .arg("status")
        .arg(&bad)
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn portfolio_sorted_by_urgency_and_lists_unreadable_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let today = "2027-02-01";
    let named = |name: &str, company: &str, spec: PlanSpec| {
        let mut spec = spec;
        spec.company = company.into();
        spec.write(dir.path(), name)
    };
    // Overdue since 2027-01-20 (12 days).
    let a = named(
        "a.toml",
        "Recently Late",
        PlanSpec::new("2026-10-01").deficiency(vec![step("2027-01-20", "planned")], None),
    );
    // Overdue since 2026-12-01 (longer): comes first.
    let b = named(
        "b.toml",
        "Long Late",
        PlanSpec::new("2026-11-15").deficiency(vec![step("2026-12-01", "in-progress")], None),
    );
    // Nothing overdue, deadline 2027-04-01.
    let c = named(
        "c.toml",
        "Near Deadline",
        PlanSpec::new("2026-10-01").deficiency(vec![step("2027-03-01", "planned")], None),
    );
    // Nothing overdue, deadline 2027-07-15.
    let d = named(
        "d.toml",
        "Far Deadline",
        PlanSpec::new("2027-01-15").deficiency(vec![step("2027-05-01", "planned")], None),
    );
    // Follow-up review completed: last although its deadline is earliest.
    let mut done = PlanSpec::new("2026-06-01").deficiency(
        vec![step("2026-09-01", "done")],
        sent("2026-09-05", "2026-09-20", "2026-10-01", "2026-09-30"),
    );
    done.follow_up = Some((
        Some("2026-10-02"),
        Some("2026-10-15"),
        Some("2026-11-15"),
        None,
    ));
    let e = named("e.toml", "Closed", done);
    let bad = dir.path().join("z-bad.toml");
    std::fs::write(&bad, "not toml at all [").expect("write");
    let missing = dir.path().join("y-missing.toml");

    let out = cip()
        .args(["status", "--all", "--today", today, "--format", "json"])
        .args([&e, &d, &bad, &c, &a, &missing, &b])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "unreadable files make the exit code 1"
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let order: Vec<&str> = j["plans"]
        .as_array()
        .expect("plans")
        .iter()
        .map(|r| r["company"].as_str().expect("c"))
        .collect();
    assert_eq!(
        order,
        [
            "Long Late",
            "Recently Late",
            "Near Deadline",
            "Far Deadline",
            "Closed"
        ]
    );
    assert_eq!(j["plans"][0]["overdue"], 1);
    assert_eq!(j["plans"][0]["overdue_since"], "2026-12-01");
    assert_eq!(j["plans"][3]["deadline"], "2027-07-15");
    let unreadable: Vec<&str> = j["unreadable"]
        .as_array()
        .expect("u")
        .iter()
        .map(|u| u["file"].as_str().expect("f"))
        .collect();
    assert_eq!(unreadable.len(), 2);
    assert!(unreadable[0].ends_with("y-missing.toml") && unreadable[1].ends_with("z-bad.toml"));

    // Human: the same order, unreadable files at the end.
    let out = cip()
        .args(["status", "--all", "--today", today])
        .args([&e, &d, &bad, &c, &a, &missing, &b])
        .output()
        .expect("run");
    let t = text(&out);
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} missing from\n{t}"));
    assert!(pos("Long Late") < pos("Recently Late"));
    assert!(pos("Recently Late") < pos("Near Deadline"));
    assert!(pos("Far Deadline") < pos("Closed"));
    assert!(pos("Closed") < pos("Unreadable files (2)"));
    assert!(pos("Unreadable files (2)") < pos("z-bad.toml"));
}

#[test]
fn status_reads_a_signed_plan_pdf_and_refuses_an_unsigned_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (key, cert) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
    let out = cip()
        .args(["keygen", "--name", "R C", "--title", "CFO", "--key"])
        .arg(&key)
        .arg("--cert")
        .arg(&cert)
        .output()
        .expect("keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unsigned = dir.path().join("unsigned.pdf");
    let pdf = dir.path().join("acme.pdf");
    for (path, sign) in [(&unsigned, false), (&pdf, true)] {
        let mut cmd = cip();
        cmd.args(["render", "samples/acme.toml", "--no-timeline", "-o"])
            .arg(path);
        if sign {
            cmd.arg("--sign")
                .arg("--key")
                .arg(&key)
                .arg("--cert")
                .arg(&cert);
        }
        let out = cmd.output().expect("render");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = cip()
        .args(["status", "--today", "2026-12-01"])
        .arg(&unsigned)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not signed"));
    let from_pdf = status_json(&pdf, "2026-12-01", &[]);
    let from_toml = status_json(std::path::Path::new("samples/acme.toml"), "2026-12-01", &[]);
    assert_eq!(from_pdf["company"], "Acme Imports, Inc.");
    assert_eq!(from_pdf["completion"], from_toml["completion"]);
    assert_eq!(from_pdf["phase"], from_toml["phase"]);
    // In a portfolio too, next to a PDF without a plan.
    let empty = dir.path().join("empty.pdf");
    std::fs::write(&empty, b"%PDF-1.7\n%%EOF\n").expect("write");
    let out = cip()
        .args([
            "status",
            "--all",
            "--today",
            "2026-12-01",
            "--format",
            "json",
        ])
        .arg(&pdf)
        .arg(&empty)
        .output()
        .expect("run");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["plans"].as_array().expect("plans").len(), 1);
    assert_eq!(j["unreadable"].as_array().expect("u").len(), 1);
}

/// A deadline for full implementation is met once every step is done by
/// it: after the deadline the status says "met", never "N days overdue"
/// (it once printed "2027-04-01: 14 days overdue" in red for a plan done
/// on 2027-02-12), in the JSON and on the terminal.
#[test]
fn a_met_deadline_is_not_overdue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = ten_steps(10, "2027-01-01").write(dir.path(), "p.toml");
    let j = status_json(&p, "2027-04-15", &[]);
    assert_eq!(j["period"]["deadline"], "2027-04-01");
    assert_eq!(j["period"]["met_on"], "2026-12-01");
    assert!(j["period"]["days_overdue"].is_null(), "{}", j["period"]);
    let out = cip()
        .arg("status")
        .arg(&p)
        .args(["--today", "2027-04-15"])
        .output()
        .expect("run cip");
    let t = text(&out);
    assert!(
        t.contains("2027-04-01: met (every step done 2026-12-01)"),
        "{t}"
    );
    assert!(!t.contains("days overdue"), "{t}");

    // Not met: still overdue, counted from the deadline.
    let p = ten_steps(7, "2027-03-20").write(dir.path(), "q.toml");
    let j = status_json(&p, "2027-04-15", &[]);
    assert!(j["period"]["met_on"].is_null());
    assert_eq!(j["period"]["days_overdue"], 14);
}

/// The validation line counts what its label says: windows over (results
/// sent or not), and apart, those without results.
#[test]
fn testing_windows_over_are_counted_as_labelled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = PlanSpec::new(REPORT)
        .deficiency(
            vec![step("2026-12-01", "done")],
            sent("2027-01-15", "2027-02-10", "2027-02-20", "2027-02-18"),
        )
        .deficiency(
            vec![step("2026-12-01", "done")],
            v("2027-01-15", "2027-02-12", "2027-03-20"),
        )
        .write(dir.path(), "p.toml");
    let out = cip()
        .arg("status")
        .arg(&p)
        .args(["--today", "2027-03-01"])
        .output()
        .expect("run cip");
    // The table wraps long values: compare words.
    let t = text(&out).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        t.contains(
            "results sent for 1 of 2 deficiencies · planned testing window over for 2 (1 without results sent)"
        ),
        "{t}"
    );
}

/// A follow-up review that began after the deadline was not under way when
/// the period ended: the consequence must not promise an automatic
/// extension (framework: only a review under way at the end of the period
/// extends it), and names the category the lifecycle gives.
#[test]
fn a_review_begun_after_the_deadline_promises_no_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = ten_steps(4, "2027-03-20");
    plan.follow_up = Some((Some("2027-04-05"), Some("2027-04-12"), None, None));
    let p = plan.write(dir.path(), "p.toml");
    let j = status_json(&p, "2027-04-15", &[]);
    assert_eq!(phase(&j), "follow-up-under-way");
    let c = j["phase"]["consequence"].as_str().expect("c");
    assert!(!c.contains("receives an automatic extension"), "{c}");
    assert!(c.contains("began after the deadline (2027-04-01)"), "{c}");
    let category = j["phase"]["risk_category"].as_str().expect("category");
    assert!(c.contains(&format!("Category: \"{category}\"")), "{c}");
}

/// A folder of plans also holds each plan's case file, the letters saved
/// beside it and profiles: none of them is a plan, and none may be reported
/// unreadable (which fails the run). A plan that is broken still is.
#[test]
fn a_folder_stands_for_its_plans_not_its_case_files_letters_or_profiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let today = "2026-12-03";
    let plan = PlanSpec::new(REPORT)
        .deficiency(vec![step("2027-01-20", "planned")], None)
        .write(dir.path(), "acme.toml");
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::copy(samples.join("am.toml"), dir.path().join("am.toml")).expect("copy");
    let letter = cip()
        .args([
            "letter",
            "additional-information",
            "--record",
            "--date",
            "2026-12-01",
        ])
        .arg("--plan")
        .arg(&plan)
        .arg("--from")
        .arg(samples.join("am.toml"))
        .arg("-o")
        .arg(dir.path().join("acme-additional-information.pdf"))
        .output()
        .expect("run");
    assert!(
        letter.status.success(),
        "{}",
        String::from_utf8_lossy(&letter.stderr)
    );
    assert!(dir.path().join("acme.case.toml").is_file());

    let out = cip()
        .args(["status", "--all", "--today", today, "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(j["plans"].as_array().map(Vec::len), Some(1), "{j}");
    assert_eq!(j["unreadable"].as_array().map(Vec::len), Some(0), "{j}");
    let left: Vec<String> = j["not_plans"]
        .as_array()
        .expect("not_plans")
        .iter()
        .map(|n| format!("{} {}", n["file"], n["reason"]))
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left[0].contains("acme-additional-information.pdf") && left[0].contains("letter"));
    assert!(left[1].contains("am.toml") && left[1].contains("[plan]"));

    // A broken plan in the folder is still reported, and fails the run.
    std::fs::write(dir.path().join("broken.toml"), "[plan]\ncompany = \n").expect("write");
    let out = cip()
        .args(["status", "--all", "--today", today])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("Unreadable files (1)") && t.contains("broken.toml"),
        "{t}"
    );
    assert!(t.contains("Not plans, left out (2)"), "{t}");
    assert!(!t.contains("acme.case.toml"), "{t}");
}
