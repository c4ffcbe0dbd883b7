//! Pagination: a [`Document`]'s blocks become pages of positioned items.
//!
//! This is pure computation — no PDF is written here — so that pagination
//! can be tested on its own: every text run records the box it must stay
//! inside ([`TextRun::bounds`]), and tests check that it does.
//!
//! All coordinates in a [`Laid`] are PDF user-space points (origin at the
//! bottom-left of the page, y up), so the writer copies them as they are.
//! Internally the engine works top-down ("distance from the top of the
//! page"), which is how pages fill.

#[doc(hidden)]
pub mod sample;
pub mod text;

use crate::documents::{
    Align, Block, Cell, Closing, Document, Drawing, MarkerKind, PageNumbers, Paper, Rgb, Row,
    Shape, SignatureBox, Span, Stroke, Style, Table,
};
use crate::fonts::FontFace;
use text::{BaseStyle, Line, RunStyle};

/// Body text size.
pub const BODY_SIZE: f32 = 10.0;
/// Table text size.
pub const TABLE_SIZE: f32 = 9.0;
/// A document longer than this is a runaway input, not a plan.
pub const MAX_PAGES: usize = 5000;

const MARGIN_X: f32 = 60.0;
const MARGIN_TOP: f32 = 72.0;
const MARGIN_BOTTOM: f32 = 64.0;
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.0;
const PARA_GAP: f32 = 5.0;
const GRID: Stroke = Stroke {
    color: Rgb(0.55, 0.55, 0.55),
    width: 0.5,
    dash: None,
};
const GREY_TEXT: Rgb = Rgb(0.3, 0.3, 0.3);
/// Continuation header of a letter: its first baseline from the page top,
/// its line pitch, and the room it takes from the body of pages 2+ (the
/// rest of it sits in the top margin).
const CONT_FIRST: f32 = 36.0;
const CONT_PITCH: f32 = 11.0;
/// Space between a closing's words, signature space and signer lines.
const CLOSING_GAP: f32 = 4.0;
/// Tolerance for float comparisons of positions.
const EPS: f32 = 0.01;

/// A rectangle in PDF user space: `(x, y)` is the bottom-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub fn top(&self) -> f32 {
        self.y + self.h
    }
    pub fn right(&self) -> f32 {
        self.x + self.w
    }
    /// True if `other` lies inside `self` (with a small tolerance).
    pub fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x - EPS
            && other.y >= self.y - EPS
            && other.right() <= self.right() + EPS
            && other.top() <= self.top() + EPS
    }
}

/// The laid-out document.
#[derive(Debug, Clone, PartialEq)]
pub struct Laid {
    pub page_width: f32,
    pub page_height: f32,
    pub pages: Vec<Page>,
    pub signature_fields: Vec<PlacedField>,
    /// The "DRAFT" mark as glyph outlines (filled with [`DRAFT_GREY`]),
    /// painted behind the content of every page. One shape for all pages,
    /// so the writer can store it once.
    pub draft_mark: Option<Vec<PathOp>>,
}

/// Fill colour of the draft mark: light enough not to hinder reading.
pub const DRAFT_GREY: Rgb = Rgb(0.88, 0.88, 0.88);

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// In painting order: later items are drawn over earlier ones.
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text(TextRun),
    Rect {
        rect: Rect,
        fill: Option<Rgb>,
        stroke: Option<Stroke>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        stroke: Stroke,
    },
    /// A closed path (markers, polygons).
    Path {
        ops: Vec<PathOp>,
        fill: Option<Rgb>,
        stroke: Option<Stroke>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PathOp {
    MoveTo(f32, f32),
    LineTo(f32, f32),
    CurveTo(f32, f32, f32, f32, f32, f32),
}

/// One run of text in one face, size and colour, on one baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// Start of the baseline.
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub face: FontFace,
    pub color: Rgb,
    pub text: String,
    /// Advance width of `text`.
    pub width: f32,
    /// The box this run must not leave (cell, text column, margin band).
    pub bounds: Rect,
}

impl TextRun {
    /// The run's ink box: advance width by the font's ascent and descent.
    pub fn extent(&self) -> Rect {
        let m = self.face.metrics();
        let d = m.descent(self.size);
        Rect {
            x: self.x,
            y: self.y - d,
            w: self.width,
            h: d + m.ascent(self.size),
        }
    }
}

/// An unsigned signature field to create in the PDF.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedField {
    pub name: String,
    pub page_index: usize,
    pub rect: Rect,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LayoutError {
    #[error("the document needs more than {0} pages")]
    TooManyPages(usize),
    #[error("two signature boxes share the field name {0:?}; field names must be unique")]
    DuplicateField(String),
    #[error("a signature box has an empty field name")]
    EmptyFieldName,
}

/// Page size in points.
/// Width of the text column on `paper`: what a full-width drawing gets.
pub fn column_width(paper: Paper) -> f32 {
    paper_size(paper).0 - 2.0 * MARGIN_X
}

pub fn paper_size(paper: Paper) -> (f32, f32) {
    match paper {
        Paper::Letter => (612.0, 792.0),
        Paper::A4 => (595.28, 841.89),
    }
}

/// Paginate `doc`.
pub fn layout(doc: &Document) -> Result<Laid, LayoutError> {
    let (pw, ph) = paper_size(doc.paper);
    let mut b = Builder {
        ph,
        left: MARGIN_X,
        width: pw - 2.0 * MARGIN_X,
        top: MARGIN_TOP,
        bottom: ph - MARGIN_BOTTOM,
        pages: vec![Vec::new()],
        y: MARGIN_TOP,
        fresh: true,
        fields: Vec::new(),
        next_top: MARGIN_TOP + continuation_room(doc),
    };
    for (i, block) in doc.blocks.iter().enumerate() {
        b.block(block, &doc.blocks[i + 1..])?;
    }
    let mut laid = Laid {
        page_width: pw,
        page_height: ph,
        pages: b.pages.into_iter().map(|items| Page { items }).collect(),
        signature_fields: b.fields,
        draft_mark: None,
    };
    decorate(doc, &mut laid);
    Ok(laid)
}

struct Builder {
    ph: f32,
    /// Text column, top-down.
    left: f32,
    width: f32,
    top: f32,
    bottom: f32,
    pages: Vec<Vec<Item>>,
    /// Cursor: distance from the page top.
    y: f32,
    /// Nothing placed on the current page yet.
    fresh: bool,
    fields: Vec<PlacedField>,
    /// Top of the text column on pages 2+ (below a continuation header).
    next_top: f32,
}

/// How far a continuation header pushes the body of pages 2+ down.
fn continuation_room(doc: &Document) -> f32 {
    match &doc.continuation {
        Some(c) if !c.lines.is_empty() => {
            let bottom = CONT_FIRST + CONT_PITCH * (c.lines.len() as f32 - 1.0) + 8.0;
            (bottom - MARGIN_TOP).max(0.0) + 10.0
        }
        _ => 0.0,
    }
}

/// A laid-out table cell: its column position and its lines.
struct CellBox {
    x: f32,
    w: f32,
    lines: Vec<CLine>,
    shade: Option<Rgb>,
}

enum CLine {
    Text(Line),
    Gap(f32),
}

impl CLine {
    fn height(&self) -> f32 {
        match self {
            CLine::Text(l) => l.height,
            CLine::Gap(g) => *g,
        }
    }
}

struct RowBox {
    cells: Vec<CellBox>,
}

impl RowBox {
    /// Height of the row from the given per-cell line cursors on.
    fn height_from(&self, cur: &[usize]) -> f32 {
        let min = TABLE_SIZE * text::LEADING;
        self.cells
            .iter()
            .zip(cur)
            .map(|(c, &k)| {
                c.lines[k.min(c.lines.len())..]
                    .iter()
                    .map(CLine::height)
                    .sum::<f32>()
            })
            .fold(min, f32::max)
            + 2.0 * CELL_PAD_Y
    }
    fn done(&self, cur: &[usize]) -> bool {
        self.cells.iter().zip(cur).all(|(c, &k)| k >= c.lines.len())
    }
}

impl Builder {
    fn body_height(&self) -> f32 {
        self.bottom - self.top
    }
    fn remaining(&self) -> f32 {
        self.bottom - self.y
    }
    fn new_page(&mut self) -> Result<(), LayoutError> {
        if self.pages.len() >= MAX_PAGES {
            return Err(LayoutError::TooManyPages(MAX_PAGES));
        }
        self.pages.push(Vec::new());
        self.top = self.next_top;
        self.y = self.top;
        self.fresh = true;
        Ok(())
    }
    /// Start a new page unless `h` fits here (or this page is still empty,
    /// where breaking would not help).
    fn ensure(&mut self, h: f32) -> Result<(), LayoutError> {
        if h > self.remaining() + EPS && !self.fresh {
            self.new_page()?;
        }
        Ok(())
    }
    /// Vertical space between blocks; swallowed at the top of a page.
    fn space(&mut self, h: f32) {
        if !self.fresh {
            self.y += h;
        }
    }
    fn push(&mut self, item: Item) {
        if let Some(p) = self.pages.last_mut() {
            p.push(item);
        }
        self.fresh = false;
    }
    /// PDF rectangle from top-down coordinates.
    fn rect(&self, x: f32, top: f32, w: f32, h: f32) -> Rect {
        Rect {
            x,
            y: self.ph - top - h,
            w,
            h,
        }
    }
    fn column(&self) -> Rect {
        self.rect(self.left, self.top, self.width, self.body_height())
    }

    fn emit_line(&mut self, line: &Line, x: f32, top: f32, bounds: Rect) {
        let base = self.ph - (top + line.baseline);
        for f in &line.frags {
            self.push(Item::Text(TextRun {
                x: x + line.indent + f.x,
                y: base,
                size: f.style.size,
                face: f.style.face,
                color: f.style.color,
                text: f.text.clone(),
                width: f.width,
                bounds,
            }));
        }
        self.fresh = false;
    }

    /// Body lines at `x`, breaking pages between lines. In blocks of four
    /// lines or more, neither the first line alone at the foot of a page
    /// (orphan) nor the last line alone at the head of the next (widow).
    fn flow_lines(&mut self, lines: &[Line], x: f32) -> Result<(), LayoutError> {
        let bounds = self.column();
        let n = lines.len();
        let mut on_page = 0usize;
        for (i, line) in lines.iter().enumerate() {
            let pair = line.height + lines.get(i + 1).map_or(0.0, |l| l.height);
            let need = if n >= 4 && (i == 0 || (i + 2 == n && on_page >= 2)) {
                pair
            } else {
                line.height
            };
            if need > self.remaining() + EPS && !self.fresh {
                self.new_page()?;
                on_page = 0;
            }
            let y = self.y;
            self.emit_line(line, x, y, bounds);
            self.y += line.height;
            on_page += 1;
        }
        Ok(())
    }

    /// As [`flow_lines`](Self::flow_lines), but the last two lines go to
    /// the next page together with `tail` (a letter's closing) when the
    /// closing would not fit under them: a closing never stands alone.
    fn flow_lines_keeping(&mut self, lines: &[Line], x: f32, tail: f32) -> Result<(), LayoutError> {
        let split = lines.len().saturating_sub(2);
        let (head, last) = lines.split_at(split);
        self.flow_lines(head, x)?;
        let need = text::height(last) + tail;
        if need <= self.body_height() {
            self.ensure(need)?;
        }
        self.flow_lines(last, x)
    }

    fn block(&mut self, block: &Block, rest: &[Block]) -> Result<(), LayoutError> {
        match block {
            Block::Heading { level, text } => {
                let (size, before) = heading_size(*level);
                let mut base = BaseStyle::new(size);
                base.bold = true;
                let lines = text::break_lines(text, base, self.width, Align::Left);
                self.space(before);
                // Keep the heading with the start of what follows it.
                let keep = text::height(&lines) + 4.0 + keep_height(self, rest, 0);
                let own = text::height(&lines) + 4.0 + 2.0 * BODY_SIZE * text::LEADING;
                if keep <= self.body_height() {
                    self.ensure(keep)?;
                } else {
                    self.ensure(own)?;
                }
                let x = self.left;
                self.flow_lines(&lines, x)?;
                self.y += 4.0;
            }
            Block::Paragraph { text, align } => {
                let lines = text::break_lines(text, BaseStyle::new(BODY_SIZE), self.width, *align);
                let x = self.left;
                let tail = closing_tail(self, rest);
                if tail > 0.0 {
                    self.flow_lines_keeping(&lines, x, PARA_GAP + tail)?;
                } else {
                    self.flow_lines(&lines, x)?;
                }
                self.space(PARA_GAP);
            }
            Block::List {
                ordered,
                start,
                items,
            } => self.list(*ordered, *start, items)?,
            Block::Table(t) => self.table(t)?,
            Block::Signature(s) => self.signature(s)?,
            Block::Closing(c) => self.closing(c)?,
            Block::Drawing(d) => self.drawing(d)?,
            Block::Spacer(h) => {
                let h = if h.is_finite() { h.max(0.0) } else { 0.0 };
                if h > self.remaining() {
                    if !self.fresh {
                        self.new_page()?;
                    }
                } else if h > 0.0 {
                    self.y += h;
                    self.fresh = false;
                }
            }
            Block::Rule => {
                self.ensure(10.0)?;
                self.y += 4.0;
                let y = self.ph - self.y;
                self.push(Item::Line {
                    x1: self.left,
                    y1: y,
                    x2: self.left + self.width,
                    y2: y,
                    stroke: GRID,
                });
                self.y += 6.0;
            }
            Block::PageBreak => {
                if !self.fresh {
                    self.new_page()?;
                }
            }
        }
        Ok(())
    }

    fn list(&mut self, ordered: bool, start: u32, items: &[Vec<Span>]) -> Result<(), LayoutError> {
        let style = RunStyle {
            face: FontFace::Regular,
            size: BODY_SIZE,
            color: text::BLACK,
        };
        let marker = |i: usize| -> String {
            if ordered {
                format!("{}.", u64::from(start) + i as u64)
            } else {
                "\u{2022}".to_string()
            }
        };
        let m = style.face.metrics();
        let marker_w = (0..items.len())
            .map(|i| m.text_width(&marker(i), BODY_SIZE))
            .fold(0.0, f32::max);
        let indent = 10.0;
        let text_x = self.left + indent + marker_w + 6.0;
        let text_w = (self.left + self.width - text_x).max(BODY_SIZE);
        for (i, item) in items.iter().enumerate() {
            let lines = text::break_lines(item, BaseStyle::new(BODY_SIZE), text_w, Align::Left);
            let label = marker(i);
            let lw = m.text_width(&label, BODY_SIZE);
            let first_h = lines
                .first()
                .map_or(BODY_SIZE * text::LEADING, |l| l.height);
            self.ensure(first_h)?;
            // Numbers right-aligned so that "9." and "10." line up.
            let mx = self.left + indent + marker_w - lw;
            let bounds = self.column();
            let marker_line = Line {
                frags: vec![text::Frag {
                    style,
                    text: label,
                    x: 0.0,
                    width: lw,
                }],
                indent: 0.0,
                width: lw,
                height: first_h,
                baseline: lines.first().map_or(first_h * 0.8, |l| l.baseline),
            };
            let y = self.y;
            self.emit_line(&marker_line, mx, y, bounds);
            if lines.is_empty() {
                self.y += first_h;
            }
            self.flow_lines(&lines, text_x)?;
            self.y += 2.0;
        }
        self.space(PARA_GAP - 2.0);
        Ok(())
    }

    fn signature(&mut self, s: &SignatureBox) -> Result<(), LayoutError> {
        if s.field.trim().is_empty() {
            return Err(LayoutError::EmptyFieldName);
        }
        if self.fields.iter().any(|f| f.name == s.field) {
            return Err(LayoutError::DuplicateField(s.field.clone()));
        }
        let caption_h = 11.0;
        let max_box = (self.body_height() - caption_h - 4.0).max(10.0);
        let box_h = if s.height.is_finite() {
            s.height.clamp(10.0, max_box)
        } else {
            48.0
        };
        let label_w = self.width * 0.45;
        let box_x = self.left + self.width * 0.5;
        let box_w = self.width * 0.5;
        let mut lines = Vec::new();
        for (label, value) in &s.lines {
            let spans = vec![
                Span {
                    text: label.clone(),
                    style: Style {
                        italic: true,
                        size: Some(8.0),
                        color: Some(GREY_TEXT),
                        ..Style::default()
                    },
                },
                Span::plain(format!("\n{value}")),
            ];
            lines.extend(text::break_lines(
                &spans,
                BaseStyle::new(BODY_SIZE),
                label_w,
                Align::Left,
            ));
            lines.push(Line {
                frags: Vec::new(),
                indent: 0.0,
                width: 0.0,
                height: 4.0,
                baseline: 0.0,
            });
        }
        let text_h = text::height(&lines);
        let total = text_h.max(box_h + caption_h).min(self.body_height());
        self.ensure(total)?;
        let top = self.y;
        let bounds = self.column();
        let mut ty = top;
        for l in &lines {
            if ty + l.height > self.bottom + EPS {
                // Absurdly many label lines: the rest would leave the page.
                break;
            }
            let x = self.left;
            self.emit_line(l, x, ty, bounds);
            ty += l.height;
        }
        let rect = self.rect(box_x, top, box_w, box_h);
        self.push(Item::Rect {
            rect,
            fill: None,
            stroke: Some(Stroke {
                color: Rgb(0.2, 0.2, 0.2),
                width: 0.75,
                dash: None,
            }),
        });
        let cap_style = RunStyle {
            face: FontFace::Italic,
            size: 7.0,
            color: GREY_TEXT,
        };
        let caption = text::fit_one_line("Signature", cap_style, box_w);
        let cw = cap_style.face.metrics().text_width(&caption, 7.0);
        let cap_bounds = self.rect(box_x, top + box_h, box_w, caption_h);
        self.push(Item::Text(TextRun {
            x: box_x,
            y: self.ph - (top + box_h + 8.5),
            size: 7.0,
            face: cap_style.face,
            color: cap_style.color,
            text: caption,
            width: cw,
            bounds: cap_bounds,
        }));
        self.fields.push(PlacedField {
            name: s.field.clone(),
            page_index: self.pages.len() - 1,
            rect,
        });
        self.y = top + total;
        self.space(PARA_GAP * 2.0);
        Ok(())
    }

    /// The lines of a closing: the words, then (after the signature space)
    /// the signer's lines.
    fn closing_lines(&self, c: &Closing) -> (Vec<Line>, Vec<Line>) {
        let base = BaseStyle::new(BODY_SIZE);
        let words = text::break_lines(
            &[Span::plain(c.words.clone())],
            base,
            self.width,
            Align::Left,
        );
        let mut signer = Vec::new();
        for l in c.lines.iter().filter(|l| !l.trim().is_empty()) {
            signer.extend(text::break_lines(
                &[Span::plain(l.trim().to_string())],
                base,
                self.width * 0.6,
                Align::Left,
            ));
        }
        (words, signer)
    }

    fn closing_box_height(&self, c: &Closing, signer: &[Line], words: &[Line]) -> f32 {
        let fixed = text::height(words) + text::height(signer) + 2.0 * CLOSING_GAP;
        let max_box = (self.body_height() - fixed).max(10.0);
        if c.height.is_finite() {
            c.height.clamp(10.0, max_box)
        } else {
            48.0
        }
    }

    fn closing(&mut self, c: &Closing) -> Result<(), LayoutError> {
        if c.field.trim().is_empty() {
            return Err(LayoutError::EmptyFieldName);
        }
        if self.fields.iter().any(|f| f.name == c.field) {
            return Err(LayoutError::DuplicateField(c.field.clone()));
        }
        let (words, signer) = self.closing_lines(c);
        let box_h = self.closing_box_height(c, &signer, &words);
        let total = (text::height(&words) + text::height(&signer) + box_h + 2.0 * CLOSING_GAP)
            .min(self.body_height());
        self.ensure(total)?;
        let bounds = self.column();
        let x = self.left;
        let mut ty = self.y;
        for l in &words {
            self.emit_line(l, x, ty, bounds);
            ty += l.height;
        }
        ty += CLOSING_GAP;
        // The signature space: the field the signer's visible signature is
        // drawn into, over a line for a wet signature on a printed copy.
        let box_w = (self.width * 0.45).min(230.0);
        let rect = self.rect(x, ty, box_w, box_h);
        let line_y = self.ph - (ty + box_h);
        self.push(Item::Line {
            x1: x,
            y1: line_y,
            x2: x + box_w,
            y2: line_y,
            stroke: Stroke {
                color: Rgb(0.2, 0.2, 0.2),
                width: 0.5,
                dash: None,
            },
        });
        self.fields.push(PlacedField {
            name: c.field.clone(),
            page_index: self.pages.len() - 1,
            rect,
        });
        ty += box_h + CLOSING_GAP;
        for l in &signer {
            if ty + l.height > self.bottom + EPS {
                break;
            }
            self.emit_line(l, x, ty, bounds);
            ty += l.height;
        }
        self.y = ty;
        self.space(PARA_GAP * 2.0);
        Ok(())
    }

    fn drawing(&mut self, d: &Drawing) -> Result<(), LayoutError> {
        let h = if d.height.is_finite() {
            d.height.max(0.0)
        } else {
            0.0
        };
        if h <= 0.0 {
            return Ok(());
        }
        // Never split a drawing; shrink one taller than a page.
        let mut scale = (self.body_height() / h).min(1.0);
        let mut dh = h * scale;
        if dh > self.remaining() + EPS && !self.fresh {
            // A drawing that must shrink anyway shrinks a little more rather
            // than leave a heading alone above a blank rest of page.
            if h > self.body_height() && self.remaining() >= 0.4 * self.body_height() {
                scale = self.remaining() / h;
                dh = h * scale;
            } else {
                self.new_page()?;
            }
        }
        let (x0, top, ph) = (self.left, self.y, self.ph);
        let width = self.width;
        let area = self.rect(x0, top, width, dh);
        let pt = |x: f32, y: f32| (x0 + fin(x) * scale, ph - (top + fin(y) * scale));
        for shape in &d.shapes {
            match shape {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                    hatch,
                } => {
                    let (px, py) = pt(*x, *y + h.max(0.0));
                    let rect = Rect {
                        x: px,
                        y: py,
                        w: fin(*w).max(0.0) * scale,
                        h: fin(*h).max(0.0) * scale,
                    };
                    if fill.is_some() {
                        self.push(Item::Rect {
                            rect,
                            fill: fill.map(text::clamp_rgb),
                            stroke: None,
                        });
                    }
                    if let Some(hc) = hatch {
                        for (x1, y1, x2, y2) in hatch_lines(rect, 4.0) {
                            self.push(Item::Line {
                                x1,
                                y1,
                                x2,
                                y2,
                                stroke: Stroke {
                                    color: text::clamp_rgb(*hc),
                                    width: 0.5,
                                    dash: None,
                                },
                            });
                        }
                    }
                    if let Some(s) = stroke {
                        self.push(Item::Rect {
                            rect,
                            fill: None,
                            stroke: Some(clean_stroke(*s, scale)),
                        });
                    }
                }
                Shape::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    stroke,
                } => {
                    let (a, b) = pt(*x1, *y1);
                    let (c, e) = pt(*x2, *y2);
                    self.push(Item::Line {
                        x1: a,
                        y1: b,
                        x2: c,
                        y2: e,
                        stroke: clean_stroke(*stroke, scale),
                    });
                }
                Shape::Marker {
                    x,
                    y,
                    kind,
                    size,
                    fill,
                    stroke,
                } => {
                    let (cx, cy) = pt(*x, *y);
                    let r = fin(*size).max(0.0) * scale / 2.0;
                    self.push(Item::Path {
                        ops: marker_path(*kind, cx, cy, r),
                        fill: fill.map(text::clamp_rgb),
                        stroke: stroke.map(|s| clean_stroke(s, scale)),
                    });
                }
                Shape::Text {
                    x,
                    y,
                    text,
                    style,
                    align,
                } => {
                    let mut st = BaseStyle::new(BODY_SIZE).resolve(style);
                    st.size = text::clamp_size(st.size * scale);
                    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
                    let s = text::fit_one_line(&clean, st, width);
                    let w = st.face.metrics().text_width(&s, st.size);
                    let (px, py) = pt(*x, *y);
                    let sx = match align {
                        Align::Left => px,
                        Align::Center => px - w / 2.0,
                        Align::Right => px - w,
                    };
                    // Keep labels inside the drawing area.
                    let sx = sx.clamp(x0, (x0 + width - w).max(x0));
                    let m = st.face.metrics();
                    let py = py.clamp(
                        area.y + m.descent(st.size),
                        (area.top() - m.ascent(st.size)).max(area.y),
                    );
                    self.push(Item::Text(TextRun {
                        x: sx,
                        y: py,
                        size: st.size,
                        face: st.face,
                        color: st.color,
                        text: s,
                        width: w,
                        bounds: area,
                    }));
                }
            }
        }
        self.fresh = false;
        self.y = top + dh;
        self.space(PARA_GAP);
        Ok(())
    }

    /// Column edges of a table across the text column.
    fn column_edges(&self, t: &Table) -> Vec<f32> {
        let ncols = t
            .header
            .iter()
            .chain(&t.body)
            .map(|r| r.cells.iter().map(|c| c.colspan.max(1)).sum::<usize>())
            .chain(std::iter::once(t.widths.len()))
            .max()
            .unwrap_or(0)
            .max(1);
        let given: Vec<f32> = t
            .widths
            .iter()
            .map(|w| if w.is_finite() && *w > 0.0 { *w } else { 0.0 })
            .collect();
        let positive: Vec<f32> = given.iter().copied().filter(|w| *w > 0.0).collect();
        let fallback = if positive.is_empty() {
            1.0
        } else {
            positive.iter().sum::<f32>() / positive.len() as f32
        };
        let rel: Vec<f32> = (0..ncols)
            .map(|i| match given.get(i) {
                Some(w) if *w > 0.0 => *w,
                _ => fallback,
            })
            .collect();
        let total: f32 = rel.iter().sum();
        let mut xs = vec![self.left];
        for r in &rel {
            let last = xs[xs.len() - 1];
            xs.push(last + self.width * r / total);
        }
        xs
    }

    /// What must fit for a table to start on this page: its header and the
    /// start of its first body row.
    fn table_start(header: &[RowBox], first: Option<&RowBox>) -> f32 {
        let header_h: f32 = header
            .iter()
            .map(|r| r.height_from(&vec![0; r.cells.len()]))
            .sum();
        let first = first.map_or(0.0, |r| {
            let full = r.height_from(&vec![0; r.cells.len()]);
            full.min(2.0 * CELL_PAD_Y + 3.0 * TABLE_SIZE * text::LEADING)
        });
        header_h + first
    }

    fn table(&mut self, t: &Table) -> Result<(), LayoutError> {
        let xs = self.column_edges(t);
        let header: Vec<RowBox> = t.header.iter().map(|r| build_row(r, &xs, true)).collect();
        let body: Vec<RowBox> = t.body.iter().map(|r| build_row(r, &xs, false)).collect();
        let header_h: f32 = header
            .iter()
            .map(|r| r.height_from(&vec![0; r.cells.len()]))
            .sum();
        let repeat = header_h <= self.body_height() / 2.0;

        // Keep the header with (the start of) the first body row.
        self.ensure(Self::table_start(&header, body.first()))?;
        for row in &header {
            self.place_row(row, None)?;
        }
        let repeat_rows = if repeat {
            Some(header.as_slice())
        } else {
            None
        };
        for row in &body {
            self.place_row(row, repeat_rows)?;
        }
        self.space(PARA_GAP + 2.0);
        Ok(())
    }

    fn new_table_page(&mut self, header: Option<&[RowBox]>) -> Result<(), LayoutError> {
        self.new_page()?;
        if let Some(rows) = header {
            for r in rows {
                let from = vec![0; r.cells.len()];
                let to: Vec<usize> = r.cells.iter().map(|c| c.lines.len()).collect();
                let h = r.height_from(&from);
                self.draw_segment(r, &from, &to, h);
            }
        }
        Ok(())
    }

    fn place_row(&mut self, row: &RowBox, header: Option<&[RowBox]>) -> Result<(), LayoutError> {
        let header_h: f32 = header.map_or(0.0, |rows| {
            rows.iter()
                .map(|r| r.height_from(&vec![0; r.cells.len()]))
                .sum()
        });
        let mut cur = vec![0usize; row.cells.len()];
        // Whether this page holds nothing of the table's body yet (only,
        // perhaps, the repeated header): moving on would not help.
        let mut page_start = self.fresh;
        loop {
            let need = row.height_from(&cur);
            let avail = self.remaining();
            if need <= avail + EPS {
                let to: Vec<usize> = row.cells.iter().map(|c| c.lines.len()).collect();
                self.draw_segment(row, &cur, &to, need);
                return Ok(());
            }
            // A short row moves whole to the next page; splitting it would
            // leave a line or two stranded.
            let fits_fresh = need <= self.body_height() - header_h;
            let short = need <= self.body_height() * 0.35;
            let (to, seg_content) = take_lines(row, &cur, avail - 2.0 * CELL_PAD_Y);
            let progress = to.iter().zip(&cur).any(|(a, b)| a > b);
            if !page_start && (fits_fresh && short || !progress) {
                self.new_table_page(header)?;
                page_start = true;
                continue;
            }
            if !progress {
                // Even a fresh page cannot take one line (only possible with
                // a header taller than the page): draw the row as it falls.
                let to: Vec<usize> = row.cells.iter().map(|c| c.lines.len()).collect();
                let h = need.min(avail.max(0.0));
                self.draw_segment(row, &cur, &to, h);
                return Ok(());
            }
            self.draw_segment(row, &cur, &to, seg_content + 2.0 * CELL_PAD_Y);
            cur = to;
            if row.done(&cur) {
                return Ok(());
            }
            self.new_table_page(header)?;
            page_start = true;
        }
    }

    /// Draw lines `from..to` of every cell of `row` as a band of height `h`
    /// at the cursor, and move the cursor below it.
    fn draw_segment(&mut self, row: &RowBox, from: &[usize], to: &[usize], h: f32) {
        let top = self.y;
        for cell in &row.cells {
            if let Some(shade) = cell.shade {
                let r = self.rect(cell.x, top, cell.w, h);
                self.push(Item::Rect {
                    rect: r,
                    fill: Some(shade),
                    stroke: None,
                });
            }
        }
        for (i, cell) in row.cells.iter().enumerate() {
            let bounds = self.rect(
                cell.x + CELL_PAD_X,
                top,
                (cell.w - 2.0 * CELL_PAD_X).max(0.0),
                h,
            );
            let mut ty = top + CELL_PAD_Y;
            let (a, b) = (from[i].min(cell.lines.len()), to[i].min(cell.lines.len()));
            for (k, cl) in cell.lines[a..b].iter().enumerate() {
                match cl {
                    // A gap at the top of a continued cell is wasted space.
                    CLine::Gap(g) => {
                        if k > 0 {
                            ty += g
                        }
                    }
                    CLine::Text(line) => {
                        self.emit_line(line, cell.x + CELL_PAD_X, ty, bounds);
                        ty += line.height;
                    }
                }
            }
        }
        for cell in &row.cells {
            let r = self.rect(cell.x, top, cell.w, h);
            self.push(Item::Rect {
                rect: r,
                fill: None,
                stroke: Some(GRID),
            });
        }
        self.y = top + h;
        self.fresh = false;
    }
}

/// For each cell, how many lines from `cur` fit in `room`; and the tallest
/// cell's content height.
fn take_lines(row: &RowBox, cur: &[usize], room: f32) -> (Vec<usize>, f32) {
    let mut to = Vec::with_capacity(cur.len());
    let mut tallest = 0.0f32;
    for (cell, &k) in row.cells.iter().zip(cur) {
        let mut acc = 0.0;
        let mut j = k;
        while j < cell.lines.len() {
            let lh = match &cell.lines[j] {
                CLine::Gap(_) if j == k => 0.0,
                l => l.height(),
            };
            if acc + lh > room + EPS {
                break;
            }
            acc += lh;
            j += 1;
        }
        tallest = tallest.max(acc);
        to.push(j);
    }
    (to, tallest)
}

fn build_row(row: &Row, xs: &[f32], header: bool) -> RowBox {
    let ncols = xs.len() - 1;
    let mut cells = Vec::new();
    let mut col = 0usize;
    let empty = Cell::default();
    let mut iter = row.cells.iter();
    while col < ncols {
        let cell = iter.next().unwrap_or(&empty);
        let span = cell.colspan.max(1).min(ncols - col);
        let x = xs[col];
        let w = xs[col + span] - x;
        let mut base = BaseStyle::new(TABLE_SIZE);
        base.bold = header;
        let mut lines = Vec::new();
        for (i, p) in cell.paragraphs.iter().enumerate() {
            if i > 0 {
                lines.push(CLine::Gap(3.0));
            }
            for l in text::break_lines(p, base, w - 2.0 * CELL_PAD_X, cell.align) {
                lines.push(CLine::Text(l));
            }
        }
        cells.push(CellBox {
            x,
            w,
            lines,
            shade: cell.shade.map(text::clamp_rgb),
        });
        col += span;
    }
    RowBox { cells }
}

fn heading_size(level: u8) -> (f32, f32) {
    match level {
        0 | 1 => (15.0, 14.0),
        2 => (12.5, 10.0),
        _ => (11.0, 8.0),
    }
}

/// Height that must fit below a heading: the start of the following blocks.
fn keep_height(b: &Builder, rest: &[Block], depth: usize) -> f32 {
    let Some(next) = rest.first() else {
        return 0.0;
    };
    if depth > 4 {
        return 0.0;
    }
    match next {
        Block::Heading { level, text } => {
            let (size, before) = heading_size(*level);
            let mut base = BaseStyle::new(size);
            base.bold = true;
            let lines = text::break_lines(text, base, b.width, Align::Left);
            before + text::height(&lines) + 4.0 + keep_height(b, &rest[1..], depth + 1)
        }
        Block::Paragraph { text, align } => {
            let lines = text::break_lines(text, BaseStyle::new(BODY_SIZE), b.width, *align);
            lines.iter().take(2).map(|l| l.height).sum()
        }
        Block::List { items, .. } => items
            .first()
            .map_or(0.0, |_| BODY_SIZE * text::LEADING * 2.0),
        Block::Table(t) => {
            let xs = b.column_edges(t);
            let header: Vec<RowBox> = t.header.iter().map(|r| build_row(r, &xs, true)).collect();
            let first = t.body.first().map(|r| build_row(r, &xs, false));
            Builder::table_start(&header, first.as_ref())
        }
        Block::Signature(s) => {
            let h = if s.height.is_finite() { s.height } else { 48.0 };
            h + 11.0
        }
        Block::Closing(c) => closing_height(b, c),
        Block::Drawing(d) => {
            if !d.height.is_finite() {
                0.0
            } else if d.height > b.body_height() {
                // Will be shrunk to fit whatever is left (see `drawing`).
                0.4 * b.body_height()
            } else {
                d.height.max(0.0)
            }
        }
        Block::Spacer(_) | Block::Rule | Block::PageBreak => 0.0,
    }
}

/// Height of a closing as it will be laid out.
fn closing_height(b: &Builder, c: &Closing) -> f32 {
    let (words, signer) = b.closing_lines(c);
    let box_h = b.closing_box_height(c, &signer, &words);
    text::height(&words) + text::height(&signer) + box_h + 2.0 * CLOSING_GAP
}

/// The room a closing right after this block needs (spacers before it
/// included), or 0 when no closing follows. A one-line paragraph between
/// this block and the closing counts in, so that the closing still has two
/// body lines above it ("Please call me." alone would be one).
fn closing_tail(b: &Builder, rest: &[Block]) -> f32 {
    closing_tail_from(b, rest, true)
}

fn closing_tail_from(b: &Builder, rest: &[Block], may_skip: bool) -> f32 {
    let mut spacer = 0.0;
    for (i, block) in rest.iter().enumerate() {
        match block {
            Block::Spacer(h) if h.is_finite() => spacer += h.max(0.0),
            Block::Closing(c) => return spacer + closing_height(b, c),
            Block::Paragraph { text, align } if may_skip => {
                let lines = text::break_lines(text, BaseStyle::new(BODY_SIZE), b.width, *align);
                if lines.len() != 1 {
                    return 0.0;
                }
                let after = closing_tail_from(b, &rest[i + 1..], false);
                return if after > 0.0 {
                    spacer + PARA_GAP + text::height(&lines) + after
                } else {
                    0.0
                };
            }
            _ => return 0.0,
        }
    }
    0.0
}

fn fin(v: f32) -> f32 {
    if v.is_finite() { v } else { 0.0 }
}

fn clean_stroke(s: Stroke, scale: f32) -> Stroke {
    let width = if s.width.is_finite() {
        (s.width * scale).clamp(0.0, 20.0)
    } else {
        0.5
    };
    let dash = s.dash.and_then(|(a, b)| {
        let (a, b) = (fin(a).max(0.0) * scale, fin(b).max(0.0) * scale);
        (a + b > 0.0).then_some((a, b))
    });
    Stroke {
        color: text::clamp_rgb(s.color),
        width,
        dash,
    }
}

/// 45° hatching lines clipped to `r`, `gap` points apart.
fn hatch_lines(r: Rect, gap: f32) -> Vec<(f32, f32, f32, f32)> {
    let mut out = Vec::new();
    if r.w <= 0.0 || r.h <= 0.0 {
        return out;
    }
    // Lines x - y = c, for c from (x0 - y1) to (x1 - y0).
    let (x0, y0, x1, y1) = (r.x, r.y, r.right(), r.top());
    let mut c = x0 - y1 + gap;
    while c < x1 - y0 {
        // Entry: where the line meets the left or bottom edge.
        let (sx, sy) = if c + y0 >= x0 {
            (c + y0, y0)
        } else {
            (x0, x0 - c)
        };
        let (ex, ey) = if c + y1 <= x1 {
            (c + y1, y1)
        } else {
            (x1, x1 - c)
        };
        out.push((sx, sy, ex, ey));
        c += gap;
        if out.len() > 10_000 {
            break;
        }
    }
    out
}

fn marker_path(kind: MarkerKind, cx: f32, cy: f32, r: f32) -> Vec<PathOp> {
    use PathOp::*;
    match kind {
        MarkerKind::Circle => {
            // Four cubic arcs; 0.5523 is the usual circle constant.
            let k = 0.552_284_8 * r;
            vec![
                MoveTo(cx + r, cy),
                CurveTo(cx + r, cy + k, cx + k, cy + r, cx, cy + r),
                CurveTo(cx - k, cy + r, cx - r, cy + k, cx - r, cy),
                CurveTo(cx - r, cy - k, cx - k, cy - r, cx, cy - r),
                CurveTo(cx + k, cy - r, cx + r, cy - k, cx + r, cy),
            ]
        }
        MarkerKind::Square => vec![
            MoveTo(cx - r, cy - r),
            LineTo(cx + r, cy - r),
            LineTo(cx + r, cy + r),
            LineTo(cx - r, cy + r),
        ],
        MarkerKind::Diamond => vec![
            MoveTo(cx, cy - r),
            LineTo(cx + r, cy),
            LineTo(cx, cy + r),
            LineTo(cx - r, cy),
        ],
        MarkerKind::Triangle => vec![
            MoveTo(cx - r, cy - r * 0.8),
            LineTo(cx + r, cy - r * 0.8),
            LineTo(cx, cy + r),
        ],
    }
}

/// Running header, footer, page numbers and the draft mark, added once the
/// page count is known.
fn decorate(doc: &Document, laid: &mut Laid) {
    let (pw, ph) = (laid.page_width, laid.page_height);
    let n = laid.pages.len();
    let small = RunStyle {
        face: FontFace::Italic,
        size: 8.0,
        color: GREY_TEXT,
    };
    let m = small.face.metrics();
    let inner = pw - 2.0 * MARGIN_X;
    let header_band = Rect {
        x: MARGIN_X,
        y: ph - MARGIN_TOP,
        w: inner,
        h: MARGIN_TOP,
    };
    let footer_band = Rect {
        x: MARGIN_X,
        y: 0.0,
        w: inner,
        h: MARGIN_BOTTOM,
    };
    let run = |text: String, x: f32, y: f32, bounds: Rect| {
        let width = m.text_width(&text, small.size);
        Item::Text(TextRun {
            x,
            y,
            size: small.size,
            face: small.face,
            color: small.color,
            text,
            width,
            bounds,
        })
    };
    let cont = RunStyle {
        face: FontFace::Regular,
        size: 8.5,
        color: GREY_TEXT,
    };
    let cm = cont.face.metrics();
    let cont_band = Rect {
        x: MARGIN_X,
        y: ph - (MARGIN_TOP + continuation_room(doc)),
        w: inner,
        h: MARGIN_TOP + continuation_room(doc),
    };
    let cont_run = |text: String, x: f32, y: f32| {
        let width = cm.text_width(&text, cont.size);
        Item::Text(TextRun {
            x,
            y,
            size: cont.size,
            face: cont.face,
            color: cont.color,
            text,
            width,
            bounds: cont_band,
        })
    };
    for (i, page) in laid.pages.iter_mut().enumerate() {
        let mut deco = Vec::new();
        if let Some(c) = doc
            .continuation
            .as_ref()
            .filter(|c| i > 0 && !c.lines.is_empty())
        {
            let num = format!("Page {} of {}", i + 1, n);
            let nw = cm.text_width(&num, cont.size);
            let last = c.lines.len() - 1;
            for (k, line) in c.lines.iter().enumerate() {
                let y = ph - (CONT_FIRST + CONT_PITCH * k as f32);
                let room = if k == last { inner - nw - 12.0 } else { inner };
                let text = text::fit_one_line(&one_line(line), cont, room.max(0.0));
                if !text.is_empty() {
                    deco.push(cont_run(text, MARGIN_X, y));
                }
                if k == last {
                    deco.push(cont_run(num.clone(), pw - MARGIN_X - nw, y));
                }
            }
            let ry = ph - (CONT_FIRST + CONT_PITCH * last as f32 + 6.0);
            deco.push(Item::Line {
                x1: MARGIN_X,
                y1: ry,
                x2: pw - MARGIN_X,
                y2: ry,
                stroke: GRID,
            });
        }
        if let Some(h) = &doc.header {
            let y = ph - (MARGIN_TOP - 24.0);
            let right = text::fit_one_line(&one_line(&h.right), small, inner * 0.45);
            let rw = m.text_width(&right, small.size);
            let left = text::fit_one_line(&one_line(&h.left), small, (inner - rw - 12.0).max(0.0));
            if !left.is_empty() {
                deco.push(run(left, MARGIN_X, y, header_band));
            }
            if !right.is_empty() {
                deco.push(run(right, pw - MARGIN_X - rw, y, header_band));
            }
            let ry = ph - (MARGIN_TOP - 18.0);
            deco.push(Item::Line {
                x1: MARGIN_X,
                y1: ry,
                x2: pw - MARGIN_X,
                y2: ry,
                stroke: GRID,
            });
        }
        let y = MARGIN_BOTTOM - 30.0;
        let number = match doc.footer.page_numbers {
            PageNumbers::All => true,
            PageNumbers::FromSecond => i > 0,
            PageNumbers::None => false,
        };
        let num = if number {
            format!("Page {} of {}", i + 1, n)
        } else {
            String::new()
        };
        let nw = m.text_width(&num, small.size);
        if let Some(left) = &doc.footer.left {
            let left = text::fit_one_line(&one_line(left), small, (inner - nw - 12.0).max(0.0));
            if !left.is_empty() {
                deco.push(run(left, MARGIN_X, y, footer_band));
            }
        }
        if number {
            deco.push(run(num, pw - MARGIN_X - nw, y, footer_band));
        }
        page.items.extend(deco);
    }
    if doc.draft {
        laid.draft_mark = Some(draft_mark(pw, ph));
    }
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The draft mark, as glyph outlines rather than text: text would be
/// extracted by `pdftotext` and copy-paste, interleaved with the real text.
fn draft_mark(pw: f32, ph: f32) -> Vec<PathOp> {
    let face = FontFace::Bold;
    let size = 110.0;
    let text = "DRAFT";
    let m = face.metrics();
    let w = m.text_width(text, size);
    let angle = (ph / pw).atan();
    let (c, s) = (angle.cos(), angle.sin());
    // Centre the word's box (width by cap height) on the page centre.
    let cap = f32::from(m.cap_height) * size / f32::from(m.units_per_em);
    let x0 = pw / 2.0 - (w / 2.0) * c + (cap / 2.0) * s;
    let y0 = ph / 2.0 - (w / 2.0) * s - (cap / 2.0) * c;
    let k = size / f32::from(m.units_per_em);
    let mut b = Outline {
        ops: Vec::new(),
        k,
        c,
        s,
        x0,
        y0,
        pen: 0.0,
        last: (0.0, 0.0),
    };
    for ch in text.chars() {
        m.outline(ch, &mut b);
        b.pen += f32::from(m.glyph(ch).1);
    }
    b.ops
}

/// Collects glyph outlines, scaled, rotated and placed on the page.
struct Outline {
    ops: Vec<PathOp>,
    /// Font units to points.
    k: f32,
    c: f32,
    s: f32,
    x0: f32,
    y0: f32,
    /// Advance of the glyphs so far, font units.
    pen: f32,
    /// Last point in font units, for quadratic-to-cubic conversion.
    last: (f32, f32),
}

impl Outline {
    fn map(&self, x: f32, y: f32) -> (f32, f32) {
        let (x, y) = ((x + self.pen) * self.k, y * self.k);
        (
            self.x0 + x * self.c - y * self.s,
            self.y0 + x * self.s + y * self.c,
        )
    }
}

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        let (a, b) = self.map(x, y);
        self.ops.push(PathOp::MoveTo(a, b));
        self.last = (x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let (a, b) = self.map(x, y);
        self.ops.push(PathOp::LineTo(a, b));
        self.last = (x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        // The cubic with the same curve: control points 2/3 of the way
        // from each end point to the quadratic control point.
        let (lx, ly) = self.last;
        let c1 = (lx + 2.0 / 3.0 * (x1 - lx), ly + 2.0 / 3.0 * (y1 - ly));
        let c2 = (x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
        let (a, b) = self.map(c1.0, c1.1);
        let (c, d) = self.map(c2.0, c2.1);
        let (e, f) = self.map(x, y);
        self.ops.push(PathOp::CurveTo(a, b, c, d, e, f));
        self.last = (x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (a, b) = self.map(x1, y1);
        let (c, d) = self.map(x2, y2);
        let (e, f) = self.map(x, y);
        self.ops.push(PathOp::CurveTo(a, b, c, d, e, f));
        self.last = (x, y);
    }
    fn close(&mut self) {}
}
