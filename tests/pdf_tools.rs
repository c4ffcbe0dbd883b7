//! The written PDFs, checked with the real tools (qpdf, poppler-utils).
//! A missing tool fails the test: `scripts/test` installs them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use cip::documents::*;
use cip::layout::{self, Item, sample};
use cip::pdf;

fn tool(name: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is required for this test but could not be run ({e}); run scripts/test, which installs poppler-utils and qpdf")
    });
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

struct Rendered {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn render_to_file(doc: &Document, name: &str) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let bytes = pdf::render(doc).unwrap();
    cip::atomic::write(&path, &bytes).unwrap();
    Rendered { _dir: dir, path }
}

fn stress() -> &'static Rendered {
    static R: OnceLock<Rendered> = OnceLock::new();
    R.get_or_init(|| render_to_file(&sample::stress_document(), "stress.pdf"))
}

fn sample3() -> &'static Rendered {
    static R: OnceLock<Rendered> = OnceLock::new();
    R.get_or_init(|| render_to_file(&sample::document(4), "sample.pdf"))
}

fn p(r: &Rendered) -> &str {
    r.path.to_str().unwrap()
}

#[test]
fn qpdf_check_passes() {
    let empty = {
        let mut d = sample::document(0);
        d.blocks.clear();
        d.attachments.clear();
        d.header = None;
        d.footer = Footer {
            left: None,
            page_numbers: PageNumbers::None,
        };
        render_to_file(&d, "empty.pdf")
    };
    for r in [stress(), sample3(), &empty] {
        let (ok, out, err) = tool("qpdf", &["--check", p(r)]);
        assert!(
            ok,
            "qpdf --check failed on {}:\n{out}\n{err}",
            r.path.display()
        );
        assert!(out.contains("No syntax or stream encoding errors"), "{out}");
        assert!(!out.to_lowercase().contains("warning"), "{out}");
    }
}

#[test]
fn only_embedded_subset_unicode_fonts() {
    for r in [stress(), sample3()] {
        let (ok, out, _) = tool("pdffonts", &[p(r)]);
        assert!(ok);
        let rows: Vec<&str> = out.lines().skip(2).collect();
        assert!(!rows.is_empty(), "no fonts listed:\n{out}");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let name = cols[0];
            let tag = name.split('+').next().unwrap();
            assert!(
                name.contains('+') && tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
                "not a subset name: {row}"
            );
            // type, encoding, then emb sub uni.
            let flags = &cols[cols.len() - 5..cols.len() - 2];
            assert_eq!(flags, ["yes", "yes", "yes"], "{row}");
        }
    }
}

fn nonspace(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn charset(s: &str) -> BTreeMap<char, usize> {
    let mut m = BTreeMap::new();
    for c in s.chars().filter(|c| !c.is_whitespace()) {
        *m.entry(c).or_insert(0) += 1;
    }
    m
}

#[test]
fn pdftotext_returns_every_character_drawn() {
    let doc = sample::stress_document();
    let laid = layout::layout(&doc).unwrap();
    let drawn: String = laid
        .pages
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|i| match i {
            Item::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    let (ok, text, err) = tool("pdftotext", &["-raw", p(stress()), "-"]);
    assert!(ok, "{err}");
    assert_eq!(
        charset(&text),
        charset(&drawn),
        "extracted text differs from the text drawn"
    );
}

#[test]
fn pdftotext_layout_shows_names_hashes_and_urls() {
    let (ok, text, _) = tool("pdftotext", &["-layout", p(stress()), "-"]);
    assert!(ok);
    for s in [
        "Müller & Søn Import-Export GmbH",
        "Ελληνικά / Müller & Søn",
        "Dvořák Øresund Łódź",
        "End of stress document.",
        "Page 1 of",
    ] {
        assert!(text.contains(s), "{s:?} missing from pdftotext output");
    }
    // Long tokens are broken across lines; the body paragraph with the hash
    // and URL is the full width of the page, so its pieces are contiguous.
    let flat = nonspace(&text);
    assert!(flat.contains("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    assert!(flat.contains(
        "https://www.example.gov/trade/programs-administration/entry-summary/compliance-improvement-plans/guidance-document-2026-11-20-final-version.pdf"
    ));
    // The watermark is drawn as outlines and must not pollute the text.
    assert!(!text.contains("DRAFT"));
}

#[test]
fn attachments_extract_byte_identical() {
    let doc = sample::document(4);
    let r = sample3();
    let out = tempfile::tempdir().unwrap();
    let (ok, list, _) = tool("pdfdetach", &["-list", p(r)]);
    assert!(ok);
    assert!(list.contains("2 embedded files"), "{list}");
    let (ok, _, err) = tool(
        "pdfdetach",
        &["-saveall", "-o", out.path().to_str().unwrap(), p(r)],
    );
    assert!(ok, "{err}");
    for a in &doc.attachments {
        let got = std::fs::read(out.path().join(&a.name)).unwrap();
        assert_eq!(got, a.bytes, "{} differs", a.name);
    }
}

fn qdf(r: &Rendered) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q.pdf");
    let (ok, _, err) = tool(
        "qpdf",
        &[
            "--qdf",
            "--object-streams=disable",
            p(r),
            out.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    String::from_utf8_lossy(&std::fs::read(out).unwrap()).into_owned()
}

#[test]
fn structure_metadata_fields_and_attachments() {
    let r = sample3();
    let q = qdf(r);
    // Unsigned signature field, merged with its widget, listed in AcroForm.
    assert!(q.contains("/FT /Sig"), "no signature field");
    assert!(q.contains("/T (approving_official)"));
    assert!(q.contains("/AcroForm"));
    assert!(q.contains("/Subtype /Widget"));
    assert!(!q.contains("/V "), "field must be unsigned");
    // Associated files.
    assert!(q.contains("/AFRelationship /Source"));
    assert!(q.contains("/AFRelationship /Supplement"));
    assert!(q.contains("/EmbeddedFiles"));
    assert!(q.contains("/Type /EmbeddedFile"));
    assert!(q.contains("/Subtype /application#2ftoml"));
    // Name tree in sorted order.
    let e = q.find("(evidence.bin)").unwrap();
    let t = q.find("(plan.toml)").unwrap();
    assert!(e < t);
    // Output intent and XMP.
    assert!(q.contains("/S /GTS_PDFA1"));
    assert!(q.contains("/DestOutputProfile"));
    assert!(q.contains("<pdfaid:part>3</pdfaid:part>"));
    assert!(q.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
    assert!(q.contains("<xmp:CreateDate>2026-11-20T09:30:00+00:00</xmp:CreateDate>"));
    assert!(q.contains("/CIDToGIDMap /Identity"));
    assert!(!q.contains("GTS_PDFX"));

    let (ok, info, _) = tool("pdfinfo", &[p(r)]);
    assert!(ok);
    assert!(info.contains("PDF version:     1.7"), "{info}");
    assert!(info.contains("Title:           Layout sample"));
    assert!(info.contains("Author:          Müller & Søn Import-Export GmbH"));
    assert!(info.contains("Keywords:        sample, layout"));
    assert!(
        info.contains("CreationDate:    Fri Nov 20 09:30:00 2026 UTC"),
        "{info}"
    );
    assert!(info.contains("Form:            AcroForm"));
    assert!(info.contains("Page size:       612 x 792 pts (letter)"));
    assert!(!info.contains("PDF subtype"), "claims a subtype: {info}");
}

#[test]
fn deterministic_bytes_and_content_id() {
    let a = pdf::render(&sample::document(4)).unwrap();
    let _ = pdf::render(&sample::stress_document()).unwrap();
    let b = pdf::render(&sample::document(4)).unwrap();
    assert!(a == b, "two renders differ");
    let tail = String::from_utf8_lossy(&a[a.len() - 1000..]).into_owned();
    let id = tail
        .split("/ID[<")
        .nth(1)
        .or_else(|| tail.split("/ID [<").nth(1))
        .expect(&tail);
    assert!(!id.starts_with("C1C1C1"), "placeholder ID left: {tail}");
    // A different document gets a different ID.
    let mut other = sample::document(4);
    other.info.title.push('!');
    let c = pdf::render(&other).unwrap();
    assert_ne!(a[a.len() - 200..], c[c.len() - 200..]);
}

#[test]
fn small_documents_stay_small() {
    let mut doc = sample::document(4);
    doc.attachments.clear();
    let laid = layout::layout(&doc).unwrap();
    assert!(
        (2..=3).contains(&laid.pages.len()),
        "{} pages",
        laid.pages.len()
    );
    let bytes = pdf::write(&doc, &laid).unwrap();
    assert!(bytes.len() < 40_000, "{} bytes", bytes.len());
}

#[test]
fn pages_render_with_pdftoppm() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    let (ok, _, err) = tool(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "20",
            "-f",
            "1",
            "-l",
            "2",
            p(stress()),
            prefix.to_str().unwrap(),
        ],
    );
    assert!(ok && err.trim().is_empty(), "pdftoppm complained: {err}");
    let n = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(n, 2);
}

#[test]
fn duplicate_attachment_names_are_refused() {
    let mut doc = sample::document(0);
    let a = doc.attachments[0].clone();
    doc.attachments.push(a);
    assert!(matches!(
        pdf::render(&doc),
        Err(pdf::WriteError::DuplicateAttachment(_))
    ));
}

#[test]
fn empty_metadata_is_left_out_consistently() {
    let mut doc = sample::document(0);
    doc.info.author.clear();
    doc.info.keywords.clear();
    let r = render_to_file(&doc, "meta.pdf");
    let (ok, info, _) = tool("pdfinfo", &[p(&r)]);
    assert!(ok);
    assert!(!info.contains("Author:"), "{info}");
    assert!(!info.contains("Keywords:"), "{info}");
    let q = qdf(&r);
    assert!(!q.contains("<dc:creator>") && !q.contains("<pdf:Keywords>"));
    assert!(q.contains("<dc:title>"));
}

/// Text extracts as written in both encodings: one byte per glyph for a
/// face with at most 256 glyphs (an embedded CMap, "Custom" in pdffonts),
/// two bytes (Identity-H) for a larger subset.
#[test]
fn one_and_two_byte_text_both_extract() {
    let small = "Plain Latin text, 12 digits 0123456789.";
    // 320 distinct letters DejaVu Serif has: Latin Extended-A/B, Greek,
    // Cyrillic.
    let large: String = ('\u{100}'..='\u{17F}')
        .chain('\u{391}'..='\u{3A1}')
        .chain('\u{3A3}'..='\u{3C9}')
        .chain('\u{410}'..='\u{44F}')
        .chain('\u{180}'..='\u{1BF}')
        .collect();
    assert!(large.chars().count() > 300);
    for (name, text, encoding) in [
        ("one-byte.pdf", small.to_string(), "Custom"),
        ("two-byte.pdf", large.clone(), "Identity-H"),
    ] {
        let mut d = sample::document(0);
        d.attachments.clear();
        d.header = None;
        d.blocks = vec![Block::Paragraph {
            text: vec![Span::plain(text.clone())],
            align: Align::Left,
        }];
        let r = render_to_file(&d, name);
        let (ok, fonts, _) = tool("pdffonts", &[p(&r)]);
        assert!(ok);
        let regular = fonts
            .lines()
            .find(|l| l.contains("+DejaVuSerif "))
            .unwrap_or_else(|| panic!("no regular face:\n{fonts}"));
        assert!(regular.contains(encoding), "{name}: {regular}");
        let (ok, out, _) = tool("pdftotext", &[p(&r), "-"]);
        assert!(ok);
        assert!(
            nonspace(&out).contains(&nonspace(&text)),
            "{name}: text does not extract as written:\n{out}"
        );
    }
}
