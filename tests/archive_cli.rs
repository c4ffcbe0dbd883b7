//! `cip archive` end to end with the real binary, a real SQLite index and
//! real signed PDFs: init, add (plans, letters, refusals, trust), list,
//! show, get, verify, export and `verify --bundle`, backup.

mod common_archive;

use std::path::Path;
use std::process::Command;

use common_archive::*;
use serde_json::Value;

fn json(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

fn init(dir: &Path) {
    let o = run(archive_cmd(dir).arg("init"));
    assert_eq!(code(&o), 0, "{}", text(&o));
}

#[test]
fn add_list_show_get_verify() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    let official = make_key(t.path(), "acme", "Robert Chen", "Chief Financial Officer");
    let manager = make_key(t.path(), "cbp", "Pat Doe", "Account Manager");
    init(&ar);
    assert!(ar.join("objects").is_dir());
    assert_eq!(
        sqlite3(&ar.join("index.sqlite"), "PRAGMA journal_mode"),
        "wal"
    );
    assert_eq!(
        sqlite3(
            &ar.join("index.sqlite"),
            "SELECT max(version) FROM schema_version"
        ),
        cip::archive::SCHEMA_VERSION.to_string()
    );

    let plan = signed_plan(
        t.path(),
        "acme-plan.pdf",
        &official,
        "Acme Imports, Inc.",
        "CA-2026-NY-0412",
        1,
    );
    let letter_path = t.path().join("acme-acceptance.pdf");
    std::fs::write(
        &letter_path,
        sign_bytes(
            &letter_pdf("acceptance", "Acme Imports, Inc.", "CA-2026-NY-0412", 1),
            &manager,
        ),
    )
    .unwrap();
    let other = t.path().join("beta-plan.pdf");
    std::fs::write(
        &other,
        sign_bytes(
            &plan_pdf("Beta Trading LLC", "CA-2026-LA-0007", 2),
            &official,
        ),
    )
    .unwrap();

    let o = run(archive_cmd(&ar)
        .args(["add", "--trust"])
        .arg(&official.cert)
        .arg(&plan)
        .arg(&letter_path)
        .arg(&other));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(text(&o).matches("added ").count(), 3, "{}", text(&o));

    // The same bytes again: a no-op that says so.
    let before = snapshot(&ar);
    let o = run(archive_cmd(&ar).arg("add").arg(&plan));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("already archived"), "{}", text(&o));
    assert_eq!(snapshot(&ar), before);

    // The object: content-addressed and read-only.
    let bytes = std::fs::read(&plan).unwrap();
    let sha = sha256_hex(&bytes);
    let obj = ar.join("objects").join(&sha[..2]).join(&sha[2..]);
    assert_eq!(std::fs::read(&obj).unwrap(), bytes);
    assert!(std::fs::metadata(&obj).unwrap().permissions().readonly());

    // list, with filters, as JSON.
    let o = run(archive_cmd(&ar).args(["list", "--format", "json"]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let rows = json(&o);
    assert_eq!(rows.as_array().unwrap().len(), 3);
    let row = &rows[0];
    assert_eq!(row["sha256"], sha);
    assert_eq!(row["size"], bytes.len() as u64);
    assert_eq!(row["kind"], "plan");
    assert_eq!(row["company"], "Acme Imports, Inc.");
    assert_eq!(row["assessment_report"], "CA-2026-NY-0412");
    assert_eq!(row["original_name"], "acme-plan.pdf");
    assert_eq!(row["added_at"], "2026-04-01T12:00:00Z");
    assert_eq!(row["trust"], "trusted");
    assert_eq!(
        row["plan_toml_sha256"],
        sha256_hex(plan_toml("Acme Imports, Inc.", "CA-2026-NY-0412", 1).as_bytes())
    );
    let sig = &row["signatures"][0];
    assert_eq!(sig["signer_name"], "Robert Chen");
    assert_eq!(sig["signer_title"], "Chief Financial Officer");
    assert_eq!(sig["signing_time"], "2026-03-01T10:30:00-05:00");
    let cert_der = cip::keys::load_certificates(&official.cert).unwrap();
    let fp = sha256_hex(&der::Encode::to_der(&cert_der[0]).unwrap());
    assert_eq!(sig["cert_sha256"], fp);
    // The letter: its kind and the untrusted (self-signed, no --trust) state.
    assert_eq!(rows[1]["kind"], "letter");
    assert_eq!(rows[1]["letter_kind"], "acceptance");
    assert_eq!(rows[1]["company"], "Acme Imports, Inc.");
    assert_eq!(rows[1]["trust"], "untrusted_self_signed");
    assert!(rows[1]["plan_toml_sha256"].is_null());

    let o = run(archive_cmd(&ar).args(["list", "--company", "acme", "--format", "json"]));
    assert_eq!(json(&o).as_array().unwrap().len(), 2);
    let o = run(archive_cmd(&ar).args(["list", "--kind", "acceptance", "--format", "json"]));
    assert_eq!(json(&o).as_array().unwrap().len(), 1);
    let o = run(archive_cmd(&ar).args([
        "list",
        "--kind",
        "plan",
        "--company",
        "BETA",
        "--format",
        "json",
    ]));
    assert_eq!(json(&o)[0]["company"], "Beta Trading LLC");
    let o = run(archive_cmd(&ar).args(["list", "--since", "2026-04-02", "--format", "json"]));
    assert_eq!(json(&o).as_array().unwrap().len(), 0);
    let o = run(archive_cmd(&ar).args(["list", "--since", "2026-04-01", "--format", "json"]));
    assert_eq!(json(&o).as_array().unwrap().len(), 3);
    let o = run(archive_cmd(&ar).args(["list", "--since", "yesterday"]));
    assert_eq!(code(&o), 2, "{}", text(&o));
    let o = run(archive_cmd(&ar).arg("list"));
    assert!(
        text(&o).contains("Robert Chen") && text(&o).contains("3 file(s)"),
        "{}",
        text(&o)
    );

    // show by prefix; get restores the exact bytes.
    let o = run(archive_cmd(&ar).args(["show", &sha[..10]]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("Chief Financial Officer"), "{}", text(&o));
    let o = run(archive_cmd(&ar).args(["show", &sha[..10], "--format", "json"]));
    assert_eq!(json(&o)["verify_report_at_add"]["ok"], true);
    let o = run(archive_cmd(&ar).args(["show", "zz"]));
    assert_eq!(code(&o), 2);
    let o = run(archive_cmd(&ar).args(["show", "ffffffffffffffff"]));
    assert!(
        text(&o).contains("no archived file matches"),
        "{}",
        text(&o)
    );
    let out = t.path().join("restored.pdf");
    let o = run(archive_cmd(&ar).args(["get", &sha[..12], "-o"]).arg(&out));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(std::fs::read(&out).unwrap(), bytes);

    let o = run(archive_cmd(&ar).arg("verify"));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("3 row(s), 3 object(s), 3 signature(s) checked: OK"),
        "{}",
        text(&o)
    );
}

#[test]
fn ambiguous_prefix_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    let k = make_key(t.path(), "k", "A", "B");
    init(&ar);
    // Enough files that some pair shares a first hex digit.
    let mut files = Vec::new();
    for n in 0..20 {
        files.push(signed_plan(
            t.path(),
            &format!("p{n}.pdf"),
            &k,
            "Acme",
            "CA-1",
            n,
        ));
    }
    let o = run(archive_cmd(&ar).arg("add").args(&files));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let shas: Vec<String> = files
        .iter()
        .map(|f| sha256_hex(&std::fs::read(f).unwrap()))
        .collect();
    let first = shas
        .iter()
        .find(|s| shas.iter().filter(|o| o[..1] == s[..1]).count() > 1)
        .unwrap();
    let o = run(archive_cmd(&ar).args(["show", &first[..1]]));
    assert_eq!(code(&o), 2);
    assert!(text(&o).contains("matches several"), "{}", text(&o));
}

#[test]
fn refusals_print_the_report_and_change_nothing() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    init(&ar);
    let before = snapshot(&ar);

    // Not signed.
    let unsigned = t.path().join("unsigned.pdf");
    std::fs::write(&unsigned, plan_pdf("Acme", "CA-1", 1)).unwrap();
    // Signed, then one byte of the signed content changed.
    let mut bytes = sign_bytes(&plan_pdf("Acme", "CA-1", 2), &k);
    let at = bytes.windows(10).position(|w| w == b"Compliance").unwrap();
    bytes[at] = b'c';
    let tampered = t.path().join("tampered.pdf");
    std::fs::write(&tampered, &bytes).unwrap();
    // Signed, but the manifest does not match the embedded plan.toml.
    let mut files_pdf = plan_pdf("Acme", "CA-1", 3);
    let pos = files_pdf.windows(7).position(|w| w == b"# plan ").unwrap();
    files_pdf[pos + 7] = b'9'; // the plan text changes, its length does not
    let bad_manifest = t.path().join("bad-manifest.pdf");
    std::fs::write(&bad_manifest, sign_bytes(&files_pdf, &k)).unwrap();
    // Not a PDF at all.
    let junk = t.path().join("junk.pdf");
    std::fs::write(&junk, b"hello").unwrap();

    for (f, expect) in [
        (&unsigned, "not signed"),
        (&tampered, "modified"),
        (&bad_manifest, "manifest"),
        (&junk, "refused"),
    ] {
        let o = run(archive_cmd(&ar).arg("add").arg(f));
        assert_eq!(code(&o), 1, "{}", text(&o));
        assert!(text(&o).contains("refused"), "{}", text(&o));
        assert!(
            text(&o).to_lowercase().contains(expect),
            "{expect}: {}",
            text(&o)
        );
    }
    // --require-trusted: self-signed and not among --trust: refused …
    let good = signed_plan(t.path(), "good.pdf", &k, "Acme", "CA-1", 4);
    let o = run(archive_cmd(&ar)
        .args(["add", "--require-trusted"])
        .arg(&good));
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("untrusted"), "{}", text(&o));
    assert_eq!(snapshot(&ar), before, "a refused add changed the archive");
    // … and accepted with its certificate as a trust anchor.
    let o = run(archive_cmd(&ar)
        .args(["add", "--require-trusted", "--trust"])
        .arg(&k.cert)
        .arg(&good)
        .args(["--format", "json"]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v = json(&o);
    assert_eq!(v[0]["result"]["outcome"], "added");
    assert_eq!(v[0]["result"]["record"]["trust"], "trusted");
    // A batch with one bad file: the good ones are added, exit 1.
    let good2 = signed_plan(t.path(), "good2.pdf", &k, "Acme", "CA-1", 5);
    let o = run(archive_cmd(&ar).arg("add").arg(&junk).arg(&good2));
    assert_eq!(code(&o), 1, "{}", text(&o));
    let o = run(archive_cmd(&ar).args(["list", "--format", "json"]));
    assert_eq!(json(&o).as_array().unwrap().len(), 2);
}

#[test]
fn archive_option_before_or_after_and_from_the_environment() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("env-ar");
    let o = run(Command::new(cip_bin())
        .args(["archive", "init", "--archive"])
        .arg(&ar));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(Command::new(cip_bin())
        .args(["archive", "list"])
        .env("CIP_ARCHIVE", &ar));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("no archived files"), "{}", text(&o));
    // Default ./cip-archive in the working folder.
    let o = run(Command::new(cip_bin())
        .args(["archive", "init"])
        .env_remove("CIP_ARCHIVE")
        .current_dir(t.path()));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(t.path().join("cip-archive/index.sqlite").is_file());
    // init twice: refused.
    let o = run(Command::new(cip_bin())
        .args(["archive", "init"])
        .env_remove("CIP_ARCHIVE")
        .current_dir(t.path()));
    assert_eq!(code(&o), 2);
    assert!(text(&o).contains("already an archive"), "{}", text(&o));
    // No delete or edit command exists.
    for cmd in ["delete", "rm", "edit"] {
        let o = run(Command::new(cip_bin()).args(["archive", cmd, "x"]));
        assert_ne!(code(&o), 0);
    }
}

#[test]
fn export_and_verify_the_bundle_elsewhere() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    let m = make_key(t.path(), "m", "Pat Doe", "Account Manager");
    init(&ar);
    let a1 = signed_plan(t.path(), "acme 1.pdf", &k, "Acme Imports, Inc.", "CA-1", 1);
    let a2 = t.path().join("acme-letter.pdf");
    std::fs::write(
        &a2,
        sign_bytes(
            &letter_pdf("acceptance", "Acme Imports, Inc.", "CA-1", 2),
            &m,
        ),
    )
    .unwrap();
    let b1 = signed_plan(t.path(), "beta.pdf", &k, "Beta LLC", "CA-2", 3);
    let o = run(archive_cmd(&ar)
        .args(["add", "--trust"])
        .arg(&k.cert)
        .arg(&a1)
        .arg(&a2)
        .arg(&b1));
    assert_eq!(code(&o), 0, "{}", text(&o));

    let bundle = t.path().join("bundle");
    let o = run(archive_cmd(&ar)
        .args(["export", "--company", "acme"])
        .arg(&bundle));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let index: Value =
        serde_json::from_slice(&std::fs::read(bundle.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["company"], "Acme Imports, Inc.");
    assert_eq!(index["documents"].as_array().unwrap().len(), 2);
    assert_eq!(std::fs::read_dir(&bundle).unwrap().count(), 3);

    // Checked on "another machine": nothing but the folder (no --archive).
    let o = run(Command::new(cip_bin())
        .args(["archive", "verify", "--bundle"])
        .arg(&bundle)
        .args(["--trust"])
        .arg(&k.cert)
        .current_dir(t.path()));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("OK"), "{}", text(&o));

    // A flipped byte and an extra file are both reported.
    let f0 = bundle.join(index["documents"][0]["file"].as_str().unwrap());
    let mut bytes = std::fs::read(&f0).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(&f0, bytes).unwrap();
    std::fs::write(bundle.join("stray.pdf"), b"x").unwrap();
    let o = run(Command::new(cip_bin())
        .args(["archive", "verify", "--format", "json", "--bundle"])
        .arg(&bundle));
    assert_eq!(code(&o), 1, "{}", text(&o));
    let r = json(&o);
    let kinds: Vec<&str> = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{r}");
    assert!(
        kinds.contains(&"hash_mismatch") && kinds.contains(&"unexpected_file"),
        "{r}"
    );

    // Export into a non-empty folder, or of an unknown company: refused.
    let o = run(archive_cmd(&ar)
        .args(["export", "--company", "acme"])
        .arg(&bundle));
    assert_eq!(code(&o), 2);
    let o = run(archive_cmd(&ar)
        .args(["export", "--company", "gamma"])
        .arg(t.path().join("g")));
    assert_eq!(code(&o), 2);
    assert!(
        text(&o).contains("no archived file of a company"),
        "{}",
        text(&o)
    );
}

#[test]
fn backup_is_a_verifiable_archive_and_updates_incrementally() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    init(&ar);
    let f1 = signed_plan(t.path(), "1.pdf", &k, "Acme", "CA-1", 1);
    let f2 = signed_plan(t.path(), "2.pdf", &k, "Acme", "CA-1", 2);
    run(archive_cmd(&ar).arg("add").arg(&f1));
    let dest = t.path().join("backup");
    let o = run(archive_cmd(&ar).arg("backup").arg(&dest));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("1 object(s) copied"), "{}", text(&o));
    run(archive_cmd(&ar).arg("add").arg(&f2));
    let o = run(archive_cmd(&ar).arg("backup").arg(&dest));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("1 object(s) copied, 1 already there"),
        "{}",
        text(&o)
    );
    let o = run(archive_cmd(&dest).arg("verify"));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("2 row(s), 2 object(s)"), "{}", text(&o));
    // Onto itself, or into an unrelated non-empty folder: refused.
    let o = run(archive_cmd(&ar).arg("backup").arg(&ar));
    assert_eq!(code(&o), 2);
    let o = run(archive_cmd(&ar).arg("backup").arg(t.path()));
    assert_eq!(code(&o), 2);
}

/// The real thing: the bundled sample plan rendered and signed by `cip
/// render --sign`, archived, restored and verified.
#[test]
fn a_plan_made_by_cip_render_is_archived_as_a_plan() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    let k = make_key(t.path(), "k", "Robert Chen", "Chief Financial Officer");
    let pdf = t.path().join("acme.pdf");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/acme.toml");
    let o = run(Command::new(cip_bin())
        .arg("render")
        .arg(&sample)
        .arg("-o")
        .arg(&pdf)
        .args(["--sign", "--key"])
        .arg(&k.key)
        .arg("--cert")
        .arg(&k.cert));
    assert_eq!(code(&o), 0, "{}", text(&o));
    init(&ar);
    let o = run(archive_cmd(&ar)
        .args(["add", "--require-trusted", "--trust"])
        .arg(&k.cert)
        .arg(&pdf)
        .args(["--format", "json"]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let v = json(&o);
    let rec = &v[0]["result"]["record"];
    assert_eq!(rec["kind"], "plan", "{v:#}");
    assert_eq!(rec["company"], "Acme Imports, Inc.");
    assert_eq!(rec["assessment_report"], "CA-2026-NY-0412");
    assert_eq!(rec["signatures"][0]["signer_name"], "Robert Chen");
    let plan_toml = std::fs::read(&sample).unwrap();
    let embedded = cip::verify::embedded_file(&std::fs::read(&pdf).unwrap(), "plan.toml")
        .unwrap()
        .unwrap();
    assert_eq!(embedded, plan_toml);
    assert_eq!(rec["plan_toml_sha256"], sha256_hex(&plan_toml));
    let out = t.path().join("back.pdf");
    let sha = rec["sha256"].as_str().unwrap();
    assert_eq!(
        code(&run(archive_cmd(&ar).args(["get", sha, "-o"]).arg(&out))),
        0
    );
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&pdf).unwrap());
    let o = run(archive_cmd(&ar).arg("verify"));
    assert_eq!(code(&o), 0, "{}", text(&o));
}

/// An archive made before revision chains (schema version 1) is migrated
/// when opened, and its plans' revisions are read from their signed
/// plan.toml, so their chains are listed and checked like new ones.
#[test]
fn a_version_1_index_is_migrated_and_its_revisions_filled_in() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    init(&ar);
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    let r1 = signed_plan(t.path(), "r1.pdf", &k, "Acme", "CA-1", 1);
    let h1 = sha256_hex(&std::fs::read(&r1).unwrap());
    let toml = format!(
        "{}revision = 2\nsupersedes = {{ file = \"r1.pdf\", sha256 = \"{h1}\" }}\n",
        plan_toml("Acme", "CA-1", 2)
    );
    let plan = toml.into_bytes();
    let manifest = format!(
        r#"{{"plan_toml_sha256": "{}", "documents": []}}"#,
        sha256_hex(&plan)
    );
    let pdf = pdf_with_files(
        "revision 2",
        &[
            ("plan.toml", plan, "Source"),
            ("manifest.json", manifest.into_bytes(), "Data"),
        ],
    );
    let r2 = t.path().join("r2.pdf");
    std::fs::write(&r2, sign_bytes(&pdf, &k)).unwrap();
    let o = run(archive_cmd(&ar).arg("add").arg(&r1).arg(&r2));
    assert_eq!(code(&o), 0, "{}", text(&o));
    // Back to version 1, as an older cip left it.
    let db = ar.join("index.sqlite");
    sqlite3(
        &db,
        "ALTER TABLE documents DROP COLUMN plan_revision; \
         ALTER TABLE documents DROP COLUMN supersedes_sha256; \
         ALTER TABLE documents DROP COLUMN supersedes_file; \
         DELETE FROM schema_version WHERE version > 1;",
    );
    let o = run(archive_cmd(&ar).args(["list", "--format", "json"]));
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert_eq!(
        sqlite3(&db, "SELECT max(version) FROM schema_version"),
        cip::archive::SCHEMA_VERSION.to_string()
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let revs: Vec<(i64, Option<&str>)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["supersedes_sha256"].as_str(),
            )
        })
        .collect();
    assert_eq!(revs, [(1, None), (2, Some(h1.as_str()))]);
    let o = run(archive_cmd(&ar).arg("verify"));
    assert_eq!(code(&o), 0, "{}", text(&o));
}

/// The verdict of a batch is its worst file: a file that cannot be read at
/// all (exit 2) outweighs a refused one (exit 1); the good ones are added.
#[test]
fn a_batch_exits_with_its_worst_file() {
    let t = tempfile::tempdir().unwrap();
    let ar = t.path().join("ar");
    let k = make_key(t.path(), "k", "Robert Chen", "CFO");
    init(&ar);
    let junk = t.path().join("junk.pdf");
    std::fs::write(&junk, b"hello").unwrap();
    let missing = t.path().join("missing.pdf");
    let good = signed_plan(t.path(), "good.pdf", &k, "Acme", "CA-1", 1);
    let o = run(archive_cmd(&ar)
        .arg("add")
        .arg(&junk)
        .arg(&missing)
        .arg(&good));
    assert_eq!(code(&o), 2, "{}", text(&o));
    let o = run(archive_cmd(&ar).arg("add").arg(&good).arg(&junk));
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("already archived"), "{}", text(&o));
    let o = run(archive_cmd(&ar).arg("add").arg(&good));
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = run(archive_cmd(&ar).args(["list", "--format", "json"]));
    assert_eq!(json(&o).as_array().unwrap().len(), 1);
}
