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
mod ltv;
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
        after_help = "Examples:\n  cip keygen --name \"Robert Chen\" --title \"Chief Financial Officer\" --org \"Acme Imports, Inc.\" --key cfo-key.pem --cert cfo-cert.pem\n  cip keygen --name \"Robert Chen\" --title CFO --algorithm rsa3072 --key cfo-key.pem --cert cfo-cert.pem"
    )]
    Keygen(sign::KeygenArgs),
    /// Sign a PDF (embedded PAdES signature, incremental update).
    #[command(
        after_help = "Examples:\n  cip sign acme.pdf --key cfo-key.pem --cert cfo-cert.pem -o acme-signed.pdf\n  cip sign acme.pdf --key cfo-key.pem --cert cfo-cert.pem --tsa http://tsa.example/tsr -o acme-signed.pdf   # PAdES B-T\n  cip sign acme.pdf --key cfo.p12 --password-env P12_PASSWORD -o acme-signed.pdf\n  cip sign acme.pdf --key 'pkcs11:token=CFO;object=signing?module-path=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so' --pin-env TOKEN_PIN -o acme-signed.pdf\n\nExit 2 (nothing written) when the key cannot be used: wrong password or PIN, locked token,\na certificate of another key, without a signing key usage, or not valid at the signing time."
    )]
    Sign(sign::SignArgs),
    /// Verify every signature of a PDF and its manifest.
    #[command(
        after_help = "Examples:\n  cip verify acme-signed.pdf --trust cfo-cert.pem\n  cip verify acme-signed.pdf --trust cfo-cert.pem --docs samples/ --format json\n  cip verify acme-lta.pdf --trust ca.pem --at 2031-06-30   # was it valid on that date?"
    )]
    Verify(sign::VerifyArgs),
    /// Add a document timestamp (PAdES B-LTA) to a signed PDF.
    #[command(
        after_help = "Examples:\n  cip timestamp acme-signed.pdf --tsa http://tsa.example/tsr\n  cip timestamp acme-signed.pdf --tsa http://tsa.example/tsr --tsa-cert tsa.pem -o acme-lta.pdf"
    )]
    Timestamp(ltv::TimestampArgs),
    /// Long-term validation data: `cip ltv add` embeds a DSS (PAdES B-LT).
    #[command(
        after_help = "Examples:\n  cip ltv add acme-signed.pdf --crl ca.crl --cert ca.pem\n  cip ltv add acme-signed.pdf --ocsp signer.ocsp -o acme-lt.pdf"
    )]
    Ltv(ltv::LtvArgs),
    /// Where a plan stands in the framework's timeframes (or a portfolio with --all).
    #[command(
        after_help = "Examples:\n  cip status samples/acme.toml --today 2027-04-10\n  cip status --all plans/"
    )]
    Status(status::Args),
    /// The archive of signed copies: init, add, list, show, get, verify, export, backup, migrate.
    #[command(
        after_help = "The archive is --archive DIR, else $CIP_ARCHIVE, else ./cip-archive. A shared archive is \
--archive s3://BUCKET/PREFIX with --index postgres://USER@HOST:PORT/DB (or $CIP_ARCHIVE and $CIP_INDEX); \
S3 credentials and endpoint come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and \
AWS_ENDPOINT_URL, the Object Lock retention of new objects from CIP_ARCHIVE_RETENTION_DAYS (default 2192, \
six years). There is no delete or edit command: the archive is append-only.\n\n\
Examples:\n  cip archive init\n  cip archive add acme-signed.pdf --trust cfo-cert.pem\n  cip archive verify\n  \
cip archive --archive s3://office-cip/archive --index postgres://alice@db.office/cip list\n  \
cip archive migrate --from ./cip-archive --to s3://office-cip/archive --index postgres://alice@db.office/cip"
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
        Command::Timestamp(a) => ltv::run_timestamp(&a),
        Command::Ltv(a) => ltv::run_ltv(&a),
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
