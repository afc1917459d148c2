//! Query: one DataFusion session over the live warehouse snapshot, with the datasets as tables,
//! the parameters and periods as small tables, and the named metric views of `queries/*.sql`.
//! The report, `sql -c`, `sql -f` and the REPL all query through it.

mod cache;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod exec;
pub mod print_format;
pub mod repl;
mod views;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int32Array, IntervalMonthDayNanoArray,
};
use datafusion::arrow::datatypes::{DataType, Field, IntervalMonthDayNano, IntervalUnit, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use serde::{Deserialize, Serialize};

pub use views::{VIEWS, View};

use crate::contract::calendar::{self, SPC_MONTHS, TREND_QUARTERS};
use crate::contract::{DATASETS, date32, warehouse_schema};
// kept for src/report until the merge
pub use crate::contract::calendar as periods;
use crate::warehouse::{DatasetStatus, Manifest, Warehouse};

/// The thresholds of the quality metrics schedule (METRICS.md defaults), configurable in the
/// `[thresholds]` table of `safeguard.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// A training record is valid for this many calendar months.
    pub training_validity_months: u32,
    /// Training and supervision: red below this percentage.
    pub red_below: f64,
    /// Training and supervision: green above this percentage (amber up to and including it).
    pub green_above: f64,
    /// Multi-agency contribution: red below this percentage.
    pub multiagency_red_below: f64,
    /// Multi-agency contribution: green above this percentage.
    pub multiagency_green_above: f64,
    /// The published report prints counts (and percentages of denominators) below this as `*`.
    pub disclosure_threshold: u32,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            training_validity_months: 36,
            red_below: 75.0,
            green_above: 90.0,
            multiagency_red_below: 60.0,
            multiagency_green_above: 90.0,
            disclosure_threshold: 5,
        }
    }
}

/// Everything a figure depends on besides the data: visible to SQL users as the `params` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub as_of: NaiveDate,
    pub thresholds: Thresholds,
}

/// Where a session's queries run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// In this process, on DataFusion.
    #[default]
    Local,
    /// On an Apache DataFusion Ballista cluster, given its scheduler's `df://HOST:PORT`. The
    /// executors read the warehouse's Parquet files themselves, so the warehouse must be at the
    /// same path on every machine (a shared file system).
    Cluster(String),
}

/// An open session over one warehouse snapshot.
pub struct Session {
    pub ctx: SessionContext,
    /// The snapshot folder the session reads (fixed for its lifetime).
    pub snapshot: PathBuf,
    pub manifest: Manifest,
    /// The tables and views registered, with a one-line description each, for `\d`.
    pub catalog: Vec<(String, String)>,
}

/// Opens a session over the warehouse's live snapshot.
pub async fn open(
    warehouse: &Warehouse,
    params: &Params,
    engine: &Engine,
) -> anyhow::Result<Session> {
    let snapshot = warehouse.current()?.with_context(|| {
        format!(
            "the warehouse {} has no data yet: run `safeguard load --warehouse {0}` first",
            warehouse.root().display()
        )
    })?;
    open_snapshot(&snapshot, params, engine).await
}

/// Opens a session over one snapshot folder.
pub async fn open_snapshot(
    snapshot: &Path,
    params: &Params,
    engine: &Engine,
) -> anyhow::Result<Session> {
    let manifest = Manifest::read(snapshot)?;
    let (ctx, snapshot, tables) = match engine {
        Engine::Local => {
            let config = SessionConfig::new().with_information_schema(true);
            let ctx = SessionContext::new_with_config(config);
            (ctx, snapshot.to_path_buf(), Tables::Memory)
        }
        Engine::Cluster(url) => {
            // The executors open the files by the paths the plan names.
            let snapshot = std::path::absolute(snapshot)?;
            (cluster_context(url).await?, snapshot, Tables::Values)
        }
    };
    let snapshot = snapshot.as_path();
    let mut catalog = vec![];
    for def in DATASETS {
        let dir = snapshot.join(def.name);
        if dir.is_dir() {
            register_parquet(&ctx, def.name, &dir).await?;
            catalog.push((
                def.name.to_owned(),
                format!("dataset: {}", describe_dataset(def.name)),
            ));
        } else {
            // Not supplied: an empty table with the contract's columns, so views that count from
            // it (Section 11 actions, say) count zero rather than fail.
            let schema = warehouse_schema(def, &[]);
            tables.register(&ctx, def.name, RecordBatch::new_empty(schema))?;
            catalog.push((
                def.name.to_owned(),
                format!(
                    "dataset (not supplied, empty): {}",
                    describe_dataset(def.name)
                ),
            ));
        }
    }
    for (name, about) in [
        (
            "load_rejects",
            "every row error of the last load: file, line, reason, kind, column, raw row",
        ),
        (
            "load_summary",
            "rows read, loaded and rejected per dataset in the last load",
        ),
        (
            "load_files",
            "every input file of the last load with its size and content hash",
        ),
    ] {
        let dir = snapshot.join(name);
        if dir.is_dir() {
            register_parquet(&ctx, name, &dir).await?;
            catalog.push((name.to_owned(), about.to_owned()));
        }
    }
    register_refresh_history(&ctx, snapshot, tables)?;
    catalog.push((
        "refresh_runs".into(),
        "every refresh run: when, status, what changed, rows, report, error".into(),
    ));
    catalog.push((
        "refresh_run_datasets".into(),
        "rows read, loaded and rejected per dataset in each refresh run".into(),
    ));
    register_params(&ctx, params, tables)?;
    catalog.push((
        "params".into(),
        "as_of, the periods and every threshold the views use (one row)".into(),
    ));
    catalog.push((
        "quarter_ends".into(),
        "the 12 quarter ends the trend views cover".into(),
    ));
    catalog.push((
        "month_ends".into(),
        "the 36 month ends the SPC series cover".into(),
    ));
    catalog.push((
        "period_ends".into(),
        "every quarter end and month end above, once".into(),
    ));
    catalog.push((
        "period_offsets".into(),
        "each period end minus 1..N calendar months, clamped to month end".into(),
    ));
    for view in VIEWS {
        let supplied = |d: &&str| {
            manifest
                .dataset(d)
                .is_some_and(|r| r.status != DatasetStatus::Absent)
        };
        if view.requires.iter().all(supplied) {
            cache::define(&ctx, view, tables == Tables::Memory)
                .await
                .with_context(|| {
                    format!("cannot define the view {} (queries/{0}.sql)", view.name)
                })?;
            catalog.push((view.name.to_owned(), view.description()));
        }
    }
    Ok(Session {
        ctx,
        snapshot: snapshot.to_path_buf(),
        manifest,
        catalog,
    })
}

/// The warehouse's refresh history (kept beside the snapshots, not in one): empty tables when
/// the warehouse has never been refreshed, so queries and the report work either way.
fn register_refresh_history(
    ctx: &SessionContext,
    snapshot: &Path,
    tables: Tables,
) -> anyhow::Result<()> {
    use crate::warehouse::history;
    // snapshots/<id> (or <id>.partial while a refresh typesets from it) -> the warehouse.
    let runs = match snapshot.parent().and_then(Path::parent) {
        Some(root) => history::read(root)?,
        None => vec![],
    };
    let (runs, datasets) = history::tables(&runs)?;
    tables.register(ctx, "refresh_runs", runs)?;
    tables.register(ctx, "refresh_run_datasets", datasets)
}

/// How a session holds the small tables it makes itself (parameters, periods, run history,
/// datasets not supplied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tables {
    /// In memory, in this process.
    Memory,
    /// As `VALUES` inside the query plan, which travels to a cluster's executors whole (they
    /// cannot read this process's memory).
    Values,
}

impl Tables {
    fn register(self, ctx: &SessionContext, name: &str, batch: RecordBatch) -> anyhow::Result<()> {
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

/// A session whose queries run on the Ballista cluster at `url`.
#[cfg(feature = "cluster")]
async fn cluster_context(url: &str) -> anyhow::Result<SessionContext> {
    cluster::context(url).await
}

#[cfg(not(feature = "cluster"))]
async fn cluster_context(url: &str) -> anyhow::Result<SessionContext> {
    anyhow::bail!(
        "cannot run on the cluster {url}: this safeguard was built without cluster support \
         (install it with `cargo install --path . --features cluster`)"
    )
}

async fn register_parquet(ctx: &SessionContext, name: &str, dir: &Path) -> anyhow::Result<()> {
    let path = format!("{}/", dir.display());
    ctx.register_parquet(name, &path, ParquetReadOptions::default())
        .await
        .with_context(|| format!("cannot read the table {name} in {}", dir.display()))
}

fn describe_dataset(name: &str) -> &'static str {
    match name {
        "organisations" => "organisations in the footprint (ODS code, name, type)",
        "staff" => "the establishment: one row per post holder (never print staff_id)",
        "training" => "safeguarding children training records (Intercollegiate levels 1-5)",
        "supervision" => "safeguarding supervision sessions",
        "section11_ratings" => {
            "Section 11 self-audit ratings, 8 standards per organisation and round"
        }
        "section11_actions" => "Section 11 action plans",
        "review_actions" => "SCR / CSPR / rapid review action plans",
        "multiagency_meetings" => {
            "child protection and strategy meetings health was asked to contribute to"
        }
        "escalations" => "professional-difference escalations",
        "quality_ratings" => "the commissioner's quarterly RAG ratings of each provider",
        _ => "",
    }
}

fn dates(values: &[NaiveDate]) -> ArrayRef {
    Arc::new(Date32Array::from(
        values.iter().map(|d| date32(*d)).collect::<Vec<_>>(),
    ))
}

fn register(
    ctx: &SessionContext,
    tables: Tables,
    name: &str,
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
) -> anyhow::Result<()> {
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
    tables.register(ctx, name, batch)
}

/// The `params`, `quarter_ends`, `month_ends` and `period_offsets` tables.
fn register_params(ctx: &SessionContext, params: &Params, tables: Tables) -> anyhow::Result<()> {
    let t = &params.thresholds;
    let quarters = calendar::quarter_ends(params.as_of, TREND_QUARTERS);
    let months = calendar::month_ends(params.as_of, SPC_MONTHS);
    let f64s = |v: f64| -> ArrayRef { Arc::new(Float64Array::from(vec![v])) };
    let i32s = |v: u32| -> ArrayRef { Arc::new(Int32Array::from(vec![v as i32])) };
    register(
        ctx,
        tables,
        "params",
        vec![
            Field::new("as_of", DataType::Date32, false),
            Field::new("period_end", DataType::Date32, false),
            Field::new("month_end", DataType::Date32, false),
            Field::new("training_validity_months", DataType::Int32, false),
            Field::new(
                "training_validity",
                DataType::Interval(IntervalUnit::MonthDayNano),
                false,
            ),
            Field::new("red_below", DataType::Float64, false),
            Field::new("green_above", DataType::Float64, false),
            Field::new("multiagency_red_below", DataType::Float64, false),
            Field::new("multiagency_green_above", DataType::Float64, false),
            Field::new("spc_target", DataType::Float64, false),
            Field::new("disclosure_threshold", DataType::Int32, false),
        ],
        vec![
            dates(&[params.as_of]),
            dates(&quarters[quarters.len() - 1..]),
            dates(&months[months.len() - 1..]),
            i32s(t.training_validity_months),
            Arc::new(IntervalMonthDayNanoArray::from(vec![
                IntervalMonthDayNano::new(t.training_validity_months as i32, 0, 0),
            ])),
            f64s(t.red_below),
            f64s(t.green_above),
            f64s(t.multiagency_red_below),
            f64s(t.multiagency_green_above),
            f64s(t.green_above),
            i32s(t.disclosure_threshold),
        ],
    )?;
    let previous: Vec<NaiveDate> = quarters
        .iter()
        .map(|q| calendar::month_end(calendar::months_before(*q, 3)))
        .collect();
    register(
        ctx,
        tables,
        "quarter_ends",
        vec![
            Field::new("period_end", DataType::Date32, false),
            Field::new("previous_period_end", DataType::Date32, false),
        ],
        vec![dates(&quarters), dates(&previous)],
    )?;
    register(
        ctx,
        tables,
        "month_ends",
        vec![Field::new("month_end", DataType::Date32, false)],
        vec![dates(&months)],
    )?;

    // Every period end, quarterly or monthly: the status views work over all of them at once.
    let mut ends: Vec<NaiveDate> = quarters.iter().chain(&months).copied().collect();
    ends.sort();
    ends.dedup();
    register(
        ctx,
        tables,
        "period_ends",
        vec![Field::new("period_end", DataType::Date32, false)],
        vec![dates(&ends)],
    )?;
    let max_months = t.training_validity_months.max(12);
    let (mut end_col, mut month_col, mut shifted_col) = (vec![], vec![], vec![]);
    for end in &ends {
        for m in 1..=max_months {
            end_col.push(*end);
            month_col.push(m as i32);
            shifted_col.push(calendar::months_before(*end, m));
        }
    }
    register(
        ctx,
        tables,
        "period_offsets",
        vec![
            Field::new("period_end", DataType::Date32, false),
            Field::new("months", DataType::Int32, false),
            Field::new("shifted", DataType::Date32, false),
        ],
        vec![
            dates(&end_col),
            Arc::new(Int32Array::from(month_col)),
            dates(&shifted_col),
        ],
    )
}

#[cfg(test)]
mod spc_tests {
    //! The SPC rules of `queries/spc_monthly.sql` on hand-made series whose special causes were
    //! worked out by hand from METRICS.md (the same series as `tests/oracle/test_spc.py`).
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::util::display::array_value_to_string;

    /// Runs spc_monthly over one series of values (numerator = value * 100 over 10,000).
    async fn special_causes(values: &[f64]) -> Vec<String> {
        let ctx = SessionContext::new();
        let params = Params {
            as_of: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            thresholds: Thresholds::default(),
        };
        register_params(&ctx, &params, Tables::Memory).unwrap();
        let months = calendar::month_ends(params.as_of, values.len());
        let n = values.len();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec!["training"; n])),
            Arc::new(StringArray::from(vec![None::<&str>; n])),
            dates(&months),
            Arc::new(Int64Array::from(
                values
                    .iter()
                    .map(|v| (v * 100.0).round() as i64)
                    .collect::<Vec<_>>(),
            )),
            Arc::new(Int64Array::from(vec![10_000i64; n])),
        ];
        register(
            &ctx,
            Tables::Memory,
            "spc_points",
            vec![
                Field::new("metric", DataType::Utf8, false),
                Field::new("organisation_code", DataType::Utf8, true),
                Field::new("month_end", DataType::Date32, false),
                Field::new("numerator", DataType::Int64, false),
                Field::new("denominator", DataType::Int64, false),
            ],
            columns,
        )
        .unwrap();
        let view = VIEWS.iter().find(|v| v.name == "spc_monthly").unwrap();
        ctx.sql(&format!("CREATE VIEW spc_monthly AS {}", view.sql))
            .await
            .unwrap();
        let batches = ctx
            .sql("SELECT special_cause FROM spc_monthly ORDER BY month_end")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        batches
            .iter()
            .flat_map(|b| {
                (0..b.num_rows()).map(move |i| array_value_to_string(b.column(0), i).unwrap())
            })
            .collect()
    }

    async fn expect(values: &[f64], codes: &str) {
        let want: Vec<&str> = codes
            .split_whitespace()
            .map(|c| match c {
                "C" => "common_cause",
                "AU" => "above_upper_limit",
                "BL" => "below_lower_limit",
                "TI" => "trend_increasing",
                "TD" => "trend_decreasing",
                "2A" => "two_of_three_above",
                "2B" => "two_of_three_below",
                "RA" => "run_above",
                "RB" => "run_below",
                other => panic!("unknown code {other}"),
            })
            .collect();
        assert_eq!(special_causes(values).await, want, "{values:?}");
    }

    fn alternating(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| if i % 2 == 0 { 50.0 } else { 51.0 })
            .collect()
    }

    #[tokio::test]
    async fn runs_of_seven_either_side() {
        let v = [
            10., 11., 10., 11., 10., 11., 10., 12., 13., 12., 13., 12., 13., 12.,
        ];
        expect(&v, "RB RB RB RB RB RB RB RA RA RA RA RA RA RA").await;
    }

    #[tokio::test]
    async fn a_point_on_the_mean_breaks_a_run() {
        let v = [
            18.5, 19.5, 18.5, 19.5, 20.0, 18.5, 19.5, 18.5, 21.5, 20.5, 21.5, 20.5, 21.5, 20.5,
            21.5,
        ];
        expect(&v, "C C C C C C C C RA RA RA RA RA RA RA").await;
    }

    #[tokio::test]
    async fn trends_of_seven_and_the_point_between_two() {
        let rising = [
            50., 52., 50., 52., 50., 52., 50., 52., 50., 50.5, 51., 51.5, 52., 52.5, 53.,
        ];
        expect(&rising, "C C C C C C C C TI TI TI TI TI TI TI").await;
        let six = [
            50., 52., 50., 52., 50., 52., 50., 52., 52.5, 50.5, 51., 51.5, 52., 52.5, 53.,
        ];
        expect(&six, "C C C C C C C C C C C C C C C").await;
        let peak = [
            11., 15., 11., 15., 11., 15., 10., 11., 12., 13., 14., 15., 16., 15., 14., 13., 12.,
            11., 10.,
        ];
        expect(&peak, "C C C C C C TI TI TI TI TI TI TD TD TD TD TD TD TD").await;
    }

    #[tokio::test]
    async fn limits_with_outlier_moving_ranges_screened_out() {
        let mut v = alternating(16);
        (v[5], v[12]) = (60.0, 41.0);
        expect(&v, "C C C C C AU C C C C C C BL C C C").await;
        let mut v = alternating(20);
        (v[5], v[12], v[9], v[16]) = (91.0, 10.0, 61.0, 40.0);
        expect(&v, "C C C C C AU C C C AU C C BL C C C BL C C C").await;
    }

    #[tokio::test]
    async fn two_of_three_near_a_limit_on_one_side() {
        let mut v = alternating(20);
        (v[8], v[10]) = (53.0, 53.0);
        expect(&v, "C C C C C C C C 2A C 2A C C C C C C C C C").await;
        let mut v = alternating(20);
        (v[8], v[9]) = (53.0, 48.5);
        expect(&v, &"C ".repeat(20)).await;
    }
}

#[cfg(test)]
mod values_tests {
    //! The small tables a cluster session sends inside its plans read back exactly as the
    //! in-memory ones do, types and nulls included, and an empty one stays empty and typed.
    use super::*;
    use datafusion::arrow::array::StringArray;
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
