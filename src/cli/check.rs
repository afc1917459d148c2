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
use crate::ingest::{self, DatasetStats, FileError, Kept, Outcome, Reject, Sink};

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
    let stdout = std::io::stdout().lock();
    let mut printer = ProblemPrinter {
        input: &input,
        out: stdout,
        limit: usize::MAX,
        printed: 0,
    };
    let report = ingest::ingest(&input, &mut printer, progress)?;
    progress.finish();
    let mut out = printer.out;
    for error in report.file_errors() {
        writeln!(out, "{}", file_error_line(&input, error))?;
    }
    let (mut read, mut rejected) = (0, 0);
    for d in &report.datasets {
        if let Outcome::Loaded(s) = d.outcome {
            read += s.rows_read;
            rejected += s.rows_rejected;
        }
    }
    let file_errors = report.file_errors().count();
    let datasets = report
        .datasets
        .iter()
        .filter(|d| !matches!(d.outcome, Outcome::Absent))
        .count();
    writeln!(
        out,
        "checked {} in {}: {} would be rejected, {}",
        count(read, "row"),
        count(datasets as u64, "dataset"),
        count(rejected, "row"),
        count(file_errors as u64, "file error"),
    )?;
    for name in &report.ignored {
        eprintln!(
            "note: {} is not a dataset and was ignored",
            input.join(name).display()
        );
    }
    Ok(if file_errors > 0 {
        exit::USAGE
    } else if rejected > 0 {
        exit::PROBLEMS
    } else {
        exit::OK
    })
}
