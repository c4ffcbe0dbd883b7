//! `cip serve [DIR] [--port N] [--listen ADDR] [--open]`: starts the local
//! web app (`cip::serve`) and prints its address with the access token.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use super::exit;
use super::term::print_error;

#[derive(clap::Args)]
pub struct Args {
    /// The workspace folder: plans, their docs/, case files, received PDFs, the archive.
    #[arg(default_value = ".", value_name = "DIR")]
    dir: PathBuf,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8470)]
    port: u16,
    /// Address to listen on; 127.0.0.1 keeps it to this machine. The access
    /// token is required whatever the address.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    listen: IpAddr,
    /// Open the address in the default browser.
    #[arg(long)]
    open: bool,
    /// Trusted signer certificates for the PDFs dropped into the page.
    #[arg(long, value_name = "CERT.pem")]
    trust: Vec<PathBuf>,
    /// The day the lifecycle is judged on (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "DATE")]
    today: Option<chrono::NaiveDate>,
    /// How the pages write dates, as `--date-style` for documents: long
    /// ("November 20, 2026") or iso ("2026-11-20"). Date inputs are ISO.
    #[arg(long, value_enum, default_value_t)]
    date_style: super::render::DateStyleArg,
}

pub fn run(a: Args) -> ExitCode {
    let mut cfg = match cip::serve::Config::new(&a.dir) {
        Ok(c) => c,
        Err(e) => {
            print_error(&e);
            return exit::unreadable();
        }
    };
    for p in &a.trust {
        match cip::keys::load_certificates(p) {
            Ok(mut c) => cfg.trust.append(&mut c),
            Err(e) => {
                print_error(&format!("{}: {e}", p.display()));
                return exit::unreadable();
            }
        }
    }
    cfg.today = a.today;
    cfg.date_style = a.date_style.into();
    let root = cfg.root.display().to_string();
    let open = a.open;
    let result = cip::serve::run(cfg, SocketAddr::new(a.listen, a.port), |url| {
        say!("cip serve: serving {root} (Ctrl-C stops the server)");
        println!("the token in the address keeps other users out; open:");
        // The address last, so a reader can stop at it.
        println!("open {url}");
        let _ = std::io::stdout().flush();
        if open {
            // The desktop's opener; a failure only means opening it by hand.
            let _ = std::process::Command::new("xdg-open")
                .arg(url)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
        }
    });
    match result {
        Ok(()) => exit::ok(),
        Err(e) => {
            print_error(&e);
            exit::failed()
        }
    }
}
