//! Reading, incrementally updating and writing PDF files at the byte level:
//! cip's one PDF object model.
//!
//! A small, defensive reader (cross-reference tables and streams, object
//! streams, `/Prev` chains, revisions) and an incremental-update writer that
//! keeps the original bytes, for `sign` and `verify`; the writer of new
//! files, whose objects `pdf` builds; and the few document-structure walks
//! sign and verify need (signature fields, embedded files).

pub mod date;
mod doc;
mod filters;
mod forms;
mod lexer;
mod object;
mod writer;

pub use doc::{Pdf, XrefEntry, XrefKind, XrefSection, revision_ends};
pub use forms::{SigField, embedded_files, signature_fields};
pub use lexer::find;
pub use object::{Dict, ObjRef, Object, Stream, decode_text, text_string, write_object};
pub use writer::{NewObject, Update, Written, write_new};

/// Why a PDF could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("not a PDF file (no %PDF- header)")]
    NotPdf,
    #[error("no cross-reference section found (truncated file?)")]
    NoXref,
    #[error("broken cross-reference data: {0}")]
    BadXref(String),
    #[error("syntax error at byte {offset}: {what}")]
    Syntax { offset: usize, what: String },
    #[error("the trailer has no /Root catalog")]
    NoRoot,
    #[error("unexpected document structure: {0}")]
    Structure(String),
    #[error("cannot decode stream: {0}")]
    Filter(String),
    /// A per-file bound that keeps hostile files from exhausting memory or time.
    #[error("the file is refused because {0} (a limit against hostile files)")]
    Limit(String),
}
