//! Extra date formats of one column (`[mapping.dates]`): chrono format strings, parsed once
//! when the mapping is checked and tried, in order, on a date the contract's own spellings
//! cannot read.

use std::fmt::Write;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime};

/// The date used to show a format by example (and to check that it reads a date back).
fn example_date() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2028, 11, 30)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a valid date")
}

/// A column's extra formats.
#[derive(Debug, Clone)]
pub struct DateFormats {
    formats: Vec<(String, Vec<Item<'static>>)>,
    /// Whether the first format is ESR's (see [`DateFormats::first_glance`]).
    day_mon_year_first: bool,
}

/// ESR's format, read without chrono's general parser when a date is spelt the usual way
/// (every date cell of an export comes through here).
const DAY_MON_YEAR: &str = "%d-%b-%Y";

impl DateFormats {
    /// Checks and compiles `formats`; an error names the format and says what is wrong.
    pub fn new(formats: &[String]) -> Result<DateFormats, String> {
        let mut compiled = vec![];
        for format in formats {
            let items = StrftimeItems::new(format)
                .parse_to_owned()
                .map_err(|_| format!("{format:?} is not a chrono date format"))?;
            // Writing the example date and reading it back proves the format names a day, a
            // month and a year (a time of day may follow: only the date is kept).
            let mut text = String::new();
            let written = write!(text, "{}", example_date().format_with_items(items.iter()));
            let read = written.ok().and_then(|_| read(&items, &text));
            if read != Some(example_date().date()) {
                return Err(format!(
                    "{format:?} does not read a whole date (it needs a day, a month and a year, such as %d-%b-%Y)"
                ));
            }
            compiled.push((format.clone(), items));
        }
        let day_mon_year_first = compiled.first().is_some_and(|(f, _)| f == DAY_MON_YEAR);
        Ok(DateFormats {
            formats: compiled,
            day_mon_year_first,
        })
    }

    /// The first format that reads `text` as a date.
    pub fn parse(&self, text: &str) -> Option<NaiveDate> {
        self.formats.iter().find_map(|(format, items)| {
            if format == DAY_MON_YEAR
                && let Some(date) = day_mon_year(text)
            {
                return Some(date);
            }
            read(items, text)
        })
    }

    /// A date spelt `30-Nov-2028` when that is the first extra format, read before the
    /// contract's spellings are tried: none of them reads such a text, so the answer is the
    /// one [`DateFormats::parse`] would give after they failed, and an export's every date is
    /// read once rather than three times.
    pub fn first_glance(&self, text: &str) -> Option<NaiveDate> {
        self.day_mon_year_first
            .then(|| day_mon_year(text))
            .flatten()
    }

    /// What a date is expected to look like, for a reject's reason: the contract's spellings
    /// and each extra format shown by example (`30-Nov-2028`).
    pub fn hint(&self) -> String {
        let examples: Vec<String> = self
            .formats
            .iter()
            .map(|(_, items)| example_date().format_with_items(items.iter()).to_string())
            .collect();
        format!(
            "expected YYYY-MM-DD, DD/MM/YYYY or a date like {}",
            examples.join(" or ")
        )
    }
}

/// `30-Nov-2028` exactly (two digits, a month's three letters in any case, four digits): what
/// chrono reads it as with `%d-%b-%Y`. Any other spelling, or an impossible date, is `None`,
/// and left to chrono.
fn day_mon_year(text: &str) -> Option<NaiveDate> {
    let &[d0, d1, b'-', m0, m1, m2, b'-', y0, y1, y2, y3] = text.as_bytes() else {
        return None;
    };
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let month = month([m0, m1, m2].map(|b| b.to_ascii_lowercase()))?;
    let year = number(&[y0, y1, y2, y3])? as i32;
    NaiveDate::from_ymd_opt(year, month, number(&[d0, d1])?)
}

/// The months' abbreviations, lower case.
const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];

/// The month three lower-case letters name: a multiplication picks the one month they can be
/// and a comparison confirms it (twelve comparisons in turn, on random months, cost a branch
/// mispredicted most times: a sixth of an ESR date's reading).
fn month(letters: [u8; 3]) -> Option<u32> {
    let key = month_key(&letters);
    let entry = MONTH_SLOTS[month_slot(key)];
    (entry >> 4 == key).then_some(entry & 15)
}

const fn month_key(letters: &[u8; 3]) -> u32 {
    (letters[0] as u32) << 16 | (letters[1] as u32) << 8 | letters[2] as u32
}

/// A multiplier (found by search) that gives each month a slot of its own.
const fn month_slot(key: u32) -> usize {
    (key.wrapping_mul(0x2c4a_3699) >> 28) as usize
}

/// Each month's key and number, in its slot; 0 in a slot no month has.
const MONTH_SLOTS: [u32; 16] = {
    let mut slots = [0; 16];
    let mut i = 0;
    while i < MONTHS.len() {
        let key = month_key(MONTHS[i]);
        assert!(slots[month_slot(key)] == 0, "two months share a slot");
        slots[month_slot(key)] = key << 4 | (i as u32 + 1);
        i += 1;
    }
    slots
};

fn read(items: &[Item<'static>], text: &str) -> Option<NaiveDate> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, items.iter()).ok()?;
    parsed.to_naive_date().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats(f: &[&str]) -> Result<DateFormats, String> {
        DateFormats::new(&f.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn esr_dates_compact_dates_and_timestamps() {
        let f = formats(&["%d-%b-%Y", "%Y%m%d", "%Y-%m-%d %H:%M:%S"]).unwrap();
        let d = NaiveDate::from_ymd_opt(2028, 11, 30);
        assert_eq!(f.parse("30-Nov-2028"), d);
        assert_eq!(f.parse("30-NOV-2028"), d);
        assert_eq!(f.parse("20281130"), d);
        assert_eq!(f.parse("2028-11-30 14:05:00"), d);
        assert_eq!(f.parse("31-Feb-2028"), None);
        assert_eq!(f.parse("TBC"), None);
        assert_eq!(
            f.hint(),
            "expected YYYY-MM-DD, DD/MM/YYYY or a date like 30-Nov-2028 or 20281130 or 2028-11-30 00:00:00"
        );
    }

    #[test]
    fn every_three_letters_name_the_month_they_spell_or_none() {
        for a in b'a'..=b'z' {
            for b in b'a'..=b'z' {
                for c in [b'a'..=b'z', b'0'..=b'9'].into_iter().flatten() {
                    let named = MONTHS.iter().position(|m| **m == [a, b, c]);
                    assert_eq!(month([a, b, c]), named.map(|i| i as u32 + 1));
                }
            }
        }
    }

    #[test]
    fn the_esr_shortcut_reads_what_chrono_reads() {
        let items = StrftimeItems::new(DAY_MON_YEAR).parse_to_owned().unwrap();
        let mut texts: Vec<String> = ["30-Nov-2028", "01-jan-1999", "29-Feb-2024", "29-FEB-2023"]
            .map(str::to_owned)
            .to_vec();
        texts.extend(
            [
                "31-Apr-2028",
                "00-Dec-2028",
                "3O-Nov-2028",
                "30-Nov-28",
                "30-Nvo-2028",
                "30-Oct-2028",
                "30-Nov-2028",
                "30-dec-2028",
            ]
            .map(str::to_owned),
        );
        for day in 0..=32 {
            for month in [
                "Jan", "feb", "MAR", "Apr", "MaY", "Jun", "jul", "AUG", "Sep",
            ] {
                texts.push(format!("{day:02}-{month}-2027"));
            }
        }
        let first = formats(&[DAY_MON_YEAR, "%d/%m/%y"]).unwrap();
        let second = formats(&["%d/%m/%y", DAY_MON_YEAR]).unwrap();
        for text in &texts {
            if let Some(date) = day_mon_year(text) {
                assert_eq!(Some(date), read(&items, text), "{text}");
                // Read at first glance only where the contract's spellings cannot read it.
                assert_eq!(crate::ingest::value::parse_date(text), None, "{text}");
            }
            assert_eq!(first.first_glance(text), day_mon_year(text), "{text}");
            assert_eq!(second.first_glance(text), None, "{text}");
        }
        assert_eq!(
            day_mon_year("30-Nov-2028"),
            NaiveDate::from_ymd_opt(2028, 11, 30)
        );
        assert_eq!(day_mon_year("31-Apr-2028"), None);
        // Other spellings chrono reads are left to it, and still read.
        let f = formats(&[DAY_MON_YEAR]).unwrap();
        assert_eq!(day_mon_year("1-Nov-2028"), None);
        assert_eq!(f.parse("1-Nov-2028"), NaiveDate::from_ymd_opt(2028, 11, 1));
    }

    #[test]
    fn formats_that_cannot_read_a_date_are_errors() {
        assert!(formats(&["%d-%b-%Y"]).is_ok());
        let e = formats(&["%Q"]).unwrap_err();
        assert!(e.contains("not a chrono date format"), "{e}");
        let e = formats(&["%H:%M"]).unwrap_err();
        assert!(e.contains("does not read a whole date"), "{e}");
        let e = formats(&["%b %Y"]).unwrap_err();
        assert!(e.contains("does not read a whole date"), "{e}");
    }
}
