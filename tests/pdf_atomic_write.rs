//! `atomic::write` under real failures: a folder that cannot be written,
//! and a write that fails half-way (file size limit), which must leave the
//! existing file untouched and no temporary file behind.

use std::fs;
use std::path::Path;
use std::process::Command;

use cip::atomic;

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn unwritable_folder_is_a_clear_error() {
    // Root ignores permission bits, so use folders that no one can write:
    // a path below a regular file, and a missing folder.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    fs::write(&file, b"x").unwrap();
    for target in [
        file.join("out.pdf"),
        dir.path().join("missing").join("out.pdf"),
    ] {
        let err = atomic::write(&target, b"%PDF-1.7").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("cannot write to folder"), "{msg}");
        assert!(
            msg.contains(&target.parent().unwrap().display().to_string()),
            "{msg}"
        );
    }
    assert_eq!(listing(dir.path()), vec!["plain-file"]);

    // A read-only folder, where permissions apply (not as root).
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
    let probe = fs::File::create(ro.join("probe")).is_ok();
    if !probe {
        let err = atomic::write(&ro.join("out.pdf"), b"x").unwrap_err();
        assert!(err.to_string().contains("cannot write to folder"), "{err}");
        assert!(listing(&ro).is_empty());
    }
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn existing_file_untouched_when_the_write_fails() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("plan.pdf");
    fs::write(&target, b"the old, good file").unwrap();
    // Re-run this test binary's helper under a 64 KiB file size limit
    // (SIGXFSZ ignored, so the write returns EFBIG instead of killing us).
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 128; exec \"$0\" --exact atomic_child --ignored --nocapture --test-threads=1")
        .arg(&exe)
        .env("CIP_ATOMIC_CHILD", &target)
        .output()
        .expect("sh is required for this test");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && log.contains("1 passed"),
        "child failed: {}\n{log}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(&target).unwrap(), b"the old, good file");
    assert_eq!(listing(dir.path()), vec!["plan.pdf"]);
}

/// Runs only inside `existing_file_untouched_when_the_write_fails`.
#[test]
#[ignore = "helper: run by existing_file_untouched_when_the_write_fails"]
fn atomic_child() {
    let Some(target) = std::env::var_os("CIP_ATOMIC_CHILD") else {
        return;
    };
    let big = vec![b'x'; 1 << 20];
    let err =
        atomic::write(Path::new(&target), &big).expect_err("write past the size limit must fail");
    assert!(err.to_string().contains("cannot write"), "{err}");
}

#[test]
fn replaces_atomically_and_repeatedly() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("a.pdf");
    for i in 0..5u8 {
        atomic::write(&target, &[i; 1000]).unwrap();
        assert_eq!(fs::read(&target).unwrap(), vec![i; 1000]);
    }
    assert_eq!(listing(dir.path()), vec!["a.pdf"]);
    // A bare file name writes to the current folder's file, not elsewhere.
    assert!(atomic::write(Path::new(""), b"x").is_err());
}
