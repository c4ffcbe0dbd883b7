//! Revocation from the validation data a file carries: for each signer,
//! the DSS's CRLs issued by its certificate's issuer (each CRL's signature
//! checked with that issuer's key first), the serial looked up, and the
//! revocation date compared with the time the signature is proven to have
//! existed. A certificate revoked after that time (e.g. after its
//! signature timestamp) leaves the signature valid: the key was still good
//! when it signed. Revoked at or before it, the signature is not valid.
//!
//! OCSP responses in the DSS are counted (see `DssReport`) but not read
//! here; a signer with only OCSP data is reported as "no CRL".

use chrono::{DateTime, Utc};
use serde::Serialize;
use x509_cert::Certificate;

use crate::pdfbytes::{Object, Pdf};
use crate::timestamp::revocation::Crl;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationStatus {
    /// A CRL of the issuer, checked, does not list the certificate.
    Good,
    /// Listed with a revocation date at or before the time judged.
    Revoked,
    /// Listed, but revoked only after the time judged.
    RevokedLater,
    /// No usable CRL of the certificate's issuer in the file.
    NoCrl,
}

#[derive(Clone, Debug, Serialize)]
pub struct RevocationReport {
    pub status: RevocationStatus,
    /// The time the revocation date was compared with (RFC 3339).
    pub judged_at: String,
    /// What that time is: "timestamp", "document timestamp", "--at date"
    /// or "now" (a signer's own claim proves nothing against revocation).
    pub basis: String,
    pub revoked_at: Option<String>,
    /// RFC 5280 reason code, when the CRL entry gives one.
    pub reason: Option<String>,
    /// The newest checked CRL's thisUpdate.
    pub crl_this_update: Option<String>,
    /// CRLs of the issuer that were not used, and why.
    pub problems: Vec<String>,
}

impl RevocationReport {
    /// One line for the human report.
    pub fn summary(&self) -> String {
        let mut s = match self.status {
            RevocationStatus::Good => format!(
                "not revoked (CRL issued {})",
                self.crl_this_update.as_deref().unwrap_or("?")
            ),
            RevocationStatus::Revoked => format!(
                "REVOKED on {}{}, before the {} ({})",
                self.revoked_at.as_deref().unwrap_or("?"),
                self.reason_text(),
                self.basis,
                self.judged_at
            ),
            RevocationStatus::RevokedLater => format!(
                "revoked on {}{}, after the {} ({}): the signature stays valid",
                self.revoked_at.as_deref().unwrap_or("?"),
                self.reason_text(),
                self.basis,
                self.judged_at
            ),
            RevocationStatus::NoCrl => "no CRL of the issuer in the file".to_string(),
        };
        for p in &self.problems {
            s.push_str("; ");
            s.push_str(p);
        }
        s
    }

    fn reason_text(&self) -> String {
        self.reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    }

    /// The reason the signature is not valid, when it was revoked in time.
    pub(super) fn invalidates(&self) -> Option<String> {
        (self.status == RevocationStatus::Revoked).then(|| {
            format!(
                "the signer's certificate was revoked on {}{}, before the {} ({}), according to the embedded CRL",
                self.revoked_at.as_deref().unwrap_or("?"),
                self.reason_text(),
                self.basis,
                self.judged_at
            )
        })
    }
}

/// The DSS's CRLs that parse (others are left out: they cannot say
/// anything).
pub(super) fn read_dss_crls(doc: &Pdf<'_>) -> Vec<Crl> {
    let Ok(catalog) = doc.catalog() else {
        return Vec::new();
    };
    let Some(dss) = catalog.get(b"DSS").and_then(|d| doc.resolve_dict(d).ok()) else {
        return Vec::new();
    };
    let Some(Object::Array(items)) = dss.get(b"CRLs").and_then(|a| doc.resolve(a).ok()) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|c| match doc.resolve(c) {
            Ok(Object::Stream(s)) => doc.decode_stream(&s).ok(),
            _ => None,
        })
        .filter_map(|d| Crl::parse(&d).ok())
        .collect()
}

/// Judges `cert`'s revocation at `at` from `crls`, with its issuer found
/// among `pool` and `anchors`. `None` when the file has no CRLs at all
/// (nothing to say; the report stays as it was before CRLs were read).
pub(super) fn check(
    cert: &Certificate,
    pool: &[Certificate],
    anchors: &[Certificate],
    crls: &[Crl],
    at: DateTime<Utc>,
    basis: &str,
) -> Option<RevocationReport> {
    if crls.is_empty() {
        return None;
    }
    let tbs = cert.tbs_certificate();
    let mut r = RevocationReport {
        status: RevocationStatus::NoCrl,
        judged_at: at.to_rfc3339(),
        basis: basis.to_string(),
        revoked_at: None,
        reason: None,
        crl_this_update: None,
        problems: Vec::new(),
    };
    let theirs: Vec<&Crl> = crls
        .iter()
        .filter(|c| &c.list.tbs_cert_list.issuer == tbs.issuer())
        .collect();
    if theirs.is_empty() {
        return Some(r);
    }
    let issuer = anchors.iter().chain(pool).find(|c| {
        c.tbs_certificate().subject() == tbs.issuer() && super::certificates::verifies_cert(cert, c)
    });
    let Some(issuer) = issuer else {
        r.problems.push(format!(
            "the CRLs of {} cannot be checked: the issuer's certificate is not in the file or the trust anchors",
            tbs.issuer()
        ));
        return Some(r);
    };
    let mut newest: Option<DateTime<Utc>> = None;
    let mut revoked: Option<crate::timestamp::revocation::Revoked> = None;
    for crl in theirs {
        if let Err(e) = crl.check_issued_by(issuer) {
            r.problems
                .push(format!("a CRL in the DSS was not used: {e}"));
            continue;
        }
        newest = newest.max(crl.this_update());
        if let Some(rv) = crl.revocation_of(cert) {
            if revoked.as_ref().is_none_or(|o| rv.at < o.at) {
                revoked = Some(rv);
            }
        }
    }
    r.crl_this_update = newest.map(|t| t.to_rfc3339());
    r.status = match (&revoked, newest) {
        (Some(rv), _) if rv.at <= at => RevocationStatus::Revoked,
        (Some(_), _) => RevocationStatus::RevokedLater,
        (None, Some(_)) => RevocationStatus::Good,
        (None, None) => RevocationStatus::NoCrl,
    };
    if let Some(rv) = revoked {
        r.revoked_at = Some(rv.at.to_rfc3339());
        r.reason = rv.reason.map(str::to_string);
    }
    Some(r)
}
