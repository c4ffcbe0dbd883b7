//! `cip check PLAN.toml [--format human|json]`.

use std::path::PathBuf;
use std::process::ExitCode;

use cip::check::{self, Report, Severity};
use cip::model::LoadError;

use super::term::{safe, safe_lines};
use super::{Format, exit};

#[derive(clap::Args)]
pub struct Args {
    /// The plan (TOML).
    #[arg(required_unless_present_any = ["rules", "explain"])]
    plan: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// List every rule id with its severity and exit.
    #[arg(long, conflicts_with = "format")]
    rules: bool,
    /// Explain one rule: what it enforces, the framework's words it comes
    /// from, and a plan fragment that satisfies it.
    #[arg(long, value_name = "RULE", conflicts_with_all = ["format", "rules"])]
    explain: Option<String>,
}

pub fn run(a: Args) -> ExitCode {
    if let Some(id) = &a.explain {
        return explain(id);
    }
    if a.rules {
        for (id, sev, what) in check::RULES {
            println!("{id:36} {:7} {what}", severity_word(*sev));
        }
        return exit::ok();
    }
    let Some(plan) = a.plan else {
        return exit::unreadable();
    };
    match check::check_file(&plan) {
        Ok((_, report)) => {
            match a.format {
                Format::Json => print_json(&report),
                Format::Human => print_human(&report),
            }
            if report.has_errors() {
                exit::failed()
            } else {
                exit::ok()
            }
        }
        Err(e) => {
            match a.format {
                Format::Json => {
                    let v = serde_json::json!({
                        "file": plan.display().to_string(),
                        "error": load_error_json(&e),
                    });
                    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                }
                Format::Human => eprintln!("{}", render_load_error(&e)),
            }
            exit::unreadable()
        }
    }
}

fn explain(id: &str) -> ExitCode {
    let Some(e) = check::explain::explain(id) else {
        eprintln!("error: `{id}` is not a rule id; `cip check x --rules` lists them all");
        return exit::unreadable();
    };
    let s = e.section;
    println!("{} ({})", e.id, severity_word(e.severity));
    println!("  enforces: {}", e.enforces);
    println!("\nFrom: {}", s.title);
    println!("  \"{}\"", s.source);
    println!("\nA plan that satisfies it:");
    for line in s.example.lines() {
        println!("  {line}");
    }
    exit::ok()
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn print_json(report: &Report) {
    let v = serde_json::json!({
        "file": report.file,
        "errors": report.errors(),
        "warnings": report.warnings(),
        "findings": report.findings,
    });
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
}

pub fn print_human(report: &Report) {
    for f in &report.findings {
        let location = match (f.line, f.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", report.file),
            _ => report.file.clone(),
        };
        // Messages quote values of the plan.
        let diag =
            miette::MietteDiagnostic::new(safe(format!("{}: {}", f.path, f.message)).to_string())
                .with_code(f.rule)
                .with_severity(match f.severity {
                    Severity::Error => miette::Severity::Error,
                    Severity::Warning => miette::Severity::Warning,
                })
                .with_help(safe(format!("{} ({location})", f.hint)).to_string());
        let report_ = match &f.span {
            Some(s) if cip::model::may_quote(&report.file, &report.source) => {
                let diag = diag.with_label(miette::LabeledSpan::at(
                    s.clone(),
                    safe(&f.path).to_string(),
                ));
                miette::Report::new(diag).with_source_code(miette::NamedSource::new(
                    safe(&report.file).to_string(),
                    report.source.clone(),
                ))
            }
            _ => miette::Report::new(diag),
        };
        eprintln!("{report_:?}");
    }
    let summary = format!(
        "{}: {} error{}, {} warning{}",
        safe(&report.file),
        report.errors(),
        plural(report.errors()),
        report.warnings(),
        plural(report.warnings())
    );
    if report.findings.is_empty() {
        println!("{summary}: the plan meets every rule of the CIP framework");
    } else {
        println!("{summary}");
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn load_error_json(e: &LoadError) -> serde_json::Value {
    let (line, column) = match e {
        LoadError::Syntax { line, column, .. } => (Some(*line), Some(*column)),
        LoadError::NotUtf8 { line, column, .. } => (Some(*line), Some(*column)),
        _ => (None, None),
    };
    let rule = match e {
        LoadError::Syntax { .. } => "toml-syntax",
        LoadError::NotUtf8 { .. } => "not-utf8",
        LoadError::TooLarge { .. } => "too-large",
        LoadError::Io { .. } => "unreadable",
        LoadError::Schema(s) => s.first().map_or("wrong-type", |e| e.rule),
    };
    serde_json::json!({ "rule": rule, "line": line, "column": column, "message": e.to_string() })
}

/// A human diagnostic for a file that could not be read as TOML, with the
/// offending line underlined where there is one.
pub fn render_load_error(e: &LoadError) -> String {
    match e {
        LoadError::Syntax {
            name,
            text,
            message,
            span,
            line,
            column,
        } if cip::model::may_quote(name, text) => {
            let diag = miette::MietteDiagnostic::new(safe_lines(&format!("not valid TOML: {message}")))
                .with_code("toml-syntax")
                .with_help(safe(format!(
                    "fix the TOML syntax at {name}:{line}:{column}; dates are written 2026-12-15, text in \"quotes\""
                )).to_string());
            let diag = match span {
                Some(s) => diag.with_label(miette::LabeledSpan::at(s.clone(), "here")),
                None => diag,
            };
            let r = miette::Report::new(diag).with_source_code(miette::NamedSource::new(
                safe(name).to_string(),
                text.clone(),
            ));
            format!("{r:?}")
        }
        other => format!("error: {}", safe_lines(&other.to_string())),
    }
}
