//! The command line: parse, build the checked configuration, run one command, and turn the
//! outcome into an exit code (0 success, 1 the job ran but found problems, 2 bad usage or
//! unreadable input).

pub mod args;
mod check;
#[cfg(feature = "cluster")]
mod cluster;
mod data_dates;
mod generate;
mod load;
mod narrative;
mod packs;
mod progress;
mod refresh;
mod report;
#[cfg(feature = "serve")]
pub mod serve;
mod sql;
mod template;

use std::process::ExitCode;

pub use args::{Cli, Command};

use crate::config::Config;

/// The exit codes scripts rely on.
pub mod exit {
    pub const OK: u8 = 0;
    /// The job ran but found problems.
    pub const PROBLEMS: u8 = 1;
    /// Bad usage or unreadable input.
    pub const USAGE: u8 = 2;
}

/// An error that carries the exit code it should end the program with.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    let progress = progress::Reporter::new(cli.quiet);
    let code = match cli.command {
        Command::Load(cmd) => load::run(cmd, &config, &progress)?,
        Command::Check(cmd) => check::run(cmd, &config, &progress)?,
        Command::Generate(cmd) => generate::run(cmd, &progress)?,
        Command::Narrative(cmd) => narrative::run(cmd)?,
        Command::Sql(cmd) => sql::run(cmd, &config)?,
        Command::Template(cmd) => template::run(cmd, &config)?,
        Command::Report(cmd) => report::run(cmd, &config, &progress)?,
        Command::Refresh(cmd) => refresh::run(cmd, &config, &progress)?,
        #[cfg(feature = "serve")]
        Command::Serve(cmd) => serve::run(cmd, &config)?,
        #[cfg(feature = "cluster")]
        Command::Scheduler(cmd) => cluster::scheduler(cmd)?,
        #[cfg(feature = "cluster")]
        Command::Executor(cmd) => cluster::executor(cmd)?,
    };
    Ok(ExitCode::from(code))
}

/// The multi-threaded runtime a command runs its async work on (queries, the report, a
/// refresh, the cluster's processes). `stack_bytes` gives worker threads bigger stacks than
/// Tokio's default, for work that recurses deeply.
fn runtime(stack_bytes: Option<usize>) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if let Some(bytes) = stack_bytes {
        builder.thread_stack_size(bytes);
    }
    Ok(builder.build()?)
}

/// The parameters of every figure: the as_of date from `--as-of`, `--year` or the configuration
/// (a bad date is bad usage), and the configured thresholds.
fn params(config: &Config, period: &args::PeriodArgs) -> Result<crate::query::Params, Failure> {
    let today = chrono::Local::now().date_naive();
    let as_of = config
        .as_of(period.as_of.as_deref(), period.year.as_deref(), today)
        .map_err(|e| Failure {
            code: exit::USAGE,
            message: format!("{e:#}"),
        })?;
    Ok(crate::query::Params {
        as_of,
        thresholds: config.file.thresholds.clone(),
    })
}

/// The configuration's mappings, checked: a bad one is bad usage (exit 2) before anything is
/// read.
fn mappings(config: &Config) -> Result<crate::ingest::mapping::Mappings, Failure> {
    config.mappings().map_err(|e| Failure {
        code: exit::USAGE,
        message: e.to_string(),
    })
}

/// Lists the input folder through the mappings; a mapping that does not fit the folder (a file
/// claimed twice, a required dataset's glob matching nothing) is bad usage (exit 2).
fn discover(
    input: &std::path::Path,
    mappings: &crate::ingest::mapping::Mappings,
) -> anyhow::Result<crate::ingest::Discovery> {
    crate::ingest::discover(input, mappings).map_err(|e| match e
        .downcast_ref::<crate::ingest::mapping::MappingError>()
    {
        Some(m) => Failure {
            code: exit::USAGE,
            message: m.to_string(),
        }
        .into(),
        None => e,
    })
}

/// The report's settings from `[report]`, with `templates` and `narrative` (the `--templates`
/// and `--narrative` flags) winning over the configured folders; a templates folder without the
/// main template is bad usage.
fn report_settings(
    config: &Config,
    templates: Option<std::path::PathBuf>,
    narrative: Option<std::path::PathBuf>,
) -> Result<crate::report::ReportSettings, Failure> {
    let usage = |message: String| Failure {
        code: exit::USAGE,
        message,
    };
    let templates = templates.or_else(|| {
        config
            .file
            .report
            .templates
            .as_ref()
            .map(|t| config.path(None, Some(t), ""))
    });
    if let Some(dir) = &templates
        && !dir.join(crate::report::world::MAIN).is_file()
    {
        return Err(usage(format!(
            "the templates folder {} has no {}",
            dir.display(),
            crate::report::world::MAIN
        )));
    }
    let mut settings = crate::report::ReportSettings::from_config(&config.file.report, templates)
        .map_err(|e| usage(format!("{e:#}")))?;
    settings.narrative = narrative.or_else(|| {
        config
            .file
            .report
            .narrative
            .as_ref()
            .map(|n| config.path(None, Some(n), ""))
    });
    Ok(settings)
}
