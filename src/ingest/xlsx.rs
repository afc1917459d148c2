//! XLSX input: the first sheet, its first row the header, real date cells read as dates.
//! Line numbers are the 1-based sheet rows a person sees in Excel.
//!
//! The sheet is streamed a row at a time (calamine's cell reader), never held whole: a sheet's
//! size is its cells, not the box around them, so two cells at A1 and XFD1048576 cost two
//! cells. The workbook's own bytes are held and hashed (the digest is of the bytes read), and a
//! workbook that would unpack to more than [`MAX_XLSX_UNPACKED`] is refused before anything is
//! unpacked.

use std::borrow::Cow;
use std::io::Cursor;
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx, XlsxError};

use super::digest::{Digest, Hasher};
use super::limits::{MAX_XLSX_UNPACKED, XLSX_COLUMNS};
use super::source::{self, FileError, Row, Source, io_error};
use super::value::{Cell, parse_date};

type Book = Xlsx<Cursor<Vec<u8>>>;

/// The first sheet of a workbook, read row by row.
pub struct XlsxSource {
    display: String,
    book: Book,
    /// The first sheet's name, or `None` when it is not a worksheet (a chart sheet).
    sheet: Option<String>,
    /// The header's sheet row (0-based) and the column of its first cell.
    header_row: u32,
    first_column: u32,
    headers: Vec<String>,
    digest: Digest,
}

impl XlsxSource {
    pub fn open(path: &Path, display: &str) -> Result<XlsxSource, FileError> {
        // Refused before it is read, so a huge file costs nothing.
        let size = std::fs::metadata(path).map_err(io_error(display))?.len();
        if size > MAX_XLSX_UNPACKED {
            return Err(too_big(display));
        }
        let bytes = std::fs::read(path).map_err(io_error(display))?;
        XlsxSource::from_bytes(bytes, display)
    }

    /// A workbook held in memory, read as one on disk is (the fuzz targets read workbooks so).
    pub fn from_bytes(bytes: Vec<u8>, display: &str) -> Result<XlsxSource, FileError> {
        let format_error = |message: String| FileError::Format {
            path: display.to_owned(),
            message,
        };
        if bytes.len() as u64 > MAX_XLSX_UNPACKED {
            return Err(too_big(display));
        }
        let mut hasher = Hasher::default();
        hasher.update(&bytes);
        check_unpacked_size(&bytes, display)?;
        let book: Book =
            survive(display, || Ok(Xlsx::new(Cursor::new(bytes))))?.map_err(|e| match e {
                XlsxError::Io(source) => FileError::Io {
                    path: display.to_owned(),
                    source,
                },
                other => format_error(format!("not a readable XLSX workbook: {other}")),
            })?;
        let sheet = book
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| format_error("the workbook has no sheets".into()))?;
        let mut source = XlsxSource {
            display: display.to_owned(),
            book,
            sheet: Some(sheet),
            header_row: 0,
            first_column: 0,
            headers: vec![],
            digest: hasher.digest(),
        };
        source.read_header()?;
        Ok(source)
    }

    /// Finds the header: the row of the first cell with a value, from its first such cell on.
    fn read_header(&mut self) -> Result<(), FileError> {
        let display = self.display.clone();
        let mut header: Option<(u32, Vec<(u32, String)>)> = None;
        self.cells(&mut |(row, column), value| {
            match &mut header {
                None => header = Some((row, vec![(column, cell(&value).display().into_owned())])),
                Some((at, cells)) if *at == row => {
                    cells.push((column, cell(&value).display().into_owned()));
                }
                Some(_) => return Ok(false),
            }
            Ok(true)
        })
        .map_err(|e| sheet_error(&display, e))?;
        let Some((row, mut cells)) = header else {
            return Ok(());
        };
        cells.sort_by_key(|(column, _)| *column);
        let first = cells[0].0;
        let width = (cells[cells.len() - 1].0 - first + 1) as usize;
        let mut headers = vec![String::new(); width];
        for (column, text) in cells {
            headers[(column - first) as usize] = text;
        }
        self.header_row = row;
        self.first_column = first;
        self.headers = headers;
        Ok(())
    }

    /// Calls `visit` with the position and value of every cell of the first sheet that has a
    /// value, in the sheet's order, until it returns false. Rows must not go backwards (no
    /// spreadsheet program writes them so), and no cell may lie past Excel's last column.
    fn cells(&mut self, visit: &mut VisitCell<'_>) -> Result<(), SheetError> {
        let Some(sheet) = &self.sheet else {
            return Ok(());
        };
        let display = &self.display;
        let opened = survive(display, || Ok(self.book.worksheet_cells_reader(sheet)));
        let mut reader = match opened.map_err(SheetError::File)? {
            Ok(reader) => reader,
            // A chart sheet has no cells: read as an empty sheet, as before it was streamed.
            Err(XlsxError::NotAWorksheet(_)) => return Ok(()),
            Err(e) => return Err(SheetError::Xlsx(e)),
        };
        let mut last_row = 0;
        while let Some(c) = survive(display, || Ok(reader.next_cell()))
            .map_err(SheetError::File)?
            .map_err(SheetError::Xlsx)?
        {
            let (row, column) = c.get_position();
            if matches!(c.get_value(), DataRef::Empty) {
                continue;
            }
            if row < last_row {
                return Err(SheetError::Order {
                    row,
                    after: last_row,
                });
            }
            if column >= XLSX_COLUMNS {
                return Err(SheetError::Column { row, column });
            }
            last_row = row;
            if !visit((row, column), c.get_value().clone())? {
                break;
            }
        }
        Ok(())
    }
}

/// Sees a cell's (row, column) and value; returns whether to go on.
type VisitCell<'v> = dyn FnMut((u32, u32), DataRef<'_>) -> Result<bool, SheetError> + 'v;

/// What stops a sheet from being read.
enum SheetError {
    /// Calamine's decoder stopped on a damaged workbook.
    File(FileError),
    Xlsx(XlsxError),
    Order {
        row: u32,
        after: u32,
    },
    Column {
        row: u32,
        column: u32,
    },
}

fn sheet_error(display: &str, e: SheetError) -> FileError {
    let message = match e {
        SheetError::File(e) => return e,
        SheetError::Xlsx(e) => format!("cannot read the first sheet: {e}"),
        SheetError::Order { row, after } => format!(
            "sheet row {} comes after row {} in the file: no spreadsheet program writes rows out of order (open the workbook and save it again)",
            row + 1,
            after + 1
        ),
        SheetError::Column { row, column } => format!(
            "sheet row {} has a cell in column {}, past the last column a sheet can have ({XLSX_COLUMNS})",
            row + 1,
            column + 1
        ),
    };
    FileError::Format {
        path: display.to_owned(),
        message,
    }
}

/// Runs a step of calamine's decoder, turning its panic into a file error.
fn survive<T>(display: &str, step: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    source::survive(display, "XLSX workbook", step)
}

fn too_big(display: &str) -> FileError {
    FileError::Format {
        path: display.to_owned(),
        message: format!(
            "the workbook unpacks to more than {} MiB, the most a workbook may hold (save big extracts as CSV)",
            MAX_XLSX_UNPACKED >> 20
        ),
    }
}

/// Refuses a workbook whose parts would unpack to more than [`MAX_XLSX_UNPACKED`], from the
/// sizes its zip directory declares (which unzipping then holds each part to).
fn check_unpacked_size(bytes: &[u8], display: &str) -> Result<(), FileError> {
    let not_a_workbook = |e: zip::result::ZipError| FileError::Format {
        path: display.to_owned(),
        message: format!("not a readable XLSX workbook: {e}"),
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_a_workbook)?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(not_a_workbook)?;
        total = total.saturating_add(part.size());
        if total > MAX_XLSX_UNPACKED {
            return Err(too_big(display));
        }
    }
    Ok(())
}

fn cell<'a>(data: &'a DataRef<'_>) -> Cell<'a> {
    match data {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => Cell::Text(Cow::Borrowed(s)),
        DataRef::SharedString(s) => Cell::Text(Cow::Borrowed(s)),
        DataRef::Int(i) => Cell::Int(*i),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(d) => Cell::Date(d.date()),
            None => Cell::Number(dt.as_f64()),
        },
        DataRef::DateTimeIso(s) => match parse_date(s) {
            Some(d) => Cell::Date(d),
            None => Cell::Text(Cow::Borrowed(s)),
        },
        DataRef::DurationIso(s) => Cell::Text(Cow::Borrowed(s)),
        DataRef::Error(e) => Cell::Text(Cow::Owned(format!("#{e:?}"))),
    }
}

/// One sheet row from the header's first column on.
struct XlsxRow<'a, 'd>(&'a [DataRef<'d>]);

impl Row for XlsxRow<'_, '_> {
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

    /// Rows after the header, each from the header's first column on (a cell left of it is in
    /// no column and is not read).
    fn rows(&mut self, visit: &mut dyn FnMut(&dyn Row, u64)) -> Result<(), FileError> {
        let (header_row, first) = (self.header_row, self.first_column);
        let display = self.display.clone();
        let mut current: Option<u32> = None;
        let mut row: Vec<DataRef<'static>> = vec![];
        let mut emit = |at: u32, row: &mut Vec<DataRef<'static>>| {
            visit(&XlsxRow(row), u64::from(at) + 1);
            row.clear();
        };
        self.cells(&mut |(at, column), value| {
            if at <= header_row || column < first {
                return Ok(true);
            }
            if current.is_some_and(|c| c != at) {
                emit(current.unwrap_or_default(), &mut row);
            }
            current = Some(at);
            let index = (column - first) as usize;
            if row.len() <= index {
                row.resize(index + 1, DataRef::Empty);
            }
            row[index] = owned(value);
            Ok(true)
        })
        .map_err(|e| sheet_error(&display, e))?;
        if let Some(at) = current {
            emit(at, &mut row);
        }
        Ok(())
    }

    fn digest(&self) -> Option<Digest> {
        Some(self.digest)
    }
}

/// A cell value that no longer borrows the workbook's shared strings (a row outlives the
/// reader's borrow of them only as long as it is being built).
fn owned(value: DataRef<'_>) -> DataRef<'static> {
    match value {
        DataRef::SharedString(s) => DataRef::String(s.to_owned()),
        DataRef::Int(i) => DataRef::Int(i),
        DataRef::Float(f) => DataRef::Float(f),
        DataRef::String(s) => DataRef::String(s),
        DataRef::Bool(b) => DataRef::Bool(b),
        DataRef::DateTime(d) => DataRef::DateTime(d),
        DataRef::DateTimeIso(s) => DataRef::DateTimeIso(s),
        DataRef::DurationIso(s) => DataRef::DurationIso(s),
        DataRef::Error(e) => DataRef::Error(e),
        DataRef::Empty => DataRef::Empty,
    }
}
