//! Verification: every signature of a PDF (any PDF, ours or not) and the
//! embedded manifest of a plan.
//!
//! For each signature: the byte range must cover its whole revision except
//! exactly the `/Contents` hole; the CMS message digest must equal the digest
//! of those bytes; the CMS signature must verify with the signer's
//! certificate, valid at the signing time; trust comes from `--trust`
//! certificates; and later revisions are judged by what they change.
//! Nothing here panics on hostile input: problems become report entries.

mod byte_range;
mod certificates;
mod changes;
mod judge;
mod manifest;
mod report;
mod revocation;
mod timestamps;

pub use changes::{ChangeKind, LaterChanges};
pub use judge::judge;
pub use manifest::{DocumentCheck, FileCheck, ManifestReport, ManifestStatus};
pub use report::{SignatureReport, SignerReport, Trust, VerifyError, VerifyOptions, VerifyReport};
pub use revocation::{RevocationReport, RevocationStatus};
pub use timestamps::{DocTimestampReport, DssReport, LongTermOptions, TimestampReport};

use const_oid::db;
use std::ops::Range;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, Utc};
use der::Encode;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use byte_range::{byte_range, contents};
use certificates::{is_self_signed, signer_report, time_str, trust};

use crate::cms::{self, DigestAlg, ParsedCms};
use crate::pdfbytes::{Dict, Object, Pdf, PdfError, SigField, XrefEntry, decode_text};

/// A `/Contents` larger than this is refused outright.
pub const MAX_CONTENTS: usize = 1 << 20;

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
    let signed_plan_toml = files.as_ref().ok().and_then(|f| {
        f.iter()
            .find(|(n, _)| n == crate::manifest::PLAN_FILE)
            .map(|(_, b)| b.clone())
    });
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
        signed_plan_toml,
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
