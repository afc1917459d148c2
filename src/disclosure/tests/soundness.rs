//! The audit against exact ranges, both ways. Its shortcuts (certificates over narrowed
//! knowledge, leaks proven over relaxations of neighbourhoods) must answer every question as
//! the whole component of the exact knowledge does: a leak it reports has one feasible value
//! there (else a plan would hide a count that was safe, which no test of plans would notice),
//! and a question it settles as safe has more than one.

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::props::{layout, random_cube};
use super::*;
use crate::disclosure::audit::{Kind, targets};
use crate::disclosure::neighbourhoods::{compact, free_vars};
use crate::disclosure::presolve::presolve;
use crate::disclosure::ranges::{range, reduce};

/// Primary suppression alone: every count under the threshold hidden, nothing else. It leaks
/// through most totals, so the audit has leaks to prove.
fn primary(p: &Published) -> Vec<Shown> {
    p.cells
        .iter()
        .map(|c| Shown {
            denominator: !RULE.hides(c.counts.denominator),
            numerator: !RULE.hides(c.counts.numerator),
        })
        .collect()
}

/// The questions an audit of `shown` asks: each hidden cell and what it must not give away.
fn questions(p: &Published, model: &Model, shown: &[Shown]) -> Vec<(usize, Kind)> {
    targets(p, model, RULE, shown)
        .into_iter()
        .map(|t| (t.cell, t.kind))
        .collect()
}

/// Whether the relaxation over the `budget`-unknown neighbourhood of the exact knowledge alone
/// proves question (`cell`, `kind`) a leak, no certificate looked for first (the audit reaches
/// it only where certificates failed); and whether that neighbourhood was its whole component.
fn pinned_within(
    auditor: &mut Auditor<'_>,
    p: &Published,
    model: &Model,
    shown: &[Shown],
    (cell, kind): (usize, Kind),
    budget: usize,
) -> Result<(bool, bool), crate::disclosure::Error> {
    let targets = targets(p, model, RULE, shown);
    let t = targets
        .iter()
        .find(|t| t.cell == cell && t.kind == kind)
        .expect("a question of the audit");
    let mut keep = vec![false; model.vars];
    for &(v, _) in targets.iter().flat_map(|t| &t.expr) {
        keep[v as usize] = true;
    }
    let exact = presolve(model.vars, model.knowledge(p, shown, &[]), &keep);
    let free = free_vars(&exact, &t.expr);
    if free.is_empty() {
        return Ok((true, true));
    }
    let (hood, complete) = compact(&exact, &free, budget);
    Ok((auditor.pinned(&exact, &hood, t)?, complete))
}

/// How often each answer was given, so the test can tell it proved something.
#[derive(Default)]
struct Tally {
    leaks: usize,
    safe: usize,
    /// Leaks proven over a neighbourhood smaller than the whole component.
    relaxed: usize,
}

/// Checks one publication's audit against the exact ranges, adding its answers to `tally`.
fn agrees(p: &Published, shown: &[Shown], tally: &mut Tally) -> Result<(), TestCaseError> {
    let fail = |e: crate::disclosure::Error| TestCaseError::fail(e.to_string());
    let model = Model::new(p);
    let mut auditor = Auditor::new(p, &model, RULE);
    let leaks = auditor.leaks(shown, &[]).map_err(fail)?;
    let red = reduce(p, &model, shown);
    for (cell, kind) in questions(p, &model, shown) {
        let leaked = leaks.iter().any(|l| l.cell == cell && l.kind == kind);
        if kind == Kind::NoneCompliant {
            // Not a range: a printed 0 beside a hidden in-post count says it outright.
            prop_assert!(
                leaked,
                "a printed 0 compliant beside a hidden in-post count"
            );
            continue;
        }
        let (min, max) = range(&mut auditor, &red, cell, kind.quantity()).map_err(fail)?;
        let k = p.cells[cell].counts;
        let truth = match kind {
            Kind::Denominator => k.denominator,
            Kind::Numerator => k.numerator,
            _ => k.shortfall(),
        };
        prop_assert!(min <= truth && max.is_none_or(|m| truth <= m));
        // A group attribute leaks when everyone is provably compliant, or when a group too
        // small to print has its shortfall pinned: both are one feasible value.
        let single = max == Some(min);
        prop_assert_eq!(
            leaked,
            single,
            "cell {} {:?}: the audit says leak = {}, the exact range is {}..{:?}",
            cell,
            kind,
            leaked,
            min,
            max
        );
        // The leak proof on its own, over neighbourhoods small enough that constraints reach
        // outside them and are dropped: what it proves must be so.
        for budget in [2, 6, 24] {
            let (pinned, complete) =
                pinned_within(&mut auditor, p, &model, shown, (cell, kind), budget)
                    .map_err(fail)?;
            prop_assert!(
                !pinned || single,
                "cell {} {:?}: pinned over {} unknowns, the exact range is {}..{:?}",
                cell,
                kind,
                budget,
                min,
                max
            );
            if pinned && !complete {
                tally.relaxed += 1;
            }
        }
        if leaked {
            tally.leaks += 1;
        } else {
            tally.safe += 1;
        }
    }
    Ok(())
}

#[test]
fn the_audit_answers_as_the_exact_ranges_do() {
    let mut rng = ChaCha8Rng::seed_from_u64(27);
    let mut tally = Tally::default();
    for case in 0..60 {
        let sizes = (
            rng.random_range(2..=4),
            rng.random_range(2..=3),
            rng.random_range(1..=3),
        );
        let cells: Vec<(u8, i64, u8)> = (0..rng.random_range(1..40))
            .map(|_| {
                (
                    rng.random_range(0..3),
                    rng.random_range(0..30),
                    rng.random_range(0..100),
                )
            })
            .collect();
        let c = random_cube(sizes, &cells);
        let p = Published::new(&c, &layout(case as u8)).expect("a publication");
        let shown = if case % 2 == 0 {
            old_rule(&p, RULE)
        } else {
            primary(&p)
        };
        agrees(&p, &shown, &mut tally).unwrap_or_else(|e| panic!("case {case}: {e}"));
    }
    let Tally {
        leaks,
        safe,
        relaxed,
    } = tally;
    println!(
        "{leaks} leaks and {safe} safe answers agreed with the exact ranges; \
         {relaxed} leak proofs over part of a component held"
    );
    // Every answer must have been given often, or the test proves nothing.
    assert!(
        leaks > 50 && safe > 50 && relaxed > 20,
        "{leaks} leaks, {safe} safe, {relaxed} relaxed"
    );
}
