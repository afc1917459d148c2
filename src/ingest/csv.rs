//! CSV input: UTF-8 with or without a byte-order mark, LF or CRLF, quoted fields that hold
//! commas and newlines. Streams records; the file is never held in memory, nor is a row longer
//! than [`MAX_ROW_BYTES`]. Every byte the parser reads is hashed on its way, so the file's
//! digest is of the bytes loaded.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::digest::{Digest, Hasher};
use super::limits::{BATCH_BYTES, MAX_ROW_BYTES};
use super::source::{Chunked, FileError, Row, RowChunk, Source, io_error};
use super::value::Cell;

/// A CSV file being read.
pub struct CsvSource {
    display: String,
    path: std::path::PathBuf,
    reader: ::csv::Reader<Guarded<BufReader<File>>>,
    headers: Vec<String>,
}

impl CsvSource {
    pub fn open(path: &Path, display: &str) -> Result<CsvSource, FileError> {
        let file = File::open(path).map_err(io_error(display))?;
        let mut reader = ::csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(Guarded::new(BufReader::with_capacity(1 << 20, file)));
        let headers = reader
            .byte_headers()
            .map_err(|e| csv_error(display, 1, e))?;
        let headers = headers
            .iter()
            .map(|h| {
                std::str::from_utf8(h)
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
            path: path.to_owned(),
            reader,
            headers,
        })
    }
}

/// The parser's error as a file error; `line` is where the row being read starts.
fn csv_error(display: &str, line: u64, e: ::csv::Error) -> FileError {
    match e.into_kind() {
        ::csv::ErrorKind::Io(source) if source.get_ref().is_some_and(|e| e.is::<RowTooLong>()) => {
            FileError::Format {
                path: display.to_owned(),
                message: format!(
                    "line {line}: the row is longer than {} MiB, the most a row may hold (usually a quote that is never closed)",
                    MAX_ROW_BYTES >> 20
                ),
            }
        }
        ::csv::ErrorKind::Io(source) => FileError::Io {
            path: display.to_owned(),
            source,
        },
        other => FileError::Format {
            path: display.to_owned(),
            message: format!("not a readable CSV file: {other:?}"),
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
    /// Field `i` is `bytes[field_starts[i]..field_starts[i + 1]]`, row after row.
    field_starts: Vec<usize>,
    /// Row `r` is fields `row_starts[r]..row_starts[r + 1]`.
    row_starts: Vec<usize>,
    /// The physical line each row starts on.
    lines: Vec<u64>,
}

impl Chunk {
    fn with_capacity(rows: usize) -> Chunk {
        let mut field_starts = Vec::with_capacity(rows * 8 + 1);
        field_starts.push(0);
        let mut row_starts = Vec::with_capacity(rows + 1);
        row_starts.push(0);
        Chunk {
            bytes: Vec::with_capacity(rows * 64),
            text: None,
            field_starts,
            row_starts,
            lines: Vec::with_capacity(rows),
        }
    }

    /// Copies a record in, without its trailing empty fields: a row a spreadsheet padded with
    /// thousands of empty columns costs what its values cost. (Past its last value a row reads
    /// as blank however long it is, so nothing is lost.)
    fn push(&mut self, record: &::csv::ByteRecord, line: u64) {
        // Fields end where the record's bytes end once only empty ones are left, so the last
        // value is found by halving, not by walking thousands of empty fields.
        let total = record.as_slice().len();
        let filled = if total == 0 {
            0
        } else {
            let ends = |i: usize| record.range(i).map_or(total, |r| r.end);
            let (mut lo, mut hi) = (0, record.len());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if ends(mid) < total {
                    lo = mid + 1
                } else {
                    hi = mid
                }
            }
            lo + 1
        };
        for field in record.iter().take(filled) {
            self.bytes.extend_from_slice(field);
            self.field_starts.push(self.bytes.len());
        }
        self.row_starts.push(self.field_starts.len() - 1);
        self.lines.push(line);
    }

    /// Whether the chunk holds `rows` rows or [`BATCH_BYTES`] of fields, whichever comes first.
    fn is_full(&self, rows: usize) -> bool {
        self.lines.len() >= rows || self.bytes.len() + 8 * self.field_starts.len() >= BATCH_BYTES
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
}

/// One row of a [`Chunk`].
pub struct ChunkRow<'a> {
    chunk: &'a Chunk,
    fields: std::ops::Range<usize>,
}

impl ChunkRow<'_> {
    fn field(&self, index: usize) -> Option<&[u8]> {
        let at = self.fields.start + index;
        if at >= self.fields.end {
            return None;
        }
        let starts = &self.chunk.field_starts;
        Some(&self.chunk.all_bytes()[starts[at]..starts[at + 1]])
    }

    /// The field as text, without checking it again when the whole chunk is text and the field
    /// starts and ends on character boundaries (a field cut inside a character is not).
    fn text(&self, index: usize) -> Option<&str> {
        let at = self.fields.start + index;
        let starts = &self.chunk.field_starts;
        let text = self.chunk.text.as_ref()?;
        (at < self.fields.end)
            .then(|| text.get(starts[at]..starts[at + 1]))
            .flatten()
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

    fn defect(&self) -> Option<String> {
        if self.chunk.text.is_some() && (0..self.len()).all(|i| self.text(i).is_some()) {
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
        self.reader.get_ref().digest()
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

    /// The file's size over the line length of its first 256 KiB (rows with quoted line
    /// breaks count twice, so this errs high).
    fn rows_hint(&self) -> usize {
        let sample = || -> std::io::Result<usize> {
            let file = File::open(&self.path)?;
            let size = file.metadata()?.len();
            let mut head = Vec::with_capacity(256 << 10);
            file.take(256 << 10).read_to_end(&mut head)?;
            let lines = count_newlines(&head).max(1);
            Ok((size as f64 * lines as f64 / head.len().max(1) as f64) as usize)
        };
        sample().unwrap_or(0)
    }
}

impl CsvSource {
    fn read_chunks(
        &mut self,
        rows: usize,
        visit: &mut dyn FnMut(Chunk) -> bool,
    ) -> Result<(), FileError> {
        let mut record = ::csv::ByteRecord::new();
        let file = File::open(&self.path).map_err(io_error(&self.display))?;
        let mut lines = LineCounter::new(BufReader::with_capacity(1 << 16, file));
        let mut chunk = Chunk::with_capacity(rows);
        loop {
            let next = self.reader.position().byte();
            self.reader.get_mut().row_starts_at(next);
            match self.reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = lines.line_of_record_at(next).unwrap_or(0);
                    return Err(csv_error(&self.display, line, e));
                }
            }
            let start = record.position().map_or(0, |p| p.byte());
            let line = lines
                .line_of_record_at(start)
                .map_err(io_error(&self.display))?;
            chunk.push(&record, line);
            if chunk.is_full(rows)
                && !visit(std::mem::replace(&mut chunk, Chunk::with_capacity(rows)).seal())
            {
                return Ok(());
            }
        }
        if !chunk.is_empty() {
            visit(chunk.seal());
        }
        Ok(())
    }
}

/// The file on its way to the parser: every byte hashed (the digest is then of the bytes
/// parsed, not of the file as it was before or after), and a row that runs past
/// [`MAX_ROW_BYTES`] stopped before the parser holds more of it.
struct Guarded<R> {
    inner: R,
    hasher: Hasher,
    /// Where the row being read starts (the parser reads ahead of it by its buffer at most).
    row_start: u64,
    at_end: bool,
}

/// The error a [`Guarded`] reader stops the parser with.
#[derive(Debug)]
struct RowTooLong;

impl std::fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a row longer than {} MiB", MAX_ROW_BYTES >> 20)
    }
}

impl std::error::Error for RowTooLong {}

impl<R: Read> Guarded<R> {
    fn new(inner: R) -> Self {
        Guarded {
            inner,
            hasher: Hasher::default(),
            row_start: 0,
            at_end: false,
        }
    }

    fn row_starts_at(&mut self, byte: u64) {
        self.row_start = byte;
    }

    /// The digest of every byte, once the parser has read to the end.
    fn digest(&self) -> Option<Digest> {
        self.at_end.then(|| self.hasher.digest())
    }
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // The parser's own buffer (8 KiB) is the most it reads ahead of the row it is in.
        let ahead = self.hasher.bytes().saturating_sub(self.row_start);
        if ahead > (MAX_ROW_BYTES + (64 << 10)) as u64 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                RowTooLong,
            ));
        }
        let n = self.inner.read(buf)?;
        self.at_end |= n == 0 && !buf.is_empty();
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A plain count the compiler vectorises (faster here than searching newline by newline).
fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Physical line numbers, counted from the bytes themselves. The csv crate's own line count
/// lags behind after a CRLF ending or skipped blank lines, and a person fixing a row needs the
/// line their editor shows.
struct LineCounter<R> {
    reader: R,
    byte: u64,
    newlines: u64,
}

impl<R: BufRead> LineCounter<R> {
    fn new(reader: R) -> Self {
        LineCounter {
            reader,
            byte: 0,
            newlines: 0,
        }
    }

    /// The line on which the record starting at `offset` begins: the parser may place `offset` on
    /// the line break before the record, or before blank lines, so those are stepped over.
    fn line_of_record_at(&mut self, offset: u64) -> std::io::Result<u64> {
        while self.byte < offset {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min((offset - self.byte) as usize);
            self.newlines += count_newlines(&buf[..take]);
            self.reader.consume(take);
            self.byte += take as u64;
        }
        loop {
            let buf = self.reader.fill_buf()?;
            let breaks = buf
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            if breaks == 0 {
                break;
            }
            self.newlines += count_newlines(&buf[..breaks]);
            self.reader.consume(breaks);
            self.byte += breaks as u64;
        }
        Ok(self.newlines + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_copied_up_to_its_last_value() {
        let cases: &[(&[&str], usize)] = &[
            (&[], 0),
            (&["", "", ""], 0),
            (&["a"], 1),
            (&["a", "", "b", "", "", ""], 3),
            (&["", "", "c"], 3),
            (&["", "x", ""], 2),
        ];
        for (fields, kept) in cases {
            let mut chunk = Chunk::with_capacity(1);
            chunk.push(&::csv::ByteRecord::from(fields.to_vec()), 2);
            assert_eq!(chunk.field_starts.len() - 1, *kept, "{fields:?}");
        }
        let mut padded = vec!["S1", "", "3"];
        padded.extend(std::iter::repeat_n("", 16_000));
        let mut chunk = Chunk::with_capacity(1);
        chunk.push(&::csv::ByteRecord::from(padded), 2);
        assert_eq!(chunk.field_starts.len() - 1, 3);
        assert_eq!(chunk.bytes, b"S13");
    }
}
