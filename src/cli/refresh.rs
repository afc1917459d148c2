//! `safeguard refresh`: the nightly job, configured entirely by the configuration file.

use std::io::Write;
use std::time::Duration;

use super::args::{PeriodArgs, RefreshCommand};
use super::check::ProblemPrinter;
use super::load::{SHOWN_REJECTS, print_datasets, print_problems, print_skipped};
use super::progress::Reporter;
use super::{Failure, exit};
use crate::config::Config;
use crate::refresh::{self, Job, Settle};
use crate::warehouse::history::RunStatus;
use crate::warehouse::{DEFAULT_KEEP, Warehouse};

pub fn run(cmd: RefreshCommand, config: &Config, progress: &Reporter) -> anyhow::Result<u8> {
    let params = super::params(
        config,
        &PeriodArgs {
            as_of: None,
            year: None,
        },
    )?;
    let settings = super::report_settings(config, None, None)?;
    let mappings = super::mappings(config)?;
    let input = config.input(None);
    let job = Job {
        warehouse: Warehouse::new(config.warehouse(None)),
        report_dir: config.path(None, config.file.report_dir.as_ref(), "reports"),
        report_file: super::report::default_file_name(params.as_of),
        config_digest: refresh::changes::config_digest(&params, &settings, &config.file.mapping)?,
        mappings,
        params,
        settings,
        keep: config.file.keep_snapshots.unwrap_or(DEFAULT_KEEP),
        settle: Settle {
            quiet: Duration::from_secs(config.file.refresh.settle_seconds),
            max_wait: Duration::from_secs(config.file.refresh.max_wait_seconds),
        },
        force: cmd.force,
        packs: config.file.refresh.packs,
        input,
    };

    let mut shown = Vec::new();
    let mut printer = ProblemPrinter {
        input: &job.input,
        out: &mut shown,
        limit: SHOWN_REJECTS,
        printed: 0,
    };
    let runtime = super::runtime(None)?;
    // Only a run history that cannot be written gets here; the run failed all the same.
    let outcome = runtime
        .block_on(refresh::run(&job, progress, &mut |r| printer.print(r)))
        .map_err(|e| Failure {
            code: exit::PROBLEMS,
            message: format!("refresh failed: {e:#}"),
        })?;
    progress.finish();

    let run = &outcome.run;
    let mut out = std::io::stdout().lock();
    for warning in &outcome.warnings {
        eprint!("{warning}");
    }
    if run.status == RunStatus::NoChange {
        writeln!(
            out,
            "refresh {}: nothing changed since snapshot {}; {} is up to date",
            run.run_id,
            run.snapshot.as_deref().unwrap_or("?"),
            run.report.as_deref().unwrap_or("the report")
        )?;
        return Ok(exit::OK);
    }
    if !run.changes.is_empty() {
        writeln!(out, "refresh {}: {}", run.run_id, run.changes.join("; "))?;
    }
    if let Some(load) = outcome.load.as_ref().filter(|_| run.snapshot.is_some()) {
        print_datasets(&mut out, &outcome.records)?;
        print_skipped(&mut out, load)?;
        print_problems(&mut out, &job.input, &job.warehouse, load, &shown)?;
    }
    if let Some(snapshot) = &run.snapshot
        && let Some(path) = &outcome.report_path
    {
        writeln!(
            out,
            "published snapshot {snapshot} and {} ({} pages)",
            path.display(),
            run.pages.unwrap_or(0)
        )?;
    }
    match (&run.error, run.exit_code) {
        (Some(error), Some(code)) if code != exit::OK => Err(Failure {
            code,
            message: if run.snapshot.is_some() {
                format!("refresh published, with problems: {error}")
            } else {
                format!("refresh failed: {error}; the previous snapshot and report are still the published ones")
            },
        }
        .into()),
        _ => Ok(run.exit_code.unwrap_or(exit::OK)),
    }
}
