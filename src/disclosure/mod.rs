//! Disclosure control that survives a calculator (METRICS.md, "Disclosure control in the
//! published report"): which counts of people a publication may print so that nothing hidden
//! can be worked out from what is printed, proven by an exact audit.
//!
//! A period's publication is described as a [`Cube`] of true (compliant, in post) counts and a
//! [`Layout`] saying which of its margins are printed (training by organisation, by level, by
//! organisation and level, a provider's rows, the footprint total). [`Plan::build`] then
//! 1. hides every count from 1 to `threshold - 1` (primary suppression) and, with a hidden
//!    denominator, its numerator (zero included), percentage, RAG and movement;
//! 2. hides complementary counts, the least informative first (secondary suppression);
//! 3. audits the result exactly: what is printed becomes integer constraints (printed counts
//!    fixed, hidden ones non-negative integers, every printed total the sum of its parts,
//!    compliant at most in post), and every hidden count must have more than one feasible value
//!    and no hidden group may be provably all compliant or all non-compliant unless a printed
//!    total containing it says so. Where the audit finds a leak it hides more and audits again,
//!    so a plan never describes a leaking publication.
//!
//! Figures of earlier periods (a year earlier, trend points, SPC points) follow that period's
//! own plan: [`Plans`] keeps one per period end. [`spc`] says what of an SPC chart may be
//! printed, and [`AuditReport`] is the proof an information governance lead reads.
//!
//! ```
//! use safeguard::disclosure::{Cube, Dimension, Layout, Plan, Rule};
//!
//! let mut cube = Cube::new(vec![
//!     Dimension::new("organisation", ["A", "B", "C"]),
//!     Dimension::new("level", ["1", "2"]),
//! ])?;
//! for (org, level, compliant, in_post) in
//!     [("A", "1", 40, 50), ("A", "2", 2, 3), ("B", "1", 30, 31), ("B", "2", 9, 10), ("C", "1", 20, 25), ("C", "2", 8, 9)]
//! {
//!     cube.add(&[org, level], compliant, in_post)?;
//! }
//! let layout = Layout::new()
//!     .table("Table 1: by organisation", &["organisation"])
//!     .table("Table 2: by level", &["level"])
//!     .table("Table 3: by organisation and level", &["organisation", "level"])
//!     .table("All organisations", &[]);
//! let plan = Plan::build(&cube, &layout, Rule::default())?;
//! let a2 = plan.figure(&[("organisation", "A"), ("level", "2")])?;
//! assert!(a2.denominator.is_hidden() && a2.numerator.is_hidden());
//! assert!(plan.summary().secondary > 0);
//! # Ok::<(), safeguard::disclosure::Error>(())
//! ```

mod audit;
mod cube;
mod cycles;
mod layout;
mod model;
mod neighbourhoods;
mod periods;
mod plan;
mod presolve;
mod ranges;
mod readings;
mod report;
mod solve;

#[cfg(test)]
mod tests;

pub use cube::{Counts, Cube, Dimension};
pub use layout::Layout;
pub use periods::Plans;
pub use plan::{Plan, Summary};
pub use readings::{SpcShown, spc};
pub use report::{AuditReport, AuditRow, HiddenCount, Range};

/// What a hidden figure prints as.
pub const HIDDEN: &str = "*";

/// The disclosure rule: counts of people from 1 to `threshold - 1` are not printed (0 and 1
/// print everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub threshold: i64,
}

impl Default for Rule {
    fn default() -> Rule {
        Rule { threshold: 5 }
    }
}

impl Rule {
    /// Whether a count of people is too small to print.
    pub fn hides(self, count: i64) -> bool {
        count >= 1 && count < self.threshold
    }
}

/// Why a count is not printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The count itself is from 1 to `threshold - 1`.
    Primary,
    /// Hidden so that other hidden counts cannot be worked out (complementary suppression).
    Secondary,
    /// A numerator whose denominator is hidden: printing it, even 0, would say something about
    /// a group too small to describe.
    Derived,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Reason::Primary => "primary",
            Reason::Secondary => "secondary",
            Reason::Derived => "derived",
        })
    }
}

/// A count as a plan lets it be printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Shown(i64),
    Hidden(Reason),
}

impl Count {
    pub fn is_hidden(self) -> bool {
        matches!(self, Count::Hidden(_))
    }

    /// The count, when it may be printed.
    pub fn value(self) -> Option<i64> {
        match self {
            Count::Shown(v) => Some(v),
            Count::Hidden(_) => None,
        }
    }
}

/// A percentage as a plan lets it be printed: its RAG band and any movement follow it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Percent {
    Value(f64),
    Hidden,
    /// Nobody is counted (in post 0): there is no percentage.
    Empty,
}

impl Percent {
    pub fn value(self) -> Option<f64> {
        match self {
            Percent::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// One printed row: compliant of in post (or supervised of requiring supervision).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub numerator: Count,
    pub denominator: Count,
}

impl Figure {
    /// The percentage, printed only when both counts are (a percentage and one count give the
    /// other away).
    pub fn percent(self) -> Percent {
        match (self.numerator, self.denominator) {
            (_, Count::Shown(0)) => Percent::Empty,
            (Count::Shown(n), Count::Shown(d)) => Percent::Value(100.0 * n as f64 / d as f64),
            _ => Percent::Hidden,
        }
    }

    /// Whether anything of the row is hidden.
    pub fn is_hidden(self) -> bool {
        self.numerator.is_hidden() || self.denominator.is_hidden()
    }
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("a disclosure cube has {0} dimensions; at most 16 are supported")]
    TooManyDimensions(usize),
    #[error("the disclosure cube's dimension {dimension} lists the label {label:?} twice")]
    DuplicateLabel { dimension: String, label: String },
    #[error("the disclosure cube has no dimension called {0:?}")]
    UnknownDimension(String),
    #[error("the disclosure cube's dimension {dimension} has no label {label:?}")]
    UnknownLabel { dimension: String, label: String },
    #[error("a disclosure cube cell needs {expected} labels, one per dimension, but got {got}")]
    Arity { expected: usize, got: usize },
    #[error(
        "the counts of cell ({labels}) are {numerator} of {denominator}: a numerator must be \
         from 0 to its denominator"
    )]
    Counts {
        labels: String,
        numerator: i64,
        denominator: i64,
    },
    #[error("the layout prints no cell {0}")]
    NotPrinted(String),
    #[error("no plan was made for the period ending {0}")]
    NoPlan(String),
    #[error("nothing is left to hide to protect the cell {0}")]
    Unprotectable(String),
    #[error("the disclosure audit's solver failed: {0}")]
    Solver(String),
}
