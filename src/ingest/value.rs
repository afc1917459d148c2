//! Turning one raw cell into a typed value, with the reasons a nurse would understand when
//! it cannot be.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::contract::Kind;

/// A cell as a reader found it, before it is checked against the contract.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    Int(i64),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl Cell<'_> {
    /// The cell as a person would type it back into a CSV file (used for the raw row).
    pub fn display(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Int(i) => Cow::Owned(i.to_string()),
            Cell::Number(n) => Cow::Owned(number_text(*n)),
            Cell::Date(d) => Cow::Owned(d.to_string()),
            Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }
}

/// A value that passed its column's type check.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Text(Cow<'a, str>),
    Int(i64),
    Decimal(f64),
    Date(NaiveDate),
    Bool(bool),
    Enum(&'static str),
}

impl Value<'_> {
    /// A stable text form, used to hash keys so that the same key read from CSV, XLSX or the
    /// warehouse's own Parquet always hashes alike.
    pub fn key_text(&self) -> Cow<'_, str> {
        match self {
            Value::Null => Cow::Borrowed(""),
            Value::Text(s) => Cow::Borrowed(s),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Decimal(d) => Cow::Owned(d.to_string()),
            Value::Date(d) => Cow::Owned(d.to_string()),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Enum(e) => Cow::Borrowed(e),
        }
    }

    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// Why a cell did not parse; the caller names the column.
#[derive(Debug, Clone, PartialEq)]
pub enum Invalid {
    /// A well-formed value outside its allowed range, e.g. level 7.
    OutOfRange { value: String, allowed: String },
    /// Not a value of the type at all, e.g. `invalid date 31/02/2025`.
    Malformed {
        what: &'static str,
        value: String,
        hint: String,
    },
}

impl Invalid {
    /// The reason as a sentence naming the column.
    pub fn reason(&self, column: &str) -> String {
        match self {
            Invalid::OutOfRange { value, allowed } => format!("{column} {value} is {allowed}"),
            Invalid::Malformed { what, value, hint } if hint.is_empty() => {
                format!("invalid {what} {value} in {column}")
            }
            Invalid::Malformed { what, value, hint } => {
                format!("invalid {what} {value} in {column} ({hint})")
            }
        }
    }
}

fn malformed(what: &'static str, value: impl Into<String>, hint: impl Into<String>) -> Invalid {
    Invalid::Malformed {
        what,
        value: value.into(),
        hint: hint.into(),
    }
}

/// Parses `cell` as `kind`.
pub fn parse<'a>(cell: Cell<'a>, kind: Kind) -> Result<Value<'a>, Invalid> {
    let cell = match cell {
        Cell::Text(Cow::Borrowed(s)) if trim(s).is_empty() => return Ok(Value::Null),
        Cell::Text(Cow::Owned(ref s)) if trim(s).is_empty() => return Ok(Value::Null),
        Cell::Empty => return Ok(Value::Null),
        other => other,
    };
    match kind {
        Kind::Text => Ok(Value::Text(match cell {
            Cell::Text(Cow::Borrowed(s)) => Cow::Borrowed(trim(s)),
            Cell::Text(Cow::Owned(s)) => Cow::Owned(trim(&s).to_owned()),
            other => Cow::Owned(other.display().into_owned()),
        })),
        Kind::Int { min, max } => {
            let n = match &cell {
                Cell::Int(i) => Some(*i),
                Cell::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(*f as i64),
                Cell::Text(s) => trim(s).parse::<i64>().ok(),
                _ => None,
            };
            match n {
                Some(n) if (min..=max).contains(&n) => Ok(Value::Int(n)),
                Some(n) => Err(Invalid::OutOfRange {
                    value: n.to_string(),
                    allowed: format!("out of range {min}-{max}"),
                }),
                None => Err(malformed("whole number", quoted(&cell), "")),
            }
        }
        Kind::Decimal { min } => {
            let n = match &cell {
                Cell::Int(i) => Some(*i as f64),
                Cell::Number(f) => Some(*f),
                Cell::Text(s) => trim(s).parse::<f64>().ok().filter(|f| f.is_finite()),
                _ => None,
            };
            match n {
                Some(n) if n >= min => Ok(Value::Decimal(n)),
                Some(n) => Err(Invalid::OutOfRange {
                    value: n.to_string(),
                    allowed: format!("below the minimum {min}"),
                }),
                None => Err(malformed("number", quoted(&cell), "")),
            }
        }
        Kind::Date => match &cell {
            Cell::Date(d) => Ok(Value::Date(*d)),
            Cell::Text(s) => parse_date(s)
                .map(Value::Date)
                .ok_or_else(|| malformed("date", trim(s), "expected YYYY-MM-DD or DD/MM/YYYY")),
            Cell::Number(_) | Cell::Int(_) => Err(malformed(
                "date",
                cell.display(),
                "a number, not a date cell",
            )),
            other => Err(malformed("date", other.display(), "")),
        },
        Kind::Bool => {
            let b = match &cell {
                Cell::Bool(b) => Some(*b),
                Cell::Int(i) if *i == 0 || *i == 1 => Some(*i == 1),
                Cell::Number(f) if *f == 0.0 || *f == 1.0 => Some(*f == 1.0),
                Cell::Text(s) => parse_bool(s),
                _ => None,
            };
            b.map(Value::Bool).ok_or_else(|| {
                malformed(
                    "yes/no value",
                    quoted(&cell),
                    "expected true/false, yes/no, y/n or 1/0",
                )
            })
        }
        Kind::Enum(allowed) => {
            let text = cell.display();
            allowed
                .iter()
                .find(|a| enum_matches(&text, a))
                .map(|a| Value::Enum(a))
                .ok_or_else(|| {
                    malformed(
                        "value",
                        quoted(&cell),
                        format!("expected one of {}", allowed.join(", ")),
                    )
                })
        }
    }
}

/// `str::trim`, with a shortcut for the usual cell that has nothing to trim (this runs several
/// times for every cell of every row).
pub fn trim(s: &str) -> &str {
    if nothing_to_trim(s.as_bytes()) {
        s
    } else {
        s.trim()
    }
}

/// Whether a cell's bytes start and end with a character `trim` keeps (an ASCII one that is
/// not white space): then it has nothing to trim, and is not empty.
pub fn nothing_to_trim(bytes: &[u8]) -> bool {
    let clean = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii() && !b.is_ascii_whitespace());
    clean(bytes.first()) && clean(bytes.last())
}

fn quoted(cell: &Cell<'_>) -> String {
    format!("\"{}\"", cell.display().trim())
}

/// Integral numbers print without a fraction, as a spreadsheet shows them.
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Whether `raw` is `allowed` as people type it: any case, spaces or hyphens for underscores.
/// Compared byte by byte: this runs for every enum cell of every row.
fn enum_matches(raw: &str, allowed: &str) -> bool {
    let raw = trim(raw).as_bytes();
    raw.len() == allowed.len()
        && raw.iter().zip(allowed.as_bytes()).all(|(&r, &a)| {
            let r = match r {
                b' ' | b'-' => b'_',
                r => r.to_ascii_lowercase(),
            };
            r == a
        })
}

/// `YYYY-MM-DD` (optionally followed by a midnight-style time, as spreadsheet exports add) or
/// UK `DD/MM/YYYY` (day and month may have one digit).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = trim(raw);
    if let Some(date) = iso_date(s.as_bytes()) {
        return Some(date);
    }
    if let Some((d, m, y)) = split3(s, '/') {
        if y.len() != 4 || d.is_empty() || d.len() > 2 || m.is_empty() || m.len() > 2 {
            return None;
        }
        return NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    }
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if let Some(t) = time {
        // Only a time of day may follow, never more text.
        if !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | 'Z'))
        {
            return None;
        }
    }
    let (y, m, d) = split3(date, '-')?;
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Exactly `YYYY-MM-DD`, what exports mostly write, read without searching or splitting (every
/// date cell of every row comes through here).
fn iso_date(s: &[u8]) -> Option<NaiveDate> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *s else {
        return None;
    };
    let digits = |ds: &[u8]| {
        ds.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = digits(&[y0, y1, y2, y3])?;
    NaiveDate::from_ymd_opt(year as i32, digits(&[m0, m1])?, digits(&[d0, d1])?)
}

fn split3(s: &str, sep: char) -> Option<(&str, &str, &str)> {
    let mut parts = s.split(sep);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || ![a, b, c]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    Some((a, b, c))
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell<'_> {
        Cell::Text(Cow::Borrowed(s))
    }

    #[test]
    fn dates_in_both_spellings() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
        assert_eq!(parse_date("2025-03-04"), Some(d));
        assert_eq!(parse_date("04/03/2025"), Some(d));
        assert_eq!(parse_date("4/3/2025"), Some(d));
        assert_eq!(parse_date("2025-03-04 00:00:00"), Some(d));
        assert_eq!(parse_date("31/02/2025"), None);
        assert_eq!(parse_date("2025-13-01"), None);
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("20x5-03-04"), None);
        assert_eq!(parse_date(" 2025-03-04 "), Some(d));
        assert_eq!(parse_date("03/04/25"), None);
        assert_eq!(parse_date("2025-3-4"), None);
        assert_eq!(parse_date("2025-03-04 next week"), None);
    }

    #[test]
    fn reasons_name_the_value() {
        assert_eq!(
            parse(text("31/02/2025"), Kind::Date)
                .unwrap_err()
                .reason("completed_on"),
            "invalid date 31/02/2025 in completed_on (expected YYYY-MM-DD or DD/MM/YYYY)"
        );
        assert_eq!(
            parse(text("7"), Kind::Int { min: 1, max: 5 })
                .unwrap_err()
                .reason("level"),
            "level 7 is out of range 1-5"
        );
        assert!(parse(text("-1"), Kind::Decimal { min: 0.0 }).is_err());
    }

    #[test]
    fn enums_and_booleans_any_case() {
        let kinds: &'static [&'static str] = &["face_to_face", "e_learning"];
        assert_eq!(
            parse(text(" Face to Face "), Kind::Enum(kinds)),
            Ok(Value::Enum("face_to_face"))
        );
        assert_eq!(
            parse(text("E-Learning"), Kind::Enum(kinds)),
            Ok(Value::Enum("e_learning"))
        );
        for (raw, want) in [("Yes", true), ("N", false), ("TRUE", true), ("0", false)] {
            assert_eq!(parse(text(raw), Kind::Bool), Ok(Value::Bool(want)));
        }
        assert!(parse(text("maybe"), Kind::Bool).is_err());
    }

    #[test]
    fn blanks_are_null_and_numbers_from_spreadsheets_fit() {
        assert_eq!(parse(text("  "), Kind::Date), Ok(Value::Null));
        assert_eq!(
            parse(Cell::Number(3.0), Kind::Int { min: 1, max: 5 }),
            Ok(Value::Int(3))
        );
        assert_eq!(
            parse(Cell::Number(12345.0), Kind::Text),
            Ok(Value::Text("12345".into()))
        );
        assert!(parse(Cell::Number(45000.0), Kind::Date).is_err());
    }
}
