//! Calendar helpers: month arithmetic as METRICS.md defines it (calendar months, clamped to
//! month end), quarter ends, and allocation-free date text for the hot write path.

use chrono::{Datelike, Months, NaiveDate, TimeDelta};

/// `d` plus `n` calendar months (negative goes back), clamped to the month end like the metrics.
pub fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    let months = Months::new(n.unsigned_abs());
    let moved = if n >= 0 {
        d.checked_add_months(months)
    } else {
        d.checked_sub_months(months)
    };
    moved.unwrap_or(d)
}

/// `d` plus `n` days (negative goes back).
pub fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(n)).unwrap_or(d)
}

/// Whole days from `a` to `b`.
pub fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// The last day of the given month.
pub fn month_end(year: i32, month: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN);
    add_days(add_months(first, 1), -1)
}

/// The last quarter end (30 June, 30 September, 31 December, 31 March) on or before `d`.
pub fn quarter_end_on_or_before(d: NaiveDate) -> NaiveDate {
    let quarter_month = (d.month() - 1) / 3 * 3 + 3;
    let end = month_end(d.year(), quarter_month);
    if end <= d {
        end
    } else {
        month_end_of(add_months(end, -3))
    }
}

/// The 12 quarter ends the trend views cover, oldest first, ending at the last one on or before `as_of`.
pub fn trend_quarter_ends(as_of: NaiveDate) -> Vec<NaiveDate> {
    let last = quarter_end_on_or_before(as_of);
    (0..12)
        .rev()
        .map(|back| month_end_of(add_months(last, -3 * back)))
        .collect()
}

/// The last day of `d`'s month.
pub fn month_end_of(d: NaiveDate) -> NaiveDate {
    month_end(d.year(), d.month())
}

/// Days since 1970-01-01, the Arrow `Date32` representation.
pub fn date32(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
    i32::try_from(days_between(epoch, d)).unwrap_or(0)
}

/// Date text layouts found in real returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateStyle {
    /// `YYYY-MM-DD`
    Iso,
    /// `DD/MM/YYYY`
    Uk,
}

/// `d` as ten ASCII bytes in the given layout, without allocating.
pub fn format(d: NaiveDate, style: DateStyle) -> [u8; 10] {
    let mut out = [0u8; 10];
    let year = d.year().clamp(0, 9999) as u32;
    let (day, month) = (d.day(), d.month());
    match style {
        DateStyle::Iso => {
            put_digits(&mut out[0..4], year);
            out[4] = b'-';
            put_digits(&mut out[5..7], month);
            out[7] = b'-';
            put_digits(&mut out[8..10], day);
        }
        DateStyle::Uk => {
            put_digits(&mut out[0..2], day);
            out[2] = b'/';
            put_digits(&mut out[3..5], month);
            out[5] = b'/';
            put_digits(&mut out[6..10], year);
        }
    }
    out
}

/// `d` as an owned string in the given layout, for the small datasets.
pub fn text(d: NaiveDate, style: DateStyle) -> String {
    String::from_utf8_lossy(&format(d, style)).into_owned()
}

/// Writes `value` zero-padded into `slot` (as many digits as the slot is long).
fn put_digits(slot: &mut [u8], mut value: u32) {
    for byte in slot.iter_mut().rev() {
        *byte = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn months_clamp_to_month_end() {
        assert_eq!(add_months(ymd(2024, 5, 31), -3), ymd(2024, 2, 29));
        assert_eq!(add_months(ymd(2023, 3, 31), 36), ymd(2026, 3, 31));
    }

    #[test]
    fn quarter_ends_step_back_from_as_of() {
        assert_eq!(quarter_end_on_or_before(ymd(2026, 3, 31)), ymd(2026, 3, 31));
        assert_eq!(
            quarter_end_on_or_before(ymd(2026, 3, 30)),
            ymd(2025, 12, 31)
        );
        let ends = trend_quarter_ends(ymd(2026, 3, 31));
        assert_eq!(ends.len(), 12);
        assert_eq!(ends[0], ymd(2023, 6, 30));
        assert_eq!(ends[11], ymd(2026, 3, 31));
    }

    #[test]
    fn formats_both_layouts() {
        assert_eq!(&format(ymd(2025, 4, 7), DateStyle::Iso), b"2025-04-07");
        assert_eq!(&format(ymd(2025, 4, 7), DateStyle::Uk), b"07/04/2025");
        assert_eq!(date32(ymd(1970, 1, 2)), 1);
    }
}
