//! The archive under stress, with the real binary and the real SQLite file:
//! concurrent writers (and backups taken while they write), processes killed
//! at random points, every kind of damage reported by `verify`, and archives
//! that must not be touched (read-only, no index, newer schema).

mod common_archive;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cip::archive::{Archive, ProblemKind};
use common_archive::*;
use serde_json::Value;

fn init(dir: &Path) {
    let o = run(archive_cmd(dir).arg("init"));
    assert_eq!(code(&o), 0, "{}", text(&o));
}

fn count_objects(ar: &Path) -> usize {
    let mut n = 0;
    for top in std::fs::read_dir(ar.join("objects")).unwrap() {
        n += std::fs::read_dir(top.unwrap().path()).unwrap().count();
    }
    n
}

/// A small xorshift generator: random enough for delays, and its seed is
/// printed so a failing run can be replayed.
struct Rng(u64);
impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("CIP_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("random seed: {seed} (set CIP_TEST_SEED to replay)");
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[test]
fn eight_concurrent_writers_and_backups_while_they_write() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    init(&ar);
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    let mut batches: Vec<Vec<PathBuf>> = Vec::new();
    for p in 0..8 {
        let d = t.path().join(format!("in{p}"));
        std::fs::create_dir(&d).unwrap();
        batches.push(
            (0..50)
                .map(|i| {
                    let n = p * 50 + i;
                    signed_plan(
                        &d,
                        &format!("plan-{n}.pdf"),
                        &k,
                        &format!("Company {p}"),
                        "CA-1",
                        n,
                    )
                })
                .collect(),
        );
    }
    let started = Instant::now();
    let children: Vec<_> = batches
        .iter()
        .map(|files| {
            archive_cmd(&ar)
                .arg("add")
                .args(files)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Backups taken while the writers run must each be consistent.
    let mut backups = Vec::new();
    for b in 0..3 {
        std::thread::sleep(Duration::from_millis(150));
        let dest = t.path().join(format!("backup{b}"));
        let o = run(archive_cmd(&ar).arg("backup").arg(&dest));
        assert_eq!(code(&o), 0, "{}", text(&o));
        backups.push(dest);
    }
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(code(&o), 0, "{}", text(&o));
        assert!(!text(&o).contains("locked"), "{}", text(&o));
        assert_eq!(text(&o).matches("added ").count(), 50, "{}", text(&o));
    }
    eprintln!("400 adds by 8 processes: {:?}", started.elapsed());
    let db = ar.join("index.sqlite");
    assert_eq!(sqlite3(&db, "SELECT count(*) FROM documents"), "400");
    assert_eq!(
        sqlite3(&db, "SELECT count(DISTINCT sha256) FROM documents"),
        "400"
    );
    assert_eq!(sqlite3(&db, "SELECT count(*) FROM signatures"), "400");
    assert_eq!(sqlite3(&db, "SELECT count(*) FROM pending"), "0");
    assert_eq!(count_objects(&ar), 400);
    let o = run(archive_cmd(&ar).arg("verify"));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("400 row(s), 400 object(s), 400 signature(s) checked: OK"),
        "{}",
        text(&o)
    );
    for dest in &backups {
        let o = run(archive_cmd(dest).args(["verify", "--format", "json"]));
        assert_eq!(code(&o), 0, "backup {}: {}", dest.display(), text(&o));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        eprintln!("backup {}: {} rows", dest.display(), v["rows"]);
        assert_eq!(v["rows"], v["objects"], "{v}");
    }
}

#[test]
fn killed_adds_leave_a_verifiable_archive_and_rerunning_completes_them() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    init(&ar);
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    let files: Vec<PathBuf> = (0..53)
        .map(|n| signed_plan(t.path(), &format!("p{n}.pdf"), &k, "Acme", "CA-1", n))
        .collect();
    // How long an add takes here, so kills land all along it.
    let mut durations = Vec::new();
    for f in &files[50..] {
        let s = Instant::now();
        let o = run(archive_cmd(&ar).arg("add").arg(f));
        assert_eq!(code(&o), 0, "{}", text(&o));
        durations.push(s.elapsed());
    }
    durations.sort();
    let typical = durations[1].as_micros() as u64;
    let mut rng = Rng::new();
    let (mut before_row, mut completed) = (0, 0);
    for f in &files[..50] {
        let sha = sha256_hex(&std::fs::read(f).unwrap());
        let mut child = archive_cmd(&ar)
            .arg("add")
            .arg(f)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(typical * 3 / 2)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let archive = Archive::open(&ar).expect("open after a kill");
        let report = archive.verify().expect("verify after a kill");
        assert!(report.ok(), "after a kill: {:#?}", report.problems);
        let row = sqlite3(
            &ar.join("index.sqlite"),
            &format!("SELECT count(*) FROM documents WHERE sha256 = '{sha}'"),
        );
        if row == "1" {
            completed += 1;
        } else {
            before_row += 1;
        }
        let o = run(archive_cmd(&ar).arg("add").arg(f));
        assert_eq!(code(&o), 0, "{}", text(&o));
        let row = sqlite3(
            &ar.join("index.sqlite"),
            &format!("SELECT count(*) FROM documents WHERE sha256 = '{sha}'"),
        );
        assert_eq!(row, "1", "re-running the add did not complete it");
    }
    eprintln!(
        "typical add {typical} µs; killed before the row committed: {before_row}, after: {completed}"
    );
    let report = Archive::open(&ar).unwrap().verify().unwrap();
    assert!(report.ok(), "{:#?}", report.problems);
    assert_eq!(report.rows, 53);
    assert_eq!(report.objects, 53);
    assert_eq!(
        sqlite3(&ar.join("index.sqlite"), "SELECT count(*) FROM pending"),
        "0"
    );
}

#[test]
fn verify_reports_each_kind_of_damage_precisely() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    init(&ar);
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    let files: Vec<PathBuf> = (0..5)
        .map(|n| signed_plan(t.path(), &format!("p{n}.pdf"), &k, "Acme", "CA-1", n))
        .collect();
    let o = run(archive_cmd(&ar).arg("add").args(&files[..4]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let sha: Vec<String> = files
        .iter()
        .map(|f| sha256_hex(&std::fs::read(f).unwrap()))
        .collect();
    let obj = |s: &str| ar.join("objects").join(&s[..2]).join(&s[2..]);
    let db = ar.join("index.sqlite");

    // 1. One flipped byte in an object.
    let mut bytes = std::fs::read(obj(&sha[0])).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    let mut perm = std::fs::metadata(obj(&sha[0])).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(obj(&sha[0]), perm).unwrap();
    std::fs::write(obj(&sha[0]), &bytes).unwrap();
    // 2. A deleted object.
    std::fs::remove_file(obj(&sha[1])).unwrap();
    // 3. A row without object (never stored).
    let ghost = "e".repeat(64);
    sqlite3(
        &db,
        &format!(
            "INSERT INTO documents (sha256, size, kind, original_name, added_at, trust, verify_report) \
             VALUES ('{ghost}', 10, 'plan', 'ghost.pdf', '2026-01-01T00:00:00Z', 'trusted', '{{}}')"
        ),
    );
    // 4. An object without row (a valid signed PDF put there by hand).
    std::fs::create_dir_all(obj(&sha[4]).parent().unwrap()).unwrap();
    std::fs::write(obj(&sha[4]), std::fs::read(&files[4]).unwrap()).unwrap();
    // 5. An index row altered: the company of an intact file.
    sqlite3(
        &db,
        &format!(
            "UPDATE documents SET company = 'Evil Corp' WHERE sha256 = '{}'",
            sha[2]
        ),
    );

    let o = run(archive_cmd(&ar).args(["verify", "--format", "json"]));
    assert_eq!(code(&o), 1, "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut got: Vec<(String, String)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_string(),
                p["sha256"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        ("hash_mismatch".to_string(), sha[0].clone()),
        ("missing_object".to_string(), sha[1].clone()),
        ("missing_object".to_string(), ghost.clone()),
        ("orphan_object".to_string(), sha[4].clone()),
        ("record_mismatch".to_string(), sha[2].clone()),
    ];
    want.sort();
    assert_eq!(got, want, "{v:#}");
    let human = text(&run(archive_cmd(&ar).arg("verify")));
    assert!(human.contains("5 problem(s)"), "{human}");
    assert!(
        human.contains(&format!("hash_mismatch: {}", sha[0])),
        "{human}"
    );
    assert!(
        human.contains("company is Acme, the row records Evil Corp"),
        "{human}"
    );

    // The library reports the same.
    let r = Archive::open(&ar).unwrap().verify().unwrap();
    assert_eq!(
        r.problems
            .iter()
            .filter(|p| p.kind == ProblemKind::MissingObject)
            .count(),
        2
    );

    // get refuses the corrupt object and leaves nothing behind.
    let out = t.path().join("out.pdf");
    let o = run(archive_cmd(&ar).args(["get", &sha[0], "-o"]).arg(&out));
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("does not match its hash"), "{}", text(&o));
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(t.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".tmp"))
            .count(),
        0
    );
}

#[test]
fn archives_that_must_not_be_touched() {
    let t = tempfile::tempdir().unwrap();
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    let f1 = signed_plan(t.path(), "1.pdf", &k, "Acme", "CA-1", 1);
    let f2 = signed_plan(t.path(), "2.pdf", &k, "Acme", "CA-1", 2);

    // A read-only archive folder: add refused, reads still work.
    let ro = t.path().join("ro");
    init(&ro);
    run(archive_cmd(&ro).arg("add").arg(&f1));
    let before = snapshot(&ro);
    let chmod = |mode: &str| {
        let o = run(Command::new("chmod").args(["-R", mode]).arg(&ro));
        assert!(o.status.success());
    };
    chmod("a-w");
    let o = run(archive_cmd(&ro).arg("add").arg(&f2));
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("read-only"), "{}", text(&o));
    let o = run(archive_cmd(&ro).arg("list"));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(archive_cmd(&ro).arg("verify"));
    assert_eq!(code(&o), 0, "{}", text(&o));
    chmod("u+w");
    assert_eq!(snapshot(&ro), before, "the read-only archive changed");

    // A missing index.sqlite: every command refuses, nothing is created.
    let noidx = t.path().join("noidx");
    init(&noidx);
    run(archive_cmd(&noidx).arg("add").arg(&f1));
    std::fs::remove_file(noidx.join("index.sqlite")).unwrap();
    let before = snapshot(&noidx);
    for args in [
        vec!["add", f2.to_str().unwrap()],
        vec!["list"],
        vec!["verify"],
    ] {
        let o = run(archive_cmd(&noidx).args(&args));
        assert_eq!(code(&o), 2, "{}", text(&o));
        assert!(text(&o).contains("index.sqlite is missing"), "{}", text(&o));
    }
    let o = run(archive_cmd(&noidx).arg("init"));
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("not empty"), "{}", text(&o));
    assert_eq!(snapshot(&noidx), before);

    // A newer schema version: refused, not migrated, not written.
    let newer = t.path().join("newer");
    init(&newer);
    run(archive_cmd(&newer).arg("add").arg(&f1));
    let (cur, next) = (
        cip::archive::SCHEMA_VERSION,
        cip::archive::SCHEMA_VERSION + 1,
    );
    sqlite3(
        &newer.join("index.sqlite"),
        &format!(
            "INSERT INTO schema_version (version, applied_at) VALUES ({next}, '2030-01-01T00:00:00Z')"
        ),
    );
    let before = snapshot(&newer);
    for args in [
        vec!["add", f2.to_str().unwrap()],
        vec!["list"],
        vec!["verify"],
    ] {
        let o = run(archive_cmd(&newer).args(&args));
        assert_eq!(code(&o), 2, "{}", text(&o));
        assert!(
            text(&o).contains(&format!(
                "schema version {next}, newer than this cip understands ({cur})"
            )),
            "{}",
            text(&o)
        );
    }
    assert_eq!(snapshot(&newer), before);

    // Not an archive at all.
    let o = run(archive_cmd(&t.path().join("nowhere")).arg("list"));
    assert_eq!(code(&o), 2);
    assert!(text(&o).contains("no archive at"), "{}", text(&o));
}

/// The crash windows made by hand, so they are covered on every run whatever
/// the random kills hit: an object stored whose row never committed (with
/// its add marked in progress), a mark without object, a stray temp file.
#[test]
fn each_crash_window_is_a_note_and_rerunning_the_add_completes_it() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    init(&ar);
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    let f1 = signed_plan(t.path(), "1.pdf", &k, "Acme", "CA-1", 1);
    let f2 = signed_plan(t.path(), "2.pdf", &k, "Acme", "CA-1", 2);
    let (s1, s2) = (
        sha256_hex(&std::fs::read(&f1).unwrap()),
        sha256_hex(&std::fs::read(&f2).unwrap()),
    );
    let db = ar.join("index.sqlite");
    // Killed after the object was stored, before the row committed.
    sqlite3(
        &db,
        &format!("INSERT INTO pending VALUES ('{s1}', '2026-04-01T12:00:00Z', 999999)"),
    );
    let obj = ar.join("objects").join(&s1[..2]).join(&s1[2..]);
    std::fs::create_dir_all(obj.parent().unwrap()).unwrap();
    std::fs::copy(&f1, &obj).unwrap();
    // Killed before the object was stored.
    sqlite3(
        &db,
        &format!("INSERT INTO pending VALUES ('{s2}', '2026-04-01T12:00:00Z', 999999)"),
    );
    // Killed while writing the temp object (pid 999999 is not running).
    std::fs::write(
        ar.join("tmp").join(format!("{s2}.999999.1.tmp")),
        b"%PDF-1.7 partial",
    )
    .unwrap();

    let o = run(archive_cmd(&ar).args(["verify", "--format", "json"]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 3, "{v:#}");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with(&s1) && n.contains("re-run")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.starts_with(&s2)), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.contains("temporary file")),
        "{notes:?}"
    );
    // Without the mark, the same object is damage.
    sqlite3(&db, &format!("DELETE FROM pending WHERE sha256 = '{s1}'"));
    let o = run(archive_cmd(&ar).arg("verify"));
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(
        text(&o).contains(&format!("orphan_object: {s1}")),
        "{}",
        text(&o)
    );
    sqlite3(
        &db,
        &format!("INSERT INTO pending VALUES ('{s1}', '2026-04-01T12:00:00Z', 999999)"),
    );

    // Re-running the adds completes both and removes the stray temp file.
    let o = run(archive_cmd(&ar).arg("add").arg(&f1).arg(&f2));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(text(&o).matches("added ").count(), 2, "{}", text(&o));
    assert_eq!(sqlite3(&db, "SELECT count(*) FROM pending"), "0");
    assert_eq!(std::fs::read_dir(ar.join("tmp")).unwrap().count(), 0);
    let o = run(archive_cmd(&ar).args(["verify", "--format", "json"]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"], 2);
    assert!(v["notes"].as_array().unwrap().is_empty(), "{v:#}");
}

/// Runs `cip archive --archive AR ARGS` with AR on a read-only bind mount,
/// in a private user and mount namespace (`unshare -rm`: nothing is mounted
/// outside the child). `None` where the system does not allow that.
fn on_read_only_mount(ar: &Path, args: &[&str]) -> Option<std::process::Output> {
    let probe = Command::new("unshare").args(["-rm", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let script = r#"mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && touch "$1/probe" 2>/dev/null && exit 97; shift_ar="$1"; shift; exec "$0" archive --archive "$shift_ar" "$@""#;
    let o = run(Command::new("unshare")
        .args(["-rm", "sh", "-c", script])
        .arg(cip_bin())
        .arg(ar)
        .args(args)
        .env("CIP_ARCHIVE_NOW", "2026-04-01T12:00:00Z"));
    assert_ne!(o.status.code(), Some(97), "the mount was not read-only");
    Some(o)
}

#[test]
fn an_archive_on_a_read_only_mount_is_read_and_not_written() {
    let t = tempfile::tempdir().unwrap();
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    let f1 = signed_plan(t.path(), "1.pdf", &k, "Acme", "CA-1", 1);
    let f2 = signed_plan(t.path(), "2.pdf", &k, "Acme", "CA-1", 2);
    let ar = t.path().join("ar");
    init(&ar);
    let o = run(archive_cmd(&ar).arg("add").arg(&f1));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let sha = sha256_hex(&std::fs::read(&f1).unwrap());
    let before = snapshot(&ar);
    let out = t.path().join("restored.pdf");
    let bundle = t.path().join("bundle");
    let reads: [&[&str]; 5] = [
        &["list"],
        &["show", &sha[..12]],
        &["verify"],
        &["get", &sha, "-o", out.to_str().unwrap()],
        &["export", "--company", "Acme", bundle.to_str().unwrap()],
    ];
    for args in reads {
        let Some(o) = on_read_only_mount(&ar, args) else {
            eprintln!("skipped: unshare -rm is not allowed here");
            return;
        };
        assert_eq!(code(&o), 0, "{args:?} on a read-only mount: {}", text(&o));
    }
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&f1).unwrap());
    let o = on_read_only_mount(&ar, &["add", f2.to_str().unwrap()]).expect("allowed above");
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("read-only"), "{}", text(&o));
    assert_eq!(snapshot(&ar), before, "the archive changed");
}

/// A PID that is certainly not running: a child that has exited.
fn dead_pid() -> u32 {
    let mut c = Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

/// Files left anywhere under `dir` outside `objects/` and the index.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("tmp"))
        .into_iter()
        .flatten()
        .map(|e| format!("tmp/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    v.extend(
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !["objects", "tmp", "index.sqlite"].contains(&n.as_str())),
    );
    v
}

#[test]
fn killed_backups_resume_and_leave_nothing_behind() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    init(&ar);
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    for n in 0..20 {
        let f = signed_plan(t.path(), &format!("p{n}.pdf"), &k, "Acme", "CA-1", n);
        let o = run(archive_cmd(&ar).arg("add").arg(&f));
        assert_eq!(code(&o), 0, "{}", text(&o));
    }
    let s = Instant::now();
    let o = run(archive_cmd(&ar).arg("backup").arg(t.path().join("timing")));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let typical = s.elapsed().as_micros() as u64;

    let mut rng = Rng::new();
    for round in 0..12 {
        let dest = t.path().join(format!("b{round}"));
        // Killed once or twice at random points, then run to the end.
        for _ in 0..1 + round % 2 {
            let mut child = archive_cmd(&ar)
                .arg("backup")
                .arg(&dest)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_micros(rng.below(typical)));
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
        let o = run(archive_cmd(&ar).arg("backup").arg(&dest));
        assert_eq!(code(&o), 0, "round {round}: the rerun failed: {}", text(&o));
        assert_eq!(leftovers(&dest), Vec::<String>::new(), "round {round}");
        let o = run(archive_cmd(&dest).args(["verify", "--format", "json"]));
        assert_eq!(code(&o), 0, "round {round}: {}", text(&o));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["rows"], 20, "round {round}");
        assert_eq!(v["notes"], serde_json::json!([]), "round {round}");
    }

    // The states a kill leaves, made by hand so each is covered every run:
    // objects copied, the snapshot in tmp/, no index yet; and the snapshot
    // beside the index where earlier versions made it.
    let pid = dead_pid();
    for (i, leftover) in [
        format!("tmp/index-backup.{pid}.tmp"),
        format!(".index.sqlite.backup-{pid}"),
    ]
    .iter()
    .enumerate()
    {
        let dest = t.path().join(format!("by-hand{i}"));
        let o = run(archive_cmd(&ar).arg("backup").arg(&dest));
        assert_eq!(code(&o), 0, "{}", text(&o));
        std::fs::remove_file(dest.join("index.sqlite")).unwrap();
        std::fs::write(dest.join(leftover), b"partial snapshot").unwrap();
        // The archive it was taken from reports such a file.
        std::fs::write(ar.join(format!(".index.sqlite.backup-{pid}")), b"x").unwrap();
        let o = run(archive_cmd(&ar).arg("verify"));
        assert_eq!(code(&o), 0, "{}", text(&o));
        assert!(
            text(&o).contains(&format!(
                ".index.sqlite.backup-{pid}: the snapshot of a backup"
            )),
            "{}",
            text(&o)
        );
        std::fs::remove_file(ar.join(format!(".index.sqlite.backup-{pid}"))).unwrap();

        let o = run(archive_cmd(&ar).arg("backup").arg(&dest));
        assert_eq!(code(&o), 0, "resuming after {leftover}: {}", text(&o));
        assert!(
            text(&o).contains("0 object(s) copied, 20 already there"),
            "{}",
            text(&o)
        );
        assert_eq!(leftovers(&dest), Vec::<String>::new());
        let o = run(archive_cmd(&dest).arg("verify"));
        assert_eq!(code(&o), 0, "{}", text(&o));
    }

    // A folder with anything else in it is still refused.
    let other = t.path().join("other");
    std::fs::create_dir_all(other.join("objects")).unwrap();
    std::fs::write(other.join("objects/notes.txt"), b"mine").unwrap();
    let o = run(archive_cmd(&ar).arg("backup").arg(&other));
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("not empty"), "{}", text(&o));
}
