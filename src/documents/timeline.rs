//! The "Implementation timeline" page: a Gantt-style vector chart of the
//! plan against the framework's timeframes.
//!
//! - a month axis (every month, or every 2nd/3rd/... when the dates span
//!   long enough that labels would collide), with the year under January;
//! - the six-month conditional period as a shaded band and the extension in
//!   force as a second, hatched band;
//! - per deficiency, a labelled group: each corrective step as a bar from
//!   plan preparation to its target with a marker on the target date, the
//!   validation window (begins to concludes) as a bar with a square marker
//!   on the results-to-Customs date;
//! - a dashed "today" line when `today` is given, and a legend.
//!
//! Status is shown by colour *and* by shape and fill, so that the chart
//! reads in black-and-white print: done = filled circle, in progress =
//! filled diamond, planned = open circle, overdue = filled triangle (and a
//! hatched bar). The chart is split over several drawings (each fits a
//! page, deficiencies are kept whole) when there are many deficiencies.

use chrono::{Datelike, NaiveDate};

use super::{Align, Block, Drawing, MarkerKind, Rgb, Shape, Span, Stroke, Style};
use crate::lifecycle::{self, CaseState, StepState, Threshold, ValidationState};
use crate::model::case::Case;
use crate::model::{DateStyle, Plan, date};

/// Tallest drawing: fits a US Letter or A4 page body with the heading above.
pub const MAX_DRAWING_HEIGHT: f32 = 560.0;

const AXIS_H: f32 = 30.0;
const GROUP_H: f32 = 14.0;
const ROW_H: f32 = 11.0;
const LEGEND_H: f32 = 34.0;
/// Strip under the rows for the "today" label.
const TODAY_H: f32 = 12.0;
const LABEL_SIZE: f32 = 6.5;
const GROUP_SIZE: f32 = 7.0;
const AXIS_SIZE: f32 = 6.5;
const MARKER: f32 = 6.0;

pub const PERIOD_FILL: Rgb = Rgb(0.88, 0.93, 0.98);
pub const EXTENSION_FILL: Rgb = Rgb(1.0, 0.95, 0.86);
const EXTENSION_HATCH: Rgb = Rgb(0.93, 0.78, 0.52);
const GRID: Rgb = Rgb(0.82, 0.82, 0.82);
const INK: Rgb = Rgb(0.15, 0.15, 0.15);
const MUTED: Rgb = Rgb(0.42, 0.42, 0.42);
pub const TODAY: Rgb = Rgb(0.80, 0.10, 0.10);
const VALIDATION: Rgb = Rgb(0.42, 0.30, 0.62);
const VALIDATION_FILL: Rgb = Rgb(0.86, 0.82, 0.93);
const GROUP_FILL: Rgb = Rgb(0.95, 0.95, 0.95);

/// Colour, marker and fill of a step's status.
pub fn look(state: StepState) -> (Rgb, MarkerKind, bool) {
    match state {
        StepState::Done => (Rgb(0.13, 0.50, 0.29), MarkerKind::Circle, true),
        StepState::InProgress => (Rgb(0.14, 0.38, 0.72), MarkerKind::Diamond, true),
        StepState::Planned => (Rgb(0.40, 0.40, 0.40), MarkerKind::Circle, false),
        StepState::Overdue => (Rgb(0.80, 0.12, 0.12), MarkerKind::Triangle, true),
    }
}

fn lighten(c: Rgb, t: f32) -> Rgb {
    Rgb(
        c.0 + (1.0 - c.0) * t,
        c.1 + (1.0 - c.1) * t,
        c.2 + (1.0 - c.2) * t,
    )
}

fn stroke(color: Rgb, width: f32) -> Stroke {
    Stroke {
        color,
        width,
        dash: None,
    }
}

fn style(size: f32, bold: bool, color: Rgb) -> Style {
    Style {
        bold,
        italic: false,
        size: Some(size),
        color: Some(color),
    }
}

/// Width of `s` in DejaVu Serif at `size`, from the font's own advance
/// widths (the same metrics layout breaks lines with).
pub fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    crate::fonts::FontFace::for_style(bold, false)
        .metrics()
        .text_width(s, size)
}

/// `s` cut (with an ellipsis) to fit `width`.
pub fn fit(s: &str, size: f32, bold: bool, width: f32) -> String {
    crate::fonts::FontFace::for_style(bold, false)
        .metrics()
        .fit_with_ellipsis(s, size, width)
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// Horizontal scale: dates to x.
struct Scale {
    start: NaiveDate,
    days: f32,
    x0: f32,
    x1: f32,
}

impl Scale {
    fn x(&self, d: NaiveDate) -> f32 {
        let t = (d - self.start).num_days() as f32 / self.days;
        (self.x0 + t * (self.x1 - self.x0)).clamp(self.x0, self.x1)
    }
}

struct Row {
    height: f32,
    kind: RowKind,
}

enum RowKind {
    Group { label: String },
    Step { deficiency: usize, step: usize },
    Validation { deficiency: usize },
}

/// The timeline chart of `plan`: a heading, a caption, and one or more
/// drawings (each at most [`MAX_DRAWING_HEIGHT`] tall), `column_width` wide.
pub fn timeline(
    plan: &Plan,
    today: Option<NaiveDate>,
    column_width: f32,
    style: DateStyle,
) -> Vec<Block> {
    let width = if column_width.is_finite() && column_width > 200.0 {
        column_width
    } else {
        468.0
    };
    let as_of = today.unwrap_or_else(|| {
        date(&plan.header.prepared)
            .or(date(&plan.header.report_date))
            .unwrap_or(NaiveDate::MIN)
    });
    // The plan PDF is the company's document: the decisions it shows are
    // the ones the plan itself records.
    let st = lifecycle::assess(plan, &Case::from_plan(plan), as_of, &Threshold::default());
    let prepared = date(&plan.header.prepared);

    let mut blocks = vec![Block::Heading {
        level: 1,
        text: vec![Span::plain("Implementation timeline")],
    }];

    // Every date the chart shows.
    let mut dates: Vec<NaiveDate> = Vec::new();
    dates.extend(st.report_date);
    dates.extend(st.period_end);
    dates.extend(st.deadline_date());
    dates.extend(prepared);
    dates.extend(today);
    for d in &st.deficiencies {
        dates.extend(d.steps.iter().filter_map(|s| s.target));
        let v = &d.validation;
        dates.extend(
            [v.begins, v.concludes, v.results_to_customs]
                .into_iter()
                .flatten(),
        );
    }
    let f = &st.follow_up;
    dates.extend([f.requested, f.started, f.completed].into_iter().flatten());
    let (Some(min), Some(max)) = (dates.iter().min().copied(), dates.iter().max().copied()) else {
        blocks.push(Block::Paragraph {
            text: vec![Span::italic(
                "No dates to chart: the plan has no report date and no target dates.",
            )],
            align: Align::Left,
        });
        return blocks;
    };

    let mut caption = vec![Span::plain(match (st.report_date, st.period_end) {
        (Some(r), Some(e)) => {
            format!(
                "Six-month conditional period from the report date {} to {}",
                style.write(r),
                style.write(e)
            )
        }
        _ => "No report date: the conditional period is not shown".to_string(),
    })];
    if let Some(x) = st.extension_in_force().and_then(|e| e.new_deadline) {
        caption.push(Span::plain(format!(
            "; extension granted to {}",
            style.write(x)
        )));
    }
    caption.push(Span::plain(format!(
        ". {} of {} corrective steps done",
        st.implementation.done, st.implementation.total
    )));
    if let Some(t) = today {
        caption.push(Span::plain(format!(" as of {}", style.write(t))));
    }
    caption.push(Span::plain("."));
    blocks.push(Block::Paragraph {
        text: caption,
        align: Align::Left,
    });

    // Axis: whole months, at least three.
    let start = first_of_month(min);
    let mut end = crate::model::add_months(first_of_month(max), 1);
    if crate::model::add_months(start, 3) > end {
        end = crate::model::add_months(start, 3);
    }
    let label_w = (width * 0.30).clamp(100.0, 170.0);
    let scale = Scale {
        start,
        days: (end - start).num_days().max(1) as f32,
        x0: label_w + 4.0,
        x1: width - MARKER / 2.0 - 1.0,
    };

    // Rows, grouped by deficiency.
    let mut groups: Vec<Vec<Row>> = Vec::new();
    for (i, d) in st.deficiencies.iter().enumerate() {
        let mut rows = vec![Row {
            height: GROUP_H,
            kind: RowKind::Group {
                label: if d.area.is_empty() {
                    d.id.clone()
                } else {
                    format!("{} {}", d.id, d.area)
                },
            },
        }];
        for j in 0..d.steps.len() {
            rows.push(Row {
                height: ROW_H,
                kind: RowKind::Step {
                    deficiency: i,
                    step: j,
                },
            });
        }
        if d.validation.state != ValidationState::Missing {
            rows.push(Row {
                height: ROW_H,
                kind: RowKind::Validation { deficiency: i },
            });
        }
        groups.push(rows);
    }

    // Pages: whole groups while they fit; a group taller than a page is cut.
    let room = MAX_DRAWING_HEIGHT - AXIS_H - LEGEND_H - TODAY_H;
    let mut pages: Vec<Vec<Row>> = vec![Vec::new()];
    let mut used = 0.0;
    for group in groups {
        let h: f32 = group.iter().map(|r| r.height).sum();
        if used > 0.0 && used + h > room {
            pages.push(Vec::new());
            used = 0.0;
        }
        for row in group {
            if used > 0.0 && used + row.height > room {
                pages.push(Vec::new());
                used = 0.0;
            }
            used += row.height;
            if let Some(p) = pages.last_mut() {
                p.push(row);
            }
        }
    }

    let n = pages.len();
    for (k, rows) in pages.into_iter().enumerate() {
        let ctx = Ctx {
            st: &st,
            scale: &scale,
            width,
            label_w,
            today,
            prepared,
            style,
        };
        blocks.push(Block::Drawing(ctx.drawing(&rows, k, n)));
    }
    blocks
}

struct Ctx<'a> {
    st: &'a CaseState,
    scale: &'a Scale,
    width: f32,
    label_w: f32,
    today: Option<NaiveDate>,
    prepared: Option<NaiveDate>,
    style: DateStyle,
}

impl Ctx<'_> {
    fn drawing(&self, rows: &[Row], page: usize, pages: usize) -> Drawing {
        let body: f32 = rows.iter().map(|r| r.height).sum();
        let top = AXIS_H;
        let bottom = top + body;
        let height = bottom + TODAY_H + LEGEND_H;
        let mut s: Vec<Shape> = Vec::new();
        let sc = self.scale;

        // Bands behind everything, axis strip included.
        let p = self.st;
        if let (Some(r), Some(e)) = (p.report_date, p.period_end) {
            let (x1, x2) = (sc.x(r), sc.x(e));
            s.push(Shape::Rect {
                x: x1,
                y: 10.0,
                w: (x2 - x1).max(0.5),
                h: bottom - 10.0,
                fill: Some(PERIOD_FILL),
                stroke: None,
                hatch: None,
            });
            self.band_label(
                &mut s,
                x1,
                x2,
                "Conditional period (6 months)",
                Rgb(0.20, 0.35, 0.60),
            );
        }
        let extended = p.extension_in_force().and_then(|x| x.new_deadline);
        if let (Some(x), Some(e)) = (extended, p.period_end) {
            let (x1, x2) = (sc.x(e), sc.x(x));
            s.push(Shape::Rect {
                x: x1,
                y: 10.0,
                w: (x2 - x1).max(0.5),
                h: bottom - 10.0,
                fill: Some(EXTENSION_FILL),
                stroke: None,
                hatch: Some(EXTENSION_HATCH),
            });
            self.band_label(&mut s, x1, x2, "Extension", Rgb(0.55, 0.38, 0.05));
        }

        // Month axis and grid.
        let months = months_between(sc.start, sc.x1, sc);
        let every = label_every(&months, sc);
        for (i, m) in months.iter().enumerate() {
            let x = sc.x(*m);
            let strong = m.month() == 1;
            s.push(Shape::Line {
                x1: x,
                y1: 20.0,
                x2: x,
                y2: bottom,
                stroke: Stroke {
                    color: if strong { MUTED } else { GRID },
                    width: if strong { 0.6 } else { 0.3 },
                    dash: None,
                },
            });
            if m.month() == 1 || i == 0 {
                s.push(Shape::Line {
                    x1: x,
                    y1: 0.0,
                    x2: x,
                    y2: 9.0,
                    stroke: stroke(MUTED, 0.6),
                });
                s.push(Shape::Text {
                    x: x + 1.5,
                    y: 7.5,
                    text: m.year().to_string(),
                    style: style(AXIS_SIZE, true, INK),
                    align: Align::Left,
                });
            }
            if i % every == 0 {
                let (tx, align) = if every == 1 {
                    (
                        (x + sc.x(crate::model::add_months(*m, 1))) / 2.0,
                        Align::Center,
                    )
                } else {
                    (x + 1.5, Align::Left)
                };
                s.push(Shape::Text {
                    x: tx,
                    y: 27.0,
                    text: month_abbr(m.month()).to_string(),
                    style: style(AXIS_SIZE, false, INK),
                    align,
                });
            }
        }
        s.push(Shape::Line {
            x1: 0.0,
            y1: top,
            x2: self.width,
            y2: top,
            stroke: stroke(MUTED, 0.6),
        });
        if pages > 1 {
            s.push(Shape::Text {
                x: 0.0,
                y: 7.5,
                text: format!("Part {} of {}", page + 1, pages),
                style: style(AXIS_SIZE, false, MUTED),
                align: Align::Left,
            });
        }
        s.push(Shape::Text {
            x: 0.0,
            y: 27.0,
            text: "Deficiency / step".into(),
            style: style(AXIS_SIZE, true, INK),
            align: Align::Left,
        });

        // Rows.
        let mut y = top;
        for row in rows {
            self.row(&mut s, row, y);
            y += row.height;
        }
        s.push(Shape::Line {
            x1: 0.0,
            y1: bottom,
            x2: self.width,
            y2: bottom,
            stroke: stroke(MUTED, 0.6),
        });

        // Today.
        if let Some(t) = self.today {
            let x = sc.x(t);
            s.push(Shape::Line {
                x1: x,
                y1: 20.0,
                x2: x,
                y2: bottom + 3.0,
                stroke: Stroke {
                    color: TODAY,
                    width: 0.9,
                    dash: Some((3.0, 2.0)),
                },
            });
            let label = format!("Today {}", self.style.write(t));
            let w = text_width(&label, AXIS_SIZE, true);
            let (lx, align) = if x + w + 3.0 > self.width {
                (x - 2.0, Align::Right)
            } else {
                (x + 2.0, Align::Left)
            };
            s.push(Shape::Text {
                x: lx,
                y: bottom + 9.0,
                text: label,
                style: style(AXIS_SIZE, true, TODAY),
                align,
            });
        }

        self.legend(&mut s, bottom + TODAY_H);
        Drawing { height, shapes: s }
    }

    fn band_label(&self, s: &mut Vec<Shape>, x1: f32, x2: f32, text: &str, color: Rgb) {
        let w = x2 - x1;
        let label = fit(text, AXIS_SIZE, true, (w - 4.0).max(0.0));
        if label.chars().count() > 3 {
            s.push(Shape::Text {
                x: (x1 + x2) / 2.0,
                y: 17.5,
                text: label,
                style: style(AXIS_SIZE, true, color),
                align: Align::Center,
            });
        }
    }

    fn row(&self, s: &mut Vec<Shape>, row: &Row, y: f32) {
        let sc = self.scale;
        let mid = y + row.height / 2.0;
        let base = mid + LABEL_SIZE * 0.35;
        match &row.kind {
            RowKind::Group { label } => {
                s.push(Shape::Rect {
                    x: 0.0,
                    y: y + 1.0,
                    w: self.label_w,
                    h: row.height - 2.0,
                    fill: Some(GROUP_FILL),
                    stroke: None,
                    hatch: None,
                });
                s.push(Shape::Line {
                    x1: 0.0,
                    y1: y,
                    x2: self.width,
                    y2: y,
                    stroke: stroke(GRID, 0.4),
                });
                s.push(Shape::Text {
                    x: 2.0,
                    y: mid + GROUP_SIZE * 0.35,
                    text: fit(label, GROUP_SIZE, true, self.label_w - 4.0),
                    style: style(GROUP_SIZE, true, INK),
                    align: Align::Left,
                });
            }
            RowKind::Step { deficiency, step } => {
                let Some(info) = self
                    .st
                    .deficiencies
                    .get(*deficiency)
                    .and_then(|d| d.steps.get(*step))
                else {
                    return;
                };
                let label = format!("{}. {}", info.number, info.action);
                s.push(Shape::Text {
                    x: 8.0,
                    y: base,
                    text: fit(&label, LABEL_SIZE, false, self.label_w - 10.0),
                    style: style(LABEL_SIZE, false, INK),
                    align: Align::Left,
                });
                let (color, kind, filled) = look(info.state);
                if let Some(t) = info.target {
                    let from = self.prepared.filter(|p| *p < t).unwrap_or(t);
                    let (x1, x2) = (sc.x(from), sc.x(t));
                    if x2 > x1 {
                        s.push(Shape::Rect {
                            x: x1,
                            y: mid - 1.75,
                            w: x2 - x1,
                            h: 3.5,
                            fill: filled.then(|| lighten(color, 0.55)),
                            stroke: Some(stroke(lighten(color, 0.2), 0.4)),
                            hatch: (info.state == StepState::Overdue).then_some(color),
                        });
                    }
                    s.push(Shape::Marker {
                        x: x2,
                        y: mid,
                        kind,
                        size: MARKER,
                        fill: if filled {
                            Some(color)
                        } else {
                            Some(Rgb(1.0, 1.0, 1.0))
                        },
                        stroke: Some(stroke(color, 0.9)),
                    });
                    // A done step completed on another day: a small tick there.
                    if let Some(c) = info.completed.filter(|c| *c != t) {
                        let xc = sc.x(c);
                        s.push(Shape::Line {
                            x1: xc,
                            y1: mid - 3.0,
                            x2: xc,
                            y2: mid + 3.0,
                            stroke: stroke(color, 0.8),
                        });
                    }
                }
            }
            RowKind::Validation { deficiency } => {
                let Some(d) = self.st.deficiencies.get(*deficiency) else {
                    return;
                };
                let v = &d.validation;
                s.push(Shape::Text {
                    x: 8.0,
                    y: base,
                    text: fit(
                        &format!("Validation ({})", v.state.as_str()),
                        LABEL_SIZE,
                        false,
                        self.label_w - 10.0,
                    ),
                    style: Style {
                        italic: true,
                        ..style(LABEL_SIZE, false, VALIDATION)
                    },
                    align: Align::Left,
                });
                if let (Some(b), Some(c)) = (v.begins, v.concludes) {
                    let (x1, x2) = (sc.x(b), sc.x(c.max(b)));
                    s.push(Shape::Rect {
                        x: x1,
                        y: mid - 2.5,
                        w: (x2 - x1).max(1.0),
                        h: 5.0,
                        fill: Some(VALIDATION_FILL),
                        stroke: Some(stroke(VALIDATION, 0.6)),
                        hatch: None,
                    });
                }
                if let Some(r) = v.results_to_customs {
                    if let Some(c) = v.concludes.filter(|c| *c < r) {
                        s.push(Shape::Line {
                            x1: sc.x(c),
                            y1: mid,
                            x2: sc.x(r),
                            y2: mid,
                            stroke: Stroke {
                                color: VALIDATION,
                                width: 0.6,
                                dash: Some((1.5, 1.5)),
                            },
                        });
                    }
                    let done = v.state == ValidationState::Done;
                    let overdue = v.state == ValidationState::ResultsOverdue;
                    s.push(Shape::Marker {
                        x: sc.x(r),
                        y: mid,
                        kind: MarkerKind::Square,
                        size: MARKER - 0.5,
                        fill: Some(if overdue {
                            look(StepState::Overdue).0
                        } else if done {
                            VALIDATION
                        } else {
                            Rgb(1.0, 1.0, 1.0)
                        }),
                        stroke: Some(stroke(
                            if overdue {
                                look(StepState::Overdue).0
                            } else {
                                VALIDATION
                            },
                            0.9,
                        )),
                    });
                }
            }
        }
    }

    fn legend(&self, s: &mut Vec<Shape>, y: f32) {
        let mut x = 0.0;
        let mut line = y + 7.0;
        let item =
            |s: &mut Vec<Shape>, x: &mut f32, line: &mut f32, icon: Vec<Shape>, text: &str| {
                let w = 12.0 + text_width(text, LABEL_SIZE, false) + 12.0;
                if *x + w > self.width {
                    *x = 0.0;
                    *line += 12.0;
                }
                for mut sh in icon {
                    match &mut sh {
                        Shape::Marker { x: mx, y: my, .. } => {
                            *mx += *x;
                            *my += *line;
                        }
                        Shape::Rect { x: rx, y: ry, .. } => {
                            *rx += *x;
                            *ry += *line;
                        }
                        Shape::Line { x1, y1, x2, y2, .. } => {
                            *x1 += *x;
                            *x2 += *x;
                            *y1 += *line;
                            *y2 += *line;
                        }
                        Shape::Text { .. } => {}
                    }
                    s.push(sh);
                }
                s.push(Shape::Text {
                    x: *x + 12.0,
                    y: *line + LABEL_SIZE * 0.35,
                    text: text.to_string(),
                    style: style(LABEL_SIZE, false, INK),
                    align: Align::Left,
                });
                *x += w;
            };
        for (state, name) in [
            (StepState::Done, "Step done"),
            (StepState::InProgress, "In progress"),
            (StepState::Planned, "Planned"),
            (StepState::Overdue, "Overdue"),
        ] {
            let (color, kind, filled) = look(state);
            item(
                s,
                &mut x,
                &mut line,
                vec![Shape::Marker {
                    x: 4.0,
                    y: 0.0,
                    kind,
                    size: MARKER,
                    fill: Some(if filled { color } else { Rgb(1.0, 1.0, 1.0) }),
                    stroke: Some(stroke(color, 0.9)),
                }],
                name,
            );
        }
        item(
            s,
            &mut x,
            &mut line,
            vec![
                Shape::Rect {
                    x: 0.0,
                    y: -2.5,
                    w: 6.0,
                    h: 5.0,
                    fill: Some(VALIDATION_FILL),
                    stroke: Some(stroke(VALIDATION, 0.6)),
                    hatch: None,
                },
                Shape::Marker {
                    x: 8.0,
                    y: 0.0,
                    kind: MarkerKind::Square,
                    size: MARKER - 1.5,
                    fill: Some(Rgb(1.0, 1.0, 1.0)),
                    stroke: Some(stroke(VALIDATION, 0.9)),
                },
            ],
            "  Validation testing, results to Customs",
        );
        let band = |fill, hatch| Shape::Rect {
            x: 0.0,
            y: -3.5,
            w: 9.0,
            h: 7.0,
            fill: Some(fill),
            stroke: Some(stroke(GRID, 0.4)),
            hatch,
        };
        item(
            s,
            &mut x,
            &mut line,
            vec![band(PERIOD_FILL, None)],
            "Conditional period",
        );
        if self.st.extension_in_force().is_some() {
            item(
                s,
                &mut x,
                &mut line,
                vec![band(EXTENSION_FILL, Some(EXTENSION_HATCH))],
                "Extension",
            );
        }
        if self.today.is_some() {
            item(
                s,
                &mut x,
                &mut line,
                vec![Shape::Line {
                    x1: 4.0,
                    y1: -4.0,
                    x2: 4.0,
                    y2: 4.0,
                    stroke: Stroke {
                        color: TODAY,
                        width: 0.9,
                        dash: Some((2.0, 1.5)),
                    },
                }],
                "Today",
            );
        }
        item(
            s,
            &mut x,
            &mut line,
            vec![Shape::Rect {
                x: 0.0,
                y: -1.75,
                w: 9.0,
                h: 3.5,
                fill: Some(lighten(look(StepState::InProgress).0, 0.55)),
                stroke: Some(stroke(look(StepState::InProgress).0, 0.4)),
                hatch: None,
            }],
            "From plan preparation to target",
        );
    }
}

fn months_between(start: NaiveDate, _x1: f32, sc: &Scale) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = start;
    let end = start + chrono::Days::new(sc.days as u64);
    while m < end && out.len() < 1200 {
        out.push(m);
        m = crate::model::add_months(m, 1);
    }
    out
}

/// Label every n-th month so that month labels never collide.
fn label_every(months: &[NaiveDate], sc: &Scale) -> usize {
    let per_month = (sc.x1 - sc.x0) / months.len().max(1) as f32;
    let need = text_width("May", AXIS_SIZE, false) + 4.0;
    for n in [1usize, 2, 3, 4, 6, 12] {
        if per_month * n as f32 >= need {
            return n;
        }
    }
    12
}

fn month_abbr(m: u32) -> &'static str {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .get(m.saturating_sub(1) as usize)
    .copied()
    .unwrap_or("?")
}
