//! What incremental updates after a signed revision changed, judged on
//! resolved objects: every object of the signed revision is looked up in
//! both documents (through object streams, `/Prev` chains and hybrid xrefs,
//! as a reader would) and compared. Where an object lives — a new xref entry,
//! a replaced object stream — does not matter; what a reader gets does.
//!
//! Adding signatures (a signature dictionary, its field and widget, an
//! appearance, the form's field list, a page's `/Annots`) and validation data
//! (`/DSS`) is harmless; anything touching page content, or anything else, is
//! reported with the object and its path from the catalog.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use serde::Serialize;

use crate::pdfbytes::{Dict, ObjRef, Object, Pdf, PdfError};

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
    /// A later revision added or replaced the document security store
    /// (validation data: certificates, CRLs, OCSP responses).
    pub validation_data_added: bool,
    pub details: Vec<String>,
}

impl LaterChanges {
    pub fn none() -> Self {
        LaterChanges {
            kind: ChangeKind::None,
            revisions_after: 0,
            signatures_added: 0,
            validation_data_added: false,
            details: Vec::new(),
        }
    }

    /// A short human description, e.g. "a second signature only" or "a
    /// second signature and validation data (DSS) only": everything the
    /// later revisions added, so the line never hides a DSS update.
    pub fn summary(&self) -> String {
        if self.kind != ChangeKind::SignaturesOnly {
            return self.kind.to_string();
        }
        let mut parts = Vec::new();
        match self.signatures_added {
            0 => {}
            1 => parts.push("a second signature".to_string()),
            n => parts.push(format!("{n} more signatures")),
        }
        if self.validation_data_added {
            parts.push("validation data (DSS)".into());
        }
        if parts.is_empty() {
            // Allowed signing entries (e.g. /SigFlags) without a new
            // signature or DSS.
            return "signing form entries only".into();
        }
        format!("{} only", parts.join(" and "))
    }
}

/// The final catalog's `/DSS` is new or differs (as resolved) from the
/// signed revision's.
fn dss_changed(old: &Pdf<'_>, new: &Pdf<'_>) -> bool {
    let dss = |doc: &Pdf<'_>| {
        let catalog = doc.catalog().ok()?;
        doc.resolve(catalog.get(b"DSS")?).ok()
    };
    match (dss(old), dss(new)) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(a), Some(b)) => a != b,
    }
}

/// Catalog entries a signer may touch: the form, validation data, and the
/// version/extension/metadata bumps pyHanko makes (e.g. PDF 2.0 for EdDSA).
/// `/AcroForm` is judged further (see [`Context::judge_acroform_value`]).
const CATALOG_SIGNING_KEYS: &[&[u8]] = &[
    b"AcroForm",
    b"DSS",
    b"Extensions",
    b"Perms",
    b"Version",
    b"Metadata",
];

/// Form entries a signer may touch.
const ACROFORM_SIGNING_KEYS: &[&[u8]] = &[b"Fields", b"SigFlags", b"DR", b"DA"];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Allowed,
    Other,
    PageContent,
}

type Judged = (Verdict, Option<String>);

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
        validation_data_added: false,
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
    out.revisions_after = final_doc
        .sections
        .iter()
        .filter(|s| s.offset >= signed_end)
        .count();
    if out.revisions_after == 0 || final_doc.startxref < signed_end {
        out.kind = ChangeKind::OtherChanges;
        out.details.push(format!(
            "{} bytes after the signed revision are not a proper incremental update",
            bytes.len() - signed_end
        ));
        return out;
    }
    let ctx = Context::new(&old, final_doc);
    let mut worst = Verdict::Allowed;
    let mut note = |(verdict, detail): Judged, out: &mut LaterChanges| {
        if let Some(d) = detail {
            out.details.push(d);
        }
        worst = worst.max(verdict);
    };
    note(ctx.judge_trailer(), &mut out);
    // Every object the signed revision defines, wherever the final xref now
    // finds it; then every object only the final document defines.
    let old_nums: BTreeSet<u32> = old.object_numbers().collect();
    let mut referenced = HashSet::new();
    for &num in &old_nums {
        let judged = ctx.judge(num, &mut referenced);
        note(judged, &mut out);
    }
    let new_nums: BTreeSet<u32> = final_doc
        .object_numbers()
        .filter(|n| !old_nums.contains(n))
        .collect();
    for num in new_nums {
        if ctx.is_new_signature(num) {
            out.signatures_added += 1;
        }
        // A new object matters through the old objects that now reference
        // it, and those are judged above; but an old reference to an object
        // the signed revision did not define (read as null then) would now
        // show whatever the update put there.
        if referenced.contains(&num) && !matches!(ctx.get_new(num), Ok(Object::Null)) {
            note(
                (
                    Verdict::Other,
                    Some(format!(
                        "{} was undefined when signed and is defined now",
                        ctx.describe(num)
                    )),
                ),
                &mut out,
            );
        }
    }
    out.validation_data_added = dss_changed(&old, final_doc);
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
    /// Each old object's first path from the trailer, computed only when a
    /// change has to be named.
    paths: std::cell::OnceCell<HashMap<u32, String>>,
    /// Old objects reachable only through the catalog's `/DSS`, computed
    /// only when a change is found.
    dss_only: std::cell::OnceCell<HashSet<u32>>,
    /// The old catalog's `/Metadata` object.
    metadata: Option<u32>,
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
            paths: std::cell::OnceCell::new(),
            dss_only: std::cell::OnceCell::new(),
            metadata: catalog
                .as_ref()
                .and_then(|c| c.get(b"Metadata"))
                .and_then(Object::as_ref)
                .map(|r| r.num),
        }
    }

    /// The old objects only the Document Security Store reaches: validation
    /// data, which a later update may extend in place (pyHanko adds a
    /// document timestamp's certificates and revocation data to the
    /// existing DSS). Anything also reachable otherwise is not in the set.
    fn dss_only(&self) -> &HashSet<u32> {
        self.dss_only.get_or_init(|| {
            let Ok(catalog) = self.old.catalog() else {
                return HashSet::new();
            };
            let mut dss_roots = HashSet::new();
            let mut other_roots = HashSet::new();
            for (k, v) in catalog.iter() {
                collect_refs(
                    v,
                    if k == b"DSS" {
                        &mut dss_roots
                    } else {
                        &mut other_roots
                    },
                    0,
                );
            }
            for key in [b"Info".as_slice(), b"Encrypt"] {
                if let Some(r) = self.old.trailer.get(key).and_then(Object::as_ref) {
                    other_roots.insert(r.num);
                }
            }
            // The catalog itself is judged on its own and not walked again
            // (it would reach the DSS).
            let stop: HashSet<u32> = self.root.into_iter().collect();
            let dss = reachable(self.old, dss_roots, &stop);
            let other = reachable(self.old, other_roots, &stop);
            dss.difference(&other)
                .copied()
                .filter(|n| !stop.contains(n))
                .collect()
        })
    }

    fn get_old(&self, num: u32) -> Result<Object, PdfError> {
        self.old.get(ObjRef::new(num, 0))
    }

    fn get_new(&self, num: u32) -> Result<Object, PdfError> {
        self.new.get(ObjRef::new(num, 0))
    }

    /// "object 12 (/Root/Pages/Kids[0]/Contents)", for reports.
    fn describe(&self, num: u32) -> String {
        let paths = self.paths.get_or_init(|| paths_from_trailer(self.old));
        match paths.get(&num) {
            Some(p) => format!("object {num} ({p})"),
            None => format!("object {num} (not reachable from the catalog)"),
        }
    }

    fn is_new_signature(&self, num: u32) -> bool {
        self.get_new(num)
            .ok()
            .as_ref()
            .and_then(Object::as_dict)
            .is_some_and(|d| d.is_type(b"Sig") || d.is_type(b"DocTimeStamp"))
    }

    /// A `/Type /Metadata` stream holding one XMP packet and nothing after
    /// it (pyHanko likewise refuses a metadata update that is not
    /// well-formed XML; this is the cheap part of that check).
    fn is_xmp_packet(&self, obj: &Object) -> bool {
        let Object::Stream(s) = obj else {
            return false;
        };
        if !s.dict.is_type(b"Metadata") {
            return false;
        }
        let Ok(data) = self.new.decode_stream(s) else {
            return false;
        };
        let t = data.trim_ascii();
        (t.starts_with(b"<?xpacket") && t.ends_with(b"?>"))
            || (t.starts_with(b"<x:xmpmeta") && t.ends_with(b"</x:xmpmeta>"))
    }

    fn same(&self, a: &Object, b: &Object) -> bool {
        match (a, b) {
            (Object::Stream(x), Object::Stream(y)) => {
                x.dict == y.dict && self.old.raw_stream(x).ok() == self.new.raw_stream(y).ok()
            }
            _ => a == b,
        }
    }

    /// The trailer entries that decide what a reader shows: the catalog and
    /// encryption. (`/Info` may point elsewhere: it is metadata, and an old
    /// `/Info` object that is changed is judged like any other.)
    fn judge_trailer(&self) -> Judged {
        let (old_root, new_root) = (self.old.root_ref().ok(), self.new.root_ref().ok());
        if old_root != new_root {
            return (
                Verdict::Other,
                Some("the trailer's /Root now names another document catalog".into()),
            );
        }
        if self.old.trailer.get(b"Encrypt") != self.new.trailer.get(b"Encrypt") {
            return (
                Verdict::Other,
                Some("the trailer's /Encrypt changed after signing".into()),
            );
        }
        (Verdict::Allowed, None)
    }

    /// Judges old object `num`; records what it references in `referenced`.
    fn judge(&self, num: u32, referenced: &mut HashSet<u32>) -> Judged {
        let old = match self.get_old(num) {
            Ok(o) => o,
            // Unreadable when signed: it must stay so (an update that makes
            // it readable decides what it says).
            Err(_) => {
                return match self.get_new(num) {
                    Err(_) | Ok(Object::Null) => (Verdict::Allowed, None),
                    Ok(_) => (
                        Verdict::Other,
                        Some(format!(
                            "{}, unreadable when signed, was redefined",
                            self.describe(num)
                        )),
                    ),
                };
            }
        };
        collect_refs(&old, referenced, 0);
        if matches!(old, Object::Null) {
            return (Verdict::Allowed, None);
        }
        let new = match self.get_new(num) {
            Ok(n) => n,
            Err(e) => {
                return (
                    Verdict::Other,
                    Some(format!("{} can no longer be read: {e}", self.describe(num))),
                );
            }
        };
        if self.same(&old, &new) {
            return (Verdict::Allowed, None);
        }
        // Containers: what they hold is judged object by object.
        for container in [b"XRef".as_slice(), b"ObjStm"] {
            let is = |o: &Object| o.as_dict().is_some_and(|d| d.is_type(container));
            if is(&old) && is(&new) {
                return (Verdict::Allowed, None);
            }
        }
        if self.dss_only().contains(&num) {
            return (Verdict::Allowed, None);
        }
        // The catalog's XMP metadata stream rewritten in place (pyHanko
        // updates its dates with every revision): metadata, not content,
        // as a new /Metadata object already is (CATALOG_SIGNING_KEYS).
        if Some(num) == self.metadata && self.is_xmp_packet(&new) {
            return (Verdict::Allowed, None);
        }
        if matches!(new, Object::Null) {
            return (
                Verdict::Other,
                Some(format!("{} deleted", self.describe(num))),
            );
        }
        if self.content_streams.contains(&num) {
            return (
                Verdict::PageContent,
                Some(format!(
                    "page content stream {} changed",
                    self.describe(num)
                )),
            );
        }
        if self.pages.contains(&num) {
            return self.judge_page(num, &old, &new);
        }
        if Some(num) == self.root {
            return self.judge_catalog(num, &old, &new);
        }
        if Some(num) == self.acroform {
            return self.judge_keys(num, "form", &old, &new, ACROFORM_SIGNING_KEYS);
        }
        if Some(num) == self.fields_array || self.annots_arrays.contains(&num) {
            return self.only_signature_widgets_added(num, &old, &new);
        }
        if let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) {
            if o.name(b"FT") == Some(b"Sig") && o.get(b"V").is_none() && n.get(b"V").is_some() {
                return self.judge_keys(num, "signature field", &old, &new, &[b"V", b"AP", b"F"]);
            }
        }
        (
            Verdict::Other,
            Some(format!("{} changed", self.describe(num))),
        )
    }

    fn judge_catalog(&self, num: u32, old: &Object, new: &Object) -> Judged {
        let judged = self.judge_keys(num, "catalog", old, new, CATALOG_SIGNING_KEYS);
        if judged.0 != Verdict::Allowed {
            return judged;
        }
        let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
            return judged;
        };
        match (o.get(b"AcroForm"), n.get(b"AcroForm")) {
            (Some(a), Some(b)) if a != b => self.judge_acroform_value(num, a, b),
            (Some(_), None) => (
                Verdict::Other,
                Some(format!(
                    "the catalog ({}) lost its /AcroForm",
                    self.describe(num)
                )),
            ),
            // A form that is new or unchanged: its fields are judged where
            // the pages' /Annots show them.
            _ => (Verdict::Allowed, None),
        }
    }

    /// A catalog whose `/AcroForm` value changed (a direct dictionary edited,
    /// or a reference to another form): the form as a whole may only gain
    /// signature fields and signing entries.
    fn judge_acroform_value(&self, num: u32, old: &Object, new: &Object) -> Judged {
        let (Ok(o), Ok(n)) = (self.old.resolve(old), self.new.resolve(new)) else {
            return (
                Verdict::Other,
                Some(format!("the form of {} is unreadable", self.describe(num))),
            );
        };
        let judged = self.judge_keys(num, "form", &o, &n, ACROFORM_SIGNING_KEYS);
        if judged.0 != Verdict::Allowed {
            return judged;
        }
        let fields = |doc: &Pdf<'_>, d: &Object| {
            d.as_dict()
                .and_then(|d| d.get(b"Fields"))
                .map(|f| doc.resolve(f).unwrap_or(Object::Null))
                .unwrap_or(Object::Null)
        };
        self.only_signature_widgets_added(num, &fields(self.old, &o), &fields(self.new, &n))
    }

    fn judge_keys(
        &self,
        num: u32,
        what: &str,
        old: &Object,
        new: &Object,
        allowed: &[&[u8]],
    ) -> Judged {
        let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
            return (
                Verdict::Other,
                Some(format!("{what} {} replaced", self.describe(num))),
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
                    "{what} {} changed: /{}",
                    self.describe(num),
                    bad.join(" /")
                )),
            )
        }
    }

    fn judge_page(&self, num: u32, old: &Object, new: &Object) -> Judged {
        let (Some(o), Some(n)) = (old.as_dict(), new.as_dict()) else {
            return (
                Verdict::Other,
                Some(format!("page {} replaced", self.describe(num))),
            );
        };
        let changed = changed_keys(o, n);
        if changed
            .iter()
            .any(|k| k == b"Contents" || k == b"Resources")
        {
            return (
                Verdict::PageContent,
                Some(format!("page {} content changed", self.describe(num))),
            );
        }
        if changed.iter().any(|k| k != b"Annots") {
            return (
                Verdict::Other,
                Some(format!("page {} changed", self.describe(num))),
            );
        }
        let old_annots = self.old.resolve(o.get(b"Annots").unwrap_or(&Object::Null));
        let new_annots = self.new.resolve(n.get(b"Annots").unwrap_or(&Object::Null));
        match (old_annots, new_annots) {
            (Ok(a), Ok(b)) => self.only_signature_widgets_added(num, &a, &b),
            _ => (
                Verdict::Other,
                Some(format!(
                    "page {} annotations unreadable",
                    self.describe(num)
                )),
            ),
        }
    }

    fn only_signature_widgets_added(&self, num: u32, old: &Object, new: &Object) -> Judged {
        let old_items = old.as_array().unwrap_or(&[]);
        let new_items = new.as_array().unwrap_or(&[]);
        if !old_items.iter().all(|o| new_items.contains(o)) {
            return (
                Verdict::Other,
                Some(format!("entries removed from {}", self.describe(num))),
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
                        "an annotation or field other than a signature was added to {}",
                        self.describe(num)
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

/// Nesting of direct objects deeper than this is not followed (the parser
/// refuses much shallower nesting anyway).
const MAX_NESTING: usize = 64;

/// Every object reachable from `roots` (the roots included).
fn reachable(doc: &Pdf<'_>, roots: HashSet<u32>, stop: &HashSet<u32>) -> HashSet<u32> {
    let mut seen = HashSet::new();
    let mut queue: VecDeque<u32> = roots.into_iter().collect();
    while let Some(num) = queue.pop_front() {
        if !seen.insert(num) || stop.contains(&num) {
            continue;
        }
        if let Ok(obj) = doc.get(ObjRef::new(num, 0)) {
            let mut refs = HashSet::new();
            collect_refs(&obj, &mut refs, 0);
            queue.extend(refs.into_iter().filter(|r| !seen.contains(r)));
        }
    }
    seen
}

fn collect_refs(obj: &Object, out: &mut HashSet<u32>, depth: usize) {
    if depth > MAX_NESTING {
        return;
    }
    match obj {
        Object::Ref(r) => {
            out.insert(r.num);
        }
        Object::Array(a) => a.iter().for_each(|o| collect_refs(o, out, depth + 1)),
        Object::Dict(d) => d.iter().for_each(|(_, o)| collect_refs(o, out, depth + 1)),
        Object::Stream(s) => s
            .dict
            .iter()
            .for_each(|(_, o)| collect_refs(o, out, depth + 1)),
        _ => {}
    }
}

/// The first path (breadth first) from the trailer to every object of `doc`,
/// as `/Root/Pages/Kids[0]/Contents`.
fn paths_from_trailer(doc: &Pdf<'_>) -> HashMap<u32, String> {
    let mut paths = HashMap::new();
    let mut queue = VecDeque::new();
    for key in [b"Root".as_slice(), b"Info"] {
        if let Some(r) = doc.trailer.get(key).and_then(Object::as_ref) {
            let p = format!("/{}", String::from_utf8_lossy(key));
            if let Entry::Vacant(e) = paths.entry(r.num) {
                e.insert(p.clone());
                queue.push_back((r.num, p));
            }
        }
    }
    while let Some((num, path)) = queue.pop_front() {
        let Ok(obj) = doc.get(ObjRef::new(num, 0)) else {
            continue;
        };
        let mut found = Vec::new();
        refs_with_paths(&obj, &path, &mut found, 0);
        for (r, p) in found {
            if let Entry::Vacant(e) = paths.entry(r) {
                e.insert(p.clone());
                queue.push_back((r, p));
            }
        }
    }
    paths
}

fn refs_with_paths(obj: &Object, path: &str, out: &mut Vec<(u32, String)>, depth: usize) {
    if depth > MAX_NESTING {
        return;
    }
    let dict = |d: &Dict, out: &mut Vec<(u32, String)>| {
        for (k, v) in d.iter() {
            let p = format!("{path}/{}", String::from_utf8_lossy(k));
            refs_with_paths(v, &p, out, depth + 1);
        }
    };
    match obj {
        Object::Ref(r) => out.push((r.num, path.to_string())),
        Object::Array(a) => {
            for (i, o) in a.iter().enumerate() {
                refs_with_paths(o, &format!("{path}[{i}]"), out, depth + 1);
            }
        }
        Object::Dict(d) => dict(d, out),
        Object::Stream(s) => dict(&s.dict, out),
        _ => {}
    }
}
