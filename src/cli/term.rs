//! Text from outside on its way to a terminal: names in plans and
//! certificates, file names, and messages that quote them. Raw, an escape
//! sequence in a company name or a certificate subject clears the screen or
//! retitles the window (`Evil\e[2J\e]0;pwned\a`), a line break forges a
//! line of a report, and a bidirectional override reorders what is read.
//! Every human printer passes such text through [`safe`]; JSON output needs
//! nothing, since serde_json escapes control characters itself.

use std::fmt;

use cip::model::chars::acts_on_terminal;

/// `println!` of one line of human output that may hold outside text: the
/// whole line is made [`safe`] (so the format string holds no line break).
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::cli::term::safe(format!($($arg)*)))
    };
}

/// `eprintln!` of one line, made [`safe`] like [`say!`].
macro_rules! tell {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::cli::term::safe(format!($($arg)*)))
    };
}

/// `error: ` and an error's message, which may span lines (toml's do): each
/// line made [`safe`].
pub fn print_error(e: &dyn fmt::Display) {
    eprintln!("error: {}", safe_lines(&e.to_string()));
}

/// `v`, displayed with each character a terminal would act on written out as
/// an escape (`\e`, `\n`, `\u{7}`, `\u{202e}`). Width and alignment
/// (`{:<24}`) apply to the escaped text.
pub fn safe<T: fmt::Display>(v: T) -> Safe<T> {
    Safe(v)
}

pub struct Safe<T>(T);

impl<T: fmt::Display> fmt::Display for Safe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = self.0.to_string();
        if !raw.chars().any(acts_on_terminal) {
            return f.pad(&raw);
        }
        let mut out = String::with_capacity(raw.len() + 8);
        for c in raw.chars() {
            match c {
                '\x1b' => out.push_str("\\e"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if acts_on_terminal(c) => out.extend(c.escape_unicode()),
                c => out.push(c),
            }
        }
        f.pad(&out)
    }
}

/// Multi-line text: each line made [`safe`], the line breaks and tabs kept
/// (a Markdown letter's indentation).
pub fn safe_lines(s: &str) -> String {
    s.split('\n')
        .map(|l| {
            l.split('\t')
                .map(|part| safe(part).to_string())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_acts_on_and_keeps_the_rest() {
        let evil = "Evil\x1b[2J\x1b]0;pwned\x07 \u{202e}cba\u{9b}\r\n Zoë";
        assert_eq!(
            safe(evil).to_string(),
            "Evil\\e[2J\\e]0;pwned\\u{7} \\u{202e}cba\\u{9b}\\r\\n Zoë"
        );
        assert_eq!(format!("[{:<8}]", safe("a\x07")), "[a\\u{7}  ]");
        assert_eq!(safe_lines("one\x1b\n\ttwo"), "one\\e\n\ttwo");
    }
}
