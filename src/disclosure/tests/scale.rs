//! Timing at national scale: a footprint of about 100,000 staff in about 100 organisations,
//! 11 professional groups and 5 required levels, planned and audited for 13 periods (12
//! quarter ends and the year-earlier one), training and supervision, annual report and every
//! provider pack together. The goal is at most 2 seconds in a release build. Ignored by
//! default (slow in a debug build); run with
//! `cargo test --release --lib disclosure::tests::scale -- --ignored --nocapture`.

use std::time::Instant;

use chrono::{Months, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::disclosure::Plans;

const GROUPS: [&str; 11] = [
    "medical",
    "nursing",
    "midwifery",
    "health_visiting",
    "school_nursing",
    "allied_health",
    "general_practice",
    "pharmacy",
    "admin_clerical",
    "management",
    "other",
];
const LEVELS: [&str; 5] = ["1", "2", "3", "4", "5"];

/// One person's place: group and level, drawn roughly as the generator's workforce is
/// (level 4 about 1% of clinical staff, level 5 only at commissioners).
fn person(rng: &mut ChaCha8Rng, commissioner: bool, mix: &[f64; 11]) -> (usize, usize) {
    let total: f64 = mix.iter().sum();
    let mut u = rng.random::<f64>() * total;
    let mut g = 0;
    while g < 10 && u >= mix[g] {
        u -= mix[g];
        g += 1;
    }
    let clinical = matches!(g, 0..=7);
    let level = if commissioner {
        match g {
            0 | 1 if rng.random_bool(0.45) => 4,
            0 | 1 => 3,
            9 => 1,
            _ => 0,
        }
    } else if clinical && rng.random_bool(0.01) {
        3
    } else if matches!(g, 2..=4) || (clinical && rng.random_bool(0.5)) {
        2
    } else if matches!(g, 8 | 10) {
        0
    } else {
        1
    };
    (g, level)
}

/// Training and supervision cubes of a national footprint at `periods` quarter ends: the
/// same people each period, a few joining and leaving, compliance drifting.
fn national(staff: usize, orgs: usize, periods: usize) -> Vec<(NaiveDate, Cube, Cube)> {
    let mut rng = ChaCha8Rng::seed_from_u64(100_000);
    let names: Vec<String> = (0..orgs).map(|o| format!("R{o:03}")).collect();
    let org_labels: Vec<&str> = names.iter().map(String::as_str).collect();
    // Organisation sizes vary tenfold; one in ten is a commissioner.
    let weights: Vec<f64> = (0..orgs).map(|_| rng.random_range(0.2..2.0)).collect();
    let sum: f64 = weights.iter().sum();
    let mut people: Vec<(usize, usize, usize, f64, f64)> = vec![];
    for (o, w) in weights.iter().enumerate() {
        let commissioner = o % 10 == 0;
        let mut mix = [0.0; 11];
        for m in mix.iter_mut() {
            *m = if rng.random_bool(0.8) {
                rng.random_range(0.5..30.0)
            } else {
                0.0
            };
        }
        let late = rng.random_range(0.02..0.2);
        for _ in 0..(staff as f64 * w / sum) as usize {
            let (g, l) = person(&mut rng, commissioner, &mix);
            people.push((o, g, l, late, rng.random()));
        }
    }
    let start = NaiveDate::from_ymd_opt(2023, 6, 30).expect("date");
    (0..periods)
        .map(|q| {
            let end = start + Months::new(3 * q as u32);
            let dims = [
                ("organisation", &org_labels[..]),
                ("level", &LEVELS[..]),
                ("group", &GROUPS[..]),
            ];
            let sdims = [("organisation", &org_labels[..]), ("group", &GROUPS[..])];
            let mut training = cube(&dims, &[]);
            let mut supervision = cube(&sdims, &[]);
            for (i, &(o, g, l, late, u)) in people.iter().enumerate() {
                // About 3% of posts are empty at any one quarter end.
                if (i * 7 + q * 13) % 33 == 0 {
                    continue;
                }
                let drift = ((i + q) % 17) as f64 / 170.0;
                let compliant = i64::from(u > late + drift);
                let labels = [org_labels[o], LEVELS[l], GROUPS[g]];
                training.add(&labels, compliant, 1).expect("add");
                if l >= 3 || matches!(g, 2..=4) {
                    let supervised = i64::from(u > 1.5 * late + drift);
                    supervision
                        .add(&[org_labels[o], GROUPS[g]], supervised, 1)
                        .expect("add");
                }
            }
            (end, training, supervision)
        })
        .collect()
}

/// Which provider packs print a breakdown by professional group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Packs {
    None,
    Training,
    Both,
}

/// The annual report's tables (training by organisation and level, supervision by
/// organisation and by group) and the provider packs' breakdowns by group.
fn layouts(packs: Packs) -> (Layout, Layout) {
    let mut training = training_layout();
    if packs != Packs::None {
        training = training.table(
            "Provider packs: training by group",
            &["organisation", "group"],
        );
    }
    let mut supervision = supervision_layout();
    if packs == Packs::Both {
        supervision = supervision.table(
            "Provider packs: supervision by group",
            &["organisation", "group"],
        );
    }
    (training, supervision)
}

#[test]
#[ignore]
fn a_national_footprint_plans_within_budget() {
    national_timing(false);
}

/// The same with supervision printed by organisation and group too (no publication does
/// today), which makes one large linked table of small groups: for measuring, not a budget.
#[test]
#[ignore]
fn a_national_footprint_with_supervision_by_organisation_and_group() {
    national_timing(true);
}

/// The size of the shipped sample (3,000 staff in 10 organisations): the audit should add at
/// most a fifth of the sample report's time.
#[test]
#[ignore]
fn a_sample_sized_footprint() {
    timing(3_000, 10, Packs::None);
    timing(3_000, 10, Packs::Training);
}

fn national_timing(heavy: bool) {
    timing(
        100_000,
        100,
        if heavy { Packs::Both } else { Packs::Training },
    );
}

fn timing(staff: usize, orgs: usize, packs: Packs) {
    let cubes = national(staff, orgs, 13);
    let (training, supervision) = layouts(packs);
    println!("{staff} staff, {orgs} organisations, provider packs by group: {packs:?}");
    let started = Instant::now();
    let t = Plans::build(
        &training,
        RULE,
        cubes.iter().map(|(d, c, _)| (*d, c.clone())),
    )
    .expect("training plans");
    let s = Plans::build(
        &supervision,
        RULE,
        cubes.iter().map(|(d, _, c)| (*d, c.clone())),
    )
    .expect("supervision plans");
    let elapsed = started.elapsed();
    for (name, plans) in [("training", &t), ("supervision", &s)] {
        let sum = plans.summary();
        println!(
            "{name}: {} counts printed over 13 periods, {} hidden ({} primary, {} derived, {} \
             secondary; primary suppression alone {}), {} audit rounds, {} integer programs",
            sum.counts,
            sum.hidden(),
            sum.primary,
            sum.derived,
            sum.secondary,
            sum.primary_only,
            sum.audits,
            sum.solves
        );
    }
    println!("plan and audit of 13 periods, training and supervision: {elapsed:.2?}");
    // Spot-check the last period's plans from scratch.
    let last = cubes.last().expect("periods").0;
    for plans in [&t, &s] {
        assert!(plan_leaks(plans.get(last).expect("plan")).is_empty());
    }
}
