//! The `cip keygen`, `cip sign` and `cip verify` commands as a user runs
//! them: key files and permissions, OpenSSL-made keys, determinism, atomic
//! writes and exit codes.

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn cip(args: &[&str], dir: &Path) -> Output {
    run(Command::new(cip_bin()).args(args).current_dir(dir))
}

fn keygen(dir: &Path, alg: &str) -> Output {
    cip(
        &[
            "keygen",
            "--name",
            "Jane Q. Official",
            "--title",
            "Vice President",
            "--org",
            "Example Importers Inc.",
            "--email",
            "jane@example.com",
            "--days",
            "7300",
            "--not-before",
            "2025-01-01T00:00:00Z",
            "--algorithm",
            alg,
            "--key",
            "key.pem",
            "--cert",
            "cert.pem",
        ],
        dir,
    )
}

#[test]
fn keygen_writes_a_private_key_and_an_end_entity_certificate() {
    for alg in ["ed25519", "p256", "p384", "rsa3072"] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        let out = keygen(dir, alg);
        assert!(out.status.success(), "{}", text(&out));
        let mode = std::fs::metadata(dir.join("key.pem"))
            .expect("key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "key file mode");
        let key = std::fs::read_to_string(dir.join("key.pem")).expect("key");
        assert!(
            key.starts_with(concat!("-----BEGIN ", "PRIVATE KEY-----")),
            "PKCS#8 PEM"
        );
        assert!(
            !text(&out).contains(key.lines().nth(1).unwrap_or("-")),
            "key printed"
        );

        // OpenSSL reads both files and sees the requested profile.
        let k = run(Command::new(tool("openssl"))
            .args(["pkey", "-noout", "-in"])
            .arg(dir.join("key.pem")));
        assert!(
            k.status.success(),
            "openssl cannot read the key: {}",
            text(&k)
        );
        let x = run(Command::new(tool("openssl"))
            .args(["x509", "-noout", "-text", "-in"])
            .arg(dir.join("cert.pem")));
        let info = text(&x);
        assert!(x.status.success(), "{info}");
        for want in [
            "Version: 3",
            "CA:FALSE",
            "Digital Signature, Non Repudiation",
            "Subject Key Identifier",
            "CN = Jane Q. Official",
            "title = Vice President",
            "O = Example Importers Inc.",
        ] {
            assert!(
                info.contains(want),
                "{alg}: certificate lacks `{want}`:\n{info}"
            );
        }
        let (key_type, sig_alg) = match alg {
            "p256" => ("prime256v1", "ecdsa-with-SHA256"),
            "p384" => ("secp384r1", "ecdsa-with-SHA384"),
            "rsa3072" => ("Public-Key: (3072 bit)", "sha256WithRSAEncryption"),
            _ => ("ED25519", "ED25519"),
        };
        assert!(info.contains(key_type), "{alg}: {info}");
        assert!(info.contains(sig_alg), "{alg}: {info}");
        // OpenSSL checks the self-signature.
        let v = run(Command::new(tool("openssl"))
            .args(["verify", "-CAfile"])
            .arg(dir.join("cert.pem"))
            .arg(dir.join("cert.pem")));
        assert!(v.status.success(), "{alg}: {}", text(&v));
        // The key signs, and cip verifies it, trusting the certificate.
        std::fs::write(dir.join("in.pdf"), sample_pdf(true)).expect("write");
        let s = cip(
            &[
                "sign", "in.pdf", "--key", "key.pem", "--cert", "cert.pem", "-o", "out.pdf",
            ],
            dir,
        );
        assert!(s.status.success(), "{alg}: {}", text(&s));
        let v = cip(&["verify", "out.pdf", "--trust", "cert.pem"], dir);
        assert_eq!(v.status.code(), Some(0), "{alg}: {}", text(&v));

        // Never overwrite.
        let again = keygen(dir, alg);
        assert!(!again.status.success());
        assert!(text(&again).contains("already exists"), "{}", text(&again));
        assert_eq!(
            std::fs::read_to_string(dir.join("key.pem")).expect("key"),
            key
        );
    }
}

#[test]
fn sign_and_verify_round_trip_with_exit_codes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    assert!(keygen(dir, "ed25519").status.success());
    std::fs::write(dir.join("in.pdf"), sample_pdf(true)).expect("write");
    let s = cip(
        &[
            "sign", "in.pdf", "--key", "key.pem", "--cert", "cert.pem", "-o", "out.pdf",
            "--reason", "Approved",
        ],
        dir,
    );
    assert!(s.status.success(), "{}", text(&s));

    let trusted = cip(&["verify", "out.pdf", "--trust", "cert.pem"], dir);
    assert_eq!(trusted.status.code(), Some(0), "{}", text(&trusted));
    assert!(text(&trusted).contains("trusted"), "{}", text(&trusted));

    let untrusted = cip(&["verify", "out.pdf"], dir);
    assert_eq!(untrusted.status.code(), Some(1), "{}", text(&untrusted));
    assert!(
        text(&untrusted).contains("valid but untrusted (self-signed)"),
        "{}",
        text(&untrusted)
    );

    let json = cip(
        &[
            "verify", "out.pdf", "--trust", "cert.pem", "--format", "json",
        ],
        dir,
    );
    assert_eq!(json.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let sig = &v["signatures"][0];
    assert_eq!(sig["signer"]["name"], "Jane Q. Official");
    assert_eq!(sig["signer"]["title"], "Vice President");
    assert_eq!(sig["algorithm"], "Ed25519");
    assert_eq!(sig["reason"], "Approved");
    assert_eq!(sig["covers_whole_file"], true);
    assert_eq!(
        sig["signer"]["cert_sha256"].as_str().map(str::len),
        Some(64)
    );
    assert_eq!(v["manifest"]["status"], "no_manifest");
    assert_eq!(v["ok"], true);

    std::fs::write(dir.join("junk.pdf"), b"this is not a pdf").expect("write");
    assert_eq!(cip(&["verify", "junk.pdf"], dir).status.code(), Some(2));
    assert_eq!(cip(&["verify", "missing.pdf"], dir).status.code(), Some(2));
    // An unsigned PDF has nothing to vouch for it.
    assert_eq!(cip(&["verify", "in.pdf"], dir).status.code(), Some(1));
}

#[test]
fn signing_is_deterministic_given_the_time() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    for alg in ["ed25519", "p256"] {
        let sub = dir.join(alg);
        std::fs::create_dir(&sub).expect("mkdir");
        assert!(keygen(&sub, alg).status.success());
        std::fs::write(sub.join("in.pdf"), sample_pdf(true)).expect("write");
        for out in ["a.pdf", "b.pdf"] {
            let s = cip(
                &[
                    "sign",
                    "in.pdf",
                    "--key",
                    "key.pem",
                    "--cert",
                    "cert.pem",
                    "-o",
                    out,
                    "--time",
                    "2026-03-01T10:30:00Z",
                ],
                &sub,
            );
            assert!(s.status.success(), "{}", text(&s));
        }
        let a = std::fs::read(sub.join("a.pdf")).expect("a");
        let b = std::fs::read(sub.join("b.pdf")).expect("b");
        assert!(a == b, "{alg}: two signings with --time differ");
        // The placeholder is sized to the CMS: a few KB, not 16 KB of zeros.
        let report = cip::verify::verify_pdf(&a, &Default::default()).expect("verify");
        let br = report.signatures[0].byte_range.expect("range");
        let hole = br[2] - br[1];
        assert!(hole < 4096, "{alg}: /Contents hole is {hole} bytes");
    }
}

#[test]
fn keys_from_openssl_work_and_open_key_files_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("in.pdf"), sample_pdf(false)).expect("write");
    let openssl = |args: &[&str]| {
        let o = run(Command::new(tool("openssl")).args(args).current_dir(dir));
        assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    };
    for (tag, genargs) in [
        (
            "ed",
            vec!["genpkey", "-algorithm", "ed25519", "-out", "ed-key.pem"],
        ),
        (
            "ec",
            vec![
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "ec-key.pem",
            ],
        ),
    ] {
        openssl(&genargs);
        let key = format!("{tag}-key.pem");
        let cert = format!("{tag}-cert.pem");
        openssl(&[
            "req",
            "-new",
            "-x509",
            "-key",
            &key,
            "-out",
            &cert,
            "-days",
            "30",
            "-subj",
            "/CN=OpenSSL Signer/title=Director/O=Example",
        ]);

        std::fs::set_permissions(dir.join(&key), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
        let out = format!("{tag}-out.pdf");
        let refused = cip(
            &["sign", "in.pdf", "--key", &key, "--cert", &cert, "-o", &out],
            dir,
        );
        assert!(!refused.status.success(), "a 0644 key was accepted");
        let msg = text(&refused);
        assert!(
            msg.contains("too open") && msg.contains("chmod 600"),
            "{msg}"
        );
        let pem = std::fs::read_to_string(dir.join(&key)).expect("key");
        assert!(
            !msg.contains(pem.lines().nth(1).unwrap_or("-")),
            "key material in the error"
        );
        assert!(!dir.join(&out).exists());

        std::fs::set_permissions(dir.join(&key), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
        let ok = cip(
            &["sign", "in.pdf", "--key", &key, "--cert", &cert, "-o", &out],
            dir,
        );
        assert!(ok.status.success(), "{tag}: {}", text(&ok));
        let v = cip(&["verify", &out, "--trust", &cert], dir);
        assert_eq!(v.status.code(), Some(0), "{tag}: {}", text(&v));
    }
    // A certificate that belongs to another key is refused before signing.
    let mismatch = cip(
        &[
            "sign",
            "in.pdf",
            "--key",
            "ed-key.pem",
            "--cert",
            "ec-cert.pem",
            "-o",
            "x.pdf",
        ],
        dir,
    );
    assert!(!mismatch.status.success());
    assert!(
        text(&mismatch).contains("does not match"),
        "{}",
        text(&mismatch)
    );
}

#[test]
fn output_is_written_atomically_and_never_over_the_input() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    assert!(keygen(dir, "ed25519").status.success());
    std::fs::write(dir.join("in.pdf"), sample_pdf(true)).expect("write");
    let same = cip(
        &[
            "sign", "in.pdf", "--key", "key.pem", "--cert", "cert.pem", "-o", "./in.pdf",
        ],
        dir,
    );
    assert!(!same.status.success());
    assert_eq!(
        std::fs::read(dir.join("in.pdf")).expect("in"),
        sample_pdf(true)
    );

    std::fs::write(dir.join("broken.pdf"), b"%PDF-1.7\n1 0 obj << >> endobj\n").expect("write");
    let bad = cip(
        &[
            "sign",
            "broken.pdf",
            "--key",
            "key.pem",
            "--cert",
            "cert.pem",
            "-o",
            "out.pdf",
        ],
        dir,
    );
    assert!(!bad.status.success());
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["broken.pdf", "cert.pem", "in.pdf", "key.pem"],
        "left behind"
    );
}

/// A company CA (P-256 or RSA, as most CAs are) issuing the signer's
/// Ed25519 certificate; the signer's PEM holds the leaf then the CA.
fn company_ca(dir: &Path, ca_alg: &[&str]) {
    let openssl = |args: &[&str]| {
        let o = run(Command::new(tool("openssl")).args(args).current_dir(dir));
        assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    };
    let mut genkey = vec!["genpkey"];
    genkey.extend_from_slice(ca_alg);
    genkey.extend_from_slice(&["-out", "ca-key.pem"]);
    openssl(&genkey);
    openssl(&[
        "req",
        "-new",
        "-x509",
        "-key",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-days",
        "60",
        "-subj",
        "/CN=Example Importers Root CA/O=Example",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", "leaf-key.pem"]);
    openssl(&[
        "req",
        "-new",
        "-key",
        "leaf-key.pem",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=Jane Q. Official/title=Vice President/O=Example",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "keyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=critical,CA:FALSE\n",
    )
    .expect("write");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "30",
        "-extfile",
        "ext.cnf",
    ]);
    let chain = [
        std::fs::read(dir.join("leaf.pem")).expect("leaf"),
        std::fs::read(dir.join("ca.pem")).expect("ca"),
    ]
    .concat();
    std::fs::write(dir.join("chain.pem"), chain).expect("write");
    std::fs::set_permissions(
        dir.join("leaf-key.pem"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
}

#[test]
fn a_certificate_issued_by_a_company_ca_is_trusted_through_the_ca() {
    for (tag, ca_alg) in [
        (
            "ec",
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
        ),
        (
            "rsa",
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
        ),
    ] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        std::fs::write(dir.join("in.pdf"), sample_pdf(true)).expect("write");
        company_ca(dir, ca_alg);

        let s = cip(
            &[
                "sign",
                "in.pdf",
                "--key",
                "leaf-key.pem",
                "--cert",
                "chain.pem",
                "-o",
                "out.pdf",
            ],
            dir,
        );
        assert!(s.status.success(), "{tag}: {}", text(&s));
        let v = cip(&["verify", "out.pdf", "--trust", "ca.pem"], dir);
        assert_eq!(v.status.code(), Some(0), "{tag}: {}", text(&v));
        let untrusted = cip(&["verify", "out.pdf"], dir);
        assert_eq!(untrusted.status.code(), Some(1));
        assert!(
            text(&untrusted).contains("no chain to a --trust certificate"),
            "{}",
            text(&untrusted)
        );
        // The signer's own certificate is an anchor too.
        let other = cip(&["verify", "out.pdf", "--trust", "leaf.pem"], dir);
        assert_eq!(
            other.status.code(),
            Some(0),
            "the signer's own certificate is an anchor too"
        );
        let (ok, out) = pyhanko_validate(&dir.join("out.pdf"), &dir.join("ca.pem"));
        assert!(ok && out.contains("judged VALID"), "{tag}: {out}");

        // A certificate issued by the (non-CA) leaf is not trusted through it.
        let openssl = |args: &[&str]| {
            let o = run(Command::new(tool("openssl")).args(args).current_dir(dir));
            assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
        };
        openssl(&["genpkey", "-algorithm", "ed25519", "-out", "sub-key.pem"]);
        openssl(&[
            "req",
            "-new",
            "-key",
            "sub-key.pem",
            "-out",
            "sub.csr",
            "-subj",
            "/CN=Mallory",
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            "sub.csr",
            "-CA",
            "leaf.pem",
            "-CAkey",
            "leaf-key.pem",
            "-CAcreateserial",
            "-out",
            "sub.pem",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
        ]);
        std::fs::set_permissions(
            dir.join("sub-key.pem"),
            std::fs::Permissions::from_mode(0o600),
        )
        .expect("chmod");
        let s = cip(
            &[
                "sign",
                "in.pdf",
                "--key",
                "sub-key.pem",
                "--cert",
                "sub.pem",
                "-o",
                "sub.pdf",
            ],
            dir,
        );
        assert!(s.status.success(), "{}", text(&s));
        let v = cip(&["verify", "sub.pdf", "--trust", "leaf.pem"], dir);
        assert_eq!(v.status.code(), Some(1), "{}", text(&v));
        assert!(
            text(&v).contains("no chain to a --trust certificate"),
            "{}",
            text(&v)
        );

        // A certificate that expired before the signing time is refused up front.
        let expired = cip(
            &[
                "sign",
                "in.pdf",
                "--key",
                "leaf-key.pem",
                "--cert",
                "chain.pem",
                "-o",
                "late.pdf",
                "--time",
                "2099-01-01T00:00:00Z",
            ],
            dir,
        );
        assert!(!expired.status.success());
        assert!(
            text(&expired).contains("not valid at the signing time"),
            "{}",
            text(&expired)
        );
    }
}

#[test]
fn cip_verifies_a_pyhanko_signature_made_with_an_rsa_key() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("in.pdf"), sample_pdf(false)).expect("write");
    let openssl = |args: &[&str]| {
        let o = run(Command::new(tool("openssl")).args(args).current_dir(dir));
        assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    };
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "rsa-key.pem",
    ]);
    openssl(&[
        "req",
        "-new",
        "-x509",
        "-key",
        "rsa-key.pem",
        "-out",
        "rsa.pem",
        "-days",
        "30",
        "-subj",
        "/CN=RSA Signer",
    ]);
    let out = run(Command::new(tool("pyhanko"))
        .args([
            "sign",
            "addsig",
            "--field",
            "Rsa",
            "pemder",
            "--no-pass",
            "--key",
            "rsa-key.pem",
            "--cert",
            "rsa.pem",
            "in.pdf",
            "out.pdf",
        ])
        .current_dir(dir));
    assert!(out.status.success(), "{}", text(&out));
    let v = cip(
        &[
            "verify", "out.pdf", "--trust", "rsa.pem", "--format", "json",
        ],
        dir,
    );
    let json: serde_json::Value = serde_json::from_slice(&v.stdout).expect("json");
    assert_eq!(v.status.code(), Some(0), "{json:#}");
    assert_eq!(json["signatures"][0]["algorithm"], "RSA PKCS#1 v1.5");
    // Flipping a signed byte still fails with RSA.
    let mut bytes = std::fs::read(dir.join("out.pdf")).expect("read");
    bytes[20] ^= 1;
    std::fs::write(dir.join("bad.pdf"), bytes).expect("write");
    assert_eq!(
        cip(&["verify", "bad.pdf", "--trust", "rsa.pem"], dir)
            .status
            .code(),
        Some(1)
    );
}
