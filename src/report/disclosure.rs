//! Disclosure control for the published report (METRICS.md): a count of people from 1 to
//! threshold - 1 prints as `*`, and so does a percentage whose denominator or numerator is
//! suppressed. Zero prints as 0. Done here, before the data reaches the template, so a restyled
//! template cannot print what must stay hidden.
//!
//! Primary suppression alone is not enough when a table prints totals: with exactly one hidden
//! cell in a row that has a total, the reader subtracts. [`Grid`] records which printed cells
//! add up to which printed total and hides a second cell (or the total) in every such line
//! until no line has exactly one hidden cell (complementary suppression).

use super::printed::{Count, Percent, Shown};

/// The disclosure rule: counts from 1 to `threshold - 1` are hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disclosure {
    pub threshold: i64,
}

impl Disclosure {
    /// Whether a count of people must not be printed.
    pub fn hides(&self, count: i64) -> bool {
        count >= 1 && count < self.threshold
    }

    /// A count as printed: `1,234`, `0`, or `*`.
    pub fn count(&self, count: i64) -> Count {
        if self.hides(count) {
            Count::Hidden
        } else {
            Count::Shown(count)
        }
    }
}

/// A set of printed counts and the sums between them, for complementary suppression.
#[derive(Debug, Clone)]
pub struct Grid {
    rule: Disclosure,
    values: Vec<i64>,
    hidden: Vec<bool>,
    /// (parts, total): the parts add up to the total, and all of them are printed.
    lines: Vec<(Vec<usize>, usize)>,
}

/// A cell of a [`Grid`].
pub type CellId = usize;

impl Grid {
    pub fn new(rule: Disclosure) -> Grid {
        Grid {
            rule,
            values: vec![],
            hidden: vec![],
            lines: vec![],
        }
    }

    /// Adds a printed count, hidden at once if it is small.
    pub fn cell(&mut self, value: i64) -> CellId {
        self.values.push(value);
        self.hidden.push(self.rule.hides(value));
        self.values.len() - 1
    }

    /// Records that `parts` add up to `total` (all printed in the same table).
    pub fn line(&mut self, parts: Vec<CellId>, total: CellId) {
        self.lines.push((parts, total));
    }

    /// Hides further cells until no line has exactly one hidden cell, so no hidden count can
    /// be recovered by subtraction. Prefers the smallest non-zero part, then the total.
    pub fn protect(&mut self) {
        loop {
            let mut changed = false;
            for (parts, total) in &self.lines {
                let hidden = parts
                    .iter()
                    .chain(std::iter::once(total))
                    .filter(|&&c| self.hidden[c])
                    .count();
                if hidden != 1 {
                    continue;
                }
                let part = parts
                    .iter()
                    .copied()
                    .filter(|&c| !self.hidden[c] && self.values[c] > 0)
                    .min_by_key(|&c| (self.values[c], c));
                let pick = match part {
                    Some(c) => c,
                    None if !self.hidden[*total] && self.values[*total] > 0 => *total,
                    // Only zeros are left visible: a zero reveals nothing.
                    None => continue,
                };
                self.hidden[pick] = true;
                changed = true;
            }
            if !changed {
                break;
            }
        }
    }

    /// Whether a cell is hidden (call after [`Grid::protect`]).
    pub fn hidden(&self, cell: CellId) -> bool {
        self.hidden[cell]
    }

    pub fn value(&self, cell: CellId) -> i64 {
        self.values[cell]
    }

    /// The cell as printed.
    pub fn show(&self, cell: CellId) -> Count {
        if self.hidden[cell] {
            Count::Hidden
        } else {
            Count::Shown(self.values[cell])
        }
    }

    /// The percentage `numerator / denominator` as printed: `*` when either count is hidden
    /// (a percentage and one count give the other away), `–` when the denominator is 0.
    pub fn percent(&self, numerator: CellId, denominator: CellId) -> Percent {
        Percent(self.ratio(numerator, denominator))
    }

    /// The percentage as a number, when it may be printed.
    pub fn ratio(&self, numerator: CellId, denominator: CellId) -> Shown {
        let den = self.values[denominator];
        if den == 0 {
            Shown::Empty
        } else if self.hidden[numerator] || self.hidden[denominator] {
            Shown::Hidden
        } else {
            Shown::Value(100.0 * self.values[numerator] as f64 / den as f64)
        }
    }
}

/// A percentage of two counts on their own (no table of totals around them).
pub fn single_percent(rule: Disclosure, numerator: i64, denominator: i64) -> Shown {
    if denominator == 0 {
        Shown::Empty
    } else if rule.hides(numerator) || rule.hides(denominator) {
        Shown::Hidden
    } else {
        Shown::Value(100.0 * numerator as f64 / denominator as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Disclosure = Disclosure { threshold: 5 };

    #[test]
    fn small_counts_are_hidden_but_zero_is_not() {
        assert_eq!(RULE.count(0), Count::Shown(0));
        assert_eq!(RULE.count(1), Count::Hidden);
        assert_eq!(RULE.count(4), Count::Hidden);
        assert_eq!(RULE.count(5), Count::Shown(5));
        assert_eq!(RULE.count(12345), Count::Shown(12345));
        let off = Disclosure { threshold: 0 };
        assert_eq!(off.count(1), Count::Shown(1));
    }

    #[test]
    fn percentages_of_small_groups_are_hidden() {
        assert_eq!(single_percent(RULE, 3, 4), Shown::Hidden);
        assert_eq!(single_percent(RULE, 0, 4), Shown::Hidden);
        assert_eq!(single_percent(RULE, 3, 40), Shown::Hidden);
        assert_eq!(single_percent(RULE, 0, 40), Shown::Value(0.0));
        assert_eq!(single_percent(RULE, 0, 0), Shown::Empty);
    }

    #[test]
    fn one_hidden_cell_in_a_line_hides_a_second() {
        let mut g = Grid::new(RULE);
        let a = g.cell(3);
        let b = g.cell(40);
        let c = g.cell(20);
        let total = g.cell(63);
        g.line(vec![a, b, c], total);
        g.protect();
        assert!(g.hidden(a));
        assert!(g.hidden(c), "the smallest other part is hidden too");
        assert!(!g.hidden(b));
        assert!(!g.hidden(total));
        assert_eq!(g.show(total), Count::Shown(63));
    }

    #[test]
    fn with_only_zeros_beside_it_the_total_is_hidden() {
        let mut g = Grid::new(RULE);
        let a = g.cell(2);
        let b = g.cell(0);
        let total = g.cell(2);
        g.line(vec![a, b], total);
        g.protect();
        assert!(g.hidden(total));
        assert!(!g.hidden(b));
    }

    #[test]
    fn suppression_spreads_across_crossing_lines() {
        // 2 x 2 table with margins; one small inner cell.
        //   a=3  b=10 | r1=13
        //   c=20 d=30 | r2=50
        //   --------------
        //   k1=23 k2=40 | t=63
        let mut g = Grid::new(RULE);
        let [a, b, c, d] = [3, 10, 20, 30].map(|v| g.cell(v));
        let [r1, r2, k1, k2, t] = [13, 50, 23, 40, 63].map(|v| g.cell(v));
        g.line(vec![a, b], r1);
        g.line(vec![c, d], r2);
        g.line(vec![a, c], k1);
        g.line(vec![b, d], k2);
        g.line(vec![r1, r2], t);
        g.line(vec![k1, k2], t);
        g.protect();
        let lines: [(&[usize], usize); 6] = [
            (&[a, b], r1),
            (&[c, d], r2),
            (&[a, c], k1),
            (&[b, d], k2),
            (&[r1, r2], t),
            (&[k1, k2], t),
        ];
        for (parts, total) in lines {
            let hidden = parts
                .iter()
                .chain([&total])
                .filter(|&&x| g.hidden(x))
                .count();
            assert_ne!(hidden, 1, "a line with one hidden cell: {parts:?} {total}");
        }
        assert!(g.hidden(a));
        assert_eq!(g.percent(a, r1), Percent::HIDDEN);
    }
}
