//! Exact feasible ranges of printed cells' counts over whole components of a reader's
//! knowledge: what `report --audit` prints for every hidden count, and what the tests hold the
//! audit's shortcuts to.

use super::Error;
use super::audit::{Auditor, Goal};
use super::layout::Published;
use super::model::{Model, Quantity, Shown};
use super::neighbourhoods::{free_vars, neighbourhood};
use super::presolve::{Reduced, presolve};

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

/// The feasible range of a count of a printed cell, over the whole component: `None` as the
/// maximum when it is unbounded.
pub(crate) fn range(
    auditor: &mut Auditor<'_>,
    red: &Reduced,
    cell: usize,
    q: Quantity,
) -> Result<(i64, Option<i64>), Error> {
    let model = auditor.model();
    let expr = model.expr(cell, q);
    let base = model.truth_point();
    let free = free_vars(red, &expr);
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
    let min = match auditor.restricted(
        red,
        &base,
        &hood,
        Goal {
            expr: &expr,
            maximise: false,
            cap: None,
            upper: None,
        },
    )? {
        Some(point) => value(&point),
        None => 0,
    };
    let max = auditor
        .restricted(
            red,
            &base,
            &hood,
            Goal {
                expr: &expr,
                maximise: true,
                cap: None,
                upper: None,
            },
        )?
        .map(|point| value(&point));
    Ok((min, max))
}
