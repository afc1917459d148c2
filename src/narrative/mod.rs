//! The narrative: the team's own words in the annual report (`shared/contract/NARRATIVE.md`).
//!
//! The Designated Professionals write Markdown files, one per *slot* ([`Slot`]), in a narrative
//! folder. [`read`] checks the folder and turns each file into a tree of data ([`Block`],
//! [`Inline`]) with every `{{figure}}` replaced from the [`Figures`] the report passes in;
//! `report-templates/narrative.typ` typesets that tree. The Markdown never becomes Typst
//! source, so nothing in it can run as template code. Images beside the Markdown are handed
//! back as bytes for the Typst World ([`Image`]), and every problem is a [`Problem`] printed as
//! `narrative/foreword.md:12: reason`.
//!
//! `safeguard narrative init` writes a starter folder ([`init`]).

mod convert;
pub mod cover;
mod error;
pub mod figures;
mod finish;
mod folder;
mod frames;
pub mod images;
pub mod init;
mod slots;
pub mod tree;

#[cfg(test)]
mod folder_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod typeset_tests;

use std::path::PathBuf;

use serde_json::{Value, json};

pub use cover::{Cover, Purpose};
pub use error::{Problem, Problems, Reason};
pub use figures::Figures;
pub use folder::{Inputs, input_files, read, read_slot};
pub use images::Image;
pub use slots::Slot;
pub use tree::{Align, Block, Inline};

/// The limits that keep hostile or accidental input from making typesetting slow or deep.
pub mod limits {
    /// The largest narrative file, in bytes (about sixty pages of text).
    pub const MAX_FILE_BYTES: u64 = 256 * 1024;
    /// The most characters in one paragraph, heading, table cell or code block (about five
    /// pages).
    pub const MAX_BLOCK_CHARS: usize = 20_000;
    /// How deep lists, block quotes and footnotes may nest in one another. Typst limits how
    /// deeply functions call each other; the template recurses once per level.
    pub const MAX_BLOCK_DEPTH: usize = 8;
    /// How deep emphasis, strong, strikethrough and links may nest in one another.
    pub const MAX_INLINE_DEPTH: usize = 8;
    /// The largest image, in bytes.
    pub const MAX_IMAGE_BYTES: u64 = 10 * 1024 * 1024;
}

/// Where the narrative's JSON appears inside the Typst World when the report serves it as a
/// file of its own (it may instead be put inside `/data.json`).
pub const JSON_PATH: &str = "narrative.json";

/// A narrative folder, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Narrative {
    /// The folder, as the user named it.
    pub dir: PathBuf,
    /// Every slot but the cover, in [`Slot::ALL`] order; an unwritten slot (no file, an empty
    /// file, or only comments) has no blocks.
    pub slots: Vec<SlotText>,
    /// The board cover sheet, when `cover.md` is written.
    pub cover: Option<Cover>,
    /// The images the text shows, each once, for the Typst World.
    pub images: Vec<Image>,
    /// Every file read, relative to the folder with `/` separators, in the order read: the
    /// slot files, then images.
    pub read: Vec<String>,
}

/// One slot's blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotText {
    pub slot: Slot,
    pub blocks: Vec<Block>,
}

impl Narrative {
    /// The blocks of `slot` (none when unwritten; the cover's are in [`Narrative::cover`]).
    pub fn blocks(&self, slot: Slot) -> &[Block] {
        self.slots
            .iter()
            .find(|s| s.slot == slot)
            .map_or(&[], |s| s.blocks.as_slice())
    }

    /// Whether `slot` has anything to print.
    pub fn is_written(&self, slot: Slot) -> bool {
        match slot {
            Slot::Cover => self.cover.is_some(),
            _ => !self.blocks(slot).is_empty(),
        }
    }

    /// The slots still to write, in report order: for the draft's "Still to write" box, the
    /// warnings of a final run, and `--strict`.
    pub fn unwritten(&self) -> Vec<Slot> {
        Slot::ALL
            .into_iter()
            .filter(|s| !self.is_written(*s))
            .collect()
    }

    /// The files the Typst World must serve for the images: `(path inside the World, bytes)`,
    /// e.g. `("/narrative/partnership.svg", ...)`.
    pub fn virtual_files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.images
            .iter()
            .map(|i| (i.virtual_path.as_str(), i.bytes.as_slice()))
    }

    /// The narrative as the templates receive it:
    ///
    /// ```json
    /// { "slots": { "foreword": { "file": "foreword.md", "heading": "Foreword",
    ///                            "written": true, "blocks": [ ... ] }, ... },
    ///   "cover": null | { "purpose": "assurance", "recommendation": "...", ...,
    ///                     "risks": [ ... ], "blocks": [ ... ] },
    ///   "unwritten": [ { "key": "training", "file": "training.md",
    ///                    "heading": "Commentary", "printed": "at the end of ..." } ] }
    /// ```
    pub fn to_json(&self) -> Value {
        let slots: serde_json::Map<String, Value> = self
            .slots
            .iter()
            .map(|s| {
                (
                    s.slot.key().to_owned(),
                    json!({
                        "file": s.slot.file(),
                        "heading": s.slot.heading(),
                        "written": !s.blocks.is_empty(),
                        "blocks": s.blocks,
                    }),
                )
            })
            .collect();
        let unwritten: Vec<Value> = self
            .unwritten()
            .into_iter()
            .map(|s| {
                json!({
                    "key": s.key(),
                    "file": s.file(),
                    "heading": s.heading(),
                    "printed": s.printed(),
                })
            })
            .collect();
        json!({
            "slots": slots,
            "cover": self.cover,
            "unwritten": unwritten,
        })
    }
}
