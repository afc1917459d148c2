//! The audit as an information governance lead reads it (`safeguard report --audit`): every
//! row with a hidden count, where it is printed, why each count is hidden, and the range of
//! values a reader with the whole publication and a calculator can narrow it to. A range of
//! one value would be a leak; the plan never leaves one. True hidden values are not printed.

use std::fmt;

use super::audit::Auditor;
use super::model::Quantity;
use super::ranges::{self, reduce};
use super::{Error, Plan, Reason, Summary};

/// The values a hidden count could have, given everything printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub min: i64,
    /// `None`: nothing printed bounds it.
    pub max: Option<i64>,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "exactly {max}"),
            Some(max) => write!(f, "{} to {max}", self.min),
            None => write!(f, "{} or more", self.min),
        }
    }
}

/// A count of an audited row: printed, or hidden with the range a reader can narrow it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenCount {
    Printed(i64),
    Hidden { reason: Reason, range: Range },
}

impl fmt::Display for HiddenCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HiddenCount::Printed(v) => write!(f, "{v} (printed)"),
            HiddenCount::Hidden { reason, range } => write!(f, "* ({reason}): {range}"),
        }
    }
}

/// A row with a hidden count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// The tables that print the row.
    pub tables: Vec<String>,
    /// Its labels, (dimension, label); none for the footprint total.
    pub labels: Vec<(String, String)>,
    pub in_post: HiddenCount,
    pub compliant: HiddenCount,
    /// The range of in post minus compliant: 0 to 0 would say everyone is compliant.
    pub not_compliant: Range,
}

/// The proof that a publication leaks nothing, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub rows: Vec<AuditRow>,
    pub summary: Summary,
    /// Hidden counts the audit finds a reader can work out, or groups provably all or none
    /// compliant: 0 for every plan.
    pub leaks: usize,
}

impl Plan {
    /// Audits the plan's publication again from scratch and computes the exact feasible range
    /// of every hidden count (a few integer programs per hidden row: slower than planning).
    pub fn audit(&self) -> Result<AuditReport, Error> {
        let p = &self.published;
        let shown = self.state.shown();
        let mut auditor = Auditor::new(p, &self.model, self.state.rule);
        let leaks = auditor.leaks(&shown, &[])?.len();
        let red = reduce(p, &self.model, &shown);
        let mut rows = vec![];
        for (c, cell) in p.cells.iter().enumerate() {
            if shown[c].all() {
                continue;
            }
            let mut range = |q: Quantity| -> Result<Range, Error> {
                let (min, max) = ranges::range(&mut auditor, &red, c, q)?;
                Ok(Range { min, max })
            };
            let count = |r: Option<Reason>,
                         v: i64,
                         range: &mut dyn FnMut(Quantity) -> Result<Range, Error>,
                         q| {
                Ok::<_, Error>(match r {
                    None => HiddenCount::Printed(v),
                    Some(reason) => HiddenCount::Hidden {
                        reason,
                        range: range(q)?,
                    },
                })
            };
            let in_post = count(
                self.state.den[c],
                cell.counts.denominator,
                &mut range,
                Quantity::Denominator,
            )?;
            let compliant = count(
                self.state.num[c],
                cell.counts.numerator,
                &mut range,
                Quantity::Numerator,
            )?;
            rows.push(AuditRow {
                tables: cell.tables.iter().map(|&t| p.tables[t].clone()).collect(),
                labels: p.cube.labels(&cell.coords),
                in_post,
                compliant,
                not_compliant: range(Quantity::Shortfall)?,
            });
        }
        Ok(AuditReport {
            rows,
            summary: self.summary(),
            leaks,
        })
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        writeln!(
            f,
            "Disclosure audit: {} of {} printed counts are hidden ({} primary, {} with their \
             denominator, {} secondary); primary suppression alone would hide {}.",
            s.hidden(),
            s.counts,
            s.primary,
            s.derived,
            s.secondary,
            s.primary_only
        )?;
        if self.leaks == 0 {
            writeln!(
                f,
                "No hidden count can be worked out from what is printed: each has more than one \
                 possible value, and no hidden group is provably all or none compliant unless a \
                 printed total says so."
            )?;
        } else {
            writeln!(f, "LEAKS: {} hidden figures can be worked out.", self.leaks)?;
        }
        for row in &self.rows {
            let labels = if row.labels.is_empty() {
                "all".to_owned()
            } else {
                row.labels
                    .iter()
                    .map(|(d, l)| format!("{d} {l}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            writeln!(f)?;
            writeln!(f, "{} — {labels}", row.tables.join("; "))?;
            writeln!(f, "  in post:       {}", row.in_post)?;
            writeln!(f, "  compliant:     {}", row.compliant)?;
            writeln!(f, "  not compliant: {}", row.not_compliant)?;
        }
        Ok(())
    }
}
