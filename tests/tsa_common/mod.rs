//! A test PKI and a local RFC 3161 timestamp authority, made at run time in
//! a temp dir (no committed keys): a root CA, a TSA certificate with the
//! critical timeStamping EKU (and one expiring in 20 days, and a twin with
//! a non-critical EKU), CA-issued signer certificates whose CRL
//! distribution point is the server's `/ca.crl`, the CA's CRL (re-published
//! by `revoke`), and `tests/tsa_common/server.py` (`openssl ts -reply`
//! behind http.server on 127.0.0.1, or https with `start_tls`) started here
//! and killed on drop.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::{run, text, tool};

pub struct Pki {
    pub dir: tempfile::TempDir,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = run(Command::new(tool("openssl")).current_dir(dir).args(args));
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
}

const EXT: &str = "\
[tsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
crlDistributionPoints = URI:http://127.0.0.1:PORT/ca.crl
[tsa_noncrit]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = timeStamping
[signer]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
crlDistributionPoints = URI:http://127.0.0.1:PORT/ca.crl
[tls]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
";

/// A fresh PKI and its TSA (which also serves the CRL the certificates
/// name), running until the returned `Tsa` is dropped.
pub fn setup() -> (Pki, Tsa) {
    let dir = tempfile::tempdir().expect("tempdir");
    let tsa = Tsa::start(dir.path());
    let pki = Pki::new(dir, tsa.port);
    (pki, tsa)
}

impl Pki {
    fn new(dir: tempfile::TempDir, port: u16) -> Pki {
        let d = dir.path();
        std::fs::write(d.join("ext.cnf"), EXT.replace("PORT", &port.to_string())).expect("ext");
        for key in ["ca", "tsa"] {
            openssl(
                d,
                &[
                    "genpkey",
                    "-algorithm",
                    "EC",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-out",
                    &format!("{key}.key"),
                ],
            );
        }
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                "ca.key",
                "-subj",
                "/O=cip tests/CN=cip Test Root CA",
                "-days",
                "7300",
                "-sha256",
                "-out",
                "ca.pem",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-key",
                "tsa.key",
                "-subj",
                "/O=cip tests/CN=cip Test TSA",
                "-out",
                "tsa.csr",
            ],
        );
        let issue = |out: &str, serial: &str, days: &str, ext: &str, form: &str| {
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    "tsa.csr",
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-set_serial",
                    serial,
                    "-days",
                    days,
                    "-sha256",
                    "-extfile",
                    "ext.cnf",
                    "-extensions",
                    ext,
                    "-outform",
                    form,
                    "-out",
                    out,
                ],
            );
        };
        issue("tsa.pem", "4097", "3650", "tsa", "PEM");
        issue("tsa-short.pem", "4098", "20", "tsa", "PEM");
        issue("tsa-noncrit.der", "4097", "3650", "tsa_noncrit", "DER");
        std::fs::copy(d.join("tsa.key"), d.join("tsa-short.key")).expect("copy");
        std::fs::write(
            d.join("tsa.cnf"),
            format!(
                "[tsa]\ndefault_tsa = t\n[t]\ndir = {dir}\nserial = $dir/tsaserial\n\
                 crypto_device = builtin\ncerts = $dir/ca.pem\nsigner_digest = sha256\n\
                 default_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5\n\
                 digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\n\
                 tsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
                dir = d.display()
            ),
        )
        .expect("tsa.cnf");
        std::fs::write(d.join("tsaserial"), "01\n").expect("serial");
        // An empty CRL of the CA (revocation data for B-LT).
        std::fs::write(d.join("index.txt"), "").expect("index");
        std::fs::write(d.join("crlnumber"), "01\n").expect("crlnumber");
        std::fs::write(
            d.join("ca.cnf"),
            format!(
                "[ca]\ndefault_ca = c\n[c]\ndatabase = {dir}/index.txt\ncrlnumber = {dir}/crlnumber\n\
                 default_md = sha256\ndefault_crl_days = 3650\nprivate_key = {dir}/ca.key\n\
                 certificate = {dir}/ca.pem\n",
                dir = d.display()
            ),
        )
        .expect("ca.cnf");
        let pki = Pki { dir };
        pki.publish_crl();
        pki
    }

    /// Revokes the signer `tag` (made by [`Pki::signer`]) now and
    /// republishes the CA's CRL (`ca.crl`, which the server serves).
    pub fn revoke(&self, tag: &str, reason: &str) {
        let d = self.dir.path();
        let cert = format!("{tag}-only.pem");
        openssl(
            d,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-revoke",
                &cert,
                "-crl_reason",
                reason,
            ],
        );
        self.publish_crl();
    }

    /// Writes the CA's CRL from its database (ca.crl.pem and DER ca.crl).
    pub fn publish_crl(&self) {
        let d = self.dir.path();
        openssl(
            d,
            &["ca", "-gencrl", "-config", "ca.cnf", "-out", "ca.crl.pem"],
        );
        openssl(
            d,
            &[
                "crl",
                "-in",
                "ca.crl.pem",
                "-outform",
                "DER",
                "-out",
                "ca.crl",
            ],
        );
    }

    /// A TLS server certificate for 127.0.0.1 issued by the CA (tls.pem,
    /// tls.key), for [`Tsa::start_tls`].
    pub fn tls_cert(&self) {
        let d = self.dir.path();
        openssl(
            d,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "tls.key",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-key",
                "tls.key",
                "-subj",
                "/CN=127.0.0.1",
                "-out",
                "tls.csr",
            ],
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "tls.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                "4200",
                "-days",
                "30",
                "-sha256",
                "-extfile",
                "ext.cnf",
                "-extensions",
                "tls",
                "-out",
                "tls.pem",
            ],
        );
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A CA-issued P-256 signer: (key, cert) paths, the cert valid for `days`
    /// from now; the cert file holds the CA after it (the chain).
    pub fn signer(&self, tag: &str, days: u32) -> (PathBuf, PathBuf) {
        let d = self.dir.path();
        let key = format!("{tag}.key");
        openssl(
            d,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &key,
            ],
        );
        set_private(&d.join(&key));
        openssl(
            d,
            &[
                "req",
                "-new",
                "-key",
                &key,
                "-subj",
                &format!("/O=Example Importers Inc./CN=Jane Q. Official {tag}"),
                "-out",
                &format!("{tag}.csr"),
            ],
        );
        let serial = format!(
            "{}",
            5000 + tag.len() * 7 + tag.bytes().map(usize::from).sum::<usize>()
        );
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{tag}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                &serial,
                "-days",
                &days.to_string(),
                "-sha256",
                "-extfile",
                "ext.cnf",
                "-extensions",
                "signer",
                "-out",
                &format!("{tag}-only.pem"),
            ],
        );
        let chain = [
            std::fs::read(d.join(format!("{tag}-only.pem"))).expect("cert"),
            std::fs::read(d.join("ca.pem")).expect("ca"),
        ]
        .concat();
        let cert = d.join(format!("{tag}.pem"));
        std::fs::write(&cert, chain).expect("chain");
        (d.join(key), cert)
    }
}

fn set_private(p: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

/// The running TSA; killed when dropped.
pub struct Tsa {
    child: Child,
    pub port: u16,
    tls: bool,
}

impl Tsa {
    fn start(dir: &Path) -> Tsa {
        Tsa::spawn(dir, &[])
    }

    /// The same TSA over https (the PKI's `tls.pem`: call
    /// [`Pki::tls_cert`] first); `url` then gives https URLs.
    pub fn start_tls(pki: &Pki) -> Tsa {
        let mut t = Tsa::spawn(pki.dir.path(), &["--tls"]);
        t.tls = true;
        t
    }

    fn spawn(dir: &Path, extra: &[&str]) -> Tsa {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tsa_common/server.py");
        let mut child = Command::new(tool("python3"))
            .arg(script)
            .arg(dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the test TSA (python3 from the pyHanko venv)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the TSA's port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the test TSA did not start: {line:?}"));
        Tsa {
            child,
            port,
            tls: false,
        }
    }

    /// `mode`: "" (good), "short", "bad-nonce", "bad-imprint", "wrong-eku",
    /// "error", "reject" (see server.py).
    pub fn url(&self, mode: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        if mode.is_empty() {
            format!("{scheme}://127.0.0.1:{}/tsa", self.port)
        } else {
            format!("{scheme}://127.0.0.1:{}/tsa/{mode}", self.port)
        }
    }
}

impl Drop for Tsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A URL on 127.0.0.1 where nothing listens.
pub fn unreachable_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    format!("http://127.0.0.1:{port}/tsa")
}
