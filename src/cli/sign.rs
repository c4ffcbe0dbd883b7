//! `cip keygen`, `cip sign` and `cip verify`: arguments and printing only.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};

use cip::keys::{self, Algorithm, KeyOptions, KeygenOptions, SecretSource, Signer};
use cip::sign::{self, SignOptions};
use cip::verify::{self, FileCheck, ManifestStatus, VerifyOptions, VerifyReport};

use super::term::{print_error, safe};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AlgorithmArg {
    Ed25519,
    P256,
    P384,
    /// RSA 3072-bit, PKCS#1 v1.5 with SHA-256.
    Rsa3072,
}

/// How to unlock the signing key; shared by `cip sign`, `cip render --sign`
/// and `cip letter --key`. Secrets never come from the command line itself.
#[derive(Args, Debug, Clone, Default)]
pub struct UnlockArgs {
    /// Environment variable holding the PKCS#12 file's password.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// File whose first line is the PKCS#12 file's password.
    #[arg(long, value_name = "FILE", conflicts_with = "password_env")]
    pub password_file: Option<PathBuf>,
    /// Environment variable holding the token's PIN (or pin-source= in the URI).
    #[arg(long, value_name = "VAR")]
    pub pin_env: Option<String>,
    /// Sign with RSASSA-PSS instead of RSA PKCS#1 v1.5 (RSA keys only).
    #[arg(long)]
    pub rsa_pss: bool,
}

impl UnlockArgs {
    fn options(&self) -> KeyOptions {
        use std::io::IsTerminal as _;
        // Prompt only with a person at a terminal; scripts get an error.
        let interactive = std::io::stdin().is_terminal();
        KeyOptions {
            password: SecretSource {
                env: self.password_env.clone(),
                file: self.password_file.clone(),
                interactive,
                ..SecretSource::default()
            },
            pin: SecretSource {
                env: self.pin_env.clone(),
                file: None,
                interactive,
                ..SecretSource::default()
            },
            rsa_pss: self.rsa_pss,
        }
    }
}

/// Opens the signer `--key` names (key file, PKCS#12 file or pkcs11: URI),
/// with `--cert` when given.
pub fn open_signer(
    key: &std::path::Path,
    cert: Option<&std::path::Path>,
    unlock: &UnlockArgs,
) -> Result<Signer, keys::KeyError> {
    keys::open_signer(key, cert, &unlock.options())
}

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Signer's name (certificate CN).
    #[arg(long)]
    pub name: String,
    /// Signer's title (certificate title attribute).
    #[arg(long)]
    pub title: String,
    /// Organization (certificate O).
    #[arg(long)]
    pub org: Option<String>,
    /// E-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// Days of validity.
    #[arg(long, default_value_t = 1095)]
    pub days: u32,
    /// Start of validity (RFC 3339); now by default.
    #[arg(long, value_name = "RFC3339")]
    pub not_before: Option<DateTime<chrono::FixedOffset>>,
    /// Key type: Ed25519 (small, modern), P-256/P-384 (ECDSA) or RSA-3072
    /// (what older validators expect).
    #[arg(long, value_enum, default_value = "ed25519")]
    pub algorithm: AlgorithmArg,
    /// Private key to create (PKCS#8 PEM, mode 0600; never overwritten).
    #[arg(long, value_name = "KEY.pem")]
    pub key: PathBuf,
    /// Certificate to create (PEM; never overwritten).
    #[arg(long, value_name = "CERT.pem")]
    pub cert: PathBuf,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    /// PDF to sign.
    #[arg(value_name = "IN.pdf")]
    pub input: PathBuf,
    /// The signing key: a PKCS#8 key file (PEM or DER), a PKCS#12 file
    /// (.p12/.pfx), or a PKCS#11 URI (pkcs11:token=…;object=…?module-path=…).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Signer's certificate, optionally followed by its issuers (optional
    /// with a PKCS#12 file or a token that holds the certificate).
    #[arg(long, value_name = "CERT.pem")]
    pub cert: Option<PathBuf>,
    #[command(flatten)]
    pub unlock: UnlockArgs,
    /// Signed PDF to write (must differ from the input).
    #[arg(short, long, value_name = "OUT.pdf")]
    pub output: PathBuf,
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub location: Option<String>,
    /// Signing time (RFC 3339); makes the output reproducible.
    #[arg(long, value_name = "RFC3339")]
    pub time: Option<DateTime<chrono::FixedOffset>>,
    /// Add an invisible signature even if the PDF has a signature box.
    #[arg(long)]
    pub invisible: bool,
    /// Add a signature timestamp from this RFC 3161 authority (PAdES B-T).
    #[arg(long, value_name = "URL")]
    pub tsa: Option<String>,
    /// The TSA's certificate (or its issuer), to pin: another signer is refused.
    #[arg(long, value_name = "CERT.pem", requires = "tsa")]
    pub tsa_cert: Option<PathBuf>,
    /// Embed validation data too (PAdES B-LT): the chains and the CRLs
    /// their distribution points name, fetched now (`cip ltv add` for
    /// given files or offline).
    #[arg(long)]
    pub ltv: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[arg(value_name = "FILE.pdf")]
    pub input: PathBuf,
    /// Trusted certificate (PEM); repeatable.
    #[arg(long, value_name = "CERT.pem")]
    pub trust: Vec<PathBuf>,
    /// Folder with the supporting documents to compare with the manifest.
    #[arg(long, value_name = "DIR")]
    pub docs: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Judge validity on this date (YYYY-MM-DD or RFC 3339) instead of now:
    /// a certificate must then have been valid at a time a timestamp proves.
    #[arg(long, value_name = "DATE", value_parser = parse_at)]
    pub at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// `--at`: a date (midnight UTC) or an RFC 3339 time.
fn parse_at(s: &str) -> Result<chrono::DateTime<chrono::FixedOffset>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t);
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().fixed_offset())
        .ok_or_else(|| format!("{s:?} is neither YYYY-MM-DD nor an RFC 3339 time"))
}

pub fn run_keygen(a: &KeygenArgs) -> ExitCode {
    let opts = KeygenOptions {
        name: a.name.clone(),
        title: a.title.clone(),
        org: a.org.clone(),
        email: a.email.clone(),
        days: a.days,
        algorithm: match a.algorithm {
            AlgorithmArg::Ed25519 => Algorithm::Ed25519,
            AlgorithmArg::P256 => Algorithm::P256,
            AlgorithmArg::P384 => Algorithm::P384,
            AlgorithmArg::Rsa3072 => Algorithm::Rsa,
        },
        not_before: a.not_before.map(|t| t.with_timezone(&Utc)),
    };
    let result = keys::generate(&opts).and_then(|g| keys::write_new_files(&g, &a.key, &a.cert));
    match result {
        Ok(()) => {
            println!(
                "wrote {} (private, 0600) and {} ({} certificate for {})",
                safe(a.key.display()),
                safe(a.cert.display()),
                opts.algorithm,
                safe(&a.name)
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

pub fn run_sign(a: &SignArgs) -> ExitCode {
    // A key that cannot be opened (wrong password or PIN, locked token, a
    // certificate of another key or one that may not sign) is input that
    // cannot be used: exit 2, nothing written.
    let signer = match open_signer(&a.key, a.cert.as_deref(), &a.unlock) {
        Ok(s) => s,
        Err(e) => {
            print_error(&e);
            return ExitCode::from(2);
        }
    };
    let tsa = match super::ltv::make_tsa(a.tsa.as_deref(), a.tsa_cert.as_deref()) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let opts = SignOptions {
        reason: a.reason.clone(),
        location: a.location.clone(),
        time: a.time,
        invisible: a.invisible,
        tsa,
    };
    let ltv = a.ltv.then(|| sign::ValidationData {
        fetch: Some(std::time::Duration::from_secs(15)),
        ..sign::ValidationData::default()
    });
    match sign::sign_file_ltv(&a.input, &a.output, &signer, &opts, ltv.as_ref()) {
        Ok(()) => {
            println!(
                "signed {} -> {}",
                safe(a.input.display()),
                safe(a.output.display())
            );
            ExitCode::SUCCESS
        }
        Err(e @ sign::SignError::CertificateNotValid(_)) => {
            print_error(&e);
            ExitCode::from(2)
        }
        Err(e) => fail(&e),
    }
}

pub fn run_verify(a: &VerifyArgs) -> ExitCode {
    let mut trust = Vec::new();
    for p in &a.trust {
        match keys::load_certificates(p) {
            Ok(mut c) => trust.append(&mut c),
            Err(e) => {
                print_error(&e);
                return ExitCode::from(2);
            }
        }
    }
    let bytes =
        match cip::model::files::read_bounded(&a.input, cip::intake::MAX_PLAN_PDF_BYTES, "a PDF") {
            Ok(b) => b,
            Err(e) => {
                tell!("error: cannot read {}: {e}", a.input.display());
                return ExitCode::from(2);
            }
        };
    let opts = VerifyOptions {
        trust,
        docs_dir: a.docs.clone(),
    };
    let lt = verify::LongTermOptions { at: a.at };
    let report = match verify::verify_pdf_at(&bytes, &opts, &lt) {
        Ok(r) => r,
        Err(e) => {
            print_error(&format!("{}: {e}", a.input.display()));
            return ExitCode::from(2);
        }
    };
    match a.format {
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(s) => emit(&format!("{s}\n")),
            Err(e) => {
                print_error(&e);
                return ExitCode::from(2);
            }
        },
        Format::Human => print_human(&a.input.display().to_string(), &report),
    }
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// "2026-12-02T07:40:00+00:00 by CN=... (token valid, TSA trusted, TSA
/// certificate valid until ...)".
fn timestamp_line(t: &verify::TimestampReport) -> String {
    let mut parts = vec![
        if t.valid {
            "token valid"
        } else {
            "token INVALID"
        }
        .to_string(),
    ];
    if t.valid {
        parts.push(if t.trusted {
            "TSA trusted".to_string()
        } else {
            format!("TSA {}", t.trust)
        });
    }
    if let Some(na) = &t.tsa_cert_not_after {
        parts.push(format!("TSA certificate valid until {na}"));
    }
    if let Some(w) = &t.weak_algorithm {
        parts.push(format!("weak algorithm {w}"));
    }
    format!(
        "{} by {} ({})",
        safe(t.time.as_deref().unwrap_or("?")),
        safe(t.tsa.as_deref().unwrap_or("?")),
        safe(parts.join(", "))
    )
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    print_error(e);
    ExitCode::from(1)
}

/// Writes to stdout, ignoring a closed pipe (`cip verify x.pdf | head`)
/// instead of panicking like `println!`.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn print_human(file: &str, r: &VerifyReport) {
    emit(&human(file, r));
}

fn human(file: &str, r: &VerifyReport) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {}",
        safe(file),
        if r.ok() { "OK" } else { "NOT OK" }
    );
    if r.signatures.is_empty() {
        let _ = writeln!(o, "  no signatures");
    }
    for (i, s) in r.signatures.iter().enumerate() {
        let who = s
            .signer
            .as_ref()
            .map(|c| match (&c.name, &c.title) {
                (Some(n), Some(t)) => format!("{n}, {t}"),
                (Some(n), None) => n.clone(),
                _ => c.subject.clone(),
            })
            .unwrap_or_else(|| "unknown signer".into());
        let verdict = if s.valid {
            s.trust.to_string()
        } else {
            "INVALID".into()
        };
        let _ = writeln!(
            o,
            "  signature {} (field {}): {verdict}",
            i + 1,
            safe(&s.field)
        );
        let _ = writeln!(o, "    signer: {}", safe(who));
        if let Some(c) = &s.signer {
            let _ = writeln!(o, "    certificate SHA-256: {}", c.cert_sha256);
        }
        if let Some(t) = &s.signing_time {
            let _ = writeln!(o, "    signed at: {}", safe(t));
        }
        if let Some(alg) = &s.algorithm {
            let _ = writeln!(o, "    algorithm: {}", safe(alg));
        }
        if s.valid {
            let coverage = if s.covers_whole_file {
                "the whole file".to_string()
            } else {
                format!(
                    "revision ending at byte {}",
                    s.signed_revision_end.unwrap_or(0)
                )
            };
            let _ = writeln!(o, "    covers: {coverage}");
            if s.later_changes.kind != verify::ChangeKind::None {
                let _ = writeln!(o, "    later changes: {}", safe(s.later_changes.summary()));
                for d in &s.later_changes.details {
                    let _ = writeln!(o, "      - {}", safe(d));
                }
            }
        }
        if let Some(t) = &s.timestamp {
            let _ = writeln!(o, "    timestamped at: {}", timestamp_line(t));
        }
        if let (Some(at), Some(basis)) = (&s.validity_judged_at, &s.validity_basis) {
            let _ = writeln!(
                o,
                "    certificate valid at: {} ({})",
                safe(at),
                safe(basis)
            );
        }
        if s.vri {
            let _ = writeln!(o, "    validation data: in the DSS (VRI entry)");
        }
        if let Some(rv) = &s.revocation {
            let _ = writeln!(o, "    revocation: {}", safe(rv.summary()));
        }
        for p in &s.problems {
            let _ = writeln!(o, "    problem: {}", safe(p));
        }
    }
    for (i, d) in r.document_timestamps.iter().enumerate() {
        let coverage = if d.covers_whole_file {
            "the whole file".to_string()
        } else {
            format!(
                "revision ending at byte {}",
                d.signed_revision_end.unwrap_or(0)
            )
        };
        let _ = writeln!(
            o,
            "  document timestamp {} (field {}): {}",
            i + 1,
            safe(&d.field),
            if d.ok { "valid" } else { "NOT OK" }
        );
        let _ = writeln!(o, "    timestamped at: {}", timestamp_line(&d.timestamp));
        let _ = writeln!(o, "    covers: {coverage}");
        if !matches!(
            d.later_changes.kind,
            verify::ChangeKind::None | verify::ChangeKind::SignaturesOnly
        ) {
            let _ = writeln!(o, "    later changes: {}", safe(d.later_changes.summary()));
            for c in &d.later_changes.details {
                let _ = writeln!(o, "      - {}", safe(c));
            }
        }
        for p in d.problems.iter().chain(&d.timestamp.problems) {
            let _ = writeln!(o, "    problem: {}", safe(p));
        }
    }
    if let Some(dss) = &r.dss {
        let _ = writeln!(
            o,
            "  validation data (DSS): {} certificates, {} CRLs, {} OCSP responses, {} VRI entries",
            dss.certs, dss.crls, dss.ocsps, dss.vri
        );
    }
    let m = &r.manifest;
    match m.status {
        ManifestStatus::NoManifest => {
            let _ = writeln!(o, "  manifest: no manifest");
        }
        ManifestStatus::Matches => {
            let docs = m.documents.len();
            let in_dir = m
                .documents
                .iter()
                .filter(|d| d.docs_dir == Some(FileCheck::Match))
                .count();
            let _ = writeln!(
                o,
                "  manifest: matches (plan.toml and {docs} documents; {in_dir} checked in --docs)"
            );
        }
        ManifestStatus::Mismatch | ManifestStatus::Invalid => {
            let _ = writeln!(o, "  manifest: MISMATCH");
            for p in &m.problems {
                let _ = writeln!(o, "    problem: {}", safe(p));
            }
        }
    }
    for p in &r.problems {
        let _ = writeln!(o, "  problem: {p}");
    }
    o
}
