//! `safeguard report`: typeset the annual Safeguarding Children report to PDF from the live
//! warehouse snapshot, loading the configured input folder first when the configured
//! warehouse is empty or older than the input files.

use std::io::Write;
use std::path::Path;

use super::args::ReportCommand;
use super::packs::Packs;
use super::progress::Reporter;
use super::{Failure, exit};
use crate::config::Config;
use crate::fsutil;
use crate::query;
use crate::report::{self, TemplateError};
use crate::warehouse::load::why_load;
use crate::warehouse::{DEFAULT_KEEP, Warehouse};

pub fn run(cmd: ReportCommand, config: &Config, progress: &Reporter) -> anyhow::Result<u8> {
    let usage = |message: String| Failure {
        code: exit::USAGE,
        message,
    };
    let params = super::params(config, &cmd.period)?;
    let as_of = params.as_of;
    let settings = super::report_settings(config, cmd.templates.clone())?;
    let report_dir = config.path(None, config.file.report_dir.as_ref(), "reports");
    let output = cmd
        .output
        .clone()
        .unwrap_or_else(|| report_dir.join(default_file_name(as_of)));

    let warehouse_dir = config.warehouse(cmd.warehouse.warehouse.as_deref());
    let warehouse = Warehouse::new(&warehouse_dir);
    // The configured warehouse is kept in step with the configured input folder; a warehouse
    // named with --warehouse is never loaded into implicitly.
    let input = config.input(None);
    let mappings = super::mappings(config)?;
    let live = warehouse.current_manifest()?;
    let reload = match &cmd.warehouse.warehouse {
        Some(_) => None,
        None => why_load(live.as_ref(), &input, &mappings)?,
    };
    if let Some(why) = reload {
        progress.step(&format!("{why}: loading {} first", input.display()));
        let keep = config.file.keep_snapshots.unwrap_or(DEFAULT_KEEP);
        super::load::load_and_print(&input, &warehouse, keep, &mappings, progress)?;
        if warehouse.current()?.is_none() {
            return Err(usage(format!(
                "the warehouse {} is still empty after loading: no report can be made",
                warehouse_dir.display()
            ))
            .into());
        }
    }

    let runtime = super::runtime(None)?;
    if cmd.organisation.is_some() || cmd.each_organisation {
        let session = runtime.block_on(async {
            progress.step("computing the metric views");
            query::open(&warehouse, &params, &cmd.engine.engine())
                .await
                .map_err(|e| usage(format!("{e:#}")))
        })?;
        let packs = Packs {
            cmd: &cmd,
            settings: &settings,
            report_dir: &report_dir,
            as_of,
        };
        return packs.run(&runtime, &session, progress);
    }
    let built = runtime.block_on(async {
        progress.step("computing the metric views");
        let session = query::open(&warehouse, &params, &cmd.engine.engine())
            .await
            .map_err(|e| usage(format!("{e:#}")))?;
        if let Some(path) = &cmd.data_json {
            let json = report::data_json(&session, &settings).await?;
            write_atomically(path, json.as_bytes())?;
        }
        progress.step("typesetting the report");
        report::build(&session, &settings).await
    });
    progress.finish();
    let built = match built {
        Ok(b) => b,
        Err(e) => {
            if let Some(t) = e.downcast_ref::<TemplateError>() {
                eprint!("{}", t.diagnostics);
                return Err(usage(
                    "the report template has errors (above), so no report was written".into(),
                )
                .into());
            }
            return Err(e);
        }
    };
    for warning in &built.warnings {
        eprint!("{warning}");
    }
    write_atomically(&output, &built.pdf)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "wrote {} ({} pages)", output.display(), built.pages)?;
    Ok(exit::OK)
}

/// `safeguarding-annual-report-2025-26.pdf` for as_of 2026-03-31.
pub(super) fn default_file_name(as_of: chrono::NaiveDate) -> String {
    format!(
        "safeguarding-annual-report-{}.pdf",
        crate::contract::calendar::financial_year(as_of).replace('/', "-")
    )
}

/// Publishes `bytes` at `path` atomically, so a reader (or the web page publishing it) never
/// sees half a PDF; the folder is created if need be.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = fsutil::parent(path);
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create the folder {}: {e}", dir.display()))?;
    fsutil::write_atomically(path, bytes)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e:#}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_name_follows_the_financial_year() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
        assert_eq!(
            default_file_name(d),
            "safeguarding-annual-report-2025-26.pdf"
        );
    }
}
