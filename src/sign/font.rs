//! The appearance font: DejaVu Serif, embedded as a subset TrueType font with
//! WinAnsi encoding. The subset holds only the glyphs the appearance uses
//! (renumbered, composites rewritten) and a minimal Unicode cmap, so a
//! signature adds a few KB, not the whole 380 KB font.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

const FONT: &[u8] = include_bytes!("../../fonts/DejaVuSerif.ttf");

pub struct Subset {
    pub base_font: String,
    /// Font program for `/FontFile2`.
    pub program: Vec<u8>,
    pub first_char: u8,
    pub last_char: u8,
    /// Advance widths in text space units (1/1000 em) for each code.
    pub widths: Vec<i64>,
    pub ascent: i64,
    pub descent: i64,
    pub cap_height: i64,
    pub bbox: [i64; 4],
}

/// Maps text to WinAnsi codes; characters outside Latin-1 become `?`.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match u32::from(c) {
            v @ (0x20..=0x7e | 0xa0..=0xff) => v as u8,
            _ => b'?',
        })
        .collect()
}

pub struct Metrics {
    face: Option<ttf_parser::Face<'static>>,
}

impl Metrics {
    pub fn new() -> Self {
        Metrics {
            face: ttf_parser::Face::parse(FONT, 0).ok(),
        }
    }

    /// Width of WinAnsi-encoded text at size 1.
    pub fn width(&self, codes: &[u8]) -> f64 {
        codes.iter().map(|&c| self.advance(c) as f64 / 1000.0).sum()
    }

    fn advance(&self, code: u8) -> i64 {
        let Some(face) = &self.face else { return 500 };
        let upem = f64::from(face.units_per_em().max(1));
        face.glyph_index(char::from(code))
            .and_then(|g| face.glyph_hor_advance(g))
            .map_or(0, |a| (f64::from(a) * 1000.0 / upem).round() as i64)
    }
}

/// A subset covering `codes`; `None` only if the bundled font is unreadable.
pub fn subset(codes: &BTreeSet<u8>) -> Option<Subset> {
    let face = ttf_parser::Face::parse(FONT, 0).ok()?;
    let metrics = Metrics::new();
    let first = *codes.first()?;
    let last = *codes.last()?;
    let widths = (first..=last)
        .map(|c| {
            if codes.contains(&c) {
                metrics.advance(c)
            } else {
                0
            }
        })
        .collect();
    let mut cmap = Vec::new();
    for &c in codes {
        if let Some(g) = face.glyph_index(char::from(c)) {
            cmap.push((u16::from(c), g.0));
        }
    }
    let program = build_program(&cmap)?;
    let upem = f64::from(face.units_per_em().max(1));
    let scale = |v: i16| (f64::from(v) * 1000.0 / upem).round() as i64;
    let bb = face.global_bounding_box();
    let tag: String = Sha256::digest(codes.iter().copied().collect::<Vec<u8>>())
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    Some(Subset {
        base_font: format!("{tag}+DejaVuSerif"),
        program,
        first_char: first,
        last_char: last,
        widths,
        ascent: scale(face.ascender()),
        descent: scale(face.descender()),
        cap_height: scale(face.capital_height().unwrap_or(face.ascender())),
        bbox: [
            scale(bb.x_min),
            scale(bb.y_min),
            scale(bb.x_max),
            scale(bb.y_max),
        ],
    })
}

struct Tables<'a> {
    dir: Vec<([u8; 4], &'a [u8])>,
}

impl<'a> Tables<'a> {
    fn parse(font: &'a [u8]) -> Option<Self> {
        let n = usize::from(u16_at(font, 4)?);
        let mut dir = Vec::new();
        for i in 0..n {
            let rec = 12 + 16 * i;
            let tag: [u8; 4] = font.get(rec..rec + 4)?.try_into().ok()?;
            let off = u32_at(font, rec + 8)? as usize;
            let len = u32_at(font, rec + 12)? as usize;
            dir.push((tag, font.get(off..off.checked_add(len)?)?));
        }
        Some(Tables { dir })
    }

    fn get(&self, tag: &[u8; 4]) -> Option<&'a [u8]> {
        self.dir.iter().find(|(t, _)| t == tag).map(|(_, d)| *d)
    }
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// Rebuilds the font with only the glyphs `cmap` needs (and their composite
/// components); tables a PDF renderer does not use are dropped.
fn build_program(cmap: &[(u16, u16)]) -> Option<Vec<u8>> {
    let t = Tables::parse(FONT)?;
    let head = t.get(b"head")?;
    let maxp = t.get(b"maxp")?;
    let loca = t.get(b"loca")?;
    let glyf = t.get(b"glyf")?;
    let num_glyphs = usize::from(u16_at(maxp, 4)?);
    let long = u16_at(head, 50)? == 1;
    let glyph_range = |g: usize| -> Option<(usize, usize)> {
        if long {
            Some((
                u32_at(loca, 4 * g)? as usize,
                u32_at(loca, 4 * g + 4)? as usize,
            ))
        } else {
            Some((
                usize::from(u16_at(loca, 2 * g)?) * 2,
                usize::from(u16_at(loca, 2 * g + 2)?) * 2,
            ))
        }
    };
    let mut keep: BTreeSet<usize> = cmap.iter().map(|&(_, g)| usize::from(g)).collect();
    keep.insert(0);
    let mut queue: Vec<usize> = keep.iter().copied().collect();
    while let Some(g) = queue.pop() {
        let (s, e) = glyph_range(g)?;
        for (_, c) in components(glyf.get(s..e)?) {
            if c < num_glyphs && keep.insert(c) {
                queue.push(c);
            }
        }
    }
    // Kept glyphs are renumbered 0..n in their original order.
    let order: Vec<usize> = keep.iter().copied().collect();
    let new_id = |g: usize| order.binary_search(&g).ok().map(|i| i as u16);
    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity(4 * (order.len() + 1));
    let mut new_hmtx = Vec::with_capacity(4 * order.len());
    let hhea = t.get(b"hhea")?;
    let hmtx = t.get(b"hmtx")?;
    let long_metrics = usize::from(u16_at(hhea, 34)?).max(1);
    for &g in &order {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        let (s, e) = glyph_range(g)?;
        let mut data = glyf.get(s..e)?.to_vec();
        for (at, c) in components(&data) {
            let id = new_id(c).unwrap_or(0);
            data.get_mut(at..at + 2)?.copy_from_slice(&id.to_be_bytes());
        }
        new_glyf.extend_from_slice(&data);
        while new_glyf.len() % 4 != 0 {
            new_glyf.push(0);
        }
        let (advance, lsb) = if g < long_metrics {
            (u16_at(hmtx, 4 * g)?, u16_at(hmtx, 4 * g + 2)?)
        } else {
            (
                u16_at(hmtx, 4 * (long_metrics - 1))?,
                u16_at(hmtx, 4 * long_metrics + 2 * (g - long_metrics))?,
            )
        };
        new_hmtx.extend_from_slice(&advance.to_be_bytes());
        new_hmtx.extend_from_slice(&lsb.to_be_bytes());
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let count = (order.len() as u16).to_be_bytes();
    let mut new_hhea = hhea.to_vec();
    new_hhea.get_mut(34..36)?.copy_from_slice(&count);
    let mut new_maxp = maxp.to_vec();
    new_maxp.get_mut(4..6)?.copy_from_slice(&count);
    let cmap: Vec<(u16, u16)> = cmap
        .iter()
        .filter_map(|&(c, g)| Some((c, new_id(usize::from(g))?)))
        .collect();
    let mut new_head = head.to_vec();
    new_head.get_mut(8..12)?.copy_from_slice(&[0; 4]);
    new_head
        .get_mut(50..52)?
        .copy_from_slice(&1u16.to_be_bytes());
    let mut post = t.get(b"post")?.get(..32)?.to_vec();
    post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
    let mut tables: Vec<([u8; 4], Vec<u8>)> = vec![
        (*b"OS/2", t.get(b"OS/2")?.to_vec()),
        (*b"cmap", cmap_table(&cmap)),
        (*b"glyf", new_glyf),
        (*b"head", new_head),
        (*b"hhea", new_hhea),
        (*b"hmtx", new_hmtx),
        (*b"loca", new_loca),
        (*b"maxp", new_maxp),
        (*b"post", post),
    ];
    for name in [b"cvt ", b"fpgm", b"prep"] {
        if let Some(d) = t.get(name) {
            tables.push((*name, d.to_vec()));
        }
    }
    tables.sort_by_key(|a| a.0);
    Some(assemble(&tables))
}

/// Component glyph ids of a composite glyph, with where each id is stored
/// (empty for simple glyphs).
fn components(glyph: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let Some(n) = glyph.get(0..2).map(|b| i16::from_be_bytes([b[0], b[1]])) else {
        return out;
    };
    if n >= 0 {
        return out;
    }
    let mut p = 10;
    while let (Some(flags), Some(gid)) = (u16_at(glyph, p), u16_at(glyph, p + 2)) {
        out.push((p + 2, usize::from(gid)));
        p += 4;
        p += if flags & 0x0001 != 0 { 4 } else { 2 };
        if flags & 0x0008 != 0 {
            p += 2;
        } else if flags & 0x0040 != 0 {
            p += 4;
        } else if flags & 0x0080 != 0 {
            p += 8;
        }
        if flags & 0x0020 == 0 {
            break;
        }
    }
    out
}

/// A (3,1) format 4 cmap with one segment per character.
fn cmap_table(map: &[(u16, u16)]) -> Vec<u8> {
    let mut segs: Vec<(u16, u16)> = map.to_vec();
    segs.sort_unstable();
    segs.dedup_by_key(|s| s.0);
    segs.push((0xffff, 0));
    let n = segs.len() as u16;
    let mut sub = Vec::new();
    let len = 16 + 8 * segs.len();
    let pow = (n.max(1)).ilog2();
    for v in [
        4u16,
        len as u16,
        0,
        n * 2,
        2 << pow,
        pow as u16,
        n * 2 - (2 << pow),
    ] {
        sub.extend_from_slice(&v.to_be_bytes());
    }
    for (c, _) in &segs {
        sub.extend_from_slice(&c.to_be_bytes());
    }
    sub.extend_from_slice(&0u16.to_be_bytes());
    for (c, _) in &segs {
        sub.extend_from_slice(&c.to_be_bytes());
    }
    for (c, g) in &segs {
        let delta = if *c == 0xffff { 1 } else { g.wrapping_sub(*c) };
        sub.extend_from_slice(&delta.to_be_bytes());
    }
    for _ in &segs {
        sub.extend_from_slice(&0u16.to_be_bytes());
    }
    let mut out = Vec::new();
    for v in [0u16, 1, 3, 1] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&12u32.to_be_bytes());
    out.extend_from_slice(&sub);
    out
}

fn checksum(d: &[u8]) -> u32 {
    d.chunks(4).fold(0u32, |acc, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        acc.wrapping_add(u32::from_be_bytes(w))
    })
}

fn assemble(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = tables.len() as u16;
    let pow = n.ilog2();
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, 16 << pow, pow as u16, n * 16 - (16 << pow)] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut body = Vec::new();
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * tables.len() + body.len();
    }
    out.extend_from_slice(&body);
    out
}
