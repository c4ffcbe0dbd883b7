//! Long-term validation data (PAdES B-LT): a Document Security Store
//! (`/DSS` with `/Certs`, `/CRLs`, `/OCSPs` and `/VRI`) added as an
//! incremental update, so a validator years later has the certificates and
//! revocation data it needs without going online.
//!
//! The certificates come from the file itself (every signature's chain,
//! every signature timestamp's and document timestamp's TSA certificate)
//! plus any given; CRLs and OCSP responses are given by the caller
//! (`cip ltv add --crl F --ocsp F`) or fetched from the distribution points
//! of those certificates, each checked against its issuer before it is
//! embedded (`timestamp::revocation`). An existing DSS is carried over: its
//! streams are referenced again, never rewritten, and the new DSS is a new
//! object, so the update changes only the catalog's `/DSS` entry.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use der::Encode as _;
use sha1::Digest as _;

use super::SignError;
use crate::cms;
use crate::intake::MAX_PLAN_PDF_BYTES;
use crate::pdfbytes::{Dict, ObjRef, Object, Pdf, Update, signature_fields};

/// What to embed besides what the file's signatures carry.
#[derive(Clone, Debug, Default)]
pub struct ValidationData {
    /// DER certificates (e.g. the issuing CA, the TSA's CA).
    pub certs: Vec<Vec<u8>>,
    /// DER CRLs.
    pub crls: Vec<Vec<u8>>,
    /// DER OCSP responses.
    pub ocsps: Vec<Vec<u8>>,
    /// Fetch the CRLs named by the certificates' distribution points, with
    /// this timeout per request; `None` when offline or given revocation
    /// data.
    pub fetch: Option<Duration>,
}

/// What [`add_dss`] embedded.
#[derive(Clone, Debug, Default)]
pub struct DssSummary {
    pub certs: usize,
    pub crls: usize,
    pub ocsps: usize,
    pub vri: usize,
    /// The distribution points whose CRLs were fetched and embedded.
    pub fetched: Vec<String>,
}

/// Appends a DSS with the validation data of every signature in `pdf` and
/// `extra`. Returns the new file and what the DSS now holds.
pub fn add_dss(pdf: &[u8], extra: &ValidationData) -> Result<(Vec<u8>, DssSummary), SignError> {
    let doc = Pdf::parse(pdf)?;
    if doc.is_encrypted() {
        return Err(SignError::Encrypted);
    }
    let mut upd = Update::new(&doc);
    let mut store = Store::default();
    let old_dss = match doc.catalog()?.get(b"DSS") {
        Some(d) => Some(doc.resolve_dict(d)?),
        None => None,
    };
    if let Some(old) = &old_dss {
        for (key, kind) in [
            (b"Certs".as_slice(), Kind::Cert),
            (b"CRLs", Kind::Crl),
            (b"OCSPs", Kind::Ocsp),
        ] {
            for item in doc
                .resolve(old.get(key).unwrap_or(&Object::Null))?
                .as_array()
                .unwrap_or(&[])
            {
                let Some(r) = item.as_ref() else { continue };
                if let Object::Stream(s) = doc.resolve(item)? {
                    let data = doc.decode_stream(&s)?;
                    store.known(kind, data, r);
                }
            }
        }
    }
    let mut vri = Dict::new();
    if let Some(Object::Dict(v)) = old_dss
        .as_ref()
        .and_then(|d| d.get(b"VRI"))
        .map(|v| doc.resolve(v))
        .transpose()?
    {
        vri = v;
    }
    let signatures = signature_certs(&doc)?;
    let mut fetched_crls = Vec::new();
    let mut fetched = Vec::new();
    if let Some(timeout) = extra.fetch {
        use der::Decode as _;
        let chain: Vec<x509_cert::Certificate> = signatures
            .iter()
            .flat_map(|(_, ders)| ders)
            .chain(&extra.certs)
            .filter_map(|d| x509_cert::Certificate::from_der(d).ok())
            .collect();
        for (url, crl) in crate::timestamp::revocation::fetch_for(&chain, timeout)? {
            fetched.push(url);
            fetched_crls.push(crl.der);
        }
    }
    let extra_certs: Vec<ObjRef> = extra
        .certs
        .iter()
        .map(|c| store.add(&mut upd, Kind::Cert, c))
        .collect();
    let crls: Vec<ObjRef> = extra
        .crls
        .iter()
        .chain(&fetched_crls)
        .map(|c| store.add(&mut upd, Kind::Crl, c))
        .collect();
    let ocsps: Vec<ObjRef> = extra
        .ocsps
        .iter()
        .map(|c| store.add(&mut upd, Kind::Ocsp, c))
        .collect();
    for (contents, ders) in &signatures {
        let mut refs: Vec<ObjRef> = ders
            .iter()
            .map(|d| store.add(&mut upd, Kind::Cert, d))
            .collect();
        refs.extend(&extra_certs);
        refs.sort_unstable_by_key(|r| r.num);
        refs.dedup();
        // The VRI key: upper-case hex SHA-1 of the signature's /Contents
        // (ETSI EN 319 142-1, 5.4.2.2).
        let key = hex::encode_upper(sha1::Sha1::digest(contents));
        let arr = |v: &[ObjRef]| Object::Array(v.iter().map(|r| Object::Ref(*r)).collect());
        let mut entry = Dict::new();
        entry.set(b"Cert", arr(&refs));
        if !crls.is_empty() {
            entry.set(b"CRL", arr(&crls));
        }
        if !ocsps.is_empty() {
            entry.set(b"OCSP", arr(&ocsps));
        }
        vri.set(key.as_bytes(), Object::Dict(entry));
    }
    let mut dss = Dict::new();
    dss.set(b"Type", Object::name("DSS"));
    let summary = DssSummary {
        certs: store.refs(Kind::Cert).len(),
        crls: store.refs(Kind::Crl).len(),
        ocsps: store.refs(Kind::Ocsp).len(),
        vri: vri.keys().count(),
        fetched,
    };
    for (key, kind) in [
        (b"Certs".as_slice(), Kind::Cert),
        (b"CRLs", Kind::Crl),
        (b"OCSPs", Kind::Ocsp),
    ] {
        let refs = store.refs(kind);
        if !refs.is_empty() {
            dss.set(
                key,
                Object::Array(refs.into_iter().map(Object::Ref).collect()),
            );
        }
    }
    dss.set(b"VRI", Object::Dict(vri));
    let dss_ref = upd.alloc();
    upd.put(dss_ref, &Object::Dict(dss));
    let root = doc.root_ref()?;
    let mut catalog = doc.catalog()?;
    catalog.set(b"DSS", Object::Ref(dss_ref));
    upd.put(root, &Object::Dict(catalog));
    Ok((upd.write().bytes, summary))
}

/// A signature's `/Contents` and the DER certificates it carries.
type SignatureCerts = (Vec<u8>, Vec<Vec<u8>>);

/// Each signature's (and document timestamp's) `/Contents` with the
/// certificates it carries, its signature timestamps' included.
fn signature_certs(doc: &Pdf<'_>) -> Result<Vec<SignatureCerts>, SignError> {
    let mut out = Vec::new();
    for field in signature_fields(doc)? {
        let Some(v) = &field.value else { continue };
        let Ok(sig) = doc.resolve_dict(v) else {
            continue;
        };
        let Some(contents) = sig.get(b"Contents").and_then(Object::as_str) else {
            continue;
        };
        let Ok(parsed) = cms::parse_signed_data(contents) else {
            continue;
        };
        let mut ders: Vec<Vec<u8>> = parsed
            .certificates
            .iter()
            .filter_map(|c| c.to_der().ok())
            .collect();
        for token in &parsed.signature_time_stamps {
            if let Ok(t) = cms::parse_signed_data(token) {
                ders.extend(t.certificates.iter().filter_map(|c| c.to_der().ok()));
            }
        }
        out.push((contents.to_vec(), ders));
    }
    Ok(out)
}

/// [`add_dss`] on a file, written atomically to `output` (which may be
/// `input`: the update only appends).
pub fn add_dss_file(
    input: &Path,
    output: &Path,
    extra: &ValidationData,
) -> Result<DssSummary, SignError> {
    let pdf =
        crate::model::files::read_bounded(input, MAX_PLAN_PDF_BYTES, "a PDF").map_err(|e| {
            SignError::Read {
                path: input.display().to_string(),
                source: e.into(),
            }
        })?;
    let (out, summary) = add_dss(&pdf, extra)?;
    crate::atomic::write(output, &out).map_err(|source| SignError::Write {
        path: output.display().to_string(),
        source,
    })?;
    Ok(summary)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Cert,
    Crl,
    Ocsp,
}

/// Each distinct item once, by content, with the stream that holds it.
#[derive(Default)]
struct Store {
    items: BTreeMap<(Kind, Vec<u8>), ObjRef>,
}

impl Store {
    fn known(&mut self, kind: Kind, data: Vec<u8>, r: ObjRef) {
        self.items.entry((kind, data)).or_insert(r);
    }

    fn add(&mut self, upd: &mut Update<'_, '_>, kind: Kind, data: &[u8]) -> ObjRef {
        if let Some(r) = self.items.get(&(kind, data.to_vec())) {
            return *r;
        }
        let r = upd.alloc();
        upd.put_stream(r, Dict::new(), data);
        self.items.insert((kind, data.to_vec()), r);
        r
    }

    fn refs(&self, kind: Kind) -> Vec<ObjRef> {
        let mut v: Vec<ObjRef> = self
            .items
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, r)| *r)
            .collect();
        v.sort_unstable_by_key(|r| r.num);
        v
    }
}
