//! The company's report of validation results (`cip letter
//! validation-results`): `[deficiency.validation.results]` in the plan,
//! checked by `cip check` (tests/corpus/41-45), stated in a signed-ready
//! letter to Customs with the error rate computed, embedded as data, and
//! read by the lifecycle (the validation is done once results are sent).

mod common;
mod letter_common;

use std::path::Path;
use std::process::Command;

use letter_common::*;

const DATE: &str = "2027-03-10";

fn ok(out: &std::process::Output, what: &str) {
    assert!(out.status.success(), "{what} failed: {}", text(out));
}

/// The sample plan with results for D1 (effective) and D2 (not effective).
fn plan_with_results() -> String {
    let plan = sample_plan();
    let d1 = "results_to_customs = 2027-03-05\n";
    let d2 = "results_to_customs = 2027-03-19\n";
    assert!(plan.contains(d1) && plan.contains(d2), "the sample changed");
    plan.replacen(
        d1,
        &format!(
            "{d1}\n[deficiency.validation.results]\ntested = 60\nerrors = 1\ntolerable_rate = 5\nconclusion = \"effective\"\nfindings = \"One entry line of 60 was classified under a superseded subheading; the ruling search was documented.\"\nsent = 2027-03-01\n"
        ),
        1,
    )
    .replacen(
        d2,
        &format!(
            "{d2}\n[deficiency.validation.results]\ntested = 45\nerrors = 5\ntolerable_rate = 3\nconclusion = \"not effective\"\nfindings = \"Five entries from the second vendor omitted the mould assist.\"\nfollow_up = \"Add the assist register check to the entry checklist by March 31, 2027 and retest 30 entries in April 2027.\"\nsent = 2027-03-08\n"
        ),
        1,
    )
}

fn setup(dir: &Path, plan: &str) {
    write(dir, "plan.toml", plan);
    std::fs::copy(
        repo().join("samples/company.toml"),
        dir.join("company.toml"),
    )
    .expect("copy company.toml");
}

fn results_letter(dir: &Path) -> std::process::Output {
    results_letter_on(dir, DATE)
}

#[test]
fn the_results_report_states_each_result_with_the_computed_error_rate() {
    let ws = workspace();
    let dir = ws.path();
    setup(dir, &plan_with_results());
    let check = run(Command::new(cip_bin())
        .current_dir(dir)
        .args(["check", "plan.toml"]));
    ok(&check, "cip check on the plan with results");
    ok(&results_letter(dir), "validation-results");
    let pdf = dir.join("r.pdf");
    qpdf_check(&pdf);
    let t = pdf_text(&pdf);
    for needle in [
        "Report of Validation Results",
        "Dear Ms. Okafor:",
        "forwards the results of the validation action",
        "D1 Classification 60 1 1.7% 5% effective",
        "D2 Valuation 45 5 11.1% 3% not effective",
        "Corrective follow-up. Add the assist register check",
        "Sincerely, Robert Chen Chief Financial Officer Acme Imports, Inc.",
    ] {
        assert_contains(&t, needle, "validation-results");
    }
    // Page 2 carries the report's own continuation header.
    assert_contains(
        &t,
        "Patricia Okafor RE: Report of Validation Results — report CA-2026-NY-0412 March 10, 2027 Page 2 of 2",
        "continuation header",
    );
    assert!(!t.contains("Deficiency D3"), "D3 has no results: {t}");
    let bytes = std::fs::read(&pdf).expect("read");
    let json = cip::verify::embedded_file(&bytes, "validation-results.json")
        .expect("readable")
        .expect("validation-results.json embedded");
    let meta: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    assert_eq!(meta["kind"], "validation-results");
    assert_eq!(meta["results"][0]["error_rate"], "1.7%");
    assert_eq!(meta["results"][1]["conclusion"], "not effective");

    let out = run(Command::new(tool("pdftotext"))
        .arg("-layout")
        .arg(&pdf)
        .arg("-"));
    let text = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    let golden = repo().join("tests/golden/validation-results.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &text).expect("write golden");
    } else {
        let want = std::fs::read_to_string(&golden).expect("tests/golden/validation-results.txt");
        assert!(
            want == text,
            "the results report's layout changed; compare with {} (UPDATE_GOLDEN=1 to accept):\n{text}",
            golden.display()
        );
    }
}

#[test]
fn results_sent_complete_the_validation_in_the_lifecycle() {
    let ws = workspace();
    let dir = ws.path();
    let state = |dir: &Path| -> Vec<String> {
        let out = run(Command::new(cip_bin()).current_dir(dir).args([
            "status",
            "plan.toml",
            "--today",
            DATE,
            "--format",
            "json",
        ]));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("status JSON: {e}: {}", text(&out)));
        v["deficiencies"]
            .as_array()
            .expect("deficiencies")
            .iter()
            .map(|d| {
                d["validation"]["state"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    setup(dir, &sample_plan());
    assert_eq!(state(dir)[0], "results-overdue");
    setup(dir, &plan_with_results());
    let s = state(dir);
    assert_eq!(s[0], "done", "D1's results were sent on 2027-03-01");
    assert_eq!(s[1], "done", "D2's results were sent on 2027-03-08");
    assert_ne!(s[2], "done", "D3 reported nothing");
}

#[test]
fn a_plan_without_results_has_no_results_report() {
    let ws = workspace();
    let dir = ws.path();
    setup(dir, &sample_plan());
    let out = results_letter(dir);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("[deficiency.validation.results]"),
        "{}",
        text(&out)
    );
    assert!(!dir.join("r.pdf").exists());
}

/// The results report dated `date`.
fn results_letter_on(dir: &Path, date: &str) -> std::process::Output {
    letter(
        dir,
        &[
            "validation-results",
            "--plan",
            "plan.toml",
            "--from",
            "company.toml",
            "--to",
            "am.toml",
            "--date",
            date,
            "-o",
            "r.pdf",
        ],
    )
}

#[test]
fn a_results_report_dated_before_the_results_it_reports_is_refused() {
    let ws = workspace();
    let dir = ws.path();
    setup(dir, &plan_with_results());
    // D1: concluded 2027-02-19, sent 2027-03-01; D2: concluded 2027-03-05,
    // sent 2027-03-08.
    for date in ["2027-02-01", "2027-03-07"] {
        let out = results_letter_on(dir, date);
        assert_eq!(out.status.code(), Some(1), "{date}: {}", text(&out));
        for needle in [
            "plan.toml",
            "letter-before-results",
            "D2: results sent 2027-03-08",
        ] {
            assert!(
                text(&out).contains(needle),
                "{date}: {needle}: {}",
                text(&out)
            );
        }
        assert!(
            !dir.join("r.pdf").exists(),
            "{date}: a refused letter was written"
        );
    }
    ok(
        &results_letter_on(dir, "2027-03-08"),
        "results on the day sent",
    );
}

#[test]
fn a_results_report_of_a_plan_with_check_errors_is_refused() {
    let ws = workspace();
    let dir = ws.path();
    // D1: 9 errors of 60 (15%) above its 5% tolerable rate, yet "effective".
    let plan = plan_with_results().replacen("errors = 1\n", "errors = 9\n", 1);
    setup(dir, &plan);
    let out = results_letter_on(dir, DATE);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("plan-has-check-errors"),
        "{}",
        text(&out)
    );
    assert!(!dir.join("r.pdf").exists(), "a refused letter was written");
}

#[test]
fn the_follow_up_notice_states_the_transactions_tested_not_the_number_planned() {
    let ws = workspace();
    let dir = ws.path();
    // D1 planned 60 transactions and tested 58; D3 has no results.
    let plan = plan_with_results().replacen("tested = 60\n", "tested = 58\n", 1);
    setup(dir, &plan);
    write(dir, "fu.toml", "[follow_up]\ndate = 2027-03-30\n");
    let out = letter(
        dir,
        &[
            "follow-up",
            "--plan",
            "plan.toml",
            "--from",
            "am.toml",
            "--data",
            "fu.toml",
            "--date",
            "2027-03-25",
            "--force",
            "--reason",
            "test",
            "-o",
            "f.pdf",
        ],
    );
    ok(&out, "follow-up");
    let t = pdf_text(&dir.join("f.pdf"));
    assert_contains(&t, "Internal Audit Department 58", "follow-up");
    assert!(!t.contains("Department 60"), "{t}");
    assert_contains(&t, "40 planned", "follow-up, D3 without results");
}
