//! The visible signature's appearance stream: "Digitally signed by NAME,
//! TITLE", the signing date and the certificate's short SHA-256 fingerprint,
//! set in DejaVu Serif and scaled to fit the field's box. The font goes
//! through the same subset path as the pages ([`crate::pdf::FontSubset`]),
//! so a name in any script the font covers shows as written.

use const_oid::db;
use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset};
use sha2::{Digest, Sha256};

use crate::fonts::FontFace;
use crate::keys::{self, Signer};
use crate::pdf::{Deflater, FontSubset, PageFont};
use crate::pdfbytes::{Dict, ObjRef, Object, Pdf, Update};

pub(crate) const FACE: FontFace = FontFace::Regular;

/// Short fingerprint for display: the first 8 bytes of the SHA-256, grouped.
pub fn short_fingerprint(cert_der: &[u8]) -> String {
    let h = hex::encode_upper(Sha256::digest(cert_der));
    format!("{} {} {} {}", &h[0..4], &h[4..8], &h[8..12], &h[12..16])
}

/// The text in one or two layouts: "Digitally signed by NAME, TITLE" on one
/// line, or broken after the name when that fits a larger type size.
fn layouts(signer: &Signer, time: DateTime<FixedOffset>) -> Vec<Vec<String>> {
    let cert = signer.certificate();
    let name = keys::subject_attr(cert, db::rfc4519::CN).unwrap_or_else(|| "unknown signer".into());
    let title = keys::subject_attr(cert, db::rfc4519::TITLE).filter(|t| !t.is_empty());
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

/// Every character an appearance for `signer` can show, whatever the
/// signing time and box: a document made to be signed by `signer` carries
/// them in its regular face ([`crate::documents::Document::reserved`]).
pub fn characters(signer: &Signer) -> BTreeSet<char> {
    let epoch = DateTime::<chrono::Utc>::UNIX_EPOCH.fixed_offset();
    layouts(signer, epoch)
        .iter()
        .flatten()
        .flat_map(|l| l.chars())
        .chain("0123456789+-:".chars())
        .collect()
}

/// The page font to draw with, when it is the one the pages use (its
/// object still names the subset made in this run) and has every glyph.
fn page_font<'f>(
    doc: &Pdf<'_>,
    font: Option<&'f PageFont>,
    chars: &BTreeSet<char>,
) -> Option<&'f PageFont> {
    let f = font.filter(|f| f.subset.face == FACE)?;
    if !chars
        .iter()
        .all(|c| f.subset.gids.get(c).is_some_and(|g| *g != 0))
    {
        return None;
    }
    let r = ObjRef {
        num: f.object,
        generation: 0,
    };
    let dict = doc.resolve_dict(&Object::Ref(r)).ok()?;
    let base = dict.get(b"BaseFont").and_then(Object::as_name)?;
    (base == f.subset.base_font.as_bytes()).then_some(f)
}

/// The largest type size (at most 10 pt) at which `text` fits `w` x `h`.
fn fit(text: &[String], w: f64, h: f64, pad: f64) -> f64 {
    let m = FACE.metrics();
    let widest = text
        .iter()
        .map(|l| f64::from(m.text_width(l, 1.0)))
        .fold(0.0, f64::max);
    let n = text.len() as f64;
    10.0f64
        .min((h - 2.0 * pad) / (n * 1.25))
        .min((w - 2.0 * pad) / widest.max(0.001))
        .max(1.0)
}

/// Adds the appearance stream and, unless `font` (the pages' regular face,
/// made in this run) has every glyph, its own font; returns the widget's
/// `/AP`.
pub fn build(
    doc: &Pdf<'_>,
    upd: &mut Update<'_, '_>,
    signer: &Signer,
    time: DateTime<FixedOffset>,
    (w, h): (f64, f64),
    font: Option<&PageFont>,
) -> Dict {
    if w < 1.0 || h < 1.0 {
        return empty(upd);
    }
    let pad = (h.min(w) * 0.08).min(4.0);
    let (size, text) = layouts(signer, time)
        .into_iter()
        .map(|t| (fit(&t, w, h, pad), t))
        .fold((0.0, Vec::new()), |best, c| {
            if c.0 > best.0 + 0.01 { c } else { best }
        });
    let chars: BTreeSet<char> = text.iter().flat_map(|l| l.chars()).collect();
    let own;
    let (subset, font_ref) = match page_font(doc, font, &chars) {
        Some(f) => (
            f.subset.as_ref(),
            ObjRef {
                num: f.object,
                generation: 0,
            },
        ),
        None => {
            // Subsetting the bundled face fails only with a broken build; an
            // empty appearance still leaves a valid (invisible-looking)
            // signature.
            let Ok(subset) = FontSubset::new(FACE, &chars) else {
                return empty(upd);
            };
            own = subset;
            (&own, add_font(upd, &own))
        }
    };
    let n = text.len() as f64;
    let lead = size * 1.25;
    let block = lead * (n - 1.0) + size;
    let top = (h + block) / 2.0 - size * 0.8;
    let mut content =
        format!("q\nBT\n0.05 0.1 0.35 rg\n/F1 {size:.2} Tf\n{lead:.2} TL\n{pad:.2} {top:.2} Td\n")
            .into_bytes();
    for (i, line) in text.iter().enumerate() {
        if i > 0 {
            content.extend_from_slice(b"T* ");
        }
        subset.show(line, &mut content);
        content.extend_from_slice(b" Tj\n");
    }
    content.extend_from_slice(b"ET\nQ\n");
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

/// The subset as a Type0 font in the update, the same objects the pages'
/// fonts are (see `pdf::embed_font`).
fn add_font(upd: &mut Update<'_, '_>, f: &FontSubset) -> ObjRef {
    let mut z = Deflater::new();
    let name = || Object::Name(f.base_font.clone().into_bytes());
    let int = Object::Int;
    let file_ref = upd.alloc();
    let mut fd = Dict::new();
    fd.set(b"Length1", int(f.program.len() as i64));
    put_packed(&mut z, upd, file_ref, fd, &f.program);

    let d = f.descriptor();
    let desc_ref = upd.alloc();
    let mut desc = Dict::new();
    desc.set(b"Type", Object::name("FontDescriptor"));
    desc.set(b"FontName", name());
    desc.set(b"Flags", int(d.flags));
    desc.set(
        b"FontBBox",
        Object::Array(d.bbox.iter().map(|&v| int(v)).collect()),
    );
    desc.set(b"ItalicAngle", Object::Real(f64::from(d.italic_angle)));
    desc.set(b"Ascent", int(d.ascent));
    desc.set(b"Descent", int(d.descent));
    desc.set(b"CapHeight", int(d.cap_height));
    desc.set(b"StemV", int(d.stem_v));
    desc.set(b"FontFile2", Object::Ref(file_ref));
    upd.put(desc_ref, &Object::Dict(desc));

    let mut w = Vec::new();
    for (first, widths) in f.width_runs() {
        w.push(int(i64::from(first)));
        w.push(Object::Array(widths.into_iter().map(int).collect()));
    }
    let mut info = Dict::new();
    info.set(b"Registry", Object::Str(b"Adobe".to_vec()));
    info.set(b"Ordering", Object::Str(b"Identity".to_vec()));
    info.set(b"Supplement", int(0));
    let cid_ref = upd.alloc();
    let mut cid = Dict::new();
    cid.set(b"Type", Object::name("Font"));
    cid.set(b"Subtype", Object::name("CIDFontType2"));
    cid.set(b"BaseFont", name());
    cid.set(b"CIDSystemInfo", Object::Dict(info.clone()));
    cid.set(b"FontDescriptor", Object::Ref(desc_ref));
    cid.set(b"DW", int(1000));
    cid.set(b"W", Object::Array(w));
    cid.set(b"CIDToGIDMap", Object::name("Identity"));
    upd.put(cid_ref, &Object::Dict(cid));

    let cmap_ref = upd.alloc();
    put_packed(
        &mut z,
        upd,
        cmap_ref,
        Dict::new(),
        f.to_unicode().as_bytes(),
    );

    // One-byte text needs its encoding CMap, as in `pdf::embed_font`.
    let encoding = if f.one_byte() {
        let r = upd.alloc();
        let mut d = Dict::new();
        d.set(b"Type", Object::name("CMap"));
        d.set(b"CMapName", Object::name(crate::pdf::ONE_BYTE_CMAP_NAME));
        d.set(b"CIDSystemInfo", Object::Dict(info));
        d.set(b"WMode", int(0));
        put_packed(&mut z, upd, r, d, crate::pdf::ONE_BYTE_CMAP.as_bytes());
        Object::Ref(r)
    } else {
        Object::name("Identity-H")
    };
    let font_ref = upd.alloc();
    let mut t0 = Dict::new();
    t0.set(b"Type", Object::name("Font"));
    t0.set(b"Subtype", Object::name("Type0"));
    t0.set(b"BaseFont", name());
    t0.set(b"Encoding", encoding);
    t0.set(
        b"DescendantFonts",
        Object::Array(vec![Object::Ref(cid_ref)]),
    );
    t0.set(b"ToUnicode", Object::Ref(cmap_ref));
    upd.put(font_ref, &Object::Dict(t0));
    font_ref
}

/// Puts `data` as a stream of `d`, compressed with the pages' deflate (or,
/// should that fail, as it is).
fn put_packed(z: &mut Deflater, upd: &mut Update<'_, '_>, r: ObjRef, mut d: Dict, data: &[u8]) {
    match z.deflate(data) {
        Ok(packed) => {
            d.set(b"Filter", Object::name("FlateDecode"));
            upd.put_stream(r, d, &packed);
        }
        Err(_) => upd.put_stream(r, d, data),
    }
}
