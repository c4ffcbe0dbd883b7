//! `cip letter transmittal`: the company's letter sending its plan to the
//! account manager — letterhead, greeting, the enclosed plan and documents
//! with their SHA-256, the approving official's closing, the embedded
//! data, qpdf, pyHanko on the signed letter, and a golden layout text.

mod common;
mod letter_common;

use std::path::Path;
use std::process::Command;

use letter_common::*;

const DATE: &str = "2026-11-24";

fn ok(out: &std::process::Output, what: &str) {
    assert!(out.status.success(), "{what} failed: {}", text(out));
}

fn setup(dir: &Path) {
    write(dir, "plan.toml", &sample_plan());
    std::fs::copy(
        repo().join("samples/company.toml"),
        dir.join("company.toml"),
    )
    .expect("copy company.toml");
}

fn embedded(pdf: &Path, name: &str) -> Vec<u8> {
    let bytes = std::fs::read(pdf).expect("read letter");
    cip::verify::embedded_file(&bytes, name)
        .expect("readable PDF")
        .unwrap_or_else(|| panic!("{name} embedded"))
}

#[test]
fn the_transmittal_lists_the_plan_and_documents_with_digests_and_reads_as_a_letter() {
    let ws = workspace();
    let dir = ws.path();
    setup(dir);
    let out = letter(
        dir,
        &[
            "transmittal",
            "--plan",
            "plan.toml",
            "--from",
            "company.toml",
            "--to",
            "am.toml",
            "--date",
            DATE,
            "-o",
            "t.pdf",
        ],
    );
    ok(&out, "transmittal");
    let pdf = dir.join("t.pdf");
    qpdf_check(&pdf);
    let t = pdf_text(&pdf);
    let plan_sha =
        cip::model::files::sha256_hex(&std::fs::read(dir.join("plan.toml")).expect("plan"));
    let doc_sha = cip::model::files::sha256_hex(
        &std::fs::read(dir.join("docs/import-manual.md")).expect("doc"),
    );
    for needle in [
        "ACME IMPORTS, INC.",
        "November 24, 2026",
        "Patricia Okafor Account Manager New York Field Office",
        "Dear Ms. Okafor:",
        "Acme Imports, Inc. submits its Compliance Improvement Plan (CIP)",
        &format!("Compliance Improvement Plan — file plan.toml, SHA-256 {plan_sha}"),
        &format!("file import-manual.md, SHA-256 {doc_sha}"),
        "Sincerely, Robert Chen Chief Financial Officer Acme Imports, Inc.",
        "Enclosures: plan.toml;",
        "cc: Maria Alvarez",
    ] {
        assert_contains(&t, needle, "transmittal");
    }
    for label in ["Signature", "Approving official"] {
        assert!(!t.contains(label), "form label {label:?} in:\n{t}");
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&embedded(&pdf, "transmittal.json")).expect("JSON");
    assert_eq!(meta["kind"], "transmittal");
    assert_eq!(meta["enclosed"][0]["sha256"], plan_sha.as_str());
    assert_eq!(meta["signer"], "Robert Chen, Chief Financial Officer");
    assert_eq!(
        embedded(&pdf, "plan.toml"),
        std::fs::read(dir.join("plan.toml")).expect("plan")
    );

    // Golden layout text (UPDATE_GOLDEN=1 rewrites it); the digests depend
    // on the sample files, so the plan's is masked.
    let out = run(Command::new(tool("pdftotext"))
        .arg("-layout")
        .arg(&pdf)
        .arg("-"));
    let text = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| mask_digests(l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n");
    let golden = repo().join("tests/golden/transmittal.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &text).expect("write golden");
    } else {
        let want = std::fs::read_to_string(&golden).expect("tests/golden/transmittal.txt");
        assert!(
            want == text,
            "the transmittal's layout changed; compare with {} (UPDATE_GOLDEN=1 to accept):\n{text}",
            golden.display()
        );
    }
}

/// A line with every 64-hex-digit word as `<sha256>`, so that the golden
/// text does not change with the sample files' contents.
fn mask_digests(line: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() == 64 && word.chars().all(|c| c.is_ascii_hexdigit()) {
            out.push_str("<sha256>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in line.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[test]
fn the_signed_transmittal_validates() {
    let ws = workspace();
    let dir = ws.path();
    setup(dir);
    let key = common::make_key(dir, "company", cip::keys::Algorithm::Ed25519);
    let out = letter(
        dir,
        &[
            "transmittal",
            "--plan",
            "plan.toml",
            "--from",
            "company.toml",
            "--date",
            DATE,
            "--key",
            &key.key.display().to_string(),
            "--cert",
            &key.cert.display().to_string(),
            "--time",
            "2026-11-24T09:00:00-05:00",
            "-o",
            "t.pdf",
        ],
    );
    ok(&out, "signed transmittal");
    let pdf = dir.join("t.pdf");
    qpdf_check(&pdf);
    let (valid, report) = common::pyhanko_validate(&pdf, &key.cert);
    assert!(valid, "pyHanko rejects the signed transmittal: {report}");
    assert!(report.contains("company_official"), "{report}");
    let t = pdf_text(&pdf);
    // Without --to, the plan's `submitted_to` is the addressee.
    assert_contains(&t, "Dear Account Manager:", "transmittal without --to");
    assert_contains(&t, "Digitally signed by", "visible signature");
}

#[test]
fn a_company_profile_without_a_name_is_refused_naming_the_file() {
    let ws = workspace();
    let dir = ws.path();
    setup(dir);
    write(dir, "bad.toml", "name = \"\"\n");
    let out = letter(
        dir,
        &["transmittal", "--plan", "plan.toml", "--from", "bad.toml"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("bad.toml") && text(&out).contains("`name`"),
        "{}",
        text(&out)
    );
    write(dir, "bad.toml", "name = \"X\"\nletterheed = []\n");
    let out = letter(
        dir,
        &["transmittal", "--plan", "plan.toml", "--from", "bad.toml"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("letterheed"), "{}", text(&out));
}

/// The sample plan without D3's validation action (a `cip check` error).
fn plan_without_d3_validation() -> String {
    let plan = sample_plan();
    let at = plan
        .rfind("[deficiency.validation]")
        .expect("D3's validation");
    let end = plan[at..]
        .find("\n\n")
        .map(|n| at + n)
        .unwrap_or(plan.len());
    format!("{}{}", &plan[..at], &plan[end..])
}

#[test]
fn a_transmittal_of_a_plan_with_check_errors_is_refused_and_claims_no_missing_validation() {
    let ws = workspace();
    let dir = ws.path();
    setup(dir);
    write(dir, "plan.toml", &plan_without_d3_validation());
    let args = [
        "transmittal",
        "--plan",
        "plan.toml",
        "--from",
        "company.toml",
        "--date",
        DATE,
        "-o",
        "t.pdf",
    ];
    let out = letter(dir, &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    for needle in ["plan.toml", "refused", "plan-has-check-errors", "cip check"] {
        assert!(text(&out).contains(needle), "{needle}: {}", text(&out));
    }
    assert!(!dir.join("t.pdf").exists(), "a refused letter was written");

    // Overridden, the letter says which deficiencies have a validation
    // action rather than "the validation action for each".
    let mut forced = args.to_vec();
    forced.extend(["--force", "--reason", "sent at the AM's request"]);
    let out = letter(dir, &forced);
    ok(&out, "forced transmittal");
    let t = pdf_text(&dir.join("t.pdf"));
    assert_contains(
        &t,
        "for the 3 deficiencies noted on the audit result sheets, with a validation action for 2 of them, and has been approved",
        "transmittal",
    );
    assert!(!t.contains("for each"), "{t}");
    let meta: serde_json::Value =
        serde_json::from_slice(&embedded(&dir.join("t.pdf"), "transmittal.json")).expect("JSON");
    assert_eq!(meta["override"]["reason"], "sent at the AM's request");
}

#[test]
fn a_transmittal_dated_before_the_plan_was_approved_is_refused() {
    let ws = workspace();
    let dir = ws.path();
    setup(dir);
    // Prepared 2026-11-20, approved 2026-11-24.
    for (date, codes) in [
        ("2026-11-21", &["letter-before-approval"][..]),
        (
            "2026-11-01",
            &["letter-before-prepared", "letter-before-approval"][..],
        ),
    ] {
        let out = letter(
            dir,
            &[
                "transmittal",
                "--plan",
                "plan.toml",
                "--from",
                "company.toml",
                "--date",
                date,
                "-o",
                "t.pdf",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{date}: {}", text(&out));
        for code in codes {
            assert!(text(&out).contains(code), "{date}: {code}: {}", text(&out));
        }
        assert!(text(&out).contains("2026-11-24"), "{}", text(&out));
        assert!(
            !dir.join("t.pdf").exists(),
            "{date}: a refused letter was written"
        );
    }
}

/// The letterhead and closing print the profile's name, the subject the
/// plan's company: a profile of another company would make one company's
/// letter about another's plan. The same name written differently agrees.
#[test]
fn a_profile_of_another_company_is_refused() {
    let ws = workspace();
    let dir = ws.path();
    setup(dir);
    let profile = std::fs::read_to_string(dir.join("company.toml")).expect("profile");
    let other = profile.replace(
        "name = \"Acme Imports, Inc.\"",
        "name = \"Beta Trading LLC\"",
    );
    assert_ne!(
        other, profile,
        "the sample profile names Acme Imports, Inc."
    );
    write(dir, "beta.toml", &other);
    let args = |from: &'static str| {
        [
            "transmittal",
            "--plan",
            "plan.toml",
            "--from",
            from,
            "--date",
            DATE,
            "-o",
            "t.pdf",
        ]
    };
    let out = letter(dir, &args("beta.toml"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    for needle in [
        "profile-names-another-company",
        "Beta Trading LLC",
        "Acme Imports, Inc.",
    ] {
        assert!(text(&out).contains(needle), "{needle}: {}", text(&out));
    }
    assert!(!dir.join("t.pdf").exists(), "a refused letter was written");

    write(
        dir,
        "acme-caps.toml",
        &profile.replace(
            "name = \"Acme Imports, Inc.\"",
            "name = \"ACME IMPORTS INC\"",
        ),
    );
    ok(
        &letter(dir, &args("acme-caps.toml")),
        "same company, other spelling",
    );
}
