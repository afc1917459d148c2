//! The small tables a session makes itself (parameters, periods, run history, datasets not
//! supplied): in memory for a local session, or written into the plan as `VALUES` for a cluster
//! session, whose executors cannot read this process's memory.

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{ArrayRef, Date32Array};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;

use crate::contract::date32;

/// How a session holds the small tables it makes itself (parameters, periods, run history,
/// datasets not supplied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tables {
    /// In memory, in this process.
    Memory,
    /// As `VALUES` inside the query plan, which travels to a cluster's executors whole (they
    /// cannot read this process's memory).
    Values,
}

impl Tables {
    pub(super) fn register(
        self,
        ctx: &SessionContext,
        name: &str,
        batch: RecordBatch,
    ) -> anyhow::Result<()> {
        match self {
            Tables::Memory => {
                let table = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
                ctx.register_table(name, Arc::new(table))?;
            }
            Tables::Values => {
                ctx.register_table(name, Arc::new(values_table(&batch)?))?;
            }
        }
        Ok(())
    }
}

/// A view whose rows are `batch`, written out as `VALUES` with each column cast to its type.
/// An empty batch becomes one row of nulls behind a filter no optimiser folds away: a plan
/// the optimiser had emptied would reach the cluster without its columns' types.
fn values_table(batch: &RecordBatch) -> anyhow::Result<datafusion::datasource::ViewTable> {
    use datafusion::common::ScalarValue;
    use datafusion::logical_expr::{LogicalPlanBuilder, cast, col, lit};
    let schema = batch.schema();
    let rows: Vec<Vec<_>> = if batch.num_rows() == 0 {
        vec![
            schema
                .fields()
                .iter()
                .map(|f| ScalarValue::try_from(f.data_type()).map(lit))
                .collect::<Result<_, _>>()?,
        ]
    } else {
        (0..batch.num_rows())
            .map(|i| {
                batch
                    .columns()
                    .iter()
                    .map(|c| ScalarValue::try_from_array(c, i).map(lit))
                    .collect::<Result<_, _>>()
            })
            .collect::<Result<_, _>>()?
    };
    let mut plan = LogicalPlanBuilder::values(rows)?;
    if batch.num_rows() == 0 {
        plan = plan.filter(datafusion::functions::expr_fn::random().lt(lit(0.0)))?;
    }
    let plan = plan
        .project(schema.fields().iter().enumerate().map(|(i, f)| {
            cast(col(format!("column{}", i + 1)), f.data_type().clone()).alias(f.name())
        }))?
        .build()?;
    Ok(datafusion::datasource::ViewTable::new(plan, None))
}

/// Dates as an Arrow DATE32 column.
pub(super) fn dates(values: &[NaiveDate]) -> ArrayRef {
    Arc::new(Date32Array::from(
        values.iter().map(|d| date32(*d)).collect::<Vec<_>>(),
    ))
}

/// Registers a table of the given columns.
pub(super) fn register(
    ctx: &SessionContext,
    tables: Tables,
    name: &str,
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
) -> anyhow::Result<()> {
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
    tables.register(ctx, name, batch)
}

#[cfg(test)]
mod values_tests {
    //! The small tables a cluster session sends inside its plans read back exactly as the
    //! in-memory ones do, types and nulls included, and an empty one stays empty and typed.
    use std::sync::Arc;

    use chrono::NaiveDate;
    use datafusion::arrow::array::{Float64Array, IntervalMonthDayNanoArray, StringArray};
    use datafusion::arrow::datatypes::{
        DataType, Field, IntervalMonthDayNano, IntervalUnit, Schema,
    };
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::prelude::SessionContext;

    use super::*;
    use datafusion::arrow::util::pretty::pretty_format_batches;

    /// The table's rows as printed, its schema, and its row count.
    async fn read(tables: Tables, batch: RecordBatch) -> (String, Schema, usize) {
        let ctx = SessionContext::new();
        tables.register(&ctx, "t", batch).unwrap();
        let df = ctx.sql("SELECT * FROM t").await.unwrap();
        let schema = df.schema().as_arrow().clone();
        let batches = df.collect().await.unwrap();
        let rows = batches.iter().map(RecordBatch::num_rows).sum();
        let text = pretty_format_batches(&batches).unwrap().to_string();
        (text, schema, rows)
    }

    #[tokio::test]
    async fn values_read_back_as_memory() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("end", DataType::Date32, false),
                Field::new("name", DataType::Utf8, true),
                Field::new("ratio", DataType::Float64, true),
                Field::new(
                    "validity",
                    DataType::Interval(IntervalUnit::MonthDayNano),
                    false,
                ),
            ])),
            vec![
                dates(&[d("2024-02-29"), d("2026-03-31")]),
                Arc::new(StringArray::from(vec![Some("a"), None])),
                Arc::new(Float64Array::from(vec![None, Some(0.1)])),
                Arc::new(IntervalMonthDayNanoArray::from(vec![
                    IntervalMonthDayNano::new(36, 0, 0),
                    IntervalMonthDayNano::new(12, 0, 0),
                ])),
            ],
        )
        .unwrap();
        let memory = read(Tables::Memory, batch.clone()).await;
        let values = read(Tables::Values, batch.clone()).await;
        assert_eq!(values, memory);
        assert!(memory.0.contains("2024-02-29"), "{}", memory.0);

        let empty = RecordBatch::new_empty(batch.schema());
        let (_, schema, rows) = read(Tables::Values, empty.clone()).await;
        let types = |s: &Schema| -> Vec<(String, DataType)> {
            s.fields()
                .iter()
                .map(|f| (f.name().clone(), f.data_type().clone()))
                .collect()
        };
        assert_eq!(rows, 0);
        assert_eq!(types(&schema), types(&empty.schema()));
    }
}
