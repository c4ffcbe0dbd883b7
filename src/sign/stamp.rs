//! Timestamps on signed PDFs:
//! - a signature timestamp (PAdES B-T): an RFC 3161 token over the
//!   SignerInfo's signature value, added as the unsigned attribute
//!   signature-time-stamp after the CMS is built (`CmsPost`), so it works
//!   for whatever key type built the SignedData;
//! - a document timestamp (B-LTA): a `/DocTimeStamp` signature
//!   (`/SubFilter /ETSI.RFC3161`) whose `/Contents` is a token over the
//!   byte range, in a new invisible field of its own incremental update.
//!
//! The `/Contents` placeholder is sized from a probe token of the same TSA;
//! a token that still does not fit is refused (`SignError::TooLarge`), and
//! nothing is written.

use std::path::Path;

use super::{
    CmsPost, SigDictBody, SignError, SignOptions, add_invisible_field, fill_byte_range,
    fill_contents, sign_pdf_post,
};
use crate::cms::{self, DigestAlg};
use crate::intake::MAX_PLAN_PDF_BYTES;
use crate::keys::Signer;
use crate::pdfbytes::{Dict, Object, Pdf, Update, signature_fields};
use crate::timestamp::Tsa;

/// Room for the attribute's framing around the token and for a token a
/// little longer than the probe (serial numbers and times vary in length).
const SLACK: usize = 512;

/// The imprint algorithm of every token cip asks for: SHA-256 is what every
/// TSA and validator accepts.
const IMPRINT: DigestAlg = DigestAlg::Sha256;

/// Signs `pdf` (see `sign_pdf`) and adds a signature timestamp from `tsa`.
pub fn sign_pdf_timestamped(
    pdf: &[u8],
    fonts: &[crate::pdf::PageFont],
    signer: &Signer,
    opts: &SignOptions,
    tsa: &Tsa,
) -> Result<Vec<u8>, SignError> {
    let reserve = tsa.probe_len(IMPRINT)? + SLACK;
    let apply = |der: &[u8]| -> Result<Vec<u8>, SignError> {
        let parsed = cms::parse_signed_data(der)?;
        let token = tsa.stamp(IMPRINT, &[&parsed.signature])?;
        Ok(cms::add_unsigned_attribute(
            der,
            cms::ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
            &token.der,
        )?)
    };
    sign_pdf_post(
        pdf,
        fonts,
        signer,
        opts,
        Some(&CmsPost {
            reserve,
            apply: &apply,
        }),
    )
}

/// Appends a document timestamp (`/DocTimeStamp`, ETSI.RFC3161) covering
/// the whole of `pdf`.
pub fn add_doc_timestamp(pdf: &[u8], tsa: &Tsa) -> Result<Vec<u8>, SignError> {
    let doc = Pdf::parse(pdf)?;
    if doc.is_encrypted() {
        return Err(SignError::Encrypted);
    }
    let contents_len = tsa.probe_len(IMPRINT)? + SLACK;
    let mut upd = Update::new(&doc);
    let sig_ref = upd.alloc();
    let fields = signature_fields(&doc)?;
    add_invisible_field(&doc, &mut upd, &fields, sig_ref)?;
    let body = doc_timestamp_body(contents_len);
    upd.put_raw(sig_ref, body.bytes.clone());
    let written = upd.write();
    let obj_start = written
        .offsets
        .get(&sig_ref.num)
        .copied()
        .ok_or(SignError::Placeholder)?;
    let body_at = obj_start + format!("{} 0 obj\n", sig_ref.num).len();
    let mut out = written.bytes;
    let (hole_start, hole_end) = fill_byte_range(&mut out, body_at, &body)?;
    let token = tsa.stamp(IMPRINT, &[&out[..hole_start], &out[hole_end..]])?;
    fill_contents(&mut out, hole_start, &body, &token.der)?;
    Ok(out)
}

/// Adds a document timestamp to the file at `input`, writing `output`
/// atomically (`output` may be `input`: the update only appends).
pub fn add_doc_timestamp_file(input: &Path, output: &Path, tsa: &Tsa) -> Result<(), SignError> {
    let pdf =
        crate::model::files::read_bounded(input, MAX_PLAN_PDF_BYTES, "a PDF").map_err(|e| {
            SignError::Read {
                path: input.display().to_string(),
                source: e.into(),
            }
        })?;
    let stamped = add_doc_timestamp(&pdf, tsa)?;
    crate::atomic::write(output, &stamped).map_err(|source| SignError::Write {
        path: output.display().to_string(),
        source,
    })
}

/// The `/DocTimeStamp` dictionary with the same fixed-width placeholders as
/// a signature's (see `SigDictBody`).
fn doc_timestamp_body(contents_len: usize) -> SigDictBody {
    let mut d = Dict::new();
    d.set(b"Type", Object::name("DocTimeStamp"));
    d.set(b"Filter", Object::name("Adobe.PPKLite"));
    d.set(b"SubFilter", Object::name("ETSI.RFC3161"));
    SigDictBody::with_placeholders(d, contents_len)
}
