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

mod draft;
mod drawings;
mod running;
mod tables;
mod types;

pub use draft::DRAFT_GREY;
pub use types::{Item, Laid, LayoutError, Page, PathOp, PlacedField, Rect, TextRun};

use draft::draft_mark;
use running::decorate;
use tables::{RowBox, build_row};

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

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
