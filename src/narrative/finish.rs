//! The passes over a converted tree once every event is folded in: footnote definitions put
//! into their references, and heading levels made consecutive.

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
