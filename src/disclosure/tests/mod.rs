//! Tests of whole plans: one per leak the old rule let through (each on a small hand-made
//! table where the old rule leaks and the plan does not), properties over random cubes, and a
//! timing at national scale.

mod leaks;
mod props;
mod replay;
mod scale;
mod soundness;

use super::audit::{Auditor, Leak};
use super::layout::Published;
use super::model::{Model, PercentFact, Shown};
use super::{Cube, Dimension, Layout, Plan, Rule};

pub(super) const RULE: Rule = Rule { threshold: 5 };

/// A cube from `(labels, compliant, in post)` rows.
pub(super) fn cube(dims: &[(&str, &[&str])], rows: &[(&[&str], i64, i64)]) -> Cube {
    let mut c = Cube::new(
        dims.iter()
            .map(|(name, labels)| Dimension::new(name, labels.iter().copied()))
            .collect(),
    )
    .expect("cube");
    for (labels, n, d) in rows {
        c.add(labels, *n, *d).expect("row");
    }
    c
}

/// The rule the report used before: primary suppression, then, separately for compliant and
/// in-post counts, a second cell hidden in every line (a printed total and its parts) with
/// exactly one hidden cell — the smallest non-zero part, else the total — until none is left.
/// A compliant count was printed even beside a hidden in-post count. (As `Grid::protect` in
/// src/report/disclosure.rs did, over the same lines.)
pub(super) fn old_rule(p: &Published, rule: Rule) -> Vec<Shown> {
    let mut hidden_den: Vec<bool> = p
        .cells
        .iter()
        .map(|c| rule.hides(c.counts.denominator))
        .collect();
    let mut hidden_num: Vec<bool> = p
        .cells
        .iter()
        .map(|c| rule.hides(c.counts.numerator))
        .collect();
    for (hidden, value) in [
        (
            &mut hidden_den,
            &(|c: &super::Counts| c.denominator) as &dyn Fn(&super::Counts) -> i64,
        ),
        (&mut hidden_num, &|c: &super::Counts| c.numerator),
    ] {
        loop {
            let mut changed = false;
            for r in &p.relations {
                let count = r
                    .parts
                    .iter()
                    .chain([&r.total])
                    .filter(|&&c| hidden[c])
                    .count();
                if count != 1 {
                    continue;
                }
                let v = |c: usize| value(&p.cells[c].counts);
                let part = r
                    .parts
                    .iter()
                    .copied()
                    .filter(|&c| !hidden[c] && v(c) > 0)
                    .min_by_key(|&c| (v(c), c));
                let pick = match part {
                    Some(c) => c,
                    None if !hidden[r.total] && v(r.total) > 0 => r.total,
                    None => continue,
                };
                hidden[pick] = true;
                changed = true;
            }
            if !changed {
                break;
            }
        }
    }
    hidden_den
        .iter()
        .zip(&hidden_num)
        .map(|(&d, &n)| Shown {
            denominator: !d,
            numerator: !n,
        })
        .collect()
}

/// The leaks of a publication showing `shown`, by a fresh audit.
pub(super) fn audit(p: &Published, shown: &[Shown], percents: &[PercentFact]) -> Vec<Leak> {
    let model = Model::new(p);
    Auditor::new(p, &model, RULE)
        .leaks(shown, percents)
        .expect("audit")
}

/// The leaks of a plan's publication, audited afresh.
pub(super) fn plan_leaks(plan: &Plan) -> Vec<Leak> {
    audit(&plan.published, &plan.state.shown(), &[])
}

/// The cell named by labels.
pub(super) fn at(p: &Published, at: &[(&str, &str)]) -> usize {
    p.find(at).expect("labels").expect("printed")
}

/// The annual report's training tables: by organisation, by level, both, and the total.
pub(super) fn training_layout() -> Layout {
    Layout::new()
        .table("Table 1: training by organisation", &["organisation"])
        .table("Table 2: training by required level", &["level"])
        .table(
            "Table 3: training by organisation and level",
            &["organisation", "level"],
        )
        .table("All organisations", &[])
}

/// The annual report's supervision tables: by organisation, by group, and the total.
pub(super) fn supervision_layout() -> Layout {
    Layout::new()
        .table("Table 4: supervision by organisation", &["organisation"])
        .table("Table 5: supervision by professional group", &["group"])
        .table("All organisations", &[])
}
