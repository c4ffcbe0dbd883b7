//! Markdown → blocks: the one path by which letter templates (tera →
//! Markdown) reach the layout engine. Parsed with `pulldown-cmark`
//! (CommonMark plus GitHub tables); the result is the same neutral blocks a
//! plan is made of, so letters are typeset exactly like plans.
//!
//! Supported: headings, paragraphs, emphasis and strong emphasis, numbered
//! and bulleted lists (a nested list becomes indented lines of its parent
//! item), simple tables (first row = header, column alignment honoured),
//! thematic breaks (`---` → a rule), block quotes (italic paragraphs), code
//! (plain text), hard line breaks. Links keep their text; images keep their
//! alt text; raw HTML is shown as written, never interpreted.

use pulldown_cmark::{Alignment, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{Align, Block, Cell, Rgb, Row, Span, Style, Table, Text};

/// Shade of table header rows (the plan's column-header shade).
const HEADER_SHADE: Rgb = Rgb(0.94, 0.95, 0.97);

/// Parse `markdown` into blocks.
pub fn to_blocks(markdown: &str) -> Vec<Block> {
    let mut b = Builder::default();
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES);
    for event in parser {
        b.event(event);
    }
    b.flush();
    // Unclosed containers cannot happen with pulldown-cmark's balanced
    // events, but never lose text if they did.
    while let Some(c) = b.stack.pop() {
        b.close(c);
    }
    b.out
}

/// Escape text so that Markdown shows it literally (every ASCII punctuation
/// character may be backslash-escaped in CommonMark). Used as the tera
/// escape function, so values from plans cannot turn into Markdown.
pub fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
}

#[derive(Default)]
struct Builder {
    out: Vec<Block>,
    stack: Vec<Container>,
    /// Inline text being collected.
    buf: Text,
    bold: u32,
    italic: u32,
    heading: Option<u8>,
}

enum Container {
    List {
        ordered: bool,
        start: u32,
        items: Vec<Text>,
    },
    Quote,
    Table(TableBuild),
}

#[derive(Default)]
struct TableBuild {
    aligns: Vec<Align>,
    head: Vec<Text>,
    rows: Vec<Vec<Text>>,
    in_head: bool,
}

impl Builder {
    fn style(&self) -> Style {
        Style {
            bold: self.bold > 0,
            italic: self.italic > 0,
            ..Style::default()
        }
    }

    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        let style = self.style();
        push_span(&mut self.buf, s, style);
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.text(&t)
            }
            Event::Html(t) | Event::InlineHtml(t) => self.text(&t),
            Event::FootnoteReference(t) => self.text(&format!("[{t}]")),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.text("\n"),
            Event::Rule => {
                self.flush();
                self.out.push(Block::Rule);
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.flush(),
            Tag::Heading { level, .. } => {
                self.flush();
                self.heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                });
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.stack.push(Container::Quote);
                self.italic += 1;
            }
            Tag::CodeBlock(_) | Tag::HtmlBlock => self.flush(),
            Tag::List(start) => {
                self.flush();
                self.stack.push(Container::List {
                    ordered: start.is_some(),
                    start: start.map_or(1, |s| u32::try_from(s).unwrap_or(u32::MAX)),
                    items: Vec::new(),
                });
            }
            Tag::Item => {
                self.flush();
                if let Some(Container::List { items, .. }) = self.stack.last_mut() {
                    items.push(Text::new());
                }
            }
            Tag::Table(aligns) => {
                self.flush();
                self.stack.push(Container::Table(TableBuild {
                    aligns: aligns.iter().map(|a| align(*a)).collect(),
                    ..TableBuild::default()
                }));
            }
            Tag::TableHead => {
                if let Some(Container::Table(t)) = self.stack.last_mut() {
                    t.in_head = true;
                }
            }
            Tag::TableRow => {
                if let Some(Container::Table(t)) = self.stack.last_mut() {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => self.buf.clear(),
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::FootnoteDefinition(label) => {
                self.flush();
                self.text(&format!("[{label}] "));
            }
            Tag::Strikethrough
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition => self.flush(),
            TagEnd::Heading(_) => {
                let text = trim(std::mem::take(&mut self.buf));
                let level = self.heading.take().unwrap_or(1);
                if !text.is_empty() {
                    self.out.push(Block::Heading { level, text });
                }
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.italic = self.italic.saturating_sub(1);
                if let Some(c) = self.stack.pop() {
                    self.close(c);
                }
            }
            TagEnd::Item => self.flush(),
            TagEnd::List(_) => {
                self.flush();
                if let Some(c) = self.stack.pop() {
                    self.close(c);
                }
            }
            TagEnd::TableCell => {
                let cell = trim(std::mem::take(&mut self.buf));
                if let Some(Container::Table(t)) = self.stack.last_mut() {
                    if t.in_head {
                        t.head.push(cell);
                    } else if let Some(row) = t.rows.last_mut() {
                        row.push(cell);
                    }
                }
            }
            TagEnd::TableHead => {
                if let Some(Container::Table(t)) = self.stack.last_mut() {
                    t.in_head = false;
                }
            }
            TagEnd::TableRow => {}
            TagEnd::Table => {
                if let Some(c) = self.stack.pop() {
                    self.close(c);
                }
            }
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
            | TagEnd::DefinitionList
            | TagEnd::MetadataBlock(_) => {}
        }
    }

    /// Move the collected inline text to where it belongs: the current list
    /// item (a further paragraph of an item starts a new line), or a
    /// paragraph of its own.
    fn flush(&mut self) {
        let text = trim(std::mem::take(&mut self.buf));
        if text.is_empty() {
            return;
        }
        match self.stack.last_mut() {
            Some(Container::List { items, .. }) => {
                if items.is_empty() {
                    items.push(Text::new());
                }
                if let Some(item) = items.last_mut() {
                    append_line(item, text);
                }
            }
            // Text directly in a table outside a cell: keep it as a paragraph.
            Some(Container::Quote) | Some(Container::Table(_)) | None => {
                self.out.push(Block::Paragraph {
                    text,
                    align: Align::Left,
                });
            }
        }
    }

    /// A container ended: emit its block, or fold a nested list into the
    /// enclosing list item as indented lines.
    fn close(&mut self, c: Container) {
        match c {
            Container::Quote => {}
            Container::List {
                ordered,
                start,
                items,
            } => {
                let items: Vec<Text> = items.into_iter().filter(|t| !t.is_empty()).collect();
                if items.is_empty() {
                    return;
                }
                if let Some(Container::List {
                    items: parent_items,
                    ..
                }) = self.stack.last_mut()
                {
                    if parent_items.is_empty() {
                        parent_items.push(Text::new());
                    }
                    if let Some(parent) = parent_items.last_mut() {
                        for (i, item) in items.into_iter().enumerate() {
                            let marker = if ordered {
                                format!("    {}. ", u64::from(start) + i as u64)
                            } else {
                                "    \u{2013} ".to_string()
                            };
                            let mut line = vec![Span::plain(marker)];
                            line.extend(item);
                            append_line(parent, line);
                        }
                    }
                } else {
                    self.out.push(Block::List {
                        ordered,
                        start,
                        items,
                    });
                }
            }
            Container::Table(t) => {
                if let Some(table) = build_table(t) {
                    self.out.push(Block::Table(table));
                }
            }
        }
    }
}

fn align(a: Alignment) -> Align {
    match a {
        Alignment::Center => Align::Center,
        Alignment::Right => Align::Right,
        Alignment::Left | Alignment::None => Align::Left,
    }
}

fn build_table(t: TableBuild) -> Option<Table> {
    let cols = t
        .rows
        .iter()
        .map(Vec::len)
        .chain([t.head.len(), t.aligns.len()])
        .max()
        .unwrap_or(0);
    if cols == 0 {
        return None;
    }
    // Column widths from the content: wide enough for the longest word
    // (headers are bold, so a little more), otherwise after the longest
    // cell, within bounds, so a narrow "Due" column does not get a third of
    // the page and "Deficiency" is not broken.
    let chars = |t: &Text| t.iter().map(|s| s.text.chars().count()).sum::<usize>();
    let word = |t: &Text| {
        t.iter()
            .flat_map(|s| s.text.split_whitespace())
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<f32> = (0..cols)
        .map(|c| {
            let cells = || t.rows.iter().filter_map(move |r| r.get(c));
            let longest = cells().chain(t.head.get(c)).map(chars).max().unwrap_or(0);
            let body_word = cells().map(word).max().unwrap_or(0) as f32;
            let head_word = t.head.get(c).map_or(0, word) as f32 * 1.15;
            let min = body_word.max(head_word) + 2.0;
            ((longest as f32).clamp(6.0, 48.0) + 2.0).max(min)
        })
        .collect();
    let cell = |text: Option<&Text>, c: usize, head: bool| {
        let mut text = text.cloned().unwrap_or_default();
        if head {
            for s in &mut text {
                s.style.bold = true;
            }
        }
        Cell {
            paragraphs: vec![text],
            colspan: 1,
            shade: head.then_some(HEADER_SHADE),
            align: t.aligns.get(c).copied().unwrap_or_default(),
        }
    };
    // GitHub tables always have a header row; an empty one (`| | |`) means
    // "no header".
    let header = if t.head.iter().all(Vec::is_empty) {
        Vec::new()
    } else {
        vec![Row {
            cells: (0..cols).map(|c| cell(t.head.get(c), c, true)).collect(),
        }]
    };
    let body = t
        .rows
        .iter()
        .map(|r| Row {
            cells: (0..cols).map(|c| cell(r.get(c), c, false)).collect(),
        })
        .collect();
    Some(Table {
        widths,
        header,
        body,
    })
}

/// Append `s` in `style`, merging with the last span when the style is the same.
fn push_span(text: &mut Text, s: &str, style: Style) {
    match text.last_mut() {
        Some(last) if last.style == style => last.text.push_str(s),
        _ => text.push(Span {
            text: s.to_string(),
            style,
        }),
    }
}

/// Append `line` to `item` on a new line.
fn append_line(item: &mut Text, line: Text) {
    if !item.is_empty() {
        let style = item.last().map(|s| s.style).unwrap_or_default();
        push_span(item, "\n", Style { ..style });
    }
    for s in line {
        push_span(item, &s.text, s.style);
    }
}

/// Drop leading and trailing whitespace (but not inner line breaks) and
/// empty spans.
fn trim(mut text: Text) -> Text {
    while let Some(first) = text.first_mut() {
        let t = first.text.trim_start().to_string();
        if t.is_empty() {
            text.remove(0);
        } else {
            first.text = t;
            break;
        }
    }
    while let Some(last) = text.last_mut() {
        let t = last.text.trim_end().to_string();
        if t.is_empty() {
            text.pop();
        } else {
            last.text = t;
            break;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .map(|b| match b {
                Block::Heading { level, text } => format!("h{level}:{}", join(text)),
                Block::Paragraph { text, .. } => format!("p:{}", join(text)),
                Block::List {
                    ordered,
                    start,
                    items,
                } => format!(
                    "{}{start}:{}",
                    if *ordered { "ol" } else { "ul" },
                    items.iter().map(join).collect::<Vec<_>>().join("|")
                ),
                Block::Table(t) => format!(
                    "table:{}:{}",
                    t.header.len(),
                    t.body
                        .iter()
                        .map(|r| r
                            .cells
                            .iter()
                            .map(|c| join(&c.paragraphs[0]))
                            .collect::<Vec<_>>()
                            .join(","))
                        .collect::<Vec<_>>()
                        .join(";")
                ),
                Block::Rule => "rule".into(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    fn join(t: &Text) -> String {
        t.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn headings_paragraphs_and_emphasis() {
        let b = to_blocks("# Title\n\nSome *soft*\nand **strong** text.\n\n## Sub\n");
        assert_eq!(
            plain(&b),
            ["h1:Title", "p:Some soft and strong text.", "h2:Sub"]
        );
        let Block::Paragraph { text, .. } = &b[1] else {
            panic!()
        };
        assert!(text.iter().any(|s| s.text == "soft" && s.style.italic));
        assert!(text.iter().any(|s| s.text == "strong" && s.style.bold));
        assert!(
            text.iter()
                .any(|s| s.text.starts_with("Some") && !s.style.bold)
        );
    }

    #[test]
    fn lists_tight_loose_and_nested() {
        let b = to_blocks("3. one\n4. two\n\n- a\n\n  more a\n- b\n  - b1\n  - b2\n");
        assert_eq!(
            plain(&b),
            [
                "ol3:one|two",
                "ul1:a\nmore a|b\n    \u{2013} b1\n    \u{2013} b2"
            ]
        );
    }

    #[test]
    fn tables_with_header_and_alignment() {
        let b = to_blocks("| Id | Due |\n|:---|---:|\n| D1 | 2027-01-05 |\n| D2 | *soon* |\n");
        assert_eq!(plain(&b), ["table:1:D1,2027-01-05;D2,soon"]);
        let Block::Table(t) = &b[0] else { panic!() };
        assert_eq!(t.body[0].cells[1].align, Align::Right);
        assert!(t.header[0].cells[0].paragraphs[0][0].style.bold);
        assert!(t.body[1].cells[1].paragraphs[0][0].style.italic);
    }

    #[test]
    fn escaped_text_stays_literal() {
        let mut s = String::new();
        escape("1. *not* _emphasis_ # [x](y) | <b>", &mut s);
        let b = to_blocks(&s);
        assert_eq!(plain(&b), ["p:1. *not* _emphasis_ # [x](y) | <b>"]);
    }

    #[test]
    fn rule_quote_and_hard_break() {
        let b = to_blocks("a  \nb\n\n---\n\n> quoted\n");
        assert_eq!(plain(&b), ["p:a\nb", "rule", "p:quoted"]);
        let Block::Paragraph { text, .. } = &b[2] else {
            panic!()
        };
        assert!(text[0].style.italic);
    }
}
