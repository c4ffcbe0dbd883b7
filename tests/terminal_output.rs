//! Names and messages from outside (certificate subjects, company names,
//! file names) never reach the terminal raw: escape sequences in them are
//! shown escaped in every human output, and bidirectional controls are
//! refused in plans (`cip check`) and letter profiles.

mod common_archive;

use std::path::Path;
use std::process::{Command, Output};

use common_archive::*;

const EVIL: &str = "Evil\x1b[2J\x1b]0;pwned\x07";
/// The same, as a TOML basic string's escapes.
const EVIL_TOML: &str = "Evil\\u001b[2J\\u001b]0;pwned\\u0007";

/// No byte of the output is a control character a terminal acts on (other
/// than the line breaks of the output itself), nor a bidirectional control.
fn assert_inert(o: &Output, what: &str) {
    for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        let s = String::from_utf8_lossy(bytes);
        let bad: Vec<char> = s
            .chars()
            .filter(|&c| (c.is_control() && c != '\n') || cip::model::chars::is_bidi_control(c))
            .collect();
        assert!(bad.is_empty(), "{what}: {stream} has {bad:?}:\n{s}");
    }
}

fn cip(dir: &Path) -> Command {
    let mut c = Command::new(cip_bin());
    c.current_dir(dir).env_remove("CIP_ARCHIVE");
    c
}

#[test]
fn escape_sequences_in_names_are_shown_escaped_in_human_output() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let k = make_key(dir, "evil", EVIL, "Title\x1b[31m");
    let plan = signed_plan(dir, "plan.pdf", &k, EVIL_TOML, "CA-1\u{202e}", 1);
    let trust = k.cert.to_str().expect("utf-8 path");

    let o = run(cip(dir).args(["verify", "plan.pdf", "--trust", trust]));
    assert_inert(&o, "verify");
    assert!(
        text(&o).contains("Evil\\e[2J\\e]0;pwned\\u{7}"),
        "{}",
        text(&o)
    );

    let plan_toml = dir.join("evil.toml");
    std::fs::write(
        &plan_toml,
        plan_toml_text(EVIL_TOML).replace("CA-1", "CA-1\\u202E"),
    )
    .expect("write");
    std::fs::create_dir(dir.join("all")).expect("mkdir");
    std::fs::copy(&plan_toml, dir.join("all/evil.toml")).expect("copy");
    for args in [
        &["status", "evil.toml", "--today", "2026-12-01"][..],
        &[
            "status",
            "evil.toml",
            "--today",
            "2026-12-01",
            "--color",
            "always",
        ],
        &["status", "--all", "all", "--today", "2026-12-01"],
        &["check", "evil.toml"],
    ] {
        let o = run(cip(dir).args(args));
        let mut shown = o.clone();
        if args.contains(&"always") {
            // The colours cip adds itself are SGR sequences; strip those
            // before looking for anything else.
            shown.stdout = strip_sgr(&o.stdout);
        }
        assert_inert(&shown, &args.join(" "));
        // check quotes the characters it cannot show; the others, the name.
        let seen = if args[0] == "check" {
            "`\\e` (U+001B)"
        } else {
            "Evil\\e[2J"
        };
        assert!(text(&o).contains(seen), "{args:?}: {}", text(&o));
    }

    let ar = dir.join("ar");
    let o = run(archive_cmd(&ar).arg("init"));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(archive_cmd(&ar)
        .arg("add")
        .arg(&plan)
        .args(["--trust", trust]));
    assert_inert(&o, "archive add");
    let o = run(archive_cmd(&ar).arg("list"));
    assert_inert(&o, "archive list");
    assert!(text(&o).contains("Evil\\e[2J"), "{}", text(&o));
    let id = std::str::from_utf8(&o.stdout)
        .expect("utf-8")
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .expect("a row")
        .to_string();
    let o = run(archive_cmd(&ar).args(["show", &id]));
    assert_inert(&o, "archive show");
    assert!(text(&o).contains("Evil\\e[2J"), "{}", text(&o));
}

/// A plan with every part `check` asks for, with `company`.
fn plan_toml_text(company: &str) -> String {
    let sample = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/30-unsupported-character.toml"),
    )
    .expect("corpus plan");
    sample.replace("Min Co 漢字", company)
}

fn strip_sgr(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == 0x1b && b.get(i + 1) == Some(&b'[') {
            let end = b[i + 2..]
                .iter()
                .position(|c| !(c.is_ascii_digit() || *c == b';'));
            if let Some(e) = end.filter(|&e| b[i + 2 + e] == b'm') {
                i += 2 + e + 1;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

#[test]
fn bidirectional_controls_in_a_letter_profile_are_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let am = std::fs::read_to_string(samples.join("am.toml")).expect("am.toml");
    let (first, rest) = am.split_once('\n').expect("lines");
    std::fs::write(
        dir.join("am.toml"),
        format!("{first}\n# x \u{2067}y\n{rest}"),
    )
    .expect("write");
    let o = run(cip(dir)
        .args(["letter", "acceptance", "--plan"])
        .arg(samples.join("acme.toml"))
        .args(["--from", "am.toml", "--data"])
        .arg(samples.join("letter.toml"))
        .args(["-o", "out.pdf"]));
    assert_ne!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("am.toml: line 2, column 5: bidirectional control character U+2067"),
        "{}",
        text(&o)
    );
    assert!(!dir.join("out.pdf").exists());
    assert_inert(&o, "letter");
}
