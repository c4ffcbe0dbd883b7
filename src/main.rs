use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

#[derive(Parser)]
#[command(
    name = "cip",
    version,
    about = "Compliance Improvement Plans for U.S. Customs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a private key and a self-signed certificate for the approving official.
    Keygen(cli::sign::KeygenArgs),
    /// Sign a PDF (embedded PAdES signature, incremental update).
    Sign(cli::sign::SignArgs),
    /// Verify every signature of a PDF and its manifest.
    Verify(cli::sign::VerifyArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Keygen(a) => cli::sign::run_keygen(&a),
        Command::Sign(a) => cli::sign::run_sign(&a),
        Command::Verify(a) => cli::sign::run_verify(&a),
    }
}
