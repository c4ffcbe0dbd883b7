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
        let max = offsets.values().copied().max().unwrap_or(0) as u64;
        let w = (1..=8)
            .find(|&w| w == 8 || max < 1u64 << (8 * w))
            .unwrap_or(8);
        let mut data = Vec::new();
        let mut index = Vec::new();
        for run in runs(offsets.keys().copied()) {
            index.push(Object::Int(i64::from(run[0])));
            index.push(Object::Int(run.len() as i64));
            for num in run {
                let off = offsets.get(&num).copied().unwrap_or(0) as u64;
                data.push(1);
                data.extend_from_slice(&off.to_be_bytes()[8 - w..]);
                data.extend_from_slice(&self.gen_of(num).to_be_bytes());
            }
        }
        let mut d = self.trailer();
        d.set(b"Type", Object::name("XRef"));
        d.set(
            b"W",
            Object::Array(vec![Object::Int(1), Object::Int(w as i64), Object::Int(2)]),
        );
        d.set(b"Index", Object::Array(index));
        d.set(b"Length", Object::Int(data.len() as i64));
        out.extend_from_slice(format!("{} 0 obj\n", me.num).as_bytes());
        write_dict(out, &d);
        out.extend_from_slice(b"\nstream\n");
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream\nendobj\n");
    }
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
