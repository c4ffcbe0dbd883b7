//! `/dev/zero`, a FIFO and a huge sparse file given where cip expects a
//! file: plan, profile, letter data, trust certificate, key, PDF to verify
//! or sign or archive, archive bundle and bundle member, supporting
//! document. Each is refused (a clear error naming the file) or read within
//! its bound, under 1 GiB and the time bound (`run_bounded`). A size taken
//! from `metadata().len()` is 0 for a device, and reading a FIFO blocks.

mod common_archive;

use std::path::{Path, PathBuf};
use std::process::Command;

use common_archive::*;

/// The three hostile files, by label.
fn hostile(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let fifo = dir.join("fifo");
    let o = run(Command::new("mkfifo").args(["-m", "600"]).arg(&fifo));
    assert!(o.status.success(), "mkfifo: {}", text(&o));
    let sparse = dir.join("sparse");
    let f = std::fs::File::create(&sparse).expect("create");
    f.set_len(8 << 30).expect("8 GiB sparse file");
    // Private, so that a key given it gets past the permission check.
    std::fs::set_permissions(&sparse, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("chmod");
    vec![
        ("/dev/zero", PathBuf::from("/dev/zero")),
        ("FIFO", fifo),
        ("sparse", sparse),
    ]
}

/// Runs cip under the bounds and checks that it refused `input` by name.
fn assert_refused(role: &str, label: &str, input: &Path, cmd: &mut Command) {
    let what = format!("{role} given {label}");
    let r = run_bounded(cmd);
    assert_bounded(&what, &r, &[1, 2]);
    let out = text(&r.0);
    let name = input.file_name().expect("name").to_string_lossy();
    assert!(
        out.contains(&*name),
        "{what}: the file is not named:\n{out}"
    );
    assert!(
        [
            "not a regular file",
            "too large",
            "larger than",
            "outside the plan"
        ]
        .iter()
        .any(|w| out.contains(w)),
        "{what}: no clear reason:\n{out}"
    );
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cip(dir: &Path) -> Command {
    let mut c = Command::new(cip_bin());
    c.current_dir(dir).env_remove("CIP_ARCHIVE");
    c
}

#[test]
fn plans_profiles_keys_certificates_and_pdfs() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let k = make_key(dir, "k", "Pat Doe", "Account Manager");
    let plan = signed_plan(dir, "plan.pdf", &k, "Acme", "CA-1", 1);
    let samples = repo().join("samples");
    for (label, input) in hostile(dir) {
        let x = input.as_os_str();
        let refused = |role: &str, cmd: &mut Command| assert_refused(role, label, &input, cmd);
        refused("check PLAN", cip(dir).arg("check").arg(x));
        refused("status PLAN", cip(dir).arg("status").arg(x));
        refused(
            "letter --plan",
            cip(dir)
                .args(["letter", "acceptance", "--plan"])
                .arg(x)
                .arg("--from")
                .arg(samples.join("am.toml")),
        );
        refused(
            "letter --from",
            cip(dir)
                .args(["letter", "acceptance", "--plan"])
                .arg(samples.join("acme.toml"))
                .arg("--from")
                .arg(x),
        );
        refused(
            "letter --data",
            cip(dir)
                .args(["letter", "acceptance", "--plan"])
                .arg(samples.join("acme.toml"))
                .arg("--from")
                .arg(samples.join("am.toml"))
                .arg("--data")
                .arg(x),
        );
        refused("verify PDF", cip(dir).arg("verify").arg(x));
        refused(
            "verify --trust",
            cip(dir).arg("verify").arg(&plan).arg("--trust").arg(x),
        );
        refused(
            "sign --key",
            cip(dir)
                .arg("sign")
                .arg(&plan)
                .arg("--key")
                .arg(x)
                .arg("--cert")
                .arg(&k.cert)
                .args(["-o", "out.pdf"]),
        );
        refused(
            "sign --cert",
            cip(dir)
                .arg("sign")
                .arg(&plan)
                .arg("--key")
                .arg(&k.key)
                .arg("--cert")
                .arg(x)
                .args(["-o", "out.pdf"]),
        );
        refused(
            "sign IN.pdf",
            cip(dir)
                .arg("sign")
                .arg(x)
                .arg("--key")
                .arg(&k.key)
                .arg("--cert")
                .arg(&k.cert)
                .args(["-o", "out.pdf"]),
        );
        let ar = dir.join("ar");
        if !ar.exists() {
            assert_eq!(code(&run(archive_cmd(&ar).arg("init"))), 0);
        }
        refused("archive add", archive_cmd(&ar).arg("add").arg(x));
        assert!(!dir.join("out.pdf").exists());
    }
}

#[test]
fn bundles_and_their_members() {
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
    for (label, input) in hostile(dir) {
        for member in [false, true] {
            let bundle = dir.join(format!("bundle-{}-{member}", label.replace('/', "")));
            let o = run(archive_cmd(&ar)
                .args(["export", "--company", "Acme"])
                .arg(&bundle));
            assert_eq!(code(&o), 0, "{}", text(&o));
            let target = if member {
                std::fs::read_dir(&bundle)
                    .expect("bundle")
                    .map(|e| e.expect("entry").path())
                    .find(|p| p.extension().is_some_and(|e| e == "pdf"))
                    .expect("a member")
            } else {
                bundle.join("index.json")
            };
            std::fs::remove_file(&target).expect("remove");
            if label == "sparse" {
                std::fs::File::create(&target)
                    .and_then(|f| f.set_len(8 << 30))
                    .expect("sparse");
            } else if label == "FIFO" {
                let o = run(Command::new("mkfifo").arg(&target));
                assert!(o.status.success());
            } else {
                std::os::unix::fs::symlink(&input, &target).expect("symlink");
            }
            let role = if member {
                "bundle member"
            } else {
                "bundle index"
            };
            let r = run_bounded(
                archive_cmd(&ar)
                    .args(["verify", "--bundle"])
                    .arg(&bundle)
                    .arg("--trust")
                    .arg(&k.cert),
            );
            let what = format!("{role} given {label}");
            assert_bounded(&what, &r, &[1, 2]);
            let out = text(&r.0);
            let name = target.file_name().expect("name").to_string_lossy();
            assert!(out.contains(&*name), "{what}: not named:\n{out}");
            assert!(
                out.contains("not a regular file") || out.contains("too large"),
                "{what}: no clear reason:\n{out}"
            );
        }
    }
}

#[test]
fn supporting_documents_are_hashed_within_a_bound() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    std::fs::create_dir(dir.join("docs")).expect("mkdir");
    for e in std::fs::read_dir(repo().join("samples/docs")).expect("docs") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.join("docs").join(e.file_name())).expect("copy");
    }
    let plan = dir.join("plan.toml");
    std::fs::copy(repo().join("samples/acme.toml"), &plan).expect("copy");
    let doc = dir.join("docs/import-manual.md");
    let original = std::fs::read(&doc).expect("doc");
    // A signed plan (documents attached), to check --docs against later.
    let k = make_key(dir, "k", "Pat Doe", "Account Manager");
    let o = run(cip(dir).args(["render", "plan.toml", "-o", "plan.pdf"]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(cip(dir)
        .args(["sign", "plan.pdf", "--key"])
        .arg(&k.key)
        .arg("--cert")
        .arg(&k.cert)
        .args(["-o", "signed.pdf"]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    for (label, input) in hostile(dir) {
        std::fs::remove_file(&doc).expect("remove");
        if label == "sparse" {
            std::fs::rename(&input, &doc).expect("move sparse");
        } else if label == "FIFO" {
            assert!(run(Command::new("mkfifo").arg(&doc)).status.success());
        } else {
            std::os::unix::fs::symlink(&input, &doc).expect("symlink");
        }
        for args in [
            &["check", "plan.toml"][..],
            &["render", "plan.toml", "-o", "again.pdf"],
            &["render", "plan.toml", "--no-attach", "-o", "again.pdf"],
        ] {
            let what = format!("{} with a document that is {label}", args.join(" "));
            let r = run_bounded(cip(dir).args(args));
            assert_bounded(&what, &r, &[1, 2]);
            // miette wraps long messages in a frame.
            let out = text(&r.0).replace('│', " ");
            let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                out.contains("docs/import-manual.md")
                    && ["not a regular file", "larger than", "outside the plan"]
                        .iter()
                        .any(|w| out.contains(w)),
                "{what}:\n{out}"
            );
            assert!(!dir.join("again.pdf").exists(), "{what}: rendered");
        }
        let what = format!("verify --docs with a document that is {label}");
        let r = run_bounded(cip(dir).args(["verify", "signed.pdf", "--docs", "docs"]));
        assert_bounded(&what, &r, &[1]);
        assert!(text(&r.0).contains("MISMATCH"), "{what}:\n{}", text(&r.0));
    }
    std::fs::remove_file(&doc).expect("remove");
    std::fs::write(&doc, original).expect("restore");
    let o = run(cip(dir).args(["verify", "signed.pdf", "--docs", "docs"]));
    assert_eq!(code(&o), 1, "self-signed, untrusted: {}", text(&o));
    assert!(!text(&o).contains("MISMATCH"), "{}", text(&o));
}
