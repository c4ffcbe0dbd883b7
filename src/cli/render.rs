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
    /// Do not attach the supporting documents (the manifest and plan source stay).
    #[arg(long)]
    no_attach: bool,
}

pub fn run(a: Args) -> ExitCode {
    let output = a
        .output
        .clone()
        .unwrap_or_else(|| a.plan.with_extension("pdf"));
    let opts = RenderOptions {
        paper: match a.paper {
            PaperArg::Letter => Paper::Letter,
            PaperArg::A4 => Paper::A4,
        },
        draft: a.draft,
        no_attach: a.no_attach,
        date: render::source_date_epoch(),
        extra: Vec::new(),
    };
    if render::same_file(&output, &a.plan) {
        eprintln!(
            "error: the output {} is the plan itself; choose another output path",
            output.display()
        );
        return exit::failed();
    }
    let rendered = match render::render_file(&a.plan, &opts) {
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
        Err(e) => {
            eprintln!("error: {e}");
            return exit::failed();
        }
    };
    if rendered.report.warnings() > 0 || rendered.report.has_errors() {
        check::print_human(&rendered.report);
    }
    for input in render::inputs(&a.plan, None) {
        if render::same_file(&output, &input) {
            eprintln!("error: the output {} is an input file", output.display());
            return exit::failed();
        }
    }
    if let Some(doc) = rendered
        .manifest
        .documents
        .iter()
        .filter_map(|d| d.path.as_ref())
        .map(|p| a.plan.parent().unwrap_or(std::path::Path::new("")).join(p))
        .find(|p| render::same_file(&output, p))
    {
        eprintln!(
            "error: the output {} is a supporting document ({}); choose another output path",
            output.display(),
            doc.display()
        );
        return exit::failed();
    }
    if let Err(e) = cip::atomic::write(&output, &rendered.pdf) {
        eprintln!("error: cannot write {}: {e}", output.display());
        return exit::failed();
    }
    println!(
        "wrote {} ({} bytes{})",
        output.display(),
        rendered.pdf.len(),
        if a.draft { ", DRAFT" } else { "" }
    );
    exit::ok()
}
