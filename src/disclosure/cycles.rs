//! Small neighbourhoods in which a hidden count can move, found by looking for short cycles in
//! the graph of unknowns and the equations between them.
//!
//! In a table with printed row and column totals, a hidden cell can change by one when three
//! other hidden cells at the corners of a rectangle change with it (+1, -1, +1, -1): every
//! total stays the same. The same holds for any equations: an unknown `v`, another `a` in one
//! of `v`'s equations, a third `c` sharing an equation with `a`, and a fourth `b` sharing one
//! with `c` and another with `v`. A handful of such rectangles is an integer program of a few
//! dozen unknowns instead of a whole component of hundreds, and any solution of it (everything
//! else held at its true value) is a certificate for the whole.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::model::Var;
use super::presolve::Reduced;

/// The equations (not inequalities) each unknown is in, and its coefficient in each (looked
/// up here rather than in the equation, which for a margin over every organisation has
/// thousands of terms).
pub(crate) struct Equations {
    of: Vec<Vec<u32>>,
    coefficients: Vec<Vec<f64>>,
}

impl Equations {
    pub fn new(red: &Reduced) -> Equations {
        let mut of = vec![vec![]; red.uses.len()];
        let mut coefficients = vec![vec![]; red.uses.len()];
        for (c, con) in red.constraints.iter().enumerate() {
            if con.is_equation() {
                for &(v, a) in &con.terms {
                    of[v as usize].push(c as u32);
                    coefficients[v as usize].push(a);
                }
            }
        }
        Equations { of, coefficients }
    }

    fn of(&self, v: Var) -> &[u32] {
        &self.of[v as usize]
    }

    /// The coefficient of `v` in equation `c` (0 if it is not in it).
    fn coefficient(&self, v: Var, c: u32) -> f64 {
        self.of(v)
            .iter()
            .position(|&d| d == c)
            .map_or(0.0, |i| self.coefficients[v as usize][i])
    }
}

/// Unknowns of up to `limit` rectangles through the unknowns `free`, plus the partners bound
/// to them by two-unknown equations (compliant + not compliant = a printed in-post count),
/// with their own rectangles. `up`: the target count is to rise, so the corners next to it,
/// which fall, must be above 0.
pub(crate) fn hood(
    red: &Reduced,
    eq: &Equations,
    base: &[f64],
    free: &[Var],
    up: bool,
    limit: usize,
) -> Vec<Var> {
    let mut hood: Vec<Var> = vec![];
    let mut seen: HashSet<Var> = HashSet::default();
    let mut queue: Vec<Var> = free.to_vec();
    let mut rounds = 0;
    while let Some(v) = queue.pop() {
        if !seen.insert(v) {
            continue;
        }
        hood.push(v);
        for corner in rectangles(red, eq, base, v, up, limit) {
            if seen.insert(corner) {
                hood.push(corner);
            }
        }
        // Partners: an unknown whose count is tied to another's by a printed total of two.
        for &c in eq.of(v) {
            let terms = &red.constraints[c as usize].terms;
            if terms.len() == 2 {
                queue.extend(terms.iter().map(|t| t.0).filter(|&w| w != v));
            }
        }
        rounds += 1;
        if rounds > 2 * free.len() + 4 {
            break;
        }
    }
    // The partners of the corners too, so their equations can balance.
    let corners = hood.clone();
    for v in corners {
        for &c in eq.of(v) {
            let terms = &red.constraints[c as usize].terms;
            if terms.len() == 2 {
                for t in terms {
                    if seen.insert(t.0) {
                        hood.push(t.0);
                    }
                }
            }
        }
    }
    hood
}

/// The other three corners of up to `limit` rectangles through `v`: `v` and `c` rise, `a` and
/// `b` fall, and every equation of more than two unknowns they are in stays balanced (an
/// equation holding all four, like the footprint total, included). Equations of two unknowns
/// are left to the partners.
fn rectangles(
    red: &Reduced,
    eq: &Equations,
    base: &[f64],
    v: Var,
    up: bool,
    limit: usize,
) -> Vec<Var> {
    let mut out = vec![];
    let cons = &red.constraints;
    let terms = |c: u32| cons[c as usize].terms.iter().map(|t| t.0);
    let wide = |c: &u32| cons[*c as usize].terms.len() > 2;
    let mine: Vec<u32> = eq.of(v).iter().copied().filter(wide).collect();
    // Next to `v` falls when `v` rises: it must have something to give.
    let can_fall = |w: Var| !up || base[w as usize] >= 1.0;
    let balanced = |corners: [(Var, f64); 4]| {
        let mut sums: HashMap<u32, f64> = HashMap::default();
        for (w, sign) in corners {
            for &c in eq.of(w).iter().filter(|c| wide(c)) {
                *sums.entry(c).or_default() += sign * eq.coefficient(w, c);
            }
        }
        sums.values().all(|s| s.abs() < 1e-9)
    };
    for (i, &c1) in mine.iter().enumerate() {
        // Equations (not `v`'s) reached from `c1` through one more unknown `a`.
        let mut via: HashMap<u32, Vec<Var>> = HashMap::default();
        for a in terms(c1).filter(|&a| a != v && can_fall(a)) {
            for &d in eq.of(a).iter().filter(|d| wide(d) && !mine.contains(d)) {
                via.entry(d).or_default().push(a);
            }
        }
        if via.is_empty() {
            continue;
        }
        for &c2 in mine.iter().skip(i + 1) {
            for b in terms(c2).filter(|&b| b != v && can_fall(b)) {
                for &e in eq.of(b).iter().filter(|e| wide(e) && !mine.contains(e)) {
                    for c in terms(e).filter(|&c| c != b && c != v) {
                        for f in eq.of(c).iter().filter(|&&f| f != e) {
                            for &a in via.get(f).into_iter().flatten() {
                                if a != c
                                    && a != b
                                    && balanced([(v, 1.0), (a, -1.0), (c, 1.0), (b, -1.0)])
                                {
                                    out.extend([a, c, b]);
                                    if out.len() >= 3 * limit {
                                        return out;
                                    }
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    out
}
