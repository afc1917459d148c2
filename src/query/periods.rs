//! The periods the views report on: quarter ends for trends, month ends for SPC charts, and
//! calendar-month offsets from each (clamped to month end, as METRICS.md defines them).

use chrono::{Datelike, Months, NaiveDate};

/// Quarter ends in a year: 31 March, 30 June, 30 September, 31 December.
pub fn is_quarter_end(d: NaiveDate) -> bool {
    crate::ingest::value::is_quarter_end(d)
}

/// The last day of `d`'s month.
pub fn month_end(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).expect("day 1 exists");
    first
        .checked_add_months(Months::new(1))
        .and_then(|n| n.pred_opt())
        .expect("dates in range")
}

/// The last month end on or before `as_of`.
pub fn last_month_end(as_of: NaiveDate) -> NaiveDate {
    if month_end(as_of) == as_of {
        as_of
    } else {
        as_of
            .with_day(1)
            .and_then(|d| d.pred_opt())
            .expect("dates in range")
    }
}

/// The last quarter end on or before `as_of`.
pub fn last_quarter_end(as_of: NaiveDate) -> NaiveDate {
    let mut d = last_month_end(as_of);
    while !is_quarter_end(d) {
        d = last_month_end(
            d.with_day(1)
                .and_then(|f| f.pred_opt())
                .expect("dates in range"),
        );
    }
    d
}

/// `d` minus `n` calendar months, clamped to month end (31 May minus 3 months is 28/29 Feb).
pub fn months_before(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(n))
        .expect("dates in range")
}

/// The `count` quarter ends up to and including the last one on or before `as_of`, oldest first.
pub fn quarter_ends(as_of: NaiveDate, count: usize) -> Vec<NaiveDate> {
    let last = last_quarter_end(as_of);
    let mut out: Vec<NaiveDate> = (0..count as u32)
        .map(|i| month_end(months_before(last, 3 * i)))
        .collect();
    out.reverse();
    out
}

/// The `count` month ends up to and including the last one on or before `as_of`, oldest first.
pub fn month_ends(as_of: NaiveDate, count: usize) -> Vec<NaiveDate> {
    let last = last_month_end(as_of);
    let mut out: Vec<NaiveDate> = (0..count as u32)
        .map(|i| month_end(months_before(last, i)))
        .collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        assert_eq!(months_before(d(2025, 5, 31), 3), d(2025, 2, 28));
        assert_eq!(months_before(d(2024, 5, 31), 3), d(2024, 2, 29));
        assert_eq!(months_before(d(2025, 12, 31), 3), d(2025, 9, 30));
        assert_eq!(
            d(2024, 2, 29).checked_add_months(Months::new(36)).unwrap(),
            d(2027, 2, 28)
        );
    }

    #[test]
    fn trend_periods() {
        let q = quarter_ends(d(2026, 3, 31), 12);
        assert_eq!(q.len(), 12);
        assert_eq!(q[0], d(2023, 6, 30));
        assert_eq!(q[11], d(2026, 3, 31));
        assert_eq!(quarter_ends(d(2026, 4, 1), 12)[11], d(2026, 3, 31));
        assert_eq!(quarter_ends(d(2024, 2, 29), 12)[11], d(2023, 12, 31));
        let m = month_ends(d(2024, 2, 29), 36);
        assert_eq!((m[0], m[35]), (d(2021, 3, 31), d(2024, 2, 29)));
        assert_eq!(month_ends(d(2025, 5, 30), 36)[35], d(2025, 4, 30));
    }
}
