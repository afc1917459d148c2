//! What can be wrong with a narrative folder, as typed reasons, and where: every problem prints
//! as `narrative/foreword.md:12: reason`, like a compiler, so an editor can jump to it.

use std::fmt;
use std::path::PathBuf;

use super::limits;

/// Why a narrative file cannot be used. The messages are sentences for the person writing it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Reason {
    #[error("cannot read the narrative folder: {0}")]
    FolderUnreadable(String),
    #[error("cannot read the file: {0}")]
    Unreadable(String),
    #[error(
        "`{file}` is not a narrative slot; did you mean `{nearest}`? (the slots are {})",
        slot_list()
    )]
    UnknownSlot { file: String, nearest: &'static str },
    #[error("the file is not UTF-8 text (byte {byte:#04X} at column {column}): save it as UTF-8")]
    NotUtf8 { byte: u8, column: usize },
    #[error(
        "the file is {bytes} bytes; a narrative file may be at most {} bytes (split the text, or \
         move tables and images out)",
        limits::MAX_FILE_BYTES
    )]
    FileTooLarge { bytes: u64 },
    #[error(
        "this {what} is {chars} characters long; the report allows at most {} in one block, \
         because typesetting slows down on longer ones: split it",
        limits::MAX_BLOCK_CHARS
    )]
    BlockTooLong { what: &'static str, chars: usize },
    #[error(
        "lists, block quotes and footnotes nest more than {} levels deep here; the report \
         allows at most {}, because the typesetter's recursion is limited",
        limits::MAX_BLOCK_DEPTH,
        limits::MAX_BLOCK_DEPTH
    )]
    TooDeep,
    #[error(
        "emphasis, strong, strikethrough and links nest more than {} levels deep here; the \
         report allows at most {}",
        limits::MAX_INLINE_DEPTH,
        limits::MAX_INLINE_DEPTH
    )]
    InlineTooDeep,
    #[error(
        "the footnote `[^{label}]` holds lists, quotes or emphasis nested so deeply that, \
         printed here, they pass the report's limits ({} levels of lists and quotes, {} of \
         emphasis and links): simplify the footnote or move this reference",
        limits::MAX_BLOCK_DEPTH,
        limits::MAX_INLINE_DEPTH
    )]
    FootnoteTooDeep { label: String },
    #[error("unknown figure `{{{{{name}}}}}`{}", nearest_hint(nearest))]
    UnknownFigure { name: String, nearest: Vec<String> },
    #[error(
        "this line holds a staff identifier; the report must never show one, so take it out \
         (the identifier is not repeated here)"
    )]
    StaffId,
    #[error(
        "the image `{path}` has no alt text: write what it shows between the brackets, \
         `![what the image shows]({path})` (the PDF must stay accessible, PDF/UA-1)"
    )]
    ImageWithoutAlt { path: String },
    #[error(
        "the image `{path}` is outside the narrative folder: images must be files beside the \
         Markdown (no `..`, absolute paths or web addresses)"
    )]
    ImageOutside { path: String },
    #[error("the image `{path}` cannot be read: {reason}")]
    ImageUnreadable { path: String, reason: String },
    #[error("the image `{path}` is not a PNG, JPEG or SVG file (by its name); convert it to one")]
    ImageType { path: String },
    #[error("the image `{path}` does not hold {expected} data, although its name says so")]
    ImageContent {
        path: String,
        expected: &'static str,
    },
    #[error(
        "the image `{path}` is {bytes} bytes; an image may be at most {} bytes",
        limits::MAX_IMAGE_BYTES
    )]
    ImageTooLarge { path: String, bytes: u64 },
    #[error(
        "the SVG image `{path}` refers to another file (`{href}`); the report reads no files \
         but the narrative's own: embed it in the SVG or export a PNG"
    )]
    SvgExternal { path: String, href: String },
    #[error(
        "the link to `{url}` is not a web or email address: a printed report can only show \
         https://, http:// and mailto: links (files and paths cannot be opened from the PDF)"
    )]
    LinkNotWeb { url: String },
    #[error("{0}")]
    FrontMatter(String),
    #[error(
        "unknown key `{key}` in the cover sheet's front matter{}; the keys are {}",
        did_you_mean(nearest),
        super::cover::KEYS.join(", ")
    )]
    UnknownKey {
        key: String,
        nearest: Option<String>,
    },
    #[error(
        "unknown purpose `{purpose}`; the purpose is one of approval, assurance, discussion or \
         information"
    )]
    UnknownPurpose { purpose: String },
}

fn slot_list() -> String {
    super::Slot::ALL
        .iter()
        .map(|s| s.file())
        .collect::<Vec<_>>()
        .join(", ")
}

fn nearest_hint(nearest: &[String]) -> String {
    let list = nearest
        .iter()
        .map(|n| format!("`{{{{{n}}}}}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if nearest.is_empty() {
        "; `safeguard report --list-figures` prints every name".to_owned()
    } else {
        format!(
            "; the nearest names are {list} (`safeguard report --list-figures` prints every name)"
        )
    }
}

fn did_you_mean(nearest: &Option<String>) -> String {
    match nearest {
        Some(n) => format!(" (did you mean `{n}`?)"),
        None => String::new(),
    }
}

/// One problem: the file (as the user named the folder), the 1-based line when there is one,
/// and the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub reason: Reason,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.reason),
            None => write!(f, "{}: {}", self.file.display(), self.reason),
        }
    }
}

impl std::error::Error for Problem {}

/// Every problem found in a narrative folder (never empty), one per line when printed. The
/// report is not written while there are any.
#[derive(Debug, Clone, PartialEq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// 1-based line numbers from byte offsets of one file.
#[derive(Debug, Clone)]
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(after_newlines(text));
        Lines { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

fn after_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_print_like_a_compiler() {
        let p = Problem {
            file: PathBuf::from("narrative/foreword.md"),
            line: Some(12),
            reason: Reason::UnknownFigure {
                name: "training_complience".into(),
                nearest: vec!["training_compliance".into()],
            },
        };
        assert_eq!(
            p.to_string(),
            "narrative/foreword.md:12: unknown figure `{{training_complience}}`; the nearest \
             names are `{{training_compliance}}` (`safeguard report --list-figures` prints \
             every name)"
        );
        let whole = Problem {
            file: PathBuf::from("narrative/forward.md"),
            line: None,
            reason: Reason::UnknownSlot {
                file: "forward.md".into(),
                nearest: "foreword.md",
            },
        };
        assert!(
            whole
                .to_string()
                .starts_with("narrative/forward.md: `forward.md` is not a narrative slot; did you mean `foreword.md`?"),
            "{whole}"
        );
        let both = Problems(vec![p.clone(), whole]);
        assert_eq!(both.to_string().lines().count(), 2);
    }

    #[test]
    fn lines_count_from_one() {
        let lines = Lines::new("a\nbc\n\nd");
        assert_eq!(lines.line(0), 1);
        assert_eq!(lines.line(1), 1);
        assert_eq!(lines.line(2), 2);
        assert_eq!(lines.line(4), 2);
        assert_eq!(lines.line(5), 3);
        assert_eq!(lines.line(6), 4);
        assert_eq!(lines.line(7), 4);
    }
}
