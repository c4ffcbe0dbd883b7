//! `cip letter --batch`: 200 generated plans (TOML and signed PDFs), 3 of
//! them broken: 197 signed letters, 3 clear errors, a non-zero exit code,
//! unique names, and the same bytes when run again.

mod common;
mod letter_common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use letter_common::*;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_batch_of_200_plans_with_3_broken() {
    let ws = workspace();
    let dir = ws.path();
    let base = sample_plan();
    let mut plans: Vec<PathBuf> = Vec::new();
    for i in 0..197 {
        // Two plans of the same company: their names must not collide.
        let company = if i == 7 { 6 } else { i };
        let plan = set_key(
            &base,
            "company",
            &format!("\"Importer {company:03}, Inc.\""),
        );
        let plan = set_key(
            &plan,
            "assessment_report",
            &format!("\"CA-2026-NY-{i:04}\""),
        );
        plans.push(write(dir, &format!("plan-{i:03}.toml"), &plan));
    }
    // Two of the good ones as signed PDFs (what the AM usually has).
    let key = common::make_key(dir, "co", cip::keys::Algorithm::Ed25519);
    for i in [10usize, 20] {
        let toml = plans[i].clone();
        let pdf = dir.join(format!("plan-{i:03}.pdf"));
        let unsigned = dir.join(format!("unsigned-{i:03}.pdf"));
        let out = run(Command::new(cip_bin())
            .arg("render")
            .arg(&toml)
            .arg("-o")
            .arg(&unsigned));
        assert!(out.status.success(), "{}", text(&out));
        let out = run(Command::new(cip_bin())
            .arg("sign")
            .arg(&unsigned)
            .arg("-o")
            .arg(&pdf)
            .arg("--key")
            .arg(&key.key)
            .arg("--cert")
            .arg(&key.cert));
        assert!(out.status.success(), "{}", text(&out));
        plans[i] = pdf;
    }
    // The broken ones: not TOML, a plan with check errors (not acceptable),
    // and a signed plan PDF changed after signing.
    let broken_toml = write(dir, "broken-syntax.toml", "[plan\ncompany = \"Nope\"\n");
    let unacceptable = write(
        dir,
        "broken-check.toml",
        &base.replacen("target = 2026-11-30\n", "", 1),
    );
    let mut tampered = std::fs::read(&plans[20]).unwrap();
    let at = tampered
        .windows(8)
        .position(|w| w == b"Importer")
        .expect("company in the XMP");
    tampered[at] = b'i';
    let tampered_path = dir.join("broken-tampered.pdf");
    std::fs::write(&tampered_path, tampered).unwrap();
    plans.insert(50, broken_toml.clone());
    plans.insert(100, unacceptable.clone());
    plans.insert(150, tampered_path.clone());
    assert_eq!(plans.len(), 200);

    let am = common::make_key(dir, "am", cip::keys::Algorithm::Ed25519);
    let run_batch = |out_dir: &str| {
        let mut cmd = Command::new(cip_bin());
        cmd.current_dir(dir)
            .args([
                "letter",
                "acceptance",
                "--from",
                "am.toml",
                "--date",
                "2026-12-01",
            ])
            .args(["--time", "2026-12-01T09:00:00-05:00", "--key"])
            .arg(&am.key)
            .arg("--cert")
            .arg(&am.cert)
            .args(["--trust"])
            .arg(&key.cert)
            .args(["--out-dir", out_dir, "--batch"])
            .args(&plans);
        run(&mut cmd)
    };
    let out = run_batch("letters");
    let t = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed plan must fail the batch: {t}"
    );
    let letters = files(&dir.join("letters"));
    assert_eq!(letters.len(), 197, "{t}");
    assert!(
        letters
            .keys()
            .all(|n| n.ends_with("-acceptance.pdf") || n.ends_with("-acceptance-2.pdf"))
    );
    assert!(letters.contains_key("importer-006-inc-acceptance.pdf"));
    assert!(letters.contains_key("importer-006-inc-acceptance-2.pdf"));
    assert!(
        !letters.keys().any(|n| n.starts_with('.')),
        "temporary files left"
    );
    let errors: Vec<&str> = t.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 3, "{t}");
    assert!(
        errors[0].contains("broken-syntax.toml") && errors[0].contains("TOML"),
        "{t}"
    );
    assert!(
        errors[1].contains("broken-check.toml") && errors[1].contains("plan-has-check-errors"),
        "{t}"
    );
    assert!(
        errors[2].contains("broken-tampered.pdf") && errors[2].contains("does not verify"),
        "{t}"
    );
    assert!(
        t.contains("197 acceptance letters written") && t.contains("3 failed"),
        "{t}"
    );

    // Each letter is for its own plan, signed, and valid.
    let one = &letters["importer-123-inc-acceptance.pdf"];
    let meta = cip::verify::embedded_file(one, "letter.json")
        .unwrap()
        .unwrap();
    let meta: serde_json::Value = serde_json::from_slice(&meta).unwrap();
    assert_eq!(meta["assessment_report"], "CA-2026-NY-0123");
    let opts = cip::verify::VerifyOptions {
        trust: cip::keys::load_certificates(&am.cert).unwrap(),
        docs_dir: None,
    };
    for (name, bytes) in &letters {
        let report = cip::verify::verify_pdf(bytes, &opts).unwrap();
        assert!(report.ok(), "{name} does not verify");
    }
    let from_pdf = &letters["importer-010-inc-acceptance.pdf"];
    let meta = cip::verify::embedded_file(from_pdf, "letter.json")
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&meta).contains("signed-pdf"));
    let sample = dir.join("letters/importer-123-inc-acceptance.pdf");
    qpdf_check(&sample);
    let (valid, report) = common::pyhanko_validate(&sample, &am.cert);
    assert!(valid, "{report}");

    // Deterministic: the same inputs give the same files, byte for byte.
    let again = run_batch("again");
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(letters, files(&dir.join("again")), "a second run differs");
}
