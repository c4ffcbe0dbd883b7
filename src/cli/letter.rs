//! `cip letter KIND --plan PLAN --from AM.toml -o OUT.pdf`, `--batch`,
//! `--list`, `--export-templates`: arguments and printing only.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, NaiveDate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use cip::documents::Paper;
use cip::intake::AnyError;
use cip::keys;
use cip::letter::transmittal::{CompanyKind, CompanyProfile, TransmittalOptions};
use cip::letter::{
    AmProfile, Issuer, Kind, LetterData, LetterError, LetterOptions, PlanInput, Templates, batch,
    templates, transmittal,
};
use cip::lifecycle::Threshold;
use cip::model::files;
use cip::sign::SignOptions;
use cip::verify::VerifyReport;

use super::exit;
use super::render::PaperArg;

#[derive(clap::Args)]
#[command(
    after_help = "Kinds (bundled templates): acceptance, additional-information, extension, follow-up, risk-category.\n\
The company's letter: `cip letter transmittal --plan PLAN --from COMPANY.toml [--to AM.toml] [--key K --cert C]`\n\
(the plan sent to the account manager, signed by the approving official; see samples/company.toml);\n\
`cip letter validation-results --plan PLAN --from COMPANY.toml`: the report of [deficiency.validation.results] to Customs.\n\
See templates/README.md for the variables a template receives."
)]
pub struct Args {
    /// The kind of letter (`--list` shows them).
    #[arg(required_unless_present_any = ["list", "export_templates"])]
    kind: Option<String>,
    /// The plan: a plan TOML, or a signed plan PDF made by cip (verified first).
    #[arg(long, value_name = "PLAN", required_unless_present_any = ["list", "export_templates", "batch"], conflicts_with = "batch")]
    plan: Option<PathBuf>,
    /// Issue one letter per plan (TOML or signed PDF), in parallel, into --out-dir.
    #[arg(long, value_name = "PLANS", num_args = 1.., requires = "out_dir")]
    batch: Vec<PathBuf>,
    /// Folder for the letters of --batch (created if needed).
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// The account manager's profile (see samples/am.toml).
    #[arg(long = "from", value_name = "AM.toml", required_unless_present_any = ["list", "export_templates"])]
    from: Option<PathBuf>,
    /// Letter data: the AM's requests, extension decision, follow-up date, risk category.
    #[arg(long, value_name = "LETTER.toml")]
    data: Option<PathBuf>,
    /// The letter date (YYYY-MM-DD), also the PDF's date; default: today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<NaiveDate>,
    /// Trusted certificate for the plan PDF's signature (PEM); repeatable.
    #[arg(long, value_name = "CERT.pem")]
    trust: Vec<PathBuf>,
    /// Sign the letter with this key (visible signature in the AM's box): a
    /// key file, PKCS#12 file or pkcs11: URI, as `cip sign --key`.
    #[arg(long, value_name = "KEY")]
    key: Option<PathBuf>,
    /// The signer's certificate (PEM), with --key (optional with a PKCS#12
    /// file or a token that holds it).
    #[arg(long, value_name = "CERT.pem", requires = "key")]
    cert: Option<PathBuf>,
    #[command(flatten)]
    unlock: super::sign::UnlockArgs,
    /// Signing time (RFC 3339), for reproducible signed letters; default: now.
    #[arg(long, value_name = "RFC3339", requires = "key")]
    time: Option<DateTime<FixedOffset>>,
    /// Add a signature timestamp from this RFC 3161 authority (PAdES B-T).
    #[arg(long, value_name = "URL", requires = "key")]
    tsa: Option<String>,
    /// The TSA's certificate (or its issuer), to pin.
    #[arg(long, value_name = "CERT.pem", requires = "tsa")]
    tsa_cert: Option<PathBuf>,
    /// Use the templates of this folder instead of the bundled ones.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// List the letter kinds (of --templates DIR, or the bundled ones).
    #[arg(long)]
    list: bool,
    /// Write the bundled templates into DIR as a starting point.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["list", "plan", "batch"])]
    export_templates: Option<PathBuf>,
    /// Write the Markdown the template produced instead of the PDF.
    #[arg(long)]
    markdown: bool,
    /// Customs' recorded decisions on the plan (created if missing); the
    /// letter's decision is appended to it. Default: PLAN.case.toml next to
    /// the plan when it exists (read, and appended to only with --record).
    #[arg(long, value_name = "CASE.toml", conflicts_with = "batch")]
    case: Option<PathBuf>,
    /// Append the letter's decision to the plan's default case file
    /// (PLAN.case.toml, created if missing); with --batch, for every plan.
    #[arg(long)]
    record: bool,
    /// Issue the letter although the consistency check refuses it (or the
    /// plan has check errors); needs --reason, recorded in the letter.
    #[arg(long, requires = "reason")]
    force: bool,
    /// Why the refusal is overridden (with --force).
    #[arg(long, value_name = "TEXT", requires = "force")]
    reason: Option<String>,
    /// Significant progress needs at least this percentage of all steps done.
    #[arg(long, value_name = "PERCENT", default_value_t = Threshold::default().min_done_percent,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    min_done_percent: u32,
    /// Significant progress allows no step overdue by more than this many days.
    #[arg(long, value_name = "DAYS", default_value_t = Threshold::default().max_overdue_days,
          value_parser = clap::value_parser!(i64).range(0..))]
    max_overdue_days: i64,
    #[arg(long, value_enum, default_value_t)]
    paper: PaperArg,
    /// How dates are written: long ("November 20, 2026", the U.S. letter
    /// form) or iso ("2026-11-20").
    #[arg(long, value_enum, default_value_t)]
    date_style: super::render::DateStyleArg,
    /// Transmittal letter: the account manager's profile (address block and
    /// greeting); default: the plan's `submitted_to`.
    #[arg(long, value_name = "AM.toml")]
    to: Option<PathBuf>,
    /// Output PDF (default: COMPANY-KIND.pdf in the current folder).
    #[arg(short, long, value_name = "OUT.pdf", conflicts_with = "batch")]
    output: Option<PathBuf>,
}

pub fn run(a: Args) -> ExitCode {
    if let Some(dir) = &a.export_templates {
        return export(dir);
    }
    let templates = match &a.templates {
        Some(dir) => Templates::from_dir(dir),
        None => Templates::bundled(),
    };
    let templates = match templates {
        Ok(t) => t,
        Err(e) => {
            super::term::print_error(&e);
            return exit::failed();
        }
    };
    if a.list {
        return list(&templates);
    }
    match setup(&a, &templates) {
        Ok(code) => code,
        Err(code) => code,
    }
}

fn export(dir: &Path) -> ExitCode {
    match templates::export_bundled(dir) {
        Ok(written) => {
            for p in &written {
                say!("wrote {}", p.display());
            }
            say!(
                "edit them and use them with `cip letter KIND --templates {}`; templates/README.md lists every variable",
                dir.display()
            );
            exit::ok()
        }
        Err(e) => {
            super::term::print_error(&e);
            exit::failed()
        }
    }
}

fn list(templates: &Templates) -> ExitCode {
    say!("letter kinds ({}):", templates.origin());
    for k in templates.kinds() {
        let kind = Kind::parse(&k);
        say!("  {k:<24} {}", kind.description());
    }
    exit::ok()
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    super::term::print_error(e);
    exit::failed()
}

fn setup(a: &Args, templates: &Templates) -> Result<ExitCode, ExitCode> {
    match a.kind.as_deref() {
        Some("transmittal") => return transmittal(a, CompanyKind::Transmittal),
        Some("validation-results") => return transmittal(a, CompanyKind::Results),
        _ => {}
    }
    let kind = Kind::parse(a.kind.as_deref().unwrap_or_default());
    if !templates.kinds().iter().any(|k| k == kind.as_str()) {
        return Err(fail(&format!(
            "no letter kind `{kind}` in the {} (kinds: {}; `cip letter --list`)",
            templates.origin(),
            templates.kinds().join(", ")
        )));
    }
    let from = a.from.as_deref().unwrap_or(Path::new("am.toml"));
    let am = AmProfile::load(from).map_err(|e| fail(&e))?;
    let data = match &a.data {
        Some(p) => LetterData::load(p).map_err(|e| fail(&e))?,
        None => LetterData::default(),
    };
    let mut trust = Vec::new();
    for p in &a.trust {
        trust.append(&mut keys::load_certificates(p).map_err(|e| fail(&e))?);
    }
    let tsa =
        super::ltv::make_tsa(a.tsa.as_deref(), a.tsa_cert.as_deref()).map_err(|e| fail(&e))?;
    let signer = match &a.key {
        Some(k) => {
            Some(super::sign::open_signer(k, a.cert.as_deref(), &a.unlock).map_err(|e| fail(&e))?)
        }
        None => None,
    };
    let issuer = Issuer {
        kind,
        am: &am,
        data: &data,
        templates,
        options: LetterOptions {
            date: a.date,
            paper: match a.paper {
                PaperArg::Letter => Paper::Letter,
                PaperArg::A4 => Paper::A4,
            },
            force: a.force,
            reason: a.reason.clone(),
            threshold: Threshold {
                min_done_percent: a.min_done_percent,
                max_overdue_days: a.max_overdue_days,
            },
            record: a.record,
            date_style: a.date_style.into(),
        },
        signer: signer.as_ref().map(|s| {
            (
                s,
                SignOptions {
                    time: a.time,
                    tsa: tsa.clone(),
                    ..SignOptions::default()
                },
            )
        }),
    };
    if !a.batch.is_empty() {
        let out_dir = a.out_dir.as_deref().unwrap_or(Path::new("."));
        return Ok(run_batch(&issuer, &a.batch, &trust, out_dir));
    }
    let plan_path = a.plan.as_deref().unwrap_or(Path::new(""));
    Ok(run_one(a, &issuer, plan_path, &trust))
}

fn run_one(
    a: &Args,
    issuer: &Issuer<'_>,
    plan_path: &Path,
    trust: &[x509_cert::Certificate],
) -> ExitCode {
    let input = match PlanInput::load_with_case(plan_path, trust, a.case.as_deref()) {
        Ok(i) => i,
        Err(e) => return letter_error(&e),
    };
    for w in input.warnings() {
        tell!("warning: {w}");
    }
    let letter = match issuer.issue(&input) {
        Ok(l) => l,
        Err(e) => return letter_error(&e),
    };
    for w in &letter.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(o) = &letter.meta.override_ {
        eprintln!(
            "warning: consistency check overridden ({}): {}",
            o.reason,
            o.refused.join("; ")
        );
    }
    if a.markdown {
        match &a.output {
            Some(out) => {
                if let Some(refusal) = replaced_input(a, out, plan_path) {
                    return fail(&refusal);
                }
                if let Err(e) = cip::atomic::write(out, letter.markdown.as_bytes()) {
                    return fail(&format!("cannot write {}: {e}", out.display()));
                }
                say!("wrote {} (Markdown)", out.display());
            }
            None => print!("{}", super::term::safe_lines(&letter.markdown)),
        }
        return exit::ok();
    }
    let output = a.output.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}-{}.pdf",
            batch::slug(&letter.meta.company),
            letter.meta.kind
        ))
    });
    if let Some(refusal) = replaced_input(a, &output, plan_path) {
        return fail(&refusal);
    }
    if let Err(e) = cip::atomic::write(&output, &letter.pdf) {
        return fail(&format!("cannot write {}: {e}", output.display()));
    }
    say!(
        "wrote {} ({}, to {}, {} bytes{})",
        output.display(),
        letter.meta.title,
        letter.meta.company,
        letter.pdf.len(),
        if issuer.signer.is_some() {
            ", signed"
        } else {
            ""
        }
    );
    let letter_name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let record_to = match (&a.case, a.record) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => Some(
            input
                .case_path
                .clone()
                .unwrap_or_else(|| cip::model::case::default_path(plan_path)),
        ),
        (None, false) => None,
    };
    match record_to {
        Some(path) => match issuer.record(&input, &letter, &path, &letter_name) {
            Ok(true) => println!("recorded the decision in {}", path.display()),
            Ok(false) => {}
            Err(e) => return fail(&e),
        },
        None if letter.record.is_some() => eprintln!(
            "note: the decision is in the letter's letter.json but not in a case file; pass --case FILE (or --record) so that the next letter and `cip status` know it"
        ),
        None => {}
    }
    exit::ok()
}

/// Why writing `output` is refused: it is one of the command's inputs (the
/// plan, the --from profile, the --data file, a key, a certificate) or lies
/// in the --templates folder. The write would replace it.
fn replaced_input(a: &Args, output: &Path, plan_path: &Path) -> Option<String> {
    let mut inputs: Vec<(&str, &Path)> = vec![("the plan", plan_path)];
    let named = [
        ("the --from profile", &a.from),
        ("the --data file", &a.data),
        ("the --key", &a.key),
        ("the --cert", &a.cert),
    ];
    inputs.extend(named.iter().filter_map(|(w, p)| Some((*w, p.as_deref()?))));
    inputs.extend(
        a.trust
            .iter()
            .map(|p| ("a --trust certificate", p.as_path())),
    );
    let shown = output.display();
    if let Some((what, _)) = inputs.iter().find(|(_, p)| files::same_file(output, p)) {
        return Some(format!(
            "the output {shown} is {what}; writing it would replace it: choose another output path"
        ));
    }
    let templates = a.templates.as_deref()?;
    files::is_within(output, templates).then(|| {
        format!(
            "the output {shown} is in the --templates folder {}; choose an output path outside it",
            templates.display()
        )
    })
}

fn plan_error(e: &AnyError) -> ExitCode {
    match e {
        AnyError::Refused {
            path,
            problems,
            report,
        } => {
            tell!("error: {path}: the signed plan does not verify; no letter was written");
            for p in problems {
                tell!("  - {p}");
            }
            print_report(report);
            exit::failed()
        }
        AnyError::Load(l) if !l.is_unreadable() => fail(&format!(
            "{e} (run `cip check` on the plan for every problem)"
        )),
        _ => {
            super::term::print_error(&e);
            exit::unreadable()
        }
    }
}

/// `cip letter transmittal` / `validation-results`: the company's letters
/// (its plan sent to the account manager; its validation results).
fn transmittal(a: &Args, kind: CompanyKind) -> Result<ExitCode, ExitCode> {
    if !a.batch.is_empty() {
        return Err(fail(&format!(
            "a {} letter is made for one plan: use --plan, not --batch",
            kind.as_str()
        )));
    }
    let from = a.from.as_deref().unwrap_or(Path::new("company.toml"));
    let company = CompanyProfile::load(from).map_err(|e| fail(&e))?;
    let to = match &a.to {
        Some(p) => Some(AmProfile::load(p).map_err(|e| fail(&e))?),
        None => None,
    };
    let mut trust = Vec::new();
    for p in &a.trust {
        trust.append(&mut keys::load_certificates(p).map_err(|e| fail(&e))?);
    }
    let tsa =
        super::ltv::make_tsa(a.tsa.as_deref(), a.tsa_cert.as_deref()).map_err(|e| fail(&e))?;
    let signer = match &a.key {
        Some(k) => {
            Some(super::sign::open_signer(k, a.cert.as_deref(), &a.unlock).map_err(|e| fail(&e))?)
        }
        None => None,
    };
    let plan_path = a.plan.as_deref().unwrap_or(Path::new(""));
    let input = PlanInput::load_with_case(plan_path, &trust, a.case.as_deref())
        .map_err(|e| letter_error(&e))?;
    for w in input.warnings() {
        eprintln!("warning: {w}");
    }
    let opts = TransmittalOptions {
        date: a.date.unwrap_or_else(|| chrono::Local::now().date_naive()),
        paper: match a.paper {
            PaperArg::Letter => Paper::Letter,
            PaperArg::A4 => Paper::A4,
        },
        to: to.as_ref(),
        date_style: a.date_style.into(),
        kind,
        force: a.force,
        reason: a.reason.as_deref(),
        signer: signer.as_ref().map(|s| {
            (
                s,
                SignOptions {
                    time: a.time,
                    tsa: tsa.clone(),
                    ..SignOptions::default()
                },
            )
        }),
    };
    let letter = transmittal::issue(&input, &company, &opts).map_err(|e| letter_error(&e))?;
    if let Some(o) = &letter.meta.override_ {
        eprintln!(
            "warning: consistency check overridden ({}): {}",
            o.reason,
            o.refused.join("; ")
        );
    }
    if a.markdown {
        match &a.output {
            Some(out) => {
                cip::atomic::write(out, letter.markdown.as_bytes())
                    .map_err(|e| fail(&format!("cannot write {}: {e}", out.display())))?;
                println!("wrote {} (Markdown)", out.display());
            }
            None => print!("{}", letter.markdown),
        }
        return Ok(exit::ok());
    }
    let output = a.output.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}-transmittal.pdf",
            batch::slug(&letter.meta.company)
        ))
    });
    if files::same_file(&output, plan_path) {
        return Err(fail(&format!(
            "the output {} is the plan itself; choose another output path",
            output.display()
        )));
    }
    cip::atomic::write(&output, &letter.pdf)
        .map_err(|e| fail(&format!("cannot write {}: {e}", output.display())))?;
    say!(
        "wrote {} ({}, from {} to {}, {}{} bytes{})",
        output.display(),
        kind.title(),
        letter.meta.company,
        letter.meta.addressee,
        match kind {
            CompanyKind::Transmittal =>
                format!("{} file(s) enclosed, ", letter.meta.enclosed.len()),
            CompanyKind::Results => format!("{} deficiency result(s), ", letter.meta.results.len()),
        },
        letter.pdf.len(),
        if opts.signer.is_some() {
            ", signed"
        } else {
            ""
        }
    );
    Ok(exit::ok())
}

fn letter_error(e: &LetterError) -> ExitCode {
    match e {
        LetterError::Plan(p) => plan_error(p),
        _ => fail(e),
    }
}

/// The verification report of a refused plan PDF, in short.
fn print_report(r: &VerifyReport) {
    tell!("  verification report:");
    if r.signatures.is_empty() {
        tell!("    no signatures");
    }
    for (i, s) in r.signatures.iter().enumerate() {
        let who = s
            .signer
            .as_ref()
            .and_then(|c| c.name.clone())
            .unwrap_or_else(|| "unknown signer".into());
        let verdict = if s.valid {
            s.trust.to_string()
        } else {
            "INVALID".into()
        };
        tell!(
            "    signature {} (field {}, {who}): {verdict}; later changes: {}",
            i + 1,
            s.field,
            s.later_changes.summary()
        );
        for p in &s.problems {
            tell!("      problem: {p}");
        }
        for d in &s.later_changes.details {
            tell!("      change: {d}");
        }
    }
    tell!("    manifest: {:?}", r.manifest.status);
    for p in &r.manifest.problems {
        tell!("      problem: {p}");
    }
}

fn run_batch(
    issuer: &Issuer<'_>,
    plans: &[PathBuf],
    trust: &[x509_cert::Certificate],
    out_dir: &Path,
) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(out_dir) {
        return fail(&format!("cannot create {}: {e}", out_dir.display()));
    }
    let bar = ProgressBar::new(plans.len() as u64);
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40} {pos}/{len} letters ({per_sec}, {eta} left) {msg}",
        ) {
            bar.set_style(style);
        }
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let started = Instant::now();
    let summary = batch::issue_all(issuer, plans, trust, out_dir, &|_, _| bar.inc(1));
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    for item in &summary.items {
        for w in &item.warnings {
            tell!("warning: {w}");
        }
        if let Err(e) = &item.result {
            super::term::print_error(&format!("{}: {e}", item.input.display()));
            if let LetterError::Plan(AnyError::Refused { problems, .. }) = e {
                for p in problems {
                    tell!("  - {p}");
                }
            }
        }
    }
    if let Some(e) = &summary.sync_error {
        return fail(&format!(
            "the letters could not be flushed to disk in {}: {e}",
            out_dir.display()
        ));
    }
    let written = summary.written();
    let failed = summary.failed();
    say!(
        "{written} {} letter{} written to {}, {failed} failed, in {elapsed:.2} s ({:.0} letters/s)",
        issuer.kind,
        if written == 1 { "" } else { "s" },
        out_dir.display(),
        written as f64 / elapsed.max(1e-9)
    );
    if failed > 0 {
        exit::failed()
    } else {
        exit::ok()
    }
}
