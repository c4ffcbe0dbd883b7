//! Structure-aware tampering with real signed plans: the input picks one
//! signed file, one object or cross-reference section of it, and how to
//! change it. Besides not panicking, a changed file must never verify, and
//! no plan may be read from it.
#![no_main]

use std::ops::Range;
use std::sync::OnceLock;

use cip::pdfbytes::{Pdf, XrefEntry, find};
use cip::verify::verify_pdf;
use libfuzzer_sys::fuzz_target;

struct Base {
    bytes: Vec<u8>,
    /// The signatures' `/Contents` holes: bytes no signature covers.
    holes: Vec<Range<usize>>,
    /// Every object (`N G obj … endobj`) and cross-reference section
    /// (`xref … startxref`, or the xref stream object) of every revision.
    sites: Vec<Range<usize>>,
}

fn bases() -> &'static [Base] {
    static BASES: OnceLock<Vec<Base>> = OnceLock::new();
    BASES.get_or_init(|| {
        cip_fuzz::signed_plans()
            .iter()
            .map(|bytes| {
                let report = verify_pdf(bytes, &cip_fuzz::trusting()).expect("verify");
                assert!(report.ok(), "the unmodified signed plan must verify");
                let holes = report
                    .signatures
                    .iter()
                    .filter_map(|s| s.byte_range)
                    .map(|br| br[1] as usize..br[2] as usize)
                    .collect();
                Base {
                    sites: sites(bytes),
                    holes,
                    bytes: bytes.clone(),
                }
            })
            .collect()
    })
}

fn sites(bytes: &[u8]) -> Vec<Range<usize>> {
    let pdf = Pdf::parse(bytes).expect("parse");
    let mut starts: Vec<usize> = pdf.sections.iter().map(|s| s.offset).collect();
    for s in &pdf.sections {
        for (_, e) in &s.entries {
            if let XrefEntry::Offset { offset, .. } = e {
                starts.push(*offset);
            }
        }
    }
    starts.sort_unstable();
    starts.dedup();
    starts
        .into_iter()
        .filter_map(|start| {
            let rest = bytes.get(start..)?;
            let end = if rest.starts_with(b"xref") {
                find(rest, b"startxref")?
            } else {
                find(rest, b"endobj")? + b"endobj".len()
            };
            Some(start..start + end)
        })
        .collect()
}

/// Offsets and lengths are decimal: a digit changed keeps the file's shape
/// while pointing somewhere else.
fn bump_digits(s: &mut [u8], at: usize, by: &[u8]) {
    for (i, b) in by.iter().enumerate() {
        if let Some(c) = s.get_mut(at + i)
            && c.is_ascii_digit()
        {
            *c = b'0' + (*c - b'0' + b) % 10;
        }
    }
}

fn mutate(base: &Base, data: &[u8]) -> Option<Vec<u8>> {
    let [site_hi, site_lo, op, at_hi, at_lo, rest @ ..] = data else {
        return None;
    };
    let site = base.sites[usize::from(u16::from_be_bytes([*site_hi, *site_lo])) % base.sites.len()]
        .clone();
    let len = site.len().max(1);
    let at = site.start + usize::from(u16::from_be_bytes([*at_hi, *at_lo])) % len;
    let mut out = base.bytes.clone();
    match op % 6 {
        // The whole object or section replaced.
        0 => {
            out.splice(site, rest.iter().copied());
        }
        // Bytes overwritten in place (the file keeps its length and offsets).
        1 => {
            let n = rest.len().min(site.end - at);
            out[at..at + n].copy_from_slice(&rest[..n]);
        }
        2 => {
            out.splice(at..at, rest.iter().copied());
        }
        3 => {
            let n = usize::from(rest.first().copied().unwrap_or(1)).min(site.end - at);
            out.drain(at..at + n);
        }
        4 => bump_digits(&mut out[..site.end], at, rest),
        // One line (an xref entry, a dictionary line) replaced.
        _ => {
            let line_start = out[site.start..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(site.start, |p| site.start + p + 1);
            let line_end = out[at..site.end]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(site.end, |p| at + p);
            out.splice(line_start..line_end, rest.iter().copied());
        }
    }
    Some(out)
}

fn only_in_holes(a: &[u8], b: &[u8], holes: &[Range<usize>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .all(|(i, _)| holes.iter().any(|h| h.contains(&i)))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let bases = bases();
    let base = &bases[usize::from(pick) % bases.len()];
    let Some(m) = mutate(base, data) else {
        return;
    };
    let tampered = !only_in_holes(&base.bytes, &m, &base.holes);
    let Ok(report) = verify_pdf(&m, &cip_fuzz::trusting()) else {
        return;
    };
    assert!(
        !(tampered && report.ok()),
        "a signed plan changed outside its signatures' /Contents verified: {report:?}"
    );
    // No refusal reason is what lets `plan_from_pdf` (letters, the archive)
    // read the embedded plan: trust aside, the same must hold.
    assert!(
        !(tampered && cip::model::any::refusal_reasons(&report).is_empty()),
        "a plan would be read from a signed plan changed outside its signatures' /Contents: {report:?}"
    );
    if let Ok(files) = cip::verify::signed_embedded_files(&m, &report) {
        let _ = cip::archive::classify(&files);
    }
});
