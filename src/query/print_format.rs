//! Output formats for query results, each writing record batches to any `Write`.

use std::io::Write;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;

/// How `safeguard sql` prints a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for reading on a terminal.
    Table,
    /// RFC 4180 with a header row; dates as YYYY-MM-DD, nulls as empty fields.
    Csv,
    /// One JSON object per line, nulls written as null.
    Json,
    /// A Parquet file (needs -o FILE).
    Parquet,
}

impl Format {
    /// The default: a table for a person at a terminal, CSV for a pipe or file.
    pub fn default_for(terminal: bool) -> Format {
        if terminal { Format::Table } else { Format::Csv }
    }
}

/// Writes one result. Batches are written as they come except for `table`, which needs every
/// row to align the columns.
pub fn write(
    format: Format,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Table => {
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            if rows == 0 {
                let empty = RecordBatch::new_empty(schema.clone());
                writeln!(out, "{}", pretty_format_batches(&[empty])?)?;
            } else {
                writeln!(out, "{}", pretty_format_batches(batches)?)?;
            }
            writeln!(out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
        }
        Format::Csv => {
            let mut writer = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(out);
            if batches.is_empty() {
                writer.write(&RecordBatch::new_empty(schema.clone()))?;
            }
            for b in batches {
                writer.write(b)?;
            }
        }
        Format::Json => {
            let mut writer = datafusion::arrow::json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, datafusion::arrow::json::writer::LineDelimited>(out);
            for b in batches {
                writer.write(b)?;
            }
            writer.finish()?;
        }
        Format::Parquet => {
            // ArrowWriter needs a `Send` sink; results are small next to the warehouse.
            let mut buffer = Vec::new();
            let mut writer = datafusion::parquet::arrow::ArrowWriter::try_new(
                &mut buffer,
                schema.clone(),
                None,
            )?;
            for b in batches {
                writer.write(b)?;
            }
            writer.close()?;
            out.write_all(&buffer)?;
        }
    }
    Ok(())
}
