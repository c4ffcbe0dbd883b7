//! `cip serve`, route by route, against the real router (no socket): every
//! page and action, and the refusals (no or wrong token, missing CSRF token,
//! foreign Origin, path escapes, oversized upload, stale save, forged PDF).

mod common;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cip::serve::{Config, router};
use tower::ServiceExt as _;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const CSRF: &str = "fedcba9876543210fedcba9876543210";

struct Ws {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// A workspace holding the samples (plans, docs/, profiles).
fn workspace() -> Ws {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canon");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    copy_dir(&samples, &root);
    Ws { _dir: dir, root }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read samples") {
        let e = e.expect("entry");
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

fn config(root: &Path) -> Config {
    let mut c = Config::new(root).expect("config");
    c.token = TOKEN.into();
    c.csrf = CSRF.into();
    c.today = Some("2027-04-10".parse().expect("date"));
    c
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn send(root: &Path, req: Request<Body>) -> Reply {
    send_with(config(root), req)
}

fn send_with(cfg: Config, req: Request<Body>) -> Reply {
    let app = router(cfg).expect("router");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let r = app.oneshot(req).await.expect("infallible");
        let status = r.status();
        let headers = r.headers().clone();
        let body = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    })
}

fn cookie() -> String {
    format!("cip_token={TOKEN}")
}

fn get(root: &Path, uri: &str) -> Reply {
    let req = Request::get(uri)
        .header(header::COOKIE, cookie())
        .body(Body::empty())
        .expect("request");
    send(root, req)
}

fn enc(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => o.push(b as char),
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

fn post_form(root: &Path, uri: &str, fields: &[(String, String)]) -> Reply {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    let req = Request::post(uri)
        .header(header::COOKIE, cookie())
        .header(header::HOST, "127.0.0.1:8470")
        .header(header::ORIGIN, "http://127.0.0.1:8470")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.join("&")))
        .expect("request");
    send(root, req)
}

fn multipart(root: &Path, uri: &str, fields: &[(&str, &str)], file: (&str, &[u8])) -> Reply {
    let boundary = "----cipTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post(uri)
        .header(header::COOKIE, cookie())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    send(root, req)
}

fn s(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The fields of the editor's main form, as a browser would submit them
/// untouched: inputs (hidden ones too), textareas, the selected options.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let start = html.find("<form id=\"plan\"").expect("the plan form");
    let end = start + html[start..].find("</form>").expect("form end");
    let form = &html[start..end];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let i = tag.find(&key)? + key.len();
        let j = tag[i..].find('"')?;
        Some(unescape(&tag[i..i + j]))
    };
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let tag_end = rest.find('>').expect("tag end");
        let tag = &rest[..=tag_end];
        if tag.starts_with("<input") && !tag.contains("type=\"file\"") {
            if let Some(n) = attr(tag, "name") {
                out.push((n, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<textarea") {
            let n = attr(tag, "name").expect("textarea name");
            let body_end = rest.find("</textarea>").expect("textarea end");
            out.push((n, unescape(&rest[tag_end + 1..body_end])));
        } else if tag.starts_with("<select") {
            let n = attr(tag, "name").expect("select name");
            let sel_end = rest.find("</select>").expect("select end");
            let sel = &rest[..sel_end];
            let chosen = sel
                .split("<option")
                .find(|o| o.contains(" selected"))
                .and_then(|o| attr(o, "value"))
                .unwrap_or_default();
            out.push((n, chosen));
        }
        rest = &rest[tag_end + 1..];
    }
    out
}

// ---------------------------------------------------------------------------

#[test]
fn every_page_needs_the_token() {
    let ws = workspace();
    for uri in [
        "/",
        "/case?plan=acme.toml",
        "/edit?plan=acme.toml",
        "/archive",
        "/static/app.js",
    ] {
        let r = send(
            &ws.root,
            Request::get(uri).body(Body::empty()).expect("req"),
        );
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{uri} without the token"
        );
        assert!(
            r.text().contains("needs the access token"),
            "{uri}: {}",
            r.text()
        );
        let r = send(
            &ws.root,
            Request::get(uri)
                .header(header::COOKIE, "cip_token=0123456789abcdef0123456789abcdee")
                .body(Body::empty())
                .expect("req"),
        );
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{uri} with a wrong cookie"
        );
    }
    let r = send(
        &ws.root,
        Request::get("/?token=nope")
            .body(Body::empty())
            .expect("req"),
    );
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[test]
fn the_token_in_the_address_sets_a_strict_cookie_and_leaves_the_address() {
    let ws = workspace();
    let r = send(
        &ws.root,
        Request::get(format!("/case?plan=acme.toml&token={TOKEN}"))
            .body(Body::empty())
            .expect("req"),
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/case?plan=acme.toml");
    let c = r.headers[header::SET_COOKIE].to_str().expect("ascii");
    assert!(c.starts_with(&format!("cip_token={TOKEN};")), "{c}");
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Strict"),
        "{c}"
    );
}

#[test]
fn the_portfolio_is_status_all_in_its_order() {
    let ws = workspace();
    let r = get(&ws.root, "/");
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    // The same library call `cip status --all` makes, on the same files.
    let paths = [ws.root.join("acme-r2.toml"), ws.root.join("acme.toml")];
    let p = cip::status::portfolio(
        &paths,
        cip::status::load,
        "2027-04-10".parse().expect("date"),
        &cip::status::Threshold::default(),
    );
    let order: Vec<String> = p
        .plans
        .iter()
        .map(|r| {
            Path::new(&r.file)
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let shown: Vec<usize> = order
        .iter()
        .map(|f| html.find(&format!("/case?plan={f}\"")).expect("row shown"))
        .collect();
    assert!(
        shown.windows(2).all(|w| w[0] < w[1]),
        "{order:?} in {shown:?}"
    );
    assert!(
        html.contains("Deadline passed, not implemented"),
        "phase in words"
    );
    assert!(!html.contains("am.toml"), "profiles are not plans");
    let filtered = get(&ws.root, "/?q=nothing-like-this").text();
    assert!(filtered.contains("No plans match"), "{filtered}");
}

#[test]
fn the_case_page_shows_state_findings_and_the_timeline_svg() {
    let ws = workspace();
    let r = get(&ws.root, "/case?plan=acme.toml");
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains("Deadline passed, not implemented"));
    assert!(html.contains("<svg") && html.contains("</svg>"));
    // The SVG is the timeline page's own drawing (one computation, two
    // vector languages): as many texts and markers as its shapes.
    let plan = cip::model::load_file(&ws.root.join("acme.toml")).expect("plan");
    let blocks = cip::documents::timeline::timeline(
        &plan,
        Some("2027-04-10".parse().expect("d")),
        720.0,
        cip::model::DateStyle::Long,
    );
    let (mut texts, mut shapes) = (0, 0);
    for b in &blocks {
        if let cip::documents::Block::Drawing(d) = b {
            shapes += d.shapes.len();
            texts += d
                .shapes
                .iter()
                .filter(|s| matches!(s, cip::documents::Shape::Text { .. }))
                .count();
        }
    }
    assert!(texts > 10, "the drawing has labels");
    assert_eq!(html.matches("<text ").count(), texts);
    let drawn = ["<rect ", "<line ", "<circle ", "<polygon "]
        .iter()
        .map(|t| html.matches(t).count())
        .sum::<usize>()
        + texts;
    let hatched = html.matches("url(#hatch)").count();
    assert_eq!(
        drawn - hatched - 1,
        shapes,
        "one element per shape (+ hatch overlays, + the pattern's line)"
    );
    assert!(html.contains("Check findings"));
    assert!(html.contains("Decision history"));
}

#[test]
fn paths_stay_in_the_workspace() {
    let ws = workspace();
    let outside = tempfile::tempdir().expect("tmp");
    std::fs::write(
        outside.path().join("secret.toml"),
        "[plan]\ncompany = \"x\"\n",
    )
    .expect("w");
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.toml"),
        ws.root.join("link.toml"),
    )
    .expect("symlink");
    for uri in [
        "/case?plan=../secret.toml",
        "/case?plan=%2Fetc%2Fpasswd",
        "/edit?plan=docs/..%2F..%2Fsecret.toml",
        "/case?plan=link.toml",
        "/edit?plan=link.toml",
        "/pdf?file=..%2Fx.pdf",
    ] {
        let r = get(&ws.root, uri);
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}: {}", r.text());
        assert!(
            r.text().contains("error: "),
            "{uri}: error as the CLI says it"
        );
        assert!(!r.text().contains("panicked"), "{uri}");
    }
}

#[test]
fn posts_need_the_csrf_token_and_our_origin() {
    let ws = workspace();
    let before = std::fs::read(ws.root.join("acme.toml")).expect("read");
    let hash = cip::model::files::sha256_hex(&before);
    let fields = vec![
        s("plan", "acme.toml"),
        s("hash", &hash),
        s("plan.company", "Evil Corp"),
    ];
    let r = post_form(&ws.root, "/edit", &fields);
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no csrf");
    let mut wrong = fields.clone();
    wrong.push(s("csrf", "00000000000000000000000000000000"));
    assert_eq!(
        post_form(&ws.root, "/edit", &wrong).status,
        StatusCode::FORBIDDEN
    );
    // The right token from another site.
    let mut ok = fields.clone();
    ok.push(s("csrf", CSRF));
    let req = Request::post("/edit")
        .header(header::COOKIE, cookie())
        .header(header::HOST, "127.0.0.1:8470")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={CSRF}&plan=acme.toml&hash={hash}&plan.company=Evil"
        )))
        .expect("req");
    assert_eq!(
        send(&ws.root, req).status,
        StatusCode::FORBIDDEN,
        "foreign origin"
    );
    // Multipart without the token.
    let r = multipart(&ws.root, "/drop", &[], ("x.pdf", b"%PDF-1.7"));
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        std::fs::read(ws.root.join("acme.toml")).expect("read"),
        before
    );
}

#[test]
fn an_oversized_upload_is_refused_and_writes_nothing() {
    let ws = workspace();
    let big = vec![b'x'; cip::serve::MAX_BODY_BYTES + 1];
    let r = multipart(
        &ws.root,
        "/edit/upload",
        &[("csrf", CSRF), ("plan", "acme.toml"), ("hash", "x")],
        ("big.bin", &big),
    );
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert!(r.text().contains("larger than"));
    assert!(!ws.root.join("docs/big.bin").exists());
}

#[test]
fn the_editor_saves_an_untouched_form_byte_identically() {
    let ws = workspace();
    let before = std::fs::read(ws.root.join("acme.toml")).expect("read");
    let page = get(&ws.root, "/edit?plan=acme.toml");
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let fields = form_fields(&page.text());
    assert!(fields.len() > 50, "{} fields", fields.len());
    let r = post_form(&ws.root, "/edit", &fields);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        r.headers[header::LOCATION]
            .to_str()
            .expect("ascii")
            .contains("nothing%20changed")
    );
    assert_eq!(
        std::fs::read(ws.root.join("acme.toml")).expect("read"),
        before
    );
}

#[test]
fn a_save_changes_only_the_edited_value_and_keeps_comments() {
    let ws = workspace();
    let before = std::fs::read_to_string(ws.root.join("acme.toml")).expect("read");
    let page = get(&ws.root, "/edit?plan=acme.toml").text();
    let mut fields = form_fields(&page);
    for (k, v) in &mut fields {
        if k == "deficiency[0].step[2].target" {
            *v = "2027-01-08".into();
        }
        if k == "responsible_official.phone" {
            *v = "+1 212 555 0199".into();
        }
    }
    let r = post_form(&ws.root, "/edit", &fields);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let after = std::fs::read_to_string(ws.root.join("acme.toml")).expect("read");
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [
            ("phone = \"+1 212 555 0142\"", "phone = \"+1 212 555 0199\""),
            ("target = 2026-12-18", "target = 2027-01-08")
        ]
    );
    assert_eq!(before.lines().count(), after.lines().count());
    // And the result still passes `cip check` (no errors).
    let (_, report) = cip::check::check_file(&ws.root.join("acme.toml")).expect("loads");
    assert!(!report.has_errors(), "{:?}", report.findings);
}

#[test]
fn a_stale_save_is_refused() {
    let ws = workspace();
    let page = get(&ws.root, "/edit?plan=acme.toml").text();
    let mut fields = form_fields(&page);
    // Someone else edits the file meanwhile.
    let path = ws.root.join("acme.toml");
    let theirs = std::fs::read_to_string(&path)
        .expect("read")
        .replace("Maria Alvarez", "Maria Alvarez-Ruiz");
    std::fs::write(&path, &theirs).expect("write");
    for (k, v) in &mut fields {
        if k == "plan.submitted_to" {
            *v = "Someone else".into();
        }
    }
    let r = post_form(&ws.root, "/edit", &fields);
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("changed on disk"));
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        theirs,
        "their change kept"
    );
}

#[test]
fn the_live_check_places_a_finding_at_its_field_and_drops_it_when_filled() {
    let ws = workspace();
    let page = get(&ws.root, "/edit?plan=acme.toml").text();
    let mut fields = form_fields(&page);
    for (k, v) in &mut fields {
        if k == "deficiency[0].validation.tester" {
            v.clear();
        }
    }
    let r = post_form(&ws.root, "/edit/check", &fields);
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    let at = &v["slots"]["deficiency[0].validation.tester"];
    assert_eq!(at[0]["rule"], "validation-tester-missing", "{v}");
    assert!(v["errors"].as_u64().expect("n") >= 1);
    for (k, val) in &mut fields {
        if k == "deficiency[0].validation.tester" {
            *val = "Internal Audit Department".into();
        }
    }
    let v: serde_json::Value =
        serde_json::from_slice(&post_form(&ws.root, "/edit/check", &fields).body).expect("json");
    assert!(
        v["slots"].get("deficiency[0].validation.tester").is_none(),
        "{v}"
    );
    assert_eq!(v["errors"], 0, "{v}");
    // Nothing was written by checking.
    assert!(
        std::fs::read_to_string(ws.root.join("acme.toml"))
            .expect("r")
            .contains("tester = \"Internal Audit")
    );
}

#[test]
fn steps_are_added_and_removed() {
    let ws = workspace();
    let path = ws.root.join("acme.toml");
    let count = |t: &str| t.matches("[[deficiency.step]]").count();
    let before = std::fs::read_to_string(&path).expect("read");
    let mut fields = form_fields(&get(&ws.root, "/edit?plan=acme.toml").text());
    fields.push(s("deficiency", "1"));
    let r = post_form(&ws.root, "/edit/step", &fields);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let added = std::fs::read_to_string(&path).expect("read");
    assert_eq!(count(&added), count(&before) + 1);
    let page = get(&ws.root, "/edit?plan=acme.toml").text();
    // The new step is empty, so `cip check` asks for its action next to it.
    assert!(page.contains("step-action-missing"), "finding shown");
    let n = cip::model::load_file(&path).expect("load").deficiencies[1]
        .steps
        .len();
    let mut fields = form_fields(&page);
    fields.push(s("remove", &format!("1.{}", n - 1)));
    let r = post_form(&ws.root, "/edit/step/remove", &fields);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let removed = std::fs::read_to_string(&path).expect("read");
    assert_eq!(count(&removed), count(&before));
    // Removing a step that does not exist is an error, not a panic.
    let mut fields = form_fields(&get(&ws.root, "/edit?plan=acme.toml").text());
    fields.push(s("remove", "7.99"));
    assert_eq!(
        post_form(&ws.root, "/edit/step/remove", &fields).status,
        StatusCode::BAD_REQUEST
    );
}

#[test]
fn a_document_upload_lands_in_docs_hashed_and_named_in_the_plan() {
    let ws = workspace();
    let hash = cip::model::files::sha256_hex(&std::fs::read(ws.root.join("acme.toml")).expect("r"));
    let content = b"Minutes of the training session, 2026-12-10\n";
    let r = multipart(
        &ws.root,
        "/edit/upload",
        &[("csrf", CSRF), ("plan", "acme.toml"), ("hash", &hash)],
        ("../../training minutes.txt", content),
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let stored = ws.root.join("docs/training_minutes.txt");
    assert_eq!(std::fs::read(&stored).expect("stored in docs/"), content);
    let plan = std::fs::read_to_string(ws.root.join("acme.toml")).expect("r");
    assert!(
        plan.contains("path = \"docs/training_minutes.txt\""),
        "{plan}"
    );
    let page = get(&ws.root, "/edit?plan=acme.toml").text();
    assert!(
        page.contains(&cip::model::files::sha256_hex(content)),
        "SHA-256 shown"
    );
    // A second upload of the same name does not replace the first.
    let hash = cip::model::files::sha256_hex(plan.as_bytes());
    let r = multipart(
        &ws.root,
        "/edit/upload",
        &[("csrf", CSRF), ("plan", "acme.toml"), ("hash", &hash)],
        ("training minutes.txt", b"other"),
    );
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(std::fs::read(&stored).expect("kept"), content);
}

#[test]
fn render_sign_then_drop_the_signed_pdf_and_a_forged_one() {
    let ws = workspace();
    let keys = tempfile::tempdir().expect("tmp");
    let k = common::make_key(keys.path(), "cfo", cip::keys::Algorithm::Ed25519);
    // Draft render: a PDF, inline.
    let r = post_form(
        &ws.root,
        "/edit/render",
        &[s("csrf", CSRF), s("plan", "acme.toml")],
    );
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(r.body.starts_with(b"%PDF-"));
    // Sign with a key named by path.
    let r = post_form(
        &ws.root,
        "/edit/sign",
        &[
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("key", &k.key.display().to_string()),
            s("cert", &k.cert.display().to_string()),
        ],
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let signed = std::fs::read(ws.root.join("acme-signed.pdf")).expect("signed written");
    let report = cip::verify::verify_pdf(
        &signed,
        &cip::verify::VerifyOptions {
            trust: cip::keys::load_certificates(&k.cert).expect("cert"),
            docs_dir: None,
        },
    )
    .expect("verifies");
    assert!(report.ok(), "{report:?}");
    assert!(!String::from_utf8_lossy(&r.body).contains("PRIVATE KEY"));
    // A missing key is an error page, not a crash.
    let r = post_form(
        &ws.root,
        "/edit/sign",
        &[
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("key", "/nonexistent/key.pem"),
            s("cert", "/nonexistent/c.pem"),
        ],
    );
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("cannot sign"), "{}", r.text());

    // The AM drops it (no trust anchors configured: untrusted, kept).
    let r = multipart(
        &ws.root,
        "/drop",
        &[("csrf", CSRF)],
        ("acme-signed.pdf", &signed),
    );
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("UNTRUSTED SIGNER"), "{}", r.text());
    assert!(ws.root.join("received/acme-signed.pdf").exists());
    let case = get(&ws.root, "/case?plan=received%2Facme-signed.pdf");
    assert_eq!(case.status, StatusCode::OK, "{}", case.text());
    assert!(case.text().contains("Acme Imports, Inc."));

    // A forged copy: one byte of the signed content changed.
    let mut forged = signed.clone();
    // The XMP packet is stored uncompressed: its Producer is a signed byte.
    let i = memchr_find(&forged, b"pdf:Producer").expect("a signed byte to change");
    forged[i + 1] ^= 0x20;
    let r = multipart(
        &ws.root,
        "/drop",
        &[("csrf", CSRF)],
        ("forged.pdf", &forged),
    );
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("NOT VALID"), "{}", r.text());
    assert!(
        !ws.root.join("received/forged.pdf").exists(),
        "a forged file is not kept"
    );

    // Garbage is an error message, not a panic.
    let r = multipart(
        &ws.root,
        "/drop",
        &[("csrf", CSRF)],
        ("x.pdf", b"not a pdf at all"),
    );
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("error: "));
}

fn memchr_find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

#[test]
fn a_new_plan_starts_from_the_starter_and_the_archive_page_answers() {
    let ws = workspace();
    let r = post_form(&ws.root, "/new", &[s("csrf", CSRF), s("name", "new-plan")]);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        std::fs::read_to_string(ws.root.join("new-plan.toml")).expect("written"),
        cip::init::STARTER
    );
    let page = get(&ws.root, "/edit?plan=new-plan.toml");
    assert_eq!(page.status, StatusCode::OK);
    // A second create does not overwrite.
    let r = post_form(&ws.root, "/new", &[s("csrf", CSRF), s("name", "new-plan")]);
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());

    let r = get(&ws.root, "/archive");
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text().contains("cip archive init"),
        "no archive yet: says how to make one"
    );
    cip::archive::Archive::init(&ws.root.join(cip::archive::DEFAULT_DIR)).expect("init");
    let r = get(&ws.root, "/archive");
    assert!(r.text().contains("Nothing"), "{}", r.text());
    let r = post_form(&ws.root, "/archive/verify", &[s("csrf", CSRF)]);
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("archive verifies"), "{}", r.text());
}

#[test]
fn unknown_pages_and_bad_input_are_errors_not_panics() {
    let ws = workspace();
    assert_eq!(get(&ws.root, "/nope").status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&ws.root, "/case?plan=missing.toml").status,
        StatusCode::FORBIDDEN
    );
    std::fs::write(ws.root.join("broken.toml"), "[plan\ncompany = 1").expect("w");
    let r = get(&ws.root, "/edit?plan=broken.toml");
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("not valid TOML"), "{}", r.text());
    let r = get(&ws.root, "/case?plan=broken.toml");
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("error: "));
}

#[test]
fn a_letter_is_previewed_then_issued_recorded_and_archived() {
    let ws = workspace();
    cip::archive::Archive::init(&ws.root.join(cip::archive::DEFAULT_DIR)).expect("init");
    // The case page offers the bundled kinds.
    let page = get(&ws.root, "/case?plan=acme.toml").text();
    assert!(
        page.contains("<option value=\"acceptance\">"),
        "kinds offered"
    );
    let keys = tempfile::tempdir().expect("tmp");
    let k = common::make_key(keys.path(), "am", cip::keys::Algorithm::P256);
    let form = |action: &str, kind: &str| {
        vec![
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("kind", kind),
            s("from", "am.toml"),
            s("action", action),
            s("key", &k.key.display().to_string()),
            s("cert", &k.cert.display().to_string()),
        ]
    };
    // An extension letter needs the request in the letter data: refused
    // with the library's message, nothing written.
    let r = post_form(&ws.root, "/letter", &form("issue", "extension"));
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("error: "), "{}", r.text());
    assert!(
        !ws.root.join("letters").exists(),
        "a refused letter writes nothing"
    );
    let r = post_form(&ws.root, "/letter", &form("preview", "acceptance"));
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.body.starts_with(b"%PDF-"));
    assert!(
        !ws.root.join("letters").exists(),
        "a preview writes nothing"
    );
    let r = post_form(&ws.root, "/letter", &form("issue", "acceptance"));
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = r.headers[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(loc.contains("recorded%20the%20decision"), "{loc}");
    assert!(loc.contains("archived%20%28SHA-256"), "{loc}");
    // The same letter twice on one day does not replace the first.
    let r = post_form(&ws.root, "/letter", &form("issue", "acceptance"));
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let letters: Vec<_> = std::fs::read_dir(ws.root.join("letters"))
        .expect("letters/")
        .collect();
    assert_eq!(letters.len(), 1);
    let case = std::fs::read_to_string(ws.root.join("acme.case.toml")).expect("case file");
    assert_eq!(case.matches("[[acceptance]]").count(), 1, "{case}");
    let archive = get(&ws.root, "/archive?q=acme").text();
    assert!(archive.contains("(acceptance)"), "{archive}");
    // The case page now says it was accepted (read back from the record).
    let page = get(&ws.root, "/case?plan=acme.toml").text();
    assert!(!page.contains("not recorded"), "acceptance shown");
    // Unknown kinds and profiles outside the workspace are refused.
    let r = post_form(&ws.root, "/letter", &form("issue", "love-letter"));
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let mut outside = form("issue", "acceptance");
    outside[3].1 = "../am.toml".into();
    assert_eq!(
        post_form(&ws.root, "/letter", &outside).status,
        StatusCode::FORBIDDEN
    );
}

#[test]
fn every_page_writes_dates_in_the_workspace_style_and_inputs_in_iso() {
    let ws = workspace();
    let page = |style: cip::model::DateStyle, uri: &str| {
        let mut c = config(&ws.root);
        c.date_style = style;
        let req = Request::get(uri)
            .header(header::COOKIE, cookie())
            .body(Body::empty())
            .expect("request");
        send_with(c, req).text()
    };
    use cip::model::DateStyle::{Iso, Long};
    // Long (the default, as the CLI's): no ISO date in the text of the
    // portfolio or the case page (only in machine-readable attributes).
    let visible = |html: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    };
    let iso_in = |text: &str| {
        let b = text.as_bytes();
        (0..b.len().saturating_sub(9)).find(|&i| {
            b[i..i + 10].iter().enumerate().all(|(k, c)| {
                if k == 4 || k == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
        })
    };
    for uri in ["/", "/case?plan=acme.toml"] {
        let html = page(Long, uri);
        let text = visible(&html);
        assert!(text.contains("April 10, 2027"), "{uri}: today in long form");
        // The plan source shown read-only on the case page is the TOML itself.
        let text = text.split("The plan as submitted").next().unwrap_or("");
        assert_eq!(
            iso_in(text).map(|i| &text[i.saturating_sub(60)..i + 10]),
            None,
            "{uri}: an ISO date in the page's text"
        );
        let html = page(Iso, uri);
        assert!(visible(&html).contains("2027-04-10"), "{uri}: ISO style");
        assert!(!html.contains("April 10, 2027"), "{uri}: one style");
    }
    // The editor's date pickers take and show ISO whatever the style.
    let edit = page(Long, "/edit?plan=acme.toml");
    assert!(
        edit.contains(
            "type=\"date\" id=\"plan.report_date\" name=\"plan.report_date\" value=\"2026-"
        )
    );
    assert!(edit.contains("type=\"date\" id=\"deficiency[0].step[0].target\""));
    assert!(edit.contains("type=\"date\" id=\"follow_up.requested\""));
}

#[test]
fn the_portfolio_says_what_is_due_next_and_from_whom() {
    let ws = workspace();
    let html = get(&ws.root, "/").text();
    assert!(html.contains("Due next, from whom"), "column");
    // From the lifecycle: the first duty of each plan, the same one the
    // case page lists first under "Next".
    let (plan, case) = cip::status::load(&ws.root.join("acme.toml")).expect("load");
    let st = cip::lifecycle::assess(
        &plan,
        &case,
        "2027-04-10".parse().expect("d"),
        &cip::status::Threshold::default(),
    );
    let first = st.due.first().expect("something is due");
    let row_start = html.find("/case?plan=acme.toml\"").expect("row");
    let row = &html[row_start..row_start + html[row_start..].find("</tr>").expect("end")];
    assert!(
        row.contains(&format!(
            "<strong class=\"by\">{}</strong>",
            first.by.as_str()
        )),
        "{row}"
    );
}

#[test]
fn steps_move_up_and_down_and_back_to_the_same_bytes() {
    let ws = workspace();
    let before = std::fs::read(ws.root.join("acme.toml")).expect("plan");
    let html = get(&ws.root, "/edit?plan=acme.toml").text();
    assert!(html.contains("value=\"0.1.up\"") && html.contains("value=\"0.0.down\""));
    assert!(
        !html.contains("value=\"0.0.up\""),
        "the first step has no Up"
    );
    let mut f = form_fields(&html);
    let action = |f: &[(String, String)], i: usize| {
        f.iter()
            .find(|(k, _)| k == &format!("deficiency[0].step[{i}].action"))
            .map(|(_, v)| v.clone())
            .expect("action")
    };
    let (a0, a1) = (action(&f, 0), action(&f, 1));
    f.push(s("move", "0.0.down"));
    let r = post_form(&ws.root, "/edit/step/move", &f);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = get(&ws.root, "/edit?plan=acme.toml").text();
    let mut f = form_fields(&html);
    assert_eq!((action(&f, 0), action(&f, 1)), (a1.clone(), a0.clone()));
    let moved = std::fs::read_to_string(ws.root.join("acme.toml")).expect("plan");
    assert_eq!(moved.len(), before.len(), "only the order changed");
    cip::model::load_file(&ws.root.join("acme.toml")).expect("still a plan");
    // A move past the end is refused, and writes nothing.
    let mut past = f.clone();
    past.push(s("move", "0.0.up"));
    let r = post_form(&ws.root, "/edit/step/move", &past);
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let mut junk = f.clone();
    junk.push(s("move", "0.0.sideways"));
    assert_eq!(
        post_form(&ws.root, "/edit/step/move", &junk).status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        std::fs::read_to_string(ws.root.join("acme.toml")).expect("plan"),
        moved
    );
    // Without the CSRF token: refused.
    let no_csrf: Vec<_> = f.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    let mut no_csrf = no_csrf;
    no_csrf.push(s("move", "0.1.up"));
    assert_eq!(
        post_form(&ws.root, "/edit/step/move", &no_csrf).status,
        StatusCode::FORBIDDEN
    );
    // And back: the file is byte for byte what it was.
    f.push(s("move", "0.1.up"));
    let r = post_form(&ws.root, "/edit/step/move", &f);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        std::fs::read(ws.root.join("acme.toml")).expect("plan"),
        before
    );
    // A save with nothing changed leaves it byte-identical too.
    let f = form_fields(&get(&ws.root, "/edit?plan=acme.toml").text());
    assert_eq!(
        post_form(&ws.root, "/edit", &f).status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        std::fs::read(ws.root.join("acme.toml")).expect("plan"),
        before
    );
}

#[test]
fn extensions_and_follow_up_have_date_pickers_and_round_trip() {
    let ws = workspace();
    let html = get(&ws.root, "/edit?plan=acme.toml").text();
    let mut f = form_fields(&html);
    f.push(s("extension", "new"));
    let r = post_form(&ws.root, "/edit/extension", &f);
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = get(&ws.root, "/edit?plan=acme.toml").text();
    assert!(
        html.contains("type=\"date\" id=\"extension[0].requested\" name=\"extension[0].requested\" value=\"2027-04-10\""),
        "requested today, in a date picker"
    );
    let mut f = form_fields(&html);
    for (k, v) in &mut f {
        if k == "follow_up.requested" {
            *v = "2027-03-01".into();
        }
    }
    assert_eq!(
        post_form(&ws.root, "/edit", &f).status,
        StatusCode::SEE_OTHER
    );
    let text = std::fs::read_to_string(ws.root.join("acme.toml")).expect("plan");
    assert!(
        text.contains("[follow_up]\nrequested = 2027-03-01"),
        "{text}"
    );
    let plan = cip::model::load_file(&ws.root.join("acme.toml")).expect("plan");
    assert_eq!(plan.extensions.len(), 1);
    // The AM's extension decision from the case page's date pickers.
    let keys = tempfile::tempdir().expect("tmp");
    let _ = keys;
    let r = post_form(
        &ws.root,
        "/letter",
        &[
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("kind", "extension"),
            s("from", "am.toml"),
            s("action", "preview"),
            s("decision", "denied"),
            s("requested", "2027-04-10"),
            s("reason", "no significant progress by the deadline"),
        ],
    );
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.body.starts_with(b"%PDF-"));
    let r = post_form(
        &ws.root,
        "/letter",
        &[
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("kind", "extension"),
            s("from", "am.toml"),
            s("action", "preview"),
            s("decision", "granted"),
            s("new_deadline", "July 15"),
        ],
    );
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("not a date"), "{}", r.text());
}

#[test]
fn a_pkcs12_key_signs_with_its_password_which_is_never_echoed() {
    let ws = workspace();
    let keys = tempfile::tempdir().expect("tmp");
    let k = common::make_key(keys.path(), "cfo", cip::keys::Algorithm::P256);
    let p12 = keys.path().join("cfo.p12");
    let out = std::process::Command::new("openssl")
        .args(["pkcs12", "-export", "-inkey"])
        .arg(&k.key)
        .arg("-in")
        .arg(&k.cert)
        .arg("-out")
        .arg(&p12)
        .args(["-passout", "pass:correct horse battery"])
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let form = |password: &str| {
        vec![
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("key", &p12.display().to_string()),
            s("password", password),
        ]
    };
    // Wrong password: the library's error, the password nowhere in it.
    let r = post_form(&ws.root, "/edit/sign", &form("wrong horse secret"));
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("cannot sign"), "{}", r.text());
    assert!(!r.text().contains("wrong horse secret"));
    assert!(!ws.root.join("acme-signed.pdf").exists());
    // No password at all: an error, not a prompt on the server's terminal.
    let r = post_form(&ws.root, "/edit/sign", &form(""));
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    // A certificate without its key.
    let r = post_form(
        &ws.root,
        "/edit/sign",
        &[
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("cert", &k.cert.display().to_string()),
        ],
    );
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The right one: signed with the certificate from the .p12.
    let r = post_form(&ws.root, "/edit/sign", &form("correct horse battery"));
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = r.headers[header::LOCATION].to_str().expect("ascii");
    assert!(!loc.contains("horse"), "{loc}");
    assert!(!r.text().contains("horse"));
    let signed = std::fs::read(ws.root.join("acme-signed.pdf")).expect("signed");
    let report = cip::verify::verify_pdf(
        &signed,
        &cip::verify::VerifyOptions {
            trust: cip::keys::load_certificates(&k.cert).expect("cert"),
            docs_dir: None,
        },
    )
    .expect("verifies");
    assert!(report.ok(), "{report:?}");
    // The editor page after signing does not carry the password back.
    let html = get(&ws.root, "/edit?plan=acme.toml").text();
    assert!(!html.contains("horse"));
    assert!(html.contains("name=\"password\" type=\"password\""));
}

#[test]
fn transmit_writes_the_transmittal_letter_once_and_refuses_bad_input() {
    let ws = workspace();
    let form = |from: &str| {
        vec![
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("from", from),
            s("to", "am.toml"),
        ]
    };
    let r = post_form(&ws.root, "/edit/transmit", &form("company.toml"));
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let loc = r.headers[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(loc.contains("transmittal%20letter%20written"), "{loc}");
    let letter = ws
        .root
        .join("letters/acme-imports-inc-transmittal-2027-04-10.pdf");
    let pdf = std::fs::read(&letter).unwrap_or_else(|e| panic!("{}: {e}", letter.display()));
    assert!(pdf.starts_with(b"%PDF-"));
    // The library's own letter: the plan's digest is in it.
    let plan_sha =
        cip::model::files::sha256_hex(&std::fs::read(ws.root.join("acme.toml")).expect("plan"));
    let out = std::process::Command::new("pdftotext")
        .arg(&letter)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&out.stdout).replace(['\n', ' '], "");
    assert!(
        text.contains(&plan_sha[..16]),
        "the plan's SHA-256 in {text}"
    );
    // Twice the same day: refused, the first kept.
    let r = post_form(&ws.root, "/edit/transmit", &form("company.toml"));
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // A profile outside the workspace, or missing, or not a profile.
    assert_eq!(
        post_form(&ws.root, "/edit/transmit", &form("../company.toml")).status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_form(&ws.root, "/edit/transmit", &form("nothing.toml")).status,
        StatusCode::FORBIDDEN
    );
    let r = post_form(&ws.root, "/edit/transmit", &form("acme.toml"));
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert!(r.text().contains("error: "), "{}", r.text());
    // Only TOML plans are transmitted from the editor.
    let mut pdf_plan = form("company.toml");
    pdf_plan[1].1 = "letters/acme-imports-inc-transmittal-2027-04-10.pdf".into();
    assert_eq!(
        post_form(&ws.root, "/edit/transmit", &pdf_plan).status,
        StatusCode::BAD_REQUEST
    );
}

#[test]
fn the_archivist_exports_a_bundle_that_verifies() {
    let ws = workspace();
    // No archive: the export says so.
    let r = post_form(
        &ws.root,
        "/archive/export",
        &[s("csrf", CSRF), s("company", "Acme")],
    );
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let a = cip::archive::Archive::init(&ws.root.join(cip::archive::DEFAULT_DIR)).expect("init");
    // A signed plan in the archive.
    let keys = tempfile::tempdir().expect("tmp");
    let k = common::make_key(keys.path(), "cfo", cip::keys::Algorithm::Ed25519);
    let r = post_form(
        &ws.root,
        "/edit/sign",
        &[
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("key", &k.key.display().to_string()),
            s("cert", &k.cert.display().to_string()),
        ],
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    a.add(
        &ws.root.join("acme-signed.pdf"),
        &cip::archive::AddOptions {
            trust: Vec::new(),
            require_trusted: false,
        },
    )
    .expect("archived");
    let page = get(&ws.root, "/archive").text();
    assert!(page.contains("action=\"/archive/export\""), "export form");
    // Unknown company, empty name, no CSRF token.
    let r = post_form(
        &ws.root,
        "/archive/export",
        &[s("csrf", CSRF), s("company", "Nobody Ltd")],
    );
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(!ws.root.join("bundles/nobody-ltd-2027-04-10").exists());
    let r = post_form(
        &ws.root,
        "/archive/export",
        &[s("csrf", CSRF), s("company", " ")],
    );
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post_form(&ws.root, "/archive/export", &[s("company", "Acme")]);
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The export, then the library's bundle check on it.
    let r = post_form(
        &ws.root,
        "/archive/export",
        &[s("csrf", CSRF), s("company", "acme")],
    );
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let dirs: Vec<_> = std::fs::read_dir(ws.root.join("bundles"))
        .expect("bundles/")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    let report = cip::archive::verify_bundle(&dirs[0], &[]).expect("bundle check");
    assert!(report.ok, "{report:?}");
    assert!(dirs[0].join("index.json").is_file());
    let loc = r.headers[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(get(&ws.root, &loc).text().contains("exported 1 file(s)"));
    // Again the same day: refused, not overwritten.
    let r = post_form(
        &ws.root,
        "/archive/export",
        &[s("csrf", CSRF), s("company", "acme")],
    );
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
}

/// A PEM key without its certificate is refused with the reason (a
/// PKCS#12 file or a token holds its certificate; a key file does not).
#[test]
fn the_sign_button_refuses_a_pem_key_without_its_certificate() {
    let ws = workspace();
    let keys = tempfile::tempdir().expect("tmp");
    let k = common::make_key(keys.path(), "cfo", cip::keys::Algorithm::Ed25519);
    let r = post_form(
        &ws.root,
        "/edit/sign",
        &[
            s("csrf", CSRF),
            s("plan", "acme.toml"),
            s("key", &k.key.display().to_string()),
            s("cert", ""),
        ],
    );
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("needs its certificate"), "{}", r.text());
    assert!(!ws.root.join("acme-signed.pdf").exists());
}
