//! Running one query for a connection: planned in the user's context, checked, executed on the
//! query runtime under the statement's limits, and its rows encoded for the wire (arrow-pg)
//! batch by batch as DataFusion produces them, so a result of any size streams through bounded
//! memory.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::Statement;
use futures::{StreamExt, stream};
use pgwire::api::Type;
use pgwire::api::portal::Format;
use pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo, QueryResponse};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::DataRow;
use pgwire::types::format::FormatOptions;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

use super::contexts::Served;
use super::limits::Stop;
use super::statement::{check_plan, error};

/// Plans `statement` in `served`'s context and checks the plan (read-only, and what a scoped
/// user may ask).
pub async fn plan(
    served: &Served,
    statement: &Statement,
    scoped: bool,
) -> PgWireResult<LogicalPlan> {
    let plan = served
        .ctx
        .state()
        .statement_to_plan(DfStatement::Statement(Box::new(statement.clone())))
        .await
        .map_err(query_error)?;
    check_plan(&plan, &statement.to_string(), scoped)?;
    Ok(plan)
}

/// The wire description of a plan's result columns.
pub fn fields(plan: &LogicalPlan, format: &Format) -> PgWireResult<Vec<FieldInfo>> {
    arrow_pg::datatypes::arrow_schema_to_pg_fields(plan.schema().as_arrow(), format, None)
}

/// The types of a plan's parameters `$1, $2, ...` in order, as far as DataFusion infers them.
pub fn parameter_types(plan: &LogicalPlan) -> PgWireResult<Vec<Option<DataType>>> {
    let mut types: Vec<(String, Option<DataType>)> = plan
        .get_parameter_types()
        .map_err(query_error)?
        .into_iter()
        .collect();
    types.sort_by_key(|(id, _)| {
        id.trim_start_matches('$')
            .parse::<usize>()
            .unwrap_or(usize::MAX)
    });
    Ok(types.into_iter().map(|(_, t)| t).collect())
}

/// The wire types of a plan's parameters (unknown where DataFusion cannot tell).
pub fn parameter_wire_types(plan: &LogicalPlan) -> PgWireResult<Vec<Type>> {
    parameter_types(plan)?
        .iter()
        .map(|t| match t {
            Some(t) => arrow_pg::datatypes::into_pg_type(t),
            None => Ok(Type::UNKNOWN),
        })
        .collect()
}

/// Executes `plan` in `served`'s context on the query runtime `queries`, its rows streaming
/// until `stop` ends them.
///
/// The work runs on a runtime of its own so that a long computation cannot hold up the threads
/// that answer clients: a timeout or cancel is answered at once, and the work is aborted (it
/// stops at its next pause). Batches cross over a channel of two, so the server never holds
/// more than a few batches of any result. The stream holds `served`, so the snapshot the query
/// started on stays open until its last row.
pub async fn run(
    served: Arc<Served>,
    plan: LogicalPlan,
    format: &Format,
    options: Arc<FormatOptions>,
    stop: Stop,
    queries: &Handle,
) -> PgWireResult<QueryResponse> {
    let fields = Arc::new(arrow_pg::datatypes::arrow_schema_to_pg_fields(
        plan.schema().as_arrow(),
        format,
        Some(options),
    )?);
    let (batch_tx, batch_rx) = mpsc::channel::<Result<RecordBatch, DataFusionError>>(2);
    let (started_tx, started_rx) = oneshot::channel();
    let ctx = served.ctx.clone();
    let work = queries.spawn(async move {
        // Physical planning can take a while (a cached view computes its rows when first
        // read), so it is part of the work under the statement's limits.
        let stream = async { ctx.execute_logical_plan(plan).await?.execute_stream().await };
        let mut stream = match stream.await {
            Ok(stream) => {
                let _ = started_tx.send(Ok(()));
                stream
            }
            Err(e) => {
                let _ = started_tx.send(Err(e));
                return;
            }
        };
        while let Some(batch) = stream.next().await {
            if batch_tx.send(batch).await.is_err() {
                break;
            }
        }
    });
    let work = AbortOnDrop(work.abort_handle());
    stop.run(async {
        match started_rx.await {
            Ok(started) => started.map_err(query_error),
            Err(_) => Err(error("XX000", "the query stopped before it started".into())),
        }
    })
    .await?;
    let encode_fields = fields.clone();
    let batches = stream::unfold(
        (batch_rx, work, served),
        |(mut rx, work, served)| async move { rx.recv().await.map(|batch| (batch, (rx, work, served))) },
    );
    let rows = batches
        .map(move |batch| {
            let rows: Box<dyn Iterator<Item = PgWireResult<DataRow>> + Send + Sync> = match batch {
                Ok(batch) => arrow_pg::datatypes::encode_recordbatch(encode_fields.clone(), batch),
                Err(e) => Box::new(std::iter::once(Err(query_error(e)))),
            };
            stream::iter(rows)
        })
        .flatten()
        .boxed();
    Ok(QueryResponse::new(fields, stop.stream(rows)))
}

/// Aborts a query's work when its result is dropped (finished, failed, cancelled or timed out).
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A one-row, one-column text result (`SHOW name`).
pub fn single_value(name: &str, value: &str, format: &Format) -> PgWireResult<QueryResponse> {
    let fields = Arc::new(vec![text_field(name, format.format_for(0))]);
    let mut encoder = DataRowEncoder::new(fields.clone());
    encoder.encode_field(&Some(value))?;
    let row = encoder.take_row();
    Ok(QueryResponse::new(fields, stream::iter([Ok(row)])))
}

/// The description of a text column.
pub fn text_field(name: &str, format: FieldFormat) -> FieldInfo {
    FieldInfo::new(name.to_owned(), None, None, Type::TEXT, format)
}

/// DataFusion's error as a PostgreSQL error: a sentence without DataFusion's prefixes, under the
/// SQLSTATE a client expects for it.
pub fn query_error(e: DataFusionError) -> PgWireError {
    let root = e.find_root();
    let (code, text) = match root {
        DataFusionError::SQL(inner, _) => ("42601", format!("syntax error: {inner}")),
        DataFusionError::NotImplemented(m) => ("0A000", m.clone()),
        DataFusionError::ResourcesExhausted(m) => ("53200", m.clone()),
        other => {
            let text = other.strip_backtrace();
            let code = if text.contains("table function") || text.contains("Invalid function") {
                "42883"
            } else if text.contains("table '") && text.contains("not found") {
                "42P01"
            } else if text.contains("No field named") || text.contains("Schema error") {
                "42703"
            } else if matches!(other, DataFusionError::Plan(_)) {
                "42000"
            } else {
                "XX000"
            };
            (code, text)
        }
    };
    let mut text = text.trim().replace("'datafusion.public.", "'");
    for prefix in [
        "Error during planning: ",
        "Schema error: ",
        "Execution error: ",
        "This feature is not implemented: ",
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest.to_owned();
        }
    }
    error(code, text)
}
