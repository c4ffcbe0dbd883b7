//! clap definitions and dispatch. Output formats: human (diagnostics,
//! tables) or JSON (every field), chosen per command with `--format`.

mod archive;
mod check;
mod diff;
mod init;
mod letter;
mod render;
pub mod sign;
mod status;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "cip",
    version,
    about = "Compliance Improvement Plans for U.S. Customs: check, render, sign, verify, letters, archive"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a plan against every requirement of the CIP framework.
    Check(check::Args),
    /// What changed between two submissions of a plan (TOML or signed PDF); exit 1 if any.
    Diff(diff::Args),
    /// Write a fully commented starter plan.
    Init(init::Args),
    /// Render the plan as the suggested-format PDF, with its manifest and documents attached.
    Render(render::Args),
    /// Make a private key and a self-signed certificate for the approving official.
    Keygen(sign::KeygenArgs),
    /// Sign a PDF (embedded PAdES signature, incremental update).
    Sign(sign::SignArgs),
    /// Verify every signature of a PDF and its manifest.
    Verify(sign::VerifyArgs),
    /// Where a plan stands in the framework's timeframes (or a portfolio with --all).
    Status(status::Args),
    /// The archive of signed copies: init, add, list, show, get, verify, export, backup.
    Archive(archive::Args),
    /// Issue the account manager's letter on a plan (TOML or signed PDF), or a batch of them.
    Letter(Box<letter::Args>),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Init(a) => init::run(a),
        Command::Render(a) => render::run(a),
        Command::Keygen(a) => sign::run_keygen(&a),
        Command::Sign(a) => sign::run_sign(&a),
        Command::Verify(a) => sign::run_verify(&a),
        Command::Status(a) => status::run(a),
        Command::Archive(a) => archive::run(a),
        Command::Letter(a) => letter::run(*a),
    }
}

/// Exit codes shared by all commands.
pub mod exit {
    use std::process::ExitCode;
    pub fn ok() -> ExitCode {
        ExitCode::SUCCESS
    }
    /// The input was read but fails (check errors, invalid signature).
    pub fn failed() -> ExitCode {
        ExitCode::from(1)
    }
    /// The input could not be read at all.
    pub fn unreadable() -> ExitCode {
        ExitCode::from(2)
    }
}
