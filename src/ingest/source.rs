//! What every input format offers the validator: a header, then rows of cells with their
//! line numbers. One file per format sits beside this one.

use std::path::{Path, PathBuf};

use super::value::Cell;

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
    /// Problems found while reading the row itself (for example text that is not UTF-8).
    fn defect(&self) -> Option<String> {
        None
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
}

/// The formats the loader reads, known by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Parquet,
}

impl Format {
    /// The format a file name claims, if it is one we read.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }
}

/// Opens `path` as `format`; `display` is the name used in messages.
pub fn open(path: &Path, display: &str, format: Format) -> Result<Box<dyn Source>, FileError> {
    match format {
        Format::Csv => Ok(Box::new(super::csv::CsvSource::open(path, display)?)),
        Format::Xlsx => Ok(Box::new(super::xlsx::XlsxSource::open(path, display)?)),
        Format::Parquet => Ok(Box::new(super::parquet::ParquetSource::open(
            path, display,
        )?)),
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

/// A file of a dataset, found in the input folder.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Relative to the input folder, with `/` separators: what rejects and messages name.
    pub relative: String,
    pub format: Format,
    /// The mapping it is read through, when one of the configuration's mappings matched it.
    pub mapping: Option<std::sync::Arc<super::mapping::Mapping>>,
}

pub(crate) fn io_error(path: &str) -> impl FnOnce(std::io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_owned(),
        source,
    }
}
