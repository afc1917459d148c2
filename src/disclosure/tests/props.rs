//! Properties of plans over random small cubes and layouts, and how much secondary
//! suppression costs.

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::disclosure::audit::targets;
use crate::disclosure::plan::{State, relations_pass, repair};
use crate::disclosure::{Count, HiddenCount, Percent};

const ORGS: [&str; 5] = ["A", "B", "C", "D", "E"];
const LEVELS: [&str; 4] = ["1", "2", "3", "4"];
const GROUPS: [&str; 3] = ["n", "m", "a"];

/// A cube of organisation × level × group with `sizes` labels each, from `cells` (kind, size,
/// share) triples: empty, small (1-4) or larger groups, with a share of them compliant.
pub(super) fn random_cube(sizes: (usize, usize, usize), cells: &[(u8, i64, u8)]) -> Cube {
    let dims: [(&str, &[&str]); 3] = [
        ("organisation", &ORGS[..sizes.0]),
        ("level", &LEVELS[..sizes.1]),
        ("group", &GROUPS[..sizes.2]),
    ];
    let mut rows = vec![];
    let mut k = 0;
    for o in &ORGS[..sizes.0] {
        for l in &LEVELS[..sizes.1] {
            for g in &GROUPS[..sizes.2] {
                let (kind, size, share) = cells[k % cells.len()];
                k += 1;
                let den = match kind {
                    0 => 0,
                    1 => 1 + size % 4,
                    _ => 5 + size,
                };
                // Some groups all compliant, some none, most in between.
                let num = match share % 5 {
                    0 => den,
                    1 => 0,
                    _ => den * i64::from(share) / 100,
                };
                rows.push(([*o, *l, *g], num, den));
            }
        }
    }
    let rows: Vec<(&[&str], i64, i64)> = rows.iter().map(|(l, n, d)| (&l[..], *n, *d)).collect();
    cube(&dims, &rows)
}

/// The layouts a period may publish: the annual report's training tables, with every
/// provider's pack, with one provider's pack, and supervision-like tables by organisation and
/// by group.
pub(super) fn layout(which: u8) -> Layout {
    let packs = Layout::new()
        .table("packs by group", &["organisation", "group"])
        .table("packs total", &["organisation"]);
    match which % 4 {
        0 => training_layout(),
        1 => training_layout().and(&packs),
        2 => training_layout().table_where("pack A by group", &["group"], &[("organisation", "A")]),
        _ => Layout::new()
            .table("by organisation", &["organisation"])
            .table("by group", &["group"])
            .table("total", &[]),
    }
}

/// Checks everything a plan promises, by the exact ranges of its audit report (computed over
/// whole components, not the planner's shortcuts).
fn check(plan: &Plan, rule: Rule) -> Result<(), TestCaseError> {
    let p = &plan.published;
    for (c, cell) in p.cells.iter().enumerate() {
        let f = plan.cell_figure(c);
        let k = cell.counts;
        prop_assert!(!rule.hides(k.denominator) || f.denominator.is_hidden());
        prop_assert!(!rule.hides(k.numerator) || f.numerator.is_hidden());
        if f.denominator.is_hidden() {
            prop_assert!(
                f.numerator.is_hidden(),
                "a count beside a hidden denominator"
            );
            prop_assert!(k.denominator > 0, "a hidden zero");
        }
        if f.numerator.is_hidden() && !f.denominator.is_hidden() {
            prop_assert!(
                k.numerator > 0,
                "a hidden zero beside a printed denominator"
            );
        }
        if let (Count::Shown(_), Count::Shown(d)) = (f.numerator, f.denominator) {
            prop_assert!(d == 0 || matches!(f.percent(), Percent::Value(_)));
        } else {
            prop_assert!(f.percent() == Percent::Hidden);
        }
    }
    let report = plan
        .audit()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(report.leaks, 0);
    let single = |count: HiddenCount| matches!(count, HiddenCount::Hidden { range, .. } if range.max == Some(range.min));
    // No hidden group provably all or none compliant, unless printed totals say so.
    for (c, cell) in p.cells.iter().enumerate() {
        let f = plan.cell_figure(c);
        if !f.is_hidden() || cell.counts.denominator == 0 {
            continue;
        }
        let row = report
            .rows
            .iter()
            .find(|r| r.labels == p.cube.labels(&cell.coords))
            .expect("an audited row");
        // Said by printed totals: one containing it, or ones containing each of its parts.
        let shown = plan.state.shown();
        let all_said = p.said(c, &shown, |k| k.shortfall() == 0);
        let none_said = p.said(c, &shown, |k| k.numerator == 0);
        prop_assert!(!single(row.in_post), "a single feasible value: {row:?}");
        // A printed 0% total says every part has 0 compliant; a printed 100% total, beside
        // a printed in-post count, says how many are.
        let implied = none_said || (all_said && !f.denominator.is_hidden());
        prop_assert!(
            !single(row.compliant) || implied,
            "a single feasible value: {row:?}"
        );
        if cell.counts.shortfall() == 0 && !all_said {
            prop_assert!(row.not_compliant.max != Some(0), "provably 100%: {row:?}");
        }
        if cell.counts.numerator == 0 && !none_said {
            let compliant_max = match row.compliant {
                HiddenCount::Hidden { range, .. } => range.max,
                HiddenCount::Printed(v) => Some(v),
            };
            prop_assert!(compliant_max != Some(0), "provably 0%: {row:?}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn plans_never_leak(
        sizes in (2usize..=4, 2usize..=3, 1usize..=3),
        cells in prop::collection::vec((0u8..3, 0i64..30, 0u8..100), 1..40),
        which in 0u8..4,
        threshold in 3i64..=6,
    ) {
        let c = random_cube(sizes, &cells);
        let rule = Rule { threshold };
        let plan = Plan::build(&c, &layout(which), rule).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check(&plan, rule)?;
    }
}

/// Over-suppression: how many counts the plan hides against what primary suppression alone
/// (with the numerators of hidden denominators) would, over many random footprints. Printed
/// with `--nocapture`; bounded loosely so a regression that hides far more fails.
#[test]
fn secondary_suppression_stays_modest() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    for which in 0..4u8 {
        let (mut primary_only, mut hidden, mut counts, mut old) = (0, 0, 0, 0);
        for _ in 0..25 {
            let cells: Vec<(u8, i64, u8)> = (0..60)
                .map(|_| {
                    let kind = match rng.random_range(0..10) {
                        0..=1 => 0,
                        2..=3 => 1,
                        _ => 2,
                    };
                    (kind, rng.random_range(0..60), rng.random_range(0..100))
                })
                .collect();
            let c = random_cube((5, 4, 3), &cells);
            let plan = Plan::build(&c, &layout(which), RULE).expect("plan");
            let s = plan.summary();
            old += old_rule(&plan.published, RULE)
                .iter()
                .map(|x| usize::from(!x.numerator) + usize::from(!x.denominator))
                .sum::<usize>();
            primary_only += s.primary_only;
            hidden += s.hidden();
            counts += s.counts;
        }
        println!(
            "layout {which}: {counts} counts printed, primary suppression alone hides \
             {primary_only}, the old rule {old}, the plan {hidden}"
        );
        assert!(hidden >= primary_only);
        assert!(
            hidden <= 3 * primary_only + counts / 10,
            "layout {which}: {hidden} hidden against {primary_only}"
        );
    }
}

/// The auditor a plan keeps between its rounds (certificates remembered, last round's leaks
/// proven again first) answers every round exactly as a new auditor would: the same leaks in
/// the same order, so the repairs, and so the plan, do not depend on what it remembers. On one
/// period's training cube of the generated 100,000-staff footprint (37 organisations), whose
/// rounds hold leaks back because a repair touched their by-level margin, as at national
/// scale.
#[test]
fn a_plans_auditor_answers_each_round_as_a_new_one_would() {
    let text = include_str!("../../../tests/fixtures/disclosure/training-2023-09-30.csv");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let labels = |i: usize| {
        let mut v: Vec<&str> = rows.iter().map(|r| r[i]).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (orgs, levels, groups) = (labels(1), labels(2), labels(3));
    let counts: Vec<(&[&str], i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                &r[1..4],
                r[4].parse().expect("num"),
                r[5].parse().expect("den"),
            )
        })
        .collect();
    let c = cube(
        &[
            ("organisation", &orgs),
            ("level", &levels),
            ("group", &groups),
        ],
        &counts,
    );
    let layout = training_layout().table("by organisation and group", &["organisation", "group"]);
    let p = Published::new(&c, &layout).expect("published");
    let model = Model::new(&p);
    let mut state = State::primary(&p, RULE);
    relations_pass(&p, &mut state);
    let mut kept = Auditor::new(&p, &model, RULE);
    let (mut rounds, mut carried) = (0, 0);
    let mut last: Vec<Leak> = vec![];
    loop {
        let leaks = kept.leaks(&state.shown(), &[]).expect("audit");
        let new = Auditor::new(&p, &model, RULE)
            .leaks(&state.shown(), &[])
            .expect("audit");
        assert_eq!(leaks, new, "round {rounds}");
        // And one that suspects every question: the order of the proofs changes, not the
        // answer.
        let mut wary = Auditor::new(&p, &model, RULE);
        wary.suspects = targets(&p, &model, RULE, &state.shown())
            .iter()
            .map(|t| (t.cell, t.kind))
            .collect();
        assert_eq!(wary.leaks(&state.shown(), &[]).expect("audit"), new);
        rounds += 1;
        carried += leaks.iter().filter(|l| last.contains(l)).count();
        if leaks.is_empty() {
            break;
        }
        repair(&p, &mut state, &leaks).expect("repair");
        relations_pass(&p, &mut state);
        last = leaks;
    }
    // Leaks a round did not repair were asked again: the path under test ran.
    assert!(carried > 0, "{rounds} rounds, none carried a leak over");
}
