//! `cip init [PATH]`: a fully commented starter plan.

use std::path::PathBuf;
use std::process::ExitCode;

use super::exit;

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the plan (default: cip-plan.toml). Never overwritten.
    #[arg(default_value = "cip-plan.toml")]
    path: PathBuf,
}

pub fn run(a: Args) -> ExitCode {
    match cip::init::write_starter(&a.path) {
        Ok(()) => {
            say!(
                "wrote {}: replace every <placeholder>, then run `cip check {}`",
                a.path.display(),
                a.path.display()
            );
            exit::ok()
        }
        Err(e) => {
            super::term::print_error(&e);
            exit::failed()
        }
    }
}
