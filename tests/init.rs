//! `cip init`: the starter plan fails only on placeholders, passes once filled,
//! and never overwrites a file.

use std::process::Command;

fn cip() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cip"))
}

#[test]
fn starter_fails_on_placeholders_then_passes_once_filled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.toml");
    let out = cip().arg("init").arg(&plan).output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = cip()
        .args(["check", "--format", "json"])
        .arg(&plan)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = json["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    let non_placeholder: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] != "placeholder" && f["rule"] != "document-path-invalid")
        .collect();
    assert!(non_placeholder.is_empty(), "{non_placeholder:?}");

    // Fill in: every "<value>" becomes "value"; the manual's file exists.
    let text = std::fs::read_to_string(&plan).expect("read");
    let mut filled = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("\"<") {
        filled.push_str(&rest[..=i]);
        let after = &rest[i + 2..];
        let j = after.find(">\"").expect("closing placeholder");
        filled.push_str(&after[..j]);
        filled.push('"');
        rest = &after[j + 2..];
    }
    filled.push_str(rest);
    std::fs::write(&plan, filled).expect("write");
    std::fs::create_dir(dir.path().join("docs")).expect("mkdir");
    std::fs::write(dir.path().join("docs/manual.pdf"), b"%PDF-1.7 manual").expect("write");

    let out = cip().arg("check").arg(&plan).output().expect("run");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn init_never_overwrites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, "keep me").expect("write");
    let out = cip().arg("init").arg(&plan).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&plan).expect("read"), "keep me");
}
