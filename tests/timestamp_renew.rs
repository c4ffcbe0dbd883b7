//! Archive renewal (issue 14): an archive of 20 signed files whose
//! signature timestamps come from a TSA certificate expiring in 20 days is
//! renewed with fresh document timestamps; `cip archive verify` and
//! `cip verify --at` before and after.

mod common;
mod tsa_common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use tsa_common::setup;

fn cip(args: &[&str]) -> Output {
    run(Command::new(cip_bin()).args(args))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn an_archive_of_20_files_with_an_expiring_tsa_is_renewed() {
    let (pki, tsa) = setup();
    let (key, cert) = pki.signer("archivist", 3000);
    let ca = pki.path("ca.pem");
    let arch = pki.path("archive");
    let o = cip(&["archive", "--archive", s(&arch), "init"]);
    assert!(o.status.success(), "{}", text(&o));
    let input = pki.path("in.pdf");
    std::fs::write(&input, sample_pdf(true)).expect("write");
    let mut files = Vec::new();
    for i in 0..20 {
        let out = pki.path(&format!("plan-{i:02}.pdf"));
        let o = cip(&[
            "sign",
            s(&input),
            "--key",
            s(&key),
            "--cert",
            s(&cert),
            "--tsa",
            &tsa.url("short"),
            "--reason",
            &format!("plan {i}"),
            "-o",
            s(&out),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        files.push(out);
    }
    let mut add = vec!["archive", "--archive", s(&arch), "add", "--trust", s(&ca)];
    add.extend(files.iter().map(|f| s(f)));
    let o = cip(&add);
    assert!(o.status.success(), "{}", text(&o));

    // Before: every file's proof lapses with the TSA certificate.
    let o = cip(&["archive", "--archive", s(&arch), "verify"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("proof of time lapses within a year for 20 file(s)"),
        "{t}"
    );
    // The JSON report carries the same list.
    let o = cip(&[
        "archive",
        "--archive",
        s(&arch),
        "verify",
        "--format",
        "json",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let lapsing = j["proof_lapsing_within_a_year"]
        .as_array()
        .unwrap_or_else(|| panic!("no lapse list: {j}"));
    assert_eq!(lapsing.len(), 20, "{j}");
    assert!(
        lapsing[0]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("TSA certificate expires ")),
        "{j}"
    );
    assert!(lapsing[0]["proof_expires"].is_string(), "{j}");
    let later = (chrono::Utc::now() + chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let o = cip(&["verify", s(&files[0]), "--trust", s(&ca), "--at", &later]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "before renewal, 60 days on: {}",
        text(&o)
    );

    let o = cip(&[
        "archive",
        "--archive",
        s(&arch),
        "renew",
        "--tsa",
        &tsa.url(""),
        "--before",
        "90",
        "--trust",
        s(&ca),
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("20 file(s) checked (0 already renewed by a later file); 20 renewed, 0 failed"),
        "{t}"
    );

    // After: 40 objects, all verify; nothing lapses; a second run renews nothing.
    let o = cip(&["archive", "--archive", s(&arch), "verify"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(!t.contains("proof of time lapses"), "{t}");
    let o = cip(&[
        "archive",
        "--archive",
        s(&arch),
        "verify",
        "--format",
        "json",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        j["proof_lapsing_within_a_year"],
        serde_json::json!([]),
        "{j}"
    );
    let o = cip(&["archive", "--archive", s(&arch), "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rows = list.as_array().expect("rows");
    assert_eq!(rows.len(), 40, "{list}");
    let o = cip(&[
        "archive",
        "--archive",
        s(&arch),
        "renew",
        "--dry-run",
        "--before",
        "90",
        "--trust",
        s(&ca),
    ]);
    assert!(
        text(&o).contains("20 file(s) checked (20 already renewed by a later file); 0 due"),
        "{}",
        text(&o)
    );
    // A renewed file holds its original unchanged and verifies 60 days on.
    let original = std::fs::read(&files[0]).expect("read");
    let renewed_row = rows
        .iter()
        .filter(|r| r["original_name"] == "plan-00.pdf")
        .max_by_key(|r| r["size"].as_u64())
        .expect("renewed row");
    let sha = renewed_row["sha256"].as_str().expect("sha");
    let got = pki.path("renewed-00.pdf");
    let o = cip(&["archive", "--archive", s(&arch), "get", sha, "-o", s(&got)]);
    assert!(o.status.success(), "{}", text(&o));
    let renewed = std::fs::read(&got).expect("read");
    assert!(renewed.len() > original.len() && renewed.starts_with(&original));
    let o = cip(&["verify", s(&got), "--trust", s(&ca), "--at", &later]);
    assert!(
        o.status.success(),
        "after renewal, 60 days on: {}",
        text(&o)
    );
}
