//! CMS (RFC 5652) SignedData for PDF signatures, shared by `sign` and
//! `verify`: building a detached CAdES B-B SignedData, parsing one back, and
//! checking raw signatures with a certificate's public key.
//!
//! Only the pieces PAdES B-B needs are built: signed attributes content-type,
//! message-digest and signing-certificate-v2 (no signing-time attribute; PAdES
//! carries the time in the signature dictionary's `/M`).

use const_oid::db;
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use sha2::Digest as _;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};

use crate::keys::{Algorithm, Signer};

#[derive(Debug, thiserror::Error)]
pub enum CmsError {
    #[error("malformed CMS signature: {0}")]
    Malformed(String),
    #[error("cannot encode CMS: {0}")]
    Encode(String),
    #[error("{0}")]
    Sign(String),
}

fn malformed(e: impl std::fmt::Display) -> CmsError {
    CmsError::Malformed(e.to_string())
}

/// Message digest algorithms (defined with the keys, which hash too).
pub use crate::keys::DigestAlg;

fn alg_id(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

/// ESSCertIDv2 (RFC 5035), for building and for reading back. We write
/// the hash algorithm omitted (SHA-256, the DER default) and no
/// issuerSerial; other signers and TSAs may give both.
#[derive(Sequence)]
struct EssCertIdV2 {
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    issuer_serial: Option<Any>,
}

/// SigningCertificateV2 (RFC 5035); we write no policies.
#[derive(Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    policies: Option<Any>,
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

/// Builds the DER `ContentInfo` of a detached SignedData over `digest`
/// (already computed with `signer.digest_algorithm()`).
pub fn build_signed_data(signer: &Signer, digest: &[u8]) -> Result<Vec<u8>, CmsError> {
    build_with(signer, digest, &|msg| {
        signer.sign(msg).map_err(|e| CmsError::Sign(e.to_string()))
    })
}

/// An upper bound of `build_signed_data`'s length, to size the placeholder.
pub fn signed_data_len_bound(signer: &Signer) -> Result<usize, CmsError> {
    let digest = vec![0u8; signer.digest_algorithm().digest(&[]).len()];
    let sig_len = signer.max_signature_len();
    build_with(signer, &digest, &|_| Ok(vec![0xff; sig_len])).map(|v| v.len())
}

/// Signs the DER of the signed attributes (the real key, or a stand-in of
/// the maximum signature length when sizing the placeholder).
type SignFn<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, CmsError> + 'a;

fn build_with(signer: &Signer, digest: &[u8], sign: &SignFn<'_>) -> Result<Vec<u8>, CmsError> {
    let enc = |e: der::Error| CmsError::Encode(e.to_string());
    let digest_alg = signer.digest_algorithm();
    let cert = signer.certificate();
    let cert_der = signer.chain_der().first().cloned().unwrap_or_default();
    let signing_cert = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(sha2::Sha256::digest(&cert_der).to_vec()).map_err(enc)?,
            issuer_serial: None,
        }],
        policies: None,
    };
    let mut attrs = SetOfVec::new();
    attrs
        .insert(
            attribute(
                db::rfc6268::ID_CONTENT_TYPE,
                Any::encode_from(&db::rfc6268::ID_DATA).map_err(enc)?,
            )
            .map_err(enc)?,
        )
        .map_err(enc)?;
    attrs
        .insert(
            attribute(
                db::rfc5911::ID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(digest).map_err(enc)?).map_err(enc)?,
            )
            .map_err(enc)?,
        )
        .map_err(enc)?;
    attrs
        .insert(
            attribute(
                db::rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2,
                Any::encode_from(&signing_cert).map_err(enc)?,
            )
            .map_err(enc)?,
        )
        .map_err(enc)?;
    // The signature covers the DER of the attributes as a SET (RFC 5652 5.4).
    let signature = sign(&attrs.to_der().map_err(enc)?)?;
    let signer_info = SignerInfo {
        // Version 1 goes with identification by issuer and serial number.
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate().issuer().clone(),
            serial_number: cert.tbs_certificate().serial_number().clone(),
        }),
        digest_alg: alg_id(digest_alg.oid()),
        signed_attrs: Some(attrs),
        signature_algorithm: signer.signature_algorithm(),
        signature: OctetString::new(signature).map_err(enc)?,
        unsigned_attrs: None,
    };
    let mut digest_algorithms = SetOfVec::new();
    digest_algorithms
        .insert(alg_id(digest_alg.oid()))
        .map_err(enc)?;
    let mut certs = Vec::new();
    for der in signer.chain_der() {
        certs.push(CertificateChoices::Certificate(
            Certificate::from_der(der).map_err(enc)?,
        ));
    }
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: db::rfc6268::ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet::try_from(certs).map_err(enc)?),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(enc)?,
    };
    ContentInfo {
        content_type: db::rfc6268::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(enc)?,
    }
    .to_der()
    .map_err(enc)
}

/// What the verifier needs from a SignedData.
#[derive(Debug)]
pub struct ParsedCms {
    pub certificates: Vec<Certificate>,
    /// The certificate the SignerInfo names, if included.
    pub signer_cert: Option<Certificate>,
    pub digest_alg_oid: ObjectIdentifier,
    pub digest_alg: Option<DigestAlg>,
    pub signature_alg: AlgorithmIdentifierOwned,
    /// DER of the signed attributes as a SET: the bytes the signature covers.
    pub signed_attrs_der: Vec<u8>,
    pub message_digest: Option<Vec<u8>>,
    pub content_type_is_data: bool,
    /// SHA-256 hashes from signing-certificate-v2, when present with SHA-256.
    pub signing_cert_hashes: Option<Vec<Vec<u8>>>,
    pub signature: Vec<u8>,
    pub signer_info_count: usize,
    /// The encapsulated content type (id-data for PDF signatures,
    /// id-ct-TSTInfo for a timestamp token) and the content when present.
    pub econtent_type: ObjectIdentifier,
    pub econtent: Option<Vec<u8>>,
    /// The content-type signed attribute.
    pub content_type_attr: Option<ObjectIdentifier>,
    /// DER of each signature-time-stamp token among the unsigned attributes
    /// (RFC 3161 appendix A, PAdES B-T).
    pub signature_time_stamps: Vec<Vec<u8>>,
}

/// id-aa-signatureTimeStampToken (RFC 3161 appendix A).
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// Adds an unsigned attribute (`oid`, one value given as DER) to the only
/// SignerInfo of a DER `ContentInfo(SignedData)` and re-encodes it. The
/// signed attributes and the signature are carried over unchanged, so the
/// signature still verifies; this is how a signature timestamp is added
/// after signing, whatever built the SignedData.
pub fn add_unsigned_attribute(
    content_info: &[u8],
    oid: ObjectIdentifier,
    value_der: &[u8],
) -> Result<Vec<u8>, CmsError> {
    let enc = |e: der::Error| CmsError::Encode(e.to_string());
    let (ci, _) = ContentInfo::from_der_partial(content_info).map_err(malformed)?;
    if ci.content_type != db::rfc6268::ID_SIGNED_DATA {
        return Err(malformed("content type is not SignedData"));
    }
    let mut sd: SignedData = ci.content.decode_as().map_err(malformed)?;
    let mut infos: Vec<SignerInfo> = sd.signer_infos.0.into_vec();
    let [si] = infos.as_mut_slice() else {
        return Err(malformed("expected one SignerInfo"));
    };
    let value = Any::from_der(value_der).map_err(malformed)?;
    let mut attrs = si.unsigned_attrs.take().unwrap_or_default();
    match attrs.iter().position(|a| a.oid == oid) {
        Some(i) => {
            let mut all: Vec<Attribute> = attrs.into_vec();
            all[i].values.insert(value).map_err(enc)?;
            attrs = SetOfVec::try_from(all).map_err(enc)?;
        }
        None => attrs
            .insert(attribute(oid, value).map_err(enc)?)
            .map_err(enc)?,
    }
    si.unsigned_attrs = Some(attrs);
    sd.signer_infos = SignerInfos::try_from(infos).map_err(enc)?;
    ContentInfo {
        content_type: db::rfc6268::ID_SIGNED_DATA,
        content: Any::encode_from(&sd).map_err(enc)?,
    }
    .to_der()
    .map_err(enc)
}

/// Parses a DER `ContentInfo(SignedData)`; trailing zero padding (the rest
/// of a `/Contents` placeholder) is allowed, anything else after it is not.
pub fn parse_signed_data(bytes: &[u8]) -> Result<ParsedCms, CmsError> {
    let (ci, rest) = ContentInfo::from_der_partial(bytes).map_err(malformed)?;
    if rest.iter().any(|&b| b != 0) {
        return Err(malformed("unexpected data after the CMS structure"));
    }
    if ci.content_type != db::rfc6268::ID_SIGNED_DATA {
        return Err(malformed("content type is not SignedData"));
    }
    let sd: SignedData = ci.content.decode_as().map_err(malformed)?;
    let certificates: Vec<Certificate> = sd
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c.clone()),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let signer_info_count = sd.signer_infos.0.len();
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| malformed("no SignerInfo"))?;
    if si.signed_attrs.is_none() {
        return Err(malformed("no signed attributes"));
    }
    let attrs = si
        .signed_attrs
        .as_ref()
        .map(|a| a.to_der())
        .transpose()
        .map_err(malformed)?;
    let signer_cert = certificates
        .iter()
        .find(|c| sid_matches(&si.sid, c))
        .cloned();
    let find_attr = |oid: ObjectIdentifier| {
        si.signed_attrs
            .as_ref()
            .and_then(|a| a.iter().find(|x| x.oid == oid))
            .and_then(|a| a.values.iter().next())
    };
    let message_digest = find_attr(db::rfc5911::ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .map(|o| o.as_bytes().to_vec());
    let content_type_attr = find_attr(db::rfc6268::ID_CONTENT_TYPE)
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok());
    let content_type_is_data = content_type_attr == Some(db::rfc6268::ID_DATA);
    let signature_time_stamps = si
        .unsigned_attrs
        .as_ref()
        .map(|attrs| {
            attrs
                .iter()
                .filter(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
                .flat_map(|a| a.values.iter())
                .filter_map(|v| v.to_der().ok())
                .collect()
        })
        .unwrap_or_default();
    let signing_cert_hashes =
        find_attr(db::rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2).map(signing_cert_hashes);
    Ok(ParsedCms {
        certificates,
        signer_cert,
        digest_alg_oid: si.digest_alg.oid,
        digest_alg: DigestAlg::from_oid(&si.digest_alg.oid),
        signature_alg: si.signature_algorithm.clone(),
        signed_attrs_der: attrs.unwrap_or_default(),
        message_digest,
        content_type_is_data,
        signing_cert_hashes,
        signature: si.signature.as_bytes().to_vec(),
        signer_info_count,
        econtent_type: sd.encap_content_info.econtent_type,
        econtent: sd
            .encap_content_info
            .econtent
            .as_ref()
            .and_then(|c| c.decode_as::<OctetString>().ok())
            .map(|o| o.as_bytes().to_vec()),
        content_type_attr,
        signature_time_stamps,
    })
}

/// The SHA-256 cert hashes listed in a signing-certificate-v2 value; entries
/// hashed with another algorithm are skipped, and a value that does not
/// decode lists none.
fn signing_cert_hashes(value: &Any) -> Vec<Vec<u8>> {
    let Ok(v2) = value.decode_as::<SigningCertificateV2>() else {
        return Vec::new();
    };
    v2.certs
        .iter()
        .filter(|id| {
            id.hash_algorithm
                .as_ref()
                .is_none_or(|a| a.oid == db::rfc5912::ID_SHA_256)
        })
        .map(|id| id.cert_hash.as_bytes().to_vec())
        .collect()
}

fn sid_matches(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            isn.issuer == *tbs.issuer() && isn.serial_number == *tbs.serial_number()
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            matches!(
                tbs.get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>(),
                Ok(Some((_, s))) if s == *ski
            )
        }
    }
}

/// Which public-key algorithm a certificate key uses (RSA keys are
/// reported as [`Algorithm::Rsa`]; the padding is the signature's).
pub fn key_algorithm(spki: &SubjectPublicKeyInfoOwned) -> Result<Algorithm, String> {
    match spki.algorithm.oid {
        db::rfc8410::ID_ED_25519 => Ok(Algorithm::Ed25519),
        db::rfc5912::ID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            match curve {
                Some(db::rfc5912::SECP_256_R_1) => Ok(Algorithm::P256),
                Some(db::rfc5912::SECP_384_R_1) => Ok(Algorithm::P384),
                _ => Err("unsupported elliptic curve (P-256 and P-384 are supported)".into()),
            }
        }
        db::rfc5912::RSA_ENCRYPTION => Ok(Algorithm::Rsa),
        other => Err(format!("unsupported key algorithm {other}")),
    }
}

/// Checks `sig` over `msg` with `spki` and names the algorithm, from the
/// signature algorithm's OID alone (no parameters, so not RSASSA-PSS; see
/// [`verify_signature_with`]).
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &ObjectIdentifier,
    fallback_digest: Option<DigestAlg>,
    msg: &[u8],
    sig: &[u8],
) -> Result<&'static str, String> {
    let alg = alg_id(*sig_alg);
    verify_signature_with(spki, &alg, fallback_digest, msg, sig)
}

/// Checks `sig` over `msg` with `spki` and names the algorithm.
/// `fallback_digest` is the hash used when the signature algorithm names
/// only the key type (bare id-ecPublicKey or rsaEncryption, as CMS allows).
/// Ed25519, ECDSA P-256/P-384 and RSA (PKCS#1 v1.5 and RSASSA-PSS, whose
/// parameters `sig_alg` carries) are accepted.
pub fn verify_signature_with(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    fallback_digest: Option<DigestAlg>,
    msg: &[u8],
    sig: &[u8],
) -> Result<&'static str, String> {
    let key_bits = spki.subject_public_key.raw_bytes();
    let alg = key_algorithm(spki)?;
    let ecdsa_digest = |curve: &str| match sig_alg.oid {
        db::rfc5912::ECDSA_WITH_SHA_256 => Ok(DigestAlg::Sha256),
        db::rfc5912::ECDSA_WITH_SHA_384 => Ok(DigestAlg::Sha384),
        db::rfc5912::ECDSA_WITH_SHA_512 => Ok(DigestAlg::Sha512),
        db::rfc5912::ID_EC_PUBLIC_KEY => fallback_digest.ok_or("no digest algorithm".to_string()),
        other => Err(format!(
            "signature algorithm {other} does not fit a {curve} key"
        )),
    };
    match alg {
        Algorithm::Rsa | Algorithm::RsaPss => verify_rsa(spki, sig_alg, fallback_digest, msg, sig),
        Algorithm::Ed25519 => {
            if sig_alg.oid != db::rfc8410::ID_ED_25519 {
                return Err(format!(
                    "signature algorithm {} does not fit an Ed25519 key",
                    sig_alg.oid
                ));
            }
            let pk: [u8; 32] = key_bits.try_into().map_err(|_| "bad Ed25519 public key")?;
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk)
                .map_err(|_| "bad Ed25519 public key".to_string())?;
            let sig = ed25519_dalek::Signature::from_slice(sig)
                .map_err(|_| "malformed Ed25519 signature".to_string())?;
            vk.verify_strict(msg, &sig)
                .map_err(|_| "signature does not verify".to_string())?;
            Ok("Ed25519")
        }
        Algorithm::P256 => {
            use signature::hazmat::PrehashVerifier as _;
            let digest = ecdsa_digest("P-256")?;
            let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bits)
                .map_err(|_| "bad P-256 public key".to_string())?;
            let sig = p256::ecdsa::Signature::from_der(sig)
                .map_err(|_| "malformed ECDSA signature".to_string())?;
            vk.verify_prehash(&digest.digest(&[msg]), &sig)
                .map_err(|_| "signature does not verify".to_string())?;
            Ok("ECDSA P-256")
        }
        Algorithm::P384 => {
            use signature::hazmat::PrehashVerifier as _;
            let digest = ecdsa_digest("P-384")?;
            let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bits)
                .map_err(|_| "bad P-384 public key".to_string())?;
            let sig = p384::ecdsa::Signature::from_der(sig)
                .map_err(|_| "malformed ECDSA signature".to_string())?;
            vk.verify_prehash(&digest.digest(&[msg]), &sig)
                .map_err(|_| "signature does not verify".to_string())?;
            Ok("ECDSA P-384")
        }
    }
}

fn verify_rsa(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    fallback_digest: Option<DigestAlg>,
    msg: &[u8],
    sig: &[u8],
) -> Result<&'static str, String> {
    use der::referenced::OwnedToRef as _;
    let key = rsa::RsaPublicKey::try_from(spki.owned_to_ref())
        .map_err(|_| "bad or oversized RSA public key".to_string())?;
    if sig_alg.oid == db::rfc5912::ID_RSASSA_PSS {
        return verify_pss(&key, sig_alg, msg, sig);
    }
    let digest = match sig_alg.oid {
        db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION => DigestAlg::Sha256,
        db::rfc5912::SHA_384_WITH_RSA_ENCRYPTION => DigestAlg::Sha384,
        db::rfc5912::SHA_512_WITH_RSA_ENCRYPTION => DigestAlg::Sha512,
        db::rfc5912::RSA_ENCRYPTION => fallback_digest.ok_or("no digest algorithm")?,
        other => {
            return Err(format!(
                "unsupported RSA signature algorithm {other} (PKCS#1 v1.5 with SHA-2 and RSASSA-PSS are supported)"
            ));
        }
    };
    let hashed = digest.digest(&[msg]);
    let scheme = rsa::Pkcs1v15Sign {
        hash_len: Some(hashed.len()),
        prefix: digest.digest_info_prefix().into(),
    };
    key.verify(scheme, &hashed, sig)
        .map_err(|_| "signature does not verify".to_string())?;
    Ok("RSA PKCS#1 v1.5")
}

/// RSASSA-PSS with SHA-2 (the hash and MGF1's hash the same, as RFC 4055
/// recommends and every signer we know does) and the salt length the
/// parameters give.
fn verify_pss(
    key: &rsa::RsaPublicKey,
    sig_alg: &AlgorithmIdentifierOwned,
    msg: &[u8],
    sig: &[u8],
) -> Result<&'static str, String> {
    let params_der = sig_alg
        .parameters
        .as_ref()
        .ok_or("RSASSA-PSS without parameters")?
        .to_der()
        .map_err(|e| e.to_string())?;
    let params = rsa::pkcs1::RsaPssParams::<Any>::from_der(&params_der)
        .map_err(|e| format!("malformed RSASSA-PSS parameters: {e}"))?;
    let digest = DigestAlg::from_oid(&params.hash.oid)
        .ok_or_else(|| format!("unsupported RSASSA-PSS hash {}", params.hash.oid))?;
    let mgf_hash = params
        .mask_gen
        .parameters
        .as_ref()
        .map(|p| p.oid)
        .ok_or("RSASSA-PSS mask generation without a hash")?;
    if params.mask_gen.oid != db::rfc5912::ID_MGF_1 || mgf_hash != params.hash.oid {
        return Err("unsupported RSASSA-PSS mask generation (only MGF1 with the same hash)".into());
    }
    let salt = usize::from(params.salt_len);
    let hashed = digest.digest(&[msg]);
    let ok = match digest {
        DigestAlg::Sha256 => {
            key.verify(rsa::Pss::<sha2::Sha256>::new_with_salt(salt), &hashed, sig)
        }
        DigestAlg::Sha384 => {
            key.verify(rsa::Pss::<sha2::Sha384>::new_with_salt(salt), &hashed, sig)
        }
        DigestAlg::Sha512 => {
            key.verify(rsa::Pss::<sha2::Sha512>::new_with_salt(salt), &hashed, sig)
        }
    };
    ok.map_err(|_| "signature does not verify".to_string())?;
    Ok("RSASSA-PSS")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What we write reads back; another signer's value with the SHA-256
    /// algorithm spelled out, a SHA-1 entry with issuerSerial (skipped) and
    /// a bare hash, read with the same struct.
    #[test]
    fn signing_certificate_v2_reads_what_it_writes_and_others_write() {
        let ours = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                hash_algorithm: None,
                cert_hash: OctetString::new(vec![7u8; 32]).expect("octets"),
                issuer_serial: None,
            }],
            policies: None,
        };
        let any = Any::encode_from(&ours).expect("encode");
        assert_eq!(signing_cert_hashes(&any), vec![vec![7u8; 32]]);
        // As before the struct read too: algorithm, issuerSerial and
        // policies left out.
        assert_eq!(
            hex::encode(any.to_der().expect("der")),
            format!("3026302430220420{}", "07".repeat(32))
        );

        let theirs = hex::decode(
            "304530433019300d060960864801650304020105000408abababababababab\
             301a300906052b0e03021a05000408cdcdcdcdcdcdcdcd3003020101\
             300a04081111111111111111",
        )
        .expect("hex");
        let any = Any::from_der(&theirs).expect("der");
        assert_eq!(
            signing_cert_hashes(&any),
            vec![vec![0xab; 8], vec![0x11; 8]]
        );
    }
}
