//! `cip`: Compliance Improvement Plans for U.S. Customs.
//!
//! One pipeline, read left to right:
//! `model` → `check` → `documents` → `layout` → `pdf` → `sign` / `verify`,
//! with `status` and `archive` on top. The binary (`src/main.rs`, `src/cli/`)
//! only parses arguments and prints; everything else lives here.

pub mod archive;
pub mod atomic;
pub mod check;
pub mod cms;
pub mod diff;
pub mod documents;
pub mod fonts;
pub mod init;
pub mod intake;
pub mod keys;
pub mod layout;
pub mod letter;
pub mod lifecycle;
pub mod manifest;
pub mod model;
pub mod pdf;
pub mod pdfbytes;
pub mod render;
pub mod revision;
pub mod serve;
pub mod sign;
pub mod status;
pub mod timestamp;
pub mod verify;
