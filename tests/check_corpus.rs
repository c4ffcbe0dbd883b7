//! `cip check` on a corpus of broken plans: each file in tests/corpus is the
//! smallest plan that breaks one rule, and says on its first line which rule
//! must fire on which line (`# expect: RULE at line N`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn cip() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cip"))
}

fn check_json(path: &Path) -> (i32, Value) {
    let out = cip()
        .args(["check", "--format", "json"])
        .arg(path)
        .output()
        .expect("run cip");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: stdout is not JSON ({e}): {}",
            path.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

fn expectation(path: &Path) -> (String, u64) {
    let text = std::fs::read_to_string(path).expect("read corpus file");
    let first = text.lines().next().unwrap_or_default();
    let rest = first
        .strip_prefix("# expect: ")
        .unwrap_or_else(|| panic!("{}: no `# expect:` line", path.display()));
    let (rule, line) = rest.split_once(" at line ").expect("RULE at line N");
    (rule.to_string(), line.trim().parse().expect("line number"))
}

fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/corpus")
        .expect("tests/corpus")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_has_at_least_25_broken_plans() {
    assert!(corpus().len() >= 25, "only {} corpus files", corpus().len());
}

#[test]
fn minimal_plan_is_clean() {
    let (code, json) = check_json(Path::new("tests/plans/minimal.toml"));
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(0), "{json}");
}

#[test]
fn each_broken_plan_fires_exactly_its_rule_on_its_line() {
    let mut failures = Vec::new();
    for path in corpus() {
        let (rule, line) = expectation(&path);
        let (code, json) = check_json(&path);
        if rule == "toml-syntax" {
            let got = (&json["error"]["rule"], &json["error"]["line"]);
            if code != 2 || got.0 != rule.as_str() || got.1 != line {
                failures.push(format!("{}: exit {code}, got {json}", path.display()));
            }
            continue;
        }
        let errors: Vec<&Value> = json["findings"]
            .as_array()
            .map(|a| a.iter().filter(|f| f["severity"] == "error").collect())
            .unwrap_or_default();
        let ok = code == 1
            && errors.len() == 1
            && errors[0]["rule"] == rule.as_str()
            && errors[0]["line"] == line
            && errors[0]["path"].as_str().is_some_and(|p| !p.is_empty());
        if !ok {
            failures.push(format!(
                "{}: expected {rule} at line {line} (exit 1), got exit {code}: {errors:?}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sample_plan_passes() {
    let (code, json) = check_json(Path::new("samples/acme.toml"));
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["errors"], 0);
    assert_eq!(json["warnings"], 0, "{json}");
}

#[test]
fn human_output_names_file_line_rule_and_hint() {
    let out = cip()
        .args(["check", "tests/corpus/24-validation-transactions-zero.toml"])
        .output()
        .expect("run cip");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    let (_, line) = expectation(Path::new(
        "tests/corpus/24-validation-transactions-zero.toml",
    ));
    assert!(err.contains("validation-transactions"), "{err}");
    assert!(
        err.contains(&format!("24-validation-transactions-zero.toml:{line}:")),
        "{err}"
    );
    assert!(
        err.contains("deficiency[0].validation.transactions"),
        "{err}"
    );
    assert!(err.contains("a whole number above zero"), "{err}");
    assert!(err.contains("transactions = 0"), "snippet missing: {err}");
}

#[test]
fn not_utf8_is_unreadable_with_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("latin1.toml");
    let mut bytes = b"[plan]\ncompany = \"M".to_vec();
    bytes.push(0xFC); // 'ü' in Latin-1
    bytes.extend_from_slice(b"ller\"\n");
    std::fs::write(&p, bytes).expect("write");
    let (code, json) = check_json(&p);
    assert_eq!(code, 2);
    assert_eq!(json["error"]["rule"], "not-utf8");
    assert_eq!(json["error"]["line"], 2);
    assert_eq!(json["error"]["column"], 13);
}

#[test]
fn empty_file_reports_every_missing_part() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("empty.toml");
    std::fs::write(&p, "").expect("write");
    let (code, json) = check_json(&p);
    assert_eq!(code, 1);
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    for r in [
        "company-missing",
        "report-date-missing",
        "responsible-official-missing",
        "approving-official-missing",
        "no-deficiency",
    ] {
        assert!(rules.contains(&r), "{r} not in {rules:?}");
    }
}

#[test]
fn five_megabyte_file_is_handled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("big.toml");
    let base = std::fs::read_to_string("tests/plans/minimal.toml").expect("minimal");
    let filler = "x".repeat(5 * 1024 * 1024);
    let text = base.replace(
        "condition = \"Wrong codes.\"",
        &format!("condition = \"{filler}\""),
    );
    std::fs::write(&p, text).expect("write");
    let (code, json) = check_json(&p);
    assert_eq!(code, 0, "{}", json["findings"]);
}

#[test]
fn missing_file_is_unreadable() {
    let (code, json) = check_json(Path::new("tests/corpus/does-not-exist.toml"));
    assert_eq!(code, 2);
    assert_eq!(json["error"]["rule"], "unreadable");
}

#[test]
fn every_finding_rule_is_listed() {
    let out = cip().args(["check", "x", "--rules"]).output().expect("run");
    let listed = String::from_utf8_lossy(&out.stdout);
    for path in corpus() {
        let (rule, _) = expectation(&path);
        assert!(listed.contains(&rule), "{rule} not in --rules");
    }
}

#[test]
fn every_shape_error_is_reported_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("shapes.toml");
    std::fs::write(
        &p,
        "[plan]\ncompny = \"x\"\nreport_date = \"2026-10-01\"\n[[deficiency]]\nid = 3\nare = \"x\"\n\
         [[deficiency.step]]\nstatus = \"finished\"\ndepartment = [1]\n",
    )
    .expect("write");
    let (code, json) = check_json(&p);
    assert_eq!(code, 1);
    let got: Vec<(String, u64)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let want: Vec<(String, u64)> = [
        ("unknown-key", 2),
        ("wrong-type", 3),
        ("wrong-type", 5),
        ("unknown-key", 6),
        ("invalid-value", 8),
        ("wrong-type", 9),
    ]
    .iter()
    .map(|(r, l)| (r.to_string(), *l))
    .collect();
    assert_eq!(got, want);
    let hints: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["hint"].as_str())
        .collect();
    assert!(hints[0].contains("did you mean `company`?"), "{hints:?}");
}

#[test]
fn results_sent_is_a_known_key_and_must_follow_testing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("sent.toml");
    let base = std::fs::read_to_string("tests/plans/minimal.toml").expect("minimal");
    std::fs::write(&p, format!("{base}results_sent = 2026-12-15\n")).expect("write");
    let (code, json) = check_json(&p);
    assert_eq!(code, 0, "{json}");
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(rules, ["validation-results-sent-early"]);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    // Far more JSON than a pipe buffer holds, so cip is still writing when
    // the reader goes away.
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("many.toml");
    std::fs::write(&p, "[[deficiency]]\n".repeat(500)).expect("write");
    let mut child = cip()
        .args(["check", "--format", "json"])
        .arg(&p)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn explain_quotes_the_framework_and_shows_a_fix() {
    let out = cip()
        .args(["check", "--explain", "validation-tester-missing"])
        .output()
        .expect("run cip");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("From: Validation Action"), "{text}");
    assert!(text.contains("who will conduct the testing"), "{text}");
    assert!(text.contains("tester = "), "{text}");
    let out = cip()
        .args(["check", "--explain", "no-such-rule"])
        .output()
        .expect("run cip");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rules"));
}

/// The lines of `secret` that are not PEM armor, none of which may appear.
fn assert_not_quoted(output: &str, secret: &str, what: &str) {
    for line in secret
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 4)
    {
        assert!(!output.contains(line), "{what} quoted {line:?}:\n{output}");
    }
}

#[test]
fn a_private_key_or_other_file_that_is_not_a_toml_plan_is_never_quoted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let keygen = cip()
        .current_dir(dir)
        .args(["keygen", "--name", "A", "--title", "B", "--key", "k.pem"])
        .args(["--cert", "c.pem"])
        .output()
        .expect("run cip");
    assert!(keygen.status.success(), "{keygen:?}");
    let key = std::fs::read_to_string(dir.join("k.pem")).expect("key");
    // Named like a plan: the PEM marker alone keeps it unquoted.
    std::fs::write(dir.join("key.toml"), &key).expect("write");
    // Valid TOML, so a finding with a source label, but not a plan file.
    let env = "API_TOKEN = \"s3cr3t-t0ken-value\"\n";
    std::fs::write(dir.join("secrets.env"), env).expect("write");
    let all = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    for (file, secret) in [("k.pem", &*key), ("key.toml", &*key), ("secrets.env", env)] {
        for format in ["human", "json"] {
            let out = cip()
                .current_dir(dir)
                .args(["check", "--format", format, file])
                .output()
                .expect("run cip");
            let shown = all(&out);
            assert!(
                shown.contains(file),
                "{file}: the file is not named:\n{shown}"
            );
            assert_not_quoted(&shown, secret, &format!("check --format {format} {file}"));
        }
    }
    // The letter inputs go through the same rule (toml's own messages quote).
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples");
    for (from, data) in [("k.pem", "letter.toml"), ("am.toml", "k.pem")] {
        let flag = if from == "k.pem" { "--from" } else { "--data" };
        let input = |f: &str| {
            if f == "k.pem" {
                dir.join(f)
            } else {
                samples.join(f)
            }
        };
        let mut cmd = cip();
        cmd.current_dir(dir)
            .args(["letter", "acceptance", "--plan"])
            .arg(samples.join("acme.toml"))
            .arg("--from")
            .arg(input(from))
            .arg("--data")
            .arg(input(data))
            .args(["-o", "out.pdf"]);
        let out = cmd.output().expect("run cip");
        let shown = all(&out);
        assert!(!out.status.success() && shown.contains("k.pem"), "{shown}");
        assert_not_quoted(&shown, &key, &format!("letter {flag} k.pem"));
    }
    // A real plan still gets its snippet.
    std::fs::write(dir.join("plan.toml"), "x = 1\n").expect("write");
    let out = cip()
        .current_dir(dir)
        .args(["check", "plan.toml"])
        .output()
        .expect("run cip");
    assert!(all(&out).contains("1 │ x = 1"), "{}", all(&out));
}
