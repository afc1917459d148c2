//! CSV input: UTF-8 with or without a byte-order mark, LF or CRLF, quoted fields that hold
//! commas and newlines. Streams records; the file is never held in memory.

use std::borrow::Cow;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::source::{FileError, Row, Source, io_error};
use super::value::Cell;

/// A CSV file being read.
pub struct CsvSource {
    display: String,
    reader: ::csv::Reader<BufReader<File>>,
    headers: Vec<String>,
}

impl CsvSource {
    pub fn open(path: &Path, display: &str) -> Result<CsvSource, FileError> {
        let file = File::open(path).map_err(io_error(display))?;
        let mut reader = ::csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(BufReader::with_capacity(1 << 20, file));
        let headers = reader.byte_headers().map_err(|e| csv_error(display, e))?;
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
            reader,
            headers,
        })
    }
}

fn csv_error(display: &str, e: ::csv::Error) -> FileError {
    match e.into_kind() {
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

struct CsvRow<'a>(&'a ::csv::ByteRecord);

impl Row for CsvRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn cell(&self, index: usize) -> Cell<'_> {
        match self.0.get(index) {
            None | Some(b"") => Cell::Empty,
            Some(bytes) => match std::str::from_utf8(bytes) {
                Ok(s) => Cell::Text(Cow::Borrowed(s)),
                Err(_) => Cell::Text(String::from_utf8_lossy(bytes)),
            },
        }
    }

    fn defect(&self) -> Option<String> {
        let bad = self
            .0
            .iter()
            .position(|f| std::str::from_utf8(f).is_err())?;
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
        let mut record = ::csv::ByteRecord::new();
        while self
            .reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(&self.display, e))?
        {
            let line = record.position().map_or(0, |p| p.line());
            visit(&CsvRow(&record), line);
        }
        Ok(())
    }
}
