//! The timeline chart as SVG: the same `documents::timeline` drawings the
//! PDF page is laid out from (one computation), only written in another
//! vector language. Coordinates are the drawing's own (points, y down).

use std::fmt::Write as _;

use crate::documents::{Align, Block, Drawing, MarkerKind, Rgb, Shape, Stroke};

fn rgb(c: Rgb) -> String {
    let ch = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("#{:02x}{:02x}{:02x}", ch(c.0), ch(c.1), ch(c.2))
}

fn esc(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fin(v: f32) -> f32 {
    if v.is_finite() { v } else { 0.0 }
}

fn stroke_attrs(s: Option<&Stroke>) -> String {
    match s {
        None => " stroke=\"none\"".into(),
        Some(s) => {
            let mut a = format!(
                " stroke=\"{}\" stroke-width=\"{}\"",
                rgb(s.color),
                fin(s.width)
            );
            if let Some((on, off)) = s.dash {
                let _ = write!(a, " stroke-dasharray=\"{} {}\"", fin(on), fin(off));
            }
            a
        }
    }
}

fn fill_attr(f: Option<Rgb>) -> String {
    match f {
        Some(c) => format!(" fill=\"{}\"", rgb(c)),
        None => " fill=\"none\"".into(),
    }
}

/// One drawing as an `<svg>` element `width` points wide; `title` is its
/// accessible name.
pub fn drawing(d: &Drawing, width: f32, title: &str) -> String {
    let h = fin(d.height).max(0.0);
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {h}\" role=\"img\" class=\"timeline\"><title>{}</title>\
         <defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"currentColor\" stroke-width=\"0.5\"/></pattern></defs>",
        esc(title)
    );
    for s in &d.shapes {
        match s {
            Shape::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
                hatch,
            } => {
                let geo = format!(
                    "x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
                    fin(*x),
                    fin(*y),
                    fin(*w).max(0.0),
                    fin(*h).max(0.0)
                );
                let _ = write!(
                    o,
                    "<rect {geo}{}{}/>",
                    fill_attr(*fill),
                    stroke_attrs(stroke.as_ref())
                );
                if let Some(c) = hatch {
                    let _ = write!(
                        o,
                        "<rect {geo} fill=\"url(#hatch)\" style=\"color:{}\"/>",
                        rgb(*c)
                    );
                }
            }
            Shape::Line {
                x1,
                y1,
                x2,
                y2,
                stroke,
            } => {
                let _ = write!(
                    o,
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"{}/>",
                    fin(*x1),
                    fin(*y1),
                    fin(*x2),
                    fin(*y2),
                    stroke_attrs(Some(stroke))
                );
            }
            Shape::Marker {
                x,
                y,
                kind,
                size,
                fill,
                stroke,
            } => {
                let (cx, cy, r) = (fin(*x), fin(*y), fin(*size).max(0.0) / 2.0);
                let paint = format!("{}{}", fill_attr(*fill), stroke_attrs(stroke.as_ref()));
                let _ = match kind {
                    MarkerKind::Circle => {
                        write!(o, "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{r}\"{paint}/>")
                    }
                    MarkerKind::Square => write!(
                        o,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{paint}/>",
                        cx - r,
                        cy - r,
                        2.0 * r,
                        2.0 * r
                    ),
                    MarkerKind::Diamond => write!(
                        o,
                        "<polygon points=\"{cx},{} {},{cy} {cx},{} {},{cy}\"{paint}/>",
                        cy - r,
                        cx + r,
                        cy + r,
                        cx - r
                    ),
                    MarkerKind::Triangle => write!(
                        o,
                        "<polygon points=\"{cx},{} {},{} {},{}\"{paint}/>",
                        cy - r,
                        cx + r,
                        cy + r,
                        cx - r,
                        cy + r
                    ),
                };
            }
            Shape::Text {
                x,
                y,
                text,
                style,
                align,
            } => {
                let anchor = match align {
                    Align::Left => "start",
                    Align::Center => "middle",
                    Align::Right => "end",
                };
                let _ = write!(
                    o,
                    "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\"{}{}{}>{}</text>",
                    fin(*x),
                    fin(*y),
                    fin(style.size.unwrap_or(10.0)),
                    if style.bold {
                        " font-weight=\"bold\""
                    } else {
                        ""
                    },
                    if style.italic {
                        " font-style=\"italic\""
                    } else {
                        ""
                    },
                    style
                        .color
                        .map(|c| format!(" fill=\"{}\"", rgb(c)))
                        .unwrap_or_default(),
                    esc(text)
                );
            }
        }
    }
    o.push_str("</svg>");
    o
}

/// Every drawing among `blocks` (the timeline page's), as SVG.
pub fn drawings(blocks: &[Block], width: f32, title: &str) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Drawing(d) => Some(drawing(d, width, title)),
            _ => None,
        })
        .collect()
}
