//! Line breaking of styled text with the bundled fonts' real advance widths.
//!
//! Greedy, first-fit: a line takes words while they fit. Breaks are allowed
//! at spaces (which then vanish), after a hyphen or slash inside a word (so
//! "Import-Export" and paths can wrap), and — as a last resort for tokens
//! wider than the whole line, such as URLs or 64-hex hashes — between any
//! two characters. A `\n` in the text forces a break.

use crate::documents::{Align, Rgb, Span};
use crate::fonts::FontFace;

/// Font sizes outside this range are clamped: a line must always fit on a
/// page, and sub-4 pt text is unreadable.
pub const MIN_SIZE: f32 = 4.0;
pub const MAX_SIZE: f32 = 72.0;
/// Line height as a multiple of the largest font size on the line.
pub const LEADING: f32 = 1.25;

pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);

/// A resolved style: which face, how big, what colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunStyle {
    pub face: FontFace,
    pub size: f32,
    pub color: Rgb,
}

/// Defaults applied to spans that leave a property unset.
#[derive(Debug, Clone, Copy)]
pub struct BaseStyle {
    pub size: f32,
    pub bold: bool,
    pub italic: bool,
    pub color: Rgb,
}

impl BaseStyle {
    pub fn new(size: f32) -> BaseStyle {
        BaseStyle {
            size,
            bold: false,
            italic: false,
            color: BLACK,
        }
    }

    pub fn resolve(&self, span: &crate::documents::Style) -> RunStyle {
        let size = span.size.unwrap_or(self.size);
        RunStyle {
            face: FontFace::for_style(span.bold || self.bold, span.italic || self.italic),
            size: clamp_size(size),
            color: span.color.map(clamp_rgb).unwrap_or(self.color),
        }
    }
}

pub fn clamp_size(size: f32) -> f32 {
    if size.is_finite() {
        size.clamp(MIN_SIZE, MAX_SIZE)
    } else {
        10.0
    }
}

pub fn clamp_rgb(c: Rgb) -> Rgb {
    let f = |v: f32| {
        if v.is_finite() {
            v.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    Rgb(f(c.0), f(c.1), f(c.2))
}

/// A piece of one line in one style.
#[derive(Debug, Clone, PartialEq)]
pub struct Frag {
    pub style: RunStyle,
    pub text: String,
    /// Offset from the start of the line.
    pub x: f32,
    pub width: f32,
}

/// One laid-out line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub frags: Vec<Frag>,
    /// Horizontal offset of the line inside its box (alignment).
    pub indent: f32,
    pub width: f32,
    /// Distance from the line's top to the next line's top.
    pub height: f32,
    /// Distance from the line's top to its baseline.
    pub baseline: f32,
}

#[derive(Clone, Copy)]
struct GChar {
    c: char,
    style: u16,
}

/// Break `spans` into lines no wider than `width` points.
pub fn break_lines(spans: &[Span], base: BaseStyle, width: f32, align: Align) -> Vec<Line> {
    let width = if width.is_finite() {
        width.max(1.0)
    } else {
        1.0
    };
    let mut styles: Vec<RunStyle> = Vec::new();
    let mut chars: Vec<GChar> = Vec::new();
    for span in spans {
        let st = base.resolve(&span.style);
        let idx = match styles.iter().position(|s| *s == st) {
            Some(i) => i,
            None => {
                styles.push(st);
                styles.len() - 1
            }
        };
        // More than 65k distinct styles in one paragraph is not a document
        // anyone writes; fold the excess into the last style.
        let idx = idx.min(u16::MAX as usize) as u16;
        for c in span.text.chars() {
            let c = match c {
                '\t' => ' ',
                '\n' => '\n',
                c if c.is_control() => continue,
                c => c,
            };
            chars.push(GChar { c, style: idx });
        }
    }
    if styles.is_empty() {
        styles.push(base.resolve(&crate::documents::Style::default()));
    }

    // prefix[i] = width of chars[..i]; makes any sub-range width O(1).
    let mut prefix = Vec::with_capacity(chars.len() + 1);
    prefix.push(0.0f32);
    let mut acc = 0.0f32;
    for g in &chars {
        let st = &styles[g.style as usize];
        if g.c != '\n' {
            acc += st.face.metrics().char_width(g.c, st.size);
        }
        prefix.push(acc);
    }

    let mut lines = Vec::new();
    let n = chars.len();
    let mut start = 0usize;
    // Last break opportunity: (end of this line's content, start of next line).
    let mut brk: Option<(usize, usize)> = None;
    let mut i = 0usize;
    while i < n {
        let c = chars[i].c;
        if c == '\n' {
            lines.push(make_line(
                &chars,
                &styles,
                &prefix,
                start,
                trim_end(&chars, start, i),
                base,
            ));
            start = i + 1;
            brk = None;
            i += 1;
            continue;
        }
        if c == ' ' {
            // A space never starts an overflow: it vanishes at a break.
            let mut j = i;
            while j < n && chars[j].c == ' ' {
                j += 1;
            }
            brk = Some((i, j));
            i = j;
            continue;
        }
        let line_w = prefix[i + 1] - prefix[start];
        if line_w > width && i > start {
            let (end, next) = match brk {
                Some(b) if b.0 > start => b,
                // No word boundary on this line: cut the token here.
                _ => (i, i),
            };
            lines.push(make_line(&chars, &styles, &prefix, start, end, base));
            start = next;
            brk = None;
            // Rescan the carried-over part of the word: it may hold break
            // opportunities (hyphens) that the new line can use.
            i = start;
            continue;
        }
        if (c == '-' || c == '/' || c == '\u{2013}' || c == '\u{2014}')
            && i > start
            && chars[i - 1].c != ' '
            && i + 1 < n
            && !matches!(chars[i + 1].c, ' ' | '\n')
        {
            brk = Some((i + 1, i + 1));
        }
        i += 1;
    }
    if start < n {
        let end = trim_end(&chars, start, n);
        if end > start {
            lines.push(make_line(&chars, &styles, &prefix, start, end, base));
        }
    }

    for line in &mut lines {
        line.indent = match align {
            Align::Left => 0.0,
            Align::Center => ((width - line.width) / 2.0).max(0.0),
            Align::Right => (width - line.width).max(0.0),
        };
    }
    lines
}

fn trim_end(chars: &[GChar], start: usize, mut end: usize) -> usize {
    while end > start && chars[end - 1].c == ' ' {
        end -= 1;
    }
    end
}

fn make_line(
    chars: &[GChar],
    styles: &[RunStyle],
    prefix: &[f32],
    start: usize,
    end: usize,
    base: BaseStyle,
) -> Line {
    let mut frags: Vec<Frag> = Vec::new();
    let mut i = start;
    while i < end {
        let s = chars[i].style;
        let mut j = i;
        let mut text = String::new();
        while j < end && chars[j].style == s {
            text.push(chars[j].c);
            j += 1;
        }
        frags.push(Frag {
            style: styles[s as usize],
            text,
            x: prefix[i] - prefix[start],
            width: prefix[j] - prefix[i],
        });
        i = j;
    }
    let (size, ascent) = if frags.is_empty() {
        let size = clamp_size(base.size);
        (size, FontFace::Regular.metrics().ascent(size))
    } else {
        frags.iter().fold((0.0f32, 0.0f32), |(s, a), f| {
            (
                s.max(f.style.size),
                a.max(f.style.face.metrics().ascent(f.style.size)),
            )
        })
    };
    let height = size * LEADING;
    // Centre the font's ascent+descent in the line box; DejaVu's extent is
    // about 1.16 em, so this leaves a little air above and below.
    let extent = ascent + FontFace::Regular.metrics().descent(size);
    let baseline = ((height - extent) / 2.0).max(0.0) + ascent;
    Line {
        width: prefix[end] - prefix[start],
        frags,
        indent: 0.0,
        height,
        baseline,
    }
}

/// Total height of `lines`.
pub fn height(lines: &[Line]) -> f32 {
    lines.iter().map(|l| l.height).sum()
}

/// Shorten `text` with an ellipsis until it fits `width` (running headers).
pub fn fit_one_line(text: &str, style: RunStyle, width: f32) -> String {
    style
        .face
        .metrics()
        .fit_with_ellipsis(text, style.size, width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::Span;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.frags.iter().map(|f| f.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn breaks_at_spaces_and_fits() {
        let spans = vec![Span::plain(
            "the quick brown fox jumps over the lazy dog ".repeat(10),
        )];
        let lines = break_lines(&spans, BaseStyle::new(10.0), 150.0, Align::Left);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(l.width <= 150.0 + 1e-3, "{}", l.width);
            let t: String = l.frags.iter().map(|f| f.text.as_str()).collect();
            assert!(!t.starts_with(' ') && !t.ends_with(' '), "{t:?}");
        }
        let joined = texts(&lines).join(" ");
        assert_eq!(
            joined,
            "the quick brown fox jumps over the lazy dog "
                .repeat(10)
                .trim_end()
        );
    }

    #[test]
    fn long_tokens_are_cut_at_the_edge() {
        let hash = "a3f1".repeat(16);
        let lines = break_lines(
            &[Span::plain(hash.clone())],
            BaseStyle::new(9.0),
            60.0,
            Align::Left,
        );
        assert!(lines.len() > 1);
        assert_eq!(texts(&lines).concat(), hash);
        assert!(lines.iter().all(|l| l.width <= 60.0 + 1e-3));
    }

    #[test]
    fn breaks_after_hyphen_and_slash() {
        let lines = break_lines(
            &[Span::plain("Müller-Lüdenscheidt/Import-Export")],
            BaseStyle::new(10.0),
            90.0,
            Align::Left,
        );
        let t = texts(&lines);
        assert!(t.len() > 1);
        assert!(t[0].ends_with('-') || t[0].ends_with('/'), "{t:?}");
        assert_eq!(t.concat(), "Müller-Lüdenscheidt/Import-Export");
    }

    #[test]
    fn newline_forces_break_and_styles_split_frags() {
        let spans = vec![Span::bold("Name:"), Span::plain(" Robert\nChen")];
        let lines = break_lines(&spans, BaseStyle::new(10.0), 400.0, Align::Left);
        assert_eq!(texts(&lines), vec!["Name: Robert", "Chen"]);
        assert_eq!(lines[0].frags.len(), 2);
        assert_eq!(lines[0].frags[0].style.face, FontFace::Bold);
    }

    #[test]
    fn empty_and_garbage_input() {
        assert!(break_lines(&[], BaseStyle::new(10.0), 100.0, Align::Left).is_empty());
        let l = break_lines(
            &[Span::plain("x\u{0}y")],
            BaseStyle::new(f32::NAN),
            f32::NAN,
            Align::Right,
        );
        assert_eq!(texts(&l).concat(), "xy");
    }
}
