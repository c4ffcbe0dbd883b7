//! Letter templates: the bundled ones (compiled into the binary) or a user's
//! folder (`--templates DIR`). A tera instance only ever knows the templates
//! of that one folder, read here by name: a template can include another
//! template of its folder, and nothing else (no path, no file outside).
//!
//! Values are Markdown-escaped on output (`{{ x }}` shows `x` literally even
//! if it contains `*` or `#`); `{{ x | safe }}` inserts Markdown as is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tera::{Context, ErrorKind, Tera};

/// File suffix of a letter template.
pub const SUFFIX: &str = ".md.tera";

/// The bundled templates, by file name.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "acceptance.md.tera",
        include_str!("../../templates/letters/acceptance.md.tera"),
    ),
    (
        "additional-information.md.tera",
        include_str!("../../templates/letters/additional-information.md.tera"),
    ),
    (
        "extension.md.tera",
        include_str!("../../templates/letters/extension.md.tera"),
    ),
    (
        "follow-up.md.tera",
        include_str!("../../templates/letters/follow-up.md.tera"),
    ),
    (
        "risk-category.md.tera",
        include_str!("../../templates/letters/risk-category.md.tera"),
    ),
    (
        "_deficiency-list.md.tera",
        include_str!("../../templates/letters/_deficiency-list.md.tera"),
    ),
];

/// The bundled templates of the company's letters (their context is not a
/// Customs letter's: see `letter::transmittal`).
pub const COMPANY_BUNDLED: &[(&str, &str)] = &[
    (
        "transmittal.md.tera",
        include_str!("../../templates/company/transmittal.md.tera"),
    ),
    (
        "validation-results.md.tera",
        include_str!("../../templates/company/validation-results.md.tera"),
    ),
];

/// Template files larger than this are refused.
const MAX_TEMPLATE_BYTES: u64 = 256 * 1024;

/// Rendered Markdown larger than this is refused as it is written, before it
/// is parsed: a letter is a few KB (300 pages of text are about 1 MiB), and
/// two nested loops of 3,000 rendered gigabytes.
pub const MAX_RENDERED_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("{dir}: cannot read the templates folder: {source}")]
    Dir {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {reason}")]
    Refused { file: String, reason: String },
    /// A template includes or extends something that is not a template of
    /// its folder (e.g. `/etc/passwd`).
    #[error(
        "{file}:{line}: refused: the template includes \"{target}\", which is not a template in its folder; templates can only include templates of their own folder ({available})"
    )]
    Outside {
        file: String,
        line: usize,
        target: String,
        available: String,
    },
    #[error("{file}:{line}:{column}: template syntax error: {message}\n{report}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
        report: String,
    },
    /// An undefined variable (or field), or another error while rendering.
    #[error("{file}:{line}:{column}: {message}\n{report}")]
    Render {
        file: String,
        line: usize,
        column: usize,
        /// The undefined variable or field, when that is the error.
        variable: Option<String>,
        message: String,
        report: String,
    },
    #[error("no template for the letter kind `{kind}` in {origin} (kinds: {kinds})")]
    UnknownKind {
        kind: String,
        origin: String,
        kinds: String,
    },
    #[error("{origin}: {message}")]
    Other { origin: String, message: String },
    #[error(
        "{file}: the letter it renders is larger than {limit} bytes, the limit for a letter (a loop that repeats too often?)"
    )]
    TooLarge { file: String, limit: usize },
}

/// The templates of one folder, parsed.
pub struct Templates {
    tera: Tera,
    /// Where they came from, for messages: "bundled templates" or the folder.
    origin: String,
    /// Folder of user templates (file paths in messages), if any.
    dir: Option<PathBuf>,
    names: Vec<String>,
}

impl Templates {
    /// The templates compiled into `cip`.
    pub fn bundled() -> Result<Self, TemplateError> {
        let files: BTreeMap<String, String> = BUNDLED
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        Self::build(files, "bundled templates".into(), None)
    }

    /// The company's letters compiled into `cip` (the transmittal letter).
    pub fn company() -> Result<Self, TemplateError> {
        let files: BTreeMap<String, String> = COMPANY_BUNDLED
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        Self::build(files, "bundled templates".into(), None)
    }

    /// Every `*.md.tera` file directly in `dir` (not its subfolders). Links
    /// that lead out of the folder are refused.
    pub fn from_dir(dir: &Path) -> Result<Self, TemplateError> {
        let shown = dir.display().to_string();
        let dir_err = |source| TemplateError::Dir {
            dir: shown.clone(),
            source,
        };
        let canon_dir = dir.canonicalize().map_err(dir_err)?;
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(dir_err)? {
            let entry = entry.map_err(dir_err)?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if !name.ends_with(SUFFIX) {
                continue;
            }
            let path = dir.join(&name);
            let file = path.display().to_string();
            check_name(&name).map_err(|reason| TemplateError::Refused {
                file: file.clone(),
                reason,
            })?;
            let io = |source| TemplateError::Io {
                file: file.clone(),
                source,
            };
            let canon = path.canonicalize().map_err(io)?;
            if canon.parent() != Some(canon_dir.as_path()) {
                return Err(TemplateError::Refused {
                    file,
                    reason: "a link to a file outside the templates folder".into(),
                });
            }
            let meta = std::fs::metadata(&canon).map_err(io)?;
            if !meta.is_file() {
                continue;
            }
            let bytes =
                match crate::model::files::read_bounded(&canon, MAX_TEMPLATE_BYTES, "a template") {
                    Ok(b) => b,
                    Err(crate::model::files::ReadError::TooLarge { size, .. }) => {
                        return Err(TemplateError::Refused {
                            file,
                            reason: format!(
                                "too large ({size} bytes; the limit is {MAX_TEMPLATE_BYTES})"
                            ),
                        });
                    }
                    Err(e) => return Err(io(e.into())),
                };
            let text = String::from_utf8(bytes).map_err(|e| {
                io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("not UTF-8 text ({})", e.utf8_error()),
                ))
            })?;
            files.insert(name, text);
        }
        Self::build(files, shown, Some(dir.to_path_buf()))
    }

    fn build(
        files: BTreeMap<String, String>,
        origin: String,
        dir: Option<PathBuf>,
    ) -> Result<Self, TemplateError> {
        let path_of = |name: &str| match &dir {
            Some(d) => d.join(name).display().to_string(),
            None => format!("templates/letters/{name}"),
        };
        let names: Vec<String> = files.keys().cloned().collect();
        for (name, text) in &files {
            check_references(text, &names).map_err(|(line, target)| TemplateError::Outside {
                file: path_of(name),
                line,
                target,
                available: names.join(", "),
            })?;
        }
        let mut tera = Tera::new();
        tera.set_escape_fn(escape_markdown);
        tera.autoescape_on([SUFFIX]);
        tera.add_raw_templates(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| convert(e, &path_of, &origin))?;
        Ok(Templates {
            tera,
            origin,
            dir,
            names,
        })
    }

    /// Letter kinds available: every template not starting with `_`
    /// (those are partials, for `{% include %}`), sorted.
    pub fn kinds(&self) -> Vec<String> {
        self.names
            .iter()
            .filter(|n| !n.starts_with('_'))
            .filter_map(|n| n.strip_suffix(SUFFIX))
            .map(str::to_string)
            .collect()
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Render the template of `kind` with `ctx`, its dates in `style`.
    pub fn render_styled<C: serde::Serialize>(
        &self,
        kind: &str,
        ctx: &C,
        style: DateStyle,
    ) -> Result<String, TemplateError> {
        match style {
            DateStyle::Long => self.render(kind, ctx),
            DateStyle::Iso => {
                let mut v = serde_json::to_value(ctx).map_err(|e| TemplateError::Other {
                    origin: self.origin.clone(),
                    message: e.to_string(),
                })?;
                iso_dates(&mut v);
                self.render(kind, &v)
            }
        }
    }

    /// Render the template of `kind` with `ctx`; the result is Markdown.
    pub fn render<C: serde::Serialize>(
        &self,
        kind: &str,
        ctx: &C,
    ) -> Result<String, TemplateError> {
        let name = format!("{kind}{SUFFIX}");
        if check_name(&name).is_err() || !self.names.contains(&name) {
            return Err(TemplateError::UnknownKind {
                kind: kind.to_string(),
                origin: self.origin.clone(),
                kinds: self.kinds().join(", "),
            });
        }
        let context = Context::from_serialize(ctx).map_err(|e| TemplateError::Other {
            origin: self.origin.clone(),
            message: e.to_string(),
        })?;
        let dir = self.dir.clone();
        let path_of = move |n: &str| match &dir {
            Some(d) => d.join(n).display().to_string(),
            None => format!("templates/letters/{n}"),
        };
        let mut out = Capped::default();
        match self.tera.render_to(&name, &context, &mut out) {
            Ok(()) => String::from_utf8(out.buf).map_err(|e| TemplateError::Other {
                origin: self.origin.clone(),
                message: e.to_string(),
            }),
            // The loop that writes past the limit stops there: neither the
            // memory nor the time of the rest is spent.
            Err(_) if out.full => Err(TemplateError::TooLarge {
                file: path_of(&name),
                limit: MAX_RENDERED_BYTES,
            }),
            Err(e) => Err(convert(e, &path_of, &self.origin)),
        }
    }
}

/// The rendered output, refusing to grow past [`MAX_RENDERED_BYTES`].
#[derive(Default)]
struct Capped {
    buf: Vec<u8>,
    full: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.buf.len().saturating_add(b.len()) > MAX_RENDERED_BYTES {
            self.full = true;
            return Err(std::io::Error::other("the rendered letter is too large"));
        }
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub use crate::model::DateStyle;

/// Every date of a context (an object with exactly `iso` and `long`) gets
/// its ISO form as `long` too, so that templates, which write `.long`,
/// follow `--date-style iso` without a change.
fn iso_dates(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            let is_day = m.len() == 2 && m.contains_key("iso") && m.contains_key("long");
            if is_day {
                if let Some(iso) = m.get("iso").cloned() {
                    m.insert("long".into(), iso);
                }
            } else {
                m.values_mut().for_each(iso_dates);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(iso_dates),
        _ => {}
    }
}

/// Write the bundled templates into `dir` (created if needed), never
/// overwriting a file. Returns the paths written.
pub fn export_bundled(dir: &Path) -> Result<Vec<PathBuf>, TemplateError> {
    let shown = dir.display().to_string();
    std::fs::create_dir_all(dir).map_err(|source| TemplateError::Dir {
        dir: shown.clone(),
        source,
    })?;
    for (name, _) in BUNDLED {
        let p = dir.join(name);
        if p.exists() {
            return Err(TemplateError::Refused {
                file: p.display().to_string(),
                reason: "already exists; nothing was written (export into an empty folder)".into(),
            });
        }
    }
    let mut written = Vec::new();
    for (name, text) in BUNDLED {
        let p = dir.join(name);
        crate::atomic::write(&p, text.as_bytes()).map_err(|source| TemplateError::Io {
            file: p.display().to_string(),
            source,
        })?;
        written.push(p);
    }
    Ok(written)
}

/// Template names are plain file names: lowercase letters, digits, `-`, `_`.
fn check_name(name: &str) -> Result<(), String> {
    let stem = name.strip_suffix(SUFFIX).unwrap_or(name);
    let ok = !stem.is_empty()
        && stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "template names are made of lowercase letters, digits, `-` and `_`, ending in {SUFFIX}"
        ))
    }
}

/// Every `{% include "X" %}`, `{% extends "X" %}` and `{% import "X" %}`
/// must name a template of the folder. Returns the 1-based line and the
/// target of the first one that does not.
fn check_references(text: &str, names: &[String]) -> Result<(), (usize, String)> {
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{%") {
        let tag_start = offset + start;
        let after = &rest[start + 2..];
        let end = after.find("%}").unwrap_or(after.len());
        let tag = after[..end]
            .trim_start_matches(['-', '+', '~'])
            .trim_start();
        for kw in ["include", "extends", "import"] {
            if let Some(arg) = tag.strip_prefix(kw) {
                if !arg.starts_with(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
                    continue;
                }
                let arg = arg.trim_start();
                let target = match arg.chars().next() {
                    Some(q @ ('"' | '\'' | '`')) => arg[1..].split(q).next().unwrap_or(""),
                    _ => arg.split_whitespace().next().unwrap_or(""),
                };
                if !names.iter().any(|n| n == target) {
                    let line = text[..tag_start].matches('\n').count() + 1;
                    return Err((line, target.to_string()));
                }
            }
        }
        let consumed = start + 2 + end;
        offset += consumed;
        rest = &rest[consumed..];
    }
    Ok(())
}

fn escape_markdown(input: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut s = String::with_capacity(input.len() + 8);
    crate::documents::markdown::escape(input, &mut s);
    out.write_all(s.as_bytes())
}

/// Turn a tera error into one naming the template file, line and (for an
/// undefined variable) the variable.
fn convert(e: tera::Error, path_of: &dyn Fn(&str) -> String, origin: &str) -> TemplateError {
    match e.kind() {
        ErrorKind::SyntaxError(r) => TemplateError::Syntax {
            file: path_of(r.filename()),
            line: r.span().start_line,
            column: r.span().start_col + 1,
            message: r.message().to_string(),
            report: e.to_string(),
        },
        ErrorKind::RenderingError(r) => {
            let message = r.message().to_string();
            let variable = undefined_name(&message);
            let message = match &variable {
                Some(v) if message.starts_with("Field") => {
                    format!(
                        "undefined variable `{v}` (no such field; templates/README.md lists them)"
                    )
                }
                Some(v) => {
                    format!("undefined variable `{v}` (templates/README.md lists the variables)")
                }
                None => message,
            };
            TemplateError::Render {
                file: path_of(r.filename()),
                line: r.span().start_line,
                column: r.span().start_col + 1,
                variable,
                message,
                report: e.to_string(),
            }
        }
        ErrorKind::TemplateNotFound(name) | ErrorKind::MissingParent { parent: name, .. } => {
            TemplateError::Outside {
                file: origin.to_string(),
                line: 0,
                target: name.clone(),
                available: String::new(),
            }
        }
        _ => TemplateError::Other {
            origin: origin.to_string(),
            message: e.to_string(),
        },
    }
}

/// "Variable `foo` is not defined…" / "Field `bar` is not defined…" → name.
fn undefined_name(message: &str) -> Option<String> {
    if !(message.starts_with("Variable `") || message.starts_with("Field `")) {
        return None;
    }
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_outside_the_folder_are_found() {
        let names = vec!["a.md.tera".to_string(), "_p.md.tera".to_string()];
        assert_eq!(
            check_references("{% include \"_p.md.tera\" %}", &names),
            Ok(())
        );
        assert_eq!(
            check_references("x\n\n{%- include \"/etc/passwd\" -%}", &names),
            Err((3, "/etc/passwd".to_string()))
        );
        assert_eq!(
            check_references("{% extends '../b.md.tera' %}", &names),
            Err((1, "../b.md.tera".to_string()))
        );
        assert_eq!(
            check_references("{% if included %}{% endif %}", &names),
            Ok(())
        );
    }

    #[test]
    fn names_are_plain() {
        assert!(check_name("acceptance.md.tera").is_ok());
        assert!(check_name("../x.md.tera").is_err());
        assert!(check_name("/etc/passwd").is_err());
        assert!(check_name("A.md.tera").is_err());
    }
}
