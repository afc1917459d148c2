//! The narrative as a tree of data, the only form in which it reaches Typst.
//!
//! The Markdown is never turned into Typst source: `report-templates/narrative.typ` walks this
//! tree (serialised as JSON, each node a dictionary whose `t` names its kind) and builds content
//! from it, so the team's text only ever arrives as strings, which Typst prints as they are.
//! `#import`, `$`, `]` or `\` in the text cannot run or change the template.

use serde::Serialize;

/// A block: what a Markdown file, a list item, a block quote or a footnote is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Block {
    /// A heading, `level` relative to the section the slot sits in: `#` is 1, one level below
    /// it. The template adds its base level.
    Heading {
        level: u8,
        c: Vec<Inline>,
    },
    Paragraph {
        c: Vec<Inline>,
    },
    /// A bullet (`ordered` false) or numbered list; `start` is the first number.
    List {
        ordered: bool,
        start: u64,
        tight: bool,
        items: Vec<Vec<Block>>,
    },
    /// A block quote: the voice of the child.
    Quote {
        c: Vec<Block>,
    },
    /// A table with its header row; every row has `align.len()` cells.
    Table {
        align: Vec<Align>,
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// A code block (often an accidentally indented paragraph): printed verbatim.
    CodeBlock {
        s: String,
    },
    /// A thematic break.
    Rule,
}

/// A column's alignment in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Left,
    Center,
    Right,
}

/// Inline content: what a paragraph, heading or table cell is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Inline {
    /// Text, printed exactly as written.
    Text {
        s: String,
    },
    /// A `{{name}}` figure, already replaced by its value as printed.
    Figure {
        name: String,
        value: String,
    },
    Emph {
        c: Vec<Inline>,
    },
    Strong {
        c: Vec<Inline>,
    },
    Strike {
        c: Vec<Inline>,
    },
    /// A code span, printed verbatim (figures are not replaced in it).
    Code {
        s: String,
    },
    /// A link: its text, then the address shown in brackets when it differs from the text
    /// (`show` is the address as printed: a mailto: link shows just the address).
    Link {
        c: Vec<Inline>,
        url: String,
        show: Option<String>,
    },
    /// An image beside the Markdown, as a figure: `path` is its path inside the Typst World
    /// (`/narrative/partnership.svg`), `alt` its alternative text, `caption` the Markdown
    /// title if given.
    Image {
        path: String,
        alt: String,
        caption: Option<String>,
    },
    /// A footnote, with the blocks of its definition (`label` is the Markdown's `[^label]`).
    Footnote {
        label: String,
        c: Vec<Block>,
    },
    /// A hard line break.
    Break,
}

impl Inline {
    /// The inline's text as plain characters (for alt text and tests).
    pub fn plain(&self) -> String {
        match self {
            Inline::Text { s } | Inline::Code { s } => s.clone(),
            Inline::Figure { value, .. } => value.clone(),
            Inline::Emph { c } | Inline::Strong { c } | Inline::Strike { c } => plain(c),
            Inline::Link { c, .. } => plain(c),
            Inline::Image { alt, .. } => alt.clone(),
            Inline::Footnote { .. } => String::new(),
            Inline::Break => "\n".to_owned(),
        }
    }
}

/// Inlines as plain text.
pub fn plain(inlines: &[Inline]) -> String {
    inlines.iter().map(Inline::plain).collect()
}
