//! `cip archive add FILE...`: every file offered in turn, and the verdict
//! the exit code reports. A refused file does not stop the others.

use std::path::{Path, PathBuf};

use super::{AddOptions, AddOutcome, Archive, ArchiveError};

/// What happened to each file, in the order given.
#[derive(Debug)]
pub struct AddSummary {
    pub files: Vec<(PathBuf, Result<AddOutcome, ArchiveError>)>,
}

/// The worst that happened, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddVerdict {
    /// Every file was added or was already there.
    Done,
    /// At least one file did not verify (or was not trusted when trust is
    /// required) and was refused.
    Refused,
    /// At least one file or the archive could not be used at all.
    Unusable,
}

impl AddSummary {
    pub fn verdict(&self) -> AddVerdict {
        let mut verdict = AddVerdict::Done;
        for (_, r) in &self.files {
            match r {
                Ok(_) => {}
                Err(ArchiveError::Refused { .. }) => verdict = AddVerdict::Refused,
                Err(_) => return AddVerdict::Unusable,
            }
        }
        verdict
    }
}

impl Archive {
    /// Offers every file to [`Archive::add`], in order.
    pub fn add_all(&self, files: &[impl AsRef<Path>], opts: &AddOptions) -> AddSummary {
        AddSummary {
            files: files
                .iter()
                .map(|f| (f.as_ref().to_path_buf(), self.add(f.as_ref(), opts)))
                .collect(),
        }
    }
}
