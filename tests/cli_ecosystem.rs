//! The CLI in its ecosystem: shell completions, man pages and examples in
//! every command's help, all generated from the one clap definition.

use std::process::Command;

fn cip(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cip"))
        .args(args)
        .output()
        .expect("run cip")
}

const COMMANDS: &[&str] = &[
    "check",
    "init",
    "render",
    "keygen",
    "sign",
    "verify",
    "status",
    "archive",
    "letter",
    "timestamp",
    "ltv",
];

#[test]
fn completions_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = cip(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        for c in COMMANDS {
            assert!(text.contains(c), "{shell} completions lack `{c}`");
        }
    }
    assert!(!cip(&["completions", "tcsh"]).status.success());
}

#[test]
fn man_pages_are_roff_and_one_per_command() {
    let out = cip(&["man"]);
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH cip"),
        "{page}"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_str().expect("utf-8 path");
    assert!(cip(&["man", "--dir", dir]).status.success());
    for c in COMMANDS {
        let p = tmp.path().join(format!("cip-{c}.1"));
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(text.contains(&format!("cip-{c}")), "{}", p.display());
    }
}

#[test]
fn every_command_help_ends_with_examples() {
    for c in COMMANDS {
        let out = cip(&[c, "--help"]);
        assert!(out.status.success(), "{c}");
        let help = String::from_utf8_lossy(&out.stdout);
        let tail = help.rsplit("Example").next().unwrap_or_default();
        assert!(
            help.contains("Example") && tail.contains("cip "),
            "`cip {c} --help` ends without an example:\n{help}"
        );
    }
}
