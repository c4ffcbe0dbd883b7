//! The portfolio at scale: 10,000 generated plans (and a few broken files)
//! through `cip status --all`, in a few seconds, sorted by urgency.

mod status_common;

use std::time::Instant;

use status_common::*;

const N: usize = 10_000;

/// A varied plan: report dates over two years, 1-6 deficiencies, steps in
/// every state. Deterministic in `i`.
fn plan(i: usize) -> PlanSpec {
    const REPORTS: [&str; 8] = [
        "2025-06-30",
        "2025-08-31",
        "2025-11-15",
        "2026-01-31",
        "2026-03-01",
        "2026-05-20",
        "2026-08-31",
        "2026-10-01",
    ];
    const TARGETS: [&str; 6] = [
        "2025-12-01",
        "2026-02-15",
        "2026-04-30",
        "2026-07-01",
        "2026-09-30",
        "2026-12-31",
    ];
    const STATUS: [&str; 3] = ["done", "in-progress", "planned"];
    let mut p = PlanSpec::new(REPORTS[i % REPORTS.len()]);
    p.company = format!("Importer {i:05}");
    p.report = format!("CA-{i:05}");
    for d in 0..(1 + i % 6) {
        let steps = (0..(2 + (i + d) % 4))
            .map(|s| {
                step(
                    TARGETS[(i + d + s) % TARGETS.len()],
                    STATUS[(i / 7 + d + s) % 3],
                )
            })
            .collect();
        let v = Some(ValidationSpec {
            begins: "2027-01-05",
            concludes: "2027-01-20",
            results: "2027-02-01",
            sent: None,
        });
        p = p.deficiency(steps, v);
    }
    p
}

#[test]
fn ten_thousand_plans_in_a_few_seconds() {
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..N {
        plan(i).write(dir.path(), &format!("plan-{i:05}.toml"));
    }
    std::fs::write(
        dir.path().join("broken-1.toml"),
        "[plan]\ncompany = \"unterminated",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("broken-2.toml"),
        "[plan]\nunknown_key = 1\n",
    )
    .expect("write");

    let start = Instant::now();
    let out = cip()
        .args([
            "status",
            "--all",
            "--today",
            "2026-03-01",
            "--format",
            "json",
        ])
        .arg(dir.path())
        .output()
        .expect("run");
    let elapsed = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let plans = j["plans"].as_array().expect("plans");
    assert_eq!(plans.len(), N);
    let unreadable = j["unreadable"].as_array().expect("unreadable");
    assert_eq!(unreadable.len(), 2);
    assert!(
        unreadable[0]["file"]
            .as_str()
            .expect("f")
            .ends_with("broken-1.toml")
    );

    // Urgency order: overdue plans first (oldest overdue first), then by deadline.
    let first_calm = plans
        .iter()
        .position(|r| r["overdue"] == 0 && r["phase"] != "at-risk")
        .expect("some plan has nothing overdue");
    assert!(first_calm > 0, "some plans are overdue");
    assert!(
        plans[first_calm..]
            .iter()
            .all(|r| r["overdue"] == 0 && r["phase"] != "at-risk")
    );
    let since: Vec<&str> = plans[..first_calm]
        .iter()
        .map(|r| r["overdue_since"].as_str().unwrap_or("9999"))
        .collect();
    assert!(
        since.windows(2).all(|w| w[0] <= w[1]),
        "overdue plans are ordered by their oldest overdue date"
    );
    let deadlines: Vec<&str> = plans[first_calm..]
        .iter()
        .map(|r| r["deadline"].as_str().unwrap_or("9999"))
        .collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]));

    // "A few seconds" (the test runs unoptimised too; scripts/bench-status measures release).
    let limit = if cfg!(debug_assertions) { 60 } else { 10 };
    assert!(elapsed.as_secs() < limit, "10,000 plans took {elapsed:?}");
    eprintln!("cip status --all: {N} plans in {elapsed:?}");

    // The human table renders the same rows.
    let out = cip()
        .args(["status", "--all", "--today", "2026-03-01"])
        .arg(dir.path())
        .output()
        .expect("run");
    let t = text(&out);
    assert!(t.contains("Portfolio: 10000 plans"));
    assert!(t.contains("Importer 09999"));
    assert!(t.contains("Unreadable files (2)"));
}
