//! What incremental updates after a signed revision changed, judged object by
//! object: adding signatures (a signature dictionary, its field and widget,
//! an appearance, the form's field list, a page's `/Annots`) is harmless;
//! anything touching page content, or anything else, is reported.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use crate::pdfbytes::{Dict, ObjRef, Object, Pdf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The signature covers the whole file.
    None,
    /// Later revisions only add signatures (and their fields and appearances).
    SignaturesOnly,
    /// A page's content stream or resources changed after signing.
    PageContentChanged,
    /// Anything else changed after signing.
    OtherChanges,
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChangeKind::None => "none (covers the whole file)",
            ChangeKind::SignaturesOnly => "signatures only",
            ChangeKind::PageContentChanged => "page content changed after signing",
            ChangeKind::OtherChanges => "other changes after signing",
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct LaterChanges {
    pub kind: ChangeKind,
    /// Revisions appended after the signed one.
    pub revisions_after: usize,
    /// Signatures added by later revisions.
    pub signatures_added: usize,
    pub details: Vec<String>,
}

impl LaterChanges {
    pub fn none() -> Self {
        LaterChanges {
            kind: ChangeKind::None,
            revisions_after: 0,
            signatures_added: 0,
            details: Vec::new(),
        }
    }

    /// A short human description, e.g. "a second signature only".
    pub fn summary(&self) -> String {
        match (self.kind, self.signatures_added) {
            (ChangeKind::SignaturesOnly, 1) => "a second signature only".into(),
            (ChangeKind::SignaturesOnly, n) => format!("{n} more signatures only"),
            (k, _) => k.to_string(),
        }
    }
}

/// Catalog entries a signer may touch: the form, validation data, and the
/// version/extension/metadata bumps pyHanko makes (e.g. PDF 2.0 for EdDSA).
const CATALOG_SIGNING_KEYS: &[&[u8]] = &[
    b"AcroForm",
    b"DSS",
    b"Extensions",
    b"Perms",
    b"Version",
    b"Metadata",
];

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Allowed,
    Other,
    PageContent,
}

/// Compares the document as signed (`bytes[..signed_end]`) with the whole file.
pub fn analyse(final_doc: &Pdf<'_>, signed_end: usize) -> LaterChanges {
    let bytes = final_doc.bytes;
    if signed_end >= bytes.len() {
        return LaterChanges::none();
    }
    let mut out = LaterChanges {
        kind: ChangeKind::SignaturesOnly,
        revisions_after: 0,
        signatures_added: 0,
        details: Vec::new(),
    };
    let old = match Pdf::parse(&bytes[..signed_end]) {
        Ok(d) => d,
        Err(e) => {
            out.kind = ChangeKind::OtherChanges;
            out.details
                .push(format!("the signed revision cannot be read: {e}"));
            return out;
        }
    };
    let later: Vec<_> = final_doc
        .sections
        .iter()
        .filter(|s| s.offset >= signed_end)
        .collect();
    out.revisions_after = later.len();
    if later.is_empty() || final_doc.startxref < signed_end {
        out.kind = ChangeKind::OtherChanges;
        out.details.push(format!(
            "{} bytes after the signed revision are not a proper incremental update",
            bytes.len() - signed_end
        ));
        return out;
    }
    let nums: BTreeSet<u32> = later
        .iter()
        .flat_map(|s| s.entries.iter().map(|(n, _)| *n))
        .collect();
    let ctx = Context::new(&old, final_doc);
    let mut worst = Verdict::Allowed;
    for num in nums {
        let (verdict, note) = ctx.judge(num);
        if let Some(n) = note {
            out.details.push(n);
        }
        if verdict == Verdict::Allowed && ctx.is_new_signature(num) {
            out.signatures_added += 1;
        }
        worst = worst.max(verdict);
    }
    out.kind = match worst {
        Verdict::Allowed => ChangeKind::SignaturesOnly,
        Verdict::Other => ChangeKind::OtherChanges,
        Verdict::PageContent => ChangeKind::PageContentChanged,
    };
    out
}

struct Context<'o, 'n, 'a, 'b> {
    old: &'o Pdf<'a>,
    new: &'n Pdf<'b>,
    root: Option<u32>,
    acroform: Option<u32>,
    fields_array: Option<u32>,
    pages: HashSet<u32>,
    annots_arrays: HashSet<u32>,
    content_streams: HashSet<u32>,
}

impl<'o, 'n, 'a, 'b> Context<'o, 'n, 'a, 'b> {
    fn new(old: &'o Pdf<'a>, new: &'n Pdf<'b>) -> Self {
        let root = old.root_ref().ok().map(|r| r.num);
        let catalog = old.catalog().ok();
        let acroform_ref = catalog
            .as_ref()
            .and_then(|c| c.get(b"AcroForm"))
            .and_then(Object::as_ref);
        let acroform_dict = catalog
            .as_ref()
            .and_then(|c| c.get(b"AcroForm"))
            .and_then(|a| old.resolve_dict(a).ok());
        let fields_array = acroform_dict
            .as_ref()
            .and_then(|a| a.get(b"Fields"))
            .and_then(Object::as_ref)
            .map(|r| r.num);
        let mut pages = HashSet::new();
        let mut annots_arrays = HashSet::new();
        let mut content_streams = HashSet::new();
        for p in old.pages().unwrap_or_default() {
            pages.insert(p.num);
            let Ok(d) = old.resolve_dict(&Object::Ref(p)) else {
                continue;
            };
            if let Some(r) = d.get(b"Annots").and_then(Object::as_ref) {
                annots_arrays.insert(r.num);
            }
            match d.get(b"Contents") {
                Some(Object::Ref(r)) => {
                    content_streams.insert(r.num);
                    if let Ok(Object::Array(a)) = old.get(*r) {
                        content_streams.extend(a.iter().filter_map(Object::as_ref).map(|r| r.num));
                    }
                }
                Some(Object::Array(a)) => {
                    content_streams.extend(a.iter().filter_map(Object::as_ref).map(|r| r.num));
                }
                _ => {}
            }
        }
        Context {
            old,
            new,
            root,
            acroform: acroform_ref.map(|r| r.num),
            fields_array,
            pages,
            annots_arrays,
            content_streams,
        }
    }

    fn get_old(&self, num: u32) -> Object {
        self.old.get(ObjRef::new(num, 0)).unwrap_or(Object::Null)
    }

    fn get_new(&self, num: u32) -> Object {
        self.new.get(ObjRef::new(num, 0)).unwrap_or(Object::Null)
    }

    fn is_new_signature(&self, num: u32) -> bool {
        self.get_old(num) == Object::Null
            && self
                .get_new(num)
                .as_dict()
                .is_some_and(|d| d.is_type(b"Sig") || d.is_type(b"DocTimeStamp"))
    }

    fn same(&self, a: &Object, b: &Object) -> bool {
        match (a, b) {
            (Object::Stream(x), Object::Stream(y)) => {
                x.dict == y.dict && self.old.raw_stream(x).ok() == self.new.raw_stream(y).ok()
            }
            _ => a == b,
        }
    }

    fn judge(&self, num: u32) -> (Verdict, Option<String>) {
        let old = self.get_old(num);
        let new = self.get_new(num);
        if matches!(old, Object::Null) {
            // New objects matter only through the old objects that now
            // reference them, and those are judged themselves.
            return (Verdict::Allowed, None);
        }
        if self.same(&old, &new) {
            return (Verdict::Allowed, None);
        }
        if let Some(d) = old.as_dict() {
            if d.is_type(b"XRef") || d.is_type(b"ObjStm") {
                return (Verdict::Allowed, None);
            }
        }
        if matches!(new, Object::Null) {
            return (Verdict::Other, Some(format!("object {num} deleted")));
        }
        if self.content_streams.contains(&num) {
            return (
                Verdict::PageContent,
                Some(format!("page content stream (object {num}) changed")),
            );
        }
        if self.pages.contains(&num) {
            return self.judge_page(num, &old, &new);
        }
        if Some(num) == self.root {
            return self.judge_keys(num, "catalog", &old, &new, CATALOG_SIGNING_KEYS);
        }
        if Some(num) == self.acroform {
            return self.judge_keys(
                num,
                "form",
                &old,
                &new,
                &[b"Fields", b"SigFlags", b"DR", b"DA"],
            );
        }
        if Some(num) == self.fields_array || self.annots_arrays.contains(&num) {
            return self.judge_array_growth(num, &old, &new);
        }
        if let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) {
            if o.name(b"FT") == Some(b"Sig") && o.get(b"V").is_none() && n.get(b"V").is_some() {
                return self.judge_keys(num, "signature field", &old, &new, &[b"V", b"AP", b"F"]);
            }
        }
        (Verdict::Other, Some(format!("object {num} changed")))
    }

    fn judge_keys(
        &self,
        num: u32,
        what: &str,
        old: &Object,
        new: &Object,
        allowed: &[&[u8]],
    ) -> (Verdict, Option<String>) {
        let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
            return (
                Verdict::Other,
                Some(format!("{what} (object {num}) replaced")),
            );
        };
        let changed = changed_keys(o, n);
        let bad: Vec<String> = changed
            .iter()
            .filter(|k| !allowed.contains(&k.as_slice()))
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect();
        if bad.is_empty() {
            (Verdict::Allowed, None)
        } else {
            (
                Verdict::Other,
                Some(format!(
                    "{what} (object {num}) changed: /{}",
                    bad.join(" /")
                )),
            )
        }
    }

    fn judge_page(&self, num: u32, old: &Object, new: &Object) -> (Verdict, Option<String>) {
        let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
            return (
                Verdict::Other,
                Some(format!("page (object {num}) replaced")),
            );
        };
        let changed = changed_keys(o, n);
        if changed
            .iter()
            .any(|k| k == b"Contents" || k == b"Resources")
        {
            return (
                Verdict::PageContent,
                Some(format!("page (object {num}) content changed")),
            );
        }
        if changed.iter().any(|k| k != b"Annots") {
            return (Verdict::Other, Some(format!("page (object {num}) changed")));
        }
        let old_annots = self.old.resolve(o.get(b"Annots").unwrap_or(&Object::Null));
        let new_annots = self.new.resolve(n.get(b"Annots").unwrap_or(&Object::Null));
        match (old_annots, new_annots) {
            (Ok(a), Ok(b)) => self.only_signature_widgets_added(num, &a, &b),
            _ => (
                Verdict::Other,
                Some(format!("page (object {num}) annotations unreadable")),
            ),
        }
    }

    fn judge_array_growth(
        &self,
        num: u32,
        old: &Object,
        new: &Object,
    ) -> (Verdict, Option<String>) {
        self.only_signature_widgets_added(num, old, new)
    }

    fn only_signature_widgets_added(
        &self,
        num: u32,
        old: &Object,
        new: &Object,
    ) -> (Verdict, Option<String>) {
        let old_items = old.as_array().unwrap_or(&[]);
        let new_items = new.as_array().unwrap_or(&[]);
        if !old_items.iter().all(|o| new_items.contains(o)) {
            return (
                Verdict::Other,
                Some(format!("entries removed from object {num}")),
            );
        }
        for added in new_items.iter().filter(|n| !old_items.contains(n)) {
            let d = self.new.resolve(added).ok();
            let is_sig = d
                .as_ref()
                .and_then(Object::as_dict)
                .is_some_and(|d| is_sig_widget(self.new, d));
            if !is_sig {
                return (
                    Verdict::Other,
                    Some(format!(
                        "an annotation or field other than a signature was added (object {num})"
                    )),
                );
            }
        }
        (Verdict::Allowed, None)
    }
}

fn is_sig_widget(doc: &Pdf<'_>, d: &Dict) -> bool {
    if d.name(b"FT") == Some(b"Sig") {
        return true;
    }
    d.get(b"Parent")
        .and_then(|p| doc.resolve_dict(p).ok())
        .is_some_and(|p| p.name(b"FT") == Some(b"Sig"))
}

fn changed_keys(o: &Dict, n: &Dict) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = o.keys().chain(n.keys()).map(<[u8]>::to_vec).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| o.get(k) != n.get(k)).collect()
}
