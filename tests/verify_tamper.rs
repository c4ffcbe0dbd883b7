//! Tampering: single-byte flips over the signed ranges, later incremental
//! updates that change page content, and signatures whose certificate does
//! not match the signing key. cip must reject every one; pyHanko confirms a
//! sample.

mod common;

use cip::keys::Algorithm;
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::{ChangeKind, VerifyOptions, verify_pdf};
use common::*;

fn signed_sample(k: &TestKey) -> Vec<u8> {
    let opts = SignOptions {
        time: Some(fixed_time()),
        ..Default::default()
    };
    sign_pdf(&sample_pdf(true), &k.signer, &opts).expect("sign")
}

/// The sample signed once, and that file signed again in a new field.
fn signed_once_and_twice(k: &TestKey) -> (Vec<u8>, Vec<u8>) {
    let once = signed_sample(k);
    let twice = sign_pdf(
        &once,
        &k.signer,
        &SignOptions {
            time: Some(fixed_time()),
            invisible: true,
            ..Default::default()
        },
    )
    .expect("sign twice");
    (once, twice)
}

fn trusting(k: &TestKey) -> VerifyOptions {
    VerifyOptions {
        trust: vec![k.signer.certificate().clone()],
        docs_dir: None,
    }
}

/// Positions spread evenly over both signed ranges.
fn flip_positions(br: [u64; 4], n: usize) -> Vec<usize> {
    let (b, c, d) = (br[1] as usize, br[2] as usize, br[3] as usize);
    let total = b + d;
    (0..n)
        .map(|i| {
            let p = i * (total - 1) / (n - 1);
            if p < b { p } else { c + (p - b) }
        })
        .collect()
}

#[test]
fn every_flip_in_the_signed_ranges_is_detected() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (tag, alg) in [("ed", Algorithm::Ed25519), ("p256", Algorithm::P256)] {
        let k = make_key(tmp.path(), tag, alg);
        let signed = signed_sample(&k);
        let opts = trusting(&k);
        let report = verify_pdf(&signed, &opts).expect("verify");
        assert!(report.ok(), "{report:#?}");
        let br = report.signatures[0].byte_range.expect("byte range");
        let positions = flip_positions(br, 200);
        assert_eq!(positions.len(), 200);
        let mut sample = Vec::new();
        for (i, &pos) in positions.iter().enumerate() {
            let mut bad = signed.clone();
            bad[pos] ^= 0x01;
            let verdict = verify_pdf(&bad, &opts).map(|r| r.ok());
            assert!(
                !matches!(verdict, Ok(true)),
                "{tag}: flipping byte {pos} was not detected"
            );
            if i % 40 == 7 {
                sample.push((pos, bad));
            }
        }
        // pyHanko agrees on a sample (it is slow: ~1 s per run).
        for (pos, bad) in sample.into_iter().take(if tag == "ed" { 3 } else { 2 }) {
            let path = tmp.path().join(format!("{tag}-flip-{pos}.pdf"));
            std::fs::write(&path, &bad).expect("write");
            let (ok, out) = pyhanko_validate(&path, &k.cert);
            assert!(
                !ok || !out.contains("judged VALID"),
                "pyHanko accepted a flip at {pos}:\n{out}"
            );
        }
    }
}

#[test]
fn page_content_changed_after_signing_is_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let signed = signed_sample(&k);
    let changed = append_content_change(&signed, b"BT /F1 18 Tf 72 720 Td (Something else) Tj ET");
    let report = verify_pdf(&changed, &trusting(&k)).expect("verify");
    assert!(!report.ok());
    let sig = &report.signatures[0];
    // The signature itself is intact: it covers its own revision...
    assert!(sig.valid && sig.intact, "{sig:#?}");
    // ...but what came after changes what the signer approved.
    assert_eq!(sig.later_changes.kind, ChangeKind::PageContentChanged);
    assert_eq!(
        sig.later_changes.summary(),
        "page content changed after signing"
    );

    let path = tmp.path().join("changed.pdf");
    std::fs::write(&path, &changed).expect("write");
    let out = run(std::process::Command::new(cip_bin())
        .arg("verify")
        .arg(&path)
        .arg("--trust")
        .arg(&k.cert));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("page content changed after signing"),
        "{}",
        text(&out)
    );
    let (ok, py) = pyhanko_validate(&path, &k.cert);
    assert!(
        !ok || !py.contains("judged VALID"),
        "pyHanko accepted it:\n{py}"
    );
}

#[test]
fn a_certificate_that_does_not_match_the_signing_key_is_never_valid() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = make_key(tmp.path(), "a", Algorithm::Ed25519);
    let b = make_key(tmp.path(), "b", Algorithm::Ed25519);
    let signed = signed_sample(&a);
    // Same-shaped certificates: swap A's for B's inside the CMS hex.
    let cert_a = hex::encode_upper(&a.signer.chain_der()[0]);
    let cert_b = hex::encode_upper(&b.signer.chain_der()[0]);
    assert_eq!(cert_a.len(), cert_b.len());
    let at = cip::pdfbytes::find(&signed, cert_a.as_bytes()).expect("certificate in /Contents");
    let mut swapped = signed.clone();
    swapped[at..at + cert_b.len()].copy_from_slice(cert_b.as_bytes());
    let swapped = swapped.as_slice();
    for trust in [&a, &b] {
        let report = verify_pdf(swapped, &trusting(trust)).expect("verify");
        assert!(!report.ok());
        assert!(!report.signatures[0].valid, "{:#?}", report.signatures[0]);
        assert!(!report.signatures[0].problems.is_empty());
    }
}

/// Found by the mutation fuzzer: a later signature field whose `/T` was
/// damaged was skipped by the field walk, so its broken signature vanished
/// from the report and the file verified with the first signature alone.
#[test]
fn a_signature_field_without_a_name_is_still_verified() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let (once, twice) = signed_once_and_twice(&k);
    assert!(verify_pdf(&twice, &trusting(&k)).expect("verify").ok());
    let at = once.len()
        + cip::pdfbytes::find(&twice[once.len()..], b"/T(Signature1)").expect("second field");
    let mut damaged = twice.clone();
    damaged[at + 1] = 0xbe;
    let report = verify_pdf(&damaged, &trusting(&k)).expect("verify");
    assert_eq!(report.signatures.len(), 2, "{report:#?}");
    assert!(!report.signatures[1].valid);
    assert!(!report.ok());
}

/// Found by the verify_signed fuzz target: a later signature field whose
/// `/V` was overwritten counts as unsigned, so its signature dictionary was
/// waved through as "a second signature" without being verified.
#[test]
fn a_signature_dictionary_no_field_lists_is_a_problem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let (once, twice) = signed_once_and_twice(&k);
    let field = once.len()
        + cip::pdfbytes::find(&twice[once.len()..], b"/T(Signature1)").expect("second field");
    let v = field + cip::pdfbytes::find(&twice[field..], b"/V ").expect("/V of the field");
    let mut damaged = twice.clone();
    damaged[v + 1] = b'W';
    let report = verify_pdf(&damaged, &trusting(&k)).expect("verify");
    assert_eq!(report.signatures.len(), 1, "{report:#?}");
    assert!(!report.ok());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("belongs to no signature field")),
        "{:?}",
        report.problems
    );
}
