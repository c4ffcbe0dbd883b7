//! Writing a laid-out document as PDF bytes.
//!
//! printpdf turns our page items into content streams, font dictionaries
//! (Type0 / CIDFontType2 with `/W` widths and a ToUnicode CMap) and the page
//! tree. Fonts are subset here first (printpdf only subsets with its heavy
//! `text_layout` feature, and otherwise silently embeds whole TTFs), so the
//! font printpdf "embeds in full" is already our subset with renumbered
//! glyphs, and text is written as those glyph ids. The lopdf document printpdf
//! produces is then post-processed ([`post`]): PDF 1.7 header, Info and XMP
//! metadata, sRGB output intent, attachments, unsigned signature fields,
//! deterministic compression and a content-derived `/ID`.
//!
//! Same [`Document`] in, same bytes out: nothing reads the clock or a random
//! source, and every map is ordered.

mod icc;
mod post;

use std::collections::{BTreeMap, BTreeSet};

use printpdf::{
    Codepoint, Color, FontId, LineDashPattern, LinePoint, Mm, Op, PaintMode, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, TextItem, TextMatrix,
    WindingOrder,
};
use sha2::{Digest, Sha256};

use crate::documents::{Document, Rgb, Stroke};
use crate::fonts::FontFace;
use crate::layout::{self, Item, Laid, LayoutError, PathOp, TextRun};

pub use icc::srgb as srgb_icc_profile;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
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

impl From<lopdf::Error> for PdfError {
    fn from(e: lopdf::Error) -> Self {
        PdfError::Structure(e.to_string())
    }
}

/// Lay out and write `doc`.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let laid = layout::layout(doc)?;
    write(doc, &laid)
}

/// Write an already laid-out `doc`.
pub fn write(doc: &Document, laid: &Laid) -> Result<Vec<u8>, PdfError> {
    let fonts = subset_fonts(laid)?;
    let mut pdf = PdfDocument::new(&doc.info.title);
    for f in &fonts {
        pdf.resources
            .fonts
            .map
            .insert(f.id.clone(), printpdf::PdfFont::new(f.parsed.clone()));
    }
    let by_face: BTreeMap<FontFace, &EmbeddedFont> = fonts.iter().map(|f| (f.face, f)).collect();
    let (w_mm, h_mm) = (
        Mm(laid.page_width * 25.4 / 72.0),
        Mm(laid.page_height * 25.4 / 72.0),
    );
    for page in &laid.pages {
        let ops = page_ops(&page.items, &by_face);
        pdf.pages.push(PdfPage::new(w_mm, h_mm, ops));
    }
    let opts = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let lo = pdf.to_lopdf_document(&opts, &mut warnings);
    post::finish(lo, doc, laid)
}

/// One face as embedded: its subset program and the glyph ids of the
/// characters used, renumbered for the subset.
struct EmbeddedFont {
    face: FontFace,
    id: FontId,
    gids: BTreeMap<char, u16>,
    parsed: printpdf::ParsedFont,
}

fn subset_fonts(laid: &Laid) -> Result<Vec<EmbeddedFont>, PdfError> {
    let mut used: BTreeMap<FontFace, BTreeSet<char>> = BTreeMap::new();
    for page in &laid.pages {
        for item in &page.items {
            if let Item::Text(t) = item {
                used.entry(t.face).or_default().extend(t.text.chars());
            }
        }
    }
    let mut out = Vec::new();
    for (face, chars) in used {
        let m = face.metrics();
        // Original glyph ids in ascending order, so that the renumbering
        // (and with it every byte written) depends only on the glyph set.
        let orig: BTreeSet<u16> = chars.iter().map(|c| m.glyph(*c).0).collect();
        let mut remapper = subsetter::GlyphRemapper::new();
        for g in &orig {
            remapper.remap(*g);
        }
        let program =
            subsetter::subset(face.data(), 0, &remapper).map_err(|e| PdfError::Subset {
                face: face.postscript_name(),
                message: e.to_string(),
            })?;
        let gids: BTreeMap<char, u16> = chars
            .iter()
            .map(|c| (*c, remapper.get(m.glyph(*c).0).unwrap_or(0)))
            .collect();
        let mut glyph_widths = BTreeMap::new();
        for g in &orig {
            if let Some(new) = remapper.get(*g) {
                glyph_widths.insert(new, m.glyph_advance(*g));
            }
        }
        // The subset tag (six capitals) comes from the glyph set, as PDF
        // readers expect different subsets of a face to have different tags.
        let mut h = Sha256::new();
        h.update(face.postscript_name().as_bytes());
        for g in &orig {
            h.update(g.to_be_bytes());
        }
        let digest = h.finalize();
        let tag: String = digest[..6]
            .iter()
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        let codepoint_to_glyph = gids.iter().map(|(c, g)| (*c as u32, *g)).collect();
        let slope_run = (m.italic_angle.to_radians().tan() * -1000.0).round() as i16;
        let parsed = printpdf::ParsedFont {
            original_bytes: program,
            font_index: 0,
            font_name: Some(format!("{tag}+{}", face.postscript_name())),
            codepoint_to_glyph,
            glyph_widths,
            units_per_em: m.units_per_em,
            font_metrics: printpdf::FontMetrics {
                ascent: m.ascender,
                descent: m.descender,
            },
            font_type: printpdf::FontType::TrueType,
            pdf_font_metrics: printpdf::PdfFontMetricsStub {
                units_per_em: m.units_per_em,
                x_min: m.bbox[0],
                y_min: m.bbox[1],
                x_max: m.bbox[2],
                y_max: m.bbox[3],
                caret_slope_rise: 1000,
                caret_slope_run: slope_run,
                us_weight_class: m.weight,
            },
        };
        let id = FontId(
            match face {
                FontFace::Regular => "R",
                FontFace::Bold => "B",
                FontFace::Italic => "I",
            }
            .to_string(),
        );
        out.push(EmbeddedFont {
            face,
            id,
            gids,
            parsed,
        });
    }
    Ok(out)
}

/// Coordinates are written to 1/100 pt: finer is invisible and bloats the
/// content streams.
fn r2(v: f32) -> f32 {
    if v.is_finite() {
        (v * 100.0).round() / 100.0
    } else {
        0.0
    }
}

fn color(c: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb::new(r2(c.0), r2(c.1), r2(c.2), None))
}

fn point(x: f32, y: f32, bezier: bool) -> LinePoint {
    LinePoint {
        p: Point {
            x: Pt(r2(x)),
            y: Pt(r2(y)),
        },
        bezier,
    }
}

/// Emits page operations, skipping redundant state changes.
#[derive(Default)]
struct OpWriter {
    ops: Vec<Op>,
    in_text: bool,
    font: Option<(FontFace, f32)>,
    fill: Option<Rgb>,
    stroke: Option<Rgb>,
    line_width: Option<f32>,
    dash: Option<Option<(f32, f32)>>,
}

impl OpWriter {
    fn end_text(&mut self) {
        if self.in_text {
            self.ops.push(Op::EndTextSection);
            self.in_text = false;
        }
    }
    fn fill(&mut self, c: Rgb) {
        if self.fill != Some(c) {
            self.ops.push(Op::SetFillColor { col: color(c) });
            self.fill = Some(c);
        }
    }
    fn stroke(&mut self, s: &Stroke) {
        if self.stroke != Some(s.color) {
            self.ops.push(Op::SetOutlineColor {
                col: color(s.color),
            });
            self.stroke = Some(s.color);
        }
        let w = r2(s.width);
        if self.line_width != Some(w) {
            self.ops.push(Op::SetOutlineThickness { pt: Pt(w) });
            self.line_width = Some(w);
        }
        if self.dash != Some(s.dash) {
            let dash = match s.dash {
                Some((on, off)) => LineDashPattern::new(0.0, &[r2(on), r2(off)]),
                None => LineDashPattern::solid(),
            };
            self.ops.push(Op::SetLineDashPattern { dash });
            self.dash = Some(s.dash);
        }
    }

    fn text(&mut self, t: &TextRun, font: &EmbeddedFont) {
        if !self.in_text {
            self.ops.push(Op::StartTextSection);
            self.in_text = true;
        }
        let size = r2(t.size);
        if self.font != Some((t.face, size)) {
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(font.id.clone()),
                size: Pt(size),
            });
            self.font = Some((t.face, size));
        }
        self.fill(t.color);
        let matrix = if t.angle == 0.0 {
            TextMatrix::Translate(Pt(r2(t.x)), Pt(r2(t.y)))
        } else {
            let a = t.angle.to_radians();
            let (s, c) = (r2(a.sin() * 100.0) / 100.0, r2(a.cos() * 100.0) / 100.0);
            TextMatrix::Raw([c, s, -s, c, r2(t.x), r2(t.y)])
        };
        self.ops.push(Op::SetTextMatrix { matrix });
        let glyphs = t
            .text
            .chars()
            .map(|c| Codepoint {
                gid: font.gids.get(&c).copied().unwrap_or(0),
                offset: 0.0,
                cid: Some(c.to_string()),
            })
            .collect();
        self.ops.push(Op::ShowText {
            items: vec![TextItem::GlyphIds(glyphs)],
        });
    }

    fn rect(&mut self, r: &layout::Rect, fill: Option<Rgb>, stroke: Option<&Stroke>) {
        self.end_text();
        let mode = match (fill, stroke) {
            (Some(f), Some(s)) => {
                self.fill(f);
                self.stroke(s);
                PaintMode::FillStroke
            }
            (Some(f), None) => {
                self.fill(f);
                PaintMode::Fill
            }
            (None, Some(s)) => {
                self.stroke(s);
                PaintMode::Stroke
            }
            (None, None) => return,
        };
        self.ops.push(Op::DrawRectangle {
            rectangle: printpdf::Rect {
                x: Pt(r2(r.x)),
                y: Pt(r2(r.y)),
                width: Pt(r2(r.w)),
                height: Pt(r2(r.h)),
                mode: Some(mode),
                winding_order: None,
            },
        });
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, s: &Stroke) {
        self.end_text();
        self.stroke(s);
        self.ops.push(Op::DrawLine {
            line: printpdf::Line {
                points: vec![point(x1, y1, false), point(x2, y2, false)],
                is_closed: false,
            },
        });
    }

    fn path(&mut self, path: &[PathOp], fill: Option<Rgb>, stroke: Option<&Stroke>) {
        self.end_text();
        let mode = match (fill, stroke) {
            (Some(f), Some(s)) => {
                self.fill(f);
                self.stroke(s);
                PaintMode::FillStroke
            }
            (Some(f), None) => {
                self.fill(f);
                PaintMode::Fill
            }
            (None, Some(s)) => {
                self.stroke(s);
                PaintMode::Stroke
            }
            (None, None) => return,
        };
        let mut points = Vec::new();
        for op in path {
            match *op {
                PathOp::MoveTo(x, y) | PathOp::LineTo(x, y) => points.push(point(x, y, false)),
                PathOp::CurveTo(a, b, c, d, e, f) => {
                    points.push(point(a, b, true));
                    points.push(point(c, d, true));
                    points.push(point(e, f, false));
                }
            }
        }
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing { points }],
                mode,
                winding_order: WindingOrder::NonZero,
            },
        });
    }
}

fn page_ops(items: &[Item], fonts: &BTreeMap<FontFace, &EmbeddedFont>) -> Vec<Op> {
    let mut w = OpWriter::default();
    for item in items {
        match item {
            Item::Text(t) => {
                if let Some(font) = fonts.get(&t.face) {
                    w.text(t, font);
                }
            }
            Item::Rect { rect, fill, stroke } => w.rect(rect, *fill, stroke.as_ref()),
            Item::Line {
                x1,
                y1,
                x2,
                y2,
                stroke,
            } => w.line(*x1, *y1, *x2, *y2, stroke),
            Item::Path { ops, fill, stroke } => w.path(ops, *fill, stroke.as_ref()),
        }
    }
    w.end_text();
    w.ops
}
