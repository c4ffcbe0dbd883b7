//! Revocation data (issue 14): `cip ltv add` fetches the CRLs the
//! certificates' distribution points name (the local server's `/ca.crl`,
//! made by `openssl ca -gencrl`), checks them and embeds them; pyHanko
//! validates the result with revocation checking on; `cip verify` reads
//! the embedded CRLs and judges a revoked signer against the timestamp's
//! time. Also https to the TSA.

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

/// `cip sign --tsa` with a fresh CA-issued signer `tag`.
fn sign_bt(pki: &Pki, tsa: &Tsa, tag: &str) -> PathBuf {
    let (key, cert) = pki.signer(tag, 365);
    let input = pki.path("in.pdf");
    std::fs::write(&input, sample_pdf(true)).expect("write");
    let out = pki.path(&format!("{tag}-bt.pdf"));
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
        s(&out),
    ]);
    assert!(o.status.success(), "cip sign --tsa: {}", text(&o));
    out
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

fn verify_json(pdf: &Path, ca: &Path) -> (Output, serde_json::Value) {
    let o = cip(&["verify", s(pdf), "--trust", s(ca), "--format", "json"]);
    let j = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    (o, j)
}

#[test]
fn ltv_add_fetches_the_distribution_points_crl_and_pyhanko_checks_revocation() {
    let (pki, tsa) = setup();
    let bt = sign_bt(&pki, &tsa, "cdp");
    let lt = pki.path("cdp-lt.pdf");
    let o = cip(&["ltv", "add", s(&bt), "-o", s(&lt)]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let url = format!("http://127.0.0.1:{}/ca.crl", tsa.port);
    assert!(
        t.contains(&format!("fetched the CRL at {url} (signature checked)")),
        "{t}"
    );
    assert!(t.contains("1 CRLs"), "{t}");
    let ca = pki.path("ca.pem");
    let (o, j) = verify_json(&lt, &ca);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(j["dss"]["crls"], 1, "{j}");
    let rev = &j["signatures"][0]["revocation"];
    assert_eq!(rev["status"], "good", "{j}");
    assert_eq!(rev["basis"], "timestamp", "{j}");
    let o = cip(&["verify", s(&lt), "--trust", s(&ca)]);
    assert!(
        text(&o).contains("revocation: not revoked (CRL issued "),
        "{}",
        text(&o)
    );
    // B-LTA on top; pyHanko with revocation checking (no
    // --no-revocation-check): the signer's and the TSA's certificates are
    // checked against the CA's CRL.
    let lta = pki.path("cdp-lta.pdf");
    let o = cip(&["timestamp", s(&lt), "--tsa", &tsa.url(""), "-o", s(&lta)]);
    assert!(o.status.success(), "{}", text(&o));
    let (ok, report) = pyhanko(&lta, &ca, &["--force-revinfo"]);
    assert!(ok, "pyHanko with revocation checking:\n{report}");
    assert!(!report.contains("revoked"), "{report}");
    // `cip sign --ltv` does both steps at once.
    let (key, cert) = pki.signer("cdp2", 365);
    let one = pki.path("cdp-one-step.pdf");
    let o = cip(&[
        "sign",
        s(&pki.path("in.pdf")),
        "--key",
        s(&key),
        "--cert",
        s(&cert),
        "--tsa",
        &tsa.url(""),
        "--ltv",
        "-o",
        s(&one),
    ]);
    assert!(o.status.success(), "cip sign --ltv: {}", text(&o));
    let (o, j) = verify_json(&one, &ca);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(j["dss"]["crls"], 1, "{j}");
    assert_eq!(j["signatures"][0]["vri"], true, "{j}");
    assert_eq!(j["signatures"][0]["revocation"]["status"], "good", "{j}");
    // The same without revocation data, for contrast.
    let bare = pki.path("cdp-bare.pdf");
    let o = cip(&["ltv", "add", s(&bt), "--no-fetch", "-o", s(&bare)]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cip(&["timestamp", s(&bare), "--tsa", &tsa.url("")]);
    assert!(o.status.success(), "{}", text(&o));
    // Offline (the CRL server gone), pyHanko's AdES validation judges the
    // file from the embedded revocation data alone; without it, it cannot.
    drop(tsa);
    let ades = |pdf: &Path| {
        let o = run(Command::new(tool("pyhanko"))
            .args(["sign", "adesverify", "--pretty-print", "--trust"])
            .arg(&ca)
            .arg("--trust-replace")
            .arg(pdf));
        (o.status.success(), text(&o))
    };
    let (ok, report) = ades(&lta);
    assert!(ok, "pyHanko adesverify offline:\n{report}");
    let (ok, report) = ades(&bare);
    assert!(!ok, "pyHanko adesverify offline without CRLs:\n{report}");
}

#[test]
fn a_fetch_failure_names_the_url_and_writes_nothing_unless_no_fetch() {
    let (pki, tsa) = setup();
    let bt = sign_bt(&pki, &tsa, "gone");
    let url = format!("http://127.0.0.1:{}/ca.crl", tsa.port);
    // A CRL whose signature is broken (last byte of the signature) is
    // refused before anything is embedded.
    let crl = pki.path("ca.crl");
    let mut bytes = std::fs::read(&crl).expect("crl");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&crl, &bytes).expect("write");
    let out = pki.path("never.pdf");
    let o = cip(&["ltv", "add", s(&bt), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("the CRL from {url} was refused")),
        "{}",
        text(&o)
    );
    assert!(!out.exists());
    pki.publish_crl();
    // The distribution point unreachable: an error naming it.
    drop(tsa);
    let o = cip(&["ltv", "add", s(&bt), "-o", s(&out)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains(&format!("cannot fetch the CRL at {url}")), "{t}");
    assert!(t.contains("--no-fetch"), "{t}");
    assert!(!out.exists());
    let (key, cert) = (pki.path("gone.key"), pki.path("gone.pem"));
    let o = cip(&[
        "sign",
        s(&pki.path("in.pdf")),
        "--key",
        s(&key),
        "--cert",
        s(&cert),
        "--ltv",
        "-o",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("cannot fetch the CRL at {url}")),
        "{}",
        text(&o)
    );
    assert!(!out.exists());
    // --no-fetch, or revocation data given: no fetching.
    let o = cip(&["ltv", "add", s(&bt), "--no-fetch", "-o", s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 CRLs"), "{}", text(&o));
    let o = cip(&[
        "ltv",
        "add",
        s(&bt),
        "--crl",
        s(&pki.path("ca.crl")),
        "-o",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 CRLs"), "{}", text(&o));
}

#[test]
fn a_signer_revoked_before_the_timestamp_is_not_valid_for_cip_and_pyhanko() {
    let (pki, tsa) = setup();
    let (key, cert) = pki.signer("revoked", 365);
    pki.revoke("revoked", "keyCompromise");
    // The TSA's clock must pass the revocation date (seconds).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let input = pki.path("in.pdf");
    std::fs::write(&input, sample_pdf(true)).expect("write");
    let bt = pki.path("revoked-bt.pdf");
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
    let lt = pki.path("revoked-lt.pdf");
    let o = cip(&["ltv", "add", s(&bt), "-o", s(&lt)]);
    assert!(o.status.success(), "{}", text(&o));
    let ca = pki.path("ca.pem");
    let o = cip(&["verify", s(&lt), "--trust", s(&ca)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("INVALID"), "{t}");
    assert!(
        t.contains("the signer's certificate was revoked on ")
            && t.contains("(keyCompromise), before the timestamp"),
        "{t}"
    );
    let (_, j) = verify_json(&lt, &ca);
    assert_eq!(j["signatures"][0]["valid"], false, "{j}");
    assert_eq!(j["signatures"][0]["revocation"]["status"], "revoked", "{j}");
    assert_eq!(
        j["signatures"][0]["revocation"]["reason"], "keyCompromise",
        "{j}"
    );
    // The embedded CRL alone decides it: the signed bytes without the DSS
    // say nothing about revocation to cip.
    let o = cip(&["verify", s(&bt), "--trust", s(&ca)]);
    assert!(o.status.success(), "{}", text(&o));
    let (ok, report) = pyhanko(&lt, &ca, &[]);
    assert!(!ok, "pyHanko accepts a revoked signer:\n{report}");
    assert!(report.to_lowercase().contains("revoked"), "{report}");
}

#[test]
fn a_signer_revoked_after_the_timestamp_stays_valid() {
    let (pki, tsa) = setup();
    let bt = sign_bt(&pki, &tsa, "later");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    pki.revoke("later", "superseded");
    let lt = pki.path("later-lt.pdf");
    let o = cip(&["ltv", "add", s(&bt), "-o", s(&lt)]);
    assert!(o.status.success(), "{}", text(&o));
    let ca = pki.path("ca.pem");
    let o = cip(&["verify", s(&lt), "--trust", s(&ca)]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("(superseded), after the timestamp") && t.contains("the signature stays valid"),
        "{t}"
    );
    let (_, j) = verify_json(&lt, &ca);
    assert_eq!(
        j["signatures"][0]["revocation"]["status"], "revoked_later",
        "{j}"
    );
}

#[test]
fn timestamps_over_https_with_a_private_tls_ca() {
    let (pki, tsa) = setup();
    pki.tls_cert();
    let https = Tsa::start_tls(&pki);
    let bt = sign_bt(&pki, &tsa, "tls");
    let out = pki.path("tls-lta.pdf");
    // The public web roots do not know the test CA: a TLS error, nothing
    // written.
    let o = cip(&["timestamp", s(&bt), "--tsa", &https.url(""), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("cannot be reached"), "{}", text(&o));
    assert!(!out.exists());
    let ca = pki.path("ca.pem");
    let o = cip(&[
        "timestamp",
        s(&bt),
        "--tsa",
        &https.url(""),
        "--tsa-tls-ca",
        s(&ca),
        "-o",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("https://127.0.0.1:"), "{}", text(&o));
    let o = cip(&["verify", s(&out), "--trust", s(&ca)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("document timestamp 1"), "{}", text(&o));
}
