//! `safeguard sql`: ad-hoc SQL over the warehouse, from `-c`, `-f` or an interactive prompt.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::args::SqlCommand;
use super::{Failure, exit};
use crate::config::Config;
use crate::fsutil::{self, Staged};
use crate::query;
use crate::query::exec::{SqlError, run_sql};
use crate::query::print_format::Format;
use crate::warehouse::Warehouse;

pub fn run(cmd: SqlCommand, config: &Config) -> anyhow::Result<u8> {
    let usage = |message: String| Failure {
        code: exit::USAGE,
        message,
    };
    let format = cmd.format.unwrap_or_else(|| {
        Format::default_for(cmd.output.is_none() && std::io::stdout().is_terminal())
    });
    if format == Format::Parquet && cmd.output.is_none() {
        return Err(usage(
            "--format parquet needs -o FILE: Parquet is not written to a terminal or pipe".into(),
        )
        .into());
    }
    let params = super::params(config, &cmd.period)?;
    let warehouse = Warehouse::new(config.warehouse(cmd.warehouse.warehouse.as_deref()));
    let sql = match (&cmd.command, &cmd.file) {
        (Some(sql), _) => Some(sql.clone()),
        (None, Some(file)) => Some(
            std::fs::read_to_string(file)
                .map_err(|e| usage(format!("cannot read the SQL file {}: {e}", file.display())))?,
        ),
        (None, None) => None,
    };
    if sql.is_none() && cmd.output.is_some() {
        return Err(usage("-o FILE needs a query: give -c SQL or -f FILE".into()).into());
    }
    let runtime = super::runtime(None)?;
    runtime.block_on(async {
        let session = query::open(&warehouse, &params, &cmd.engine.engine())
            .await
            .map_err(|e| usage(format!("{e:#}")))?;
        let Some(sql) = sql else {
            query::repl::run(&session, cmd.format.unwrap_or(Format::Table)).await?;
            return Ok(exit::OK);
        };
        let result = match &cmd.output {
            Some(path) => write_atomically(&session, &sql, format, path).await,
            None => {
                let mut stdout = std::io::stdout().lock();
                run_sql_checked(&session, &sql, format, &mut stdout).await
            }
        };
        match result {
            Ok(()) => Ok(exit::OK),
            Err(SqlError::Output(e)) => Err(e),
            Err(e) => Err(Failure {
                code: exit::PROBLEMS,
                message: e.to_string(),
            }
            .into()),
        }
    })
}

async fn run_sql_checked(
    session: &query::Session,
    sql: &str,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), SqlError> {
    if format == Format::Parquet && crate::query::exec::split(sql)?.len() != 1 {
        return Err(SqlError::Query(
            "--format parquet writes one result: give exactly one statement".into(),
        ));
    }
    run_sql(session, sql, format, out).await?;
    out.flush().map_err(|e| SqlError::Output(e.into()))
}

/// Writes `path` through a temporary file beside it, published only when complete, so a
/// reader never sees half a result.
async fn write_atomically(
    session: &query::Session,
    sql: &str,
    format: Format,
    path: &Path,
) -> Result<(), SqlError> {
    let output = |e: &dyn std::fmt::Display, what: &Path| {
        SqlError::Output(anyhow::anyhow!("cannot write {}: {e}", what.display()))
    };
    let temporary = fsutil::temporary_name(path);
    let mut staged = Staged::create(path).map_err(|e| output(&e, &temporary))?;
    run_sql_checked(session, sql, format, &mut staged).await?;
    staged.sync().map_err(|e| output(&e, &temporary))?;
    staged
        .publish()
        .map_err(|e| output(&format!("{e:#}"), path))
}
