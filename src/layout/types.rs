//! The laid-out document: pages of positioned items, in PDF user space.

use super::*;

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
