//! The date the data supports. Without `--year`, `--as-of` or a configured period the report
//! takes its figures at the last quarter end before today; when the returns end earlier than
//! that (a folder of last year's returns, a late quarter), every record that needed renewing
//! after the data ends counts as missing, and supervision reads as 0%. A board must never get
//! zeros that are an artefact of the date, so `report` compares the date with the data:
//!
//! - as_of from the defaults, after what the data supports: the report takes the last quarter
//!   end the data supports instead, and says so on stderr;
//! - as_of asked for (a flag or the configuration), after what the data supports: the report
//!   is made as asked, with a warning naming the date the data supports.
//!
//! The data supports a quarter end when its latest training completion or supervision session
//! is no more than a month before it: returns arrive quarterly, and a quarter whose last month
//! has records is a quarter the returns cover.

use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Date32Type;

use crate::contract::calendar;
use crate::contract::from_date32;
use crate::query::{Session, exec};

/// The latest training completion or supervision session in the session's snapshot; `None`
/// when it holds neither.
pub(super) async fn last_activity(session: &Session) -> anyhow::Result<Option<NaiveDate>> {
    let batches = exec::collect(
        session,
        "SELECT MAX(d) AS last FROM (SELECT MAX(completed_on) AS d FROM training \
         UNION ALL SELECT MAX(session_date) AS d FROM supervision)",
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot find the last date of the data: {e}"))?;
    let Some(column) = batches.first().map(|b| b.column(0)) else {
        return Ok(None);
    };
    let dates = column.as_primitive_opt::<Date32Type>();
    Ok(dates
        .filter(|d| !d.is_empty() && d.is_valid(0))
        .and_then(|d| from_date32(d.value(0))))
}

/// The last quarter end the data supports, when its latest record is dated `last`.
pub(super) fn supported(last: NaiveDate) -> NaiveDate {
    calendar::last_quarter_end(calendar::add_months(last, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_quarter_whose_last_month_has_records_is_supported() {
        assert_eq!(supported(date(2026, 3, 28)), date(2026, 3, 31));
        assert_eq!(supported(date(2026, 3, 31)), date(2026, 3, 31));
        assert_eq!(supported(date(2026, 3, 1)), date(2026, 3, 31));
        // Records only to mid-February: the quarter to 31 March is not covered.
        assert_eq!(supported(date(2026, 2, 15)), date(2025, 12, 31));
        assert_eq!(supported(date(2026, 6, 5)), date(2026, 6, 30));
    }
}
