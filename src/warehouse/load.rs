//! Reading an input folder into a new snapshot: the part `load` and `refresh` share.

use std::path::{Path, PathBuf};

use anyhow::Context;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;

use super::manifest::InputFileRecord;
use super::{DatasetRecord, Manifest, SealedSnapshot, SnapshotWriter, Warehouse, WarehouseLock};
use crate::contract::Dataset;
use crate::ingest::digest::{Digest, Listed, Stamp, hash_file};
use crate::ingest::mapping::Mappings;
use crate::ingest::{
    self, DatasetStats, Discovery, FileError, IngestReport, Kept, Progress, Reject, Sink,
};

/// A load that has been written and sealed but not yet published.
pub struct Loaded {
    pub sealed: SealedSnapshot,
    pub report: IngestReport,
    /// What happened to each dataset, in load order.
    pub records: Vec<DatasetRecord>,
}

/// Every file of a listed input folder with its size and content hash, as the manifest
/// records them and refresh compares them. Each file of `discovery` keeps its hash too: the
/// reader hashes the bytes it reads, and a file whose bytes differ from these (rewritten in
/// between) is not loaded, so the manifest's hashes are of the bytes loaded. Files are hashed on
/// every core (an ESR export is gigabytes in a dozen files).
pub fn hash_inputs(discovery: &mut Discovery) -> anyhow::Result<Vec<InputFileRecord>> {
    let mut found = listed_files(discovery);
    let digests = hash_listed(found.iter_mut().map(|(_, f)| &mut **f).collect())?;
    Ok(found
        .iter()
        .zip(digests)
        .map(|((dataset, f), digest)| record(dataset, f, digest, 0))
        .collect())
}

/// Hashes `files` on every core, each remembering its hash as what the load listed; their
/// digests, in order.
fn hash_listed(mut files: Vec<&mut ingest::InputFile>) -> anyhow::Result<Vec<Digest>> {
    let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    let digests = hash_files(&paths);
    let mut out = vec![];
    for (f, digest) in files.iter_mut().zip(digests) {
        let digest = digest.with_context(|| format!("cannot read {}", f.path.display()))?;
        f.listed = Some(Listed::Hashed(digest));
        out.push(digest);
    }
    Ok(out)
}

/// Lists `discovery`'s files for a load that reads each byte once: a file whose reader hashes
/// what it reads (CSV, Parquet) is only stamped now (which file, its size, when it last
/// changed), and its hash is taken as it is read; the rest are hashed now, as [`hash_inputs`]
/// does. [`load_input`] then records the hash of the bytes read, and a file that is no longer
/// the one stamped after it was read is not loaded.
pub fn stamp_inputs(discovery: &mut Discovery) -> anyhow::Result<()> {
    let (hashed, stamped): (Vec<_>, Vec<_>) = listed_files(discovery)
        .into_iter()
        .map(|(_, f)| f)
        .partition(|f| !f.format.hashed_as_read());
    for f in stamped {
        let stamp =
            Stamp::of(&f.path).with_context(|| format!("cannot read {}", f.path.display()))?;
        f.listed = Some(Listed::Stamped(stamp));
    }
    hash_listed(hashed)?;
    Ok(())
}

/// Every file of `discovery` with its dataset, datasets in name order, each one's files in path
/// order: the order of the manifest's files.
fn listed_files(discovery: &mut Discovery) -> Vec<(&'static str, &mut ingest::InputFile)> {
    discovery
        .datasets
        .iter_mut()
        .flat_map(|(dataset, files)| files.iter_mut().map(move |f| (*dataset, f)))
        .collect()
}

/// The manifest's record of one input file.
fn record(
    dataset: &str,
    f: &ingest::InputFile,
    digest: Digest,
    rows_skipped: u64,
) -> InputFileRecord {
    InputFileRecord {
        dataset: dataset.to_owned(),
        path: f.relative.clone(),
        format: f.format,
        bytes: digest.bytes,
        xxh3_128: digest.hex(),
        mapping: f.mapping.as_ref().map(|m| m.name()),
        rows_skipped,
    }
}

/// The manifest's record of every input file `report` read or listed, in [`listed_files`]'s
/// order: each with the size and hash of the bytes read from it; a file not read to its end
/// (its dataset stopped first) or whose reader does not hash has the hash taken when it was
/// listed, or is hashed now.
fn input_records(report: &IngestReport) -> anyhow::Result<Vec<InputFileRecord>> {
    let mut files = vec![];
    for d in &report.datasets {
        for f in &d.files {
            let read = d.file_reports.iter().find(|r| r.file == f.relative);
            let digest = match (read.and_then(|r| r.digest), f.listed) {
                (Some(digest), _) | (None, Some(Listed::Hashed(digest))) => digest,
                _ => hash_file(&f.path)
                    .with_context(|| format!("cannot read {}", f.path.display()))?,
            };
            let skipped = read.map_or(0, |r| r.stats.rows_skipped);
            files.push(record(d.dataset.name, f, digest, skipped));
        }
    }
    // Stable: each dataset's files stay in path order.
    files.sort_by(|a, b| a.dataset.cmp(&b.dataset));
    Ok(files)
}

/// The hash of each file, in order, the files shared among up to one thread a core.
fn hash_files(paths: &[&Path]) -> Vec<std::io::Result<ingest::digest::Digest>> {
    crate::work::map_in_order(paths, crate::work::cores(), |p| hash_file(p))
}

/// Why a warehouse whose live snapshot has `live` as its manifest must load `input` before it is
/// read, to be in step with it: it is empty, or the input folder's dataset files differ (added,
/// removed or changed content) from the files the snapshot was loaded from. `None` when it is in
/// step, or when there is no input folder to load. `mappings` are the configuration's, which
/// say which files belong to which dataset.
pub fn why_load(
    live: Option<&Manifest>,
    input: &Path,
    mappings: &Mappings,
) -> anyhow::Result<Option<&'static str>> {
    let Some(manifest) = live else {
        return Ok(Some("the warehouse is empty"));
    };
    if !input.is_dir() {
        return Ok(None);
    }
    let files = hash_inputs(&mut ingest::discover(input, mappings)?)?;
    Ok((!manifest.input_changes(&files).is_empty())
        .then_some("the input files changed since the warehouse was loaded"))
}

/// A load published as the live snapshot.
pub struct Published {
    /// The snapshot's folder.
    pub snapshot: PathBuf,
    pub report: IngestReport,
    /// What happened to each dataset, in load order.
    pub records: Vec<DatasetRecord>,
}

/// `load`: stamps `input`'s files (as `discovery` lists them; [`stamp_inputs`]), reads and
/// hashes them into a new snapshot, publishes the snapshot and prunes all but the newest `keep`. `step` hears each stage begin;
/// `on_reject` and `progress` are as for [`load_input`].
#[allow(clippy::too_many_arguments)]
pub fn load_and_publish(
    warehouse: &Warehouse,
    lock: &WarehouseLock,
    input: &Path,
    mut discovery: Discovery,
    keep: usize,
    on_reject: &mut dyn FnMut(&Reject<'_>) -> anyhow::Result<()>,
    step: &dyn Fn(&str),
    progress: &dyn Progress,
) -> anyhow::Result<Published> {
    step("listing input files");
    stamp_inputs(&mut discovery)?;
    let loaded = load_input(warehouse, lock, input, discovery, on_reject, progress)?;
    step("publishing the snapshot");
    let snapshot = loaded.sealed.publish()?;
    warehouse.prune(keep, lock)?;
    Ok(Published {
        snapshot,
        report: loaded.report,
        records: loaded.records,
    })
}

/// Reads `discovery` (the listing of `input`, its files hashed by [`hash_inputs`] or stamped by
/// [`stamp_inputs`]) into a new snapshot and seals it, the manifest naming each file with the
/// hash of the bytes read from it; `on_reject` sees every rejected row (to print the first few)
/// as it is written to the rejects table.
pub fn load_input(
    warehouse: &Warehouse,
    lock: &WarehouseLock,
    input: &Path,
    discovery: Discovery,
    on_reject: &mut dyn FnMut(&Reject<'_>) -> anyhow::Result<()>,
    progress: &dyn Progress,
) -> anyhow::Result<Loaded> {
    let started = now();
    let ignored = discovery.ignored.clone();
    let mut tee = Tee {
        writer: warehouse.begin_snapshot(lock)?,
        on_reject,
    };
    let report = match ingest::ingest_discovered(discovery, &mut tee, progress) {
        Ok(report) => report,
        Err(e) => {
            tee.writer.discard();
            return Err(e);
        }
    };
    let writer = tee.writer;
    let files = match input_records(&report) {
        Ok(files) => files,
        Err(e) => {
            writer.discard();
            return Err(e);
        }
    };
    let records = writer.records().to_vec();
    let manifest = Manifest {
        snapshot: String::new(),
        program_version: env!("CARGO_PKG_VERSION").to_owned(),
        load_started: started,
        load_finished: now(),
        input: input.display().to_string(),
        files,
        datasets: vec![],
        ignored_files: ignored,
    };
    Ok(Loaded {
        sealed: writer.seal(manifest)?,
        report,
        records,
    })
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Writes to the snapshot and shows each reject to the caller.
struct Tee<'a> {
    writer: SnapshotWriter,
    on_reject: &'a mut dyn FnMut(&Reject<'_>) -> anyhow::Result<()>,
}

impl Sink for Tee<'_> {
    fn begin(&mut self, dataset: &'static Dataset, schema: SchemaRef) -> anyhow::Result<()> {
        self.writer.begin(dataset, schema)
    }
    fn rows(&mut self, batch: RecordBatch) -> anyhow::Result<()> {
        self.writer.rows(batch)
    }
    fn reject(&mut self, reject: Reject<'_>) -> anyhow::Result<()> {
        (self.on_reject)(&reject)?;
        self.writer.reject(reject)
    }
    fn commit(&mut self, stats: &DatasetStats) -> anyhow::Result<()> {
        self.writer.commit(stats)
    }
    fn abandon(
        &mut self,
        dataset: &'static Dataset,
        error: &FileError,
    ) -> anyhow::Result<Option<Kept>> {
        self.writer.abandon(dataset, error)
    }
    fn absent(&mut self, dataset: &'static Dataset) {
        self.writer.absent(dataset);
    }
}
