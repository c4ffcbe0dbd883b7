//! An output path never replaces an input or the archive's own files:
//! `cip archive get/export/backup` refuse any path inside the archive, and
//! `cip letter -o` refuses the --from profile, the --data file, keys and
//! certificates, however the path is spelt (another spelling, a link).

mod common_archive;

use std::path::Path;
use std::process::Command;

use common_archive::*;

#[test]
fn archive_outputs_inside_the_archive_are_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let k = make_key(dir, "k", "Pat Doe", "Account Manager");
    let plan = signed_plan(dir, "plan.pdf", &k, "Acme", "CA-1", 1);
    let ar = dir.join("ar");
    assert_eq!(code(&run(archive_cmd(&ar).arg("init"))), 0);
    let o = run(archive_cmd(&ar)
        .arg("add")
        .arg(&plan)
        .arg("--trust")
        .arg(&k.cert));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let sha = sha256_hex(&std::fs::read(&plan).expect("plan"));
    std::os::unix::fs::symlink(&ar, dir.join("link")).expect("symlink");
    let before = snapshot(&ar);
    for out in [
        ar.join("index.sqlite"),
        ar.join("objects/new.pdf"),
        dir.join("link/index.sqlite"),
        ar.join("objects/../index.sqlite"),
    ] {
        let o = run(archive_cmd(&ar).args(["get", &sha, "-o"]).arg(&out));
        assert_ne!(code(&o), 0, "get -o {}: {}", out.display(), text(&o));
        assert!(text(&o).contains("inside the archive"), "{}", text(&o));
    }
    for (cmd, out) in [
        (&["export", "--company", "Acme"][..], ar.join("bundle")),
        (&["backup"][..], ar.join("copy")),
        (&["backup"][..], ar.clone()),
    ] {
        let o = run(archive_cmd(&ar).args(cmd).arg(&out));
        assert_ne!(code(&o), 0, "{cmd:?} {}: {}", out.display(), text(&o));
        assert!(text(&o).contains("inside the archive"), "{}", text(&o));
    }
    assert_eq!(snapshot(&ar), before, "the archive changed");
    let o = run(archive_cmd(&ar).arg("verify"));
    assert_eq!(code(&o), 0, "{}", text(&o));
    // Outside, the same commands work.
    let o = run(archive_cmd(&ar)
        .args(["get", &sha, "-o"])
        .arg(dir.join("out.pdf")));
    assert_eq!(code(&o), 0, "{}", text(&o));
}

#[test]
fn a_letter_never_replaces_its_inputs() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for f in ["acme.toml", "am.toml", "letter.toml"] {
        std::fs::copy(samples.join(f), dir.join(f)).expect("copy");
    }
    std::fs::create_dir(dir.join("docs")).expect("mkdir");
    for e in std::fs::read_dir(samples.join("docs")).expect("docs") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.join("docs").join(e.file_name())).expect("copy");
    }
    let k = make_key(dir, "k", "Pat Doe", "Account Manager");
    std::os::unix::fs::symlink(dir.join("am.toml"), dir.join("am-link.toml")).expect("symlink");
    std::fs::hard_link(dir.join("letter.toml"), dir.join("letter-hard.toml")).expect("hard link");
    let inputs: Vec<(String, Vec<u8>)> = ["am.toml", "letter.toml", "acme.toml"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(dir.join(f)).expect("read")))
        .collect();
    let letter = |extra: &[&str], out: &str| {
        let mut c = Command::new(cip_bin());
        c.current_dir(dir)
            .args([
                "letter",
                "acceptance",
                "--plan",
                "acme.toml",
                "--from",
                "am.toml",
            ])
            .args(["--data", "letter.toml", "--date", "2026-12-01"])
            .args(extra)
            .args(["-o", out]);
        run(&mut c)
    };
    let key = k.key.to_str().expect("utf-8");
    let cert = k.cert.to_str().expect("utf-8");
    for (out, is) in [
        ("am.toml", "--from profile"),
        ("./am.toml", "--from profile"),
        ("am-link.toml", "--from profile"),
        ("letter.toml", "--data file"),
        ("letter-hard.toml", "--data file"),
        ("acme.toml", "the plan"),
    ] {
        for extra in [&[][..], &["--markdown"]] {
            let o = letter(extra, out);
            assert_ne!(code(&o), 0, "-o {out} {extra:?}: {}", text(&o));
            assert!(text(&o).contains(is), "-o {out}: {}", text(&o));
        }
    }
    let o = letter(&["--key", key, "--cert", cert], key);
    assert_ne!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("--key"), "{}", text(&o));
    for (f, bytes) in &inputs {
        assert_eq!(
            &std::fs::read(dir.join(f)).expect("read"),
            bytes,
            "{f} changed"
        );
    }
    let o = letter(&[], "letter.pdf");
    assert_eq!(code(&o), 0, "{}", text(&o));
}
