//! Characters that change how text is shown rather than what it says.

/// The Unicode bidirectional embeddings, overrides and isolates (U+202A to
/// U+202E, U+2066 to U+2069): they make text display in an order other than
/// the one it is stored in, so a reviewer can read something else than what
/// is signed ("Trojan Source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Characters a terminal acts on instead of showing: C0 and C1 controls, DEL
/// (escape sequences start with ESC or U+009B), and the bidirectional
/// controls.
pub fn acts_on_terminal(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The first bidirectional control in `text`: its byte offset and the
/// character.
pub fn first_bidi_control(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|(_, c)| is_bidi_control(*c))
}
