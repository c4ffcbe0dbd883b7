//! PKCS#12 (`.p12`/`.pfx`) key files: the private key, the signer's
//! certificate and its issuers, as CA portals, Windows and OpenSSL export
//! them (PBES2/AES-256 and the legacy 3DES/RC2 encryption).
//!
//! Read with the ASN.1 types of the crates already in the tree (`cms`,
//! `x509-cert`, `der`) and `pkcs5` for PBES2. RustCrypto's `pkcs12` crate
//! is not used: its only release on der 0.8 pins `cms =0.3.0-pre.1`, which
//! clashes with our `cms` pin, and it has no decryption. What RFC 7292 adds
//! on top (its key derivation, the MAC and the two legacy ciphers) is here.

use std::path::Path;

use cbc::cipher::{
    BlockCipherDecrypt, BlockModeDecrypt, InnerIvInit, KeyInit, KeyIvInit, block_padding::Pkcs7,
};
use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use const_oid::ObjectIdentifier;
use const_oid::db::{rfc2985, rfc5911, rfc5912, rfc7292};
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode as _, Header, Sequence, SliceReader, Tag};
use hmac::{Mac as _, SimpleHmac};
use sha2::digest::{Digest, block_api::BlockSizeUser};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::name::Name;
use zeroize::Zeroizing;

use super::{KeyError, SecretKey, SecretSource, pkcs8_key};

/// RFC 7292 appendix D: the bag types this reader uses, and the one
/// certificate type (const-oid's database lists neither).
const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const SHROUDED_KEY_BAG: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const X509_CERTIFICATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

/// Far above any real file (OpenSSL writes 2048, Windows 2000, Java
/// 10000); a crafted count would otherwise spin for hours.
const MAX_ITERATIONS: u32 = 10_000_000;

/// RFC 7292 section 4: `PFX`.
#[derive(Sequence)]
struct Pfx {
    version: u8,
    auth_safe: ContentInfo,
    mac_data: Option<MacData>,
}

#[derive(Sequence)]
struct MacData {
    mac: DigestInfo,
    mac_salt: OctetString,
    #[asn1(default = "one")]
    iterations: u32,
}

fn one() -> u32 {
    1
}

#[derive(Sequence)]
struct DigestInfo {
    algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

#[derive(Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    bag_attributes: Option<SetOfVec<Attribute>>,
}

#[derive(Sequence)]
struct CertBag {
    cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    cert_value: Any,
}

/// PKCS#8 `EncryptedPrivateKeyInfo`, with the algorithm left open: the
/// `pkcs8` crate's own type only admits PBES1/PBES2, not the PKCS#12 PBEs.
#[derive(Sequence)]
struct EncryptedKey {
    algorithm: AlgorithmIdentifierOwned,
    data: OctetString,
}

/// `pkcs-12PbeParams`.
#[derive(Sequence)]
struct PbeParams {
    salt: OctetString,
    iterations: u32,
}

/// Why a file did not open: the password (MAC or decryption failed), or
/// anything else, said in words.
enum Failure {
    WrongPassword,
    Unreadable(String),
}

impl From<der::Error> for Failure {
    fn from(e: der::Error) -> Self {
        Failure::Unreadable(e.to_string())
    }
}

/// The password in the two forms PKCS#12 uses: UTF-8 bytes for PBES2, and
/// NUL-terminated UTF-16BE (a BMPString) for its own key derivation.
struct Password {
    utf8: Zeroizing<Vec<u8>>,
    bmp: Zeroizing<Vec<u8>>,
}

impl Password {
    fn new(pw: &str) -> Self {
        let mut bmp = Zeroizing::new(Vec::with_capacity(2 * pw.len() + 2));
        for unit in pw.encode_utf16().chain([0]) {
            bmp.extend_from_slice(&unit.to_be_bytes());
        }
        Password {
            utf8: Zeroizing::new(pw.as_bytes().to_vec()),
            bmp,
        }
    }

    /// The empty password as some tools write it: no bytes at all rather
    /// than a lone NUL (OpenSSL tries both too).
    fn absent() -> Self {
        Password {
            utf8: Zeroizing::new(Vec::new()),
            bmp: Zeroizing::new(Vec::new()),
        }
    }
}

/// By extension, or by content: a DER SEQUENCE whose first element is
/// INTEGER 3 (PFX version 3; a PKCS#8 key starts with 0 or 1).
pub(super) fn looks_like_pkcs12(path: &Path, data: &[u8]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if matches!(ext.as_deref(), Some("p12" | "pfx")) {
        return true;
    }
    let Ok(mut reader) = SliceReader::new(data) else {
        return false;
    };
    Header::decode(&mut reader).is_ok_and(|h| h.tag() == Tag::Sequence)
        && u8::decode(&mut reader).is_ok_and(|v| v == 3)
}

/// The key and its certificate chain (signer first) from a PKCS#12 file.
/// Without a configured password source, the empty password is tried (some
/// exports have none) before asking for one.
pub(super) fn open(
    data: &[u8],
    name: &str,
    password: &SecretSource,
) -> Result<(SecretKey, Vec<Certificate>), KeyError> {
    let unreadable = |why: String| KeyError::BadKey {
        what: name.to_string(),
        why: format!("unreadable PKCS#12 file: {why}"),
    };
    let (key_der, certs) = match password.get("password", name)? {
        Some(pw) => match decode(data, &pw) {
            Ok(found) => found,
            Err(Failure::WrongPassword) => {
                return Err(KeyError::WrongPassword {
                    what: name.to_string(),
                });
            }
            Err(Failure::Unreadable(why)) => return Err(unreadable(why)),
        },
        None => match decode(data, "") {
            Ok(found) => found,
            Err(Failure::WrongPassword) => {
                return Err(KeyError::NeedSecret {
                    what: name.to_string(),
                    secret: "password",
                    how: "give it with --password-env VAR or --password-file FILE, or run on a terminal to be asked".into(),
                });
            }
            Err(Failure::Unreadable(why)) => return Err(unreadable(why)),
        },
    };
    let key = pkcs8_key(&key_der, name)?;
    Ok((key, certs))
}

/// A key (PKCS#8 DER) or a certificate found in the file, with its
/// `localKeyId`, which pairs a key with its certificate.
struct Found<T> {
    local_id: Option<Vec<u8>>,
    item: T,
}

type Contents = (Zeroizing<Vec<u8>>, Vec<Certificate>);

fn decode(data: &[u8], password: &str) -> Result<Contents, Failure> {
    let pfx = Pfx::from_der(data)?;
    if pfx.version != 3 {
        return Err(Failure::Unreadable(format!(
            "version {}, not 3",
            pfx.version
        )));
    }
    if pfx.auth_safe.content_type != rfc5911::ID_DATA {
        return Err(Failure::Unreadable(
            "public-key integrity mode is not supported, only a password".into(),
        ));
    }
    let auth_safe = pfx.auth_safe.content.decode_as::<OctetString>()?;
    let pw = match &pfx.mac_data {
        Some(mac) => {
            let given = Password::new(password);
            if mac_matches(mac, &given.bmp, auth_safe.as_bytes())? {
                given
            } else if password.is_empty()
                && mac_matches(mac, &Password::absent().bmp, auth_safe.as_bytes())?
            {
                Password::absent()
            } else {
                return Err(Failure::WrongPassword);
            }
        }
        None => Password::new(password),
    };

    let mut keys = Vec::new();
    let mut certs = Vec::new();
    for safe in Vec::<ContentInfo>::from_der(auth_safe.as_bytes())? {
        let contents = match safe.content_type {
            t if t == rfc5911::ID_DATA => Zeroizing::new(
                safe.content
                    .decode_as::<OctetString>()?
                    .into_bytes()
                    .into_vec(),
            ),
            t if t == rfc5911::ID_ENCRYPTED_DATA => {
                let enc = safe.content.decode_as::<EncryptedData>()?;
                match &enc.enc_content_info.encrypted_content {
                    Some(ct) => decrypt(&enc.enc_content_info.content_enc_alg, ct.as_bytes(), &pw)?,
                    None => continue,
                }
            }
            // Enveloped (public-key privacy mode): not a password file.
            other => {
                return Err(Failure::Unreadable(format!(
                    "content of type {other} is not supported"
                )));
            }
        };
        for bag in Vec::<SafeBag>::from_der(&contents)? {
            let local_id = local_key_id(&bag);
            match bag.bag_id {
                KEY_BAG => keys.push(Found {
                    local_id,
                    item: Zeroizing::new(bag.bag_value.to_der()?),
                }),
                SHROUDED_KEY_BAG => {
                    let enc = bag.bag_value.decode_as::<EncryptedKey>()?;
                    keys.push(Found {
                        local_id,
                        item: decrypt(&enc.algorithm, enc.data.as_bytes(), &pw)?,
                    });
                }
                CERT_BAG => {
                    let cert = bag.bag_value.decode_as::<CertBag>()?;
                    if cert.cert_id == X509_CERTIFICATE {
                        let der = cert.cert_value.decode_as::<OctetString>()?;
                        certs.push(Found {
                            local_id,
                            item: Certificate::from_der(der.as_bytes())?,
                        });
                    }
                }
                // CRLs, secrets, nested safe contents: not needed to sign.
                _ => {}
            }
        }
    }

    // The first key that has its certificate (they share a localKeyId).
    let (key, leaf) = keys
        .into_iter()
        .find_map(|k| {
            let id = k.local_id.as_ref()?;
            let leaf = certs.iter().position(|c| c.local_id.as_ref() == Some(id))?;
            Some((k.item, leaf))
        })
        .ok_or_else(|| {
            Failure::Unreadable("the file has no private key with its certificate".into())
        })?;
    let certs: Vec<Certificate> = certs.into_iter().map(|c| c.item).collect();
    Ok((key, chain_from(certs, leaf)))
}

/// The signer's certificate, then its issuers as far as the file has them.
/// Each certificate is used at most once, so a loop of issuers (A issued
/// by B issued by A) ends the walk instead of running forever.
fn chain_from(certs: Vec<Certificate>, leaf: usize) -> Vec<Certificate> {
    walk_issuers(certs, leaf, |c| {
        let tbs = c.tbs_certificate();
        (tbs.subject(), tbs.issuer())
    })
}

/// [`chain_from`] over anything with a (subject, issuer) pair.
fn walk_issuers<T>(mut items: Vec<T>, leaf: usize, names: impl Fn(&T) -> (&Name, &Name)) -> Vec<T> {
    if leaf >= items.len() {
        return Vec::new();
    }
    let mut chain = vec![items.swap_remove(leaf)];
    while let Some(last) = chain.last() {
        let (subject, issuer) = names(last);
        if subject == issuer {
            break;
        }
        let Some(i) = items.iter().position(|c| names(c).0 == issuer) else {
            break;
        };
        chain.push(items.swap_remove(i));
    }
    chain
}

fn local_key_id(bag: &SafeBag) -> Option<Vec<u8>> {
    bag.bag_attributes
        .as_ref()?
        .iter()
        .find(|a| a.oid == rfc2985::PKCS_9_AT_LOCAL_KEY_ID)?
        .values
        .iter()
        .next()
        .map(|v| v.value().to_vec())
}

/// Checks the file's HMAC (RFC 7292 appendix B key derivation), over the
/// hash the file names.
fn mac_matches(mac: &MacData, bmp: &[u8], data: &[u8]) -> Result<bool, Failure> {
    let salt = mac.mac_salt.as_bytes();
    let iterations = bounded(mac.iterations)?;
    let expected = mac.mac.digest.as_bytes();
    let alg = mac.mac.algorithm.oid;
    Ok(match alg {
        a if a == rfc5912::ID_SHA_1 => hmac_ok::<sha1::Sha1>(bmp, salt, iterations, data, expected),
        a if a == rfc5912::ID_SHA_256 => {
            hmac_ok::<sha2::Sha256>(bmp, salt, iterations, data, expected)
        }
        a if a == rfc5912::ID_SHA_384 => {
            hmac_ok::<sha2::Sha384>(bmp, salt, iterations, data, expected)
        }
        a if a == rfc5912::ID_SHA_512 => {
            hmac_ok::<sha2::Sha512>(bmp, salt, iterations, data, expected)
        }
        other => {
            return Err(Failure::Unreadable(format!(
                "MAC digest {other} is not supported"
            )));
        }
    })
}

fn hmac_ok<D: Digest + BlockSizeUser>(
    bmp: &[u8],
    salt: &[u8],
    iterations: u32,
    data: &[u8],
    expected: &[u8],
) -> bool {
    let key = kdf::<D>(bmp, salt, 3, iterations, <D as Digest>::output_size());
    let Ok(mut mac) = <SimpleHmac<D> as KeyInit>::new_from_slice(&key) else {
        return false;
    };
    mac.update(data);
    mac.verify_slice(expected).is_ok()
}

/// Decrypts a bag or a safe: PBES2 through `pkcs5`, the legacy PKCS#12
/// PBEs (SHA-1 key derivation, 3DES or 40-bit RC2) here. A padding error
/// means a wrong password (a file without a MAC has no other check).
fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    ciphertext: &[u8],
    pw: &Password,
) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| Failure::Unreadable(format!("{} has no parameters", alg.oid)))?;
    if alg.oid == pkcs5::pbes2::PBES2_OID {
        let params = params.decode_as::<pkcs5::pbes2::Parameters>()?;
        return match params.decrypt(pw.utf8.as_slice(), ciphertext) {
            Ok(plain) => Ok(Zeroizing::new(plain)),
            Err(pkcs5::Error::DecryptFailed) => Err(Failure::WrongPassword),
            Err(e) => Err(Failure::Unreadable(e.to_string())),
        };
    }
    let pbe = params.decode_as::<PbeParams>()?;
    let salt = pbe.salt.as_bytes();
    let iterations = bounded(pbe.iterations)?;
    let derive = |id, len| kdf::<sha1::Sha1>(&pw.bmp, salt, id, iterations, len);
    let iv = derive(2, 8);
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let plain_len = match alg.oid {
        o if o == rfc7292::PBE_WITH_SHA_AND_3_KEY_TRIPLE_DES_CBC => {
            let key = derive(1, 24);
            cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                .map_err(|e| Failure::Unreadable(e.to_string()))?
                .decrypt_padded::<Pkcs7>(&mut buf)
                .map(<[u8]>::len)
        }
        o if o == rfc7292::PBEWITH_SHA_AND_40_BIT_RC_2_CBC => {
            let key = derive(1, 5);
            cbc_rc2(rc2::Rc2::new_with_eff_key_len(&key, 40), &iv)?
                .decrypt_padded::<Pkcs7>(&mut buf)
                .map(<[u8]>::len)
        }
        other => {
            return Err(Failure::Unreadable(format!(
                "encryption {other} is not supported"
            )));
        }
    }
    .map_err(|_| Failure::WrongPassword)?;
    buf.truncate(plain_len);
    Ok(buf)
}

fn cbc_rc2(cipher: rc2::Rc2, iv: &[u8]) -> Result<cbc::Decryptor<rc2::Rc2>, Failure>
where
    rc2::Rc2: BlockCipherDecrypt,
{
    cbc::Decryptor::inner_iv_slice_init(cipher, iv).map_err(|e| Failure::Unreadable(e.to_string()))
}

fn bounded(iterations: u32) -> Result<u32, Failure> {
    if iterations > MAX_ITERATIONS {
        return Err(Failure::Unreadable(format!(
            "{iterations} iterations (more than {MAX_ITERATIONS})"
        )));
    }
    Ok(iterations)
}

/// RFC 7292 appendix B.2: derives `len` bytes of key material of kind
/// `id` (1 key, 2 IV, 3 MAC key) from a BMPString password and a salt.
fn kdf<D: Digest + BlockSizeUser>(
    bmp: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u32,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let v = <D as BlockSizeUser>::block_size();
    // S and P: salt and password, each repeated to a whole number of
    // v-byte blocks (nothing if empty).
    let repeat = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        (0..v * src.len().div_ceil(v))
            .map(|i| src[i % src.len()])
            .collect()
    };
    let mut input = Zeroizing::new(repeat(salt));
    input.extend_from_slice(&Zeroizing::new(repeat(bmp)));
    let diversifier = vec![id; v];
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    loop {
        let mut a = D::new()
            .chain_update(&diversifier)
            .chain_update(input.as_slice())
            .finalize();
        for _ in 1..iterations {
            a = D::digest(&a);
        }
        let take = (len - out.len()).min(a.len());
        out.extend_from_slice(&a[..take]);
        if out.len() == len {
            return out;
        }
        // I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes.
        for block in input.chunks_mut(v) {
            let mut carry = 1u16;
            for k in (0..block.len()).rev() {
                carry += u16::from(block[k]) + u16::from(a[k % a.len()]);
                block[k] = carry.to_be_bytes()[1];
                carry >>= 8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    /// An issuer loop (A issued by B, B issued by A) ends once both are in
    /// the chain; p12-keystore's walk had no such bound.
    #[test]
    fn an_issuer_loop_ends() {
        let pair = |s: &str, i: &str| {
            (
                Name::from_str(s).expect("name"),
                Name::from_str(i).expect("name"),
            )
        };
        let leaf = pair("CN=Leaf", "CN=A");
        let a = pair("CN=A", "CN=B");
        let b = pair("CN=B", "CN=A");
        let items = vec![b.clone(), leaf.clone(), a.clone(), b.clone()];
        let chain = walk_issuers(items, 1, |(s, i)| (s, i));
        assert!(chain == vec![leaf, a, b], "leaf, A, B and then stop");
    }

    /// Content decides without an extension: SEQUENCE { INTEGER 3 ... } is
    /// a PFX (here with a long-form length), version 0 is PKCS#8.
    #[test]
    fn pkcs12_is_recognised_by_content() {
        let bare = Path::new("key");
        let mut pfx = vec![0x30, 0x81, 0x83, 0x02, 0x01, 0x03];
        pfx.resize(0x86, 0);
        assert!(looks_like_pkcs12(bare, &pfx));
        pfx[5] = 0;
        assert!(!looks_like_pkcs12(bare, &pfx));
        // A PEM header, spelled in two parts so no scan of the tree for
        // committed private keys mistakes this test for one.
        let pem = concat!("-----BEGIN ", "PRIVATE KEY-----");
        assert!(!looks_like_pkcs12(bare, pem.as_bytes()));
        assert!(!looks_like_pkcs12(bare, &[0x30]));
        assert!(looks_like_pkcs12(Path::new("id.PFX"), b""));
    }

    /// Vectors from RustCrypto's `pkcs12` crate tests (checked there
    /// against OpenSSL's `PKCS12_key_gen_utf8`): a non-ASCII password, key
    /// and IV kinds, and a length over several hash outputs, which takes
    /// the I_j update.
    #[test]
    fn key_derivation_matches_known_vectors() {
        let pw = Password::new("ge@\u{e4}heim");
        let salt = [1, 2, 3, 4, 5, 6, 7, 8];
        let hex = |v: Zeroizing<Vec<u8>>| hex::encode(v.as_slice());
        assert_eq!(
            hex(kdf::<sha2::Sha256>(&pw.bmp, &salt, 1, 100, 32)),
            "fae4d4957a3cc781e1180b9d4fb79c1e0c8579b746a3177e5b0768a3118bf863"
        );
        assert_eq!(
            hex(kdf::<sha2::Sha256>(&pw.bmp, &salt, 2, 100, 20)),
            "e5ff813bc6547de5155b14d2fada85b3201a9773"
        );
        assert_eq!(
            hex(kdf::<sha2::Sha256>(&pw.bmp, &salt, 3, 1000, 32)),
            "3f9113f05c30a996c4a516409bdac9d065f44296ccd52bb75de3fcfdbe2bf130"
        );
        assert_eq!(
            hex(kdf::<sha2::Sha256>(&pw.bmp, &salt, 1, 1000, 100)),
            "2b95a0569b63f641fae1efca32e84db3699ab74540628ba66283b58cf5400527\
             d8d0ebe2ccbf768c51c4d8fbd1bb156be06c1c59cbb69e44052ffc37376fdb47\
             b2de7f9e543de9d096d8e5474b220410ff1c5d8bb7e5bc0f61baeaa12fd0da1d\
             7a970172"
        );
        assert_eq!(
            hex(kdf::<sha2::Sha512>(&pw.bmp, &salt, 1, 100, 32)),
            "b14a9f01bfd9dce4c9d66d2fe9937e5fd9f1afa59e370a6fa4fc81c1cc8ec8ee"
        );
    }
}
