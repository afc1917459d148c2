//! A reader's knowledge of a publication as linear constraints over integer unknowns.
//!
//! The unknowns are the cells of the generator margins (see [`Published::generators`]), two
//! per cell: `x`, the people who meet the standard, and `z`, those who do not, both
//! non-negative integers; in post is `x + z`, so compliant ≤ in post holds by construction.
//! Generator margins that share a margin must agree on it (the junction-tree edges). Then:
//! - a printed pair gives `Σx = compliant` and `Σz = in post - compliant`;
//! - a printed in-post count beside a hidden compliant one gives `Σ(x+z) = in post` and
//!   `Σx ≥ 1` (a hidden count beside a printed denominator is a small count or a complement,
//!   and neither is ever 0, which prints as 0);
//! - a hidden in-post count gives `Σ(x+z) ≥ 1` (a group of nobody is printed as 0 or left
//!   out, never hidden);
//! - a percentage printed on its own (as an old report's "a year earlier" column did) bounds
//!   `Σx` between two multiples of `Σ(x+z)`.

use super::cube::{ALL, cells_within};
use super::layout::Published;

/// An unknown: `2 * j` is `x` of generator cell `j`, `2 * j + 1` its `z`.
pub(crate) type Var = u32;

/// `lo ≤ Σ coefficient × var ≤ hi` (equal bounds: an equation).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lin {
    pub terms: Vec<(Var, f64)>,
    pub lo: f64,
    pub hi: f64,
}

impl Lin {
    pub fn equal(terms: Vec<(Var, f64)>, value: f64) -> Lin {
        Lin {
            terms,
            lo: value,
            hi: value,
        }
    }

    pub fn at_least(terms: Vec<(Var, f64)>, value: f64) -> Lin {
        Lin {
            terms,
            lo: value,
            hi: f64::INFINITY,
        }
    }

    pub fn is_equation(&self) -> bool {
        self.lo == self.hi
    }
}

/// Which counts of a printed cell are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shown {
    pub numerator: bool,
    pub denominator: bool,
}

impl Shown {
    pub fn all(self) -> bool {
        self.numerator && self.denominator
    }
}

/// What a count of a cell counts, in terms of the unknowns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quantity {
    /// Compliant: `Σx`.
    Numerator,
    /// In post: `Σ(x+z)`.
    Denominator,
    /// In post minus compliant: `Σz`.
    Shortfall,
}

/// A percentage printed for a cell without its counts, to one decimal place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PercentFact {
    pub cell: usize,
    pub percent: f64,
}

/// The unknowns of a publication and the constraints that hold whatever is hidden.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub vars: usize,
    /// The true value of every unknown: a point every reader's constraints allow.
    pub truth: Vec<i64>,
    /// Generator margins agree on the margins they share.
    pub structure: Vec<Lin>,
    /// For each printed cell, the generator cells it adds up.
    cells: Vec<Vec<u32>>,
}

impl Model {
    pub fn new(p: &Published) -> Model {
        let sizes = p.cube.sizes();
        let margins: Vec<_> = p.generators.iter().map(|&g| p.cube.margin(g)).collect();
        let offsets: Vec<u32> = margins
            .iter()
            .scan(0u32, |at, m| {
                let here = *at;
                *at += m.len as u32;
                Some(here)
            })
            .collect();
        let mut truth = Vec::new();
        for m in &margins {
            for v in &m.values {
                truth.push(v.numerator);
                truth.push(v.shortfall());
            }
        }
        let within = |g: usize, outer: &[u32]| -> Vec<u32> {
            cells_within(&sizes, p.generators[g], outer)
                .iter()
                .map(|c| offsets[g] + margins[g].index(c) as u32)
                .collect()
        };
        let mut structure = vec![];
        for &(i, j, shared) in &p.separators {
            for s in cells_within(&sizes, shared, &vec![ALL; sizes.len()]) {
                for side in 0..2 {
                    let mut terms: Vec<(Var, f64)> =
                        within(i, &s).iter().map(|&c| (2 * c + side, 1.0)).collect();
                    terms.extend(within(j, &s).iter().map(|&c| (2 * c + side, -1.0)));
                    structure.push(Lin::equal(terms, 0.0));
                }
            }
        }
        let cells = p
            .cells
            .iter()
            .map(|cell| {
                let g = p
                    .generators
                    .iter()
                    .position(|&g| g & cell.mask == cell.mask)
                    .expect("every printed margin lies within a generator");
                within(g, &cell.coords)
            })
            .collect();
        Model {
            vars: truth.len(),
            truth,
            structure,
            cells,
        }
    }

    /// A count of a printed cell as a sum of unknowns.
    pub fn expr(&self, cell: usize, q: Quantity) -> Vec<(Var, f64)> {
        let g = &self.cells[cell];
        match q {
            Quantity::Numerator => g.iter().map(|&c| (2 * c, 1.0)).collect(),
            Quantity::Shortfall => g.iter().map(|&c| (2 * c + 1, 1.0)).collect(),
            Quantity::Denominator => g
                .iter()
                .flat_map(|&c| [(2 * c, 1.0), (2 * c + 1, 1.0)])
                .collect(),
        }
    }

    /// The value of a count at a point.
    #[cfg(test)]
    pub fn value(&self, cell: usize, q: Quantity, point: &[f64]) -> f64 {
        let g = &self.cells[cell];
        g.iter()
            .map(|&c| {
                let (x, z) = (point[2 * c as usize], point[2 * c as usize + 1]);
                match q {
                    Quantity::Numerator => x,
                    Quantity::Shortfall => z,
                    Quantity::Denominator => x + z,
                }
            })
            .sum()
    }

    /// Everything a reader knows from a publication showing `shown`, plus percentages printed
    /// on their own.
    pub fn knowledge(&self, p: &Published, shown: &[Shown], percents: &[PercentFact]) -> Vec<Lin> {
        let mut out = self.structure.clone();
        for (c, s) in shown.iter().enumerate() {
            let counts = p.cells[c].counts;
            let (n, d) = (counts.numerator as f64, counts.denominator as f64);
            match (s.numerator, s.denominator) {
                (true, true) => {
                    out.push(Lin::equal(self.expr(c, Quantity::Numerator), n));
                    out.push(Lin::equal(self.expr(c, Quantity::Shortfall), d - n));
                }
                (false, true) => {
                    out.push(Lin::equal(self.expr(c, Quantity::Denominator), d));
                    if counts.numerator >= 1 {
                        out.push(Lin::at_least(self.expr(c, Quantity::Numerator), 1.0));
                    }
                }
                (true, false) => {
                    out.push(Lin::equal(self.expr(c, Quantity::Numerator), n));
                    if counts.denominator >= 1 {
                        out.push(Lin::at_least(self.expr(c, Quantity::Denominator), 1.0));
                    }
                }
                (false, false) => {
                    if counts.denominator >= 1 {
                        out.push(Lin::at_least(self.expr(c, Quantity::Denominator), 1.0));
                    }
                }
            }
        }
        for f in percents {
            // Printed to one decimal place: the true share lies within 0.05 points of it.
            for (bound, lower) in [(f.percent - 0.05, true), (f.percent + 0.05, false)] {
                let share = bound / 100.0;
                let terms: Vec<(Var, f64)> = self
                    .expr(f.cell, Quantity::Numerator)
                    .into_iter()
                    .map(|(v, _)| (v, 1.0 - share))
                    .chain(
                        self.expr(f.cell, Quantity::Shortfall)
                            .into_iter()
                            .map(|(v, _)| (v, -share)),
                    )
                    .collect();
                out.push(if lower {
                    Lin::at_least(terms, 0.0)
                } else {
                    Lin {
                        terms,
                        lo: f64::NEG_INFINITY,
                        hi: 0.0,
                    }
                });
            }
            out.push(Lin::at_least(self.expr(f.cell, Quantity::Denominator), 1.0));
        }
        out
    }

    /// The true values as a point.
    pub fn truth_point(&self) -> Vec<f64> {
        self.truth.iter().map(|&v| v as f64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disclosure::cube::{Cube, Dimension};
    use crate::disclosure::layout::Layout;

    #[test]
    fn the_truth_satisfies_every_fact() {
        let mut cube = Cube::new(vec![
            Dimension::new("organisation", ["A", "B"]),
            Dimension::new("level", ["1", "2"]),
            Dimension::new("group", ["n", "m", "o"]),
        ])
        .expect("cube");
        let mut k = 0;
        for o in ["A", "B"] {
            for l in ["1", "2"] {
                for g in ["n", "m", "o"] {
                    k += 1;
                    cube.add(&[o, l, g], k % 4, k % 4 + k % 3).expect("add");
                }
            }
        }
        let layout = Layout::new()
            .table("ol", &["organisation", "level"])
            .table_where("pack", &["group"], &[("organisation", "B")])
            .table("org", &["organisation"])
            .table("all", &[]);
        let p = Published::new(&cube, &layout).expect("published");
        let m = Model::new(&p);
        let point = m.truth_point();
        let mixes = [(true, true), (false, true), (true, false), (false, false)];
        let shown: Vec<Shown> = (0..p.cells.len())
            .map(|c| {
                let (numerator, denominator) = mixes[c % 4];
                Shown {
                    numerator,
                    denominator,
                }
            })
            .collect();
        let facts = m.knowledge(
            &p,
            &shown,
            &[PercentFact {
                cell: 0,
                percent: (1000.0 * p.cells[0].counts.numerator as f64
                    / p.cells[0].counts.denominator as f64)
                    .round()
                    / 10.0,
            }],
        );
        assert!(!m.structure.is_empty());
        for f in &facts {
            let v: f64 = f.terms.iter().map(|&(x, a)| a * point[x as usize]).sum();
            assert!(v >= f.lo - 1e-9 && v <= f.hi + 1e-9, "{f:?} at {v}");
        }
        for c in 0..p.cells.len() {
            assert_eq!(
                m.value(c, Quantity::Denominator, &point) as i64,
                p.cells[c].counts.denominator
            );
        }
    }
}
