//! Writing one snapshot: Parquet files streamed batch by batch, rejects beside them, then the
//! manifest, then publication by two atomic renames.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use datafusion::arrow::array::{ArrayRef, Int64Builder, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};

use super::manifest::{DatasetRecord, DatasetStatus, MANIFEST_FILE, Manifest};
use super::{CURRENT, REJECTS, SNAPSHOTS, Warehouse};
use crate::contract::{Dataset, warehouse_schema};
use crate::fsutil::{sync_dir, sync_tree};
use crate::ingest::{DatasetStats, FileError, Kept, Reject, Sink};

/// The schema of `load_rejects`: the contract's columns first, then the kind of problem the
/// row is counted under (its first problem's, naming no value), then what a person needs to
/// fix and resubmit the row. `kind` is nullable because rejects kept from a snapshot written
/// before it existed lack it, and are read beside new ones as one table.
pub fn rejects_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("dataset", DataType::Utf8, false),
        Field::new("source_file", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, true),
        Field::new("column", DataType::Utf8, true),
        Field::new("raw_row", DataType::Utf8, false),
    ]))
}

/// A Parquet file being written; it is only complete once `finish` has run. Encoding and
/// compression run on a thread of their own, so the load's reading thread only hands batches
/// over (a few are queued, so memory stays bounded).
struct ParquetFile {
    path: PathBuf,
    batches: Option<std::sync::mpsc::SyncSender<RecordBatch>>,
    writer: Option<std::thread::JoinHandle<anyhow::Result<File>>>,
}

impl ParquetFile {
    fn create(path: PathBuf, schema: SchemaRef) -> anyhow::Result<ParquetFile> {
        ParquetFile::create_without_statistics(path, schema, &[])
    }

    /// A file whose columns `unsummarised` have no minimum and maximum: a dataset's extra
    /// columns, kept for the record and never filtered by a view. Those figures are worked out
    /// value by value as a column is written (comparing a date as text with both, for every row
    /// of an ESR export: about 7 % of the writer's work), and would serve nothing.
    fn create_without_statistics(
        path: PathBuf,
        schema: SchemaRef,
        unsummarised: &[&str],
    ) -> anyhow::Result<ParquetFile> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let props = unsummarised.iter().fold(
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(1 << 20)),
            |props, &column| {
                props.set_column_statistics_enabled(column.into(), EnabledStatistics::None)
            },
        );
        let props = props.build();
        let mut writer =
            ArrowWriter::try_new(BufWriter::with_capacity(1 << 20, file), schema, Some(props))?;
        let (batches, queue) = std::sync::mpsc::sync_channel::<RecordBatch>(4);
        let display = path.display().to_string();
        let writer = std::thread::Builder::new()
            .name("parquet-writer".into())
            .spawn(move || {
                for batch in queue {
                    writer
                        .write(&batch)
                        .with_context(|| format!("cannot write {display}"))?;
                }
                writer
                    .into_inner()
                    .and_then(|w| w.into_inner().map_err(|e| e.into_error().into()))
                    .with_context(|| format!("cannot write {display}"))
            })
            .context("cannot start a thread to write Parquet")?;
        Ok(ParquetFile {
            path,
            batches: Some(batches),
            writer: Some(writer),
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> anyhow::Result<()> {
        let sent = self.batches.as_ref().map(|b| b.send(batch.clone()));
        match sent {
            Some(Ok(())) => Ok(()),
            // The writer stopped: its error says why.
            _ => self.join().map(|_| ()),
        }
    }

    /// Stops taking batches and waits for the writer: the file, or why it could not be written.
    fn join(&mut self) -> anyhow::Result<File> {
        self.batches = None;
        match self.writer.take().map(std::thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => anyhow::bail!("{} was already closed", self.path.display()),
        }
    }

    fn finish(mut self) -> anyhow::Result<()> {
        let file = self.join()?;
        file.sync_all()
            .with_context(|| format!("cannot flush {} to disk", self.path.display()))
    }
}

impl Drop for ParquetFile {
    /// An abandoned file's writer is waited for, so nothing writes after its folder is removed.
    fn drop(&mut self) {
        if self.writer.is_some() && !std::thread::panicking() {
            let _ = self.join();
        }
    }
}

/// Buffers rejects and writes them as `load_rejects/<dataset>.parquet`.
struct RejectsFile {
    file: ParquetFile,
    dataset: StringBuilder,
    source_file: StringBuilder,
    line: Int64Builder,
    reason: StringBuilder,
    kind: StringBuilder,
    column: StringBuilder,
    raw_row: StringBuilder,
    buffered: usize,
}

impl RejectsFile {
    fn create(path: PathBuf) -> anyhow::Result<RejectsFile> {
        Ok(RejectsFile {
            file: ParquetFile::create(path, rejects_schema())?,
            dataset: StringBuilder::new(),
            source_file: StringBuilder::new(),
            line: Int64Builder::new(),
            reason: StringBuilder::new(),
            kind: StringBuilder::new(),
            column: StringBuilder::new(),
            raw_row: StringBuilder::new(),
            buffered: 0,
        })
    }

    fn push(&mut self, r: &Reject<'_>) -> anyhow::Result<()> {
        let reason: Vec<&str> = r.problems.iter().map(|p| p.reason.as_str()).collect();
        self.dataset.append_value(r.dataset);
        self.source_file.append_value(r.file);
        self.line.append_value(r.line as i64);
        self.reason.append_value(reason.join("; "));
        self.kind.append_option(r.kind().map(|k| k.to_string()));
        self.column
            .append_option(r.problems.iter().find_map(|p| p.column));
        self.raw_row.append_value(&r.raw);
        self.buffered += 1;
        if self.buffered >= 8192 {
            self.flush()
        } else {
            Ok(())
        }
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.dataset.finish()),
            Arc::new(self.source_file.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.reason.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.column.finish()),
            Arc::new(self.raw_row.finish()),
        ];
        self.buffered = 0;
        self.file
            .write(&RecordBatch::try_new(rejects_schema(), columns)?)
    }

    fn finish(mut self) -> anyhow::Result<()> {
        if self.buffered > 0 {
            self.flush()?;
        }
        self.file.finish()
    }
}

struct Open {
    dataset: &'static Dataset,
    rows: ParquetFile,
    rejects: RejectsFile,
}

/// A snapshot being written. Nothing is visible to readers until `publish`.
pub struct SnapshotWriter {
    warehouse: Warehouse,
    id: String,
    dir: PathBuf,
    previous: Option<(PathBuf, Manifest)>,
    open: Option<Open>,
    records: Vec<DatasetRecord>,
}

impl SnapshotWriter {
    pub(super) fn create(warehouse: &Warehouse) -> anyhow::Result<SnapshotWriter> {
        let snapshots = warehouse.root().join(SNAPSHOTS);
        std::fs::create_dir_all(&snapshots)
            .with_context(|| format!("cannot create {}", snapshots.display()))?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
        let mut id = stamp.clone();
        let mut n = 1;
        while snapshots.join(&id).exists() || snapshots.join(format!("{id}.partial")).exists() {
            id = format!("{stamp}-{n}");
            n += 1;
        }
        let dir = snapshots.join(format!("{id}.partial"));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let previous = match warehouse.current()? {
            Some(dir) => Some((dir.clone(), Manifest::read(&dir)?)),
            None => None,
        };
        Ok(SnapshotWriter {
            warehouse: warehouse.clone(),
            id,
            dir,
            previous,
            open: None,
            records: vec![],
        })
    }

    /// The new snapshot's name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The manifest of the snapshot this one replaces.
    pub fn previous(&self) -> Option<&Manifest> {
        self.previous.as_ref().map(|(_, m)| m)
    }

    /// Deletes the unfinished snapshot.
    pub fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// What happened to each dataset written so far.
    pub fn records(&self) -> &[DatasetRecord] {
        &self.records
    }

    fn rejects_path(&self, dataset: &str) -> PathBuf {
        self.dir.join(REJECTS).join(format!("{dataset}.parquet"))
    }

    fn open(&mut self) -> anyhow::Result<&mut Open> {
        self.open.as_mut().context("no dataset is being written")
    }

    /// Links (or copies) a dataset's files from the previous snapshot into this one.
    fn keep_previous(
        &self,
        dataset: &Dataset,
    ) -> anyhow::Result<Option<(Vec<PathBuf>, &DatasetRecord)>> {
        let Some((dir, manifest)) = &self.previous else {
            return Ok(None);
        };
        let Some(rec) = manifest.dataset(dataset.name) else {
            return Ok(None);
        };
        if !matches!(
            rec.status,
            DatasetStatus::Loaded | DatasetStatus::KeptPrevious
        ) {
            return Ok(None);
        }
        let mut files = vec![];
        let from = dir.join(dataset.name);
        let to = self.dir.join(dataset.name);
        std::fs::create_dir_all(&to).with_context(|| format!("cannot create {}", to.display()))?;
        for entry in
            std::fs::read_dir(&from).with_context(|| format!("cannot read {}", from.display()))?
        {
            let entry = entry?;
            let target = to.join(entry.file_name());
            link_or_copy(&entry.path(), &target)?;
            files.push(target);
        }
        let rejects = dir.join(REJECTS).join(format!("{}.parquet", dataset.name));
        if rejects.exists() {
            link_or_copy(&rejects, &self.rejects_path(dataset.name))?;
        }
        Ok(Some((files, rec)))
    }

    /// Writes the manifest and summary tables, then makes this snapshot `current`.
    pub fn publish(self, manifest: Manifest) -> anyhow::Result<PathBuf> {
        self.seal(manifest)?.publish()
    }

    /// Writes the manifest and summary tables: the snapshot is complete and can be queried by
    /// its folder, but no reader of `current` sees it until [`SealedSnapshot::publish`].
    pub fn seal(self, mut manifest: Manifest) -> anyhow::Result<SealedSnapshot> {
        manifest.snapshot = self.id.clone();
        manifest.datasets = self.records.clone();
        write_summary_tables(&self.dir, &manifest)?;
        let manifest_path = self.dir.join(MANIFEST_FILE);
        let json = serde_json::to_vec_pretty(&manifest)?;
        std::fs::write(&manifest_path, json)
            .with_context(|| format!("cannot write {}", manifest_path.display()))?;
        Ok(SealedSnapshot {
            warehouse: self.warehouse,
            id: self.id,
            dir: self.dir,
        })
    }
}

/// A complete snapshot not yet published: what a refresh queries and typesets the report from
/// before anyone can see the new data. Dropped without publishing, it is left as `.partial`
/// for the next writer to clear away.
pub struct SealedSnapshot {
    warehouse: Warehouse,
    id: String,
    dir: PathBuf,
}

impl SealedSnapshot {
    /// The snapshot's name, as it will appear under `snapshots/`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where it is while unpublished.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Adds a file (the report, the refresh record) to the snapshot before it is published.
    pub fn write_file(&self, relative: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Deletes the unpublished snapshot.
    pub fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Flushes the snapshot to disk (so a crash after publication cannot leave `current` naming
    /// files whose contents never reached the disk), renames it into place and switches
    /// `current` to it.
    pub fn publish(self) -> anyhow::Result<PathBuf> {
        sync_tree(&self.dir)?;
        let snapshots = self.warehouse.root().join(SNAPSHOTS);
        let finished = snapshots.join(&self.id);
        std::fs::rename(&self.dir, &finished).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.dir.display(),
                finished.display()
            )
        })?;
        sync_dir(&snapshots)?;

        let root = self.warehouse.root();
        let link = root.join(format!(".{CURRENT}.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(Path::new(SNAPSHOTS).join(&self.id), &link)
            .with_context(|| format!("cannot create {}", link.display()))?;
        std::fs::rename(&link, root.join(CURRENT)).with_context(|| {
            format!(
                "cannot switch {} to the new snapshot",
                root.join(CURRENT).display()
            )
        })?;
        sync_dir(root)?;
        Ok(finished)
    }
}

fn record(
    dataset: &Dataset,
    status: DatasetStatus,
    stats: DatasetStats,
    error: Option<String>,
    loaded_in: Option<String>,
) -> DatasetRecord {
    DatasetRecord {
        name: dataset.name.to_owned(),
        status,
        stats,
        error,
        loaded_in,
    }
}

impl Sink for SnapshotWriter {
    fn absent(&mut self, dataset: &'static Dataset) {
        self.records.push(record(
            dataset,
            DatasetStatus::Absent,
            DatasetStats::default(),
            None,
            None,
        ));
    }

    fn begin(&mut self, dataset: &'static Dataset, schema: SchemaRef) -> anyhow::Result<()> {
        let extras: Vec<&str> = schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .filter(|name| dataset.columns.iter().all(|c| c.name != *name))
            .collect();
        let path = self.dir.join(dataset.name).join("part-0.parquet");
        let rows = ParquetFile::create_without_statistics(path, schema.clone(), &extras)?;
        let rejects = RejectsFile::create(self.rejects_path(dataset.name))?;
        self.open = Some(Open {
            dataset,
            rows,
            rejects,
        });
        Ok(())
    }

    fn rows(&mut self, batch: RecordBatch) -> anyhow::Result<()> {
        self.open()?.rows.write(&batch)
    }

    fn reject(&mut self, reject: Reject<'_>) -> anyhow::Result<()> {
        self.open()?.rejects.push(&reject)
    }

    fn commit(&mut self, stats: &DatasetStats) -> anyhow::Result<()> {
        let open = self.open.take().context("no dataset is being written")?;
        open.rows.finish()?;
        open.rejects.finish()?;
        let loaded_in = Some(self.id.clone());
        self.records.push(record(
            open.dataset,
            DatasetStatus::Loaded,
            *stats,
            None,
            loaded_in,
        ));
        Ok(())
    }

    fn abandon(
        &mut self,
        dataset: &'static Dataset,
        error: &FileError,
    ) -> anyhow::Result<Option<Kept>> {
        self.open = None;
        let partial = self.dir.join(dataset.name);
        if partial.exists() {
            std::fs::remove_dir_all(&partial)
                .with_context(|| format!("cannot remove {}", partial.display()))?;
        }
        let rejects = self.rejects_path(dataset.name);
        if rejects.exists() {
            std::fs::remove_file(&rejects)
                .with_context(|| format!("cannot remove {}", rejects.display()))?;
        }
        let message = Some(error.to_string());
        match self.keep_previous(dataset)? {
            Some((files, prev)) => {
                let stats = prev.stats;
                let loaded_in = prev
                    .loaded_in
                    .clone()
                    .or_else(|| self.previous().map(|m| m.snapshot.clone()));
                self.records.push(record(
                    dataset,
                    DatasetStatus::KeptPrevious,
                    stats,
                    message,
                    loaded_in,
                ));
                Ok(Some(Kept { files, stats }))
            }
            None => {
                // An empty table with the contract's columns, so views and other readers still work.
                let schema = warehouse_schema(dataset, &[]);
                ParquetFile::create(partial.join("part-0.parquet"), schema)?.finish()?;
                RejectsFile::create(rejects)?.finish()?;
                self.records.push(record(
                    dataset,
                    DatasetStatus::Failed,
                    DatasetStats::default(),
                    message,
                    None,
                ));
                Ok(None)
            }
        }
    }
}

fn link_or_copy(from: &Path, to: &Path) -> anyhow::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Snapshot files are never modified, so a hard link is as good as a copy and costs nothing.
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

/// `load_summary` (rows per dataset) and `load_files` (every input file with its hash), so the
/// manifest can be queried like any other table.
fn write_summary_tables(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let summary = Arc::new(Schema::new(vec![
        Field::new("dataset", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("rows_read", DataType::Int64, false),
        Field::new("rows_loaded", DataType::Int64, false),
        Field::new("rows_rejected", DataType::Int64, false),
        Field::new("rows_skipped", DataType::Int64, false),
        Field::new("error", DataType::Utf8, true),
        Field::new("loaded_in", DataType::Utf8, true),
    ]));
    let d = &manifest.datasets;
    let ints = |f: fn(&DatasetRecord) -> u64| -> ArrayRef {
        Arc::new(
            d.iter()
                .map(|r| f(r) as i64)
                .collect::<datafusion::arrow::array::Int64Array>(),
        )
    };
    let texts = |f: fn(&DatasetRecord) -> Option<&str>| -> ArrayRef {
        Arc::new(
            d.iter()
                .map(f)
                .collect::<datafusion::arrow::array::StringArray>(),
        )
    };
    let batch = RecordBatch::try_new(
        summary.clone(),
        vec![
            texts(|r| Some(&r.name)),
            texts(|r| Some(r.status.as_str())),
            ints(|r| r.stats.rows_read),
            ints(|r| r.stats.rows_loaded),
            ints(|r| r.stats.rows_rejected),
            ints(|r| r.stats.rows_skipped),
            texts(|r| r.error.as_deref()),
            texts(|r| r.loaded_in.as_deref()),
        ],
    )?;
    let mut file = ParquetFile::create(dir.join("load_summary").join("part-0.parquet"), summary)?;
    file.write(&batch)?;
    file.finish()?;

    let files = Arc::new(Schema::new(vec![
        Field::new("dataset", DataType::Utf8, false),
        Field::new("path", DataType::Utf8, false),
        Field::new("format", DataType::Utf8, false),
        Field::new("bytes", DataType::Int64, false),
        Field::new("xxh3_128", DataType::Utf8, false),
        Field::new("mapping", DataType::Utf8, true),
        Field::new("rows_skipped", DataType::Int64, false),
    ]));
    let f = &manifest.files;
    let col =
        |v: Vec<String>| -> ArrayRef { Arc::new(datafusion::arrow::array::StringArray::from(v)) };
    let batch = RecordBatch::try_new(
        files.clone(),
        vec![
            col(f.iter().map(|r| r.dataset.clone()).collect()),
            col(f.iter().map(|r| r.path.clone()).collect()),
            col(f
                .iter()
                .map(|r| format!("{:?}", r.format).to_lowercase())
                .collect()),
            Arc::new(
                f.iter()
                    .map(|r| r.bytes as i64)
                    .collect::<datafusion::arrow::array::Int64Array>(),
            ),
            col(f.iter().map(|r| r.xxh3_128.clone()).collect()),
            Arc::new(
                f.iter()
                    .map(|r| r.mapping.clone())
                    .collect::<datafusion::arrow::array::StringArray>(),
            ),
            Arc::new(
                f.iter()
                    .map(|r| r.rows_skipped as i64)
                    .collect::<datafusion::arrow::array::Int64Array>(),
            ),
        ],
    )?;
    let mut file = ParquetFile::create(dir.join("load_files").join("part-0.parquet"), files)?;
    file.write(&batch)?;
    file.finish()
}
