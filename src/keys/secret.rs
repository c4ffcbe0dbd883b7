//! Passwords and PINs: from an environment variable, a file, or a prompt on
//! the terminal; never from the command line (other users see it in `ps`,
//! shells keep it in their history).

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::KeyError;

/// Passwords and PINs are short; a "password file" of megabytes is a mistake.
const MAX_SECRET_BYTES: u64 = 4096;

/// Where a password or PIN comes from, in this order: the value given
/// (the web app's password field), the environment variable, the file, a
/// prompt when `interactive`.
#[derive(Clone, Default)]
pub struct SecretSource {
    /// The secret itself, typed into a form (`cip serve`): kept in memory
    /// only, wiped when dropped, never printed (see the `Debug` below).
    pub given: Option<Zeroizing<String>>,
    /// Name of an environment variable holding the secret.
    pub env: Option<String>,
    /// A file whose first line is the secret.
    pub file: Option<PathBuf>,
    /// Ask on the terminal (echo off) when nothing else gives it.
    pub interactive: bool,
}

// By hand, so that no log line or error report can show a given secret.
impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretSource")
            .field("given", &self.given.as_ref().map(|_| "(hidden)"))
            .field("env", &self.env)
            .field("file", &self.file)
            .field("interactive", &self.interactive)
            .finish()
    }
}

impl SecretSource {
    /// The secret, or `None` when no source is configured and there is no
    /// terminal to ask on. `secret` names it ("password", "PIN"), `what`
    /// the thing it unlocks, for the prompt and errors.
    pub fn get(
        &self,
        secret: &'static str,
        what: &str,
    ) -> Result<Option<Zeroizing<String>>, KeyError> {
        if let Some(v) = &self.given {
            return Ok(Some(v.clone()));
        }
        if let Some(var) = &self.env {
            return match std::env::var(var) {
                Ok(v) => Ok(Some(Zeroizing::new(v))),
                Err(e) => Err(KeyError::SecretSource {
                    secret,
                    from: format!("environment variable {var}"),
                    why: e.to_string(),
                }),
            };
        }
        if let Some(path) = &self.file {
            return read_file(path, secret).map(Some);
        }
        if self.interactive {
            let v = rpassword::prompt_password(format!("{secret} for {what}: ")).map_err(|e| {
                KeyError::SecretSource {
                    secret,
                    from: "the terminal".into(),
                    why: e.to_string(),
                }
            })?;
            return Ok(Some(Zeroizing::new(v)));
        }
        Ok(None)
    }
}

/// The first line of `path` (without its line ending).
pub(super) fn read_file(
    path: &std::path::Path,
    secret: &'static str,
) -> Result<Zeroizing<String>, KeyError> {
    let bytes = Zeroizing::new(
        crate::model::files::read_bounded(path, MAX_SECRET_BYTES, "a password file").map_err(
            |e| KeyError::SecretSource {
                secret,
                from: path.display().to_string(),
                why: std::io::Error::from(e).to_string(),
            },
        )?,
    );
    let text = std::str::from_utf8(&bytes).map_err(|_| KeyError::SecretSource {
        secret,
        from: path.display().to_string(),
        why: "not UTF-8 text".into(),
    })?;
    let line = text.split(['\n', '\r']).next().unwrap_or("");
    Ok(Zeroizing::new(line.to_string()))
}
