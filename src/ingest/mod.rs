//! Ingest: find each dataset's files in the input folder, read them whatever their format,
//! validate every row against the contract, and hand the good rows and the rejects to a sink
//! (the warehouse for `load`, a printer for `check`).
//!
//! `discover` lists the folder, `formats` opens a file as its format's `Source` (`csv`, `xlsx`,
//! `parquet`), `value` parses cells, `validate` checks rows and builds batches (`problem` says
//! what is wrong with a row), `parallel` checks big files on several threads, `sink` is where
//! it all goes; this file reads the datasets in contract order.
//!
//! To add an input format: a `Source` in a file of its own, an arm in `formats::open` and in
//! `Format::from_path`. To add a dataset or column: `contract/datasets.rs` only. Files in other
//! layouts are read through a mapping (`mapping/`), applied cell by cell as the validator reads
//! them.

mod csv;
pub mod digest;
mod discover;
pub mod formats;
mod keys;
pub mod limits;
pub mod mapping;
pub mod memory;
mod parallel;
mod parquet;
pub mod problem;
pub mod records;
mod sink;
pub mod source;
mod split;
pub mod validate;
pub mod value;
mod wide;
mod xlsx;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use discover::{Discovery, InputFile, discover};
pub use formats::Format;
use limits::MAX_COLUMNS;
use mapping::{ColumnPlan, Layout, Mappings};
pub use problem::{Problem, ProblemKind};
pub use sink::{DatasetStats, Kept, Progress, Reject, Sink};
pub use source::FileError;
use source::is_blank;
use validate::{BATCH_ROWS, KeyIndex, KeySet, Pushed, Validator};
pub use wide::notes as column_notes;

use crate::contract::{self, Dataset};

/// One file of a dataset: how its columns were found and what became of its rows.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// Relative to the input folder.
    pub file: String,
    /// `None` when the file could not be opened.
    pub layout: Option<Layout>,
    /// Its rows (all zero when the dataset stopped before they were read).
    pub stats: DatasetStats,
    /// The size and hash of the bytes its rows were read from, when it was read to its end by
    /// a reader that hashes (CSV, Parquet).
    pub digest: Option<digest::Digest>,
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
    /// Each file's layout and counts, as far as the dataset was read.
    pub file_reports: Vec<FileReport>,
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

/// Reads every dataset of `input` into `sink`, in contract order so foreign keys resolve.
pub fn ingest(
    input: &Path,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
) -> anyhow::Result<IngestReport> {
    ingest_discovered(discover(input, &Mappings::default())?, sink, progress)
}

/// Like [`ingest`], for a folder already listed (and perhaps with datasets blocked) by the caller.
pub fn ingest_discovered(
    mut discovery: Discovery,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
) -> anyhow::Result<IngestReport> {
    let mut keys = KeyIndex::default();
    let mut datasets = vec![];
    for def in contract::DATASETS {
        progress.dataset(def.name);
        let mut file_reports = vec![];
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
                    file_reports: vec![],
                    outcome: Outcome::Absent,
                });
                continue;
            }
            None => read_dataset(
                def,
                &files,
                &from_disk,
                &keys,
                sink,
                progress,
                &mut file_reports,
            ),
        };
        datasets.push(settle(def, files, file_reports, result, &mut keys, sink)?);
    }
    Ok(IngestReport {
        datasets,
        ignored: discovery.ignored,
    })
}

/// Commits a dataset read, or abandons it for the previous snapshot's data; either way its
/// keys are kept for the datasets read after it.
fn settle(
    def: &'static Dataset,
    files: Vec<InputFile>,
    file_reports: Vec<FileReport>,
    result: Result<(DatasetStats, KeySet), FileError>,
    keys: &mut KeyIndex,
    sink: &mut dyn Sink,
) -> anyhow::Result<DatasetReport> {
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
    Ok(DatasetReport {
        dataset: def,
        files,
        file_reports,
        outcome,
    })
}

/// Opens one of a dataset's files as its format's source: from the input folder for a load,
/// from memory for [`memory::Memory`].
type Open<'a> = dyn Fn(&InputFile) -> Result<Box<dyn source::Source>, FileError> + 'a;

fn from_disk(file: &InputFile) -> Result<Box<dyn source::Source>, FileError> {
    formats::open(&file.path, &file.relative, file.format)
}

/// Reads all files of one dataset. Headers are checked first, so a file error in any file
/// stops the dataset before any of its rows are written. `reports` gets each file's layout
/// as soon as it is known (so `check` can show it even when a later file stops the dataset),
/// then its counts.
fn read_dataset(
    def: &'static Dataset,
    files: &[InputFile],
    open: &Open<'_>,
    keys: &KeyIndex,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
    reports: &mut Vec<FileReport>,
) -> Result<(DatasetStats, KeySet), FileError> {
    let mut extras: Vec<String> = vec![];
    let mut seen: HashSet<String> = HashSet::new();
    let mut layouts = Vec::with_capacity(files.len());
    for file in files {
        let source = open(file)?;
        let layout = Layout::new(def, file.mapping.as_ref(), source.headers(), &file.relative)
            .and_then(|mut layout| wide::narrow(&mut layout, file, open).map(|()| layout));
        reports.push(FileReport {
            file: file.relative.clone(),
            layout: layout.as_ref().ok().cloned(),
            stats: DatasetStats::default(),
            digest: None,
        });
        let layout = layout?;
        for (_, name, _) in &layout.extras {
            if seen.insert(name.clone()) {
                extras.push(name.clone());
            }
        }
        layouts.push(layout);
    }
    if def.columns.len() + extras.len() > MAX_COLUMNS {
        return Err(FileError::Dataset {
            path: def.name.into(),
            message: format!(
                "its files have {} different extra columns between them, more than the {} a dataset may have",
                crate::numbers::thousands(extras.len() as u64),
                crate::numbers::thousands((MAX_COLUMNS - def.columns.len()) as u64)
            ),
        });
    }
    let mut validator = Validator::new(def, extras.clone(), keys);
    let sink_error = |e: anyhow::Error| FileError::Dataset {
        path: def.name.into(),
        message: format!("{e:#}"),
    };
    sink.begin(def, validator.schema()).map_err(sink_error)?;
    let mut stats = DatasetStats::default();
    for ((file, layout), report) in files.iter().zip(&layouts).zip(reports.iter_mut()) {
        let before = stats;
        let mut source = open(file)?;
        let mut map = ColumnPlan::new(layout, &extras);
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
            report.digest = same_file(file, source.as_ref())?;
            report.stats = stats.since(&before);
            continue;
        }
        let mut failure: Option<anyhow::Error> = None;
        source.rows(&mut |row, line| {
            if failure.is_some() || is_blank(row) {
                return;
            }
            stats.rows_read += 1;
            match validator.push(row, &map) {
                Pushed::Loaded => {
                    stats.rows_loaded += 1;
                    if (validator.buffered() >= BATCH_ROWS
                        || validator.buffered_bytes() >= limits::BATCH_BYTES)
                        && let Err(e) = sink.rows(validator.take_batch())
                    {
                        failure = Some(e);
                    }
                }
                Pushed::Skipped => stats.rows_skipped += 1,
                Pushed::Rejected(problems) => {
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
                }
            }
            if stats.rows_read % BATCH_ROWS as u64 == 0 {
                progress.rows(stats.rows_read);
            }
        })?;
        if let Some(e) = failure {
            return Err(sink_error(e));
        }
        report.digest = same_file(file, source.as_ref())?;
        report.stats = stats.since(&before);
    }
    if validator.buffered() > 0 {
        sink.rows(validator.take_batch()).map_err(sink_error)?;
    }
    progress.rows(stats.rows_read);
    Ok((stats, validator.into_keys()))
}

/// The size and hash of the bytes just read (when the reader hashes them), or a file error when
/// they are not of the file listed: it was rewritten in between (or while it was read), so what
/// was read is neither the file the manifest would name nor, perhaps, any whole file.
fn same_file(
    file: &InputFile,
    source: &dyn source::Source,
) -> Result<Option<digest::Digest>, FileError> {
    let read = source.digest();
    let same = match file.listed {
        Some(digest::Listed::Hashed(listed)) => read.is_none_or(|read| read == listed),
        Some(digest::Listed::Stamped(listed)) => listed.still(&file.path, read),
        None => true,
    };
    match same {
        true => Ok(read),
        false => Err(FileError::Format {
            path: file.relative.clone(),
            message: "the file changed while it was being read (it is not the file listed when the load began), so none of its dataset was loaded: load again once it is complete".into(),
        }),
    }
}

/// The keys of data kept from a previous snapshot, so later datasets can still refer to it.
fn keys_of(def: &'static Dataset, files: &[PathBuf]) -> anyhow::Result<KeySet> {
    let mut keys = KeySet::default();
    let key_columns: Vec<usize> = def.key.iter().filter_map(|k| def.column_index(k)).collect();
    for path in files {
        let display = path.display().to_string();
        let mut source = formats::open(path, &display, Format::Parquet)?;
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
