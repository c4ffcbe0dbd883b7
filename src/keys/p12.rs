//! PKCS#12 (`.p12`/`.pfx`) key files: the private key, the signer's
//! certificate and its issuers, as CA portals, Windows and OpenSSL export
//! them (PBES2/AES-256 and the legacy 3DES/RC2 encryption).

use std::path::Path;

use der::Decode as _;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use super::{KeyError, SecretKey, SecretSource, pkcs8_key};

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
    if data.first() != Some(&0x30) {
        return false;
    }
    let hdr = match data.get(1) {
        Some(&l) if l < 0x80 => 2,
        Some(&l) => 2 + usize::from(l & 0x7f),
        None => return false,
    };
    data.get(hdr..hdr + 3) == Some(&[0x02, 0x01, 0x03])
}

/// The key and its certificate chain (signer first) from a PKCS#12 file.
/// Without a configured password source, the empty password is tried (some
/// exports have none) before asking for one.
pub(super) fn open(
    data: &[u8],
    name: &str,
    password: &SecretSource,
) -> Result<(SecretKey, Vec<Certificate>), KeyError> {
    let store = match password.get("password", name)? {
        Some(pw) => decode(data, name, &pw)?.ok_or_else(|| KeyError::WrongPassword {
            what: name.to_string(),
        })?,
        None => decode(data, name, "")?.ok_or_else(|| KeyError::NeedSecret {
            what: name.to_string(),
            secret: "password",
            how: "give it with --password-env VAR or --password-file FILE, or run on a terminal to be asked".into(),
        })?,
    };
    let (_, chain) = store.private_key_chain().ok_or_else(|| KeyError::BadKey {
        what: name.to_string(),
        why: "the PKCS#12 file has no private key with its certificate".into(),
    })?;
    // The crate's own copy is not zeroized on drop; ours is.
    let key_der = Zeroizing::new(chain.key().to_vec());
    let key = pkcs8_key(&key_der, name)?;
    let certs = chain
        .chain()
        .iter()
        .map(|c| Certificate::from_der(c.as_der()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| KeyError::BadCert {
            what: name.to_string(),
            why: e.to_string(),
        })?;
    Ok((key, certs))
}

/// `None` when the password is wrong (the MAC or the decryption fails).
fn decode(
    data: &[u8],
    name: &str,
    password: &str,
) -> Result<Option<p12_keystore::KeyStore>, KeyError> {
    use p12_keystore::error::Error as E;
    match p12_keystore::KeyStore::from_pkcs12(data, password) {
        Ok(s) => Ok(Some(s)),
        Err(E::MacError(_) | E::UnpadError) => Ok(None),
        Err(e) => Err(KeyError::BadKey {
            what: name.to_string(),
            why: format!("unreadable PKCS#12 file: {e}"),
        }),
    }
}
