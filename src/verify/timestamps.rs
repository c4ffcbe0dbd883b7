//! Timestamps and long-term validation data in a verified PDF: signature
//! timestamps (B-T), document timestamps (B-LTA, `/DocTimeStamp`) and the
//! Document Security Store (B-LT).
//!
//! The time a signature is proven to have existed is its timestamp's time
//! (else that of the earliest document timestamp covering it): the signer's
//! certificate is judged valid at that time, so a signature outlives its
//! certificate. A timestamp's own proof lasts while its TSA certificate is
//! valid at the evaluation time (`--at`, else now), or while a later
//! document timestamp that lasts covers it (archive renewal).

use chrono::{DateTime, FixedOffset, Utc};
use der::Encode as _;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;

use super::{ChangeKind, LaterChanges, Trust, VerifyOptions, is_self_signed, time_str, trust};
use crate::pdfbytes::{Dict, Object, Pdf};
use crate::timestamp;

/// How a verification judges time (see the module doc).
#[derive(Clone, Debug, Default)]
pub struct LongTermOptions {
    /// "Was this valid on that date": the evaluation time; now when `None`.
    pub at: Option<DateTime<FixedOffset>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TimestampReport {
    /// The TSA's time (genTime), RFC 3339.
    pub time: Option<String>,
    pub tsa: Option<String>,
    pub tsa_cert_sha256: Option<String>,
    pub tsa_cert_not_after: Option<String>,
    pub policy: Option<String>,
    pub serial: Option<String>,
    pub algorithm: Option<String>,
    /// Imprint, signature, TSA certificate (EKU, validity at its time).
    pub valid: bool,
    pub trust: Trust,
    pub trusted: bool,
    /// The TSA certificate is valid at the evaluation time, or a later
    /// document timestamp that lasts covers this one.
    pub lasting: bool,
    /// An algorithm of `timestamp::WEAK_ALGORITHMS`, when used.
    pub weak_algorithm: Option<String>,
    pub problems: Vec<String>,
    #[serde(skip)]
    pub(super) gen_time: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub(super) tsa_not_after: Option<DateTime<Utc>>,
}

impl TimestampReport {
    fn new() -> Self {
        TimestampReport {
            time: None,
            tsa: None,
            tsa_cert_sha256: None,
            tsa_cert_not_after: None,
            policy: None,
            serial: None,
            algorithm: None,
            valid: false,
            trust: Trust::NotChecked,
            trusted: false,
            lasting: false,
            weak_algorithm: None,
            problems: Vec::new(),
            gen_time: None,
            tsa_not_after: None,
        }
    }

    /// Valid and trusted: its time can be relied on.
    pub fn proves_time(&self) -> bool {
        self.valid && self.trusted
    }

    /// When the TSA certificate expires, if the token is readable.
    pub fn tsa_expires(&self) -> Option<DateTime<Utc>> {
        self.tsa_not_after
    }
}

/// A document timestamp (`/DocTimeStamp`, `/SubFilter /ETSI.RFC3161`).
#[derive(Clone, Debug, Serialize)]
pub struct DocTimestampReport {
    pub field: String,
    pub byte_range: Option<[u64; 4]>,
    pub signed_revision_end: Option<usize>,
    pub covers_whole_file: bool,
    pub timestamp: TimestampReport,
    pub later_changes: LaterChanges,
    pub ok: bool,
    pub problems: Vec<String>,
}

/// What the Document Security Store holds.
#[derive(Clone, Debug, Serialize)]
pub struct DssReport {
    pub certs: usize,
    pub crls: usize,
    pub ocsps: usize,
    pub vri: usize,
}

/// Checks a token stamping `message` and judges its TSA's trust at the
/// token's time, with the token's certificates and the DSS's as the pool.
pub(super) fn check(
    token: &[u8],
    message: &[&[u8]],
    opts: &VerifyOptions,
    pool: &[Certificate],
) -> TimestampReport {
    let mut r = TimestampReport::new();
    r.weak_algorithm = timestamp::weak_algorithm(token);
    let info = match timestamp::check_token(token, message, &[]) {
        Ok(i) => i,
        Err(e) => {
            r.problems.push(format!("timestamp token: {e}"));
            return r;
        }
    };
    r.valid = true;
    r.gen_time = Some(info.gen_time);
    r.time = Some(info.gen_time.to_rfc3339());
    r.tsa = Some(info.tsa_name.clone());
    r.policy = Some(info.policy.to_string());
    r.serial = Some(info.serial.clone());
    r.algorithm = Some(info.signature_algorithm.to_string());
    let cert = &info.signer_cert;
    r.tsa_cert_sha256 = cert.to_der().ok().map(|d| hex::encode(Sha256::digest(d)));
    let na = &cert.tbs_certificate().validity().not_after;
    r.tsa_cert_not_after = Some(time_str(na));
    r.tsa_not_after = crate::keys::x509_time(na);
    let mut all: Vec<Certificate> = info.certificates.clone();
    all.extend_from_slice(pool);
    r.trust = trust(
        cert,
        is_self_signed(cert),
        info.gen_time.fixed_offset(),
        &all,
        &opts.trust,
    );
    r.trusted = r.trust == Trust::Trusted;
    if !r.trusted {
        r.problems
            .push(format!("the timestamp authority is {}", r.trust));
    }
    r
}

/// The document timestamp in signature dictionary `sig` of `field`.
pub(super) fn check_doc_timestamp(
    doc: &Pdf<'_>,
    field: &str,
    sig: &Dict,
    revision_ends: &[usize],
    opts: &VerifyOptions,
    pool: &[Certificate],
) -> DocTimestampReport {
    let mut r = DocTimestampReport {
        field: field.to_string(),
        byte_range: None,
        signed_revision_end: None,
        covers_whole_file: false,
        timestamp: TimestampReport::new(),
        later_changes: LaterChanges::none(),
        ok: false,
        problems: Vec::new(),
    };
    let found = super::contents(sig).and_then(|c| Ok((c, super::byte_range(doc.bytes, sig)?)));
    let (contents, (ranges, hole)) = match found {
        Ok(x) => x,
        Err(e) => {
            r.problems.push(e);
            return r;
        }
    };
    let end = ranges[1].end;
    r.byte_range = Some([
        0,
        hole.start as u64,
        hole.end as u64,
        (end - hole.end) as u64,
    ]);
    r.signed_revision_end = Some(end);
    r.covers_whole_file = end == doc.bytes.len();
    if !revision_ends.contains(&end) {
        r.problems
            .push("the byte range does not end at the end of a revision".into());
        return r;
    }
    r.timestamp = check(
        contents,
        &[&doc.bytes[ranges[0].clone()], &doc.bytes[ranges[1].clone()]],
        opts,
        pool,
    );
    r.later_changes = super::changes::analyse(doc, end);
    r
}

/// Marks which document timestamps last at `eval`: from the newest back,
/// one lasts when it proves its time and its TSA certificate is still
/// valid, or when a later lasting one covers it. Then judges each.
pub(super) fn settle_documents(docs: &mut [DocTimestampReport], eval: DateTime<Utc>) {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(docs[i].signed_revision_end.unwrap_or(0)));
    for &i in &order {
        let end = docs[i].signed_revision_end.unwrap_or(0);
        let covered = covered_by_lasting(docs, end);
        let t = &mut docs[i].timestamp;
        t.lasting = t.proves_time() && (t.tsa_not_after.is_some_and(|na| eval <= na) || covered);
    }
    for d in docs.iter_mut() {
        let t = &d.timestamp;
        if t.valid && !t.lasting && t.trusted {
            d.problems.push(format!(
                "the timestamp's TSA certificate expired on {} and no later document timestamp renews it",
                t.tsa_cert_not_after.as_deref().unwrap_or("?")
            ));
        }
        d.ok = d.problems.is_empty()
            && d.timestamp.problems.is_empty()
            && d.timestamp.lasting
            && matches!(
                d.later_changes.kind,
                ChangeKind::None | ChangeKind::SignaturesOnly
            );
    }
}

/// Marks which signature timestamps last at `eval` (see
/// [`settle_documents`], which must have run).
pub(super) fn settle_signatures(
    docs: &[DocTimestampReport],
    sigs: &mut [super::SignatureReport],
    eval: DateTime<Utc>,
) {
    for s in sigs.iter_mut() {
        let end = s.signed_revision_end.unwrap_or(usize::MAX);
        let covered = covered_by_lasting(docs, end);
        if let Some(t) = &mut s.timestamp {
            t.lasting =
                t.proves_time() && (t.tsa_not_after.is_some_and(|na| eval <= na) || covered);
        }
    }
}

/// Whether a lasting document timestamp covers the revision ending at `end`
/// (signs a later revision).
fn covered_by_lasting(docs: &[DocTimestampReport], end: usize) -> bool {
    docs.iter()
        .any(|d| d.timestamp.lasting && d.signed_revision_end.is_some_and(|e| e > end))
}

/// The earliest time a valid, trusted document timestamp covering the
/// revision ending at `end` proves.
pub(super) fn earliest_doc_proof(docs: &[DocTimestampReport], end: usize) -> Option<DateTime<Utc>> {
    docs.iter()
        .filter(|d| d.signed_revision_end.is_some_and(|e| e > end) && d.timestamp.proves_time())
        .filter(|d| d.problems.is_empty())
        .filter_map(|d| d.timestamp.gen_time)
        .min()
}

/// The DSS's contents and its certificates (as a pool for chains).
pub(super) fn read_dss(doc: &Pdf<'_>) -> (Option<DssReport>, Vec<Certificate>) {
    use der::Decode as _;
    let Ok(catalog) = doc.catalog() else {
        return (None, Vec::new());
    };
    let Some(dss) = catalog.get(b"DSS").and_then(|d| doc.resolve_dict(d).ok()) else {
        return (None, Vec::new());
    };
    let items = |key: &[u8]| -> Vec<Object> {
        dss.get(key)
            .and_then(|a| doc.resolve(a).ok())
            .and_then(|a| a.as_array().map(<[Object]>::to_vec))
            .unwrap_or_default()
    };
    let mut certs = Vec::new();
    for c in items(b"Certs") {
        if let Ok(Object::Stream(s)) = doc.resolve(&c) {
            if let Ok(data) = doc.decode_stream(&s) {
                if let Ok(cert) = Certificate::from_der(&data) {
                    certs.push(cert);
                }
            }
        }
    }
    let vri = dss
        .get(b"VRI")
        .and_then(|v| doc.resolve_dict(v).ok())
        .map_or(0, |v| v.keys().count());
    (
        Some(DssReport {
            certs: items(b"Certs").len(),
            crls: items(b"CRLs").len(),
            ocsps: items(b"OCSPs").len(),
            vri,
        }),
        certs,
    )
}
