//! `cip serve` in a real browser: Debian's Chromium driven by Playwright
//! (tests/browser/serve_scenario.py) through the company's and the account
//! manager's steps. Screenshots go to target/serve-screenshots/.
//! `scripts/test` installs chromium and playwright; a missing one fails here
//! loudly with the install command.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Stops the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_company_and_the_account_manager_in_chromium() {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "Chromium is missing: apt-get install chromium chromium-driver (scripts/test does this)"
    );
    let python = common::tool("python3");
    let probe = Command::new(&python)
        .args(["-c", "import playwright"])
        .output()
        .expect("run python");
    assert!(
        probe.status.success(),
        "Playwright is missing from the venv: pip install playwright (scripts/test does this)"
    );

    let tmp = tempfile::tempdir().expect("tmp");
    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(&ws).expect("mkdir");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for e in std::fs::read_dir(&samples).expect("samples") {
        let e = e.expect("entry");
        if e.path().is_dir() {
            std::fs::create_dir_all(ws.join(e.file_name())).expect("mkdir");
            for f in std::fs::read_dir(e.path()).expect("docs") {
                let f = f.expect("entry");
                std::fs::copy(f.path(), ws.join(e.file_name()).join(f.file_name())).expect("copy");
            }
        } else {
            std::fs::copy(e.path(), ws.join(e.file_name())).expect("copy");
        }
    }
    let k = common::make_key(tmp.path(), "cfo", cip::keys::Algorithm::Ed25519);
    cip::archive::Archive::init(&ws.join(cip::archive::DEFAULT_DIR)).expect("archive init");

    let mut child = Command::new(common::cip_bin())
        .arg("serve")
        .arg(&ws)
        .args(["--port", "0", "--today", "2026-12-10", "--trust"])
        .arg(&k.cert)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start cip serve");
    let out = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut lines = BufReader::new(out).lines();
    let mut url = String::new();
    for line in lines.by_ref() {
        let line = line.expect("read");
        if let Some(u) = line.strip_prefix("open ") {
            url = u.to_string();
            break;
        }
    }
    // Keep reading what the server prints, so it never writes to a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    assert!(
        url.starts_with("http://127.0.0.1:") && url.contains("/?token="),
        "{url}"
    );

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/serve-screenshots");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/serve_scenario.py");
    let run = Command::new(&python)
        .arg(&script)
        .arg(&url)
        .arg(&ws)
        .arg(&k.key)
        .arg(&k.cert)
        .arg(&shots)
        .output()
        .expect("run the browser scenario");
    drop(server);
    let text = common::text(&run);
    assert!(run.status.success(), "browser scenario failed:\n{text}");
    println!("{text}");
    for name in [
        "02-editor-live-finding.png",
        "06-am-case.png",
        "08-portfolio-after.png",
        "09-archive.png",
    ] {
        assert!(shots.join(name).exists(), "{name} saved");
    }
}
