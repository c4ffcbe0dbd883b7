//! Slimming of subset TrueType programs before embedding.
//!
//! `subsetter` keeps two things a PDF does not need and that dominate a
//! small DejaVu subset: TrueType hinting (the `fpgm`/`prep`/`cvt ` programs
//! and per-glyph instructions, which PDF renderers ignore or override) and
//! the `name` table with the full licence text (5.5 KB per face). We drop
//! the hinting and keep only the naming and copyright/trademark records of
//! `name` (the copyright notice travels with every copy, as the Bitstream
//! Vera licence asks), which roughly halves each embedded font. `post`
//! becomes format 3, its header without glyph names: text extraction uses
//! the ToUnicode CMap, and the names cost ~100 bytes per face compressed.
//!
//! Any structural surprise returns `None` and the caller embeds the subset
//! unchanged: slimming is an optimisation, never a reason to fail.

const DROP: [&[u8; 4]; 3] = [b"fpgm", b"prep", b"cvt "];
/// Copyright, family, subfamily, unique id, full name, version, PostScript
/// name, trademark.
const KEEP_NAMES: std::ops::RangeInclusive<u16> = 0..=7;

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *d.get(at)?,
        *d.get(at + 1)?,
        *d.get(at + 2)?,
        *d.get(at + 3)?,
    ]))
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |acc, c| {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        acc.wrapping_add(u32::from_be_bytes(b))
    })
}

/// The slimmed font, or `None` if `font` is not laid out as expected.
pub fn slim(font: &[u8]) -> Option<Vec<u8>> {
    let n = usize::from(u16_at(font, 4)?);
    let mut tables: Vec<([u8; 4], Vec<u8>)> = Vec::with_capacity(n);
    for i in 0..n {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = font.get(rec..rec + 4)?.try_into().ok()?;
        let off = u32_at(font, rec + 8)? as usize;
        let len = u32_at(font, rec + 12)? as usize;
        tables.push((tag, font.get(off..off.checked_add(len)?)?.to_vec()));
    }
    let get = |t: &[u8; 4]| tables.iter().find(|(tag, _)| tag == t).map(|(_, d)| d);
    let head = get(b"head")?;
    let long_loca = u16_at(head, 50)? == 1;
    let num_glyphs = usize::from(u16_at(get(b"maxp")?, 4)?);
    let (glyf, loca) = strip_instructions(get(b"glyf")?, get(b"loca")?, num_glyphs, long_loca)?;
    let name = get(b"name").map(|d| trim_names(d)).unwrap_or(None);

    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for (tag, data) in &tables {
        if DROP.contains(&tag) {
            continue;
        }
        let data = match tag {
            b"glyf" => glyf.clone(),
            b"loca" => loca.clone(),
            b"name" => name.clone().unwrap_or_else(|| data.clone()),
            b"head" => {
                let mut h = data.clone();
                h.get_mut(8..12)?.copy_from_slice(&[0; 4]);
                // The rebuilt loca is always in the long format.
                h.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes());
                h
            }
            b"post" if data.len() >= 32 => {
                let mut p = data.get(..32)?.to_vec();
                p.get_mut(0..4)?
                    .copy_from_slice(&0x0003_0000u32.to_be_bytes());
                p
            }
            b"maxp" => {
                let mut m = data.clone();
                // maxSizeOfInstructions: there are none left.
                if let Some(s) = m.get_mut(26..28) {
                    s.copy_from_slice(&[0, 0]);
                }
                m
            }
            _ => data.clone(),
        };
        out_tables.push((*tag, data));
    }
    Some(assemble(font, &out_tables))
}

fn assemble(original: &[u8], tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = tables.len() as u16;
    let mut pow = 1u16;
    let mut log = 0u16;
    while pow * 2 <= n {
        pow *= 2;
        log += 1;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&original[..4]);
    for v in [n, pow * 16, log, n * 16 - pow * 16] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, data) in tables {
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    if let Some(h) = head_at {
        let adj = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[h + 8..h + 12].copy_from_slice(&adj.to_be_bytes());
    }
    out
}

/// `glyf` without instructions, and the matching long `loca`.
fn strip_instructions(
    glyf: &[u8],
    loca: &[u8],
    num_glyphs: usize,
    long: bool,
) -> Option<(Vec<u8>, Vec<u8>)> {
    let offset = |i: usize| -> Option<usize> {
        if long {
            u32_at(loca, 4 * i).map(|v| v as usize)
        } else {
            u16_at(loca, 2 * i).map(|v| usize::from(v) * 2)
        }
    };
    let mut out = Vec::with_capacity(glyf.len());
    let mut new_loca = Vec::with_capacity(4 * (num_glyphs + 1));
    for i in 0..num_glyphs {
        new_loca.extend_from_slice(&(out.len() as u32).to_be_bytes());
        let (a, b) = (offset(i)?, offset(i + 1)?);
        if b <= a {
            continue;
        }
        let g = glyf.get(a..b)?;
        let contours = u16_at(g, 0)? as i16;
        if contours >= 0 {
            let nc = contours as usize;
            let ilen_at = 10 + 2 * nc;
            let ilen = usize::from(u16_at(g, ilen_at)?);
            out.extend_from_slice(g.get(..ilen_at)?);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(g.get(ilen_at + 2 + ilen..)?);
        } else {
            let mut p = 10;
            let mut comp = g.get(..10)?.to_vec();
            loop {
                let flags = u16_at(g, p)?;
                let mut len = 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
                if flags & 0x0008 != 0 {
                    len += 2;
                } else if flags & 0x0040 != 0 {
                    len += 4;
                } else if flags & 0x0080 != 0 {
                    len += 8;
                }
                let start = comp.len();
                comp.extend_from_slice(g.get(p..p + len)?);
                let cleared = flags & !0x0100;
                comp[start..start + 2].copy_from_slice(&cleared.to_be_bytes());
                p += len;
                if flags & 0x0020 == 0 {
                    break;
                }
            }
            out.extend_from_slice(&comp);
        }
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    new_loca.extend_from_slice(&(out.len() as u32).to_be_bytes());
    Some((out, new_loca))
}

/// `name` with only the records in [`KEEP_NAMES`].
fn trim_names(name: &[u8]) -> Option<Vec<u8>> {
    if u16_at(name, 0)? != 0 {
        return None; // format 1 (language tags): leave alone
    }
    let count = usize::from(u16_at(name, 2)?);
    let storage = usize::from(u16_at(name, 4)?);
    let mut records = Vec::new();
    let mut strings: Vec<u8> = Vec::new();
    for i in 0..count {
        let r = 6 + 12 * i;
        let rec = name.get(r..r + 12)?;
        let id = u16_at(rec, 6)?;
        if !KEEP_NAMES.contains(&id) {
            continue;
        }
        let len = usize::from(u16_at(rec, 8)?);
        let off = usize::from(u16_at(rec, 10)?);
        let s = name.get(storage + off..storage + off + len)?;
        let mut rec = rec.to_vec();
        rec[10..12].copy_from_slice(&u16::try_from(strings.len()).ok()?.to_be_bytes());
        strings.extend_from_slice(s);
        records.push(rec);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&(records.len() as u16).to_be_bytes());
    out.extend_from_slice(&((6 + 12 * records.len()) as u16).to_be_bytes());
    for r in records {
        out.extend_from_slice(&r);
    }
    out.extend_from_slice(&strings);
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::fonts::FontFace;

    #[test]
    fn slimmed_subset_still_parses_with_same_outlines() {
        for face in [FontFace::Regular, FontFace::Italic] {
            same_outlines(face);
        }
    }

    fn same_outlines(face: FontFace) {
        let m = face.metrics();
        let mut r = subsetter::GlyphRemapper::new();
        let chars = "Aäé fiÅ&Ω";
        for c in chars.chars() {
            r.remap(m.glyph(c).0);
        }
        let sub = subsetter::subset(face.data(), 0, &r).unwrap();
        let slim = super::slim(&sub).unwrap();
        assert!(
            slim.len() < sub.len() * 3 / 4,
            "{} vs {}",
            slim.len(),
            sub.len()
        );
        let a = ttf_parser::Face::parse(&sub, 0).unwrap();
        let b = ttf_parser::Face::parse(&slim, 0).unwrap();
        assert_eq!(a.number_of_glyphs(), b.number_of_glyphs());
        for g in 0..a.number_of_glyphs() {
            let g = ttf_parser::GlyphId(g);
            let (mut oa, mut ob) = (Rec::default(), Rec::default());
            assert_eq!(
                a.outline_glyph(g, &mut oa),
                b.outline_glyph(g, &mut ob),
                "{g:?}"
            );
            assert_eq!(oa.0, ob.0, "{g:?}");
            assert_eq!(a.glyph_hor_advance(g), b.glyph_hor_advance(g));
        }
        assert!(
            b.raw_face()
                .table(ttf_parser::Tag::from_bytes(b"fpgm"))
                .is_none()
        );
        // post format 3: the header's metrics kept, the glyph names gone.
        let post = b
            .raw_face()
            .table(ttf_parser::Tag::from_bytes(b"post"))
            .unwrap();
        assert_eq!(post.len(), 32);
        assert_eq!(post[..4], [0, 3, 0, 0]);
        assert_eq!(a.italic_angle(), b.italic_angle());
        assert_eq!(a.underline_metrics(), b.underline_metrics());
        assert!(a.glyph_name(ttf_parser::GlyphId(1)).is_some());
        assert_eq!(b.glyph_name(ttf_parser::GlyphId(1)), None);
    }

    /// Records an outline as text, to compare two outlines.
    #[derive(Default)]
    struct Rec(String);

    impl ttf_parser::OutlineBuilder for Rec {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0 += &format!("M{x},{y} ");
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0 += &format!("L{x},{y} ");
        }
        fn quad_to(&mut self, a: f32, b: f32, x: f32, y: f32) {
            self.0 += &format!("Q{a},{b},{x},{y} ");
        }
        fn curve_to(&mut self, a: f32, b: f32, c: f32, d: f32, x: f32, y: f32) {
            self.0 += &format!("C{a},{b},{c},{d},{x},{y} ");
        }
        fn close(&mut self) {
            self.0 += "Z ";
        }
    }
}
