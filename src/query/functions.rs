//! SQL functions the views call that DataFusion lacks. Every session that plans or runs a view
//! has them: local sessions (`session::context`), and on a cluster the client, the scheduler
//! and every executor (`cli::cluster`), since a plan names its functions and each of those
//! processes decodes it.
//!
//! `month_end(date)`: the last day of the date's month. `training_counts` counts spans by the
//! month ends they start and stop in, over millions of rows; written with DataFusion's own
//! functions (`date_trunc`, then `+ INTERVAL '1 month' - INTERVAL '1 day'`) every value went
//! through timestamps and the calendar three times: about 0.7 s of that view's 4.7 s of compute
//! at 1,000,000 staff. DuckDB has the same function as `last_day` (bench/translate.py renames it).
//!
//! `add_months(date, n)`: the date n calendar months later (earlier for negative n), clamped to
//! the end of a shorter month, exactly as DataFusion's `date + INTERVAL 'n months'`, which goes
//! through the calendar library for every value. `training_spells` adds the validity period to
//! every qualifying record, and DataFusion evaluates that twice (in the join's filter and in
//! its projection). DuckDB's own `date + INTERVAL` is kept there (bench/translate.py).

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Date32Array};
use datafusion::arrow::compute::{cast, try_binary};
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type};
use datafusion::arrow::error::ArrowError;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion::prelude::SessionContext;

/// Every function of this module, for a registry to hold.
pub fn all() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::from(MonthEnd::new())),
        Arc::new(ScalarUDF::from(AddMonths::new())),
    ]
}

/// Adds every function of this module to `ctx`.
pub fn register(ctx: &SessionContext) {
    for f in all() {
        ctx.register_udf(f.as_ref().clone());
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct MonthEnd {
    signature: Signature,
}

impl MonthEnd {
    fn new() -> MonthEnd {
        MonthEnd {
            signature: Signature::uniform(1, vec![DataType::Date32], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for MonthEnd {
    fn name(&self) -> &str {
        "month_end"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else {
            return exec_err!("month_end takes one date");
        };
        match arg {
            ColumnarValue::Scalar(ScalarValue::Date32(day)) => {
                let end = day.map(checked_month_end).transpose()?;
                Ok(ColumnarValue::Scalar(ScalarValue::Date32(end)))
            }
            ColumnarValue::Array(days) if days.data_type() == &DataType::Date32 => {
                let days = days.as_primitive::<Date32Type>();
                let ends: Date32Array = days.try_unary(checked_month_end)?;
                Ok(ColumnarValue::Array(Arc::new(ends)))
            }
            other => exec_err!("month_end takes a date, not {}", other.data_type()),
        }
    }
}

fn checked_month_end(day: i32) -> Result<i32> {
    match i32::try_from(month_end(day.into())) {
        Ok(end) => Ok(end),
        Err(_) => exec_err!("month_end: the month of day {day} ends past the last date there is"),
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct AddMonths {
    signature: Signature,
}

impl AddMonths {
    fn new() -> AddMonths {
        let with = |n: DataType| TypeSignature::Exact(vec![DataType::Date32, n]);
        AddMonths {
            signature: Signature::one_of(
                vec![with(DataType::Int32), with(DataType::Int64)],
                Volatility::Immutable,
            ),
        }
    }
}

impl ScalarUDFImpl for AddMonths {
    fn name(&self) -> &str {
        "add_months"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [days, months] = arrays.as_slice() else {
            return exec_err!("add_months takes a date and a number of months");
        };
        let months = cast(months, &DataType::Int64)?;
        let dates: Date32Array = try_binary(
            days.as_primitive::<Date32Type>(),
            months.as_primitive::<Int64Type>(),
            |day, n| {
                i32::try_from(add_months(day.into(), n)).map_err(|_| {
                    ArrowError::ComputeError(format!(
                        "add_months: day {day} plus {n} months is past the last date there is"
                    ))
                })
            },
        )?;
        Ok(ColumnarValue::Array(Arc::new(dates)))
    }
}

/// The last day of the month of `day` (days since 1970-01-01, as Arrow's `Date32`).
fn month_end(day: i64) -> i64 {
    let (year, month, day_of_month) = civil(day);
    day - day_of_month + month_length(year, month)
}

/// `day` moved by `n` calendar months, the day of the month clamped to the new month's length.
/// An `n` past any calendar is clamped first (the result is out of `Date32`'s range either way,
/// which the caller refuses).
fn add_months(day: i64, n: i64) -> i64 {
    let (year, month, day_of_month) = civil(day);
    let index = year * 12 + month - 1 + n.clamp(-(1 << 40), 1 << 40);
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
    days_from_civil(year, month, day_of_month.min(month_length(year, month)))
}

fn month_length(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Year, month (1-12) and day of the month of `day` in the proleptic Gregorian calendar, by
/// Howard Hinnant's `civil_from_days`: years counted from 1 March, so the leap day ends a
/// year, and no table or loop.
fn civil(day: i64) -> (i64, i64, i64) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_based = (5 * day_of_year + 2) / 153;
    let day_of_month = day_of_year - (153 * march_based + 2) / 5 + 1;
    let month = if march_based < 10 {
        march_based + 3
    } else {
        march_based - 9
    };
    let year = era * 400 + year_of_era + i64::from(month <= 2);
    (year, month, day_of_month)
}

/// The inverse of [`civil`] (Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day_of_month: i64) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let march_based = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * march_based + 2) / 5 + day_of_month - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    fn days(date: NaiveDate) -> i64 {
        (date - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
    }

    /// Every day from 1600 to 2500 (leap centuries and not, both sides of 1970) against
    /// chrono's calendar.
    #[test]
    fn every_day_of_nine_centuries() {
        let mut date = NaiveDate::from_ymd_opt(1600, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2500, 12, 31).unwrap();
        while date <= last {
            let next_month = match date.month() {
                12 => NaiveDate::from_ymd_opt(date.year() + 1, 1, 1),
                m => NaiveDate::from_ymd_opt(date.year(), m + 1, 1),
            }
            .unwrap();
            let expected = days(next_month.pred_opt().unwrap());
            assert_eq!(month_end(days(date)), expected, "{date}");
            date = date.succ_opt().unwrap();
        }
    }

    /// Every day from 1890 to 2110 moved by -50..=50 months, against chrono (which DataFusion's
    /// `date + INTERVAL` uses), so the two spellings of the training rule cannot differ.
    #[test]
    fn add_months_as_chrono_does() {
        let mut date = NaiveDate::from_ymd_opt(1890, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2110, 12, 31).unwrap();
        while date <= last {
            for n in -50i32..=50 {
                let months = chrono::Months::new(n.unsigned_abs());
                let expected = if n < 0 { date - months } else { date + months };
                assert_eq!(
                    add_months(days(date), n.into()),
                    days(expected),
                    "{date} {n}"
                );
            }
            date = date.succ_opt().unwrap();
        }
        assert_eq!(civil(days(last)), (2110, 12, 31));
    }

    #[test]
    fn the_far_ends_of_date32() {
        assert!(checked_month_end(i32::MIN).is_ok());
        // 5,881,580-07-11: its month ends on the 31st, past i32::MAX days.
        assert!(checked_month_end(i32::MAX).is_err());
    }

    async fn text(ctx: &SessionContext, sql: &str) -> Vec<String> {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let mut got = vec![];
        for b in &batches {
            let col = cast(b.column(0), &DataType::Utf8).unwrap();
            let col = col.as_string::<i32>();
            got.extend(col.iter().map(|v| v.unwrap_or("null").to_owned()));
        }
        got
    }

    #[tokio::test]
    async fn in_sql_with_nulls() {
        let ctx = SessionContext::new();
        register(&ctx);
        let got = text(
            &ctx,
            "SELECT CAST(month_end(d) AS VARCHAR) FROM (VALUES (1, DATE '2024-02-10'), \
             (2, NULL), (3, DATE '2023-02-28'), (4, DATE '1969-12-31')) t(i, d) ORDER BY i",
        )
        .await;
        assert_eq!(got, ["2024-02-29", "null", "2023-02-28", "1969-12-31"]);
        let got = text(&ctx, "SELECT CAST(month_end(DATE '2100-02-01') AS VARCHAR)").await;
        assert_eq!(got, ["2100-02-28"]);
        let got = text(
            &ctx,
            "SELECT CAST(add_months(d, n) AS VARCHAR) FROM (VALUES (1, DATE '2020-02-29', 36), \
             (2, DATE '2024-01-31', CAST(1 AS INT)), (3, NULL, 1), (4, DATE '2024-03-31', -1), \
             (5, DATE '2024-03-31', NULL)) t(i, d, n) ORDER BY i",
        )
        .await;
        assert_eq!(
            got,
            ["2023-02-28", "2024-02-29", "null", "2024-02-29", "null"]
        );
        let far = ctx
            .sql("SELECT add_months(DATE '2024-01-31', 9223372036854775807)")
            .await;
        let far = far.unwrap().collect().await;
        assert!(far.unwrap_err().to_string().contains("past the last date"));
    }
}
