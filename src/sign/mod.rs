//! Signing: a PAdES B-B signature (`/SubFilter /ETSI.CAdES.detached`) added
//! to any PDF as an incremental update, so the original bytes and any earlier
//! signatures stay intact.
//!
//! The first unsigned signature field (the approving official's box on a
//! plan made by `cip render`) gets a visible appearance; with `--invisible`,
//! or when there is no such field, a new invisible field is added. Given a
//! fixed time the output is byte-identical run to run.

mod appearance;
mod ltv;
mod publish;
mod stamp;

pub use ltv::{DssSummary, ValidationData, add_dss, add_dss_file};
pub use publish::{Output, Publish, PublishError, publish};
pub use stamp::{add_doc_timestamp, add_doc_timestamp_file, sign_pdf_timestamped};

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};

use crate::cms::{self, CmsError};
use crate::intake::MAX_PLAN_PDF_BYTES;
use crate::keys::Signer;
use crate::pdf::PageFont;
use crate::pdfbytes::{
    Dict, ObjRef, Object, Pdf, PdfError, SigField, Update, signature_fields, text_string,
    write_object,
};

#[derive(Clone, Debug, Default)]
pub struct SignOptions {
    pub reason: Option<String>,
    pub location: Option<String>,
    /// Signing time written to `/M`; now when `None`.
    pub time: Option<DateTime<FixedOffset>>,
    /// Add a new invisible field even when an unsigned box exists.
    pub invisible: bool,
    /// Add a signature timestamp from this authority (PAdES B-T).
    pub tsa: Option<crate::timestamp::Tsa>,
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot read the PDF: {0}")]
    Pdf(#[from] PdfError),
    #[error("encrypted PDFs cannot be signed")]
    Encrypted,
    #[error("{0}")]
    Cms(#[from] CmsError),
    #[error("the signature does not fit its placeholder")]
    Placeholder,
    #[error(
        "the signature needs {needed} bytes but only {room} were reserved in /Contents (the timestamp authority's token grew); nothing was written"
    )]
    TooLarge { needed: usize, room: usize },
    #[error("{0}")]
    Timestamp(#[from] crate::timestamp::TimestampError),
    #[error("{0}")]
    Revocation(#[from] crate::timestamp::revocation::RevocationError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("the certificate is not valid at the signing time {0}")]
    CertificateNotValid(String),
    #[error("the output path is the input path; write the signed PDF to a new file")]
    SamePath,
}

/// Signs `pdf` and returns the signed file (original bytes + one update).
pub fn sign_pdf(pdf: &[u8], signer: &Signer, opts: &SignOptions) -> Result<Vec<u8>, SignError> {
    sign_written(pdf, &[], signer, opts)
}

/// [`sign_pdf`] for a document written in this run: the appearance draws
/// with the pages' regular face from `fonts` when it has every glyph.
pub fn sign_written(
    pdf: &[u8],
    fonts: &[PageFont],
    signer: &Signer,
    opts: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    match &opts.tsa {
        Some(tsa) => sign_pdf_timestamped(pdf, fonts, signer, opts, tsa),
        None => sign_pdf_post(pdf, fonts, signer, opts, None),
    }
}

/// A step applied to the finished CMS before it is written into
/// `/Contents`, with the room it may add: how a signature timestamp is
/// added after signing (see `stamp.rs`), whatever built the SignedData.
pub struct CmsPost<'a> {
    pub reserve: usize,
    pub apply: &'a CmsStep<'a>,
}

/// The CMS (DER) in, the CMS to write out.
pub type CmsStep<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, SignError> + 'a;

/// [`sign_pdf`] with a post-processing step over the CMS.
pub fn sign_pdf_post(
    pdf: &[u8],
    fonts: &[PageFont],
    signer: &Signer,
    opts: &SignOptions,
    post: Option<&CmsPost<'_>>,
) -> Result<Vec<u8>, SignError> {
    let doc = Pdf::parse(pdf)?;
    if doc.is_encrypted() {
        return Err(SignError::Encrypted);
    }
    let time = opts.time.unwrap_or_else(|| Utc::now().fixed_offset());
    // A signature its own certificate does not cover would never validate.
    if !crate::keys::certificate_valid_at(signer.certificate(), time) {
        return Err(SignError::CertificateNotValid(time.to_rfc3339()));
    }
    let mut upd = Update::new(&doc);
    let sig_ref = upd.alloc();
    let fields = signature_fields(&doc)?;
    let target = if opts.invisible {
        None
    } else {
        fields
            .iter()
            .find(|f| f.value.is_none() && f.widget.is_some())
    };
    match target {
        Some(field) => {
            let font = fonts.iter().find(|f| f.subset.face == appearance::FACE);
            fill_field(&doc, &mut upd, field, sig_ref, (signer, time), font)?
        }
        None => add_invisible_field(&doc, &mut upd, &fields, sig_ref)?,
    }
    let contents_len = cms::signed_data_len_bound(signer)? + 16 + post.map_or(0, |p| p.reserve);
    let body = SigDictBody::new(signer, opts, time, contents_len);
    upd.put_raw(sig_ref, body.bytes.clone());
    let written = upd.write();
    let obj_start = written
        .offsets
        .get(&sig_ref.num)
        .copied()
        .ok_or(SignError::Placeholder)?;
    let header = format!("{} 0 obj\n", sig_ref.num).len();
    finish(written.bytes, obj_start + header, &body, signer, post)
}

/// Signs the file at `input` into `output`, atomically.
pub fn sign_file(
    input: &Path,
    output: &Path,
    signer: &Signer,
    opts: &SignOptions,
) -> Result<(), SignError> {
    sign_file_ltv(input, output, signer, opts, None)
}

/// [`sign_file`], then with `ltv` a DSS added (PAdES B-LT, see
/// [`add_dss`]) before anything is written: a failed CRL fetch leaves no
/// file.
pub fn sign_file_ltv(
    input: &Path,
    output: &Path,
    signer: &Signer,
    opts: &SignOptions,
    ltv: Option<&ValidationData>,
) -> Result<(), SignError> {
    if crate::model::files::same_file(input, output) {
        return Err(SignError::SamePath);
    }
    let pdf =
        crate::model::files::read_bounded(input, MAX_PLAN_PDF_BYTES, "a PDF").map_err(|e| {
            SignError::Read {
                path: input.display().to_string(),
                source: e.into(),
            }
        })?;
    let mut signed = sign_pdf(&pdf, signer, opts)?;
    if let Some(data) = ltv {
        signed = add_dss(&signed, data)?.0;
    }
    // The project's one atomic writer: temp file in the same folder, fsync,
    // rename; nothing left behind on error.
    crate::atomic::write(output, &signed).map_err(|source| SignError::Write {
        path: output.display().to_string(),
        source,
    })
}

/// The signature dictionary with fixed-width placeholders for `/ByteRange`
/// and `/Contents`, and where they sit inside the body.
struct SigDictBody {
    bytes: Vec<u8>,
    byte_range_at: usize,
    byte_range_len: usize,
    contents_at: usize,
    contents_hex_len: usize,
}

const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

impl SigDictBody {
    fn new(
        signer: &Signer,
        opts: &SignOptions,
        time: DateTime<FixedOffset>,
        contents_len: usize,
    ) -> Self {
        let mut d = Dict::new();
        d.set(b"Type", Object::name("Sig"));
        d.set(b"Filter", Object::name("Adobe.PPKLite"));
        d.set(b"SubFilter", Object::name("ETSI.CAdES.detached"));
        d.set(
            b"M",
            Object::Str(crate::pdfbytes::date::format(time).into_bytes()),
        );
        if let Some(name) =
            crate::keys::subject_attr(signer.certificate(), const_oid::db::rfc4519::CN)
        {
            d.set(b"Name", text_string(&name));
        }
        if let Some(r) = &opts.reason {
            d.set(b"Reason", text_string(r));
        }
        if let Some(l) = &opts.location {
            d.set(b"Location", text_string(l));
        }
        Self::with_placeholders(d, contents_len)
    }

    /// `d` followed by the `/ByteRange` and `/Contents` placeholders.
    fn with_placeholders(d: Dict, contents_len: usize) -> Self {
        let mut bytes = Vec::new();
        write_object(&mut bytes, &Object::Dict(d));
        bytes.truncate(bytes.len() - 2);
        bytes.extend_from_slice(b"/ByteRange ");
        let byte_range_at = bytes.len();
        bytes.extend_from_slice(BYTE_RANGE_PLACEHOLDER.as_bytes());
        bytes.extend_from_slice(b"/Contents ");
        let contents_at = bytes.len();
        bytes.push(b'<');
        bytes.resize(bytes.len() + 2 * contents_len, b'0');
        bytes.push(b'>');
        bytes.extend_from_slice(b">>");
        SigDictBody {
            bytes,
            byte_range_at,
            byte_range_len: BYTE_RANGE_PLACEHOLDER.len(),
            contents_at,
            contents_hex_len: 2 * contents_len,
        }
    }
}

/// Fills in `/ByteRange`, hashes the covered bytes and writes the CMS.
fn finish(
    mut out: Vec<u8>,
    body_at: usize,
    body: &SigDictBody,
    signer: &Signer,
    post: Option<&CmsPost<'_>>,
) -> Result<Vec<u8>, SignError> {
    let (hole_start, hole_end) = fill_byte_range(&mut out, body_at, body)?;
    let digest = signer
        .digest_algorithm()
        .digest(&[&out[..hole_start], &out[hole_end..]]);
    let mut cms = cms::build_signed_data(signer, &digest)?;
    if let Some(p) = post {
        cms = (p.apply)(&cms)?;
    }
    fill_contents(&mut out, hole_start, body, &cms)?;
    Ok(out)
}

/// Writes the final `/ByteRange` into its placeholder; returns the hole
/// (the `/Contents` string, delimiters included).
fn fill_byte_range(
    out: &mut [u8],
    body_at: usize,
    body: &SigDictBody,
) -> Result<(usize, usize), SignError> {
    let hole_start = body_at + body.contents_at;
    let hole_end = hole_start + body.contents_hex_len + 2;
    let tail = out.len() - hole_end;
    let br = format!("[0 {hole_start} {hole_end} {tail}]");
    if br.len() > body.byte_range_len {
        return Err(SignError::Placeholder);
    }
    let br_at = body_at + body.byte_range_at;
    let mut padded = br.into_bytes();
    padded.resize(body.byte_range_len, b' ');
    out[br_at..br_at + body.byte_range_len].copy_from_slice(&padded);
    Ok((hole_start, hole_end))
}

/// Writes `der` as hex into the `/Contents` hole starting at `hole_start`.
fn fill_contents(
    out: &mut [u8],
    hole_start: usize,
    body: &SigDictBody,
    der: &[u8],
) -> Result<(), SignError> {
    let hex = hex::encode_upper(der);
    if hex.len() > body.contents_hex_len {
        return Err(SignError::TooLarge {
            needed: der.len(),
            room: body.contents_hex_len / 2,
        });
    }
    out[hole_start + 1..hole_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(())
}

fn fill_field(
    doc: &Pdf<'_>,
    upd: &mut Update<'_, '_>,
    field: &SigField,
    sig_ref: ObjRef,
    (signer, time): (&Signer, DateTime<FixedOffset>),
    font: Option<&PageFont>,
) -> Result<(), SignError> {
    let widget_ref = field.widget.unwrap_or(field.r);
    let mut widget = if widget_ref == field.r {
        field.dict.clone()
    } else {
        doc.resolve_dict(&Object::Ref(widget_ref))?
    };
    let rect = widget
        .get(b"Rect")
        .and_then(Object::as_array)
        .map(|a| a.iter().filter_map(Object::as_number).collect::<Vec<_>>())
        .unwrap_or_default();
    let (w, h) = match rect.as_slice() {
        [x1, y1, x2, y2] => ((x2 - x1).abs(), (y2 - y1).abs()),
        _ => (0.0, 0.0),
    };
    let ap = appearance::build(doc, upd, signer, time, (w, h), font);
    widget.set(b"AP", Object::Dict(ap));
    if widget_ref == field.r {
        widget.set(b"V", Object::Ref(sig_ref));
        upd.put(field.r, &Object::Dict(widget));
    } else {
        let mut f = field.dict.clone();
        f.set(b"V", Object::Ref(sig_ref));
        upd.put(field.r, &Object::Dict(f));
        upd.put(widget_ref, &Object::Dict(widget));
    }
    update_acroform(doc, upd, None)
}

fn add_invisible_field(
    doc: &Pdf<'_>,
    upd: &mut Update<'_, '_>,
    existing: &[SigField],
    sig_ref: ObjRef,
) -> Result<(), SignError> {
    let page = doc
        .pages()?
        .first()
        .copied()
        .ok_or_else(|| PdfError::Structure("the document has no pages".into()))?;
    let field_ref = upd.alloc();
    let name = (1..)
        .map(|i| format!("Signature{i}"))
        .find(|n| existing.iter().all(|f| f.name != *n))
        .unwrap_or_else(|| "Signature".into());
    let zero = || Object::Array(vec![Object::Int(0); 4]);
    let mut f = Dict::new();
    f.set(b"Type", Object::name("Annot"));
    f.set(b"Subtype", Object::name("Widget"));
    f.set(b"FT", Object::name("Sig"));
    f.set(b"T", text_string(&name));
    f.set(b"V", Object::Ref(sig_ref));
    f.set(b"Rect", zero());
    // Print + Locked, the usual flags of an invisible signature widget.
    f.set(b"F", Object::Int(132));
    f.set(b"P", Object::Ref(page));
    f.set(b"AP", Object::Dict(appearance::empty(upd)));
    upd.put(field_ref, &Object::Dict(f));
    add_annotation(doc, upd, page, field_ref)?;
    update_acroform(doc, upd, Some(field_ref))
}

fn add_annotation(
    doc: &Pdf<'_>,
    upd: &mut Update<'_, '_>,
    page: ObjRef,
    annot: ObjRef,
) -> Result<(), SignError> {
    let mut page_dict = doc.resolve_dict(&Object::Ref(page))?;
    if append_ref(doc, upd, &mut page_dict, b"Annots", annot)? {
        upd.put(page, &Object::Dict(page_dict));
    }
    Ok(())
}

/// Appends `item` to the array under `key` in `dict`. An indirect array is
/// rewritten in the update itself; a direct (or missing) one is changed in
/// `dict`, and then `true` says the caller must write `dict` back.
fn append_ref(
    doc: &Pdf<'_>,
    upd: &mut Update<'_, '_>,
    dict: &mut Dict,
    key: &[u8],
    item: ObjRef,
) -> Result<bool, SignError> {
    match dict.get(key).cloned() {
        Some(Object::Ref(arr_ref)) => {
            let mut arr = doc
                .resolve(&Object::Ref(arr_ref))?
                .as_array()
                .unwrap_or(&[])
                .to_vec();
            arr.push(Object::Ref(item));
            upd.put(arr_ref, &Object::Array(arr));
            Ok(false)
        }
        other => {
            let mut arr = other
                .and_then(|o| o.as_array().map(<[Object]>::to_vec))
                .unwrap_or_default();
            arr.push(Object::Ref(item));
            dict.set(key, Object::Array(arr));
            Ok(true)
        }
    }
}

/// Sets `/SigFlags 3` and, for a new field, appends it to `/Fields`,
/// creating the form when the document has none.
fn update_acroform(
    doc: &Pdf<'_>,
    upd: &mut Update<'_, '_>,
    new_field: Option<ObjRef>,
) -> Result<(), SignError> {
    let root = doc.root_ref()?;
    let mut catalog = doc.catalog()?;
    let (form_ref, mut form) = match catalog.get(b"AcroForm") {
        Some(Object::Ref(r)) => (Some(*r), doc.resolve_dict(&Object::Ref(*r))?),
        Some(Object::Dict(d)) => (None, d.clone()),
        _ => (None, Dict::new()),
    };
    if let Some(field) = new_field {
        // The form dictionary is written back below in any case.
        append_ref(doc, upd, &mut form, b"Fields", field)?;
    }
    if form.get(b"Fields").is_none() {
        form.set(b"Fields", Object::Array(Vec::new()));
    }
    form.set(b"SigFlags", Object::Int(3));
    match form_ref {
        Some(r) => upd.put(r, &Object::Dict(form)),
        None => {
            catalog.set(b"AcroForm", Object::Dict(form));
            upd.put(root, &Object::Dict(catalog));
        }
    }
    Ok(())
}
