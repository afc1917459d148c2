//! Reading a narrative folder: every `.md` file must be a slot, each slot file is read as UTF-8
//! (with its size limited), checked for staff identifiers line by line, and converted; the
//! cover sheet's front matter is parsed. Every problem in every file is collected, so one run
//! shows them all.

use std::path::{Path, PathBuf};

use super::convert::{self, Converted};
use super::cover::{self, Cover};
use super::error::{Lines, Problem, Problems, Reason};
use super::figures::Figures;
use super::images::Image;
use super::{Narrative, Slot, SlotText, limits};

/// What the report passes in: the figures the text may quote, and a test for staff
/// identifiers (which must never reach the PDF).
pub struct Inputs<'a> {
    pub figures: &'a Figures,
    pub is_staff_id: &'a dyn Fn(&str) -> bool,
}

/// Reads the narrative folder `dir`. Problems name files as `dir` joined with the file name,
/// so they read as the user wrote the folder: `narrative/foreword.md:12: reason`.
pub fn read(dir: &Path, inputs: &Inputs<'_>) -> Result<Narrative, Problems> {
    let mut problems = Vec::new();
    let names = match markdown_names(dir) {
        Ok(names) => names,
        Err(e) => {
            return Err(Problems(vec![Problem {
                file: dir.to_owned(),
                line: None,
                reason: Reason::FolderUnreadable(e.to_string()),
            }]));
        }
    };
    for name in &names {
        if Slot::from_file(name).is_none() {
            problems.push(Problem {
                file: dir.join(name),
                line: None,
                reason: Reason::UnknownSlot {
                    file: name.clone(),
                    nearest: Slot::nearest(name).file(),
                },
            });
        }
    }
    let mut narrative = Narrative {
        dir: dir.to_owned(),
        slots: Vec::new(),
        cover: None,
        images: Vec::new(),
        read: Vec::new(),
    };
    for slot in Slot::ALL {
        let file = dir.join(slot.file());
        let mut blocks = Vec::new();
        if names.iter().any(|n| n == slot.file()) {
            narrative.read.push(slot.file().to_owned());
            let mut found = Vec::new();
            match read_text(&file) {
                Ok(text) => {
                    let (b, cover, images) = slot_text(slot, &text, dir, inputs, &mut found);
                    blocks = b;
                    narrative.cover = narrative.cover.take().or(cover);
                    add_images(&mut narrative, images);
                }
                Err((line, reason)) => found.push((line, reason)),
            }
            problems.extend(found.into_iter().map(|(line, reason)| Problem {
                file: file.clone(),
                line,
                reason,
            }));
        }
        if slot != Slot::Cover {
            narrative.slots.push(SlotText { slot, blocks });
        }
    }
    if problems.is_empty() {
        Ok(narrative)
    } else {
        Err(Problems(problems))
    }
}

/// The names of the `.md` files directly in `dir`, sorted (hidden files left out).
fn markdown_names(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_md = Path::new(&name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"));
        if is_md && !name.starts_with('.') && !entry.file_type()?.is_dir() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// A slot file's text: at most the size limit, UTF-8 (a byte-order mark is skipped).
fn read_text(file: &Path) -> Result<String, (Option<usize>, Reason)> {
    let unreadable = |e: std::io::Error| (None, Reason::Unreadable(e.to_string()));
    let size = std::fs::metadata(file).map_err(unreadable)?.len();
    if size > limits::MAX_FILE_BYTES {
        return Err((None, Reason::FileTooLarge { bytes: size }));
    }
    let bytes = std::fs::read(file).map_err(unreadable)?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text
            .strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text)),
        Err(e) => {
            let bytes = e.as_bytes();
            let bad = e.utf8_error().valid_up_to();
            let line_start = bytes[..bad]
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            let line = bytes[..bad].iter().filter(|b| **b == b'\n').count() + 1;
            let column = String::from_utf8_lossy(&bytes[line_start..bad])
                .chars()
                .count()
                + 1;
            Err((
                Some(line),
                Reason::NotUtf8 {
                    byte: bytes[bad],
                    column,
                },
            ))
        }
    }
}

type Found = Vec<(Option<usize>, Reason)>;

/// Reads one slot's text as [`read`] reads its file, images relative to `dir`: its blocks, the
/// cover sheet when the slot is the cover, and every problem with its line. For the fuzz entry
/// points, which have the text but no folder.
pub fn read_slot(
    slot: Slot,
    text: &str,
    dir: &Path,
    inputs: &Inputs<'_>,
) -> (Vec<super::tree::Block>, Option<Cover>, Found) {
    let mut found = Vec::new();
    let (blocks, cover, _) = slot_text(slot, text, dir, inputs, &mut found);
    (blocks, cover, found)
}

/// Converts one slot's text: its blocks, the cover sheet when the slot is the cover, and the
/// images it shows; problems go to `found`.
fn slot_text(
    slot: Slot,
    text: &str,
    dir: &Path,
    inputs: &Inputs<'_>,
    found: &mut Found,
) -> (Vec<super::tree::Block>, Option<Cover>, Vec<Image>) {
    let lines = Lines::new(text);
    for (i, line) in text.lines().enumerate() {
        if holds_staff_id(line, inputs.is_staff_id) {
            found.push((Some(i + 1), Reason::StaffId));
        }
    }
    let mut front = None;
    let mut body = 0;
    if slot == Slot::Cover {
        match cover::locate(text, &lines) {
            Ok(Some(cover::Located { toml, body: start })) => {
                let open_line = lines.line(toml.start) - 1;
                let (fm, problems) =
                    cover::parse(&text[toml.clone()], toml.start, &lines, inputs.figures);
                found.extend(problems.into_iter().map(|(l, r)| (Some(l), r)));
                front = Some((fm, open_line));
                body = start;
            }
            Ok(None) => {}
            Err((line, reason)) => {
                found.push((Some(line), reason));
                return (Vec::new(), None, Vec::new());
            }
        }
    }
    let Converted {
        blocks,
        images,
        problems,
    } = convert::convert(&text[body..], body, &lines, dir, inputs.figures);
    found.extend(problems.into_iter().map(|(l, r)| (Some(l), r)));
    if slot != Slot::Cover {
        return (blocks, None, images);
    }
    let cover = match front {
        Some((fm, open_line)) => match fm.purpose {
            Some(purpose) => Some(Cover {
                purpose,
                recommendation: fm.recommendation,
                executive_lead: fm.executive_lead,
                presented_by: fm.presented_by,
                risks: fm.risks,
                blocks: blocks.clone(),
            }),
            None => {
                if !found
                    .iter()
                    .any(|(_, r)| matches!(r, Reason::UnknownPurpose { .. }))
                {
                    found.push((
                        Some(open_line),
                        Reason::FrontMatter(
                            "the cover sheet's front matter has no `purpose`: add purpose = \
                             \"approval\", \"assurance\", \"discussion\" or \"information\""
                                .to_owned(),
                        ),
                    ));
                }
                None
            }
        },
        None if blocks.is_empty() => None,
        None => {
            found.push((
                Some(1),
                Reason::FrontMatter(
                    "the cover sheet starts with front matter between `+++` lines (purpose, \
                     recommendation, executive_lead, presented_by, risks); `safeguard narrative \
                     init` writes an example"
                        .to_owned(),
                ),
            ));
            None
        }
    };
    (blocks, cover, images)
}

fn add_images(narrative: &mut Narrative, images: Vec<Image>) {
    for image in images {
        if !narrative
            .images
            .iter()
            .any(|i| i.virtual_path == image.virtual_path)
        {
            narrative.read.push(image.relative.clone());
            narrative.images.push(image);
        }
    }
}

/// Whether a line holds a staff identifier: any word, or any run of letters and digits within
/// one, that `is_staff_id` recognises.
fn holds_staff_id(line: &str, is_staff_id: &dyn Fn(&str) -> bool) -> bool {
    line.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .any(|word| {
            is_staff_id(word)
                || word
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|part| !part.is_empty() && part != word && is_staff_id(part))
        })
}

/// The files of a narrative folder that are inputs of the report, relative to `dir` and
/// sorted: every Markdown and image file in it or its subfolders (hidden ones left out). A
/// refresh hashes these to see whether the narrative changed.
pub fn input_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        for entry in std::fs::read_dir(dir.join(&rel))? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry.file_type()?;
            let path = rel.join(&name);
            if kind.is_dir() {
                // Symbolic links to folders are not followed, so a loop cannot hang this.
                pending.push(path);
            } else if is_input(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn is_input(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "md" | "png" | "jpg" | "jpeg" | "svg"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_ids_are_found_inside_words_but_not_in_other_numbers() {
        let is = |w: &str| w == "SG1234567";
        assert!(holds_staff_id("Seen by SG1234567 today", &is));
        assert!(holds_staff_id("(SG1234567).", &is));
        assert!(holds_staff_id("ref:SG1234567-b", &is));
        assert!(holds_staff_id("staff_SG1234567", &is));
        assert!(!holds_staff_id("SG12345678 and SG123456", &is));
        assert!(!holds_staff_id("", &is));
    }

    #[test]
    fn a_file_that_is_not_utf8_names_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("foreword.md");
        std::fs::write(&file, b"First line\nCaf\xe9 au lait\n").unwrap();
        let (line, reason) = read_text(&file).unwrap_err();
        assert_eq!(line, Some(2));
        assert_eq!(
            reason,
            Reason::NotUtf8 {
                byte: 0xE9,
                column: 4
            }
        );
        assert!(reason.to_string().contains("byte 0xE9 at column 4"));
    }

    #[test]
    fn input_files_are_markdown_and_images_in_any_subfolder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("img/.cache")).unwrap();
        for f in [
            "foreword.md",
            "notes.docx",
            ".hidden.md",
            "img/a.PNG",
            "img/.cache/b.png",
            "d.svg",
        ] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        assert_eq!(
            input_files(dir.path()).unwrap(),
            vec![
                PathBuf::from("d.svg"),
                PathBuf::from("foreword.md"),
                PathBuf::from("img/a.PNG")
            ]
        );
    }
}
