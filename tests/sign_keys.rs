//! Signing with the keys officials really have (issue 18): RSA, P-384 and
//! Ed25519 keys made by OpenSSL, PKCS#12 files (modern and legacy
//! encryption) with a CA-issued certificate and an intermediate, and keys on
//! a PKCS#11 token (SoftHSM2). Every signed plan is checked by cip, pyHanko
//! (against the test root alone) and, for RSA and ECDSA, poppler's pdfsig.
//! Keys, certificates and tokens are made at run time in temp folders.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

fn cip(args: &[&str], dir: &Path) -> Output {
    run(Command::new(cip_bin()).args(args).current_dir(dir))
}

fn openssl(args: &[&str], dir: &Path) {
    let out = run(Command::new(tool("openssl")).args(args).current_dir(dir));
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        text(&out)
    );
}

/// `openssl genpkey` arguments for a key type.
fn genpkey(alg: &str) -> Vec<&'static str> {
    match alg {
        "rsa" => vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
        "rsa2048" => vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "p256" => vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "p384" => vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        "ed25519" => vec!["-algorithm", "ED25519"],
        other => panic!("unknown algorithm {other}"),
    }
}

fn new_key(dir: &Path, name: &str, alg: &str) -> PathBuf {
    let mut args = vec!["genpkey"];
    args.extend(genpkey(alg));
    let file = format!("{name}.key");
    args.extend(["-out", &file]);
    openssl(&args, dir);
    let path = dir.join(&file);
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

/// A test PKI: a P-384 root, an RSA intermediate, and end-entity
/// certificates the intermediate issues. Only `root.crt` is ever trusted.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new(dir: &Path) -> Pki {
        new_key(dir, "root", "p384");
        openssl(
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "root.key",
                "-out",
                "root.crt",
                "-days",
                "3650",
                "-subj",
                "/CN=cip Test Root CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
            dir,
        );
        new_key(dir, "int", "rsa2048");
        openssl(
            &[
                "req",
                "-new",
                "-key",
                "int.key",
                "-out",
                "int.csr",
                "-subj",
                "/CN=cip Test Issuing CA",
            ],
            dir,
        );
        std::fs::write(
            dir.join("int.ext"),
            "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
        )
        .expect("write");
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                "int.csr",
                "-CA",
                "root.crt",
                "-CAkey",
                "root.key",
                "-set_serial",
                "2",
                "-out",
                "int.crt",
                "-days",
                "1825",
                "-extfile",
                "int.ext",
            ],
            dir,
        );
        Pki {
            dir: dir.to_path_buf(),
        }
    }

    fn root(&self) -> PathBuf {
        self.dir.join("root.crt")
    }

    /// A key of `alg` and a certificate for it issued by the intermediate
    /// with `key_usage`; returns (key, cert, cert + intermediate bundle).
    fn issue(&self, name: &str, alg: &str, key_usage: &str) -> (PathBuf, PathBuf, PathBuf) {
        let dir = &self.dir;
        let key = new_key(dir, name, alg);
        let csr = format!("{name}.csr");
        let crt = format!("{name}.crt");
        let ext = format!("{name}.ext");
        openssl(
            &[
                "req",
                "-new",
                "-key",
                &format!("{name}.key"),
                "-out",
                &csr,
                "-subj",
                &format!("/O=Example Importers Inc./CN=Jane Q. Official ({name})"),
            ],
            dir,
        );
        std::fs::write(
            dir.join(&ext),
            format!("basicConstraints=CA:FALSE\nkeyUsage=critical,{key_usage}\n"),
        )
        .expect("write");
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "int.crt",
                "-CAkey",
                "int.key",
                "-CAcreateserial",
                "-out",
                &crt,
                "-days",
                "365",
                "-extfile",
                &ext,
            ],
            dir,
        );
        let bundle = dir.join(format!("{name}-chain.pem"));
        let mut pem = std::fs::read(dir.join(&crt)).expect("read");
        pem.extend(std::fs::read(dir.join("int.crt")).expect("read"));
        std::fs::write(&bundle, pem).expect("write");
        (key, dir.join(crt), bundle)
    }
}

const SIGNING: &str = "digitalSignature,nonRepudiation";

/// The sample plan rendered by cip.
fn sample_plan(dir: &Path) -> PathBuf {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/acme.toml");
    let out = dir.join("plan.pdf");
    let r = run(Command::new(cip_bin())
        .arg("render")
        .arg(&sample)
        .arg("-o")
        .arg(&out));
    assert!(r.status.success(), "render: {}", text(&r));
    out
}

/// pyHanko's one-line summary must say INTACT and TRUSTED, with only the
/// root as trust anchor (so the intermediate came from the signature).
fn assert_pyhanko_trusted(pdf: &Path, root: &Path) -> String {
    let out = run(Command::new(tool("pyhanko"))
        .args(["sign", "validate", "--trust"])
        .arg(root)
        .arg("--trust-replace")
        .arg(pdf));
    let t = text(&out);
    assert!(
        out.status.success(),
        "pyHanko rejected {}:\n{t}",
        pdf.display()
    );
    assert!(
        t.contains(":INTACT:TRUSTED"),
        "pyHanko: {} not INTACT and TRUSTED:\n{t}",
        pdf.display()
    );
    t
}

/// cip verify with only the root trusted: exit 0 and the algorithm named.
fn assert_cip_trusted(pdf: &Path, root: &Path, algorithm: &str) {
    let v = run(Command::new(cip_bin())
        .arg("verify")
        .arg(pdf)
        .arg("--trust")
        .arg(root)
        .args(["--format", "json"]));
    let json: serde_json::Value = serde_json::from_slice(&v.stdout)
        .unwrap_or_else(|e| panic!("verify json: {e}: {}", text(&v)));
    assert_eq!(v.status.code(), Some(0), "{json:#}");
    assert_eq!(json["signatures"][0]["trust"], "trusted", "{json:#}");
    assert_eq!(json["signatures"][0]["algorithm"], algorithm, "{json:#}");
}

fn assert_pdfsig_valid(pdf: &Path) {
    let out = run(Command::new(tool("pdfsig")).arg(pdf));
    let t = text(&out);
    assert!(
        t.contains("Signature Validation: Signature is Valid."),
        "pdfsig on {}:\n{t}",
        pdf.display()
    );
}

/// A refused signing: exit 2, the message, and no output file.
fn assert_refused(out: &Output, dir: &Path, output: &str, message: &str) {
    let t = text(out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains(message), "expected `{message}` in:\n{t}");
    assert!(!dir.join(output).exists(), "{output} was written");
    // Nothing half-written next to it either.
    let stray: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(output))
        .collect();
    assert!(stray.is_empty(), "left behind: {stray:?}");
}

#[test]
fn openssl_keys_of_every_algorithm_sign_and_validate() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pki = Pki::new(dir);
    let plan = sample_plan(dir);
    for (alg, name, pss, pdfsig) in [
        ("rsa", "RSA PKCS#1 v1.5", false, true),
        ("rsa", "RSASSA-PSS", true, true),
        ("p384", "ECDSA P-384", false, true),
        ("p256", "ECDSA P-256", false, true),
        // NSS (pdfsig) does not verify Ed25519 CMS signatures.
        ("ed25519", "Ed25519", false, false),
    ] {
        let tag = if pss { "rsa-pss" } else { alg };
        let (key, _, chain) = pki.issue(tag, alg, SIGNING);
        let out = format!("{tag}.pdf");
        let mut args = vec![
            "sign".to_string(),
            plan.display().to_string(),
            "--key".into(),
            key.display().to_string(),
            "--cert".into(),
            chain.display().to_string(),
            "-o".into(),
            out.clone(),
        ];
        if pss {
            args.push("--rsa-pss".into());
        }
        let s = cip(&args.iter().map(String::as_str).collect::<Vec<_>>(), dir);
        assert!(s.status.success(), "{tag}: {}", text(&s));
        let pdf = dir.join(&out);
        assert_cip_trusted(&pdf, &pki.root(), name);
        assert_pyhanko_trusted(&pdf, &pki.root());
        if pdfsig {
            assert_pdfsig_valid(&pdf);
        }
    }
}

#[test]
fn rsa_pkcs1_signing_is_deterministic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pki = Pki::new(dir);
    let plan = sample_plan(dir);
    let (key, _, chain) = pki.issue("rsa", "rsa", SIGNING);
    // Within the certificate's validity (it starts now).
    let time = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let mut outputs = Vec::new();
    for out in ["a.pdf", "b.pdf"] {
        let s = run(Command::new(cip_bin())
            .arg("sign")
            .arg(&plan)
            .arg("--key")
            .arg(&key)
            .arg("--cert")
            .arg(&chain)
            .args(["--time", &time, "-o"])
            .arg(dir.join(out)));
        assert!(s.status.success(), "{}", text(&s));
        outputs.push(std::fs::read(dir.join(out)).expect("read"));
    }
    assert!(
        outputs[0] == outputs[1],
        "same key, input and time: same bytes"
    );
}

/// PKCS#12 files from `openssl pkcs12 -export`, modern (PBES2/AES-256) and
/// `-legacy` (RC2/3DES): key, certificate and intermediate come from the
/// file, and the chain is embedded so the root alone validates.
#[test]
fn pkcs12_files_modern_and_legacy_sign_with_the_chain_embedded() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pki = Pki::new(dir);
    let plan = sample_plan(dir);
    for alg in ["rsa", "p384"] {
        let (key, cert, _) = pki.issue(alg, alg, SIGNING);
        for (kind, extra, cipher) in [
            ("modern", None, "AES-256-CBC"),
            (
                "legacy",
                Some("-legacy"),
                "pbeWithSHA1And3-KeyTripleDES-CBC",
            ),
        ] {
            let p12 = format!("{alg}-{kind}.p12");
            let mut args = vec![
                "pkcs12",
                "-export",
                "-inkey",
                key.to_str().expect("utf-8"),
                "-in",
                cert.to_str().expect("utf-8"),
                "-certfile",
                "int.crt",
                "-out",
                &p12,
                "-passout",
                "pass:correct horse",
            ];
            args.extend(extra);
            openssl(&args, dir);
            // The file really uses the encryption it is meant to test.
            let mut info = vec![
                "pkcs12",
                "-info",
                "-noout",
                "-in",
                &p12,
                "-passin",
                "pass:correct horse",
            ];
            info.extend(extra);
            let i = run(Command::new(tool("openssl")).args(&info).current_dir(dir));
            assert!(text(&i).contains(cipher), "{p12}: {}", text(&i));

            let out = format!("{alg}-{kind}.pdf");
            let s = run(Command::new(cip_bin())
                .arg("sign")
                .arg(&plan)
                .args(["--key", &p12, "--password-env", "CIP_TEST_P12", "-o", &out])
                .env("CIP_TEST_P12", "correct horse")
                .current_dir(dir));
            assert!(s.status.success(), "{p12}: {}", text(&s));
            let pdf = dir.join(&out);
            let name = if alg == "rsa" {
                "RSA PKCS#1 v1.5"
            } else {
                "ECDSA P-384"
            };
            assert_cip_trusted(&pdf, &pki.root(), name);
            assert_pyhanko_trusted(&pdf, &pki.root());
            assert_pdfsig_valid(&pdf);
        }
    }
    // The password from a file works too.
    std::fs::write(dir.join("pw.txt"), "correct horse\n").expect("write");
    let s = cip(
        &[
            "sign",
            "plan.pdf",
            "--key",
            "rsa-legacy.p12",
            "--password-file",
            "pw.txt",
            "-o",
            "from-file.pdf",
        ],
        dir,
    );
    assert!(s.status.success(), "{}", text(&s));
}

#[test]
fn wrong_or_missing_password_and_mismatched_keys_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pki = Pki::new(dir);
    sample_plan(dir);
    let (key, cert, _) = pki.issue("p256", "p256", SIGNING);
    openssl(
        &[
            "pkcs12",
            "-export",
            "-inkey",
            key.to_str().expect("utf-8"),
            "-in",
            cert.to_str().expect("utf-8"),
            "-out",
            "id.p12",
            "-passout",
            "pass:right",
        ],
        dir,
    );
    std::fs::write(dir.join("wrong.txt"), "wrong\n").expect("write");
    let wrong = cip(
        &[
            "sign",
            "plan.pdf",
            "--key",
            "id.p12",
            "--password-file",
            "wrong.txt",
            "-o",
            "out.pdf",
        ],
        dir,
    );
    assert_refused(&wrong, dir, "out.pdf", "wrong password for id.p12");
    // No password source and no terminal (stdin is not one here).
    let none = cip(
        &["sign", "plan.pdf", "--key", "id.p12", "-o", "out.pdf"],
        dir,
    );
    assert_refused(&none, dir, "out.pdf", "id.p12 needs a password");

    // A certificate of another key.
    let (other_key, other_cert, _) = pki.issue("other", "p384", SIGNING);
    let _ = other_key;
    let mismatch = cip(
        &[
            "sign",
            "plan.pdf",
            "--key",
            key.to_str().expect("utf-8"),
            "--cert",
            other_cert.to_str().expect("utf-8"),
            "-o",
            "out.pdf",
        ],
        dir,
    );
    assert_refused(&mismatch, dir, "out.pdf", "does not match the private key");

    // A certificate whose key usage forbids signing documents.
    let (enc_key, enc_cert, _) = pki.issue("enc", "rsa2048", "keyEncipherment");
    let usage = cip(
        &[
            "sign",
            "plan.pdf",
            "--key",
            enc_key.to_str().expect("utf-8"),
            "--cert",
            enc_cert.to_str().expect("utf-8"),
            "-o",
            "out.pdf",
        ],
        dir,
    );
    assert_refused(&usage, dir, "out.pdf", "does not allow signing documents");

    // A certificate not valid at the signing time.
    let late = cip(
        &[
            "sign",
            "plan.pdf",
            "--key",
            key.to_str().expect("utf-8"),
            "--cert",
            cert.to_str().expect("utf-8"),
            "--time",
            "2001-01-01T00:00:00Z",
            "-o",
            "out.pdf",
        ],
        dir,
    );
    assert_refused(&late, dir, "out.pdf", "not valid at the signing time");
    // --rsa-pss with an EC key.
    let pss = cip(
        &[
            "sign",
            "plan.pdf",
            "--key",
            key.to_str().expect("utf-8"),
            "--cert",
            cert.to_str().expect("utf-8"),
            "--rsa-pss",
            "-o",
            "out.pdf",
        ],
        dir,
    );
    assert_refused(&pss, dir, "out.pdf", "not RSA");
}

/// The SoftHSM2 module, from the package's file list.
fn softhsm_module() -> PathBuf {
    let out = Command::new("dpkg").args(["-L", "libsofthsm2"]).output();
    if let Ok(o) = out {
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            if line.ends_with("/libsofthsm2.so") && Path::new(line).is_file() {
                return PathBuf::from(line);
            }
        }
    }
    panic!("SoftHSM2 is not installed: apt-get install softhsm2 (scripts/test installs it)");
}

/// A throwaway SoftHSM2 token in `dir` (its own SOFTHSM2_CONF).
struct Token {
    conf: PathBuf,
    module: PathBuf,
}

const PIN: &str = "246810";

impl Token {
    fn new(dir: &Path) -> Token {
        let tokens = dir.join("tokens");
        std::fs::create_dir(&tokens).expect("mkdir");
        let conf = dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokens.display()
            ),
        )
        .expect("write");
        let t = Token {
            conf,
            module: softhsm_module(),
        };
        t.util(&[
            "--init-token",
            "--free",
            "--label",
            "cip-test",
            "--so-pin",
            "97531864",
            "--pin",
            PIN,
        ]);
        t
    }

    fn util(&self, args: &[&str]) {
        let out = run(Command::new(tool("softhsm2-util"))
            .args(args)
            .env("SOFTHSM2_CONF", &self.conf));
        assert!(
            out.status.success(),
            "softhsm2-util {args:?}: {}",
            text(&out)
        );
    }

    fn import(&self, key: &Path, label: &str, id: &str) {
        self.util(&[
            "--import",
            key.to_str().expect("utf-8"),
            "--token",
            "cip-test",
            "--label",
            label,
            "--id",
            id,
            "--pin",
            PIN,
        ]);
    }

    fn uri(&self, object: &str, query: &str) -> String {
        format!(
            "pkcs11:token=cip-test;object={object}?module-path={}{query}",
            self.module.display()
        )
    }

    fn sign(&self, dir: &Path, uri: &str, cert: Option<&Path>, pin: &str, out: &str) -> Output {
        let mut cmd = Command::new(cip_bin());
        cmd.args([
            "sign",
            "plan.pdf",
            "--key",
            uri,
            "--pin-env",
            "CIP_TEST_PIN",
            "-o",
            out,
        ])
        .env("SOFTHSM2_CONF", &self.conf)
        .env("CIP_TEST_PIN", pin)
        .current_dir(dir);
        if let Some(c) = cert {
            cmd.arg("--cert").arg(c);
        }
        run(&mut cmd)
    }

    /// Stores `cert` (with the intermediate) on the token beside key `id`,
    /// as a CA's enrolment tool would; softhsm2-util cannot write
    /// certificates, so this goes through PKCS#11 itself.
    fn store_certificates(&self, id: u8, certs: &[(&Path, &str)]) {
        use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
        use cryptoki::object::{Attribute, CertificateType, ObjectClass};
        use cryptoki::session::UserType;
        use der::{Decode as _, Encode as _};
        // SAFETY: only this test's thread reads the environment meanwhile.
        unsafe { std::env::set_var("SOFTHSM2_CONF", &self.conf) };
        let ctx = Pkcs11::new(&self.module).expect("module");
        ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .expect("init");
        let slot = ctx
            .get_slots_with_initialized_token()
            .expect("slots")
            .into_iter()
            .find(|s| {
                ctx.get_token_info(*s)
                    .is_ok_and(|i| i.label().trim_end() == "cip-test")
            })
            .expect("token");
        let session = ctx.open_rw_session(slot).expect("session");
        session
            .login(UserType::User, Some(&PIN.to_string().into()))
            .expect("login");
        for (i, (path, label)) in certs.iter().enumerate() {
            let pem = std::fs::read(path).expect("cert");
            let (_, der) = pem_rfc7468::decode_vec(&pem).expect("pem");
            let cert = x509_cert::Certificate::from_der(&der).expect("cert");
            let subject = cert.tbs_certificate().subject().to_der().expect("der");
            let object_id = if i == 0 { id } else { 0x7f };
            session
                .create_object(&[
                    Attribute::Class(ObjectClass::CERTIFICATE),
                    Attribute::CertificateType(CertificateType::X_509),
                    Attribute::Token(true),
                    Attribute::Label(label.as_bytes().to_vec()),
                    Attribute::Id(vec![object_id]),
                    Attribute::Subject(subject),
                    Attribute::Value(der),
                ])
                .expect("create certificate");
        }
    }
}

#[test]
fn softhsm_token_keys_sign_through_the_pkcs11_uri() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pki = Pki::new(dir);
    sample_plan(dir);
    let token = Token::new(dir);
    let (p256, _, p256_chain) = pki.issue("tok-p256", "p256", SIGNING);
    let (rsa, rsa_cert, _) = pki.issue("tok-rsa", "rsa", SIGNING);
    token.import(&p256, "official-p256", "01");
    token.import(&rsa, "official-rsa", "02");
    // The keys are on the token now; the files go, as on a real token.
    std::fs::remove_file(&p256).expect("rm");
    std::fs::remove_file(&rsa).expect("rm");

    // P-256 with the PIN from --pin-env and the chain from --cert.
    let s = token.sign(
        dir,
        &token.uri("official-p256", ""),
        Some(&p256_chain),
        PIN,
        "p256.pdf",
    );
    assert!(s.status.success(), "{}", text(&s));
    assert_cip_trusted(&dir.join("p256.pdf"), &pki.root(), "ECDSA P-256");
    assert_pyhanko_trusted(&dir.join("p256.pdf"), &pki.root());
    assert_pdfsig_valid(&dir.join("p256.pdf"));

    // RSA-3072 with the PIN from pin-source and the certificate and its
    // issuer read from the token (no --cert).
    token.store_certificates(
        0x02,
        &[
            (&rsa_cert, "official-rsa"),
            (&dir.join("int.crt"), "issuing-ca"),
        ],
    );
    std::fs::write(dir.join("pin.txt"), format!("{PIN}\n")).expect("write");
    let pin_uri = token.uri(
        "official-rsa",
        &format!("&pin-source=file:{}", dir.join("pin.txt").display()),
    );
    let s = token.sign(dir, &pin_uri, None, "unused", "rsa.pdf");
    assert!(s.status.success(), "{}", text(&s));
    assert_cip_trusted(&dir.join("rsa.pdf"), &pki.root(), "RSA PKCS#1 v1.5");
    assert_pyhanko_trusted(&dir.join("rsa.pdf"), &pki.root());
    assert_pdfsig_valid(&dir.join("rsa.pdf"));
    // RSASSA-PSS on the token.
    let mut pss = Command::new(cip_bin());
    pss.args([
        "sign",
        "plan.pdf",
        "--key",
        &pin_uri,
        "--rsa-pss",
        "-o",
        "pss.pdf",
    ])
    .env("SOFTHSM2_CONF", &token.conf)
    .current_dir(dir);
    let s = run(&mut pss);
    assert!(s.status.success(), "{}", text(&s));
    assert_cip_trusted(&dir.join("pss.pdf"), &pki.root(), "RSASSA-PSS");
    assert_pyhanko_trusted(&dir.join("pss.pdf"), &pki.root());

    // Wrong PIN: refused, nothing written, the PIN never echoed.
    let bad = token.sign(
        dir,
        &token.uri("official-p256", ""),
        Some(&p256_chain),
        "13579",
        "bad.pdf",
    );
    assert_refused(&bad, dir, "bad.pdf", "wrong PIN for token `cip-test`");
    assert!(!text(&bad).contains("13579"), "PIN printed: {}", text(&bad));
    // A certificate of another key.
    let mismatch = token.sign(
        dir,
        &token.uri("official-p256", ""),
        Some(&rsa_cert),
        PIN,
        "bad.pdf",
    );
    assert_refused(&mismatch, dir, "bad.pdf", "does not match the private key");
    // An unknown key label and an unknown token.
    let missing = token.sign(
        dir,
        &token.uri("nobody", ""),
        Some(&rsa_cert),
        PIN,
        "bad.pdf",
    );
    assert_refused(
        &missing,
        dir,
        "bad.pdf",
        "has no private key with object=nobody",
    );
    let no_token = token.sign(
        dir,
        &token
            .uri("official-p256", "")
            .replace("token=cip-test", "token=absent"),
        Some(&rsa_cert),
        PIN,
        "bad.pdf",
    );
    assert_refused(&no_token, dir, "bad.pdf", "no token matches the URI");
}
