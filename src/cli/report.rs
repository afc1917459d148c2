//! `safeguard report`: typeset the annual Safeguarding Children report to PDF from the live
//! warehouse snapshot, loading the configured input folder first when the configured
//! warehouse is empty or older than the input files.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::{InputArgs, LoadCommand, ReportCommand, WarehouseArgs};
use super::progress::Reporter;
use super::{Failure, exit};
use crate::config::Config;
use crate::query;
use crate::report::{self, TemplateError};
use crate::warehouse::manifest::hash_file;
use crate::warehouse::{Manifest, Warehouse};

pub fn run(cmd: ReportCommand, config: &Config, progress: &Reporter) -> anyhow::Result<u8> {
    let usage = |message: String| Failure {
        code: exit::USAGE,
        message,
    };
    let params = super::params(config, &cmd.period)?;
    let as_of = params.as_of;
    let settings = super::report_settings(config, cmd.templates.clone())?;
    let output = cmd.output.clone().unwrap_or_else(|| {
        config
            .path(None, config.file.report_dir.as_ref(), "reports")
            .join(default_file_name(as_of))
    });

    let warehouse_dir = config.warehouse(cmd.warehouse.warehouse.as_deref());
    let warehouse = Warehouse::new(&warehouse_dir);
    // The configured warehouse is kept in step with the configured input folder: loaded first
    // when empty or when the input files changed since its snapshot. A warehouse named with
    // --warehouse is never loaded into implicitly.
    let input = config.input(None);
    let reload = match (&cmd.warehouse.warehouse, warehouse.current_manifest()?) {
        (Some(_), _) => None,
        (None, None) => Some("the warehouse is empty"),
        (None, Some(manifest)) if input.is_dir() && stale(&input, config, &manifest)? => {
            Some("the input files changed since the warehouse was loaded")
        }
        (None, Some(_)) => None,
    };
    if let Some(why) = reload {
        progress.step(&format!("{why}: loading {} first", input.display()));
        let load = LoadCommand {
            input: InputArgs {
                input: Some(input.clone()),
            },
            warehouse: WarehouseArgs {
                warehouse: Some(warehouse_dir.clone()),
            },
            keep: None,
        };
        super::load::run(load, config, progress)?;
        if warehouse.current()?.is_none() {
            return Err(usage(format!(
                "the warehouse {} is still empty after loading: no report can be made",
                warehouse_dir.display()
            ))
            .into());
        }
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
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

/// Whether the input folder's dataset files differ (added, removed or changed content) from the
/// files the snapshot was loaded from.
fn stale(input: &Path, config: &Config, manifest: &Manifest) -> anyhow::Result<bool> {
    let found = super::discover(input, &super::mappings(config)?)?;
    let mut now = BTreeMap::new();
    for file in found.datasets.values().flatten() {
        let (_, hash) = hash_file(&file.path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.path.display()))?;
        now.insert(file.relative.clone(), hash);
    }
    let loaded: BTreeMap<String, String> = manifest
        .files
        .iter()
        .map(|f| (f.path.clone(), f.xxh3_128.clone()))
        .collect();
    Ok(now != loaded)
}

/// `safeguarding-annual-report-2025-26.pdf` for as_of 2026-03-31.
pub(super) fn default_file_name(as_of: chrono::NaiveDate) -> String {
    format!(
        "safeguarding-annual-report-{}.pdf",
        report::format::financial_year(as_of).replace('/', "-")
    )
}

/// Writes through a temporary file beside `path`, renamed into place only when complete, so a
/// reader (or the web page publishing it) never sees half a PDF.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir: PathBuf = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create the folder {}: {e}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        anyhow::bail!("cannot write {}: {e}", path.display());
    }
    Ok(())
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
