//! The timeline chart: shapes inside their drawing, one marker per step and
//! per validation, bands for the period and the extension, labels, pages for
//! 40 deficiencies, and the page in the rendered PDF (via pdftotext).

mod status_common;

use std::path::Path;

use chrono::NaiveDate;
use cip::documents::timeline::{self, EXTENSION_FILL, MAX_DRAWING_HEIGHT, PERIOD_FILL};
use cip::documents::{Block, Drawing, Shape};
use status_common::*;

const WIDTH: f32 = 492.0;
/// Markers in the legend: four step states and the results square.
const LEGEND_MARKERS: usize = 5;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn drawings(blocks: &[Block]) -> Vec<&Drawing> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Drawing(d) => Some(d),
            _ => None,
        })
        .collect()
}

fn texts(d: &Drawing) -> Vec<&str> {
    d.shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn inside(d: &Drawing) {
    let ok = |x: f32, y: f32| {
        (-0.01..=WIDTH + 0.01).contains(&x) && (-0.01..=d.height + 0.01).contains(&y)
    };
    for s in &d.shapes {
        let fine = match s {
            Shape::Rect { x, y, w, h, .. } => {
                ok(*x, *y) && ok(x + w, y + h) && *w >= 0.0 && *h >= 0.0
            }
            Shape::Line { x1, y1, x2, y2, .. } => ok(*x1, *y1) && ok(*x2, *y2),
            Shape::Marker { x, y, size, .. } => {
                ok(x - size / 2.0, y - size / 2.0) && ok(x + size / 2.0, y + size / 2.0)
            }
            Shape::Text { x, y, .. } => ok(*x, *y),
        };
        assert!(
            fine,
            "shape outside the {WIDTH}x{} drawing: {s:?}",
            d.height
        );
    }
}

fn markers(d: &Drawing) -> usize {
    d.shapes
        .iter()
        .filter(|s| matches!(s, Shape::Marker { .. }))
        .count()
}

fn has_band(d: &Drawing, color: cip::documents::Rgb) -> bool {
    d.shapes
        .iter()
        .any(|s| matches!(s, Shape::Rect { fill: Some(f), .. } if *f == color))
}

#[test]
fn chart_of_the_sample_plan() {
    let plan = cip::model::load_file(Path::new("samples/acme.toml")).expect("sample");
    let blocks = timeline::timeline(
        &plan,
        Some(d("2027-01-10")),
        WIDTH,
        cip::model::DateStyle::Iso,
    );
    assert!(
        matches!(&blocks[0], Block::Heading { text, .. } if text[0].text == "Implementation timeline")
    );
    let ds = drawings(&blocks);
    assert_eq!(ds.len(), 1);
    let dr = ds[0];
    assert!(dr.height <= MAX_DRAWING_HEIGHT);
    inside(dr);
    // One marker per step (11) and per validation's results date (3).
    assert_eq!(markers(dr), 11 + 3 + LEGEND_MARKERS);
    assert!(has_band(dr, PERIOD_FILL));
    assert!(!has_band(dr, EXTENSION_FILL));
    let t = texts(dr);
    for label in [
        "D1 Classification",
        "D2 Valuation",
        "D3 Recordkeeping",
        "Today 2027-01-10",
        "Conditional period (6 months)",
        "Step done",
        "Overdue",
        "Oct",
        "Mar",
        "2027",
    ] {
        assert!(
            t.iter().any(|x| x.contains(label)),
            "label {label:?} missing: {t:?}"
        );
    }
    // Without --today: no today line or label.
    let blocks = timeline::timeline(&plan, None, WIDTH, cip::model::DateStyle::Iso);
    let t = texts(drawings(&blocks)[0]);
    assert!(!t.iter().any(|x| x.starts_with("Today")));
}

#[test]
fn forty_deficiencies_over_two_years_split_into_pages() {
    let mut spec = PlanSpec::new("2026-01-15");
    const TARGETS: [&str; 5] = [
        "2026-03-01",
        "2026-09-15",
        "2027-02-01",
        "2027-07-01",
        "2027-11-30",
    ];
    for i in 0..40 {
        let steps = (0..(2 + i % 4))
            .map(|j| {
                step(
                    TARGETS[(i + j) % 5],
                    ["done", "in-progress", "planned"][j % 3],
                )
            })
            .collect();
        spec = spec.deficiency(
            steps,
            Some(ValidationSpec {
                begins: "2027-12-01",
                concludes: "2027-12-15",
                results: "2027-12-31",
                sent: None,
            }),
        );
    }
    spec.extensions
        .push(("2026-07-01", Some("2026-07-10"), "2027-12-31"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = spec.write(dir.path(), "big.toml");
    let plan = cip::model::load_file(&path).expect("load");
    let blocks = timeline::timeline(
        &plan,
        Some(d("2026-11-02")),
        WIDTH,
        cip::model::DateStyle::Iso,
    );
    let ds = drawings(&blocks);
    assert!(ds.len() >= 4, "{} drawings", ds.len());
    let steps: usize = plan.deficiencies.iter().map(|d| d.steps.len()).sum();
    let mut total_markers = 0;
    let mut labels = Vec::new();
    for (k, dr) in ds.iter().enumerate() {
        assert!(
            dr.height <= MAX_DRAWING_HEIGHT,
            "drawing {k} is {} pt",
            dr.height
        );
        inside(dr);
        assert!(has_band(dr, PERIOD_FILL) && has_band(dr, EXTENSION_FILL));
        total_markers += markers(dr) - LEGEND_MARKERS;
        let t = texts(dr);
        assert!(
            t.iter()
                .any(|x| *x == format!("Part {} of {}", k + 1, ds.len()))
        );
        labels.extend(
            t.iter()
                .filter(|x| x.starts_with('D') && x.contains("Area"))
                .map(|x| x.to_string()),
        );
    }
    assert_eq!(total_markers, steps + 40);
    // Every deficiency appears once: groups are never cut here.
    assert_eq!(labels.len(), 40, "{labels:?}");
    for i in 1..=40 {
        assert!(labels.contains(&format!("D{i} Area {i}")));
    }
    // Two years of months: labels thinned out, never more than fit.
    let months: Vec<&str> = texts(ds[0])
        .into_iter()
        .filter(|t| {
            [
                "Jan", "Mar", "May", "Jul", "Sep", "Nov", "Feb", "Apr", "Jun", "Aug", "Oct", "Dec",
            ]
            .contains(t)
        })
        .collect();
    assert!(months.len() >= 8 && months.len() <= 14, "{months:?}");
}

#[test]
fn rendered_pdf_has_the_timeline_page() {
    let Ok(status) = std::process::Command::new("pdftotext").arg("-v").output() else {
        panic!("pdftotext is needed (poppler-utils; scripts/test installs it)");
    };
    assert!(status.status.success() || !status.stderr.is_empty());
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("acme.pdf");
    let out = cip()
        .args(["render", "samples/acme.toml", "--today", "2027-01-10", "-o"])
        .arg(&pdf)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let txt = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let t = String::from_utf8_lossy(&txt.stdout);
    for label in [
        "Implementation timeline",
        "D1 Classification",
        "D3 Recordkeeping",
        "Today January 10, 2027",
        "Conditional period",
        "Step done",
        "In progress",
        "Planned",
        "Overdue",
    ] {
        assert!(t.contains(label), "{label:?} missing from the PDF text");
    }

    let pdf2 = dir.path().join("no.pdf");
    let out = cip()
        .args(["render", "samples/acme.toml", "--no-timeline", "-o"])
        .arg(&pdf2)
        .output()
        .expect("run");
    assert!(out.status.success());
    let txt = std::process::Command::new("pdftotext")
        .arg(&pdf2)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(!String::from_utf8_lossy(&txt.stdout).contains("Implementation timeline"));
}
