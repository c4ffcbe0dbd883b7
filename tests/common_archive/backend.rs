//! The two archive back ends for one parameterised suite: a folder
//! (objects + index.sqlite) and a shared archive (S3 with Object Lock on
//! moto's server + PostgreSQL), each fresh per test. `scripts/test` starts
//! the services and sets `CIP_TEST_S3_ENDPOINT` (with a bucket `cip-test`
//! made with Object Lock) and `CIP_TEST_PG` (a superuser URL); a missing
//! service is a failure naming what to install, never a skipped test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action as _, UrlStyle};

use super::{cip_bin, code, run, sqlite3, text};

pub const BUCKET: &str = "cip-test";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Folder,
    Shared,
}

fn service(var: &str, what: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => panic!(
            "{var} is not set: the shared-archive tests need {what}. Run ./scripts/test, which installs \
             and starts it (pip install 'moto[server]' into the venv; apt-get install postgresql) on 127.0.0.1"
        ),
    }
}

pub fn s3_endpoint() -> String {
    service("CIP_TEST_S3_ENDPOINT", "moto's S3 server (moto_server)")
}

pub fn pg_admin() -> String {
    service("CIP_TEST_PG", "a PostgreSQL cluster")
}

/// One archive for one test.
pub struct Backend {
    pub kind: Kind,
    /// `--archive`: a folder or `s3://cip-test/PREFIX`.
    pub archive: String,
    /// `--index` for the people who add (the `cip_writer` role).
    pub index: Option<String>,
    /// The database owner's URL (init, and playing an intruder).
    pub owner_index: Option<String>,
    pub prefix: String,
    pub dir: PathBuf,
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{tag}_{}_{}_{nanos}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    )
}

fn with_db(url: &str, db: &str) -> String {
    match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{db}"),
        None => panic!("CIP_TEST_PG {url:?} is not a postgres:// URL"),
    }
}

pub fn pg(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

impl Backend {
    /// A fresh, initialised archive of `kind` (under `t`, for a folder).
    pub fn new(kind: Kind, t: &Path, tag: &str) -> Backend {
        let b = Backend::uninitialised(kind, t, tag);
        let o = run(b.owner_cmd().arg("init"));
        assert_eq!(code(&o), 0, "init: {}", text(&o));
        if let Some(owner) = &b.owner_index {
            // The people who add log in with their own role, member of
            // cip_writer (SELECT/INSERT only on the records).
            let role = b.app_role();
            let mut c = pg(owner);
            c.batch_execute(&format!(
                "CREATE ROLE {role} LOGIN PASSWORD 'app-secret'; GRANT cip_writer TO {role};"
            ))
            .expect("create the application role");
        }
        b
    }

    /// The same, before `cip archive init`.
    pub fn uninitialised(kind: Kind, t: &Path, tag: &str) -> Backend {
        match kind {
            Kind::Folder => Backend {
                kind,
                archive: t.join("ar").display().to_string(),
                index: None,
                owner_index: None,
                prefix: String::new(),
                dir: t.join("ar"),
            },
            Kind::Shared => {
                s3_endpoint();
                let admin = pg_admin();
                let db = unique(&format!("cip_{tag}")).to_lowercase();
                let mut c = pg(&admin);
                c.batch_execute(&format!("CREATE DATABASE {db}"))
                    .expect("create database");
                let owner = with_db(&admin, &db);
                let role = format!("app_{db}");
                let host = owner
                    .split_once("://")
                    .and_then(|(_, rest)| rest.rsplit_once('@'))
                    .map(|(_, host)| host.to_string())
                    .expect("CIP_TEST_PG is postgres://USER[:PASSWORD]@HOST:PORT/DB");
                let app = format!("postgres://{role}:app-secret@{host}");
                let prefix = unique(tag).replace('_', "-");
                Backend {
                    kind,
                    archive: format!("s3://{BUCKET}/{prefix}"),
                    index: Some(app),
                    owner_index: Some(owner),
                    prefix,
                    dir: t.to_path_buf(),
                }
            }
        }
    }

    fn app_role(&self) -> String {
        let db = self
            .owner_index
            .as_deref()
            .and_then(|u| u.rsplit_once('/'))
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        format!("app_{db}")
    }

    fn base(&self, index: Option<&String>) -> Command {
        let mut c = Command::new(cip_bin());
        c.arg("archive").arg("--archive").arg(&self.archive);
        if let Some(i) = index {
            c.arg("--index").arg(i);
        }
        c.env("CIP_ARCHIVE_NOW", "2026-04-01T12:00:00Z");
        c.env_remove("CIP_ARCHIVE");
        c.env_remove("CIP_INDEX");
        c.env_remove("CIP_ARCHIVE_TEST_ABORT_AFTER_PUT");
        if self.kind == Kind::Shared {
            s3_env(&mut c);
        }
        c
    }

    /// `cip archive --archive … [--index APP] ARGS…`: as one who adds.
    pub fn cmd(&self) -> Command {
        self.base(self.index.as_ref())
    }

    /// As the database owner (init, migrations).
    pub fn owner_cmd(&self) -> Command {
        self.base(self.owner_index.as_ref().or(self.index.as_ref()))
    }

    /// One value from the index, by SQL, as the owner (sqlite3 or
    /// PostgreSQL).
    pub fn sql(&self, sql: &str) -> String {
        match &self.owner_index {
            None => sqlite3(&self.dir.join("index.sqlite"), sql),
            Some(owner) => {
                let mut c = pg(owner);
                let rows = c.simple_query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
                rows.iter()
                    .filter_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
    }

    /// Runs statements as the owner (a PostgreSQL error is returned).
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        match &self.owner_index {
            None => {
                let o = run(Command::new("sqlite3")
                    .arg(self.dir.join("index.sqlite"))
                    .arg(sql));
                if o.status.success() {
                    Ok(())
                } else {
                    Err(text(&o))
                }
            }
            Some(owner) => pg(owner).batch_execute(sql).map_err(|e| {
                e.as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string())
            }),
        }
    }

    /// Runs statements as the application role (PostgreSQL only).
    pub fn exec_as_app(&self, sql: &str) -> Result<(), String> {
        let url = self.index.as_ref().expect("a shared archive");
        pg(url).batch_execute(sql).map_err(|e| {
            e.as_db_error()
                .map(|d| d.message().to_string())
                .unwrap_or_else(|| e.to_string())
        })
    }

    /// The S3 key of an object.
    pub fn key(&self, sha: &str) -> String {
        format!("{}/objects/{}/{}", self.prefix, &sha[..2], &sha[2..])
    }
}

pub fn s3_env(c: &mut Command) {
    c.env("AWS_ENDPOINT_URL", s3_endpoint());
    c.env("AWS_ACCESS_KEY_ID", "test");
    c.env("AWS_SECRET_ACCESS_KEY", "test");
    c.env("AWS_REGION", "us-east-1");
    c.env_remove("AWS_ENDPOINT_URL_S3");
    c.env_remove("AWS_SESSION_TOKEN");
}

/// Plain S3 requests on the test bucket, as its owner would send them
/// (to play an intruder: no conditional header, explicit versions).
pub struct RawS3 {
    bucket: Bucket,
    creds: Credentials,
    agent: ureq::Agent,
}

pub struct RawAnswer {
    pub status: u16,
    pub version_id: Option<String>,
    /// `x-amz-object-lock-mode` and `x-amz-object-lock-retain-until-date`.
    pub lock: Option<(String, String)>,
    pub body: Vec<u8>,
}

impl RawS3 {
    pub fn new() -> RawS3 {
        let bucket = Bucket::new(
            s3_endpoint().parse().expect("endpoint URL"),
            UrlStyle::Path,
            BUCKET.to_string(),
            "us-east-1".to_string(),
        )
        .expect("bucket");
        RawS3 {
            bucket,
            creds: Credentials::new("test", "test"),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into(),
        }
    }

    fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> RawAnswer {
        let mut r = r.expect("S3 request");
        let version_id = r
            .headers()
            .get("x-amz-version-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let header = |n: &str| {
            r.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let lock =
            header("x-amz-object-lock-mode").zip(header("x-amz-object-lock-retain-until-date"));
        let status = r.status().as_u16();
        let body = r.body_mut().read_to_vec().unwrap_or_default();
        RawAnswer {
            status,
            version_id,
            lock,
            body,
        }
    }

    /// GET (a given version, or the current one).
    pub fn get(&self, key: &str, version: Option<&str>) -> RawAnswer {
        let mut a = self.bucket.get_object(Some(&self.creds), key);
        if let Some(v) = version {
            a.query_mut().insert("versionId", v.to_string());
        }
        let url = a.sign(Duration::from_secs(60));
        Self::answer(self.agent.get(url.as_str()).call())
    }

    /// A plain PUT (no If-None-Match, no lock headers).
    pub fn put(&self, key: &str, body: &[u8]) -> RawAnswer {
        let url = self
            .bucket
            .put_object(Some(&self.creds), key)
            .sign(Duration::from_secs(60));
        Self::answer(self.agent.put(url.as_str()).send(body))
    }

    /// A conditional PUT (If-None-Match: *), as cip sends it, of other bytes.
    pub fn put_if_absent(&self, key: &str, body: &[u8]) -> RawAnswer {
        let mut a = self.bucket.put_object(Some(&self.creds), key);
        a.headers_mut().insert("if-none-match", "*");
        let url = a.sign(Duration::from_secs(60));
        Self::answer(
            self.agent
                .put(url.as_str())
                .header("if-none-match", "*")
                .send(body),
        )
    }

    /// A PUT that claims the SHA-256 `sha_hex` for `body`.
    pub fn put_with_checksum(&self, key: &str, body: &[u8], sha_hex: &str) -> RawAnswer {
        use base64ct::{Base64, Encoding as _};
        let b64 = Base64::encode_string(&hex::decode(sha_hex).expect("hex"));
        let mut a = self.bucket.put_object(Some(&self.creds), key);
        a.headers_mut().insert("x-amz-checksum-sha256", b64.clone());
        let url = a.sign(Duration::from_secs(60));
        Self::answer(
            self.agent
                .put(url.as_str())
                .header("x-amz-checksum-sha256", b64.as_str())
                .send(body),
        )
    }

    /// DELETE (a given version: the locked one; or none: a delete marker).
    pub fn delete(&self, key: &str, version: Option<&str>) -> RawAnswer {
        let mut a = self.bucket.delete_object(Some(&self.creds), key);
        if let Some(v) = version {
            a.query_mut().insert("versionId", v.to_string());
        }
        let url = a.sign(Duration::from_secs(60));
        Self::answer(self.agent.delete(url.as_str()).call())
    }
}
