//! `cip render PLAN.toml -o PLAN.pdf [--draft] [--paper letter|a4] [--no-attach]`.

use std::path::PathBuf;
use std::process::ExitCode;

use cip::documents::Paper;
use cip::render::{self, RenderError, RenderOptions};

use super::{check, exit};

#[derive(Clone, Copy, clap::ValueEnum, Default)]
pub enum PaperArg {
    #[default]
    Letter,
    A4,
}

/// `--date-style`, for plans and letters alike.
#[derive(Clone, Copy, Default, clap::ValueEnum)]
pub enum DateStyleArg {
    #[default]
    Long,
    Iso,
}

impl From<DateStyleArg> for cip::model::DateStyle {
    fn from(a: DateStyleArg) -> Self {
        match a {
            DateStyleArg::Long => cip::model::DateStyle::Long,
            DateStyleArg::Iso => cip::model::DateStyle::Iso,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// The plan (TOML).
    plan: PathBuf,
    /// Output PDF (default: the plan's name with .pdf).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Render a plan with check errors anyway, marked DRAFT on every page.
    #[arg(long)]
    draft: bool,
    #[arg(long, value_enum, default_value_t)]
    paper: PaperArg,
    /// How dates are written: long ("November 20, 2026", the U.S. form, as
    /// in letters) or iso ("2026-11-20").
    #[arg(long, value_enum, default_value_t)]
    date_style: DateStyleArg,
    /// Do not attach the supporting documents (the manifest and plan source stay).
    #[arg(long)]
    no_attach: bool,
    /// Sign the rendered plan for the approving official (needs --key; see `cip sign --help`).
    #[arg(long, requires = "key")]
    sign: bool,
    /// The signing key: key file, PKCS#12 file or pkcs11: URI (as `cip sign`).
    #[arg(long, value_name = "KEY", requires = "sign")]
    key: Option<PathBuf>,
    /// Signer's certificate, optionally followed by its issuers (optional
    /// with a PKCS#12 file or a token that holds it).
    #[arg(long, value_name = "CERT.pem", requires = "sign")]
    cert: Option<PathBuf>,
    #[command(flatten)]
    unlock: super::sign::UnlockArgs,
    #[arg(long, requires = "sign")]
    reason: Option<String>,
    #[arg(long, requires = "sign")]
    location: Option<String>,
    /// Signing time (RFC 3339); makes the output reproducible.
    #[arg(long, value_name = "RFC3339", requires = "sign")]
    time: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// An invisible signature instead of one in the signature box.
    #[arg(long, requires = "sign")]
    invisible: bool,
    /// Add a signature timestamp from this RFC 3161 authority (PAdES B-T).
    #[arg(long, value_name = "URL", requires = "sign")]
    tsa: Option<String>,
    /// The TSA's certificate (or its issuer), to pin.
    #[arg(long, value_name = "CERT.pem", requires = "tsa")]
    tsa_cert: Option<std::path::PathBuf>,
    /// Leave out the "Implementation timeline" page.
    #[arg(long)]
    no_timeline: bool,
    /// Draw a "today" line on the timeline and colour steps as of this day
    /// (YYYY-MM-DD). Default: no line, statuses as of the plan's preparation.
    #[arg(long, value_name = "DATE")]
    today: Option<chrono::NaiveDate>,
    /// The signed PDF this revision supersedes (verified first): checks or
    /// fills in `[plan] revision` and `supersedes`, and adds the "Changes
    /// since revision N" page.
    #[arg(long, value_name = "OLD.pdf")]
    previous: Option<PathBuf>,
    /// Trusted signer certificates for --previous (an untrusted signer is a warning).
    #[arg(long, value_name = "CERT.pem", requires = "previous")]
    trust: Vec<PathBuf>,
}

/// The signer and options of `--sign`, opened before rendering.
fn signing(a: &Args) -> Result<Option<(cip::keys::Signer, cip::sign::SignOptions)>, String> {
    let (true, Some(key)) = (a.sign, &a.key) else {
        return Ok(None);
    };
    let signer =
        super::sign::open_signer(key, a.cert.as_deref(), &a.unlock).map_err(|e| e.to_string())?;
    let opts = cip::sign::SignOptions {
        reason: a.reason.clone(),
        location: a.location.clone(),
        time: a.time,
        invisible: a.invisible,
        tsa: super::ltv::make_tsa(a.tsa.as_deref(), a.tsa_cert.as_deref())?,
    };
    Ok(Some((signer, opts)))
}

pub fn run(a: Args) -> ExitCode {
    let output = a
        .output
        .clone()
        .unwrap_or_else(|| render::default_output(&a.plan));
    let paper = match a.paper {
        PaperArg::Letter => Paper::Letter,
        PaperArg::A4 => Paper::A4,
    };
    let previous = match a
        .previous
        .as_deref()
        .map(|p| revision_link(&a.plan, p, &a.trust))
    {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(code)) => return code,
    };
    let opts = RenderOptions {
        previous,
        paper,
        draft: a.draft,
        no_attach: a.no_attach,
        date: render::source_date_epoch(),
        timeline: !a.no_timeline,
        today: a.today,
        date_style: a.date_style.into(),
        reserved: Default::default(),
    };
    let signing = match signing(&a) {
        Ok(s) => s,
        Err(e) => {
            tell!("error: cannot sign: {e}");
            return exit::failed();
        }
    };
    let signer = signing.as_ref().map(|(s, o)| (s, o));
    let rendered = match render::render_to(&a.plan, &output, &opts, signer) {
        Ok(r) => r,
        Err(RenderError::Refused(report)) => {
            check::print_human(&report);
            eprintln!("error: not rendered: fix the errors above, or use --draft");
            return exit::failed();
        }
        Err(RenderError::Load(e)) if e.is_unreadable() => {
            eprintln!("{}", check::render_load_error(&e));
            return exit::unreadable();
        }
        Err(RenderError::Publish { report, source }) => {
            if let Some(r) = report.filter(|r| r.warnings() > 0 || r.has_errors()) {
                check::print_human(&r);
            }
            tell!("error: {source}");
            return exit::failed();
        }
        Err(e) => {
            super::term::print_error(&e);
            return exit::failed();
        }
    };
    if rendered.report.warnings() > 0 || rendered.report.has_errors() {
        check::print_human(&rendered.report);
    }
    say!(
        "wrote {} ({} bytes{}{})",
        output.display(),
        rendered.pdf.len(),
        if a.draft { ", DRAFT" } else { "" },
        if a.sign { ", signed" } else { "" }
    );
    exit::ok()
}

/// `--previous`: check the revision against OLD, write back what was filled in.
fn revision_link(
    plan: &std::path::Path,
    old: &std::path::Path,
    trust_files: &[PathBuf],
) -> Result<render::PreviousSubmission, ExitCode> {
    let mut trust = Vec::new();
    for path in trust_files {
        trust.extend(cip::keys::load_certificates(path).map_err(|e| {
            eprintln!("error: {}: {e}", path.display());
            exit::unreadable()
        })?);
    }
    let prev = cip::revision::previous(plan, old, &trust).map_err(|e| {
        eprintln!("error: {e}");
        exit::failed()
    })?;
    for w in &prev.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(text) = &prev.filled {
        cip::atomic::write(plan, text.as_bytes()).map_err(|e| {
            eprintln!("error: cannot write {}: {e}", plan.display());
            exit::failed()
        })?;
        println!(
            "filled in {}: revision = {}, supersedes = {{ file = \"{}\", sha256 = \"{}\" }}",
            plan.display(),
            prev.revision,
            prev.file,
            prev.sha256
        );
    }
    Ok(render::PreviousSubmission {
        version: prev.version,
        file: prev.file,
        sha256: prev.sha256,
    })
}
