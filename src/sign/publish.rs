//! How a freshly rendered document leaves the program: signed when a signer
//! is given (with the document kind's reason and location where the caller
//! left them open), refused when it would overwrite one of the files it was
//! made from, written atomically. `cip render --sign`, the web app's sign
//! button and both kinds of letters go through [`Publish`], so plans and
//! letters are signed and written alike.

use std::path::{Path, PathBuf};

use std::collections::BTreeSet;

use crate::keys::Signer;
use crate::pdf::Written;

use super::{SignError, SignOptions, appearance, sign_written};

/// Where a document is written, and the files it must never replace.
#[derive(Debug, Clone)]
pub struct Output {
    pub path: PathBuf,
    /// The inputs, each with how the refusal names it ("the plan itself",
    /// "a supporting document (docs/a.pdf)").
    pub inputs: Vec<(String, PathBuf)>,
}

impl Output {
    pub fn new(path: PathBuf) -> Output {
        Output {
            path,
            inputs: Vec::new(),
        }
    }

    /// Adds a file the output must not be; `what` names it in the refusal.
    pub fn input(mut self, what: impl Into<String>, path: &Path) -> Output {
        self.inputs.push((what.into(), path.to_path_buf()));
        self
    }

    /// Refuses an output path that is one of the inputs (the same file by
    /// any name). Callers may run it before the expensive rendering too.
    pub fn refuse_clash(&self) -> Result<(), PublishError> {
        match self
            .inputs
            .iter()
            .find(|(_, p)| crate::model::files::same_file(&self.path, p))
        {
            Some((what, _)) => Err(PublishError::Clash {
                path: self.path.display().to_string(),
                what: what.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// What [`publish`] does with the rendered bytes.
#[derive(Default)]
pub struct Publish<'a> {
    /// Sign with this signer and these options; unsigned when `None`.
    pub signer: Option<(&'a Signer, &'a SignOptions)>,
    /// The reason and location written when the options leave them open:
    /// each kind of document states its own.
    pub default_reason: Option<String>,
    pub default_location: Option<String>,
    /// Write here; only returned when `None` (letters, whose callers write).
    pub output: Option<&'a Output>,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("the output {path} is {what}; choose another output path")]
    Clash { path: String, what: String },
    #[error("cannot sign: {0}")]
    Sign(#[from] SignError),
    #[error("cannot create {path}: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Publish<'_> {
    /// The characters the document must carry in its regular face
    /// ([`crate::documents::Document::reserved`]): the visible signature's,
    /// none when unsigned or signed invisibly.
    pub fn reserve(&self) -> BTreeSet<char> {
        self.signer
            .filter(|(_, o)| !o.invisible)
            .map(|(s, _)| appearance::characters(s))
            .unwrap_or_default()
    }

    /// Signs the rendered document when a signer is given, filling the
    /// reason and location the options leave open; letters, which do not
    /// write, stop here.
    pub fn sign(&self, written: Written) -> Result<Vec<u8>, SignError> {
        let Some((signer, opts)) = self.signer else {
            return Ok(written.pdf);
        };
        let mut opts = opts.clone();
        if opts.reason.is_none() {
            opts.reason.clone_from(&self.default_reason);
        }
        if opts.location.is_none() {
            opts.location.clone_from(&self.default_location);
        }
        sign_written(&written.pdf, &written.fonts, signer, &opts)
    }
}

/// Signs (when asked) and writes (when asked) a rendered PDF; returns the
/// final bytes. The clash check comes first so that nothing is signed (a
/// token may count signatures) for an output that is refused anyway.
pub fn publish(written: Written, how: &Publish) -> Result<Vec<u8>, PublishError> {
    if let Some(out) = how.output {
        out.refuse_clash()?;
    }
    let pdf = how.sign(written)?;
    if let Some(out) = how.output {
        if let Some(dir) = out.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| PublishError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        crate::atomic::write(&out.path, &pdf).map_err(|source| PublishError::Write {
            path: out.path.display().to_string(),
            source,
        })?;
    }
    Ok(pdf)
}
