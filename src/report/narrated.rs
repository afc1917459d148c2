//! The narrative in the report: reading the configured narrative folder with the report's own
//! figures and staff identifiers, and what the templates receive from it. The templates read
//! `/narrative.json`:
//!
//! ```json
//! { "draft": false,
//!   "slots": { "foreword": { "heading": "Foreword", "written": true, "blocks": [...] }, ... }
//!            | null (no narrative configured),
//!   "cover": { ... } | null,
//!   "unwritten": [ { "key": "risks", "file": "risks.md", ... } ],
//!   "files": [ { "path": "foreword.md", "bytes": "1,234", "hash": "..." } ] }
//! ```
//!
//! and the images at `/narrative/<file>`. `report-templates/slots.typ` places each slot.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::{Value, json};

use super::format::thousands;
use crate::narrative::{self, Figures, Inputs, Narrative, Problems};
use crate::warehouse::manifest::hash_file;

/// One file the narrative was read from, for the provenance appendix.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NarrativeFile {
    /// Relative to the narrative folder, with `/` separators.
    pub path: String,
    /// The size as printed, `1,234`.
    pub bytes: String,
    /// XXH3-128 of the contents, as the input files are hashed.
    pub hash: String,
}

/// A narrative folder read for one report, with the hashes of the files it was read from.
#[derive(Debug, Clone)]
pub struct ReadNarrative {
    pub narrative: Narrative,
    pub files: Vec<NarrativeFile>,
}

/// Reads the narrative folder `dir` with the report's `figures`; a line holding one of
/// `staff_ids` is a problem. A folder with problems is a [`Problems`] error.
pub fn read(
    dir: &Path,
    figures: &Figures,
    staff_ids: &HashSet<String>,
) -> anyhow::Result<ReadNarrative> {
    let is_staff_id = |word: &str| staff_ids.contains(word);
    let inputs = Inputs {
        figures,
        is_staff_id: &is_staff_id,
    };
    let narrative = narrative::read(dir, &inputs).map_err(anyhow::Error::new)?;
    let mut files = Vec::with_capacity(narrative.read.len());
    for relative in &narrative.read {
        let path = dir.join(relative);
        let (bytes, hash) =
            hash_file(&path).with_context(|| format!("cannot read {}", path.display()))?;
        files.push(NarrativeFile {
            path: relative.clone(),
            bytes: thousands(bytes as i64),
            hash,
        });
    }
    Ok(ReadNarrative { narrative, files })
}

/// Whether an error is the narrative's own problems (each `file:line: reason`).
pub fn problems(e: &anyhow::Error) -> Option<&Problems> {
    e.downcast_ref::<Problems>()
}

/// `/narrative.json` as the templates receive it; `None` is a report without a narrative.
pub fn json(read: Option<&ReadNarrative>, draft: bool) -> Value {
    match read {
        Some(r) => {
            let mut value = r.narrative.to_json();
            value["draft"] = json!(draft);
            value["files"] = json!(r.files);
            value
        }
        None => json!({
            "draft": draft,
            "slots": null,
            "cover": null,
            "unwritten": [],
            "files": [],
        }),
    }
}

/// Every file the narrative adds to the Typst World: `/narrative.json` and its images, by
/// their path inside the World without the leading `/`.
pub fn world_files(
    read: Option<&ReadNarrative>,
    draft: bool,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut files: Vec<(String, Vec<u8>)> = read
        .map(|r| {
            r.narrative
                .virtual_files()
                .map(|(path, bytes)| (path.trim_start_matches('/').to_owned(), bytes.to_vec()))
                .collect()
        })
        .unwrap_or_default();
    files.push((
        super::world::NARRATIVE.to_owned(),
        serde_json::to_vec(&json(read, draft))?,
    ));
    Ok(files)
}
