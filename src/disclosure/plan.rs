//! One period's suppression plan: which counts of a publication are printed and why the others
//! are not.
//!
//! Primary suppression hides counts from 1 to `threshold - 1`; a hidden denominator hides its
//! numerator. Complementary (secondary) cells are then chosen in two passes:
//! 1. a fast pass over the additive relations, as τ-ARGUS's and sdcTable's simple heuristics
//!    do: no relation may have exactly one hidden count, nor hidden parts that the printed
//!    total pins down (each forced to 1, or all compliant, or none);
//! 2. the exact audit ([`super::audit`]), repairing each leak it finds by hiding one more
//!    count in a relation through the leaking cell, and auditing again until nothing leaks.
//!
//! Which cell to hide: the cheapest, costing the count it hides times a weight that doubles
//! with each dimension the cell adds up (cost = value × weight, smallest first, as τ-ARGUS's
//! and sdcTable's value-weighted costs). Small inner cells say least about how an organisation
//! is doing and cost a board the least; totals go last, since a hidden total hides a headline
//! and spreads into every table that shares the margin. Where only a compliant count needs
//! hiding, the in-post count stays printed. Zero is never a complement: a reader knows hidden
//! counts are not zero (zero prints as 0), and the audit assumes exactly that.
//!
//! The plan is a pure function of the cube, the layout and the rule, so the plan of an earlier
//! period made again next year hides exactly what it hid then.

use super::audit::{Auditor, Kind, Leak};
use super::layout::Published;
use super::model::{Model, Shown};
use super::{Count, Counts, Cube, Error, Figure, Layout, Reason, Rule};

/// How much a plan hides, for the report's appendix and for measuring over-suppression.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Counts the layout prints (compliant and in post of every row).
    pub counts: usize,
    /// Counts from 1 to `threshold - 1`.
    pub primary: usize,
    /// Numerators hidden with their denominator (not small themselves).
    pub derived: usize,
    /// Complementary counts hidden so that nothing hidden can be worked out.
    pub secondary: usize,
    /// What primary suppression alone would hide (the small counts and the numerators beside
    /// small denominators): the "before" of over-suppression.
    pub primary_only: usize,
    /// Audit rounds and integer programs solved.
    pub audits: usize,
    pub solves: usize,
}

impl Summary {
    /// Every hidden count.
    pub fn hidden(&self) -> usize {
        self.primary + self.derived + self.secondary
    }
}

/// A period's publication with every count marked printed or hidden, audited leak-free.
#[derive(Debug, Clone)]
pub struct Plan {
    pub(crate) published: Published,
    pub(crate) model: Model,
    pub(crate) state: State,
    summary: Summary,
}

/// Why each count is hidden (`None`: printed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct State {
    pub den: Vec<Option<Reason>>,
    pub num: Vec<Option<Reason>>,
    pub rule: Rule,
}

impl State {
    /// Primary suppression and the numerators it takes with it.
    pub fn primary(p: &Published, rule: Rule) -> State {
        let mut s = State {
            den: vec![None; p.cells.len()],
            num: vec![None; p.cells.len()],
            rule,
        };
        for (c, cell) in p.cells.iter().enumerate() {
            if rule.hides(cell.counts.denominator) {
                s.hide_den(p, c, Reason::Primary);
            } else if rule.hides(cell.counts.numerator) {
                s.num[c] = Some(Reason::Primary);
            }
        }
        s
    }

    pub fn shown(&self) -> Vec<Shown> {
        self.den
            .iter()
            .zip(&self.num)
            .map(|(d, n)| Shown {
                denominator: d.is_none(),
                numerator: n.is_none(),
            })
            .collect()
    }

    fn hide_den(&mut self, p: &Published, c: usize, reason: Reason) {
        self.den[c].get_or_insert(reason);
        let small = self.rule.hides(p.cells[c].counts.numerator);
        self.num[c].get_or_insert(if small {
            Reason::Primary
        } else {
            Reason::Derived
        });
    }

    fn hidden_count(&self) -> usize {
        self.den
            .iter()
            .chain(&self.num)
            .filter(|r| r.is_some())
            .count()
    }

    /// Hides what `hide` says, as a complement.
    fn apply(&mut self, p: &Published, hide: Hide) {
        match hide {
            Hide::Denominator(c) => self.hide_den(p, c, Reason::Secondary),
            Hide::Numerator(c) => {
                debug_assert!(p.cells[c].counts.numerator >= 1 && self.den[c].is_none());
                self.num[c].get_or_insert(Reason::Secondary);
            }
        }
    }
}

/// A complement to hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hide {
    /// The in-post count, and with it the compliant count.
    Denominator(usize),
    /// The compliant count only, the in-post count staying printed.
    Numerator(usize),
}

/// What a complement must make uncertain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Denominator,
    Numerator,
    Shortfall,
}

impl Need {
    fn of(kind: Kind) -> Need {
        match kind {
            Kind::Denominator => Need::Denominator,
            Kind::Numerator | Kind::NoneCompliant => Need::Numerator,
            Kind::Shortfall => Need::Shortfall,
        }
    }

    /// How cell `c` could serve, and at what cost; `None` if it cannot.
    fn offer(self, p: &Published, s: &State, c: usize) -> Option<(f64, Hide)> {
        let counts = p.cells[c].counts;
        let w = p.cells[c].weight;
        let den = s.den[c].is_none() && counts.denominator > 0;
        let num = s.num[c].is_none() && s.den[c].is_none() && counts.numerator >= 1;
        match self {
            Need::Denominator => {
                den.then_some((counts.denominator as f64 * w, Hide::Denominator(c)))
            }
            Need::Numerator => num.then_some((counts.numerator as f64 * w, Hide::Numerator(c))),
            Need::Shortfall if counts.shortfall() > 0 => {
                if num {
                    Some((counts.numerator as f64 * w, Hide::Numerator(c)))
                } else if s.num[c].is_none() && den {
                    Some((counts.denominator as f64 * w, Hide::Denominator(c)))
                } else {
                    None
                }
            }
            Need::Shortfall => None,
        }
    }
}

/// The cheapest offer among `cells` (ties to the first cell, so plans are reproducible).
fn cheapest(
    p: &Published,
    s: &State,
    need: Need,
    cells: impl Iterator<Item = usize>,
) -> Option<Hide> {
    cells
        .filter_map(|c| need.offer(p, s, c).map(|(cost, h)| (cost, c, h)))
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map(|(_, _, h)| h)
}

impl Plan {
    /// Plans what a publication of `layout` over `cube` may print under `rule`.
    pub fn build(cube: &Cube, layout: &Layout, rule: Rule) -> Result<Plan, Error> {
        let published = Published::new(cube, layout)?;
        let model = Model::new(&published);
        let mut state = State::primary(&published, rule);
        let mut summary = Summary {
            primary_only: state.hidden_count(),
            ..Summary::default()
        };
        if state.hidden_count() > 0 {
            relations_pass(&published, &mut state);
            let mut auditor = Auditor::new(&published, &model, rule);
            loop {
                summary.audits += 1;
                let leaks = auditor.leaks(&state.shown(), &[])?;
                if leaks.is_empty() {
                    break;
                }
                repair(&published, &mut state, &leaks)?;
                relations_pass(&published, &mut state);
            }
            summary.solves = auditor.solves;
        }
        summary.counts = 2 * published.cells.len();
        for (d, n) in state.den.iter().zip(&state.num) {
            for r in [d, n].into_iter().flatten() {
                match r {
                    Reason::Primary => summary.primary += 1,
                    Reason::Derived => summary.derived += 1,
                    Reason::Secondary => summary.secondary += 1,
                }
            }
        }
        Ok(Plan {
            published,
            model,
            state,
            summary,
        })
    }

    /// The row of the cell named by `(dimension, label)` pairs (the others added up), as it
    /// may be printed.
    pub fn figure(&self, at: &[(&str, &str)]) -> Result<Figure, Error> {
        let c = self.published.find(at)?.ok_or_else(|| {
            Error::NotPrinted(
                at.iter()
                    .map(|(d, l)| format!("{d} {l}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })?;
        Ok(self.cell_figure(c))
    }

    pub(crate) fn cell_figure(&self, c: usize) -> Figure {
        let counts = self.published.cells[c].counts;
        let count = |r: Option<Reason>, v: i64| r.map_or(Count::Shown(v), Count::Hidden);
        Figure {
            numerator: count(self.state.num[c], counts.numerator),
            denominator: count(self.state.den[c], counts.denominator),
        }
    }

    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// The names of the layout's tables, in order.
    pub fn tables(&self) -> &[String] {
        &self.published.tables
    }
}

/// Hides complements until no relation has exactly one hidden count, nor hidden parts its
/// printed total pins down. Cheap, and catches most of what the audit would.
pub(super) fn relations_pass(p: &Published, s: &mut State) {
    loop {
        let mut changed = false;
        for r in &p.relations {
            let members = || r.parts.iter().copied().chain([r.total]);
            let t = p.cells[r.total].counts;
            let hidden_parts = |s: &State, den_only: bool| {
                r.parts
                    .iter()
                    .filter(|&&c| s.den[c].is_some() || (!den_only && s.num[c].is_some()))
                    .count()
            };
            let mut fix: Option<Need> = None;
            let hidden_den = members().filter(|&c| s.den[c].is_some()).count();
            let hidden_num = members().filter(|&c| s.num[c].is_some()).count();
            if hidden_den == 1 {
                fix = Some(Need::Denominator);
            } else if s.den[r.total].is_none() && hidden_den > 0 {
                let printed: i64 = r
                    .parts
                    .iter()
                    .filter(|&&c| s.den[c].is_none())
                    .map(|&c| p.cells[c].counts.denominator)
                    .sum();
                // Each hidden part is at least 1: as many people left as hidden parts pins
                // every one at 1.
                if t.denominator - printed == hidden_parts(s, true) as i64 {
                    fix = Some(Need::Denominator);
                }
            }
            if fix.is_none() && hidden_num == 1 {
                fix = Some(Need::Numerator);
            }
            let total_shown = s.den[r.total].is_none() && s.num[r.total].is_none();
            if fix.is_none() && total_shown && hidden_parts(s, false) > 0 {
                let shown_parts = r
                    .parts
                    .iter()
                    .filter(|&&c| s.den[c].is_none() && s.num[c].is_none());
                let (n, short) = shown_parts.fold((0, 0), |(n, sh), &c| {
                    let k = p.cells[c].counts;
                    (n + k.numerator, sh + k.shortfall())
                });
                // Unless printed totals elsewhere already say it of every hidden part.
                let unsaid = |holds: fn(Counts) -> bool| {
                    let shown = s.shown();
                    r.parts
                        .iter()
                        .any(|&c| !shown[c].all() && !p.said(c, &shown, holds))
                };
                if t.shortfall() > 0 && t.shortfall() == short && unsaid(|k| k.shortfall() == 0) {
                    fix = Some(Need::Shortfall);
                } else if t.numerator > 0 && t.numerator == n && unsaid(|k| k.numerator == 0) {
                    fix = Some(Need::Numerator);
                }
            }
            let Some(need) = fix else { continue };
            let pick = cheapest(p, s, need, r.parts.iter().copied())
                .or_else(|| cheapest(p, s, need, [r.total].into_iter()))
                .or_else(|| cheapest(p, s, Need::Denominator, members()));
            if let Some(h) = pick {
                s.apply(p, h);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Hides one complement for each leak whose relations no earlier repair of this round touched
/// (a later audit says whether the others still leak).
pub(super) fn repair(p: &Published, s: &mut State, leaks: &[Leak]) -> Result<(), Error> {
    let mut touched = vec![false; p.relations.len()];
    let mut repaired = 0;
    for leak in leaks {
        let rels = &p.relations_of[leak.cell];
        if repaired > 0 && rels.iter().any(|&r| touched[r]) {
            continue;
        }
        let need = Need::of(leak.kind);
        let hide = nearest(p, s, leak.cell, need)
            .or_else(|| nearest(p, s, leak.cell, Need::Denominator))
            .or_else(|| cheapest(p, s, need, 0..p.cells.len()))
            .or_else(|| cheapest(p, s, Need::Denominator, 0..p.cells.len()));
        let Some(hide) = hide else {
            if repaired > 0 {
                // An earlier repair of this round may have settled it: the next audit says.
                continue;
            }
            return Err(Error::Unprotectable(
                p.cube
                    .labels(&p.cells[leak.cell].coords)
                    .iter()
                    .map(|(d, l)| format!("{d} {l}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        };
        s.apply(p, hide);
        repaired += 1;
        for &r in rels {
            touched[r] = true;
        }
    }
    Ok(())
}

/// The cheapest complement in the relations through `cell`, widening through the relations of
/// their hidden cells until one is found.
fn nearest(p: &Published, s: &State, cell: usize, need: Need) -> Option<Hide> {
    let mut seen_rel = vec![false; p.relations.len()];
    let mut seen_cell = vec![false; p.cells.len()];
    seen_cell[cell] = true;
    let mut frontier = vec![cell];
    while !frontier.is_empty() {
        let mut members = vec![];
        for &c in &frontier {
            for &r in &p.relations_of[c] {
                if !seen_rel[r] {
                    seen_rel[r] = true;
                    let rel = &p.relations[r];
                    members.extend(rel.parts.iter().copied().chain([rel.total]));
                }
            }
        }
        members.retain(|&c| !std::mem::replace(&mut seen_cell[c], true));
        if let Some(h) = cheapest(p, s, need, members.iter().copied()) {
            return Some(h);
        }
        frontier = members
            .into_iter()
            .filter(|&c| s.den[c].is_some() || s.num[c].is_some())
            .collect();
    }
    None
}
