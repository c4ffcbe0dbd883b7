//! Differential test of cip's change analysis against pyHanko's.
//!
//! The sample plan is rendered, rewritten by qpdf in several xref styles
//! (classic table, object streams with an xref stream, linearized, both),
//! signed by cip, and then changed by hundreds of incremental updates: every
//! object of the signed revision redefined at an offset, in a new object
//! stream, in a hybrid-xref update, or inside its old object stream replaced
//! under the same number; plus the updates signers make (a second signature,
//! validation data) and a few others. For every file cip's verdict must be at
//! least as strict as pyHanko's: never OK where pyHanko finds the signature
//! not intact, not valid, or the changes illegal. Where cip is stricter the
//! kind of change is listed below with the reason.

mod common;
mod differential;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cip::keys::Algorithm;
use cip::pdfbytes::{Dict, ObjRef, Object, Pdf, XrefEntry};
use cip::render::{RenderOptions, render_file};
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::{VerifyOptions, verify_pdf};
use common::*;
use differential::*;

/// Kinds of update where cip refuses what pyHanko accepts, and why that is
/// intended.
const STRICTER_BY_DESIGN: &[(&str, &str)] = &[
    (
        "annotation",
        "pyHanko allows annotations on an uncertified signature (modification level ANNOTATIONS); \
         a Compliance Improvement Plan or a Customs letter is final once signed, so cip allows \
         nothing after a signature but further signatures and validation data",
    ),
    (
        "page-key",
        "pyHanko accepts a key it does not know added to a page dictionary; cip refuses any change \
         to a page but signature widgets in /Annots, since keys such as /Rotate, /CropBox or /AA \
         change what the page shows or does",
    ),
    (
        "info",
        "pyHanko accepts changes to the document information dictionary as a metadata update; \
         cip refuses them, since viewers show its /Title and /Author as the signed document's",
    ),
    (
        "garbage",
        "pyHanko ignores bytes after the last %%EOF; cip refuses them, since no signature covers \
         them and readers that recover broken files by scanning for objects would read them",
    ),
    (
        "unreachable",
        "pyHanko ignores changes to objects no longer reachable from the catalog; cip judges \
         every object the signed revision defines, so a change is never waved through because \
         a reader happens not to reach it today",
    ),
];

struct Case {
    name: String,
    kind: &'static str,
    /// What cip must say, whatever pyHanko says.
    expect_ok: bool,
    /// The object a refusal must name, when there is one.
    names_object: Option<u32>,
    bytes: Vec<u8>,
}

fn base_styles(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let rendered = render_file(
        Path::new("samples/acme.toml"),
        &RenderOptions {
            no_attach: false,
            ..Default::default()
        },
    )
    .expect("render the sample plan")
    .pdf;
    vec![
        ("as-rendered", rendered.clone()),
        (
            "objstm",
            qpdf_rewrite(&rendered, dir, &["--object-streams=generate"]),
        ),
        ("linearized", qpdf_rewrite(&rendered, dir, &["--linearize"])),
        (
            "linearized-objstm",
            qpdf_rewrite(
                &rendered,
                dir,
                &["--linearize", "--object-streams=generate"],
            ),
        ),
    ]
}

fn sign(pdf: &[u8], k: &TestKey, invisible: bool) -> Vec<u8> {
    let opts = SignOptions {
        time: Some(fixed_time()),
        invisible,
        ..Default::default()
    };
    sign_pdf(pdf, &k.signer, &opts).expect("sign")
}

/// Objects of the signed file, each with where it lives.
fn objects(doc: &Pdf<'_>) -> Vec<(u32, Option<u32>, Object)> {
    let mut nums: Vec<u32> = doc.object_numbers().collect();
    nums.sort_unstable();
    nums.into_iter()
        .filter_map(|n| {
            let obj = doc.get(ObjRef::new(n, 0)).ok()?;
            if matches!(obj, Object::Null) {
                return None;
            }
            let d = obj.as_dict();
            if d.is_some_and(|d| d.is_type(b"XRef") || d.is_type(b"ObjStm")) {
                return None;
            }
            let stm = match doc.entry(n) {
                Some(XrefEntry::InStream { stream, .. }) => Some(stream),
                _ => None,
            };
            Some((n, stm, obj))
        })
        .collect()
}

fn reachable(doc: &Pdf<'_>) -> std::collections::HashSet<u32> {
    let mut seen = std::collections::HashSet::new();
    let mut todo: Vec<u32> = ["Root", "Info"]
        .iter()
        .filter_map(|k| doc.trailer.get(k.as_bytes()).and_then(Object::as_ref))
        .map(|r| r.num)
        .collect();
    while let Some(n) = todo.pop() {
        if !seen.insert(n) {
            continue;
        }
        if let Ok(o) = doc.get(ObjRef::new(n, 0)) {
            refs(&o, &mut todo);
        }
    }
    seen
}

fn refs(o: &Object, out: &mut Vec<u32>) {
    match o {
        Object::Ref(r) => out.push(r.num),
        Object::Array(a) => a.iter().for_each(|x| refs(x, out)),
        Object::Dict(d) => d.iter().for_each(|(_, x)| refs(x, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, x)| refs(x, out)),
        _ => {}
    }
}

fn cases_for(style: &str, signed: &[u8], k2: &TestKey) -> Vec<Case> {
    let doc = Pdf::parse(signed).expect("parse signed");
    let live = reachable(&doc);
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_ref)
        .map(|r| r.num);
    let mut cases = Vec::new();
    let objs = objects(&doc);
    for (i, (num, stm, obj)) in objs.iter().enumerate() {
        let (bytes, is_stream) = tampered(&doc, obj);
        let kind = if !live.contains(num) {
            "unreachable"
        } else if Some(*num) == info {
            "info"
        } else if obj.as_dict().is_some_and(|d| d.is_type(b"Page")) {
            "page-key"
        } else {
            "tamper"
        };
        let mut add = |mode: &str, pdf: Vec<u8>| {
            cases.push(Case {
                name: format!("{style}/{mode}/obj{num}"),
                kind,
                expect_ok: false,
                names_object: Some(*num),
                bytes: pdf,
            });
        };
        let plain = || Body {
            num: *num,
            bytes: bytes.clone(),
        };
        // Every object at an offset, alternating table and xref stream.
        let x = if i % 2 == 0 {
            Xref::Table
        } else {
            Xref::Stream
        };
        add(
            if x == Xref::Table { "table" } else { "xrefstm" },
            append(
                signed,
                &UpdateSpec {
                    plain: vec![plain()],
                    ..Default::default()
                },
                x,
            ),
        );
        if !is_stream {
            // In a new object stream, through an xref stream or a hybrid.
            let x = if i % 2 == 0 {
                Xref::Stream
            } else {
                Xref::Hybrid
            };
            add(
                if x == Xref::Stream {
                    "new-objstm"
                } else {
                    "hybrid"
                },
                append(
                    signed,
                    &UpdateSpec {
                        compressed: vec![plain()],
                        ..Default::default()
                    },
                    x,
                ),
            );
        }
        if let Some(stm) = stm {
            // The bypass: the old object stream replaced, the object inside
            // not listed by the new xref.
            add(
                "old-objstm",
                replace_objstm(signed, *stm, &[(*num, bytes.clone())], Vec::new()),
            );
        }
    }
    // Identical copies re-listed: nothing changes for a reader.
    for (i, (num, _, obj)) in objs.iter().enumerate().filter(|(i, _)| i % 5 == 0) {
        let bytes = match obj {
            Object::Stream(s) => raw_stream_body(&doc, s),
            other => body(other),
        };
        let x = if i % 2 == 0 {
            Xref::Table
        } else {
            Xref::Stream
        };
        // A signature dictionary written elsewhere no longer has its
        // /Contents in the signed hole: that signature is invalid.
        let is_sig = obj.as_dict().is_some_and(|d| d.is_type(b"Sig"));
        cases.push(Case {
            name: format!("{style}/relist/obj{num}"),
            kind: "relist",
            expect_ok: !is_sig,
            names_object: None,
            bytes: append(
                signed,
                &UpdateSpec {
                    plain: vec![Body { num: *num, bytes }],
                    ..Default::default()
                },
                x,
            ),
        });
    }
    // A second signature by another signer (a new invisible field).
    cases.push(Case {
        name: format!("{style}/second-signature"),
        kind: "second-signature",
        expect_ok: true,
        names_object: None,
        bytes: sign(signed, k2, true),
    });
    // Validation data: a DSS with the signer's certificate.
    let root = doc.root_ref().expect("root");
    let mut catalog = doc.catalog().expect("catalog");
    let cert_num = doc.size();
    let dss_num = cert_num + 1;
    let cert_der = &k2.signer.chain_der()[0];
    let mut dss = Dict::new();
    dss.set(
        b"Certs",
        Object::Array(vec![Object::Ref(ObjRef::new(cert_num, 0))]),
    );
    catalog.set(b"DSS", Object::Ref(ObjRef::new(dss_num, 0)));
    for x in [Xref::Table, Xref::Stream] {
        cases.push(Case {
            name: format!("{style}/dss/{x:?}"),
            kind: "dss",
            expect_ok: true,
            names_object: None,
            bytes: append(
                signed,
                &UpdateSpec {
                    plain: vec![
                        Body {
                            num: cert_num,
                            bytes: stream_body(&Dict::new(), cert_der),
                        },
                        Body {
                            num: dss_num,
                            bytes: body(&Object::Dict(dss.clone())),
                        },
                        Body {
                            num: root.num,
                            bytes: body(&Object::Dict(catalog.clone())),
                        },
                    ],
                    ..Default::default()
                },
                x,
            ),
        });
    }
    // A text annotation on page 1.
    let page = doc.pages().expect("pages")[0];
    let mut page_dict = doc.resolve_dict(&Object::Ref(page)).expect("page");
    let annot_num = doc.size();
    let annot = format!(
        "<< /Type /Annot /Subtype /Text /Rect [100 100 120 120] /Contents (Approved as amended) /P {} 0 R >>",
        page.num
    );
    let mut annots = match page_dict.get(b"Annots") {
        Some(a) => doc
            .resolve(a)
            .expect("annots")
            .as_array()
            .unwrap_or(&[])
            .to_vec(),
        None => Vec::new(),
    };
    annots.push(Object::Ref(ObjRef::new(annot_num, 0)));
    page_dict.set(b"Annots", Object::Array(annots));
    cases.push(Case {
        name: format!("{style}/annotation"),
        kind: "annotation",
        expect_ok: false,
        names_object: Some(page.num),
        bytes: append(
            signed,
            &UpdateSpec {
                plain: vec![
                    Body {
                        num: annot_num,
                        bytes: annot.into_bytes(),
                    },
                    Body {
                        num: page.num,
                        bytes: body(&Object::Dict(page_dict)),
                    },
                ],
                ..Default::default()
            },
            Xref::Table,
        ),
    });
    // Garbage after %%EOF.
    let mut garbage = signed.to_vec();
    garbage.extend_from_slice(b"\n1 0 obj\n<< /Type /Catalog >>\nendobj\n");
    cases.push(Case {
        name: format!("{style}/garbage-after-eof"),
        kind: "garbage",
        expect_ok: false,
        names_object: None,
        bytes: garbage,
    });
    // Another catalog through the trailer, with the old pages dropped.
    let new_root = doc.size();
    let mut other = doc.catalog().expect("catalog");
    other.remove(b"Names");
    cases.push(Case {
        name: format!("{style}/new-root"),
        kind: "tamper",
        expect_ok: false,
        names_object: None,
        bytes: append(
            signed,
            &UpdateSpec {
                plain: vec![Body {
                    num: new_root,
                    bytes: body(&Object::Dict(other)),
                }],
                root: Some(ObjRef::new(new_root, 0)),
                ..Default::default()
            },
            Xref::Table,
        ),
    });
    // Page 1's content stream freed.
    if let Some(Object::Ref(c)) = page_dict_contents(&doc, page) {
        cases.push(Case {
            name: format!("{style}/free-content"),
            kind: "tamper",
            expect_ok: false,
            names_object: Some(c.num),
            bytes: append(
                signed,
                &UpdateSpec {
                    freed: vec![c.num],
                    ..Default::default()
                },
                Xref::Table,
            ),
        });
    }
    cases
}

fn page_dict_contents(doc: &Pdf<'_>, page: ObjRef) -> Option<Object> {
    doc.resolve_dict(&Object::Ref(page))
        .ok()?
        .get(b"Contents")
        .cloned()
}

/// What cip said about a case: every change detail and problem.
fn cip_details(report: &Result<cip::verify::VerifyReport, cip::verify::VerifyError>) -> String {
    match report {
        Ok(r) => r
            .signatures
            .iter()
            .flat_map(|s| s.later_changes.details.iter().chain(&s.problems))
            .cloned()
            .collect::<Vec<_>>()
            .join("; "),
        Err(e) => e.to_string(),
    }
}

#[derive(Debug)]
struct PyVerdict {
    ok: bool,
    summary: String,
}

fn pyhanko_batch(trust: &Path, files: &[PathBuf]) -> BTreeMap<PathBuf, PyVerdict> {
    let python = tool("python3");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/pyhanko_batch.py");
    let mut out = BTreeMap::new();
    for chunk in files.chunks(400) {
        let o = run(Command::new(&python).arg(&script).arg(trust).args(chunk));
        assert!(o.status.success(), "pyhanko_batch failed: {}", text(&o));
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json line");
            let file = PathBuf::from(v["file"].as_str().expect("file"));
            let verdict = match v.get("signatures").and_then(|s| s.as_array()) {
                Some(sigs) => PyVerdict {
                    ok: !sigs.is_empty()
                        && sigs.iter().all(|s| {
                            s["bottom_line"] == true
                                && s["intact"] == true
                                && s["docmdp_ok"] == true
                        }),
                    summary: sigs
                        .iter()
                        .map(|s| s["summary"].as_str().unwrap_or("?").to_string())
                        .collect::<Vec<_>>()
                        .join(" | "),
                },
                None => PyVerdict {
                    ok: false,
                    summary: v["error"].as_str().unwrap_or("error").to_string(),
                },
            };
            out.insert(file, verdict);
        }
    }
    out
}

#[test]
fn cip_is_never_more_lenient_than_pyhanko_on_post_signing_updates() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "signer", Algorithm::Ed25519);
    let k2 = make_key(tmp.path(), "second", Algorithm::Ed25519);
    let opts = VerifyOptions {
        trust: vec![
            k.signer.certificate().clone(),
            k2.signer.certificate().clone(),
        ],
        docs_dir: None,
    };
    // pyHanko takes one trust root: the second signer's certificate is
    // issued by nobody it trusts, so second-signature cases are judged on
    // the first signature only (see below).
    let mut cases = Vec::new();
    let mut bases = Vec::new();
    for (style, pdf) in base_styles(tmp.path()) {
        let signed = sign(&pdf, &k, false);
        let report = verify_pdf(&signed, &opts).expect("verify base");
        assert!(
            report.ok(),
            "{style}: the signed base must verify: {report:#?}"
        );
        bases.push((style, signed.clone()));
        cases.extend(cases_for(style, &signed, &k2));
    }
    assert!(cases.len() >= 300, "only {} cases", cases.len());

    let dir = tmp.path().join("cases");
    std::fs::create_dir(&dir).expect("mkdir");
    let mut files = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let p = dir.join(format!("{i:04}.pdf"));
        std::fs::write(&p, &c.bytes).expect("write case");
        files.push(p);
    }
    for (style, b) in &bases {
        let p = dir.join(format!("base-{style}.pdf"));
        std::fs::write(&p, b).expect("write base");
        files.push(p);
    }
    let py = pyhanko_batch(&k.cert, &files);
    for (style, _) in &bases {
        let v = &py[&dir.join(format!("base-{style}.pdf"))];
        assert!(v.ok, "pyHanko must accept the signed base {style}: {v:?}");
    }

    let mut too_lenient = Vec::new();
    let mut expectation = Vec::new();
    let mut stricter: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (c, path) in cases.iter().zip(&files) {
        let report = verify_pdf(&c.bytes, &opts);
        let cip_ok = report.as_ref().is_ok_and(|r| r.ok());
        let v = &py[path];
        // The second signature is by a signer pyHanko does not trust here;
        // judge pyHanko on the first signature's integrity and changes.
        let py_ok = if c.kind == "second-signature" {
            v.summary.split(" | ").next().is_some_and(|s| {
                s.starts_with("INTACT:TRUSTED") && !s.contains("ILLEGAL_MODIFICATIONS")
            })
        } else {
            v.ok
        };
        if cip_ok && !py_ok {
            too_lenient.push(format!("{}: pyHanko {}", c.name, v.summary));
        }
        if cip_ok != c.expect_ok {
            let details = cip_details(&report);
            expectation.push(format!(
                "{}: cip ok={cip_ok}, expected {} ({details})",
                c.name, c.expect_ok
            ));
        }
        if let (Some(num), Ok(r)) = (c.names_object, &report) {
            let named = r.signatures.iter().any(|s| {
                s.later_changes
                    .details
                    .iter()
                    .any(|d| d.contains(&format!("object {num} ")))
            });
            if !cip_ok && !named && r.signatures.iter().all(|s| s.valid) {
                expectation.push(format!("{}: the report does not name object {num}", c.name));
            }
        }
        if !cip_ok && py_ok {
            let why = cip_details(&report);
            stricter
                .entry(c.kind)
                .or_default()
                .push(format!("{} (pyHanko {}; cip: {why})", c.name, v.summary));
        }
    }
    eprintln!("differential: {} updates judged", cases.len());
    for (kind, names) in &stricter {
        eprintln!(
            "cip stricter than pyHanko on {} `{kind}` cases",
            names.len()
        );
        for n in names {
            eprintln!("    {n}");
        }
    }
    assert!(
        too_lenient.is_empty(),
        "cip said OK where pyHanko did not:\n{}",
        too_lenient.join("\n")
    );
    assert!(
        expectation.is_empty(),
        "cip's verdicts differ from what the update does:\n{}",
        expectation.join("\n")
    );
    let unexplained: Vec<String> = stricter
        .iter()
        .filter(|(k, _)| !STRICTER_BY_DESIGN.iter().any(|(s, _)| s == *k))
        .flat_map(|(_, v)| v.clone())
        .collect();
    assert!(
        unexplained.is_empty(),
        "cip refuses, pyHanko accepts, and no reason is recorded:\n{}",
        unexplained.join("\n")
    );
}
