//! XLSX input: the first sheet, its first row the header, real date cells read as dates.
//! Line numbers are the 1-based sheet rows a person sees in Excel.

use std::borrow::Cow;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::source::{FileError, Row, Source};
use super::value::{Cell, parse_date};

/// The first sheet of a workbook, read into memory (workbooks are small next to CSV extracts).
pub struct XlsxSource {
    range: calamine::Range<Data>,
    first_row: u32,
    first_column: u32,
    headers: Vec<String>,
}

impl XlsxSource {
    pub fn open(path: &Path, display: &str) -> Result<XlsxSource, FileError> {
        let format_error = |message: String| FileError::Format {
            path: display.to_owned(),
            message,
        };
        let mut book: Xlsx<_> = calamine::open_workbook(path).map_err(|e| match e {
            calamine::XlsxError::Io(source) => FileError::Io {
                path: display.to_owned(),
                source,
            },
            other => format_error(format!("not a readable XLSX workbook: {other}")),
        })?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| format_error("the workbook has no sheets".into()))?
            .map_err(|e| format_error(format!("cannot read the first sheet: {e}")))?;
        let (first_row, first_column) = range.start().unwrap_or((0, 0));
        let headers = range
            .rows()
            .next()
            .map(|r| r.iter().map(|c| cell(c).display().into_owned()).collect())
            .unwrap_or_default();
        Ok(XlsxSource {
            range,
            first_row,
            first_column,
            headers,
        })
    }
}

fn cell(data: &Data) -> Cell<'_> {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(Cow::Borrowed(s)),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) => Cell::Date(d.date()),
            None => Cell::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => match parse_date(s) {
            Some(d) => Cell::Date(d),
            None => Cell::Text(Cow::Borrowed(s)),
        },
        Data::DurationIso(s) => Cell::Text(Cow::Borrowed(s)),
        Data::Error(e) => Cell::Text(Cow::Owned(format!("#{e:?}"))),
    }
}

struct XlsxRow<'a>(&'a [Data]);

impl Row for XlsxRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn cell(&self, index: usize) -> Cell<'_> {
        self.0.get(index).map_or(Cell::Empty, cell)
    }
}

impl Source for XlsxSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn first_column(&self) -> usize {
        self.first_column as usize
    }

    fn rows(&mut self, visit: &mut dyn FnMut(&dyn Row, u64)) -> Result<(), FileError> {
        for (i, row) in self.range.rows().enumerate().skip(1) {
            visit(&XlsxRow(row), u64::from(self.first_row) + i as u64 + 1);
        }
        Ok(())
    }
}
