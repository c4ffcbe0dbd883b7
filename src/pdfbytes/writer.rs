//! Incremental updates: new and replaced objects appended after the original
//! bytes, then a cross-reference section in the same style as the original
//! (table or stream) whose trailer points back with `/Prev`. The original
//! bytes are never touched, which keeps earlier signatures valid.

use std::collections::BTreeMap;

use super::doc::{Pdf, XrefKind};
use super::object::{Dict, ObjRef, Object, write_dict, write_object};

pub struct Update<'p, 'a> {
    pdf: &'p Pdf<'a>,
    objects: BTreeMap<u32, (u16, Vec<u8>)>,
    next_num: u32,
}

/// The written file and where each appended object starts.
pub struct Written {
    pub bytes: Vec<u8>,
    pub offsets: BTreeMap<u32, usize>,
}

impl<'p, 'a> Update<'p, 'a> {
    pub fn new(pdf: &'p Pdf<'a>) -> Self {
        Update {
            pdf,
            objects: BTreeMap::new(),
            next_num: pdf.size().max(1),
        }
    }

    pub fn alloc(&mut self) -> ObjRef {
        let r = ObjRef::new(self.next_num, 0);
        self.next_num += 1;
        r
    }

    /// Adds or replaces a non-stream object.
    pub fn put(&mut self, r: ObjRef, obj: &Object) {
        let mut body = Vec::new();
        write_object(&mut body, obj);
        self.objects.insert(r.num, (r.generation, body));
    }

    /// Adds or replaces a stream; `/Length` is set from `data`.
    pub fn put_stream(&mut self, r: ObjRef, mut dict: Dict, data: &[u8]) {
        dict.set(b"Length", Object::Int(data.len() as i64));
        let mut body = Vec::new();
        write_dict(&mut body, &dict);
        body.extend_from_slice(b"\nstream\n");
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.objects.insert(r.num, (r.generation, body));
    }

    /// Adds an object whose serialized body the caller wrote itself (the
    /// signature dictionary, whose placeholders must stay byte-exact).
    pub fn put_raw(&mut self, r: ObjRef, body: Vec<u8>) {
        self.objects.insert(r.num, (r.generation, body));
    }

    pub fn write(mut self) -> Written {
        let mut out = Vec::with_capacity(self.pdf.bytes.len() + 16 * 1024);
        out.extend_from_slice(self.pdf.bytes);
        if !matches!(out.last(), Some(b'\n' | b'\r')) {
            out.push(b'\n');
        }
        let kind = self.pdf.xref_kind();
        let xref_obj = (kind == XrefKind::Stream).then(|| self.alloc());
        let mut offsets = BTreeMap::new();
        for (num, (generation, body)) in &self.objects {
            offsets.insert(*num, out.len());
            out.extend_from_slice(format!("{num} {generation} obj\n").as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref_at = out.len();
        match xref_obj {
            None => self.write_table(&mut out, &offsets),
            Some(r) => {
                offsets.insert(r.num, xref_at);
                self.write_stream(&mut out, r, &offsets);
            }
        }
        out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
        Written {
            bytes: out,
            offsets,
        }
    }

    fn gen_of(&self, num: u32) -> u16 {
        self.objects.get(&num).map_or(0, |(g, _)| *g)
    }

    fn trailer(&self) -> Dict {
        let mut t = Dict::new();
        t.set(b"Size", Object::Int(i64::from(self.next_num)));
        for key in [&b"Root"[..], b"Info", b"ID"] {
            if let Some(v) = self.pdf.trailer.get(key) {
                t.set(key, v.clone());
            }
        }
        t.set(b"Prev", Object::Int(self.pdf.startxref as i64));
        t
    }

    fn write_table(&self, out: &mut Vec<u8>, offsets: &BTreeMap<u32, usize>) {
        out.extend_from_slice(b"xref\n");
        for run in runs(offsets.keys().copied()) {
            out.extend_from_slice(format!("{} {}\n", run[0], run.len()).as_bytes());
            for num in run {
                let off = offsets.get(&num).copied().unwrap_or(0);
                out.extend_from_slice(
                    format!("{off:010} {:05} n\r\n", self.gen_of(num)).as_bytes(),
                );
            }
        }
        out.extend_from_slice(b"trailer\n");
        write_dict(out, &self.trailer());
        out.push(b'\n');
    }

    fn write_stream(&self, out: &mut Vec<u8>, me: ObjRef, offsets: &BTreeMap<u32, usize>) {
        let entries = offsets
            .iter()
            .map(|(num, off)| (*num, Entry::At(*off, self.gen_of(*num))))
            .collect();
        put_xref_stream(out, me.num, self.trailer(), &entries);
    }
}

/// A new file's object: a stream, written in the file as it is, or any
/// other object, packed into the file's object stream.
pub enum NewObject {
    Stream(Dict, Vec<u8>),
    Packed(Object),
}

/// Writes a new file (not an update): the header, every stream object, one
/// object stream holding all other objects, compressed by `deflate` (zlib),
/// and a cross-reference stream whose dictionary is `trailer` plus `/Size`.
/// Object streams shrink a plan by ~3 KB; PDF/A-3 allows both, and the
/// signer appends its updates in the same (stream) style.
pub fn write_new<E>(
    version: &str,
    objects: BTreeMap<u32, NewObject>,
    mut trailer: Dict,
    deflate: impl FnOnce(&[u8]) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, E> {
    let size = objects.keys().last().map_or(1, |n| n + 1);
    let (objstm, xref_num) = (size, size + 1);
    // Four bytes above 127 on the second line mark the file as binary
    // (ISO 32000-1 7.5.2; PDF/A requires them).
    let mut out = format!("%PDF-{version}\n%").into_bytes();
    out.extend_from_slice(&[0xE2, 0xE3, 0xCF, 0xD3, b'\n']);
    let mut entries = BTreeMap::from([(0, Entry::Free)]);
    let mut table = String::new();
    let mut packed = Vec::new();
    let mut n: u32 = 0;
    for (num, obj) in objects {
        match obj {
            NewObject::Stream(dict, data) => {
                entries.insert(num, Entry::At(out.len(), 0));
                put_stream_object(&mut out, num, dict, &data);
            }
            NewObject::Packed(o) => {
                entries.insert(num, Entry::Packed(objstm, n));
                n += 1;
                if !table.is_empty() {
                    table.push(' ');
                }
                table.push_str(&format!("{num} {}", packed.len()));
                write_object(&mut packed, &o);
                packed.push(b'\n');
            }
        }
    }
    if !packed.is_empty() {
        table.push('\n');
        let mut content = table.into_bytes();
        let first = content.len();
        content.extend_from_slice(&packed);
        let data = deflate(&content)?;
        let mut d = Dict::new();
        d.set(b"Type", Object::name("ObjStm"));
        d.set(b"N", Object::Int(i64::from(n)));
        d.set(b"First", Object::Int(first as i64));
        d.set(b"Filter", Object::name("FlateDecode"));
        entries.insert(objstm, Entry::At(out.len(), 0));
        put_stream_object(&mut out, objstm, d, &data);
    }
    let xref_at = out.len();
    entries.insert(xref_num, Entry::At(xref_at, 0));
    trailer.set(b"Size", Object::Int(i64::from(xref_num) + 1));
    put_xref_stream(&mut out, xref_num, trailer, &entries);
    out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
    Ok(out)
}

/// Where the cross-reference section says an object is.
#[derive(Clone, Copy)]
enum Entry {
    /// Object 0, the head of the (empty) free list.
    Free,
    /// Byte offset in the file, and generation.
    At(usize, u16),
    /// Object stream's number, and index in it.
    Packed(u32, u32),
}

/// Appends cross-reference stream object `me`: `dict` (the trailer's keys)
/// with `/Type /XRef`, `/W`, `/Index` and `/Length`, over `entries`.
fn put_xref_stream(out: &mut Vec<u8>, me: u32, mut dict: Dict, entries: &BTreeMap<u32, Entry>) {
    let max = entries
        .values()
        .map(|e| match e {
            Entry::Free => 0,
            Entry::At(off, _) => *off as u64,
            Entry::Packed(container, _) => u64::from(*container),
        })
        .max()
        .unwrap_or(0);
    let w = (1..=8)
        .find(|&w| w == 8 || max < 1u64 << (8 * w))
        .unwrap_or(8);
    // Generations fit two bytes; indexes in an object stream may not.
    let w3 = if entries
        .values()
        .any(|e| matches!(e, Entry::Packed(_, i) if *i > 0xFFFF))
    {
        4
    } else {
        2
    };
    let mut data = Vec::new();
    let mut index = Vec::new();
    for run in runs(entries.keys().copied()) {
        index.push(Object::Int(i64::from(run[0])));
        index.push(Object::Int(run.len() as i64));
        for num in run {
            let (kind, field, last) = match entries.get(&num) {
                Some(Entry::At(off, generation)) => (1, *off as u64, u32::from(*generation)),
                Some(Entry::Packed(container, i)) => (2, u64::from(*container), *i),
                Some(Entry::Free) | None => (0, 0, 0xFFFF),
            };
            data.push(kind);
            data.extend_from_slice(&field.to_be_bytes()[8 - w..]);
            data.extend_from_slice(&last.to_be_bytes()[4 - w3..]);
        }
    }
    dict.set(b"Type", Object::name("XRef"));
    dict.set(
        b"W",
        Object::Array(vec![
            Object::Int(1),
            Object::Int(w as i64),
            Object::Int(w3 as i64),
        ]),
    );
    dict.set(b"Index", Object::Array(index));
    put_stream_object(out, me, dict, &data);
}

/// Appends stream object `num` (generation 0), `/Length` set from `data`
/// (in place if `dict` has it, else last).
fn put_stream_object(out: &mut Vec<u8>, num: u32, mut dict: Dict, data: &[u8]) {
    dict.set(b"Length", Object::Int(data.len() as i64));
    out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
    write_dict(out, &dict);
    out.extend_from_slice(b"\nstream\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
}

/// Groups sorted numbers into runs of consecutive values.
fn runs(nums: impl Iterator<Item = u32>) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    for n in nums {
        match out.last_mut() {
            Some(run) if run.last().is_some_and(|&l| l + 1 == n) => run.push(n),
            _ => out.push(vec![n]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdfbytes::{Pdf, XrefEntry};

    fn zlib(data: &[u8]) -> Result<Vec<u8>, std::convert::Infallible> {
        Ok(miniz_oxide::deflate::compress_to_vec_zlib(data, 6))
    }

    /// Every object of a new file reads back as written, from the object
    /// stream or from its stream, and an update appended to it still finds
    /// them (the signer's path).
    #[test]
    fn new_file_reads_back_and_takes_an_update() {
        let mut catalog = Dict::new();
        catalog.set(b"Type", Object::name("Catalog"));
        catalog.set(b"Note", Object::Str(vec![0xFE, 0xFF, 0, b'A', 0x20, 0x2C]));
        catalog.set(b"Plain", Object::string("(a) b\\c"));
        let mut content = Dict::new();
        content.set(b"Filter", Object::name("FlateDecode"));
        let data = zlib(b"0 0 m 10 10 l S").unwrap_or_default();
        let mut objects = BTreeMap::new();
        objects.insert(1, NewObject::Packed(Object::Dict(catalog.clone())));
        objects.insert(2, NewObject::Stream(content, data));
        objects.insert(4, NewObject::Packed(Object::Int(42)));
        let mut trailer = Dict::new();
        trailer.set(b"Root", Object::Ref(ObjRef::new(1, 0)));
        let bytes = write_new("1.7", objects, trailer, zlib).unwrap_or_default();
        assert!(bytes.starts_with(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"));

        let pdf = Pdf::parse(&bytes).expect("parses");
        assert_eq!(pdf.xref_kind(), XrefKind::Stream);
        assert_eq!(pdf.catalog().expect("catalog"), catalog);
        assert_eq!(pdf.get(ObjRef::new(4, 0)).ok(), Some(Object::Int(42)));
        assert!(matches!(pdf.entry(1), Some(XrefEntry::InStream { .. })));
        assert!(matches!(pdf.entry(4), Some(XrefEntry::InStream { .. })));
        assert_eq!(pdf.entry(3), None, "a gap stays a gap");
        let Ok(Object::Stream(s)) = pdf.get(ObjRef::new(2, 0)) else {
            panic!("object 2 is not a stream");
        };
        assert_eq!(
            pdf.decode_stream(&s).ok(),
            Some(b"0 0 m 10 10 l S".to_vec())
        );

        let mut update = Update::new(&pdf);
        let r = update.alloc();
        update.put(r, &Object::Int(7));
        let written = update.write();
        let again = Pdf::parse(&written.bytes).expect("updated file parses");
        assert_eq!(again.get(r).ok(), Some(Object::Int(7)));
        assert_eq!(again.catalog().expect("catalog"), catalog);
    }

    #[test]
    fn binary_strings_are_hex_and_text_stays_literal() {
        let mut out = Vec::new();
        write_object(&mut out, &Object::Str(vec![0xC1, 0x00, b'(']));
        write_object(&mut out, &Object::string("Acme (US) \\ Inc."));
        assert_eq!(out, b"<C10028>(Acme \\(US\\) \\\\ Inc.)".to_vec());
    }
}
