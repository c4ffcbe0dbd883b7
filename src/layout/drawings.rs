//! Drawings: shapes, hatching and timeline markers, scaled into the column.

use super::*;

impl Builder {
    pub(super) fn drawing(&mut self, d: &Drawing) -> Result<(), LayoutError> {
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
