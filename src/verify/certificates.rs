//! Certificates: the signer as reported, validity times, issuer links and
//! whether a chain reaches a trust anchor.

use super::*;

pub(super) fn is_self_signed(cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    tbs.subject() == tbs.issuer() && verifies_cert(cert, cert)
}

pub(super) fn signer_report(cert: &Certificate, self_signed: bool) -> SignerReport {
    let tbs = cert.tbs_certificate();
    let der = cert.to_der().unwrap_or_default();
    let v = tbs.validity();
    SignerReport {
        name: crate::keys::subject_attr(cert, db::rfc4519::CN),
        title: crate::keys::subject_attr(cert, db::rfc4519::TITLE),
        organization: crate::keys::subject_attr(cert, db::rfc4519::O),
        email: crate::keys::subject_attr(cert, db::rfc3280::EMAIL_ADDRESS),
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial: hex::encode(tbs.serial_number().as_bytes()),
        cert_sha256: hex::encode(Sha256::digest(&der)),
        not_before: time_str(&v.not_before),
        not_after: time_str(&v.not_after),
        self_signed,
    }
}

pub(super) fn time_str(t: &x509_cert::time::Time) -> String {
    crate::keys::x509_time(t)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default()
}

/// Whether `issuer`'s key verifies `cert`'s signature.
pub(super) fn verifies_cert(cert: &Certificate, issuer: &Certificate) -> bool {
    let Ok(tbs) = cert.tbs_certificate().to_der() else {
        return false;
    };
    let Some(sig) = cert.signature().as_bytes() else {
        return false;
    };
    cms::verify_signature_with(
        issuer.tbs_certificate().subject_public_key_info(),
        cert.signature_algorithm(),
        None,
        &tbs,
        sig,
    )
    .is_ok()
}

/// Walks issuer links from the signer (through the certificates in the
/// signature and the anchors) until an anchor is reached. Every issuer on
/// the way must be a CA and valid at the signing time.
pub(super) fn trust(
    cert: &Certificate,
    self_signed: bool,
    at: DateTime<FixedOffset>,
    pool: &[Certificate],
    anchors: &[Certificate],
) -> Trust {
    let is_anchor = |c: &Certificate| anchors.iter().any(|a| a == c);
    if is_anchor(cert) {
        return Trust::Trusted;
    }
    if self_signed {
        return Trust::UntrustedSelfSigned;
    }
    let mut current = cert.clone();
    for _ in 0..8 {
        if is_anchor(&current) {
            return Trust::Trusted;
        }
        let tbs = current.tbs_certificate();
        if tbs.subject() == tbs.issuer() {
            return Trust::Untrusted;
        }
        let next = anchors.iter().chain(pool).find(|c| {
            c.tbs_certificate().subject() == tbs.issuer()
                && is_ca(c)
                && crate::keys::certificate_valid_at(c, at)
                && verifies_cert(&current, c)
        });
        match next {
            Some(n) => current = n.clone(),
            None => return Trust::Untrusted,
        }
    }
    Trust::Untrusted
}

pub(super) fn is_ca(cert: &Certificate) -> bool {
    use x509_cert::ext::pkix::BasicConstraints;
    matches!(
        cert.tbs_certificate().get_extension::<BasicConstraints>(),
        Ok(Some((_, bc))) if bc.ca
    )
}
