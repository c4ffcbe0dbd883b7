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

/// The layers of ARCHITECTURE.md, lowest first. A module may import only
/// modules of a lower layer (or itself); `cli` and `main` sit on top.
const LAYERS: &[&[&str]] = &[
    &["atomic", "fonts", "pdfbytes"],
    &["model"],
    &["manifest", "lifecycle", "keys"],
    &["check", "cms", "diff"],
    &["timestamp"],
    &["documents", "verify"],
    &["layout", "intake"],
    &["pdf"],
    &["sign", "revision"],
    // Above `sign`: rendering a plan ends with signing and writing it.
    &["render"],
    &["status", "archive", "init"],
    &["letter"],
    &["serve"],
    &["cli", "main", "lib"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Top-level modules named after `crate::` in `text`, including grouped
/// imports (`use crate::{a::x, b}`).
fn imported(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item_start = true;
            let mut name = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        if !name.is_empty() {
                            out.push(std::mem::take(&mut name));
                        }
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_lowercase() || c == '_') => name.push(c),
                    _ if item_start && !name.is_empty() => {
                        out.push(std::mem::take(&mut name));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn modules_import_only_layers_below_them() {
    let mut wrong = Vec::new();
    for (file, text) in src() {
        let module = file
            .split('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(".rs")
            .to_string();
        let Some(mine) = layer(&module) else {
            wrong.push(format!("{file}: module `{module}` has no layer in LAYERS"));
            continue;
        };
        for target in imported(&text) {
            if target == module || target == "self" || target.is_empty() {
                continue;
            }
            match layer(&target) {
                Some(theirs) if theirs < mine => {}
                _ => wrong.push(format!("{file}: `{module}` imports `{target}`")),
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports that point up or sideways:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_import_scanner_sees_grouped_imports() {
    assert_eq!(
        imported("use crate::{model::{Plan, x}, verify};\nlet a = crate::keys::f();"),
        ["model", "verify", "keys"]
    );
}
