//! Generated documents for tests, benchmarks and eyeballing the layout.
//!
//! Not CIP content: generic business-plan-like text that exercises every
//! block kind. `cip` itself never calls this.

use chrono::NaiveDate;

use crate::documents::*;

fn info(title: &str) -> DocInfo {
    DocInfo {
        title: title.to_string(),
        author: "Müller & Søn Import-Export GmbH".to_string(),
        subject: "Layout sample".to_string(),
        keywords: vec!["sample".into(), "layout".into()],
        creator: "cip test".to_string(),
        date: NaiveDate::from_ymd_opt(2026, 11, 20)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .unwrap_or_default(),
    }
}

const WORDS: &[&str] = &[
    "compliance",
    "entry",
    "classification",
    "valuation",
    "broker",
    "review",
    "quarterly",
    "the",
    "of",
    "and",
    "to",
    "records",
    "tariff",
    "origin",
    "audit",
    "procedure",
    "training",
    "Müller",
    "Søn",
    "duties",
    "a",
    "in",
    "for",
    "is",
    "importer",
    "documentation",
    "controls",
];

/// `n` words of deterministic filler text.
pub fn words(n: usize, seed: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[(i * 7 + seed * 13 + i / 5) % WORDS.len()]);
        if i % 17 == 16 {
            out.push('.');
        }
    }
    out
}

fn cell(s: impl Into<String>) -> Cell {
    Cell::text(vec![Span::plain(s)])
}

fn timeline() -> Drawing {
    let mut shapes = Vec::new();
    let grey = Rgb(0.4, 0.4, 0.4);
    shapes.push(Shape::Line {
        x1: 0.0,
        y1: 60.0,
        x2: 490.0,
        y2: 60.0,
        stroke: Stroke {
            color: grey,
            width: 1.0,
            dash: None,
        },
    });
    for i in 0..5 {
        let x = 20.0 + i as f32 * 110.0;
        shapes.push(Shape::Rect {
            x,
            y: 20.0,
            w: 80.0,
            h: 30.0,
            fill: Some(Rgb(0.85, 0.9, 1.0)),
            stroke: Some(Stroke {
                color: grey,
                width: 0.5,
                dash: if i % 2 == 1 { Some((2.0, 2.0)) } else { None },
            }),
            hatch: (i == 2).then_some(Rgb(0.5, 0.6, 0.8)),
        });
        shapes.push(Shape::Marker {
            x: x + 40.0,
            y: 60.0,
            kind: [
                MarkerKind::Circle,
                MarkerKind::Square,
                MarkerKind::Diamond,
                MarkerKind::Triangle,
                MarkerKind::Circle,
            ][i],
            size: 8.0,
            fill: Some(Rgb(0.2, 0.3, 0.6)),
            stroke: None,
        });
        shapes.push(Shape::Text {
            x: x + 40.0,
            y: 78.0,
            text: format!("Q{} 2027", i % 4 + 1),
            style: Style {
                size: Some(8.0),
                ..Style::default()
            },
            align: Align::Center,
        });
    }
    Drawing {
        height: 90.0,
        shapes,
    }
}

/// A document of roughly `sections` half-pages: headings, paragraphs, a
/// list, a table per section, a drawing, a signature box, two attachments.
pub fn document(sections: usize) -> Document {
    let mut blocks = vec![
        Block::Heading {
            level: 1,
            text: vec![Span::plain(
                "Compliance Improvement Plan — Müller & Søn Import-Export GmbH",
            )],
        },
        Block::Paragraph {
            text: vec![
                Span::bold("Summary. "),
                Span::plain(words(90, 1)),
                Span::italic(" Ελληνικά, Ünïcödé, “quotes”."),
            ],
            align: Align::Left,
        },
    ];
    for s in 0..sections {
        blocks.push(Block::Heading {
            level: 2,
            text: vec![Span::plain(format!(
                "{}. Section about {}",
                s + 1,
                words(3, s)
            ))],
        });
        blocks.push(Block::Paragraph {
            text: vec![Span::plain(words(70 + s % 3 * 20, s))],
            align: Align::Left,
        });
        blocks.push(Block::List {
            ordered: s % 2 == 0,
            start: 1,
            items: (0..3)
                .map(|i| vec![Span::plain(words(12 + i * 9, s + i))])
                .collect(),
        });
        blocks.push(Block::Table(Table {
            widths: vec![1.0, 3.0, 1.5],
            header: vec![Row {
                cells: vec![cell("Item"), cell("Action"), cell("Due")],
            }],
            body: (0..4)
                .map(|r| Row {
                    cells: vec![
                        cell(format!("{}.{}", s + 1, r + 1)),
                        cell(words(8 + r * 6, s * 4 + r)),
                        cell(format!("2027-0{}-15", r + 1)),
                    ],
                })
                .collect(),
        }));
        if s == 0 {
            blocks.push(Block::Drawing(timeline()));
        }
    }
    blocks.push(Block::Rule);
    blocks.push(Block::Signature(SignatureBox {
        lines: vec![
            ("Approving official".into(), "Robert Chen".into()),
            ("Title".into(), "Vice President, Trade Compliance".into()),
        ],
        field: "approving_official".into(),
        height: 50.0,
    }));
    Document {
        info: info("Layout sample"),
        paper: Paper::Letter,
        continuation: None,
        header: Some(RunningHeader {
            left: "Müller & Søn Import-Export GmbH".into(),
            right: "Compliance Improvement Plan".into(),
        }),
        footer: Footer {
            left: Some("Prepared 2026-11-20".into()),
            page_numbers: PageNumbers::All,
        },
        draft: true,
        blocks,
        attachments: vec![
            Attachment {
                name: "plan.toml".into(),
                description: "Plan source".into(),
                mime: "application/toml".into(),
                relationship: Relationship::Source,
                bytes: b"title = \"sample\"\n".to_vec(),
            },
            Attachment {
                name: "evidence.bin".into(),
                description: "Binary evidence".into(),
                mime: "application/octet-stream".into(),
                relationship: Relationship::Supplement,
                bytes: (0..=255u8).cycle().take(3000).collect(),
            },
        ],
        reserved: Default::default(),
    }
}

/// The stress document: a table with many sections, a 3,000-word cell, a
/// cell longer than a page, Unicode names, hashes and URLs without spaces.
pub fn stress_document() -> Document {
    let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let url = "https://www.example.gov/trade/programs-administration/entry-summary/compliance-improvement-plans/guidance-document-2026-11-20-final-version.pdf";
    let mut body = Vec::new();
    for s in 0..16 {
        body.push(Row {
            cells: vec![Cell {
                paragraphs: vec![vec![Span::bold(format!(
                    "Section {} — Ελληνικά / Müller & Søn",
                    s + 1
                ))]],
                colspan: 3,
                shade: Some(Rgb(0.9, 0.92, 0.96)),
                align: Align::Left,
            }],
        });
        let long = match s {
            3 => words(3000, s),
            7 => (0..120)
                .map(|i| format!("{i}: {}", words(6, i)))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => words(20 + s * 5, s),
        };
        body.push(Row {
            cells: vec![
                cell(format!("{}-{}", s + 1, hash)),
                Cell {
                    paragraphs: vec![vec![Span::plain(long)], vec![Span::italic(url)]],
                    colspan: 1,
                    shade: None,
                    align: Align::Left,
                },
                Cell {
                    paragraphs: vec![vec![Span::plain("Dvořák Øresund Łódź Ñandú Ψυχή")]],
                    colspan: 1,
                    shade: None,
                    align: Align::Right,
                },
            ],
        });
    }
    let mut doc = document(1);
    doc.info = info("Stress document");
    doc.blocks = vec![
        Block::Heading {
            level: 1,
            text: vec![Span::plain("Stress document")],
        },
        Block::Paragraph {
            text: vec![Span::plain(format!(
                "Hash {hash} and URL {url} in running text."
            ))],
            align: Align::Left,
        },
        Block::Table(Table {
            widths: vec![1.2, 3.0, 1.3],
            header: vec![Row {
                cells: vec![cell("Identifier"), cell("Description"), cell("Names")],
            }],
            body,
        }),
        Block::Heading {
            level: 2,
            text: vec![Span::plain("After the table")],
        },
        Block::Drawing(Drawing {
            height: 2000.0,
            shapes: timeline().shapes,
        }),
        Block::Paragraph {
            text: vec![Span::plain("End of stress document.")],
            align: Align::Center,
        },
    ];
    doc
}
