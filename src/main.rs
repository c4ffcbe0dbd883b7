//! The `cip` command line: argument parsing and printing only; every
//! command calls into the library (`cip::*`) and renders its result.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // `cip status --all ... | head` must end quietly, as Unix tools do, not
    // panic in println! when the reader goes away: restore the default
    // SIGPIPE action that Rust's runtime ignores.
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args = cli::Cli::parse();
    cli::run(args)
}
