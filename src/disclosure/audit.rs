//! The exact audit of a publication: for every hidden count, is it the only value the printed
//! figures allow, and is a hidden group provably all compliant or all non-compliant?
//!
//! A reader's knowledge is the integer program of [`Model::knowledge`]. A hidden count is safe
//! once two integer solutions give it different values; the true counts are one solution, so
//! one more is a certificate. Certificates are looked for cheaply first: an integer program
//! over a small neighbourhood of the count's unknowns, everything outside held at its true
//! value (any solution of that is a solution of the whole), widening to the whole component
//! of linked unknowns only when the small ones find nothing. Only a whole-component optimum
//! equal to the true value proves a leak. LP bounds would be exact for two-way tables with
//! margins, whose constraint matrices are totally unimodular, but not once compliant ≤ in post
//! or a third dimension joins them, so every program here has integer unknowns.
//!
//! Hiding more only removes facts (a printed count becomes "at least 1"), so a count certified
//! safe stays safe: the auditor remembers its certificates between the rounds of a plan.

use std::collections::{HashMap, HashSet, VecDeque};

use super::layout::Published;
use super::model::{Lin, Model, PercentFact, Quantity, Shown, Var};
use super::presolve::{Reduced, presolve};
use super::solve::{Outcome, optimise};
use super::{Error, Rule};

/// What a leak gives away about a hidden cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// Its in-post count has one feasible value.
    Denominator,
    /// Its compliant count has one feasible value.
    Numerator,
    /// Its in-post minus compliant count has one feasible value: at 0, everyone in it is
    /// provably compliant; above 0 in a group too small to print, so many people are provably
    /// not (one untrained person in a small group, pinned down).
    Shortfall,
    /// Its compliant count, printed 0 beside a hidden in-post count, says nobody in it is.
    NoneCompliant,
}

impl Kind {
    fn quantity(self) -> Quantity {
        match self {
            Kind::Denominator => Quantity::Denominator,
            Kind::Numerator | Kind::NoneCompliant => Quantity::Numerator,
            Kind::Shortfall => Quantity::Shortfall,
        }
    }
}

/// A hidden cell that the printed figures give away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Leak {
    pub cell: usize,
    pub kind: Kind,
}

/// A question the audit must answer about one hidden cell.
#[derive(Debug, Clone)]
struct Target {
    cell: usize,
    kind: Kind,
    expr: Vec<(Var, f64)>,
    truth: f64,
}

impl Target {
    /// Whether a solution shows the cell is safe in this respect: a value other than the true
    /// one (for a group attribute, a value above 0).
    fn certified_by(&self, point: &[f64]) -> bool {
        let v: f64 = self.expr.iter().map(|&(x, a)| a * point[x as usize]).sum();
        (v - self.truth).abs() > 0.5
    }
}

/// Neighbourhood sizes (unknowns) tried before the whole component.
const BUDGETS: [usize; 2] = [24, 160];

/// Audits successive states of one publication, each hiding at least what the last did.
pub(crate) struct Auditor<'a> {
    p: &'a Published,
    model: &'a Model,
    rule: Rule,
    certified: HashSet<(usize, Kind)>,
    /// Integer programs solved so far.
    pub solves: usize,
}

impl<'a> Auditor<'a> {
    pub fn new(p: &'a Published, model: &'a Model, rule: Rule) -> Auditor<'a> {
        Auditor {
            p,
            model,
            rule,
            certified: HashSet::new(),
            solves: 0,
        }
    }

    /// Every leak of a publication showing `shown` (and `percents` printed on their own).
    pub fn leaks(&mut self, shown: &[Shown], percents: &[PercentFact]) -> Result<Vec<Leak>, Error> {
        let targets: Vec<Target> = targets(self.p, self.model, self.rule, shown)
            .into_iter()
            .filter(|t| !self.certified.contains(&(t.cell, t.kind)))
            .collect();
        if targets.is_empty() {
            return Ok(vec![]);
        }
        let mut keep = vec![false; self.model.vars];
        for t in &targets {
            for &(v, _) in &t.expr {
                keep[v as usize] = true;
            }
        }
        let facts = self.model.knowledge(self.p, shown, percents);
        let red = presolve(self.model.vars, facts, &keep);
        let base = self.model.truth_point();
        let mut by_var: HashMap<Var, Vec<usize>> = HashMap::new();
        for (i, t) in targets.iter().enumerate() {
            for &(v, _) in &t.expr {
                by_var.entry(v).or_default().push(i);
            }
        }
        let mut done = vec![false; targets.len()];
        let mut leaks = vec![];
        for i in 0..targets.len() {
            if done[i] {
                continue;
            }
            let t = &targets[i];
            let free: Vec<Var> = t
                .expr
                .iter()
                .map(|&(v, _)| v)
                .filter(|&v| red.fixed[v as usize].is_none())
                .collect();
            if free.is_empty() {
                leaks.push(Leak {
                    cell: t.cell,
                    kind: t.kind,
                });
                done[i] = true;
                continue;
            }
            // An unknown no constraint mentions can grow as it likes.
            if free.iter().any(|&v| red.uses[v as usize].is_empty()) {
                done[i] = true;
                self.certified.insert((t.cell, t.kind));
                continue;
            }
            let mut safe = false;
            for budget in BUDGETS.into_iter().chain([usize::MAX]) {
                let (hood, complete) = neighbourhood(&red, &free, budget);
                for (maximise, cap) in directions(t) {
                    let outcome = self.restricted(&red, &base, &hood, &t.expr, maximise, cap)?;
                    let Some(point) = outcome else {
                        // Unbounded: the count can be as large as anyone likes.
                        safe = true;
                        break;
                    };
                    // One solution may certify many questions at once.
                    let mut touched: Vec<usize> = hood
                        .iter()
                        .filter_map(|v| by_var.get(v))
                        .flatten()
                        .copied()
                        .collect();
                    touched.sort_unstable();
                    touched.dedup();
                    for j in touched {
                        if !done[j] && targets[j].certified_by(&point) {
                            done[j] = true;
                            self.certified.insert((targets[j].cell, targets[j].kind));
                        }
                    }
                    if done[i] {
                        safe = true;
                        break;
                    }
                }
                if safe || complete {
                    break;
                }
            }
            if !safe {
                done[i] = true;
                leaks.push(Leak {
                    cell: t.cell,
                    kind: t.kind,
                });
            }
        }
        Ok(leaks)
    }

    /// The feasible range of a count of a printed cell, over the whole component: `None` as the
    /// maximum when it is unbounded.
    pub fn range(
        &mut self,
        red: &Reduced,
        cell: usize,
        q: Quantity,
    ) -> Result<(i64, Option<i64>), Error> {
        let expr = self.model.expr(cell, q);
        let base = self.model.truth_point();
        let free: Vec<Var> = expr
            .iter()
            .map(|&(v, _)| v)
            .filter(|&v| red.fixed[v as usize].is_none())
            .collect();
        let value = |point: &[f64]| -> i64 {
            expr.iter()
                .map(|&(v, a)| a * point[v as usize])
                .sum::<f64>()
                .round() as i64
        };
        if free.is_empty() {
            let v = value(&base);
            return Ok((v, Some(v)));
        }
        let (hood, _) = neighbourhood(red, &free, usize::MAX);
        let min = match self.restricted(red, &base, &hood, &expr, false, None)? {
            Some(point) => value(&point),
            None => 0,
        };
        let max = self
            .restricted(red, &base, &hood, &expr, true, None)?
            .map(|point| value(&point));
        Ok((min, max))
    }

    /// Optimises `expr` over the unknowns in `hood`, every other unknown at its value in
    /// `base`; `cap` bounds the objective so a maximum is found quickly and exists. `None` when
    /// unbounded; otherwise the whole point.
    fn restricted(
        &mut self,
        red: &Reduced,
        base: &[f64],
        hood: &[Var],
        expr: &[(Var, f64)],
        maximise: bool,
        cap: Option<f64>,
    ) -> Result<Option<Vec<f64>>, Error> {
        let local: HashMap<Var, u32> = hood
            .iter()
            .enumerate()
            .map(|(i, &v)| (v, i as u32))
            .collect();
        let localise = |terms: &[(Var, f64)]| -> (Vec<(u32, f64)>, f64) {
            let mut inside = vec![];
            let mut shift = 0.0;
            for &(v, a) in terms {
                match local.get(&v) {
                    Some(&l) => inside.push((l, a)),
                    None => {
                        shift += a * red.fixed[v as usize].map_or(base[v as usize], |x| x as f64)
                    }
                }
            }
            (inside, shift)
        };
        let mut used: Vec<u32> = hood
            .iter()
            .flat_map(|&v| red.uses[v as usize].iter().copied())
            .collect();
        used.sort_unstable();
        used.dedup();
        let mut cons: Vec<Lin> = used
            .iter()
            .map(|&c| {
                let c = &red.constraints[c as usize];
                let (terms, shift) = localise(&c.terms);
                Lin {
                    terms,
                    lo: c.lo - shift,
                    hi: c.hi - shift,
                }
            })
            .collect();
        let (objective, shift) = localise(expr);
        if let Some(cap) = cap {
            cons.push(Lin {
                terms: objective.clone(),
                lo: f64::NEG_INFINITY,
                hi: cap - shift,
            });
        }
        self.solves += 1;
        match optimise(hood.len(), &cons, &objective, maximise)? {
            Outcome::Unbounded => Ok(None),
            Outcome::Optimal { point, .. } => {
                let mut full = base.to_vec();
                for (v, x) in red.fixed.iter().enumerate() {
                    if let Some(x) = x {
                        full[v] = *x as f64;
                    }
                }
                for (&v, x) in hood.iter().zip(point) {
                    full[v as usize] = x;
                }
                Ok(Some(full))
            }
        }
    }
}

/// The optimisations that may certify a target: lower (unless the truth is 0 already), then
/// higher, capped just above the truth so a maximum exists and is found quickly.
fn directions(t: &Target) -> Vec<(bool, Option<f64>)> {
    let up = (true, Some(t.truth + 1.0));
    if t.truth > 0.5 {
        vec![(false, None), up]
    } else {
        vec![up]
    }
}

/// The unknowns linked to `start` by constraints, breadth first, at most `budget` of them; and
/// whether that is all of them.
fn neighbourhood(red: &Reduced, start: &[Var], budget: usize) -> (Vec<Var>, bool) {
    let mut seen: HashSet<Var> = start.iter().copied().collect();
    let mut seen_cons: HashSet<u32> = HashSet::new();
    let mut queue: VecDeque<Var> = seen.iter().copied().collect();
    let mut hood = vec![];
    while let Some(v) = queue.pop_front() {
        if hood.len() >= budget {
            return (hood, false);
        }
        hood.push(v);
        for &c in &red.uses[v as usize] {
            if seen_cons.insert(c) {
                for &(w, _) in &red.constraints[c as usize].terms {
                    if seen.insert(w) {
                        queue.push_back(w);
                    }
                }
            }
        }
    }
    (hood, true)
}

/// Every question the audit must answer about a publication showing `shown`.
fn targets(p: &Published, model: &Model, rule: Rule, shown: &[Shown]) -> Vec<Target> {
    let mut out = vec![];
    for (c, s) in shown.iter().enumerate() {
        if s.all() {
            continue;
        }
        let counts = p.cells[c].counts;
        // A printed 100% (or 0%) total already says it of every part: what follows from
        // that alone is no leak (and no suppression could hide it).
        let printed_totals: Vec<_> = p
            .ancestors(c)
            .into_iter()
            .filter(|&a| shown[a].all())
            .map(|a| p.cells[a].counts)
            .collect();
        let all_said = counts.shortfall() == 0 && printed_totals.iter().any(|t| t.shortfall() == 0);
        let none_said = counts.numerator == 0 && printed_totals.iter().any(|t| t.numerator == 0);
        let mut kinds = vec![];
        if !s.denominator {
            kinds.push((Kind::Denominator, counts.denominator));
        }
        if !s.numerator && !none_said && !(s.denominator && all_said) {
            kinds.push((Kind::Numerator, counts.numerator));
        }
        // Everyone compliant (unless a printed total says so), or, in a group too small to
        // print, exactly how many are not: either singles people out.
        let attribute = counts.shortfall() == 0 || rule.hides(counts.denominator);
        if counts.denominator > 0 && !all_said && attribute {
            kinds.push((Kind::Shortfall, counts.shortfall()));
        }
        if s.numerator && !s.denominator && counts.numerator == 0 && !none_said {
            kinds.push((Kind::NoneCompliant, 0));
        }
        for (kind, truth) in kinds {
            out.push(Target {
                cell: c,
                kind,
                expr: model.expr(c, kind.quantity()),
                truth: truth as f64,
            });
        }
    }
    out
}

/// The reduced knowledge of a publication, for computing exact ranges.
pub(crate) fn reduce(p: &Published, model: &Model, shown: &[Shown]) -> Reduced {
    let mut keep = vec![false; model.vars];
    for (c, s) in shown.iter().enumerate() {
        if !s.all() {
            for (v, _) in model.expr(c, Quantity::Denominator) {
                keep[v as usize] = true;
            }
        }
    }
    presolve(model.vars, model.knowledge(p, shown, &[]), &keep)
}
