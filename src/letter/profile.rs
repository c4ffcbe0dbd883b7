//! The account manager's profile (`--from AM.toml`) and the letter data
//! (`--data LETTER.toml`): small TOML files, unknown keys refused so that a
//! misspelt key is never silently ignored.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Profiles and letter data larger than this are refused (a real one is < 1 KB).
const MAX_BYTES: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: too large ({size} bytes; limit {MAX_BYTES})")]
    TooLarge { path: String, size: u64 },
    /// Not TOML, or not the expected shape; `message` has line and column.
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// The account manager who issues the letters (`samples/am.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmProfile {
    pub name: String,
    /// How a company's letter greets the account manager ("Ms. Okafor");
    /// without it, the full name.
    #[serde(default)]
    pub salutation: String,
    pub title: String,
    pub office: String,
    /// Postal address lines of the office.
    #[serde(default)]
    pub address: Vec<String>,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// Letterhead lines, largest first ("U.S. Customs and Border Protection", …).
    pub letterhead: Vec<String>,
}

/// What the account manager adds to a letter (`--data LETTER.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterData {
    /// Date the company's response is due (additional-information letters;
    /// default: 30 days after the letter date).
    #[serde(default, deserialize_with = "opt_date")]
    pub due: Option<NaiveDate>,
    /// An extra paragraph at the end of the body (Markdown).
    pub note: Option<String>,
    /// Copy recipients, listed under the signature ("cc:").
    #[serde(default)]
    pub cc: Vec<String>,
    /// What is sent with the letter, listed under the signature ("Enclosures:").
    #[serde(default)]
    pub enclosures: Vec<String>,
    /// The account manager's own requests for more information.
    #[serde(default, rename = "request")]
    pub requests: Vec<Request>,
    pub extension: Option<ExtensionData>,
    pub follow_up: Option<FollowUpData>,
    pub risk_category: Option<RiskData>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Id of the plan's deficiency the request concerns (e.g. "D2"); absent
    /// for a request about the plan as a whole.
    pub deficiency: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Granted,
    Denied,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionData {
    pub decision: Decision,
    /// When the company asked (default: the plan's latest request).
    #[serde(default, deserialize_with = "opt_date")]
    pub requested: Option<NaiveDate>,
    /// The new deadline (required when granted, unless the plan has one).
    #[serde(default, deserialize_with = "opt_date")]
    pub new_deadline: Option<NaiveDate>,
    /// The basis of the decision (significant progress, or its absence).
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpData {
    /// First day of the follow-up review.
    #[serde(deserialize_with = "date")]
    pub date: NaiveDate,
    /// Where the review takes place (default: the company's premises).
    pub location: Option<String>,
    /// Deficiency ids in scope (default: every deficiency of the plan).
    pub deficiencies: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskData {
    /// e.g. "standard", or "higher" / the designation in force.
    pub category: String,
    pub reason: String,
    /// Date the designation takes effect (default: the letter date).
    #[serde(default, deserialize_with = "opt_date")]
    pub effective: Option<NaiveDate>,
}

/// A TOML date (`2027-01-15`, no quotes) as a calendar date.
fn date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let dt = toml::value::Datetime::deserialize(d)?;
    crate::model::date_from_toml(&dt).map_err(|e| {
        serde::de::Error::custom(format!(
            "`{dt}` is {e}, not a date; write a plain TOML date, e.g. 2027-01-15"
        ))
    })
}

fn opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    date(d).map(Some)
}

pub(crate) fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, InputError> {
    let shown = path.display().to_string();
    let io = |source| InputError::Io {
        path: shown.clone(),
        source,
    };
    let bytes = match crate::model::files::read_bounded(path, MAX_BYTES, "a letter input") {
        Ok(b) => b,
        Err(crate::model::files::ReadError::TooLarge { size, .. }) => {
            return Err(InputError::TooLarge { path: shown, size });
        }
        Err(e) => return Err(io(e.into())),
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({})", e.utf8_error()),
        ))
    })?;
    parse_toml(&shown, &text)
}

/// Parse TOML `text` (named `name` in messages) as `T`.
pub fn parse_toml<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<T, InputError> {
    // What the letter says must be what the profile reads as (see the
    // `bidi-control` rule of `cip check` for plans).
    if let Some((at, c)) = crate::model::chars::first_bidi_control(text) {
        let (line, column) = crate::model::line_col(text, at);
        return Err(InputError::Invalid {
            path: name.to_string(),
            message: format!(
                "line {line}, column {column}: bidirectional control character U+{:04X}, which makes the text display in another order than it is written; delete it",
                u32::from(c)
            ),
        });
    }
    toml::from_str(text).map_err(|e| {
        let message = if crate::model::may_quote(name, text) {
            one_paragraph(&e.to_string())
        } else {
            // toml's message quotes the offending line; give its place only.
            let at = e.span().map_or(0, |s| s.start);
            let (line, column) = crate::model::line_col(text, at);
            format!(
                "line {line}, column {column}: {} (is it a TOML file?)",
                one_paragraph(e.message())
            )
        };
        InputError::Invalid {
            path: name.to_string(),
            message,
        }
    })
}

/// toml's messages span several lines with a source excerpt; keep them
/// readable as one diagnostic.
fn one_paragraph(s: &str) -> String {
    s.trim_end().replace('\n', "\n  ")
}

impl AmProfile {
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let p: AmProfile = read_toml(path)?;
        p.validate(&path.display().to_string())?;
        Ok(p)
    }

    /// Name, title, office and at least one letterhead line must be given.
    pub fn validate(&self, name: &str) -> Result<(), InputError> {
        let mut missing = Vec::new();
        for (key, v) in [
            ("name", &self.name),
            ("title", &self.title),
            ("office", &self.office),
        ] {
            if v.trim().is_empty() {
                missing.push(key);
            }
        }
        if self.letterhead.iter().all(|l| l.trim().is_empty()) {
            missing.push("letterhead");
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(InputError::Invalid {
                path: name.to_string(),
                message: format!(
                    "the account manager's profile needs {} (see samples/am.toml)",
                    missing.join(", ")
                ),
            })
        }
    }
}

impl LetterData {
    pub fn load(path: &Path) -> Result<Self, InputError> {
        read_toml(path)
    }
}
