//! The bundled font family (DejaVu Serif). Placeholder until the layout
//! branch lands: only the coverage question `check` asks.

use std::sync::OnceLock;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSerif.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSerif-Bold.ttf");
static ITALIC: &[u8] = include_bytes!("../fonts/DejaVuSerif-Italic.ttf");

fn faces() -> &'static [Option<ttf_parser::Face<'static>>; 3] {
    static FACES: OnceLock<[Option<ttf_parser::Face<'static>>; 3]> = OnceLock::new();
    FACES
        .get_or_init(|| [REGULAR, BOLD, ITALIC].map(|bytes| ttf_parser::Face::parse(bytes, 0).ok()))
}

/// True when any face of the family has no glyph for `c`.
pub fn font_lacks(c: char) -> bool {
    if matches!(c, '\n' | '\t' | '\r') {
        return false;
    }
    // Plans are mostly ASCII: answer those from a table built once.
    static ASCII: OnceLock<[bool; 128]> = OnceLock::new();
    if c.is_ascii() {
        let table = ASCII.get_or_init(|| std::array::from_fn(|i| lacks_slow(char::from(i as u8))));
        return table[c as usize];
    }
    lacks_slow(c)
}

fn lacks_slow(c: char) -> bool {
    faces()
        .iter()
        .any(|f| f.as_ref().is_none_or(|f| f.glyph_index(c).is_none()))
}
