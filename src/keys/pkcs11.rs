//! Keys on PKCS#11 tokens, smart cards and HSMs, named by an RFC 7512 URI
//! (`pkcs11:token=…;object=…?module-path=…`). The key never leaves the
//! token: the digest of the signed attributes goes in, the signature comes
//! out.

use std::path::PathBuf;
use std::sync::Mutex;

use const_oid::db;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::MechanismType;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Any, Decode as _, Encode as _};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::{Algorithm, DigestAlg, KeyError, PSS_SALT_LEN, SecretSource};

/// What an RFC 7512 URI says (only the attributes we use).
#[derive(Default)]
pub(super) struct Uri {
    token: Option<String>,
    manufacturer: Option<String>,
    serial: Option<String>,
    model: Option<String>,
    slot_id: Option<u64>,
    object: Option<String>,
    id: Option<Vec<u8>>,
    module_path: Option<PathBuf>,
    pin_source: Option<String>,
    /// `pin-value`: allowed by RFC 7512 (and used in scripts), zeroized.
    pin_value: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never show a PIN.
        f.debug_struct("Uri")
            .field("token", &self.token)
            .field("object", &self.object)
            .field("module_path", &self.module_path)
            .finish_non_exhaustive()
    }
}

fn bad_uri(why: impl std::fmt::Display) -> KeyError {
    KeyError::Token(format!("bad PKCS#11 URI: {why}"))
}

/// RFC 3986 percent-decoding of one attribute value.
fn pct_decode(v: &str) -> Result<Vec<u8>, KeyError> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad_uri(format!("bad percent-escape in `{v}`")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn pct_text(v: &str) -> Result<String, KeyError> {
    String::from_utf8(pct_decode(v)?).map_err(|_| bad_uri(format!("`{v}` is not UTF-8")))
}

impl Uri {
    pub(super) fn parse(uri: &str) -> Result<Uri, KeyError> {
        let rest = uri
            .strip_prefix("pkcs11:")
            .ok_or_else(|| bad_uri("it must start with `pkcs11:`"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut u = Uri::default();
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (k, v) = attr
                .split_once('=')
                .ok_or_else(|| bad_uri(format!("`{attr}` is not name=value")))?;
            match k {
                "token" => u.token = Some(pct_text(v)?),
                "manufacturer" => u.manufacturer = Some(pct_text(v)?),
                "serial" => u.serial = Some(pct_text(v)?),
                "model" => u.model = Some(pct_text(v)?),
                "slot-id" => {
                    u.slot_id = Some(
                        v.parse()
                            .map_err(|_| bad_uri(format!("slot-id `{v}` is not a number")))?,
                    )
                }
                "object" => u.object = Some(pct_text(v)?),
                "id" => u.id = Some(pct_decode(v)?),
                "type" if matches!(v, "private" | "cert" | "public") => {}
                "type" => {
                    return Err(bad_uri(format!(
                        "type={v}: the signing key is type=private"
                    )));
                }
                // Other RFC 7512 attributes (library-*, slot-*) do not
                // narrow the choice further here.
                _ => {}
            }
        }
        for attr in query.split('&').filter(|a| !a.is_empty()) {
            let (k, v) = attr
                .split_once('=')
                .ok_or_else(|| bad_uri(format!("`{attr}` is not name=value")))?;
            match k {
                "module-path" => u.module_path = Some(PathBuf::from(pct_text(v)?)),
                "pin-source" => u.pin_source = Some(pct_text(v)?),
                "pin-value" => u.pin_value = Some(Zeroizing::new(pct_text(v)?)),
                _ => {}
            }
        }
        if u.object.is_none() && u.id.is_none() {
            return Err(bad_uri(
                "name the key with object=LABEL or id=%XX (both allowed)",
            ));
        }
        Ok(u)
    }
}

/// A signing key on a token, with its session kept open (logged in) until
/// the signer is dropped.
pub(super) struct TokenKey {
    /// One signing operation at a time per session (PKCS#11 sessions are
    /// not shared between threads; letter batches sign in parallel).
    session: Mutex<Session>,
    key: ObjectHandle,
    algorithm: Algorithm,
    /// The public key as a DER SubjectPublicKeyInfo.
    spki: Vec<u8>,
    /// Modulus bytes (RSA) or 0.
    rsa_len: usize,
    /// Certificates on the token with the key's id, then the others (chain).
    certs: Vec<Certificate>,
    token: String,
    /// Kept so the module stays loaded for the session's lifetime.
    _ctx: Pkcs11,
}

fn ck(what: &str) -> impl Fn(CkError) -> KeyError + '_ {
    move |e| KeyError::Token(format!("PKCS#11 {what}: {e}"))
}

impl TokenKey {
    pub(super) fn open(uri: &str, pin: &SecretSource, rsa_pss: bool) -> Result<TokenKey, KeyError> {
        let u = Uri::parse(uri)?;
        let module = u.module_path.clone().ok_or_else(|| {
            bad_uri("add ?module-path=/path/to/module.so (e.g. /usr/lib/softhsm/libsofthsm2.so)")
        })?;
        let ctx = Pkcs11::new(&module).map_err(|e| {
            KeyError::Token(format!(
                "cannot load the PKCS#11 module {}: {e}",
                module.display()
            ))
        })?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(ck("initialisation")(e)),
        }
        let (slot, label) = find_slot(&ctx, &u)?;
        let info = ctx.get_token_info(slot).map_err(ck("token info"))?;
        if info.user_pin_locked() {
            return Err(KeyError::PinLocked { token: label });
        }
        let session = ctx.open_ro_session(slot).map_err(ck("open session"))?;
        if info.login_required() {
            login(&ctx, slot, &session, &u, pin, &label)?;
        }
        let key = find_key(&session, &u, &label)?;
        let (algorithm, spki, rsa_len) = public_key(&session, key, &u)?;
        let algorithm = match (algorithm, rsa_pss) {
            (Algorithm::Rsa, true) => Algorithm::RsaPss,
            (a, true) => {
                return Err(KeyError::BadKey {
                    what: "--rsa-pss".into(),
                    why: format!("the token key is {a}, not RSA"),
                });
            }
            (a, false) => a,
        };
        let certs = token_certificates(&session, &u)?;
        Ok(TokenKey {
            session: Mutex::new(session),
            key,
            algorithm,
            spki,
            rsa_len,
            certs,
            token: label,
            _ctx: ctx,
        })
    }

    pub(super) fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub(super) fn public_spki(&self) -> Result<Vec<u8>, KeyError> {
        Ok(self.spki.clone())
    }

    pub(super) fn certificates(&self) -> Result<Vec<Certificate>, KeyError> {
        if self.certs.is_empty() {
            return Err(KeyError::Token(format!(
                "token `{}` holds no certificate for the key; add --cert CERT.pem",
                self.token
            )));
        }
        Ok(self.certs.clone())
    }

    pub(super) fn max_signature_len(&self) -> usize {
        match self.algorithm {
            Algorithm::Ed25519 => 64,
            Algorithm::P256 => 72,
            Algorithm::P384 => 104,
            Algorithm::Rsa | Algorithm::RsaPss => self.rsa_len,
        }
    }

    /// Hashes `msg` here and has the token sign the digest (raw ECDSA,
    /// DigestInfo for PKCS#1 v1.5, PSS over the hash); Ed25519 tokens sign
    /// the message itself, as pure EdDSA requires.
    pub(super) fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        let digest = DigestAlg::for_algorithm(self.algorithm);
        let hashed = digest.digest(&[msg]);
        let session = self
            .session
            .lock()
            .map_err(|_| KeyError::Sign("the token session is unusable".into()))?;
        let sign = |mech: &Mechanism, data: &[u8]| {
            session
                .sign(mech, self.key, data)
                .map_err(|e| KeyError::Sign(format!("token `{}`: {e}", self.token)))
        };
        match self.algorithm {
            Algorithm::P256 | Algorithm::P384 => {
                let raw = sign(&Mechanism::Ecdsa, &hashed)?;
                ecdsa_der(&raw)
            }
            Algorithm::Rsa => {
                let mut info = digest.digest_info_prefix().to_vec();
                info.extend_from_slice(&hashed);
                sign(&Mechanism::RsaPkcs, &info)
            }
            Algorithm::RsaPss => {
                let params = PkcsPssParams {
                    hash_alg: MechanismType::SHA256,
                    mgf: PkcsMgfType::MGF1_SHA256,
                    s_len: (PSS_SALT_LEN as u64).into(),
                };
                sign(&Mechanism::RsaPkcsPss(params), &hashed)
            }
            Algorithm::Ed25519 => sign(
                &Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure)),
                msg,
            ),
        }
    }
}

/// PKCS#11 ECDSA signatures are `r || s`; CMS wants DER `(r, s)`.
fn ecdsa_der(raw: &[u8]) -> Result<Vec<u8>, KeyError> {
    let half = raw.len() / 2;
    if raw.is_empty() || raw.len() % 2 != 0 {
        return Err(KeyError::Sign(
            "the token returned a malformed ECDSA signature".into(),
        ));
    }
    let int = |b| der::asn1::UintRef::new(b).map_err(|e| KeyError::Sign(e.to_string()));
    EcdsaSigValue {
        r: int(&raw[..half])?,
        s: int(&raw[half..])?,
    }
    .to_der()
    .map_err(|e| KeyError::Sign(e.to_string()))
}

/// `ECDSA-Sig-Value` (RFC 5480 appendix A / SEC 1).
#[derive(der::Sequence)]
struct EcdsaSigValue<'a> {
    r: der::asn1::UintRef<'a>,
    s: der::asn1::UintRef<'a>,
}

/// The one slot whose token the URI names.
fn find_slot(ctx: &Pkcs11, u: &Uri) -> Result<(Slot, String), KeyError> {
    let slots = ctx.get_slots_with_token().map_err(ck("slot list"))?;
    let mut found = Vec::new();
    let mut seen = Vec::new();
    for slot in slots {
        let info = ctx.get_token_info(slot).map_err(ck("token info"))?;
        let label = info.label().trim_end().to_string();
        if !info.token_initialized() {
            continue;
        }
        seen.push(label.clone());
        let fits = |want: &Option<String>, have: &str| {
            want.as_deref()
                .is_none_or(|w| w.trim_end() == have.trim_end())
        };
        if fits(&u.token, &label)
            && fits(&u.manufacturer, info.manufacturer_id())
            && fits(&u.serial, info.serial_number())
            && fits(&u.model, info.model())
            && u.slot_id.is_none_or(|id| id == slot.id())
        {
            found.push((slot, label));
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(KeyError::Token(format!(
            "no token matches the URI{} (tokens present: {})",
            u.token
                .as_deref()
                .map(|t| format!(" (token={t})"))
                .unwrap_or_default(),
            if seen.is_empty() {
                "none".to_string()
            } else {
                seen.join(", ")
            }
        ))),
        _ => Err(KeyError::Token(format!(
            "several tokens match the URI ({}); add token=LABEL or serial=…",
            found
                .iter()
                .map(|(_, l)| l.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Logs in with the PIN from the URI (pin-value, pin-source), the
/// configured source (`--pin-env`) or a prompt.
fn login(
    ctx: &Pkcs11,
    slot: Slot,
    session: &Session,
    u: &Uri,
    pin: &SecretSource,
    label: &str,
) -> Result<(), KeyError> {
    let what = format!("token `{label}`");
    let value: Zeroizing<String> = if let Some(v) = &u.pin_value {
        v.clone()
    } else if let Some(src) = &u.pin_source {
        // RFC 7512: a file: URI or, as most tools accept, a plain path.
        let path = src
            .strip_prefix("file://")
            .or_else(|| src.strip_prefix("file:"))
            .unwrap_or(src);
        super::secret::read_file(std::path::Path::new(path), "PIN")?
    } else {
        pin.get("PIN", &what)?.ok_or_else(|| KeyError::NeedSecret {
            what: what.clone(),
            secret: "PIN",
            how: "give it with --pin-env VAR or pin-source=FILE in the URI, or run on a terminal to be asked".into(),
        })?
    };
    let auth = cryptoki::types::AuthPin::new(value.as_str().into());
    match session.login(UserType::User, Some(&auth)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _)) => {
            let info = ctx.get_token_info(slot).ok();
            if info.as_ref().is_some_and(|i| i.user_pin_locked()) {
                return Err(KeyError::PinLocked {
                    token: label.to_string(),
                });
            }
            let attempts = match info {
                Some(i) if i.user_pin_final_try() => " (one attempt left before the token locks)",
                Some(i) if i.user_pin_count_low() => " (few attempts left before the token locks)",
                _ => "",
            };
            Err(KeyError::WrongPin {
                token: label.to_string(),
                attempts: attempts.to_string(),
            })
        }
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => Err(KeyError::PinLocked {
            token: label.to_string(),
        }),
        Err(e) => Err(ck("login")(e)),
    }
}

fn name_template(class: ObjectClass, u: &Uri) -> Vec<Attribute> {
    let mut t = vec![Attribute::Class(class)];
    if let Some(label) = &u.object {
        t.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    if let Some(id) = &u.id {
        t.push(Attribute::Id(id.clone()));
    }
    t
}

fn find_key(session: &Session, u: &Uri, label: &str) -> Result<ObjectHandle, KeyError> {
    let keys = session
        .find_objects(&name_template(ObjectClass::PRIVATE_KEY, u))
        .map_err(ck("key search"))?;
    let name = u
        .object
        .as_deref()
        .map(|o| format!("object={o}"))
        .unwrap_or_else(|| "the id given".into());
    match keys.as_slice() {
        [k] => Ok(*k),
        [] => Err(KeyError::Token(format!(
            "token `{label}` has no private key with {name} (wrong label or id, or the PIN is not the user PIN)"
        ))),
        _ => Err(KeyError::Token(format!(
            "token `{label}` has several private keys with {name}; add id=%XX to the URI"
        ))),
    }
}

fn attr_bytes(attrs: &[Attribute], ty: AttributeType) -> Option<Vec<u8>> {
    attrs.iter().find_map(|a| match (a, ty) {
        (Attribute::EcParams(v), AttributeType::EcParams)
        | (Attribute::EcPoint(v), AttributeType::EcPoint)
        | (Attribute::Modulus(v), AttributeType::Modulus)
        | (Attribute::PublicExponent(v), AttributeType::PublicExponent)
        | (Attribute::Value(v), AttributeType::Value)
        | (Attribute::Id(v), AttributeType::Id) => Some(v.clone()),
        _ => None,
    })
}

/// The key's algorithm, public key (DER SPKI) and RSA modulus length. RSA
/// private key objects carry the public parts; for EC keys the public key
/// object with the same id (or label) gives the point.
fn public_key(
    session: &Session,
    key: ObjectHandle,
    u: &Uri,
) -> Result<(Algorithm, Vec<u8>, usize), KeyError> {
    let attrs = session
        .get_attributes(
            key,
            &[
                AttributeType::KeyType,
                AttributeType::Id,
                AttributeType::Modulus,
                AttributeType::PublicExponent,
                AttributeType::EcParams,
            ],
        )
        .map_err(ck("key attributes"))?;
    let key_type = attrs.iter().find_map(|a| match a {
        Attribute::KeyType(k) => Some(*k),
        _ => None,
    });
    let enc = |e: der::Error| KeyError::Token(format!("token public key: {e}"));
    let spki = |alg: AlgorithmIdentifierOwned, bits: &[u8]| -> Result<Vec<u8>, KeyError> {
        SubjectPublicKeyInfoOwned {
            algorithm: alg,
            subject_public_key: BitString::from_bytes(bits).map_err(enc)?,
        }
        .to_der()
        .map_err(enc)
    };
    match key_type {
        Some(KeyType::RSA) => {
            let n = attr_bytes(&attrs, AttributeType::Modulus)
                .ok_or_else(|| KeyError::Token("the RSA key has no readable modulus".into()))?;
            let e = attr_bytes(&attrs, AttributeType::PublicExponent)
                .ok_or_else(|| KeyError::Token("the RSA key has no readable exponent".into()))?;
            let big = |b: &[u8]| rsa::BoxedUint::from_be_slice_vartime(b);
            let public = rsa::RsaPublicKey::new(big(&n), big(&e))
                .map_err(|e| KeyError::Token(format!("the token's RSA key is unusable: {e}")))?;
            use pkcs8::EncodePublicKey as _;
            let der = public
                .to_public_key_der()
                .map_err(|e| KeyError::Token(e.to_string()))?;
            let len = n.iter().skip_while(|b| **b == 0).count();
            Ok((Algorithm::Rsa, der.as_bytes().to_vec(), len))
        }
        Some(KeyType::EC) => {
            let params = attr_bytes(&attrs, AttributeType::EcParams)
                .ok_or_else(|| KeyError::Token("the EC key has no curve (CKA_EC_PARAMS)".into()))?;
            let curve = ObjectIdentifier::from_der(&params)
                .map_err(|_| KeyError::Token("the EC key's curve is not a named curve".into()))?;
            let alg = match curve {
                db::rfc5912::SECP_256_R_1 => Algorithm::P256,
                db::rfc5912::SECP_384_R_1 => Algorithm::P384,
                other => {
                    return Err(KeyError::Token(format!(
                        "the token key's curve {other} is not supported (P-256 and P-384 are)"
                    )));
                }
            };
            let point = ec_point(session, &attrs, u)?;
            let der = spki(
                AlgorithmIdentifierOwned {
                    oid: db::rfc5912::ID_EC_PUBLIC_KEY,
                    parameters: Some(Any::encode_from(&curve).map_err(enc)?),
                },
                &point,
            )?;
            Ok((alg, der, 0))
        }
        Some(KeyType::EC_EDWARDS) => {
            let point = ec_point(session, &attrs, u)?;
            let der = spki(
                AlgorithmIdentifierOwned {
                    oid: db::rfc8410::ID_ED_25519,
                    parameters: None,
                },
                &point,
            )?;
            Ok((Algorithm::Ed25519, der, 0))
        }
        other => Err(KeyError::Token(format!(
            "the token key's type {other:?} cannot sign here (RSA, EC P-256/P-384 and Ed25519 can)"
        ))),
    }
}

/// The EC point of the public key object matching the private key's id.
/// PKCS#11 wraps it in a DER OCTET STRING.
fn ec_point(session: &Session, attrs: &[Attribute], u: &Uri) -> Result<Vec<u8>, KeyError> {
    let mut template = vec![Attribute::Class(ObjectClass::PUBLIC_KEY)];
    match attr_bytes(attrs, AttributeType::Id).filter(|id| !id.is_empty()) {
        Some(id) => template.push(Attribute::Id(id)),
        None => template = name_template(ObjectClass::PUBLIC_KEY, u),
    }
    let found = session
        .find_objects(&template)
        .map_err(ck("public key search"))?;
    let [public] = found.as_slice() else {
        return Err(KeyError::Token(
            "cannot find the key's public key object on the token (needed to check it against the certificate)".into(),
        ));
    };
    let got = session
        .get_attributes(*public, &[AttributeType::EcPoint])
        .map_err(ck("public key"))?;
    let raw = attr_bytes(&got, AttributeType::EcPoint)
        .ok_or_else(|| KeyError::Token("the public key has no EC point".into()))?;
    Ok(OctetString::from_der(&raw)
        .map(|o| o.as_bytes().to_vec())
        .unwrap_or(raw))
}

/// X.509 certificates on the token: the key's own (same id) first.
fn token_certificates(session: &Session, u: &Uri) -> Result<Vec<Certificate>, KeyError> {
    let all = session
        .find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])
        .map_err(ck("certificate search"))?;
    let mut own = Vec::new();
    let mut others = Vec::new();
    for h in all {
        let attrs = session
            .get_attributes(
                h,
                &[
                    AttributeType::Value,
                    AttributeType::Id,
                    AttributeType::Label,
                ],
            )
            .map_err(ck("certificate"))?;
        let Some(cert) =
            attr_bytes(&attrs, AttributeType::Value).and_then(|v| Certificate::from_der(&v).ok())
        else {
            continue;
        };
        let id = attr_bytes(&attrs, AttributeType::Id);
        let label = attrs.iter().find_map(|a| match a {
            Attribute::Label(l) => Some(l.clone()),
            _ => None,
        });
        let mine = match (&u.id, &u.object) {
            (Some(want), _) => id.as_ref() == Some(want),
            (None, Some(obj)) => label.as_deref() == Some(obj.as_bytes()),
            (None, None) => false,
        };
        if mine {
            own.push(cert)
        } else {
            others.push(cert)
        }
    }
    own.truncate(1);
    if own.is_empty() {
        return Ok(Vec::new());
    }
    // The chain: issuers of the signer's certificate found on the token.
    let mut chain = own;
    for _ in 0..8 {
        let last = chain[chain.len() - 1].tbs_certificate();
        if last.subject() == last.issuer() {
            break;
        }
        match others
            .iter()
            .position(|c| c.tbs_certificate().subject() == last.issuer())
        {
            Some(i) => chain.push(others.remove(i)),
            None => break,
        }
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_attributes_are_percent_decoded() {
        let u = Uri::parse(
            "pkcs11:token=My%20Token;object=sign%20key;id=%01%a0;type=private?module-path=/usr/lib/x.so&pin-source=file:/run/pin",
        )
        .expect("parse");
        assert_eq!(u.token.as_deref(), Some("My Token"));
        assert_eq!(u.object.as_deref(), Some("sign key"));
        assert_eq!(u.id.as_deref(), Some(&[0x01, 0xa0][..]));
        assert_eq!(u.module_path, Some(PathBuf::from("/usr/lib/x.so")));
        assert_eq!(u.pin_source.as_deref(), Some("file:/run/pin"));
    }

    #[test]
    fn uri_errors_name_the_problem() {
        for (uri, want) in [
            ("pkcs11:token=t", "object=LABEL"),
            ("pkcs11:object=k;id=%zz", "percent-escape"),
            ("pkcs11:object=k;type=secret-key", "type=private"),
            ("pkcs11:object=k;slot-id=x", "slot-id"),
            ("file:key.pem", "pkcs11:"),
        ] {
            let e = Uri::parse(uri).expect_err(uri).to_string();
            assert!(e.contains(want), "{uri}: {e}");
        }
    }

    #[test]
    fn raw_ecdsa_becomes_der() {
        let mut raw = vec![0x80u8; 32];
        raw.extend([0x01u8; 32]);
        let der = ecdsa_der(&raw).expect("der");
        let sig = p256::ecdsa::Signature::from_der(&der).expect("parses as DER");
        assert_eq!(sig.to_bytes().as_slice(), raw.as_slice());
    }
}
