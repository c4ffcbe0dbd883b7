//! Long-term validation (issue 14): cip's B-LT (`cip ltv add`) and B-LTA
//! (`cip timestamp`) files judged by cip and pyHanko, and a pyHanko-made
//! B-LTA file judged by cip, against a local TSA (tests/tsa_common).

mod common;
mod tsa_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use tsa_common::{Pki, Tsa, setup};

fn cip(args: &[&str]) -> Output {
    run(Command::new(cip_bin()).args(args))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn pyhanko(pdf: &Path, ca: &Path, extra: &[&str]) -> (bool, String) {
    let out = run(Command::new(tool("pyhanko"))
        .args(["sign", "validate", "--pretty-print", "--trust"])
        .arg(ca)
        .arg("--trust-replace")
        .args(extra)
        .arg(pdf));
    (out.status.success(), text(&out))
}

/// Signed with a timestamp, validation data added, then a document
/// timestamp: B-T, B-LT and B-LTA files of one signature.
fn levels(pki: &Pki, tsa: &Tsa) -> (PathBuf, PathBuf, PathBuf) {
    let (key, cert) = pki.signer("lta", 365);
    let input = pki.path("in.pdf");
    std::fs::write(&input, sample_pdf(true)).expect("write");
    let bt = pki.path("bt.pdf");
    let o = cip(&[
        "sign",
        s(&input),
        "--key",
        s(&key),
        "--cert",
        s(&cert),
        "--tsa",
        &tsa.url(""),
        "-o",
        s(&bt),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let lt = pki.path("lt.pdf");
    let o = cip(&[
        "ltv",
        "add",
        s(&bt),
        "--crl",
        s(&pki.path("ca.crl")),
        "--cert",
        s(&pki.path("ca.pem")),
        "-o",
        s(&lt),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 CRLs"), "{}", text(&o));
    let lta = pki.path("lta.pdf");
    let o = cip(&["timestamp", s(&lt), "--tsa", &tsa.url(""), "-o", s(&lta)]);
    assert!(o.status.success(), "{}", text(&o));
    (bt, lt, lta)
}

#[test]
fn b_lt_and_b_lta_files_are_verified_by_cip_and_pyhanko() {
    let (pki, tsa) = setup();
    let (_bt, lt, lta) = levels(&pki, &tsa);
    let ca = pki.path("ca.pem");
    // B-LT: the DSS is reported, the signature has its VRI entry.
    let o = cip(&["verify", s(&lt), "--trust", s(&ca)]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("validation data (DSS): 3 certificates, 1 CRLs"),
        "{t}"
    );
    assert!(t.contains("validation data: in the DSS (VRI entry)"), "{t}");
    // The signature's "later changes" line names the DSS update, not only
    // signatures (it added no signature at all).
    assert!(
        t.contains("later changes: validation data (DSS) only"),
        "{t}"
    );
    let (ok, report) = pyhanko(&lt, &ca, &[]);
    assert!(ok, "pyHanko rejects cip's B-LT file:\n{report}");
    // B-LTA: the document timestamp is listed with its coverage.
    let o = cip(&["verify", s(&lta), "--trust", s(&ca)]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("document timestamp 1 (field Signature1): valid"),
        "{t}"
    );
    assert!(t.contains("covers: the whole file"), "{t}");
    assert!(
        t.contains("later changes: a second signature and validation data (DSS) only"),
        "{t}"
    );
    let o = cip(&["verify", s(&lta), "--trust", s(&ca), "--format", "json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(j["document_timestamps"][0]["ok"], true, "{j}");
    assert_eq!(
        j["document_timestamps"][0]["timestamp"]["trusted"], true,
        "{j}"
    );
    assert_eq!(j["dss"]["crls"], 1, "{j}");
    let (ok, report) = pyhanko(&lta, &ca, &[]);
    assert!(ok, "pyHanko rejects cip's B-LTA file:\n{report}");
    // A second document timestamp (renewal) keeps everything valid.
    let again = pki.path("lta2.pdf");
    let o = cip(&["timestamp", s(&lta), "--tsa", &tsa.url(""), "-o", s(&again)]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cip(&["verify", s(&again), "--trust", s(&ca)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("document timestamp 2"), "{}", text(&o));
    let (ok, report) = pyhanko(&again, &ca, &[]);
    assert!(ok, "pyHanko rejects a twice-timestamped file:\n{report}");
}

#[test]
fn an_expired_tsa_is_renewed_by_a_later_document_timestamp() {
    let (pki, tsa) = setup();
    let (key, cert) = pki.signer("renew", 3000);
    let input = pki.path("in.pdf");
    std::fs::write(&input, sample_pdf(true)).expect("write");
    // Signature timestamp from the TSA certificate that expires in 20 days.
    let bt = pki.path("bt-short.pdf");
    let o = cip(&[
        "sign",
        s(&input),
        "--key",
        s(&key),
        "--cert",
        s(&cert),
        "--tsa",
        &tsa.url("short"),
        "-o",
        s(&bt),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let ca = pki.path("ca.pem");
    let later = (chrono::Utc::now() + chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let o = cip(&["verify", s(&bt), "--trust", s(&ca), "--at", &later]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("no later document timestamp renews it"),
        "{}",
        text(&o)
    );
    // A document timestamp from the long-lived TSA renews the proof.
    let lta = pki.path("renewed.pdf");
    let o = cip(&["timestamp", s(&bt), "--tsa", &tsa.url(""), "-o", s(&lta)]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cip(&["verify", s(&lta), "--trust", s(&ca), "--at", &later]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn cip_accepts_a_pyhanko_b_lta_file() {
    let (pki, tsa) = setup();
    let (key, _chain) = pki.signer("pyh", 365);
    let input = pki.path("in.pdf");
    std::fs::write(&input, sample_pdf(true)).expect("write");
    let out = pki.path("pyhanko-lta.pdf");
    let ca = pki.path("ca.pem");
    let o = run(Command::new(tool("pyhanko"))
        .args([
            "sign",
            "addsig",
            "--field",
            "Sig1",
            "--timestamp-url",
            &tsa.url(""),
        ])
        .args([
            "--use-pades",
            "--with-validation-info",
            "--use-pades-lta",
            "--trust",
        ])
        .arg(&ca)
        .args(["--trust-replace", "pemder", "--no-pass", "--key"])
        .arg(&key)
        .arg("--cert")
        .arg(pki.path("pyh-only.pem"))
        .arg("--chain")
        .arg(&ca)
        .arg(&input)
        .arg(&out));
    assert!(o.status.success(), "pyHanko B-LTA signing: {}", text(&o));
    let o = cip(&["verify", s(&out), "--trust", s(&ca)]);
    let t = text(&o);
    assert!(o.status.success(), "cip rejects pyHanko's B-LTA file: {t}");
    assert!(t.contains("timestamped at: "), "{t}");
    assert!(t.contains("document timestamp 1"), "{t}");
    assert!(t.contains("validation data (DSS)"), "{t}");
}

/// The README's sample: the sample plan rendered and signed with a
/// timestamp, validation data added, a document timestamp on top, and the
/// company's transmittal letter signed with a timestamp too. Prints
/// `cip verify` and `pyhanko sign validate` on the B-LTA plan.
#[test]
fn render_and_letters_take_a_tsa_and_the_plan_goes_to_b_lta() {
    let (pki, tsa) = setup();
    let (key, cert) = pki.signer("cfo", 1095);
    let ca = pki.path("ca.pem");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let plan = pki.path("acme.pdf");
    let o = run(Command::new(cip_bin()).current_dir(repo).args([
        "render",
        "samples/acme.toml",
        "-o",
        s(&plan),
        "--sign",
        "--key",
        s(&key),
        "--cert",
        s(&cert),
        "--tsa",
        &tsa.url(""),
    ]));
    assert!(o.status.success(), "render --sign --tsa: {}", text(&o));
    let letter = pki.path("acme-transmittal.pdf");
    let o = run(Command::new(cip_bin()).current_dir(repo).args([
        "letter",
        "transmittal",
        "--plan",
        s(&plan),
        "--trust",
        s(&ca),
        "--from",
        "samples/company.toml",
        "--to",
        "samples/am.toml",
        "--key",
        s(&key),
        "--cert",
        s(&cert),
        "--tsa",
        &tsa.url(""),
        "-o",
        s(&letter),
    ]));
    assert!(o.status.success(), "letter --tsa: {}", text(&o));
    let o = cip(&["verify", s(&letter), "--trust", s(&ca)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("token valid, TSA trusted"),
        "{}",
        text(&o)
    );
    let o = cip(&["ltv", "add", s(&plan), "--crl", s(&pki.path("ca.crl"))]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cip(&["timestamp", s(&plan), "--tsa", &tsa.url("")]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(Command::new(cip_bin()).current_dir(repo).args([
        "verify",
        s(&plan),
        "--trust",
        s(&ca),
        "--docs",
        "samples",
    ]));
    let verify = text(&o);
    assert!(o.status.success(), "{verify}");
    assert!(verify.contains("document timestamp 1"), "{verify}");
    let (ok, report) = pyhanko(&plan, &ca, &[]);
    assert!(ok, "pyHanko rejects the B-LTA plan:\n{report}");
    println!("$ cip verify acme.pdf --trust ca.pem --docs samples\n{verify}");
    println!(
        "$ pyhanko sign validate --pretty-print --trust ca.pem --trust-replace acme.pdf\n{report}"
    );
}
