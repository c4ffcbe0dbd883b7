//! Replays the fuzz targets' seed corpora (`fuzz/corpus/TARGET/`) and every
//! input a fuzzer once failed on (`tests/fuzz-regressions/TARGET/`) through
//! the very functions the targets call, so a fixed crash stays fixed
//! without cargo-fuzz. Each input must be handled without a panic, and the
//! tampering target's own assertions (a changed signed plan never
//! verifies) must hold.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["fuzz/corpus", "tests/fuzz-regressions"]
        .iter()
        .map(|d| root.join(d).join(target))
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str, run: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no seed for the fuzz target {target} (fuzz/corpus/{target}/)"
    );
    for f in files {
        let data = std::fs::read(&f).expect("read the input");
        eprintln!("{target}: {}", f.display());
        run(&data);
    }
}

#[test]
fn plan_check() {
    replay("plan_check", harness::plan_check);
}

#[test]
fn pdf_parse() {
    replay("pdf_parse", harness::pdf_parse);
}

#[test]
fn verify_bytes() {
    replay("verify_bytes", harness::verify_bytes);
}

#[test]
fn verify_signed() {
    replay("verify_signed", harness::verify_signed);
}

#[test]
fn letter() {
    replay("letter", harness::letter);
}

#[test]
fn archive_bundle() {
    replay("archive_bundle", harness::archive_bundle);
}
