//! `cip serve`: a local web app over a workspace folder, on top of the
//! library like `cli` (every rule, layout and lifecycle fact is asked of the
//! modules below; this tree only reads requests and writes HTML).
//!
//! Safety, in the order a request meets it (see [`guard`]):
//! - an access token, printed with the URL as notebook servers do: a
//!   `?token=` visit sets an HttpOnly, SameSite=Strict cookie, and every
//!   request without the cookie is refused (other local users cannot drive
//!   the server, even with `--listen` on a shared machine);
//! - every POST carries the per-run CSRF token (hidden field `csrf`, or the
//!   `X-CSRF-Token` header for the page's script) and, when the browser
//!   sends one, an `Origin` equal to the server's own;
//! - bodies are size-limited ([`MAX_BODY_BYTES`]) before anything reads them;
//! - paths in URLs are workspace-relative and resolved with
//!   `model::files::resolve` (no `..`, no absolute paths, no links out).

mod edit;
mod pages;
mod svg;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use x509_cert::Certificate;

pub use edit::{EditError, apply_form};

/// Largest request body accepted (an uploaded document or signed plan PDF,
/// or a form). Supporting documents themselves may be larger on disk; they
/// are added with the CLI then.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Name of the access cookie.
const COOKIE: &str = "cip_token";

/// What `cip serve` was started with.
#[derive(Clone)]
pub struct Config {
    /// The workspace folder; nothing outside it is read or written through
    /// the pages (key paths named for signing excepted: they stay on the
    /// server machine and are never sent back).
    pub root: PathBuf,
    /// Trusted signer certificates for verifying dropped PDFs.
    pub trust: Vec<Certificate>,
    /// "Today" for the lifecycle (default: the local date per request).
    pub today: Option<chrono::NaiveDate>,
    /// Access token; random unless a test fixes it.
    pub token: String,
    /// CSRF token of this run.
    pub csrf: String,
    /// How every page writes dates (one choice for the workspace, as
    /// `--date-style` is for documents); date inputs stay ISO, as HTML's
    /// `<input type=date>` requires.
    pub date_style: crate::model::DateStyle,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{path}: not a folder: {source}")]
    Root {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot make a random token: {0}")]
    Random(String),
    #[error("cannot start the server: {0}")]
    Runtime(#[from] std::io::Error),
    #[error("the page templates do not compile: {0}")]
    Templates(String),
}

/// A fresh random token (hex of 16 bytes from the OS).
pub fn random_token() -> Result<String, ServeError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| ServeError::Random(e.to_string()))?;
    Ok(hex::encode(b))
}

impl Config {
    /// A configuration for `root` with fresh random tokens.
    pub fn new(root: &Path) -> Result<Config, ServeError> {
        let root = root.canonicalize().map_err(|source| ServeError::Root {
            path: root.display().to_string(),
            source,
        })?;
        if !root.is_dir() {
            return Err(ServeError::Root {
                path: root.display().to_string(),
                source: std::io::Error::other("not a directory"),
            });
        }
        Ok(Config {
            root,
            trust: Vec::new(),
            today: None,
            token: random_token()?,
            csrf: random_token()?,
            date_style: crate::model::DateStyle::default(),
        })
    }
}

pub(crate) struct AppState {
    pub cfg: Config,
    pub tera: tera::Tera,
}

pub(crate) type Shared = Arc<AppState>;

/// The templates, compiled into the binary.
fn templates(style: crate::model::DateStyle) -> Result<tera::Tera, ServeError> {
    let mut t = tera::Tera::new();
    // A date (`2027-01-15`, as the library serialises it) in the
    // workspace's style; a date-time keeps its time after the date; none
    // is a dash.
    t.register_filter(
        "day",
        move |v: &tera::Value, _: tera::Kwargs, _: &tera::State| -> String {
            match v.as_str() {
                Some(s) => day(s, style),
                None if v.is_none() || v.is_undefined() => "—".to_string(),
                None => v.to_string(),
            }
        },
    );
    // Sentences from the library (consequences, what is due) carry ISO
    // dates: written in the style, as the documents do.
    t.register_filter(
        "dates",
        move |s: &str, _: tera::Kwargs, _: &tera::State| -> String {
            crate::model::dates::restyle(s, style)
        },
    );
    // Workspace paths in links (`/case?plan=...`).
    t.register_filter(
        "urlencode",
        |s: &str, _: tera::Kwargs, _: &tera::State| -> String { url_encode(s) },
    );
    t.add_raw_templates([
        ("base.html", include_str!("../../templates/serve/base.html")),
        (
            "portfolio.html",
            include_str!("../../templates/serve/portfolio.html"),
        ),
        ("case.html", include_str!("../../templates/serve/case.html")),
        (
            "verify.html",
            include_str!("../../templates/serve/verify.html"),
        ),
        ("edit.html", include_str!("../../templates/serve/edit.html")),
        (
            "archive.html",
            include_str!("../../templates/serve/archive.html"),
        ),
        (
            "error.html",
            include_str!("../../templates/serve/error.html"),
        ),
    ])
    .map_err(|e| ServeError::Templates(e.to_string()))?;
    Ok(t)
}

/// The whole app as a router (tests drive it without a socket).
pub fn router(cfg: Config) -> Result<Router, ServeError> {
    let state: Shared = Arc::new(AppState {
        tera: templates(cfg.date_style)?,
        cfg,
    });
    Ok(Router::new()
        .route("/", get(pages::portfolio))
        .route("/case", get(pages::case))
        .route("/pdf", get(pages::pdf))
        .route("/drop", post(pages::drop_pdf))
        .route("/letter", post(pages::letter))
        .route("/edit", get(pages::edit).post(pages::save))
        .route("/edit/check", post(pages::live_check))
        .route("/edit/step", post(pages::add_step))
        .route("/edit/step/remove", post(pages::remove_step))
        .route("/edit/step/move", post(pages::move_step))
        .route("/edit/extension", post(pages::add_extension))
        .route("/edit/upload", post(pages::upload_doc))
        .route("/edit/render", post(pages::render_draft))
        .route("/edit/sign", post(pages::sign))
        .route("/edit/transmit", post(pages::transmit))
        .route("/new", post(pages::new_plan))
        .route("/archive", get(pages::archive))
        .route("/archive/verify", post(pages::archive_verify))
        .route("/archive/export", post(pages::archive_export))
        .route("/static/app.js", get(static_js))
        .route("/static/style.css", get(static_css))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state))
}

async fn static_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../templates/serve/app.js"),
    )
}

async fn static_css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../templates/serve/style.css"),
    )
}

/// `2027-01-15` (or `2027-01-15T09:30:00Z`, an archive time) in `style`;
/// anything else as it is.
fn day(s: &str, style: crate::model::DateStyle) -> String {
    let (date, rest) = s.split_at(s.len().min(10));
    let Ok(d) = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") else {
        return s.to_string();
    };
    if rest.is_empty() {
        return style.write(d);
    }
    match rest.strip_prefix(['T', ' ']).and_then(|t| t.get(..5)) {
        Some(hm) => {
            let zone = if rest.ends_with('Z') { " UTC" } else { "" };
            format!("{} {hm}{zone}", style.write(d))
        }
        None => s.to_string(),
    }
}

/// Equal without an early exit on the first difference (the token must not
/// be guessable byte by byte from response times).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie_token(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded_pairs(query.unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// `a=b&c=d` decoded (`+` and `%XX`), as browsers encode forms.
pub(crate) fn form_urlencoded_pairs(s: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    let hex = |c: u8| (c as char).to_digit(16);
                    match (hex(b[i + 1]), hex(b[i + 2])) {
                        (Some(h), Some(l)) => {
                            out.push((h * 16 + l) as u8);
                            i += 2;
                        }
                        _ => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// The access check, the CSRF check and the body limit, for every route.
async fn guard(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let token = st.cfg.token.as_bytes();
    let query_token = query_param(req.uri().query(), "token");
    if let Some(t) = &query_token {
        if !same(t.as_bytes(), token) {
            return refuse(&st, StatusCode::FORBIDDEN, "the access token is wrong");
        }
        // Set the cookie and drop the token from the address bar (and from
        // the history and any Referer).
        let rest: Vec<String> = form_urlencoded_pairs(req.uri().query().unwrap_or(""))
            .into_iter()
            .filter(|(k, _)| k != "token")
            .map(|(k, v)| format!("{}={}", url_encode(&k), url_encode(&v)))
            .collect();
        let to = if rest.is_empty() {
            req.uri().path().to_string()
        } else {
            format!("{}?{}", req.uri().path(), rest.join("&"))
        };
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::SEE_OTHER;
        if let (Ok(loc), Ok(c)) = (
            HeaderValue::from_str(&to),
            HeaderValue::from_str(&format!(
                "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
                st.cfg.token
            )),
        ) {
            r.headers_mut().insert(header::LOCATION, loc);
            r.headers_mut().insert(header::SET_COOKIE, c);
        }
        return r;
    }
    match cookie_token(req.headers()) {
        Some(c) if same(c.as_bytes(), token) => {}
        _ => {
            return refuse(
                &st,
                StatusCode::UNAUTHORIZED,
                "this page needs the access token: open the address `cip serve` printed (it ends in ?token=...)",
            );
        }
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            let ok = origin
                .to_str()
                .ok()
                .and_then(|o| o.strip_prefix("http://"))
                .is_some_and(|o| o == host);
            if !ok {
                return refuse(
                    &st,
                    StatusCode::FORBIDDEN,
                    "refused: the request comes from another site (Origin does not match)",
                );
            }
        }
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(_) => {
                return refuse(
                    &st,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!(
                        "refused: the upload is larger than {} MiB, the limit of cip serve (add larger files with the command line)",
                        MAX_BODY_BYTES / (1024 * 1024)
                    ),
                );
            }
        };
        if !csrf_ok(&st.cfg.csrf, &parts.headers, &bytes) {
            return refuse(
                &st,
                StatusCode::FORBIDDEN,
                "refused: the form has no valid CSRF token (reload the page and try again)",
            );
        }
        let req = Request::from_parts(parts, Body::from(bytes));
        return next.run(req).await;
    }
    next.run(req).await
}

/// The CSRF token from the header, an urlencoded form's `csrf` field, or a
/// multipart form's `csrf` part.
fn csrf_ok(csrf: &str, h: &HeaderMap, body: &[u8]) -> bool {
    if let Some(v) = h.get("x-csrf-token") {
        return same(v.as_bytes(), csrf.as_bytes());
    }
    let ctype = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ctype.starts_with("application/x-www-form-urlencoded") {
        let text = String::from_utf8_lossy(body);
        return form_urlencoded_pairs(&text)
            .iter()
            .any(|(k, v)| k == "csrf" && same(v.as_bytes(), csrf.as_bytes()));
    }
    if ctype.starts_with("multipart/form-data") {
        let needle = format!("name=\"csrf\"\r\n\r\n{csrf}\r\n");
        return memchr::memmem::find(body, needle.as_bytes()).is_some();
    }
    false
}

pub(crate) fn url_encode(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                o.push(b as char)
            }
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

/// An error page: the message as the CLI prints it (`error: ...`), never a
/// stack trace.
pub(crate) fn refuse(st: &AppState, code: StatusCode, message: &str) -> Response {
    let mut ctx = tera::Context::new();
    ctx.insert("title", "Error");
    ctx.insert("message", message);
    ctx.insert("csrf", "");
    let body = st
        .tera
        .render("error.html", &ctx)
        .unwrap_or_else(|_| format!("error: {}", html_escape(message)));
    (code, Html(body)).into_response()
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Start serving `cfg.root` on `addr`; calls `ready` with the URL (token
/// included) once listening, then serves until the process ends.
pub fn run(cfg: Config, addr: SocketAddr, ready: impl FnOnce(&str)) -> Result<(), ServeError> {
    let token = cfg.token.clone();
    let app = router(cfg)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let local = listener.local_addr()?;
        ready(&format!("http://{local}/?token={token}"));
        axum::serve(listener, app).await?;
        Ok(())
    })
}
