//! Replays the fuzz targets' seed corpora (`fuzz/corpus/TARGET/`) and every
//! input a fuzzer once failed on (`tests/fuzz-regressions/TARGET/`) through
//! the very functions the targets call, so a fixed crash stays fixed
//! without cargo-fuzz. Each input must be handled without a panic, and the
//! tampering target's own assertions (a changed signed plan never
//! verifies) must hold.
//!
//! Inputs whose defect is not fixed yet wait in
//! `tests/fuzz-regressions/open/TARGET/`, replayed by the ignored
//! `open_defects` (`cargo test --test fuzz_regressions -- --ignored`): it
//! fails while any of them still does. Fixing one means moving its file up
//! to `tests/fuzz-regressions/TARGET/`.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    files_in(&["fuzz/corpus", "tests/fuzz-regressions"], target)
}

fn files_in(dirs: &[&str], target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = dirs
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

type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 6] = [
    ("plan_check", harness::plan_check),
    ("pdf_parse", harness::pdf_parse),
    ("verify_bytes", harness::verify_bytes),
    ("verify_signed", harness::verify_signed),
    ("letter", harness::letter),
    ("archive_bundle", harness::archive_bundle),
];

#[test]
#[ignore = "open defects found by fuzzing (tests/fuzz-regressions/open/): fails until they are fixed"]
fn open_defects() {
    let mut failing = Vec::new();
    for (target, run) in TARGETS {
        for f in files_in(&["tests/fuzz-regressions/open"], target) {
            let data = std::fs::read(&f).expect("read the input");
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                failing.push(f.display().to_string());
            }
        }
    }
    assert!(failing.is_empty(), "still failing: {failing:#?}");
}
