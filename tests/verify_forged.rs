//! The forged plan of issue 16: a plan saved with object streams, signed by
//! cip, then changed by an incremental update that replaces the old object
//! streams under their own numbers (so the new xref lists only the streams,
//! never the page or file specifications inside them). Page 1 gets other
//! content; `plan.toml` and `manifest.json` are swapped for a plan whose
//! responsible official is "Mallory Forger", with a matching manifest.
//!
//! Before the fix `cip verify --trust` printed OK, `cip letter` wrote "Dear
//! Mallory Forger:" and `cip archive add --require-trusted` accepted it.

mod common;
mod differential;

use std::path::Path;
use std::process::Command;

use cip::keys::Algorithm;
use cip::pdfbytes::{Dict, ObjRef, Object, Pdf, XrefEntry, embedded_files};
use cip::render::{RenderOptions, render_file};
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::{VerifyOptions, signed_embedded_file, verify_pdf};
use common::*;
use differential::*;
use sha2::{Digest, Sha256};

fn objstm_of(doc: &Pdf<'_>, num: u32) -> Option<u32> {
    match doc.entry(num) {
        Some(XrefEntry::InStream { stream, .. }) => Some(stream),
        _ => None,
    }
}

/// The file specification (object number) of embedded file `name`.
fn filespec(doc: &Pdf<'_>, name: &str) -> u32 {
    let catalog = doc.catalog().expect("catalog");
    let names = doc
        .resolve_dict(catalog.get(b"Names").expect("/Names"))
        .expect("names");
    let ef = doc
        .resolve_dict(names.get(b"EmbeddedFiles").expect("/EmbeddedFiles"))
        .expect("ef");
    let list = doc
        .resolve(ef.get(b"Names").expect("flat name tree"))
        .expect("names array");
    let items = list.as_array().expect("array");
    let i = items
        .iter()
        .position(|o| o.as_str() == Some(name.as_bytes()))
        .expect("file listed");
    items[i + 1].as_ref().expect("indirect filespec").num
}

/// Builds the forgery and returns (signed original, forged).
fn forge(dir: &Path, k: &TestKey) -> (Vec<u8>, Vec<u8>) {
    let rendered = render_file(Path::new("samples/acme.toml"), &RenderOptions::default())
        .expect("render")
        .pdf;
    let objstm = qpdf_rewrite(&rendered, dir, &["--object-streams=generate"]);
    let signed = sign_pdf(
        &objstm,
        &k.signer,
        &SignOptions {
            time: Some(fixed_time()),
            ..Default::default()
        },
    )
    .expect("sign");
    let doc = Pdf::parse(&signed).expect("parse");
    let files = embedded_files(&doc).expect("files");
    let get = |n: &str| files.iter().find(|(f, _)| f == n).expect("file").1.clone();
    let plan = String::from_utf8(get("plan.toml")).expect("utf-8");
    assert!(plan.contains("Maria Alvarez"));
    let forged_plan = plan.replace("Maria Alvarez", "Mallory Forger");
    let manifest = String::from_utf8(get("manifest.json")).expect("utf-8");
    let forged_manifest = manifest.replace(
        &hex::encode(Sha256::digest(plan.as_bytes())),
        &hex::encode(Sha256::digest(forged_plan.as_bytes())),
    );
    assert_ne!(
        manifest, forged_manifest,
        "the manifest names plan.toml's hash"
    );

    let page = doc.pages().expect("pages")[0];
    let mut next = doc.size();
    let mut alloc = || {
        next += 1;
        next - 1
    };
    let mut extra = Vec::new();
    let mut changes: Vec<(u32, u32, Vec<u8>)> = Vec::new(); // (objstm, num, body)

    // Page 1: new content.
    let mut page_dict = doc.resolve_dict(&Object::Ref(page)).expect("page");
    let content = alloc();
    extra.push(Body {
        num: content,
        bytes: stream_body(
            &Dict::new(),
            b"BT /F1 24 Tf 72 700 Td (Mallory Forger) Tj ET",
        ),
    });
    page_dict.set(b"Contents", Object::Ref(ObjRef::new(content, 0)));
    let stm = objstm_of(&doc, page.num).expect("the page is in an object stream");
    changes.push((stm, page.num, body(&Object::Dict(page_dict))));

    // plan.toml and manifest.json: new embedded file streams.
    for (name, data) in [
        ("plan.toml", forged_plan.as_bytes()),
        ("manifest.json", forged_manifest.as_bytes()),
    ] {
        let fs = filespec(&doc, name);
        let mut fs_dict = doc
            .resolve_dict(&Object::Ref(ObjRef::new(fs, 0)))
            .expect("fs");
        let mut ef = Dict::new();
        let file = alloc();
        let mut d = Dict::new();
        d.set(b"Type", Object::name("EmbeddedFile"));
        extra.push(Body {
            num: file,
            bytes: stream_body(&d, data),
        });
        ef.set(b"F", Object::Ref(ObjRef::new(file, 0)));
        if fs_dict.get(b"UF").is_some() {
            ef.set(b"UF", Object::Ref(ObjRef::new(file, 0)));
        }
        fs_dict.set(b"EF", Object::Dict(ef));
        let stm = objstm_of(&doc, fs).expect("the file specification is in an object stream");
        changes.push((stm, fs, body(&Object::Dict(fs_dict))));
    }

    // One update per object stream; the new streams ride on the first.
    let mut forged = signed.clone();
    let mut stms: Vec<u32> = changes.iter().map(|c| c.0).collect();
    stms.sort_unstable();
    stms.dedup();
    for stm in stms {
        let mine: Vec<(u32, Vec<u8>)> = changes
            .iter()
            .filter(|c| c.0 == stm)
            .map(|c| (c.1, c.2.clone()))
            .collect();
        forged = replace_objstm(&forged, stm, &mine, std::mem::take(&mut extra));
    }
    (signed, forged)
}

#[test]
fn the_forged_plan_of_issue_16_fails_everywhere() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let k = make_key(dir, "cfo", Algorithm::Ed25519);
    let (signed, forged) = forge(dir, &k);

    // The forgery is real: a reader of the final file sees Mallory.
    let doc = Pdf::parse(&forged).expect("parse forged");
    let shown = embedded_files(&doc).expect("files");
    let plan_now = &shown
        .iter()
        .find(|(n, _)| n == "plan.toml")
        .expect("plan")
        .1;
    assert!(String::from_utf8_lossy(plan_now).contains("Mallory Forger"));

    let opts = VerifyOptions {
        trust: vec![k.signer.certificate().clone()],
        docs_dir: None,
    };
    assert!(verify_pdf(&signed, &opts).expect("verify").ok());
    let report = verify_pdf(&forged, &opts).expect("verify forged");
    assert!(!report.ok(), "{report:#?}");
    let sig = &report.signatures[0];
    assert!(sig.valid, "the signature itself is intact: {sig:#?}");
    let details = sig.later_changes.details.join("\n");
    let signed_doc = Pdf::parse(&signed).expect("parse");
    let named = |num: u32| {
        sig.later_changes
            .details
            .iter()
            .any(|d| d.contains(&format!("object {num} (/Root/")))
    };
    assert!(
        details.contains("(/Root/Pages/Kids[0])")
            && named(filespec(&signed_doc, "plan.toml"))
            && named(filespec(&signed_doc, "manifest.json")),
        "the report names the page and the file specifications with their paths:\n{details}"
    );
    // What the signer approved is what the tool reads.
    let plan_signed = signed_embedded_file(&forged, &report, "plan.toml")
        .expect("read")
        .expect("plan.toml");
    assert!(String::from_utf8_lossy(&plan_signed).contains("Maria Alvarez"));
    assert!(!String::from_utf8_lossy(&plan_signed).contains("Mallory"));

    let path = dir.join("forged.pdf");
    std::fs::write(&path, &forged).expect("write");

    // cip verify --trust: NOT OK, exit 1, the objects named.
    let out = run(Command::new(cip_bin())
        .arg("verify")
        .arg(&path)
        .arg("--trust")
        .arg(&k.cert));
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("NOT OK") && said.contains("/Root/Pages/Kids[0]"),
        "{said}"
    );

    // cip letter refuses the plan and writes nothing.
    let letter = dir.join("letter.pdf");
    let out = run(Command::new(cip_bin())
        .args(["letter", "acceptance", "--date", "2026-12-01", "--plan"])
        .arg(&path)
        .arg("--from")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/am.toml"))
        .arg("--trust")
        .arg(&k.cert)
        .arg("-o")
        .arg(&letter));
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!letter.exists());
    assert!(!text(&out).contains("Dear Mallory"));

    // cip archive add --require-trusted refuses it.
    let archive = dir.join("archive");
    let out = run(Command::new(cip_bin())
        .arg("archive")
        .arg("--archive")
        .arg(&archive)
        .arg("init"));
    assert!(out.status.success(), "{}", text(&out));
    let out = run(Command::new(cip_bin())
        .arg("archive")
        .arg("--archive")
        .arg(&archive)
        .args(["add", "--require-trusted", "--trust"])
        .arg(&k.cert)
        .arg(&path));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // pyHanko agrees that the changes are illegal.
    let (ok, py) = pyhanko_validate(&path, &k.cert);
    assert!(!ok || !py.contains("judged VALID"), "{py}");
}

#[test]
fn signed_revisions_that_embed_different_plans_are_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let k = make_key(dir, "cfo", Algorithm::Ed25519);
    let (_, forged) = forge(dir, &k);
    // A second signature over the forgery: each signature is intact on its
    // own, but the second signed revision embeds another plan.
    let k2 = make_key(dir, "mallory", Algorithm::Ed25519);
    let twice = sign_pdf(
        &forged,
        &k2.signer,
        &SignOptions {
            time: Some(fixed_time()),
            invisible: true,
            ..Default::default()
        },
    )
    .expect("sign again");
    let opts = VerifyOptions {
        trust: vec![
            k.signer.certificate().clone(),
            k2.signer.certificate().clone(),
        ],
        docs_dir: None,
    };
    let report = verify_pdf(&twice, &opts).expect("verify");
    assert!(report.signatures.iter().all(|s| s.valid), "{report:#?}");
    assert!(!report.ok());
    let all = report.problems.join("\n");
    assert!(
        all.contains("plan.toml") && all.contains("manifest.json"),
        "{all}"
    );
}
