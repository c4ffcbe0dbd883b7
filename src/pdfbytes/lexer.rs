//! Tokenizer and object parser over raw PDF bytes.
//!
//! Every read is bounds-checked and nesting is capped, so hostile input ends
//! in a `PdfError`, never a panic or a stack overflow.

use super::PdfError;
use super::object::{Dict, ObjRef, Object, Stream};

/// Arrays and dictionaries nested deeper than this are rejected.
const MAX_DEPTH: usize = 64;

pub struct Parser<'a> {
    pub bytes: &'a [u8],
    pub pos: usize,
    /// Offset of `bytes[0]` in the file, so spans and stream ranges are
    /// file offsets even when parsing a slice.
    pub base: usize,
}

pub fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

pub fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

impl<'a> Parser<'a> {
    /// A position past the end is clamped, so every later slice is in bounds.
    pub fn new(bytes: &'a [u8], pos: usize) -> Self {
        Parser {
            bytes,
            pos: pos.min(bytes.len()),
            base: 0,
        }
    }

    fn err(&self, what: &str) -> PdfError {
        PdfError::Syntax {
            offset: self.base + self.pos,
            what: what.to_string(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Reads a bare keyword or number token (no delimiters).
    pub fn regular_token(&mut self) -> &'a [u8] {
        self.skip_ws();
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_white(b) || is_delim(b) {
                break;
            }
            self.pos += 1;
        }
        &self.bytes[start..self.pos]
    }

    pub fn expect_keyword(&mut self, kw: &[u8]) -> Result<(), PdfError> {
        let t = self.regular_token();
        if t == kw {
            Ok(())
        } else {
            Err(self.err(&format!("expected `{}`", String::from_utf8_lossy(kw))))
        }
    }

    /// Reads an unsigned integer token.
    pub fn uint(&mut self) -> Result<u64, PdfError> {
        let t = self.regular_token();
        parse_uint(t).ok_or_else(|| self.err("expected an unsigned integer"))
    }

    pub fn parse_object(&mut self) -> Result<Object, PdfError> {
        self.parse_value(0)
    }

    fn parse_value(&mut self, depth: usize) -> Result<Object, PdfError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.skip_ws();
        let b = self
            .peek()
            .ok_or_else(|| self.err("unexpected end of data"))?;
        match b {
            b'/' => {
                self.pos += 1;
                Ok(Object::Name(self.name_body()))
            }
            b'(' => self.literal_string(),
            b'<' if self.bytes.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Ok(Object::Dict(self.dict_body(depth)?))
            }
            b'<' => self.hex_string(),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Object::Array(items));
                        }
                        None => return Err(self.err("unterminated array")),
                        _ => items.push(self.parse_value(depth + 1)?),
                    }
                }
            }
            _ => self.number_or_keyword(),
        }
    }

    fn dict_body(&mut self, depth: usize) -> Result<Dict, PdfError> {
        let mut d = Dict::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'>') if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Ok(d);
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.name_body();
                    self.skip_ws();
                    let start = self.base + self.pos;
                    let value = self.parse_value(depth + 1)?;
                    d.push_parsed(key, value, start..self.base + self.pos);
                }
                None => return Err(self.err("unterminated dictionary")),
                _ => return Err(self.err("dictionary key is not a name")),
            }
        }
    }

    fn name_body(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if is_white(b) || is_delim(b) {
                break;
            }
            self.pos += 1;
            if b == b'#' {
                let hi = self.peek().and_then(hex_val);
                let lo = self.bytes.get(self.pos + 1).copied().and_then(hex_val);
                if let (Some(h), Some(l)) = (hi, lo) {
                    out.push(h << 4 | l);
                    self.pos += 2;
                    continue;
                }
            }
            out.push(b);
        }
        out
    }

    fn literal_string(&mut self) -> Result<Object, PdfError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut nesting = 1usize;
        loop {
            let b = self.peek().ok_or_else(|| self.err("unterminated string"))?;
            self.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' => {
                    nesting -= 1;
                    if nesting == 0 {
                        return Ok(Object::Str(out));
                    }
                    out.push(b);
                }
                b'\\' => self.escape(&mut out)?,
                _ => out.push(b),
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), PdfError> {
        let e = self.peek().ok_or_else(|| self.err("unterminated string"))?;
        self.pos += 1;
        match e {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'\r' => {
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
            }
            b'\n' => {}
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            other => out.push(other),
        }
        Ok(())
    }

    fn hex_string(&mut self) -> Result<Object, PdfError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut half: Option<u8> = None;
        loop {
            let b = self
                .peek()
                .ok_or_else(|| self.err("unterminated hex string"))?;
            self.pos += 1;
            if b == b'>' {
                if let Some(h) = half {
                    out.push(h << 4);
                }
                return Ok(Object::Str(out));
            }
            if is_white(b) {
                continue;
            }
            let v = hex_val(b).ok_or_else(|| self.err("non-hex digit in hex string"))?;
            match half.take() {
                Some(h) => out.push(h << 4 | v),
                None => half = Some(v),
            }
        }
    }

    fn number_or_keyword(&mut self) -> Result<Object, PdfError> {
        let start = self.pos;
        let tok = self.regular_token();
        if tok.is_empty() {
            return Err(self.err("unexpected delimiter"));
        }
        match tok {
            b"null" => return Ok(Object::Null),
            b"true" => return Ok(Object::Bool(true)),
            b"false" => return Ok(Object::Bool(false)),
            _ => {}
        }
        if let Some(n) = parse_uint(tok) {
            if let Some(r) = self.try_reference(n) {
                return Ok(Object::Ref(r));
            }
        }
        if let Some(i) = parse_int(tok) {
            return Ok(Object::Int(i));
        }
        if let Some(r) = parse_real(tok) {
            return Ok(Object::Real(r));
        }
        self.pos = start;
        Err(self.err(&format!(
            "unexpected token `{}`",
            String::from_utf8_lossy(&tok[..tok.len().min(20)])
        )))
    }

    /// After an unsigned integer, looks ahead for `G R`; rewinds otherwise.
    fn try_reference(&mut self, num: u64) -> Option<ObjRef> {
        let save = self.pos;
        let generation = parse_uint(self.regular_token());
        let r = self.regular_token();
        match (generation, r) {
            (Some(g), b"R") if num <= u64::from(u32::MAX) && g <= u64::from(u16::MAX) => {
                Some(ObjRef::new(num as u32, g as u16))
            }
            _ => {
                self.pos = save;
                None
            }
        }
    }

    /// Parses `N G obj <value> [stream..endstream] endobj` at the current
    /// position. `length` resolves an indirect `/Length` when needed.
    pub fn indirect_object(
        &mut self,
        length: &dyn Fn(ObjRef) -> Option<i64>,
    ) -> Result<(ObjRef, Object), PdfError> {
        let num = self.uint()?;
        let generation = self.uint()?;
        self.expect_keyword(b"obj")?;
        let id = ObjRef::new(
            u32::try_from(num).map_err(|_| self.err("object number too large"))?,
            u16::try_from(generation).map_err(|_| self.err("generation too large"))?,
        );
        let value = self.parse_object()?;
        let save = self.pos;
        let kw = self.regular_token();
        let value = match (kw, value) {
            (b"stream", Object::Dict(d)) => Object::Stream(self.stream_body(d, length)?),
            (_, v) => {
                self.pos = save;
                v
            }
        };
        // A missing `endobj` is common in damaged files and harmless here.
        Ok((id, value))
    }

    fn stream_body(
        &mut self,
        dict: Dict,
        length: &dyn Fn(ObjRef) -> Option<i64>,
    ) -> Result<Stream, PdfError> {
        // The keyword is followed by CRLF or LF (a lone CR is tolerated).
        match self.peek() {
            Some(b'\r') => {
                self.pos += 1;
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
            }
            Some(b'\n') => self.pos += 1,
            _ => {}
        }
        let start = self.pos;
        let declared = match dict.get(b"Length") {
            Some(Object::Int(n)) => Some(*n),
            Some(Object::Ref(r)) => length(*r),
            _ => None,
        };
        if let Some(n) = declared.and_then(|n| usize::try_from(n).ok()) {
            if let Some(end) = start.checked_add(n).filter(|&e| e <= self.bytes.len()) {
                let mut p = Parser::new(self.bytes, end);
                if p.regular_token() == b"endstream" {
                    self.pos = p.pos;
                    return Ok(Stream {
                        dict,
                        data: self.base + start..self.base + end,
                    });
                }
            }
        }
        let rel = find(&self.bytes[start..], b"endstream")
            .ok_or_else(|| self.err("stream without endstream"))?;
        let mut end = start + rel;
        if end > start && self.bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && self.bytes[end - 1] == b'\r' {
            end -= 1;
        }
        self.pos = start + rel + b"endstream".len();
        Ok(Stream {
            dict,
            data: self.base + start..self.base + end,
        })
    }
}

pub fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

pub fn parse_uint(t: &[u8]) -> Option<u64> {
    if t.is_empty() || t.len() > 19 || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(t).ok()?.parse().ok()
}

fn parse_int(t: &[u8]) -> Option<i64> {
    let (neg, digits) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let v = i64::try_from(parse_uint(digits)?).ok()?;
    Some(if neg { -v } else { v })
}

fn parse_real(t: &[u8]) -> Option<f64> {
    if t.len() > 40
        || !t
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
    {
        return None;
    }
    let s = std::str::from_utf8(t).ok()?;
    let s = s.strip_prefix('+').unwrap_or(s);
    // `-.5` and `5.` are valid PDF reals; Rust parses both.
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(hay, needle)
}

pub fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::rfind(hay, needle)
}
