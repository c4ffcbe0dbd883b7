//! The shape of a plan file, checked on the parsed TOML before serde sees it,
//! so that every unknown key and every wrongly typed value is reported at
//! once (serde stops at the first).

use toml_edit::{Item, TableLike, Value};

use super::Span;

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Date,
    Int,
    /// A whole or decimal number (a percentage).
    Num,
    StrList,
    StrOrList,
    Status,
    Table(&'static [(&'static str, Kind)]),
    Tables(&'static [(&'static str, Kind)]),
}

use Kind::*;

const HEADER: &[(&str, Kind)] = &[
    ("company", Str),
    ("importer_number", Str),
    ("assessment_report", Str),
    ("report_date", Date),
    ("prepared", Date),
    ("submitted_to", Str),
    ("revision", Int),
    ("supersedes", Table(SUPERSEDES)),
];
const SUPERSEDES: &[(&str, Kind)] = &[("file", Str), ("sha256", Str)];
const RESPONSE: &[(&str, Kind)] = &[("request", Str), ("text", Str), ("documents", StrList)];
const RESPONSIBLE: &[(&str, Kind)] = &[
    ("name", Str),
    ("title", Str),
    ("email", Str),
    ("phone", Str),
    ("salutation", Str),
];
const APPROVING: &[(&str, Kind)] = &[("name", Str), ("title", Str), ("date", Date)];
const DOCUMENT: &[(&str, Kind)] = &[("id", Str), ("title", Str), ("path", Str)];
const STEP: &[(&str, Kind)] = &[
    ("action", Str),
    ("documents", StrList),
    ("target", Date),
    ("department", StrOrList),
    ("status", Status),
    ("completed", Date),
];
const VALIDATION: &[(&str, Kind)] = &[
    ("methodology", Str),
    ("tester", Str),
    ("transactions", Int),
    ("begins", Date),
    ("concludes", Date),
    ("results_to_customs", Date),
    ("results_sent", Date),
    ("results", Table(RESULTS)),
];
/// The validation's results, as the company reports them to Customs.
const RESULTS: &[(&str, Kind)] = &[
    ("tested", Int),
    ("errors", Int),
    ("tolerable_rate", Num),
    ("conclusion", Str),
    ("findings", Str),
    ("follow_up", Str),
    ("sent", Date),
];
const DEFICIENCY: &[(&str, Kind)] = &[
    ("id", Str),
    ("area", Str),
    ("result_sheet", Str),
    ("condition", Str),
    ("step", Tables(STEP)),
    ("validation", Table(VALIDATION)),
];
const EXTENSION: &[(&str, Kind)] = &[
    ("requested", Date),
    ("granted", Date),
    ("new_deadline", Date),
    ("reason", Str),
];
const FOLLOW_UP: &[(&str, Kind)] = &[
    ("requested", Date),
    ("started", Date),
    ("completed", Date),
    ("outcome", Str),
];
const ROOT: &[(&str, Kind)] = &[
    ("plan", Table(HEADER)),
    ("responsible_official", Table(RESPONSIBLE)),
    ("approving_official", Table(APPROVING)),
    ("document", Tables(DOCUMENT)),
    ("deficiency", Tables(DEFICIENCY)),
    ("extension", Tables(EXTENSION)),
    ("follow_up", Table(FOLLOW_UP)),
    ("response", Tables(RESPONSE)),
];

pub const STATUSES: &[&str] = &["planned", "in-progress", "done"];

/// One shape problem: rule id, field path, message, hint, span.
pub struct Problem {
    pub rule: &'static str,
    pub path: String,
    pub message: String,
    pub hint: String,
    pub span: Option<Span>,
}

/// Every shape problem of the document, in source order.
pub fn check(root: &dyn TableLike) -> Vec<Problem> {
    let mut out = Vec::new();
    table(root, ROOT, "", &mut out);
    out.sort_by_key(|p| p.span.as_ref().map_or(0, |s| s.start));
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn table(t: &dyn TableLike, schema: &[(&str, Kind)], prefix: &str, out: &mut Vec<Problem>) {
    for (key, item) in t.iter() {
        let path = join(prefix, key);
        let key_span = t.get_key_value(key).and_then(|(k, _)| k.span());
        match schema.iter().find(|(k, _)| *k == key) {
            None => {
                let valid: Vec<&str> = schema.iter().map(|(k, _)| *k).collect();
                out.push(Problem {
                    rule: "unknown-key",
                    message: format!("unknown key `{key}`"),
                    hint: format!(
                        "{}valid keys here: {}",
                        closest(key, &valid)
                            .map_or(String::new(), |c| format!("did you mean `{c}`? ")),
                        valid.join(", ")
                    ),
                    span: key_span.or_else(|| item.span()),
                    path,
                });
            }
            Some((_, kind)) => value(item, *kind, &path, out),
        }
    }
}

fn value(item: &Item, kind: Kind, path: &str, out: &mut Vec<Problem>) {
    let wrong = |out: &mut Vec<Problem>, expected: &str, hint: &str| {
        out.push(Problem {
            rule: "wrong-type",
            path: path.to_string(),
            message: format!("expected {expected}, found {}", describe(item)),
            hint: hint.to_string(),
            span: item.span(),
        })
    };
    let v = item.as_value();
    match kind {
        Str => {
            if !matches!(v, Some(Value::String(_))) {
                wrong(
                    out,
                    "text",
                    "write text in double quotes, e.g. \"Trade Compliance\"",
                );
            }
        }
        Date => match v {
            Some(Value::Datetime(d)) => {
                let d = d.value();
                if d.date.is_none() || d.time.is_some() || d.offset.is_some() {
                    wrong(out, "a date", "write a plain TOML date, e.g. 2026-12-15");
                }
            }
            Some(Value::String(s)) if s.value().parse::<toml_edit::Datetime>().is_ok() => wrong(
                out,
                "a date",
                "remove the quotes: TOML dates are written bare, e.g. 2026-12-15",
            ),
            _ => wrong(out, "a date", "write a plain TOML date, e.g. 2026-12-15"),
        },
        Num => {
            if !matches!(v, Some(Value::Integer(_) | Value::Float(_))) {
                wrong(
                    out,
                    "a number",
                    "write a number without quotes, e.g. 5 or 2.5",
                );
            }
        }
        Int => {
            if !matches!(v, Some(Value::Integer(_))) {
                wrong(
                    out,
                    "a whole number",
                    "write a number without quotes, e.g. 60",
                );
            }
        }
        StrList | StrOrList => match v {
            Some(Value::String(_)) if matches!(kind, StrOrList) => {}
            Some(Value::Array(a)) if a.iter().all(|x| matches!(x, Value::String(_))) => {}
            _ if matches!(kind, StrOrList) => wrong(
                out,
                "text or a list of text",
                "e.g. \"Trade Compliance\" or [\"Trade Compliance\", \"Legal\"]",
            ),
            _ => wrong(
                out,
                "a list of text",
                "e.g. [\"import-manual\", \"training-records\"]",
            ),
        },
        Status => match v {
            Some(Value::String(s)) if STATUSES.contains(&s.value().as_str()) => {}
            Some(Value::String(s)) => out.push(Problem {
                rule: "invalid-value",
                path: path.to_string(),
                message: format!("`{}` is not a step status", s.value()),
                hint: format!("use one of: {}", STATUSES.join(", ")),
                span: item.span(),
            }),
            _ => wrong(
                out,
                "a step status",
                "use one of: planned, in-progress, done",
            ),
        },
        Table(schema) => match item.as_table_like() {
            Some(t) => table(t, schema, path, out),
            None => wrong(out, "a table", "write it as a [table] section"),
        },
        Tables(schema) => match item {
            Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    table(t, schema, &format!("{path}[{i}]"), out);
                }
            }
            Item::Value(Value::Array(a)) if a.iter().all(|x| x.as_inline_table().is_some()) => {
                for (i, t) in a.iter().filter_map(Value::as_inline_table).enumerate() {
                    table(t, schema, &format!("{path}[{i}]"), out);
                }
            }
            _ => wrong(
                out,
                "an array of tables",
                "write each entry as a [[table]] section",
            ),
        },
    }
}

fn describe(item: &Item) -> &'static str {
    match item {
        Item::Value(Value::String(_)) => "text",
        Item::Value(Value::Integer(_)) => "a number",
        Item::Value(Value::Float(_)) => "a decimal number",
        Item::Value(Value::Boolean(_)) => "true/false",
        Item::Value(Value::Datetime(d)) => {
            let d = d.value();
            if d.time.is_some() && d.date.is_some() {
                "a date and time"
            } else if d.date.is_some() {
                "a date"
            } else {
                "a time"
            }
        }
        Item::Value(Value::Array(_)) => "a list",
        Item::Value(Value::InlineTable(_)) | Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::None => "nothing",
    }
}

/// The valid key closest to a misspelt one (edit distance <= 2).
fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|v| (distance(key, v), *v))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, v)| v)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
