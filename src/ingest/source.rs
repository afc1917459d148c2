//! What every input format offers the validator: a header, then rows of cells with their
//! line numbers. One file per format sits beside this one; `formats.rs` opens a file as its
//! format's source.

use super::digest::Digest;
use super::records::Leave;
use super::value::{Cell, trim};

/// A file that cannot be used at all. It stops its dataset, never the whole load.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: cannot read the file: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    #[error("{path}:1:{column_number}: required column {column} is missing from the header")]
    MissingColumn {
        path: String,
        column: String,
        column_number: usize,
    },
    #[error("{path}: {message}")]
    Dataset { path: String, message: String },
}

impl FileError {
    /// The file (relative to the input folder) the error is about.
    pub fn path(&self) -> &str {
        match self {
            FileError::Io { path, .. }
            | FileError::Format { path, .. }
            | FileError::MissingColumn { path, .. }
            | FileError::Dataset { path, .. } => path,
        }
    }
}

/// One row of a source, read on demand so no row is copied unless it is rejected.
pub trait Row {
    /// How many cells the row has (may differ from the header in a ragged CSV).
    fn len(&self) -> usize;
    /// Whether the row has no cells at all.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The cell at a 0-based position; past the end is empty.
    fn cell(&self, index: usize) -> Cell<'_>;
    /// The cell at `index` as the text the reader holds, for a reader that holds text (CSV):
    /// no [`Cell`] built and copied back for a value only stored (an extra column).
    fn text(&self, _index: usize) -> Option<&str> {
        None
    }
    /// Problems found while reading the row itself (for example text that is not UTF-8).
    fn defect(&self) -> Option<String> {
        None
    }
    /// What the reader noted of the row as it decided to keep it (see
    /// [`Decision`](super::records::Decision)): 0 for nothing.
    fn note(&self) -> u64 {
        0
    }
}

/// A readable input file.
pub trait Source {
    /// The header as written in the file.
    fn headers(&self) -> &[String];
    /// How many columns precede the header's first cell (messages count columns as the file does).
    fn first_column(&self) -> usize {
        0
    }
    /// Calls `visit` with every data row and its line: the CSV physical line (header = 1), the
    /// XLSX sheet row, or the Parquet row number (first row = 1).
    fn rows(&mut self, visit: &mut dyn FnMut(&dyn Row, u64)) -> Result<(), FileError>;
    /// The same rows in chunks other threads can check, for formats that can be big (CSV,
    /// Parquet); `None` for the rest, which are read with [`Source::rows`].
    fn chunked(&mut self) -> Option<&mut dyn Chunked> {
        None
    }
    /// The size and hash of the bytes the rows came from, once every row has been read
    /// (`None` before, or when the reader stopped early).
    fn digest(&self) -> Option<Digest> {
        None
    }
}

/// A source whose rows can be handed out in owned chunks.
pub trait Chunked {
    /// Reads the rows in chunks of up to `rows` each; `visit` returns false to stop early.
    fn chunks(
        &mut self,
        rows: usize,
        visit: &mut dyn FnMut(Box<dyn RowChunk>) -> bool,
    ) -> Result<(), FileError>;
    /// About how many rows the file holds, so the set of unique keys is sized once rather than
    /// grown (and rehashed) a dozen times over tens of millions of rows.
    fn rows_hint(&self) -> usize;
    /// Leaves out, as they are read, the rows `leave` picks (rows the mapping skips), counting
    /// them in [`RowChunk::left`]; false for a source that cannot (the checks skip them).
    fn leave(&mut self, _leave: Leave) -> bool {
        false
    }
}

/// Rows read on one thread, to be checked on another.
pub trait RowChunk: Send {
    /// How many rows the chunk holds.
    fn len(&self) -> usize;
    /// Whether the chunk holds no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Calls `visit` with the row at `index` and its line.
    fn row(&self, index: usize, visit: &mut dyn FnMut(&dyn Row, u64));
    /// Rows read with these but left out (see [`Chunked::leave`]): counted, not held.
    fn left(&self) -> u64 {
        0
    }
}

/// Renders a row back to one CSV line, so a rejected row can be fixed and resubmitted.
pub fn raw_row(row: &dyn Row) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(vec![]);
    let cells: Vec<String> = (0..row.len())
        .map(|i| row.cell(i).display().into_owned())
        .collect();
    let _ = w.write_record(&cells);
    let mut bytes = w.into_inner().unwrap_or_default();
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A row with no value in any cell (spreadsheets leave them behind) is not data.
pub fn is_blank(row: &dyn Row) -> bool {
    (0..row.len()).all(|i| trim(&row.cell(i).display()).is_empty())
}

pub(crate) fn io_error(path: &str) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Runs a step of a third-party decoder (`what` names the format: "Parquet file"), turning a
/// panic into a file error. The decoders trust more of a file's bytes than a hostile or damaged
/// file deserves, and a panic there would end the whole load, not just this dataset (found by
/// fuzzing: a Parquet footer's damaged Arrow schema, an XLSX cell reference too long for its
/// row number). Only the decoder's own calls go in `step`, so a panic of ours is never taken
/// for a damaged file. The panic message still reaches standard error.
pub(crate) fn survive<T>(
    display: &str,
    what: &str,
    step: impl FnOnce() -> Result<T, FileError>,
) -> Result<T, FileError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the decoder stopped".to_owned());
        Err(FileError::Format {
            path: display.to_owned(),
            message: format!("not a readable {what} (it is damaged: {why})"),
        })
    })
}
