//! `cip render`: plan → checked → blocks → pages → PDF bytes, with the
//! manifest, `plan.toml` and the supporting documents attached.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};

use crate::check::{self, Report};
use crate::documents::plan::{PlanOptions, plan_document};
use crate::documents::{Attachment, Block, Document, Paper, Relationship};
use crate::manifest::{self, Manifest, ManifestError};
use crate::model::{LoadError, Plan, date};
use crate::sign::{self, Output, PublishError};

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub paper: Paper,
    /// Render even with check errors, marked "DRAFT" on every page.
    pub draft: bool,
    /// Leave the supporting documents out (manifest and plan source stay).
    pub no_attach: bool,
    /// The PDF's creation date; default: the date issued (or prepared).
    pub date: Option<NaiveDateTime>,
    /// Add the "Implementation timeline" page.
    pub timeline: bool,
    /// "Today" on the timeline (a line, and step states as of that day).
    pub today: Option<NaiveDate>,
    /// The submission this revision supersedes: adds the "Changes since
    /// revision N" page. With its file name and SHA-256, for the page.
    pub previous: Option<PreviousSubmission>,
    /// How dates are written (the same choice as letters' `--date-style`).
    pub date_style: crate::model::DateStyle,
    /// Characters the regular face must carry besides the text: a visible
    /// signature's (`sign::Publish::reserve`, `Document::reserved`).
    pub reserved: std::collections::BTreeSet<char>,
}

/// The signature's reason when a rendered plan is signed without one
/// (`cip render --sign`, the web app's sign button).
pub const PLAN_SIGNING_REASON: &str =
    "Compliance Improvement Plan approved and transmitted at the corporate level";

/// The superseded submission as the changes page needs it.
#[derive(Debug, Clone)]
pub struct PreviousSubmission {
    pub version: crate::diff::Version,
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The plan has check errors and `--draft` was not given.
    #[error("{} has {} check error(s); fix them or render with --draft", .0.file, .0.errors())]
    Refused(Box<Report>),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("cannot typeset the plan: {0}")]
    Pdf(#[from] crate::pdf::WriteError),
    /// Refused output path, or signing or writing failed; with the check
    /// report when the plan was rendered, for its warnings.
    #[error("{source}")]
    Publish {
        report: Option<Box<Report>>,
        #[source]
        source: PublishError,
    },
}

/// What `render` made: the PDF and the check report it was made with.
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub report: Report,
    pub manifest: Manifest,
    /// The pages' fonts, for a signature made in the same run.
    pub fonts: Vec<crate::pdf::PageFont>,
}

/// Load, check and render a plan file.
pub fn render_file(path: &Path, opts: &RenderOptions) -> Result<Rendered, RenderError> {
    let (plan, report) = check::check_file(path)?;
    let Some(plan) = plan else {
        return Err(RenderError::Refused(Box::new(report)));
    };
    if report.has_errors() && !opts.draft {
        return Err(RenderError::Refused(Box::new(report)));
    }
    let (written, manifest) = render_plan(&plan, opts)?;
    Ok(Rendered {
        pdf: written.pdf,
        report,
        manifest,
        fonts: written.fonts,
    })
}

/// `cip render [--sign]` and the web app's sign button: load, check and
/// render the plan file, sign it when a signer is given (the plan's reason
/// unless the options give one), and write it to `output`, never over the
/// plan or one of its supporting documents. `Rendered::pdf` is what was
/// written.
pub fn render_to(
    plan_path: &Path,
    output: &Path,
    opts: &RenderOptions,
    signer: Option<(&crate::keys::Signer, &sign::SignOptions)>,
) -> Result<Rendered, RenderError> {
    let unrendered = |source| RenderError::Publish {
        report: None,
        source,
    };
    let mut out = Output::new(output.to_path_buf()).input("the plan itself", plan_path);
    // Before rendering: refusing costs nothing, rendering does.
    out.refuse_clash().map_err(unrendered)?;
    let mut how = sign::Publish {
        signer,
        default_reason: Some(PLAN_SIGNING_REASON.into()),
        default_location: None,
        output: None,
    };
    let opts = &RenderOptions {
        reserved: how.reserve(),
        ..opts.clone()
    };
    let rendered = render_file(plan_path, opts)?;
    let base = plan_path.parent().unwrap_or(Path::new(""));
    for doc in rendered
        .manifest
        .documents
        .iter()
        .filter_map(|d| d.path.as_ref())
    {
        let path = base.join(doc);
        out = out.input(format!("a supporting document ({})", path.display()), &path);
    }
    how.output = Some(&out);
    let written = crate::pdf::Written {
        pdf: rendered.pdf,
        fonts: rendered.fonts,
    };
    match sign::publish(written, &how) {
        Ok(pdf) => Ok(Rendered {
            pdf,
            report: rendered.report,
            manifest: rendered.manifest,
            fonts: Vec::new(),
        }),
        Err(source) => Err(RenderError::Publish {
            report: Some(Box::new(rendered.report)),
            source,
        }),
    }
}

/// Where `cip render` writes by default: the plan's name with `.pdf`.
pub fn default_output(plan_path: &Path) -> PathBuf {
    plan_path.with_extension("pdf")
}

/// Where the web app's sign button writes: `PLAN-signed.pdf` beside the plan.
pub fn signed_output(plan_path: &Path) -> PathBuf {
    let stem = plan_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    plan_path.with_file_name(format!("{stem}-signed.pdf"))
}

/// Render a loaded plan (no check: the caller decided), with the pages'
/// fonts for a signature made in the same run.
pub fn render_plan(
    plan: &Plan,
    opts: &RenderOptions,
) -> Result<(crate::pdf::Written, Manifest), RenderError> {
    let (manifest, files) = manifest::build(plan, !opts.no_attach)?;
    let manifest_json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    let mut attachments = vec![
        Attachment {
            name: crate::manifest::PLAN_FILE.into(),
            description: "The plan's source (TOML), exactly as checked".into(),
            mime: "application/toml".into(),
            relationship: Relationship::Source,
            bytes: plan.source.text.as_bytes().to_vec(),
        },
        Attachment {
            name: crate::manifest::MANIFEST_FILE.into(),
            description: "Supporting documentation manifest (SHA-256 of every document)".into(),
            mime: "application/json".into(),
            relationship: Relationship::Data,
            bytes: manifest_json,
        },
    ];
    attachments.extend(files.into_iter().map(|f| Attachment {
        mime: mime_for(&f.name).into(),
        description: f.title,
        name: f.name,
        relationship: Relationship::Supplement,
        bytes: f.bytes,
    }));
    let doc = plan_document(
        plan,
        &manifest,
        attachments,
        PlanOptions {
            paper: opts.paper,
            draft: opts.draft,
            date: opts.date.unwrap_or_else(|| default_date(plan)),
            date_style: opts.date_style,
            extra: {
                let mut blocks = Vec::new();
                if let Some(prev) = &opts.previous {
                    // The new side's hashes are the manifest just built, so
                    // the page and the attachments cannot disagree.
                    let new = crate::diff::Version {
                        plan: plan.clone(),
                        document_sha256: manifest
                            .documents
                            .iter()
                            .filter_map(|d| Some((d.id.clone(), d.sha256.clone()?)))
                            .collect(),
                    };
                    let changes = crate::diff::diff(&prev.version, &new);
                    blocks.extend(crate::documents::changes::changes_page(
                        &changes,
                        Some((&prev.file, &prev.sha256)),
                        opts.date_style,
                    ));
                }
                if opts.timeline {
                    blocks.push(Block::PageBreak);
                    blocks.extend(crate::documents::timeline::timeline(
                        plan,
                        opts.today,
                        crate::layout::column_width(opts.paper),
                        opts.date_style,
                    ));
                }
                blocks
            },
        },
    );
    let doc = Document {
        reserved: opts.reserved.clone(),
        ..doc
    };
    Ok((crate::pdf::render_written(&doc)?, manifest))
}

/// A fixed date from the plan, so that the same plan gives the same bytes.
pub fn default_date(plan: &Plan) -> NaiveDateTime {
    date(&plan.approving_official.date)
        .or_else(|| date(&plan.header.prepared))
        .unwrap_or(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default())
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
}

/// `SOURCE_DATE_EPOCH` (reproducible-builds convention) as a date, if set.
pub fn source_date_epoch() -> Option<NaiveDateTime> {
    let secs: i64 = std::env::var("SOURCE_DATE_EPOCH")
        .ok()?
        .trim()
        .parse()
        .ok()?;
    chrono::DateTime::from_timestamp(secs, 0).map(|d| d.naive_utc())
}

fn mime_for(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "md" => "text/markdown",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "toml" => "application/toml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}
