//! Helpers for the letter tests: sample inputs copied into a temporary
//! folder, plan variants, running `cip letter` and reading the result with
//! the real tools (pdftotext, qpdf).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use crate::common::{cip_bin, run, text, tool};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample_plan() -> String {
    std::fs::read_to_string(repo().join("samples/acme.toml")).expect("samples/acme.toml")
}

/// A folder with `am.toml`, `letter.toml` and `docs/` (the sample's
/// supporting documents), where plans can be written.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["am.toml", "letter.toml"] {
        std::fs::copy(repo().join("samples").join(f), dir.path().join(f)).expect("copy sample");
    }
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).expect("mkdir docs");
    for e in std::fs::read_dir(repo().join("samples/docs")).expect("samples/docs") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), docs.join(e.file_name())).expect("copy doc");
    }
    dir
}

/// Replace the first line starting with `key =` in `plan` (a TOML key of the
/// sample) with `key = value`.
pub fn set_key(plan: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key} =");
    let mut done = false;
    plan.lines()
        .map(|l| {
            if !done && l.starts_with(&prefix) {
                done = true;
                format!("{key} = {value}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

/// Run `cip letter` with `args` in `dir`.
pub fn letter(dir: &Path, args: &[&str]) -> Output {
    run(Command::new(cip_bin())
        .current_dir(dir)
        .arg("letter")
        .args(args))
}

/// The text of a PDF (pdftotext), whitespace collapsed to single spaces.
pub fn pdf_text(pdf: &Path) -> String {
    let out = run(Command::new(tool("pdftotext")).arg(pdf).arg("-"));
    assert!(out.status.success(), "pdftotext failed: {}", text(&out));
    squash(&String::from_utf8_lossy(&out.stdout))
}

pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn qpdf_check(pdf: &Path) {
    let out = run(Command::new(tool("qpdf")).arg("--check").arg(pdf));
    assert!(
        out.status.success(),
        "qpdf --check {} failed: {}",
        pdf.display(),
        text(&out)
    );
}

pub fn assert_contains(haystack: &str, needle: &str, what: &str) {
    assert!(
        haystack.contains(&squash(needle)),
        "{what}: {needle:?} not found in:\n{haystack}"
    );
}
