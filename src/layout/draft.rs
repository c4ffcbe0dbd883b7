//! The DRAFT mark, drawn behind every page of a draft.

use super::*;

/// Fill colour of the draft mark: light enough not to hinder reading.
pub const DRAFT_GREY: Rgb = Rgb(0.88, 0.88, 0.88);

/// The draft mark, as glyph outlines rather than text: text would be
/// extracted by `pdftotext` and copy-paste, interleaved with the real text.
pub(super) fn draft_mark(pw: f32, ph: f32) -> Vec<PathOp> {
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
