//! CSV input: UTF-8 with or without a byte-order mark, LF or CRLF, quoted fields that hold
//! commas and newlines. Streams records (cut by `records.rs`, in one pass that also counts
//! lines and hashes every byte, so the file's digest is of the bytes loaded); the file is never
//! held in memory, nor is a row longer than [`MAX_ROW_BYTES`].

use std::borrow::Cow;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::digest::Digest;
use super::limits::{BATCH_BYTES, MAX_ROW_BYTES};
use super::records::{Leave, RecordError, Records};
use super::source::{Chunked, FileError, Row, RowChunk, Source, io_error};
use super::value::Cell;

/// A CSV file being read.
pub struct CsvSource {
    display: String,
    whole: Whole,
    records: Records<Box<dyn Read>>,
    headers: Vec<String>,
}

/// Where the file's bytes are, for a look at its start apart from the records being read.
enum Whole {
    Disk(PathBuf),
    Memory(Arc<[u8]>),
}

impl Whole {
    /// The file's size and up to its first `n` bytes.
    fn head(&self, n: u64) -> std::io::Result<(u64, Vec<u8>)> {
        match self {
            Whole::Disk(path) => {
                let file = File::open(path)?;
                let size = file.metadata()?.len();
                let mut head = Vec::with_capacity(n as usize);
                file.take(n).read_to_end(&mut head)?;
                Ok((size, head))
            }
            Whole::Memory(bytes) => Ok((
                bytes.len() as u64,
                bytes[..bytes.len().min(n as usize)].to_vec(),
            )),
        }
    }
}

impl CsvSource {
    pub fn open(path: &Path, display: &str) -> Result<CsvSource, FileError> {
        let file = File::open(path).map_err(io_error(display))?;
        CsvSource::new(Box::new(file), Whole::Disk(path.to_owned()), display)
    }

    /// A CSV file held in memory, read as one on disk is (the fuzz targets read files so).
    pub fn from_bytes(bytes: Arc<[u8]>, display: &str) -> Result<CsvSource, FileError> {
        let reader = Box::new(Cursor::new(bytes.clone()));
        CsvSource::new(reader, Whole::Memory(bytes), display)
    }

    fn new(reader: Box<dyn Read>, whole: Whole, display: &str) -> Result<CsvSource, FileError> {
        let mut records = Records::new(reader);
        let (mut bytes, mut starts) = (vec![], vec![0]);
        records
            .read_whole(&mut bytes, &mut starts)
            .map_err(|e| csv_error(display, e))?;
        let headers = starts
            .windows(2)
            .map(|w| {
                std::str::from_utf8(&bytes[w[0]..w[1] - 1])
                    .map(str::to_owned)
                    .map_err(|_| FileError::Format {
                        path: display.to_owned(),
                        message: "the header is not UTF-8 text: save the file as \"CSV UTF-8\""
                            .into(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CsvSource {
            display: display.to_owned(),
            whole,
            records,
            headers,
        })
    }
}

/// The reader's error as a file error.
fn csv_error(display: &str, e: RecordError) -> FileError {
    match e {
        RecordError::TooLong { line } => FileError::Format {
            path: display.to_owned(),
            message: format!(
                "line {line}: the row is longer than {} MiB, the most a row may hold (usually a quote that is never closed)",
                MAX_ROW_BYTES >> 20
            ),
        },
        RecordError::Io(source) => FileError::Io {
            path: display.to_owned(),
            source,
        },
    }
}

/// Rows copied out of the reader in one flat buffer, so they can be validated on another
/// thread while the next rows are read.
pub struct Chunk {
    bytes: Vec<u8>,
    /// `bytes` as text, when all of it is UTF-8 (checked once for the chunk rather than once
    /// per cell); `bytes` is then empty.
    text: Option<String>,
    /// Field `i` is `bytes[field_starts[i]..field_starts[i + 1] - 1]`, row after row: each
    /// field is followed by one separator byte, so a line with no quote in it is copied at once.
    field_starts: Vec<usize>,
    /// Row `r` is fields `row_starts[r]..row_starts[r + 1]`.
    row_starts: Vec<usize>,
    /// The physical line each row starts on.
    lines: Vec<u64>,
    /// What the reader noted of each row (see [`Row::note`]), when it leaves rows out.
    notes: Vec<u64>,
    /// Rows read among these and left out (see [`Leave`]).
    left: u64,
}

impl Chunk {
    /// A chunk for `rows` rows of about `bytes` bytes (what the last chunk held, so a file of
    /// long lines does not grow every chunk's buffer as it fills).
    fn with_capacity(rows: usize, bytes: usize) -> Chunk {
        let mut field_starts = Vec::with_capacity(rows * 8 + 1);
        field_starts.push(0);
        let mut row_starts = Vec::with_capacity(rows + 1);
        row_starts.push(0);
        Chunk {
            bytes: Vec::with_capacity(bytes.max(rows * 64)),
            text: None,
            field_starts,
            row_starts,
            lines: Vec::with_capacity(rows),
            notes: vec![],
            left: 0,
        }
    }

    /// Whether the chunk holds `rows` rows or [`BATCH_BYTES`] of fields, whichever comes first
    /// (rows left out count a little, so a long run of them still shows progress).
    fn is_full(&self, rows: usize) -> bool {
        self.lines.len() + (self.left / 8) as usize >= rows
            || self.bytes.len() + 8 * self.field_starts.len() >= BATCH_BYTES
    }

    /// Checks the chunk's text once, when it is complete.
    fn seal(mut self) -> Chunk {
        match String::from_utf8(std::mem::take(&mut self.bytes)) {
            Ok(text) => self.text = Some(text),
            Err(e) => self.bytes = e.into_bytes(),
        }
        self
    }

    /// The bytes of every field, one after another.
    fn all_bytes(&self) -> &[u8] {
        self.text.as_ref().map_or(&self.bytes, |t| t.as_bytes())
    }

    /// The row at `index` and its line.
    fn get(&self, index: usize) -> (ChunkRow<'_>, u64) {
        let row = ChunkRow {
            chunk: self,
            fields: self.row_starts[index]..self.row_starts[index + 1],
            note: self.notes.get(index).copied().unwrap_or(0),
        };
        (row, self.lines[index])
    }
}

impl RowChunk for Chunk {
    fn len(&self) -> usize {
        self.lines.len()
    }

    fn row(&self, index: usize, visit: &mut dyn FnMut(&dyn Row, u64)) {
        let (row, line) = self.get(index);
        visit(&row, line);
    }

    fn left(&self) -> u64 {
        self.left
    }
}

/// One row of a [`Chunk`].
pub struct ChunkRow<'a> {
    chunk: &'a Chunk,
    fields: std::ops::Range<usize>,
    note: u64,
}

impl ChunkRow<'_> {
    fn field(&self, index: usize) -> Option<&[u8]> {
        let at = self.fields.start + index;
        if at >= self.fields.end {
            return None;
        }
        let starts = &self.chunk.field_starts;
        Some(&self.chunk.all_bytes()[starts[at]..starts[at + 1] - 1])
    }
}

impl Row for ChunkRow<'_> {
    fn len(&self) -> usize {
        self.fields.len()
    }

    fn cell(&self, index: usize) -> Cell<'_> {
        if let Some(text) = self.text(index) {
            return if text.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(Cow::Borrowed(text))
            };
        }
        match self.field(index) {
            None | Some(b"") => Cell::Empty,
            Some(bytes) => match std::str::from_utf8(bytes) {
                Ok(s) => Cell::Text(Cow::Borrowed(s)),
                Err(_) => Cell::Text(String::from_utf8_lossy(bytes)),
            },
        }
    }

    /// The field as text, without checking it again when the whole chunk is text (each field
    /// then is: fields are separated by an ASCII byte, so none can end inside a character).
    fn text(&self, index: usize) -> Option<&str> {
        let at = self.fields.start + index;
        let starts = &self.chunk.field_starts;
        let text = self.chunk.text.as_ref()?;
        (at < self.fields.end)
            .then(|| text.get(starts[at]..starts[at + 1] - 1))
            .flatten()
    }

    fn note(&self) -> u64 {
        self.note
    }

    fn defect(&self) -> Option<String> {
        if self.chunk.text.is_some() {
            return None;
        }
        let bad = (0..self.len()).position(|i| {
            self.field(i)
                .is_some_and(|f| !f.is_ascii() && std::str::from_utf8(f).is_err())
        })?;
        Some(format!(
            "field {} is not UTF-8 text: save the file as \"CSV UTF-8\"",
            bad + 1
        ))
    }
}

impl Source for CsvSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn rows(&mut self, visit: &mut dyn FnMut(&dyn Row, u64)) -> Result<(), FileError> {
        self.read_chunks(4096, &mut |chunk| {
            for i in 0..chunk.len() {
                let (row, line) = chunk.get(i);
                visit(&row, line);
            }
            true
        })
    }

    fn chunked(&mut self) -> Option<&mut dyn Chunked> {
        Some(self)
    }

    fn digest(&self) -> Option<Digest> {
        self.records.digest()
    }
}

impl Chunked for CsvSource {
    fn chunks(
        &mut self,
        rows: usize,
        visit: &mut dyn FnMut(Box<dyn RowChunk>) -> bool,
    ) -> Result<(), FileError> {
        self.read_chunks(rows, &mut |chunk| visit(Box::new(chunk)))
    }

    fn leave(&mut self, leave: Leave) -> bool {
        self.records.leave(leave);
        true
    }

    /// The file's size over the line length of its first 256 KiB (rows with quoted line
    /// breaks count twice, so this errs high), less the share of those lines left out.
    fn rows_hint(&self) -> usize {
        let Ok((size, head)) = self.whole.head(256 << 10) else {
            return 0;
        };
        let lines = self.records.kept_lines(&head).max(1);
        (size as f64 * lines as f64 / head.len().max(1) as f64) as usize
    }
}

impl CsvSource {
    fn read_chunks(
        &mut self,
        rows: usize,
        visit: &mut dyn FnMut(Chunk) -> bool,
    ) -> Result<(), FileError> {
        let mut chunk = Chunk::with_capacity(rows, 0);
        let mut left_before = self.records.left();
        let leaving = self.records.leaves();
        loop {
            let read = self.records.read(&mut chunk.bytes, &mut chunk.field_starts);
            let read = read.map_err(|e| csv_error(&self.display, e))?;
            chunk.left = self.records.left() - left_before;
            match read {
                Some(line) => {
                    chunk.row_starts.push(chunk.field_starts.len() - 1);
                    chunk.lines.push(line);
                    if leaving {
                        chunk.notes.push(self.records.note());
                    }
                }
                None => break,
            }
            if chunk.is_full(rows) {
                left_before = self.records.left();
                let next = Chunk::with_capacity(rows, chunk.bytes.len() + chunk.bytes.len() / 8);
                if !visit(std::mem::replace(&mut chunk, next).seal()) {
                    return Ok(());
                }
            }
        }
        if !chunk.is_empty() || chunk.left > 0 {
            visit(chunk.seal());
        }
        Ok(())
    }
}
