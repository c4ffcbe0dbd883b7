//! `cip diff OLD NEW [--format json] [--color auto|always|never]`: what
//! changed between two submissions of a plan (TOML or signed PDF, PDFs
//! verified first). Exit 0 when equal, 1 when different, 2 on error.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use cip::diff::{self, Changes, Kind};
use owo_colors::OwoColorize;

use super::status::ColorChoice;
use super::{Format, exit};

#[derive(clap::Args)]
pub struct Args {
    /// The earlier submission (plan TOML or signed plan PDF).
    old: PathBuf,
    /// The later submission (plan TOML or signed plan PDF).
    new: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
    /// Trusted signer certificates (PEM) for signed PDFs; an untrusted
    /// signer is reported, not refused.
    #[arg(long, value_name = "CERT.pem")]
    trust: Vec<PathBuf>,
}

pub fn run(a: Args) -> ExitCode {
    let mut trust = Vec::new();
    for path in &a.trust {
        match cip::keys::load_certificates(path) {
            Ok(c) => trust.extend(c),
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return exit::unreadable();
            }
        }
    }
    let mut sides = Vec::new();
    for path in [&a.old, &a.new] {
        match cip::revision::load(path, &trust) {
            Ok(l) => {
                for w in &l.warnings {
                    eprintln!("warning: {w}");
                }
                sides.push(l.version);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return exit::unreadable();
            }
        }
    }
    let changes = diff::diff(&sides[0], &sides[1]);
    match a.format {
        Format::Json => match serde_json::to_string_pretty(&changes) {
            Ok(j) => println!("{j}"),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::unreadable();
            }
        },
        Format::Human => {
            let color = match a.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::io::stdout().is_terminal()
                }
            };
            print!("{}", human(&changes, &a, color));
        }
    }
    if changes.is_empty() {
        exit::ok()
    } else {
        exit::failed()
    }
}

fn human(c: &Changes, a: &Args, color: bool) -> String {
    let mut out = format!(
        "{} (revision {}) → {} (revision {}): ",
        a.old.display(),
        c.old_revision,
        a.new.display(),
        c.new_revision
    );
    if c.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    out.push_str(&format!("{} change(s)\n", c.changes.len()));
    for ch in &c.changes {
        let (mark, line) = match ch.kind {
            Kind::Added => ("+", ch.text.clone()),
            Kind::Removed => ("-", ch.text.clone()),
            Kind::Changed => ("~", ch.text.clone()),
        };
        let line = format!("{mark} {line}");
        let line = match (color, ch.kind) {
            (false, _) => line,
            (true, Kind::Added) => line.green().to_string(),
            (true, Kind::Removed) => line.red().to_string(),
            (true, Kind::Changed) => line.yellow().to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}
