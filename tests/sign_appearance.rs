//! The visible signature of a document signed as it is made draws with the
//! pages' regular face (one subset less in the file); a document signed
//! later, or a page font that is not what the file holds, gets the
//! appearance's own subset. Judged by poppler (pdffonts, pdftotext) and
//! pyHanko, not by cip.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use cip::keys::Algorithm;
use cip::pdf::{PageFont, Written};
use cip::sign::{Publish, SignOptions, sign_pdf, sign_written};
use common::*;

fn opts() -> SignOptions {
    SignOptions {
        time: Some(fixed_time()),
        ..SignOptions::default()
    }
}

/// How a document made for `k` is signed with `o`.
fn publish<'a>(k: &'a TestKey, o: &'a SignOptions) -> Publish<'a> {
    Publish {
        signer: Some((&k.signer, o)),
        ..Publish::default()
    }
}

/// The sample plan's document, rendered for `reserve`.
fn written(reserve: BTreeSet<char>) -> Written {
    let r = cip::render::render_file(
        Path::new("samples/acme.toml"),
        &cip::render::RenderOptions {
            no_attach: true,
            reserved: reserve,
            ..Default::default()
        },
    )
    .expect("render the sample plan");
    Written {
        pdf: r.pdf,
        fonts: r.fonts,
    }
}

/// `pdffonts` rows (font names) and the text of the page with the box.
fn fonts_and_text(pdf: &[u8], dir: &Path, name: &str) -> (Vec<String>, String) {
    let path = dir.join(name);
    std::fs::write(&path, pdf).expect("write");
    let fonts = text(&run(Command::new(tool("pdffonts")).arg(&path)));
    let names = fonts
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    let all = text(&run(Command::new(tool("pdftotext")).arg(&path).arg("-")));
    (names, all)
}

#[test]
fn signed_as_made_the_appearance_uses_the_page_font() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let k = make_key(dir, "ed", Algorithm::Ed25519);
    let o = opts();
    let how = publish(&k, &o);
    let reserve = how.reserve();
    assert!(
        !reserve.is_empty(),
        "a signer reserves its appearance's characters"
    );
    let signed = how.sign(written(reserve)).expect("sign");
    let (fonts, all) = fonts_and_text(&signed, dir, "made.pdf");
    assert_eq!(
        fonts.len(),
        3,
        "one subset per face, none for the signature: {fonts:?}"
    );
    assert!(
        all.contains("Digitally signed by"),
        "the appearance shows and extracts with the page font:\n{all}"
    );

    // Signed later (`cip sign`): the appearance brings its own subset, and
    // both files show the same signature text.
    let unsigned = written(BTreeSet::new()).pdf;
    let later = sign_pdf(&unsigned, &k.signer, &o).expect("sign later");
    let (later_fonts, later_all) = fonts_and_text(&later, dir, "later.pdf");
    assert_eq!(later_fonts.len(), 4, "{later_fonts:?}");
    let sig_lines = |t: &str| {
        t.lines()
            .filter(|l| l.contains("Digitally signed") || l.contains("Certificate SHA-256"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(sig_lines(&all), sig_lines(&later_all));
    assert!(
        signed.len() + 3000 < later.len(),
        "{} vs {}",
        signed.len(),
        later.len()
    );

    let path = dir.join("made.pdf");
    let (ok, out) = pyhanko_validate(&path, &k.cert);
    assert!(
        ok,
        "pyHanko rejects the signature drawn with the page font:\n{out}"
    );
}

#[test]
fn a_page_font_the_file_does_not_hold_is_not_used() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let k = make_key(dir, "ed", Algorithm::Ed25519);
    let o = opts();
    let reserve = publish(&k, &o).reserve();
    let w = written(reserve);
    let regular = w
        .fonts
        .iter()
        .find(|f| f.subset.face == cip::fonts::FontFace::Regular)
        .expect("the pages use the regular face");
    // The right subset under another object's number (the bold face's):
    // its /BaseFont differs, so the appearance must not point there.
    let other = w
        .fonts
        .iter()
        .find(|f| f.subset.face != cip::fonts::FontFace::Regular)
        .expect("a second face");
    let lying = [PageFont {
        object: other.object,
        subset: std::sync::Arc::clone(&regular.subset),
    }];
    let signed = sign_written(&w.pdf, &lying, &k.signer, &o).expect("sign");
    let (fonts, all) = fonts_and_text(&signed, dir, "lying.pdf");
    assert_eq!(
        fonts.len(),
        4,
        "the appearance fell back to its own subset: {fonts:?}"
    );
    assert!(all.contains("Digitally signed by"), "{all}");
}

#[test]
fn an_invisible_signature_reserves_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let o = SignOptions {
        invisible: true,
        ..opts()
    };
    let how = publish(&k, &o);
    assert!(how.reserve().is_empty());
    // So the signed file's first revision is exactly the unsigned render.
    let unsigned = written(BTreeSet::new()).pdf;
    let signed = how.sign(written(how.reserve())).expect("sign");
    assert!(signed.starts_with(&unsigned));
}
