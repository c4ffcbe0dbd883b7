//! `cip letter`: every kind on the sample plan, read back with pdftotext and
//! checked with qpdf; signed letters validated by pyHanko; letters from
//! signed plan PDFs (and refusal of tampered ones); additional information
//! from real `cip check` findings; template errors.

mod common;
mod letter_common;

use std::path::Path;
use std::process::Command;

use letter_common::*;

const DATE: &str = "2026-12-01";

fn ok(out: &std::process::Output, what: &str) {
    assert!(out.status.success(), "{what} failed: {}", text(out));
}

/// An acceptance letter from the user's template folder `mine`.
const WITH_USER_TEMPLATES: &[&str] = &[
    "acceptance",
    "--templates",
    "mine",
    "--plan",
    "plan.toml",
    "--from",
    "am.toml",
    "-o",
    "x.pdf",
];

fn letter_json(pdf: &Path) -> serde_json::Value {
    let bytes = std::fs::read(pdf).expect("read letter");
    let json = cip::verify::embedded_file(&bytes, "letter.json")
        .expect("readable PDF")
        .expect("letter.json embedded");
    serde_json::from_slice(&json).expect("letter.json is JSON")
}

#[test]
fn every_kind_renders_for_the_sample_plan() {
    let ws = workspace();
    let dir = ws.path();
    write(dir, "plan.toml", &sample_plan());
    let data: toml::Value =
        toml::from_str(&std::fs::read_to_string(dir.join("letter.toml")).unwrap()).unwrap();
    // Items are numbered through the letter: the deficiencies' in plan
    // order, then those about the plan as a whole.
    let mut requests: Vec<(usize, String)> = data["request"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let order = match r.get("deficiency").and_then(|d| d.as_str()) {
                Some(id) => id.trim_start_matches('D').parse::<usize>().unwrap(),
                None => usize::MAX,
            };
            (order, r["text"].as_str().unwrap().to_string())
        })
        .collect();
    requests.sort_by_key(|r| r.0);
    assert!(!requests.is_empty());
    let plan_sha = cip::model::files::sha256_hex(&std::fs::read(dir.join("plan.toml")).unwrap());
    // Extension and follow-up letters need a case that supports them (a
    // request made, full implementation): tests/lifecycle_letters.rs.
    for kind in ["acceptance", "additional-information", "risk-category"] {
        let out_name = format!("{kind}.pdf");
        let out = letter(
            dir,
            &[
                kind,
                "--plan",
                "plan.toml",
                "--from",
                "am.toml",
                "--data",
                "letter.toml",
                "--date",
                DATE,
                "-o",
                &out_name,
            ],
        );
        ok(&out, kind);
        let pdf = dir.join(&out_name);
        qpdf_check(&pdf);
        let t = pdf_text(&pdf);
        for needle in [
            "U.S. CUSTOMS AND BORDER PROTECTION",
            "December 1, 2026",
            "Maria Alvarez",
            "Director, Trade Compliance",
            "RE: Compliance Improvement Plan \u{2014} Acme Imports, Inc. \u{2014} report CA-2026-NY-0412",
            "Dear Ms. Alvarez:",
            // A letter's closing: the signer's lines under the signature
            // space, one per line, without form labels.
            "Sincerely, Patricia Okafor Account Manager New York Field Office",
        ] {
            assert_contains(&t, needle, kind);
        }
        for label in ["Signature", "Office New York", "Date December"] {
            assert!(!t.contains(label), "{kind}: form label {label:?} in:\n{t}");
        }
        // The conditional period: six months from 2026-10-01.
        assert_contains(&t, "April 1, 2027", kind);
        match kind {
            "acceptance" => {
                for needle in [
                    "reasonably address the deficiencies noted on the audit result sheets",
                    "Classification",
                    "Valuation",
                    "Recordkeeping",
                    "\"standard\" compliance risk category",
                    "will not normally conduct the follow-up review until the company has completed its validation action",
                    "Robert Chen",
                ] {
                    assert_contains(&t, needle, kind);
                }
            }
            "additional-information" => {
                for (i, (_, r)) in requests.iter().enumerate() {
                    assert_contains(&t, &format!("{}. {r}", i + 1), kind);
                }
                assert_contains(&t, "January 15, 2027", kind);
            }
            "risk-category" => {
                assert_contains(
                    &t,
                    "Designation of Compliance Risk Category \u{2014} Standard",
                    kind,
                );
                assert_contains(&t, "Compliance risk category standard", kind);
                assert_contains(&t, "4 of 11", kind);
            }
            _ => unreachable!(),
        }
        let meta = letter_json(&pdf);
        assert_eq!(meta["kind"], kind);
        assert_eq!(meta["company"], "Acme Imports, Inc.");
        assert_eq!(meta["assessment_report"], "CA-2026-NY-0412");
        assert_eq!(meta["date"], DATE);
        assert_eq!(meta["plan_toml_sha256"], plan_sha.as_str());
        let bytes = std::fs::read(&pdf).unwrap();
        let embedded = cip::verify::embedded_file(&bytes, "plan.toml")
            .unwrap()
            .unwrap();
        assert_eq!(embedded, std::fs::read(dir.join("plan.toml")).unwrap());
    }
}

#[test]
fn period_end_is_clamped_to_the_month_end() {
    let ws = workspace();
    let dir = ws.path();
    let plan = set_key(&sample_plan(), "report_date", "2026-08-31");
    write(dir, "plan.toml", &plan);
    // Without --data, the risk category is derived from the plan.
    let out = letter(
        dir,
        &[
            "risk-category",
            "--plan",
            "plan.toml",
            "--from",
            "am.toml",
            "--date",
            DATE,
            "-o",
            "r.pdf",
        ],
    );
    ok(&out, "risk-category");
    let t = pdf_text(&dir.join("r.pdf"));
    assert_contains(
        &t,
        "February 28, 2027",
        "period end of a report dated 2026-08-31",
    );
    assert!(
        !t.contains("February 31") && !t.contains("March 3, 2027"),
        "{t}"
    );
    // Leap year: 2027-08-31 + 6 months = 2028-02-29.
    let plan = set_key(&sample_plan(), "report_date", "2027-08-31");
    write(dir, "plan.toml", &plan);
    let out = letter(
        dir,
        &[
            "additional-information",
            "--plan",
            "plan.toml",
            "--from",
            "am.toml",
            "--date",
            "2027-09-15",
            "-o",
            "a.pdf",
        ],
    );
    ok(&out, "additional-information");
    assert_contains(
        &pdf_text(&dir.join("a.pdf")),
        "February 29, 2028",
        "leap-year period end",
    );
}

#[test]
fn additional_information_lists_each_check_problem_per_deficiency() {
    let ws = workspace();
    let dir = ws.path();
    let mut plan = sample_plan();
    // D1: a step without target date; D2: validation without tester;
    // the plan as a whole: not addressed to anyone.
    plan = plan.replacen("target = 2026-11-30\n", "", 1);
    plan = plan.replacen("tester = \"External auditor (Baker & Lowe LLP)\"\n", "", 1);
    plan = plan.replacen(
        "submitted_to = \"Account Manager, Regulatory Audit Division\"\n",
        "",
        1,
    );
    write(dir, "bad.toml", &plan);
    let check = run(Command::new(cip_bin())
        .current_dir(dir)
        .args(["check", "bad.toml", "--format", "json"]));
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() >= 3, "{findings:?}");

    let out = letter(
        dir,
        &[
            "additional-information",
            "--plan",
            "bad.toml",
            "--from",
            "am.toml",
            "--date",
            DATE,
            "-o",
            "ai.pdf",
        ],
    );
    ok(&out, "additional-information");
    // Finding messages quote ids in backticks; letters in typographic quotes.
    let t = pdf_text(&dir.join("ai.pdf")).replace(['\u{201c}', '\u{201d}'], "");
    let d1 = t.find("Deficiency D1").expect("a D1 section");
    let d2 = t.find("Deficiency D2").expect("a D2 section");
    let whole = t
        .find("The plan as a whole")
        .expect("a section for the plan as a whole");
    assert!(d1 < d2 && d2 < whole, "{t}");
    for f in findings {
        let msg = f["message"].as_str().unwrap().replace('`', "");
        // The letter asks for what the finding says is missing ("Provide
        // the target date of …", "State who conducts …"), not the finding.
        let what = msg
            .trim_end_matches(" is missing")
            .trim_end_matches(" is empty");
        assert_ne!(
            what, msg,
            "a finding of this test is not about a missing value: {msg}"
        );
        let words = squash(&what[1..]);
        // Plain words, never the rule id.
        assert!(
            !t.contains(f["rule"].as_str().unwrap()),
            "rule id in the letter: {t}"
        );
        let at = t
            .find(&words)
            .unwrap_or_else(|| panic!("finding {words:?} not in the letter:\n{t}"));
        let section = match f.get("deficiency").and_then(|d| d.as_u64()) {
            Some(0) => (d1, d2),
            Some(1) => (d2, whole),
            None => (whole, t.len()),
            Some(n) => panic!("unexpected deficiency {n}"),
        };
        assert!(
            at > section.0 && at < section.1,
            "{words:?} is not under its deficiency"
        );
    }
    // A plan with nothing to ask is refused for this kind.
    write(dir, "good.toml", &sample_plan());
    let out = letter(
        dir,
        &[
            "additional-information",
            "--plan",
            "good.toml",
            "--from",
            "am.toml",
            "--date",
            DATE,
            "-o",
            "none.pdf",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("nothing to ask"), "{}", text(&out));
    assert!(!dir.join("none.pdf").exists());
    // And an acceptance letter for the plan with errors is refused.
    let out = letter(
        dir,
        &[
            "acceptance",
            "--plan",
            "bad.toml",
            "--from",
            "am.toml",
            "--date",
            DATE,
            "-o",
            "acc.pdf",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("check error"), "{}", text(&out));
    assert!(!dir.join("acc.pdf").exists());
}

/// A signed plan PDF: `cip render` + `cip sign` with a fresh key.
fn signed_plan(dir: &Path) -> (std::path::PathBuf, common::TestKey) {
    write(dir, "plan.toml", &sample_plan());
    let out = run(Command::new(cip_bin()).current_dir(dir).args([
        "render",
        "plan.toml",
        "-o",
        "plan.pdf",
    ]));
    ok(&out, "render");
    let key = common::make_key(dir, "company", cip::keys::Algorithm::Ed25519);
    let out = run(Command::new(cip_bin())
        .current_dir(dir)
        .args(["sign", "plan.pdf", "-o", "plan-signed.pdf", "--key"])
        .arg(&key.key)
        .arg("--cert")
        .arg(&key.cert));
    ok(&out, "sign");
    (dir.join("plan-signed.pdf"), key)
}

#[test]
fn signed_letters_from_a_signed_plan_validate_and_are_reproducible() {
    let ws = workspace();
    let dir = ws.path();
    let (plan_pdf, company) = signed_plan(dir);
    let am = common::make_key(dir, "am", cip::keys::Algorithm::Ed25519);
    let time = "2026-12-01T09:00:00-05:00";
    let issue = |out: &str, trust: bool| {
        let mut args = vec![
            "acceptance".to_string(),
            "--plan".into(),
            plan_pdf.display().to_string(),
            "--from".into(),
            "am.toml".into(),
            "--date".into(),
            DATE.into(),
            "--key".into(),
            am.key.display().to_string(),
            "--cert".into(),
            am.cert.display().to_string(),
            "--time".into(),
            time.into(),
            "-o".into(),
            out.into(),
        ];
        if trust {
            args.push("--trust".into());
            args.push(company.cert.display().to_string());
        }
        letter(dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // The plan's signer is not trusted: a warning, not a refusal.
    let out = issue("a.pdf", false);
    ok(&out, "letter from an untrusted signed plan");
    assert!(
        text(&out).contains("warning") && text(&out).contains("not trusted"),
        "{}",
        text(&out)
    );
    let out = issue("b.pdf", true);
    ok(&out, "letter from a trusted signed plan");
    assert!(!text(&out).contains("warning"), "{}", text(&out));
    let (a, b) = (dir.join("a.pdf"), dir.join("b.pdf"));
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "same inputs, date and signing time must give the same bytes"
    );
    qpdf_check(&a);
    let (valid, report) = common::pyhanko_validate(&a, &am.cert);
    assert!(valid, "pyHanko rejects the signed letter: {report}");
    assert!(report.contains("account_manager"), "{report}");
    let verify = run(Command::new(cip_bin())
        .args(["verify", "--trust"])
        .arg(&am.cert)
        .arg(&a));
    ok(&verify, "cip verify");
    let t = pdf_text(&a);
    assert_contains(&t, "Acme Imports, Inc.", "letter from PDF");
    assert_contains(
        &t,
        "Digitally signed by Jane Q. Official",
        "visible signature",
    );
    assert_eq!(letter_json(&a)["plan_source"], "signed-pdf");
}

#[test]
fn a_tampered_or_unsigned_plan_pdf_is_refused() {
    let ws = workspace();
    let dir = ws.path();
    let (plan_pdf, _) = signed_plan(dir);
    let mut bytes = std::fs::read(&plan_pdf).unwrap();
    // The XMP metadata is stored uncompressed: change the company's name there.
    let at = bytes
        .windows(12)
        .position(|w| w == b"Acme Imports")
        .expect("company name in the XMP");
    bytes[at] = b'X';
    std::fs::write(dir.join("tampered.pdf"), &bytes).unwrap();
    for (input, why) in [("tampered.pdf", "is not valid"), ("plan.pdf", "not signed")] {
        let out = letter(
            dir,
            &[
                "acceptance",
                "--plan",
                input,
                "--from",
                "am.toml",
                "--date",
                DATE,
                "-o",
                "refused.pdf",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{input}: {}", text(&out));
        let t = text(&out);
        assert!(t.contains("does not verify"), "{input}: {t}");
        assert!(t.contains(why), "{input}: {t}");
        assert!(t.contains("verification report"), "{input}: {t}");
        assert!(
            !dir.join("refused.pdf").exists(),
            "a refused letter left a file"
        );
    }
}

#[test]
fn template_errors_name_file_line_and_variable() {
    let ws = workspace();
    let dir = ws.path();
    write(dir, "plan.toml", &sample_plan());
    let out = letter(dir, &["--export-templates", "mine"]);
    ok(&out, "export");
    let list = letter(dir, &["--list", "--templates", "mine"]);
    ok(&list, "list");
    for k in [
        "acceptance",
        "additional-information",
        "extension",
        "follow-up",
        "risk-category",
    ] {
        assert!(text(&list).contains(k), "{}", text(&list));
    }
    // Exporting again never overwrites.
    let again = letter(dir, &["--export-templates", "mine"]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));

    // A typo on a known line.
    let path = dir.join("mine/acceptance.md.tera");
    let src = std::fs::read_to_string(&path).unwrap();
    let line = src
        .lines()
        .position(|l| l.contains("{{ plan.assessment_report }}"))
        .expect("a line with the report")
        + 1;
    std::fs::write(
        &path,
        src.replacen(
            "{{ plan.assessment_report }}",
            "{{ plan.asessment_report }}",
            1,
        ),
    )
    .unwrap();
    let out = letter(dir, WITH_USER_TEMPLATES);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(&format!("acceptance.md.tera:{line}:")),
        "file and line: {t}"
    );
    assert!(t.contains("asessment_report"), "variable: {t}");
    assert!(!dir.join("x.pdf").exists());
    // Unknown top-level variable.
    std::fs::write(&path, "Dear {{ adressee }}:\n").unwrap();
    let out = letter(dir, WITH_USER_TEMPLATES);
    let t = text(&out);
    assert!(
        t.contains("acceptance.md.tera:1:") && t.contains("`adressee`"),
        "{t}"
    );

    // Including a file outside the folder is refused, naming the line.
    for target in ["/etc/passwd", "../plan.toml"] {
        std::fs::write(
            &path,
            format!("Dear reader:\n\n{{% include \"{target}\" %}}\n"),
        )
        .unwrap();
        let out = letter(dir, WITH_USER_TEMPLATES);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let t = text(&out);
        assert!(
            t.contains("acceptance.md.tera:3") && t.contains("refused") && t.contains(target),
            "{t}"
        );
        assert!(!t.contains("root:"), "file content leaked: {t}");
        assert!(!dir.join("x.pdf").exists());
    }
    // A syntax error names the line too.
    std::fs::write(&path, "Dear reader:\n{% if %}\n").unwrap();
    let out = letter(dir, WITH_USER_TEMPLATES);
    let t = text(&out);
    assert!(
        t.contains("acceptance.md.tera:2:") && t.contains("syntax"),
        "{t}"
    );

    // A user template that works: a new kind, with Markdown escaping.
    std::fs::write(
        dir.join("mine/reminder.md.tera"),
        "Dear {{ company.responsible_official.name }}:\n\n**Reminder** for {{ company.name }}: period ends {{ plan.period_end.long }}.\n",
    )
    .unwrap();
    std::fs::write(&path, "Dear {{ company.name }}:\n").unwrap();
    let out = letter(
        dir,
        &[
            "reminder",
            "--templates",
            "mine",
            "--plan",
            "plan.toml",
            "--from",
            "am.toml",
            "--date",
            DATE,
            "-o",
            "r.pdf",
        ],
    );
    ok(&out, "custom kind");
    let t = pdf_text(&dir.join("r.pdf"));
    assert_contains(
        &t,
        "Reminder for Acme Imports, Inc.: period ends April 1, 2027.",
        "custom kind",
    );
}

/// The README documents every variable of the context, and nothing else.
#[test]
fn templates_readme_documents_the_context() {
    let ws = workspace();
    let dir = ws.path();
    write(dir, "plan.toml", &sample_plan());
    // A recorded case, so that every optional part of the context is there.
    write(
        dir,
        "plan.case.toml",
        "[[extension]]\nrequested = 2027-03-15\ndecided = 2027-03-25\ndecision = \"granted\"\nnew_deadline = 2027-06-30\nreason = \"the ERP changes are in testing\"\n\n[[follow_up]]\nstarted = 2027-06-20\n",
    );
    // A template that dumps the top-level variable names it can see.
    std::fs::create_dir(dir.join("t")).unwrap();
    let readme = std::fs::read_to_string(repo().join("templates/README.md")).unwrap();
    let mut documented = std::collections::BTreeSet::new();
    for line in readme.lines() {
        if let Some(rest) = line.strip_prefix("| `") {
            let name = rest.split('`').next().unwrap();
            documented.insert(name.to_string());
        }
    }
    assert!(documented.len() > 40, "{documented:?}");
    // Render each documented path; a wrong one is an undefined-variable error.
    let mut body = String::from("Dear reader:\n\n");
    for name in &documented {
        let expr = if let Some(rest) = name.strip_prefix("d.") {
            format!("deficiencies[0].{rest}")
        } else {
            name.clone()
        };
        // Printing an undefined field is an error naming it (`set` is not).
        body.push_str(&format!("{name}: {{{{ {expr} }}}}\n\n"));
    }
    std::fs::write(dir.join("t/all.md.tera"), &body).unwrap();
    let out = letter(
        dir,
        &[
            "all",
            "--templates",
            "t",
            "--plan",
            "plan.toml",
            "--from",
            "am.toml",
            "--data",
            "letter.toml",
            "--date",
            "2027-06-25",
            "--markdown",
        ],
    );
    ok(&out, "every documented variable renders");
    // Every top-level variable is documented.
    std::fs::write(dir.join("t/all.md.tera"), "Dear reader:\n").unwrap();
    let out = letter(
        dir,
        &[
            "all",
            "--templates",
            "t",
            "--plan",
            "plan.toml",
            "--from",
            "am.toml",
            "--markdown",
        ],
    );
    ok(&out, "minimal template");
    std::fs::write(dir.join("t/all.md.tera"), "{{ no_such_variable }}").unwrap();
    let out = letter(
        dir,
        &[
            "all",
            "--templates",
            "t",
            "--plan",
            "plan.toml",
            "--from",
            "am.toml",
            "--markdown",
        ],
    );
    let t = text(&out);
    let available = t
        .split("Available variables: ")
        .nth(1)
        .expect("tera lists the variables")
        .lines()
        .next()
        .unwrap();
    for v in available.split(", ") {
        assert!(
            documented.contains(v.trim()),
            "`{v}` is not in templates/README.md"
        );
    }
}

#[test]
fn a_template_whose_loops_render_gigabytes_fails_fast() {
    let ws = workspace();
    let dir = ws.path();
    write(dir, "plan.toml", &sample_plan());
    std::fs::create_dir(dir.join("mine")).expect("mkdir");
    // 3,000 x 3,000 lines of 60 bytes: 540 MB of Markdown if let run.
    write(
        dir,
        "mine/acceptance.md.tera",
        "# Letter\n{% for i in range(end=3000) %}{% for j in range(end=3000) %}Lorem ipsum dolor sit amet, consectetur {{ i }} {{ j }}.\n{% endfor %}{% endfor %}\n",
    );
    let r = common::run_bounded(
        Command::new(cip_bin())
            .current_dir(dir)
            .arg("letter")
            .args(WITH_USER_TEMPLATES),
    );
    common::assert_bounded("nested loops", &r, &[1]);
    let out = text(&r.0);
    assert!(
        out.contains("mine/acceptance.md.tera") && out.contains("larger than 1048576 bytes"),
        "{out}"
    );
    assert!(!dir.join("x.pdf").exists());
}
