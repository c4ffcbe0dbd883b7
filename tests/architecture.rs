//! The lifecycle's place in the architecture (docs: ARCHITECTURE): it sits
//! on `model` only, and nothing else computes the framework's periods.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn src() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).expect("read");
            (rel, text)
        })
        .collect()
}

#[test]
fn lifecycle_imports_only_the_model() {
    for (file, text) in src().iter().filter(|(f, _)| f.starts_with("lifecycle/")) {
        for line in text.lines().filter(|l| l.contains("crate::")) {
            let l = line.trim();
            assert!(
                l.starts_with("//") || l.contains("crate::model"),
                "{file}: lifecycle may only use `model`: {l}"
            );
        }
    }
}

#[test]
fn only_the_lifecycle_computes_the_framework_periods() {
    for (file, text) in src() {
        if file.starts_with("lifecycle/") || file.starts_with("model/") {
            continue;
        }
        for needle in [
            ".period_end()",
            "conditional_period_end",
            ".extended_deadline(",
        ] {
            assert!(
                !text.contains(needle),
                "{file} computes a framework period itself ({needle}); ask `lifecycle`"
            );
        }
    }
    // Layers below `status` read the lifecycle, not `status`.
    for (file, text) in src() {
        if file.starts_with("documents/")
            || file.starts_with("check/")
            || file.starts_with("letter/")
        {
            assert!(
                !text.contains("crate::status"),
                "{file} imports `status`, which sits above it"
            );
        }
    }
}
