//! The fuzz targets' bodies and the fixtures they share. Each target in
//! `fuzz_targets/` only hands libFuzzer's input to one function here, so
//! `tests/fuzz_regressions.rs` in the main crate (which includes this file)
//! replays seeds and past crashes through exactly the code that was fuzzed.
//!
//! The fixtures are made once per process from the repository's samples,
//! so the targets fuzz the files `cip` really writes rather than hand-made
//! stand-ins.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use cip::keys::{self, Algorithm, KeygenOptions, Signer};
use cip::letter::templates::export_bundled;
use cip::letter::{
    AmProfile, Issuer, Kind, LetterContext, LetterData, LetterMeta, LetterOptions, PlanInput,
    Templates, context, letter_document,
};
use cip::pdfbytes::{self, ObjRef, Object, Pdf, XrefEntry, find};
use cip::render::{RenderOptions, render_file};
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::{VerifyOptions, judge, signed_embedded_files, verify_pdf};

// ---------------------------------------------------------------- fixtures

/// The repository's `samples/` folder, from the main crate (tests) or from
/// `fuzz/`.
pub fn samples() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let direct = here.join("samples");
    if direct.is_dir() {
        direct
    } else {
        here.join("../samples")
    }
}

/// A fixed signing time inside the certificate's validity, so the fixtures
/// are the same on every run apart from the key.
pub fn signing_time() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339("2026-11-25T10:30:00-05:00").expect("fixed time")
}

pub fn sign_options(invisible: bool) -> SignOptions {
    SignOptions {
        time: Some(signing_time()),
        invisible,
        ..Default::default()
    }
}

/// One Ed25519 key per process and its self-signed certificate.
pub fn signer() -> &'static Signer {
    static SIGNER: OnceLock<Signer> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let g = keys::generate(&KeygenOptions {
            name: "Fuzz Signer".into(),
            title: "Director, Trade Compliance".into(),
            org: Some("Acme Imports, Inc.".into()),
            email: None,
            days: 365 * 30,
            algorithm: Algorithm::Ed25519,
            not_before: Some("2020-01-01T00:00:00Z".parse().expect("date")),
        })
        .expect("keygen");
        keys::signer_from_pem(
            g.key_pem.as_bytes(),
            g.cert_pem.as_bytes(),
            "fuzz key",
            "fuzz cert",
        )
        .expect("load the generated key")
    })
}

/// Verification that trusts [`signer`], so a good file is fully `ok`.
pub fn trusting() -> VerifyOptions {
    VerifyOptions {
        trust: vec![signer().certificate().clone()],
        docs_dir: None,
    }
}

/// The sample plan rendered as `cip render --no-attach` does (supporting
/// documents would only add stream bytes for the verifier to hash).
pub fn sample_plan_pdf() -> &'static [u8] {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| {
        let opts = RenderOptions {
            no_attach: true,
            ..Default::default()
        };
        render_file(&samples().join("acme.toml"), &opts)
            .expect("render samples/acme.toml")
            .pdf
    })
}

/// The sample plan signed once (in its signature box) and then signed again
/// (an invisible field), as an approving official and a second signer would.
pub fn signed_plans() -> &'static [Vec<u8>] {
    static SIGNED: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let once = sign_pdf(sample_plan_pdf(), signer(), &sign_options(false)).expect("sign");
        let twice = sign_pdf(&once, signer(), &sign_options(true)).expect("sign twice");
        vec![once, twice]
    })
}

/// A fresh folder for a target's files (templates, a bundle), one per
/// process so parallel fuzzing jobs do not share it. `scripts/fuzz` points
/// `TMPDIR` into `fuzz/target` and empties it after the run.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cip-fuzz-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch folder");
    dir
}

// -------------------------------------------------------------- plan_check

/// A plan TOML from arbitrary bytes: load, check, status, and the plan
/// document laid out (everything `cip check`, `cip status` and `cip render`
/// do before writing PDF bytes).
pub fn plan_check(data: &[u8]) {
    use cip::documents::plan::{PlanOptions, plan_document};
    use cip::layout::{column_width, layout};

    // Documents named by the plan resolve under samples/, as for the sample.
    let Ok(plan) = cip::model::parse_bytes("fuzz.toml", samples(), data.to_vec()) else {
        return;
    };
    let _ = cip::check::check(&plan);
    let today = NaiveDate::from_ymd_opt(2027, 1, 15).expect("date");
    let case = cip::model::case::Case::from_plan(&plan);
    let _ = cip::status::compute(&plan, &case, today, &Default::default());
    let Ok((manifest, _)) = cip::manifest::build(&plan, false) else {
        return;
    };
    let paper = Default::default();
    // Long dates: the wider text is the harder case for layout.
    let style = cip::model::DateStyle::Long;
    let extra = cip::documents::timeline::timeline(&plan, Some(today), column_width(paper), style);
    let doc = plan_document(
        &plan,
        &manifest,
        Vec::new(),
        PlanOptions {
            paper,
            draft: true,
            date: cip::render::default_date(&plan),
            extra,
            date_style: style,
        },
    );
    let _ = layout(&doc);
}

// --------------------------------------------------------------- pdf_parse

/// Decoded bytes looked at per input; the reader's own caps are what is
/// fuzzed, this only keeps one input from dominating the run.
const DECODE_BUDGET: usize = 64 << 20;

/// The byte-level PDF reader on arbitrary bytes: every object by number
/// (through object streams), every stream decoded, the structure walks that
/// signing and verifying rely on, and an incremental update written by
/// signing.
pub fn pdf_parse(data: &[u8]) {
    let Ok(pdf) = Pdf::parse(data) else {
        return;
    };
    let _ = pdf.xref_kind();
    let _ = pdf.is_encrypted();
    let _ = pdfbytes::revision_ends(&pdf);
    let _ = pdfbytes::signature_fields(&pdf);
    let _ = pdfbytes::embedded_files(&pdf);
    let _ = pdf.pages();
    let _ = pdf.catalog();
    if let Ok(root) = pdf.root_ref() {
        let _ = pdf.get(root);
    }
    let mut nums: Vec<u32> = pdf.object_numbers().collect();
    nums.sort_unstable();
    // One past the highest number asks for an object the xref does not
    // list (null), as a dangling reference would.
    nums.push(pdf.size());
    let mut decoded = 0usize;
    for num in nums {
        let _ = pdf.entry(num);
        let Ok(obj) = pdf.get(ObjRef::new(num, 0)) else {
            continue;
        };
        let _ = pdf.resolve(&obj);
        let _ = pdf.resolve_dict(&obj);
        if let Object::Stream(s) = &obj {
            let _ = pdf.raw_stream(s);
            if decoded < DECODE_BUDGET
                && let Ok(d) = pdf.decode_stream(s)
            {
                decoded += d.len();
            }
        }
    }
    for s in &pdf.sections {
        let _ = pdf.parse_at(s.offset);
    }
    let _ = sign_pdf(data, signer(), &sign_options(false));
}

// ------------------------------------------------------------ verify_bytes

/// `cip verify` on arbitrary bytes, and what the archive and letters read
/// from a verified file (the signed embedded files, classified).
pub fn verify_bytes(data: &[u8]) {
    let Ok(report) = verify_pdf(data, &trusting()) else {
        return;
    };
    let _ = judge(&report, true);
    let _ = cip::intake::refusal_reasons(&report);
    let _ = cip::intake::untrusted_signers(&report);
    let _ = format!("{report:?}");
    if let Ok(files) = signed_embedded_files(data, &report) {
        let _ = cip::archive::classify(&files);
    }
}

// ----------------------------------------------------------- verify_signed

/// A signed plan and where it may be changed.
pub struct Base {
    pub bytes: Vec<u8>,
    /// The signatures' `/Contents` holes: bytes no signature covers.
    pub holes: Vec<Range<usize>>,
    /// Every object (`N G obj … endobj`) and classic cross-reference
    /// section (`xref … startxref`) of every revision.
    pub sites: Vec<Range<usize>>,
}

pub fn bases() -> &'static [Base] {
    static BASES: OnceLock<Vec<Base>> = OnceLock::new();
    BASES.get_or_init(|| {
        signed_plans()
            .iter()
            .map(|bytes| {
                let report = verify_pdf(bytes, &trusting()).expect("verify");
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
            *c = b'0' + (*c - b'0' + b % 10) % 10;
        }
    }
}

/// The input as `[base, site (u16), op, position (u16), data…]`: one site
/// of one base changed by one operation. `None` when the input is too short.
pub fn tamper(data: &[u8]) -> Option<(&'static Base, Vec<u8>)> {
    let [pick, site_hi, site_lo, op, at_hi, at_lo, rest @ ..] = data else {
        return None;
    };
    let bases = bases();
    let base = &bases[usize::from(*pick) % bases.len()];
    let site = base.sites[usize::from(u16::from_be_bytes([*site_hi, *site_lo])) % base.sites.len()]
        .clone();
    let at = site.start + usize::from(u16::from_be_bytes([*at_hi, *at_lo])) % site.len().max(1);
    let mut out = base.bytes.clone();
    match op % 6 {
        // The whole object or section replaced.
        0 => {
            out.splice(site, rest.iter().copied());
        }
        // Overwritten in place: the file keeps its length and offsets.
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
    Some((base, out))
}

fn only_in_holes(a: &[u8], b: &[u8], holes: &[Range<usize>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .all(|(i, _)| holes.iter().any(|h| h.contains(&i)))
}

/// What a reader of the whole file sees.
#[derive(PartialEq)]
struct ReaderView {
    /// Each page's decoded content.
    pages: Vec<Vec<u8>>,
    embedded: Vec<(String, Vec<u8>)>,
}

/// `None` when the file cannot be read that far.
fn reader_view(bytes: &[u8]) -> Option<ReaderView> {
    let pdf = Pdf::parse(bytes).ok()?;
    let mut pages = Vec::new();
    for r in pdf.pages().ok()? {
        let page = pdf.resolve_dict(&Object::Ref(r)).ok()?;
        let contents = pdf
            .resolve(page.get(b"Contents").unwrap_or(&Object::Null))
            .ok()?;
        let parts = match contents {
            Object::Array(a) => a,
            other => vec![other],
        };
        let mut content = Vec::new();
        for part in parts {
            if let Object::Stream(st) = pdf.resolve(&part).ok()? {
                content.extend(pdf.decode_stream(&st).ok()?);
            }
        }
        pages.push(content);
    }
    Some(ReaderView {
        pages,
        embedded: pdfbytes::embedded_files(&pdf).ok()?,
    })
}

/// Structure-aware tampering with real signed plans (see [`tamper`]).
/// Besides not panicking: a change inside the bytes a reported signature
/// covers must fail verification, and a file that still verifies (or from
/// which a plan would still be read) must show a reader the pages and
/// embedded files that were signed. Only the latter can hold for a change
/// in the last signature's revision: one that unmakes that signature leaves
/// an earlier signature and an update after it, which is what cutting the
/// file at an earlier `%%EOF` gives anyone.
pub fn verify_signed(data: &[u8]) {
    let Some((base, m)) = tamper(data) else {
        return;
    };
    if only_in_holes(&base.bytes, &m, &base.holes) {
        return;
    }
    let Ok(report) = verify_pdf(&m, &trusting()) else {
        return;
    };
    // No refusal reason is what lets `plan_from_pdf` (letters, the archive)
    // read the embedded plan; trust aside, the same as `ok`.
    let accepted = report.ok() || cip::intake::refusal_reasons(&report).is_empty();
    if accepted {
        let first_change = base
            .bytes
            .iter()
            .zip(&m)
            .position(|(a, b)| a != b)
            .unwrap_or(base.bytes.len().min(m.len()));
        for s in &report.signatures {
            if let Some([_, _, c, d]) = s.byte_range {
                assert!(
                    first_change as u64 >= c.saturating_add(d),
                    "changed at byte {first_change}, inside what signature {:?} covers, and accepted: {report:?}",
                    s.field
                );
            }
        }
        assert!(
            reader_view(&base.bytes) == reader_view(&m),
            "accepted, but a reader sees other pages or embedded files than were signed: {report:?}"
        );
    }
    // Not classified: the embedded plan is almost always the sample's, and
    // parsing it again would take a third of the time; `verify_bytes` and
    // `plan_check` cover that.
    let _ = signed_embedded_files(&m, &report);
}

// ------------------------------------------------------------------ letter

struct LetterFixture {
    /// The bundled partials (so `{% include %}` of them works) and the
    /// fuzzed `fuzz.md.tera`.
    dir: PathBuf,
    plan: PlanInput,
    am: AmProfile,
    data: LetterData,
    /// What `Issuer::issue` builds before typesetting, made once: the
    /// context is the same for every input.
    ctx: LetterContext,
    meta: LetterMeta,
}

fn letter_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 10).expect("date")
}

fn issuer<'a>(
    am: &'a AmProfile,
    data: &'a LetterData,
    kind: &str,
    templates: &'a Templates,
) -> Issuer<'a> {
    Issuer {
        kind: Kind::parse(kind),
        am,
        data,
        templates,
        options: LetterOptions {
            date: Some(letter_date()),
            force: true,
            ..Default::default()
        },
        signer: None,
    }
}

fn letter_fixture() -> &'static LetterFixture {
    static F: OnceLock<LetterFixture> = OnceLock::new();
    F.get_or_init(|| {
        let samples = samples();
        let dir = scratch_dir("letter");
        export_bundled(&dir).expect("export the bundled templates");
        // Only the partials stay: every template of the folder is parsed
        // for each input, and the bundled letters would be most of the work.
        for e in std::fs::read_dir(&dir).expect("read the template folder") {
            let path = e.expect("template folder entry").path();
            if !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('_'))
            {
                std::fs::remove_file(&path).expect("remove a bundled letter");
            }
        }
        let plan = PlanInput::load(&samples.join("acme.toml"), &[]).expect("sample plan");
        let am = AmProfile::load(&samples.join("am.toml")).expect("sample profile");
        let data = LetterData::load(&samples.join("letter.toml")).expect("sample data");
        let findings = plan.findings();
        let state =
            cip::lifecycle::assess(&plan.plan, &plan.case, letter_date(), &Default::default());
        let facts = context::Facts::default();
        let ctx = context::build(&context::Inputs {
            kind: Kind::parse("fuzz"),
            plan: &plan.plan,
            am: &am,
            data: &data,
            date: letter_date(),
            findings: &findings,
            source: "toml",
            file: "acme.toml",
            signed_by: Vec::new(),
            state: &state,
            facts: &facts,
        })
        .expect("letter context");
        let bundled = Templates::bundled().expect("bundled templates");
        let meta = issuer(&am, &data, "acceptance", &bundled)
            .issue(&plan)
            .expect("the sample acceptance letter")
            .meta;
        LetterFixture {
            dir,
            plan,
            am,
            data,
            ctx,
            meta,
        }
    })
}

/// The letter path from a user's template folder: a tera template (or,
/// with bit 0 of the first byte set, Markdown passed through verbatim)
/// rendered with the sample plan's context, parsed as Markdown and laid
/// out; with bit 1 set, the whole `Issuer::issue`, PDF writing included
/// (thirty times slower, hence not for every input).
pub fn letter(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let f = letter_fixture();
    let mut template = Vec::with_capacity(body.len() + 32);
    if mode & 1 == 1 {
        template.extend_from_slice(b"{% raw %}");
        template.extend_from_slice(body);
        template.extend_from_slice(b"{% endraw %}");
    } else {
        template.extend_from_slice(body);
    }
    std::fs::write(f.dir.join("fuzz.md.tera"), &template).expect("write the template");
    let Ok(templates) = Templates::from_dir(&f.dir) else {
        return;
    };
    if mode & 2 == 2 {
        let _ = issuer(&f.am, &f.data, "fuzz", &templates).issue(&f.plan);
        return;
    }
    let Ok(md) = templates.render("fuzz", &f.ctx) else {
        return;
    };
    let doc = letter_document(&f.ctx, &md, &f.meta, &f.plan.plan, Default::default());
    let _ = cip::layout::layout(&doc);
}

// ---------------------------------------------------------- archive_bundle

fn replace(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut rest = hay;
    while let Some(p) = find(rest, needle) {
        out.extend_from_slice(&rest[..p]);
        out.extend_from_slice(with);
        rest = &rest[p + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// `cip archive verify-bundle` on a fuzzed bundle: the input is the
/// bundle's `index.json`, then a NUL byte and the bytes of its one member,
/// `m.pdf`. `@sha256@` in the index stands for the member's real hash and
/// `@size@` for its size, so mutations get past the hash check and reach
/// the signature re-check of the member.
pub fn archive_bundle(data: &[u8]) {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| scratch_dir("bundle"));
    let (index, member) = match data.iter().position(|&b| b == 0) {
        Some(p) => (&data[..p], Some(&data[p + 1..])),
        None => (data, None),
    };
    let member_path = dir.join("m.pdf");
    let index = match member {
        Some(m) => {
            std::fs::write(&member_path, m).expect("write the member");
            let hash = cip::archive::sha256_hex(m);
            let index = replace(index, b"@sha256@", hash.as_bytes());
            replace(&index, b"@size@", m.len().to_string().as_bytes())
        }
        None => {
            let _ = std::fs::remove_file(&member_path);
            index.to_vec()
        }
    };
    std::fs::write(dir.join(cip::archive::BUNDLE_INDEX), index).expect("write index.json");
    let trust = [signer().certificate().clone()];
    let _ = cip::archive::verify_bundle(dir, &trust);
    let _ = cip::archive::verify_bundle(dir, &[]);
}
