//! The manifest check and embedded-file access on plan-like PDFs: attached
//! documents and `plan.toml` against `manifest.json`, and `--docs DIR`.

mod common;

use std::process::Command;

use cip::keys::Algorithm;
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::{
    FileCheck, ManifestStatus, VerifyOptions, embedded_file, embedded_files, verify_pdf,
};
use common::*;

const PLAN: &[u8] = b"[company]\nname = \"Example Importers Inc.\"\n";
const DOC: &[u8] = b"# Import manual\n\nClassify every entry.\n";

fn sign(k: &TestKey, pdf: &[u8]) -> Vec<u8> {
    let opts = SignOptions {
        time: Some(fixed_time()),
        ..Default::default()
    };
    sign_pdf(pdf, &k.signer, &opts).expect("sign")
}

#[test]
fn embedded_files_are_listed_and_readable_by_name() {
    let pdf = plan_pdf(PLAN, DOC, None);
    let files = embedded_files(&pdf).expect("files");
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["import-manual.md", "manifest.json", "plan.toml"]);
    assert_eq!(
        embedded_file(&pdf, "plan.toml").expect("read").as_deref(),
        Some(PLAN)
    );
    assert_eq!(embedded_file(&pdf, "nope").expect("read"), None);
    // Still readable after signing and after qpdf rewrote it with object streams.
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let xs = to_xref_stream(&sign(&k, &pdf), tmp.path());
    assert_eq!(
        embedded_file(&xs, "import-manual.md")
            .expect("read")
            .as_deref(),
        Some(DOC)
    );
}

#[test]
fn a_matching_manifest_passes_and_a_wrong_hash_fails() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let trust = VerifyOptions {
        trust: vec![k.signer.certificate().clone()],
        docs_dir: None,
    };

    let good = sign(&k, &plan_pdf(PLAN, DOC, None));
    let r = verify_pdf(&good, &trust).expect("verify");
    assert!(r.ok(), "{r:#?}");
    assert_eq!(r.manifest.status, ManifestStatus::Matches);
    assert_eq!(r.manifest.plan_toml, Some(FileCheck::Match));
    assert_eq!(r.manifest.documents[0].embedded, Some(FileCheck::Match));

    let wrong = sign(&k, &plan_pdf(PLAN, DOC, Some(&"ab".repeat(32))));
    let r = verify_pdf(&wrong, &trust).expect("verify");
    assert!(!r.ok());
    assert!(r.signatures[0].ok, "the signature itself is fine");
    assert_eq!(r.manifest.status, ManifestStatus::Mismatch);
    assert_eq!(r.manifest.documents[0].embedded, Some(FileCheck::Mismatch));
}

#[test]
fn docs_dir_files_are_compared_with_the_manifest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let k = make_key(dir, "ed", Algorithm::Ed25519);
    std::fs::write(dir.join("plan.pdf"), sign(&k, &plan_pdf(PLAN, DOC, None))).expect("write");
    let docs = dir.join("docs");
    std::fs::create_dir(&docs).expect("mkdir");
    let verify = || {
        let out = run(Command::new(cip_bin())
            .arg("verify")
            .arg(dir.join("plan.pdf"))
            .arg("--trust")
            .arg(&k.cert)
            .arg("--docs")
            .arg(&docs)
            .args(["--format", "json"]));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        (out.status.code(), v)
    };
    // Not in the folder: nothing to compare, still fine.
    let (code, v) = verify();
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(
        v["manifest"]["documents"][0]["docs_dir"],
        serde_json::Value::Null
    );

    std::fs::write(docs.join("import-manual.md"), DOC).expect("write");
    let (code, v) = verify();
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(v["manifest"]["documents"][0]["docs_dir"], "match");

    std::fs::write(
        docs.join("import-manual.md"),
        b"# Import manual\n\nEdited later.\n",
    )
    .expect("write");
    let (code, v) = verify();
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(v["manifest"]["documents"][0]["docs_dir"], "mismatch");
}
