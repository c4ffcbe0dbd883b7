//! One font path for everything cip draws: the bundled DejaVu faces subset
//! with `subsetter` (then slimmed, see [`super::sfnt`]) and described as a
//! Type0/CIDFontType2 font addressed by subset glyph id, with `/W` widths and
//! a ToUnicode CMap. Pages write the description with lopdf; the signature
//! appearance writes the same description into an incremental update. Any
//! character the faces cover (Latin, Greek, Cyrillic, ...) shows and
//! extracts as itself.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::{WriteError, sfnt};
use crate::fonts::FontFace;

/// One face as embedded: its subset program and the glyph ids of the
/// characters used, renumbered for the subset.
pub struct FontSubset {
    pub face: FontFace,
    /// `TAG+PostScriptName`; the tag depends only on the glyph set.
    pub base_font: String,
    pub gids: BTreeMap<char, u16>,
    /// Subset glyph id → advance in font units.
    pub widths: BTreeMap<u16, u16>,
    /// The TrueType program for `/FontFile2`.
    pub program: Vec<u8>,
}

/// The font descriptor's numbers, in text space units (1/1000 em).
pub struct Descriptor {
    pub flags: i64,
    pub bbox: [i64; 4],
    pub italic_angle: f32,
    pub ascent: i64,
    pub descent: i64,
    pub cap_height: i64,
    pub stem_v: i64,
}

impl FontSubset {
    /// The subset of `face` that draws `chars`.
    pub fn new(face: FontFace, chars: &BTreeSet<char>) -> Result<FontSubset, WriteError> {
        let m = face.metrics();
        // Original glyph ids in ascending order, so that the renumbering
        // (and with it every byte written) depends only on the glyph set.
        let orig: BTreeSet<u16> = chars.iter().map(|c| m.glyph(*c).0).collect();
        let mut remapper = subsetter::GlyphRemapper::new();
        for g in &orig {
            remapper.remap(*g);
        }
        let program =
            subsetter::subset(face.data(), 0, &remapper).map_err(|e| WriteError::Subset {
                face: face.postscript_name(),
                message: e.to_string(),
            })?;
        let program = sfnt::slim(&program).unwrap_or(program);
        let gids = chars
            .iter()
            .map(|c| (*c, remapper.get(m.glyph(*c).0).unwrap_or(0)))
            .collect();
        let widths = orig
            .iter()
            .filter_map(|g| remapper.get(*g).map(|new| (new, m.glyph_advance(*g))))
            .collect();
        // The subset tag (six capitals) comes from the glyph set: readers
        // expect different subsets of one face to carry different tags.
        let mut h = Sha256::new();
        h.update(face.postscript_name().as_bytes());
        for g in &orig {
            h.update(g.to_be_bytes());
        }
        let digest = h.finalize();
        let tag: String = digest[..6]
            .iter()
            .map(|b| char::from(b'A' + b % 26))
            .collect();
        Ok(FontSubset {
            face,
            base_font: format!("{tag}+{}", face.postscript_name()),
            gids,
            widths,
            program,
        })
    }

    /// Font units to text space units.
    fn scale(&self, v: f32) -> i64 {
        let upm = f32::from(self.face.metrics().units_per_em);
        (v * 1000.0 / upm).round() as i64
    }

    pub fn descriptor(&self) -> Descriptor {
        const NONSYMBOLIC: i64 = 1 << 5;
        const ITALIC: i64 = 1 << 6;
        let m = self.face.metrics();
        let italic = m.italic_angle != 0.0;
        Descriptor {
            flags: NONSYMBOLIC | if italic { ITALIC } else { 0 },
            bbox: m.bbox.map(|v| self.scale(f32::from(v))),
            italic_angle: m.italic_angle,
            ascent: self.scale(f32::from(m.ascender)),
            descent: self.scale(f32::from(m.descender)),
            cap_height: self.scale(f32::from(m.cap_height)),
            // No font table carries StemV; the usual estimate from the weight.
            stem_v: 50 + (f32::from(m.weight) / 65.0).powi(2).round() as i64,
        }
    }

    /// `/W` as runs of consecutive glyph ids: `(first, [w w w ...])`.
    pub fn width_runs(&self) -> Vec<(u16, Vec<i64>)> {
        let mut runs: Vec<(u16, Vec<i64>)> = Vec::new();
        for (&gid, &adv) in &self.widths {
            let w = self.scale(f32::from(adv));
            match runs.last_mut() {
                Some((start, ws)) if usize::from(*start) + ws.len() == usize::from(gid) => {
                    ws.push(w)
                }
                _ => runs.push((gid, vec![w])),
            }
        }
        runs
    }

    /// `text` as a literal string of two-byte glyph ids (`(\0\x12\0*)`
    /// with the bytes raw), the form `Tj` takes with Identity-H. Raw bytes,
    /// not hexadecimal: half the characters, and the page streams of the
    /// sample compress 13% smaller. Only `\`, `(`, `)` and CR need escaping
    /// (a bare CR inside a string is read as a line end).
    pub fn show(&self, text: &str, out: &mut Vec<u8>) {
        out.push(b'(');
        for c in text.chars() {
            let g = self.gids.get(&c).copied().unwrap_or(0);
            for b in g.to_be_bytes() {
                match b {
                    b'\\' | b'(' | b')' => out.extend_from_slice(&[b'\\', b]),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
        out.push(b')');
    }

    /// ToUnicode CMap from glyph id to the character it was chosen for.
    pub fn to_unicode(&self) -> String {
        let by_gid: BTreeMap<u16, char> = self
            .gids
            .iter()
            .filter(|(_, g)| **g != 0)
            .map(|(c, g)| (*g, *c))
            .collect();
        let mut s = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<(u16, char)> = by_gid.into_iter().collect();
        // At most 100 entries per block (PostScript CMap limit).
        for chunk in entries.chunks(100) {
            let _ = writeln!(s, "{} beginbfchar", chunk.len());
            for (g, c) in chunk {
                let mut utf16 = [0u16; 2];
                let hex: String = c
                    .encode_utf16(&mut utf16)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                let _ = writeln!(s, "<{g:04X}> <{hex}>");
            }
            s.push_str("endbfchar\n");
        }
        s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        s
    }
}
