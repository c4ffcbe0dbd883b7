//! Issue 12: revisions of a plan. Revision 2 of the sample (two dates moved,
//! one step added, one document replaced, a request answered) rendered
//! against the signed revision 1: the changes page, `cip diff` in words and
//! JSON, and the refusals (wrong hash, a revision that skips a number, a
//! tampered PDF).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cip() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cip"));
    c.env("NO_COLOR", "1");
    c
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run cip")
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// A folder with the samples, a key, and the signed revision 1.
struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().to_path_buf();
        for f in ["acme.toml", "acme-r2.toml"] {
            std::fs::copy(samples().join(f), dir.join(f)).expect("copy plan");
        }
        std::fs::create_dir(dir.join("docs")).expect("docs");
        for e in std::fs::read_dir(samples().join("docs")).expect("read docs") {
            let p = e.expect("entry").path();
            std::fs::copy(&p, dir.join("docs").join(p.file_name().expect("name"))).expect("copy");
        }
        let o = run(cip().current_dir(&dir).args([
            "keygen",
            "--name",
            "Robert Chen",
            "--title",
            "Chief Financial Officer",
            "--key",
            "k.pem",
            "--cert",
            "c.pem",
        ]));
        assert!(o.status.success(), "{}", out(&o));
        let s = Setup { _tmp: tmp, dir };
        s.render_signed("acme.toml", "acme-r1.pdf", &[]);
        s
    }

    fn render_signed(&self, plan: &str, pdf: &str, extra: &[&str]) -> Output {
        let o = run(cip()
            .current_dir(&self.dir)
            .args(["render", plan, "-o", pdf, "--no-timeline", "--sign"])
            .args(["--key", "k.pem", "--cert", "c.pem"])
            .args(extra));
        assert!(o.status.success(), "{}", out(&o));
        o
    }

    fn r2(&self) -> String {
        std::fs::read_to_string(self.dir.join("acme-r2.toml")).expect("r2")
    }

    fn set_r2(&self, text: &str) {
        std::fs::write(self.dir.join("acme-r2.toml"), text).expect("write r2");
    }
}

fn pdftotext(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The text as one line: lines joined by a space, except after a line
/// broken at a hyphen (layout breaks dates and paths there).
fn unwrap_lines(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() && !out.ends_with('-') {
            out.push(' ');
        }
        out.push_str(&line.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    // pdftotext may see a gap after a hyphen where layout may break a line.
    out.replace("- ", "-")
}

/// What revision 2 changes, as subjects: the list, plus the
/// preparation and approval dates every new submission carries.
const SUBJECTS: &[&str] = &[
    "Plan",
    "Approving official",
    "Document import-manual",
    "D1 step 3",
    "D2 step 3",
    "D2 step 5",
    "Response to request AI-2026-12-10-1",
];

#[test]
fn revision_2_of_the_sample_lists_exactly_its_changes() {
    let s = Setup::new();
    let o = s.render_signed(
        "acme-r2.toml",
        "acme-r2.pdf",
        &["--previous", "acme-r1.pdf"],
    );
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        std::fs::read(s.dir.join("acme-r1.pdf")).expect("r1"),
    ));
    assert!(
        out(&o).contains(&format!("sha256 = \"{sha}\"")),
        "{}",
        out(&o)
    );
    // Filled in in the plan itself, so that the source and the PDF agree.
    assert!(s.r2().contains(&format!(
        "supersedes = {{ file = \"acme-r1.pdf\", sha256 = \"{sha}\" }}"
    )));

    let text = pdftotext(&s.dir.join("acme-r2.pdf"));
    // The first page says which submission this one supersedes; the
    // responses have their own section in the plan, not only on the page.
    let all = unwrap_lines(&text);
    assert!(
        all.contains("Revision 2, superseding acme-r1.pdf (SHA-256"),
        "{all}"
    );
    assert!(all.contains("Responses to Requests for Additional Information Request Response AI-2026-12-10-1 The training sessions"), "{all}");
    let start = text.find("Changes since revision 1").expect("changes page");
    let end = text[start..]
        .find("Appendix: Supporting Documentation Manifest")
        .map_or(text.len(), |e| start + e);
    let page = unwrap_lines(&text[start..end]);
    assert!(
        page.contains(&format!("acme-r1.pdf, SHA-256 {sha}")),
        "{page}"
    );
    for expected in [
        "D1 step 3 (Train purchasing, engineering and broker liaison staff on …): target date December 18, 2026 → January 8, 2027",
        "D2 step 3 (File prior disclosure for the unreported assist values …): target date January 29, 2027 → February 5, 2027",
        "D2 step 5 added: Reconcile the assist register",
        "Document import-manual replaced (SHA-256 ",
        "Response to request AI-2026-12-10-1 added:",
        "Plan: prepared November 20, 2026 → December 14, 2026",
        "Approving official: date November 24, 2026 → December 15, 2026",
    ] {
        assert!(page.contains(expected), "missing {expected:?} in:\n{page}");
    }
    assert_eq!(page.matches('•').count(), SUBJECTS.len(), "{page}");

    // cip diff on the two signed PDFs: the same changes, exit 1.
    let o = run(cip()
        .current_dir(&s.dir)
        .args(["diff", "acme-r1.pdf", "acme-r2.pdf"]));
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let printed = out(&o);
    assert!(printed.contains("7 change(s)"), "{printed}");
    assert!(
        printed.contains("~ D1 step 3 (Train purchasing, engineering and broker liaison staff on …): target date 2026-12-18 → 2027-01-08\n"),
        "{printed}"
    );
    assert!(printed.contains("+ D2 step 5 added:"), "{printed}");
    assert!(!printed.contains('\u{1b}'), "NO_COLOR: no escape codes");

    let o = run(cip().current_dir(&s.dir).args([
        "diff",
        "acme-r1.pdf",
        "acme-r2.pdf",
        "--format",
        "json",
    ]));
    assert_eq!(o.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let subjects: Vec<&str> = json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["subject"].as_str())
        .collect();
    assert_eq!(subjects, SUBJECTS);
    assert_eq!(json["old_revision"], 1);
    assert_eq!(json["new_revision"], 2);
    let doc = &json["changes"][2];
    let sha_field = doc["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["field"] == "sha256")
        .expect("sha256 field");
    assert_ne!(sha_field["old"], sha_field["new"]);
    assert_eq!(sha_field["new"].as_str().map(str::len), Some(64));
    let step = &json["changes"][3]["fields"];
    assert_eq!(
        step.as_array().map(Vec::len),
        Some(1),
        "only the date moved"
    );
    assert_eq!(step[0]["field"], "target_date");
    assert_eq!(step[0]["old"], "2026-12-18");
    assert_eq!(step[0]["new"], "2027-01-08");
}

#[test]
fn a_wrong_supersedes_hash_is_refused() {
    let s = Setup::new();
    let wrong = "0".repeat(64);
    s.set_r2(&s.r2().replace(
        "revision = 2\n",
        &format!("revision = 2\nsupersedes = {{ file = \"acme-r1.pdf\", sha256 = \"{wrong}\" }}\n"),
    ));
    let before = s.r2();
    let o = run(cip().current_dir(&s.dir).args([
        "render",
        "acme-r2.toml",
        "--previous",
        "acme-r1.pdf",
    ]));
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let msg = out(&o);
    assert!(
        msg.contains("acme-r2.toml:15: supersedes.sha256 is 0000"),
        "{msg}"
    );
    assert!(msg.contains("but acme-r1.pdf has SHA-256"), "{msg}");
    assert_eq!(s.r2(), before, "a refused plan is not rewritten");
    assert!(!s.dir.join("acme-r2.pdf").exists());
}

#[test]
fn revision_3_after_1_is_refused() {
    let s = Setup::new();
    s.set_r2(&s.r2().replace("revision = 2\n", "revision = 3\n"));
    let o = run(cip().current_dir(&s.dir).args([
        "render",
        "acme-r2.toml",
        "--previous",
        "acme-r1.pdf",
    ]));
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let msg = out(&o);
    assert!(
        msg.contains(
            "[plan] revision = 3, but acme-r1.pdf is revision 1; a revised plan is revision 2"
        ),
        "{msg}"
    );
}

#[test]
fn the_previous_submission_must_be_a_signed_pdf() {
    let s = Setup::new();
    let o =
        run(cip()
            .current_dir(&s.dir)
            .args(["render", "acme-r2.toml", "--previous", "acme.toml"]));
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("not a TOML file"), "{}", out(&o));
}

#[test]
fn identical_plans_diff_empty() {
    let s = Setup::new();
    let o = run(cip()
        .current_dir(&s.dir)
        .args(["diff", "acme.toml", "acme-r1.pdf"]));
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("no changes"), "{}", out(&o));
    let o =
        run(cip()
            .current_dir(&s.dir)
            .args(["diff", "acme.toml", "acme.toml", "--format", "json"]));
    assert_eq!(o.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(json["changes"], serde_json::json!([]));
}

#[test]
fn a_tampered_pdf_is_refused() {
    let s = Setup::new();
    let mut pdf = std::fs::read(s.dir.join("acme-r1.pdf")).expect("r1");
    // Change one byte of the signed content (inside the first stream).
    let at = pdf
        .windows(6)
        .position(|w| w == b"stream")
        .expect("a stream")
        + 20;
    pdf[at] ^= 0x01;
    std::fs::write(s.dir.join("tampered.pdf"), &pdf).expect("write");
    let o = run(cip()
        .current_dir(&s.dir)
        .args(["diff", "acme.toml", "tampered.pdf"]));
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("tampered.pdf"), "{}", out(&o));
    let o = run(cip().current_dir(&s.dir).args([
        "render",
        "acme-r2.toml",
        "--previous",
        "tampered.pdf",
    ]));
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("does not verify"), "{}", out(&o));
}

#[test]
fn check_rules_for_the_revision_fields() {
    let s = Setup::new();
    let check = |text: &str| {
        std::fs::write(s.dir.join("t.toml"), text).expect("write");
        let o = run(cip()
            .current_dir(&s.dir)
            .args(["check", "t.toml", "--format", "json"]));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let r2 = s.r2();
    assert!(check(&r2).contains("\"supersedes-missing\""));
    let first = std::fs::read_to_string(s.dir.join("acme.toml")).expect("acme");
    let on_first = first.replace(
        "[responsible_official]",
        "supersedes = { file = \"x.pdf\", sha256 = \"abc\" }\n\n[responsible_official]",
    );
    let report = check(&on_first);
    assert!(
        report.contains("\"supersedes-on-first-revision\""),
        "{report}"
    );
    let bad_hash = r2.replace(
        "revision = 2\n",
        "revision = 2\nsupersedes = { file = \"x.pdf\", sha256 = \"abc\" }\n",
    );
    assert!(check(&bad_hash).contains("\"supersedes-incomplete\""));
    assert!(check(&r2.replace("revision = 2", "revision = 0")).contains("\"revision-invalid\""));
    let bad_response =
        format!("{r2}\n[[response]]\nrequest = \"AI-2026-12-10-1\"\ndocuments = [\"nope\"]\n");
    let report = check(&bad_response);
    for rule in [
        "response-duplicate",
        "response-incomplete",
        "response-document-unknown",
    ] {
        assert!(report.contains(&format!("\"{rule}\"")), "{rule}: {report}");
    }
}

#[test]
fn check_warns_about_open_requests_the_revision_does_not_answer() {
    let s = Setup::new();
    let case = "[case]\ncompany = \"Acme Imports, Inc.\"\nassessment_report = \"CA-2026-NY-0412\"\n\n\
                [[additional_information]]\ndate = 2026-12-10\nitems = 2\ndue = 2027-01-09\n\n\
                [[additional_information]]\nid = \"AI-TRAINING\"\ndate = 2026-12-10\n";
    std::fs::write(s.dir.join("acme-r2.case.toml"), case).expect("case");
    let o = run(cip()
        .current_dir(&s.dir)
        .args(["check", "acme-r2.toml", "--format", "json"]));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let open: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "request-unanswered")
        .filter_map(|f| f["message"].as_str())
        .collect();
    // The first request is AI-2026-12-10-1, which the sample answers; the
    // second has its own id and is not answered.
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(open[0].contains("AI-TRAINING"), "{}", open[0]);

    // Accepted after the request: closed, no warning.
    std::fs::write(
        s.dir.join("acme-r2.case.toml"),
        format!("{case}\n[[acceptance]]\ndate = 2026-12-20\n"),
    )
    .expect("case");
    let o = run(cip()
        .current_dir(&s.dir)
        .args(["check", "acme-r2.toml", "--format", "json"]));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("request-unanswered"));
}

#[test]
fn a_revision_of_another_plan_is_refused() {
    let s = Setup::new();
    s.set_r2(&s.r2().replace("CA-2026-NY-0412", "CA-2026-NY-0999"));
    let o = run(cip().current_dir(&s.dir).args([
        "render",
        "acme-r2.toml",
        "--previous",
        "acme-r1.pdf",
    ]));
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("answers assessment report \"CA-2026-NY-0999\""),
        "{}",
        out(&o)
    );
}

#[test]
fn diff_of_two_tomls_in_colour_on_request() {
    let s = Setup::new();
    let o = run(cip().current_dir(&s.dir).args([
        "diff",
        "acme.toml",
        "acme-r2.toml",
        "--color",
        "always",
    ]));
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(printed.contains("\u{1b}[32m+ D2 step 5 added"), "{printed}");
    // Documents hashed from the files beside each TOML.
    assert!(
        printed.contains("Document import-manual replaced (SHA-256 "),
        "{printed}"
    );
    let o = run(cip()
        .current_dir(&s.dir)
        .args(["diff", "acme.toml", "missing.toml"]));
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
}
