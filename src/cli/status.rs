//! `cip status PLAN [--today DATE] [--format human|json]` and
//! `cip status --all PLANS...`: printing only; the computation is
//! `cip::status`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use cip::status::{
    self, DeficiencyStatus, Phase, PlanStatus, Portfolio, StatusError, Threshold, ValidationInfo,
    ValidationState,
};
use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};

use super::term::safe;
use super::{Format, exit};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and NO_COLOR is not set.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
pub struct Args {
    /// The plan (TOML or signed plan PDF); with --all, any number of plans
    /// or folders (a folder stands for the plans directly in it: .toml files with a [plan] table and .pdf files other than letters).
    #[arg(required = true, value_name = "PLAN")]
    plans: Vec<PathBuf>,
    /// Customs' recorded decisions (default: PLAN.case.toml next to the plan
    /// when it exists, else the plan's own [[extension]] / [follow_up]).
    #[arg(long, value_name = "CASE.toml", conflicts_with = "all")]
    case: Option<PathBuf>,
    /// Portfolio view: one line per plan, most urgent first.
    #[arg(long)]
    all: bool,
    /// The day to report for (YYYY-MM-DD). Default: today's local date.
    #[arg(long, value_name = "DATE")]
    today: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Significant progress needs at least this percentage of all steps done.
    #[arg(long, value_name = "PERCENT", default_value_t = Threshold::default().min_done_percent,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    min_done_percent: u32,
    /// Significant progress allows no step overdue by more than this many days.
    #[arg(long, value_name = "DAYS", default_value_t = Threshold::default().max_overdue_days,
          value_parser = clap::value_parser!(i64).range(0..))]
    max_overdue_days: i64,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
}

pub fn run(a: Args) -> ExitCode {
    let today = a.today.unwrap_or_else(|| chrono::Local::now().date_naive());
    let threshold = Threshold {
        min_done_percent: a.min_done_percent,
        max_overdue_days: a.max_overdue_days,
    };
    let color = match a.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    if a.all {
        let p = status::portfolio_of_paths(&a.plans, today, &threshold);
        match a.format {
            Format::Json => emit(&json(&p)),
            Format::Human => emit(&print_portfolio(&p, color)),
        }
        return if p.unreadable.is_empty() {
            exit::ok()
        } else {
            exit::failed()
        };
    }
    let [path] = a.plans.as_slice() else {
        eprintln!(
            "error: `cip status` takes one plan ({} given); use `cip status --all PLANS...` for a portfolio",
            a.plans.len()
        );
        return exit::unreadable();
    };
    match status::load_with(path, a.case.as_deref()) {
        Ok(l) => {
            let s = status::compute(&l.plan, &l.case, today, &threshold);
            match a.format {
                Format::Json => emit(&json(&s)),
                Format::Human => emit(&print_status(&s, color)),
            }
            exit::ok()
        }
        Err(e) => {
            match a.format {
                Format::Json => {
                    let v = serde_json::json!({
                        "file": path.display().to_string(),
                        "error": e.to_string(),
                    });
                    emit(&json(&v));
                }
                Format::Human => match &e {
                    StatusError::Load(l) => eprintln!("{}", super::check::render_load_error(l)),
                    StatusError::Plan(cip::intake::AnyError::Load(l)) => {
                        eprintln!("{}", super::check::render_load_error(l))
                    }
                    other => super::term::print_error(other),
                },
            }
            exit::unreadable()
        }
    }
}

/// Appends a line to a `String` (formatting into a String cannot fail).
macro_rules! outln {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Writes to standard output; a closed pipe (`cip status … | head`) is not
/// an error worth a panic.
fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = stdout.write_all(b"\n");
    }
    let _ = stdout.flush();
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn table(color: bool) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    if !std::io::stdout().is_terminal() {
        t.set_width(120);
    }
    t
}

fn header(t: &mut Table, names: &[&str]) {
    t.set_header(
        names
            .iter()
            .map(|n| Cell::new(n).add_attribute(Attribute::Bold)),
    );
}

fn phase_color(p: Phase) -> Color {
    match p {
        Phase::AtRisk => Color::Red,
        Phase::ExtensionAdvised | Phase::ExtensionRequested | Phase::Undetermined => Color::Yellow,
        Phase::Implemented
        | Phase::ReadyForFollowUp
        | Phase::FollowUpUnderWay
        | Phase::FollowUpCompleted => Color::Green,
        Phase::WithinPeriod | Phase::WithinExtension => Color::Cyan,
    }
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "—".to_string(), |d| d.to_string())
}

fn count(n: usize, c: Color) -> Cell {
    let cell = Cell::new(n).set_alignment(CellAlignment::Right);
    if n > 0 { cell.fg(c) } else { cell }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

fn validation_text(v: &ValidationInfo) -> String {
    match v.state {
        ValidationState::Missing => "missing".into(),
        ValidationState::NotStarted => format!("not started (begins {})", opt_date(v.begins)),
        ValidationState::Testing => format!("testing (until {})", opt_date(v.concludes)),
        ValidationState::ResultsDue => {
            format!("results due {}", opt_date(v.results_to_customs))
        }
        ValidationState::ResultsOverdue => format!(
            "results overdue since {} ({} d)",
            opt_date(v.results_to_customs),
            v.days_overdue.unwrap_or(0)
        ),
        ValidationState::Done => match v.results_sent {
            Some(d) => format!("done (sent {d})"),
            None => "done".into(),
        },
    }
}

fn validation_color(s: ValidationState) -> Option<Color> {
    match s {
        ValidationState::Missing | ValidationState::ResultsOverdue => Some(Color::Red),
        ValidationState::Done => Some(Color::Green),
        ValidationState::ResultsDue => Some(Color::Yellow),
        _ => None,
    }
}

fn print_status(s: &PlanStatus, color: bool) -> String {
    let mut out = String::new();
    let title = format!(
        "{} · {} · {} · as of {}",
        if s.company.is_empty() {
            "(no company)"
        } else {
            &s.company
        },
        if s.assessment_report.is_empty() {
            "(no report)"
        } else {
            &s.assessment_report
        },
        s.file,
        s.today
    );
    let title = safe(title).to_string();
    outln!(out, "{}", paint(&title, color, |t| t.bold().to_string()));

    let p = &s.period;
    let mut kv = table(color);
    kv.load_style(presets::NOTHING);
    let period = format!(
        "report {} → ends {}",
        opt_date(p.report_date),
        opt_date(p.period_end)
    );
    let extensions = if s.extensions.is_empty() {
        "none".to_string()
    } else {
        s.extensions
            .iter()
            .map(|e| {
                let decided = match (e.outcome, e.decided) {
                    (Some(o), Some(d)) => format!(
                        "{} {d}{}",
                        o.as_str(),
                        e.new_deadline
                            .filter(|_| o == cip::model::case::Outcome::Granted)
                            .map(|n| format!(" → new deadline {n}"))
                            .unwrap_or_default()
                    ),
                    _ => "pending (awaiting Customs' decision)".to_string(),
                };
                // Each entry made safe alone: the line breaks between
                // them are the table's, not escaped text.
                safe(format!(
                    "{}. requested {}: {decided}",
                    e.number,
                    opt_date(e.requested)
                ))
                .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let deadline = match (p.deadline, p.days_left, p.days_overdue) {
        (Some(d), _, _) if p.met_on.is_some() => {
            format!("{d}: met (every step done {})", opt_date(p.met_on))
        }
        (Some(d), Some(n), _) => format!("{d}: {n} day{} left", plural(n)),
        (Some(d), _, Some(n)) => format!("{d}: {n} day{} overdue", plural(n)),
        _ => "unknown".into(),
    };
    let deadline = match &p.automatic_extension {
        Some(a) => format!(
            "{deadline}; automatic extension: follow-up review under way since {}{}",
            a.review_started,
            a.ended
                .map(|e| format!(", completed {e}"))
                .unwrap_or_default()
        ),
        None => deadline,
    };
    let deadline_cell = if p.days_overdue.is_some() && p.automatic_extension.is_none() {
        Cell::new(deadline).fg(Color::Red)
    } else {
        Cell::new(deadline)
    };
    let c = &s.completion;
    let completion = format!(
        "{} of {} steps done ({}%) · {} in progress · {} planned · {} overdue{}",
        c.done,
        c.total,
        c.percent,
        c.in_progress,
        c.planned,
        c.overdue,
        s.implementation
            .completed_on
            .map(|d| format!(" · implemented {d}"))
            .unwrap_or_default()
    );
    let validation = format!(
        "results sent for {} of {} deficiencies · planned testing window over for {}{}{}",
        s.validation.done,
        s.deficiencies.len(),
        s.validation.tested,
        match s.validation.awaiting_results() {
            0 => String::new(),
            n => format!(" ({n} without results sent)"),
        },
        s.validation
            .completed_on
            .map(|d| format!(" · validated {d}"))
            .unwrap_or_default()
    );
    let key = |k: &str| Cell::new(k).add_attribute(Attribute::Bold);
    kv.add_row(vec![key("Conditional period"), Cell::new(period)]);
    kv.add_row(vec![key("Extensions"), Cell::new(extensions)]);
    kv.add_row(vec![key("Deadline in force"), deadline_cell]);
    kv.add_row(vec![
        key("Phase"),
        Cell::new(safe(format!(
            "{} [{}]",
            s.phase.title,
            s.phase.phase.as_str()
        )))
        .fg(phase_color(s.phase.phase))
        .add_attribute(Attribute::Bold),
    ]);
    kv.add_row(vec![
        key("Risk category (framework)"),
        Cell::new(safe(match s.phase.category_since {
            Some(since) => format!(
                "\"{}\" since {since}: {}",
                s.phase.risk_category, s.phase.category_basis
            ),
            None => s.phase.risk_category.to_string(),
        })),
    ]);
    // The framework's category and the Account Manager's written
    // designation are different facts; say which one exists.
    kv.add_row(vec![
        key("Designated in writing"),
        Cell::new(safe(match &s.designation {
            Some(d) => format!("\"{}\", effective {}", d.words, d.effective),
            None => "no designation recorded".to_string(),
        })),
    ]);
    kv.add_row(vec![
        key("Consequence"),
        Cell::new(safe(&s.phase.consequence)),
    ]);
    let progress = match (&s.outlook, s.progress.on) {
        (Some(o), _) => format!(
            "{}: {} (so far, on {}: {})",
            s.progress.verdict.as_str(),
            s.progress.rule,
            opt_date(o.on),
            o.rule
        ),
        (None, Some(on)) => format!(
            "{} (judged on the deadline in force, {on}): {}",
            s.progress.verdict.as_str(),
            s.progress.rule
        ),
        (None, None) => format!("{}: {}", s.progress.verdict.as_str(), s.progress.rule),
    };
    kv.add_row(vec![key("Significant progress"), Cell::new(safe(progress))]);
    if let Some(sd) = &s.suggested_deadline {
        kv.add_row(vec![
            key("Suggested deadline"),
            Cell::new(safe(format!("{} ({})", sd.date, sd.basis))),
        ]);
    }
    kv.add_row(vec![key("Implementation"), Cell::new(completion)]);
    kv.add_row(vec![key("Validation"), Cell::new(validation)]);
    let f = &s.follow_up;
    kv.add_row(vec![
        key("Follow-up review"),
        Cell::new(format!(
            "{} · requested {} · started {} · completed {}{}",
            f.stage.as_str(),
            opt_date(f.requested),
            opt_date(f.started),
            opt_date(f.completed),
            f.outcome
                .as_deref()
                .map(|o| format!(" · {o}"))
                .unwrap_or_default()
        )),
    ]);
    kv.add_row(vec![
        key("Decisions read from"),
        Cell::new(format!(
            "{} ({})",
            s.record,
            match s.record_origin {
                cip::model::case::Origin::CaseFile => "case file",
                cip::model::case::Origin::Plan => "the plan's own tables",
                cip::model::case::Origin::Empty => "nothing recorded",
            }
        )),
    ]);
    for n in &s.notes {
        kv.add_row(vec![key("Note"), Cell::new(n)]);
    }
    for line in kv.lines() {
        outln!(out, "{}", line.trim_end());
    }
    outln!(out);

    let mut t = table(color);
    header(
        &mut t,
        &[
            "Deficiency",
            "Area",
            "Done",
            "In progress",
            "Planned",
            "Overdue",
            "Validation",
            "Next date",
        ],
    );
    for d in &s.deficiencies {
        t.add_row(deficiency_row(d));
    }
    outln!(out, "{t}");
    outln!(out);

    if !s.next_actions.is_empty() {
        outln!(
            out,
            "{}",
            paint("Next actions", color, |t| t.bold().to_string())
        );
        let mut t = table(color);
        header(&mut t, &["Date", "By", "Deficiency", "Action"]);
        for a in &s.next_actions {
            let date = Cell::new(opt_date(a.date));
            let date = if a.overdue { date.fg(Color::Red) } else { date };
            t.add_row(vec![
                date,
                Cell::new(a.by),
                Cell::new(a.deficiency.as_deref().unwrap_or("")),
                Cell::new(shorten(&a.what, 72)),
            ]);
        }
        outln!(out, "{t}");
    }
    out
}

fn deficiency_row(d: &DeficiencyStatus) -> Vec<Cell> {
    let v = validation_text(&d.validation);
    let v = match validation_color(d.validation.state) {
        Some(c) => Cell::new(v).fg(c),
        None => Cell::new(v),
    };
    vec![
        Cell::new(safe(&d.id)).add_attribute(Attribute::Bold),
        Cell::new(safe(shorten(&d.area, 30))),
        Cell::new(format!("{}/{}", d.done, d.total))
            .set_alignment(CellAlignment::Right)
            .fg(if d.total > 0 && d.done == d.total {
                Color::Green
            } else {
                Color::Reset
            }),
        count(d.in_progress, Color::Reset),
        count(d.planned, Color::Reset),
        count(d.overdue, Color::Red),
        v,
        Cell::new(opt_date(d.next_date)),
    ]
}

fn print_portfolio(p: &Portfolio, color: bool) -> String {
    let mut out = String::new();
    outln!(
        out,
        "{}",
        paint(
            &format!(
                "Portfolio: {} plan{} as of {}, most urgent first",
                p.plans.len(),
                plural(p.plans.len() as i64),
                p.today
            ),
            color,
            |t| t.bold().to_string()
        )
    );
    let mut t = table(color);
    // Thousands of rows: widths from content, no per-row wrapping passes.
    t.set_content_arrangement(ContentArrangement::Disabled);
    header(
        &mut t,
        &[
            "#",
            "Company",
            "Report",
            "Period end",
            "Deadline",
            "Phase",
            "Done",
            "Overdue",
            "Next date",
            "File",
        ],
    );
    for (i, r) in p.plans.iter().enumerate() {
        t.add_row(vec![
            Cell::new(i + 1).set_alignment(CellAlignment::Right),
            Cell::new(safe(shorten(&r.company, 36))),
            Cell::new(safe(&r.assessment_report)),
            Cell::new(opt_date(r.period_end)),
            Cell::new(opt_date(r.deadline)),
            Cell::new(r.phase.as_str()).fg(phase_color(r.phase)),
            Cell::new(format!("{}%", r.completion_percent)).set_alignment(CellAlignment::Right),
            count(r.overdue, Color::Red),
            Cell::new(opt_date(r.next_date)),
            Cell::new(safe(&r.file)),
        ]);
    }
    outln!(out, "{t}");
    if !p.unreadable.is_empty() {
        outln!(
            out,
            "{}",
            paint(
                &format!("Unreadable files ({}):", p.unreadable.len()),
                color,
                |t| t.red().bold().to_string()
            )
        );
        for u in &p.unreadable {
            let first = u.error.lines().next().unwrap_or_default();
            if first.contains(&u.file) {
                outln!(out, "  {}", safe(first));
            } else {
                outln!(out, "  {}: {}", safe(&u.file), safe(first));
            }
        }
    }
    if !p.not_plans.is_empty() {
        outln!(out, "Not plans, left out ({}):", p.not_plans.len());
        for n in &p.not_plans {
            outln!(out, "  {}: {}", safe(&n.file), safe(&n.reason));
        }
    }
    out
}

use owo_colors::OwoColorize;

fn paint(s: &str, color: bool, f: impl Fn(&str) -> String) -> String {
    if color { f(s) } else { s.to_string() }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
