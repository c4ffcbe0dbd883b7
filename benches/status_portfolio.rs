//! `cargo bench --bench status_portfolio [-- N]`: the account manager's
//! portfolio over N (default 10,000) copies of the sample plan, read in
//! parallel. Prints wall time for loading + computing + sorting, and for the
//! JSON the CLI would print. No criterion: one run is the figure that
//! matters ("10,000 plans in a few seconds"), repeated three times.

use std::time::Instant;

use chrono::NaiveDate;
use cip::status::{self, Threshold};

fn main() {
    let n: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(10_000);
    let sample = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/acme.toml"))
        .expect("samples/acme.toml");
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<_> = (0..n)
        .map(|i| {
            let p = dir.path().join(format!("plan-{i:05}.toml"));
            let text = sample
                .replace("Acme Imports, Inc.", &format!("Importer {i:05}"))
                .replace(
                    "report_date = 2026-10-01",
                    &format!("report_date = 2026-{:02}-01", 1 + i % 12),
                );
            std::fs::write(&p, text).expect("write");
            p
        })
        .collect();
    let today = NaiveDate::from_ymd_opt(2027, 1, 15).expect("date");
    let threads = rayon::current_num_threads();
    for run in 1..=3 {
        let t = Instant::now();
        let p = status::portfolio(&paths, status::load, today, &Threshold::default());
        let compute = t.elapsed();
        let t = Instant::now();
        let json = serde_json::to_string_pretty(&p).expect("json");
        let ser = t.elapsed();
        assert_eq!(p.plans.len(), n);
        println!(
            "run {run}: {n} plans ({threads} threads): load+compute+sort {compute:.2?} ({:.1} µs/plan), JSON {ser:.2?} ({} KB)",
            compute.as_secs_f64() * 1e6 / n as f64,
            json.len() / 1024
        );
    }
}
