//! Certificate revocation lists (RFC 5280 5): reading one, checking that
//! its issuer signed it, looking a certificate up in it, and fetching the
//! CRLs a certificate's distribution points name.
//!
//! It sits beside the timestamp client because both are the proof's
//! contact with the outside world over the same HTTP agent; `sign` uses it
//! to embed revocation data (B-LT) and `verify` to read it back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use der::asn1::{AnyRef, BitString};
use der::{Decode as _, Encode as _, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::CrlDistributionPoints;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};

use crate::cms;
use crate::keys::x509_time;

/// A CRL larger than this is refused (a CA's full CRL can be a few MB; a
/// bigger answer is more likely a wrong URL than revocation data).
pub const MAX_CRL: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum RevocationError {
    #[error(
        "cannot fetch the CRL at {url} (named by {subject}): {reason}; nothing was written (give revocation data with --crl/--ocsp, or --no-fetch to embed none)"
    )]
    Fetch {
        url: String,
        subject: String,
        reason: String,
    },
    #[error("the CRL from {url} was refused: {reason}; nothing was written")]
    Bad { url: String, reason: String },
}

/// A parsed CRL and its DER as received.
#[derive(Clone, Debug)]
pub struct Crl {
    pub der: Vec<u8>,
    pub list: CertificateList,
    /// The exact bytes its signature covers (not a re-encoding).
    tbs: Vec<u8>,
}

/// The CRL's outer structure with the signed part kept as received.
#[derive(Sequence)]
struct RawCrl<'a> {
    tbs: AnyRef<'a>,
    algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// What a CRL says about one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revoked {
    pub at: DateTime<Utc>,
    /// RFC 5280's reason code name, when the entry carries one.
    pub reason: Option<&'static str>,
}

impl Crl {
    pub fn parse(der: &[u8]) -> Result<Crl, String> {
        let raw = RawCrl::from_der(der).map_err(|e| format!("not a CRL ({e})"))?;
        let list = CertificateList::from_der(der).map_err(|e| format!("not a CRL ({e})"))?;
        if raw.algorithm != list.tbs_cert_list.signature {
            return Err("the CRL's two signature algorithm fields differ".into());
        }
        let tbs = raw.tbs.to_der().map_err(|e| e.to_string())?;
        Ok(Crl {
            der: der.to_vec(),
            list,
            tbs,
        })
    }

    pub fn this_update(&self) -> Option<DateTime<Utc>> {
        x509_time(&self.list.tbs_cert_list.this_update)
    }

    pub fn issuer(&self) -> String {
        self.list.tbs_cert_list.issuer.to_string()
    }

    /// Whether `issuer` issued this CRL: its subject is the CRL's issuer
    /// and its key verifies the CRL's signature. (Indirect CRLs, signed by
    /// another CA on the issuer's behalf, are not accepted.)
    pub fn check_issued_by(&self, issuer: &Certificate) -> Result<(), String> {
        if issuer.tbs_certificate().subject() != &self.list.tbs_cert_list.issuer {
            return Err(format!(
                "the CRL is issued by {}, not by {}",
                self.issuer(),
                issuer.tbs_certificate().subject()
            ));
        }
        let sig = self
            .list
            .signature
            .as_bytes()
            .ok_or("the CRL's signature is not a whole number of bytes")?;
        cms::verify_signature_with(
            issuer.tbs_certificate().subject_public_key_info(),
            &self.list.signature_algorithm,
            None,
            &self.tbs,
            sig,
        )
        .map(|_| ())
        .map_err(|e| format!("the CRL's signature does not verify with its issuer's key: {e}"))
    }

    /// Whether this CRL lists `cert` (which its issuer must have issued:
    /// the caller checks the names match), and when and why.
    pub fn revocation_of(&self, cert: &Certificate) -> Option<Revoked> {
        let serial = cert.tbs_certificate().serial_number().as_bytes();
        let entry = self
            .list
            .tbs_cert_list
            .revoked_certificates
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .find(|e| e.serial_number.as_bytes() == serial)?;
        let reason = entry.crl_entry_extensions.as_deref().and_then(|exts| {
            exts.iter()
                .find(|e| e.extn_id == db_reason())
                .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok())
                .map(reason_name)
        });
        Some(Revoked {
            // An unreadable date is treated as the earliest possible one:
            // the certificate is listed, so it must not pass as good.
            at: x509_time(&entry.revocation_date).unwrap_or(DateTime::<Utc>::MIN_UTC),
            reason,
        })
    }
}

fn db_reason() -> der::asn1::ObjectIdentifier {
    const_oid::db::rfc5280::ID_CE_CRL_REASONS
}

fn reason_name(r: CrlReason) -> &'static str {
    match r {
        CrlReason::Unspecified => "unspecified",
        CrlReason::KeyCompromise => "keyCompromise",
        CrlReason::CaCompromise => "cACompromise",
        CrlReason::AffiliationChanged => "affiliationChanged",
        CrlReason::Superseded => "superseded",
        CrlReason::CessationOfOperation => "cessationOfOperation",
        CrlReason::CertificateHold => "certificateHold",
        CrlReason::RemoveFromCRL => "removeFromCRL",
        CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        CrlReason::AaCompromise => "aACompromise",
    }
}

/// The http(s) URLs of a certificate's CRL distribution points (LDAP and
/// relative names are left out: nothing here speaks LDAP).
pub fn distribution_points(cert: &Certificate) -> Vec<String> {
    let Ok(Some((_, cdp))) = cert
        .tbs_certificate()
        .get_extension::<CrlDistributionPoints>()
    else {
        return Vec::new();
    };
    let mut urls = Vec::new();
    for dp in &cdp.0 {
        if let Some(DistributionPointName::FullName(names)) = &dp.distribution_point {
            for n in names {
                if let GeneralName::UniformResourceIdentifier(u) = n {
                    let u = u.to_string();
                    if u.starts_with("http://") || u.starts_with("https://") {
                        urls.push(u);
                    }
                }
            }
        }
    }
    urls
}

/// Fetches the CRLs of every certificate in `certs` that names
/// distribution points (self-signed roots are skipped: nothing revokes a
/// trust anchor), once per URL, and checks each against its issuer in
/// `certs` before returning it. The first failure is an error naming the
/// URL: revocation data the user asked for must not silently go missing.
pub fn fetch_for(
    certs: &[Certificate],
    timeout: Duration,
) -> Result<Vec<(String, Crl)>, RevocationError> {
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<(String, Crl)> = Vec::new();
    for cert in certs {
        let tbs = cert.tbs_certificate();
        if tbs.subject() == tbs.issuer() {
            continue;
        }
        for url in distribution_points(cert) {
            if seen.contains(&url) {
                continue;
            }
            seen.push(url.clone());
            let der = super::http::get(&url, timeout, MAX_CRL).map_err(|reason| {
                RevocationError::Fetch {
                    url: url.clone(),
                    subject: tbs.subject().to_string(),
                    reason,
                }
            })?;
            let bad = |reason: String| RevocationError::Bad {
                url: url.clone(),
                reason,
            };
            let crl = Crl::parse(&der).map_err(bad)?;
            // The certificate's issuer (by name; of several, e.g. across a
            // CA key rollover, the one whose key verifies the CRL).
            let issuers: Vec<&Certificate> = certs
                .iter()
                .filter(|c| c.tbs_certificate().subject() == tbs.issuer())
                .collect();
            let Some(first) = issuers.first() else {
                return Err(bad(format!(
                    "the issuer {} of {} is not among the chain's certificates (add it with --cert)",
                    tbs.issuer(),
                    tbs.subject()
                )));
            };
            if !issuers.iter().any(|c| crl.check_issued_by(c).is_ok()) {
                return Err(bad(crl
                    .check_issued_by(first)
                    .err()
                    .unwrap_or_else(|| "the CRL does not verify".into())));
            }
            if !out.iter().any(|(_, c)| c.der == crl.der) {
                out.push((url, crl));
            }
        }
    }
    Ok(out)
}
