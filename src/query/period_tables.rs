//! The parameter and period tables every view joins to: `params` (as_of, the periods and every
//! threshold, one row), `quarter_ends` and `month_ends` (the trend and SPC periods),
//! `period_ends` (both, once) and `period_offsets` (each period end minus 1..N calendar months,
//! clamped to month end, as METRICS.md defines them).

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{ArrayRef, Float64Array, Int32Array, IntervalMonthDayNanoArray};
use datafusion::arrow::datatypes::{DataType, Field, IntervalMonthDayNano, IntervalUnit};
use datafusion::prelude::SessionContext;

use super::Params;
use super::tables::{Tables, dates, register};
use crate::contract::calendar::{self, SPC_MONTHS, TREND_QUARTERS};

/// The `params`, `quarter_ends`, `month_ends` and `period_offsets` tables.
pub(super) fn register_params(
    ctx: &SessionContext,
    params: &Params,
    tables: Tables,
) -> anyhow::Result<()> {
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
