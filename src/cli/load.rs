//! `safeguard load`: validate the input folder into a new warehouse snapshot and publish it.

use std::io::Write;
use std::path::Path;

use super::args::LoadCommand;
use super::check::{ProblemPrinter, file_error_line};
use super::exit;
use super::progress::{Reporter, count};
use crate::config::Config;
use crate::ingest::IngestReport;
use crate::ingest::mapping::Mappings;
use crate::numbers::thousands;
use crate::warehouse::load::load_and_publish;
use crate::warehouse::{DEFAULT_KEEP, DatasetRecord, DatasetStatus, Warehouse};

/// How many rejects `load` prints; the rest are in the load_rejects table.
pub(super) const SHOWN_REJECTS: usize = 20;

pub fn run(cmd: LoadCommand, config: &Config, progress: &Reporter) -> anyhow::Result<u8> {
    let input = config.input(cmd.input.input.as_deref());
    let warehouse = Warehouse::new(config.warehouse(cmd.warehouse.warehouse.as_deref()));
    let keep = cmd
        .keep
        .or(config.file.keep_snapshots)
        .unwrap_or(DEFAULT_KEEP);
    let mappings = super::mappings(config)?;
    load_and_print(&input, &warehouse, keep, &mappings, progress)
}

/// Loads `input` into `warehouse`, publishes it, and prints what happened; the exit code says
/// whether a file error stopped a dataset. `report` loads a stale warehouse this way too.
pub(super) fn load_and_print(
    input: &Path,
    warehouse: &Warehouse,
    keep: usize,
    mappings: &Mappings,
    progress: &Reporter,
) -> anyhow::Result<u8> {
    if !input.is_dir() {
        return Err(super::Failure {
            code: exit::USAGE,
            message: format!("the input folder {} does not exist", input.display()),
        }
        .into());
    }
    // A mapping that does not fit the folder stops the load before the warehouse is touched.
    let discovery = super::discover(input, mappings)?;
    let lock = warehouse.lock().map_err(|e| super::Failure {
        code: exit::PROBLEMS,
        message: format!("{e:#}"),
    })?;
    let mut problems = Vec::new();
    let mut printer = ProblemPrinter {
        input,
        out: &mut problems,
        limit: SHOWN_REJECTS,
        printed: 0,
    };
    let loaded = load_and_publish(
        warehouse,
        &lock,
        input,
        discovery,
        keep,
        &mut |r| printer.print(r),
        &|message| progress.step(message),
        progress,
    )?;
    progress.finish();

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "loaded {} into {}",
        input.display(),
        loaded.snapshot.display()
    )?;
    print_datasets(&mut out, &loaded.records)?;
    print_skipped(&mut out, &loaded.report)?;
    print_problems(&mut out, input, warehouse, &loaded.report, &problems)?;
    Ok(if loaded.report.file_errors().next().is_none() {
        exit::OK
    } else {
        exit::USAGE
    })
}

/// The per-dataset table of rows read, loaded, rejected and skipped by a mapping.
pub(super) fn print_datasets(
    out: &mut impl Write,
    records: &[DatasetRecord],
) -> anyhow::Result<()> {
    writeln!(
        out,
        "{:<22} {:>10} {:>10} {:>10} {:>10}  status",
        "dataset", "read", "loaded", "rejected", "skipped"
    )?;
    for r in records {
        let s = r.stats;
        let status = match r.status {
            DatasetStatus::Loaded => "",
            DatasetStatus::KeptPrevious => "FILE ERROR: previous data kept",
            DatasetStatus::Failed => "FILE ERROR: no data",
            DatasetStatus::Absent => "not supplied",
        };
        writeln!(
            out,
            "{:<22} {:>10} {:>10} {:>10} {:>10}  {status}",
            r.name,
            thousands(s.rows_read),
            thousands(s.rows_loaded),
            thousands(s.rows_rejected),
            thousands(s.rows_skipped)
        )?;
    }
    Ok(())
}

/// One line per file a mapping skipped rows of: `12,480 rows skipped by mapping 1 (training)
/// in esr/competences-2025.csv`.
pub(super) fn print_skipped(out: &mut impl Write, report: &IngestReport) -> anyhow::Result<()> {
    for d in &report.datasets {
        for (file, read) in d.files.iter().zip(&d.file_reports) {
            if read.stats.rows_skipped == 0 {
                continue;
            }
            let by = file
                .mapping
                .as_ref()
                .map_or_else(|| "a mapping".to_owned(), |m| m.name());
            writeln!(
                out,
                "{} skipped by {by} in {}",
                count(read.stats.rows_skipped, "row"),
                read.file
            )?;
        }
    }
    Ok(())
}

/// The first rejects (already formatted in `shown`), the file errors and the ignored files.
pub(super) fn print_problems(
    out: &mut impl Write,
    input: &Path,
    warehouse: &Warehouse,
    report: &IngestReport,
    shown: &[u8],
) -> anyhow::Result<()> {
    let rejected = report.rows_rejected();
    if rejected > 0 {
        writeln!(out, "\n{} rejected:", count(rejected, "row"))?;
        out.write_all(shown)?;
        if rejected as usize > SHOWN_REJECTS {
            writeln!(out, "...")?;
        }
        writeln!(
            out,
            "every reject is in the load_rejects table ({}/load_rejects/)",
            warehouse.root().join("current").display()
        )?;
    }
    for error in report.file_errors() {
        writeln!(out, "\nerror: {}", file_error_line(input, error))?;
    }
    super::check::print_notes(input, report);
    Ok(())
}
