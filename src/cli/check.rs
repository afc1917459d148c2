//! `safeguard check`: validate only, print every problem compiler-style, write nothing.

use std::io::Write;
use std::path::Path;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;

use super::args::CheckCommand;
use super::exit;
use super::progress::{Reporter, count};
use crate::config::Config;
use crate::contract::Dataset;
use crate::ingest::mapping::Found;
use crate::ingest::{self, DatasetStats, FileError, IngestReport, Kept, Outcome, Reject, Sink};

/// A sink that keeps nothing and prints each problem as `file:line:column: reason`.
pub(super) struct ProblemPrinter<'a, W: Write> {
    pub input: &'a Path,
    pub out: W,
    /// Print at most this many problems (the rest are counted).
    pub limit: usize,
    pub printed: usize,
}

impl<W: Write> ProblemPrinter<'_, W> {
    pub fn print(&mut self, reject: &Reject<'_>) -> anyhow::Result<()> {
        let file = self.input.join(reject.file);
        for p in reject.problems {
            if self.printed >= self.limit {
                return Ok(());
            }
            self.printed += 1;
            match p.column_number {
                Some(col) => writeln!(
                    self.out,
                    "{}:{}:{}: {}",
                    file.display(),
                    reject.line,
                    col,
                    p.reason
                )?,
                None => writeln!(self.out, "{}:{}: {}", file.display(), reject.line, p.reason)?,
            }
        }
        Ok(())
    }
}

impl<W: Write> Sink for ProblemPrinter<'_, W> {
    fn begin(&mut self, _: &'static Dataset, _: SchemaRef) -> anyhow::Result<()> {
        Ok(())
    }
    fn rows(&mut self, _: RecordBatch) -> anyhow::Result<()> {
        Ok(())
    }
    fn reject(&mut self, reject: Reject<'_>) -> anyhow::Result<()> {
        self.print(&reject)
    }
    fn commit(&mut self, _: &DatasetStats) -> anyhow::Result<()> {
        Ok(())
    }
    fn abandon(&mut self, _: &'static Dataset, _: &FileError) -> anyhow::Result<Option<Kept>> {
        Ok(None)
    }
}

/// Notes on standard error: the files of no dataset, and columns not read (a spreadsheet's
/// padding, the empty columns of a very wide file).
pub(super) fn print_notes(input: &Path, report: &IngestReport) {
    for name in &report.ignored {
        eprintln!(
            "note: {} is not a dataset and was ignored",
            input.join(name).display()
        );
    }
    for file in report.datasets.iter().flat_map(|d| &d.file_reports) {
        for note in file.layout.iter().flat_map(ingest::column_notes) {
            eprintln!("note: {}: {note}", input.join(&file.file).display());
        }
    }
}

/// A file error as `input/file[:line:column]: message`.
pub(super) fn file_error_line(input: &Path, error: &FileError) -> String {
    format!("{}/{error}", input.display())
}

pub fn run(cmd: CheckCommand, config: &Config, progress: &Reporter) -> anyhow::Result<u8> {
    let input = config.input(cmd.input.input.as_deref());
    if !input.is_dir() {
        return Err(super::Failure {
            code: exit::USAGE,
            message: format!("the input folder {} does not exist", input.display()),
        }
        .into());
    }
    let mappings = super::mappings(config)?;
    let discovery = super::discover(&input, &mappings)?;
    let stdout = std::io::stdout().lock();
    let mut printer = ProblemPrinter {
        input: &input,
        out: stdout,
        limit: usize::MAX,
        printed: 0,
    };
    let report = ingest::ingest_discovered(discovery, &mut printer, progress)?;
    progress.finish();
    let mut out = printer.out;
    for error in report.file_errors() {
        writeln!(out, "{}", file_error_line(&input, error))?;
    }
    print_columns(&mut out, &report)?;
    let (mut read, mut rejected, mut skipped) = (0, 0, 0);
    for d in &report.datasets {
        if let Outcome::Loaded(s) = d.outcome {
            read += s.rows_read;
            rejected += s.rows_rejected;
            skipped += s.rows_skipped;
        }
    }
    let file_errors = report.file_errors().count();
    let datasets = report
        .datasets
        .iter()
        .filter(|d| !matches!(d.outcome, Outcome::Absent))
        .count();
    let skipped = if skipped > 0 {
        format!(", {} skipped by a mapping", count(skipped, "row"))
    } else {
        String::new()
    };
    writeln!(
        out,
        "checked {} in {}: {} would be rejected{skipped}, {}",
        count(read, "row"),
        count(datasets as u64, "dataset"),
        count(rejected, "row"),
        count(file_errors as u64, "file error"),
    )?;
    print_notes(&input, &report);
    Ok(if file_errors > 0 {
        exit::USAGE
    } else if rejected > 0 {
        exit::PROBLEMS
    } else {
        exit::OK
    })
}

/// For each file, how its columns were found: contract column ← the file's header (mapped,
/// by name), a constant, or missing; the extra columns kept; and what became of its rows.
/// Someone setting up a mapping runs `check` until this reads right.
fn print_columns(out: &mut impl Write, report: &IngestReport) -> anyhow::Result<()> {
    for d in &report.datasets {
        for file in &d.file_reports {
            let Some(layout) = &file.layout else {
                continue;
            };
            let by = layout
                .mapping
                .as_ref()
                .map_or_else(|| d.dataset.name.to_owned(), |m| m.name());
            writeln!(out, "\ncolumns of {} ({by}):", file.file)?;
            let width = d
                .dataset
                .columns
                .iter()
                .map(|c| c.name.len())
                .max()
                .unwrap_or(0);
            for (i, (column, found)) in d.dataset.columns.iter().zip(&layout.columns).enumerate() {
                let rule = layout.mapping.as_ref().map(|m| &m.columns[i]);
                let mut notes = vec![];
                if rule.is_some_and(|r| r.values.is_some()) {
                    notes.push("values mapped");
                }
                if rule.is_some_and(|r| r.dates.is_some()) {
                    notes.push("extra date formats");
                }
                let notes: String = notes.iter().map(|n| format!(", {n}")).collect();
                let how = match found {
                    Found::Mapped { header, .. } => format!("← {header:?} (mapped{notes})"),
                    Found::ByName { header, .. } => format!("← {header:?} (by name{notes})"),
                    Found::Constant(value) => format!("= {value:?} (constant)"),
                    Found::Missing if column.required => "missing (required)".to_owned(),
                    Found::Missing => "missing (optional: blank in every row)".to_owned(),
                };
                writeln!(out, "  {:<width$} {how}", column.name)?;
            }
            if !layout.extras.is_empty() {
                let extras: Vec<String> = layout
                    .extras
                    .iter()
                    .map(|(header, name, _)| format!("{header:?} as {name}"))
                    .collect();
                writeln!(out, "  extra columns kept: {}", extras.join(", "))?;
            }
            if !layout.ignored.is_empty() {
                writeln!(
                    out,
                    "  not loaded (the mapping reads these columns from elsewhere): {}",
                    layout.ignored.join(", ")
                )?;
            }
            let s = file.stats;
            if s.rows_read > 0 {
                let skipped = match layout.mapping {
                    Some(_) => format!(
                        ", {} skipped by the mapping",
                        crate::numbers::thousands(s.rows_skipped)
                    ),
                    None => String::new(),
                };
                writeln!(
                    out,
                    "  {}: {} would load, {} rejected{skipped}",
                    count(s.rows_read, "row"),
                    crate::numbers::thousands(s.rows_loaded),
                    crate::numbers::thousands(s.rows_rejected),
                )?;
            }
        }
    }
    Ok(())
}
