//! `safeguard template`: the provider return workbooks, with organisation code drop-downs from
//! the warehouse's organisations when one is loaded.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::args::TemplateCommand;
use super::exit;
use crate::config::Config;
use crate::template::{TemplateConfig, write_all};
use crate::warehouse::Warehouse;

pub fn run(cmd: TemplateCommand, config: &Config) -> anyhow::Result<u8> {
    let warehouse = Warehouse::new(config.warehouse(cmd.warehouse.warehouse.as_deref()));
    let codes = match warehouse.current()? {
        Some(snapshot) => organisation_codes(&snapshot.join("organisations"))?,
        None => vec![],
    };
    let written = write_all(&TemplateConfig {
        out: cmd.out.clone(),
        organisation_codes: codes.clone(),
    })?;
    let mut out = std::io::stdout().lock();
    for path in &written {
        writeln!(out, "wrote {}", path.display())?;
    }
    if codes.is_empty() {
        writeln!(
            out,
            "no warehouse is loaded at {}: organisation codes are free text (load one and run this again for a drop-down)",
            warehouse.root().display()
        )?;
    } else {
        writeln!(
            out,
            "organisation codes offered: {} from {}",
            codes.len(),
            warehouse.root().display()
        )?;
    }
    Ok(exit::OK)
}

/// The organisation codes of a snapshot's organisations table, sorted.
fn organisation_codes(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut codes = vec![];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(codes);
    };
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "parquet") {
            continue;
        }
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.build())
            .with_context(|| format!("cannot read {}", path.display()))?;
        for batch in reader {
            let batch = batch.with_context(|| format!("cannot read {}", path.display()))?;
            let Some(column) = batch.column_by_name("organisation_code") else {
                continue;
            };
            let column = cast(column, &DataType::Utf8)?;
            let column = column.as_string::<i32>();
            codes.extend(
                (0..column.len())
                    .filter(|&i| column.is_valid(i))
                    .map(|i| column.value(i).to_owned()),
            );
        }
    }
    codes.sort();
    codes.dedup();
    Ok(codes)
}
