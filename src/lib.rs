//! `cip`: Compliance Improvement Plans for U.S. Customs.
//!
//! One pipeline, read left to right:
//! `model` → `check` → `documents` → `layout` → `pdf` → `sign` / `verify`,
//! with `status` and `archive` on top. The binary (`src/main.rs`, `src/cli/`)
//! only parses arguments and prints; everything else lives here.

pub mod cms;
pub mod keys;
pub mod pdfbytes;
pub mod sign;
pub mod verify;
