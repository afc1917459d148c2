//! The one place an integer program is solved: `microlp` (simplex, then branch and bound on
//! the integer unknowns), pure Rust, so the audit needs no C library and nothing fetched at
//! run time. It is called directly rather than through a modelling layer: an audit solves
//! thousands of small programs, and building each one's expressions in hash maps cost more
//! than solving it.

use microlp::{ComparisonOp, OptimizationDirection, Problem};

use super::Error;
use super::model::Lin;

/// Above any count of people: an unknown reaching it means the objective has no bound.
/// (`microlp` caps integer unknowns at `i32::MAX` instead of reporting them unbounded.)
const UNBOUNDED: f64 = (1u64 << 30) as f64;

/// The optimum of a small integer program.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// The best value and a point attaining it (integer values, as floats).
    Optimal { value: f64, point: Vec<f64> },
    /// The objective grows without bound.
    Unbounded,
}

/// Optimises `objective` over `n` non-negative integer unknowns numbered from 0 subject to
/// `constraints` (over the same numbering) and, if given, an upper bound for each unknown.
pub(crate) fn optimise(
    n: usize,
    constraints: &[Lin],
    objective: &[(u32, f64)],
    maximise: bool,
    upper: Option<&[f64]>,
) -> Result<Outcome, Error> {
    let direction = if maximise {
        OptimizationDirection::Maximize
    } else {
        OptimizationDirection::Minimize
    };
    let mut problem = Problem::new(direction);
    let mut coefficient = vec![0.0; n];
    for &(v, a) in objective {
        coefficient[v as usize] += a;
    }
    let xs: Vec<microlp::Variable> = (0..n)
        .map(|i| {
            let max = upper.map_or(UNBOUNDED, |u| u[i].min(UNBOUNDED)).floor();
            if max < 0.0 {
                return Err(Error::Solver(
                    "an unknown's upper bound is below zero".to_owned(),
                ));
            }
            Ok(problem.add_integer_var(coefficient[i], (0, max as i32)))
        })
        .collect::<Result<_, _>>()?;
    let mut terms: Vec<(u32, f64)> = vec![];
    for c in constraints {
        // microlp wants each unknown once in a constraint.
        terms.clear();
        terms.extend_from_slice(&c.terms);
        terms.sort_unstable_by_key(|t| t.0);
        terms.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 += b.1;
            }
            same
        });
        let expr = || terms.iter().map(|&(v, a)| (xs[v as usize], a));
        if c.is_equation() {
            problem.add_constraint(expr(), ComparisonOp::Eq, c.lo);
        } else {
            if c.lo.is_finite() {
                problem.add_constraint(expr(), ComparisonOp::Ge, c.lo);
            }
            if c.hi.is_finite() {
                problem.add_constraint(expr(), ComparisonOp::Le, c.hi);
            }
        }
    }
    let outcome = match problem.solve() {
        Ok(outcome) => outcome,
        Err(microlp::Error::Unbounded) => return Ok(Outcome::Unbounded),
        Err(e) => return Err(Error::Solver(e.to_string())),
    };
    let solution = outcome
        .into_solution()
        .map_err(|_| Error::Solver("the solver stopped before finding a solution".to_owned()))?;
    let point: Vec<f64> = xs.iter().map(|&x| solution.var_value(x).round()).collect();
    if upper.is_none() && point.iter().any(|&x| x >= UNBOUNDED) {
        return Ok(Outcome::Unbounded);
    }
    let value = objective.iter().map(|&(v, a)| a * point[v as usize]).sum();
    Ok(Outcome::Optimal { value, point })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_optimum_not_the_fractional_one() {
        // 2a + 2b = 6, a ≥ 1, b ≥ 1: a ranges over 1..=2 (LP and integers agree).
        // 2a + 4b = 7 has no integer point with 2a + 4b odd: use 3a + 3b ≤ 7 instead,
        // whose LP maximum of a is 7/3 but integer maximum 2.
        let cons = vec![
            Lin {
                terms: vec![(0, 3.0), (1, 3.0)],
                lo: f64::NEG_INFINITY,
                hi: 7.0,
            },
            Lin::at_least(vec![(1, 1.0)], 0.0),
        ];
        let max = optimise(2, &cons, &[(0, 1.0)], true, None).expect("solve");
        assert_eq!(
            max,
            Outcome::Optimal {
                value: 2.0,
                point: vec![2.0, 0.0]
            }
        );
        let min = optimise(
            2,
            &[Lin::equal(vec![(0, 1.0), (1, 1.0)], 4.0)],
            &[(0, 1.0)],
            false,
            None,
        )
        .expect("solve");
        assert!(matches!(min, Outcome::Optimal { value, .. } if value == 0.0));
        let up = optimise(
            2,
            &[Lin::at_least(vec![(0, 1.0), (1, 1.0)], 4.0)],
            &[(0, 1.0)],
            true,
            None,
        )
        .expect("solve");
        assert_eq!(up, Outcome::Unbounded);
    }
}
