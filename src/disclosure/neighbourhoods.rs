//! Which unknowns an audit program is over. A question about one hidden count rarely needs its
//! whole component: a neighbourhood of the unknowns linked to it, with everything outside held
//! at its truth (a restriction, whose solutions certify) or with every constraint reaching
//! outside dropped (a relaxation, whose optimum proves a leak), settles most questions in a
//! few dozen unknowns.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::model::Var;
use super::presolve::Reduced;

/// The unknowns linked to `start` by constraints, breadth first, at most `budget` of them; and
/// whether that is all of them.
pub(crate) fn neighbourhood(red: &Reduced, start: &[Var], budget: usize) -> (Vec<Var>, bool) {
    let mut seen: HashSet<Var> = start.iter().copied().collect();
    let mut seen_cons: HashSet<u32> = HashSet::default();
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

/// The unknowns linked to `start`, at most `budget` of them, taken a constraint at a time with
/// the shortest constraints first: a cell's own relations before the long margins that reach
/// every organisation, so a small relaxation keeps the constraints that pin a count down. And
/// whether that is all of them (no constraint was left out).
pub(crate) fn compact(red: &Reduced, start: &[Var], budget: usize) -> (Vec<Var>, bool) {
    let mut inside: HashSet<Var> = start.iter().copied().collect();
    let mut hood: Vec<Var> = start.to_vec();
    let mut seen_cons: HashSet<u32> = HashSet::default();
    let mut queue: BinaryHeap<Reverse<(usize, u32)>> = BinaryHeap::new();
    let mut complete = true;
    let push = |v: Var, queue: &mut BinaryHeap<Reverse<(usize, u32)>>, seen: &mut HashSet<u32>| {
        for &c in &red.uses[v as usize] {
            if seen.insert(c) {
                queue.push(Reverse((red.constraints[c as usize].terms.len(), c)));
            }
        }
    };
    for &v in start {
        push(v, &mut queue, &mut seen_cons);
    }
    while let Some(Reverse((_, c))) = queue.pop() {
        let new: Vec<Var> = red.constraints[c as usize]
            .terms
            .iter()
            .map(|t| t.0)
            .filter(|v| !inside.contains(v))
            .collect();
        if hood.len() + new.len() > budget {
            complete = false;
            continue;
        }
        for v in new {
            if inside.insert(v) {
                hood.push(v);
                push(v, &mut queue, &mut seen_cons);
            }
        }
    }
    (hood, complete)
}

/// Each unknown of `hood` numbered by its place in it, as a program over `hood` numbers them.
pub(crate) fn numbering(hood: &[Var]) -> HashMap<Var, u32> {
    hood.iter()
        .enumerate()
        .map(|(i, &v)| (v, i as u32))
        .collect()
}

/// The constraints of `red` that use any unknown of `hood`, in order.
pub(crate) fn touching(red: &Reduced, hood: &[Var]) -> Vec<u32> {
    let mut used: Vec<u32> = hood
        .iter()
        .flat_map(|&v| red.uses[v as usize].iter().copied())
        .collect();
    used.sort_unstable();
    used.dedup();
    used
}

/// The unknowns of `expr` that `red` leaves free.
pub(crate) fn free_vars(red: &Reduced, expr: &[(Var, f64)]) -> Vec<Var> {
    expr.iter()
        .map(|&(v, _)| v)
        .filter(|&v| red.fixed[v as usize].is_none())
        .collect()
}
