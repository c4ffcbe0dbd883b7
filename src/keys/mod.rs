//! Signing keys and certificates: generation (`cip keygen`), the key
//! sources `cip sign --key` takes (PKCS#8 PEM/DER files, PKCS#12 files,
//! PKCS#11 tokens), the [`Signer`] they all become, and trust anchors.
//!
//! A [`Signer`] is "algorithm identifiers + sign(signed-attributes bytes) ->
//! signature" with the signer's certificate chain; the CMS builder needs
//! nothing else, so a key in a file and a key on a token sign alike.
//!
//! Private key bytes, passwords and PINs are held in zeroizing buffers, never
//! formatted into an error or a log line, and a key file that group or others
//! can read is refused (as ssh does).

mod p12;
mod pkcs11;
mod secret;

pub use secret::SecretSource;

use const_oid::db;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use der::asn1::{
    BitString, Ia5StringRef, ObjectIdentifier as Oid, OctetString, SetOfVec, Utf8StringRef,
};
use der::{Any, Decode, Encode};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
use spki::{DynSignatureAlgorithmIdentifier, SignatureBitStringEncoding};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::{Builder as _, CertificateBuilder, Profile as BuilderProfile};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use zeroize::Zeroizing;

use crate::model::files::{self, ReadError};

/// Key and certificate files are a few KB; a chain of issuers a few more.
const MAX_PEM_BYTES: u64 = 1024 * 1024;

/// Signature algorithm of a key (and, for RSA, its padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    Ed25519,
    P256,
    P384,
    /// RSA PKCS#1 v1.5 with SHA-256 (`cip keygen` makes 3072-bit keys).
    Rsa,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
    RsaPss,
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Algorithm::Ed25519 => "Ed25519",
            Algorithm::P256 => "ECDSA P-256",
            Algorithm::P384 => "ECDSA P-384",
            Algorithm::Rsa => "RSA PKCS#1 v1.5",
            Algorithm::RsaPss => "RSASSA-PSS",
        })
    }
}

/// Message digest algorithms accepted in signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum DigestAlg {
    #[serde(rename = "SHA-256")]
    Sha256,
    #[serde(rename = "SHA-384")]
    Sha384,
    #[serde(rename = "SHA-512")]
    Sha512,
}

impl DigestAlg {
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            db::rfc5912::ID_SHA_256 => Some(DigestAlg::Sha256),
            db::rfc5912::ID_SHA_384 => Some(DigestAlg::Sha384),
            db::rfc5912::ID_SHA_512 => Some(DigestAlg::Sha512),
            _ => None,
        }
    }

    pub fn oid(self) -> ObjectIdentifier {
        match self {
            DigestAlg::Sha256 => db::rfc5912::ID_SHA_256,
            DigestAlg::Sha384 => db::rfc5912::ID_SHA_384,
            DigestAlg::Sha512 => db::rfc5912::ID_SHA_512,
        }
    }

    /// The digest a signer's algorithm calls for: SHA-512 with Ed25519
    /// (RFC 8419; pyHanko rejects anything else), SHA-384 with P-384 (the
    /// hash of the curve's strength, as CNSA and ETSI TS 119 312 pair them),
    /// SHA-256 otherwise.
    pub fn for_algorithm(alg: Algorithm) -> Self {
        match alg {
            Algorithm::Ed25519 => DigestAlg::Sha512,
            Algorithm::P384 => DigestAlg::Sha384,
            Algorithm::P256 | Algorithm::Rsa | Algorithm::RsaPss => DigestAlg::Sha256,
        }
    }

    /// Digest of the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        match self {
            DigestAlg::Sha256 => run::<sha2::Sha256>(parts),
            DigestAlg::Sha384 => run::<sha2::Sha384>(parts),
            DigestAlg::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    /// The DER DigestInfo header that precedes the hash in an RSA PKCS#1
    /// v1.5 signature (RFC 8017 9.2, note 1).
    pub fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            DigestAlg::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            DigestAlg::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            DigestAlg::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }
}

/// RSASSA-PSS-params for SHA-256, MGF1 with SHA-256, a 32-byte salt and the
/// default trailer (RFC 4055 3.1), as DER: what we sign with.
const PSS_SHA256_PARAMS: [u8; 54] = [
    0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
    0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
    0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0xa2, 0x03, 0x02, 0x01, 0x20,
];

/// The PSS salt length we sign with (that of SHA-256).
pub const PSS_SALT_LEN: usize = 32;

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
    #[error(
        "the certificate from {cert} is not this key's: its public key does not match the private key (wrong --cert?)"
    )]
    Mismatch { cert: String },
    #[error(
        "the certificate of {subject} does not allow signing documents: its key usage has neither digitalSignature nor nonRepudiation"
    )]
    KeyUsage { subject: String },
    #[error("wrong password for {what}")]
    WrongPassword { what: String },
    #[error("{what} needs a {secret}: {how}")]
    NeedSecret {
        what: String,
        secret: &'static str,
        how: String,
    },
    #[error("cannot read the {secret} from {from}: {why}")]
    SecretSource {
        secret: &'static str,
        from: String,
        why: String,
    },
    #[error("wrong PIN for token `{token}`{attempts}")]
    WrongPin { token: String, attempts: String },
    #[error(
        "the user PIN of token `{token}` is locked after too many wrong attempts; unlock it with the security officer's PIN (e.g. pkcs11-tool --init-pin --login --login-type so)"
    )]
    PinLocked { token: String },
    #[error("{0}")]
    Token(String),
    #[error("the key cannot sign: {0}")]
    Sign(String),
    #[error("cannot build the certificate: {0}")]
    Build(String),
    #[error("no randomness available: {0}")]
    Random(String),
}

enum SecretKey {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    /// Boxed: an RSA key is much larger than the others.
    Rsa {
        key: Box<rsa::RsaPrivateKey>,
        pss: bool,
    },
    /// A key on a PKCS#11 token: only digests go in, signatures come out.
    Token(pkcs11::TokenKey),
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
        match &self.key {
            SecretKey::Ed25519(_) => Algorithm::Ed25519,
            SecretKey::P256(_) => Algorithm::P256,
            SecretKey::P384(_) => Algorithm::P384,
            SecretKey::Rsa { pss: false, .. } => Algorithm::Rsa,
            SecretKey::Rsa { pss: true, .. } => Algorithm::RsaPss,
            SecretKey::Token(t) => t.algorithm(),
        }
    }

    /// The digest algorithm of the CMS (message digest and signed attributes).
    pub fn digest_algorithm(&self) -> DigestAlg {
        DigestAlg::for_algorithm(self.algorithm())
    }

    /// The CMS SignerInfo's signatureAlgorithm: the key type and hash in one
    /// OID (with RSASSA-PSS, its parameters; sha256WithRSAEncryption carries
    /// NULL parameters as RFC 4055 asks).
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        let (oid, parameters) = match self.algorithm() {
            Algorithm::Ed25519 => (db::rfc8410::ID_ED_25519, None),
            Algorithm::P256 => (db::rfc5912::ECDSA_WITH_SHA_256, None),
            Algorithm::P384 => (db::rfc5912::ECDSA_WITH_SHA_384, None),
            Algorithm::Rsa => (db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION, Some(Any::null())),
            Algorithm::RsaPss => (
                db::rfc5912::ID_RSASSA_PSS,
                Any::from_der(&PSS_SHA256_PARAMS).ok(),
            ),
        };
        AlgorithmIdentifierOwned { oid, parameters }
    }

    pub fn certificate(&self) -> &Certificate {
        &self.chain[0]
    }

    /// DER of the signer's certificate followed by the rest of the chain.
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain_der
    }

    /// Signs `msg` (the DER of the CMS signed attributes) with the
    /// signature algorithm above and returns the signature as CMS carries
    /// it: 64 bytes for Ed25519, DER `(r, s)` for ECDSA (RFC 6979 for keys
    /// in files, so deterministic), the modulus-sized integer for RSA
    /// (PKCS#1 v1.5 is deterministic; PSS has a random salt).
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        use signature::Signer as _;
        match &self.key {
            SecretKey::Ed25519(k) => Ok(k.sign(msg).to_bytes().to_vec()),
            SecretKey::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(msg);
                Ok(sig.to_der().as_bytes().to_vec())
            }
            SecretKey::P384(k) => {
                let sig: p384::ecdsa::Signature = k.sign(msg);
                Ok(sig.to_der().as_bytes().to_vec())
            }
            SecretKey::Rsa { key, pss } => rsa_sign(key, *pss, msg),
            SecretKey::Token(t) => t.sign(msg),
        }
    }

    /// The largest signature `sign` can return, to size placeholders.
    pub fn max_signature_len(&self) -> usize {
        match &self.key {
            SecretKey::Ed25519(_) => 64,
            SecretKey::P256(_) => 72,
            SecretKey::P384(_) => 104,
            SecretKey::Rsa { key, .. } => {
                use rsa::traits::PublicKeyParts as _;
                key.size()
            }
            SecretKey::Token(t) => t.max_signature_len(),
        }
    }

    fn public_spki(&self) -> Result<Vec<u8>, KeyError> {
        let der = match &self.key {
            SecretKey::Ed25519(k) => k.verifying_key().to_public_key_der(),
            SecretKey::P256(k) => k.verifying_key().to_public_key_der(),
            SecretKey::P384(k) => k.verifying_key().to_public_key_der(),
            SecretKey::Rsa { key, .. } => key.to_public_key().to_public_key_der(),
            SecretKey::Token(t) => return t.public_spki(),
        };
        der.map(|d| d.as_bytes().to_vec())
            .map_err(|e| KeyError::Build(e.to_string()))
    }

    /// A signer from a key and its certificate chain (signer first),
    /// refusing a certificate of another key or one that may not sign.
    fn new(key: SecretKey, chain: Vec<Certificate>, cert_name: &str) -> Result<Signer, KeyError> {
        let first = chain.first().ok_or_else(|| KeyError::BadCert {
            what: cert_name.into(),
            why: "no certificate".into(),
        })?;
        let chain_der = chain
            .iter()
            .map(|c| c.to_der())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| KeyError::BadCert {
                what: cert_name.into(),
                why: e.to_string(),
            })?;
        let cert_spki = first
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| KeyError::Build(e.to_string()))?;
        let key_usage_ok = may_sign_documents(first);
        let subject = first.tbs_certificate().subject().to_string();
        let signer = Signer {
            key,
            chain,
            chain_der,
        };
        // The wrong certificate first: its key usage would not matter.
        if cert_spki != signer.public_spki()? {
            return Err(KeyError::Mismatch {
                cert: cert_name.to_string(),
            });
        }
        if !key_usage_ok {
            return Err(KeyError::KeyUsage { subject });
        }
        Ok(signer)
    }
}

/// RSA signature over SHA-256 of `msg`, with blinding (the RNG); PKCS#1
/// v1.5 output does not depend on it.
fn rsa_sign(key: &rsa::RsaPrivateKey, pss: bool, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
    let hashed = DigestAlg::Sha256.digest(&[msg]);
    let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
    let sig = if pss {
        key.sign_with_rng(
            &mut rng,
            rsa::Pss::<sha2::Sha256>::new_with_salt(PSS_SALT_LEN),
            &hashed,
        )
    } else {
        let scheme = rsa::Pkcs1v15Sign {
            hash_len: Some(hashed.len()),
            prefix: DigestAlg::Sha256.digest_info_prefix().into(),
        };
        key.sign_with_rng(&mut rng, scheme, &hashed)
    };
    sig.map_err(|e| KeyError::Sign(e.to_string()))
}

/// Whether a key usage extension, when present, allows signing documents
/// (digitalSignature or nonRepudiation, as PAdES validators require).
pub fn may_sign_documents(cert: &Certificate) -> bool {
    match cert.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_, ku))) => {
            ku.0.contains(KeyUsages::DigitalSignature) || ku.0.contains(KeyUsages::NonRepudiation)
        }
        Ok(None) => true,
        Err(_) => false,
    }
}

/// An X.509 time (certificate validity, CRL dates) as a UTC date-time.
pub fn x509_time(t: &Time) -> Option<DateTime<Utc>> {
    i64::try_from(t.to_unix_duration().as_secs())
        .ok()
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
}

/// Whether `at` falls within the certificate's validity period.
pub fn certificate_valid_at(cert: &Certificate, at: DateTime<chrono::FixedOffset>) -> bool {
    let v = cert.tbs_certificate().validity();
    match (x509_time(&v.not_before), x509_time(&v.not_after)) {
        (Some(nb), Some(na)) => nb <= at && at <= na,
        _ => false,
    }
}

/// How to unlock and use a key: where its password (PKCS#12) or PIN
/// (token) comes from, and the RSA padding.
#[derive(Clone, Debug, Default)]
pub struct KeyOptions {
    pub password: SecretSource,
    pub pin: SecretSource,
    /// Sign with RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys only).
    pub rsa_pss: bool,
}

/// Opens the signing key `key`, as `--key` takes it: a `pkcs11:` URI
/// (RFC 7512), a PKCS#12 file (`.p12`/`.pfx`), or a PKCS#8 (PEM or DER) or
/// PKCS#1 RSA key file. `cert` (the signer's certificate, optionally
/// followed by its issuers) is required for key files and optional for
/// PKCS#12 files and tokens, which can hold the certificates themselves.
pub fn open_signer(key: &Path, cert: Option<&Path>, opts: &KeyOptions) -> Result<Signer, KeyError> {
    let cert_chain = match cert {
        Some(p) => Some((load_certificates(p)?, p.display().to_string())),
        None => None,
    };
    if let Some(uri) = key.to_str().filter(|k| k.starts_with("pkcs11:")) {
        let token = pkcs11::TokenKey::open(uri, &opts.pin, opts.rsa_pss)?;
        let (chain, name) = match cert_chain {
            Some(c) => c,
            None => (token.certificates()?, "the token".to_string()),
        };
        return Signer::new(SecretKey::Token(token), chain, &name);
    }
    let read_err = |e: ReadError| KeyError::Read {
        path: key.to_path_buf(),
        source: e.into(),
    };
    let (file, meta) = files::open_regular(key).map_err(read_err)?;
    let data = Zeroizing::new(
        files::read_opened(file, &meta, MAX_PEM_BYTES, "a key file").map_err(read_err)?,
    );
    let key_name = key.display().to_string();
    if p12::looks_like_pkcs12(key, &data) {
        // A PKCS#12 file is encrypted with its password, so its mode is
        // not checked (Windows and CA portals export them 0644).
        let (secret, mut chain) = p12::open(&data, &key_name, &opts.password)?;
        let name = match cert_chain {
            Some((c, n)) => {
                chain = c;
                n
            }
            None => key_name,
        };
        return Signer::new(with_padding(secret, opts.rsa_pss)?, chain, &name);
    }
    check_private(key, &meta)?;
    let secret = parse_private_key(&data, &key_name)?;
    let (chain, name) = cert_chain.ok_or_else(|| KeyError::BadCert {
        what: key_name.clone(),
        why: "a key file needs its certificate: add --cert CERT.pem (a PKCS#12 file or a token can hold the certificate instead)".into(),
    })?;
    Signer::new(with_padding(secret, opts.rsa_pss)?, chain, &name)
}

/// Applies `--rsa-pss`, which only RSA keys can honour.
fn with_padding(key: SecretKey, rsa_pss: bool) -> Result<SecretKey, KeyError> {
    match key {
        SecretKey::Rsa { key, .. } => Ok(SecretKey::Rsa { key, pss: rsa_pss }),
        other if rsa_pss => Err(KeyError::BadKey {
            what: "--rsa-pss".into(),
            why: format!("the key is {}, not RSA", Signer::algorithm_of(&other)),
        }),
        other => Ok(other),
    }
}

impl Signer {
    fn algorithm_of(key: &SecretKey) -> Algorithm {
        match key {
            SecretKey::Ed25519(_) => Algorithm::Ed25519,
            SecretKey::P256(_) => Algorithm::P256,
            SecretKey::P384(_) => Algorithm::P384,
            SecretKey::Rsa { pss: false, .. } => Algorithm::Rsa,
            SecretKey::Rsa { pss: true, .. } => Algorithm::RsaPss,
            SecretKey::Token(t) => t.algorithm(),
        }
    }
}

/// Loads a PKCS#8 private key and its PEM certificate (optionally
/// followed by issuer certificates), checking file permissions and that the
/// certificate belongs to the key.
pub fn load_signer(key_path: &Path, cert_path: &Path) -> Result<Signer, KeyError> {
    open_signer(key_path, Some(cert_path), &KeyOptions::default())
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
    Signer::new(key, chain, cert_name)
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

/// A PKCS#8 (PEM or DER) or PKCS#1 RSA private key.
fn parse_private_key(data: &[u8], what: &str) -> Result<SecretKey, KeyError> {
    let bad = |why: &str| KeyError::BadKey {
        what: what.into(),
        why: why.into(),
    };
    if data.first() == Some(&0x30) {
        return pkcs8_key(data, what);
    }
    let (label, der) = pem_rfc7468::decode_vec(trim_to_pem(data, b"-----BEGIN "))
        .map_err(|_| bad("not a PEM or DER key file"))?;
    let der = Zeroizing::new(der);
    match label {
        "PRIVATE KEY" => pkcs8_key(&der, what),
        "RSA PRIVATE KEY" => {
            use rsa::pkcs1::DecodeRsaPrivateKey as _;
            let k = rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map_err(|_| bad("malformed PKCS#1 RSA key"))?;
            Ok(SecretKey::Rsa {
                key: Box::new(k),
                pss: false,
            })
        }
        "ENCRYPTED PRIVATE KEY" => Err(bad(
            "the key is encrypted; decrypt it first (openssl pkcs8 -in KEY -out PLAIN.pem) or use a PKCS#12 file",
        )),
        "EC PRIVATE KEY" => Err(bad(
            "SEC1 EC key; convert it to PKCS#8 first (openssl pkcs8 -topk8 -nocrypt)",
        )),
        _ => Err(bad("expected a PKCS#8 `PRIVATE KEY` PEM block")),
    }
}

/// A PKCS#8 DER private key of one of the supported algorithms.
fn pkcs8_key(der: &[u8], what: &str) -> Result<SecretKey, KeyError> {
    let bad = |why: &str| KeyError::BadKey {
        what: what.into(),
        why: why.into(),
    };
    let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| bad("malformed PKCS#8"))?;
    let oid = info.algorithm.oid;
    if oid == db::rfc8410::ID_ED_25519 {
        let k = ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .map_err(|_| bad("malformed Ed25519 key"))?;
        Ok(SecretKey::Ed25519(k))
    } else if oid == db::rfc5912::ID_EC_PUBLIC_KEY {
        let curve = info
            .algorithm
            .parameters
            .and_then(|p| p.decode_as::<Oid>().ok());
        match curve {
            Some(db::rfc5912::SECP_256_R_1) => p256::ecdsa::SigningKey::from_pkcs8_der(der)
                .map(SecretKey::P256)
                .map_err(|_| bad("malformed P-256 key")),
            Some(db::rfc5912::SECP_384_R_1) => p384::ecdsa::SigningKey::from_pkcs8_der(der)
                .map(SecretKey::P384)
                .map_err(|_| bad("malformed P-384 key")),
            _ => Err(bad(
                "unsupported elliptic curve (P-256 and P-384 are supported)",
            )),
        }
    } else if oid == db::rfc5912::RSA_ENCRYPTION {
        let k = rsa::RsaPrivateKey::from_pkcs8_der(der)
            .map_err(|_| bad("malformed or unsupported RSA key"))?;
        use rsa::traits::PublicKeyParts as _;
        if k.size() < 256 {
            return Err(bad(
                "RSA keys shorter than 2048 bits are refused (validators reject them)",
            ));
        }
        Ok(SecretKey::Rsa {
            key: Box::new(k),
            pss: false,
        })
    } else {
        Err(bad(
            "unsupported key algorithm (use Ed25519, ECDSA P-256/P-384 or RSA)",
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
    let build = |e: pkcs8::Error| KeyError::Build(e.to_string());
    let key_pem = match &key {
        SecretKey::Ed25519(k) => ed25519_pkcs8_v1(k),
        SecretKey::P256(k) => k.to_pkcs8_pem(LineEnding::LF).map_err(build),
        SecretKey::P384(k) => k.to_pkcs8_pem(LineEnding::LF).map_err(build),
        SecretKey::Rsa { key, .. } => key.to_pkcs8_pem(LineEnding::LF).map_err(build),
        SecretKey::Token(_) => Err(KeyError::Build("a token key cannot be exported".into())),
    }?;
    let cert_der = self_signed(key, opts)?;
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

/// The size of the RSA keys `cip keygen` makes (NIST's recommendation for
/// use beyond 2030).
pub const RSA_KEYGEN_BITS: usize = 3072;

fn random_key(alg: Algorithm) -> Result<SecretKey, KeyError> {
    if matches!(alg, Algorithm::Rsa | Algorithm::RsaPss) {
        let mut rng = getrandom::rand_core::UnwrapErr(getrandom::SysRng);
        let key = rsa::RsaPrivateKey::new(&mut rng, RSA_KEYGEN_BITS)
            .map_err(|e| KeyError::Build(e.to_string()))?;
        return Ok(SecretKey::Rsa {
            key: Box::new(key),
            pss: alg == Algorithm::RsaPss,
        });
    }
    let mut seed = Zeroizing::new([0u8; 48]);
    loop {
        getrandom::fill(seed.as_mut_slice()).map_err(|e| KeyError::Random(e.to_string()))?;
        // Out-of-range ECDSA scalars (probability < 2^-32) are simply redrawn.
        match alg {
            Algorithm::Ed25519 => {
                let bytes: &[u8; 32] = seed[..32].try_into().unwrap_or(&[0; 32]);
                return Ok(SecretKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                    bytes,
                )));
            }
            Algorithm::P256 => {
                if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&seed[..32]) {
                    return Ok(SecretKey::P256(k));
                }
            }
            Algorithm::P384 => {
                if let Ok(k) = p384::ecdsa::SigningKey::from_slice(seed.as_slice()) {
                    return Ok(SecretKey::P384(k));
                }
            }
            Algorithm::Rsa | Algorithm::RsaPss => {}
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

/// `cip keygen`'s certificate, through x509-cert's `CertificateBuilder`:
/// issuer = subject, the extensions of [`extensions`], signed by the new
/// key itself.
fn self_signed(key: SecretKey, opts: &KeygenOptions) -> Result<Vec<u8>, KeyError> {
    let build = |e: &dyn std::fmt::Display| KeyError::Build(e.to_string());
    // A signer without a certificate yet: it signs its own certificate.
    let signer = Signer {
        key,
        chain: Vec::new(),
        chain_der: Vec::new(),
    };
    let public = signer.public_spki()?;
    let spki = SubjectPublicKeyInfoOwned::from_der(&public).map_err(|e| build(&e))?;
    let profile = SelfSigned {
        subject: subject_name(opts).map_err(|e| build(&e))?,
    };
    let builder = CertificateBuilder::new(profile, random_serial()?, validity(opts)?, spki)
        .map_err(|e| build(&e))?;
    let cert_signer = CertSigner {
        signer: &signer,
        public: PublicKeyDer(public),
        failure: std::cell::RefCell::new(None),
    };
    let cert = builder
        .build::<_, RawSignature>(&cert_signer)
        .map_err(|e| cert_signer.failure.take().unwrap_or_else(|| build(&e)))?;
    cert.to_der().map_err(|e| build(&e))
}

/// The builder profile of a self-signed end-entity certificate.
struct SelfSigned {
    subject: Name,
}

impl BuilderProfile for SelfSigned {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(extensions(spk.subject_public_key.raw_bytes())?)
    }
}

/// What `CertificateBuilder` asks of a signer, over our [`Signer`]: the
/// public key, the signature algorithm identifier, and signing. A signing
/// error is kept, to be returned as itself rather than as the builder's
/// opaque one.
struct CertSigner<'a> {
    signer: &'a Signer,
    public: PublicKeyDer,
    failure: std::cell::RefCell<Option<KeyError>>,
}

/// A SubjectPublicKeyInfo already encoded (the key may be on a token).
#[derive(Clone)]
struct PublicKeyDer(Vec<u8>);

impl EncodePublicKey for PublicKeyDer {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::try_from(self.0.as_slice())?)
    }
}

/// A signature as our [`Signer`] returns it: the BIT STRING's bytes.
struct RawSignature(Vec<u8>);

impl SignatureBitStringEncoding for RawSignature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

impl signature::Keypair for CertSigner<'_> {
    type VerifyingKey = PublicKeyDer;

    fn verifying_key(&self) -> PublicKeyDer {
        self.public.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for CertSigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.signer.signature_algorithm())
    }
}

impl signature::Signer<RawSignature> for CertSigner<'_> {
    fn try_sign(&self, msg: &[u8]) -> Result<RawSignature, signature::Error> {
        match self.signer.sign(msg) {
            Ok(sig) => Ok(RawSignature(sig)),
            Err(e) => {
                *self.failure.borrow_mut() = Some(e);
                Err(signature::Error::new())
            }
        }
    }
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

/// Basic constraints (not a CA) and key usage (digital signature,
/// non-repudiation), both critical, and the subject key identifier.
fn extensions(public_key: &[u8]) -> der::Result<Vec<Extension>> {
    let ext = |oid, critical, value: Vec<u8>| -> der::Result<Extension> {
        Ok(Extension {
            extn_id: oid,
            critical,
            extn_value: OctetString::new(value)?,
        })
    };
    // RFC 7093 method 1: the leftmost 160 bits of the SHA-256 of the key.
    let ski = Sha256::digest(public_key);
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

/// A certificate subject's attribute as text (CN, title, O, e-mail; as
/// UTF8String, PrintableString, IA5String, ...): the one reader for the
/// signature appearance and the verification report, so both show the
/// same name.
pub fn subject_attr(cert: &Certificate, oid: ObjectIdentifier) -> Option<String> {
    cert.tbs_certificate()
        .subject()
        .iter()
        .find(|atv| atv.oid == oid)
        .and_then(|atv| std::str::from_utf8(atv.value.value()).ok())
        .map(str::to_string)
}
