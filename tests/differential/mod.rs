//! Incremental updates written by hand, the way an attacker (or a careless
//! tool) would append them to a signed PDF: objects at offsets, objects in a
//! new object stream, an old object stream replaced under its own number,
//! with a classic xref table, an xref stream or a hybrid of both.
#![allow(dead_code)]

use cip::pdfbytes::{Dict, ObjRef, Object, Pdf, XrefEntry, write_object};

/// How the update's cross-reference section is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Xref {
    Table,
    Stream,
    /// A classic table whose trailer's `/XRefStm` names an xref stream
    /// listing the compressed objects.
    Hybrid,
}

/// One object of an update: its serialized body (without `N 0 obj`).
pub struct Body {
    pub num: u32,
    pub bytes: Vec<u8>,
}

#[derive(Default)]
pub struct UpdateSpec {
    /// Written at offsets.
    pub plain: Vec<Body>,
    /// Written into one new object stream (non-stream objects only).
    pub compressed: Vec<Body>,
    /// The number of that object stream; a fresh number when `None` (an
    /// existing number replaces the old object stream).
    pub objstm_num: Option<u32>,
    /// Objects marked free.
    pub freed: Vec<u32>,
    /// Replaces the trailer's `/Root`.
    pub root: Option<ObjRef>,
    /// Bytes appended after the update's `%%EOF`.
    pub trailing: Vec<u8>,
}

/// Serializes a non-stream object.
pub fn body(obj: &Object) -> Vec<u8> {
    let mut out = Vec::new();
    write_object(&mut out, obj);
    out
}

/// Serializes a stream with `data` (unencoded: any `/Filter` is dropped).
pub fn stream_body(dict: &Dict, data: &[u8]) -> Vec<u8> {
    let mut d = dict.clone();
    d.remove(b"Filter");
    d.remove(b"DecodeParms");
    d.set(b"Length", Object::Int(data.len() as i64));
    let mut out = Vec::new();
    write_object(&mut out, &Object::Dict(d));
    out.extend_from_slice(b"\nstream\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

/// Serializes a stream exactly as it is: its dictionary and raw bytes.
pub fn raw_stream_body(doc: &Pdf<'_>, s: &cip::pdfbytes::Stream) -> Vec<u8> {
    let raw = doc.raw_stream(s).expect("raw stream");
    let mut out = Vec::new();
    write_object(&mut out, &Object::Dict(s.dict.clone()));
    out.extend_from_slice(b"\nstream\n");
    out.extend_from_slice(raw);
    out.extend_from_slice(b"\nendstream");
    out
}

/// Appends one incremental update to `base`.
pub fn append(base: &[u8], spec: &UpdateSpec, xref: Xref) -> Vec<u8> {
    assert!(
        spec.compressed.is_empty() || xref != Xref::Table,
        "a classic table cannot list compressed objects"
    );
    let doc = Pdf::parse(base).expect("base parses");
    let mut next = doc.size();
    let fresh = |next: &mut u32| {
        let n = *next;
        *next += 1;
        n
    };
    let mut out = base.to_vec();
    if !matches!(out.last(), Some(b'\n' | b'\r')) {
        out.push(b'\n');
    }
    // (number, entry) for the xref: 1 = offset, 2 = in object stream.
    let mut entries: Vec<(u32, u8, u64, u64)> = Vec::new();
    let put = |out: &mut Vec<u8>, num: u32, bytes: &[u8]| {
        let off = out.len();
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\nendobj\n");
        off
    };
    for b in &spec.plain {
        let off = put(&mut out, b.num, &b.bytes);
        entries.push((b.num, 1, off as u64, 0));
    }
    let mut compressed_entries = Vec::new();
    if !spec.compressed.is_empty() {
        let stm = spec.objstm_num.unwrap_or_else(|| fresh(&mut next));
        let mut header = String::new();
        let mut data = Vec::new();
        for (i, b) in spec.compressed.iter().enumerate() {
            header.push_str(&format!("{} {} ", b.num, data.len()));
            data.extend_from_slice(&b.bytes);
            data.push(b'\n');
            compressed_entries.push((b.num, 2, u64::from(stm), i as u64));
        }
        let first = header.len();
        let mut all = header.into_bytes();
        all.extend_from_slice(&data);
        let dict = format!(
            "<< /Type /ObjStm /N {} /First {first} /Length {} >>\nstream\n",
            spec.compressed.len(),
            all.len()
        );
        let mut bytes = dict.into_bytes();
        bytes.extend_from_slice(&all);
        bytes.extend_from_slice(b"\nendstream");
        let off = put(&mut out, stm, &bytes);
        entries.push((stm, 1, off as u64, 0));
    }
    for &n in &spec.freed {
        entries.push((n, 0, 0, 0));
    }
    let root = spec.root.unwrap_or_else(|| doc.root_ref().expect("root"));
    // The /ID strings may be binary: written as hex.
    let id = match doc.trailer.get(b"ID").and_then(Object::as_array) {
        Some(ids) => {
            let hexes: Vec<String> = ids
                .iter()
                .filter_map(Object::as_str)
                .map(|s| format!("<{}>", hex::encode(s)))
                .collect();
            format!(" /ID [{}]", hexes.join(" "))
        }
        None => String::new(),
    };
    let prev = doc.startxref;
    let xref_at;
    match xref {
        Xref::Table => {
            let size = next.max(max_num(&entries) + 1);
            xref_at = out.len();
            write_table(&mut out, &entries);
            out.extend_from_slice(
                format!(
                    "trailer\n<< /Size {size} /Root {} {} R /Prev {prev}{id} >>\n",
                    root.num, root.generation
                )
                .as_bytes(),
            );
        }
        Xref::Stream => {
            let me = fresh(&mut next);
            let mut all = entries.clone();
            all.extend(compressed_entries.iter().copied());
            xref_at = out.len();
            all.push((me, 1, xref_at as u64, 0));
            let size = next.max(max_num(&all) + 1);
            let extra = format!(
                "/Size {size} /Root {} {} R /Prev {prev}{id}",
                root.num, root.generation
            );
            write_xref_stream(&mut out, me, &all, &extra);
        }
        Xref::Hybrid => {
            let me = fresh(&mut next);
            let stm_at = out.len();
            let mut listed = compressed_entries.clone();
            listed.push((me, 1, stm_at as u64, 0));
            let size = next.max(max_num(&listed).max(max_num(&entries)) + 1);
            write_xref_stream(&mut out, me, &listed, &format!("/Size {size}"));
            xref_at = out.len();
            let mut plain = entries.clone();
            plain.push((me, 1, stm_at as u64, 0));
            write_table(&mut out, &plain);
            out.extend_from_slice(
                format!(
                    "trailer\n<< /Size {size} /Root {} {} R /Prev {prev} /XRefStm {stm_at}{id} >>\n",
                    root.num, root.generation
                )
                .as_bytes(),
            );
        }
    }
    out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
    out.extend_from_slice(&spec.trailing);
    out
}

fn max_num(entries: &[(u32, u8, u64, u64)]) -> u32 {
    entries.iter().map(|e| e.0).max().unwrap_or(0)
}

fn sorted(entries: &[(u32, u8, u64, u64)]) -> Vec<(u32, u8, u64, u64)> {
    let mut e = entries.to_vec();
    e.sort_by_key(|e| e.0);
    e.dedup_by_key(|e| e.0);
    e
}

fn write_table(out: &mut Vec<u8>, entries: &[(u32, u8, u64, u64)]) {
    out.extend_from_slice(b"xref\n");
    for (num, kind, off, _) in sorted(entries) {
        let line = if kind == 0 {
            "0000000000 65535 f\r\n".to_string()
        } else {
            format!("{off:010} 00000 n\r\n")
        };
        out.extend_from_slice(format!("{num} 1\n{line}").as_bytes());
    }
}

fn write_xref_stream(out: &mut Vec<u8>, me: u32, entries: &[(u32, u8, u64, u64)], extra: &str) {
    let mut data = Vec::new();
    let mut index = String::new();
    for (num, kind, f2, f3) in sorted(entries) {
        index.push_str(&format!("{num} 1 "));
        data.push(kind);
        data.extend_from_slice(&(f2 as u32).to_be_bytes());
        data.extend_from_slice(&(f3 as u16).to_be_bytes());
    }
    out.extend_from_slice(
        format!(
            "{me} 0 obj\n<< /Type /XRef /W [1 4 2] /Index [{index}] {extra} /Length {} >>\nstream\n",
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
}

/// A different version of `obj`: a dictionary gains a key, an array an
/// item, a stream other content, anything else another value.
pub fn tampered(doc: &Pdf<'_>, obj: &Object) -> (Vec<u8>, bool) {
    match obj {
        Object::Stream(s) => {
            let mut data = doc.decode_stream(s).unwrap_or_default();
            data.extend_from_slice(b"\n% tampered after signing\n");
            (stream_body(&s.dict, &data), true)
        }
        Object::Dict(d) => {
            let mut d = d.clone();
            d.set(b"CipTamper", Object::Bool(true));
            (body(&Object::Dict(d)), false)
        }
        Object::Array(a) => {
            let mut a = a.clone();
            a.push(Object::Int(0));
            (body(&Object::Array(a)), false)
        }
        Object::Int(i) => (body(&Object::Int(i + 1)), false),
        _ => (body(&Object::Int(12345)), false),
    }
}

/// The objects that currently live in object stream `stm`.
pub fn objstm_members(doc: &Pdf<'_>, stm: u32) -> Vec<u32> {
    let mut m: Vec<u32> = doc
        .object_numbers()
        .filter(
            |&n| matches!(doc.entry(n), Some(XrefEntry::InStream { stream, .. }) if stream == stm),
        )
        .collect();
    m.sort_unstable();
    m
}

/// Replaces object stream `stm` under its own number with one that holds
/// the same objects, `changes` applied; the update lists only `stm` (and
/// `extra` plain objects), never the objects inside.
pub fn replace_objstm(
    base: &[u8],
    stm: u32,
    changes: &[(u32, Vec<u8>)],
    extra: Vec<Body>,
) -> Vec<u8> {
    let doc = Pdf::parse(base).expect("parse");
    let compressed = objstm_members(&doc, stm)
        .into_iter()
        .map(|n| {
            let bytes = changes
                .iter()
                .find(|(c, _)| *c == n)
                .map(|(_, b)| b.clone())
                .unwrap_or_else(|| body(&doc.get(ObjRef::new(n, 0)).expect("member")));
            Body { num: n, bytes }
        })
        .collect();
    let spec = UpdateSpec {
        plain: extra,
        compressed,
        objstm_num: Some(stm),
        ..Default::default()
    };
    append(base, &spec, Xref::Stream)
}
