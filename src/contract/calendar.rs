//! The NHS calendar every stage counts in: month ends, calendar-month arithmetic clamped to
//! month end (as METRICS.md defines it), the quarter ends of the trend views and of the quality
//! ratings, and financial years (1 April to 31 March, written `2025/26`).
//!
//! The validator's quarter-end rule, the query periods, the generator's timeline, the default
//! as_of and the report's period labels all come from here, so they cannot disagree.

use chrono::{Datelike, Months, NaiveDate};

/// How many quarter ends the trend views cover (METRICS.md).
pub const TREND_QUARTERS: usize = 12;
/// How many month ends the SPC series cover (METRICS.md).
pub const SPC_MONTHS: usize = 36;

/// Whether a date is one of the NHS quarter ends (30 June, 30 September, 31 December, 31 March).
pub fn is_quarter_end(d: NaiveDate) -> bool {
    matches!((d.month(), d.day()), (3, 31) | (6, 30) | (9, 30) | (12, 31))
}

/// The last day of `d`'s month.
pub fn month_end(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).expect("day 1 exists");
    first
        .checked_add_months(Months::new(1))
        .and_then(|n| n.pred_opt())
        .expect("dates in range")
}

/// `d` plus `n` calendar months (negative goes back), clamped to month end: 31 May minus 3
/// months is 28 (or 29) February. Dates beyond chrono's range stay where they are.
pub fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    let months = Months::new(n.unsigned_abs());
    let moved = if n >= 0 {
        d.checked_add_months(months)
    } else {
        d.checked_sub_months(months)
    };
    moved.unwrap_or(d)
}

/// `d` minus `n` calendar months, clamped to month end (31 May minus 3 months is 28/29 Feb).
pub fn months_before(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_months(Months::new(n))
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

/// The last quarter end strictly before `today` (the default as_of: the last complete quarter).
pub fn last_quarter_end_before(today: NaiveDate) -> NaiveDate {
    last_quarter_end(today.pred_opt().expect("dates after year 1"))
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

/// The NHS financial year a date falls in, as written: 30 June 2025 is in `2025/26`.
pub fn financial_year(d: NaiveDate) -> String {
    let start = if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    };
    format!("{start}/{:02}", (start + 1) % 100)
}

/// The financial quarter of a quarter end: 30 June 2025 is `Q1 2025/26`.
pub fn financial_quarter(d: NaiveDate) -> String {
    let q = match d.month() {
        4..=6 => 1,
        7..=9 => 2,
        10..=12 => 3,
        _ => 4,
    };
    format!("Q{q} {}", financial_year(d))
}

/// The last day of a financial year written `2025/26` (31 March 2026); `None` when the text is
/// not such a year (the second part must be the year after the first, e.g. `1999/00`).
pub fn financial_year_end(raw: &str) -> Option<NaiveDate> {
    let (start, end) = raw.trim().split_once('/')?;
    let start: i32 = start.parse().ok()?;
    let end: i32 = end.parse().ok()?;
    if !(1900..=2999).contains(&start) || end != (start + 1) % 100 {
        return None;
    }
    NaiveDate::from_ymd_opt(start + 1, 3, 31)
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
        assert_eq!(add_months(d(2024, 5, 31), -3), d(2024, 2, 29));
        assert_eq!(add_months(d(2023, 3, 31), 36), d(2026, 3, 31));
        assert_eq!(add_months(d(2024, 2, 29), 36), d(2027, 2, 28));
        assert_eq!(month_end(d(2024, 2, 3)), d(2024, 2, 29));
    }

    #[test]
    fn quarter_ends_are_the_nhs_ones() {
        for q in [
            d(2025, 3, 31),
            d(2025, 6, 30),
            d(2025, 9, 30),
            d(2025, 12, 31),
        ] {
            assert!(is_quarter_end(q), "{q}");
        }
        assert!(!is_quarter_end(d(2025, 5, 15)));
        assert!(!is_quarter_end(d(2025, 4, 30)));
        assert_eq!(last_quarter_end(d(2026, 3, 31)), d(2026, 3, 31));
        assert_eq!(last_quarter_end(d(2026, 3, 30)), d(2025, 12, 31));
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

    #[test]
    fn the_default_as_of_is_the_last_complete_quarter() {
        assert_eq!(last_quarter_end_before(d(2026, 11, 23)), d(2026, 9, 30));
        assert_eq!(last_quarter_end_before(d(2026, 10, 1)), d(2026, 9, 30));
        assert_eq!(last_quarter_end_before(d(2026, 9, 30)), d(2026, 6, 30));
        assert_eq!(last_quarter_end_before(d(2026, 1, 15)), d(2025, 12, 31));
    }

    #[test]
    fn financial_years() {
        assert_eq!(financial_year(d(2026, 3, 31)), "2025/26");
        assert_eq!(financial_year(d(2025, 4, 1)), "2025/26");
        assert_eq!(financial_year(d(1999, 6, 30)), "1999/00");
        assert_eq!(financial_quarter(d(2025, 6, 30)), "Q1 2025/26");
        assert_eq!(financial_quarter(d(2026, 3, 31)), "Q4 2025/26");
        assert_eq!(financial_year_end("2025/26"), Some(d(2026, 3, 31)));
        assert_eq!(financial_year_end(" 1999/00 "), Some(d(2000, 3, 31)));
        assert_eq!(financial_year_end("2025/27"), None);
        assert_eq!(financial_year_end("2025"), None);
    }
}
