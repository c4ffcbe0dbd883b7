//! Verification: every signature of a PDF (any PDF, ours or not) and the
//! embedded manifest of a plan.
//!
//! For each signature: the byte range must cover its whole revision except
//! exactly the `/Contents` hole; the CMS message digest must equal the digest
//! of those bytes; the CMS signature must verify with the signer's
//! certificate, valid at the signing time; trust comes from `--trust`
//! certificates; and later revisions are judged by what they change.
//! Nothing here panics on hostile input: problems become report entries.

mod changes;
mod manifest;
mod revocation;
mod timestamps;

pub use changes::{ChangeKind, LaterChanges};
pub use manifest::{DocumentCheck, FileCheck, ManifestReport, ManifestStatus};
pub use revocation::{RevocationReport, RevocationStatus};
pub use timestamps::{DocTimestampReport, DssReport, LongTermOptions, TimestampReport};

use const_oid::db;
use std::ops::Range;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use der::Encode;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use crate::cms::{self, DigestAlg, ParsedCms};
use crate::pdfbytes::{Dict, Object, Pdf, PdfError, SigField, XrefEntry, decode_text};

/// A `/Contents` larger than this is refused outright.
pub const MAX_CONTENTS: usize = 1 << 20;

#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Trust anchors: a signer is trusted when its certificate or an issuer
    /// in its chain is one of these.
    pub trust: Vec<Certificate>,
    /// Folder with the supporting documents, compared with the manifest.
    pub docs_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("unreadable PDF: {0}")]
    Pdf(#[from] PdfError),
}

#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub file_size: usize,
    pub revisions: usize,
    pub signatures: Vec<SignatureReport>,
    /// Document timestamps (`/DocTimeStamp`), oldest first.
    pub document_timestamps: Vec<DocTimestampReport>,
    /// The Document Security Store (long-term validation data), if any.
    pub dss: Option<DssReport>,
    /// The time validity was judged at: `--at`, else the time of the run.
    pub evaluated_at: String,
    /// The end of the revision whose embedded files (plan, manifest, letter
    /// data) are the signed content: the first signed revision. `None` for
    /// an unsigned file, whose content is the whole file.
    pub content_revision_end: Option<usize>,
    pub manifest: ManifestReport,
    /// Problems of the file as a whole (e.g. signed revisions that embed
    /// different plans).
    pub problems: Vec<String>,
    pub ok: bool,
}

impl VerifyReport {
    /// Every signature valid and trusted, nothing but signatures added after
    /// each, at least one signature, and the manifest matching (or absent).
    pub fn ok(&self) -> bool {
        self.ok
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SignerReport {
    pub name: Option<String>,
    pub title: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub cert_sha256: String,
    pub not_before: String,
    pub not_after: String,
    pub self_signed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    Trusted,
    /// Valid, self-signed, and not among the trust anchors.
    UntrustedSelfSigned,
    /// Valid, but no chain to a trust anchor.
    Untrusted,
    /// Not judged because the signature is not valid.
    NotChecked,
}

impl std::fmt::Display for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Trust::Trusted => "trusted",
            Trust::UntrustedSelfSigned => "valid but untrusted (self-signed)",
            Trust::Untrusted => "valid but untrusted (no chain to a --trust certificate)",
            Trust::NotChecked => "not checked",
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SignatureReport {
    pub field: String,
    pub signer: Option<SignerReport>,
    pub signing_time: Option<String>,
    pub algorithm: Option<String>,
    pub digest_algorithm: Option<DigestAlg>,
    pub sub_filter: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub byte_range: Option<[u64; 4]>,
    /// End of the revision this signature signs.
    pub signed_revision_end: Option<usize>,
    pub covers_whole_revision: bool,
    pub covers_whole_file: bool,
    /// The CMS message digest equals the digest of the signed bytes.
    pub intact: bool,
    /// The CMS signature verifies with the certificate's public key.
    pub signature_verified: bool,
    pub cert_valid_at_signing_time: bool,
    /// All of the above.
    pub valid: bool,
    pub trusted: bool,
    pub trust: Trust,
    pub later_changes: LaterChanges,
    /// The signature timestamp (PAdES B-T), if any.
    pub timestamp: Option<TimestampReport>,
    /// The time the certificate's validity was judged at, and why that
    /// time: "timestamp", "document timestamp", "--at date" or "claimed
    /// signing time".
    pub validity_judged_at: Option<String>,
    pub validity_basis: Option<String>,
    /// The DSS has a /VRI entry for this signature.
    pub vri: bool,
    /// What the DSS's CRLs say about the signer's certificate (`None`
    /// when the file carries no CRLs).
    pub revocation: Option<RevocationReport>,
    pub problems: Vec<String>,
    pub ok: bool,
}

impl SignatureReport {
    fn new(field: &str) -> Self {
        SignatureReport {
            field: field.to_string(),
            signer: None,
            signing_time: None,
            algorithm: None,
            digest_algorithm: None,
            sub_filter: None,
            reason: None,
            location: None,
            byte_range: None,
            signed_revision_end: None,
            covers_whole_revision: false,
            covers_whole_file: false,
            intact: false,
            signature_verified: false,
            cert_valid_at_signing_time: false,
            valid: false,
            trusted: false,
            trust: Trust::NotChecked,
            later_changes: LaterChanges::none(),
            timestamp: None,
            validity_judged_at: None,
            validity_basis: None,
            vri: false,
            revocation: None,
            problems: Vec::new(),
            ok: false,
        }
    }
}

/// Verifies every signature in `pdf` and its manifest. `Err` only when the
/// file cannot be read as a PDF at all.
///
/// The manifest and embedded files are read from the first signed revision,
/// never from a later one: what a signer approved is what counts, and any
/// later difference is a change the signatures' analyses report.
pub fn verify_pdf(pdf: &[u8], opts: &VerifyOptions) -> Result<VerifyReport, VerifyError> {
    verify_pdf_at(pdf, opts, &LongTermOptions::default())
}

/// What one verification knows beyond a signature: the evaluation time,
/// the document timestamps and the DSS's certificates.
struct Context<'a> {
    at: Option<DateTime<FixedOffset>>,
    docs: &'a [DocTimestampReport],
    dss_certs: &'a [Certificate],
    dss_crls: &'a [crate::timestamp::revocation::Crl],
    vri_keys: &'a [String],
}

/// [`verify_pdf`], judging time as `lt` says (see `timestamps.rs`).
pub fn verify_pdf_at(
    pdf: &[u8],
    opts: &VerifyOptions,
    lt: &LongTermOptions,
) -> Result<VerifyReport, VerifyError> {
    let doc = Pdf::parse(pdf)?;
    let revision_ends = crate::pdfbytes::revision_ends(&doc);
    let fields = crate::pdfbytes::signature_fields(&doc)?;
    let (dss, dss_certs) = timestamps::read_dss(&doc);
    let vri_keys = vri_keys(&doc);
    let dss_crls = revocation::read_dss_crls(&doc);
    let eval = lt.at.map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    // Document timestamps first: they prove when the signatures they cover
    // existed.
    let mut document_timestamps = Vec::new();
    let mut signature_fields = Vec::new();
    for f in fields.iter().filter(|f| f.value.is_some()) {
        match signature_dict(&doc, f) {
            Ok(d) if d.name(b"SubFilter") == Some(b"ETSI.RFC3161") => {
                document_timestamps.push(timestamps::check_doc_timestamp(
                    &doc,
                    &f.name,
                    &d,
                    &revision_ends,
                    opts,
                    &dss_certs,
                ));
            }
            _ => signature_fields.push(f),
        }
    }
    document_timestamps.sort_by_key(|d| d.signed_revision_end.unwrap_or(0));
    timestamps::settle_documents(&mut document_timestamps, eval);
    let ctx = Context {
        at: lt.at,
        docs: &document_timestamps,
        dss_certs: &dss_certs,
        dss_crls: &dss_crls,
        vri_keys: &vri_keys,
    };
    let mut signatures = Vec::new();
    for f in signature_fields {
        signatures.push(verify_field(&doc, f, &revision_ends, opts, &ctx));
    }
    timestamps::settle_signatures(&document_timestamps, &mut signatures, eval);
    for s in &mut signatures {
        if let Some(t) = &s.timestamp {
            if t.proves_time() && !t.lasting {
                s.problems.push(format!(
                    "the signature timestamp's TSA certificate expired on {} and no later document timestamp renews it",
                    t.tsa_cert_not_after.as_deref().unwrap_or("?")
                ));
                s.ok = false;
            }
        }
    }
    let mut signed_ends: Vec<usize> = signatures
        .iter()
        .filter_map(|s| s.signed_revision_end.filter(|_| s.covers_whole_revision))
        .collect();
    signed_ends.sort_unstable();
    signed_ends.dedup();
    let content_revision_end = signed_ends.first().copied();
    let mut problems = Vec::new();
    // Every signature dictionary added after a signature must be one the
    // form lists (and so one verified here): one whose field lost its /V
    // or /T would otherwise pass as "a second signature" unverified.
    for s in &signatures {
        let (Some(end), added) = (s.signed_revision_end, s.later_changes.signatures_added) else {
            continue;
        };
        let listed = signatures
            .iter()
            .map(|o| o.signed_revision_end)
            .chain(document_timestamps.iter().map(|d| d.signed_revision_end))
            .filter(|e| e.is_some_and(|e| e > end))
            .count();
        if added > listed {
            problems.push(format!(
                "{} signature dictionar{} added after signature {} belong{} to no signature field and cannot be verified",
                added - listed,
                if added - listed == 1 { "y" } else { "ies" },
                s.field,
                if added - listed == 1 { "s" } else { "" },
            ));
        }
    }
    let files = match content_revision_end {
        Some(end) => revision_files(pdf, end),
        None => crate::pdfbytes::embedded_files(&doc).map_err(|e| e.to_string()),
    };
    if let Ok(first) = &files {
        for &end in signed_ends.iter().skip(1) {
            match revision_files(pdf, end) {
                Ok(later) => {
                    let differ = differing_files(first, &later);
                    if !differ.is_empty() {
                        problems.push(format!(
                            "the signed revisions embed different files: {} (first signed revision ends at byte {}, a later one at byte {end})",
                            differ.join(", "),
                            signed_ends[0]
                        ));
                    }
                }
                Err(e) => problems.push(format!(
                    "the embedded files of the revision ending at byte {end} are unreadable: {e}"
                )),
            }
        }
    }
    let manifest = match files {
        Ok(files) => manifest::check(&files, opts.docs_dir.as_deref()),
        Err(e) => ManifestReport {
            status: ManifestStatus::Invalid,
            plan_toml: None,
            documents: Vec::new(),
            problems: vec![format!("embedded files unreadable: {e}")],
        },
    };
    let ok = !signatures.is_empty()
        && signatures.iter().all(|s| s.ok)
        && document_timestamps.iter().all(|d| d.ok)
        && manifest.ok()
        && problems.is_empty();
    Ok(VerifyReport {
        file_size: pdf.len(),
        revisions: doc.sections.len(),
        signatures,
        document_timestamps,
        dss,
        evaluated_at: eval.to_rfc3339(),
        content_revision_end,
        manifest,
        problems,
        ok,
    })
}

/// The embedded files of the document as it was at the revision ending at
/// byte `end`.
fn revision_files(pdf: &[u8], end: usize) -> Result<Vec<(String, Vec<u8>)>, String> {
    let bytes = pdf.get(..end).ok_or("revision end outside the file")?;
    let doc = Pdf::parse(bytes).map_err(|e| e.to_string())?;
    crate::pdfbytes::embedded_files(&doc).map_err(|e| e.to_string())
}

/// Names of the files that one list has and the other lacks or holds with
/// other bytes.
fn differing_files(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut names: Vec<&String> = a.iter().chain(b).map(|(n, _)| n).collect();
    names.sort();
    names.dedup();
    let find =
        |l: &[(String, Vec<u8>)], n: &str| l.iter().find(|(m, _)| m == n).map(|(_, b)| b.clone());
    names
        .into_iter()
        .filter(|n| find(a, n) != find(b, n))
        .cloned()
        .collect()
}

/// The embedded files (`/EmbeddedFiles` name tree) of a PDF, by name, as the
/// whole file shows them. For what a signer approved, use
/// [`signed_embedded_files`].
pub fn embedded_files(pdf: &[u8]) -> Result<Vec<(String, Vec<u8>)>, VerifyError> {
    let doc = Pdf::parse(pdf)?;
    Ok(crate::pdfbytes::embedded_files(&doc)?)
}

/// One embedded file by name, as the whole file shows it.
pub fn embedded_file(pdf: &[u8], name: &str) -> Result<Option<Vec<u8>>, VerifyError> {
    Ok(embedded_files(pdf)?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b))
}

/// The embedded files as the first signature signed them (the whole file's
/// when `report` has no signed revision). `report` must be `pdf`'s.
pub fn signed_embedded_files(
    pdf: &[u8],
    report: &VerifyReport,
) -> Result<Vec<(String, Vec<u8>)>, VerifyError> {
    match report.content_revision_end {
        Some(end) if end <= pdf.len() => embedded_files(&pdf[..end]),
        _ => embedded_files(pdf),
    }
}

/// One embedded file by name, as signed (see [`signed_embedded_files`]).
pub fn signed_embedded_file(
    pdf: &[u8],
    report: &VerifyReport,
    name: &str,
) -> Result<Option<Vec<u8>>, VerifyError> {
    Ok(signed_embedded_files(pdf, report)?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b))
}

fn verify_field(
    doc: &Pdf<'_>,
    field: &SigField,
    revision_ends: &[usize],
    opts: &VerifyOptions,
    ctx: &Context<'_>,
) -> SignatureReport {
    let mut r = SignatureReport::new(&field.name);
    if let Err(problem) = check_signature(doc, field, revision_ends, opts, ctx, &mut r) {
        r.problems.push(problem);
    }
    r.valid = r.covers_whole_revision
        && r.intact
        && r.signature_verified
        && r.cert_valid_at_signing_time
        && r.problems.is_empty();
    if !r.valid {
        r.trust = Trust::NotChecked;
        r.trusted = false;
    }
    r.ok = r.valid
        && r.trusted
        && r.timestamp.as_ref().is_none_or(|t| t.trusted)
        && matches!(
            r.later_changes.kind,
            ChangeKind::None | ChangeKind::SignaturesOnly
        );
    r
}

/// The signature dictionary of `field`, parsed from its place in the file.
fn signature_dict(doc: &Pdf<'_>, field: &SigField) -> Result<Dict, String> {
    match &field.value {
        Some(Object::Ref(v)) => match doc.entry(v.num) {
            Some(XrefEntry::Offset { offset, .. }) => match doc.parse_at(offset) {
                Ok((_, Object::Dict(d))) => Ok(d),
                Ok(_) => Err("the signature value is not a dictionary".into()),
                Err(e) => Err(format!("the signature dictionary cannot be read: {e}")),
            },
            Some(XrefEntry::InStream { .. }) => {
                Err("the signature dictionary is inside an object stream".into())
            }
            _ => Err("the signature dictionary is missing".into()),
        },
        Some(Object::Dict(d)) if d.span(b"Contents").is_some() => Ok(d.clone()),
        _ => Err("the signature value is not a usable dictionary".into()),
    }
}

fn check_signature(
    doc: &Pdf<'_>,
    field: &SigField,
    revision_ends: &[usize],
    opts: &VerifyOptions,
    ctx: &Context<'_>,
    r: &mut SignatureReport,
) -> Result<(), String> {
    let sig = signature_dict(doc, field)?;
    let text = |k: &[u8]| sig.get(k).and_then(Object::as_str).map(decode_text);
    r.sub_filter = sig
        .name(b"SubFilter")
        .map(|n| String::from_utf8_lossy(n).into_owned());
    r.reason = text(b"Reason");
    r.location = text(b"Location");
    let m_time = text(b"M").and_then(|m| crate::pdfbytes::date::parse(&m));
    if !matches!(
        r.sub_filter.as_deref(),
        Some("ETSI.CAdES.detached" | "adbe.pkcs7.detached")
    ) {
        return Err(format!(
            "unsupported /SubFilter {}",
            r.sub_filter.as_deref().unwrap_or("(none)")
        ));
    }
    let contents = contents(&sig)?;
    let (ranges, hole) = byte_range(doc.bytes, &sig)?;
    r.byte_range = Some([
        0,
        hole.start as u64,
        hole.end as u64,
        (ranges[1].end - hole.end) as u64,
    ]);
    let end = ranges[1].end;
    r.signed_revision_end = Some(end);
    r.covers_whole_file = end == doc.bytes.len();
    r.covers_whole_revision = revision_ends.contains(&end);
    if !r.covers_whole_revision {
        return Err("the byte range does not end at the end of a revision".into());
    }
    let cms = cms::parse_signed_data(contents).map_err(|e| e.to_string())?;
    check_cms(doc.bytes, &ranges, &cms, r)?;
    let cert = cms
        .signer_cert
        .as_ref()
        .ok_or("the signer's certificate is not in the signature")?;
    // Checking a self-signature costs a verification (~1 ms with P-256);
    // a certificate that is itself an anchor needs none.
    let is_anchor = opts.trust.iter().any(|a| a == cert);
    let self_signed = if is_anchor {
        let tbs = cert.tbs_certificate();
        tbs.subject() == tbs.issuer()
    } else {
        is_self_signed(cert)
    };
    r.signer = Some(signer_report(cert, self_signed));
    check_crypto(cert, &cms, r)?;
    r.vri = ctx
        .vri_keys
        .contains(&hex::encode_upper(sha1::Sha1::digest(contents)));
    if let Some(token) = cms.signature_time_stamps.first() {
        let mut pool = cms.certificates.clone();
        pool.extend_from_slice(ctx.dss_certs);
        let t = timestamps::check(token, &[&cms.signature], opts, &pool);
        let broken = !t.valid;
        let why = t.problems.join("; ");
        r.timestamp = Some(t);
        if broken {
            return Err(format!("the signature timestamp is not valid: {why}"));
        }
    }
    // The time the certificate must be valid at: a proven time when there
    // is one; else the evaluation date asked for; else the signer's claim.
    let sig_proof = r
        .timestamp
        .as_ref()
        .filter(|t| t.proves_time())
        .and_then(|t| t.time.as_deref())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    let doc_proof = timestamps::earliest_doc_proof(ctx.docs, end).map(|t| t.fixed_offset());
    let (at, basis) = match (sig_proof, doc_proof, ctx.at) {
        (Some(p), _, _) => (p, "timestamp"),
        (None, Some(p), _) => (p, "document timestamp"),
        (None, None, Some(a)) => (a, "--at date"),
        (None, None, None) => (
            m_time.unwrap_or_else(|| Utc::now().fixed_offset()),
            "claimed signing time",
        ),
    };
    r.signing_time = m_time.map(|t| t.to_rfc3339());
    r.validity_judged_at = Some(at.to_rfc3339());
    r.validity_basis = Some(basis.to_string());
    r.cert_valid_at_signing_time = crate::keys::certificate_valid_at(cert, at);
    if !r.cert_valid_at_signing_time {
        return Err(match basis {
            "claimed signing time" => format!(
                "the certificate was not valid at the signing time {}",
                at.to_rfc3339()
            ),
            "--at date" => format!(
                "the certificate was not valid on {} and no timestamp proves the signature existed earlier",
                at.to_rfc3339()
            ),
            b => format!(
                "the certificate was not valid at the time its {b} proves ({})",
                at.to_rfc3339()
            ),
        });
    }
    if !crate::keys::may_sign_documents(cert) {
        return Err("the certificate's key usage does not allow signing".into());
    }
    let mut pool = cms.certificates.clone();
    pool.extend_from_slice(ctx.dss_certs);
    r.trust = trust(cert, self_signed, at, &pool, &opts.trust);
    r.trusted = r.trust == Trust::Trusted;
    r.later_changes = changes::analyse(doc, end);
    // Revocation is judged at a proven time only; a signer's own claim
    // proves nothing, so without one it is judged at the evaluation time.
    let (rev_at, rev_basis) = match (basis, ctx.at) {
        ("timestamp" | "document timestamp", _) => (at, basis),
        (_, Some(a)) => (a, "--at date"),
        (_, None) => (Utc::now().fixed_offset(), "now"),
    };
    r.revocation = revocation::check(
        cert,
        &pool,
        &opts.trust,
        ctx.dss_crls,
        rev_at.with_timezone(&Utc),
        rev_basis,
    );
    if let Some(why) = r.revocation.as_ref().and_then(|v| v.invalidates()) {
        return Err(why);
    }
    Ok(())
}

/// The DSS's /VRI keys (upper-case hex SHA-1 of each signature's /Contents).
fn vri_keys(doc: &Pdf<'_>) -> Vec<String> {
    doc.catalog()
        .ok()
        .and_then(|c| c.get(b"DSS").and_then(|d| doc.resolve_dict(d).ok()))
        .and_then(|d| d.get(b"VRI").and_then(|v| doc.resolve_dict(v).ok()))
        .map(|v| {
            v.keys()
                .map(|k| String::from_utf8_lossy(k).to_ascii_uppercase())
                .collect()
        })
        .unwrap_or_default()
}

/// The two signed ranges and the hole, checked against the file and the
/// position of the `/Contents` string.
fn byte_range(bytes: &[u8], sig: &Dict) -> Result<([Range<usize>; 2], Range<usize>), String> {
    let br: Vec<i64> = sig
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .ok_or("no /ByteRange")?
        .iter()
        .map(|o| o.as_int().ok_or("non-integer in /ByteRange"))
        .collect::<Result<_, _>>()?;
    let [a, b, c, d] = br[..] else {
        return Err("/ByteRange must have exactly four numbers".into());
    };
    let us = |v: i64| usize::try_from(v).map_err(|_| "negative number in /ByteRange".to_string());
    let (a, b, c, d) = (us(a)?, us(b)?, us(c)?, us(d)?);
    if a != 0 {
        return Err("/ByteRange does not start at the beginning of the file".into());
    }
    let first_end = b;
    let second_end = c.checked_add(d).ok_or("/ByteRange overflows")?;
    if first_end > c {
        return Err("/ByteRange ranges overlap".into());
    }
    if second_end > bytes.len() {
        return Err("/ByteRange reaches beyond the end of the file".into());
    }
    let span = sig.span(b"Contents").ok_or("no /Contents")?;
    if span != (first_end..c) {
        return Err("the /ByteRange hole is not exactly the /Contents string".into());
    }
    if bytes.get(first_end) != Some(&b'<')
        || c.checked_sub(1).and_then(|i| bytes.get(i)) != Some(&b'>')
    {
        return Err("/Contents is not a hexadecimal string".into());
    }
    Ok(([0..first_end, c..second_end], first_end..c))
}

fn contents(sig: &Dict) -> Result<&[u8], String> {
    let c = sig
        .get(b"Contents")
        .and_then(Object::as_str)
        .ok_or("/Contents is not a string")?;
    if c.len() > MAX_CONTENTS {
        return Err(format!("/Contents is too large ({} bytes)", c.len()));
    }
    Ok(c)
}

fn check_cms(
    bytes: &[u8],
    ranges: &[Range<usize>; 2],
    cms: &ParsedCms,
    r: &mut SignatureReport,
) -> Result<(), String> {
    if cms.signer_info_count != 1 {
        return Err(format!(
            "expected one SignerInfo, found {}",
            cms.signer_info_count
        ));
    }
    let alg = cms
        .digest_alg
        .ok_or_else(|| format!("unsupported digest algorithm {}", cms.digest_alg_oid))?;
    r.digest_algorithm = Some(alg);
    if !cms.content_type_is_data {
        return Err("the content-type attribute is not id-data".into());
    }
    let expected = cms
        .message_digest
        .as_deref()
        .ok_or("no message-digest attribute")?;
    let actual = alg.digest(&[&bytes[ranges[0].clone()], &bytes[ranges[1].clone()]]);
    r.intact = actual == expected;
    if !r.intact {
        return Err("the signed bytes were modified (digest mismatch)".into());
    }
    Ok(())
}

fn check_crypto(
    cert: &Certificate,
    cms: &ParsedCms,
    r: &mut SignatureReport,
) -> Result<(), String> {
    let cert_der = cert.to_der().map_err(|e| e.to_string())?;
    if let Some(hashes) = &cms.signing_cert_hashes {
        let own = Sha256::digest(&cert_der).to_vec();
        if !hashes.is_empty() && !hashes.contains(&own) {
            return Err("signing-certificate-v2 does not name the signer's certificate".into());
        }
    }
    let spki = cert.tbs_certificate().subject_public_key_info();
    let alg = cms::verify_signature_with(
        spki,
        &cms.signature_alg,
        cms.digest_alg,
        &cms.signed_attrs_der,
        &cms.signature,
    )
    .map_err(|e| format!("signature check failed: {e}"))?;
    r.algorithm = Some(alg.to_string());
    r.signature_verified = true;
    Ok(())
}

fn name_attr(cert: &Certificate, oid: der::asn1::ObjectIdentifier) -> Option<String> {
    cert.tbs_certificate()
        .subject()
        .iter()
        .find(|a| a.oid == oid)
        .and_then(|a| std::str::from_utf8(a.value.value()).ok())
        .map(str::to_string)
}

fn is_self_signed(cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    tbs.subject() == tbs.issuer() && verifies_cert(cert, cert)
}

fn signer_report(cert: &Certificate, self_signed: bool) -> SignerReport {
    let tbs = cert.tbs_certificate();
    let der = cert.to_der().unwrap_or_default();
    let v = tbs.validity();
    SignerReport {
        name: name_attr(cert, db::rfc4519::CN),
        title: name_attr(cert, db::rfc4519::TITLE),
        organization: name_attr(cert, db::rfc4519::O),
        email: name_attr(cert, db::rfc3280::EMAIL_ADDRESS),
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial: hex::encode(tbs.serial_number().as_bytes()),
        cert_sha256: hex::encode(Sha256::digest(&der)),
        not_before: time_str(&v.not_before),
        not_after: time_str(&v.not_after),
        self_signed,
    }
}

fn to_chrono(t: &x509_cert::time::Time) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).ok()?;
    Utc.timestamp_opt(secs, 0).single()
}

fn time_str(t: &x509_cert::time::Time) -> String {
    to_chrono(t).map(|t| t.to_rfc3339()).unwrap_or_default()
}

/// Whether `issuer`'s key verifies `cert`'s signature.
fn verifies_cert(cert: &Certificate, issuer: &Certificate) -> bool {
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
fn trust(
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

fn is_ca(cert: &Certificate) -> bool {
    use x509_cert::ext::pkix::BasicConstraints;
    matches!(
        cert.tbs_certificate().get_extension::<BasicConstraints>(),
        Ok(Some((_, bc))) if bc.ca
    )
}

/// Whether a verified file can be relied on (archived, answered with a
/// letter): at least one
/// signature, every signature valid with nothing but signatures added after
/// it, the manifest matching (or absent), and with `require_trusted` every
/// signer trusted. `Err` lists the reasons.
pub fn judge(report: &VerifyReport, require_trusted: bool) -> Result<(), Vec<String>> {
    let mut reasons = Vec::new();
    if report.signatures.is_empty() {
        reasons.push("the file is not signed".to_string());
    }
    for s in &report.signatures {
        let who = s
            .signer
            .as_ref()
            .and_then(|p| p.name.clone())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        if !s.valid {
            let why = if s.problems.is_empty() {
                "no detail".to_string()
            } else {
                s.problems.join("; ")
            };
            reasons.push(format!("signature {}{who} is not valid: {why}", s.field));
            continue;
        }
        if !matches!(
            s.later_changes.kind,
            ChangeKind::None | ChangeKind::SignaturesOnly
        ) {
            reasons.push(format!(
                "signature {}{who}: {} after signing",
                s.field, s.later_changes.kind
            ));
        }
        if require_trusted && !s.trusted {
            reasons.push(format!("signature {}{who}: signer {}", s.field, s.trust));
        }
        if let Some(t) = s
            .timestamp
            .as_ref()
            .filter(|t| require_trusted && !t.trusted)
        {
            reasons.push(format!(
                "signature {}{who}: timestamp authority {}",
                s.field, t.trust
            ));
        }
        reasons.extend(
            s.problems
                .iter()
                .filter(|p| p.contains("no later document timestamp"))
                .map(|p| format!("signature {}{who}: {p}", s.field)),
        );
    }
    for d in report.document_timestamps.iter().filter(|d| !d.ok) {
        let mut why: Vec<String> = d.problems.clone();
        why.extend(d.timestamp.problems.iter().cloned());
        if why.is_empty() {
            why.push(d.later_changes.kind.to_string());
        }
        reasons.push(format!(
            "document timestamp {} is not valid: {}",
            d.field,
            why.join("; ")
        ));
    }
    reasons.extend(report.problems.iter().cloned());
    if !report.manifest.ok() {
        let mut m = format!("manifest: {:?}", report.manifest.status).to_lowercase();
        if !report.manifest.problems.is_empty() {
            m.push_str(": ");
            m.push_str(&report.manifest.problems.join("; "));
        }
        reasons.push(m);
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(reasons)
    }
}
