//! Signing keys and certificates: generation (`cip keygen`), loading a
//! PKCS#8 key with its certificate (chain), and loading trust anchors.
//!
//! Private key bytes are held in zeroizing buffers, never formatted into an
//! error or a log line, and a key file that group or others can read is
//! refused (as ssh does).

use const_oid::db;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use der::asn1::{BitString, Ia5StringRef, OctetString, SetOfVec, Utf8StringRef};
use der::{Any, Decode, Encode, Sequence};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zeroize::Zeroizing;

use crate::model::files::{self, ReadError};

/// Key and certificate files are a few KB; a chain of issuers a few more.
const MAX_PEM_BYTES: u64 = 1024 * 1024;

/// Signature algorithm of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Ed25519,
    P256,
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Algorithm::Ed25519 => "Ed25519",
            Algorithm::P256 => "ECDSA P-256",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} already exists; refusing to overwrite it")]
    Exists { path: PathBuf },
    #[error(
        "permissions {mode:04o} for private key {path} are too open: it must not be readable by group or others (chmod 600 {path})"
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },
    #[error("{what} is not a usable private key: {why}")]
    BadKey { what: String, why: String },
    #[error("{what} is not a usable certificate: {why}")]
    BadCert { what: String, why: String },
    #[error("the certificate's public key does not match the private key")]
    Mismatch,
    #[error("cannot build the certificate: {0}")]
    Build(String),
    #[error("no randomness available: {0}")]
    Random(String),
}

enum SecretKey {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

/// A private key with its certificate (first) and any chain certificates.
pub struct Signer {
    key: SecretKey,
    chain: Vec<Certificate>,
    chain_der: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never show key material.
        f.debug_struct("Signer")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

impl Signer {
    pub fn algorithm(&self) -> Algorithm {
        match self.key {
            SecretKey::Ed25519(_) => Algorithm::Ed25519,
            SecretKey::P256(_) => Algorithm::P256,
        }
    }

    pub fn certificate(&self) -> &Certificate {
        &self.chain[0]
    }

    /// DER of the signer's certificate followed by the rest of the chain.
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain_der
    }

    /// Raw signature over `msg`: 64 bytes for Ed25519, DER `(r, s)` for
    /// ECDSA (RFC 6979, so deterministic too).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        use signature::Signer as _;
        match &self.key {
            SecretKey::Ed25519(k) => k.sign(msg).to_bytes().to_vec(),
            SecretKey::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(msg);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }

    /// The largest signature `sign` can return, to size placeholders.
    pub fn max_signature_len(&self) -> usize {
        match self.key {
            SecretKey::Ed25519(_) => 64,
            SecretKey::P256(_) => 72,
        }
    }

    fn public_spki(&self) -> Result<Vec<u8>, KeyError> {
        let der = match &self.key {
            SecretKey::Ed25519(k) => k.verifying_key().to_public_key_der(),
            SecretKey::P256(k) => k.verifying_key().to_public_key_der(),
        };
        der.map(|d| d.as_bytes().to_vec())
            .map_err(|e| KeyError::Build(e.to_string()))
    }
}

/// Whether `at` falls within the certificate's validity period.
pub fn certificate_valid_at(cert: &Certificate, at: DateTime<chrono::FixedOffset>) -> bool {
    let to_utc = |t: &Time| {
        i64::try_from(t.to_unix_duration().as_secs())
            .ok()
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
    };
    let v = cert.tbs_certificate().validity();
    match (to_utc(&v.not_before), to_utc(&v.not_after)) {
        (Some(nb), Some(na)) => nb <= at && at <= na,
        _ => false,
    }
}

/// Loads a PKCS#8 PEM private key and its PEM certificate (optionally
/// followed by issuer certificates), checking file permissions and that the
/// certificate belongs to the key.
pub fn load_signer(key_path: &Path, cert_path: &Path) -> Result<Signer, KeyError> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |e: ReadError| KeyError::Read {
            path: path.clone(),
            source: e.into(),
        }
    };
    let (file, meta) = files::open_regular(key_path).map_err(read_err(key_path))?;
    check_private(key_path, &meta)?;
    let key_pem = Zeroizing::new(
        files::read_opened(file, &meta, MAX_PEM_BYTES, "a PEM file").map_err(read_err(key_path))?,
    );
    let cert_pem =
        files::read_bounded(cert_path, MAX_PEM_BYTES, "a PEM file").map_err(read_err(cert_path))?;
    signer_from_pem(
        &key_pem,
        &cert_pem,
        &key_path.display().to_string(),
        &cert_path.display().to_string(),
    )
}

/// Same as [`load_signer`] from bytes in memory; the names label errors.
pub fn signer_from_pem(
    key_pem: &[u8],
    cert_pem: &[u8],
    key_name: &str,
    cert_name: &str,
) -> Result<Signer, KeyError> {
    let key = parse_private_key(key_pem, key_name)?;
    let chain = parse_certificates(cert_pem, cert_name)?;
    let chain_der = chain
        .iter()
        .map(|c| c.to_der())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| KeyError::BadCert {
            what: cert_name.into(),
            why: e.to_string(),
        })?;
    let signer = Signer {
        key,
        chain,
        chain_der,
    };
    let cert_spki = signer.chain[0]
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| KeyError::Build(e.to_string()))?;
    if cert_spki != signer.public_spki()? {
        return Err(KeyError::Mismatch);
    }
    Ok(signer)
}

fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyError::InsecurePermissions {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    Ok(())
}

fn parse_private_key(pem: &[u8], what: &str) -> Result<SecretKey, KeyError> {
    let bad = |why: &str| KeyError::BadKey {
        what: what.into(),
        why: why.into(),
    };
    let (label, der) = pem_rfc7468::decode_vec(trim_to_pem(pem, b"-----BEGIN "))
        .map_err(|_| bad("not a PEM file"))?;
    let der = Zeroizing::new(der);
    match label {
        "PRIVATE KEY" => {}
        "ENCRYPTED PRIVATE KEY" => {
            return Err(bad(
                "the key is encrypted; decrypt it first (openssl pkcs8 -in KEY -out PLAIN.pem)",
            ));
        }
        "EC PRIVATE KEY" => {
            return Err(bad(
                "SEC1 EC key; convert it to PKCS#8 first (openssl pkcs8 -topk8 -nocrypt)",
            ));
        }
        _ => return Err(bad("expected a PKCS#8 `PRIVATE KEY` PEM block")),
    }
    let info = pkcs8::PrivateKeyInfoRef::from_der(&der).map_err(|_| bad("malformed PKCS#8"))?;
    let oid = info.algorithm.oid;
    if oid == db::rfc8410::ID_ED_25519 {
        let k = ed25519_dalek::SigningKey::from_pkcs8_der(&der)
            .map_err(|_| bad("malformed Ed25519 key"))?;
        Ok(SecretKey::Ed25519(k))
    } else if oid == db::rfc5912::ID_EC_PUBLIC_KEY {
        let k = p256::ecdsa::SigningKey::from_pkcs8_der(&der)
            .map_err(|_| bad("only the P-256 curve is supported"))?;
        Ok(SecretKey::P256(k))
    } else {
        Err(bad(
            "unsupported key algorithm (use Ed25519 or ECDSA P-256)",
        ))
    }
}

/// Skips anything before the first PEM block (e.g. `openssl x509 -text`
/// output or bag attributes), which `pem-rfc7468` would reject.
fn trim_to_pem<'b>(pem: &'b [u8], marker: &[u8]) -> &'b [u8] {
    match memchr::memmem::find(pem, marker) {
        Some(i) => &pem[i..],
        None => pem,
    }
}

/// Every certificate in a PEM file (or a single DER certificate).
pub fn parse_certificates(data: &[u8], what: &str) -> Result<Vec<Certificate>, KeyError> {
    let bad = |why: String| KeyError::BadCert {
        what: what.into(),
        why,
    };
    if data.first() == Some(&0x30) {
        return Certificate::from_der(data)
            .map(|c| vec![c])
            .map_err(|e| bad(e.to_string()));
    }
    let mut rest = data;
    let mut out = Vec::new();
    while let Some(i) = memchr::memmem::find(rest, b"-----BEGIN CERTIFICATE-----") {
        let block = &rest[i..];
        let end_marker = b"-----END CERTIFICATE-----";
        let end = memchr::memmem::find(block, end_marker)
            .map(|e| e + end_marker.len())
            .ok_or_else(|| bad("unterminated PEM block".into()))?;
        let (_, der) =
            pem_rfc7468::decode_vec(&block[..end]).map_err(|e| bad(format!("bad PEM: {e}")))?;
        out.push(Certificate::from_der(&der).map_err(|e| bad(e.to_string()))?);
        rest = &block[end..];
    }
    if out.is_empty() {
        return Err(bad("no `CERTIFICATE` PEM block found".into()));
    }
    Ok(out)
}

/// Certificates to trust, from a PEM file.
pub fn load_certificates(path: &Path) -> Result<Vec<Certificate>, KeyError> {
    let data =
        files::read_bounded(path, MAX_PEM_BYTES, "a PEM file").map_err(|e| KeyError::Read {
            path: path.to_path_buf(),
            source: e.into(),
        })?;
    parse_certificates(&data, &path.display().to_string())
}

/// What `cip keygen` puts in the certificate.
#[derive(Clone, Debug)]
pub struct KeygenOptions {
    pub name: String,
    pub title: String,
    pub org: Option<String>,
    pub email: Option<String>,
    pub days: u32,
    pub algorithm: Algorithm,
    /// Start of validity; now when `None`.
    pub not_before: Option<DateTime<Utc>>,
}

/// A fresh key (PKCS#8 PEM, zeroized on drop) and its self-signed certificate.
pub struct GeneratedKey {
    pub key_pem: Zeroizing<String>,
    pub cert_pem: String,
}

pub fn generate(opts: &KeygenOptions) -> Result<GeneratedKey, KeyError> {
    let key = random_key(opts.algorithm)?;
    let key_pem = match &key {
        SecretKey::Ed25519(k) => ed25519_pkcs8_v1(k),
        SecretKey::P256(k) => k
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::Build(e.to_string())),
    }?;
    let cert_der = self_signed(&key, opts)?;
    let cert_pem =
        pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &cert_der)
            .map_err(|e| KeyError::Build(e.to_string()))?;
    Ok(GeneratedKey { key_pem, cert_pem })
}

/// RFC 8410 PKCS#8 v1 (no public key): ed25519-dalek writes v2 with the
/// public key attached, which OpenSSL 3 and pyHanko fail to load.
fn ed25519_pkcs8_v1(k: &ed25519_dalek::SigningKey) -> Result<Zeroizing<String>, KeyError> {
    const PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    let mut der = Zeroizing::new(Vec::with_capacity(48));
    der.extend_from_slice(&PREFIX);
    der.extend_from_slice(k.as_bytes());
    pem_rfc7468::encode_string("PRIVATE KEY", pem_rfc7468::LineEnding::LF, &der)
        .map(Zeroizing::new)
        .map_err(|e| KeyError::Build(e.to_string()))
}

fn random_key(alg: Algorithm) -> Result<SecretKey, KeyError> {
    let mut seed = Zeroizing::new([0u8; 32]);
    loop {
        getrandom::fill(seed.as_mut_slice()).map_err(|e| KeyError::Random(e.to_string()))?;
        match alg {
            Algorithm::Ed25519 => {
                return Ok(SecretKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                    &seed,
                )));
            }
            Algorithm::P256 => {
                // Out-of-range scalars (probability ~2^-32) are simply redrawn.
                if let Ok(k) = p256::ecdsa::SigningKey::from_slice(seed.as_slice()) {
                    return Ok(SecretKey::P256(k));
                }
            }
        }
    }
}

/// Writes the key (mode 0600) and certificate, never replacing a file.
pub fn write_new_files(
    generated: &GeneratedKey,
    key_path: &Path,
    cert_path: &Path,
) -> Result<(), KeyError> {
    for p in [key_path, cert_path] {
        if p.exists() {
            return Err(KeyError::Exists {
                path: p.to_path_buf(),
            });
        }
    }
    write_new(key_path, generated.key_pem.as_bytes(), 0o600)?;
    if let Err(e) = write_new(cert_path, generated.cert_pem.as_bytes(), 0o644) {
        let _ = fs::remove_file(key_path);
        return Err(e);
    }
    Ok(())
}

fn write_new(path: &Path, data: &[u8], mode: u32) -> Result<(), KeyError> {
    crate::atomic::create_new(path, data, mode).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            KeyError::Write {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })
}

#[derive(Sequence)]
struct TbsCert {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

#[derive(Sequence)]
struct CertOut {
    tbs: TbsCert,
    alg: AlgorithmIdentifierOwned,
    sig: BitString,
}

fn self_signed(key: &SecretKey, opts: &KeygenOptions) -> Result<Vec<u8>, KeyError> {
    let build = |e: &dyn std::fmt::Display| KeyError::Build(e.to_string());
    let spki_der = match key {
        SecretKey::Ed25519(k) => k.verifying_key().to_public_key_der(),
        SecretKey::P256(k) => k.verifying_key().to_public_key_der(),
    }
    .map_err(|e| build(&e))?;
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der.as_bytes()).map_err(|e| build(&e))?;
    let sig_alg = AlgorithmIdentifierOwned {
        oid: match key {
            SecretKey::Ed25519(_) => db::rfc8410::ID_ED_25519,
            SecretKey::P256(_) => db::rfc5912::ECDSA_WITH_SHA_256,
        },
        parameters: None,
    };
    let subject = subject_name(opts).map_err(|e| build(&e))?;
    let tbs = TbsCert {
        version: 2,
        serial: random_serial()?,
        signature: sig_alg.clone(),
        issuer: subject.clone(),
        validity: validity(opts)?,
        subject,
        extensions: extensions(&spki).map_err(|e| build(&e))?,
        spki,
    };
    let tbs_der = tbs.to_der().map_err(|e| build(&e))?;
    let signer = Signer {
        key: match key {
            SecretKey::Ed25519(k) => SecretKey::Ed25519(k.clone()),
            SecretKey::P256(k) => SecretKey::P256(k.clone()),
        },
        chain: Vec::new(),
        chain_der: Vec::new(),
    };
    let sig = BitString::from_bytes(&signer.sign(&tbs_der)).map_err(|e| build(&e))?;
    CertOut {
        tbs,
        alg: sig_alg,
        sig,
    }
    .to_der()
    .map_err(|e| build(&e))
}

fn random_serial() -> Result<SerialNumber, KeyError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| KeyError::Random(e.to_string()))?;
    // Positive and without a leading zero byte, as RFC 5280 asks.
    b[0] = (b[0] & 0x7f) | 0x40;
    SerialNumber::new(&b).map_err(|e| KeyError::Build(e.to_string()))
}

fn validity(opts: &KeygenOptions) -> Result<Validity, KeyError> {
    let start = opts.not_before.unwrap_or_else(Utc::now);
    let end = start + chrono::Duration::days(i64::from(opts.days.max(1)));
    let t = |d: DateTime<Utc>| -> Result<Time, KeyError> {
        let secs =
            u64::try_from(d.timestamp()).map_err(|_| KeyError::Build("date before 1970".into()))?;
        Time::try_from(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
            .map_err(|e| KeyError::Build(e.to_string()))
    };
    Ok(Validity::new(t(start)?, t(end)?))
}

fn subject_name(opts: &KeygenOptions) -> der::Result<Name> {
    let mut rdns: Vec<SetOfVec<AttributeTypeAndValue>> = Vec::new();
    let mut push = |oid: ObjectIdentifier, value: Any| -> der::Result<()> {
        let mut set = SetOfVec::new();
        set.insert(AttributeTypeAndValue { oid, value })?;
        rdns.push(set);
        Ok(())
    };
    if let Some(org) = opts.org.as_deref().filter(|o| !o.is_empty()) {
        push(db::rfc4519::O, Any::encode_from(&Utf8StringRef::new(org)?)?)?;
    }
    push(
        db::rfc4519::CN,
        Any::encode_from(&Utf8StringRef::new(&opts.name)?)?,
    )?;
    if !opts.title.is_empty() {
        push(
            db::rfc4519::TITLE,
            Any::encode_from(&Utf8StringRef::new(&opts.title)?)?,
        )?;
    }
    if let Some(email) = opts.email.as_deref().filter(|e| !e.is_empty()) {
        push(
            db::rfc3280::EMAIL_ADDRESS,
            Any::encode_from(&Ia5StringRef::new(email)?)?,
        )?;
    }
    Name::from_der(&rdns.to_der()?)
}

fn extensions(spki: &SubjectPublicKeyInfoOwned) -> der::Result<Vec<Extension>> {
    let ext = |oid, critical, value: Vec<u8>| -> der::Result<Extension> {
        Ok(Extension {
            extn_id: oid,
            critical,
            extn_value: OctetString::new(value)?,
        })
    };
    // RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of the key.
    let ski = Sha256::digest(spki.subject_public_key.raw_bytes());
    Ok(vec![
        ext(
            db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
            true,
            BasicConstraints {
                ca: false,
                path_len_constraint: None,
            }
            .to_der()?,
        )?,
        ext(
            db::rfc5280::ID_CE_KEY_USAGE,
            true,
            KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation).to_der()?,
        )?,
        ext(
            db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
            false,
            SubjectKeyIdentifier(OctetString::new(&ski[..20])?).to_der()?,
        )?,
    ])
}
