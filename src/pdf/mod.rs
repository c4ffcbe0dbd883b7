//! Writing a laid-out document as PDF bytes.
//!
//! The page items of a [`Laid`] become content streams written directly as
//! bytes; fonts are subset (typst's `subsetter`) and embedded as
//! Type0/CIDFontType2 fonts addressed by subset glyph id, with `/W` widths
//! and a ToUnicode CMap so that text extracts correctly. The objects are
//! built in `pdfbytes`' object model, the one the signer reads and updates
//! with, and written by its writer (lopdf, used before, serialised each
//! packed object three times and ran a second compressor: 100 of a render's
//! 620 page faults). [`post`] adds metadata (Info, XMP), the sRGB output
//! intent, attachments, unsigned signature fields, compression and a
//! content-derived `/ID`.
//!
//! Why not printpdf (0.12, as first planned): without its heavy
//! `text_layout` feature it embeds whole fonts, and its text encoding (one
//! string object per glyph, then a run merger) took 2–6 ms of a 3-page
//! document's 10 ms budget and ~20 ms for 15 pages. Its remaining help —
//! page tree and font dictionaries — is a few dozen lines here.
//!
//! Same [`Document`] in, same bytes out: nothing reads the clock or a random
//! source, and every map is ordered.

mod font;
mod icc;
mod objects;
mod post;
mod sfnt;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

use crate::documents::{Document, Rgb, Stroke};
use crate::fonts::FontFace;
use crate::layout::{self, DRAFT_GREY, Item, Laid, LayoutError, PathOp, TextRun};
use crate::pdfbytes::{Dict, ObjRef, Object};
use objects::Objects;

pub use font::{Descriptor, FontSubset, ONE_BYTE_CMAP, ONE_BYTE_CMAP_NAME};
pub use icc::srgb as srgb_icc_profile;
pub use post::{Deflater, PRODUCER};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error("cannot subset the {face} font: {message}")]
    Subset { face: &'static str, message: String },
    #[error("two attachments are named {0:?}; attachment names must be unique")]
    DuplicateAttachment(String),
    #[error("an attachment has an empty name")]
    EmptyAttachmentName,
    #[error("internal PDF structure error: {0}")]
    Structure(String),
}

/// A written PDF and the fonts its pages use, for a signature appearance
/// made in the same run (see [`PageFont`]).
pub struct Written {
    pub pdf: Vec<u8>,
    pub fonts: Vec<PageFont>,
}

/// A face as the pages embed it: the Type0 font's object number and the
/// subset it was made from. A signature added in the same run draws its
/// appearance with this font (the characters of [`Document::reserved`] are
/// in it) instead of embedding a second subset of the same face, 4 KB less.
/// The subset comes from memory, never from the file, so a signed file
/// cannot make the appearance show other text than the signer's.
pub struct PageFont {
    pub object: u32,
    pub subset: Arc<FontSubset>,
}

/// Lay out and write `doc`.
pub fn render(doc: &Document) -> Result<Vec<u8>, WriteError> {
    render_written(doc).map(|w| w.pdf)
}

/// Lay out and write `doc`, with the fonts the pages use.
pub fn render_written(doc: &Document) -> Result<Written, WriteError> {
    let laid = layout::layout(doc)?;
    write_fonts(doc, &laid)
}

/// Write an already laid-out `doc`.
pub fn write(doc: &Document, laid: &Laid) -> Result<Vec<u8>, WriteError> {
    write_fonts(doc, laid).map(|w| w.pdf)
}

fn write_fonts(doc: &Document, laid: &Laid) -> Result<Written, WriteError> {
    let fonts = subset_fonts(laid, &doc.reserved)?;
    let mut objects = Objects::default();
    let mut z = Deflater::new();

    let mut font_res = Dict::new();
    let mut font_ids = Vec::with_capacity(fonts.len());
    let mut one_byte_cmap = None;
    for f in &fonts {
        let id = embed_font(&mut objects, &mut z, &f.subset, &mut one_byte_cmap)?;
        font_res.set(f.res.as_bytes(), Object::Ref(id));
        font_ids.push(id.num);
    }
    let mut resources = Dict::from_iter([("Font", Object::Dict(font_res))]);
    if let Some(mark) = &laid.draft_mark {
        let id = draft_xobject(&mut objects, mark, laid);
        resources.set(
            b"XObject",
            Object::Dict(Dict::from_iter([("Draft", Object::Ref(id))])),
        );
    }
    let resources_id = objects.dict(resources);

    let by_face: BTreeMap<FontFace, &EmbeddedFont> =
        fonts.iter().map(|f| (f.subset.face, f)).collect();
    let pages_id = objects.reserve();
    let media = vec![
        Object::Int(0),
        Object::Int(0),
        real(laid.page_width),
        real(laid.page_height),
    ];
    let mut page_ids = Vec::with_capacity(laid.pages.len());
    for page in &laid.pages {
        let mut content = Content::default();
        if laid.draft_mark.is_some() {
            content.out.extend_from_slice(b"/Draft Do\n");
        }
        for item in &page.items {
            content.item(item, &by_face);
        }
        content.end_text();
        let contents = objects.stream(Dict::new(), content.out);
        let page_id = objects.dict(Dict::from_iter([
            ("Type", Object::name("Page")),
            ("Parent", Object::Ref(pages_id)),
            ("MediaBox", Object::Array(media.clone())),
            ("Resources", Object::Ref(resources_id)),
            ("Contents", Object::Ref(contents)),
        ]));
        page_ids.push(page_id);
    }
    objects.set(
        pages_id,
        Dict::from_iter([
            ("Type", Object::name("Pages")),
            ("Count", Object::Int(page_ids.len() as i64)),
            (
                "Kids",
                Object::Array(page_ids.iter().map(|id| Object::Ref(*id)).collect()),
            ),
        ]),
    );
    let catalog_id = objects.dict(Dict::from_iter([
        ("Type", Object::name("Catalog")),
        ("Pages", Object::Ref(pages_id)),
    ]));
    let pdf = post::finish(objects, &mut z, doc, laid, catalog_id, &page_ids)?;
    let fonts = fonts
        .into_iter()
        .zip(font_ids)
        .map(|(f, object)| PageFont {
            object,
            subset: f.subset,
        })
        .collect();
    Ok(Written { pdf, fonts })
}

/// One face as embedded in a document: the shared subset and its resource
/// name in the pages' `/Font` dictionaries.
struct EmbeddedFont {
    subset: Arc<FontSubset>,
    res: &'static str,
}

fn subset_fonts(laid: &Laid, reserved: &BTreeSet<char>) -> Result<Vec<EmbeddedFont>, WriteError> {
    let mut used: BTreeMap<FontFace, UsedChars> = BTreeMap::new();
    if !reserved.is_empty() {
        used.entry(FontFace::Regular)
            .or_default()
            .add(reserved.iter().copied());
    }
    for page in &laid.pages {
        for item in &page.items {
            if let Item::Text(t) = item {
                used.entry(t.face).or_default().add(t.text.chars());
            }
        }
    }
    used.into_iter()
        .map(|(face, chars)| (face, chars.into_set()))
        .map(|(face, chars)| {
            Ok(EmbeddedFont {
                subset: FontSubset::shared(face, &chars)?,
                res: match face {
                    FontFace::Regular => "R",
                    FontFace::Bold => "B",
                    FontFace::Italic => "I",
                },
            })
        })
        .collect()
}

/// The characters drawn in one face. Nearly all are Latin-1 and go in a
/// bitmap: inserting every character of every run into a tree was 4.5% of
/// the samples of a render.
#[derive(Default)]
struct UsedChars {
    latin1: [u64; 4],
    other: BTreeSet<char>,
}

impl UsedChars {
    fn add(&mut self, chars: impl Iterator<Item = char>) {
        for c in chars {
            let n = c as usize;
            match self.latin1.get_mut(n / 64) {
                Some(word) => *word |= 1 << (n % 64),
                None => {
                    self.other.insert(c);
                }
            }
        }
    }

    fn into_set(self) -> BTreeSet<char> {
        let mut set = self.other;
        set.extend((0u8..=255).filter_map(|b| {
            let n = usize::from(b);
            (self.latin1[n / 64] & (1 << (n % 64)) != 0).then_some(char::from(b))
        }));
        set
    }
}

/// Type0 font → CIDFontType2 descendant → descriptor → FontFile2, plus the
/// ToUnicode CMap. Returns the Type0 font's id. `cmap` is the document's
/// one-byte encoding CMap, added with the first font that uses it.
fn embed_font(
    objects: &mut Objects,
    z: &mut Deflater,
    f: &FontSubset,
    cmap: &mut Option<ObjRef>,
) -> Result<ObjRef, WriteError> {
    let name = || Object::name(&f.base_font);
    let packed = f.packed(|p| z.deflate(p))?;
    let file_id = post::stream_packed(
        objects,
        Dict::from_iter([("Length1", Object::Int(f.program.len() as i64))]),
        &f.program,
        &packed.program,
    );

    let d = f.descriptor();
    let descriptor = objects.dict(Dict::from_iter([
        ("Type", Object::name("FontDescriptor")),
        ("FontName", name()),
        ("Flags", Object::Int(d.flags)),
        (
            "FontBBox",
            Object::Array(d.bbox.iter().map(|v| Object::Int(*v)).collect()),
        ),
        ("ItalicAngle", real(d.italic_angle)),
        ("Ascent", Object::Int(d.ascent)),
        ("Descent", Object::Int(d.descent)),
        ("CapHeight", Object::Int(d.cap_height)),
        ("StemV", Object::Int(d.stem_v)),
        ("FontFile2", Object::Ref(file_id)),
    ]));

    let mut w = Vec::new();
    for (first, widths) in f.width_runs() {
        w.push(Object::Int(i64::from(first)));
        w.push(Object::Array(widths.into_iter().map(Object::Int).collect()));
    }

    let cid_id = objects.dict(Dict::from_iter([
        ("Type", Object::name("Font")),
        ("Subtype", Object::name("CIDFontType2")),
        ("BaseFont", name()),
        ("CIDSystemInfo", cid_system_info()),
        ("FontDescriptor", Object::Ref(descriptor)),
        ("DW", Object::Int(1000)),
        ("W", Object::Array(w)),
        ("CIDToGIDMap", Object::name("Identity")),
    ]));
    let to_unicode = post::stream_packed(
        objects,
        Dict::new(),
        &packed.to_unicode,
        &packed.to_unicode_deflated,
    );
    let encoding = if f.one_byte() {
        let id = match *cmap {
            Some(id) => id,
            None => {
                static CMAP: OnceLock<Vec<u8>> = OnceLock::new();
                let raw = font::ONE_BYTE_CMAP.as_bytes();
                let id = post::stream_once(objects, &CMAP, one_byte_cmap(), raw, z)?;
                *cmap.insert(id)
            }
        };
        Object::Ref(id)
    } else {
        Object::name("Identity-H")
    };
    Ok(objects.dict(Dict::from_iter([
        ("Type", Object::name("Font")),
        ("Subtype", Object::name("Type0")),
        ("BaseFont", name()),
        ("Encoding", encoding),
        ("DescendantFonts", Object::Array(vec![Object::Ref(cid_id)])),
        ("ToUnicode", Object::Ref(to_unicode)),
    ])))
}

/// The dictionary of the embedded CMap stream of one-byte text
/// ([`font::ONE_BYTE_CMAP`]).
fn one_byte_cmap() -> Dict {
    Dict::from_iter([
        ("Type", Object::name("CMap")),
        ("CMapName", Object::name(font::ONE_BYTE_CMAP_NAME)),
        ("CIDSystemInfo", cid_system_info()),
        ("WMode", Object::Int(0)),
    ])
}

/// Adobe-Identity-0, the CIDFont's and the one-byte CMap's (they must match).
fn cid_system_info() -> Object {
    Object::Dict(Dict::from_iter([
        ("Registry", Object::string("Adobe")),
        ("Ordering", Object::string("Identity")),
        ("Supplement", Object::Int(0)),
    ]))
}

/// A length in points as a PDF real: the layout's f32 widened exactly, so
/// the file shows the value the layout computed.
fn real(v: f32) -> Object {
    Object::Real(f64::from(v))
}

/// The draft mark as a form XObject, drawn first on every page.
fn draft_xobject(objects: &mut Objects, mark: &[PathOp], laid: &Laid) -> ObjRef {
    let mut c = Content::default();
    c.fill(DRAFT_GREY);
    c.path_ops(mark);
    c.out.extend_from_slice(b"f\n");
    objects.stream(
        Dict::from_iter([
            ("Type", Object::name("XObject")),
            ("Subtype", Object::name("Form")),
            ("Resources", Object::Dict(Dict::new())),
            (
                "BBox",
                Object::Array(vec![
                    Object::Int(0),
                    Object::Int(0),
                    real(laid.page_width),
                    real(laid.page_height),
                ]),
            ),
        ]),
        c.out,
    )
}

/// A page content stream, written as text, skipping redundant state changes.
#[derive(Default)]
struct Content {
    out: Vec<u8>,
    in_text: bool,
    /// Start of the current text line, in hundredths (the origin after BT).
    line: (i64, i64),
    font: Option<(FontFace, i64)>,
    fill: Option<Rgb>,
    stroke: Option<Rgb>,
    line_width: Option<i64>,
    dash: Option<Option<(i64, i64)>>,
}

/// Hundredths of a point: finer is invisible and bloats the streams.
fn hundredths(v: f32) -> i64 {
    if v.is_finite() {
        (v * 100.0).round() as i64
    } else {
        0
    }
}

/// Append a number given in hundredths, in the shortest exact notation.
fn put(out: &mut Vec<u8>, h: i64) {
    if h < 0 {
        out.push(b'-');
    }
    let a = h.unsigned_abs();
    let (int, frac) = (a / 100, a % 100);
    // itoa, not `write!`: a page writes thousands of numbers, and the
    // formatting machinery was 3.8% of a render's instructions.
    out.extend_from_slice(itoa::Buffer::new().format(int).as_bytes());
    if frac != 0 {
        out.push(b'.');
        out.push(b'0' + (frac / 10) as u8);
        if frac % 10 != 0 {
            out.push(b'0' + (frac % 10) as u8);
        }
    }
}

impl Content {
    fn num(&mut self, v: f32) {
        put(&mut self.out, hundredths(v));
        self.out.push(b' ');
    }
    fn nums(&mut self, vs: &[f32]) {
        for v in vs {
            self.num(*v);
        }
    }
    fn end_text(&mut self) {
        if self.in_text {
            self.out.extend_from_slice(b"ET\n");
            self.in_text = false;
        }
    }
    fn fill(&mut self, c: Rgb) {
        if self.fill != Some(c) {
            self.nums(&[c.0, c.1, c.2]);
            self.out.extend_from_slice(b"rg\n");
            self.fill = Some(c);
        }
    }
    fn stroke(&mut self, s: &Stroke) {
        if self.stroke != Some(s.color) {
            self.nums(&[s.color.0, s.color.1, s.color.2]);
            self.out.extend_from_slice(b"RG\n");
            self.stroke = Some(s.color);
        }
        let w = hundredths(s.width);
        if self.line_width != Some(w) {
            put(&mut self.out, w);
            self.out.extend_from_slice(b" w\n");
            self.line_width = Some(w);
        }
        let dash = s.dash.map(|(a, b)| (hundredths(a), hundredths(b)));
        if self.dash != Some(dash) {
            match dash {
                Some((a, b)) => {
                    self.out.push(b'[');
                    put(&mut self.out, a);
                    self.out.push(b' ');
                    put(&mut self.out, b);
                    self.out.extend_from_slice(b"] 0 d\n");
                }
                None => self.out.extend_from_slice(b"[] 0 d\n"),
            }
            self.dash = Some(dash);
        }
    }
    /// Paint operator for a fill/stroke combination, setting colours.
    fn paint(&mut self, fill: Option<Rgb>, stroke: Option<&Stroke>) -> Option<&'static str> {
        if let Some(f) = fill {
            self.fill(f);
        }
        if let Some(s) = stroke {
            self.stroke(s);
        }
        match (fill.is_some(), stroke.is_some()) {
            (true, true) => Some("B"),
            (true, false) => Some("f"),
            (false, true) => Some("S"),
            (false, false) => None,
        }
    }

    fn text(&mut self, t: &TextRun, font: &EmbeddedFont) {
        self.fill(t.color);
        if !self.in_text {
            self.out.extend_from_slice(b"BT\n");
            self.in_text = true;
            self.line = (0, 0);
        }
        let size = hundredths(t.size);
        if self.font != Some((t.face, size)) {
            self.out.push(b'/');
            self.out.extend_from_slice(font.res.as_bytes());
            self.out.push(b' ');
            put(&mut self.out, size);
            self.out.extend_from_slice(b" Tf\n");
            self.font = Some((t.face, size));
        }
        // Each run starts a new line relative to the last (`Td`), in exact
        // hundredths, so positions never drift: shorter than an absolute
        // `1 0 0 1 x y Tm`, and most runs share x with the line before.
        let (x, y) = (hundredths(t.x), hundredths(t.y));
        put(&mut self.out, x - self.line.0);
        self.out.push(b' ');
        put(&mut self.out, y - self.line.1);
        self.out.extend_from_slice(b" Td ");
        self.line = (x, y);
        font.subset.show(&t.text, &mut self.out);
        self.out.extend_from_slice(b" Tj\n");
    }

    fn path_ops(&mut self, ops: &[PathOp]) {
        for op in ops {
            match *op {
                PathOp::MoveTo(x, y) => {
                    self.nums(&[x, y]);
                    self.out.extend_from_slice(b"m\n");
                }
                PathOp::LineTo(x, y) => {
                    self.nums(&[x, y]);
                    self.out.extend_from_slice(b"l\n");
                }
                PathOp::CurveTo(a, b, c, d, e, f) => {
                    self.nums(&[a, b, c, d, e, f]);
                    self.out.extend_from_slice(b"c\n");
                }
            }
        }
    }

    fn item(&mut self, item: &Item, fonts: &BTreeMap<FontFace, &EmbeddedFont>) {
        match item {
            Item::Text(t) => {
                if let Some(font) = fonts.get(&t.face) {
                    self.text(t, font);
                }
            }
            Item::Rect { rect, fill, stroke } => {
                self.end_text();
                if let Some(op) = self.paint(*fill, stroke.as_ref()) {
                    self.nums(&[rect.x, rect.y, rect.w, rect.h]);
                    self.out.extend_from_slice(b"re ");
                    self.out.extend_from_slice(op.as_bytes());
                    self.out.push(b'\n');
                }
            }
            Item::Line {
                x1,
                y1,
                x2,
                y2,
                stroke,
            } => {
                self.end_text();
                self.stroke(stroke);
                self.nums(&[*x1, *y1]);
                self.out.extend_from_slice(b"m ");
                self.nums(&[*x2, *y2]);
                self.out.extend_from_slice(b"l S\n");
            }
            Item::Path { ops, fill, stroke } => {
                self.end_text();
                if let Some(op) = self.paint(*fill, stroke.as_ref()) {
                    self.path_ops(ops);
                    self.out.extend_from_slice(b"h ");
                    self.out.extend_from_slice(op.as_bytes());
                    self.out.push(b'\n');
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{UsedChars, put};
    use std::collections::BTreeSet;

    #[test]
    fn used_chars_keep_every_character_once() {
        let text = "Zoë paid $1,000.00 \u{0}\u{ff}\u{100} for “CIP” ✓ 日本 Zoë";
        let mut used = UsedChars::default();
        used.add(text.chars());
        used.add("\u{40}\u{3f}\u{7f}\u{80}".chars());
        let expected: BTreeSet<char> = text
            .chars()
            .chain("\u{40}\u{3f}\u{7f}\u{80}".chars())
            .collect();
        assert_eq!(used.into_set(), expected);
    }

    #[test]
    fn numbers_are_short_and_exact() {
        let f = |h| {
            let mut s = Vec::new();
            put(&mut s, h);
            String::from_utf8(s).unwrap_or_default()
        };
        assert_eq!(f(0), "0");
        assert_eq!(f(61200), "612");
        assert_eq!(f(-150), "-1.5");
        assert_eq!(f(12345), "123.45");
        assert_eq!(f(-5), "-0.05");
    }
}
