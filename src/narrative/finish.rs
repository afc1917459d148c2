//! The passes over a converted tree once every event is folded in: footnote definitions put
//! into their references, heading levels made consecutive, and how deeply a tree nests.

use std::collections::HashMap;

use super::tree::{Block, Inline};

/// Lowers any heading that would skip a level (`###` straight after `#`, or a first heading
/// below `#`): PDF/UA-1 requires heading levels to go down one at a time, and the template
/// prints a slot's blocks directly below a heading of its base level.
pub fn consecutive_headings(blocks: &mut [Block], previous: &mut u8) {
    for block in blocks {
        match block {
            Block::Heading { level, .. } => {
                *level = (*level).min(*previous + 1);
                *previous = *level;
            }
            Block::List { items, .. } => {
                for item in items {
                    consecutive_headings(item, previous);
                }
            }
            Block::Quote { c } => consecutive_headings(c, previous),
            _ => {}
        }
    }
}

/// Puts each footnote's definition into the references to it; a reference without one
/// prints as written.
pub fn fill_footnotes(blocks: &mut [Block], definitions: &HashMap<String, Vec<Block>>) {
    for block in blocks {
        match block {
            Block::Heading { c, .. } | Block::Paragraph { c } => fill_inlines(c, definitions),
            Block::List { items, .. } => {
                for item in items {
                    fill_footnotes(item, definitions);
                }
            }
            Block::Quote { c } => fill_footnotes(c, definitions),
            Block::Table { header, rows, .. } => {
                for cell in header.iter_mut().chain(rows.iter_mut().flatten()) {
                    fill_inlines(cell, definitions);
                }
            }
            Block::CodeBlock { .. } | Block::Rule => {}
        }
    }
}

fn fill_inlines(inlines: &mut [Inline], definitions: &HashMap<String, Vec<Block>>) {
    for inline in inlines {
        match inline {
            Inline::Footnote { label, c } => match definitions.get(label.as_str()) {
                Some(def) => *c = def.clone(),
                None => {
                    *inline = Inline::Text {
                        s: format!("[^{label}]"),
                    }
                }
            },
            Inline::Emph { c } | Inline::Strong { c } | Inline::Strike { c } => {
                fill_inlines(c, definitions)
            }
            Inline::Link { c, .. } => fill_inlines(c, definitions),
            _ => {}
        }
    }
}

/// How deeply `blocks` nest: (lists, quotes and footnotes in one another; emphasis, strong,
/// strikethrough and links in one another).
pub fn depth(blocks: &[Block]) -> (usize, usize) {
    let mut deepest = (0, 0);
    for block in blocks {
        let (b, i) = match block {
            Block::Heading { c, .. } | Block::Paragraph { c } => (0, inline_depth(c)),
            Block::List { items, .. } => {
                let (b, i) = items.iter().map(|item| depth(item)).fold((0, 0), max2);
                (b + 1, i)
            }
            Block::Quote { c } => {
                let (b, i) = depth(c);
                (b + 1, i)
            }
            Block::Table { header, rows, .. } => (
                0,
                header
                    .iter()
                    .chain(rows.iter().flatten())
                    .map(|cell| inline_depth(cell))
                    .max()
                    .unwrap_or(0),
            ),
            Block::CodeBlock { .. } | Block::Rule => (0, 0),
        };
        deepest = max2(deepest, (b, i));
    }
    deepest
}

fn max2(a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    (a.0.max(b.0), a.1.max(b.1))
}

fn inline_depth(inlines: &[Inline]) -> usize {
    inlines
        .iter()
        .map(|inline| match inline {
            Inline::Emph { c } | Inline::Strong { c } | Inline::Strike { c } => 1 + inline_depth(c),
            Inline::Link { c, .. } => 1 + inline_depth(c),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}
