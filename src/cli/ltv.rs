//! `cip timestamp` (a document timestamp, PAdES B-LTA) and `cip ltv add`
//! (a Document Security Store, B-LT), plus the `--tsa` / `--tsa-cert`
//! arguments every signing command shares: arguments and printing only.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use cip::sign::{self, ValidationData};
use cip::timestamp::Tsa;

use super::term::{print_error, safe};

/// The timestamp authority to ask, from `--tsa URL [--tsa-cert CERT]`.
pub fn make_tsa(url: Option<&str>, cert: Option<&Path>) -> Result<Option<Tsa>, String> {
    let Some(url) = url else {
        return Ok(None);
    };
    let mut tsa = Tsa::new(url);
    if let Some(c) = cert {
        tsa.pinned = cip::keys::load_certificates(c).map_err(|e| e.to_string())?;
    }
    Ok(Some(tsa))
}

/// `--tsa-tls-ca CERT.pem`: the certificates to trust for an https TSA
/// instead of the public web roots.
fn with_tls_roots(mut tsa: Tsa, path: Option<&Path>) -> Result<Tsa, String> {
    use der::Encode as _;
    if let Some(p) = path {
        for c in cip::keys::load_certificates(p).map_err(|e| e.to_string())? {
            tsa.tls_roots
                .push(c.to_der().map_err(|e| format!("{}: {e}", p.display()))?);
        }
    }
    Ok(tsa)
}

#[derive(Args, Debug)]
pub struct TimestampArgs {
    /// The signed PDF to timestamp.
    #[arg(value_name = "FILE.pdf")]
    pub input: PathBuf,
    /// RFC 3161 timestamp authority (http://... or https://...).
    #[arg(long, value_name = "URL")]
    pub tsa: String,
    /// The TSA's certificate (or its issuer), to pin: another signer is refused.
    #[arg(long, value_name = "CERT.pem")]
    pub tsa_cert: Option<PathBuf>,
    /// For an https TSA: trust this CA for its TLS certificate instead of
    /// the public web roots.
    #[arg(long, value_name = "CERT.pem")]
    pub tsa_tls_ca: Option<PathBuf>,
    /// Write here instead of appending to FILE.pdf in place.
    #[arg(short, long, value_name = "OUT.pdf")]
    pub output: Option<PathBuf>,
}

pub fn run_timestamp(a: &TimestampArgs) -> ExitCode {
    let tsa = match make_tsa(Some(&a.tsa), a.tsa_cert.as_deref()) {
        Ok(Some(t)) => t,
        Ok(None) => return ExitCode::from(2),
        Err(e) => return fail(&e),
    };
    let tsa = match with_tls_roots(tsa, a.tsa_tls_ca.as_deref()) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let out = a.output.clone().unwrap_or_else(|| a.input.clone());
    match sign::add_doc_timestamp_file(&a.input, &out, &tsa) {
        Ok(()) => {
            println!(
                "added a document timestamp from {} -> {}",
                safe(&a.tsa),
                safe(out.display())
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

#[derive(Args, Debug)]
pub struct LtvArgs {
    #[command(subcommand)]
    pub cmd: LtvCmd,
}

#[derive(Subcommand, Debug)]
pub enum LtvCmd {
    /// Embed validation data (a /DSS): the signatures' and timestamps'
    /// certificates, plus the given CRLs, OCSP responses and certificates;
    /// without --crl/--ocsp, the CRLs the certificates' distribution points
    /// name are fetched (each checked against its issuer).
    Add {
        #[arg(value_name = "FILE.pdf")]
        input: PathBuf,
        /// A CRL (DER or PEM); repeatable.
        #[arg(long, value_name = "FILE")]
        crl: Vec<PathBuf>,
        /// An OCSP response (DER); repeatable.
        #[arg(long, value_name = "FILE")]
        ocsp: Vec<PathBuf>,
        /// More certificates (PEM: issuing CAs, the TSA's CA); repeatable.
        #[arg(long = "cert", value_name = "CERT.pem")]
        certs: Vec<PathBuf>,
        /// Do not fetch CRLs from the certificates' distribution points
        /// (offline: embed only the certificates and what is given).
        #[arg(long)]
        no_fetch: bool,
        /// Write here instead of appending to FILE.pdf in place.
        #[arg(short, long, value_name = "OUT.pdf")]
        output: Option<PathBuf>,
    },
}

pub fn run_ltv(a: &LtvArgs) -> ExitCode {
    let LtvCmd::Add {
        input,
        crl,
        ocsp,
        certs,
        no_fetch,
        output,
    } = &a.cmd;
    let mut data = ValidationData::default();
    if crl.is_empty() && ocsp.is_empty() && !no_fetch {
        data.fetch = Some(std::time::Duration::from_secs(15));
    }
    for p in crl {
        match read_der(p, "X509 CRL") {
            Ok(d) => data.crls.push(d),
            Err(e) => return fail(&e),
        }
    }
    for p in ocsp {
        match read_der(p, "OCSP RESPONSE") {
            Ok(d) => data.ocsps.push(d),
            Err(e) => return fail(&e),
        }
    }
    for p in certs {
        match cip::keys::load_certificates(p) {
            Ok(cs) => {
                use der::Encode as _;
                for c in cs {
                    match c.to_der() {
                        Ok(d) => data.certs.push(d),
                        Err(e) => return fail(&format!("{}: {e}", p.display())),
                    }
                }
            }
            Err(e) => return fail(&e),
        }
    }
    let out = output.clone().unwrap_or_else(|| input.clone());
    match sign::add_dss_file(input, &out, &data) {
        Ok(s) => {
            for url in &s.fetched {
                println!("fetched the CRL at {} (signature checked)", safe(url));
            }
            println!(
                "added validation data (DSS: {} certificates, {} CRLs, {} OCSP responses, {} VRI entries) -> {}",
                s.certs,
                s.crls,
                s.ocsps,
                s.vri,
                safe(out.display())
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// A DER file, or the first PEM block labelled `label`.
fn read_der(p: &Path, label: &str) -> Result<Vec<u8>, String> {
    let bytes = cip::model::files::read_bounded(p, 16 * 1024 * 1024, "a CRL or OCSP response")
        .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    if bytes.first() == Some(&0x30) {
        return Ok(bytes);
    }
    let text = String::from_utf8_lossy(&bytes);
    let begin = format!("-----BEGIN {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("{}: neither DER nor a PEM {label}", p.display()))?;
    let end_marker = format!("-----END {label}-----");
    let end = text[start..]
        .find(&end_marker)
        .map(|e| start + e + end_marker.len())
        .ok_or_else(|| format!("{}: the PEM {label} has no END line", p.display()))?;
    let (got, der) = pem_rfc7468::decode_vec(text[start..end].as_bytes())
        .map_err(|e| format!("{}: bad PEM: {e}", p.display()))?;
    if got != label {
        return Err(format!("{}: a PEM {got}, not {label}", p.display()));
    }
    Ok(der)
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    print_error(e);
    ExitCode::from(1)
}

#[derive(Args, Debug)]
pub struct RenewArgs {
    /// RFC 3161 timestamp authority for the fresh timestamps (http:// or https://).
    #[arg(long, value_name = "URL", required_unless_present = "dry_run")]
    pub tsa: Option<String>,
    /// The TSA's certificate (or its issuer), to pin.
    #[arg(long, value_name = "CERT.pem", requires = "tsa")]
    pub tsa_cert: Option<PathBuf>,
    /// For an https TSA: trust this CA for its TLS certificate instead of
    /// the public web roots.
    #[arg(long, value_name = "CERT.pem", requires = "tsa")]
    pub tsa_tls_ca: Option<PathBuf>,
    /// Renew files whose newest timestamp's TSA certificate expires within DAYS.
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub before: i64,
    /// Trust anchors (PEM), as for `cip verify`; repeatable.
    #[arg(long, value_name = "CERT.pem")]
    pub trust: Vec<PathBuf>,
    /// List what is due without renewing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run_renew(ar: &cip::archive::Archive, a: &RenewArgs) -> ExitCode {
    use cip::archive::renew::{self, RenewOptions};
    let mut trust = Vec::new();
    for p in &a.trust {
        match cip::keys::load_certificates(p) {
            Ok(mut c) => trust.append(&mut c),
            Err(e) => {
                print_error(&e);
                return ExitCode::from(2);
            }
        }
    }
    let opts = RenewOptions {
        before_days: a.before,
        trust,
        now: chrono::Utc::now(),
    };
    if a.dry_run {
        return match renew::due(ar, &opts) {
            Ok((due, checked, superseded)) => {
                println!(
                    "{checked} file(s) checked ({superseded} already renewed by a later file); {} due for renewal",
                    due.len()
                );
                for c in due {
                    println!(
                        "  {} {}: {}",
                        &c.sha256[..12],
                        safe(&c.original_name),
                        safe(&c.reason)
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                print_error(&e);
                ExitCode::from(2)
            }
        };
    }
    let tsa = match make_tsa(a.tsa.as_deref(), a.tsa_cert.as_deref()) {
        Ok(Some(t)) => t,
        Ok(None) => return fail(&"--tsa URL is required (or --dry-run)"),
        Err(e) => return fail(&e),
    };
    let tsa = match with_tls_roots(tsa, a.tsa_tls_ca.as_deref()) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    match renew::renew(ar, &tsa, &opts) {
        Ok(r) => {
            println!(
                "{} file(s) checked ({} already renewed by a later file); {} renewed, {} failed",
                r.checked,
                r.superseded,
                r.renewed.len(),
                r.failed.len()
            );
            for n in &r.renewed {
                println!(
                    "  {} -> {} ({})",
                    &n.original[..12],
                    &n.renewed[..12],
                    safe(&n.reason)
                );
            }
            for (f, e) in &r.failed {
                println!("  FAILED {}: {}", safe(f), safe(e));
            }
            if r.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            print_error(&e);
            ExitCode::from(2)
        }
    }
}

/// `cip archive verify`: the files whose proof of time lapses within a
/// year (newest timestamp's TSA certificate expiring, or a weak
/// algorithm), so they can be renewed in time.
pub fn print_lapsing(lapsing: &[cip::archive::renew::Candidate]) {
    if lapsing.is_empty() {
        return;
    }
    println!(
        "proof of time lapses within a year for {} file(s) (renew with `cip archive renew --tsa URL --before 365`):",
        lapsing.len()
    );
    for c in lapsing {
        println!(
            "  {} {}: {}",
            &c.sha256[..12],
            safe(&c.original_name),
            safe(&c.reason)
        );
    }
}

/// `cip archive verify --format json`: the report with the same list as
/// `proof_lapsing_within_a_year` (each file's sha256, name, when its proof
/// expires and why).
pub fn with_lapsing<T: serde::Serialize>(
    report: &T,
    lapsing: &[cip::archive::renew::Candidate],
) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    if let (Some(obj), Ok(list)) = (v.as_object_mut(), serde_json::to_value(lapsing)) {
        obj.insert("proof_lapsing_within_a_year".into(), list);
    }
    v
}
