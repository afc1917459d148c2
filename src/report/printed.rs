//! Figures as the report prints them, typed: a count of people, a percentage and a change in
//! percentage points each know whether disclosure control hid them, and become their printed
//! string (`1,234`, `87.4%`, `+2.3`, or `*`) only when serialised for the template. Code that
//! decides what else to hide asks the value ([`Percent::is_hidden`]), never its string.

use std::fmt;

use serde::{Serialize, Serializer};

use super::format::{percent, thousands};

/// What a suppressed figure prints as.
pub const HIDDEN: &str = "*";
/// What a figure that does not exist (a percentage of nobody) prints as.
pub const EMPTY: &str = "–";

/// A figure that may be printed, is suppressed, or does not exist.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    Value(f64),
    Hidden,
    Empty,
}

impl Shown {
    /// The value, when it may be printed.
    pub fn value(self) -> Option<f64> {
        match self {
            Shown::Value(v) => Some(v),
            _ => None,
        }
    }

    /// A value that may be missing (a null in a view): [`Shown::Empty`] when it is.
    pub fn or_empty(value: Option<f64>) -> Shown {
        value.map_or(Shown::Empty, Shown::Value)
    }
}

/// A count of people as printed: `1,234`, `0`, or `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Shown(i64),
    Hidden,
}

impl Count {
    /// Whether disclosure control hides the count.
    pub fn is_hidden(self) -> bool {
        self == Count::Hidden
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Shown(n) => f.write_str(&thousands(*n)),
            Count::Hidden => f.write_str(HIDDEN),
        }
    }
}

/// A percentage as printed: `87.4%`, `*` when hidden, `–` when there is nothing to divide by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percent(pub Shown);

impl Percent {
    /// A percentage disclosure control hides.
    pub const HIDDEN: Percent = Percent(Shown::Hidden);

    /// Whether disclosure control hides the percentage (not whether it exists).
    pub fn is_hidden(self) -> bool {
        self.0 == Shown::Hidden
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Shown::Value(v) => f.write_str(&percent(v)),
            Shown::Hidden => f.write_str(HIDDEN),
            Shown::Empty => f.write_str(EMPTY),
        }
    }
}

/// The change from one percentage to another in points, to one decimal place with its sign:
/// `+2.3`, `-0.8`, `0.0`; `*` when either is hidden, `–` when either does not exist.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub now: Shown,
    pub then: Shown,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.now, self.then) {
            (Shown::Value(n), Shown::Value(t)) => {
                let d = ((n - t) * 10.0).round() / 10.0;
                if d == 0.0 {
                    f.write_str("0.0")
                } else {
                    write!(f, "{d:+.1}")
                }
            }
            (Shown::Hidden, _) | (_, Shown::Hidden) => f.write_str(HIDDEN),
            _ => f.write_str(EMPTY),
        }
    }
}

/// Words that describe a group's figures (an SPC series' variation, say), or `*` when they
/// would give a hidden count away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Words {
    Shown(&'static str),
    Hidden,
}

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Words::Shown(w) => f.write_str(w),
            Words::Hidden => f.write_str(HIDDEN),
        }
    }
}

/// The template receives each figure as the string it prints.
macro_rules! serialize_as_printed {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    )*};
}

serialize_as_printed!(Count, Percent, Change, Words);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_print_as_the_report_always_has() {
        assert_eq!(Count::Shown(12345).to_string(), "12,345");
        assert_eq!(Count::Shown(0).to_string(), "0");
        assert_eq!(Count::Hidden.to_string(), "*");
        assert_eq!(Percent(Shown::Value(87.44)).to_string(), "87.4%");
        assert_eq!(Percent::HIDDEN.to_string(), "*");
        assert_eq!(Percent(Shown::Empty).to_string(), "–");
        let change = |now, then| Change { now, then }.to_string();
        assert_eq!(change(Shown::Value(87.44), Shown::Value(85.12)), "+2.3");
        assert_eq!(change(Shown::Value(85.0), Shown::Value(85.04)), "0.0");
        assert_eq!(change(Shown::Value(80.0), Shown::Value(85.0)), "-5.0");
        assert_eq!(change(Shown::Value(80.0), Shown::Hidden), "*");
        assert_eq!(change(Shown::Empty, Shown::Value(80.0)), "–");
        assert_eq!(Words::Hidden.to_string(), "*");
    }

    #[test]
    fn the_template_receives_the_printed_strings() {
        let json = serde_json::to_string(&(
            Count::Shown(1234),
            Percent::HIDDEN,
            Change {
                now: Shown::Value(90.0),
                then: Shown::Empty,
            },
            Words::Shown("Common cause"),
        ))
        .unwrap();
        assert_eq!(json, r#"["1,234","*","–","Common cause"]"#);
    }

    #[test]
    fn only_a_hidden_figure_says_it_is_hidden() {
        assert!(Percent::HIDDEN.is_hidden());
        assert!(!Percent(Shown::Empty).is_hidden());
        assert!(!Percent(Shown::Value(0.0)).is_hidden());
        assert!(Count::Hidden.is_hidden());
        assert!(!Count::Shown(3).is_hidden());
    }
}
