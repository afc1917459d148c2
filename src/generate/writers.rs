//! File writers for the generated datasets: streaming CSV (optionally ESR style, with a BOM
//! and CRLF), batched typed Parquet, and small XLSX sheets with real date cells and fixed
//! document properties so repeated runs give identical bytes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};
use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use crate::contract::date32;

/// One written file: its path relative to the output folder and its number of data rows.
pub type Written = (PathBuf, u64);

/// Line conventions of a CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvStyle {
    /// UTF-8, LF.
    Plain,
    /// UTF-8 with a byte order mark and CRLF line endings, like an ESR extract.
    Esr,
}

/// A CSV file being written row by row.
pub struct CsvFile {
    rel: PathBuf,
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl CsvFile {
    /// Creates (or truncates) `out/rel` and writes the header.
    pub fn create(out: &Path, rel: &str, header: &[&str], style: CsvStyle) -> Result<CsvFile> {
        let path = out.join(rel);
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut buffered = BufWriter::with_capacity(1 << 16, file);
        let mut builder = csv::WriterBuilder::new();
        if style == CsvStyle::Esr {
            buffered
                .write_all(b"\xEF\xBB\xBF")
                .with_context(|| format!("writing {}", path.display()))?;
            builder.terminator(csv::Terminator::CRLF);
        }
        let mut csv = CsvFile {
            rel: PathBuf::from(rel),
            path,
            writer: builder.from_writer(buffered),
            rows: 0,
        };
        csv.write(header.iter().map(|h| h.as_bytes()))?;
        Ok(csv)
    }

    /// Writes one data row; the csv crate quotes fields holding commas, quotes or line breaks.
    pub fn row(&mut self, fields: &[&[u8]]) -> Result<()> {
        self.write(fields.iter().copied())?;
        self.rows += 1;
        Ok(())
    }

    /// Writes one data row of strings.
    pub fn text_row<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<()> {
        self.write(fields.iter().map(|f| f.as_ref().as_bytes()))?;
        self.rows += 1;
        Ok(())
    }

    fn write<'a>(&mut self, fields: impl Iterator<Item = &'a [u8]>) -> Result<()> {
        self.writer
            .write_record(fields)
            .with_context(|| format!("writing {}", self.path.display()))
    }

    /// Flushes and closes the file.
    pub fn finish(self) -> Result<Written> {
        let path = self.path;
        let mut inner = self
            .writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", path.display()))?;
        inner
            .flush()
            .with_context(|| format!("writing {}", path.display()))?;
        Ok((self.rel, self.rows))
    }
}

/// Arrow types the generated Parquet files use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Int,
    Date,
    Float,
}

/// One value of a Parquet row.
#[derive(Clone, Copy, Debug)]
pub enum Cell<'a> {
    Text(&'a str),
    Int(i64),
    Date(NaiveDate),
    Float(f64),
}

enum ColumnBuilder {
    Text(StringBuilder),
    Int(Int64Builder),
    Date(Date32Builder),
    Float(Float64Builder),
}

impl ColumnBuilder {
    fn new(kind: ColumnType) -> ColumnBuilder {
        match kind {
            ColumnType::Text => ColumnBuilder::Text(StringBuilder::new()),
            ColumnType::Int => ColumnBuilder::Int(Int64Builder::new()),
            ColumnType::Date => ColumnBuilder::Date(Date32Builder::new()),
            ColumnType::Float => ColumnBuilder::Float(Float64Builder::new()),
        }
    }

    fn append(&mut self, cell: Cell<'_>) {
        match (self, cell) {
            (ColumnBuilder::Text(b), Cell::Text(v)) => b.append_value(v),
            (ColumnBuilder::Int(b), Cell::Int(v)) => b.append_value(v),
            (ColumnBuilder::Date(b), Cell::Date(v)) => b.append_value(date32(v)),
            (ColumnBuilder::Float(b), Cell::Float(v)) => b.append_value(v),
            (ColumnBuilder::Text(b), _) => b.append_null(),
            (ColumnBuilder::Int(b), _) => b.append_null(),
            (ColumnBuilder::Date(b), _) => b.append_null(),
            (ColumnBuilder::Float(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Text(b) => Arc::new(b.finish()),
            ColumnBuilder::Int(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Float(b) => Arc::new(b.finish()),
        }
    }
}

/// Rows per Arrow batch handed to the Parquet writer.
const BATCH_ROWS: usize = 64 * 1024;
/// Rows per Parquet row group; bounds the writer's memory at national scale.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// A typed Parquet file written in batches (zstd compressed).
pub struct ParquetFile {
    rel: PathBuf,
    path: PathBuf,
    schema: SchemaRef,
    writer: ArrowWriter<File>,
    builders: Vec<ColumnBuilder>,
    pending: usize,
    rows: u64,
}

impl ParquetFile {
    /// Creates (or truncates) `out/rel` with the given columns (name, type, required).
    pub fn create(
        out: &Path,
        rel: &str,
        columns: &[(&str, ColumnType, bool)],
    ) -> Result<ParquetFile> {
        let path = out.join(rel);
        let fields: Vec<Field> = columns
            .iter()
            .map(|&(name, kind, required)| {
                let data_type = match kind {
                    ColumnType::Text => DataType::Utf8,
                    ColumnType::Int => DataType::Int64,
                    ColumnType::Date => DataType::Date32,
                    ColumnType::Float => DataType::Float64,
                };
                Field::new(name, data_type, !required)
            })
            .collect();
        let schema: SchemaRef = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .with_context(|| format!("writing {}", path.display()))?;
        let builders = columns
            .iter()
            .map(|&(_, kind, _)| ColumnBuilder::new(kind))
            .collect();
        Ok(ParquetFile {
            rel: PathBuf::from(rel),
            path,
            schema,
            writer,
            builders,
            pending: 0,
            rows: 0,
        })
    }

    /// Appends one row; cells must follow the column order (a mismatched cell is written as null).
    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        for (builder, &cell) in self.builders.iter_mut().zip(cells) {
            builder.append(cell);
        }
        self.pending += 1;
        self.rows += 1;
        if self.pending >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let columns = self
            .builders
            .iter_mut()
            .map(ColumnBuilder::finish)
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .with_context(|| format!("building a batch for {}", self.path.display()))?;
        self.writer
            .write(&batch)
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.pending = 0;
        Ok(())
    }

    /// Writes the last batch and the footer.
    pub fn finish(mut self) -> Result<Written> {
        self.flush_batch()?;
        self.writer
            .close()
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok((self.rel, self.rows))
    }
}

/// One cell of a generated spreadsheet.
#[derive(Clone, Debug)]
pub enum XlsxCell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Blank,
}

/// A one-sheet workbook held in memory until written (only small files are XLSX).
pub struct XlsxSheet {
    pub sheet_name: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<XlsxCell>>,
}

impl XlsxSheet {
    /// Writes `out/rel`, stamping `created` as the creation date so output is reproducible.
    pub fn save(&self, out: &Path, rel: &str, created: NaiveDate) -> Result<Written> {
        let path = out.join(rel);
        let mut workbook = Workbook::new();
        let properties = DocProperties::new()
            .set_author("Safeguarding team")
            .set_comment("Synthetic data made by safeguard generate")
            .set_creation_datetime(&excel_date(created)?);
        workbook.set_properties(&properties);
        let bold = Format::new().set_bold();
        let date_format = Format::new().set_num_format("dd/mm/yyyy");
        let sheet = workbook.add_worksheet();
        sheet.set_name(self.sheet_name)?;
        for (col, title) in (0u16..).zip(&self.header) {
            sheet.write_string_with_format(0, col, *title, &bold)?;
            sheet.set_column_width(col, 16)?;
        }
        for (row, cells) in (1u32..).zip(&self.rows) {
            for (col, cell) in (0u16..).zip(cells) {
                match cell {
                    XlsxCell::Text(text) => {
                        sheet.write_string(row, col, text.as_str()).map(|_| ())?
                    }
                    XlsxCell::Number(n) => sheet.write_number(row, col, *n).map(|_| ())?,
                    XlsxCell::Date(d) => sheet
                        .write_date_with_format(row, col, &excel_date(*d)?, &date_format)
                        .map(|_| ())?,
                    XlsxCell::Blank => {}
                }
            }
        }
        workbook
            .save(&path)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok((PathBuf::from(rel), self.rows.len() as u64))
    }
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime> {
    let year = u16::try_from(d.year()).context("date before year 0")?;
    Ok(ExcelDateTime::from_ymd(
        year,
        d.month() as u8,
        d.day() as u8,
    )?)
}
