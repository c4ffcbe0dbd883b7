//! The "Changes since revision N" page of a revised plan: the difference
//! from the previous submission (`crate::diff`), in the same words
//! `cip diff` prints, grouped by what changed.

use super::{Block, Span, Text};
use crate::diff::{Changes, Kind};
use crate::model::DateStyle;

/// Headings in the order the page lists them, with the sections under each.
const GROUPS: &[(&str, &[&str])] = &[
    ("Responses to Customs' requests", &["response"]),
    ("Deficiencies", &["deficiency"]),
    ("Corrective steps", &["step"]),
    ("Validation", &["validation"]),
    ("Supporting documents", &["document"]),
    (
        "Plan, officials and decisions",
        &["plan", "official", "extension", "follow-up"],
    ),
];

/// The page's blocks (starting with a page break). `previous` names the
/// superseded submission: its file and SHA-256.
///
/// `cip diff`'s sentences carry ISO dates (they are also its JSON); the page
/// writes them in the plan's date style like every other date of the plan.
pub fn changes_page(
    changes: &Changes,
    previous: Option<(&str, &str)>,
    style: DateStyle,
) -> Vec<Block> {
    let mut blocks = vec![
        Block::PageBreak,
        Block::Heading {
            level: 1,
            text: vec![Span::plain(format!(
                "Changes since revision {}",
                changes.old_revision
            ))],
        },
    ];
    let mut intro = format!(
        "This is revision {} of the plan. It replaces revision {}",
        changes.new_revision, changes.old_revision
    );
    if let Some((file, sha)) = previous {
        intro.push_str(&format!(" ({file}, SHA-256 {sha})"));
    }
    intro.push_str(". Every difference from that submission is listed below.");
    blocks.push(Block::Paragraph {
        text: vec![Span::plain(intro)],
        align: Default::default(),
    });
    if changes.is_empty() {
        blocks.push(Block::Paragraph {
            text: vec![Span::italic("No field of the plan changed.")],
            align: Default::default(),
        });
        return blocks;
    }
    for (title, sections) in GROUPS {
        let items: Vec<Text> = changes
            .changes
            .iter()
            .filter(|c| sections.contains(&c.section))
            .map(|c| {
                // The subject in bold so the eye finds the step or document;
                // the sentence itself says added, removed or what changed.
                let rest = c.text.strip_prefix(c.subject.as_str()).unwrap_or(&c.text);
                let subject = if rest.len() == c.text.len() {
                    ""
                } else {
                    c.subject.as_str()
                };
                let mut t = vec![
                    Span::bold(subject.to_string()),
                    Span::plain(crate::model::dates::restyle(rest, style)),
                ];
                if c.kind == Kind::Removed {
                    t[1].style.italic = true;
                }
                t
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        blocks.push(Block::Heading {
            level: 2,
            text: vec![Span::plain(*title)],
        });
        blocks.push(Block::List {
            ordered: false,
            start: 1,
            items,
        });
    }
    blocks
}
