//! Refresh: the nightly job. Load, compute and typeset as one locked run that publishes a new
//! snapshot and report together, or nothing at all:
//!
//! 1. take the warehouse lock and record that the run started;
//! 2. wait for input files still being written, hash the rest, and compare them, the
//!    configuration, the templates and the program version with what made the live snapshot;
//!    nothing changed: record a no-op and stop;
//! 3. load into a new, unpublished snapshot; query it and typeset the report; put the PDF and
//!    the refresh record (`refresh.json`) inside the snapshot;
//! 4. write the PDF beside its final name in `report_dir`, switch `current` to the snapshot,
//!    and rename the PDF into place; prune old snapshots (their reports go with them).
//!
//! A kill at any moment leaves the old or the new snapshot live and a whole PDF in
//! `report_dir`; if it lands between the two switches, the next run notices that the
//! published PDF is not the live snapshot's and puts the right one in place.

pub mod changes;
pub mod packs;
mod settle;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::fsutil::{self, Staged};
use crate::ingest::{self, Progress, Reject};
use crate::query::{self, Params};
use crate::report::{self, ReportSettings, TemplateError};
use crate::warehouse::history::{self, Run, RunDataset, RunStatus};
use crate::warehouse::load::{hash_inputs, load_input};
use crate::warehouse::manifest::hash_file;
use crate::warehouse::{DatasetRecord, DatasetStatus, Warehouse};
pub use changes::{STAMP_FILE, Stamp};
pub use settle::Settle;

/// Everything one refresh needs, resolved from the configuration.
pub struct Job {
    pub input: PathBuf,
    pub warehouse: Warehouse,
    pub report_dir: PathBuf,
    /// The report's file name, e.g. `safeguarding-annual-report-2025-26.pdf`.
    pub report_file: String,
    pub params: Params,
    pub settings: ReportSettings,
    /// A digest of every configuration setting that changes the output (mappings included).
    pub config_digest: String,
    /// The configuration's mappings, checked.
    pub mappings: ingest::mapping::Mappings,
    /// Snapshots to keep (the live one is never deleted).
    pub keep: usize,
    pub settle: Settle,
    /// Load and typeset even if nothing changed.
    pub force: bool,
    /// Typeset every organisation's assurance pack too (`[refresh] packs`).
    pub packs: bool,
}

/// Progress of a run, shown on stderr.
pub trait Steps: Progress {
    fn step(&self, message: &str);
}

/// What a run did.
pub struct Outcome {
    /// As recorded in the run history.
    pub run: Run,
    /// The published report, when this run wrote or restored it.
    pub report_path: Option<PathBuf>,
    /// The load, when the run loaded: for printing file errors and rejects.
    pub load: Option<ingest::IngestReport>,
    /// What happened to each dataset, when the run loaded.
    pub records: Vec<DatasetRecord>,
    /// Typst's warnings about the templates.
    pub warnings: Vec<String>,
}

/// Runs one refresh. Every outcome, including failures, is recorded in the run history and
/// returned with its exit code; an `Err` means not even the history could be written.
pub async fn run(
    job: &Job,
    steps: &dyn Steps,
    on_reject: &mut dyn FnMut(&Reject<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome> {
    let root = job.warehouse.root();
    std::fs::create_dir_all(root)
        .with_context(|| format!("cannot create the warehouse folder {}", root.display()))?;
    let mut run = Run::new(
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string(),
        now(),
        std::process::id(),
        history::host_name(),
    );
    let lock = match job.warehouse.lock() {
        Ok(lock) => lock,
        Err(e) => {
            // Recorded too: an overlapping schedule is something to see in the history.
            finish(&mut run, RunStatus::Failed, Some(format!("{e:#}")), 1);
            history::record(root, &run)?;
            return Ok(Outcome {
                run,
                report_path: None,
                load: None,
                records: vec![],
                warnings: vec![],
            });
        }
    };
    history::started(root, &run)?;
    let mut outcome = Outcome {
        run,
        report_path: None,
        load: None,
        records: vec![],
        warnings: vec![],
    };
    let result = work(job, &lock, steps, on_reject, &mut outcome).await;
    let run = &mut outcome.run;
    match result {
        Ok((status, problems)) => {
            let code = if problems.is_empty() { 0 } else { 1 };
            let error = (!problems.is_empty()).then(|| problems.join("; "));
            let status = if code == 0 { status } else { RunStatus::Failed };
            finish(run, status, error, code);
        }
        Err(e) => {
            let message = match e.downcast_ref::<TemplateError>() {
                Some(t) => format!(
                    "the report template has errors, so nothing was published:\n{}",
                    t.diagnostics
                ),
                None => format!("{e:#}"),
            };
            // A mapping that does not fit the input folder is bad configuration (exit 2),
            // found before anything was read.
            let code = if e.downcast_ref::<ingest::mapping::MappingError>().is_some() {
                2
            } else {
                1
            };
            finish(run, RunStatus::Failed, Some(message), code);
        }
    }
    history::record(root, &outcome.run)?;
    drop(lock);
    Ok(outcome)
}

fn finish(run: &mut Run, status: RunStatus, error: Option<String>, code: u8) {
    run.status = status;
    run.error = error;
    run.exit_code = Some(code);
    run.finished = Some(now());
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The run proper. Returns the status and the problems that make it exit 1 although it
/// published (file errors, files still being written).
async fn work(
    job: &Job,
    lock: &crate::warehouse::WarehouseLock,
    steps: &dyn Steps,
    on_reject: &mut dyn FnMut(&Reject<'_>) -> anyhow::Result<()>,
    outcome: &mut Outcome,
) -> anyhow::Result<(RunStatus, Vec<String>)> {
    if !job.input.is_dir() {
        anyhow::bail!("the input folder {} does not exist", job.input.display());
    }
    // A killed run's unfinished snapshot can be as big as the warehouse: clear it first.
    job.warehouse.remove_partials(lock)?;
    let live_dir = job.warehouse.current()?;
    let live = match &live_dir {
        Some(dir) => Some((crate::warehouse::Manifest::read(dir)?, Stamp::read(dir)?)),
        None => None,
    };

    let mut discovery = ingest::discover(&job.input, &job.mappings)?;
    let still_written = settle::wait_for_quiet(&mut discovery, job.settle, &|m| steps.step(m));
    remove_stale_copies(&job.report_dir, &job.report_file);
    steps.step("hashing the input files");
    let stats = settle::stat_all(&discovery);
    let files = hash_inputs(&mut discovery)?;
    let templates_digest = changes::templates_digest(&job.settings.templates)?;
    let narrative = changes::narrative_hashes(job.settings.narrative.as_deref())?;
    let fingerprint = changes::Fingerprint {
        files: &files,
        config_digest: &job.config_digest,
        templates_digest: &templates_digest,
        report_file: &job.report_file,
        narrative: &narrative,
    };
    let mut changes = changes::changes(live.as_ref().map(|(m, s)| (m, s.as_ref())), &fingerprint);
    let packs_before = live
        .as_ref()
        .is_some_and(|(_, s)| s.as_ref().is_some_and(|s| s.packs.is_some()));
    if live.is_some() && job.packs != packs_before {
        changes.push(if job.packs {
            "provider packs were turned on ([refresh] packs)".into()
        } else {
            "provider packs were turned off ([refresh] packs)".into()
        });
    }
    if job.force && changes.is_empty() {
        changes.push("nothing changed, but the run was forced (--force)".into());
    }
    let published = job.report_dir.join(&job.report_file);

    if changes.is_empty()
        && still_written.is_empty()
        && let (Some(dir), Some((manifest, Some(stamp)))) = (&live_dir, &live)
    {
        outcome.run.snapshot = Some(manifest.snapshot.clone());
        outcome.run.pages = Some(stamp.pages);
        outcome.run.report = Some(published.display().to_string());
        let intact = match hash_file(&published) {
            Ok((_, hash)) => hash == stamp.report_xxh3,
            Err(_) => false,
        };
        let restored = packs::restore(dir, &job.report_dir, stamp.packs.as_deref().unwrap_or(&[]))?;
        if intact && restored.is_empty() {
            return Ok((RunStatus::NoChange, vec![]));
        }
        if intact {
            outcome.run.changes = restored;
            return Ok((RunStatus::Ok, vec![]));
        }
        steps.step("restoring the published report from the live snapshot");
        let pdf = std::fs::read(dir.join(changes::REPORT_FOLDER).join(&stamp.report_file))
            .context("cannot read the live snapshot's copy of the report")?;
        publish_report(write_beside(&published, &pdf)?, &published)?;
        outcome.run.changes = vec![format!(
            "{} was missing or altered: restored",
            published.display()
        )];
        outcome.run.changes.extend(restored);
        outcome.report_path = Some(published);
        return Ok((RunStatus::Ok, vec![]));
    }
    outcome.run.changes = changes;
    outcome.run.changes.extend(still_written);

    // Load into a snapshot nobody can see yet.
    let loaded = load_input(
        &job.warehouse,
        lock,
        &job.input,
        discovery,
        on_reject,
        steps,
    )?;
    let changed = settle::changed_since(&stats);
    if !changed.is_empty() {
        loaded.sealed.discard();
        anyhow::bail!(
            "{} changed while it was being read, so nothing was published; the next run will read it once it is complete",
            changed
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    outcome.run.datasets = loaded
        .records
        .iter()
        .map(|r| RunDataset {
            dataset: r.name.clone(),
            status: r.status.as_str().to_owned(),
            rows_read: r.stats.rows_read,
            rows_loaded: r.stats.rows_loaded,
            rows_rejected: r.stats.rows_rejected,
            rows_skipped: r.stats.rows_skipped,
        })
        .collect();
    let mut problems = vec![];
    for r in &loaded.records {
        if matches!(
            r.status,
            DatasetStatus::KeptPrevious | DatasetStatus::Failed
        ) && let Some(error) = &r.error
        {
            problems.push(error.clone());
        }
    }
    let sealed = loaded.sealed;
    outcome.load = Some(loaded.report);
    outcome.records = loaded.records;

    let built = async {
        steps.step("computing the metric views");
        let session =
            query::open_snapshot(sealed.dir(), &job.params, &query::Engine::Local).await?;
        steps.step("typesetting the report");
        let report = report::build(&session, &job.settings).await?;
        let packs = if job.packs {
            steps.step("typesetting the provider packs");
            Some(packs::build(&session, &job.settings).await?)
        } else {
            None
        };
        anyhow::Ok((report, packs))
    }
    .await;
    let (built, built_packs) = match built {
        Ok(b) => b,
        Err(e) => {
            sealed.discard();
            return Err(e);
        }
    };
    outcome.warnings = built.warnings.clone();
    // The nightly run has no --strict: a slot still to write is a warning, as in `report`.
    if let Some(dir) = &job.settings.narrative {
        outcome.warnings.extend(built.unwritten.iter().map(|slot| {
            format!(
                "warning: {}: still to write (\"{}\", {})\n",
                dir.join(slot.file()).display(),
                slot.heading(),
                slot.printed()
            )
        }));
    }

    steps.step("publishing");
    let stamp = Stamp {
        run_id: outcome.run.run_id.clone(),
        config_digest: job.config_digest.clone(),
        templates_digest,
        program_version: env!("CARGO_PKG_VERSION").to_owned(),
        report_file: job.report_file.clone(),
        report_xxh3: format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&built.pdf)),
        pages: built.pages as u64,
        narrative,
        packs: None,
    };
    let mut stamp = stamp;
    let staged = (|| -> anyhow::Result<(Staged, packs::StagedPacks)> {
        let mut staged_packs = vec![];
        if let Some(b) = &built_packs {
            let (staged, stamps) = packs::stage(&sealed, &job.report_dir, b)?;
            staged_packs = staged;
            stamp.packs = Some(stamps);
        }
        sealed.write_file(
            &format!("{}/{}", changes::REPORT_FOLDER, job.report_file),
            &built.pdf,
        )?;
        sealed.write_file(STAMP_FILE, &serde_json::to_vec_pretty(&stamp)?)?;
        // Written beside its final name before anything is published, so a full disk or a
        // read-only report folder fails the run while the old state is still live.
        Ok((write_beside(&published, &built.pdf)?, staged_packs))
    })();
    let staged = match staged {
        Ok(staged) => staged,
        Err(e) => {
            sealed.discard();
            return Err(e);
        }
    };
    // Should the snapshot fail to publish, dropping `staged` removes the new report.
    let (staged, staged_packs) = staged;
    let snapshot = sealed.publish()?;
    publish_report(staged, &published)?;
    packs::publish(staged_packs)?;
    if let Some(b) = built_packs {
        problems.extend(b.problems);
    }
    outcome.run.snapshot = snapshot
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    outcome.run.report = Some(published.display().to_string());
    outcome.run.pages = Some(built.pages as u64);
    outcome.report_path = Some(published);
    job.warehouse.prune(job.keep, lock)?;
    Ok((RunStatus::Ok, problems))
}

/// Writes the report beside its final name `path` and flushes it to disk, ready to publish.
fn write_beside(path: &Path, bytes: &[u8]) -> anyhow::Result<Staged> {
    let dir = fsutil::parent(path);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the report folder {}", dir.display()))?;
    Staged::write(path, bytes)
        .with_context(|| format!("cannot write the report {}", path.display()))
}

/// Removes temporary report files left in `report_dir` by runs that were killed.
fn remove_stale_copies(report_dir: &Path, report_file: &str) {
    let Ok(entries) = std::fs::read_dir(report_dir) else {
        return;
    };
    let prefix = format!(".{report_file}.");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Renames the staged report into place (see [`fsutil::Staged`]).
fn publish_report(staged: Staged, path: &Path) -> anyhow::Result<()> {
    staged
        .publish()
        .with_context(|| format!("cannot rename the new report to {}", path.display()))
}
