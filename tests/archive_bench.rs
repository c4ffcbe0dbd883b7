//! Timing of `cip archive add` and `cip archive verify` on 100 signed plans
//! (ignored by default; run with
//! `cargo test --release --test archive_bench -- --ignored --nocapture`).

mod common_archive;

use std::time::Instant;

use common_archive::*;

#[test]
#[ignore]
fn bench_add_and_verify_100() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    let files: Vec<_> = (0..100)
        .map(|n| signed_plan(t.path(), &format!("p{n}.pdf"), &k, "Acme", "CA-1", n))
        .collect();
    let size: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert_eq!(code(&run(archive_cmd(&ar).arg("init"))), 0);

    let s = Instant::now();
    let o = run(archive_cmd(&ar).arg("add").args(&files));
    let one_process = s.elapsed();
    assert_eq!(code(&o), 0, "{}", text(&o));

    let ar2 = t.path().join("ar2");
    assert_eq!(code(&run(archive_cmd(&ar2).arg("init"))), 0);
    let s = Instant::now();
    for f in &files {
        assert_eq!(code(&run(archive_cmd(&ar2).arg("add").arg(f))), 0);
    }
    let per_file = s.elapsed();

    let s = Instant::now();
    let o = run(archive_cmd(&ar).arg("verify"));
    let verify = s.elapsed();
    assert_eq!(code(&o), 0, "{}", text(&o));

    let s = Instant::now();
    let o = run(archive_cmd(&ar).arg("list"));
    let list = s.elapsed();
    assert_eq!(code(&o), 0, "{}", text(&o));

    eprintln!("100 signed plans, {} KiB in all", size / 1024);
    eprintln!(
        "add, one process for all 100: {one_process:?} ({:?}/file)",
        one_process / 100
    );
    eprintln!(
        "add, one process per file:   {per_file:?} ({:?}/file)",
        per_file / 100
    );
    eprintln!("verify (rehash + re-verify): {verify:?}");
    eprintln!("list:                        {list:?}");
}
