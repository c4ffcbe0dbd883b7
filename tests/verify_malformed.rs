//! Hostile and broken input: never a panic, never "valid". Unreadable files
//! are errors (exit 2); broken signatures are reported as problems (exit 1).

mod common;

use cip::keys::Algorithm;
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::{VerifyOptions, verify_pdf};
use common::*;

/// A one-page PDF whose signature field's value is `sig` (object 6).
fn with_sig_dict(sig: &[u8]) -> Vec<u8> {
    assemble(&[
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [5 0 R] /SigFlags 3 >> >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [5 0 R] >>"
            .to_vec(),
        b"<< /Length 0 >>\nstream\n\nendstream".to_vec(),
        b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (S) /V 6 0 R /Rect [0 0 0 0] /P 3 0 R >>"
            .to_vec(),
        sig.to_vec(),
    ])
}

fn sig_dict(byte_range: &str, contents: &str) -> Vec<u8> {
    format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange {byte_range} /Contents {contents} /M (D:20260301103000Z) >>"
    )
    .into_bytes()
}

fn assert_not_valid(pdf: &[u8], what: &str) {
    match verify_pdf(pdf, &VerifyOptions::default()) {
        Err(_) => {}
        Ok(r) => {
            assert!(!r.ok(), "{what}: judged ok");
            assert!(
                r.signatures.iter().all(|s| !s.valid),
                "{what}: a signature was judged valid: {r:#?}"
            );
            assert!(
                r.signatures.iter().all(|s| !s.problems.is_empty()),
                "{what}: no problem reported: {r:#?}"
            );
        }
    }
}

#[test]
fn broken_signature_dictionaries_are_problems_not_panics() {
    let zeros = "0".repeat(200);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "outside the file",
            sig_dict("[0 10 20 999999]", &format!("<{zeros}>")),
        ),
        (
            "overlapping",
            sig_dict("[0 500 400 100]", &format!("<{zeros}>")),
        ),
        ("negative", sig_dict("[0 -5 20 30]", &format!("<{zeros}>"))),
        (
            "three numbers",
            sig_dict("[0 10 20]", &format!("<{zeros}>")),
        ),
        (
            "not numbers",
            sig_dict("[0 (a) /b 1.5]", &format!("<{zeros}>")),
        ),
        (
            "huge numbers",
            sig_dict("[0 99999999999999999999 1 1]", &format!("<{zeros}>")),
        ),
        ("non-hex contents", sig_dict("[0 10 20 30]", "<ZZ00GG>")),
        ("literal contents", sig_dict("[0 10 20 30]", "(not hex)")),
        (
            "huge contents",
            sig_dict("[0 10 20 30]", &format!("<{}>", "00".repeat(3 << 20))),
        ),
        (
            "no byte range",
            b"<< /Type /Sig /SubFilter /ETSI.CAdES.detached /Contents <00> >>".to_vec(),
        ),
        ("not a dictionary", b"42".to_vec()),
    ];
    for (what, sig) in cases {
        assert_not_valid(&with_sig_dict(&sig), what);
    }
    let huge = with_sig_dict(&sig_dict(
        "[0 10 20 30]",
        &format!("<{}>", "00".repeat(3 << 20)),
    ));
    let r = verify_pdf(&huge, &VerifyOptions::default()).expect("readable");
    assert!(
        r.signatures[0].problems[0].contains("too large"),
        "{:?}",
        r.signatures[0].problems
    );
}

#[test]
fn a_hole_that_is_not_the_contents_string_is_rejected() {
    // A correct-looking range around a valid CMS, shifted by one byte.
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let opts = SignOptions {
        time: Some(fixed_time()),
        ..Default::default()
    };
    let signed = sign_pdf(&sample_pdf(false), &k.signer, &opts).expect("sign");
    let report = verify_pdf(&signed, &VerifyOptions::default()).expect("verify");
    let [_, b, c, d] = report.signatures[0].byte_range.expect("range");
    let old = format!("[0 {b} {c} {d}]");
    let new = format!("[0 {} {} {}]", b + 1, c, d);
    let at = cip::pdfbytes::find(&signed, old.as_bytes()).expect("byte range in file");
    let mut bad = signed.clone();
    let mut replacement = new.into_bytes();
    replacement.resize(old.len(), b' ');
    bad[at..at + old.len()].copy_from_slice(&replacement);
    assert_not_valid(&bad, "shifted hole");
}

#[test]
fn garbage_and_truncated_files_never_panic_and_never_pass() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let opts = SignOptions {
        time: Some(fixed_time()),
        ..Default::default()
    };
    let signed = sign_pdf(&sample_pdf(true), &k.signer, &opts).expect("sign");
    let trust = VerifyOptions {
        trust: vec![k.signer.certificate().clone()],
        docs_dir: None,
    };
    // Every truncation of a signed file fails (the last byte is the final EOL,
    // whose loss leaves the byte range pointing past the end).
    for len in (0..signed.len()).step_by(7) {
        let r = verify_pdf(&signed[..len], &trust);
        assert!(
            !matches!(r, Ok(ref r) if r.ok()),
            "truncated at {len} passed"
        );
        let _ = sign_pdf(&signed[..len], &k.signer, &opts);
    }
    // Flips anywhere, including the unsigned hole: no panic, and any
    // change to the file is caught.
    for pos in (0..signed.len()).step_by(5) {
        let mut bad = signed.clone();
        bad[pos] = bad[pos].wrapping_add(0x41);
        let r = verify_pdf(&bad, &trust);
        assert!(!matches!(r, Ok(ref r) if r.ok()), "change at {pos} passed");
    }
    let deep = format!(
        "%PDF-1.7\n1 0 obj\n{}\nendobj\nstartxref\n9\n%%EOF\n",
        "[".repeat(100_000)
    );
    let loops = b"%PDF-1.7\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 9 /Root 1 0 R >>\nstartxref\n9\n%%EOF\n".to_vec();
    let big_xref = b"%PDF-1.7\nxref\n0 4294967295\ntrailer\n<< >>\nstartxref\n9\n%%EOF\n".to_vec();
    let xref_stream = b"%PDF-1.7\n1 0 obj\n<< /Type /XRef /W [9 9 9] /Index [0 99999999999] /Size 1 /Length 3 >>\nstream\nabc\nendstream\nendobj\nstartxref\n9\n%%EOF\n".to_vec();
    // `first + i` past i64::MAX: a panic with overflow checks, a wrap without.
    let index_overflow = b"%PDF-1.7\n1 0 obj\n<< /Type /XRef /W [1 2 0] /Index [9223372036854775807 2] /Size 2 /Length 6 >>\nstream\n\x01\x00\x09\x01\x00\x09\nendstream\nendobj\nstartxref\n9\n%%EOF\n".to_vec();
    let table_overflow = b"%PDF-1.7\nxref\n9999999999999999999 2\n0000000009 00000 n \n0000000009 00000 n \ntrailer\n<< /Size 1 /Root 1 0 R >>\nstartxref\n9\n%%EOF\n".to_vec();
    let inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"%PDF-".to_vec(),
        b"%PDF-1.7\nstartxref\n999999999999\n%%EOF".to_vec(),
        deep.into_bytes(),
        loops,
        big_xref,
        xref_stream,
        index_overflow,
        table_overflow,
        (0..5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect(),
    ];
    for (i, input) in inputs.iter().enumerate() {
        let r = verify_pdf(input, &trust);
        assert!(
            !matches!(r, Ok(ref r) if r.ok()),
            "garbage input {i} passed"
        );
        assert!(
            sign_pdf(input, &k.signer, &opts).is_err(),
            "garbage input {i} was signed"
        );
    }
}

#[test]
fn unreadable_input_exits_2_and_broken_signatures_exit_1() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("trunc.pdf"), b"%PDF-1.7\n1 0 obj\n<<").expect("write");
    let zeros = "0".repeat(64);
    std::fs::write(
        dir.join("bad-range.pdf"),
        with_sig_dict(&sig_dict("[0 10 20 999999]", &format!("<{zeros}>"))),
    )
    .expect("write");
    let code = |f: &str| {
        run(std::process::Command::new(cip_bin())
            .arg("verify")
            .arg(dir.join(f)))
        .status
        .code()
    };
    assert_eq!(code("trunc.pdf"), Some(2));
    assert_eq!(code("bad-range.pdf"), Some(1));
}

/// `/W [1 0 0]`, 40 `/Index` pairs and 255 MiB of zero rows in a 260 KB file:
/// each pair within the old limit per section, together 267 million entries.
fn xref_stream_bomb() -> Vec<u8> {
    let mib = 255;
    let data = zlib_zeros(mib);
    let per_pair = (mib << 20) / 40;
    let index: String = (0..40)
        .map(|k| format!("{} {per_pair} ", k * per_pair))
        .collect();
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let at = pdf.len();
    pdf.extend_from_slice(
        format!(
            "1 0 obj\n<< /Type /XRef /W [1 0 0] /Index [{index}] /Size {} /Root 2 0 R /Filter /FlateDecode /Length {} >>\nstream\n",
            40 * per_pair,
            data.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(&data);
    pdf.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    pdf
}

/// 30 embedded files of 250 MiB of zeros each once inflated, in a ~7.5 MB file.
fn embedded_files_bomb() -> Vec<u8> {
    let n = 30;
    let data = zlib_zeros(250);
    let names: String = (0..n)
        .map(|i| format!("(f{i}.bin) {} 0 R ", 4 + i))
        .collect();
    let mut objs = vec![
        format!(
            "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [{names}] >> >> >>"
        )
        .into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_vec(),
    ];
    for i in 0..n {
        objs.push(
            format!(
                "<< /Type /Filespec /F (f{i}.bin) /EF << /F {} 0 R >> >>",
                4 + n + i
            )
            .into_bytes(),
        );
    }
    for _ in 0..n {
        let mut s = format!(
            "<< /Type /EmbeddedFile /Filter /FlateDecode /Length {} >>\nstream\n",
            data.len()
        )
        .into_bytes();
        s.extend_from_slice(&data);
        s.extend_from_slice(b"\nendstream");
        objs.push(s);
    }
    assemble(&objs)
}

#[test]
fn the_zero_stream_helper_inflates_to_what_it_says() {
    let z = zlib_zeros(3);
    let out = miniz_oxide::inflate::decompress_to_vec_zlib(&z).expect("valid zlib");
    assert_eq!(out.len(), 3 << 20);
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn an_xref_stream_bomb_fails_fast_with_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bomb = xref_stream_bomb();
    assert!(bomb.len() < 400_000, "bomb is {} bytes", bomb.len());
    let path = tmp.path().join("bomb.pdf");
    std::fs::write(&path, &bomb).expect("write");
    let run = run_bounded(
        std::process::Command::new(cip_bin())
            .arg("verify")
            .arg(&path),
    );
    assert_bounded("verify xref bomb", &run, &[2]);
    let err = text(&run.0);
    assert!(
        err.contains("bomb.pdf") && err.contains("more than 1048576 entries"),
        "{err}"
    );
    let signed = tmp.path().join("signed.pdf");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let run = run_bounded(
        std::process::Command::new(cip_bin())
            .arg("sign")
            .arg(&path)
            .arg("--key")
            .arg(&k.key)
            .arg("--cert")
            .arg(&k.cert)
            .arg("-o")
            .arg(&signed),
    );
    assert_bounded("sign xref bomb", &run, &[1, 2]);
    assert!(text(&run.0).contains("entries"), "{}", text(&run.0));
    assert!(!signed.exists());
}

#[test]
fn embedded_files_that_inflate_to_gigabytes_fail_fast_with_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bomb = embedded_files_bomb();
    assert!(bomb.len() < 10_000_000, "bomb is {} bytes", bomb.len());
    let path = tmp.path().join("bomb.pdf");
    std::fs::write(&path, &bomb).expect("write");
    let run = run_bounded(
        std::process::Command::new(cip_bin())
            .arg("verify")
            .arg(&path),
    );
    assert_bounded("verify embedded-files bomb", &run, &[1, 2]);
    let out = text(&run.0);
    assert!(out.contains("more than 256 MiB in total"), "{out}");
}
