//! `cip render` on the sample plan, checked with real tools: qpdf, pdffonts,
//! pdftotext, pdfdetach.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

fn cip() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cip"))
}

/// Run an external tool; fail loudly when it is missing (scripts/test installs it).
fn tool(name: &str, args: &[&str]) -> Output {
    Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("`{name}` is not available ({e}); run ./scripts/test, which installs it")
    })
}

fn render(dir: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("acme.pdf");
    let o = cip()
        .args(["render", "samples/acme.toml", "-o"])
        .arg(&out)
        .args(extra)
        .output()
        .expect("run cip");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// The PDF's text in content order (`-raw`): a table cell's lines stay
/// together, so a wrapped sentence can be found whole.
fn text_of(pdf: &Path) -> String {
    let o = tool("pdftotext", &["-raw", pdf.to_str().expect("utf8"), "-"]);
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Collapse whitespace so that text wrapped over lines still matches.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn sample_renders_and_passes_qpdf_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = render(dir.path(), &[]);
    let o = tool("qpdf", &["--check", pdf.to_str().expect("utf8")]);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn only_embedded_subset_fonts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = render(dir.path(), &[]);
    let o = tool("pdffonts", &[pdf.to_str().expect("utf8")]);
    let listing = String::from_utf8_lossy(&o.stdout);
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(rows.len() >= 2, "{listing}");
    for row in rows {
        let name = row.split_whitespace().next().unwrap_or("");
        assert!(
            name.len() > 7 && name.as_bytes()[6] == b'+',
            "not a subset: {row}"
        );
        assert!(row.contains(" yes yes "), "not embedded+subset: {row}");
    }
}

#[test]
fn every_text_of_the_plan_is_in_the_pdf() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = render(dir.path(), &[]);
    let text = squash(&text_of(&pdf));
    let layout = tool("pdftotext", &["-layout", pdf.to_str().expect("utf8"), "-"]);
    let layout_words: std::collections::HashSet<String> = String::from_utf8_lossy(&layout.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let plan = cip::model::load_file(Path::new("samples/acme.toml")).expect("sample");
    let mut expected: Vec<String> = vec![
        plan.company().into(),
        plan.assessment_report().into(),
        "Compliance Improvement Plan".into(),
        "Page 1 of".into(),
        "Prepared November 20, 2026".into(),
        "April 1, 2027".into(), // end of the conditional period
    ];
    let t = |f: &cip::model::Field<String>| cip::model::text(f).unwrap_or("").to_string();
    for o in [&plan.responsible_official, &plan.approving_official] {
        expected.push(t(&o.name));
        expected.push(t(&o.title));
    }
    for d in &plan.deficiencies {
        expected.push(t(&d.condition));
        expected.push(t(&d.result_sheet));
        for s in &d.steps {
            expected.push(t(&s.action));
            expected.push(cip::model::dates::long(
                s.target.as_ref().expect("target").value,
            ));
            for dep in &s.departments {
                expected.push(dep.value.clone());
            }
        }
        let v = d.validation.as_ref().expect("validation");
        expected.push(t(&v.methodology));
        expected.push(t(&v.tester));
        expected.push(v.transactions.as_ref().expect("n").value.to_string());
        for day in [&v.begins, &v.concludes, &v.results_to_customs] {
            // Dates as the plan writes them by default ("January 15, 2027").
            expected.push(cip::model::dates::long(day.as_ref().expect("date").value));
        }
    }
    for e in expected {
        let e = squash(&e);
        // Hyphenated words may be broken at the hyphen across lines.
        let found = text.contains(&e) || text.replace("- ", "-").contains(&e);
        assert!(found, "missing from the PDF text: {e:?}");
        // -layout (the reading a human copy-pastes) has every word too.
        for w in e.split_whitespace() {
            let hyphen_split = w
                .split('-')
                .all(|p| p.is_empty() || layout_words.iter().any(|l| l.contains(p)));
            assert!(
                layout_words.contains(w) || hyphen_split,
                "word {w:?} missing from pdftotext -layout"
            );
        }
    }
}

#[test]
fn attachments_are_byte_identical_and_match_the_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = render(dir.path(), &[]);
    let saved = dir.path().join("saved");
    std::fs::create_dir(&saved).expect("mkdir");
    let o = tool(
        "pdfdetach",
        &[
            "-saveall",
            "-o",
            saved.to_str().expect("utf8"),
            pdf.to_str().expect("utf8"),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let plan_toml = std::fs::read(saved.join("plan.toml")).expect("plan.toml attached");
    assert_eq!(
        plan_toml,
        std::fs::read("samples/acme.toml").expect("sample")
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(saved.join("manifest.json")).expect("manifest"))
            .expect("manifest json");
    assert_eq!(
        manifest["plan_toml_sha256"],
        hex::encode(Sha256::digest(&plan_toml))
    );
    let mut attached = 0;
    for d in manifest["documents"].as_array().expect("documents") {
        if d["attached"] != true {
            assert!(d["file"].is_null(), "{d}");
            continue;
        }
        attached += 1;
        let name = d["file"].as_str().expect("file");
        let bytes = std::fs::read(saved.join(name)).expect("attachment saved");
        let original = std::fs::read(Path::new("samples").join(d["path"].as_str().expect("path")))
            .expect("original");
        assert_eq!(bytes, original, "{name} differs");
        assert_eq!(d["sha256"], hex::encode(Sha256::digest(&bytes)));
        assert_eq!(d["size"], bytes.len());
    }
    assert_eq!(attached, 4);
}

#[test]
fn no_attach_keeps_manifest_and_source_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = render(dir.path(), &["--no-attach"]);
    let o = tool("pdfdetach", &["-list", pdf.to_str().expect("utf8")]);
    let list = String::from_utf8_lossy(&o.stdout);
    assert!(
        list.contains("plan.toml") && list.contains("manifest.json"),
        "{list}"
    );
    assert!(!list.contains("import-manual.md"), "{list}");
}

#[test]
fn rendering_is_deterministic() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let x = std::fs::read(render(a.path(), &[])).expect("read");
    let y = std::fs::read(render(b.path(), &[])).expect("read");
    assert!(x == y, "two renders of the same plan differ");
}

#[test]
fn plan_with_errors_is_refused_and_draft_renders_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("broken.pdf");
    let o = cip()
        .args([
            "render",
            "tests/corpus/24-validation-transactions-zero.toml",
            "-o",
        ])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("validation-transactions"));
    assert!(!out.exists(), "a refused render left a file");

    let o = cip()
        .args([
            "render",
            "--draft",
            "tests/corpus/24-validation-transactions-zero.toml",
            "-o",
        ])
        .arg(&out)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The mark is glyph outlines in one form XObject (/Draft), painted
    // first on every page: not text, so it never mixes into pdftotext's
    // output. Count its uses in the uncompressed file and look at the page.
    let path = out.to_str().expect("utf8");
    let q = tool("qpdf", &["--qdf", "--object-streams=disable", path, "-"]);
    let qdf = String::from_utf8_lossy(&q.stdout);
    let info = tool("pdfinfo", &[path]);
    let pages: usize = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count");
    assert!(pages >= 1);
    assert_eq!(
        qdf.matches("/Draft Do").count(),
        pages,
        "no DRAFT mark on every page"
    );
    let text = tool("pdftotext", &[path, "-"]);
    assert!(!String::from_utf8_lossy(&text.stdout).contains("DRAFT"));
}

#[test]
fn unwritable_output_folder_leaves_nothing() {
    // A folder that cannot be created (its parent is a plain file) fails
    // for every user, root included, unlike permission bits.
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").expect("write");
    let out = blocker.join("acme.pdf");
    let o = cip()
        .args(["render", "samples/acme.toml", "-o"])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot"), "{err}");
    assert!(
        err.contains("not-a-folder"),
        "the message names the path: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("not-a-folder")]);
    assert_eq!(std::fs::read(&blocker).expect("read"), b"x");
}

#[test]
fn existing_output_untouched_when_render_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("keep.pdf");
    std::fs::write(&out, b"good file").expect("write");
    let o = cip()
        .args([
            "render",
            "tests/corpus/24-validation-transactions-zero.toml",
            "-o",
        ])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&out).expect("read"), b"good file");
}

#[test]
fn output_equal_to_input_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.toml");
    std::fs::copy("tests/plans/minimal.toml", &plan).expect("copy");
    let before = std::fs::read(&plan).expect("read");
    let o = cip()
        .arg("render")
        .arg(&plan)
        .arg("-o")
        .arg(&plan)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read(&plan).expect("read"), before);
}

#[test]
fn output_equal_to_a_supporting_document_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("docs")).expect("mkdir");
    let doc = dir.path().join("docs/manual.pdf");
    std::fs::write(&doc, b"the manual").expect("write");
    let plan = dir.path().join("plan.toml");
    let base = std::fs::read_to_string("tests/plans/minimal.toml").expect("minimal");
    let with_doc = base
        .replace(
            "[[deficiency]]\n",
            "[[document]]\nid = \"m\"\ntitle = \"Manual\"\npath = \"docs/manual.pdf\"\n\n[[deficiency]]\n",
        )
        .replace("target = 2026-12-01\n", "target = 2026-12-01\ndocuments = [\"m\"]\n");
    std::fs::write(&plan, with_doc).expect("write");
    let o = cip()
        .arg("render")
        .arg(&plan)
        .arg("-o")
        .arg(&doc)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("supporting document"));
    assert_eq!(std::fs::read(&doc).expect("read"), b"the manual");
}

#[test]
fn a_step_without_supporting_documents_shows_a_dash_not_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = std::fs::read_to_string("samples/acme.toml").expect("sample");
    let plan = plan.replacen("documents = [\"training-records\"]", "documents = []", 1);
    assert!(plan.contains("documents = []"), "the sample changed");
    std::fs::write(dir.path().join("acme.toml"), plan).expect("write plan");
    std::fs::create_dir(dir.path().join("docs")).expect("mkdir");
    for e in std::fs::read_dir("samples/docs").expect("samples/docs") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.path().join("docs").join(e.file_name())).expect("copy");
    }
    let out = dir.path().join("acme.pdf");
    let o = cip()
        .args(["render", "--draft"])
        .arg(dir.path().join("acme.toml"))
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run cip");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = squash(&text_of(&out));
    assert!(!t.contains("None"), "\"None\" in the plan:\n{t}");
    assert!(
        t.contains("revised classification procedure. In progress — December 18, 2026"),
        "no dash for the step without documents:\n{t}"
    );
}
