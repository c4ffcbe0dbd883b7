//! PDF object model: the values the reader produces and the writer serializes.
//!
//! Dictionaries keep their entries in file order (so a rewritten dictionary
//! keeps the original's shape) and remember where each value sat in the file,
//! which the verifier needs to check that a `/ByteRange` hole is exactly the
//! `/Contents` string.

use std::fmt::Write as _;
use std::ops::Range;

/// An indirect reference `N G R`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    pub num: u32,
    pub generation: u16,
}

impl ObjRef {
    pub fn new(num: u32, generation: u16) -> Self {
        ObjRef { num, generation }
    }
}

/// One PDF value.
#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    /// A literal or hexadecimal string, decoded.
    Str(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Object>),
    Dict(Dict),
    Ref(ObjRef),
    Stream(Stream),
}

/// A dictionary. Equality ignores where values sat in the file.
#[derive(Clone, Debug, Default)]
pub struct Dict {
    entries: Vec<(Vec<u8>, Object)>,
    /// File offsets of each value, parallel to `entries`; empty for
    /// dictionaries built in memory or read from an object stream.
    spans: Vec<Range<usize>>,
}

impl PartialEq for Dict {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|o| o == v))
    }
}

/// A stream: its dictionary and where its raw (still encoded) data lies in
/// the file. Streams never live inside object streams, so the range always
/// refers to the file bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Stream {
    pub dict: Dict,
    pub data: Range<usize>,
}

impl Dict {
    pub fn new() -> Self {
        Dict::default()
    }

    pub(crate) fn push_parsed(&mut self, key: Vec<u8>, value: Object, span: Range<usize>) {
        if let Some(i) = self.entries.iter().position(|(k, _)| *k == key) {
            // Later duplicates win, as in most readers.
            self.entries[i].1 = value;
            if let Some(s) = self.spans.get_mut(i) {
                *s = span;
            }
            return;
        }
        self.entries.push((key, value));
        self.spans.push(span);
    }

    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_slice() == key)
            .map(|(_, v)| v)
    }

    /// Where the value of `key` sat in the file, when known.
    pub fn span(&self, key: &[u8]) -> Option<Range<usize>> {
        let i = self.entries.iter().position(|(k, _)| k.as_slice() == key)?;
        self.spans.get(i).cloned()
    }

    /// Sets a value, keeping the position of an existing key.
    pub fn set(&mut self, key: &[u8], value: Object) {
        self.spans.clear();
        match self.entries.iter_mut().find(|(k, _)| k.as_slice() == key) {
            Some(e) => e.1 = value,
            None => self.entries.push((key.to_vec(), value)),
        }
    }

    pub fn remove(&mut self, key: &[u8]) {
        self.spans.clear();
        self.entries.retain(|(k, _)| k.as_slice() != key);
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Object)> {
        self.entries.iter().map(|(k, v)| (k.as_slice(), v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.entries.iter().map(|(k, _)| k.as_slice())
    }

    pub fn name(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key).and_then(Object::as_name)
    }

    pub fn is_type(&self, ty: &[u8]) -> bool {
        self.name(b"Type") == Some(ty)
    }
}

/// A dictionary built in memory, keys in the order given.
impl<'a> FromIterator<(&'a str, Object)> for Dict {
    fn from_iter<I: IntoIterator<Item = (&'a str, Object)>>(pairs: I) -> Self {
        let mut d = Dict::new();
        for (key, value) in pairs {
            d.set(key.as_bytes(), value);
        }
        d
    }
}

impl Object {
    pub fn name(n: &str) -> Object {
        Object::Name(n.as_bytes().to_vec())
    }

    pub fn string(s: &str) -> Object {
        Object::Str(s.as_bytes().to_vec())
    }

    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Object::Int(i) => Some(*i as f64),
            Object::Real(r) => Some(*r),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&[u8]> {
        match self {
            Object::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Option<ObjRef> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }
}

/// Serializes an object in the compact form used for the appended objects.
pub fn write_object(out: &mut Vec<u8>, obj: &Object) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(format_real(*r).as_bytes()),
        Object::Str(s) => write_string(out, s),
        Object::Name(n) => write_name(out, n),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dict(d) => write_dict(out, d),
        Object::Ref(r) => out.extend_from_slice(format!("{} {} R", r.num, r.generation).as_bytes()),
        // Streams are written by the writer, which owns their data.
        Object::Stream(s) => write_dict(out, &s.dict),
    }
}

pub fn write_dict(out: &mut Vec<u8>, d: &Dict) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        write_name(out, k);
        if !matches!(
            v,
            Object::Name(_) | Object::Str(_) | Object::Array(_) | Object::Dict(_)
        ) {
            out.push(b' ');
        }
        write_object(out, v);
    }
    out.extend_from_slice(b">>");
}

fn format_real(r: f64) -> String {
    if !r.is_finite() {
        return "0".into();
    }
    let mut s = format!("{r:.4}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    if s == "-0" { "0".into() } else { s }
}

fn write_name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        if b.is_ascii_alphanumeric() || b"-_.+*:@!&;=',".contains(&b) {
            out.push(b);
        } else {
            let mut s = String::new();
            let _ = write!(s, "#{b:02X}");
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// Printable ASCII as a literal string; anything else (UTF-16 text, the
/// `/ID`'s hash) in hexadecimal, which survives any transfer that mangles
/// line ends or high bytes.
fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    if !s
        .iter()
        .all(|b| (0x20..0x7f).contains(b) || b"\r\n\t".contains(b))
    {
        out.push(b'<');
        out.extend_from_slice(hex::encode_upper(s).as_bytes());
        out.push(b'>');
        return;
    }
    out.push(b'(');
    for &b in s {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

/// A text string for the document: PDFDocEncoding when printable ASCII,
/// else UTF-16BE with a byte-order mark (the two encodings every reader
/// understands). ASCII controls go as UTF-16 too: PDFDocEncoding gives
/// 0x18–0x1F to accents and leaves most others and 0x7F undefined.
pub fn text_string(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Object::Str(s.as_bytes().to_vec());
    }
    let mut v = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        v.extend_from_slice(&u.to_be_bytes());
    }
    Object::Str(v)
}

/// Decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, or
/// PDFDocEncoding read as Latin-1, close enough for names and reasons).
pub fn decode_text(s: &[u8]) -> String {
    if let Some(rest) = s.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = s.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    s.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::{Object, decode_text, text_string};

    #[test]
    fn text_strings_are_ascii_or_utf16_and_read_back() {
        assert_eq!(text_string("Acme, Inc."), Object::string("Acme, Inc."));
        for s in ["Zoë", "tab\there", "\u{19}", "del\u{7f}"] {
            let Object::Str(bytes) = text_string(s) else {
                panic!("not a string");
            };
            assert!(bytes.starts_with(&[0xFE, 0xFF]), "{s:?} is not UTF-16");
            assert_eq!(decode_text(&bytes), s);
        }
    }
}
