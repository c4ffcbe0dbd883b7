//! Plans and case files for the lifecycle tests: a generator shaped like the
//! sample plan (11 steps in 3 deficiencies, every step documented), so that
//! each test states only the dates that matter to it.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::letter_common::{cip_bin, pdf_text, run, text};

/// Steps per deficiency (11 in all, as in samples/acme.toml).
pub const SHAPE: [usize; 3] = [4, 4, 3];

#[derive(Clone)]
pub struct Cip {
    pub report: String,
    pub prepared: String,
    pub issued: String,
    /// (target, completed) of each step, in plan order.
    pub steps: Vec<(String, Option<String>)>,
    /// Steps (0-based) whose supporting document is not attached.
    pub undocumented: Vec<usize>,
    /// Validation of every deficiency: begins, concludes, results_to_customs.
    pub validation: (String, String, String),
    /// results_sent of every deficiency.
    pub sent: Option<String>,
}

impl Cip {
    /// Report 2026-10-01 (the period ends 2027-04-01), prepared 2026-11-20,
    /// every step open with target 2027-03-01, validation in March.
    pub fn new() -> Cip {
        Cip {
            report: "2026-10-01".into(),
            prepared: "2026-11-20".into(),
            issued: "2026-11-24".into(),
            steps: (0..11).map(|_| ("2027-03-01".to_string(), None)).collect(),
            undocumented: Vec::new(),
            validation: (
                "2027-03-05".into(),
                "2027-03-20".into(),
                "2027-03-31".into(),
            ),
            sent: None,
        }
    }

    pub fn report(mut self, report: &str, prepared: &str) -> Cip {
        self.report = report.into();
        self.prepared = prepared.into();
        self.issued = prepared.into();
        self
    }

    /// Steps `from..to` completed on `on` (target on or after it).
    pub fn done(mut self, from: usize, to: usize, on: &str) -> Cip {
        for s in &mut self.steps[from..to] {
            s.1 = Some(on.to_string());
        }
        self
    }

    /// Targets of the steps still open.
    pub fn open_target(mut self, target: &str) -> Cip {
        for s in self.steps.iter_mut().filter(|s| s.1.is_none()) {
            s.0 = target.to_string();
        }
        self
    }

    pub fn validation(mut self, begins: &str, concludes: &str, results: &str) -> Cip {
        self.validation = (begins.into(), concludes.into(), results.into());
        self
    }

    pub fn sent(mut self, on: &str) -> Cip {
        self.sent = Some(on.into());
        self
    }

    pub fn undocumented(mut self, step: usize) -> Cip {
        self.undocumented.push(step);
        self
    }

    pub fn toml(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "[plan]\ncompany = \"Lifecycle Imports, Inc.\"\nimporter_number = \"12-3456789-00\"\n\
             assessment_report = \"CA-LC-1\"\nreport_date = {}\nprepared = {}\n\
             submitted_to = \"Account Manager\"\n\n\
             [responsible_official]\nname = \"Maria Alvarez\"\ntitle = \"Director, Trade Compliance\"\n\n\
             [approving_official]\nname = \"Robert Chen\"\ntitle = \"Chief Financial Officer\"\ndate = {}\n\n\
             [[document]]\nid = \"evidence\"\ntitle = \"Import Procedure Manual\"\npath = \"docs/import-manual.md\"\n\n\
             [[document]]\nid = \"to-come\"\ntitle = \"Records to be submitted\"\n\n",
            self.report, self.prepared, self.issued
        );
        let mut n = 0;
        for (d, count) in SHAPE.iter().enumerate() {
            let _ = write!(
                s,
                "[[deficiency]]\nid = \"D{}\"\narea = \"Area {}\"\nresult_sheet = \"RS-{}\"\ncondition = \"Condition {}.\"\n\n",
                d + 1,
                d + 1,
                d + 1,
                d + 1
            );
            for _ in 0..*count {
                let (target, completed) = &self.steps[n];
                let doc = if self.undocumented.contains(&n) {
                    "to-come"
                } else {
                    "evidence"
                };
                let _ = write!(
                    s,
                    "[[deficiency.step]]\naction = \"Corrective step {}.\"\ndocuments = [\"{doc}\"]\ntarget = {target}\ndepartment = \"Trade Compliance\"\n",
                    n + 1
                );
                match completed {
                    Some(c) => {
                        let _ = write!(s, "status = \"done\"\ncompleted = {c}\n\n");
                    }
                    None => s.push_str("status = \"in-progress\"\n\n"),
                }
                n += 1;
            }
            let (b, c, r) = &self.validation;
            let _ = write!(
                s,
                "[deficiency.validation]\nmethodology = \"Sample test.\"\ntester = \"Internal Audit\"\ntransactions = 40\nbegins = {b}\nconcludes = {c}\nresults_to_customs = {r}\n"
            );
            if let Some(x) = &self.sent {
                let _ = writeln!(s, "results_sent = {x}");
            }
            s.push('\n');
        }
        s
    }

    pub fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, self.toml()).expect("write plan");
        p
    }
}

impl Default for Cip {
    fn default() -> Self {
        Cip::new()
    }
}

/// 7 of 11 steps done, the 4 open ones due 2027-03-20 (12 days overdue on
/// the deadline), validation results due 2027-03-31.
pub fn seven_of_eleven() -> Cip {
    Cip::new()
        .done(0, 7, "2026-12-20")
        .open_target("2027-03-20")
        .validation("2027-03-22", "2027-03-26", "2027-03-31")
}

/// `cip status PLAN --today DATE --format json [--case CASE]`.
pub fn status(dir: &Path, plan: &str, case: Option<&str>, today: &str) -> serde_json::Value {
    let mut c = Command::new(cip_bin());
    c.current_dir(dir)
        .arg("status")
        .arg(plan)
        .args(["--today", today, "--format", "json"]);
    if let Some(k) = case {
        c.args(["--case", k]);
    }
    let out = run(&mut c);
    assert!(out.status.success(), "cip status failed: {}", text(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// `cip letter KIND --plan PLAN --from am.toml --date DATE ARGS...`.
pub fn letter(dir: &Path, kind: &str, plan: &str, date: &str, args: &[&str]) -> Output {
    run(Command::new(cip_bin())
        .current_dir(dir)
        .arg("letter")
        .arg(kind)
        .args(["--plan", plan, "--from", "am.toml", "--date", date])
        .args(args))
}

/// The `letter.json` embedded in a letter PDF.
pub fn letter_json(pdf: &Path) -> serde_json::Value {
    let bytes = std::fs::read(pdf).expect("read letter");
    let json = cip::verify::embedded_file(&bytes, "letter.json")
        .expect("readable")
        .expect("letter.json embedded");
    serde_json::from_slice(&json).expect("json")
}

/// Issue a letter into `out` and return its text (pdftotext), or fail.
pub fn letter_text(
    dir: &Path,
    kind: &str,
    plan: &str,
    date: &str,
    args: &[&str],
    out: &str,
) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-o", out]);
    let o = letter(dir, kind, plan, date, &all);
    assert!(o.status.success(), "{kind} letter failed: {}", text(&o));
    pdf_text(&dir.join(out))
}

/// A refused letter: exit 1, nothing written, each code named.
pub fn refused(o: &Output, codes: &[&str]) -> String {
    let t = text(o);
    assert_eq!(o.status.code(), Some(1), "expected a refusal: {t}");
    assert!(t.contains("is refused"), "{t}");
    for c in codes {
        assert!(
            t.contains(&format!("[{c}]")),
            "refusal `{c}` not named in:\n{t}"
        );
    }
    t
}

/// "April 1, 2027" for "2027-04-01".
pub fn long(iso: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").expect("iso date");
    d.format("%B %-d, %Y").to_string()
}
