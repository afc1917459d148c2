//! One test per leak of issue 22, each on a small hand-made table: the old rule leaks there,
//! the plan does not.

use chrono::NaiveDate;

use super::*;
use crate::disclosure::audit::Kind;
use crate::disclosure::model::PercentFact;
use crate::disclosure::{Count, Percent, Plans, Reason, spc};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// Asserts a plan's publication leaks nothing.
fn assert_safe(plan: &Plan) {
    let leaks = plan_leaks(plan);
    assert!(leaks.is_empty(), "the plan leaks: {leaks:?}");
}

#[test]
fn zero_beside_a_hidden_denominator_is_hidden_too() {
    // Supervision: school nurses requiring supervision are 3, none supervised.
    let orgs = ["A", "B"];
    let c = cube(
        &[("organisation", &orgs), ("group", &["hv", "sn"])],
        &[
            (&["A", "hv"], 34, 38),
            (&["A", "sn"], 0, 2),
            (&["B", "hv"], 27, 29),
            (&["B", "sn"], 0, 1),
        ],
    );
    let p = Published::new(&c, &supervision_layout()).expect("published");
    let sn = at(&p, &[("group", "sn")]);
    let old = old_rule(&p, RULE);
    assert!(
        !old[sn].denominator && old[sn].numerator,
        "old: `*` beside `0`"
    );
    let leaks = audit(&p, &old, &[]);
    assert!(
        leaks.contains(&Leak {
            cell: sn,
            kind: Kind::NoneCompliant
        }),
        "{leaks:?}"
    );

    let plan = Plan::build(&c, &supervision_layout(), RULE).expect("plan");
    assert_safe(&plan);
    let f = plan.figure(&[("group", "sn")]).expect("figure");
    assert_eq!(f.denominator, Count::Hidden(Reason::Primary));
    assert_eq!(f.numerator, Count::Hidden(Reason::Derived));
    assert_eq!(f.percent(), Percent::Hidden);
}

#[test]
fn hidden_level_totals_are_not_provably_all_compliant() {
    // Levels 4 and 5 across the footprint: 21 in post, 21 compliant, both hidden, every other
    // level printed: subtraction says both are 100%.
    let levels = ["1", "2", "3", "4", "5"];
    let c = cube(
        &[("organisation", &["A", "B", "C"]), ("level", &levels)],
        &[
            (&["A", "1"], 50, 60),
            (&["A", "2"], 30, 35),
            (&["A", "3"], 20, 25),
            (&["A", "4"], 10, 10),
            (&["B", "1"], 40, 45),
            (&["B", "2"], 20, 22),
            (&["B", "3"], 15, 18),
            (&["B", "4"], 8, 8),
            (&["C", "1"], 5, 6),
            (&["C", "2"], 6, 6),
            (&["C", "5"], 3, 3),
        ],
    );
    let layout = Layout::new()
        .table("Table 2: training by required level", &["level"])
        .table("All organisations", &[]);
    let p = Published::new(&c, &layout).expect("published");
    let old = old_rule(&p, RULE);
    let (l4, l5) = (at(&p, &[("level", "4")]), at(&p, &[("level", "5")]));
    assert!(!old[l4].denominator && !old[l5].denominator);
    let leaks = audit(&p, &old, &[]);
    for cell in [l4, l5] {
        assert!(
            leaks.contains(&Leak {
                cell,
                kind: Kind::Shortfall
            }),
            "{leaks:?}"
        );
    }
    let plan = Plan::build(&c, &layout, RULE).expect("plan");
    assert_safe(&plan);
    // The same with the organisation tables printed too.
    let plan = Plan::build(&c, &training_layout(), RULE).expect("plan");
    assert_safe(&plan);
}

#[test]
fn a_year_earlier_figure_follows_that_years_plan() {
    // 2024/25: the ICB's single post (1 of 1) and a small provider (5 of 6) are both hidden.
    let orgs = ["A", "B", "C", "D"];
    let then = cube(
        &[("organisation", &orgs)],
        &[
            (&["A"], 1, 1),
            (&["B"], 5, 6),
            (&["C"], 100, 120),
            (&["D"], 80, 90),
        ],
    );
    let now = cube(
        &[("organisation", &orgs)],
        &[
            (&["A"], 2, 2),
            (&["B"], 7, 8),
            (&["C"], 110, 125),
            (&["D"], 85, 90),
        ],
    );
    let layout = Layout::new()
        .table("Table 1: training by organisation", &["organisation"])
        .table("All organisations", &[]);
    let p = Published::new(&then, &layout).expect("published");
    let old = old_rule(&p, RULE);
    let (a, b) = (
        at(&p, &[("organisation", "A")]),
        at(&p, &[("organisation", "B")]),
    );
    assert!(!old[a].all() && !old[b].all());
    assert!(
        audit(&p, &old, &[]).is_empty(),
        "2024/25 alone leaks nothing"
    );
    // The old 2025/26 report printed B "a year earlier" by primary suppression alone: 83.3%.
    let year_earlier = PercentFact {
        cell: b,
        percent: 83.3,
    };
    let leaks = audit(&p, &old, &[year_earlier]);
    assert!(
        leaks.contains(&Leak {
            cell: a,
            kind: Kind::Denominator
        }),
        "{leaks:?}"
    );

    let plans = Plans::build(
        &layout,
        RULE,
        [(date(2025, 3, 31), then.clone()), (date(2026, 3, 31), now)],
    )
    .expect("plans");
    let earlier = plans.get(date(2025, 3, 31)).expect("plan");
    assert_safe(earlier);
    assert_eq!(
        plans
            .percent(date(2025, 3, 31), &[("organisation", "B")])
            .expect("percent"),
        Percent::Hidden
    );
    // Every year-earlier percentage the plans do print adds nothing.
    let printed: Vec<PercentFact> = orgs
        .iter()
        .filter_map(|o| {
            let v = plans
                .percent(date(2025, 3, 31), &[("organisation", o)])
                .expect("percent")
                .value()?;
            Some(PercentFact {
                cell: at(&earlier.published, &[("organisation", o)]),
                percent: (v * 10.0).round() / 10.0,
            })
        })
        .collect();
    assert_eq!(printed.len(), 2);
    assert!(audit(&earlier.published, &earlier.state.shown(), &printed).is_empty());
}

#[test]
fn a_hidden_point_hides_the_spc_reading() {
    // Monthly supervision of one organisation: small in the latest month.
    let months = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)];
    let counts = [(30, 40), (28, 40), (2, 3)];
    let cubes = months.iter().zip(counts).map(|(m, (n, d))| {
        (
            *m,
            cube(
                &[("organisation", &["A", "B"])],
                &[(&["A"], n, d), (&["B"], 50, 60)],
            ),
        )
    });
    let layout = Layout::new()
        .table("Table 4", &["organisation"])
        .table("All organisations", &[]);
    let plans = Plans::build(&layout, RULE, cubes).expect("plans");
    let points: Vec<bool> = months
        .iter()
        .map(|m| {
            plans
                .percent(*m, &[("organisation", "A")])
                .expect("percent")
                .value()
                .is_some()
        })
        .collect();
    assert_eq!(points, vec![true, true, false]);
    let shown = spc(&points);
    assert!(!shown.latest && !shown.summary);
    // B's series is hidden in the last month too: complementary suppression of A's.
    let b: Vec<bool> = months
        .iter()
        .map(|m| {
            plans
                .percent(*m, &[("organisation", "B")])
                .expect("percent")
                .value()
                .is_some()
        })
        .collect();
    assert!(!spc(&b).summary);
}

#[test]
fn a_group_of_one_is_not_recovered_from_the_shared_total() {
    // Tables 4 and 5 print the same total, 37 of 39 supervised. Table 5 hides health visiting
    // and midwifery (one person each), two hidden cells in the line, which satisfied the old
    // rule; but the 37 school nurses leave 2 people for two groups that are not empty, so each
    // group is 1 person, and 35 supervised leave 2 for them: each was supervised.
    let c = cube(
        &[
            ("organisation", &["A", "B"]),
            ("group", &["hv", "sn", "mw"]),
        ],
        &[
            (&["A", "hv"], 1, 1),
            (&["A", "sn"], 20, 22),
            (&["B", "sn"], 15, 15),
            (&["B", "mw"], 1, 1),
        ],
    );
    let p = Published::new(&c, &supervision_layout()).expect("published");
    let old = old_rule(&p, RULE);
    let leaks = audit(&p, &old, &[]);
    for g in ["hv", "mw"] {
        let cell = at(&p, &[("group", g)]);
        assert!(!old[cell].denominator && !old[cell].numerator);
        for kind in [Kind::Denominator, Kind::Numerator] {
            assert!(
                leaks.contains(&Leak { cell, kind }),
                "{g} {kind:?}: {leaks:?}"
            );
        }
    }
    let plan = Plan::build(&c, &supervision_layout(), RULE).expect("plan");
    assert_safe(&plan);
    // The complement is a third group (the total is the board's headline and stays).
    let sn = plan.figure(&[("group", "sn")]).expect("figure");
    assert!(sn.is_hidden());
    assert!(!plan.figure(&[]).expect("figure").is_hidden());
}

#[test]
fn provider_packs_and_the_level_tables_do_not_leak_together() {
    // Training by organisation and level (Tables 1-3) and each provider's pack by professional
    // group. Each set of tables passes the old rule's check and an exact audit on its own.
    // Together they leak B's compliant count: C's pack prints 8 in post in group a, so C's
    // compliant are at most 13 + 8 = 21; Table 3's level-1 column (33 compliant) and A's row
    // (24) leave C's level 1 at least 11, so C has at least 11 + 10 = 21; C is 21, and the
    // total of 48 leaves B exactly 3.
    let c = cube(
        &[
            ("organisation", &["A", "B", "C"]),
            ("level", &["1", "3", "4"]),
            ("group", &["n", "m", "a"]),
        ],
        &[
            (&["A", "1", "n"], 11, 11),
            (&["A", "1", "m"], 11, 11),
            (&["A", "3", "n"], 2, 8),
            (&["A", "3", "m"], 0, 10),
            (&["A", "4", "n"], 0, 2),
            (&["A", "4", "m"], 0, 3),
            (&["B", "1", "n"], 0, 10),
            (&["B", "1", "a"], 0, 1),
            (&["B", "3", "m"], 0, 3),
            (&["B", "3", "a"], 2, 10),
            (&["B", "4", "n"], 0, 1),
            (&["B", "4", "m"], 0, 6),
            (&["B", "4", "a"], 1, 4),
            (&["C", "1", "n"], 3, 9),
            (&["C", "1", "a"], 8, 8),
            (&["C", "3", "n"], 10, 10),
            (&["C", "3", "m"], 0, 6),
            (&["C", "4", "n"], 0, 6),
        ],
    );
    let packs = Layout::new()
        .table(
            "Provider packs: by organisation and group",
            &["organisation", "group"],
        )
        .table("Provider packs: organisation", &["organisation"])
        .table("All organisations", &[]);
    let layout = training_layout().and(&packs);
    for alone in [training_layout(), packs] {
        let q = Published::new(&c, &alone).expect("published");
        assert!(audit(&q, &old_rule(&q, RULE), &[]).is_empty());
    }
    let p = Published::new(&c, &layout).expect("published");
    assert_eq!(p.generators.len(), 2, "a junction tree, not the whole cube");
    let old = old_rule(&p, RULE);
    let b = at(&p, &[("organisation", "B")]);
    let leaks = audit(&p, &old, &[]);
    assert!(
        leaks.contains(&Leak {
            cell: b,
            kind: Kind::Numerator
        }),
        "{leaks:?}"
    );
    let plan = Plan::build(&c, &layout, RULE).expect("plan");
    assert_safe(&plan);
}

#[test]
fn one_untrained_person_in_a_small_group_is_not_pinned_down() {
    // C has 6 in post, 5 compliant; its levels 1 (1 of 2) and 3 (4 of 4) are hidden. Level 3
    // is 14 of 14 across the footprint, so C's level-3 staff are all trained and C's one
    // untrained person is the level-1 pair's.
    let c = cube(
        &[("organisation", &["A", "C"]), ("level", &["1", "3"])],
        &[
            (&["A", "1"], 11, 11),
            (&["A", "3"], 10, 10),
            (&["C", "1"], 1, 2),
            (&["C", "3"], 4, 4),
        ],
    );
    let p = Published::new(&c, &training_layout()).expect("published");
    let old = old_rule(&p, RULE);
    let c1 = at(&p, &[("organisation", "C"), ("level", "1")]);
    let leaks = audit(&p, &old, &[]);
    assert!(
        leaks.contains(&Leak {
            cell: c1,
            kind: Kind::Shortfall
        }),
        "{leaks:?}"
    );
    let plan = Plan::build(&c, &training_layout(), RULE).expect("plan");
    assert_safe(&plan);
}

#[test]
fn the_audit_report_shows_every_range_wider_than_one_value() {
    let c = cube(
        &[("organisation", &["A", "B", "C"]), ("level", &["1", "2"])],
        &[
            (&["A", "1"], 40, 50),
            (&["A", "2"], 2, 3),
            (&["B", "1"], 30, 31),
            (&["B", "2"], 9, 10),
            (&["C", "1"], 20, 25),
            (&["C", "2"], 8, 9),
        ],
    );
    let plan = Plan::build(&c, &training_layout(), RULE).expect("plan");
    let report = plan.audit().expect("audit");
    assert_eq!(report.leaks, 0);
    assert!(!report.rows.is_empty());
    for row in &report.rows {
        for count in [row.in_post, row.compliant] {
            if let crate::disclosure::HiddenCount::Hidden { range, .. } = count {
                assert!(range.max != Some(range.min), "{row:?}");
            }
        }
    }
    let text = report.to_string();
    assert!(
        text.contains("primary suppression alone would hide"),
        "{text}"
    );
    assert!(text.contains("organisation A, level 2"), "{text}");
    // True hidden values are not printed: A level 2 is 2 of 3.
    let a2 = text
        .split("\n\n")
        .find(|b| b.contains("organisation A, level 2"))
        .expect("row");
    assert!(a2.contains("* (primary)"), "{a2}");
    assert!(!a2.contains("(printed)"), "{a2}");
}

/// The sample data's training at 31 March 2026: levels 4 and 5 are all compliant, level 5 is
/// one organisation's three staff, and that organisation is 13 of 13. Protecting them must not
/// cost the board its headline: the footprint's total stays printed.
#[test]
fn the_footprint_total_survives_protecting_all_compliant_levels() {
    let rows: &[(&str, &str, i64, i64)] = &[
        ("N0J", "1", 6, 8),
        ("N0J", "2", 25, 31),
        ("N0J", "3", 14, 15),
        ("N1A", "1", 3, 3),
        ("N1A", "2", 6, 6),
        ("N1A", "4", 1, 1),
        ("N1A", "5", 3, 3),
        ("N2B", "1", 118, 128),
        ("N2B", "2", 375, 407),
        ("N2B", "3", 297, 331),
        ("N2B", "4", 5, 5),
        ("N3C", "1", 59, 73),
        ("N3C", "2", 245, 285),
        ("N3C", "3", 209, 238),
        ("N3C", "4", 6, 6),
        ("N4D", "1", 34, 35),
        ("N4D", "2", 133, 134),
        ("N4D", "3", 164, 166),
        ("N4D", "4", 1, 1),
        ("N5E", "1", 47, 52),
        ("N5E", "2", 147, 172),
        ("N5E", "3", 76, 85),
        ("N5E", "4", 3, 3),
        ("N6F", "1", 31, 45),
        ("N6F", "2", 71, 97),
        ("N6F", "3", 25, 31),
        ("N7G", "1", 15, 17),
        ("N7G", "2", 35, 44),
        ("N7G", "3", 55, 67),
        ("N8H", "1", 9, 9),
        ("N8H", "2", 22, 26),
        ("N8H", "3", 23, 24),
        ("N9I", "1", 9, 10),
        ("N9I", "2", 23, 23),
        ("N9I", "3", 35, 37),
        ("N9I", "4", 2, 2),
    ];
    let orgs = [
        "N0J", "N1A", "N2B", "N3C", "N4D", "N5E", "N6F", "N7G", "N8H", "N9I",
    ];
    let cells: Vec<([&str; 2], i64, i64)> =
        rows.iter().map(|(o, l, n, d)| ([*o, *l], *n, *d)).collect();
    let cells: Vec<(&[&str], i64, i64)> = cells.iter().map(|(k, n, d)| (&k[..], *n, *d)).collect();
    let c = cube(
        &[
            ("organisation", &orgs),
            ("level", &["1", "2", "3", "4", "5"]),
        ],
        &cells,
    );
    let plan = Plan::build(&c, &training_layout(), RULE).expect("plan");
    assert_safe(&plan);
    let hidden: Vec<String> = plan
        .audit()
        .expect("audit")
        .rows
        .iter()
        .map(|r| format!("{:?} {} {}", r.labels, r.in_post, r.compliant))
        .collect();
    let total = plan.figure(&[]).expect("total");
    assert!(
        !total.is_hidden(),
        "the footprint total is hidden: {hidden:#?}"
    );
}
