//! The `cip` command line: argument parsing and printing only; every
//! command calls into the library (`cip::*`) and renders its result.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::run(args)
}
