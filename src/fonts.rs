//! The bundled DejaVu Serif faces and their metrics.
//!
//! The fonts are compiled into the binary so that output never depends on
//! what happens to be installed. Each face is parsed once per process (the
//! parse is lazy in `ttf-parser`, so this costs microseconds) and glyph ids
//! and advance widths of the characters actually used are cached in a
//! lock-free table, because layout asks for the same few dozen characters
//! thousands of times per document.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// One of the three bundled faces. Bold italic is set in bold: DejaVu Serif
/// Bold Italic is not bundled, and bold is the emphasis that must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FontFace {
    Regular,
    Bold,
    Italic,
}

impl FontFace {
    pub const ALL: [FontFace; 3] = [FontFace::Regular, FontFace::Bold, FontFace::Italic];

    /// The face for a style's bold/italic flags.
    pub fn for_style(bold: bool, italic: bool) -> FontFace {
        match (bold, italic) {
            (true, _) => FontFace::Bold,
            (false, true) => FontFace::Italic,
            (false, false) => FontFace::Regular,
        }
    }

    fn index(self) -> usize {
        match self {
            FontFace::Regular => 0,
            FontFace::Bold => 1,
            FontFace::Italic => 2,
        }
    }

    /// PostScript name of the face, used for `/BaseFont`.
    pub fn postscript_name(self) -> &'static str {
        match self {
            FontFace::Regular => "DejaVuSerif",
            FontFace::Bold => "DejaVuSerif-Bold",
            FontFace::Italic => "DejaVuSerif-Italic",
        }
    }

    /// The raw TrueType program.
    pub fn data(self) -> &'static [u8] {
        DATA[self.index()]
    }

    /// Parsed metrics of this face.
    pub fn metrics(self) -> &'static FaceMetrics {
        &faces()[self.index()]
    }
}

const DATA: [&[u8]; 3] = [
    include_bytes!("../fonts/DejaVuSerif.ttf"),
    include_bytes!("../fonts/DejaVuSerif-Bold.ttf"),
    include_bytes!("../fonts/DejaVuSerif-Italic.ttf"),
];

/// Characters below this code point are cached; the rest are looked up each
/// time (they are rare in our documents and the cmap lookup is cheap).
const CACHED: usize = 0x2200;
/// The cache is made of blocks of this many characters, each allocated
/// when a character of it is first asked for: a plan uses two or three
/// blocks, and zeroing all of them (200 KB for the three faces) cost more
/// page faults than the lookups they save.
const BLOCK: usize = 256;
/// Marks a filled cache slot, so that a glyph id 0 with width 0 is
/// distinguishable from "not looked up yet".
const FILLED: u64 = 1 << 63;

/// Metrics of one face, in font units unless a method says otherwise.
pub struct FaceMetrics {
    face: ttf_parser::Face<'static>,
    pub units_per_em: u16,
    pub ascender: i16,
    pub descender: i16,
    pub cap_height: i16,
    pub italic_angle: f32,
    pub weight: u16,
    pub bbox: [i16; 4],
    cache: [OnceLock<Box<[AtomicU64; BLOCK]>>; CACHED / BLOCK],
}

impl std::fmt::Debug for FaceMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceMetrics")
            .field("units_per_em", &self.units_per_em)
            .finish_non_exhaustive()
    }
}

fn faces() -> &'static [FaceMetrics; 3] {
    static FACES: OnceLock<[FaceMetrics; 3]> = OnceLock::new();
    FACES.get_or_init(|| DATA.map(FaceMetrics::parse))
}

impl FaceMetrics {
    fn parse(data: &'static [u8]) -> FaceMetrics {
        // The fonts are compiled in and tested; a failure here is a broken
        // build, not bad input, so it is reported as loudly as possible.
        let face = match ttf_parser::Face::parse(data, 0) {
            Ok(face) => face,
            Err(e) => panic!("bundled font does not parse: {e}"),
        };
        let bb = face.global_bounding_box();
        let cache = std::array::from_fn(|_| OnceLock::new());
        FaceMetrics {
            units_per_em: face.units_per_em().max(1),
            ascender: face.ascender(),
            descender: face.descender(),
            cap_height: face.capital_height().unwrap_or(face.ascender()),
            italic_angle: face.italic_angle(),
            weight: face.weight().to_number(),
            bbox: [bb.x_min, bb.y_min, bb.x_max, bb.y_max],
            face,
            cache,
        }
    }

    fn lookup(&self, c: char) -> (u16, u16) {
        let gid = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        let adv = self.face.glyph_hor_advance(gid).unwrap_or(0);
        (gid.0, adv)
    }

    /// Glyph id (0 = missing) and advance width in font units.
    pub fn glyph(&self, c: char) -> (u16, u16) {
        let i = c as usize;
        if i >= CACHED {
            return self.lookup(c);
        }
        let block = self.cache[i / BLOCK]
            .get_or_init(|| Box::new(std::array::from_fn(|_| AtomicU64::new(0))));
        let slot = &block[i % BLOCK];
        let v = slot.load(Ordering::Relaxed);
        if v & FILLED != 0 {
            return ((v >> 16) as u16, v as u16);
        }
        let (gid, adv) = self.lookup(c);
        slot.store(
            FILLED | (u64::from(gid) << 16) | u64::from(adv),
            Ordering::Relaxed,
        );
        (gid, adv)
    }

    /// Advance width of a glyph id in font units.
    pub fn glyph_advance(&self, gid: u16) -> u16 {
        self.face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0)
    }

    /// Feed the outline of `c` (font units, y up) to `builder`.
    pub fn outline(&self, c: char, builder: &mut dyn ttf_parser::OutlineBuilder) {
        let gid = ttf_parser::GlyphId(self.glyph(c).0);
        let _ = self.face.outline_glyph(gid, builder);
    }

    pub fn has_glyph(&self, c: char) -> bool {
        self.glyph(c).0 != 0
    }

    /// Advance width of `c` at `size` points.
    pub fn char_width(&self, c: char, size: f32) -> f32 {
        f32::from(self.glyph(c).1) * size / f32::from(self.units_per_em)
    }

    /// Width of `text` at `size` points (no kerning).
    pub fn text_width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.glyph(c).1)).sum();
        units as f32 * size / f32::from(self.units_per_em)
    }

    /// Ascent above the baseline at `size` points.
    /// `text` shortened with an ellipsis until it fits `width` (running
    /// headers, captions, chart labels); unchanged when it fits.
    pub fn fit_with_ellipsis(&self, text: &str, size: f32, width: f32) -> String {
        if self.text_width(text, size) <= width {
            return text.to_string();
        }
        let ell = self.char_width('\u{2026}', size);
        let mut out = String::new();
        let mut w = 0.0;
        for c in text.chars() {
            let cw = self.char_width(c, size);
            if w + cw + ell > width {
                break;
            }
            w += cw;
            out.push(c);
        }
        out.truncate(out.trim_end().len());
        out.push('\u{2026}');
        out
    }

    pub fn ascent(&self, size: f32) -> f32 {
        f32::from(self.ascender) * size / f32::from(self.units_per_em)
    }

    /// Descent below the baseline at `size` points (positive).
    pub fn descent(&self, size: f32) -> f32 {
        -f32::from(self.descender) * size / f32::from(self.units_per_em)
    }
}

/// Characters that are never drawn, so a font need not have them.
fn is_layout_control(c: char) -> bool {
    matches!(c, '\n' | '\t' | '\r')
}

/// True if the regular, bold or italic face lacks a glyph for `c`.
/// `cip check` rejects such characters, since they would print as boxes.
pub fn font_lacks(c: char) -> bool {
    if is_layout_control(c) {
        return false;
    }
    FontFace::ALL.iter().any(|f| !f.metrics().has_glyph(c))
}

/// True if every bundled face can draw `c`.
pub fn has_char(c: char) -> bool {
    !font_lacks(c)
}

/// The distinct characters of `text` that some face lacks, in order of first
/// appearance.
pub fn missing_chars(text: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::new();
    for c in text.chars() {
        if font_lacks(c) && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_text_is_covered() {
        assert!(
            missing_chars("Müller & Søn Import-Export GmbH — Ελληνικά § 1.2 “quoted” €").is_empty()
        );
        assert!(!font_lacks('\n'));
    }

    #[test]
    fn exotic_characters_are_reported() {
        // CJK and emoji are not in DejaVu Serif.
        assert_eq!(missing_chars("ok 漢字 ok 漢"), vec!['漢', '字']);
        assert!(font_lacks('😀'));
    }

    #[test]
    fn widths_come_from_the_font() {
        let m = FontFace::Regular.metrics();
        let i = m.text_width("iiii", 10.0);
        let w = m.text_width("WWWW", 10.0);
        assert!(w > 2.0 * i, "{w} vs {i}");
        // Cached and uncached paths agree.
        assert_eq!(m.glyph('W'), m.glyph('W'));
        assert_eq!(m.glyph('W'), m.lookup('W'));
    }
}
