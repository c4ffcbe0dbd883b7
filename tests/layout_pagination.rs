//! Pagination properties, checked on the laid-out pages (no PDF involved).

use std::collections::BTreeMap;

use cip::documents::*;
use cip::layout::{self, Item, Laid, LayoutError, TextRun, sample};

fn runs(page: &layout::Page) -> impl Iterator<Item = &TextRun> {
    page.items.iter().filter_map(|i| match i {
        Item::Text(t) => Some(t),
        _ => None,
    })
}

fn page_text(laid: &Laid, i: usize) -> String {
    runs(&laid.pages[i])
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn base(blocks: Vec<Block>) -> Document {
    let mut d = sample::document(0);
    d.blocks = blocks;
    d.attachments.clear();
    d.draft = false;
    d
}

/// Every text run inside its box and the page; every graphic on the page.
fn assert_contained(laid: &Laid) {
    let page = layout::Rect {
        x: 0.0,
        y: 0.0,
        w: laid.page_width,
        h: laid.page_height,
    };
    for (p, pg) in laid.pages.iter().enumerate() {
        for item in &pg.items {
            match item {
                Item::Text(t) => {
                    let e = t.extent();
                    assert!(
                        t.bounds.contains(&e),
                        "page {}: {:?} ({:?}) leaves its box {:?}",
                        p + 1,
                        t.text,
                        e,
                        t.bounds
                    );
                    assert!(
                        page.contains(&e),
                        "page {}: {:?} off the page",
                        p + 1,
                        t.text
                    );
                }
                Item::Rect { rect, .. } => {
                    assert!(
                        page.contains(rect),
                        "page {}: rect {:?} off the page",
                        p + 1,
                        rect
                    )
                }
                Item::Line { x1, y1, x2, y2, .. } => {
                    for (x, y) in [(x1, y1), (x2, y2)] {
                        assert!(
                            (0.0..=laid.page_width).contains(x)
                                && (0.0..=laid.page_height).contains(y),
                            "page {}: line off the page",
                            p + 1
                        );
                    }
                }
                Item::Path { .. } => {}
            }
        }
    }
}

/// Non-whitespace characters and their counts.
fn charset<'a>(texts: impl Iterator<Item = &'a str>) -> BTreeMap<char, usize> {
    let mut m = BTreeMap::new();
    for t in texts {
        for c in t.chars().filter(|c| !c.is_whitespace()) {
            *m.entry(c).or_insert(0) += 1;
        }
    }
    m
}

/// All text a document asks to be printed (body only).
fn document_text(doc: &Document) -> Vec<String> {
    fn spans(out: &mut Vec<String>, t: &[Span]) {
        out.extend(t.iter().map(|s| s.text.clone()));
    }
    let mut out = Vec::new();
    for b in &doc.blocks {
        match b {
            Block::Heading { text, .. } | Block::Paragraph { text, .. } => spans(&mut out, text),
            Block::List {
                items,
                ordered,
                start,
            } => {
                for (i, item) in items.iter().enumerate() {
                    // The markers layout adds.
                    out.push(if *ordered {
                        format!("{}.", u64::from(*start) + i as u64)
                    } else {
                        "\u{2022}".to_string()
                    });
                    spans(&mut out, item);
                }
            }
            Block::Table(t) => {
                for row in t.header.iter().chain(&t.body) {
                    for c in &row.cells {
                        c.paragraphs.iter().for_each(|p| spans(&mut out, p));
                    }
                }
            }
            Block::Signature(s) => {
                for (l, v) in &s.lines {
                    out.push(l.clone());
                    out.push(v.clone());
                }
                out.push("Signature".into());
            }
            Block::Drawing(d) => {
                for s in &d.shapes {
                    if let Shape::Text { text, .. } = s {
                        out.push(text.clone());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn everything_stays_inside_its_box() {
    for doc in [
        sample::document(4),
        sample::document(27),
        sample::stress_document(),
    ] {
        let laid = layout::layout(&doc).unwrap();
        assert_contained(&laid);
    }
}

#[test]
fn no_text_is_lost_or_duplicated() {
    for doc in [sample::document(4), sample::stress_document()] {
        let mut doc = doc;
        doc.header = None;
        doc.footer = Footer {
            left: None,
            page_numbers: PageNumbers::None,
        };
        // Repeated header rows print their text more than once; make them
        // ordinary first rows for this count.
        for b in &mut doc.blocks {
            if let Block::Table(t) = b {
                let header = std::mem::take(&mut t.header);
                t.body.splice(0..0, header);
            }
        }
        let laid = layout::layout(&doc).unwrap();
        let drawn = charset(laid.pages.iter().flat_map(runs).map(|t| t.text.as_str()));
        let wanted = charset(document_text(&doc).iter().map(String::as_str));
        assert_eq!(drawn, wanted);
    }
}

#[test]
fn stress_document_spans_many_pages_and_repeats_the_header() {
    let doc = sample::stress_document();
    let laid = layout::layout(&doc).unwrap();
    assert!(laid.pages.len() >= 10, "{} pages", laid.pages.len());
    // The table starts on page 1 and runs until the page with "After the table".
    let end = (0..laid.pages.len())
        .find(|&i| page_text(&laid, i).contains("After the table"))
        .unwrap();
    for i in 1..end {
        let t = page_text(&laid, i);
        assert!(
            t.contains("Identifier") && t.contains("Description"),
            "page {} lacks the header",
            i + 1
        );
    }
}

#[test]
fn header_rows_repeat_and_rows_stay_in_order() {
    let body: Vec<Row> = (0..150)
        .map(|i| Row {
            cells: vec![
                Cell::text(vec![Span::plain(format!("row{i:03}"))]),
                Cell::text(vec![Span::plain(sample::words(i % 30, i))]),
            ],
        })
        .collect();
    let doc = base(vec![Block::Table(Table {
        widths: vec![1.0, 4.0],
        header: vec![Row {
            cells: vec![
                Cell::text(vec![Span::plain("HEADA")]),
                Cell::text(vec![Span::plain("HEADB")]),
            ],
        }],
        body,
    })]);
    let laid = layout::layout(&doc).unwrap();
    assert!(laid.pages.len() > 3);
    assert_contained(&laid);
    let mut seen = Vec::new();
    for page in &laid.pages {
        let rs: Vec<&TextRun> = runs(page).collect();
        let head = rs
            .iter()
            .find(|t| t.text == "HEADA")
            .expect("header on every page");
        for t in rs.iter().filter(|t| t.text.starts_with("row")) {
            assert!(t.y < head.y, "row above the header");
            seen.push(t.text.clone());
        }
    }
    let want: Vec<String> = (0..150).map(|i| format!("row{i:03}")).collect();
    assert_eq!(seen, want);
}

#[test]
fn a_cell_longer_than_a_page_continues() {
    let long = (0..200)
        .map(|i| format!("line{i:03}"))
        .collect::<Vec<_>>()
        .join("\n");
    let doc = base(vec![Block::Table(Table {
        widths: vec![1.0, 1.0],
        header: vec![Row {
            cells: vec![
                Cell::text(vec![Span::plain("H1")]),
                Cell::text(vec![Span::plain("H2")]),
            ],
        }],
        body: vec![Row {
            cells: vec![
                Cell::text(vec![Span::plain(long)]),
                Cell::text(vec![Span::plain("short")]),
            ],
        }],
    })]);
    let laid = layout::layout(&doc).unwrap();
    assert!(laid.pages.len() >= 3);
    assert_contained(&laid);
    let lines: Vec<String> = laid
        .pages
        .iter()
        .flat_map(runs)
        .filter(|t| t.text.starts_with("line"))
        .map(|t| t.text.clone())
        .collect();
    assert_eq!(lines.len(), 200);
    assert!(lines.windows(2).all(|w| w[0] < w[1]));
    for i in 0..laid.pages.len() {
        assert!(
            page_text(&laid, i).contains("H1"),
            "page {} without header",
            i + 1
        );
    }
}

#[test]
fn headings_are_never_left_at_the_bottom() {
    for n in 0..60 {
        let doc = base(vec![
            Block::Spacer(n as f32 * 11.0),
            Block::Heading {
                level: 2,
                text: vec![Span::plain("TheHeading")],
            },
            Block::Paragraph {
                text: vec![Span::plain(sample::words(200, n))],
                align: Align::Left,
            },
        ]);
        let laid = layout::layout(&doc).unwrap();
        let (p, h) = laid
            .pages
            .iter()
            .enumerate()
            .find_map(|(i, pg)| runs(pg).find(|t| t.text == "TheHeading").map(|t| (i, t.y)))
            .unwrap();
        let below = runs(&laid.pages[p])
            .filter(|t| t.y < h && t.size == layout::BODY_SIZE)
            .count();
        assert!(
            below >= 2,
            "spacer {n}: heading followed by {below} lines on its page"
        );
    }
}

#[test]
fn table_header_is_kept_with_its_first_row() {
    for n in 0..50 {
        let doc = base(vec![
            Block::Spacer(n as f32 * 13.0),
            Block::Table(Table {
                widths: vec![1.0],
                header: vec![Row {
                    cells: vec![Cell::text(vec![Span::plain("HEAD")])],
                }],
                body: vec![Row {
                    cells: vec![Cell::text(vec![Span::plain("FIRSTROW")])],
                }],
            }),
        ]);
        let laid = layout::layout(&doc).unwrap();
        let on = |s: &str| {
            (0..laid.pages.len())
                .find(|&i| runs(&laid.pages[i]).any(|t| t.text == s))
                .unwrap()
        };
        assert_eq!(on("HEAD"), on("FIRSTROW"), "spacer {n}");
    }
}

#[test]
fn drawings_are_never_split_and_tall_ones_shrink() {
    let drawing = |h: f32| {
        Block::Drawing(Drawing {
            height: h,
            shapes: vec![
                Shape::Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 10.0,
                    h: 10.0,
                    fill: Some(Rgb(0.5, 0.5, 0.5)),
                    stroke: None,
                    hatch: None,
                },
                Shape::Rect {
                    x: 0.0,
                    y: h - 10.0,
                    w: 10.0,
                    h: 10.0,
                    fill: Some(Rgb(0.5, 0.5, 0.5)),
                    stroke: None,
                    hatch: None,
                },
            ],
        })
    };
    for h in [100.0, 300.0, 650.0, 3000.0] {
        let doc = base(vec![
            Block::Paragraph {
                text: vec![Span::plain(sample::words(400, 1))],
                align: Align::Left,
            },
            drawing(h),
        ]);
        let laid = layout::layout(&doc).unwrap();
        assert_contained(&laid);
        let pages_with_rects: Vec<usize> = (0..laid.pages.len())
            .filter(|&i| {
                laid.pages[i]
                    .items
                    .iter()
                    .any(|it| matches!(it, Item::Rect { fill: Some(_), .. }))
            })
            .collect();
        assert_eq!(pages_with_rects.len(), 1, "height {h}: drawing split");
    }
}

#[test]
fn signature_fields_are_recorded() {
    let doc = sample::document(4);
    let laid = layout::layout(&doc).unwrap();
    assert_eq!(laid.signature_fields.len(), 1);
    let f = &laid.signature_fields[0];
    assert_eq!(f.name, "approving_official");
    assert_eq!(f.page_index, laid.pages.len() - 1);
    assert!((f.rect.h - 50.0).abs() < 0.01);
    assert!(f.rect.x > 0.0 && f.rect.right() < laid.page_width && f.rect.y > 0.0);

    let sig = |name: &str| {
        Block::Signature(SignatureBox {
            lines: vec![],
            field: name.into(),
            height: 40.0,
        })
    };
    let dup = base(vec![sig("a"), sig("a")]);
    assert_eq!(
        layout::layout(&dup),
        Err(LayoutError::DuplicateField("a".into()))
    );
    assert_eq!(
        layout::layout(&base(vec![sig(" ")])),
        Err(LayoutError::EmptyFieldName)
    );
}

#[test]
fn page_numbers_and_running_header() {
    let mut doc = sample::document(4);
    doc.footer.page_numbers = PageNumbers::FromSecond;
    let laid = layout::layout(&doc).unwrap();
    let n = laid.pages.len();
    assert!(!page_text(&laid, 0).contains("Page 1"));
    assert!(page_text(&laid, 1).contains(&format!("Page 2 of {n}")));
    for i in 0..n {
        assert!(page_text(&laid, i).contains("Compliance Improvement Plan"));
        assert!(page_text(&laid, i).contains("Prepared 2026-11-20"));
    }
    doc.footer.page_numbers = PageNumbers::None;
    let laid = layout::layout(&doc).unwrap();
    assert!((0..laid.pages.len()).all(|i| !page_text(&laid, i).contains("Page ")));
    assert!(laid.draft_mark.is_some());
}

#[test]
fn a4_and_odd_input_do_not_panic() {
    let mut doc = sample::stress_document();
    doc.paper = Paper::A4;
    let laid = layout::layout(&doc).unwrap();
    assert_eq!((laid.page_width, laid.page_height), (595.28, 841.89));
    assert_contained(&laid);

    let odd = base(vec![
        Block::Heading {
            level: 9,
            text: vec![],
        },
        Block::Paragraph {
            text: vec![Span {
                text: "huge \u{0} text".into(),
                style: Style {
                    size: Some(f32::NAN),
                    ..Style::default()
                },
            }],
            align: Align::Right,
        },
        Block::Paragraph {
            text: vec![Span {
                text: "x".repeat(500),
                style: Style {
                    size: Some(1e9),
                    color: Some(Rgb(f32::INFINITY, -1.0, 2.0)),
                    ..Style::default()
                },
            }],
            align: Align::Center,
        },
        Block::Table(Table::default()),
        Block::Table(Table {
            widths: vec![f32::NAN, -1.0, 0.0],
            header: vec![],
            body: vec![Row {
                cells: vec![Cell {
                    paragraphs: vec![vec![Span::plain("wide")]],
                    colspan: 99,
                    ..Cell::default()
                }],
            }],
        }),
        Block::List {
            ordered: true,
            start: u32::MAX,
            items: vec![vec![], vec![Span::plain("b")]],
        },
        Block::Spacer(f32::NAN),
        Block::Spacer(1e9),
        Block::PageBreak,
        Block::PageBreak,
        Block::Drawing(Drawing {
            height: f32::INFINITY,
            shapes: vec![],
        }),
        Block::Signature(SignatureBox {
            lines: vec![("L".into(), "V".into())],
            field: "f".into(),
            height: f32::NAN,
        }),
    ]);
    let laid = layout::layout(&odd).unwrap();
    assert_contained(&laid);

    let empty = base(vec![]);
    assert_eq!(layout::layout(&empty).unwrap().pages.len(), 1);
}

#[test]
fn no_widows_or_orphans_in_paragraphs() {
    for n in 0..70 {
        let doc = base(vec![
            Block::Spacer(n as f32 * 10.0),
            Block::Paragraph {
                text: vec![Span::plain(sample::words(120, n))],
                align: Align::Left,
            },
        ]);
        let laid = layout::layout(&doc).unwrap();
        for (i, page) in laid.pages.iter().enumerate() {
            let body = runs(page)
                .filter(|t| t.size == layout::BODY_SIZE)
                .map(|t| (t.y * 100.0) as i64)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            assert!(body != 1, "spacer {n}: a single line on page {}", i + 1);
        }
    }
}

#[test]
fn heading_stays_with_a_table_with_a_tall_header() {
    let tall = |s: &str| Cell::text(vec![Span::plain(format!("{s} {}", sample::words(12, 3)))]);
    for n in 0..60 {
        let doc = base(vec![
            Block::Spacer(n as f32 * 11.0),
            Block::Heading {
                level: 2,
                text: vec![Span::plain("TheHeading")],
            },
            Block::Table(Table {
                widths: vec![3.0, 1.0, 1.0],
                header: vec![Row {
                    cells: vec![tall("a"), tall("b"), tall("HEADC")],
                }],
                body: vec![Row {
                    cells: vec![Cell::text(vec![Span::plain("BODY")])],
                }],
            }),
        ]);
        let laid = layout::layout(&doc).unwrap();
        let on = |s: &str| {
            (0..laid.pages.len())
                .find(|&i| runs(&laid.pages[i]).any(|t| t.text == s))
                .unwrap()
        };
        assert_eq!(on("TheHeading"), on("BODY"), "spacer {n}");
    }
}

#[test]
fn a_closing_keeps_two_body_lines_above_it_even_after_a_one_line_paragraph() {
    use cip::documents::Closing;
    let mut moved = 0;
    for n in 30..80 {
        let filler: Vec<String> = (0..n).map(|i| format!("Body line {i}.")).collect();
        let doc = base(vec![
            Block::Paragraph {
                text: vec![Span::plain(filler.join("\n"))],
                align: Align::Left,
            },
            Block::Paragraph {
                text: vec![Span::plain("Please call me.")],
                align: Align::Left,
            },
            Block::Spacer(6.0),
            Block::Closing(Closing {
                words: "Sincerely,".into(),
                lines: vec!["Patricia Okafor".into(), "Account Manager".into()],
                field: "am".into(),
                height: 44.0,
            }),
        ]);
        let laid = layout::layout(&doc).expect("layout");
        assert_contained(&laid);
        let (p, closing_y) = laid
            .pages
            .iter()
            .enumerate()
            .find_map(|(p, page)| {
                runs(page)
                    .find(|r| r.text.contains("Sincerely"))
                    .map(|r| (p, r.y))
            })
            .expect("closing laid out");
        assert_eq!(laid.signature_fields[0].page_index, p);
        let mut above: Vec<i64> = runs(&laid.pages[p])
            .filter(|r| {
                r.y > closing_y && (r.text.contains("Body line") || r.text.contains("Please call"))
            })
            .map(|r| (r.y * 10.0) as i64)
            .collect();
        above.dedup();
        assert!(
            above.len() >= 2,
            "{n} lines: the closing on page {} has {} body line(s) above it",
            p + 1,
            above.len()
        );
        if p > 0 && above.len() <= 3 {
            moved += 1;
        }
    }
    assert!(moved > 0, "no length put the closing at a page break");
}
