//! The visible signature's appearance stream: "Digitally signed by NAME,
//! TITLE", the signing date and the certificate's short SHA-256 fingerprint,
//! set in the embedded DejaVu Serif and scaled to fit the field's box.

use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset};
use der::asn1::ObjectIdentifier;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use super::font;
use crate::cms::oids;
use crate::keys::Signer;
use crate::pdfbytes::{Dict, Object, Update, write_object};

pub const CN: ObjectIdentifier = oids::AT_COMMON_NAME;

/// A subject attribute as text (UTF8String, PrintableString, ...).
pub fn subject_field(cert: &Certificate, oid: ObjectIdentifier) -> Option<String> {
    cert.tbs_certificate()
        .subject()
        .iter()
        .find(|atv| atv.oid == oid)
        .and_then(|atv| std::str::from_utf8(atv.value.value()).ok())
        .map(str::to_string)
}

/// Short fingerprint for display: the first 8 bytes of the SHA-256, grouped.
pub fn short_fingerprint(cert_der: &[u8]) -> String {
    let h = hex::encode_upper(Sha256::digest(cert_der));
    format!("{} {} {} {}", &h[0..4], &h[4..8], &h[8..12], &h[12..16])
}

/// The text in one or two layouts: "Digitally signed by NAME, TITLE" on one
/// line, or broken after the name when that fits a larger type size.
fn layouts(signer: &Signer, time: DateTime<FixedOffset>) -> Vec<Vec<String>> {
    let cert = signer.certificate();
    let name = subject_field(cert, CN).unwrap_or_else(|| "unknown signer".into());
    let title = subject_field(cert, oids::AT_TITLE).filter(|t| !t.is_empty());
    let der = signer.chain_der().first().map_or(&[][..], Vec::as_slice);
    let tail = [
        format!("Date: {}", time.format("%Y-%m-%d %H:%M:%S %:z")),
        format!("Certificate SHA-256: {}", short_fingerprint(der)),
    ];
    let with = |head: Vec<String>| head.into_iter().chain(tail.iter().cloned()).collect();
    match title {
        Some(t) => vec![
            with(vec![format!("Digitally signed by {name}, {t}")]),
            with(vec![format!("Digitally signed by {name},"), t]),
        ],
        None => vec![with(vec![format!("Digitally signed by {name}")])],
    }
}

/// The largest type size (at most 10 pt) at which `text` fits `w` x `h`.
fn fit(metrics: &font::Metrics, text: &[Vec<u8>], w: f64, h: f64, pad: f64) -> f64 {
    let widest = text.iter().map(|l| metrics.width(l)).fold(0.0, f64::max);
    let n = text.len() as f64;
    10.0f64
        .min((h - 2.0 * pad) / (n * 1.25))
        .min((w - 2.0 * pad) / widest.max(1.0))
        .max(1.0)
}

/// Adds the appearance stream and its font; returns the widget's `/AP`.
pub fn build(
    upd: &mut Update<'_, '_>,
    signer: &Signer,
    time: DateTime<FixedOffset>,
    w: f64,
    h: f64,
) -> Dict {
    if w < 1.0 || h < 1.0 {
        return empty(upd);
    }
    let metrics = font::Metrics::new();
    let pad = (h.min(w) * 0.08).min(4.0);
    let (size, text) = layouts(signer, time)
        .into_iter()
        .map(|l| l.iter().map(|s| font::encode(s)).collect::<Vec<_>>())
        .map(|t| (fit(&metrics, &t, w, h, pad), t))
        .fold((0.0, Vec::new()), |best, c| {
            if c.0 > best.0 + 0.01 { c } else { best }
        });
    let codes: BTreeSet<u8> = text.iter().flatten().copied().collect();
    let Some(subset) = font::subset(&codes) else {
        return empty(upd);
    };
    let n = text.len() as f64;
    let lead = size * 1.25;
    let block = lead * (n - 1.0) + size;
    let top = (h + block) / 2.0 - size * 0.8;
    let mut content = Vec::new();
    content.extend_from_slice(b"q\nBT\n0.05 0.1 0.35 rg\n");
    content.extend_from_slice(
        format!("/F1 {size:.2} Tf\n{lead:.2} TL\n{pad:.2} {top:.2} Td\n").as_bytes(),
    );
    for (i, line) in text.iter().enumerate() {
        if i > 0 {
            content.extend_from_slice(b"T* ");
        }
        write_object(&mut content, &Object::Str(line.clone()));
        content.extend_from_slice(b" Tj\n");
    }
    content.extend_from_slice(b"ET\nQ\n");
    let font_ref = add_font(upd, &subset);
    let mut fonts = Dict::new();
    fonts.set(b"F1", Object::Ref(font_ref));
    let mut res = Dict::new();
    res.set(b"Font", Object::Dict(fonts));
    let ap_ref = upd.alloc();
    let mut d = form_dict(w, h);
    d.set(b"Resources", Object::Dict(res));
    upd.put_stream(ap_ref, d, &content);
    let mut ap = Dict::new();
    ap.set(b"N", Object::Ref(ap_ref));
    ap
}

/// An empty appearance, which invisible signature widgets carry.
pub fn empty(upd: &mut Update<'_, '_>) -> Dict {
    let r = upd.alloc();
    upd.put_stream(r, form_dict(0.0, 0.0), b"");
    let mut ap = Dict::new();
    ap.set(b"N", Object::Ref(r));
    ap
}

fn form_dict(w: f64, h: f64) -> Dict {
    let mut d = Dict::new();
    d.set(b"Type", Object::name("XObject"));
    d.set(b"Subtype", Object::name("Form"));
    d.set(
        b"BBox",
        Object::Array(vec![
            Object::Int(0),
            Object::Int(0),
            Object::Real(w),
            Object::Real(h),
        ]),
    );
    d
}

fn add_font(upd: &mut Update<'_, '_>, s: &font::Subset) -> crate::pdfbytes::ObjRef {
    let file_ref = upd.alloc();
    let mut fd = Dict::new();
    fd.set(b"Length1", Object::Int(s.program.len() as i64));
    fd.set(b"Filter", Object::name("FlateDecode"));
    upd.put_stream(
        file_ref,
        fd,
        &miniz_oxide::deflate::compress_to_vec_zlib(&s.program, 6),
    );

    let desc_ref = upd.alloc();
    let mut desc = Dict::new();
    desc.set(b"Type", Object::name("FontDescriptor"));
    desc.set(b"FontName", Object::Name(s.base_font.clone().into_bytes()));
    // Nonsymbolic + serif: glyphs are found through the font's Unicode cmap.
    desc.set(b"Flags", Object::Int(32 | 2));
    desc.set(
        b"FontBBox",
        Object::Array(s.bbox.iter().map(|&v| Object::Int(v)).collect()),
    );
    desc.set(b"ItalicAngle", Object::Int(0));
    desc.set(b"Ascent", Object::Int(s.ascent));
    desc.set(b"Descent", Object::Int(s.descent));
    desc.set(b"CapHeight", Object::Int(s.cap_height));
    desc.set(b"StemV", Object::Int(80));
    desc.set(b"FontFile2", Object::Ref(file_ref));
    upd.put(desc_ref, &Object::Dict(desc));

    let font_ref = upd.alloc();
    let mut f = Dict::new();
    f.set(b"Type", Object::name("Font"));
    f.set(b"Subtype", Object::name("TrueType"));
    f.set(b"BaseFont", Object::Name(s.base_font.clone().into_bytes()));
    f.set(b"FirstChar", Object::Int(i64::from(s.first_char)));
    f.set(b"LastChar", Object::Int(i64::from(s.last_char)));
    f.set(
        b"Widths",
        Object::Array(s.widths.iter().map(|&v| Object::Int(v)).collect()),
    );
    f.set(b"Encoding", Object::name("WinAnsiEncoding"));
    f.set(b"FontDescriptor", Object::Ref(desc_ref));
    upd.put(font_ref, &Object::Dict(f));
    font_ref
}
