//! Proof that lasts (issue 14): RFC 3161 signature timestamps (PAdES B-T),
//! validation data (B-LT), document timestamps (B-LTA), judged by cip and by
//! pyHanko, against a local TSA (`openssl ts -reply` on 127.0.0.1, made at
//! run time with its own CA: see tests/tsa_common).

mod common;
mod tsa_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use tsa_common::{Pki, Tsa, setup, unreachable_url};

fn cip(args: &[&str]) -> Output {
    run(Command::new(cip_bin()).args(args))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn input_pdf(dir: &Path) -> PathBuf {
    let p = dir.join("in.pdf");
    std::fs::write(&p, sample_pdf(true)).expect("write");
    p
}

/// `cip sign IN --tsa URL` with a CA-issued signer valid for `days`.
fn sign_bt(pki: &Pki, tsa: &Tsa, tag: &str, days: u32) -> PathBuf {
    let (key, cert) = pki.signer(tag, days);
    let input = input_pdf(pki.dir.path());
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

#[test]
fn b_t_signature_is_verified_by_cip_and_pyhanko() {
    let (pki, tsa) = setup();
    let out = sign_bt(&pki, &tsa, "bt", 365);
    let ca = pki.path("ca.pem");
    let o = cip(&["verify", s(&out), "--trust", s(&ca)]);
    let t = text(&o);
    assert!(o.status.success(), "cip verify: {t}");
    assert!(t.contains("timestamped at: "), "{t}");
    assert!(
        t.contains("by O=cip tests,CN=cip Test TSA") || t.contains("cip Test TSA"),
        "{t}"
    );
    assert!(t.contains("token valid, TSA trusted"), "{t}");
    assert!(
        t.contains("(timestamp)"),
        "validity judged at the timestamp: {t}"
    );
    // The JSON report carries the timestamp.
    let o = cip(&["verify", s(&out), "--trust", s(&ca), "--format", "json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let ts = &j["signatures"][0]["timestamp"];
    assert_eq!(ts["valid"], true, "{j}");
    assert_eq!(ts["trusted"], true, "{j}");
    assert_eq!(ts["policy"], "1.2.3.4.1", "{j}");
    assert_eq!(j["signatures"][0]["validity_basis"], "timestamp");
    let (ok, report) = pyhanko(&out, &ca, &[]);
    assert!(ok, "pyHanko rejects cip's B-T file:\n{report}");
    assert!(report.to_lowercase().contains("timestamp"), "{report}");
}

#[test]
fn an_untrusted_tsa_is_reported_and_not_ok() {
    let (pki, tsa) = setup();
    // An Ed25519 self-signed signer, trusted; the TSA's CA not given.
    let k = make_key(pki.dir.path(), "ed", cip::keys::Algorithm::Ed25519);
    let input = input_pdf(pki.dir.path());
    let out = pki.path("ed-bt.pdf");
    let o = cip(&[
        "sign",
        s(&input),
        "--key",
        s(&k.key),
        "--cert",
        s(&k.cert),
        "--tsa",
        &tsa.url(""),
        "-o",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = cip(&["verify", s(&out), "--trust", s(&k.cert)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("TSA valid but untrusted"), "{}", text(&o));
    let o = cip(&[
        "verify",
        s(&out),
        "--trust",
        s(&k.cert),
        "--trust",
        s(&pki.path("ca.pem")),
    ]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_signature_outlives_its_certificate_with_a_timestamp_only() {
    let (pki, tsa) = setup();
    // Certificates valid for one day from now.
    let with = sign_bt(&pki, &tsa, "short-lived", 1);
    let (key, cert) = pki.signer("short-lived-b", 1);
    let input = input_pdf(pki.dir.path());
    let without = pki.path("no-ts.pdf");
    let o = cip(&[
        "sign",
        s(&input),
        "--key",
        s(&key),
        "--cert",
        s(&cert),
        "-o",
        s(&without),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let ca = pki.path("ca.pem");
    let later = (chrono::Utc::now() + chrono::Duration::days(365))
        .format("%Y-%m-%d")
        .to_string();
    let o = cip(&["verify", s(&with), "--trust", s(&ca), "--at", &later]);
    assert!(
        o.status.success(),
        "timestamped, a year later: {}",
        text(&o)
    );
    let o = cip(&["verify", s(&without), "--trust", s(&ca), "--at", &later]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("no timestamp proves the signature existed earlier"),
        "{}",
        text(&o)
    );
    // Both valid today.
    let o = cip(&["verify", s(&without), "--trust", s(&ca)]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_flipped_byte_inside_the_token_is_refused() {
    let (pki, tsa) = setup();
    let out = sign_bt(&pki, &tsa, "tamper", 365);
    let mut bytes = std::fs::read(&out).expect("read");
    // The token's imprint is SHA-256 of the signature value: find it in the
    // /Contents hex and change one of its digits (DER stays well-formed).
    let report = cip::verify::verify_pdf(&bytes, &Default::default()).expect("verify");
    let range = report.signatures[0].byte_range.expect("range");
    let hole = &bytes[range[1] as usize + 1..range[2] as usize - 1];
    let der = hex::decode(hole).expect("hex");
    let cms = cip::cms::parse_signed_data(&der).expect("cms");
    let imprint = cip::cms::DigestAlg::Sha256.digest(&[&cms.signature]);
    let imprint_hex = hex::encode_upper(&imprint);
    let at = range[1] as usize
        + 1
        + memchr::memmem::find(hole, imprint_hex.as_bytes()).expect("imprint in token");
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    let tampered = pki.path("tampered.pdf");
    std::fs::write(&tampered, &bytes).expect("write");
    let o = cip(&["verify", s(&tampered), "--trust", s(&pki.path("ca.pem"))]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("the signature timestamp is not valid"), "{t}");
    assert!(t.contains("TSTInfo was modified"), "{t}");
}

#[test]
fn a_misbehaving_or_missing_tsa_is_a_clear_error_and_nothing_is_written() {
    let (pki, tsa) = setup();
    let (key, cert) = pki.signer("errors", 365);
    let input = input_pdf(pki.dir.path());
    let cases: Vec<(String, &str)> = vec![
        (unreachable_url(), "cannot be reached"),
        (tsa.url("error"), "HTTP 500"),
        (tsa.url("bad-nonce"), "nonce is not the one sent"),
        (tsa.url("bad-imprint"), "imprint is not the digest"),
        (
            tsa.url("wrong-eku"),
            "extended key usage is not marked critical",
        ),
        (
            tsa.url("reject"),
            "refused the request: status 2: policy not accepted",
        ),
        // https is spoken (rustls); nothing listens on port 1.
        ("https://127.0.0.1:1/tsa".into(), "cannot be reached"),
    ];
    for (url, expected) in cases {
        let out = pki.path("never.pdf");
        let o = cip(&[
            "sign",
            s(&input),
            "--key",
            s(&key),
            "--cert",
            s(&cert),
            "--tsa",
            &url,
            "-o",
            s(&out),
        ]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{url}: {t}");
        assert!(t.contains(expected), "{url}: expected {expected:?} in: {t}");
        assert!(!out.exists(), "{url}: a file was written");
        // The document timestamp refuses the same way and leaves the file alone.
        let before = std::fs::read(&input).expect("read");
        let o = cip(&["timestamp", s(&input), "--tsa", &url]);
        assert_eq!(o.status.code(), Some(1), "{url}: {}", text(&o));
        assert!(text(&o).contains(expected), "{url}: {}", text(&o));
        assert_eq!(
            std::fs::read(&input).expect("read"),
            before,
            "{url}: input changed"
        );
    }
}

#[test]
fn tsa_cert_pins_the_authority() {
    let (pki, tsa) = setup();
    let (key, cert) = pki.signer("pin", 365);
    let input = input_pdf(pki.dir.path());
    let out = pki.path("pinned.pdf");
    let sign = |pin: &Path| {
        cip(&[
            "sign",
            s(&input),
            "--key",
            s(&key),
            "--cert",
            s(&cert),
            "--tsa",
            &tsa.url(""),
            "--tsa-cert",
            s(pin),
            "-o",
            s(&out),
        ])
    };
    let o = sign(&pki.path("tsa.pem"));
    assert!(o.status.success(), "{}", text(&o));
    let o = sign(&pki.path("ca.pem"));
    assert!(o.status.success(), "pinning the TSA's issuer: {}", text(&o));
    std::fs::remove_file(&out).expect("rm");
    let stranger = make_key(pki.dir.path(), "stranger", cip::keys::Algorithm::P256);
    let o = sign(&stranger.cert);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("not the --tsa-cert certificate"),
        "{}",
        text(&o)
    );
    assert!(!out.exists());
}
