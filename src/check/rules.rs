//! The rules. Each group is a small function named after the part of the
//! framework it enforces; each finding carries a stable rule id listed in
//! [`RULES`] with its severity and the framework requirement it comes from.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::{Findings, Severity};
use crate::model::{self, Field, Official, Plan, Sp, StepStatus, chars, date, files, text};

use Severity::{Error as E, Warning as W};

/// Every rule id, its severity, and what it enforces.
pub const RULES: &[(&str, Severity, &str)] = &[
    (
        "unreadable",
        E,
        "the plan file exists and can be read (exit 2)",
    ),
    ("not-utf8", E, "the plan is UTF-8 text (exit 2)"),
    ("too-large", E, "the plan is at most 16 MB (exit 2)"),
    ("toml-syntax", E, "the file is valid TOML (exit 2)"),
    (
        "unknown-key",
        E,
        "every key is one the plan format defines (no misspelt key is ignored)",
    ),
    (
        "wrong-type",
        E,
        "every value has the type its key takes (text, date, number, list)",
    ),
    (
        "invalid-value",
        E,
        "enumerated values (step status) are one of the allowed words",
    ),
    (
        "placeholder",
        E,
        "no `<...>` placeholder from `cip init` is left",
    ),
    (
        "unsupported-character",
        E,
        "every character can be shown by the PDF font",
    ),
    (
        "bidi-control",
        E,
        "no bidirectional control character (U+202A to U+202E, U+2066 to U+2069) anywhere in the file, which would make it read differently from what is signed",
    ),
    ("company-missing", E, "[plan] names the company"),
    (
        "assessment-report-missing",
        E,
        "[plan] names the Compliance Assessment report it answers",
    ),
    (
        "report-date-missing",
        E,
        "[plan] gives the report date (start of the conditional period)",
    ),
    (
        "prepared-missing",
        E,
        "[plan] gives the date the CIP was prepared",
    ),
    (
        "submitted-to-missing",
        E,
        "[plan] names the AM or designated CIP point of contact",
    ),
    (
        "prepared-before-report",
        E,
        "the plan is not prepared before the report it answers",
    ),
    (
        "responsible-official-missing",
        E,
        "the responsible official's name and title are given",
    ),
    (
        "responsible-official-email",
        W,
        "the responsible official's email looks like an address",
    ),
    (
        "approving-official-missing",
        E,
        "the approving official's name, title and date issued are given",
    ),
    (
        "issued-before-prepared",
        E,
        "the date issued is not before the date prepared",
    ),
    (
        "no-deficiency",
        E,
        "the plan states at least one deficiency",
    ),
    ("deficiency-id-missing", E, "every deficiency has an id"),
    ("deficiency-id-duplicate", E, "deficiency ids are unique"),
    (
        "deficiency-area-missing",
        E,
        "every deficiency names its non-compliant area",
    ),
    (
        "result-sheet-missing",
        E,
        "every deficiency refers to the result sheet that discloses it",
    ),
    (
        "condition-missing",
        E,
        "every deficiency states the condition from the result sheet",
    ),
    (
        "no-steps",
        E,
        "every deficiency has at least one corrective action step",
    ),
    ("step-action-missing", E, "every step describes its action"),
    ("step-target-missing", E, "every step has a target date"),
    (
        "step-department-missing",
        E,
        "every step names at least one responsible department",
    ),
    (
        "step-completed-missing",
        E,
        "a done step gives its completion date",
    ),
    (
        "step-completed-not-done",
        W,
        "a completion date is only given for a done step",
    ),
    (
        "step-target-passed",
        W,
        "a step whose target passed before the plan was prepared is done",
    ),
    (
        "step-done-undocumented",
        W,
        "a completed step has supporting documentation already available",
    ),
    (
        "step-document-unknown",
        E,
        "a step's documents are declared [[document]] ids",
    ),
    ("document-id-missing", E, "every document has an id"),
    ("document-id-duplicate", E, "document ids are unique"),
    ("document-title-missing", E, "every document has a title"),
    (
        "document-path-invalid",
        E,
        "a document path is a readable file inside the plan's folder",
    ),
    (
        "document-duplicate-content",
        E,
        "no two documents have the same content",
    ),
    (
        "document-unused",
        W,
        "every declared document supports some step",
    ),
    (
        "validation-missing",
        E,
        "every deficiency has a validation action (the final action step)",
    ),
    (
        "validation-methodology-missing",
        E,
        "the validation describes its testing methodology",
    ),
    (
        "validation-tester-missing",
        E,
        "the validation says who will conduct the testing",
    ),
    (
        "validation-transactions",
        E,
        "the validation gives the number of transactions tested (> 0)",
    ),
    (
        "validation-begins-missing",
        E,
        "the validation gives the date testing begins",
    ),
    (
        "validation-concludes-missing",
        E,
        "the validation gives the date testing concludes",
    ),
    (
        "validation-results-missing",
        E,
        "the validation gives the date results go to Customs",
    ),
    (
        "validation-order",
        E,
        "begins <= concludes <= results_to_customs",
    ),
    (
        "validation-results-sent-early",
        W,
        "validation results are sent to Customs after testing concludes",
    ),
    (
        "results-errors-exceed-tested",
        E,
        "validation results: errors found <= transactions tested, and something tested",
    ),
    (
        "results-effective-above-tolerance",
        E,
        "validation results concluded \"effective\" have an error rate within the tolerable rate",
    ),
    (
        "results-sent-before-concluded",
        E,
        "validation results are sent on or after the date testing concludes",
    ),
    (
        "results-conclusion-invalid",
        E,
        "validation results conclude \"effective\" or \"not effective\"",
    ),
    (
        "results-follow-up-missing",
        E,
        "results concluded \"not effective\" state the corrective follow-up",
    ),
    (
        "validation-before-steps",
        E,
        "testing begins on or after the last corrective step's target",
    ),
    (
        "beyond-conditional-period",
        W,
        "dates fall within the six-month conditional period or a granted extension",
    ),
    (
        "extension-requested-missing",
        E,
        "an extension gives the date it was requested",
    ),
    (
        "extension-deadline-missing",
        E,
        "a granted extension gives its new deadline",
    ),
    (
        "extension-granted-before-requested",
        E,
        "an extension is not granted before it was requested",
    ),
    (
        "extension-deadline-not-later",
        E,
        "an extension's new deadline is after the period it extends",
    ),
    (
        "extension-reason-missing",
        W,
        "an extension states the significant progress it is based on",
    ),
    (
        "follow-up-order",
        E,
        "the follow-up review is requested, started and completed in that order",
    ),
    (
        "revision-invalid",
        E,
        "[plan] revision is a whole number from 1 (the first submission) up",
    ),
    (
        "supersedes-missing",
        W,
        "a revision from 2 on names the submission it supersedes (filled in by `cip render --previous OLD.pdf`)",
    ),
    (
        "supersedes-on-first-revision",
        E,
        "the first submission supersedes nothing",
    ),
    (
        "supersedes-incomplete",
        E,
        "supersedes gives the previous PDF's file name and its SHA-256 (64 hexadecimal digits)",
    ),
    (
        "response-incomplete",
        E,
        "each [[response]] names the request it answers and gives its answer",
    ),
    (
        "response-duplicate",
        E,
        "each request is answered by one [[response]]",
    ),
    (
        "case-file-unreadable",
        W,
        "the case file beside the plan (PLAN.case.toml) can be read",
    ),
    (
        "request-unanswered",
        W,
        "a revised plan answers each open additional-information request of the case file",
    ),
    (
        "response-document-unknown",
        E,
        "documents sent with a response are declared as [[document]] entries",
    ),
];

pub(super) fn severity(rule: &str) -> Severity {
    RULES
        .iter()
        .find(|(id, _, _)| *id == rule)
        .map_or(Severity::Error, |(_, s, _)| *s)
}

type Group = fn(&Plan, &mut Findings);

pub(super) const GROUPS: &[Group] = &[
    text_fields,
    bidi_controls,
    header,
    officials,
    deficiencies,
    steps,
    documents,
    validation,
    validation_results,
    conditional_period,
    extensions,
    follow_up,
    revision,
    responses,
];

fn span_of<T>(f: &Field<T>) -> Option<model::Span> {
    f.as_ref().map(|s| s.span.clone())
}

/// Span of a field if present, else of its enclosing table.
fn at<T>(f: &Field<T>, table: &model::Span) -> Option<model::Span> {
    span_of(f).or_else(|| Some(table.clone()))
}

#[allow(clippy::too_many_arguments)] // one call per required text field reads best flat
fn missing_str(
    out: &mut Findings,
    f: &Field<String>,
    table: &model::Span,
    rule: &'static str,
    path: String,
    def: Option<usize>,
    what: &str,
    hint: &str,
) -> bool {
    if text(f).is_some() {
        return false;
    }
    let how = if f.is_some() {
        "is empty"
    } else {
        "is missing"
    };
    out.push(rule, path, at(f, table), def, format!("{what} {how}"), hint);
    true
}

fn missing_date(
    out: &mut Findings,
    f: &Field<NaiveDate>,
    table: &model::Span,
    rule: &'static str,
    path: String,
    def: Option<usize>,
    what: &str,
) -> bool {
    if f.is_some() {
        return false;
    }
    out.push(
        rule,
        path,
        Some(table.clone()),
        def,
        format!("{what} is missing"),
        "add it as a TOML date, e.g. 2026-12-15",
    );
    true
}

/// Every string the user wrote, with its field path and deficiency index.
fn all_text<'a>(plan: &'a Plan) -> Vec<(String, Option<usize>, &'a Sp<String>)> {
    let mut v: Vec<(String, Option<usize>, &'a Sp<String>)> = Vec::new();
    let mut add = |path: String, def: Option<usize>, f: &'a Field<String>| {
        if let Some(s) = f {
            v.push((path, def, s));
        }
    };
    let h = &plan.header;
    add("plan.company".into(), None, &h.company);
    add("plan.importer_number".into(), None, &h.importer_number);
    add("plan.assessment_report".into(), None, &h.assessment_report);
    add("plan.submitted_to".into(), None, &h.submitted_to);
    for (name, o) in [
        ("responsible_official", &plan.responsible_official),
        ("approving_official", &plan.approving_official),
    ] {
        add(format!("{name}.name"), None, &o.name);
        add(format!("{name}.title"), None, &o.title);
        add(format!("{name}.email"), None, &o.email);
        add(format!("{name}.phone"), None, &o.phone);
    }
    for (i, d) in plan.documents.iter().enumerate() {
        add(format!("document[{i}].id"), None, &d.id);
        add(format!("document[{i}].title"), None, &d.title);
        add(format!("document[{i}].path"), None, &d.path);
    }
    for (i, d) in plan.deficiencies.iter().enumerate() {
        let p = format!("deficiency[{i}]");
        add(format!("{p}.id"), Some(i), &d.id);
        add(format!("{p}.area"), Some(i), &d.area);
        add(format!("{p}.result_sheet"), Some(i), &d.result_sheet);
        add(format!("{p}.condition"), Some(i), &d.condition);
        for (j, s) in d.steps.iter().enumerate() {
            add(format!("{p}.step[{j}].action"), Some(i), &s.action);
        }
        if let Some(v) = &d.validation {
            add(
                format!("{p}.validation.methodology"),
                Some(i),
                &v.methodology,
            );
            add(format!("{p}.validation.tester"), Some(i), &v.tester);
        }
    }
    for (i, e) in plan.extensions.iter().enumerate() {
        add(format!("extension[{i}].reason"), None, &e.reason);
    }
    if let Some(f) = &plan.follow_up {
        add("follow_up.outcome".into(), None, &f.outcome);
    }
    if let Some(sup) = &h.supersedes {
        add("plan.supersedes.file".into(), None, &sup.file);
        add("plan.supersedes.sha256".into(), None, &sup.sha256);
    }
    for (i, r) in plan.responses.iter().enumerate() {
        add(format!("response[{i}].request"), None, &r.request);
        add(format!("response[{i}].text"), None, &r.text);
    }
    for (i, d) in plan.deficiencies.iter().enumerate() {
        for (j, s) in d.steps.iter().enumerate() {
            for (k, dep) in s.departments.iter().enumerate() {
                v.push((
                    format!("deficiency[{i}].step[{j}].department[{k}]"),
                    Some(i),
                    dep,
                ));
            }
        }
    }
    v
}

/// Placeholders left from `cip init`, and characters the font cannot show.
fn text_fields(plan: &Plan, out: &mut Findings) {
    for (path, def, s) in all_text(plan) {
        let t = s.value.trim();
        if t.starts_with('<') && t.ends_with('>') {
            out.push(
                "placeholder",
                path.clone(),
                Some(s.span.clone()),
                def,
                format!("`{t}` is still a placeholder"),
                "replace it with the real value",
            );
        }
        let lacking: Vec<char> = {
            let mut seen = Vec::new();
            // Bidirectional controls have a rule of their own (bidi_controls).
            let lacks = |c: &char| crate::fonts::font_lacks(*c) && !chars::is_bidi_control(*c);
            for c in s.value.chars().filter(lacks) {
                if !seen.contains(&c) {
                    seen.push(c);
                }
            }
            seen
        };
        if !lacking.is_empty() {
            let list: Vec<String> = lacking
                .iter()
                .map(|c| format!("`{c}` (U+{:04X})", u32::from(*c)))
                .collect();
            out.push(
                "unsupported-character",
                path,
                Some(s.span.clone()),
                def,
                format!(
                    "the PDF font (DejaVu Serif) cannot show {}",
                    list.join(", ")
                ),
                "use Latin, Greek or Cyrillic letters and common punctuation; replace or remove the character",
            );
        }
    }
}

/// Bidirectional controls anywhere in the source, comments included (the
/// TOML a reviewer reads is the text that is signed and embedded), and in
/// values where they are written as escapes (`\u202E`), which the PDF shows.
fn bidi_controls(plan: &Plan, out: &mut Findings) {
    let text = &plan.source.text;
    let fields = all_text(plan);
    let mut push = |path: String, span: model::Span, def: Option<usize>, c: char| {
        out.push(
            "bidi-control",
            path,
            Some(span),
            def,
            format!(
                "a bidirectional control character (U+{:04X}) makes the text display in another order than it is written",
                u32::from(c)
            ),
            "delete the invisible character (or its \\u escape); write the text in the order it is read",
        );
    };
    for (at, c) in text
        .char_indices()
        .filter(|(_, c)| chars::is_bidi_control(*c))
    {
        let field = fields.iter().find(|(_, _, s)| s.span.contains(&at));
        let (path, def) = field.map_or(("(outside any value)".to_string(), None), |(p, d, _)| {
            (p.clone(), *d)
        });
        push(path, at..at + c.len_utf8(), def, c);
    }
    for (path, def, s) in &fields {
        let raw = text.get(s.span.clone()).unwrap_or_default();
        if let (Some((_, c)), None) = (
            chars::first_bidi_control(&s.value),
            chars::first_bidi_control(raw),
        ) {
            push(path.clone(), s.span.clone(), *def, c);
        }
    }
}

fn header(plan: &Plan, out: &mut Findings) {
    let h = &plan.header;
    let t = &h.span;
    missing_str(
        out,
        &h.company,
        t,
        "company-missing",
        "plan.company".into(),
        None,
        "The company name",
        "add `company = \"...\"` under [plan]",
    );
    missing_str(
        out,
        &h.assessment_report,
        t,
        "assessment-report-missing",
        "plan.assessment_report".into(),
        None,
        "The Compliance Assessment report the plan answers",
        "add `assessment_report = \"CA-...\"` under [plan]",
    );
    missing_date(
        out,
        &h.report_date,
        t,
        "report-date-missing",
        "plan.report_date".into(),
        None,
        "The date of the Compliance Assessment report",
    );
    missing_date(
        out,
        &h.prepared,
        t,
        "prepared-missing",
        "plan.prepared".into(),
        None,
        "The date the plan was prepared",
    );
    missing_str(
        out,
        &h.submitted_to,
        t,
        "submitted-to-missing",
        "plan.submitted_to".into(),
        None,
        "The Account Manager or designated CIP point of contact the plan is submitted to",
        "add `submitted_to = \"Account Manager, ...\"` under [plan]",
    );
    if let (Some(report), Some(prepared)) = (date(&h.report_date), &h.prepared) {
        if prepared.value < report {
            out.push(
                "prepared-before-report",
                "plan.prepared",
                Some(prepared.span.clone()),
                None,
                format!(
                    "The plan is dated {} (prepared), before the report it answers ({report})",
                    prepared.value
                ),
                format!("the prepared date is on or after {report}"),
            );
        }
    }
}

fn official(out: &mut Findings, o: &Official, key: &str, rule: &'static str, who: &str) {
    let t = &o.span;
    if !o.present {
        out.push(
            rule,
            key,
            Some(0..0),
            None,
            format!("The {who} is missing"),
            format!("add a [{key}] table with name and title"),
        );
        return;
    }
    missing_str(
        out,
        &o.name,
        t,
        rule,
        format!("{key}.name"),
        None,
        &format!("The {who}'s name"),
        "add `name = \"...\"`",
    );
    missing_str(
        out,
        &o.title,
        t,
        rule,
        format!("{key}.title"),
        None,
        &format!("The {who}'s title"),
        "add `title = \"...\"`",
    );
}

fn officials(plan: &Plan, out: &mut Findings) {
    official(
        out,
        &plan.responsible_official,
        "responsible_official",
        "responsible-official-missing",
        "responsible official (the person coordinating the CIP process)",
    );
    if let Some(email) = &plan.responsible_official.email {
        let e = email.value.trim();
        if !e.is_empty() && (!e.contains('@') || e.contains(' ') || e.ends_with('@')) {
            out.push(
                "responsible-official-email",
                "responsible_official.email",
                Some(email.span.clone()),
                None,
                format!("`{e}` does not look like an email address"),
                "write it as name@example.com",
            );
        }
    }
    let a = &plan.approving_official;
    official(
        out,
        a,
        "approving_official",
        "approving-official-missing",
        "approving official (who signs and transmits the plan at the corporate level)",
    );
    if a.present {
        missing_date(
            out,
            &a.date,
            &a.span,
            "approving-official-missing",
            "approving_official.date".into(),
            None,
            "The date the plan is issued by the approving official",
        );
    }
    if let (Some(issued), Some(prepared)) = (&a.date, date(&plan.header.prepared)) {
        if issued.value < prepared {
            out.push(
                "issued-before-prepared",
                "approving_official.date",
                Some(issued.span.clone()),
                None,
                format!(
                    "The plan is issued on {}, before it was prepared ({prepared})",
                    issued.value
                ),
                format!("the date issued is on or after {prepared}"),
            );
        }
    }
}

fn deficiencies(plan: &Plan, out: &mut Findings) {
    if plan.deficiencies.is_empty() {
        out.push(
            "no-deficiency",
            "deficiency",
            Some(0..0),
            None,
            "The plan states no deficiency",
            "add a [[deficiency]] for each deficiency on the audit result sheets",
        );
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, d) in plan.deficiencies.iter().enumerate() {
        let p = format!("deficiency[{i}]");
        let t = &d.span;
        let n = i + 1;
        if !missing_str(
            out,
            &d.id,
            t,
            "deficiency-id-missing",
            format!("{p}.id"),
            Some(i),
            &format!("The id of deficiency {n}"),
            "add `id = \"D1\"` (any short unique name)",
        ) {
            if let (Some(id), Some(sp)) = (text(&d.id), &d.id) {
                if let Some(first) = seen.insert(id.to_string(), i) {
                    out.push(
                        "deficiency-id-duplicate",
                        format!("{p}.id"),
                        Some(sp.span.clone()),
                        Some(i),
                        format!(
                            "Deficiency id `{id}` is used twice (deficiencies {} and {n})",
                            first + 1
                        ),
                        "give each deficiency its own id",
                    );
                }
            }
        }
        missing_str(
            out,
            &d.area,
            t,
            "deficiency-area-missing",
            format!("{p}.area"),
            Some(i),
            &format!("The non-compliant area of deficiency {}", label(plan, i)),
            "add `area = \"Classification\"` (or Valuation, Recordkeeping, ...)",
        );
        missing_str(
            out,
            &d.result_sheet,
            t,
            "result-sheet-missing",
            format!("{p}.result_sheet"),
            Some(i),
            &format!(
                "The result sheet that discloses deficiency {}",
                label(plan, i)
            ),
            "add `result_sheet = \"RS-...\"`",
        );
        missing_str(
            out,
            &d.condition,
            t,
            "condition-missing",
            format!("{p}.condition"),
            Some(i),
            &format!("The condition of deficiency {}", label(plan, i)),
            "copy the \"Condition\" section of the result sheet into `condition = \"\"\"...\"\"\"`",
        );
        if d.steps.is_empty() {
            out.push(
                "no-steps",
                format!("{p}.step"),
                Some(t.clone()),
                Some(i),
                format!(
                    "Deficiency {} has no corrective action step",
                    label(plan, i)
                ),
                "add [[deficiency.step]] tables with action, target and department",
            );
        }
    }
}

/// "D2" when the deficiency has an id, else "2".
pub(crate) fn label(plan: &Plan, i: usize) -> String {
    plan.deficiencies
        .get(i)
        .and_then(|d| text(&d.id))
        .map_or_else(|| (i + 1).to_string(), str::to_string)
}

fn steps(plan: &Plan, out: &mut Findings) {
    let prepared = date(&plan.header.prepared);
    for (i, d) in plan.deficiencies.iter().enumerate() {
        let dl = label(plan, i);
        for (j, s) in d.steps.iter().enumerate() {
            let p = format!("deficiency[{i}].step[{j}]");
            let n = j + 1;
            let t = &s.span;
            missing_str(
                out,
                &s.action,
                t,
                "step-action-missing",
                format!("{p}.action"),
                Some(i),
                &format!("The action of step {n} of deficiency {dl}"),
                "describe the specific action step in `action = \"...\"`",
            );
            missing_date(
                out,
                &s.target,
                t,
                "step-target-missing",
                format!("{p}.target"),
                Some(i),
                &format!("The target date of step {n} of deficiency {dl}"),
            );
            let named = s
                .departments
                .iter()
                .filter(|d| !d.value.trim().is_empty())
                .count();
            if named == 0 || named < s.departments.len() {
                let how = if s.department_span.is_some() {
                    "is empty"
                } else {
                    "is missing"
                };
                out.push(
                    "step-department-missing",
                    format!("{p}.department"),
                    s.department_span.clone().or_else(|| Some(t.clone())),
                    Some(i),
                    format!("The responsible department of step {n} of deficiency {dl} {how}"),
                    "add `department = \"Trade Compliance\"` or a list of departments",
                );
            }
            let status = s.status();
            match (status, &s.completed) {
                (StepStatus::Done, None) => out.push(
                    "step-completed-missing",
                    format!("{p}.completed"),
                    s.status
                        .as_ref()
                        .map(|x| x.span.clone())
                        .or_else(|| Some(t.clone())),
                    Some(i),
                    format!("Step {n} of deficiency {dl} is done but has no completion date"),
                    "add `completed = YYYY-MM-DD`",
                ),
                (StepStatus::Planned | StepStatus::InProgress, Some(c)) => out.push(
                    "step-completed-not-done",
                    format!("{p}.completed"),
                    Some(c.span.clone()),
                    Some(i),
                    format!(
                        "Step {n} of deficiency {dl} has a completion date but its status is {}",
                        status.as_str()
                    ),
                    "set `status = \"done\"` or remove `completed`",
                ),
                _ => {}
            }
            // A completion date before the report is corrective action
            // taken during the assessment, which the framework welcomes
            // ("corrective action taken"): no finding; `status` notes it.
            if let (Some(target), Some(prep)) = (&s.target, prepared) {
                if target.value < prep && status != StepStatus::Done {
                    out.push("step-target-passed", format!("{p}.target"), Some(target.span.clone()), Some(i),
                        format!("The target date of step {n} of deficiency {dl} ({}) was already past when the plan was prepared ({prep}), but the step is not done", target.value),
                        "mark the step done with its completion date, or set a realistic target date");
                }
            }
            for doc in &s.documents {
                if plan.document(doc.value.trim()).is_none() {
                    out.push("step-document-unknown", format!("{p}.documents"), Some(doc.span.clone()), Some(i),
                        format!("Step {n} of deficiency {dl} refers to document `{}`, which is not declared", doc.value),
                        declared_ids(plan));
                }
            }
            if status == StepStatus::Done {
                let available = s.documents.iter().any(|id| {
                    plan.document(id.value.trim())
                        .is_some_and(|d| text(&d.path).is_some())
                });
                if !available {
                    out.push("step-done-undocumented", format!("{p}.documents"),
                        s.status.as_ref().map(|x| x.span.clone()).or_else(|| Some(t.clone())), Some(i),
                        format!("Step {n} of deficiency {dl} is done but no supporting documentation for it is attached"),
                        "attach evidence of the completed step (a [[document]] with a `path`) and list its id in `documents`");
                }
            }
        }
    }
}

fn declared_ids(plan: &Plan) -> String {
    let ids: Vec<&str> = plan.documents.iter().filter_map(|d| text(&d.id)).collect();
    if ids.is_empty() {
        "declare it with a [[document]] table (id, title, optional path)".into()
    } else {
        format!("declared ids: {}", ids.join(", "))
    }
}

fn documents(plan: &Plan, out: &mut Findings) {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut hashes: HashMap<String, usize> = HashMap::new();
    let used: HashSet<&str> = plan
        .deficiencies
        .iter()
        .flat_map(|d| &d.steps)
        .flat_map(|s| &s.documents)
        .map(|d| d.value.trim())
        .collect();
    for (i, d) in plan.documents.iter().enumerate() {
        let p = format!("document[{i}]");
        let n = i + 1;
        let t = &d.span;
        if !missing_str(
            out,
            &d.id,
            t,
            "document-id-missing",
            format!("{p}.id"),
            None,
            &format!("The id of document {n}"),
            "add `id = \"...\"` that steps refer to",
        ) {
            if let (Some(id), Some(sp)) = (text(&d.id), &d.id) {
                if let Some(first) = ids.insert(id, i) {
                    out.push(
                        "document-id-duplicate",
                        format!("{p}.id"),
                        Some(sp.span.clone()),
                        None,
                        format!(
                            "Document id `{id}` is used twice (documents {} and {n})",
                            first + 1
                        ),
                        "give each document its own id",
                    );
                }
                if !used.contains(id) {
                    out.push(
                        "document-unused",
                        format!("{p}.id"),
                        Some(sp.span.clone()),
                        None,
                        format!("Document `{id}` is declared but no step lists it"),
                        "list it in the `documents` of the step it supports, or remove it",
                    );
                }
            }
        }
        missing_str(
            out,
            &d.title,
            t,
            "document-title-missing",
            format!("{p}.title"),
            None,
            &format!("The title of document {n}"),
            "add `title = \"...\"`",
        );
        if let (Some(rel), Some(sp)) = (text(&d.path), &d.path) {
            match files::hash(&plan.source.base_dir, rel) {
                Err(e) => out.push("document-path-invalid", format!("{p}.path"), Some(sp.span.clone()), None,
                    format!("Document path {e}"),
                    "a relative path to a readable file in the plan's folder or below it, e.g. \"docs/manual.pdf\""),
                Ok(file) => {
                    if let Some(first) = hashes.insert(file.sha256.clone(), i) {
                        out.push("document-duplicate-content", format!("{p}.path"), Some(sp.span.clone()), None,
                            format!("Document {n} (`{rel}`) has the same content as document {}", first + 1),
                            "declare the file once and refer to its id from every step it supports");
                    }
                }
            }
        } else if let Some(sp) = &d.path {
            out.push(
                "document-path-invalid",
                format!("{p}.path"),
                Some(sp.span.clone()),
                None,
                "Document path is empty",
                "remove `path` (to be submitted later) or give the file's relative path",
            );
        }
    }
}

fn validation(plan: &Plan, out: &mut Findings) {
    for (i, d) in plan.deficiencies.iter().enumerate() {
        let dl = label(plan, i);
        let p = format!("deficiency[{i}].validation");
        let Some(v) = &d.validation else {
            out.push("validation-missing", p, Some(d.span.clone()), Some(i),
                format!("Deficiency {dl} has no validation action"),
                "add [deficiency.validation] with methodology, tester, transactions, begins, concludes, results_to_customs");
            continue;
        };
        let t = &v.span;
        missing_str(
            out,
            &v.methodology,
            t,
            "validation-methodology-missing",
            format!("{p}.methodology"),
            Some(i),
            &format!("The testing methodology of deficiency {dl}'s validation"),
            "describe how the corrective action will be tested",
        );
        missing_str(
            out,
            &v.tester,
            t,
            "validation-tester-missing",
            format!("{p}.tester"),
            Some(i),
            &format!("Who conducts the testing for deficiency {dl}"),
            "name the department or firm, e.g. \"Internal Audit Department\"",
        );
        match &v.transactions {
            None => out.push(
                "validation-transactions",
                format!("{p}.transactions"),
                Some(t.clone()),
                Some(i),
                format!("The number of transactions to be tested for deficiency {dl} is missing"),
                "add `transactions = 50` (a whole number above zero)",
            ),
            Some(n) if n.value <= 0 => out.push(
                "validation-transactions",
                format!("{p}.transactions"),
                Some(n.span.clone()),
                Some(i),
                format!(
                    "The number of transactions to be tested for deficiency {dl} is {}",
                    n.value
                ),
                "a whole number above zero",
            ),
            _ => {}
        }
        missing_date(
            out,
            &v.begins,
            t,
            "validation-begins-missing",
            format!("{p}.begins"),
            Some(i),
            &format!("The date testing begins for deficiency {dl}"),
        );
        missing_date(
            out,
            &v.concludes,
            t,
            "validation-concludes-missing",
            format!("{p}.concludes"),
            Some(i),
            &format!("The date testing concludes for deficiency {dl}"),
        );
        missing_date(
            out,
            &v.results_to_customs,
            t,
            "validation-results-missing",
            format!("{p}.results_to_customs"),
            Some(i),
            &format!("The date the validation results for deficiency {dl} go to Customs"),
        );
        if let (Some(b), Some(c)) = (date(&v.begins), &v.concludes) {
            if c.value < b {
                out.push(
                    "validation-order",
                    format!("{p}.concludes"),
                    Some(c.span.clone()),
                    Some(i),
                    format!(
                        "Testing for deficiency {dl} concludes ({}) before it begins ({b})",
                        c.value
                    ),
                    format!("a date on or after {b}"),
                );
            }
        }
        if let (Some(c), Some(r)) = (date(&v.concludes), &v.results_to_customs) {
            if r.value < c {
                out.push("validation-order", format!("{p}.results_to_customs"), Some(r.span.clone()), Some(i),
                    format!("Results for deficiency {dl} go to Customs ({}) before testing concludes ({c})", r.value),
                    format!("a date on or after {c}"));
            }
        }
        if let (Some(c), Some(sent)) = (date(&v.concludes), &v.results_sent) {
            if sent.value < c {
                out.push("validation-results-sent-early", format!("{p}.results_sent"), Some(sent.span.clone()), Some(i),
                    format!("Results for deficiency {dl} were sent to Customs ({}) before testing concluded ({c})", sent.value),
                    format!("the date the results were actually sent, on or after {c}"));
            }
        }
        let last_target = d.steps.iter().filter_map(|s| date(&s.target)).max();
        if let (Some(last), Some(b)) = (last_target, &v.begins) {
            if b.value < last {
                out.push("validation-before-steps", format!("{p}.begins"), Some(b.span.clone()), Some(i),
                    format!("Testing for deficiency {dl} begins ({}) before its last corrective step's target date ({last}); the validation is the final action step", b.value),
                    format!("a date on or after {last}"));
            }
        }
    }
}

/// `[deficiency.validation.results]`: the numbers agree with each other and
/// with the conclusion, and the report is not sent before testing ended.
fn validation_results(plan: &Plan, out: &mut Findings) {
    for (i, d) in plan.deficiencies.iter().enumerate() {
        let Some(v) = &d.validation else { continue };
        let Some(r) = &v.results else { continue };
        let dl = label(plan, i);
        let p = format!("deficiency[{i}].validation.results");
        if let (Some(t), Some(e)) = (&r.tested, &r.errors) {
            if t.value <= 0 || e.value < 0 || e.value > t.value {
                out.push(
                    "results-errors-exceed-tested",
                    format!("{p}.errors"),
                    Some(e.span.clone()),
                    Some(i),
                    format!(
                        "The validation results of deficiency {dl} report {} error(s) in {} transaction(s) tested",
                        e.value, t.value
                    ),
                    "errors between 0 and the number of transactions tested, which is at least 1",
                );
            }
        }
        match (r.effective(), &r.conclusion) {
            (None, Some(c)) => out.push(
                "results-conclusion-invalid",
                format!("{p}.conclusion"),
                Some(c.span.clone()),
                Some(i),
                format!(
                    "The validation results of deficiency {dl} conclude \"{}\", which is not a conclusion",
                    c.value.trim()
                ),
                "write \"effective\" or \"not effective\"",
            ),
            (Some(true), Some(c)) => {
                if let (Some(rate), Some(tol)) = (r.error_rate(), &r.tolerable_rate) {
                    if rate > tol.value + 1e-9 {
                        out.push(
                            "results-effective-above-tolerance",
                            format!("{p}.conclusion"),
                            Some(c.span.clone()),
                            Some(i),
                            format!(
                                "The validation results of deficiency {dl} conclude \"effective\" with an error rate of {rate:.1}%, above the tolerable rate of {}%",
                                tol.value
                            ),
                            "conclude \"not effective\" and state the corrective follow-up, or correct the figures",
                        );
                    }
                }
            }
            (Some(false), _) if r.follow_up.as_ref().is_none_or(|f| f.value.trim().is_empty()) => {
                out.push(
                    "results-follow-up-missing",
                    p.clone(),
                    Some(r.span.clone()),
                    Some(i),
                    format!(
                        "The validation results of deficiency {dl} conclude \"not effective\" without the corrective follow-up"
                    ),
                    "add follow_up = \"...\": what the company will do and when it will test again",
                );
            }
            _ => {}
        }
        if let (Some(c), Some(sent)) = (date(&v.concludes), &r.sent) {
            if sent.value < c {
                out.push(
                    "results-sent-before-concluded",
                    format!("{p}.sent"),
                    Some(sent.span.clone()),
                    Some(i),
                    format!(
                        "The validation results of deficiency {dl} are dated as sent ({}) before testing concluded ({c})",
                        sent.value
                    ),
                    format!("a date on or after {c}"),
                );
            }
        }
    }
}

/// The dates are compared in `lifecycle` (the only place that knows the
/// framework's periods); this rule only words the findings.
fn conditional_period(plan: &Plan, out: &mut Findings) {
    let record = crate::model::case::Case::from_plan(plan);
    let Some(tf) = crate::lifecycle::timeframe(plan, &record) else {
        return;
    };
    let (end, limit) = (tf.period_end, tf.limit);
    let extended = tf.extended.then_some(limit);
    let late = |out: &mut Findings, path: String, f: &Field<NaiveDate>, i: usize, what: String| {
        if let Some(d) = f {
            if tf.beyond(d.value) {
                let msg = match extended {
                    Some(x) => format!("{what} ({}) is after the extended deadline ({x})", d.value),
                    None => format!(
                        "{what} ({}) is after the end of the six-month conditional period ({end})",
                        d.value
                    ),
                };
                out.push("beyond-conditional-period", path, Some(d.span.clone()), Some(i), msg,
                    format!("plan it by {limit}, or request an extension (showing significant progress) and record it in [[extension]]"));
            }
        }
    };
    for (i, d) in plan.deficiencies.iter().enumerate() {
        let dl = label(plan, i);
        for (j, s) in d.steps.iter().enumerate() {
            if s.status() != StepStatus::Done {
                late(
                    out,
                    format!("deficiency[{i}].step[{j}].target"),
                    &s.target,
                    i,
                    format!("The target date of step {} of deficiency {dl}", j + 1),
                );
            }
        }
        if let Some(v) = &d.validation {
            let p = format!("deficiency[{i}].validation");
            late(
                out,
                format!("{p}.concludes"),
                &v.concludes,
                i,
                format!("The end of testing for deficiency {dl}"),
            );
            late(
                out,
                format!("{p}.results_to_customs"),
                &v.results_to_customs,
                i,
                format!("The date results for deficiency {dl} go to Customs"),
            );
        }
    }
}

fn extensions(plan: &Plan, out: &mut Findings) {
    for link in crate::lifecycle::extension_chain(plan) {
        let i = link.index;
        let e = &plan.extensions[i];
        let p = format!("extension[{i}]");
        let n = i + 1;
        missing_date(
            out,
            &e.requested,
            &e.span,
            "extension-requested-missing",
            format!("{p}.requested"),
            None,
            &format!("The date extension {n} was requested"),
        );
        if let (Some(req), Some(g)) = (date(&e.requested), &e.granted) {
            if g.value < req {
                out.push(
                    "extension-granted-before-requested",
                    format!("{p}.granted"),
                    Some(g.span.clone()),
                    None,
                    format!(
                        "Extension {n} is granted ({}) before it was requested ({req})",
                        g.value
                    ),
                    format!("a date on or after {req}"),
                );
            }
        }
        match &e.new_deadline {
            None if e.granted.is_some() => out.push(
                "extension-deadline-missing",
                format!("{p}.new_deadline"),
                Some(e.span.clone()),
                None,
                format!("Extension {n} is granted but has no new deadline"),
                "add `new_deadline = YYYY-MM-DD` as granted by Customs",
            ),
            Some(nd) => {
                if let (true, Some(prev)) = (link.not_later, link.previous) {
                    out.push("extension-deadline-not-later", format!("{p}.new_deadline"), Some(nd.span.clone()), None,
                        format!("Extension {n}'s new deadline ({}) is not after the deadline it extends ({prev})", nd.value),
                        format!("a date after {prev}"));
                }
            }
            None => {}
        }
        if text(&e.reason).is_none() {
            out.push(
                "extension-reason-missing",
                format!("{p}.reason"),
                at(&e.reason, &e.span),
                None,
                format!("Extension {n} does not state the significant progress it is based on"),
                "add `reason = \"...\"`: extensions are granted on significant progress",
            );
        }
    }
}

fn follow_up(plan: &Plan, out: &mut Findings) {
    let Some(f) = &plan.follow_up else { return };
    let pairs = [
        (&f.requested, &f.started, "started", "requested"),
        (&f.started, &f.completed, "completed", "started"),
    ];
    for (before, after, what, prev) in pairs {
        if let (Some(b), Some(a)) = (date(before), after) {
            if a.value < b {
                out.push(
                    "follow-up-order",
                    format!("follow_up.{what}"),
                    Some(a.span.clone()),
                    None,
                    format!(
                        "The follow-up review is {what} ({}) before it was {prev} ({b})",
                        a.value
                    ),
                    format!("a date on or after {b}"),
                );
            }
        }
    }
}

/// `[plan] revision` and `supersedes`: each submission after the first is
/// traceable to the one before by the hash of its exact bytes.
fn revision(plan: &Plan, out: &mut Findings) {
    let h = &plan.header;
    if let Some(r) = &h.revision {
        if r.value < 1 {
            out.push(
                "revision-invalid",
                "plan.revision",
                Some(r.span.clone()),
                None,
                format!("Revision {} is not a submission number", r.value),
                "1 for the first submission, 2 for the first revised plan, and so on",
            );
            return;
        }
    }
    let n = plan.revision();
    match &h.supersedes {
        None if n >= 2 => out.push(
            "supersedes-missing",
            "plan.supersedes",
            at(&h.revision, &h.span),
            None,
            format!("Revision {n} does not name the submission it supersedes"),
            "render with `cip render --previous OLD.pdf` to fill in `supersedes = { file = \"...\", sha256 = \"...\" }`",
        ),
        Some(s) if n < 2 => out.push(
            "supersedes-on-first-revision",
            "plan.supersedes",
            Some(s.span.clone()),
            None,
            "The plan names a submission it supersedes but is revision 1",
            "add `revision = 2` (or the next number) to [plan], or remove `supersedes`",
        ),
        Some(s) => {
            if text(&s.file).is_none() {
                out.push(
                    "supersedes-incomplete",
                    "plan.supersedes.file",
                    at(&s.file, &s.span),
                    None,
                    "supersedes does not give the previous PDF's file name",
                    "add `file = \"PLAN-r1.pdf\"` (the name of the signed PDF sent before)",
                );
            }
            let hex = text(&s.sha256).unwrap_or("");
            if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                out.push(
                    "supersedes-incomplete",
                    "plan.supersedes.sha256",
                    at(&s.sha256, &s.span),
                    None,
                    if hex.is_empty() {
                        "supersedes does not give the previous PDF's SHA-256".to_string()
                    } else {
                        format!("`{hex}` is not a SHA-256 (64 hexadecimal digits)")
                    },
                    "let `cip render --previous OLD.pdf` fill it in, or use `sha256sum OLD.pdf`",
                );
            }
        }
        None => {}
    }
}

/// `[[response]]`: each answers one request, in words, with declared documents.
fn responses(plan: &Plan, out: &mut Findings) {
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, r) in plan.responses.iter().enumerate() {
        let p = format!("response[{i}]");
        match text(&r.request) {
            None => out.push(
                "response-incomplete",
                format!("{p}.request"),
                at(&r.request, &r.span),
                None,
                format!("Response {} does not name the request it answers", i + 1),
                "add `request = \"AI-...\"`, the id in Customs' letter (see the case file)",
            ),
            Some(id) => {
                if !seen.insert(id) {
                    out.push(
                        "response-duplicate",
                        format!("{p}.request"),
                        span_of(&r.request),
                        None,
                        format!("Request {id} is answered more than once"),
                        "merge the answers into one [[response]]",
                    );
                }
            }
        }
        if text(&r.text).is_none() {
            out.push(
                "response-incomplete",
                format!("{p}.text"),
                at(&r.text, &r.span),
                None,
                format!("Response {} gives no answer", i + 1),
                "add `text = \"...\"`: what the company answers to the request",
            );
        }
        for (j, d) in r.documents.iter().enumerate() {
            if plan.document(d.value.trim()).is_none() {
                out.push(
                    "response-document-unknown",
                    format!("{p}.documents[{j}]"),
                    Some(d.span.clone()),
                    None,
                    format!("Document `{}` is not declared", d.value),
                    format!("one of the [[document]] ids: {}", declared_ids(plan)),
                );
            }
        }
    }
}

/// Requests recorded in the case file that no `[[response]]` answers. A
/// request is open until Customs accepts a plan on or after its date; one
/// made after the plan was prepared cannot be answered by it yet.
pub(super) fn requests(plan: &Plan, case: &model::case::Case, out: &mut Findings) {
    let prepared = date(&plan.header.prepared);
    let answered: HashSet<&str> = plan
        .responses
        .iter()
        .filter_map(|r| text(&r.request))
        .collect();
    for (id, r) in case.requests() {
        let day = r.date.value;
        let closed = case.acceptances.iter().any(|a| a.date.value >= day);
        if closed || prepared.is_some_and(|p| p < day) || answered.contains(id.as_str()) {
            continue;
        }
        let due = r
            .due
            .as_ref()
            .map_or(String::new(), |d| format!(", due {}", d.value));
        out.push(
            "request-unanswered",
            "response",
            Some(plan.header.span.clone()),
            None,
            format!(
                "Customs' request for additional information {id} ({}, {day}{due}) is not answered by this plan",
                case.name
            ),
            format!("add `[[response]]` with `request = \"{id}\"` and the answer in `text`"),
        );
    }
}
