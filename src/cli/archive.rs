//! `cip archive …`: arguments and printing only; the archive is
//! `cip::archive`.
//!
//! Exit codes: 0 done; 1 a check failed or a file was refused (`verify`
//! found problems, `add` refused a file); 2 the archive or an input could
//! not be used at all.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args as ClapArgs, Subcommand};

use cip::archive::{
    self, AddOptions, AddOutcome, AddVerdict, Archive, ArchiveError, Chain, Filter, LinkState,
    Location, Record, VerifyArchiveReport,
};
use cip::keys;

use super::{Format, exit};

/// The help text (examples, environment) is on the `archive` command in
/// `cli/mod.rs`, which replaces one given here.
#[derive(ClapArgs)]
pub struct Args {
    /// Archive folder, or s3://BUCKET/PREFIX for a shared archive
    /// (default: $CIP_ARCHIVE, else ./cip-archive).
    #[arg(long, global = true, value_name = "DIR|s3://BUCKET/PREFIX")]
    archive: Option<String>,
    /// The index of a shared archive: postgres://USER@HOST:PORT/DB
    /// (default: $CIP_INDEX; the password from the URL or PGPASSWORD).
    #[arg(long, global = true, value_name = "postgres://…")]
    index: Option<String>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create an empty archive (objects/ and index.sqlite).
    Init,
    /// Verify signed PDFs and archive them (the same bytes twice: no-op).
    Add {
        #[arg(value_name = "FILE.pdf", required = true)]
        files: Vec<PathBuf>,
        /// Trust anchor certificate (PEM), as for `cip verify`; repeatable.
        #[arg(long, value_name = "CERT.pem")]
        trust: Vec<PathBuf>,
        /// Refuse files whose signers are not trusted.
        #[arg(long)]
        require_trusted: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// List archived files, oldest first.
    List {
        /// Company name, or part of it (case-insensitive).
        #[arg(long)]
        company: Option<String>,
        /// plan, letter, other, or a letter kind such as acceptance.
        #[arg(long)]
        kind: Option<String>,
        /// Added on or after this date (YYYY-MM-DD) or time (RFC 3339).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Show one archived file: its row, signers and verification at add time.
    Show {
        /// SHA-256 or a unique prefix of it.
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Restore the exact bytes of an archived file.
    Get {
        /// SHA-256 or a unique prefix of it.
        id: String,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Re-hash every object, re-verify every signature, match rows and objects.
    Verify {
        /// Check an exported bundle folder instead of the archive.
        #[arg(long, value_name = "DIR")]
        bundle: Option<PathBuf>,
        /// Trust anchors for checking a bundle's signers (PEM); repeatable.
        #[arg(long, value_name = "CERT.pem", requires = "bundle")]
        trust: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Copy one company's files and an index.json into a new folder.
    Export {
        /// Company name (or an unambiguous part of it).
        #[arg(long)]
        company: String,
        /// Destination folder (new or empty).
        dir: PathBuf,
    },
    /// Add a fresh document timestamp to every file whose proof is about to
    /// lapse (TSA certificate expiring, weak algorithm, no timestamp).
    #[command(
        after_help = "Examples:\n  cip archive renew --tsa http://tsa.example/tsr --before 90\n  cip archive renew --dry-run --before 365"
    )]
    Renew(super::ltv::RenewArgs),
    /// Consistent copy of the archive (safe while others add).
    Backup {
        /// Destination folder: new, empty, or an earlier backup to update.
        dest: PathBuf,
    },
    /// Copy a folder archive into a shared one (S3 + PostgreSQL), checking
    /// each file; run it again after an interruption to complete it.
    Migrate {
        /// The folder archive to copy.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// The shared archive (default: --archive / $CIP_ARCHIVE); its
        /// index is --index / $CIP_INDEX.
        #[arg(long, value_name = "s3://BUCKET/PREFIX")]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

fn location(a: &Args) -> Result<Location, ExitCode> {
    Location::from_args(a.archive.as_deref(), a.index.as_deref()).map_err(|e| error(&e))
}

fn error(e: &ArchiveError) -> ExitCode {
    super::term::print_error(&e);
    exit::unreadable()
}

fn open(dir: &Location) -> Result<Archive, ExitCode> {
    Archive::open_at(dir).map_err(|e| error(&e))
}

pub fn run(a: Args) -> ExitCode {
    if let Cmd::Migrate { from, to, format } = a.command {
        return migrate(a.archive.as_deref(), a.index.as_deref(), from, to, format);
    }
    let dir = match location(&a) {
        Ok(l) => l,
        Err(c) => return c,
    };
    match a.command {
        Cmd::Init => match Archive::init_at(&dir) {
            Ok(ar) if ar.is_shared() => {
                say!(
                    "shared archive {} with index {} is ready (schema version {}); grant the role {} to the people who add files",
                    ar.root().display(),
                    ar.index_location().display(),
                    archive::SCHEMA_VERSION,
                    archive::PG_WRITER_ROLE
                );
                exit::ok()
            }
            Ok(ar) => {
                say!("created archive {}", ar.root().display());
                exit::ok()
            }
            Err(e) => error(&e),
        },
        Cmd::Add {
            files,
            trust,
            require_trusted,
            format,
        } => add(&dir, &files, &trust, require_trusted, format),
        Cmd::List {
            company,
            kind,
            since,
            format,
        } => {
            let ar = match open(&dir) {
                Ok(a) => a,
                Err(c) => return c,
            };
            let filter = Filter {
                company,
                kind,
                since,
            };
            match ar.list(&filter) {
                Ok(rows) => {
                    match format {
                        Format::Json => print_json(&rows),
                        Format::Human => {
                            print_list(&rows);
                            // The chains of the plans listed (a filter
                            // narrows them; their links are checked
                            // against the whole archive).
                            match ar.chains() {
                                Ok(c) => print_chains(&c, &rows),
                                Err(e) => return error(&e),
                            }
                        }
                    }
                    exit::ok()
                }
                Err(e) => error(&e),
            }
        }
        Cmd::Show { id, format } => {
            let ar = match open(&dir) {
                Ok(a) => a,
                Err(c) => return c,
            };
            match ar.show(&id) {
                Ok(s) => {
                    match format {
                        Format::Json => print_json(&s),
                        Format::Human => {
                            print_record(&s.record);
                            say!("  object:      {}", s.object.display());
                        }
                    }
                    exit::ok()
                }
                Err(e) => error(&e),
            }
        }
        Cmd::Get { id, output } => {
            let ar = match open(&dir) {
                Ok(a) => a,
                Err(c) => return c,
            };
            match ar.get(&id, &output) {
                Ok(r) => {
                    say!(
                        "wrote {} ({} bytes, sha256 {} checked)",
                        output.display(),
                        r.size,
                        r.sha256
                    );
                    exit::ok()
                }
                Err(e) => error(&e),
            }
        }
        Cmd::Verify {
            bundle,
            trust,
            format,
        } => {
            let bundle_given = bundle.is_some();
            let report = match bundle {
                Some(b) => {
                    let anchors = match load_trust(&trust) {
                        Ok(t) => t,
                        Err(c) => return c,
                    };
                    archive::verify_bundle(&b, &anchors)
                }
                None => match open(&dir) {
                    Ok(ar) => ar.verify(),
                    Err(c) => return c,
                },
            };
            // A bundle has no archive to renew in: no lapse list.
            let lapsing = if bundle_given {
                None
            } else {
                open(&dir)
                    .ok()
                    .and_then(|ar| archive::renew::lapsing(&ar, chrono::Utc::now()).ok())
            };
            match report {
                Ok(r) => {
                    match (format, &lapsing) {
                        (Format::Json, Some(l)) => print_json(&super::ltv::with_lapsing(&r, l)),
                        (Format::Json, None) => print_json(&r),
                        (Format::Human, _) => print_verify(&r),
                    }
                    if let (Format::Human, Some(l)) = (format, &lapsing) {
                        super::ltv::print_lapsing(l);
                    }
                    if r.ok() { exit::ok() } else { exit::failed() }
                }
                Err(e) => error(&e),
            }
        }
        Cmd::Renew(r) => match open(&dir) {
            Ok(ar) => super::ltv::run_renew(&ar, &r),
            Err(c) => c,
        },
        Cmd::Export { company, dir: out } => {
            let ar = match open(&dir) {
                Ok(a) => a,
                Err(c) => return c,
            };
            match ar.export(&company, &out) {
                Ok(s) => {
                    say!(
                        "exported {} file(s) of {} to {} (check with `cip archive verify --bundle {}`)",
                        s.files,
                        s.company,
                        s.dir.display(),
                        s.dir.display()
                    );
                    exit::ok()
                }
                Err(e) => error(&e),
            }
        }
        Cmd::Migrate { .. } => exit::unreadable(), // handled above
        Cmd::Backup { dest } => {
            let ar = match open(&dir) {
                Ok(a) => a,
                Err(c) => return c,
            };
            match ar.backup(&dest) {
                Ok(s) => {
                    say!(
                        "backed up {} row(s) to {}: {} object(s) copied, {} already there",
                        s.rows,
                        s.dest.display(),
                        s.objects_copied,
                        s.objects_already_there
                    );
                    for p in &s.problems {
                        say!("  problem: {p}");
                    }
                    if s.problems.is_empty() {
                        exit::ok()
                    } else {
                        exit::failed()
                    }
                }
                Err(e) => error(&e),
            }
        }
    }
}

/// `migrate`: `--to` (else `--archive` / `CIP_ARCHIVE`) with `--index`
/// (else `CIP_INDEX`) must name a shared archive.
fn migrate(
    archive: Option<&str>,
    index: Option<&str>,
    from: PathBuf,
    to: Option<String>,
    format: Format,
) -> ExitCode {
    let to = match Location::from_args(to.as_deref().or(archive), index) {
        Ok(l) => l,
        Err(e) => return error(&e),
    };

    if !matches!(to, Location::Shared { .. }) {
        return error(&ArchiveError::BadLocation {
            reason:
                "migrate copies into a shared archive: --to s3://BUCKET/PREFIX --index postgres://…"
                    .into(),
        });
    }
    let src = match Archive::open(&from) {
        Ok(a) => a,
        Err(e) => return error(&e),
    };
    let dst = match open(&to) {
        Ok(a) => a,
        Err(c) => return c,
    };
    match src.migrate_to(&dst) {
        Ok(s) => {
            match format {
                Format::Json => print_json(&s),
                Format::Human => {
                    say!(
                        "migrated {} to {}: {} row(s) in the source, {} copied, {} already there, {} not copied",
                        s.from.display(),
                        s.to.display(),
                        s.rows,
                        s.copied,
                        s.already_there,
                        s.problems.len()
                    );
                    for p in &s.problems {
                        say!("  problem: {p}");
                    }
                    if s.problems.is_empty() {
                        say!(
                            "check it with `cip archive --archive {} --index … verify`",
                            s.to.display()
                        );
                    }
                }
            }
            if s.problems.is_empty() {
                exit::ok()
            } else {
                exit::failed()
            }
        }
        Err(e) => error(&e),
    }
}

fn load_trust(paths: &[PathBuf]) -> Result<Vec<x509_cert::Certificate>, ExitCode> {
    let mut v = Vec::new();
    for p in paths {
        match keys::load_certificates(p) {
            Ok(mut c) => v.append(&mut c),
            Err(e) => {
                super::term::print_error(&e);
                return Err(exit::unreadable());
            }
        }
    }
    Ok(v)
}

fn add(
    dir: &Location,
    files: &[PathBuf],
    trust: &[PathBuf],
    require_trusted: bool,
    format: Format,
) -> ExitCode {
    let anchors = match load_trust(trust) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let ar = match open(dir) {
        Ok(a) => a,
        Err(c) => return c,
    };
    let opts = AddOptions {
        trust: anchors,
        require_trusted,
    };
    let added = ar.add_all(files, &opts);
    let mut json = Vec::new();
    for (f, result) in &added.files {
        match format {
            Format::Json => json.push(match result {
                Ok(o) => serde_json::json!({"file": f, "result": o}),
                Err(ArchiveError::Refused {
                    reasons, report, ..
                }) => serde_json::json!({
                    "file": f,
                    "result": {"outcome": "refused", "reasons": reasons, "report": report},
                }),
                Err(e) => serde_json::json!({"file": f, "result": {"outcome": "error", "error": e.to_string()}}),
            }),
            Format::Human => match result {
                Ok(AddOutcome::Added { record, notes }) => {
                    say!("added {}  {}", f.display(), summary(record));
                    for n in notes {
                        say!("  note: {n}");
                    }
                }
                Ok(AddOutcome::AlreadyPresent { record }) => say!(
                    "already archived {}: {} (added {}); nothing changed",
                    f.display(),
                    record.sha256,
                    record.added_at
                ),
                Err(ArchiveError::Refused {
                    path,
                    reasons,
                    report,
                }) => {
                    say!("refused {}: it does not verify", path.display());
                    for r in reasons {
                        say!("  {r}");
                    }
                    if let Some(rep) = report {
                        for s in &rep.signatures {
                            let who = s
                                .signer
                                .as_ref()
                                .and_then(|p| p.name.clone())
                                .unwrap_or_else(|| "unknown signer".into());
                            say!(
                                "  signature {} by {who}: {}, {}, later changes: {}",
                                s.field,
                                if s.valid { "valid" } else { "NOT valid" },
                                s.trust,
                                s.later_changes.summary()
                            );
                        }
                        say!("  manifest: {:?}", rep.manifest.status);
                    }
                }
                Err(e) => super::term::print_error(e),
            },
        }
    }
    if format == Format::Json {
        print_json(&json);
    }
    match added.verdict() {
        AddVerdict::Unusable => exit::unreadable(),
        AddVerdict::Refused => exit::failed(),
        AddVerdict::Done => exit::ok(),
    }
}

fn print_json<T: serde::Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => super::term::print_error(&e),
    }
}

fn kind_word(r: &Record) -> String {
    match &r.letter_kind {
        Some(k) => format!("{} ({k})", r.kind),
        None => r.kind.clone(),
    }
}

fn summary(r: &Record) -> String {
    let signer = r
        .last_signer()
        .map(|s| {
            format!(
                "signed by {}{} {}",
                s.signer_name.as_deref().unwrap_or("?"),
                s.signer_title
                    .as_deref()
                    .map(|t| format!(", {t},"))
                    .unwrap_or_default(),
                s.signing_time.as_deref().unwrap_or("at an unknown time")
            )
        })
        .unwrap_or_default();
    format!(
        "{}  {}  {}  {}  {signer} [{}]",
        &r.sha256[..r.sha256.len().min(12)],
        kind_word(r),
        r.company.as_deref().unwrap_or("-"),
        r.assessment_report.as_deref().unwrap_or("-"),
        r.trust
    )
}

fn print_list(rows: &[Record]) {
    if rows.is_empty() {
        say!("no archived files match");
        return;
    }
    say!(
        "{:12}  {:20}  {:18}  {:28}  {:18}  {:24}  trust",
        "sha256",
        "added",
        "kind",
        "company",
        "report",
        "signer"
    );
    for r in rows {
        let signer = r
            .last_signer()
            .and_then(|s| s.signer_name.clone())
            .unwrap_or_else(|| "-".into());
        say!(
            "{:12}  {:20}  {:18}  {:28}  {:18}  {:24}  {}",
            &r.sha256[..r.sha256.len().min(12)],
            r.added_at,
            kind_word(r),
            r.company.as_deref().unwrap_or("-"),
            r.assessment_report.as_deref().unwrap_or("-"),
            signer,
            r.trust
        );
    }
    say!("{} file(s)", rows.len());
}

fn print_record(r: &Record) {
    say!("{}", r.sha256);
    say!("  kind:        {}", kind_word(r));
    say!("  company:     {}", r.company.as_deref().unwrap_or("-"));
    say!(
        "  report:      {}",
        r.assessment_report.as_deref().unwrap_or("-")
    );
    say!("  file:        {} ({} bytes)", r.original_name, r.size);
    say!("  added:       {}", r.added_at);
    say!("  trust:       {}", r.trust);
    if let Some(p) = &r.plan_toml_sha256 {
        say!("  plan.toml:   sha256 {p}");
    }
    if let Some(rev) = r.revision {
        match (&r.supersedes_sha256, &r.supersedes_file) {
            (Some(h), f) => say!(
                "  revision:    {rev}, supersedes {h}{}",
                f.as_deref().map(|f| format!(" ({f})")).unwrap_or_default()
            ),
            (None, _) => say!("  revision:    {rev}"),
        }
    }
    for (i, s) in r.signatures.iter().enumerate() {
        say!(
            "  signature {}: {} — {}{}",
            i + 1,
            s.field,
            s.signer_name.as_deref().unwrap_or("?"),
            s.signer_title
                .as_deref()
                .map(|t| format!(", {t}"))
                .unwrap_or_default()
        );
        say!(
            "    signed {}; certificate sha256 {}; {}",
            s.signing_time.as_deref().unwrap_or("at an unknown time"),
            s.cert_sha256.as_deref().unwrap_or("-"),
            s.trust
        );
    }
}

/// Each plan's revision chain: revision, hash, file, and what it
/// supersedes; a break is marked in words.
fn print_chains(chains: &[Chain], listed: &[Record]) {
    let shown: Vec<&Chain> = chains
        .iter()
        .filter(|c| {
            c.links
                .iter()
                .any(|l| listed.iter().any(|r| r.sha256 == l.sha256))
        })
        .collect();
    if shown.is_empty() {
        return;
    }
    say!("");
    say!("revision chains");
    for c in shown {
        say!(
            "  {} — {}",
            c.company.as_deref().unwrap_or("-"),
            c.assessment_report.as_deref().unwrap_or("-")
        );
        for l in &c.links {
            let sup = match (&l.supersedes_sha256, &l.supersedes_file) {
                (Some(h), Some(f)) => format!("  supersedes {} ({f})", &h[..h.len().min(12)]),
                (Some(h), None) => format!("  supersedes {}", &h[..h.len().min(12)]),
                _ => String::new(),
            };
            say!(
                "    revision {:<3} {:12}  {}  added {}{sup}",
                l.revision,
                &l.sha256[..l.sha256.len().min(12)],
                l.original_name,
                l.added_at
            );
            if let Some(d) = &l.detail {
                let word = match l.state {
                    LinkState::Mismatch => "HASH MISMATCH",
                    _ => "GAP",
                };
                say!("      {word}: {d}");
            }
        }
    }
}

fn print_verify(r: &VerifyArchiveReport) {
    say!(
        "{}: {} row(s), {} object(s), {} signature(s) checked: {}",
        r.location.display(),
        r.rows,
        r.objects,
        r.signatures_checked,
        if r.ok() {
            "OK".to_string()
        } else {
            format!("{} problem(s)", r.problems.len())
        }
    );
    for p in &r.problems {
        let kind = serde_json::to_value(p.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let what = match (&p.sha256, &p.path) {
            (Some(s), _) => s.clone(),
            (None, Some(path)) => path.display().to_string(),
            (None, None) => "index".into(),
        };
        say!("  {kind}: {what}: {}", p.detail);
    }
    for n in &r.notes {
        say!("  note: {n}");
    }
}
