//! The neutral block model shared by plans and letters.
//!
//! A [`Document`] is what `layout` paginates and `pdf` writes. Plans
//! (`documents::plan`) and letters (`documents::letter`, from Markdown) are
//! both turned into these blocks, so there is exactly one typesetting path.
//! Nothing here knows about pages or fonts: sizes are in PDF points only
//! where a block needs a fixed size (drawings, spacers, signature boxes).

pub mod changes;
pub mod markdown;
pub mod plan;
pub mod timeline;

use chrono::NaiveDateTime;

/// A complete document, ready for layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub info: DocInfo,
    pub paper: Paper,
    /// Running header on every page: left and right text.
    pub header: Option<RunningHeader>,
    /// Letters: the header of every page after the first (addressee, subject,
    /// date, "Page N of M"), so that a loose second sheet still says whose
    /// letter it belongs to.
    pub continuation: Option<Continuation>,
    pub footer: Footer,
    /// Diagonal "DRAFT" mark on every page.
    pub draft: bool,
    pub blocks: Vec<Block>,
    /// Embedded files, listed in `/EmbeddedFiles` and as associated files (`/AF`).
    pub attachments: Vec<Attachment>,
    /// Characters the regular face carries besides the text: a visible
    /// signature's, when the document is signed as it is made
    /// (`sign::Publish::reserve`), so that the appearance draws with the
    /// page font.
    pub reserved: std::collections::BTreeSet<char>,
}

/// Document metadata (Info dictionary and XMP).
#[derive(Debug, Clone, PartialEq)]
pub struct DocInfo {
    pub title: String,
    pub author: String,
    pub subject: String,
    pub keywords: Vec<String>,
    /// e.g. "cip 0.1.0".
    pub creator: String,
    /// Creation and modification date (UTC). Fixed by the caller so that
    /// output is deterministic.
    pub date: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    Letter,
    A4,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunningHeader {
    pub left: String,
    pub right: String,
}

/// The continuation header of a letter: `lines` one under the other at the
/// top of pages 2+, the last followed by "Page N of M".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Continuation {
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Footer {
    /// Text at the left of the footer, e.g. "Prepared 2026-11-20".
    pub left: Option<String>,
    pub page_numbers: PageNumbers,
}

/// Where "Page X of Y" appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PageNumbers {
    #[default]
    All,
    /// Letters: no number on the first page.
    FromSecond,
    None,
}

/// One run of text in one style.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Span {
    pub text: String,
    pub style: Style,
}

/// A paragraph's worth of styled runs.
pub type Text = Vec<Span>;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    /// Font size in points; `None` = the body size.
    pub size: Option<f32>,
    pub color: Option<Rgb>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Headings are never left alone at the bottom of a page.
    Heading {
        level: u8,
        text: Text,
    },
    Paragraph {
        text: Text,
        align: Align,
    },
    List {
        ordered: bool,
        start: u32,
        items: Vec<Text>,
    },
    Table(Table),
    /// The approving official's (or AM's) signature box. Layout records its
    /// position; the PDF gets an unsigned signature field named `field` there.
    Signature(SignatureBox),
    /// A letter's closing: the complimentary close, the space for the
    /// signature (an unsigned signature field, where the visible signature
    /// goes), then the signer's lines without labels. Kept on the page of
    /// the last two lines of the paragraph before it.
    Closing(Closing),
    /// Vector drawing of fixed height, e.g. the timeline chart.
    Drawing(Drawing),
    Spacer(f32),
    Rule,
    PageBreak,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Relative column widths (any positive numbers; normalised by layout).
    pub widths: Vec<f32>,
    /// Repeated at the top of every page the table continues on.
    pub header: Vec<Row>,
    pub body: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    /// Paragraphs inside the cell.
    pub paragraphs: Vec<Text>,
    /// Number of columns this cell spans (0 is treated as 1).
    pub colspan: usize,
    pub shade: Option<Rgb>,
    pub align: Align,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignatureBox {
    /// Label/value lines shown beside the box, e.g. ("Approving official", "Robert Chen").
    pub lines: Vec<(String, String)>,
    /// Name of the unsigned signature field (`/T`), e.g. "approving_official".
    pub field: String,
    /// Height of the box in points.
    pub height: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Closing {
    /// "Sincerely,".
    pub words: String,
    /// Name, title, office: one per line, as they are printed.
    pub lines: Vec<String>,
    /// Name of the unsigned signature field (`/T`).
    pub field: String,
    /// Height of the signature space in points.
    pub height: f32,
}

/// A fixed-height vector drawing. Coordinates are in points from the top-left
/// corner of the drawing area (y grows downwards); the drawing is as wide as
/// the text column (`Drawing::width` is informational for the caller).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Drawing {
    pub height: f32,
    pub shapes: Vec<Shape>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<Stroke>,
        /// Diagonal hatching, so that fills read in black-and-white print.
        hatch: Option<Rgb>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        stroke: Stroke,
    },
    /// Centred on `(x, y)`; `size` is the diameter (circle) or side.
    Marker {
        x: f32,
        y: f32,
        kind: MarkerKind,
        size: f32,
        fill: Option<Rgb>,
        stroke: Option<Stroke>,
    },
    /// One line of text; `y` is its baseline and `x` its start, centre or
    /// end according to `align`. Kept inside the drawing area (shortened
    /// with an ellipsis if wider than the drawing).
    Text {
        x: f32,
        y: f32,
        text: String,
        style: Style,
        align: Align,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    pub color: Rgb,
    pub width: f32,
    /// Dash pattern (on, off) in points; `None` = solid.
    pub dash: Option<(f32, f32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Circle,
    Square,
    Diamond,
    Triangle,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// File name inside the PDF, e.g. "plan.toml".
    pub name: String,
    pub description: String,
    pub mime: String,
    pub relationship: Relationship,
    pub bytes: Vec<u8>,
}

/// `/AFRelationship` of an associated file (PDF 2.0 / PDF/A-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    Source,
    Data,
    Supplement,
    Alternative,
    Unspecified,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Self {
        Span {
            text: text.into(),
            style: Style::default(),
        }
    }
    pub fn bold(text: impl Into<String>) -> Self {
        Span {
            text: text.into(),
            style: Style {
                bold: true,
                ..Style::default()
            },
        }
    }
    pub fn italic(text: impl Into<String>) -> Self {
        Span {
            text: text.into(),
            style: Style {
                italic: true,
                ..Style::default()
            },
        }
    }
}

impl Cell {
    pub fn text(text: Text) -> Self {
        Cell {
            paragraphs: vec![text],
            colspan: 1,
            ..Cell::default()
        }
    }
}
