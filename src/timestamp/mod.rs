//! RFC 3161 timestamps: asking a timestamp authority (TSA) for a token over
//! HTTP, and checking a token (imprint, nonce, policy, the TSA certificate's
//! critical timeStamping key usage, and the CMS signature over the TSTInfo,
//! checked with the same `cms` code as PDF signatures).
//!
//! `sign` uses it for signature timestamps (PAdES B-T) and document
//! timestamps (B-LTA); `verify` for reporting them. What a token's trust
//! means (a chain to the user's anchors) is decided in `verify`.

mod http;
pub mod revocation;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use const_oid::db;
use der::asn1::{Int, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Sequence, Tagged as _};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::ext::pkix::name::GeneralName;

use crate::cms::{self, DigestAlg};

/// A response larger than this is refused (a token with a long chain is a
/// few KB).
pub const MAX_RESPONSE: u64 = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum TimestampError {
    #[error(
        "the timestamp authority {url} cannot be reached ({attempts} attempt(s)): {reason}; nothing was written"
    )]
    Unreachable {
        url: String,
        attempts: u32,
        reason: String,
    },
    #[error("invalid timestamp authority URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("the timestamp authority {url} refused the request: {reason}; nothing was written")]
    Rejected { url: String, reason: String },
    #[error("the timestamp from {url} was refused: {reason}; nothing was written")]
    BadToken { url: String, reason: String },
    #[error("cannot encode the timestamp request: {0}")]
    Encode(String),
}

/// A timestamp authority and how to talk to it.
#[derive(Clone, Debug)]
pub struct Tsa {
    /// `http://host[:port]/path`, or https (see `http.rs`).
    pub url: String,
    /// DER certificates to trust for the TSA's TLS instead of the public
    /// web roots (`--tsa-tls-ca`: a private TSA behind a private CA).
    pub tls_roots: Vec<Vec<u8>>,
    /// `--tsa-cert`: the token's signer must be one of these or be issued by
    /// one of them.
    pub pinned: Vec<Certificate>,
    /// A policy to ask for; a token under another policy is refused.
    pub policy: Option<ObjectIdentifier>,
    pub timeout: Duration,
    /// Further attempts after a transport failure or a 5xx answer.
    pub retries: u32,
}

impl Tsa {
    pub fn new(url: &str) -> Self {
        Tsa {
            url: url.to_string(),
            tls_roots: Vec::new(),
            pinned: Vec::new(),
            policy: None,
            timeout: Duration::from_secs(15),
            retries: 2,
        }
    }

    /// Asks for a token over `message` (hashed with `alg`), checks it (see
    /// [`check_token`], plus nonce, policy and pinning) and returns its DER.
    pub fn stamp(&self, alg: DigestAlg, message: &[&[u8]]) -> Result<Token, TimestampError> {
        let digest = alg.digest(message);
        let nonce = fresh_nonce().map_err(|reason| self.bad(reason))?;
        let req = TimeStampReq {
            version: 1,
            message_imprint: MessageImprint {
                hash_algorithm: AlgorithmIdentifierOwned {
                    oid: alg.oid(),
                    parameters: None,
                },
                hashed_message: OctetString::new(digest.clone())
                    .map_err(|e| TimestampError::Encode(e.to_string()))?,
            },
            req_policy: self.policy,
            nonce: Some(Int::new(&nonce).map_err(|e| TimestampError::Encode(e.to_string()))?),
            cert_req: true,
        }
        .to_der()
        .map_err(|e| TimestampError::Encode(e.to_string()))?;
        let body = http::post(&self.url, &req, self.timeout, self.retries, &self.tls_roots)?;
        let resp = TimeStampResp::from_der(&body)
            .map_err(|e| self.bad(format!("the answer is not a TimeStampResp ({e})")))?;
        // 0 = granted, 1 = grantedWithMods (RFC 3161 2.4.2).
        if resp.status.status > 1 {
            let text = resp
                .status
                .status_string
                .as_ref()
                .map(|t| t.join("; "))
                .filter(|t| !t.is_empty())
                .map(|t| format!(": {t}"))
                .unwrap_or_default();
            return Err(TimestampError::Rejected {
                url: self.url.clone(),
                reason: format!("status {}{text}", resp.status.status),
            });
        }
        let token_any = resp
            .time_stamp_token
            .ok_or_else(|| self.bad("the answer has no token".into()))?;
        let der = token_any
            .to_der()
            .map_err(|e| TimestampError::Encode(e.to_string()))?;
        let info = check_token(&der, message, &self.pinned).map_err(|r| self.bad(r))?;
        if info.hash_alg != alg {
            return Err(self.bad(format!(
                "the token's imprint uses {:?}, not the {alg:?} asked for",
                info.hash_alg
            )));
        }
        if info.nonce.as_deref() != Some(trim_int(&nonce)) {
            return Err(self.bad(
                "the token's nonce is not the one sent (a replayed or mixed-up answer)".into(),
            ));
        }
        if let Some(p) = self.policy {
            if info.policy != p {
                return Err(self.bad(format!(
                    "the token's policy {} is not the one asked for ({p})",
                    info.policy
                )));
            }
        }
        if !self.pinned.is_empty() && !pinned_ok(&info.signer_cert, &self.pinned) {
            return Err(self.bad(format!(
                "the token is signed by {}, which is not the --tsa-cert certificate nor issued by it",
                info.signer_cert.tbs_certificate().subject()
            )));
        }
        Ok(Token { der, info })
    }

    /// The size of a token this TSA returns, from a request over a dummy
    /// message: what a `/Contents` placeholder must leave room for.
    pub fn probe_len(&self, alg: DigestAlg) -> Result<usize, TimestampError> {
        Ok(self
            .stamp(alg, &[b"cip: sizing the placeholder"])?
            .der
            .len())
    }

    fn bad(&self, reason: String) -> TimestampError {
        TimestampError::BadToken {
            url: self.url.clone(),
            reason,
        }
    }
}

/// A checked token: its DER (a `ContentInfo(SignedData)`) and what it says.
#[derive(Clone, Debug)]
pub struct Token {
    pub der: Vec<u8>,
    pub info: TokenInfo,
}

#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub gen_time: DateTime<Utc>,
    pub policy: ObjectIdentifier,
    /// Hex of the TSA's serial number for this token.
    pub serial: String,
    pub nonce: Option<Vec<u8>>,
    /// The TSA name in the token, else the TSA certificate's subject.
    pub tsa_name: String,
    pub hash_alg: DigestAlg,
    pub signer_cert: Certificate,
    /// The certificates the token carries.
    pub certificates: Vec<Certificate>,
    /// e.g. "ECDSA P-256", as `cms::verify_signature` names it.
    pub signature_algorithm: &'static str,
}

/// Checks a token against the message it should stamp: it is a SignedData
/// over a TSTInfo; the message-digest attribute matches the TSTInfo; the
/// signature verifies with the TSA certificate (in the token, or one of
/// `extra_certs`); that certificate's extended key usage is exactly
/// timeStamping and critical, and it was valid at the token's time; the
/// imprint is the message's digest. Trailing zeros (a `/Contents` hole) are
/// allowed. Trust in the TSA is not judged here.
pub fn check_token(
    token: &[u8],
    message: &[&[u8]],
    extra_certs: &[Certificate],
) -> Result<TokenInfo, String> {
    let cms = cms::parse_signed_data(token).map_err(|e| e.to_string())?;
    if cms.econtent_type != db::rfc3161::ID_CT_TST_INFO {
        return Err(format!(
            "the token's content is {}, not a TSTInfo",
            cms.econtent_type
        ));
    }
    if cms.content_type_attr != Some(db::rfc3161::ID_CT_TST_INFO) {
        return Err("the token's content-type attribute is not id-ct-TSTInfo".into());
    }
    if cms.signer_info_count != 1 {
        return Err(format!(
            "the token has {} SignerInfos, expected one",
            cms.signer_info_count
        ));
    }
    let tst_der = cms
        .econtent
        .as_deref()
        .ok_or("the token holds no TSTInfo")?;
    let alg = cms
        .digest_alg
        .ok_or_else(|| format!("unsupported digest algorithm {}", cms.digest_alg_oid))?;
    if cms.message_digest.as_deref() != Some(alg.digest(&[tst_der]).as_slice()) {
        return Err("the TSTInfo was modified (its digest does not match the token's)".into());
    }
    let tst = TstInfo::from_der(tst_der).map_err(|e| format!("malformed TSTInfo: {e}"))?;
    if tst.version != 1 {
        return Err(format!("unsupported TSTInfo version {}", tst.version));
    }
    let gen_time = parse_generalized_time(&tst.gen_time)
        .ok_or("the token's time (genTime) is not a valid GeneralizedTime")?;
    let hash_alg =
        DigestAlg::from_oid(&tst.message_imprint.hash_algorithm.oid).ok_or_else(|| {
            format!(
                "the imprint's hash algorithm {} is not accepted (weak or unknown)",
                tst.message_imprint.hash_algorithm.oid
            )
        })?;
    // The signer: named by the SignerInfo among the token's certificates,
    // else the pinned certificate whose key verifies the signature.
    let candidates: Vec<Certificate> = match &cms.signer_cert {
        Some(c) => vec![c.clone()],
        None => extra_certs.to_vec(),
    };
    if candidates.is_empty() {
        return Err("the TSA certificate is not in the token (give it with --tsa-cert)".into());
    }
    let mut verified = None;
    let mut last_err = String::new();
    for cert in candidates {
        let spki = cert.tbs_certificate().subject_public_key_info();
        match cms::verify_signature(
            spki,
            &cms.signature_alg.oid,
            cms.digest_alg,
            &cms.signed_attrs_der,
            &cms.signature,
        ) {
            Ok(name) => {
                verified = Some((cert, name));
                break;
            }
            Err(e) => last_err = e,
        }
    }
    let (signer_cert, signature_algorithm) =
        verified.ok_or_else(|| format!("the token's signature does not verify: {last_err}"))?;
    // The certificate's own rules first: a wrong key usage is the clearer
    // message when both are wrong.
    check_eku(&signer_cert)?;
    if let Some(hashes) = &cms.signing_cert_hashes {
        let own = DigestAlg::Sha256.digest(&[&signer_cert.to_der().map_err(|e| e.to_string())?]);
        if !hashes.is_empty() && !hashes.contains(&own) {
            return Err("the token's signing-certificate-v2 does not name its signer".into());
        }
    }
    let at = gen_time.fixed_offset();
    if !crate::keys::certificate_valid_at(&signer_cert, at) {
        return Err(format!(
            "the TSA certificate was not valid at the token's time {}",
            gen_time.to_rfc3339()
        ));
    }
    if tst.message_imprint.hashed_message.as_bytes() != hash_alg.digest(message).as_slice() {
        return Err("the token's imprint is not the digest of what it should stamp".into());
    }
    let tsa_name = match &tst.tsa {
        Some(GeneralName::DirectoryName(n)) => n.to_string(),
        Some(GeneralName::UniformResourceIdentifier(u)) => u.to_string(),
        Some(GeneralName::DnsName(d)) => d.to_string(),
        _ => signer_cert.tbs_certificate().subject().to_string(),
    };
    Ok(TokenInfo {
        gen_time,
        policy: tst.policy,
        serial: hex::encode(tst.serial_number.as_bytes()),
        nonce: tst.nonce.as_ref().map(|n| n.as_bytes().to_vec()),
        tsa_name,
        hash_alg,
        signer_cert,
        certificates: cms.certificates,
        signature_algorithm,
    })
}

/// RFC 3161 2.3: the TSA certificate has exactly one extended key usage,
/// id-kp-timeStamping, and the extension is critical.
fn check_eku(cert: &Certificate) -> Result<(), String> {
    match cert.tbs_certificate().get_extension::<ExtendedKeyUsage>() {
        Ok(Some((true, eku))) if eku.0 == [db::rfc5912::ID_KP_TIME_STAMPING] => Ok(()),
        Ok(Some((false, _))) => {
            Err("the TSA certificate's extended key usage is not marked critical".into())
        }
        Ok(Some((true, eku))) => Err(format!(
            "the TSA certificate's extended key usage is {} (must be timeStamping only)",
            eku.0
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Ok(None) => Err("the TSA certificate has no extended key usage timeStamping".into()),
        Err(e) => Err(format!(
            "the TSA certificate's extended key usage is unreadable: {e}"
        )),
    }
}

/// Whether `cert` is one of `pinned` or was signed by one of them.
fn pinned_ok(cert: &Certificate, pinned: &[Certificate]) -> bool {
    pinned.iter().any(|p| {
        p == cert
            || (p.tbs_certificate().subject() == cert.tbs_certificate().issuer()
                && cert.tbs_certificate().to_der().is_ok_and(|tbs| {
                    cert.signature().as_bytes().is_some_and(|sig| {
                        cms::verify_signature(
                            p.tbs_certificate().subject_public_key_info(),
                            &cert.signature_algorithm().oid,
                            None,
                            &tbs,
                            sig,
                        )
                        .is_ok()
                    })
                }))
    })
}

/// Signature or hash algorithms a renewal replaces (NIST SP 800-131A:
/// SHA-1 and MD5 no longer protect signatures; RSA below 2048 bits). A token
/// whose imprint uses one of these cannot even be read here (see
/// `DigestAlg`), so a renewal treats an unreadable token as weak too.
pub const WEAK_ALGORITHMS: &[(&str, &str)] = &[
    ("1.3.14.3.2.26", "SHA-1"),
    ("1.2.840.113549.2.5", "MD5"),
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
];

/// The weak algorithm a token uses, if any (table above, or RSA < 2048 bits).
pub fn weak_algorithm(token: &[u8]) -> Option<String> {
    let cms = cms::parse_signed_data(token).ok()?;
    let oids = [cms.digest_alg_oid, cms.signature_alg.oid];
    for oid in oids {
        if let Some((_, name)) = WEAK_ALGORITHMS.iter().find(|(o, _)| *o == oid.to_string()) {
            return Some((*name).to_string());
        }
    }
    let cert = cms.signer_cert?;
    let spki = cert.tbs_certificate().subject_public_key_info();
    if spki.algorithm.oid == db::rfc5912::RSA_ENCRYPTION {
        // The modulus length, roughly: the key's DER less its framing.
        let bits = spki.subject_public_key.raw_bytes().len().saturating_sub(14) * 8;
        if bits < 2048 {
            return Some(format!("RSA {bits} bits"));
        }
    }
    None
}

/// 8 random bytes, the top bit cleared so the INTEGER is positive.
fn fresh_nonce() -> Result<[u8; 8], String> {
    let mut n = [0u8; 8];
    getrandom::fill(&mut n).map_err(|e| format!("no randomness for the nonce: {e}"))?;
    n[0] &= 0x7f;
    n[0] |= 0x01;
    Ok(n)
}

/// An INTEGER's minimal content bytes (a nonce starting with zero bytes is
/// sent and returned without them).
fn trim_int(b: &[u8]) -> &[u8] {
    let mut s = b;
    while s.len() > 1 && s[0] == 0 && s[1] & 0x80 == 0 {
        s = &s[1..];
    }
    s
}

/// `YYYYMMDDHHMMSS[.fff]Z` (RFC 3161 allows fractions, which the `der`
/// crate's GeneralizedTime does not read).
fn parse_generalized_time(any: &Any) -> Option<DateTime<Utc>> {
    if any.tag() != der::Tag::GeneralizedTime {
        return None;
    }
    let s = std::str::from_utf8(any.value()).ok()?;
    let s = s.strip_suffix('Z')?;
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if main.len() != 14 || !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| main[r].parse::<u32>().ok();
    let year = i32::try_from(n(0..4)?).ok()?;
    let mut t = Utc
        .with_ymd_and_hms(year, n(4..6)?, n(6..8)?, n(8..10)?, n(10..12)?, n(12..14)?)
        .single()?;
    if let Some(f) = frac {
        if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let nanos: u32 = format!("{f:0<9}").parse().ok()?;
        t += chrono::Duration::nanoseconds(i64::from(nanos));
    }
    Some(t)
}

#[derive(Clone, Debug, Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct TimeStampReq {
    version: u8,
    message_imprint: MessageImprint,
    #[asn1(optional = "true")]
    req_policy: Option<ObjectIdentifier>,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(default = "Default::default")]
    cert_req: bool,
}

#[derive(Clone, Debug, Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<der::asn1::BitString>,
}

#[derive(Clone, Debug, Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<GeneralName>,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    extensions: Option<Vec<x509_cert::ext::Extension>>,
}

#[derive(Clone, Debug, Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<Int>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<Int>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generalized_time_with_and_without_fractions() {
        let at = |s: &str| {
            let any = Any::new(der::Tag::GeneralizedTime, s.as_bytes()).expect("any");
            parse_generalized_time(&any).map(|t| t.to_rfc3339())
        };
        assert_eq!(
            at("20260301153000Z").as_deref(),
            Some("2026-03-01T15:30:00+00:00")
        );
        assert_eq!(
            at("20260301153000.25Z").as_deref(),
            Some("2026-03-01T15:30:00.250+00:00")
        );
        assert_eq!(at("20260301153000"), None);
        assert_eq!(at("2026030115300Z"), None);
        assert_eq!(at("20261301153000Z"), None);
    }

    #[test]
    fn nonces_are_positive_and_trimmed() {
        let n = fresh_nonce().expect("nonce");
        assert_eq!(n[0] & 0x80, 0);
        assert_ne!(n[0], 0);
        assert_eq!(trim_int(&[0, 0, 5]), &[5]);
        assert_eq!(trim_int(&[0, 0x80]), &[0, 0x80]);
    }
}
