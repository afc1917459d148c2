//! Parquet input: columns matched by name like any other format; typed columns (dates,
//! integers, booleans) arrive typed, anything else is read as text.

use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

use bytes::Bytes;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::{
    ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use datafusion::parquet::file::reader::ChunkReader;

use super::digest::{Digest, hash_reader};
use super::limits::BATCH_BYTES;
use super::source::{self, Chunked, FileError, Row, RowChunk, Source, io_error};
use super::value::Cell;
use crate::contract::from_date32;

/// A Parquet file being read in record batches.
pub struct ParquetSource {
    display: String,
    reader: Option<ParquetRecordBatchReader>,
    headers: Vec<String>,
    /// Rows in the file, from its footer.
    rows: usize,
    /// The file's bytes, hashed once every row is read: on disk, the open file (the reader
    /// reads it through handles of its own), so a file renamed over this one meanwhile is not
    /// what is hashed.
    whole: Whole,
    digest: Option<Digest>,
}

enum Whole {
    Disk(File),
    Memory(Bytes),
}

impl ParquetSource {
    pub fn open(path: &Path, display: &str) -> Result<ParquetSource, FileError> {
        let file = File::open(path).map_err(io_error(display))?;
        let clone = file.try_clone().map_err(io_error(display))?;
        ParquetSource::new(clone, Whole::Disk(file), display)
    }

    /// A Parquet file held in memory, read as one on disk is (the fuzz targets read files so).
    pub fn from_bytes(bytes: Bytes, display: &str) -> Result<ParquetSource, FileError> {
        ParquetSource::new(bytes.clone(), Whole::Memory(bytes), display)
    }

    fn new(
        reader: impl ChunkReader + 'static,
        whole: Whole,
        display: &str,
    ) -> Result<ParquetSource, FileError> {
        // The columns' types come from the Parquet schema alone: the Arrow schema a writer may
        // embed is a second, unchecked copy, and a damaged one panics the decoder (found by
        // fuzzing: "Type <UNKNOWN 144> not supported").
        let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
        let builder = survive(display, || {
            ParquetRecordBatchReaderBuilder::try_new_with_options(reader, options)
                .map_err(|e| format_error(display, e))
        })?;
        let headers: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let rows = usize::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        // A batch holds rows × columns cells: a file of thousands of columns is read a few rows
        // at a time, so memory follows the data, not the width.
        let batch = (BATCH_BYTES / 8 / headers.len().max(1)).clamp(1, 8192);
        let reader = builder
            .with_batch_size(batch)
            .build()
            .map_err(|e| format_error(display, e))?;
        Ok(ParquetSource {
            display: display.to_owned(),
            reader: Some(reader),
            headers,
            rows,
            whole,
            digest: None,
        })
    }

    /// Hashes the file, once the reader has read what it needs.
    fn hash(&mut self) -> Result<(), FileError> {
        use std::io::{Seek, SeekFrom};
        let digest = match &self.whole {
            Whole::Disk(file) => {
                let mut file = file.try_clone().map_err(io_error(&self.display))?;
                file.seek(SeekFrom::Start(0))
                    .map_err(io_error(&self.display))?;
                hash_reader(file)
            }
            Whole::Memory(bytes) => hash_reader(bytes.as_ref()),
        };
        self.digest = Some(digest.map_err(io_error(&self.display))?);
        Ok(())
    }
}

/// Runs a step of the Parquet decoder, turning its panic into a file error.
fn survive<T>(display: &str, step: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    source::survive(display, "Parquet file", step)
}

fn format_error(display: &str, e: impl std::fmt::Display) -> FileError {
    FileError::Format {
        path: display.to_owned(),
        message: format!("not a readable Parquet file: {e}"),
    }
}

/// A column brought to one of the few shapes a cell can take.
enum Column {
    Text(StringArray),
    Int(Int64Array),
    Float(Float64Array),
    Date(Date32Array),
    Bool(BooleanArray),
}

impl Column {
    fn from_array(array: &ArrayRef, display: &str) -> Result<Column, FileError> {
        let cast_to = |to: &DataType| {
            cast(array, to).map_err(|e| FileError::Format {
                path: display.to_owned(),
                message: format!("cannot read a {} column: {e}", array.data_type()),
            })
        };
        Ok(match array.data_type() {
            DataType::Boolean => Column::Bool(array.as_boolean().clone()),
            DataType::Date32 | DataType::Date64 | DataType::Timestamp(..) => Column::Date(
                cast_to(&DataType::Date32)?
                    .as_primitive::<Date32Type>()
                    .clone(),
            ),
            t if t.is_integer() => Column::Int(
                cast_to(&DataType::Int64)?
                    .as_primitive::<Int64Type>()
                    .clone(),
            ),
            t if t.is_floating()
                || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) =>
            {
                Column::Float(
                    cast_to(&DataType::Float64)?
                        .as_primitive::<Float64Type>()
                        .clone(),
                )
            }
            _ => Column::Text(cast_to(&DataType::Utf8)?.as_string::<i32>().clone()),
        })
    }

    fn cell(&self, row: usize) -> Cell<'_> {
        let array: &dyn Array = match self {
            Column::Text(a) => a,
            Column::Int(a) => a,
            Column::Float(a) => a,
            Column::Date(a) => a,
            Column::Bool(a) => a,
        };
        if array.is_null(row) {
            return Cell::Empty;
        }
        match self {
            Column::Text(a) => Cell::Text(Cow::Borrowed(a.value(row))),
            Column::Int(a) => Cell::Int(a.value(row)),
            Column::Float(a) => Cell::Number(a.value(row)),
            Column::Date(a) => {
                let days = a.value(row);
                from_date32(days).map_or(Cell::Int(days.into()), Cell::Date)
            }
            Column::Bool(a) => Cell::Bool(a.value(row)),
        }
    }
}

struct ParquetRow<'a> {
    columns: &'a [Column],
    row: usize,
}

impl Row for ParquetRow<'_> {
    fn len(&self) -> usize {
        self.columns.len()
    }

    fn cell(&self, index: usize) -> Cell<'_> {
        self.columns
            .get(index)
            .map_or(Cell::Empty, |c| c.cell(self.row))
    }
}

/// One record batch of the file, its columns in the shapes cells take.
struct Batch {
    columns: Vec<Column>,
    rows: usize,
    /// The row number of the batch's first row, less one.
    before: u64,
}

impl RowChunk for Batch {
    fn len(&self) -> usize {
        self.rows
    }

    fn row(&self, index: usize, visit: &mut dyn FnMut(&dyn Row, u64)) {
        let row = ParquetRow {
            columns: &self.columns,
            row: index,
        };
        visit(&row, self.before + index as u64 + 1);
    }
}

impl ParquetSource {
    /// Reads the record batches in order; `visit` returns false to stop early.
    fn batches(&mut self, visit: &mut dyn FnMut(Batch) -> bool) -> Result<(), FileError> {
        let Some(mut reader) = self.reader.take() else {
            return Ok(());
        };
        let mut before = 0u64;
        let display = self.display.clone();
        while let Some(batch) = survive(&display, || Ok(reader.next()))? {
            let batch: RecordBatch = batch.map_err(|e| format_error(&self.display, e))?;
            let columns = batch
                .columns()
                .iter()
                .map(|a| Column::from_array(a, &self.display))
                .collect::<Result<Vec<_>, _>>()?;
            let rows = batch.num_rows();
            if !visit(Batch {
                columns,
                rows,
                before,
            }) {
                return Ok(());
            }
            before += rows as u64;
        }
        self.hash()
    }
}

impl Source for ParquetSource {
    fn headers(&self) -> &[String] {
        &self.headers
    }

    fn rows(&mut self, visit: &mut dyn FnMut(&dyn Row, u64)) -> Result<(), FileError> {
        self.batches(&mut |batch| {
            for i in 0..batch.rows {
                batch.row(i, visit);
            }
            true
        })
    }

    fn chunked(&mut self) -> Option<&mut dyn Chunked> {
        Some(self)
    }

    fn digest(&self) -> Option<Digest> {
        self.digest
    }
}

impl Chunked for ParquetSource {
    /// Chunks are the file's record batches (8,192 rows), whatever `rows` asks.
    fn chunks(
        &mut self,
        _rows: usize,
        visit: &mut dyn FnMut(Box<dyn RowChunk>) -> bool,
    ) -> Result<(), FileError> {
        self.batches(&mut |batch| visit(Box::new(batch)))
    }

    fn rows_hint(&self) -> usize {
        self.rows
    }
}
