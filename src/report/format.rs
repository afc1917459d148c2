//! How figures are written in the report: thousands separators, percentages to one decimal
//! place with a % sign, long UK dates, RAG bands as a word and a letter (never colour alone).
//! The template prints these strings as they are, so every figure's wording is testable here.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub use crate::contract::calendar::{financial_quarter, financial_year};
pub use crate::numbers::thousands;

/// A percentage to one decimal place with a % sign: `87.4%`.
pub fn percent(value: f64) -> String {
    format!("{value:.1}%")
}

/// A change in percentage points with its sign: `+2.3 points`, `-0.8 points`, `no change`.
pub fn points_change(change: f64) -> String {
    let rounded = (change * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "no change".to_owned()
    } else {
        format!("{rounded:+.1} points")
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `31 March 2026`.
pub fn long_date(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// `Mar 2026`, for chart axes and narrow columns.
pub fn short_month(d: NaiveDate) -> String {
    format!("{} {}", &MONTHS[d.month0() as usize][..3], d.year())
}

/// A RAG band as the template shows it: the colour key, a letter and a word, so the band is
/// readable without colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rag {
    /// `green`, `amber`, `red`, or `none` (no figure, or a suppressed one).
    pub key: &'static str,
    /// `G`, `A`, `R`, or `–`.
    pub letter: &'static str,
    /// `Green`, `Amber`, `Red`, or `–`.
    pub word: &'static str,
}

impl Rag {
    /// No band: the group is empty or its figure is suppressed.
    pub fn none() -> Rag {
        Rag {
            key: "none",
            letter: "–",
            word: "–",
        }
    }

    /// From the views' `green` / `amber` / `red` text.
    pub fn from_key(key: Option<&str>) -> Rag {
        match key {
            Some("green") => Rag {
                key: "green",
                letter: "G",
                word: "Green",
            },
            Some("amber") => Rag {
                key: "amber",
                letter: "A",
                word: "Amber",
            },
            Some("red") => Rag {
                key: "red",
                letter: "R",
                word: "Red",
            },
            _ => Rag::none(),
        }
    }

    /// The band of a percentage: red below `red_below`, amber up to and including
    /// `green_above`, green above (the rule the views use).
    pub fn band(pct: f64, red_below: f64, green_above: f64) -> Rag {
        Rag::from_key(Some(if pct < red_below {
            "red"
        } else if pct <= green_above {
            "amber"
        } else {
            "green"
        }))
    }

    /// Red 0, amber 1, green 2: for saying whether a band moved up or down.
    pub fn rank(&self) -> Option<u8> {
        match self.key {
            "red" => Some(0),
            "amber" => Some(1),
            "green" => Some(2),
            _ => None,
        }
    }
}

/// `organisation_type` as words.
pub fn organisation_type(t: &str) -> String {
    match t {
        "mental_health" => "Mental health".to_owned(),
        "primary_care" => "Primary care".to_owned(),
        other => sentence_case(other),
    }
}

/// `health_visiting` as `Health visiting`.
pub fn sentence_case(code: &str) -> String {
    let spaced = code.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A professional group code as words (`admin_clerical` as `Admin and clerical`).
pub fn professional_group(code: &str) -> String {
    match code {
        "admin_clerical" => "Admin and clerical".to_owned(),
        "allied_health" => "Allied health professionals".to_owned(),
        other => sentence_case(other),
    }
}

/// A review type code as the name boards know it by.
pub fn review_type(code: &str) -> &'static str {
    match code {
        "scr" => "Serious Case Review",
        "lcspr" => "Local Child Safeguarding Practice Review",
        "rapid_review" => "Rapid review",
        "national_review" => "National review",
        "dhr" => "Domestic Homicide Review",
        "sar" => "Safeguarding Adults Review",
        _ => "Other review",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(percent(87.44), "87.4%");
        assert_eq!(percent(100.0), "100.0%");
        assert_eq!(points_change(2.26), "+2.3 points");
        assert_eq!(points_change(-0.04), "no change");
        assert_eq!(points_change(-1.0), "-1.0 points");
    }

    #[test]
    fn dates() {
        assert_eq!(long_date(date(2026, 3, 31)), "31 March 2026");
        assert_eq!(short_month(date(2025, 9, 30)), "Sep 2025");
    }

    #[test]
    fn rag_bands_match_the_views() {
        assert_eq!(Rag::band(74.99, 75.0, 90.0).key, "red");
        assert_eq!(Rag::band(75.0, 75.0, 90.0).key, "amber");
        assert_eq!(Rag::band(90.0, 75.0, 90.0).key, "amber");
        assert_eq!(Rag::band(90.01, 75.0, 90.0).key, "green");
        assert_eq!(Rag::from_key(None), Rag::none());
    }
}
