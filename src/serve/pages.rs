//! The pages and actions. Each handler reads its input, asks the library
//! (status, lifecycle, check, render, sign, verify, archive) and fills a
//! template; nothing here decides a framework fact.
// The error side of these results is the error page itself (axum's
// `Response`, 128 bytes), made at most once per request: boxing it would
// only add an allocation to every early return.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};

use axum::body::Bytes;
use axum::extract::{Multipart, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;

use super::edit::{self, Form};
use super::{Shared, form_urlencoded_pairs, refuse, svg, url_encode};
use crate::check::{self, Finding};
use crate::lifecycle::Threshold;
use crate::model::files;
use crate::{intake, keys, model, render, sign, status, verify};

type Res = Result<Response, Response>;

/// Largest plan TOML the editor opens (the model's own limit).
const MAX_PLAN: u64 = model::MAX_PLAN_BYTES;

fn page(st: &Shared, name: &str, mut ctx: tera::Context) -> Response {
    ctx.insert("csrf", &st.cfg.csrf);
    match st.tera.render(name, &ctx) {
        Ok(body) => Html(body).into_response(),
        Err(e) => refuse(
            st,
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot show the page: {e}"),
        ),
    }
}

fn bad(st: &Shared, message: impl std::fmt::Display) -> Response {
    refuse(st, StatusCode::BAD_REQUEST, &format!("error: {message}"))
}

fn today(st: &Shared) -> chrono::NaiveDate {
    st.cfg
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// A workspace-relative path from a URL or form, resolved to an existing
/// regular file inside the workspace (no `..`, no absolute path, no link
/// out): `model::files::resolve`, as plans' document paths are.
fn inside(st: &Shared, rel: &str) -> Result<PathBuf, Response> {
    files::resolve(&st.cfg.root, rel)
        .map_err(|e| refuse(st, StatusCode::FORBIDDEN, &format!("error: {e}")))
}

/// The workspace-relative name of `p`, for links.
fn rel_of(st: &Shared, p: &Path) -> String {
    p.strip_prefix(&st.cfg.root)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// A file name an upload may take: one plain component, no leading dot,
/// letters, digits and `._-` only (anything else becomes `_`).
fn clean_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let out: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let out = out.trim_start_matches('.').to_string();
    (!out.is_empty() && out.len() <= 120).then_some(out)
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn pairs(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded_pairs(&String::from_utf8_lossy(body))
}

// ---------------------------------------------------------------------------
// Portfolio

/// The plans of the workspace, as `cip status --all` finds them in a folder
/// ([`crate::intake::folder_entry`]: no case files, profiles or letters),
/// in the folder and one level below (not `docs/`, `letters/` or the
/// archive), and no `.draft.pdf`; sorted.
fn workspace_plans(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(ft) = e.file_type() else { continue };
            if name.starts_with('.') || ft.is_symlink() {
                continue;
            }
            if ft.is_dir() {
                if depth == 0
                    && name != "docs"
                    && name != LETTERS
                    && name != crate::archive::DEFAULT_DIR
                {
                    dirs.push((p, depth + 1));
                }
                continue;
            }
            if !name.to_ascii_lowercase().ends_with(".draft.pdf")
                && crate::intake::folder_entry(&p).is_ok()
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    row: status::PortfolioRow,
    rel: String,
    phase_title: &'static str,
    editable: bool,
    /// What the lifecycle lists first as due, and from whom.
    due: Option<Due>,
}

/// The lifecycle's first duty of a plan, as the case page's "Next" lists it.
#[derive(Serialize)]
struct Due {
    by: &'static str,
    date: Option<chrono::NaiveDate>,
    what: String,
    overdue: bool,
}

pub async fn portfolio(
    State(st): State<Shared>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let filter = param(&q, "q").unwrap_or("").trim().to_lowercase();
    let paths = workspace_plans(&st.cfg.root);
    let today = today(&st);
    let threshold = Threshold::default();
    // `cip status --all`'s rows (`PortfolioRow::from_state`) and order
    // (`status::urgency`), with the lifecycle's first duty beside each.
    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    for path in &paths {
        let rel = rel_of(&st, path);
        match status::load(path) {
            Ok((mut plan, case)) => {
                // The row names the file by the plan's source name, which
                // for a PDF is "x.pdf (plan.toml)": name it by its path.
                plan.source.name = path.display().to_string();
                let state = crate::lifecycle::assess(&plan, &case, today, &threshold);
                let due = state.due.first().map(|d| Due {
                    by: d.by.as_str(),
                    date: d.date,
                    what: d.what.clone(),
                    overdue: d.overdue,
                });
                let row = status::PortfolioRow::from_state(&plan, &state);
                rows.push(Row {
                    phase_title: row.phase.title(),
                    editable: rel.to_ascii_lowercase().ends_with(".toml"),
                    rel,
                    row,
                    due,
                });
            }
            Err(e) => unreadable.push(status::Unreadable {
                file: rel,
                error: e.to_string(),
            }),
        }
    }
    rows.sort_by(|a, b| status::urgency(&a.row, &b.row));
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|r| {
            filter.is_empty()
                || [&r.row.company, &r.row.assessment_report, &r.rel]
                    .iter()
                    .any(|s| s.to_lowercase().contains(&filter))
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("title", "Portfolio");
    ctx.insert("today", &today.to_string());
    ctx.insert("rows", &rows);
    ctx.insert("unreadable", &unreadable);
    ctx.insert("q", &filter);
    ctx.insert("root", &st.cfg.root.display().to_string());
    page(&st, "portfolio.html", ctx)
}

// ---------------------------------------------------------------------------
// Case view

/// Width of the timeline drawings (points), as wide as a letter page's
/// text column in landscape; the SVG scales to the window.
const TIMELINE_WIDTH: f32 = 720.0;

#[derive(Serialize)]
struct Shown {
    rule: &'static str,
    severity: check::Severity,
    path: String,
    message: String,
    hint: String,
}

impl From<&Finding> for Shown {
    fn from(f: &Finding) -> Self {
        Shown {
            rule: f.rule,
            severity: f.severity,
            path: f.path.clone(),
            message: f.message.clone(),
            hint: f.hint.clone(),
        }
    }
}

pub async fn case(State(st): State<Shared>, Query(q): Query<Vec<(String, String)>>) -> Res {
    let rel = param(&q, "plan").unwrap_or("");
    let path = inside(&st, rel)?;
    // Read as `cip letter` reads a plan (a PDF verified first, its record
    // beside it), so the findings are the ones a letter would speak of.
    let loaded = crate::letter::PlanInput::load(&path, &st.cfg.trust).map_err(|e| bad(&st, e))?;
    let today = today(&st);
    let s = status::compute(&loaded.plan, &loaded.case, today, &Threshold::default());
    let findings: Vec<Shown> = loaded.findings().iter().map(Shown::from).collect();
    let warnings = loaded.warnings();
    let timeline = crate::documents::timeline::timeline(
        &loaded.plan,
        Some(today),
        TIMELINE_WIDTH,
        st.cfg.date_style,
    );
    let svgs = svg::drawings(
        &timeline,
        TIMELINE_WIDTH,
        &format!("Implementation timeline of {}", loaded.plan.company()),
    );
    let record = loaded
        .case_path
        .as_ref()
        .map(|p| serde_json::json!({"file": rel_of(&st, p), "text": loaded.case.text}));
    let mut ctx = tera::Context::new();
    ctx.insert("title", &format!("Case: {}", s.company));
    ctx.insert("rel", rel);
    ctx.insert("s", &s);
    ctx.insert("findings", &findings);
    ctx.insert("warnings", &warnings);
    ctx.insert("svgs", &svgs);
    ctx.insert("record", &record);
    ctx.insert("source", &loaded.plan.source.text);
    ctx.insert("editable", &rel.to_ascii_lowercase().ends_with(".toml"));
    ctx.insert("kinds", &letter_kinds());
    ctx.insert("note", &param(&q, "note"));
    Ok(page(&st, "case.html", ctx))
}

/// A PDF of the workspace, shown inline.
pub async fn pdf(State(st): State<Shared>, Query(q): Query<Vec<(String, String)>>) -> Res {
    let rel = param(&q, "file").unwrap_or("");
    if !rel.to_ascii_lowercase().ends_with(".pdf") {
        return Err(bad(&st, format!("`{rel}` is not a PDF")));
    }
    let path = inside(&st, rel)?;
    let bytes = files::read_bounded(&path, intake::MAX_PLAN_PDF_BYTES, "a PDF")
        .map_err(|e| bad(&st, format!("cannot read {rel}: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}

// ---------------------------------------------------------------------------
// Dropped PDFs (the account manager's intake)

/// Where dropped plans that verify are kept.
const RECEIVED: &str = "received";

/// The parts of a multipart form: text fields, and the (one) file.
struct Upload {
    fields: Vec<(String, String)>,
    file: Option<(String, Vec<u8>)>,
}

async fn read_multipart(st: &Shared, mut m: Multipart) -> Result<Upload, Response> {
    let mut up = Upload {
        fields: Vec::new(),
        file: None,
    };
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(bad(st, format!("the upload could not be read: {e}"))),
        };
        let name = field.name().unwrap_or("").to_string();
        if let Some(file_name) = field.file_name().map(str::to_string) {
            let bytes = field
                .bytes()
                .await
                .map_err(|e| bad(st, format!("the upload could not be read: {e}")))?;
            up.file = Some((file_name, bytes.to_vec()));
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| bad(st, format!("the form could not be read: {e}")))?;
            up.fields.push((name, text));
        }
    }
    Ok(up)
}

#[derive(Serialize)]
struct Verdict {
    /// "valid", "untrusted" or "invalid".
    level: &'static str,
    words: String,
}

fn verdict(r: &verify::VerifyReport) -> Verdict {
    let all_valid = !r.signatures.is_empty() && r.signatures.iter().all(|s| s.valid);
    if r.ok() {
        Verdict {
            level: "valid",
            words: "Valid: every signature verifies and is trusted, the manifest matches.".into(),
        }
    } else if all_valid && r.problems.is_empty() && r.signatures.iter().any(|s| !s.trusted) {
        Verdict {
            level: "untrusted",
            words: "Signatures intact, but the signer is NOT TRUSTED: no trusted certificate (serve --trust) vouches for them.".into(),
        }
    } else {
        Verdict {
            level: "invalid",
            words: "NOT VALID: this file was altered after signing, or its signature or manifest does not verify. Do not rely on it.".into(),
        }
    }
}

pub async fn drop_pdf(State(st): State<Shared>, m: Multipart) -> Res {
    let up = read_multipart(&st, m).await?;
    let Some((name, bytes)) = up.file else {
        return Err(bad(&st, "no file was dropped"));
    };
    let Some(clean) = clean_name(&name) else {
        return Err(bad(&st, format!("`{name}` is not a usable file name")));
    };
    let opts = verify::VerifyOptions {
        trust: st.cfg.trust.clone(),
        docs_dir: None,
    };
    let report =
        verify::verify_pdf(&bytes, &opts).map_err(|e| bad(&st, format!("{clean}: {e}")))?;
    let v = verdict(&report);
    let dir = st.cfg.root.join(RECEIVED);
    let target = dir.join(&clean);
    // Read the plan as `cip status` / `cip letter` would (refused unless
    // every signature and the manifest verify).
    let plan = intake::plan_from_pdf(&clean, &target, &bytes, &st.cfg.trust);
    let mut stored = None;
    let mut plan_error = None;
    match &plan {
        Ok(_) if v.level != "invalid" => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| bad(&st, format!("cannot create {RECEIVED}/: {e}")))?;
            if target.exists() && std::fs::read(&target).ok().as_deref() != Some(&bytes[..]) {
                return Err(refuse(
                    &st,
                    StatusCode::CONFLICT,
                    &format!(
                        "error: {RECEIVED}/{clean} exists and holds another file; rename the file and drop it again"
                    ),
                ));
            }
            crate::atomic::write(&target, &bytes)
                .map_err(|e| bad(&st, format!("cannot write {RECEIVED}/{clean}: {e}")))?;
            stored = Some(format!("{RECEIVED}/{clean}"));
        }
        Ok(_) => {}
        Err(e) => plan_error = Some(e.to_string()),
    }
    let mut ctx = tera::Context::new();
    ctx.insert("title", &format!("Verification of {clean}"));
    ctx.insert("file", &clean);
    ctx.insert("sha256", &files::sha256_hex(&bytes));
    ctx.insert("report", &report);
    ctx.insert("verdict", &v);
    ctx.insert("stored", &stored);
    ctx.insert("plan_error", &plan_error);
    let code = if v.level == "invalid" {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((code, page(&st, "verify.html", ctx)).into_response())
}

// ---------------------------------------------------------------------------
// Plan editor

/// The plan file named in the form or query, its text and its hash.
fn open_plan(st: &Shared, rel: &str) -> Result<(PathBuf, String, String), Response> {
    if !rel.to_ascii_lowercase().ends_with(".toml") {
        return Err(bad(
            st,
            format!("`{rel}` is not a TOML plan; the editor opens .toml files"),
        ));
    }
    let path = inside(st, rel)?;
    let bytes = files::read_bounded(&path, MAX_PLAN, "a plan")
        .map_err(|e| bad(st, format!("cannot read {rel}: {e}")))?;
    let hash = files::sha256_hex(&bytes);
    let text = String::from_utf8(bytes).map_err(|_| bad(st, format!("{rel}: not UTF-8 text")))?;
    Ok((path, text, hash))
}

/// The findings of a plan text, by slot of `form` (the rest unplaced), or
/// the load error as `cip check` prints it.
#[derive(Serialize, Default)]
struct Placed {
    slots: std::collections::BTreeMap<String, Vec<Shown>>,
    general: Vec<Shown>,
    error: Option<String>,
    errors: usize,
    warnings: usize,
}

fn place(path: &Path, rel: &str, text: &str, form: &Form) -> Placed {
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let plan = match model::parse(rel, base, text.to_string()) {
        Ok(p) => p,
        Err(e) => {
            return Placed {
                error: Some(format!("error: {e}")),
                ..Placed::default()
            };
        }
    };
    let slots = form.slots();
    let mut out = Placed::default();
    for f in check::check(&plan) {
        match f.severity {
            check::Severity::Error => out.errors += 1,
            check::Severity::Warning => out.warnings += 1,
        }
        match edit::slot_for(&f.path, &slots) {
            Some(s) => out
                .slots
                .entry(s.to_string())
                .or_default()
                .push((&f).into()),
            None => out.general.push((&f).into()),
        }
    }
    out
}

#[derive(Serialize)]
struct DocHash {
    path: String,
    sha256: Option<String>,
    error: Option<String>,
}

fn edit_page(st: &Shared, rel: &str, note: Option<String>) -> Res {
    let (path, text, hash) = open_plan(st, rel)?;
    let doc = edit::parse(rel, &text).map_err(|e| bad(st, e))?;
    let form = edit::fields(&doc);
    let placed = place(&path, rel, &text, &form);
    let base = path.parent().unwrap_or(Path::new("."));
    let hashes: Vec<DocHash> = form
        .documents
        .iter()
        .map(
            |d| match (!d.file.is_empty()).then(|| files::hash(base, &d.file)) {
                Some(Ok(h)) => DocHash {
                    path: d.path.clone(),
                    sha256: Some(h.sha256),
                    error: None,
                },
                Some(Err(e)) => DocHash {
                    path: d.path.clone(),
                    sha256: None,
                    error: Some(e.to_string()),
                },
                None => DocHash {
                    path: d.path.clone(),
                    sha256: None,
                    error: None,
                },
            },
        )
        .collect();
    let mut fj = serde_json::to_value(&form).map_err(|e| bad(st, e))?;
    annotate(&mut fj, &placed.slots);
    let section = |id: &str, title: &str, key: &str| {
        serde_json::json!({
            "id": id, "title": title, "slot": id,
            "fields": fj[key].clone(),
            "findings": placed.slots.get(id).and_then(|v| serde_json::to_value(v).ok()).unwrap_or_else(|| serde_json::json!([])),
        })
    };
    let sections = vec![
        section("plan", "Plan", "header"),
        section(
            "responsible_official",
            "Responsible official",
            "responsible",
        ),
        section("approving_official", "Approving official", "approving"),
    ];
    let mut ctx = tera::Context::new();
    ctx.insert("title", &format!("Edit {rel}"));
    ctx.insert("rel", rel);
    ctx.insert("hash", &hash);
    ctx.insert("form", &fj);
    ctx.insert("sections", &sections);
    ctx.insert(
        "step_headers",
        &[
            "Action",
            "Documents (ids)",
            "Target date",
            "Department(s)",
            "Status",
            "Completed",
        ],
    );
    ctx.insert(
        "follow_up_findings",
        &placed
            .slots
            .get("follow_up")
            .map(Vec::as_slice)
            .unwrap_or(&[]),
    );
    ctx.insert("placed", &placed);
    ctx.insert("hashes", &hashes);
    ctx.insert("note", &note);
    Ok(page(st, "edit.html", ctx))
}

/// Every object of the form that has a `path` gets the findings shown in
/// its slot (`findings`); a deficiency also its validation's.
fn annotate(v: &mut serde_json::Value, slots: &std::collections::BTreeMap<String, Vec<Shown>>) {
    let get = |k: &str| {
        slots
            .get(k)
            .and_then(|f| serde_json::to_value(f).ok())
            .unwrap_or_else(|| serde_json::json!([]))
    };
    match v {
        serde_json::Value::Object(m) => {
            if let Some(p) = m.get("path").and_then(|p| p.as_str()).map(str::to_string) {
                m.insert("findings".into(), get(&p));
                if m.contains_key("validation") {
                    m.insert(
                        "validation_findings".into(),
                        get(&format!("{p}.validation")),
                    );
                }
            }
            // Not into the findings just added: they have paths too.
            for (k, x) in m.iter_mut() {
                if k != "findings" && k != "validation_findings" {
                    annotate(x, slots);
                }
            }
        }
        serde_json::Value::Array(a) => {
            for x in a {
                annotate(x, slots);
            }
        }
        _ => {}
    }
}

pub async fn edit(State(st): State<Shared>, Query(q): Query<Vec<(String, String)>>) -> Res {
    let rel = param(&q, "plan").unwrap_or("").to_string();
    let note = param(&q, "note").map(str::to_string);
    edit_page(&st, &rel, note)
}

/// Write `new` over the plan when the file still has `hash` (else the
/// save is refused: someone changed it since the page was loaded).
fn save_checked(
    st: &Shared,
    path: &Path,
    rel: &str,
    hash: &str,
    old: &str,
    new: &str,
) -> Result<(), Response> {
    let now = files::read_bounded(path, MAX_PLAN, "a plan")
        .map_err(|e| bad(st, format!("cannot read {rel}: {e}")))?;
    if files::sha256_hex(&now) != hash {
        return Err(refuse(
            st,
            StatusCode::CONFLICT,
            &format!(
                "error: {rel} changed on disk since this page was loaded; not saved. Reload the page (your changes here are lost) or save the file elsewhere first"
            ),
        ));
    }
    if new != old {
        crate::atomic::write(path, new.as_bytes())
            .map_err(|e| bad(st, format!("cannot write {rel}: {e}")))?;
    }
    Ok(())
}

fn back_to_editor(rel: &str, note: &str, anchor: &str) -> Response {
    Redirect::to(&format!(
        "/edit?plan={}&note={}{anchor}",
        url_encode(rel),
        url_encode(note)
    ))
    .into_response()
}

/// The form's plan, its current text and hash as loaded by the page, and
/// the text with the form applied.
fn from_form(
    st: &Shared,
    f: &[(String, String)],
) -> Result<(PathBuf, String, String, String, String), Response> {
    let rel = param(f, "plan").unwrap_or("").to_string();
    let hash = param(f, "hash").unwrap_or("").to_string();
    let (path, text, _) = open_plan(st, &rel)?;
    let applied = edit::apply_form(&rel, &text, f).map_err(|e| bad(st, e))?;
    Ok((path, rel, hash, text, applied))
}

pub async fn save(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let (path, rel, hash, text, applied) = from_form(&st, &f)?;
    save_checked(&st, &path, &rel, &hash, &text, &applied)?;
    let note = if applied == text {
        "nothing changed; the file was left as it was"
    } else {
        "saved"
    };
    Ok(back_to_editor(&rel, note, ""))
}

/// The findings of the form as typed (not saved): JSON for the page's
/// script, which shows each next to its field.
pub async fn live_check(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let (path, rel, _, _, applied) = from_form(&st, &f)?;
    let doc = edit::parse(&rel, &applied).map_err(|e| bad(&st, e))?;
    let placed = place(&path, &rel, &applied, &edit::fields(&doc));
    let json = serde_json::to_string(&placed).map_err(|e| bad(&st, e))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

fn index(st: &Shared, f: &[(String, String)], name: &str) -> Result<usize, Response> {
    param(f, name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| bad(st, format!("`{name}` must be a number")))
}

pub async fn add_step(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let (path, rel, hash, text, applied) = from_form(&st, &f)?;
    let d = index(&st, &f, "deficiency")?;
    let new = edit::add_step(&rel, &applied, d).map_err(|e| bad(&st, e))?;
    save_checked(&st, &path, &rel, &hash, &text, &new)?;
    Ok(back_to_editor(
        &rel,
        "step added and saved",
        &format!("#deficiency-{d}"),
    ))
}

pub async fn remove_step(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let (path, rel, hash, text, applied) = from_form(&st, &f)?;
    let which = param(&f, "remove").unwrap_or("");
    let Some((d, s)) = which
        .split_once('.')
        .and_then(|(d, s)| Some((d.parse::<usize>().ok()?, s.parse::<usize>().ok()?)))
    else {
        return Err(bad(
            &st,
            format!("`remove` must be DEFICIENCY.STEP, not `{which}`"),
        ));
    };
    let new = edit::remove_step(&rel, &applied, d, s).map_err(|e| bad(&st, e))?;
    save_checked(&st, &path, &rel, &hash, &text, &new)?;
    Ok(back_to_editor(
        &rel,
        "step removed and saved",
        &format!("#deficiency-{d}"),
    ))
}

/// A new extension request (`[[extension]]`, requested today), with the
/// form's other edits.
pub async fn add_extension(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let (path, rel, hash, text, applied) = from_form(&st, &f)?;
    let new = edit::add_extension(&rel, &applied, today(&st)).map_err(|e| bad(&st, e))?;
    save_checked(&st, &path, &rel, &hash, &text, &new)?;
    Ok(back_to_editor(
        &rel,
        "extension request added and saved",
        "#extensions",
    ))
}

/// Move a step up or down (`move` = `DEFICIENCY.STEP.up` or `.down`): a
/// plain form button, so it works without the page's script; the form's
/// other edits are saved with it.
pub async fn move_step(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let (path, rel, hash, text, applied) = from_form(&st, &f)?;
    let which = param(&f, "move").unwrap_or("");
    let parsed = {
        let mut it = which.split('.');
        match (it.next(), it.next(), it.next(), it.next()) {
            (Some(d), Some(s), Some(dir), None) => {
                match (d.parse::<usize>(), s.parse::<usize>(), dir) {
                    (Ok(d), Ok(s), "up") => Some((d, s, true)),
                    (Ok(d), Ok(s), "down") => Some((d, s, false)),
                    _ => None,
                }
            }
            _ => None,
        }
    };
    let Some((d, s, up)) = parsed else {
        return Err(bad(
            &st,
            format!("`move` must be DEFICIENCY.STEP.up or .down, not `{which}`"),
        ));
    };
    let new = edit::move_step(&rel, &applied, d, s, up).map_err(|e| bad(&st, e))?;
    save_checked(&st, &path, &rel, &hash, &text, &new)?;
    Ok(back_to_editor(
        &rel,
        &format!(
            "step {} moved {} and saved",
            s + 1,
            if up { "up" } else { "down" }
        ),
        &format!("#deficiency-{d}"),
    ))
}

/// A supporting document into the plan's `docs/`, hashed, and named in
/// the plan as a new `[[document]]`.
pub async fn upload_doc(State(st): State<Shared>, m: Multipart) -> Res {
    let up = read_multipart(&st, m).await?;
    let rel = param(&up.fields, "plan").unwrap_or("").to_string();
    let hash = param(&up.fields, "hash").unwrap_or("").to_string();
    let (path, text, _) = open_plan(&st, &rel)?;
    let Some((name, bytes)) = up.file else {
        return Err(bad(&st, "no file was chosen"));
    };
    let Some(clean) = clean_name(&name) else {
        return Err(bad(&st, format!("`{name}` is not a usable file name")));
    };
    let docs = path.parent().unwrap_or(Path::new(".")).join("docs");
    std::fs::create_dir_all(&docs).map_err(|e| bad(&st, format!("cannot create docs/: {e}")))?;
    if !files::is_within(&docs, &st.cfg.root) {
        return Err(refuse(
            &st,
            StatusCode::FORBIDDEN,
            "error: the plan's docs/ folder leads outside the workspace",
        ));
    }
    let target = docs.join(&clean);
    if target.exists() {
        return Err(refuse(
            &st,
            StatusCode::CONFLICT,
            &format!(
                "error: docs/{clean} exists already; rename the file or remove the old one first"
            ),
        ));
    }
    let sha = files::sha256_hex(&bytes);
    let id = clean
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(&clean)
        .to_ascii_lowercase();
    let new = edit::add_document(&rel, &text, &id, &clean, &format!("docs/{clean}"))
        .map_err(|e| bad(&st, e))?;
    // The plan is checked for staleness before the document is written, so
    // a refused save leaves no stray file.
    let now = files::read_bounded(&path, MAX_PLAN, "a plan").map_err(|e| bad(&st, e))?;
    if files::sha256_hex(&now) != hash {
        return Err(refuse(
            &st,
            StatusCode::CONFLICT,
            &format!("error: {rel} changed on disk since this page was loaded; reload the page"),
        ));
    }
    crate::atomic::write(&target, &bytes)
        .map_err(|e| bad(&st, format!("cannot write docs/{clean}: {e}")))?;
    save_checked(&st, &path, &rel, &hash, &text, &new)?;
    Ok(back_to_editor(
        &rel,
        &format!("docs/{clean} added ({} bytes, SHA-256 {sha})", bytes.len()),
        "#documents",
    ))
}

/// The options `cip render` uses by default (timeline page included), in
/// the workspace's date style.
fn render_opts(st: &Shared, draft: bool) -> render::RenderOptions {
    render::RenderOptions {
        draft,
        date_style: st.cfg.date_style,
        date: render::source_date_epoch(),
        timeline: true,
        ..render::RenderOptions::default()
    }
}

fn render_error(st: &Shared, e: render::RenderError) -> Response {
    match e {
        render::RenderError::Refused(r) => {
            let lines: Vec<String> = r
                .findings
                .iter()
                .filter(|f| f.severity == check::Severity::Error)
                .map(|f| format!("{}[{}] {}: {}", "error", f.rule, f.path, f.message))
                .collect();
            refuse(
                st,
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!(
                    "error: not rendered: {} has check errors:\n{}",
                    r.file,
                    lines.join("\n")
                ),
            )
        }
        other => bad(st, other),
    }
}

/// The saved plan rendered as a draft PDF, shown inline (nothing written).
pub async fn render_draft(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let rel = param(&f, "plan").unwrap_or("").to_string();
    let (path, _, _) = open_plan(&st, &rel)?;
    let r =
        render::render_file(&path, &render_opts(&st, true)).map_err(|e| render_error(&st, e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"draft.pdf\"",
            ),
        ],
        r.pdf,
    )
        .into_response())
}

/// The signer a form names (`key`: a key file, a PKCS#12 file or a
/// `pkcs11:` URI; `cert`: its certificate, optional for PKCS#12 and
/// tokens; `password`: the PKCS#12 or key password, or the token's PIN),
/// opened as `cip sign --key` opens it. `None` when no key is named. The
/// password is copied into wiped memory for this call (the request body it
/// came from is an ordinary buffer) and never put into a page, a redirect
/// or an error message.
fn signer_from_form(st: &Shared, f: &[(String, String)]) -> Result<Option<keys::Signer>, Response> {
    let key = param(f, "key").unwrap_or("").trim();
    let cert = param(f, "cert").unwrap_or("").trim();
    if key.is_empty() {
        if cert.is_empty() {
            return Ok(None);
        }
        return Err(bad(st, "a certificate was named without its key"));
    }
    let secret = param(f, "password")
        .filter(|p| !p.is_empty())
        .map(|p| zeroize::Zeroizing::new(p.to_string()));
    let given = keys::SecretSource {
        given: secret,
        ..keys::SecretSource::default()
    };
    let opts = keys::KeyOptions {
        password: given.clone(),
        pin: given,
        rsa_pss: false,
    };
    let cert = (!cert.is_empty()).then(|| Path::new(cert));
    keys::open_signer(Path::new(key), cert, &opts)
        .map(Some)
        .map_err(|e| bad(st, format!("cannot sign: {e}")))
}

/// Render (refused with check errors, as `cip render` is) and sign with
/// the key and certificate named by path on this machine; writes
/// `PLAN-signed.pdf` beside the plan. The key never leaves the server.
pub async fn sign(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let rel = param(&f, "plan").unwrap_or("").to_string();
    let (path, _, _) = open_plan(&st, &rel)?;
    let Some(signer) = signer_from_form(&st, &f)? else {
        return Err(bad(
            &st,
            "name the key: a key or PKCS#12 file on this machine, or a pkcs11: URI",
        ));
    };
    let out = render::signed_output(&path);
    let opts = sign::SignOptions::default();
    let signed = render::render_to(
        &path,
        &out,
        &render_opts(&st, false),
        Some((&signer, &opts)),
    )
    .map_err(|e| render_error(&st, e))?
    .pdf;
    let out_rel = rel_of(&st, &out);
    Ok(back_to_editor(
        &rel,
        &format!("signed: wrote {out_rel} ({} bytes)", signed.len()),
        "#sign",
    ))
}

/// Write a letter into `letters/` as a new file: one that exists already
/// (found at the moment of creation, not by an earlier look) is refused
/// with `why_exists`, and nothing is written.
fn write_new_letter(
    st: &Shared,
    dir: &Path,
    name: &str,
    pdf: &[u8],
    why_exists: &str,
) -> Result<std::path::PathBuf, Response> {
    let out = dir.join(name);
    match crate::atomic::create_new(&out, pdf, 0o644) {
        Ok(()) => Ok(out),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(refuse(
            st,
            StatusCode::CONFLICT,
            &format!("error: {LETTERS}/{name} exists already: {why_exists}"),
        )),
        Err(e) => Err(bad(st, format!("cannot write {LETTERS}/{name}: {e}"))),
    }
}

/// The transmittal letter that sends the plan to Customs (`cip letter
/// transmittal`, the library's one implementation): on the company's
/// letterhead (`from`, default `company.toml`), to the account manager
/// (`to`, default `am.toml` when the workspace has one), enclosing the
/// signed plan when `PLAN-signed.pdf` exists (else the TOML), signed when
/// a key is named. Written to `letters/`; refused if that file exists.
pub async fn transmit(State(st): State<Shared>, body: Bytes) -> Res {
    use crate::letter::transmittal::{self, CompanyKind, CompanyProfile, TransmittalOptions};
    use crate::letter::{AmProfile, PlanInput};
    let f = pairs(&body);
    let rel = param(&f, "plan").unwrap_or("").to_string();
    let (path, _, _) = open_plan(&st, &rel)?;
    let from = param(&f, "from")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("company.toml");
    let company = CompanyProfile::load(&inside(&st, from)?).map_err(|e| bad(&st, e))?;
    let to = match param(&f, "to").map(str::trim) {
        Some(t) if !t.is_empty() => {
            Some(AmProfile::load(&inside(&st, t)?).map_err(|e| bad(&st, e))?)
        }
        Some(_) => None,
        None => match files::resolve(&st.cfg.root, "am.toml") {
            Ok(p) => Some(AmProfile::load(&p).map_err(|e| bad(&st, e))?),
            Err(_) => None,
        },
    };
    let signer = signer_from_form(&st, &f)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let signed_plan = path.with_file_name(format!("{stem}-signed.pdf"));
    let sent = if signed_plan.is_file() {
        signed_plan
    } else {
        path.clone()
    };
    let input = PlanInput::load(&sent, &st.cfg.trust).map_err(|e| {
        refuse(
            &st,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("error: {e}"),
        )
    })?;
    let opts = TransmittalOptions {
        date: today(&st),
        paper: crate::documents::Paper::default(),
        to: to.as_ref(),
        signer: signer.as_ref().map(|s| (s, sign::SignOptions::default())),
        date_style: st.cfg.date_style,
        kind: CompanyKind::Transmittal,
        force: false,
        reason: None,
    };
    let letter = transmittal::issue(&input, &company, &opts).map_err(|e| {
        refuse(
            &st,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("error: {e}"),
        )
    })?;
    let dir = st.cfg.root.join(LETTERS);
    std::fs::create_dir_all(&dir)
        .map_err(|e| bad(&st, format!("cannot create {LETTERS}/: {e}")))?;
    let name = format!(
        "{}-transmittal-{}.pdf",
        crate::letter::batch::slug(&letter.meta.company),
        letter.meta.date
    );
    write_new_letter(
        &st,
        &dir,
        &name,
        &letter.pdf,
        "the plan was transmitted today; remove that letter first to send it again",
    )?;
    let mut note = format!(
        "transmittal letter written: {LETTERS}/{name} (to {}, enclosing {} file(s): {}{})",
        letter.meta.addressee,
        letter.meta.enclosed.len(),
        rel_of(&st, &sent),
        if signer.is_some() { "; signed" } else { "" }
    );
    for w in input.warnings() {
        note.push_str(&format!("; warning: {w}"));
    }
    Ok(back_to_editor(&rel, &note, "#transmit"))
}

/// `cip init` into the workspace, then the editor.
pub async fn new_plan(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let name = param(&f, "name").unwrap_or("");
    let Some(clean) = clean_name(name) else {
        return Err(bad(&st, format!("`{name}` is not a usable file name")));
    };
    let clean = if clean.to_ascii_lowercase().ends_with(".toml") {
        clean
    } else {
        format!("{clean}.toml")
    };
    crate::init::write_starter(&st.cfg.root.join(&clean)).map_err(|e| bad(&st, e))?;
    Ok(back_to_editor(
        &clean,
        "a starter plan: fill in every field the findings name",
        "",
    ))
}

// ---------------------------------------------------------------------------
// Archive

fn open_archive(st: &Shared) -> Result<crate::archive::Archive, String> {
    crate::archive::Archive::open(&st.cfg.root.join(crate::archive::DEFAULT_DIR))
        .map_err(|e| e.to_string())
}

pub async fn archive(State(st): State<Shared>, Query(q): Query<Vec<(String, String)>>) -> Response {
    let needle = param(&q, "q").unwrap_or("").trim().to_lowercase();
    let mut ctx = tera::Context::new();
    ctx.insert("title", "Archive");
    ctx.insert("q", &needle);
    ctx.insert("note", &param(&q, "note"));
    match open_archive(&st).and_then(|a| {
        a.list(&crate::archive::Filter::default())
            .map_err(|e| e.to_string())
    }) {
        Ok(records) => {
            let shown: Vec<_> = records
                .into_iter()
                .filter(|r| {
                    needle.is_empty() || {
                        let signers = r
                            .signatures
                            .iter()
                            .filter_map(|s| s.signer_name.clone())
                            .collect::<Vec<_>>()
                            .join(" ");
                        [
                            r.company.clone().unwrap_or_default(),
                            r.assessment_report.clone().unwrap_or_default(),
                            r.original_name.clone(),
                            r.added_at.clone(),
                            r.sha256.clone(),
                            signers,
                        ]
                        .iter()
                        .any(|s| s.to_lowercase().contains(&needle))
                    }
                })
                .collect();
            ctx.insert("records", &shown);
        }
        Err(e) => ctx.insert("archive_error", &format!("error: {e}")),
    }
    page(&st, "archive.html", ctx)
}

pub async fn archive_verify(State(st): State<Shared>) -> Res {
    let a = open_archive(&st).map_err(|e| bad(&st, e))?;
    let report = a.verify().map_err(|e| bad(&st, e))?;
    let mut ctx = tera::Context::new();
    ctx.insert("title", "Archive");
    ctx.insert("q", "");
    ctx.insert(
        "records",
        &a.list(&crate::archive::Filter::default())
            .unwrap_or_default(),
    );
    ctx.insert("check", &report);
    Ok(page(&st, "archive.html", ctx))
}

/// Where exported bundles go, in the workspace.
const BUNDLES: &str = "bundles";

/// One company's archived files and `index.json` in a folder for the
/// archivist (`cip archive export`, the library's own export), under
/// `bundles/COMPANY-DATE/`; a folder that exists is refused, as the CLI
/// refuses a non-empty one.
pub async fn archive_export(State(st): State<Shared>, body: Bytes) -> Res {
    let f = pairs(&body);
    let company = param(&f, "company").unwrap_or("").trim().to_string();
    if company.is_empty() {
        return Err(bad(&st, "name the company whose files to export"));
    }
    let a = open_archive(&st).map_err(|e| bad(&st, e))?;
    let name = format!("{}-{}", crate::letter::batch::slug(&company), today(&st));
    let dir = st.cfg.root.join(BUNDLES).join(&name);
    if dir.exists() {
        return Err(refuse(
            &st,
            StatusCode::CONFLICT,
            &format!("error: {BUNDLES}/{name} exists already; remove it to export again today"),
        ));
    }
    let summary = a.export(&company, &dir).map_err(|e| {
        // Nothing half-made is left behind for the next try.
        let _ = std::fs::remove_dir(&dir);
        refuse(
            &st,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("error: {e}"),
        )
    })?;
    let note = format!(
        "exported {} file(s) of {} to {BUNDLES}/{name}/ (check it with `cip archive verify --bundle {BUNDLES}/{name}`)",
        summary.files, summary.company
    );
    Ok(Redirect::to(&format!("/archive?note={}", url_encode(&note))).into_response())
}

pub async fn not_found(State(st): State<Shared>) -> Response {
    refuse(&st, StatusCode::NOT_FOUND, "error: no such page")
}

// ---------------------------------------------------------------------------
// Letters (the account manager's), issued as `cip letter KIND --record` does

/// Where issued letters are written.
const LETTERS: &str = "letters";

/// The bundled letter kinds, for the case page's form.
fn letter_kinds() -> Vec<String> {
    crate::letter::Templates::bundled()
        .map(|t| t.kinds())
        .unwrap_or_default()
}

/// A date field of a form (`<input type=date>` sends ISO), if filled.
fn form_date(
    st: &Shared,
    f: &[(String, String)],
    name: &str,
) -> Result<Option<chrono::NaiveDate>, Response> {
    match param(f, name).map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| bad(st, format!("`{name}`: `{v}` is not a date (YYYY-MM-DD)"))),
    }
}

/// The letter data with what the case page's date pickers say: the
/// extension decision (decision, requested, new deadline, reason), the
/// follow-up review's date and place, the response due date. A field left
/// empty keeps the data file's value.
fn with_form_dates(
    st: &Shared,
    mut data: crate::letter::LetterData,
    f: &[(String, String)],
) -> Result<crate::letter::LetterData, Response> {
    use crate::letter::profile::{Decision, ExtensionData, FollowUpData};
    if let Some(d) = form_date(st, f, "due")? {
        data.due = Some(d);
    }
    let decision = match param(f, "decision").unwrap_or("") {
        "granted" => Some(Decision::Granted),
        "denied" => Some(Decision::Denied),
        "" => None,
        other => {
            return Err(bad(
                st,
                format!("`decision` is granted or denied, not `{other}`"),
            ));
        }
    };
    if let Some(decision) = decision {
        let old = data.extension.take();
        let reason = param(f, "reason")
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        data.extension = Some(ExtensionData {
            decision,
            requested: form_date(st, f, "requested")?.or(old.as_ref().and_then(|o| o.requested)),
            new_deadline: form_date(st, f, "new_deadline")?
                .or(old.as_ref().and_then(|o| o.new_deadline)),
            reason: reason.or(old.and_then(|o| o.reason)),
        });
    }
    if let Some(date) = form_date(st, f, "review_date")? {
        let old = data.follow_up.take();
        let location = param(f, "location")
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string);
        data.follow_up = Some(FollowUpData {
            date,
            location: location.or(old.as_ref().and_then(|o| o.location.clone())),
            deficiencies: old.and_then(|o| o.deficiencies),
        });
    }
    Ok(data)
}

/// Preview (the letter PDF inline, nothing written) or issue: written to
/// `letters/`, signed when a key is named, its decision appended to the
/// plan's case file (`PLAN.case.toml`), and added to the archive when the
/// workspace has one.
pub async fn letter(State(st): State<Shared>, body: Bytes) -> Res {
    use crate::letter::{AmProfile, Issuer, Kind, LetterData, LetterOptions, PlanInput, Templates};
    let f = pairs(&body);
    let rel = param(&f, "plan").unwrap_or("").to_string();
    let path = inside(&st, &rel)?;
    let kind = Kind::parse(param(&f, "kind").unwrap_or(""));
    let templates = Templates::bundled().map_err(|e| bad(&st, e))?;
    if !templates.kinds().iter().any(|k| k == kind.as_str()) {
        return Err(bad(
            &st,
            format!(
                "no letter kind `{kind}` (kinds: {})",
                templates.kinds().join(", ")
            ),
        ));
    }
    let am_path = inside(&st, param(&f, "from").unwrap_or("am.toml"))?;
    let am = AmProfile::load(&am_path).map_err(|e| bad(&st, e))?;
    let data = match param(&f, "data").map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => LetterData::load(&inside(&st, d)?).map_err(|e| bad(&st, e))?,
        None => LetterData::default(),
    };
    let data = with_form_dates(&st, data, &f)?;
    let signer = signer_from_form(&st, &f)?;
    let issuer = Issuer {
        kind,
        am: &am,
        data: &data,
        templates: &templates,
        options: LetterOptions {
            date: Some(today(&st)),
            date_style: st.cfg.date_style,
            ..LetterOptions::default()
        },
        signer: signer.as_ref().map(|s| (s, sign::SignOptions::default())),
    };
    let input = PlanInput::load(&path, &st.cfg.trust).map_err(|e| bad(&st, e))?;
    let letter = issuer.issue(&input).map_err(|e| {
        refuse(
            &st,
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("error: {e}"),
        )
    })?;
    if param(&f, "action") == Some("preview") {
        return Ok((
            [
                (header::CONTENT_TYPE, "application/pdf"),
                (
                    header::CONTENT_DISPOSITION,
                    "inline; filename=\"letter-preview.pdf\"",
                ),
            ],
            letter.pdf,
        )
            .into_response());
    }
    let dir = st.cfg.root.join(LETTERS);
    std::fs::create_dir_all(&dir)
        .map_err(|e| bad(&st, format!("cannot create {LETTERS}/: {e}")))?;
    let name = format!(
        "{}-{}-{}.pdf",
        crate::letter::batch::slug(&letter.meta.company),
        letter.meta.kind,
        letter.meta.date
    );
    let out = write_new_letter(
        &st,
        &dir,
        &name,
        &letter.pdf,
        "a letter of this kind was issued today",
    )?;
    let mut notes = vec![format!(
        "wrote {LETTERS}/{name} ({}{})",
        letter.meta.title,
        if signer.is_some() { ", signed" } else { "" }
    )];
    let record_to = input
        .case_path
        .clone()
        .unwrap_or_else(|| crate::model::case::default_path(&path));
    if issuer
        .record(&input, &letter, &record_to, &name)
        .map_err(|e| bad(&st, e))?
    {
        notes.push(format!(
            "recorded the decision in {}",
            rel_of(&st, &record_to)
        ));
    }
    if let Ok(a) = open_archive(&st) {
        let opts = crate::archive::AddOptions {
            trust: st.cfg.trust.clone(),
            require_trusted: false,
        };
        match a.add(&out, &opts) {
            Ok(o) => notes.push(format!("archived (SHA-256 {})", o.record().sha256)),
            Err(e) => notes.push(format!("not archived: {e}")),
        }
    }
    notes.extend(letter.warnings.iter().map(|w| format!("warning: {w}")));
    Ok(Redirect::to(&format!(
        "/case?plan={}&note={}",
        url_encode(&rel),
        url_encode(&notes.join("; "))
    ))
    .into_response())
}
