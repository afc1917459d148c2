//! `safeguard report`: typeset the annual Safeguarding Children report to PDF from the live
//! warehouse snapshot, loading the configured input folder first when the configured
//! warehouse is empty or older than the input files. With `--audit` it prints the disclosure
//! audit instead and writes nothing.

use std::io::Write;
use std::path::Path;

use super::args::ReportCommand;
use super::data_dates;
use super::packs::Packs;
use super::progress::Reporter;
use super::{Failure, exit};
use crate::config::Config;
use crate::fsutil;
use crate::narrative::Slot;
use crate::query;
use crate::report::format::long_date;
use crate::report::{self, TemplateError, narrated};
use crate::warehouse::load::why_load;
use crate::warehouse::{DEFAULT_KEEP, Warehouse};

pub fn run(cmd: ReportCommand, config: &Config, progress: &Reporter) -> anyhow::Result<u8> {
    let usage = |message: String| Failure {
        code: exit::USAGE,
        message,
    };
    let mut params = super::params(config, &cmd.period)?;
    // No period asked for anywhere: the date may move back to what the data supports.
    let default_date = cmd.period.as_of.is_none()
        && cmd.period.year.is_none()
        && config.file.as_of.is_none()
        && config.file.year.is_none();
    let mut settings =
        super::report_settings(config, cmd.templates.clone(), cmd.narrative.clone())?;
    settings.draft = cmd.draft;
    let report_dir = config.path(None, config.file.report_dir.as_ref(), "reports");

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
    let opened = runtime.block_on(async {
        progress.step("computing the metric views");
        let engine = cmd.engine.engine();
        let session = query::open(&warehouse, &params, &engine)
            .await
            .map_err(|e| usage(format!("{e:#}")))?;
        let Some(last) = data_dates::last_activity(&session).await? else {
            return anyhow::Ok(session);
        };
        let supported = data_dates::supported(last);
        if params.as_of <= supported {
            return Ok(session);
        }
        if !default_date {
            progress.note(&format!(
                "warning: figures are taken at {}, but the latest training or supervision \
                 record is dated {}: anything due after that counts as missing, so compliance \
                 may read as zero; the data supports --as-of {}",
                long_date(params.as_of),
                long_date(last),
                supported
            ));
            return Ok(session);
        }
        progress.note(&format!(
            "no --year or --as-of given: figures are taken at {}, the last quarter end the \
             data supports (its latest training or supervision record is dated {}), not at {}",
            long_date(supported),
            long_date(last),
            long_date(params.as_of)
        ));
        params.as_of = supported;
        Ok(query::open(&warehouse, &params, &engine)
            .await
            .map_err(|e| usage(format!("{e:#}")))?)
    });
    let session = opened?;
    if cmd.organisation.is_some() || cmd.each_organisation {
        let packs = Packs {
            cmd: &cmd,
            settings: &settings,
            report_dir: &report_dir,
            as_of: params.as_of,
        };
        return packs.run(&runtime, &session, progress);
    }
    let built = runtime.block_on(async {
        if cmd.audit {
            progress.step("auditing disclosure control");
            return report::audit(&session).await.map(Built::Audit);
        }
        if cmd.list_figures {
            let figures = report::list_figures(&session, &settings).await?;
            return Ok(Built::Figures(figures));
        }
        let prepared = report::prepare(&session, &settings).await?;
        if let Some(path) = &cmd.data_json {
            write_atomically(path, prepared.data_json()?.as_bytes())?;
        }
        let unwritten = prepared.unwritten();
        if cmd.strict && !unwritten.is_empty() {
            let dir = settings.narrative.clone().unwrap_or_default();
            for slot in &unwritten {
                eprintln!("{}", still_to_write(&dir, *slot));
            }
            return Err(Failure {
                code: exit::PROBLEMS,
                message: format!(
                    "--strict: {} narrative {} still to write (above), so no report was \
                     written",
                    unwritten.len(),
                    if unwritten.len() == 1 {
                        "slot is"
                    } else {
                        "slots are"
                    }
                ),
            }
            .into());
        }
        progress.step("typesetting the report");
        prepared.typeset(&settings).map(Built::Report)
    });
    progress.finish();
    let built = match built {
        Ok(Built::Report(b)) => b,
        Ok(Built::Figures(figures)) => {
            figures.write_list(&mut std::io::stdout().lock())?;
            return Ok(exit::OK);
        }
        Ok(Built::Audit(text)) => {
            std::io::stdout().lock().write_all(text.as_bytes())?;
            return Ok(exit::OK);
        }
        Err(e) => {
            if let Some(t) = e.downcast_ref::<TemplateError>() {
                eprint!("{}", t.diagnostics);
                return Err(usage(
                    "the report template has errors (above), so no report was written".into(),
                )
                .into());
            }
            if let Some(problems) = narrated::problems(&e) {
                eprintln!("{problems}");
                return Err(usage(format!(
                    "the narrative has {} (above), so no report was written",
                    match problems.0.len() {
                        1 => "a problem".to_owned(),
                        n => format!("{n} problems"),
                    }
                ))
                .into());
            }
            return Err(e);
        }
    };
    for warning in &built.warnings {
        eprint!("{warning}");
    }
    if !cmd.draft {
        let dir = settings.narrative.clone().unwrap_or_default();
        for slot in &built.unwritten {
            eprintln!("warning: {}", still_to_write(&dir, *slot));
        }
    }
    let output = cmd
        .output
        .clone()
        .unwrap_or_else(|| report_dir.join(default_file_name(params.as_of)));
    write_atomically(&output, &built.pdf)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "wrote {} ({} pages)", output.display(), built.pages)?;
    Ok(exit::OK)
}

/// What a run of `report` made: the report, the figure list (`--list-figures`) or the
/// disclosure audit's text (`--audit`).
enum Built {
    Report(report::ReportOutput),
    Figures(crate::narrative::Figures),
    Audit(String),
}

/// `narrative/risks.md: still to write ("Risks and issues for the board", as a section of its
/// own)`.
fn still_to_write(dir: &Path, slot: Slot) -> String {
    format!(
        "{}: still to write (\"{}\", {})",
        dir.join(slot.file()).display(),
        slot.heading(),
        slot.printed()
    )
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
