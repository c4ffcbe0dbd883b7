//! clap definitions and dispatch. Output formats: human (diagnostics,
//! tables) or JSON (every field), chosen per command with `--format`.

// First, so that its macros are in scope in the modules below.
#[macro_use]
mod term;
mod archive;
mod check;
mod diff;
mod init;
mod letter;
mod render;
mod serve;
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
    #[command(
        after_help = "Examples:\n  cip check samples/acme.toml\n  cip check plan.toml --format json\n  cip check --explain validation-tester-missing"
    )]
    Check(check::Args),
    /// What changed between two submissions of a plan (TOML or signed PDF); exit 1 if any.
    Diff(diff::Args),
    /// Write a fully commented starter plan.
    #[command(
        after_help = "Examples:\n  cip init plan.toml\n  cip check plan.toml   # lists every <...> left to fill in"
    )]
    Init(init::Args),
    /// Render the plan as the suggested-format PDF, with its manifest and documents attached.
    #[command(
        after_help = "Examples:\n  cip render samples/acme.toml -o acme.pdf\n  cip render plan.toml --sign --key cfo-key.pem --cert cfo-cert.pem -o plan-signed.pdf"
    )]
    Render(render::Args),
    /// Make a private key and a self-signed certificate for the approving official.
    #[command(
        after_help = "Example:\n  cip keygen --name \"Robert Chen\" --title \"Chief Financial Officer\" --org \"Acme Imports, Inc.\" --key cfo-key.pem --cert cfo-cert.pem"
    )]
    Keygen(sign::KeygenArgs),
    /// Sign a PDF (embedded PAdES signature, incremental update).
    #[command(
        after_help = "Example:\n  cip sign acme.pdf --key cfo-key.pem --cert cfo-cert.pem -o acme-signed.pdf"
    )]
    Sign(sign::SignArgs),
    /// Verify every signature of a PDF and its manifest.
    #[command(
        after_help = "Examples:\n  cip verify acme-signed.pdf --trust cfo-cert.pem\n  cip verify acme-signed.pdf --trust cfo-cert.pem --docs samples/ --format json"
    )]
    Verify(sign::VerifyArgs),
    /// Where a plan stands in the framework's timeframes (or a portfolio with --all).
    #[command(
        after_help = "Examples:\n  cip status samples/acme.toml --today 2027-04-10\n  cip status --all plans/"
    )]
    Status(status::Args),
    /// The archive of signed copies: init, add, list, show, get, verify, export, backup.
    #[command(
        after_help = "Examples:\n  cip archive init\n  cip archive add acme-signed.pdf --trust cfo-cert.pem\n  cip archive verify"
    )]
    Archive(archive::Args),
    /// Issue the account manager's letter on a plan (TOML or signed PDF), or a batch of them.
    #[command(
        after_help = "Examples:\n  cip letter acceptance --plan acme-signed.pdf --trust cfo-cert.pem --from samples/am.toml -o acceptance.pdf\n  cip letter --list"
    )]
    Letter(Box<letter::Args>),
    /// A local web app over a workspace: plan editor, case view, portfolio, archive.
    #[command(
        after_help = "Examples:\n  cip serve plans/            # prints http://127.0.0.1:8470/?token=...\n  cip serve . --port 0 --trust cfo-cert.pem --open\n  cip serve . --listen 0.0.0.0   # a shared office machine; the token is still required"
    )]
    Serve(serve::Args),
    /// Print shell completions for bash, zsh, fish, elvish or powershell.
    #[command(
        after_help = "Examples:\n  cip completions bash > ~/.local/share/bash-completion/completions/cip\n  cip completions zsh > ~/.zfunc/_cip"
    )]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), or write one page per command into --dir.
    #[command(
        after_help = "Examples:\n  cip man | man -l -\n  cip man --dir ~/.local/share/man/man1"
    )]
    Man {
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
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
        Command::Serve(a) => serve::run(a),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "cip", &mut std::io::stdout());
            exit::ok()
        }
        Command::Man { dir } => man(dir.as_deref()),
    }
}

/// `cip man`: the top-level page to stdout, or `cip.1` and `cip-COMMAND.1`
/// into `dir`.
fn man(dir: Option<&std::path::Path>) -> ExitCode {
    use std::io::Write as _;
    let cmd = <Cli as clap::CommandFactory>::command();
    let page = |c: clap::Command| -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        clap_mangen::Man::new(c).render(&mut out)?;
        Ok(out)
    };
    let Some(dir) = dir else {
        return match page(cmd).and_then(|p| std::io::stdout().write_all(&p)) {
            Ok(()) => exit::ok(),
            Err(e) => {
                eprintln!("error: cannot write the man page: {e}");
                exit::unreadable()
            }
        };
    };
    let mut pages = vec![("cip.1".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        let name = format!("cip-{}", sub.get_name());
        pages.push((format!("{name}.1"), sub.clone().name(name)));
    }
    for (file, c) in pages {
        let path = dir.join(&file);
        if let Err(e) = page(c).and_then(|p| cip::atomic::write(&path, &p)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return exit::unreadable();
        }
    }
    println!("wrote the man pages to {}", dir.display());
    exit::ok()
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
