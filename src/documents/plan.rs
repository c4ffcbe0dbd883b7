//! A plan as blocks: the framework's "Compliance Improvement Plan
//! (Suggested Format)" table, the approving official's signature box, and
//! the supporting documentation manifest.

use super::*;
use crate::manifest::Manifest;
use crate::model::{self, DateStyle, Deficiency, Plan, StepStatus, date, text};

/// Shade of the framework's bold heading rows.
const HEAD: Rgb = Rgb(0.86, 0.89, 0.93);
/// Lighter shade for column headers.
const SUB: Rgb = Rgb(0.94, 0.95, 0.97);

/// Name of the unsigned signature field in the approving official's box.
pub const SIGNATURE_FIELD: &str = "approving_official";

pub struct PlanOptions {
    pub paper: Paper,
    pub draft: bool,
    /// Creation date written into the PDF (deterministic: from the plan or
    /// `SOURCE_DATE_EPOCH`, never the clock).
    pub date: NaiveDateTime,
    /// Extra blocks appended before the manifest (e.g. the timeline chart).
    pub extra: Vec<Block>,
    /// How dates are written (the same choice as in letters).
    pub date_style: DateStyle,
}

/// Build the plan document. `manifest` lists every supporting document
/// (attached or to be submitted); `attachments` are embedded as they are.
pub fn plan_document(
    plan: &Plan,
    manifest: &Manifest,
    attachments: Vec<Attachment>,
    opts: PlanOptions,
) -> Document {
    let company = or_dash(plan.company());
    let mut blocks = Vec::new();
    let style = opts.date_style;
    title_block(plan, style, &mut blocks);
    for (i, d) in plan.deficiencies.iter().enumerate() {
        deficiency_blocks(i, d, manifest, style, &mut blocks);
    }
    responses(plan, &mut blocks);
    approving_official(plan, style, &mut blocks);
    blocks.extend(opts.extra);
    manifest_blocks(manifest, &mut blocks);

    let prepared = day(&plan.header.prepared, style);
    Document {
        info: DocInfo {
            title: format!("Compliance Improvement Plan — {company}"),
            author: company.to_string(),
            subject: format!(
                "Compliance Improvement Plan answering Compliance Assessment report {}",
                or_dash(plan.assessment_report())
            ),
            keywords: vec![
                "Compliance Improvement Plan".into(),
                "CIP".into(),
                "U.S. Customs".into(),
                plan.assessment_report().to_string(),
                company.to_string(),
            ],
            creator: format!("cip {}", env!("CARGO_PKG_VERSION")),
            date: opts.date,
        },
        paper: opts.paper,
        continuation: None,
        header: Some(RunningHeader {
            left: company.to_string(),
            right: "Compliance Improvement Plan".into(),
        }),
        footer: Footer {
            left: Some(format!("Prepared {prepared}")),
            page_numbers: PageNumbers::All,
        },
        draft: opts.draft,
        blocks,
        attachments,
        reserved: Default::default(),
    }
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

fn field(f: &model::Field<String>) -> String {
    text(f).unwrap_or("—").to_string()
}

fn day(f: &model::Field<chrono::NaiveDate>, style: DateStyle) -> String {
    date(f).map_or_else(|| "—".to_string(), |d| style.write(d))
}

fn label_cell(label: &str, note: Option<&str>) -> Cell {
    let mut t = vec![Span::bold(label)];
    if let Some(n) = note {
        t.push(Span::plain(" "));
        t.push(Span::italic(n));
    }
    Cell {
        shade: Some(SUB),
        ..Cell::text(t)
    }
}

fn kv(label: &str, note: Option<&str>, value: Vec<Text>) -> Row {
    Row {
        cells: vec![
            label_cell(label, note),
            Cell {
                paragraphs: value,
                colspan: 1,
                ..Cell::default()
            },
        ],
    }
}

fn title_block(plan: &Plan, style: DateStyle, blocks: &mut Vec<Block>) {
    let h = &plan.header;
    blocks.push(Block::Heading {
        level: 1,
        text: vec![Span::plain("Compliance Improvement Plan")],
    });
    let mut rows = vec![kv(
        "Company Name",
        None,
        vec![vec![Span::bold(field(&h.company))]],
    )];
    if text(&h.importer_number).is_some() {
        rows.push(kv(
            "Importer Number",
            None,
            vec![vec![Span::plain(field(&h.importer_number))]],
        ));
    }
    rows.push(kv(
        "Compliance Assessment Report",
        None,
        vec![vec![Span::plain(format!(
            "{} dated {}",
            field(&h.assessment_report),
            day(&h.report_date, style)
        ))]],
    ));
    rows.push(kv(
        "Date Compliance Improvement Plan Prepared",
        None,
        vec![vec![Span::plain(day(&h.prepared, style))]],
    ));
    rows.push(kv(
        "Submitted To",
        None,
        vec![vec![Span::plain(field(&h.submitted_to))]],
    ));
    // From revision 2 on, the first page says which submission this one
    // replaces, pinned by the hash of its bytes.
    if plan.revision() >= 2 {
        let mut t = vec![Span::bold(format!("Revision {}", plan.revision()))];
        if let Some(sup) = &h.supersedes {
            t.push(Span::plain(format!(
                ", superseding {} (SHA-256 {})",
                field(&sup.file),
                field(&sup.sha256)
            )));
        }
        rows.push(kv("Revision", None, vec![t]));
    }
    if let Some(end) = crate::lifecycle::period_end(plan) {
        let mut t = vec![Span::plain(format!(
            "Six months from the report date: ends {}",
            style.write(end)
        ))];
        let record = crate::model::case::Case::from_plan(plan);
        if let Some(ext) = crate::lifecycle::final_deadline(plan, &record).filter(|x| *x > end) {
            t.push(Span::plain(format!("; extended to {}", style.write(ext))));
        }
        rows.push(kv("Conditional Period", None, vec![t]));
    }
    let r = &plan.responsible_official;
    let mut contact = vec![vec![Span::bold(format!(
        "{}, {}",
        field(&r.name),
        field(&r.title)
    ))]];
    let details: Vec<String> = [text(&r.email), text(&r.phone)]
        .into_iter()
        .flatten()
        .map(str::to_string)
        .collect();
    if !details.is_empty() {
        contact.push(vec![Span::plain(details.join(" · "))]);
    }
    rows.push(kv(
        "Responsible Official's Name/Title",
        Some("(Person Coordinating CIP Process)"),
        contact,
    ));
    blocks.push(Block::Table(Table {
        widths: vec![32.0, 68.0],
        header: vec![Row {
            cells: vec![Cell {
                colspan: 2,
                shade: Some(HEAD),
                ..Cell::text(vec![Span::bold("CIP CONTENTS")])
            }],
        }],
        body: rows,
    }));
}

fn deficiency_blocks(
    i: usize,
    d: &Deficiency,
    manifest: &Manifest,
    style: DateStyle,
    blocks: &mut Vec<Block>,
) {
    let id = text(&d.id).map_or_else(|| format!("{}", i + 1), str::to_string);
    blocks.push(Block::Spacer(10.0));
    blocks.push(Block::Heading {
        level: 2,
        text: vec![Span::plain(format!("Deficiency {id}: {}", field(&d.area)))],
    });
    // The condition, as taken from the result sheet.
    let condition: Vec<Text> = text(&d.condition)
        .unwrap_or("—")
        .split("\n\n")
        .map(|p| vec![Span::plain(p.trim().to_string())])
        .collect();
    blocks.push(Block::Table(Table {
        widths: vec![1.0],
        header: vec![Row {
            cells: vec![Cell {
                shade: Some(HEAD),
                ..Cell::text(vec![
                    Span::bold("Deficiency Disclosed on the Audit Results Sheet "),
                    Span::italic(
                        "(Should be taken from the \"Condition\" Section of the Result Sheet)",
                    ),
                    Span::plain(format!(
                        " — {id}, {}, result sheet {}",
                        field(&d.area),
                        field(&d.result_sheet)
                    )),
                ])
            }],
        }],
        body: vec![Row {
            cells: vec![Cell {
                paragraphs: condition,
                colspan: 1,
                ..Cell::default()
            }],
        }],
    }));

    // The framework's italic notes under each column title, in a smaller
    // size so that the repeated header stays short.
    let head = |title: &str, note: &str| Cell {
        shade: Some(SUB),
        ..Cell {
            paragraphs: vec![
                vec![Span::bold(title)],
                vec![Span {
                    text: note.to_string(),
                    style: Style {
                        italic: true,
                        size: Some(7.0),
                        ..Style::default()
                    },
                }],
            ],
            colspan: 1,
            ..Cell::default()
        }
    };
    let header = vec![
        Row {
            cells: vec![Cell {
                colspan: 4,
                shade: Some(HEAD),
                ..Cell::text(vec![Span::bold(format!(
                    "Corrective Action — Deficiency {id}"
                ))])
            }],
        },
        Row {
            cells: vec![
                head(
                    "Corrective Action",
                    "(Specific Action Steps to be Taken to Correct the Deficiency)",
                ),
                head(
                    "Supporting Documentation",
                    "(Supporting Documentation to be Submitted)",
                ),
                head(
                    "Target Date",
                    "(Date Expected to Complete each action step)",
                ),
                head(
                    "Responsible Department",
                    "(Title of department assigned to address each action step)",
                ),
            ],
        },
    ];
    let mut body = Vec::new();
    for (j, s) in d.steps.iter().enumerate() {
        let mut action = vec![vec![
            Span::bold(format!("{}. ", j + 1)),
            Span::plain(field(&s.action)),
        ]];
        action.push(vec![Span::italic(match s.status() {
            StepStatus::Done => format!("Done — completed {}", day(&s.completed, style)),
            StepStatus::InProgress => "In progress".to_string(),
            StepStatus::Planned => "Planned".to_string(),
        })]);
        let docs: Vec<Text> = if s.documents.is_empty() {
            vec![vec![Span::plain("\u{2014}")]]
        } else {
            s.documents
                .iter()
                .map(|id| {
                    let id = id.value.trim();
                    match manifest.documents.iter().find(|m| m.id == id) {
                        Some(m) => vec![
                            Span::plain(m.title.clone()),
                            Span::italic(if m.attached {
                                format!(" (attached: {})", m.file.as_deref().unwrap_or(""))
                            } else if m.file.is_some() {
                                format!(
                                    " (hashed, not attached: {})",
                                    m.file.as_deref().unwrap_or("")
                                )
                            } else {
                                " (to be submitted)".to_string()
                            }),
                        ],
                        None => vec![Span::plain(id.to_string())],
                    }
                })
                .collect()
        };
        let departments: Vec<Text> = if s.departments.is_empty() {
            vec![vec![Span::plain("—")]]
        } else {
            s.departments
                .iter()
                .map(|d| vec![Span::plain(d.value.trim().to_string())])
                .collect()
        };
        body.push(Row {
            cells: vec![
                Cell {
                    paragraphs: action,
                    colspan: 1,
                    ..Cell::default()
                },
                Cell {
                    paragraphs: docs,
                    colspan: 1,
                    ..Cell::default()
                },
                Cell::text(vec![Span::plain(day(&s.target, style))]),
                Cell {
                    paragraphs: departments,
                    colspan: 1,
                    ..Cell::default()
                },
            ],
        });
    }
    if body.is_empty() {
        body.push(Row {
            cells: vec![Cell {
                colspan: 4,
                ..Cell::text(vec![Span::italic("No corrective action steps stated.")])
            }],
        });
    }
    blocks.push(Block::Table(Table {
        widths: vec![38.0, 25.0, 14.0, 23.0],
        header,
        body,
    }));

    let v = d.validation.clone().unwrap_or_default();
    let transactions = v
        .transactions
        .as_ref()
        .map_or_else(|| "—".to_string(), |t| t.value.to_string());
    let line = |s: String| vec![vec![Span::plain(s)]];
    blocks.push(Block::Table(Table {
        widths: vec![32.0, 68.0],
        header: vec![Row {
            cells: vec![Cell {
                colspan: 2,
                shade: Some(HEAD),
                ..Cell::text(vec![
                    Span::bold(format!("Validation Action — Deficiency {id} ")),
                    Span::italic("(Describe Testing Methodology to be Used)"),
                ])
            }],
        }],
        body: vec![
            kv("Testing methodology", None, line(field(&v.methodology))),
            kv("Testing conducted by", None, line(field(&v.tester))),
            kv("Number of transactions tested", None, line(transactions)),
            kv("Testing begins", None, line(day(&v.begins, style))),
            kv("Testing concludes", None, line(day(&v.concludes, style))),
            kv(
                "Results forwarded to Customs",
                None,
                line(day(&v.results_to_customs, style)),
            ),
        ],
    }));
}

/// The answers to Customs' additional-information requests, one per request.
fn responses(plan: &Plan, blocks: &mut Vec<Block>) {
    if plan.responses.is_empty() {
        return;
    }
    blocks.push(Block::Spacer(10.0));
    blocks.push(Block::Heading {
        level: 2,
        text: vec![Span::plain(
            "Responses to Requests for Additional Information",
        )],
    });
    let body = plan
        .responses
        .iter()
        .map(|r| {
            let mut paragraphs: Vec<Text> = text(&r.text)
                .unwrap_or("—")
                .split("\n\n")
                .map(|p| vec![Span::plain(p.trim().to_string())])
                .collect();
            if !r.documents.is_empty() {
                let ids: Vec<&str> = r.documents.iter().map(|d| d.value.trim()).collect();
                paragraphs.push(vec![
                    Span::italic("Documents: "),
                    Span::plain(ids.join(", ")),
                ]);
            }
            Row {
                cells: vec![
                    Cell::text(vec![Span::bold(field(&r.request))]),
                    Cell {
                        paragraphs,
                        colspan: 1,
                        ..Cell::default()
                    },
                ],
            }
        })
        .collect();
    blocks.push(Block::Table(Table {
        widths: vec![26.0, 74.0],
        header: vec![Row {
            cells: vec![
                Cell {
                    shade: Some(SUB),
                    ..Cell::text(vec![Span::bold("Request")])
                },
                Cell {
                    shade: Some(SUB),
                    ..Cell::text(vec![Span::bold("Response")])
                },
            ],
        }],
        body,
    }));
}

fn approving_official(plan: &Plan, style: DateStyle, blocks: &mut Vec<Block>) {
    let a = &plan.approving_official;
    blocks.push(Block::Spacer(14.0));
    blocks.push(Block::Heading {
        level: 2,
        text: vec![Span::plain("Approving Official")],
    });
    blocks.push(Block::Paragraph {
        text: vec![Span::plain(
            "Signed and transmitted at the corporate level on behalf of the company.",
        )],
        align: Align::Left,
    });
    blocks.push(Block::Signature(SignatureBox {
        lines: vec![
            ("Approving Official".into(), field(&a.name)),
            ("Title".into(), field(&a.title)),
            ("Date".into(), day(&a.date, style)),
        ],
        field: SIGNATURE_FIELD.into(),
        height: 64.0,
    }));
}

fn manifest_blocks(manifest: &Manifest, blocks: &mut Vec<Block>) {
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading {
        level: 2,
        text: vec![Span::plain("Appendix: Supporting Documentation Manifest")],
    });
    blocks.push(Block::Paragraph {
        text: vec![Span::plain(
            "Each document attached to this PDF is listed with its size and SHA-256 digest; \
             a receiver can recompute the digests to confirm that the attachments are the \
             documents described here. Documents without a file are to be submitted later.",
        )],
        align: Align::Left,
    });
    let head = |s: &str| Cell {
        shade: Some(SUB),
        ..Cell::text(vec![Span::bold(s)])
    };
    let mut body = Vec::new();
    for m in &manifest.documents {
        let status = if m.attached {
            "Attached"
        } else if m.file.is_some() {
            "Not attached"
        } else {
            "To be submitted"
        };
        body.push(Row {
            cells: vec![
                Cell::text(vec![Span::plain(m.id.clone())]),
                Cell::text(vec![Span::plain(m.title.clone())]),
                Cell::text(vec![Span::plain(
                    m.file.clone().unwrap_or_else(|| "—".into()),
                )]),
                Cell {
                    align: Align::Right,
                    ..Cell::text(vec![Span::plain(
                        m.size.map_or_else(|| "—".into(), |s| s.to_string()),
                    )])
                },
                Cell::text(vec![Span::plain(status)]),
            ],
        });
        body.push(Row {
            cells: vec![Cell {
                colspan: 5,
                ..Cell::text(vec![
                    Span::italic("SHA-256 "),
                    Span::plain(m.sha256.clone().unwrap_or_else(|| "—".into())),
                ])
            }],
        });
    }
    body.push(Row {
        cells: vec![Cell {
            colspan: 5,
            shade: Some(SUB),
            ..Cell::text(vec![
                Span::bold("plan.toml "),
                Span::italic("(the plan's source, attached) SHA-256 "),
                Span::plain(manifest.plan_toml_sha256.clone()),
            ])
        }],
    });
    blocks.push(Block::Table(Table {
        widths: vec![16.0, 34.0, 24.0, 11.0, 15.0],
        header: vec![Row {
            cells: vec![
                head("Id"),
                head("Title"),
                head("File"),
                head("Size (bytes)"),
                head("Status"),
            ],
        }],
        body,
    }));
}
