//! Where a read goes: the [`Sink`] that takes each dataset's validated rows and rejects (the
//! warehouse for `load`, a printer for `check`), what it is told about each, and the
//! [`Progress`] of a long read.

use std::path::PathBuf;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use serde::{Deserialize, Serialize};

use super::problem::{self, Problem, ProblemKind};
use super::source::FileError;
use crate::contract::Dataset;

/// One rejected row: where it came from, why, and what it said.
#[derive(Debug)]
pub struct Reject<'a> {
    pub dataset: &'static str,
    /// Relative to the input folder.
    pub file: &'a str,
    pub line: u64,
    pub problems: &'a [Problem],
    /// The row as one CSV line, so it can be fixed and resubmitted.
    pub raw: String,
}

impl Reject<'_> {
    /// The kind the row is counted under (its first problem's).
    pub fn kind(&self) -> Option<ProblemKind> {
        problem::row_kind(self.problems)
    }
}

/// Row counts of one dataset (or file). Always `read = loaded + rejected + skipped`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetStats {
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    /// Rows a mapping dropped on purpose (not data for the dataset, such as other courses in
    /// an ESR export). Absent from manifests written before mappings: 0.
    #[serde(default)]
    pub rows_skipped: u64,
}

impl DatasetStats {
    /// The counts of what was read since `before`.
    pub fn since(&self, before: &DatasetStats) -> DatasetStats {
        DatasetStats {
            rows_read: self.rows_read - before.rows_read,
            rows_loaded: self.rows_loaded - before.rows_loaded,
            rows_rejected: self.rows_rejected - before.rows_rejected,
            rows_skipped: self.rows_skipped - before.rows_skipped,
        }
    }
}

/// Data kept from the previous snapshot when a dataset's files could not be used.
#[derive(Debug, Clone)]
pub struct Kept {
    /// Its Parquet files, read back for the keys later datasets refer to.
    pub files: Vec<PathBuf>,
    pub stats: DatasetStats,
}

/// Where validated rows and rejects go.
pub trait Sink {
    /// A dataset is about to be read; its rows will have `schema`.
    fn begin(&mut self, dataset: &'static Dataset, schema: SchemaRef) -> anyhow::Result<()>;
    /// Validated rows.
    fn rows(&mut self, batch: RecordBatch) -> anyhow::Result<()>;
    /// A rejected row.
    fn reject(&mut self, reject: Reject<'_>) -> anyhow::Result<()>;
    /// The dataset was read completely.
    fn commit(&mut self, stats: &DatasetStats) -> anyhow::Result<()>;
    /// A file error stopped the dataset (or it is missing): drop what was written for it and
    /// keep the previous good data, if there is any.
    fn abandon(
        &mut self,
        dataset: &'static Dataset,
        error: &FileError,
    ) -> anyhow::Result<Option<Kept>>;
    /// An optional dataset that was not supplied.
    fn absent(&mut self, _dataset: &'static Dataset) {}
}

/// Progress of a long read, for a progress bar.
pub trait Progress {
    fn dataset(&self, name: &str);
    fn rows(&self, rows_read: u64);
}

/// No progress shown: for bytes already in memory, and for tests.
impl Progress for () {
    fn dataset(&self, _: &str) {}
    fn rows(&self, _: u64) {}
}
