//! `safeguard generate`: synthetic input data for trying the pipeline and for benchmarks.

use std::io::Write;

use super::args::GenerateCommand;
use super::exit;
use super::progress::Reporter;
use crate::generate::{GenerateConfig, generate};
use crate::numbers::thousands;

pub fn run(cmd: GenerateCommand, progress: &Reporter) -> anyhow::Result<u8> {
    let as_of =
        chrono::NaiveDate::parse_from_str(&cmd.as_of, "%Y-%m-%d").map_err(|_| super::Failure {
            code: exit::USAGE,
            message: format!("invalid --as-of date {:?}: expected YYYY-MM-DD", cmd.as_of),
        })?;
    let config = GenerateConfig {
        out: cmd.out.clone(),
        staff: cmd.staff,
        seed: cmd.seed,
        as_of,
        parquet: cmd.parquet,
        esr: cmd.esr,
    };
    let summary = generate(&config, &|message: &str| progress.step(message))?;
    progress.finish();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wrote {} (seed {}, {} staff)",
        cmd.out.display(),
        cmd.seed,
        thousands(cmd.staff)
    )?;
    for (path, rows) in &summary.files {
        writeln!(
            out,
            "  {:<36} {:>12} rows",
            path.display(),
            thousands(*rows)
        )?;
    }
    if cmd.esr {
        let config = cmd.out.join(crate::generate::ESR_MAPPING_FILE);
        writeln!(
            out,
            "  {:<36} the mapping that loads the ESR export: safeguard --config {} load",
            crate::generate::ESR_MAPPING_FILE,
            config.display()
        )?;
    }
    Ok(exit::OK)
}
