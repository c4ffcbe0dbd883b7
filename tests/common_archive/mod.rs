//! Helpers for the archive tests: small hand-written PDFs shaped like the
//! ones `cip render` makes (a signature box, embedded `plan.toml`,
//! `manifest.json` and a supporting document) or letters (`letter.json`),
//! signed in the test with freshly generated keys; and running the real
//! `cip` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cip::keys::{self, Algorithm, KeygenOptions, Signer};
use cip::sign::{self, SignOptions};
use sha2::{Digest, Sha256};

// The PDF assembler and process helpers are the signing tests' own.
#[path = "../common/mod.rs"]
mod common;
pub use common::{assemble, cip_bin, run, text};
// Used by some of the test files that include this module.
#[allow(unused_imports)]
pub use common::{assert_bounded, run_bounded};

pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn stream(data: &[u8], dict: &str) -> Vec<u8> {
    let mut s = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    s.extend_from_slice(data);
    s.extend_from_slice(b"\nendstream");
    s
}

/// A PDF with a signature box and the given embedded files (name, bytes,
/// relationship); `title` goes on the page so every document differs.
pub fn pdf_with_files(title: &str, files: &[(&str, Vec<u8>, &str)]) -> Vec<u8> {
    let content = format!("BT /F1 14 Tf 72 720 Td ({title}) Tj ET\n").into_bytes();
    let mut names = String::new();
    let mut sorted: Vec<usize> = (0..files.len()).collect();
    sorted.sort_by_key(|&i| files[i].0);
    for &i in &sorted {
        names.push_str(&format!("({}) {} 0 R ", files[i].0, 7 + 2 * i));
    }
    let names_entry = if files.is_empty() {
        String::new()
    } else {
        format!(" /Names << /EmbeddedFiles << /Names [{names}] >> >>")
    };
    let mut objs: Vec<Vec<u8>> = vec![
        format!("<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] >>{names_entry} >>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [6 0 R] >>".to_vec(),
        stream(&content, ""),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>".to_vec(),
        b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (approving_official) /Rect [72 90 332 160] /P 3 0 R /F 4 >>".to_vec(),
    ];
    for (i, (name, data, rel)) in files.iter().enumerate() {
        objs.push(
            format!(
                "<< /Type /Filespec /F ({name}) /UF ({name}) /EF << /F {} 0 R >> /AFRelationship /{rel} >>",
                8 + 2 * i
            )
            .into_bytes(),
        );
        objs.push(stream(data, "/Type /EmbeddedFile"));
    }
    assemble(&objs)
}

pub fn plan_toml(company: &str, report: &str, n: usize) -> String {
    format!(
        "# plan {n}\n[plan]\ncompany = \"{company}\"\nimporter_number = \"12-3456789-00\"\nassessment_report = \"{report}\"\n"
    )
}

/// An unsigned plan PDF with `plan.toml`, a matching `manifest.json` and one
/// attached supporting document.
pub fn plan_pdf(company: &str, report: &str, n: usize) -> Vec<u8> {
    let plan = plan_toml(company, report, n).into_bytes();
    let doc = format!("Import manual, copy {n}\n").into_bytes();
    let manifest = format!(
        r#"{{"plan_toml_sha256": "{}", "documents": [{{"id": "import-manual", "title": "Import manual", "file": "import-manual.md", "size": {}, "sha256": "{}", "attached": true}}]}}"#,
        sha256_hex(&plan),
        doc.len(),
        sha256_hex(&doc)
    );
    pdf_with_files(
        &format!("Compliance Improvement Plan {n}"),
        &[
            ("plan.toml", plan, "Source"),
            ("manifest.json", manifest.into_bytes(), "Data"),
            ("import-manual.md", doc, "Supplement"),
        ],
    )
}

/// An unsigned letter PDF with `letter.json`.
pub fn letter_pdf(kind: &str, company: &str, report: &str, n: usize) -> Vec<u8> {
    let json =
        format!(r#"{{"kind": "{kind}", "company": "{company}", "assessment_report": "{report}"}}"#);
    pdf_with_files(
        &format!("Letter {n}"),
        &[("letter.json", json.into_bytes(), "Data")],
    )
}

pub struct TestKey {
    pub key: PathBuf,
    pub cert: PathBuf,
    pub signer: Signer,
}

/// A fresh key and self-signed certificate (valid 2020 to 2040).
pub fn make_key(dir: &Path, tag: &str, name: &str, title: &str) -> TestKey {
    let opts = KeygenOptions {
        name: name.into(),
        title: title.into(),
        org: Some("Example Importers Inc.".into()),
        email: None,
        days: 365 * 20,
        algorithm: Algorithm::Ed25519,
        not_before: Some("2020-01-01T00:00:00Z".parse().expect("date")),
    };
    let g = keys::generate(&opts).expect("keygen");
    let key = dir.join(format!("{tag}-key.pem"));
    let cert = dir.join(format!("{tag}-cert.pem"));
    keys::write_new_files(&g, &key, &cert).expect("write key");
    let signer = keys::load_signer(&key, &cert).expect("load key");
    TestKey { key, cert, signer }
}

pub const SIGNING_TIME: &str = "2026-03-01T10:30:00-05:00";

pub fn sign_bytes(pdf: &[u8], k: &TestKey) -> Vec<u8> {
    let opts = SignOptions {
        time: Some(SIGNING_TIME.parse().expect("date")),
        ..Default::default()
    };
    sign::sign_pdf(pdf, &k.signer, &opts).expect("sign")
}

/// Writes a signed plan for `company` as `dir/name`.
pub fn signed_plan(
    dir: &Path,
    name: &str,
    k: &TestKey,
    company: &str,
    report: &str,
    n: usize,
) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, sign_bytes(&plan_pdf(company, report, n), k)).expect("write");
    p
}

/// `cip archive --archive DIR ARGS…` with a fixed clock.
pub fn archive_cmd(dir: &Path) -> Command {
    let mut c = Command::new(cip_bin());
    c.arg("archive").arg("--archive").arg(dir);
    c.env("CIP_ARCHIVE_NOW", "2026-04-01T12:00:00Z");
    c.env_remove("CIP_ARCHIVE");
    c
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Every file under `dir` with its SHA-256 (to show that nothing changed).
pub fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    fn walk(base: &Path, d: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(d)
            .expect("read_dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            let rel = p.strip_prefix(base).expect("prefix").display().to_string();
            if p.is_dir() {
                out.push((rel, "dir".into()));
                walk(base, &p, out);
            } else {
                out.push((rel, sha256_hex(&std::fs::read(&p).expect("read"))));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// Runs `sqlite3 DB SQL` (the CLI, installed by scripts/test).
pub fn sqlite3(db: &Path, sql: &str) -> String {
    let out = run(Command::new("sqlite3").arg(db).arg(sql));
    assert!(out.status.success(), "sqlite3 failed: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
