//! Document-level parts of the PDF: Info and XMP metadata (PDF/A-3B
//! identification), the sRGB output intent, attachments as associated
//! files, unsigned signature fields, stream compression and the `/ID`.
//!
//! Every value comes from the [`Document`] alone — the date is the
//! caller's, and the `/ID` is a hash of the bytes written — so that the
//! same document always gives the same file.

use std::sync::OnceLock;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::objects::Objects;
use super::{WriteError, icc, real};
use crate::documents::{Attachment, DocInfo, Document, Relationship};
use crate::layout::Laid;
use crate::pdfbytes::{self, Dict, NewObject, ObjRef, Object, text_string};

/// `/Producer`, also in the XMP.
pub const PRODUCER: &str = concat!("cip ", env!("CARGO_PKG_VERSION"));

/// Raw bytes of the `/ID` placeholder; replaced after hashing the file.
const ID_PLACEHOLDER: [u8; 16] = [0xC1; 16];

pub fn finish(
    mut objects: Objects,
    z: &mut Deflater,
    doc: &Document,
    laid: &Laid,
    catalog_id: ObjRef,
    pages: &[ObjRef],
) -> Result<Vec<u8>, WriteError> {
    let info_id = objects.dict(info_dict(&doc.info));

    let xmp_id = objects.stream(
        Dict::from_iter([
            ("Type", Object::name("Metadata")),
            ("Subtype", Object::name("XML")),
        ]),
        xmp(&doc.info).into_bytes(),
    );
    // PDF/A readers must be able to find the XMP without a decoder.
    objects.uncompressed.insert(xmp_id.num);

    static ICC: OnceLock<Vec<u8>> = OnceLock::new();
    let icc = Dict::from_iter([("N", Object::Int(3))]);
    let icc_id = stream_once(&mut objects, &ICC, icc, &icc::srgb(), z)?;
    let intent = Dict::from_iter([
        ("Type", Object::name("OutputIntent")),
        ("S", Object::name("GTS_PDFA1")),
        (
            "OutputConditionIdentifier",
            text_string("sRGB IEC61966-2.1"),
        ),
        ("RegistryName", text_string("http://www.color.org")),
        ("Info", text_string("sRGB IEC61966-2.1")),
        ("DestOutputProfile", Object::Ref(icc_id)),
    ]);

    let files = attachments(&mut objects, &doc.attachments, doc.info.date)?;
    let fields = signature_fields(&mut objects, pages, laid)?;

    let catalog = objects.dict_mut(catalog_id)?;
    catalog.set(b"Metadata", Object::Ref(xmp_id));
    catalog.set(b"OutputIntents", Object::Array(vec![Object::Dict(intent)]));
    catalog.set(
        b"ViewerPreferences",
        Object::Dict(Dict::from_iter([("DisplayDocTitle", Object::Bool(true))])),
    );
    if !files.is_empty() {
        let mut names = Vec::new();
        for (name, id) in &files {
            names.push(text_string(name));
            names.push(Object::Ref(*id));
        }
        catalog.set(
            b"Names",
            Object::Dict(Dict::from_iter([(
                "EmbeddedFiles",
                Object::Dict(Dict::from_iter([("Names", Object::Array(names))])),
            )])),
        );
        catalog.set(
            b"AF",
            Object::Array(files.iter().map(|(_, id)| Object::Ref(*id)).collect()),
        );
    }
    if !fields.is_empty() {
        // An indirect form dictionary: the signer then rewrites this small
        // object (for /SigFlags) instead of the whole catalog, 450 bytes
        // less in every signature's update.
        let form = objects.dict(Dict::from_iter([(
            "Fields",
            Object::Array(fields.into_iter().map(Object::Ref).collect()),
        )]));
        objects
            .dict_mut(catalog_id)?
            .set(b"AcroForm", Object::Ref(form));
    }

    compress(&mut objects, z)?;
    let id = Object::Str(ID_PLACEHOLDER.to_vec());
    let trailer = Dict::from_iter([
        ("Root", Object::Ref(catalog_id)),
        ("Info", Object::Ref(info_id)),
        ("ID", Object::Array(vec![id.clone(), id])),
    ]);
    let mut out = pdfbytes::write_new("1.7", objects.map, trailer, |d| z.deflate(d))?;
    patch_id(&mut out)?;
    Ok(out)
}

fn pdf_date(d: NaiveDateTime) -> Object {
    Object::Str(pdfbytes::date::format(d.and_utc().fixed_offset()).into_bytes())
}

/// Info entries; empty ones are left out (here and in the XMP alike, since
/// PDF/A requires the two to agree).
fn info_dict(info: &DocInfo) -> Dict {
    let keywords = info.keywords.join(", ");
    let mut d = Dict::new();
    for (key, value) in [
        ("Title", info.title.as_str()),
        ("Author", &info.author),
        ("Subject", &info.subject),
        ("Keywords", &keywords),
        ("Creator", &info.creator),
        ("Producer", PRODUCER),
    ] {
        if !value.is_empty() {
            d.set(key.as_bytes(), text_string(value));
        }
    }
    d.set(b"CreationDate", pdf_date(info.date));
    d.set(b"ModDate", pdf_date(info.date));
    d
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML 1.0 forbids most control characters outright.
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn xmp(info: &DocInfo) -> String {
    let date = info.date.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let e = xml_escape;
    let mut props = String::from("<dc:format>application/pdf</dc:format>\n");
    let mut add = |value: &str, open: &str, close: &str| {
        if !value.is_empty() {
            props.push_str(open);
            props.push_str(&e(value));
            props.push_str(close);
            props.push('\n');
        }
    };
    add(
        &info.title,
        "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">",
        "</rdf:li></rdf:Alt></dc:title>",
    );
    add(
        &info.author,
        "<dc:creator><rdf:Seq><rdf:li>",
        "</rdf:li></rdf:Seq></dc:creator>",
    );
    add(
        &info.subject,
        "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">",
        "</rdf:li></rdf:Alt></dc:description>",
    );
    add(
        &info.keywords.join(", "),
        "<pdf:Keywords>",
        "</pdf:Keywords>",
    );
    add(PRODUCER, "<pdf:Producer>", "</pdf:Producer>");
    add(&info.creator, "<xmp:CreatorTool>", "</xmp:CreatorTool>");
    add(&date, "<xmp:CreateDate>", "</xmp:CreateDate>");
    add(&date, "<xmp:ModifyDate>", "</xmp:ModifyDate>");
    add(&date, "<xmp:MetadataDate>", "</xmp:MetadataDate>");
    format!(
        "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\"\n\
 xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
 xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n\
 xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n\
 xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n\
{props}\
<pdfaid:part>3</pdfaid:part>\n\
<pdfaid:conformance>B</pdfaid:conformance>\n\
</rdf:Description>\n\
</rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>"
    )
}

fn relationship(r: Relationship) -> &'static [u8] {
    match r {
        Relationship::Source => b"Source",
        Relationship::Data => b"Data",
        Relationship::Supplement => b"Supplement",
        Relationship::Alternative => b"Alternative",
        Relationship::Unspecified => b"Unspecified",
    }
}

/// Embedded file streams and their file specifications, sorted by name
/// (the order a name tree requires).
fn attachments(
    objects: &mut Objects,
    list: &[Attachment],
    date: NaiveDateTime,
) -> Result<Vec<(String, ObjRef)>, WriteError> {
    let mut sorted: Vec<&Attachment> = list.iter().collect();
    sorted.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    for pair in sorted.windows(2) {
        if pair[0].name == pair[1].name {
            return Err(WriteError::DuplicateAttachment(pair[0].name.clone()));
        }
    }
    let mut out = Vec::new();
    for a in sorted {
        if a.name.is_empty() {
            return Err(WriteError::EmptyAttachmentName);
        }
        let mime = if a.mime.is_empty() {
            "application/octet-stream"
        } else {
            &a.mime
        };
        let file_id = objects.stream(
            Dict::from_iter([
                ("Type", Object::name("EmbeddedFile")),
                ("Subtype", Object::name(mime)),
                (
                    "Params",
                    Object::Dict(Dict::from_iter([
                        ("Size", Object::Int(a.bytes.len() as i64)),
                        ("ModDate", pdf_date(date)),
                    ])),
                ),
            ]),
            a.bytes.clone(),
        );
        // /F is the legacy byte-string name: keep it to printable ASCII.
        let ascii: String = a
            .name
            .chars()
            .map(|c| if (' '..='~').contains(&c) { c } else { '_' })
            .collect();
        let spec = Dict::from_iter([
            ("Type", Object::name("Filespec")),
            ("F", Object::Str(ascii.into_bytes())),
            ("UF", text_string(&a.name)),
            ("Desc", text_string(&a.description)),
            (
                "AFRelationship",
                Object::Name(relationship(a.relationship).to_vec()),
            ),
            (
                "EF",
                Object::Dict(Dict::from_iter([
                    ("F", Object::Ref(file_id)),
                    ("UF", Object::Ref(file_id)),
                ])),
            ),
        ]);
        out.push((a.name.clone(), objects.dict(spec)));
    }
    Ok(out)
}

/// Unsigned signature fields (merged field/widget dictionaries), each with
/// an empty appearance so that PDF/A checkers are content.
fn signature_fields(
    objects: &mut Objects,
    pages: &[ObjRef],
    laid: &Laid,
) -> Result<Vec<ObjRef>, WriteError> {
    let mut ids = Vec::new();
    for f in &laid.signature_fields {
        let Some(&page_id) = pages.get(f.page_index) else {
            return Err(WriteError::Structure(format!(
                "signature field {:?} is on page {} of {}",
                f.name,
                f.page_index + 1,
                pages.len()
            )));
        };
        let r = &f.rect;
        let ap = objects.stream(
            Dict::from_iter([
                ("Type", Object::name("XObject")),
                ("Subtype", Object::name("Form")),
                (
                    "BBox",
                    Object::Array(vec![Object::Int(0), Object::Int(0), real(r.w), real(r.h)]),
                ),
                ("Resources", Object::Dict(Dict::new())),
            ]),
            Vec::new(),
        );
        let widget = Dict::from_iter([
            ("Type", Object::name("Annot")),
            ("Subtype", Object::name("Widget")),
            ("FT", Object::name("Sig")),
            ("T", text_string(&f.name)),
            (
                "Rect",
                Object::Array(vec![real(r.x), real(r.y), real(r.right()), real(r.top())]),
            ),
            ("P", Object::Ref(page_id)),
            ("F", Object::Int(4)),
            (
                "AP",
                Object::Dict(Dict::from_iter([("N", Object::Ref(ap))])),
            ),
        ]);
        let id = objects.dict(widget);
        let page = objects.dict_mut(page_id)?;
        let mut annots = match page.get(b"Annots") {
            Some(Object::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        annots.push(Object::Ref(id));
        page.set(b"Annots", Object::Array(annots));
        ids.push(id);
    }
    Ok(ids)
}

/// Flate-compress every stream that is not compressed yet (except the XMP),
/// at level 6: lower levels cost kilobytes (level 1: +7 KB on the signed
/// sample), higher ones time for a fraction of a percent.
fn compress(objects: &mut Objects, z: &mut Deflater) -> Result<(), WriteError> {
    for (num, obj) in &mut objects.map {
        let NewObject::Stream(dict, data) = obj else {
            continue;
        };
        if objects.uncompressed.contains(num) || dict.get(b"Filter").is_some() || data.len() < 64 {
            continue;
        }
        let packed = z.deflate(data)?;
        if worth_packing(data, &packed) {
            dict.set(b"Filter", Object::name("FlateDecode"));
            *data = packed;
        }
    }
    Ok(())
}

/// Whether a stream is stored deflated: not when short (a few bytes more
/// for `/Filter` and the zlib frame), nor when deflate saves too little.
fn worth_packing(raw: &[u8], packed: &[u8]) -> bool {
    raw.len() >= 64 && packed.len() + 20 < raw.len()
}

/// A stream given both raw and deflated, written as [`compress`] would
/// leave it (same test, same keys in the same order), for streams whose
/// deflated form is made once and reused.
pub(super) fn stream_packed(
    objects: &mut Objects,
    mut dict: Dict,
    raw: &[u8],
    packed: &[u8],
) -> ObjRef {
    if worth_packing(raw, packed) {
        dict.set(b"Length", Object::Int(packed.len() as i64));
        dict.set(b"Filter", Object::name("FlateDecode"));
        objects.stream(dict, packed.to_vec())
    } else {
        objects.stream(dict, raw.to_vec())
    }
}

/// [`stream_packed`] for a stream every document carries alike (the sRGB
/// profile, the one-byte CMap): deflated once per process into `cell`,
/// which a letter batch notices.
pub(super) fn stream_once(
    objects: &mut Objects,
    cell: &'static OnceLock<Vec<u8>>,
    dict: Dict,
    raw: &[u8],
    z: &mut Deflater,
) -> Result<ObjRef, WriteError> {
    let packed = match cell.get() {
        Some(done) => done,
        None => {
            let done = z.deflate(raw)?;
            cell.get_or_init(|| done)
        }
    };
    Ok(stream_packed(objects, dict, raw, packed))
}

/// The one deflate of everything cip writes (`/FlateDecode`, level 6),
/// pages and signature appearances alike, on libdeflate (whole buffers in,
/// one zlib stream out, no streaming state). Make one per document and use
/// it for all its streams, the object stream too: a compressor allocates
/// its match-finder tables once, and each call only resets them. (One kept
/// per thread across documents was measured when lopdf's writer still ran a
/// compressor of its own: 0.5% of a letter batch for 0.5 MB more memory in
/// every run; not tried again since.)
pub struct Deflater(libdeflater::Compressor);

impl Deflater {
    pub fn new() -> Deflater {
        Deflater(libdeflater::Compressor::new(
            libdeflater::CompressionLvl::default(),
        ))
    }

    /// `input` as a zlib stream.
    pub fn deflate(&mut self, input: &[u8]) -> Result<Vec<u8>, WriteError> {
        let z = &mut self.0;
        let mut out = vec![0; z.zlib_compress_bound(input.len())];
        let n = z
            .zlib_compress(input, &mut out)
            .map_err(|e| WriteError::Structure(e.to_string()))?;
        out.truncate(n);
        Ok(out)
    }
}

impl Default for Deflater {
    fn default() -> Self {
        Deflater::new()
    }
}

/// Replace the `/ID` placeholder with a SHA-256 of the file as written, so
/// the ID identifies the content and nothing else.
fn patch_id(out: &mut [u8]) -> Result<(), WriteError> {
    let placeholder = hex::encode_upper(ID_PLACEHOLDER);
    let digest = Sha256::digest(&*out);
    let id = hex::encode_upper(&digest[..16]);
    let mut patched = 0;
    let mut end = out.len();
    while patched < 2 {
        let hay = &out[..end];
        let Some(pos) = hay
            .windows(placeholder.len())
            .rposition(|w| w == placeholder.as_bytes())
        else {
            break;
        };
        out[pos..pos + id.len()].copy_from_slice(id.as_bytes());
        patched += 1;
        end = pos;
    }
    if patched == 2 {
        Ok(())
    } else {
        Err(WriteError::Structure(
            "document ID placeholder not found".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdfbytes::write_object;

    /// A stream deflated ahead (font programs, ToUnicode, the sRGB profile)
    /// comes out exactly as the compression pass would have left it: same
    /// keys in the same order, same data, including the streams that pass
    /// leaves raw (short, or not worth it).
    #[test]
    fn streams_packed_ahead_equal_the_compression_pass() {
        let mut noise = Vec::new();
        let mut x: u32 = 12345;
        for _ in 0..300 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            noise.push((x >> 16) as u8);
        }
        let raws = [
            b"0 0 m 10 10 l S\n".repeat(40),
            b"short stream".to_vec(),
            noise,
        ];
        for raw in raws {
            let dict = || Dict::from_iter([("Length1", Object::Int(7))]);
            let mut z = Deflater::new();
            let mut passed = Objects::default();
            passed.stream(dict(), raw.clone());
            compress(&mut passed, &mut z).expect("compress");
            let mut ahead = Objects::default();
            let packed = z.deflate(&raw).expect("deflate");
            stream_packed(&mut ahead, dict(), &raw, &packed);
            let written = |o: &Objects| match o.map.values().next() {
                Some(NewObject::Stream(d, data)) => {
                    // As the writer does: /Length from the data, in place.
                    let mut d = d.clone();
                    d.set(b"Length", Object::Int(data.len() as i64));
                    let mut out = Vec::new();
                    write_object(&mut out, &Object::Dict(d));
                    (out, data.clone())
                }
                _ => (Vec::new(), Vec::new()),
            };
            let (a, b) = (written(&passed), written(&ahead));
            assert!(!a.0.is_empty(), "no stream written");
            assert_eq!(a, b, "raw of {} bytes", raw.len());
        }
    }
}
