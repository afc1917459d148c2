//! Ingest: find each dataset's files in the input folder, read them whatever their format,
//! validate every row against the contract, and hand the good rows and the rejects to a sink
//! (the warehouse for `load`, a printer for `check`).
//!
//! To add an input format: a `Source` in a file of its own, an arm in `source::open` and in
//! `Format::from_path`. To add a dataset or column: `schema.rs` only.

mod csv;
pub mod mapping;
mod parallel;
mod parquet;
pub mod schema;
pub mod source;
pub mod validate;
pub mod value;
mod xlsx;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use serde::{Deserialize, Serialize};

pub use schema::{DATASETS, Dataset};
pub use source::{FileError, Format, InputFile};
use validate::{BATCH_ROWS, KeyIndex, KeySet, Problem, Validator};

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

/// Row counts of one dataset. Always `read = loaded + rejected`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetStats {
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
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

/// What happened to one dataset.
#[derive(Debug)]
pub enum Outcome {
    /// Every file was read; row errors, if any, are in the rejects.
    Loaded(DatasetStats),
    /// A file error stopped it; the previous good data (if any) stands in its place.
    Failed {
        error: FileError,
        kept: Option<DatasetStats>,
    },
    /// An optional dataset with no files.
    Absent,
}

/// One dataset's files and outcome.
#[derive(Debug)]
pub struct DatasetReport {
    pub dataset: &'static Dataset,
    pub files: Vec<InputFile>,
    pub outcome: Outcome,
}

/// The result of reading a whole input folder.
#[derive(Debug)]
pub struct IngestReport {
    pub datasets: Vec<DatasetReport>,
    /// Files in the input folder that belong to no dataset (relative paths).
    pub ignored: Vec<String>,
}

impl IngestReport {
    pub fn file_errors(&self) -> impl Iterator<Item = &FileError> {
        self.datasets.iter().filter_map(|d| match &d.outcome {
            Outcome::Failed { error, .. } => Some(error),
            _ => None,
        })
    }

    pub fn rows_rejected(&self) -> u64 {
        self.datasets
            .iter()
            .map(|d| match d.outcome {
                Outcome::Loaded(s) => s.rows_rejected,
                _ => 0,
            })
            .sum()
    }
}

/// The files of each dataset in an input folder: `name.csv|xlsx|parquet` and any such files
/// below a folder `name/`, in path order.
pub struct Discovery {
    pub datasets: BTreeMap<&'static str, Vec<InputFile>>,
    /// Datasets that must not be read this time, with the reason: a file inside a dataset
    /// folder that is not a format we read, or (in a refresh) a file still being written.
    pub blocked: BTreeMap<&'static str, FileError>,
    pub ignored: Vec<String>,
}

/// Lists the input folder. Only an unreadable folder is an error here.
pub fn discover(input: &Path) -> anyhow::Result<Discovery> {
    let mut found = Discovery {
        datasets: BTreeMap::new(),
        blocked: BTreeMap::new(),
        ignored: vec![],
    };
    let mut entries: Vec<_> = std::fs::read_dir(input)
        .with_context(|| format!("cannot read the input folder {}", input.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read the input folder {}", input.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_hidden(&name) {
            continue;
        }
        if path.is_dir() {
            let Some(def) = schema::dataset(&schema::normalise_name(&name)) else {
                found.ignored.push(format!("{name}/"));
                continue;
            };
            let mut files = vec![];
            walk(&path, &name, &mut files)?;
            for (path, relative) in files {
                match Format::from_path(&path) {
                    Some(format) => push(
                        &mut found,
                        def,
                        InputFile {
                            path,
                            relative,
                            format,
                        },
                    ),
                    None => {
                        found
                            .blocked
                            .entry(def.name)
                            .or_insert(FileError::Dataset {
                                path: relative,
                                message: "not a CSV, XLSX or Parquet file, so the dataset cannot be read as a whole".into(),
                            });
                    }
                }
            }
        } else {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match (
                schema::dataset(&schema::normalise_name(&stem)),
                Format::from_path(&path),
            ) {
                (Some(def), Some(format)) => push(
                    &mut found,
                    def,
                    InputFile {
                        path,
                        relative: name,
                        format,
                    },
                ),
                _ => found.ignored.push(name),
            }
        }
    }
    for files in found.datasets.values_mut() {
        files.sort_by(|a, b| a.relative.cmp(&b.relative));
    }
    Ok(found)
}

fn push(found: &mut Discovery, def: &'static Dataset, file: InputFile) {
    found.datasets.entry(def.name).or_default().push(file);
}

/// Dot files and Excel's `~$` lock files are never data.
fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("~$")
}

fn walk(dir: &Path, relative: &str, out: &mut Vec<(PathBuf, String)>) -> anyhow::Result<()> {
    let read = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    for entry in read {
        let entry = entry.with_context(|| format!("cannot read the folder {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_hidden(&name) {
            continue;
        }
        let rel = format!("{relative}/{name}");
        if entry.path().is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            out.push((entry.path(), rel));
        }
    }
    Ok(())
}

/// Progress of a long read, for a progress bar.
pub trait Progress {
    fn dataset(&self, name: &str);
    fn rows(&self, rows_read: u64);
}

/// Reads every dataset of `input` into `sink`, in contract order so foreign keys resolve.
pub fn ingest(
    input: &Path,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
) -> anyhow::Result<IngestReport> {
    ingest_discovered(discover(input)?, sink, progress)
}

/// Like [`ingest`], for a folder already listed (and perhaps with datasets blocked) by the caller.
pub fn ingest_discovered(
    mut discovery: Discovery,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
) -> anyhow::Result<IngestReport> {
    let mut keys = KeyIndex::default();
    let mut datasets = vec![];
    for def in DATASETS {
        progress.dataset(def.name);
        let files = discovery.datasets.remove(def.name).unwrap_or_default();
        let result = match discovery.blocked.remove(def.name) {
            Some(error) => Err(error),
            None if files.is_empty() && def.required => Err(FileError::Dataset {
                path: format!("{}.csv", def.name),
                message: format!(
                    "the required dataset {} is missing (expected {0}.csv, {0}.xlsx, {0}.parquet or a folder {0}/)",
                    def.name
                ),
            }),
            None if files.is_empty() => {
                sink.absent(def);
                datasets.push(DatasetReport {
                    dataset: def,
                    files,
                    outcome: Outcome::Absent,
                });
                continue;
            }
            None => read_dataset(def, &files, &keys, sink, progress),
        };
        let outcome = match result {
            Ok((stats, own_keys)) => {
                sink.commit(&stats)?;
                keys.insert(def.name, own_keys);
                Outcome::Loaded(stats)
            }
            Err(error) => {
                let kept = sink.abandon(def, &error)?;
                if let Some(k) = &kept {
                    keys.insert(def.name, keys_of(def, &k.files)?);
                }
                Outcome::Failed {
                    error,
                    kept: kept.map(|k| k.stats),
                }
            }
        };
        datasets.push(DatasetReport {
            dataset: def,
            files,
            outcome,
        });
    }
    Ok(IngestReport {
        datasets,
        ignored: discovery.ignored,
    })
}

/// Reads all files of one dataset. Headers are checked first, so a file error in any file
/// stops the dataset before any of its rows are written.
fn read_dataset(
    def: &'static Dataset,
    files: &[InputFile],
    keys: &KeyIndex,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
) -> Result<(DatasetStats, KeySet), FileError> {
    let mut extras: Vec<String> = vec![];
    for file in files {
        let source = source::open(&file.path, &file.relative, file.format)?;
        for h in source.headers() {
            let n = schema::normalise_name(h);
            if !n.is_empty() && def.column_index(&n).is_none() && !extras.contains(&n) {
                extras.push(n);
            }
        }
    }
    let mut validator = Validator::new(def, extras, keys);
    for file in files {
        let source = source::open(&file.path, &file.relative, file.format)?;
        validator.mapping(source.headers(), &file.relative)?;
    }
    let sink_error = |e: anyhow::Error| FileError::Dataset {
        path: def.name.into(),
        message: format!("{e:#}"),
    };
    sink.begin(def, validator.schema()).map_err(sink_error)?;
    let mut stats = DatasetStats::default();
    for file in files {
        let mut source = source::open(&file.path, &file.relative, file.format)?;
        let mut map = validator.mapping(source.headers(), &file.relative)?;
        map.first_column = source.first_column();
        if let Some(workers) = parallel::workers()
            && let Some(chunked) = source.chunked()
        {
            // Rows of earlier files go first, so the warehouse keeps the input's order.
            if validator.buffered() > 0 {
                sink.rows(validator.take_batch()).map_err(sink_error)?;
            }
            parallel::read_file(
                chunked,
                &mut validator,
                &map,
                &file.relative,
                workers,
                sink,
                progress,
                &mut stats,
            )?
            .map_err(sink_error)?;
            continue;
        }
        let mut failure: Option<anyhow::Error> = None;
        source.rows(&mut |row, line| {
            if failure.is_some() || is_blank(row) {
                return;
            }
            stats.rows_read += 1;
            if let Err(problems) = validator.push(row, &map) {
                stats.rows_rejected += 1;
                let reject = Reject {
                    dataset: def.name,
                    file: &file.relative,
                    line,
                    problems: &problems,
                    raw: source::raw_row(row),
                };
                if let Err(e) = sink.reject(reject) {
                    failure = Some(e);
                }
            } else {
                stats.rows_loaded += 1;
                if validator.buffered() >= BATCH_ROWS
                    && let Err(e) = sink.rows(validator.take_batch())
                {
                    failure = Some(e);
                }
            }
            if stats.rows_read % BATCH_ROWS as u64 == 0 {
                progress.rows(stats.rows_read);
            }
        })?;
        if let Some(e) = failure {
            return Err(sink_error(e));
        }
    }
    if validator.buffered() > 0 {
        sink.rows(validator.take_batch()).map_err(sink_error)?;
    }
    progress.rows(stats.rows_read);
    Ok((stats, validator.into_keys()))
}

/// A row with no value in any cell (spreadsheets leave them behind) is not data.
fn is_blank(row: &dyn source::Row) -> bool {
    (0..row.len()).all(|i| value::trim(&row.cell(i).display()).is_empty())
}

/// The keys of data kept from a previous snapshot, so later datasets can still refer to it.
fn keys_of(def: &'static Dataset, files: &[PathBuf]) -> anyhow::Result<KeySet> {
    let mut keys = KeySet::default();
    let key_columns: Vec<usize> = def.key.iter().filter_map(|k| def.column_index(k)).collect();
    for path in files {
        let display = path.display().to_string();
        let mut source = source::open(path, &display, Format::Parquet)?;
        let positions: Vec<Option<usize>> = key_columns
            .iter()
            .map(|&i| {
                source
                    .headers()
                    .iter()
                    .position(|h| h == def.columns[i].name)
            })
            .collect();
        source.rows(&mut |row, _| {
            let values: Vec<value::Value<'_>> = key_columns
                .iter()
                .zip(&positions)
                .map(|(&i, p)| {
                    let cell = p.map_or(value::Cell::Empty, |p| row.cell(p));
                    value::parse(cell, def.columns[i].kind).unwrap_or(value::Value::Null)
                })
                .collect();
            keys.insert(validate::key_hash(values.iter()));
        })?;
    }
    Ok(keys)
}
