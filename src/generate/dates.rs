//! Day arithmetic for drawing dates, and allocation-free date text for the hot write path.
//! Month arithmetic and quarter ends are the NHS calendar's (`contract::calendar`).

use chrono::{Datelike, NaiveDate, TimeDelta};

/// `d` plus `n` days (negative goes back).
pub fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(TimeDelta::days(n)).unwrap_or(d)
}

/// Whole days from `a` to `b`.
pub fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
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
    fn formats_both_layouts() {
        assert_eq!(&format(ymd(2025, 4, 7), DateStyle::Iso), b"2025-04-07");
        assert_eq!(&format(ymd(2025, 4, 7), DateStyle::Uk), b"07/04/2025");
        assert_eq!(
            days_between(ymd(2024, 2, 28), add_days(ymd(2024, 2, 28), 2)),
            2
        );
    }
}
