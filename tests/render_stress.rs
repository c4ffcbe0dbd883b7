//! The stress plan: 16 deficiencies, a 3,000-word condition, a step whose
//! action fills more than a page, Unicode names, hashes and URLs without
//! spaces. It must render with every text present, header rows repeated on
//! continuation pages, and pass qpdf. Set CIP_KEEP=DIR to keep the PDF (to
//! look at it with pdftoppm).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

fn tool(name: &str, args: &[&str]) -> Output {
    Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("`{name}` is not available ({e}); run ./scripts/test, which installs it")
    })
}

fn words(n: usize, seed: usize) -> String {
    const W: &[&str] = &[
        "entry",
        "classification",
        "broker",
        "tariff",
        "subheading",
        "ruling",
        "invoice",
        "valuation",
        "assist",
        "royalty",
        "review",
        "sample",
        "importer",
        "record",
        "control",
        "procedure",
        "manual",
        "declared",
        "quantity",
        "origin",
    ];
    (0..n)
        .map(|i| W[(i * 7 + seed * 13) % W.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes the stress plan and its documents into `dir`; returns the plan path.
pub fn stress_plan(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("docs")).expect("mkdir");
    let mut t = String::new();
    t.push_str(
        "[plan]\ncompany = \"Müller & Søn Import-Export GmbH\"\nimporter_number = \"98-7654321-00\"\n\
         assessment_report = \"CA-2026-LA-0099\"\nreport_date = 2026-08-31\nprepared = 2026-10-15\n\
         submitted_to = \"Account Manager, Regulatory Audit Division\"\n\n\
         [responsible_official]\nname = \"Ελένη Παπαδοπούλου\"\ntitle = \"Head of Customs Compliance (Ελληνικά)\"\n\
         email = \"eleni.papadopoulou@mueller-soen.example\"\n\n\
         [approving_official]\nname = \"Jörg Müller\"\ntitle = \"Geschäftsführer\"\ndate = 2026-10-20\n\n",
    );
    for i in 0..4 {
        let name = format!("evidence-{i}.txt");
        std::fs::write(
            dir.join("docs").join(&name),
            format!("evidence {i}\n{}", words(50, i)),
        )
        .expect("write doc");
        let _ = write!(
            t,
            "[[document]]\nid = \"ev{i}\"\ntitle = \"Evidence {i}: https://compliance.mueller-soen.example/evidence/2026/{i}/a-very-long-path-without-any-spaces-at-all/index.html\"\npath = \"docs/{name}\"\n\n"
        );
    }
    for d in 0..16 {
        let condition = if d == 0 { words(3000, d) } else { words(60, d) };
        let _ = write!(
            t,
            "[[deficiency]]\nid = \"D{}\"\narea = \"Area {d} — Zollwert\"\nresult_sheet = \"RS-{d}\"\ncondition = \"\"\"{condition}\"\"\"\n\n",
            d + 1
        );
        for s in 0..3 {
            let action = if d == 1 && s == 0 {
                words(1500, s)
            } else if s == 1 {
                format!(
                    "Record the digest e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855{d} and {}",
                    words(20, s)
                )
            } else {
                words(25, d + s)
            };
            let doc = if s == 0 {
                format!("documents = [\"ev{}\"]\n", d % 4)
            } else {
                String::new()
            };
            let _ = write!(
                t,
                "[[deficiency.step]]\naction = \"\"\"{action}\"\"\"\n{doc}target = 2026-12-{:02}\ndepartment = [\"Trade Compliance\", \"Informationstechnologie\"]\n\n",
                s + 10
            );
        }
        t.push_str(
            "[deficiency.validation]\nmethodology = \"Re-perform a random sample.\"\ntester = \"Interne Revision\"\n\
             transactions = 25\nbegins = 2027-01-05\nconcludes = 2027-01-25\nresults_to_customs = 2027-02-10\n\n",
        );
    }
    let plan = dir.join("stress.toml");
    std::fs::write(&plan, t).expect("write plan");
    plan
}

#[test]
fn stress_plan_renders_completely() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = stress_plan(dir.path());
    let check = Command::new(env!("CARGO_BIN_EXE_cip"))
        .arg("check")
        .arg(&plan)
        .output()
        .expect("run");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let pdf = dir.path().join("stress.pdf");
    let o = Command::new(env!("CARGO_BIN_EXE_cip"))
        .arg("render")
        .arg(&plan)
        .arg("-o")
        .arg(&pdf)
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    if let Ok(keep) = std::env::var("CIP_KEEP") {
        let _ = std::fs::copy(&pdf, Path::new(&keep).join("stress.pdf"));
    }
    let p = pdf.to_str().expect("utf8");
    let q = tool("qpdf", &["--check", p]);
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stdout));

    let raw = String::from_utf8_lossy(&tool("pdftotext", &["-raw", p, "-"]).stdout).into_owned();
    let squashed: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "Müller & Søn Import-Export GmbH",
        "Ελένη Παπαδοπούλου",
        "Jörg Müller",
        "Geschäftsführer",
        "Deficiency D16",
    ] {
        assert!(squashed.contains(needle), "missing {needle:?}");
    }
    // Long tokens are broken at the cell edge, never lost: joining the
    // text without any whitespace finds them whole.
    let joined: String = raw.split_whitespace().collect();
    for d in 0..16 {
        let hash = format!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855{d}");
        assert!(joined.contains(&hash), "hash of D{} lost", d + 1);
    }
    assert!(joined.contains("https://compliance.mueller-soen.example/evidence/2026/3/a-very-long-path-without-any-spaces-at-all/index.html"));
    // The 3,000-word condition is all there.
    assert!(raw.split_whitespace().count() > 3000 + 1500);

    // Page count and repeated headers: the first deficiency's condition
    // spans pages, and its table header row repeats on each of them.
    let pages: Vec<&str> = raw
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 15, "only {} pages", pages.len());
    let continued = pages
        .iter()
        .filter(|p| p.contains("Deficiency Disclosed on the Audit Results Sheet"))
        .count();
    assert!(
        continued >= 18,
        "condition header on only {continued} pages"
    );
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {}", i + 1, pages.len())),
            "page {} footer",
            i + 1
        );
        assert!(
            page.contains("Müller & Søn Import-Export GmbH"),
            "page {} header",
            i + 1
        );
    }
}
