//! The plan editor's two directions, on the TOML text itself (`toml_edit`),
//! so that comments, order and every key the form does not show survive:
//! - [`fields`]: the form's fields and their current values, read from the
//!   document (exactly what the file says, not a re-serialised model);
//! - [`apply_form`]: the submitted fields written back, touching only the
//!   values that changed (a save with nothing changed is byte-identical).
//!
//! Field names are `cip check`'s field paths (`plan.company`,
//! `deficiency[0].step[1].target`), so a finding's `path` names its field.

use serde::Serialize;
use toml_edit::{Array, DocumentMut, Item, Table, Value};

/// Why the submitted form cannot be applied to the plan.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{name}: not valid TOML: {message}")]
    Syntax { name: String, message: String },
    #[error("field `{0}` does not exist in the plan (reload the page)")]
    NoSuch(String),
    #[error("field `{0}` is not a field the editor writes")]
    Unknown(String),
    #[error("`{path}` cannot be moved {direction}")]
    NoMove {
        path: String,
        direction: &'static str,
    },
    #[error("`{path}` is a {found} in the plan, not a table; edit it in the TOML file")]
    NotATable { path: String, found: String },
}

/// How a field is shown and written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Text,
    Long,
    Date,
    Number,
    /// Comma-separated in the form, a TOML array of strings in the file (a
    /// single item stays a plain string where the framework allows it).
    List,
    Status,
}

/// The editor's fields of a table: key, label, kind.
const HEADER: &[(&str, &str, Kind)] = &[
    ("company", "Company", Kind::Text),
    ("importer_number", "Importer number", Kind::Text),
    ("assessment_report", "Assessment report", Kind::Text),
    ("report_date", "Report date", Kind::Date),
    ("prepared", "Prepared", Kind::Date),
    ("submitted_to", "Submitted to", Kind::Text),
];
const RESPONSIBLE: &[(&str, &str, Kind)] = &[
    ("name", "Name", Kind::Text),
    ("salutation", "Salutation", Kind::Text),
    ("title", "Title", Kind::Text),
    ("email", "E-mail", Kind::Text),
    ("phone", "Phone", Kind::Text),
];
const APPROVING: &[(&str, &str, Kind)] = &[
    ("name", "Name", Kind::Text),
    ("title", "Title", Kind::Text),
    ("date", "Date approved", Kind::Date),
];
const DOCUMENT: &[(&str, &str, Kind)] = &[
    ("id", "Id", Kind::Text),
    ("title", "Title", Kind::Text),
    ("path", "File (in the plan's folder)", Kind::Text),
];
const DEFICIENCY: &[(&str, &str, Kind)] = &[
    ("id", "Id", Kind::Text),
    ("area", "Area", Kind::Text),
    ("result_sheet", "Result sheet", Kind::Text),
    ("condition", "Condition", Kind::Long),
];
const STEP: &[(&str, &str, Kind)] = &[
    ("action", "Action", Kind::Long),
    ("documents", "Documents (ids)", Kind::List),
    ("target", "Target date", Kind::Date),
    ("department", "Department(s)", Kind::List),
    ("status", "Status", Kind::Status),
    ("completed", "Completed", Kind::Date),
];
const VALIDATION: &[(&str, &str, Kind)] = &[
    ("methodology", "Methodology", Kind::Long),
    ("tester", "Tester", Kind::Text),
    ("transactions", "Transactions tested", Kind::Number),
    ("begins", "Testing begins", Kind::Date),
    ("concludes", "Testing concludes", Kind::Date),
    ("results_to_customs", "Results to Customs", Kind::Date),
];

const EXTENSION: &[(&str, &str, Kind)] = &[
    ("requested", "Requested", Kind::Date),
    ("granted", "Granted", Kind::Date),
    ("new_deadline", "New deadline", Kind::Date),
    ("reason", "Reason", Kind::Long),
];
const FOLLOW_UP: &[(&str, &str, Kind)] = &[
    ("requested", "Follow-up requested", Kind::Date),
    ("started", "Review started", Kind::Date),
    ("completed", "Review completed", Kind::Date),
    ("outcome", "Outcome", Kind::Text),
];

/// One field of the form.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub path: String,
    pub label: &'static str,
    pub kind: Kind,
    pub value: String,
}

/// A step: a row of the steps table.
#[derive(Debug, Clone, Serialize)]
pub struct StepRow {
    pub path: String,
    pub index: usize,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeficiencyForm {
    pub path: String,
    pub index: usize,
    pub fields: Vec<Field>,
    pub steps: Vec<StepRow>,
    pub validation: Vec<Field>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentRow {
    pub path: String,
    pub fields: Vec<Field>,
    /// The file's `path` value, for the SHA-256 shown beside it.
    pub file: String,
}

/// An extension request of the plan (`[[extension]]`).
#[derive(Debug, Clone, Serialize)]
pub struct ExtensionRow {
    pub path: String,
    pub index: usize,
    pub fields: Vec<Field>,
}

/// The whole form.
#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub header: Vec<Field>,
    pub responsible: Vec<Field>,
    pub approving: Vec<Field>,
    pub documents: Vec<DocumentRow>,
    pub deficiencies: Vec<DeficiencyForm>,
    pub extensions: Vec<ExtensionRow>,
    pub follow_up: Vec<Field>,
}

impl Form {
    /// Every path a finding can be shown next to: fields, rows, sections.
    pub fn slots(&self) -> Vec<String> {
        let mut out = vec![
            "plan".to_string(),
            "responsible_official".into(),
            "approving_official".into(),
            "follow_up".into(),
        ];
        let mut push = |fs: &[Field]| out.extend(fs.iter().map(|f| f.path.clone()));
        push(&self.header);
        push(&self.responsible);
        push(&self.approving);
        push(&self.follow_up);
        for d in &self.documents {
            push(&d.fields);
        }
        for e in &self.extensions {
            push(&e.fields);
        }
        for d in &self.deficiencies {
            push(&d.fields);
            push(&d.validation);
            for s in &d.steps {
                push(&s.fields);
            }
        }
        out.extend(self.extensions.iter().map(|e| e.path.clone()));
        for d in &self.documents {
            out.push(d.path.clone());
        }
        for d in &self.deficiencies {
            out.push(d.path.clone());
            out.push(format!("{}.validation", d.path));
            out.extend(d.steps.iter().map(|s| s.path.clone()));
        }
        out
    }
}

/// The slot a finding at `path` is shown in: the longest slot that is
/// `path` or a prefix of it at a segment boundary.
pub fn slot_for<'a>(path: &str, slots: &'a [String]) -> Option<&'a str> {
    slots
        .iter()
        .filter(|s| {
            path == s.as_str()
                || path
                    .strip_prefix(s.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
        .max_by_key(|s| s.len())
        .map(String::as_str)
}

pub fn parse(name: &str, text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>().map_err(|e| EditError::Syntax {
        name: name.to_string(),
        message: e.to_string(),
    })
}

/// The value as the form shows it.
fn shown(item: Option<&Item>) -> String {
    let Some(v) = item.and_then(Item::as_value) else {
        return String::new();
    };
    match v {
        Value::String(s) => s.value().clone(),
        Value::Integer(i) => i.value().to_string(),
        Value::Float(f) => f.value().to_string(),
        Value::Boolean(b) => b.value().to_string(),
        Value::Datetime(d) => d.value().to_string(),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.value().clone(),
                other => other.to_string().trim().to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::InlineTable(t) => t.to_string().trim().to_string(),
    }
}

fn table_fields(
    t: Option<&Table>,
    prefix: &str,
    spec: &[(&str, &'static str, Kind)],
) -> Vec<Field> {
    spec.iter()
        .map(|(key, label, kind)| Field {
            path: format!("{prefix}.{key}"),
            label,
            kind: *kind,
            value: shown(t.and_then(|t| t.get(key))),
        })
        .collect()
}

fn aot<'a>(t: &'a Table, key: &str) -> Vec<&'a Table> {
    match t.get(key) {
        Some(Item::ArrayOfTables(a)) => a.iter().collect(),
        _ => Vec::new(),
    }
}

/// The form of a plan document.
pub fn fields(doc: &DocumentMut) -> Form {
    let root = doc.as_table();
    let sub = |k: &str| root.get(k).and_then(Item::as_table);
    let documents = aot(root, "document")
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let path = format!("document[{i}]");
            DocumentRow {
                fields: table_fields(Some(t), &path, DOCUMENT),
                file: shown(t.get("path")),
                path,
            }
        })
        .collect();
    let deficiencies = aot(root, "deficiency")
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let path = format!("deficiency[{i}]");
            DeficiencyForm {
                fields: table_fields(Some(t), &path, DEFICIENCY),
                steps: aot(t, "step")
                    .into_iter()
                    .enumerate()
                    .map(|(j, s)| {
                        let sp = format!("{path}.step[{j}]");
                        StepRow {
                            fields: table_fields(Some(s), &sp, STEP),
                            path: sp,
                            index: j,
                        }
                    })
                    .collect(),
                validation: table_fields(
                    t.get("validation").and_then(Item::as_table),
                    &format!("{path}.validation"),
                    VALIDATION,
                ),
                path,
                index: i,
            }
        })
        .collect();
    Form {
        header: table_fields(sub("plan"), "plan", HEADER),
        responsible: table_fields(
            sub("responsible_official"),
            "responsible_official",
            RESPONSIBLE,
        ),
        approving: table_fields(sub("approving_official"), "approving_official", APPROVING),
        documents,
        deficiencies,
        extensions: aot(root, "extension")
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let path = format!("extension[{i}]");
                ExtensionRow {
                    fields: table_fields(Some(t), &path, EXTENSION),
                    path,
                    index: i,
                }
            })
            .collect(),
        follow_up: table_fields(sub("follow_up"), "follow_up", FOLLOW_UP),
    }
}

/// A field path split into (table key, optional index) segments.
fn segments(path: &str) -> Option<Vec<(&str, Option<usize>)>> {
    path.split('.')
        .map(|seg| match seg.split_once('[') {
            Some((k, rest)) => {
                let n = rest.strip_suffix(']')?.parse().ok()?;
                Some((k, Some(n)))
            }
            None => Some((seg, None)),
        })
        .collect()
}

/// The kind of the field at `path`, if the editor writes it.
fn kind_of(path: &[(&str, Option<usize>)]) -> Option<Kind> {
    let spec: &[(&str, &str, Kind)] = match path {
        [("plan", None), _] => HEADER,
        [("responsible_official", None), _] => RESPONSIBLE,
        [("approving_official", None), _] => APPROVING,
        [("document", Some(_)), _] => DOCUMENT,
        [("deficiency", Some(_)), _] => DEFICIENCY,
        [("deficiency", Some(_)), ("step", Some(_)), _] => STEP,
        [("deficiency", Some(_)), ("validation", None), _] => VALIDATION,
        [("extension", Some(_)), _] => EXTENSION,
        [("follow_up", None), _] => FOLLOW_UP,
        _ => return None,
    };
    let key = path.last()?.0;
    spec.iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, _, kind)| *kind)
}

/// The new value of a field from its form text (`None`: remove the key).
fn value_of(kind: Kind, key: &str, text: &str) -> Option<Value> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match kind {
        Kind::Date => Some(
            t.parse::<toml_edit::Datetime>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(t)),
        ),
        Kind::Number => Some(
            t.parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(t)),
        ),
        Kind::List => {
            let items: Vec<&str> = t
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            // `department = "A"` is the framework's usual single form.
            if key == "department" && items.len() == 1 {
                return Some(Value::from(items[0]));
            }
            let mut a = Array::new();
            for i in items {
                a.push(i);
            }
            Some(Value::Array(a))
        }
        // Long text keeps its line breaks as typed (browsers send CRLF).
        Kind::Long => Some(Value::from(text.replace("\r\n", "\n").trim_end())),
        Kind::Text | Kind::Status => Some(Value::from(t)),
    }
}

/// The table the segments name, if the document has it.
fn table_get<'a>(root: &'a Table, path: &[(&str, Option<usize>)]) -> Option<&'a Table> {
    let mut t = root;
    for (key, index) in path {
        t = match (index, t.get(key)?) {
            (None, item) => item.as_table()?,
            (Some(i), Item::ArrayOfTables(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(t)
}

/// The table the segments before the last one name, created when missing
/// (only plain tables are created; array elements must exist).
fn table_at<'a>(
    root: &'a mut Table,
    path: &[(&str, Option<usize>)],
    full: &str,
) -> Result<&'a mut Table, EditError> {
    let mut t = root;
    for (key, index) in path {
        let item = match index {
            None => {
                if !t.contains_key(key) {
                    let mut nt = Table::new();
                    nt.set_implicit(false);
                    t.insert(key, Item::Table(nt));
                }
                t.get_mut(key)
                    .ok_or_else(|| EditError::NoSuch(full.to_string()))?
            }
            Some(i) => match t.get_mut(key) {
                Some(Item::ArrayOfTables(a)) => {
                    let el = a
                        .get_mut(*i)
                        .ok_or_else(|| EditError::NoSuch(full.to_string()))?;
                    t = el;
                    continue;
                }
                _ => return Err(EditError::NoSuch(full.to_string())),
            },
        };
        let found = item.type_name().to_string();
        t = item.as_table_mut().ok_or(EditError::NotATable {
            path: full.to_string(),
            found,
        })?;
    }
    Ok(t)
}

/// Apply the submitted `fields` (name = field path) to the plan text.
/// Names the editor does not write (`csrf`, `hash`, ...) are ignored;
/// unchanged values are left exactly as written.
pub fn apply_form(
    name: &str,
    text: &str,
    fields: &[(String, String)],
) -> Result<String, EditError> {
    let mut doc = parse(name, text)?;
    let mut changed = false;
    for (path, input) in fields {
        let Some(segs) = segments(path) else { continue };
        let Some(kind) = kind_of(&segs) else { continue };
        let Some(((key, None), parents)) = segs.split_last() else {
            return Err(EditError::Unknown(path.clone()));
        };
        let normal = |s: &str| s.replace("\r\n", "\n").trim().to_string();
        // Compared before anything is created: an empty field of a table
        // the file does not have (`[follow_up]`) adds nothing.
        let current = shown(table_get(doc.as_table(), parents).and_then(|t| t.get(key)));
        if normal(&current) == normal(input) {
            continue;
        }
        let table = table_at(doc.as_table_mut(), parents, path)?;
        changed = true;
        match value_of(kind, key, input) {
            None => {
                table.remove(key);
            }
            Some(mut v) => match table.get_mut(key).and_then(Item::as_value_mut) {
                Some(old) => {
                    let decor = old.decor().clone();
                    *v.decor_mut() = decor;
                    *old = v;
                }
                None => {
                    table.insert(key, Item::Value(v));
                }
            },
        }
    }
    Ok(if changed {
        doc.to_string()
    } else {
        text.to_string()
    })
}

/// Append an empty step to deficiency `d` (its action left to fill in, so
/// that `cip check` asks for it).
pub fn add_step(name: &str, text: &str, d: usize) -> Result<String, EditError> {
    let mut doc = parse(name, text)?;
    let path = format!("deficiency[{d}]");
    let def = table_at(doc.as_table_mut(), &[("deficiency", Some(d))], &path)?;
    let mut step = Table::new();
    step.insert("action", toml_edit::value(""));
    match def.get_mut("step") {
        Some(Item::ArrayOfTables(a)) => a.push(step),
        Some(other) => {
            return Err(EditError::NotATable {
                path: format!("{path}.step"),
                found: other.type_name().to_string(),
            });
        }
        None => {
            let mut a = toml_edit::ArrayOfTables::new();
            a.push(step);
            def.insert("step", Item::ArrayOfTables(a));
        }
    }
    Ok(doc.to_string())
}

/// Append an extension request dated `requested` (the company asks; the
/// decision's dates are filled in when Customs answers).
pub fn add_extension(
    name: &str,
    text: &str,
    requested: chrono::NaiveDate,
) -> Result<String, EditError> {
    let mut doc = parse(name, text)?;
    let mut t = Table::new();
    let date = crate::model::dates::iso(requested)
        .parse::<toml_edit::Datetime>()
        .map_err(|e| EditError::Syntax {
            name: name.to_string(),
            message: e.to_string(),
        })?;
    t.insert("requested", toml_edit::value(date));
    match doc.as_table_mut().get_mut("extension") {
        Some(Item::ArrayOfTables(a)) => a.push(t),
        Some(other) => {
            return Err(EditError::NotATable {
                path: "extension".into(),
                found: other.type_name().to_string(),
            });
        }
        None => {
            let mut a = toml_edit::ArrayOfTables::new();
            a.push(t);
            doc.as_table_mut()
                .insert("extension", Item::ArrayOfTables(a));
        }
    }
    Ok(doc.to_string())
}

/// Remove step `s` of deficiency `d`.
pub fn remove_step(name: &str, text: &str, d: usize, s: usize) -> Result<String, EditError> {
    let mut doc = parse(name, text)?;
    let path = format!("deficiency[{d}].step[{s}]");
    let def = table_at(doc.as_table_mut(), &[("deficiency", Some(d))], &path)?;
    match def.get_mut("step") {
        Some(Item::ArrayOfTables(a)) if s < a.len() => a.remove(s),
        _ => return Err(EditError::NoSuch(path)),
    }
    Ok(doc.to_string())
}

/// Move step `s` of deficiency `d` one place up or down (`up`): the two
/// steps trade places with their comments, nothing else moves. A move past
/// either end is refused.
pub fn move_step(
    name: &str,
    text: &str,
    d: usize,
    s: usize,
    up: bool,
) -> Result<String, EditError> {
    let mut doc = parse(name, text)?;
    let path = format!("deficiency[{d}].step[{s}]");
    let other = if up {
        s.checked_sub(1)
    } else {
        s.checked_add(1)
    };
    let def = table_at(doc.as_table_mut(), &[("deficiency", Some(d))], &path)?;
    let Some(Item::ArrayOfTables(a)) = def.get_mut("step") else {
        return Err(EditError::NoSuch(path));
    };
    let Some(o) = other.filter(|o| *o < a.len() && s < a.len()) else {
        return Err(EditError::NoMove {
            path,
            direction: if up { "up" } else { "down" },
        });
    };
    let (lo, hi) = (s.min(o), s.max(o));
    let (Some(t_lo), Some(t_hi)) = (a.get(lo).cloned(), a.get(hi).cloned()) else {
        return Err(EditError::NoSuch(path));
    };
    // The document is written in table position order: each table takes
    // the other's place there too (its comments travel with it, as its
    // decor), so the file shows the new order.
    let (p_lo, p_hi) = (t_lo.position(), t_hi.position());
    let mut new_lo = t_hi;
    let mut new_hi = t_lo;
    if let (Some(pl), Some(ph)) = (p_lo, p_hi) {
        new_lo.set_position(pl);
        new_hi.set_position(ph);
    }
    // Subtables of a step (none in the framework's format, but kept) keep
    // their own positions: the move is refused rather than scrambled.
    if [&new_lo, &new_hi].iter().any(|t| {
        t.iter()
            .any(|(_, v)| v.is_table() || v.is_array_of_tables())
    }) {
        return Err(EditError::NoMove {
            path,
            direction: "with its subtables; move it in the TOML file",
        });
    }
    if let Some(x) = a.get_mut(lo) {
        *x = new_lo;
    }
    if let Some(x) = a.get_mut(hi) {
        *x = new_hi;
    }
    Ok(doc.to_string())
}

/// Add a `[[document]]` entry for an uploaded file (unless one already names
/// that path).
pub fn add_document(
    name: &str,
    text: &str,
    id: &str,
    title: &str,
    rel: &str,
) -> Result<String, EditError> {
    let mut doc = parse(name, text)?;
    if aot(doc.as_table(), "document")
        .iter()
        .any(|t| shown(t.get("path")) == rel)
    {
        return Ok(text.to_string());
    }
    let mut t = Table::new();
    t.insert("id", toml_edit::value(id));
    t.insert("title", toml_edit::value(title));
    t.insert("path", toml_edit::value(rel));
    match doc.as_table_mut().get_mut("document") {
        Some(Item::ArrayOfTables(a)) => a.push(t),
        Some(other) => {
            return Err(EditError::NotATable {
                path: "document".into(),
                found: other.type_name().to_string(),
            });
        }
        None => {
            let mut a = toml_edit::ArrayOfTables::new();
            a.push(t);
            doc.as_table_mut()
                .insert("document", Item::ArrayOfTables(a));
        }
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = include_str!("../../samples/acme.toml");

    fn form_pairs(f: &Form) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut push =
            |fs: &[Field]| out.extend(fs.iter().map(|x| (x.path.clone(), x.value.clone())));
        push(&f.header);
        push(&f.responsible);
        push(&f.approving);
        push(&f.follow_up);
        for d in &f.documents {
            push(&d.fields);
        }
        for e in &f.extensions {
            push(&e.fields);
        }
        for d in &f.deficiencies {
            push(&d.fields);
            push(&d.validation);
            for s in &d.steps {
                push(&s.fields);
            }
        }
        out
    }

    #[test]
    fn an_unchanged_form_gives_back_the_same_bytes() {
        let doc = parse("acme.toml", PLAN).expect("parses");
        let pairs = form_pairs(&fields(&doc));
        assert!(
            pairs.len() > 40,
            "the form shows the plan ({} fields)",
            pairs.len()
        );
        assert_eq!(
            apply_form("acme.toml", PLAN, &pairs).expect("applies"),
            PLAN
        );
    }

    #[test]
    fn a_changed_field_changes_only_its_value() {
        let doc = parse("acme.toml", PLAN).expect("parses");
        let mut pairs = form_pairs(&fields(&doc));
        for (k, v) in &mut pairs {
            if k == "deficiency[0].step[2].target" {
                *v = "2027-01-08".into();
            }
        }
        let out = apply_form("acme.toml", PLAN, &pairs).expect("applies");
        let diff: Vec<(&str, &str)> = PLAN
            .lines()
            .zip(out.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(diff, [("target = 2026-12-18", "target = 2027-01-08")]);
        assert_eq!(PLAN.lines().count(), out.lines().count());
    }

    #[test]
    fn a_step_moves_with_its_comments_and_back_gives_the_same_bytes() {
        let text = "[plan]\ncompany = \"A\"\n\n[[deficiency]]\nid = \"D1\"\n\n# first\n[[deficiency.step]]\naction = \"one\" # 1\n\n# second\n[[deficiency.step]]\naction = \"two\"\n\n[[deficiency]]\nid = \"D2\"\n";
        let down = move_step("p.toml", text, 0, 0, false).expect("moves");
        assert_eq!(
            down,
            "[plan]\ncompany = \"A\"\n\n[[deficiency]]\nid = \"D1\"\n\n# second\n[[deficiency.step]]\naction = \"two\"\n\n# first\n[[deficiency.step]]\naction = \"one\" # 1\n\n[[deficiency]]\nid = \"D2\"\n"
        );
        assert_eq!(move_step("p.toml", &down, 0, 1, true).expect("back"), text);
        assert!(matches!(
            move_step("p.toml", text, 0, 0, true),
            Err(EditError::NoMove { .. })
        ));
        assert!(matches!(
            move_step("p.toml", text, 0, 1, false),
            Err(EditError::NoMove { .. })
        ));
        assert!(move_step("p.toml", text, 1, 0, false).is_err());
        let acme = move_step("acme.toml", PLAN, 0, 1, true).expect("acme");
        assert_eq!(
            move_step("acme.toml", &acme, 0, 0, false).expect("back"),
            PLAN
        );
    }

    #[test]
    fn findings_find_their_field_or_its_row() {
        let slots = vec![
            "deficiency[0]".to_string(),
            "deficiency[0].step[1]".into(),
            "deficiency[0].step[1].department".into(),
            "deficiency[0].step[10]".into(),
        ];
        assert_eq!(
            slot_for("deficiency[0].step[1].department[2]", &slots),
            Some("deficiency[0].step[1].department")
        );
        assert_eq!(
            slot_for("deficiency[0].step[1]", &slots),
            Some("deficiency[0].step[1]")
        );
        assert_eq!(
            slot_for("deficiency[0].step[7]", &slots),
            Some("deficiency[0]")
        );
        assert_eq!(slot_for("document[0]", &slots), None);
    }
}
