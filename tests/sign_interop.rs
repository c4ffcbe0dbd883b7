//! cip's signatures judged by real validators: pyHanko (every signature,
//! Ed25519 and P-256, visible and invisible, first and second), poppler's
//! pdfsig (P-256) and `qpdf --check`; and cip judging pyHanko's signatures.

mod common;

use std::process::Command;

use cip::keys::Algorithm;
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::{ChangeKind, VerifyOptions, verify_pdf};
use common::*;

fn opts(invisible: bool) -> SignOptions {
    SignOptions {
        reason: Some("Approval of the Compliance Improvement Plan".into()),
        location: Some("Chicago, IL".into()),
        time: Some(fixed_time()),
        invisible,
        tsa: None,
    }
}

/// Inputs: classic xref with the signature box, classic without it, and
/// the boxed one rewritten by qpdf with object and xref streams, and
/// linearized (two xref sections, the first at the start of the file).
fn inputs(dir: &std::path::Path) -> Vec<(&'static str, Vec<u8>)> {
    let boxed = sample_pdf(true);
    let xs = to_xref_stream(&boxed, dir);
    assert!(
        String::from_utf8_lossy(&xs).contains("/Type /XRef"),
        "qpdf did not write an xref stream"
    );
    vec![
        ("boxed", boxed),
        ("plain", sample_pdf(false)),
        ("xrefstream", xs),
    ]
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn pyhanko_pdfsig_and_qpdf_accept_cip_signatures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    for (tag, alg) in [("ed", Algorithm::Ed25519), ("p256", Algorithm::P256)] {
        let k = make_key(dir, tag, alg);
        for (name, input) in inputs(dir) {
            // First signature: visible where there is a box; second: invisible.
            let once = sign_pdf(&input, &k.signer, &opts(false)).expect("sign");
            assert!(once.starts_with(&input), "{name}: original bytes changed");
            let twice = sign_pdf(&once, &k.signer, &opts(true)).expect("second sign");
            assert!(
                twice.starts_with(&once),
                "{name}: first signed revision changed"
            );
            let path = dir.join(format!("{tag}-{name}.pdf"));
            std::fs::write(&path, &twice).expect("write");

            let (ok, out) = pyhanko_validate(&path, &k.cert);
            assert!(ok, "pyHanko rejected {tag}/{name}:\n{out}");
            assert_eq!(
                count(&out, "The signature is judged VALID"),
                2,
                "{tag}/{name}:\n{out}"
            );
            assert_eq!(
                count(&out, "The signer's certificate is trusted."),
                2,
                "{out}"
            );
            assert!(
                out.contains("The signature covers the entire file."),
                "{out}"
            );
            assert!(
                out.contains("All modifications relate to signing and form filling operations"),
                "{tag}/{name}: first signature not judged as followed by signing only:\n{out}"
            );

            let q = run(Command::new(tool("qpdf")).arg("--check").arg(&path));
            assert!(
                q.status.success(),
                "qpdf --check {tag}/{name}: {}",
                text(&q)
            );

            if alg == Algorithm::P256 {
                let p = run(Command::new(tool("pdfsig")).arg(&path));
                let out = text(&p);
                assert_eq!(
                    count(&out, "Signature Validation: Signature is Valid."),
                    2,
                    "pdfsig {name}:\n{out}"
                );
            }

            let report = verify_pdf(
                &twice,
                &VerifyOptions {
                    trust: vec![k.signer.certificate().clone()],
                    docs_dir: None,
                },
            )
            .expect("verify");
            assert!(report.ok(), "cip verify {tag}/{name}: {report:#?}");
            assert_eq!(report.signatures.len(), 2);
            assert_eq!(
                report.signatures[0].later_changes.kind,
                ChangeKind::SignaturesOnly
            );
            assert_eq!(
                report.signatures[0].later_changes.summary(),
                "a second signature only"
            );
            assert!(report.signatures[1].covers_whole_file);
        }
    }
}

#[test]
fn visible_signature_fills_the_box_with_text_in_the_embedded_font() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let signed = sign_pdf(&sample_pdf(true), &k.signer, &opts(false)).expect("sign");
    let path = tmp.path().join("visible.pdf");
    std::fs::write(&path, &signed).expect("write");
    let out = run(Command::new(tool("pdftotext")).arg(&path).arg("-"));
    // The name and title may be broken over two lines to fit a larger size.
    let txt = text(&out).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        txt.contains("Digitally signed by Jane Q. Official, Vice President, Trade Compliance"),
        "{txt}"
    );
    assert!(txt.contains("Date: 2026-03-01 10:30:00 -05:00"), "{txt}");
    let fp = &k.signer.certificate().clone();
    let der = der::Encode::to_der(fp).expect("der");
    let short = hex::encode_upper(<sha2::Sha256 as sha2::Digest>::digest(&der));
    assert!(
        txt.contains(&format!("Certificate SHA-256: {}", &short[..4])),
        "{txt}"
    );
    let fonts = run(Command::new(tool("pdffonts")).arg(&path));
    let f = text(&fonts);
    assert!(f.contains("DejaVuSerif") && f.contains("TrueType"), "{f}");
    let line = f
        .lines()
        .find(|l| l.contains("DejaVuSerif"))
        .unwrap_or_default();
    assert!(
        line.contains("yes yes"),
        "font not embedded as a subset: {line}"
    );

    // The field named by the renderer is the one that was signed.
    let report = verify_pdf(&signed, &VerifyOptions::default()).expect("verify");
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.signatures[0].field, "approving_official");
}

/// Regression (issue 13): the appearance font was WinAnsi-encoded, so a
/// Greek name signed as "??????". It now goes through the pages' font path.
#[test]
fn signer_names_in_any_script_the_font_covers_show_in_the_appearance() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let name = "Γιώργος Παπαδόπουλος";
    let title = "Διευθυντής Συμμόρφωσης";
    let g = cip::keys::generate(&cip::keys::KeygenOptions {
        name: name.into(),
        title: title.into(),
        org: None,
        email: None,
        days: 365 * 20,
        algorithm: Algorithm::P256,
        not_before: Some("2020-01-01T00:00:00Z".parse().expect("date")),
    })
    .expect("keygen");
    let (key, cert) = (tmp.path().join("k.pem"), tmp.path().join("c.pem"));
    cip::keys::write_new_files(&g, &key, &cert).expect("write key");
    let signer = cip::keys::load_signer(&key, &cert).expect("load");
    let signed = sign_pdf(&sample_pdf(true), &signer, &opts(false)).expect("sign");
    let path = tmp.path().join("greek.pdf");
    std::fs::write(&path, &signed).expect("write");
    let out = run(Command::new(tool("pdftotext")).arg(&path).arg("-"));
    let txt = text(&out).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        txt.contains(&format!("Digitally signed by {name}, {title}")),
        "{txt}"
    );
    assert!(!txt.contains('?'), "{txt}");
    let fonts = text(&run(Command::new(tool("pdffonts")).arg(&path)));
    let line = fonts
        .lines()
        .find(|l| l.contains("DejaVuSerif"))
        .unwrap_or_default();
    assert!(
        line.contains("CID TrueType") && line.contains("yes yes yes"),
        "the appearance font is an embedded CID subset with ToUnicode: {fonts}"
    );
    let (ok, py) = pyhanko_validate(&path, &cert);
    assert!(ok, "{py}");
    let q = run(Command::new(tool("qpdf")).arg("--check").arg(&path));
    assert!(q.status.success(), "{}", text(&q));
}

#[test]
fn invisible_flag_adds_a_new_field_and_leaves_the_box_unsigned() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let signed = sign_pdf(&sample_pdf(true), &k.signer, &opts(true)).expect("sign");
    let report = verify_pdf(&signed, &VerifyOptions::default()).expect("verify");
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.signatures[0].field, "Signature1");
    let path = tmp.path().join("invisible.pdf");
    std::fs::write(&path, &signed).expect("write");
    let txt = text(&run(Command::new(tool("pdftotext")).arg(&path).arg("-")));
    assert!(!txt.contains("Digitally signed"), "{txt}");
}

fn pyhanko_sign(input: &std::path::Path, output: &std::path::Path, k: &TestKey, field: &str) {
    let out = run(Command::new(tool("pyhanko"))
        .args([
            "sign",
            "addsig",
            "--field",
            field,
            "pemder",
            "--no-pass",
            "--key",
        ])
        .arg(&k.key)
        .arg("--cert")
        .arg(&k.cert)
        .arg(input)
        .arg(output));
    assert!(out.status.success(), "pyHanko sign failed: {}", text(&out));
}

#[test]
fn cip_verifies_pyhanko_signatures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    for (tag, alg) in [("ed", Algorithm::Ed25519), ("p256", Algorithm::P256)] {
        let k = make_key(dir, tag, alg);
        let trust = VerifyOptions {
            trust: vec![k.signer.certificate().clone()],
            docs_dir: None,
        };
        // pyHanko signs a plain PDF; cip then adds a second signature.
        let input = dir.join(format!("{tag}-in.pdf"));
        std::fs::write(&input, sample_pdf(false)).expect("write");
        let py = dir.join(format!("{tag}-py.pdf"));
        pyhanko_sign(&input, &py, &k, "PySig");
        let py_bytes = std::fs::read(&py).expect("read");
        let report = verify_pdf(&py_bytes, &trust).expect("verify");
        assert!(report.ok(), "{tag}: {report:#?}");
        assert_eq!(report.signatures[0].field, "PySig");
        assert!(report.signatures[0].covers_whole_file);

        let both = sign_pdf(&py_bytes, &k.signer, &opts(false)).expect("sign after pyHanko");
        let report = verify_pdf(&both, &trust).expect("verify");
        assert!(report.ok(), "{tag}: {report:#?}");
        assert_eq!(report.signatures.len(), 2);

        // cip signs first, pyHanko adds a second signature.
        let cip_first = dir.join(format!("{tag}-cip.pdf"));
        std::fs::write(
            &cip_first,
            sign_pdf(&sample_pdf(true), &k.signer, &opts(false)).expect("sign"),
        )
        .expect("write");
        let then_py = dir.join(format!("{tag}-cip-py.pdf"));
        pyhanko_sign(&cip_first, &then_py, &k, "Second");
        let report = verify_pdf(&std::fs::read(&then_py).expect("read"), &trust).expect("verify");
        assert!(report.ok(), "{tag}: {report:#?}");
        assert_eq!(report.signatures.len(), 2);
        assert_eq!(
            report.signatures[0].later_changes.kind,
            ChangeKind::SignaturesOnly
        );
        let (ok, out) = pyhanko_validate(&then_py, &k.cert);
        assert!(ok, "{out}");
    }
}
