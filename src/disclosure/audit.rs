//! The exact audit of a publication: for every hidden count, is it the only value the printed
//! figures allow, and is a hidden group provably all compliant or all non-compliant?
//!
//! A reader's knowledge is the integer program of [`Model::knowledge`]. A hidden count is safe
//! once two integer solutions give it different values; the true counts are one solution, so
//! one more is a certificate. Certificates are looked for cheaply first, over a narrowed
//! knowledge whose solutions are all solutions of the exact one: a few solutions of each
//! component of linked unknowns pushed in random directions and then towards the questions
//! still open (one solution answers many questions); then rectangles around each question
//! ([`super::cycles`]), and neighbourhoods of growing size, everything outside held at its true
//! value (any solution of that is a solution of the whole). A leak is proven the other way
//! round: over a neighbourhood of the exact knowledge with every constraint reaching outside it
//! dropped (any solution of the whole is a solution of that, so a count pinned there is pinned);
//! most leaks are local, so only a question neither settles is taken to the whole component of
//! the exact knowledge, whose optimum equal to the true value proves a leak. LP bounds would be
//! exact for two-way tables with margins, whose constraint matrices are totally unimodular,
//! but not once compliant ≤ in post or a third dimension joins them, so every program here has
//! integer unknowns.
//!
//! Hiding more only removes facts (a printed count becomes "at least 1"), so a count certified
//! safe stays safe: the auditor remembers its certificates between the rounds of a plan.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::cycles::{self, Equations};
use super::layout::Published;
use super::model::{Lin, Model, PercentFact, Quantity, Shown, Var};
use super::neighbourhoods::{compact, free_vars, neighbourhood, numbering, touching};
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
    pub(crate) fn quantity(self) -> Quantity {
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
pub(super) struct Target {
    pub cell: usize,
    pub kind: Kind,
    pub expr: Vec<(Var, f64)>,
    truth: f64,
}

impl Target {
    fn leak(&self) -> Leak {
        Leak {
            cell: self.cell,
            kind: self.kind,
        }
    }

    /// Whether a solution shows the cell is safe in this respect: a value other than the true
    /// one (for a group attribute, a value above 0).
    fn certified_by(&self, point: &[f64]) -> bool {
        let v: f64 = self.expr.iter().map(|&(x, a)| a * point[x as usize]).sum();
        (v - self.truth).abs() > 0.5
    }
}

/// What to optimise: `expr`, up or down; `cap` bounds it so a maximum exists and is found
/// quickly, `upper` each unknown.
pub(super) struct Goal<'g> {
    pub expr: &'g [(Var, f64)],
    pub maximise: bool,
    pub cap: Option<f64>,
    pub upper: Option<&'g [f64]>,
}

/// Open questions from which solutions of whole components are sought first.
const SPREAD_FROM: usize = 64;

/// Rectangles around a question tried first.
const RECTANGLES: usize = 6;

/// Neighbourhood sizes (unknowns) tried before the whole component.
const BUDGETS: [usize; 2] = [24, 160];

/// Solutions of each component with random weights tried before any question on its own,
/// then at most so many more aimed at the questions still open.
const SPREADS: usize = 2;
const FOCUSED: usize = 48;

/// Unknowns in a component above which aimed solutions give way to rectangles.
const LARGE: usize = 200;

/// The questions of an audit round still open, and which unknowns each depends on.
struct Open<'t> {
    targets: &'t [Target],
    done: Vec<bool>,
    by_var: HashMap<Var, Vec<usize>>,
}

impl<'t> Open<'t> {
    fn new(targets: &'t [Target]) -> Open<'t> {
        let mut by_var: HashMap<Var, Vec<usize>> = HashMap::default();
        for (i, t) in targets.iter().enumerate() {
            for &(v, _) in &t.expr {
                by_var.entry(v).or_default().push(i);
            }
        }
        Open {
            targets,
            done: vec![false; targets.len()],
            by_var,
        }
    }

    /// The questions about any of `vars`.
    fn touching(&self, vars: &[Var]) -> Vec<usize> {
        let mut out: Vec<usize> = vars
            .iter()
            .filter_map(|v| self.by_var.get(v))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Closes every open question about `vars` that `point` answers.
    fn absorb(&mut self, point: &[f64], vars: &[Var], certified: &mut HashSet<(usize, Kind)>) {
        for j in self.touching(vars) {
            let t = &self.targets[j];
            if !self.done[j] && t.certified_by(point) {
                self.done[j] = true;
                certified.insert((t.cell, t.kind));
            }
        }
    }
}

/// Audits successive states of one publication, each hiding at least what the last did.
pub(crate) struct Auditor<'a> {
    p: &'a Published,
    model: &'a Model,
    rule: Rule,
    certified: HashSet<(usize, Kind)>,
    /// The leaks the last round found: a repair settles few of them, so they are proven
    /// again first, before any certificate is sought for them.
    pub(super) suspects: HashSet<(usize, Kind)>,
    /// Integer programs solved so far.
    pub solves: usize,
}

impl<'a> Auditor<'a> {
    pub fn new(p: &'a Published, model: &'a Model, rule: Rule) -> Auditor<'a> {
        Auditor {
            p,
            model,
            rule,
            certified: HashSet::default(),
            suspects: HashSet::default(),
            solves: 0,
        }
    }

    /// The model of the publication audited.
    pub(super) fn model(&self) -> &'a Model {
        self.model
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
        let narrow = presolve(
            self.model.vars,
            narrowed(facts.clone(), &self.model.truth),
            &keep,
        );
        let exact = presolve(self.model.vars, facts, &keep);
        let base = self.model.truth_point();
        let mut open = Open::new(&targets);
        // Leaks that presolve alone proves, then the others in the order of their questions
        // (however they were proven, so the repairs do not depend on it).
        let mut leaks = vec![];
        let mut proven: Vec<(usize, Leak)> = vec![];
        for (i, t) in targets.iter().enumerate() {
            let free = free_vars(&exact, &t.expr);
            if free.is_empty() {
                open.done[i] = true;
                leaks.push(t.leak());
            } else if free.iter().any(|&v| exact.uses[v as usize].is_empty()) {
                // An unknown no constraint mentions can grow as it likes.
                open.done[i] = true;
                self.certified.insert((t.cell, t.kind));
            }
        }
        // Last round's leaks that this round's repairs did not settle: most are proven again
        // in the small relaxations, without the certificates sought first for other questions
        // (whether a count leaks is a fact of the publication, so the order of the proofs
        // changes nothing but their cost).
        let mut relaxed = vec![false; targets.len()];
        for (i, t) in targets.iter().enumerate() {
            if open.done[i] || !self.suspects.contains(&(t.cell, t.kind)) {
                continue;
            }
            relaxed[i] = true;
            let free = free_vars(&exact, &t.expr);
            for budget in BUDGETS {
                let (hood, complete) = compact(&exact, &free, budget);
                if self.pinned(&exact, &hood, t)? {
                    open.done[i] = true;
                    proven.push((i, t.leak()));
                    break;
                }
                if complete {
                    break;
                }
            }
        }
        // First over whole components (a few solutions settle most questions of a small one),
        // when there are questions enough for that to pay: a later round asks a few (the
        // counts its repairs hid, the leaks not yet repaired), and a solution of a component of
        // thousands of unknowns costs more than settling each of those in its neighbourhood.
        // Then in a few rectangles around each question still open.
        if targets.len() - proven.len() >= SPREAD_FROM {
            self.spread(&narrow, &base, &targets, &mut open)?;
        }
        let eq = Equations::new(&narrow);
        for (i, t) in targets.iter().enumerate() {
            let free = free_vars(&narrow, &t.expr);
            if open.done[i] || free.is_empty() {
                continue;
            }
            for (maximise, cap) in directions(t) {
                let hood = cycles::hood(&narrow, &eq, &base, &free, maximise, RECTANGLES);
                if let Some(point) = self.restricted(
                    &narrow,
                    &base,
                    &hood,
                    Goal {
                        expr: &t.expr,
                        maximise,
                        cap,
                        upper: None,
                    },
                )? {
                    open.absorb(&point, &hood, &mut self.certified);
                } else {
                    open.done[i] = true;
                    self.certified.insert((t.cell, t.kind));
                }
                if open.done[i] {
                    break;
                }
            }
        }
        // Then each open question on its own, over ever larger neighbourhoods: a certificate
        // from the narrowed knowledge, everything outside held at its truth, or a proof of a
        // leak from the exact knowledge with every constraint reaching outside dropped (a
        // relaxation: a count pinned there is pinned in the whole). Most leaks are local, so
        // only what neither settles is taken to the whole component, last of the exact one.
        for (i, t) in targets.iter().enumerate() {
            if open.done[i] {
                continue;
            }
            let free_narrow = free_vars(&narrow, &t.expr);
            let free_exact = free_vars(&exact, &t.expr);
            let (mut whole_narrow, mut whole_exact) = (free_narrow.is_empty(), false);
            let leak = 'verdict: {
                for budget in BUDGETS {
                    if !whole_narrow {
                        let (hood, complete) = neighbourhood(&narrow, &free_narrow, budget);
                        whole_narrow = complete;
                        if self.certify(&narrow, &base, &hood, t, i, &mut open)? {
                            break 'verdict false;
                        }
                    }
                    if !whole_exact {
                        let (hood, complete) = compact(&exact, &free_exact, budget);
                        whole_exact = complete;
                        // Already tried above, in vain.
                        if !relaxed[i] && self.pinned(&exact, &hood, t)? {
                            break 'verdict true;
                        }
                    }
                }
                // The narrowed knowledge's component first only where it is the smaller: the
                // exact one decides anyway, and over as many unknowns costs about as much.
                let (whole, _) = neighbourhood(&exact, &free_exact, usize::MAX);
                if !whole_narrow {
                    let (hood, _) = neighbourhood(&narrow, &free_narrow, usize::MAX);
                    if hood.len() < whole.len()
                        && self.certify(&narrow, &base, &hood, t, i, &mut open)?
                    {
                        break 'verdict false;
                    }
                }
                !self.certify(&exact, &base, &whole, t, i, &mut open)?
            };
            if leak {
                open.done[i] = true;
                proven.push((i, t.leak()));
            }
        }
        proven.sort_unstable_by_key(|&(i, _)| i);
        leaks.extend(proven.into_iter().map(|(_, leak)| leak));
        self.suspects = leaks.iter().map(|l| (l.cell, l.kind)).collect();
        Ok(leaks)
    }

    /// Looks for a solution over `hood` (everything else at its truth) in which target `i` has
    /// another value; whatever else it settles is settled too. Whether target `i` now is.
    fn certify(
        &mut self,
        red: &Reduced,
        base: &[f64],
        hood: &[Var],
        t: &Target,
        i: usize,
        open: &mut Open,
    ) -> Result<bool, Error> {
        for (maximise, cap) in directions(t) {
            let goal = Goal {
                expr: &t.expr,
                maximise,
                cap,
                upper: None,
            };
            let Some(point) = self.restricted(red, base, hood, goal)? else {
                // Unbounded: the count can be as large as anyone likes.
                open.done[i] = true;
                self.certified.insert((t.cell, t.kind));
                return Ok(true);
            };
            open.absorb(&point, hood, &mut self.certified);
            if open.done[i] {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether target `t` has only its true value under the constraints of `red` that lie
    /// wholly within `hood`: then it has only that value under all of them.
    pub(super) fn pinned(
        &mut self,
        red: &Reduced,
        hood: &[Var],
        t: &Target,
    ) -> Result<bool, Error> {
        let local = numbering(hood);
        // `hood` grew from the target's free unknowns, so it holds every one of them.
        let mut objective = vec![];
        let mut shift = 0.0;
        for &(v, a) in &t.expr {
            match red.fixed[v as usize] {
                Some(x) => shift += a * x as f64,
                None => objective.push((local[&v], a)),
            }
        }
        let used = touching(red, hood);
        let cons: Vec<Lin> = used
            .iter()
            .filter_map(|&c| {
                let c = &red.constraints[c as usize];
                let terms = c
                    .terms
                    .iter()
                    .map(|&(v, a)| local.get(&v).map(|&l| (l, a)))
                    .collect::<Option<Vec<_>>>()?;
                Some(Lin {
                    terms,
                    lo: c.lo,
                    hi: c.hi,
                })
            })
            .collect();
        for (maximise, cap) in directions(t) {
            let outcome = self.solve(
                hood.len(),
                cons.clone(),
                &objective,
                maximise,
                cap.map(|c| c - shift),
                None,
            )?;
            match outcome {
                Outcome::Optimal { value, .. } if (value + shift - t.truth).abs() < 0.5 => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Solutions of each component of `red` that settle many questions at once: first pushed
    /// in random directions (weights of both signs push some counts up and others down;
    /// bounds near the truth keep the optimum finite, and a solution of a narrower problem
    /// is one of the whole), then towards the questions still open (all of them up at once,
    /// or down), for as long as that closes any.
    fn spread(
        &mut self,
        red: &Reduced,
        base: &[f64],
        targets: &[Target],
        open: &mut Open,
    ) -> Result<(), Error> {
        let mut seen: HashSet<Var> = HashSet::default();
        let mut rng = ChaCha8Rng::seed_from_u64(22);
        for i in 0..targets.len() {
            let free = free_vars(red, &targets[i].expr);
            if open.done[i] || free.is_empty() || free.iter().any(|v| seen.contains(v)) {
                continue;
            }
            let (component, _) = neighbourhood(red, &free, usize::MAX);
            seen.extend(component.iter().copied());
            let upper: Vec<f64> = component
                .iter()
                .map(|&v| (2.0 * base[v as usize]).max(base[v as usize] + 4.0))
                .collect();
            let mut stalled = 0;
            // Aimed solutions pay in small components; in large ones each costs as much as
            // many rectangles.
            let rounds = if component.len() <= LARGE {
                SPREADS + FOCUSED
            } else {
                SPREADS
            };
            for round in 0..rounds {
                let members: Vec<usize> = open
                    .touching(&component)
                    .into_iter()
                    .filter(|&j| !open.done[j])
                    .collect();
                if members.is_empty() || stalled == 2 {
                    break;
                }
                let goal: Vec<(Var, f64)> = if round < SPREADS {
                    component
                        .iter()
                        .map(|&v| (v, f64::from(rng.random_range(-1000i16..=1000))))
                        .collect()
                } else {
                    // Minimised: a count at 0 can only go up; the others alternate.
                    let mut weights: HashMap<Var, f64> = HashMap::default();
                    for &j in &members {
                        let t = &targets[j];
                        let sign = if t.truth < 0.5 || round % 2 == 0 {
                            -1.0
                        } else {
                            1.0
                        };
                        for &(v, a) in &t.expr {
                            *weights.entry(v).or_default() += sign * a;
                        }
                    }
                    weights.into_iter().collect()
                };
                if let Some(point) = self.restricted(
                    red,
                    base,
                    &component,
                    Goal {
                        expr: &goal,
                        maximise: false,
                        cap: None,
                        upper: Some(&upper),
                    },
                )? {
                    open.absorb(&point, &component, &mut self.certified);
                }
                let left = members.iter().filter(|&&j| !open.done[j]).count();
                stalled = if left < members.len() { 0 } else { stalled + 1 };
            }
        }
        Ok(())
    }

    /// Solves one program, the objective at most `cap` if given (so a maximum exists).
    fn solve(
        &mut self,
        n: usize,
        mut cons: Vec<Lin>,
        objective: &[(u32, f64)],
        maximise: bool,
        cap: Option<f64>,
        upper: Option<&[f64]>,
    ) -> Result<Outcome, Error> {
        if let Some(cap) = cap {
            cons.push(Lin {
                terms: objective.to_vec(),
                lo: f64::NEG_INFINITY,
                hi: cap,
            });
        }
        self.solves += 1;
        optimise(n, &cons, objective, maximise, upper)
    }

    /// Optimises `goal` over the unknowns in `hood`, every other unknown at its value in
    /// `base`. `None` when unbounded; otherwise the whole point.
    pub(super) fn restricted(
        &mut self,
        red: &Reduced,
        base: &[f64],
        hood: &[Var],
        goal: Goal,
    ) -> Result<Option<Vec<f64>>, Error> {
        let Goal {
            expr,
            maximise,
            cap,
            upper,
        } = goal;
        let local = numbering(hood);
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
        let used = touching(red, hood);
        let cons: Vec<Lin> = used
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
        let outcome = self.solve(
            hood.len(),
            cons,
            &objective,
            maximise,
            cap.map(|c| c - shift),
            upper,
        )?;
        match outcome {
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

/// The knowledge narrowed for finding certificates quickly: "at least 1 in post" becomes "at
/// least 1 compliant" (or "at least 1 not", whichever is true), so compliant and
/// non-compliant unknowns fall apart into smaller components. Every solution of the narrowed
/// constraints is one of the exact ones, so a certificate found here is a certificate; a leak
/// is only ever concluded from the exact constraints.
fn narrowed(mut facts: Vec<Lin>, truth: &[i64]) -> Vec<Lin> {
    for f in &mut facts {
        let mixed = f.terms.iter().any(|t| t.0 % 2 == 0) && f.terms.iter().any(|t| t.0 % 2 == 1);
        if mixed && f.hi.is_infinite() && f.terms.iter().all(|t| t.1 > 0.0) {
            let compliant: i64 = f
                .terms
                .iter()
                .filter(|t| t.0 % 2 == 0)
                .map(|t| truth[t.0 as usize])
                .sum();
            let side = u32::from(compliant < 1);
            f.terms.retain(|t| t.0 % 2 == side);
        }
    }
    facts
}

/// Every question the audit must answer about a publication showing `shown`.
pub(super) fn targets(p: &Published, model: &Model, rule: Rule, shown: &[Shown]) -> Vec<Target> {
    let mut out = vec![];
    for (c, s) in shown.iter().enumerate() {
        if s.all() {
            continue;
        }
        let counts = p.cells[c].counts;
        // A printed 100% (or 0%) total already says it of every part: what follows from
        // that alone is no leak (and no suppression could hide it).
        let all_said = p.said(c, shown, |k| k.shortfall() == 0);
        let none_said = p.said(c, shown, |k| k.numerator == 0);
        let mut kinds = vec![];
        if !s.denominator {
            kinds.push((Kind::Denominator, counts.denominator));
        }
        let implied = none_said || (s.denominator && all_said);
        if !s.numerator && !implied {
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
