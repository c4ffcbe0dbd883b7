//! Plans made for the status tests: a small TOML generator, so that each
//! test states only the dates and statuses that matter to it.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn cip() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cip"))
}

#[derive(Clone)]
pub struct StepSpec {
    pub target: &'static str,
    /// "done", "in-progress" or "planned".
    pub status: &'static str,
    pub completed: Option<&'static str>,
}

pub fn step(target: &'static str, status: &'static str) -> StepSpec {
    StepSpec {
        target,
        status,
        completed: (status == "done").then_some(target),
    }
}

#[derive(Clone, Default)]
pub struct ValidationSpec {
    pub begins: &'static str,
    pub concludes: &'static str,
    pub results: &'static str,
    pub sent: Option<&'static str>,
}

/// (requested, started, completed, outcome)
pub type FollowUpSpec = (
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

#[derive(Clone)]
pub struct PlanSpec {
    pub company: String,
    pub report: String,
    pub report_date: Option<String>,
    pub deficiencies: Vec<(Vec<StepSpec>, Option<ValidationSpec>)>,
    /// (requested, granted, new_deadline)
    pub extensions: Vec<(&'static str, Option<&'static str>, &'static str)>,
    pub follow_up: Option<FollowUpSpec>,
}

impl PlanSpec {
    pub fn new(report_date: &str) -> Self {
        PlanSpec {
            company: "Test Imports, Inc.".into(),
            report: "CA-TEST-1".into(),
            report_date: Some(report_date.into()),
            deficiencies: Vec::new(),
            extensions: Vec::new(),
            follow_up: None,
        }
    }

    pub fn deficiency(mut self, steps: Vec<StepSpec>, v: Option<ValidationSpec>) -> Self {
        self.deficiencies.push((steps, v));
        self
    }

    pub fn toml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "[plan]\ncompany = {:?}\nimporter_number = \"12-3456789-00\"\nassessment_report = {:?}",
            self.company, self.report
        );
        if let Some(r) = &self.report_date {
            let _ = writeln!(s, "report_date = {r}");
        }
        s.push_str("prepared = 2026-11-20\nsubmitted_to = \"Account Manager\"\n\n");
        s.push_str("[responsible_official]\nname = \"Maria Alvarez\"\ntitle = \"Director\"\n\n");
        s.push_str(
            "[approving_official]\nname = \"Robert Chen\"\ntitle = \"CFO\"\ndate = 2026-11-24\n\n",
        );
        for (i, (steps, v)) in self.deficiencies.iter().enumerate() {
            let _ = writeln!(
                s,
                "[[deficiency]]\nid = \"D{}\"\narea = \"Area {}\"\nresult_sheet = \"RS-{}\"\ncondition = \"Condition {}.\"\n",
                i + 1,
                i + 1,
                i + 1,
                i + 1
            );
            for (j, st) in steps.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "[[deficiency.step]]\naction = \"Corrective step {}.{}\"\ntarget = {}\ndepartment = \"Trade Compliance\"\nstatus = \"{}\"",
                    i + 1,
                    j + 1,
                    st.target,
                    st.status
                );
                if let Some(c) = st.completed {
                    let _ = writeln!(s, "completed = {c}");
                }
                s.push('\n');
            }
            if let Some(v) = v {
                let _ = writeln!(
                    s,
                    "[deficiency.validation]\nmethodology = \"Sample test.\"\ntester = \"Internal Audit\"\ntransactions = 40\nbegins = {}\nconcludes = {}\nresults_to_customs = {}",
                    v.begins, v.concludes, v.results
                );
                if let Some(x) = v.sent {
                    let _ = writeln!(s, "results_sent = {x}");
                }
                s.push('\n');
            }
        }
        for (r, g, nd) in &self.extensions {
            let _ = writeln!(s, "[[extension]]\nrequested = {r}");
            if let Some(g) = g {
                let _ = writeln!(s, "granted = {g}");
            }
            let _ = writeln!(
                s,
                "new_deadline = {nd}\nreason = \"Significant progress.\"\n"
            );
        }
        if let Some((r, st, c, o)) = &self.follow_up {
            s.push_str("[follow_up]\n");
            for (k, v) in [("requested", r), ("started", st), ("completed", c)] {
                if let Some(v) = v {
                    let _ = writeln!(s, "{k} = {v}");
                }
            }
            if let Some(o) = o {
                let _ = writeln!(s, "outcome = {o:?}");
            }
        }
        s
    }

    pub fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, self.toml()).expect("write plan");
        p
    }
}

/// `cip status PATH --today TODAY --format json [extra...]`, parsed.
pub fn status_json(path: &Path, today: &str, extra: &[&str]) -> serde_json::Value {
    let out = cip()
        .arg("status")
        .arg(path)
        .args(["--today", today, "--format", "json"])
        .args(extra)
        .output()
        .expect("run cip");
    assert!(
        out.status.success(),
        "cip status failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

pub fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
