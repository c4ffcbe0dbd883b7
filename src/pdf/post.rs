//! Document-level parts of the PDF: Info and XMP metadata (PDF/A-3B
//! identification), the sRGB output intent, attachments as associated
//! files, unsigned signature fields, stream compression and the `/ID`.
//!
//! Every value comes from the [`Document`] alone — the date is the
//! caller's, and the `/ID` is a hash of the bytes written — so that the
//! same document always gives the same file.

use chrono::NaiveDateTime;
use flate2::Compression;
use lopdf::{Dictionary, Document as LoDoc, Object, ObjectId, Stream, StringFormat};

use crate::pdfbytes::{self, NewObject};
use sha2::{Digest, Sha256};

use super::{WriteError, icc};
use crate::documents::{Attachment, DocInfo, Document, Relationship};
use crate::layout::Laid;

/// `/Producer`, also in the XMP.
pub const PRODUCER: &str = concat!("cip ", env!("CARGO_PKG_VERSION"));

/// Raw bytes of the `/ID` placeholder; replaced after hashing the file.
const ID_PLACEHOLDER: [u8; 16] = [0xC1; 16];

pub fn finish(
    mut lo: LoDoc,
    doc: &Document,
    laid: &Laid,
    catalog_id: ObjectId,
    pages: &[ObjectId],
) -> Result<Vec<u8>, WriteError> {
    let info = info_dict(&doc.info);
    let info_id = lo.add_object(info);
    lo.trailer.set("Info", info_id);

    let mut xmp = Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp(&doc.info).into_bytes(),
    );
    // PDF/A readers must be able to find the XMP without a decoder.
    xmp.allows_compression = false;
    let xmp_id = lo.add_object(xmp);

    let profile = icc::srgb();
    let icc_id = lo.add_object(Stream::new(
        Dictionary::from_iter([("N", Object::Integer(3))]),
        profile,
    ));
    let intent = Dictionary::from_iter([
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        (
            "OutputConditionIdentifier",
            text_string("sRGB IEC61966-2.1"),
        ),
        ("RegistryName", text_string("http://www.color.org")),
        ("Info", text_string("sRGB IEC61966-2.1")),
        ("DestOutputProfile", Object::Reference(icc_id)),
    ]);

    let files = attachments(&mut lo, &doc.attachments, doc.info.date)?;
    let fields = signature_fields(&mut lo, pages, laid)?;

    let catalog = lo.get_dictionary_mut(catalog_id)?;
    catalog.set("Metadata", xmp_id);
    catalog.set("OutputIntents", vec![Object::Dictionary(intent)]);
    catalog.set(
        "ViewerPreferences",
        Dictionary::from_iter([("DisplayDocTitle", Object::Boolean(true))]),
    );
    if !files.is_empty() {
        let mut names = Vec::new();
        for (name, id) in &files {
            names.push(text_string(name));
            names.push(Object::Reference(*id));
        }
        catalog.set(
            "Names",
            Dictionary::from_iter([(
                "EmbeddedFiles",
                Object::Dictionary(Dictionary::from_iter([("Names", Object::Array(names))])),
            )]),
        );
        catalog.set(
            "AF",
            files
                .iter()
                .map(|(_, id)| Object::Reference(*id))
                .collect::<Vec<_>>(),
        );
    }
    if !fields.is_empty() {
        // An indirect form dictionary: the signer then rewrites this small
        // object (for /SigFlags) instead of the whole catalog, 450 bytes
        // less in every signature's update.
        let form = lo.add_object(Dictionary::from_iter([(
            "Fields",
            Object::Array(fields.into_iter().map(Object::Reference).collect()),
        )]));
        lo.get_dictionary_mut(catalog_id)?
            .set("AcroForm", Object::Reference(form));
    }

    let mut z = Deflater::new();
    compress(&mut lo, &mut z)?;
    let mut trailer = pdfbytes::Dict::new();
    for (key, value) in std::mem::take(&mut lo.trailer) {
        trailer.set(&key, plain(value));
    }
    let id = pdfbytes::Object::Str(ID_PLACEHOLDER.to_vec());
    trailer.set(b"ID", pdfbytes::Object::Array(vec![id.clone(), id]));
    let objects = std::mem::take(&mut lo.objects)
        .into_iter()
        .map(|((num, _), obj)| {
            let obj = match obj {
                Object::Stream(s) => NewObject::Stream(plain_dict(s.dict), s.content),
                other => NewObject::Packed(plain(other)),
            };
            (num, obj)
        })
        .collect();
    let mut out = pdfbytes::write_new(&lo.version, objects, trailer, |d| z.deflate(d))?;
    patch_id(&mut out)?;
    Ok(out)
}

/// lopdf's objects, which the pages are built from, as the objects
/// `pdfbytes` serializes: one writer for new files and signers' updates.
fn plain(obj: Object) -> pdfbytes::Object {
    use pdfbytes::Object as P;
    match obj {
        Object::Null => P::Null,
        Object::Boolean(b) => P::Bool(b),
        Object::Integer(i) => P::Int(i),
        Object::Real(r) => P::Real(f64::from(r)),
        Object::Name(n) => P::Name(n),
        Object::String(s, _) => P::Str(s),
        Object::Array(items) => P::Array(items.into_iter().map(plain).collect()),
        Object::Dictionary(d) => P::Dict(plain_dict(d)),
        Object::Reference((num, generation)) => P::Ref(pdfbytes::ObjRef::new(num, generation)),
        // Streams are indirect objects, never values inside another.
        Object::Stream(s) => P::Dict(plain_dict(s.dict)),
    }
}

fn plain_dict(d: Dictionary) -> pdfbytes::Dict {
    let mut out = pdfbytes::Dict::new();
    for (key, value) in d {
        out.set(&key, plain(value));
    }
    out
}

/// A PDF text string: PDFDocEncoding-compatible ASCII as is, anything else
/// as UTF-16BE with a byte order mark.
fn text_string(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for u in s.encode_utf16() {
            bytes.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

fn pdf_date(d: NaiveDateTime) -> Object {
    Object::String(
        crate::pdfbytes::date::format(d.and_utc().fixed_offset()).into_bytes(),
        StringFormat::Literal,
    )
}

/// Info entries; empty ones are left out (here and in the XMP alike, since
/// PDF/A requires the two to agree).
fn info_dict(info: &DocInfo) -> Dictionary {
    let keywords = info.keywords.join(", ");
    let mut d = Dictionary::new();
    for (key, value) in [
        ("Title", info.title.as_str()),
        ("Author", &info.author),
        ("Subject", &info.subject),
        ("Keywords", &keywords),
        ("Creator", &info.creator),
        ("Producer", PRODUCER),
    ] {
        if !value.is_empty() {
            d.set(key, text_string(value));
        }
    }
    d.set("CreationDate", pdf_date(info.date));
    d.set("ModDate", pdf_date(info.date));
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
    lo: &mut LoDoc,
    list: &[Attachment],
    date: NaiveDateTime,
) -> Result<Vec<(String, ObjectId)>, WriteError> {
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
        let stream = Stream::new(
            Dictionary::from_iter([
                ("Type", Object::Name(b"EmbeddedFile".to_vec())),
                ("Subtype", Object::Name(mime.as_bytes().to_vec())),
                (
                    "Params",
                    Object::Dictionary(Dictionary::from_iter([
                        ("Size", Object::Integer(a.bytes.len() as i64)),
                        ("ModDate", pdf_date(date)),
                    ])),
                ),
            ]),
            a.bytes.clone(),
        );
        let file_id = lo.add_object(stream);
        // /F is the legacy byte-string name: keep it to printable ASCII.
        let ascii: String = a
            .name
            .chars()
            .map(|c| if (' '..='~').contains(&c) { c } else { '_' })
            .collect();
        let spec = Dictionary::from_iter([
            ("Type", Object::Name(b"Filespec".to_vec())),
            (
                "F",
                Object::String(ascii.into_bytes(), StringFormat::Literal),
            ),
            ("UF", text_string(&a.name)),
            ("Desc", text_string(&a.description)),
            (
                "AFRelationship",
                Object::Name(relationship(a.relationship).to_vec()),
            ),
            (
                "EF",
                Object::Dictionary(Dictionary::from_iter([
                    ("F", Object::Reference(file_id)),
                    ("UF", Object::Reference(file_id)),
                ])),
            ),
        ]);
        out.push((a.name.clone(), lo.add_object(spec)));
    }
    Ok(out)
}

/// Unsigned signature fields (merged field/widget dictionaries), each with
/// an empty appearance so that PDF/A checkers are content.
fn signature_fields(
    lo: &mut LoDoc,
    pages: &[ObjectId],
    laid: &Laid,
) -> Result<Vec<ObjectId>, WriteError> {
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
        let ap = lo.add_object(Stream::new(
            Dictionary::from_iter([
                ("Type", Object::Name(b"XObject".to_vec())),
                ("Subtype", Object::Name(b"Form".to_vec())),
                (
                    "BBox",
                    Object::Array(vec![
                        0.into(),
                        0.into(),
                        Object::Real(r.w),
                        Object::Real(r.h),
                    ]),
                ),
                ("Resources", Object::Dictionary(Dictionary::new())),
            ]),
            Vec::new(),
        ));
        let widget = Dictionary::from_iter([
            ("Type", Object::Name(b"Annot".to_vec())),
            ("Subtype", Object::Name(b"Widget".to_vec())),
            ("FT", Object::Name(b"Sig".to_vec())),
            ("T", text_string(&f.name)),
            (
                "Rect",
                Object::Array(vec![
                    Object::Real(r.x),
                    Object::Real(r.y),
                    Object::Real(r.right()),
                    Object::Real(r.top()),
                ]),
            ),
            ("P", Object::Reference(page_id)),
            ("F", Object::Integer(4)),
            (
                "AP",
                Object::Dictionary(Dictionary::from_iter([("N", Object::Reference(ap))])),
            ),
        ]);
        let id = lo.add_object(widget);
        let page = lo.get_dictionary_mut(page_id)?;
        match page.get_mut(b"Annots") {
            Ok(Object::Array(a)) => a.push(Object::Reference(id)),
            _ => page.set("Annots", vec![Object::Reference(id)]),
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Flate-compress every stream that is not compressed yet (except the XMP).
/// Level 6 on zlib-rs: on the sample it takes no longer than miniz_oxide's
/// level 3 did and writes 1% smaller files; level 9 adds 1.2 ms for another
/// 0.4%.
fn compress(lo: &mut LoDoc, z: &mut Deflater) -> Result<(), WriteError> {
    for obj in lo.objects.values_mut() {
        let Object::Stream(s) = obj else { continue };
        if !s.allows_compression || s.dict.has(b"Filter") || s.content.len() < 64 {
            continue;
        }
        let packed = z.deflate(&s.content)?;
        if packed.len() + 20 < s.content.len() {
            s.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            s.set_content(packed);
        }
    }
    Ok(())
}

/// The one deflate of everything cip writes (`/FlateDecode`, level 6),
/// pages and signature appearances alike. Make one per document and use it
/// for all its streams: a fresh compressor allocates and zeroes ~300 KB of
/// tables, which costs more than compressing a page. (Keeping one per
/// thread across documents saved a letter batch 0.5% and cost every single
/// run 0.5 MB of memory, as lopdf's object stream then needs its own.)
pub struct Deflater(flate2::Compress);

impl Deflater {
    pub fn new() -> Deflater {
        Deflater(flate2::Compress::new(Compression::new(6), true))
    }

    /// `input` as a zlib stream.
    pub fn deflate(&mut self, input: &[u8]) -> Result<Vec<u8>, WriteError> {
        let z = &mut self.0;
        z.reset();
        let mut out = Vec::with_capacity(input.len() / 2 + 64);
        loop {
            let done = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
            let status = z
                .compress_vec(
                    input.get(done..).unwrap_or_default(),
                    &mut out,
                    flate2::FlushCompress::Finish,
                )
                .map_err(|e| WriteError::Structure(e.to_string()))?;
            match status {
                flate2::Status::StreamEnd => return Ok(out),
                _ => out.reserve(out.capacity().max(64)),
            }
        }
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
