//! Document-structure walks shared by signing and verifying: the signature
//! fields of the interactive form and the embedded-files name tree.

use std::collections::HashSet;

use super::PdfError;
use super::doc::Pdf;
use super::object::{Dict, ObjRef, Object, decode_text};

/// A signature field (`/FT /Sig`) of the document's form.
#[derive(Clone, Debug)]
pub struct SigField {
    /// The field object.
    pub r: ObjRef,
    /// Fully qualified field name (`parent.child`).
    pub name: String,
    pub dict: Dict,
    /// The signature value (`/V`), absent on an unsigned field.
    pub value: Option<Object>,
    /// The widget annotation: the field itself when merged, else its first kid.
    pub widget: Option<ObjRef>,
}

const MAX_DEPTH: usize = 32;

/// Every signature field reachable from `/AcroForm /Fields`, in form order.
pub fn signature_fields(pdf: &Pdf<'_>) -> Result<Vec<SigField>, PdfError> {
    let catalog = pdf.catalog()?;
    let Some(acroform) = catalog.get(b"AcroForm") else {
        return Ok(Vec::new());
    };
    let acroform = pdf.resolve_dict(acroform)?;
    let fields = pdf.resolve(acroform.get(b"Fields").unwrap_or(&Object::Null))?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for f in fields.as_array().unwrap_or(&[]) {
        if let Some(r) = f.as_ref() {
            walk(pdf, r, "", false, 0, &mut seen, &mut out)?;
        }
    }
    Ok(out)
}

fn walk(
    pdf: &Pdf<'_>,
    r: ObjRef,
    parent_name: &str,
    parent_is_sig: bool,
    depth: usize,
    seen: &mut HashSet<ObjRef>,
    out: &mut Vec<SigField>,
) -> Result<(), PdfError> {
    if depth > MAX_DEPTH || !seen.insert(r) {
        return Ok(());
    }
    let Object::Dict(dict) = pdf.get(r)? else {
        return Ok(());
    };
    let partial = dict.get(b"T").and_then(Object::as_str).map(decode_text);
    let name = match (&partial, parent_name.is_empty()) {
        (Some(p), true) => p.clone(),
        (Some(p), false) => format!("{parent_name}.{p}"),
        (None, _) => parent_name.to_string(),
    };
    let is_sig = match dict.name(b"FT") {
        Some(ft) => ft == b"Sig",
        None => parent_is_sig,
    };
    let kids: Vec<ObjRef> = pdf
        .resolve(dict.get(b"Kids").unwrap_or(&Object::Null))?
        .as_array()
        .unwrap_or(&[])
        .iter()
        .filter_map(Object::as_ref)
        .collect();
    let kid_fields: Vec<ObjRef> = kids
        .iter()
        .copied()
        .filter(|k| matches!(pdf.get(*k), Ok(Object::Dict(d)) if d.get(b"T").is_some()))
        .collect();
    // A terminal signature field needs a /T to be well formed; one that
    // lacks it but carries a value is still a signature a reader may show,
    // so it is reported (and verified) rather than silently skipped.
    let has_value = !matches!(dict.get(b"V"), None | Some(Object::Null));
    if is_sig && (partial.is_some() || has_value) && kid_fields.is_empty() {
        let name = if name.is_empty() {
            "(unnamed field)".to_string()
        } else {
            name
        };
        let widget = if dict.name(b"Subtype") == Some(b"Widget") {
            Some(r)
        } else {
            kids.first().copied()
        };
        let value = match dict.get(b"V") {
            None | Some(Object::Null) => None,
            Some(v) => Some(v.clone()),
        };
        out.push(SigField {
            r,
            name,
            dict,
            value,
            widget,
        });
        return Ok(());
    }
    for k in kid_fields {
        walk(pdf, k, &name, is_sig, depth + 1, seen, out)?;
    }
    Ok(())
}

/// The files in the catalog's `/Names /EmbeddedFiles` tree, by name, decoded.
pub fn embedded_files(pdf: &Pdf<'_>) -> Result<Vec<(String, Vec<u8>)>, PdfError> {
    let catalog = pdf.catalog()?;
    let Some(names) = catalog.get(b"Names") else {
        return Ok(Vec::new());
    };
    let names = pdf.resolve_dict(names)?;
    let Some(tree) = names.get(b"EmbeddedFiles") else {
        return Ok(Vec::new());
    };
    let mut pairs = Vec::new();
    let mut seen = HashSet::new();
    name_tree(pdf, tree, 0, &mut seen, &mut pairs)?;
    let mut out = Vec::new();
    for (name, spec) in pairs {
        let spec = pdf.resolve_dict(&spec)?;
        let Some(ef) = spec.get(b"EF") else { continue };
        let ef = pdf.resolve_dict(ef)?;
        let Some(file) = ef.get(b"F").or_else(|| ef.get(b"UF")) else {
            continue;
        };
        let Object::Stream(s) = pdf.resolve(file)? else {
            return Err(PdfError::Structure(format!(
                "embedded file `{name}` is not a stream"
            )));
        };
        out.push((name, pdf.decode_stream(&s)?));
    }
    Ok(out)
}

fn name_tree(
    pdf: &Pdf<'_>,
    node: &Object,
    depth: usize,
    seen: &mut HashSet<ObjRef>,
    out: &mut Vec<(String, Object)>,
) -> Result<(), PdfError> {
    if depth > MAX_DEPTH {
        return Err(PdfError::Structure("name tree too deep".into()));
    }
    if let Some(r) = node.as_ref() {
        if !seen.insert(r) {
            return Err(PdfError::Structure("loop in name tree".into()));
        }
    }
    let d = pdf.resolve_dict(node)?;
    if let Some(names) = d.get(b"Names") {
        let names = pdf.resolve(names)?;
        for pair in names.as_array().unwrap_or(&[]).chunks_exact(2) {
            if let Some(key) = pair[0].as_str() {
                out.push((decode_text(key), pair[1].clone()));
            }
        }
    }
    if let Some(kids) = d.get(b"Kids") {
        let kids = pdf.resolve(kids)?;
        for k in kids.as_array().unwrap_or(&[]) {
            name_tree(pdf, k, depth + 1, seen, out)?;
        }
    }
    Ok(())
}
