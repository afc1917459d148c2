//! `safeguard load`: validate the input folder into a new warehouse snapshot and publish it.

use std::io::Write;

use anyhow::Context;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;

use super::args::LoadCommand;
use super::check::{ProblemPrinter, file_error_line};
use super::exit;
use super::progress::{Reporter, count, thousands};
use crate::config::Config;
use crate::ingest::{self, Dataset, DatasetStats, FileError, Kept, Reject, Sink};
use crate::warehouse::manifest::{InputFileRecord, hash_file};
use crate::warehouse::{DEFAULT_KEEP, DatasetStatus, Manifest, SnapshotWriter, Warehouse};

/// How many rejects `load` prints; the rest are in the load_rejects table.
const SHOWN_REJECTS: usize = 20;

/// Writes to the snapshot and prints the first few rejects.
struct Tee<'a, W: Write> {
    writer: SnapshotWriter,
    printer: ProblemPrinter<'a, W>,
}

impl<W: Write> Sink for Tee<'_, W> {
    fn begin(&mut self, dataset: &'static Dataset, schema: SchemaRef) -> anyhow::Result<()> {
        self.writer.begin(dataset, schema)
    }
    fn rows(&mut self, batch: RecordBatch) -> anyhow::Result<()> {
        self.writer.rows(batch)
    }
    fn reject(&mut self, reject: Reject<'_>) -> anyhow::Result<()> {
        self.printer.print(&reject)?;
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

pub fn run(cmd: LoadCommand, config: &Config, progress: &Reporter) -> anyhow::Result<u8> {
    let input = config.input(cmd.input.input.as_deref());
    let warehouse = Warehouse::new(config.warehouse(cmd.warehouse.warehouse.as_deref()));
    let keep = cmd
        .keep
        .or(config.file.keep_snapshots)
        .unwrap_or(DEFAULT_KEEP);
    if !input.is_dir() {
        return Err(super::Failure {
            code: exit::USAGE,
            message: format!("the input folder {} does not exist", input.display()),
        }
        .into());
    }
    let lock = warehouse.lock().map_err(|e| super::Failure {
        code: exit::PROBLEMS,
        message: format!("{e:#}"),
    })?;
    let started = chrono::Utc::now();
    let writer = warehouse.begin_snapshot(&lock)?;

    let mut problems = Vec::new();
    let printer = ProblemPrinter {
        input: &input,
        out: &mut problems,
        limit: SHOWN_REJECTS,
        printed: 0,
    };
    let mut tee = Tee { writer, printer };
    let report = ingest::ingest(&input, &mut tee, progress)?;

    progress.step("hashing input files");
    let mut files = vec![];
    for d in &report.datasets {
        for f in &d.files {
            let (bytes, hash) =
                hash_file(&f.path).with_context(|| format!("cannot read {}", f.path.display()))?;
            files.push(InputFileRecord {
                dataset: d.dataset.name.to_owned(),
                path: f.relative.clone(),
                format: f.format,
                bytes,
                xxh3_128: hash,
            });
        }
    }
    progress.step("publishing the snapshot");
    let manifest = Manifest {
        snapshot: String::new(),
        program_version: env!("CARGO_PKG_VERSION").to_owned(),
        load_started: started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        load_finished: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        input: input.display().to_string(),
        files,
        datasets: vec![],
        ignored_files: report.ignored.clone(),
    };
    let Tee { writer, .. } = tee;
    let records = writer.records().to_vec();
    let snapshot = writer.publish(manifest)?;
    warehouse.prune(keep, &lock)?;
    progress.finish();

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "loaded {} into {}",
        input.display(),
        snapshot.display()
    )?;
    writeln!(
        out,
        "{:<22} {:>10} {:>10} {:>10}  status",
        "dataset", "read", "loaded", "rejected"
    )?;
    for r in &records {
        let s = r.stats;
        let status = match r.status {
            DatasetStatus::Loaded => "",
            DatasetStatus::KeptPrevious => "FILE ERROR: previous data kept",
            DatasetStatus::Failed => "FILE ERROR: no data",
            DatasetStatus::Absent => "not supplied",
        };
        writeln!(
            out,
            "{:<22} {:>10} {:>10} {:>10}  {status}",
            r.name,
            thousands(s.rows_read),
            thousands(s.rows_loaded),
            thousands(s.rows_rejected)
        )?;
    }
    let rejected = report.rows_rejected();
    if rejected > 0 {
        writeln!(out, "\n{} rejected:", count(rejected, "row"))?;
        out.write_all(&problems)?;
        if rejected as usize > SHOWN_REJECTS {
            writeln!(out, "...")?;
        }
        writeln!(
            out,
            "every reject is in the load_rejects table ({}/load_rejects/)",
            warehouse.root().join("current").display()
        )?;
    }
    let errors: Vec<_> = report.file_errors().collect();
    for error in &errors {
        writeln!(out, "\nerror: {}", file_error_line(&input, error))?;
    }
    for name in &report.ignored {
        eprintln!(
            "note: {} is not a dataset and was ignored",
            input.join(name).display()
        );
    }
    Ok(if errors.is_empty() {
        exit::OK
    } else {
        exit::USAGE
    })
}
