//! Cheap reasoning before any solver runs, as a reader with a pencil would: an equation with
//! one unknown left fixes it, a sum of non-negative unknowns equal to 0 fixes them all at 0, and
//! a constraint kept true by an unknown nobody else uses says nothing. What is left falls into
//! independent components (unknowns linked by shared constraints), each audited on its own.
//!
//! Everything here is exact: a value fixed here is the only value any reader's solution can
//! have, so a hidden count whose unknowns are all fixed is a leak without further proof.

use std::collections::VecDeque;

use super::model::{Lin, Var};

/// The result: unknowns whose value is forced, and the constraints still to solve over the
/// others (fixed unknowns substituted), grouped by the components they fall into.
#[derive(Debug, Clone)]
pub(crate) struct Reduced {
    pub fixed: Vec<Option<i64>>,
    pub constraints: Vec<Lin>,
    /// For each unknown, the constraints (indices into `constraints`) that use it.
    pub uses: Vec<Vec<u32>>,
}

const EPS: f64 = 1e-6;

/// Reduces `constraints` over `vars` unknowns; `keep` marks unknowns that must not be
/// eliminated as unused (those of the counts being audited).
pub(crate) fn presolve(vars: usize, constraints: Vec<Lin>, keep: &[bool]) -> Reduced {
    let mut fixed: Vec<Option<i64>> = vec![None; vars];
    let mut cons = constraints;
    let mut alive = vec![true; cons.len()];
    let mut uses: Vec<Vec<u32>> = vec![vec![]; vars];
    for (i, c) in cons.iter().enumerate() {
        for &(v, _) in &c.terms {
            uses[v as usize].push(i as u32);
        }
    }
    // First in, first out: a constraint is looked at again once per wave of fixings rather
    // than after each one, which for a margin over every organisation (thousands of unknowns,
    // fixed one by one) was most of an audit's time. What is fixed is forced, so the result
    // does not depend on the order.
    let mut queue: VecDeque<usize> = (0..cons.len()).collect();
    let mut queued = vec![true; cons.len()];
    while let Some(i) = queue.pop_front() {
        queued[i] = false;
        if !alive[i] {
            continue;
        }
        let c = &mut cons[i];
        // Substitute what is already fixed.
        let mut shift = 0.0;
        c.terms.retain(|&(v, a)| match fixed[v as usize] {
            Some(x) => {
                shift += a * x as f64;
                false
            }
            None => true,
        });
        c.lo -= shift;
        c.hi -= shift;
        let newly: Vec<(Var, i64)> = if c.terms.is_empty() {
            debug_assert!(c.lo <= EPS && c.hi >= -EPS, "the truth breaks {c:?}");
            alive[i] = false;
            vec![]
        } else if c.is_equation() && c.terms.len() == 1 {
            alive[i] = false;
            let (v, a) = c.terms[0];
            vec![(v, (c.lo / a).round() as i64)]
        } else if c.is_equation()
            && c.lo.abs() < EPS
            && (c.terms.iter().all(|t| t.1 > 0.0) || c.terms.iter().all(|t| t.1 < 0.0))
        {
            alive[i] = false;
            c.terms.iter().map(|&(v, _)| (v, 0)).collect()
        } else if c.lo <= 0.0 && c.hi.is_infinite() && c.terms.iter().all(|t| t.1 >= 0.0) {
            // A sum of non-negative unknowns is at least 0 anyway.
            alive[i] = false;
            vec![]
        } else {
            vec![]
        };
        for (v, x) in newly {
            if fixed[v as usize].is_none() {
                fixed[v as usize] = Some(x);
                for &j in &uses[v as usize] {
                    if alive[j as usize] && !queued[j as usize] {
                        queued[j as usize] = true;
                        queue.push_back(j as usize);
                    }
                }
            }
        }
    }
    drop_free_slack(&mut cons, &mut alive, &uses, keep, &fixed);
    let mut constraints = vec![];
    let mut new_uses: Vec<Vec<u32>> = vec![vec![]; vars];
    for (i, c) in cons.into_iter().enumerate() {
        if alive[i] {
            for &(v, _) in &c.terms {
                new_uses[v as usize].push(constraints.len() as u32);
            }
            constraints.push(c);
        }
    }
    Reduced {
        fixed,
        constraints,
        uses: new_uses,
    }
}

/// Drops constraints that an unknown used nowhere else can always satisfy: `Σ u - Σ w = b` with
/// every `u` unused elsewhere and `b ≥ 0` holds for any `w` (take `Σ u = b + Σ w`), which is how
/// a generator margin nobody prints (a group breakdown of an organisation without a provider
/// pack) stops linking everything it touches.
fn drop_free_slack(
    cons: &mut [Lin],
    alive: &mut [bool],
    uses: &[Vec<u32>],
    keep: &[bool],
    fixed: &[Option<i64>],
) {
    // Dropping a constraint only makes more unknowns lonely, so the constraints left do not
    // depend on the order they are looked at: each is looked at again only when one of its
    // unknowns has just become lonely.
    let mut live: Vec<u32> = uses
        .iter()
        .map(|us| us.iter().filter(|&&j| alive[j as usize]).count() as u32)
        .collect();
    let mut queue: Vec<usize> = (0..cons.len()).rev().filter(|&i| alive[i]).collect();
    let mut queued: Vec<bool> = alive.to_vec();
    while let Some(i) = queue.pop() {
        queued[i] = false;
        if !alive[i] {
            continue;
        }
        let c = &cons[i];
        let lonely = |v: Var| !keep[v as usize] && live[v as usize] == 1;
        let free = || c.terms.iter().filter(|(v, _)| fixed[*v as usize].is_none());
        let side_free = |sign: f64| {
            free()
                .filter(|t| t.1 * sign > 0.0)
                .all(|t| (t.1.abs() - 1.0).abs() < EPS && lonely(t.0))
                && free().any(|t| t.1 * sign > 0.0)
        };
        let unit = free().all(|t| (t.1.abs() - 1.0).abs() < EPS);
        let drop = if c.is_equation() {
            // `Σu = b + Σw` is some non-negative integer for every `w` exactly when
            // `b ≥ 0` (and `-Σu + Σw = b` when `b ≤ 0`).
            unit && ((side_free(1.0) && c.lo >= -EPS) || (side_free(-1.0) && c.lo <= EPS))
        } else {
            // `Σ ≥ lo` with a lonely unknown of coefficient +1: make it large enough.
            (c.hi.is_infinite()
                && free().any(|t| t.1 > 0.0 && (t.1 - 1.0).abs() < EPS && lonely(t.0)))
                || (c.lo.is_infinite()
                    && free().any(|t| t.1 < 0.0 && (t.1 + 1.0).abs() < EPS && lonely(t.0)))
        };
        if !drop {
            continue;
        }
        alive[i] = false;
        for &(v, _) in &cons[i].terms {
            live[v as usize] -= 1;
            if live[v as usize] == 1 {
                for &j in &uses[v as usize] {
                    let j = j as usize;
                    if alive[j] && !queued[j] {
                        queued[j] = true;
                        queue.push(j);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equations_fix_what_they_force_and_chain() {
        // a + b = 5, b = 2, c + d = 0, e + f = 3.
        let cons = vec![
            Lin::equal(vec![(0, 1.0), (1, 1.0)], 5.0),
            Lin::equal(vec![(1, 1.0)], 2.0),
            Lin::equal(vec![(2, 1.0), (3, 1.0)], 0.0),
            Lin::equal(vec![(4, 1.0), (5, 1.0)], 3.0),
        ];
        let r = presolve(6, cons, &[true; 6]);
        assert_eq!(&r.fixed[..4], &[Some(3), Some(2), Some(0), Some(0)]);
        assert_eq!(r.fixed[4], None);
        assert_eq!(r.constraints.len(), 1);
        assert_eq!(r.uses[4], vec![0]);
    }

    #[test]
    fn an_unknown_nobody_else_uses_unlinks_its_constraint() {
        // u0 + u1 - w2 - w3 = 0 with u unused elsewhere: says nothing about w.
        let cons = vec![
            Lin::equal(vec![(0, 1.0), (1, 1.0), (2, -1.0), (3, -1.0)], 0.0),
            Lin::equal(vec![(2, 1.0), (3, 1.0), (4, 1.0)], 9.0),
        ];
        let keep = [false, false, true, true, true];
        let r = presolve(5, cons, &keep);
        assert_eq!(r.constraints.len(), 1);
        assert!(r.uses[0].is_empty());
        // But not when an unknown is audited.
        let cons = vec![Lin::equal(vec![(0, 1.0), (2, -1.0)], 0.0)];
        let r = presolve(5, cons, &[true; 5]);
        assert_eq!(r.constraints.len(), 1);
    }
}
