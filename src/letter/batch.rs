//! Bulk issuing: one letter per plan, in parallel over all cores (rayon).
//! A plan that fails is reported and does not stop the others. Output names
//! come from the company and the kind, made unique in input order, so the
//! same inputs always give the same files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use x509_cert::Certificate;

use super::{Issuer, LetterError, PlanInput};

/// The outcome for one plan of the batch.
pub struct BatchItem {
    /// The plan file, as given.
    pub input: PathBuf,
    /// The letter written, or why not.
    pub result: Result<PathBuf, LetterError>,
    /// Warnings (e.g. the plan's signer is not trusted).
    pub warnings: Vec<String>,
}

pub struct BatchSummary {
    /// In input order.
    pub items: Vec<BatchItem>,
    /// Flushing the letters to disk at the end failed: none of them can be
    /// relied upon to have reached the disk.
    pub sync_error: Option<std::io::Error>,
}

impl BatchSummary {
    pub fn written(&self) -> usize {
        self.items.iter().filter(|i| i.result.is_ok()).count()
    }
    pub fn failed(&self) -> usize {
        self.items.len() - self.written()
    }
}

/// Issue `issuer.kind` for every plan of `inputs` into `out_dir`.
/// `progress` is called once per plan as it finishes (from any thread).
pub fn issue_all(
    issuer: &Issuer<'_>,
    inputs: &[PathBuf],
    trust: &[Certificate],
    out_dir: &Path,
    progress: &(dyn Fn(&Path, bool) + Sync),
) -> BatchSummary {
    tune_allocator();
    // Phase 1: read (and verify) every plan; names need the companies.
    let loaded: Vec<Result<PlanInput, LetterError>> = inputs
        .par_iter()
        .map(|p| {
            let r = PlanInput::load(p, trust);
            if r.is_err() {
                progress(p, false);
            }
            r
        })
        .collect();
    // Names in input order: the same inputs give the same names.
    let mut taken = HashSet::new();
    let names: Vec<Option<PathBuf>> = loaded
        .iter()
        .map(|l| {
            l.as_ref().ok().map(|p| {
                out_dir.join(unique_name(
                    &slug(p.plan.company()),
                    issuer.kind.as_str(),
                    &mut taken,
                ))
            })
        })
        .collect();
    // Phase 2: make, sign and write the letters.
    let items: Vec<BatchItem> = loaded
        .into_par_iter()
        .zip(names)
        .zip(inputs.par_iter())
        .map(|((loaded, name), input)| {
            let (result, warnings) = match (loaded, name) {
                (Ok(plan), Some(out)) => {
                    let warnings = plan.warnings();
                    let r = issuer.issue(&plan).and_then(|letter| {
                        crate::atomic::write_with(
                            &out,
                            &letter.pdf,
                            crate::atomic::Durability::Unsynced,
                        )
                        .map_err(|source| {
                            LetterError::Input(super::InputError::Io {
                                path: out.display().to_string(),
                                source,
                            })
                        })?;
                        if issuer.options.record {
                            let case = plan
                                .case_path
                                .clone()
                                .unwrap_or_else(|| crate::model::case::default_path(input));
                            let name = out
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            issuer.record(&plan, &letter, &case, &name)?;
                        }
                        Ok(out.clone())
                    });
                    progress(input, r.is_ok());
                    (r, warnings)
                }
                (Err(e), _) => (Err(e), Vec::new()),
                (Ok(_), None) => unreachable!("every loaded plan has a name"),
            };
            BatchItem {
                input: input.clone(),
                result,
                warnings,
            }
        })
        .collect();
    let wrote_any = items.iter().any(|i| i.result.is_ok());
    let sync_error = if wrote_any {
        sync_folder(out_dir).err()
    } else {
        None
    };
    BatchSummary { items, sync_error }
}

/// Flush the file system holding `dir` (letters and folder entries) in one
/// call: syncfs(2) on Unix; elsewhere every file of the folder is synced.
fn sync_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd as _;
        let d = std::fs::File::open(dir)?;
        // SAFETY: syncfs only reads the descriptor, which `d` keeps open.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        for entry in std::fs::read_dir(dir)? {
            let p = entry?.path();
            if p.is_file() {
                std::fs::File::open(&p)?.sync_all()?;
            }
        }
        Ok(())
    }
}

/// A letter allocates a few hundred KB of short-lived buffers (deflate
/// state, font subsets); glibc serves those with mmap/munmap and trims the
/// heap after each, so every letter paid page faults for fresh zeroed
/// pages (~15% of a batch's CPU). Keep them in the heap instead.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; any value is valid.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TOP_PAD, 16 << 20);
    }
}

/// `company-kind.pdf`, or `company-kind-2.pdf`, … when taken.
fn unique_name(company: &str, kind: &str, taken: &mut HashSet<String>) -> String {
    let base = format!("{company}-{kind}");
    let mut name = format!("{base}.pdf");
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{n}.pdf");
        n += 1;
    }
    name
}

/// A file-name-safe form of a company name: ASCII letters and digits in
/// lowercase, other runs as one `-`; at most 60 characters.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(60).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "company".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_unique_names() {
        assert_eq!(slug("Acme Imports, Inc."), "acme-imports-inc");
        assert_eq!(slug("  Überseehandel GmbH "), "berseehandel-gmbh");
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug("***"), "company");
        let mut taken = HashSet::new();
        assert_eq!(
            unique_name("a", "acceptance", &mut taken),
            "a-acceptance.pdf"
        );
        assert_eq!(
            unique_name("a", "acceptance", &mut taken),
            "a-acceptance-2.pdf"
        );
        assert_eq!(
            unique_name("a", "acceptance", &mut taken),
            "a-acceptance-3.pdf"
        );
        // A name that looks like a numbered one cannot take an existing name.
        assert_eq!(
            unique_name("a-acceptance", "2", &mut taken),
            "a-acceptance-2-2.pdf"
        );
    }
}
