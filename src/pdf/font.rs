//! One font path for everything cip draws: the bundled DejaVu faces subset
//! with `subsetter` (then slimmed, see [`super::sfnt`]) and described as a
//! Type0/CIDFontType2 font addressed by subset glyph id, with `/W` widths and
//! a ToUnicode CMap. Pages write the description into a new file; the
//! signature appearance writes the same description into an incremental
//! update. Any
//! character the faces cover (Latin, Greek, Cyrillic, ...) shows and
//! extracts as itself.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use sha2::{Digest, Sha256};

use super::{WriteError, sfnt};
use crate::fonts::FontFace;

/// The embedded CMap of one-byte text: code N is CID N (and, with
/// `/CIDToGIDMap /Identity`, glyph N of the subset). Registry and ordering
/// match the CIDFont's, as PDF/A requires of an embedded CMap.
pub const ONE_BYTE_CMAP: &str = "%!PS-Adobe-3.0 Resource-CMap\n\
/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> def\n\
/CMapName /cip-Identity-1byte def\n/CMapType 1 def\n/WMode 0 def\n\
1 begincodespacerange\n<00> <FF>\nendcodespacerange\n\
1 begincidrange\n<00> <FF> 0\nendcidrange\n\
endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

/// The name in [`ONE_BYTE_CMAP`], for its stream dictionary's `/CMapName`.
pub const ONE_BYTE_CMAP_NAME: &str = "cip-Identity-1byte";

/// One face as embedded: its subset program and the glyph ids of the
/// characters used, renumbered for the subset.
pub struct FontSubset {
    pub face: FontFace,
    /// `TAG+PostScriptName`; the tag depends only on the glyph set.
    pub base_font: String,
    pub gids: BTreeMap<char, u16>,
    /// `gids` for U+0000–U+00FF as a table (0 = not in the subset): nearly
    /// every character drawn, looked up without a tree walk (`show` was
    /// 2.6–3.5% of the samples of a render and of a letter batch).
    latin1: Box<[u16; 256]>,
    /// Subset glyph id → advance in font units.
    pub widths: BTreeMap<u16, u16>,
    /// The TrueType program for `/FontFile2`.
    pub program: Vec<u8>,
    /// The streams as documents embed them, made once per subset (see
    /// [`FontSubset::shared`]).
    packed: OnceLock<Packed>,
}

/// A subset's streams, raw and deflated: what every document using the
/// subset embeds alike.
pub struct Packed {
    /// [`FontSubset::program`] deflated.
    pub program: Vec<u8>,
    /// The ToUnicode CMap ([`FontSubset::to_unicode`]).
    pub to_unicode: Vec<u8>,
    /// `to_unicode` deflated.
    pub to_unicode_deflated: Vec<u8>,
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
        let gids: BTreeMap<char, u16> = chars
            .iter()
            .map(|c| (*c, remapper.get(m.glyph(*c).0).unwrap_or(0)))
            .collect();
        let mut latin1 = Box::new([0u16; 256]);
        for (c, g) in gids.range(..='\u{ff}') {
            latin1[*c as usize] = *g;
        }
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
            latin1,
            widths,
            program,
            packed: OnceLock::new(),
        })
    }

    /// [`FontSubset::new`], made once per process for each face and set of
    /// characters. A batch of letters draws the same few sets again and
    /// again; subsetting and deflating the programs were a third of a
    /// letter's instructions. The output is the same bytes either way.
    pub fn shared(face: FontFace, chars: &BTreeSet<char>) -> Result<Arc<FontSubset>, WriteError> {
        type Made = BTreeMap<(FontFace, Vec<char>), Arc<FontSubset>>;
        /// A bound on what a long-running process (`cip serve`, a batch of
        /// very different letters) keeps: ~30 KB a subset.
        const LIMIT: usize = 64;
        static MADE: Mutex<Made> = Mutex::new(BTreeMap::new());
        let key = (face, chars.iter().copied().collect::<Vec<_>>());
        if let Some(made) = MADE
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Ok(Arc::clone(made));
        }
        let made = Arc::new(FontSubset::new(face, chars)?);
        let mut all = MADE.lock().unwrap_or_else(PoisonError::into_inner);
        if all.len() >= LIMIT {
            all.clear();
        }
        all.insert(key, Arc::clone(&made));
        Ok(made)
    }

    /// The program and ToUnicode CMap deflated by `deflate`, which runs
    /// only the first time for a subset.
    pub fn packed<E>(
        &self,
        mut deflate: impl FnMut(&[u8]) -> Result<Vec<u8>, E>,
    ) -> Result<&Packed, E> {
        if let Some(done) = self.packed.get() {
            return Ok(done);
        }
        let to_unicode = self.to_unicode().into_bytes();
        let done = Packed {
            program: deflate(&self.program)?,
            to_unicode_deflated: deflate(&to_unicode)?,
            to_unicode,
        };
        Ok(self.packed.get_or_init(|| done))
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

    /// Whether text is written one byte per glyph (see [`ONE_BYTE_CMAP`]):
    /// true when the subset has at most 256 glyphs, as every plan and letter
    /// in Latin script has. Larger subsets keep two-byte Identity-H codes.
    pub fn one_byte(&self) -> bool {
        self.widths.keys().next_back().is_none_or(|g| *g <= 0xFF)
    }

    /// `text` as a literal string of glyph ids, one byte each for a subset
    /// of at most 256 glyphs, else two (Identity-H). Raw bytes, not
    /// hexadecimal; one byte instead of two makes the sample's page streams
    /// 22% shorter before compression and 12% after. Only `\`, `(`, `)`
    /// and CR need escaping (a bare CR inside a string is read as a line
    /// end).
    pub fn show(&self, text: &str, out: &mut Vec<u8>) {
        let one = self.one_byte();
        out.push(b'(');
        for c in text.chars() {
            let g = match self.latin1.get(c as usize) {
                Some(g) => *g,
                None => self.gids.get(&c).copied().unwrap_or(0),
            };
            let bytes = g.to_be_bytes();
            for &b in if one { &bytes[1..] } else { &bytes[..] } {
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
        let one = self.one_byte();
        let mut s = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n",
        );
        s.push_str(if one {
            "<00> <FF>\nendcodespacerange\n"
        } else {
            "<0000> <FFFF>\nendcodespacerange\n"
        });
        // Runs of consecutive glyph ids drawing consecutive characters (a-z,
        // 0-9, ... keep their order in the subset) as bfrange, the rest as
        // bfchar: the sample's maps shrink by half. A range stays within one
        // first code byte and one last byte of its destination, as the CMap
        // rules require.
        let mut ranges: Vec<(u16, u16, char)> = Vec::new();
        let mut chars: Vec<(u16, char)> = Vec::new();
        let mut run: Option<(u16, u16, char)> = None;
        let flush = |run: Option<(u16, u16, char)>,
                     ranges: &mut Vec<(u16, u16, char)>,
                     chars: &mut Vec<(u16, char)>| {
            match run {
                Some((lo, hi, c)) if hi > lo => ranges.push((lo, hi, c)),
                Some((lo, _, c)) => chars.push((lo, c)),
                None => {}
            }
        };
        for (g, c) in by_gid {
            let extends = run.is_some_and(|(lo, hi, first)| {
                let n = u32::from(hi - lo) + 1;
                g == hi + 1
                    && g >> 8 == lo >> 8
                    && u32::from(c) == u32::from(first) + n
                    && u32::from(c) <= 0xFFFF
                    && u32::from(c) >> 8 == u32::from(first) >> 8
            });
            if extends {
                if let Some(r) = run.as_mut() {
                    r.1 = g;
                }
            } else {
                flush(run.take(), &mut ranges, &mut chars);
                run = Some((g, g, c));
            }
        }
        flush(run, &mut ranges, &mut chars);
        let code = |g: u16| {
            if one {
                format!("{g:02X}")
            } else {
                format!("{g:04X}")
            }
        };
        let utf16 = |c: char| -> String {
            let mut units = [0u16; 2];
            c.encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect()
        };
        // At most 100 entries per block (PostScript CMap limit).
        for chunk in chars.chunks(100) {
            let _ = writeln!(s, "{} beginbfchar", chunk.len());
            for (g, c) in chunk {
                let _ = writeln!(s, "<{}> <{}>", code(*g), utf16(*c));
            }
            s.push_str("endbfchar\n");
        }
        for chunk in ranges.chunks(100) {
            let _ = writeln!(s, "{} beginbfrange", chunk.len());
            for (lo, hi, c) in chunk {
                let _ = writeln!(s, "<{}> <{}> <{}>", code(*lo), code(*hi), utf16(*c));
            }
            s.push_str("endbfrange\n");
        }
        s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same face and characters give the one subset already made,
    /// equal to a fresh one; other characters give another; the program is
    /// deflated once however often they are asked for.
    #[test]
    fn shared_subsets_are_made_once_and_equal_fresh_ones() {
        let chars: BTreeSet<char> = "Shared subset Zq".chars().collect();
        let a = FontSubset::shared(FontFace::Italic, &chars).expect("subset");
        let b = FontSubset::shared(FontFace::Italic, &chars).expect("subset");
        assert!(Arc::ptr_eq(&a, &b));
        let fresh = FontSubset::new(FontFace::Italic, &chars).expect("subset");
        assert_eq!(
            (&a.base_font, &a.gids, &a.program),
            (&fresh.base_font, &fresh.gids, &fresh.program)
        );
        let more: BTreeSet<char> = "Shared subset Zqx".chars().collect();
        let c = FontSubset::shared(FontFace::Italic, &more).expect("subset");
        assert!(!Arc::ptr_eq(&a, &c));
        assert_ne!(a.base_font, c.base_font);

        let mut runs = 0;
        for _ in 0..3 {
            let packed = a
                .packed(|p| {
                    runs += 1;
                    Ok::<_, WriteError>(p.iter().rev().copied().collect())
                })
                .expect("deflated");
            assert_eq!(packed.program.len(), a.program.len());
            assert_eq!(packed.to_unicode, a.to_unicode().into_bytes());
        }
        assert_eq!(runs, 2, "program and ToUnicode, once each");
    }

    /// Every character maps back from its code, through a range or alone.
    #[test]
    fn to_unicode_maps_every_code_back() {
        let chars: BTreeSet<char> = "abcdefghij0123456789 XZ—éΩ".chars().collect();
        let f = FontSubset::new(FontFace::Regular, &chars).expect("subset");
        assert!(f.one_byte());
        let cmap = f.to_unicode();
        assert!(cmap.contains("beginbfrange"), "runs become ranges:\n{cmap}");
        let mut back = BTreeMap::new();
        let mut in_map = false;
        for line in cmap.lines() {
            if line.contains("beginbf") || line.contains("endbf") {
                in_map = line.contains("beginbf");
                continue;
            }
            if !in_map {
                continue;
            }
            let hexes: Vec<u32> = line
                .split(['<', '>'])
                .filter(|p| !p.trim().is_empty() && p.chars().all(|c| c.is_ascii_hexdigit()))
                .filter_map(|p| u32::from_str_radix(p, 16).ok())
                .collect();
            match hexes.as_slice() {
                [code, u] => {
                    back.insert(*code, *u);
                }
                [lo, hi, u] => {
                    for code in *lo..=*hi {
                        back.insert(code, u + code - lo);
                    }
                }
                _ => {}
            }
        }
        for c in &chars {
            let g = f.gids[c];
            assert_eq!(back.get(&u32::from(g)), Some(&u32::from(*c)), "{c:?}");
        }
        assert_eq!(back.len(), chars.len());
    }
}
