//! The state of the Markdown conversion ([`super::convert`]): the elements being built, kept
//! on an explicit stack ([`Frame`]) so no input can make the converter recurse, and the
//! problem that stops a conversion ([`Stop`]).

use super::error::Reason;
use super::limits;
use super::tree::{Align, Block, Inline};

/// The kinds of element that hold blocks.
#[derive(Debug)]
pub(super) enum Container {
    Root,
    Quote,
    /// A list item; `loose` when it held a paragraph of its own (a loose list).
    Item {
        loose: bool,
    },
    Definition(String),
    /// Elements of options not enabled (definition lists, metadata): their blocks join the
    /// enclosing container.
    Other,
}

/// A footnote reference and how deeply it is nested.
#[derive(Debug)]
pub(super) struct Reference {
    pub label: String,
    pub block_depth: usize,
    pub inline_depth: usize,
    pub at: usize,
}

/// A problem that stops the conversion of a file, at a byte offset.
#[derive(Debug)]
pub(super) struct Stop {
    pub at: usize,
    pub reason: Reason,
}

/// The kinds of span that hold inlines.
#[derive(Debug)]
pub(super) enum Span {
    Emph,
    Strong,
    Strike,
    /// A link: its address, and the address as printed (without `mailto:`).
    Link {
        url: String,
        show: String,
    },
}

/// An element being built.
#[derive(Debug)]
pub(super) enum Frame {
    Blocks(Container, Vec<Block>),
    List {
        ordered: bool,
        start: u64,
        loose: bool,
        items: Vec<Vec<Block>>,
    },
    /// A paragraph; `implicit` for the text of a tight list item, which has no paragraph
    /// events of its own.
    Para {
        c: Vec<Inline>,
        implicit: bool,
        at: usize,
    },
    Heading {
        level: u8,
        c: Vec<Inline>,
        at: usize,
    },
    Table {
        align: Vec<Align>,
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Row {
        head: bool,
        cells: Vec<Vec<Inline>>,
    },
    Cell {
        c: Vec<Inline>,
        at: usize,
    },
    Span(Span, Vec<Inline>),
    /// An image; its alt text is every text inside it, flattened (`nested` counts spans
    /// inside the alt text, which add no structure).
    Image {
        dest: String,
        title: String,
        alt: String,
        nested: usize,
        at: usize,
    },
    Code {
        s: String,
        at: usize,
    },
    Html {
        s: String,
        at: usize,
    },
}

/// Refuses a block longer than the typesetter handles quickly.
pub(super) fn limit_size(what: &'static str, chars: usize, at: usize) -> Result<(), Stop> {
    if chars > limits::MAX_BLOCK_CHARS {
        Err(Stop {
            at,
            reason: Reason::BlockTooLong { what, chars },
        })
    } else {
        Ok(())
    }
}
