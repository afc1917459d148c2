//! The SPC rules of `queries/spc_monthly.sql` on hand-made series whose special causes were
//! worked out by hand from METRICS.md (the same series as `tests/oracle/test_spc.py`).

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::prelude::SessionContext;

use super::period_tables::register_params;
use super::tables::{Tables, dates, register};
use super::{Params, Thresholds, VIEWS};
use crate::contract::calendar;

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
        18.5, 19.5, 18.5, 19.5, 20.0, 18.5, 19.5, 18.5, 21.5, 20.5, 21.5, 20.5, 21.5, 20.5, 21.5,
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
        11., 15., 11., 15., 11., 15., 10., 11., 12., 13., 14., 15., 16., 15., 14., 13., 12., 11.,
        10.,
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
