//! A read-only view of a PDF: cross-reference sections (tables and streams,
//! with `/Prev` chains and hybrid `/XRefStm`), object lookup including object
//! streams, and the revision boundaries (`%%EOF` markers).
//!
//! Parsing a prefix of the file that ends at a revision boundary gives the
//! document as it was at that revision, which is how the verifier compares
//! a signed revision with what came after.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::PdfError;
use super::filters::{self, DecodeBudget};
use super::lexer::{Parser, find, parse_uint, rfind};
use super::object::{Dict, ObjRef, Object, Stream};

/// How a revision's cross-reference section is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum XrefKind {
    Table,
    Stream,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XrefEntry {
    Free,
    Offset { offset: usize, generation: u16 },
    InStream { stream: u32, index: u32 },
}

/// One cross-reference section with its trailer.
#[derive(Clone, Debug)]
pub struct XrefSection {
    /// File offset of the `xref` keyword or of the xref stream object.
    pub offset: usize,
    pub kind: XrefKind,
    pub entries: Vec<(u32, XrefEntry)>,
    pub trailer: Dict,
}

/// Sections in one `/Prev` chain above this are treated as a loop or attack.
const MAX_SECTIONS: usize = 4096;
/// Cross-reference entries in all sections of one file together. A limit per
/// section alone let 40 `/Index` pairs of one 260 KB xref stream list 255
/// million entries (64 s, 6.9 GB). Real files list far fewer objects (the
/// PDF 1.7 reference's own implementation limit is 8,388,607; cip's plans
/// have a few hundred).
pub const MAX_XREF_ENTRIES_PER_FILE: usize = 1 << 20;

type ObjStm = Rc<(Vec<u8>, Vec<(u32, usize)>)>;

pub struct Pdf<'a> {
    pub bytes: &'a [u8],
    /// Newest first.
    pub sections: Vec<XrefSection>,
    xref: HashMap<u32, XrefEntry>,
    pub trailer: Dict,
    pub startxref: usize,
    objstms: RefCell<HashMap<u32, ObjStm>>,
    budget: DecodeBudget,
}

impl<'a> Pdf<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, PdfError> {
        if find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_none() {
            return Err(PdfError::NotPdf);
        }
        let startxref = find_startxref(bytes)?;
        let budget = DecodeBudget::new();
        let sections = read_chain(bytes, startxref, &budget)?;
        let mut xref = HashMap::new();
        for s in sections.iter().rev() {
            for (num, e) in &s.entries {
                xref.insert(*num, *e);
            }
        }
        let trailer = sections
            .first()
            .map(|s| s.trailer.clone())
            .ok_or(PdfError::NoXref)?;
        Ok(Pdf {
            bytes,
            sections,
            xref,
            trailer,
            startxref,
            objstms: RefCell::new(HashMap::new()),
            budget,
        })
    }

    pub fn xref_kind(&self) -> XrefKind {
        self.sections.first().map_or(XrefKind::Table, |s| s.kind)
    }

    pub fn entry(&self, num: u32) -> Option<XrefEntry> {
        self.xref.get(&num).copied()
    }

    pub fn object_numbers(&self) -> impl Iterator<Item = u32> + '_ {
        self.xref.keys().copied()
    }

    /// One past the highest object number in use (the trailer's `/Size`,
    /// corrected when the trailer understates it).
    pub fn size(&self) -> u32 {
        let declared = self
            .trailer
            .get(b"Size")
            .and_then(Object::as_int)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let max_used = self.xref.keys().max().map_or(0, |m| m.saturating_add(1));
        declared.max(max_used)
    }

    pub fn is_encrypted(&self) -> bool {
        self.trailer.get(b"Encrypt").is_some()
    }

    pub fn root_ref(&self) -> Result<ObjRef, PdfError> {
        self.trailer
            .get(b"Root")
            .and_then(Object::as_ref)
            .ok_or(PdfError::NoRoot)
    }

    /// The object `r`; a free or missing object is `null`, as the spec says.
    pub fn get(&self, r: ObjRef) -> Result<Object, PdfError> {
        match self.xref.get(&r.num) {
            None | Some(XrefEntry::Free) => Ok(Object::Null),
            Some(XrefEntry::Offset { offset, .. }) => {
                let (id, obj) = self.parse_at(*offset)?;
                if id.num != r.num {
                    return Err(PdfError::BadXref(format!(
                        "object {} expected at offset {offset}, found {}",
                        r.num, id.num
                    )));
                }
                Ok(obj)
            }
            Some(XrefEntry::InStream { stream, index }) => {
                self.get_compressed(r.num, *stream, *index)
            }
        }
    }

    pub fn parse_at(&self, offset: usize) -> Result<(ObjRef, Object), PdfError> {
        if offset >= self.bytes.len() {
            return Err(PdfError::BadXref(format!(
                "offset {offset} outside the file"
            )));
        }
        let mut p = Parser::new(self.bytes, offset);
        p.indirect_object(&|r| self.direct_length(r))
    }

    /// Resolves an indirect `/Length` without recursing into streams.
    fn direct_length(&self, r: ObjRef) -> Option<i64> {
        match self.xref.get(&r.num)? {
            XrefEntry::Offset { offset, .. } => {
                let mut p = Parser::new(self.bytes, *offset);
                p.indirect_object(&|_| None).ok()?.1.as_int()
            }
            XrefEntry::InStream { stream, index } => {
                self.get_compressed(r.num, *stream, *index).ok()?.as_int()
            }
            XrefEntry::Free => None,
        }
    }

    fn get_compressed(&self, num: u32, stream: u32, index: u32) -> Result<Object, PdfError> {
        let stm = self.objstm(stream)?;
        let (data, offsets) = (&stm.0, &stm.1);
        let (n, off) = offsets
            .get(index as usize)
            .copied()
            .filter(|(n, _)| *n == num)
            .or_else(|| offsets.iter().copied().find(|(n, _)| *n == num))
            .ok_or_else(|| {
                PdfError::BadXref(format!("object {num} not in object stream {stream}"))
            })?;
        let _ = n;
        let mut p = Parser::new(data, off);
        p.parse_object()
    }

    fn objstm(&self, num: u32) -> Result<ObjStm, PdfError> {
        if let Some(s) = self.objstms.borrow().get(&num) {
            return Ok(s.clone());
        }
        let Some(XrefEntry::Offset { offset, .. }) = self.xref.get(&num).copied() else {
            return Err(PdfError::BadXref(format!("object stream {num} not found")));
        };
        let (_, obj) = self.parse_at(offset)?;
        let Object::Stream(s) = obj else {
            return Err(PdfError::BadXref(format!(
                "object {num} is not an object stream"
            )));
        };
        let data = self.decode_stream(&s)?;
        let n = s.dict.get(b"N").and_then(Object::as_int).unwrap_or(0);
        let first = s
            .dict
            .get(b"First")
            .and_then(Object::as_int)
            .and_then(|f| usize::try_from(f).ok())
            .unwrap_or(0);
        let mut p = Parser::new(&data, 0);
        let mut offsets = Vec::new();
        for _ in 0..n.clamp(0, 1_000_000) {
            let (Ok(objnum), Ok(off)) = (p.uint(), p.uint()) else {
                break;
            };
            let pos = usize::try_from(off).ok().and_then(|o| o.checked_add(first));
            if let (Ok(objnum), Some(pos)) = (u32::try_from(objnum), pos) {
                offsets.push((objnum, pos));
            }
        }
        let stm: ObjStm = Rc::new((data, offsets));
        self.objstms.borrow_mut().insert(num, stm.clone());
        Ok(stm)
    }

    pub fn resolve(&self, obj: &Object) -> Result<Object, PdfError> {
        match obj {
            Object::Ref(r) => self.get(*r),
            other => Ok(other.clone()),
        }
    }

    /// Resolves `obj` and requires a dictionary (or a stream's dictionary).
    pub fn resolve_dict(&self, obj: &Object) -> Result<Dict, PdfError> {
        match self.resolve(obj)? {
            Object::Dict(d) => Ok(d),
            Object::Stream(s) => Ok(s.dict),
            _ => Err(PdfError::Structure("expected a dictionary".into())),
        }
    }

    pub fn catalog(&self) -> Result<Dict, PdfError> {
        self.resolve_dict(&Object::Ref(self.root_ref()?))
    }

    pub fn raw_stream(&self, s: &Stream) -> Result<&'a [u8], PdfError> {
        self.bytes
            .get(s.data.clone())
            .ok_or_else(|| PdfError::Structure("stream data outside the file".into()))
    }

    pub fn decode_stream(&self, s: &Stream) -> Result<Vec<u8>, PdfError> {
        filters::decode(&s.dict, self.raw_stream(s)?, &self.budget)
    }

    /// Page object references in document order.
    pub fn pages(&self) -> Result<Vec<ObjRef>, PdfError> {
        let root = self.catalog()?;
        let top = root
            .get(b"Pages")
            .and_then(Object::as_ref)
            .ok_or_else(|| PdfError::Structure("catalog has no /Pages".into()))?;
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.collect_pages(top, &mut out, &mut seen, 0)?;
        Ok(out)
    }

    fn collect_pages(
        &self,
        node: ObjRef,
        out: &mut Vec<ObjRef>,
        seen: &mut HashSet<ObjRef>,
        depth: usize,
    ) -> Result<(), PdfError> {
        if depth > 64 || !seen.insert(node) {
            return Err(PdfError::Structure("page tree loop".into()));
        }
        let d = self.resolve_dict(&Object::Ref(node))?;
        if d.is_type(b"Pages") || d.get(b"Kids").is_some() && !d.is_type(b"Page") {
            let kids = self.resolve(d.get(b"Kids").unwrap_or(&Object::Null))?;
            for k in kids.as_array().unwrap_or(&[]) {
                if let Some(r) = k.as_ref() {
                    self.collect_pages(r, out, seen, depth + 1)?;
                }
            }
        } else {
            out.push(node);
        }
        Ok(())
    }
}

fn find_startxref(bytes: &[u8]) -> Result<usize, PdfError> {
    let tail_start = bytes.len().saturating_sub(4096);
    let pos = rfind(&bytes[tail_start..], b"startxref")
        .map(|p| p + tail_start)
        .ok_or(PdfError::NoXref)?;
    let mut p = Parser::new(bytes, pos + b"startxref".len());
    let off = p.uint().map_err(|_| PdfError::NoXref)?;
    usize::try_from(off)
        .ok()
        .filter(|&o| o < bytes.len())
        .ok_or_else(|| PdfError::BadXref(format!("startxref {off} outside the file")))
}

fn read_chain(
    bytes: &[u8],
    start: usize,
    budget: &DecodeBudget,
) -> Result<Vec<XrefSection>, PdfError> {
    let mut entries_left = MAX_XREF_ENTRIES_PER_FILE;
    let mut sections = Vec::new();
    let mut seen = HashSet::new();
    let mut next = Some(start);
    while let Some(off) = next {
        if !seen.insert(off) || sections.len() >= MAX_SECTIONS {
            return Err(PdfError::BadXref("loop in the /Prev chain".into()));
        }
        if off >= bytes.len() {
            return Err(bad("a /Prev offset points outside the file"));
        }
        let mut section = read_section(bytes, off, budget, &mut entries_left)?;
        if let Some(stm) = section.trailer.get(b"XRefStm").and_then(Object::as_int) {
            // A hybrid file: the stream fills in objects the table lists as free.
            if let Some(o) = usize::try_from(stm).ok().filter(|&o| o < bytes.len()) {
                let extra = match read_section(bytes, o, budget, &mut entries_left) {
                    Ok(extra) => Some(extra),
                    // A broken stream leaves the table's view; a bomb in it does not pass.
                    Err(e @ PdfError::Limit(_)) => return Err(e),
                    Err(_) => None,
                };
                if let Some(extra) = extra {
                    let listed: HashSet<u32> = section
                        .entries
                        .iter()
                        .filter(|(_, e)| *e != XrefEntry::Free)
                        .map(|(n, _)| *n)
                        .collect();
                    let mut merged: Vec<(u32, XrefEntry)> = extra
                        .entries
                        .into_iter()
                        .filter(|(n, _)| !listed.contains(n))
                        .collect();
                    merged.extend(
                        section
                            .entries
                            .iter()
                            .filter(|(_, e)| *e != XrefEntry::Free),
                    );
                    section.entries = merged;
                }
            }
        }
        next = section
            .trailer
            .get(b"Prev")
            .and_then(Object::as_int)
            .and_then(|p| usize::try_from(p).ok());
        sections.push(section);
    }
    Ok(sections)
}

/// Reads the section at `offset`, charging its entries to `entries_left`.
fn read_section(
    bytes: &[u8],
    offset: usize,
    budget: &DecodeBudget,
    entries_left: &mut usize,
) -> Result<XrefSection, PdfError> {
    let mut p = Parser::new(bytes, offset);
    p.skip_ws();
    let save = p.pos;
    if p.regular_token() == b"xref" {
        return read_table(&mut p, offset, entries_left);
    }
    p.pos = save;
    read_xref_stream(bytes, &mut p, offset, budget, entries_left)
}

/// Takes `count` entries from what the file may still list.
fn take_entries(entries_left: &mut usize, count: u64) -> Result<(), PdfError> {
    match usize::try_from(count)
        .ok()
        .and_then(|c| entries_left.checked_sub(c))
    {
        Some(left) => {
            *entries_left = left;
            Ok(())
        }
        None => Err(PdfError::Limit(format!(
            "its cross-reference sections list more than {MAX_XREF_ENTRIES_PER_FILE} entries in total"
        ))),
    }
}

/// Object number `first + i`, for numbers read from the file.
fn object_number(first: u64, i: u64) -> Result<u32, PdfError> {
    first
        .checked_add(i)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| bad("object number too large"))
}

fn read_table(
    p: &mut Parser<'_>,
    offset: usize,
    entries_left: &mut usize,
) -> Result<XrefSection, PdfError> {
    let mut entries = Vec::new();
    loop {
        let save = p.pos;
        let tok = p.regular_token();
        if tok == b"trailer" {
            break;
        }
        let first = parse_uint(tok).ok_or_else(|| bad("xref table: expected `trailer`"))?;
        let count = p.uint()?;
        take_entries(entries_left, count)?;
        for i in 0..count {
            let off = p.uint()?;
            let generation = p.uint()?;
            let kind = p.regular_token();
            let num = object_number(first, i)?;
            let entry = match kind {
                b"n" => XrefEntry::Offset {
                    offset: usize::try_from(off).map_err(|_| bad("offset too large"))?,
                    generation: u16::try_from(generation).unwrap_or(u16::MAX),
                },
                b"f" => XrefEntry::Free,
                _ => return Err(bad("xref entry is neither n nor f")),
            };
            // Object 0 is the head of the free list, never a real object.
            if num != 0 {
                entries.push((num, entry));
            }
        }
        if p.pos == save {
            return Err(bad("xref table does not advance"));
        }
    }
    let trailer = match p.parse_object()? {
        Object::Dict(d) => d,
        _ => return Err(bad("trailer is not a dictionary")),
    };
    Ok(XrefSection {
        offset,
        kind: XrefKind::Table,
        entries,
        trailer,
    })
}

fn read_xref_stream(
    bytes: &[u8],
    p: &mut Parser<'_>,
    offset: usize,
    budget: &DecodeBudget,
    entries_left: &mut usize,
) -> Result<XrefSection, PdfError> {
    let (_, obj) = p.indirect_object(&|_| None)?;
    let Object::Stream(s) = obj else {
        return Err(bad("startxref does not point to an xref section"));
    };
    if !s.dict.is_type(b"XRef") {
        return Err(bad("startxref does not point to an xref section"));
    }
    let raw = bytes
        .get(s.data.clone())
        .ok_or_else(|| bad("xref stream outside the file"))?;
    let widths: Vec<usize> = s
        .dict
        .get(b"W")
        .and_then(Object::as_array)
        .map(|a| {
            a.iter()
                .map(|w| {
                    w.as_int()
                        .and_then(|w| usize::try_from(w).ok())
                        .unwrap_or(99)
                })
                .collect()
        })
        .unwrap_or_default();
    if widths.len() != 3 || widths.iter().any(|&w| w > 8) {
        return Err(bad("xref stream has a bad /W"));
    }
    let row = widths.iter().sum::<usize>();
    if row == 0 {
        return Err(bad("xref stream has a bad /W"));
    }
    let size = s.dict.get(b"Size").and_then(Object::as_int).unwrap_or(0);
    let index: Vec<i64> = match s.dict.get(b"Index").and_then(Object::as_array) {
        Some(a) => a.iter().filter_map(Object::as_int).collect(),
        None => vec![0, size],
    };
    let mut pairs = Vec::new();
    for pair in index.chunks_exact(2) {
        let (Ok(first), Ok(count)) = (u64::try_from(pair[0]), u64::try_from(pair[1])) else {
            return Err(bad("xref stream has a bad /Index"));
        };
        // Charged before decoding, so that a bomb fails before it inflates.
        take_entries(entries_left, count)?;
        pairs.push((first, count));
    }
    let data = filters::decode(&s.dict, raw, budget)?;
    let mut entries = Vec::new();
    let mut rows = data.chunks_exact(row);
    for (first, count) in pairs {
        for i in 0..count {
            let Some(r) = rows.next() else { break };
            let f1 = if widths[0] == 0 {
                1
            } else {
                be(&r[..widths[0]])
            };
            let f2 = be(&r[widths[0]..widths[0] + widths[1]]);
            let f3 = be(&r[widths[0] + widths[1]..]);
            let num = object_number(first, i)?;
            let entry = match f1 {
                0 => XrefEntry::Free,
                1 => XrefEntry::Offset {
                    offset: usize::try_from(f2).map_err(|_| bad("offset too large"))?,
                    generation: u16::try_from(f3).unwrap_or(u16::MAX),
                },
                2 => XrefEntry::InStream {
                    stream: u32::try_from(f2).map_err(|_| bad("object stream number too large"))?,
                    index: u32::try_from(f3).map_err(|_| bad("index too large"))?,
                },
                // Unknown types are to be ignored (ISO 32000-2, 7.5.8.3).
                _ => continue,
            };
            if num != 0 {
                entries.push((num, entry));
            }
        }
    }
    Ok(XrefSection {
        offset,
        kind: XrefKind::Stream,
        entries,
        trailer: s.dict,
    })
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x))
}

fn bad(what: &str) -> PdfError {
    PdfError::BadXref(what.to_string())
}

/// Where each revision of `pdf` ends: just past the `%%EOF` (and its
/// end-of-line) that follows the `startxref` after each cross-reference
/// section of the chain, oldest first. Markers elsewhere (say, inside an
/// embedded PDF) are not revision ends.
pub fn revision_ends(pdf: &Pdf<'_>) -> Vec<usize> {
    let bytes = pdf.bytes;
    let mut out: Vec<usize> = pdf
        .sections
        .iter()
        .filter_map(|s| {
            let sx = s.offset + find(bytes.get(s.offset..)?, b"startxref")?;
            let mut end = sx + find(&bytes[sx..], b"%%EOF")? + 5;
            if bytes.get(end) == Some(&b'\r') {
                end += 1;
            }
            if bytes.get(end) == Some(&b'\n') {
                end += 1;
            }
            Some(end)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
