//! Plans a real report's cubes again, one period at a time, and says how long each took: for
//! finding what makes planning slow on a given warehouse. Ignored by default. Write the cubes
//! with `safeguard sql` (the queries of `report::data::suppression`) into a folder as
//! `training.csv` (period_end, organisation_code, required_level, professional_group, num,
//! den), `supervision.csv` (period_end, organisation_code, professional_group, num, den) and
//! `orgs.csv` (organisation_code), then run
//! `SAFEGUARD_CUBES=DIR cargo test --release --lib disclosure::tests::replay -- --ignored --nocapture`
//! (`SAFEGUARD_MEASURE=training` and `SAFEGUARD_PERIOD=YYYY-MM-DD` narrow it down).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;

use super::*;

const LEVELS: [&str; 5] = ["1", "2", "3", "4", "5"];

/// The rows of a CSV file without its header, split on commas (the cubes have no quoted text).
fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// One cube per period from `rows` whose first column is the period end, then the labels of
/// `dims`, then compliant and in post.
fn cubes(rows: &[Vec<String>], dims: &[(&str, &[&str])]) -> BTreeMap<NaiveDate, Cube> {
    let mut out: BTreeMap<NaiveDate, Cube> = BTreeMap::new();
    for r in rows {
        let period = NaiveDate::parse_from_str(&r[0], "%Y-%m-%d").expect("period_end");
        let labels: Vec<&str> = r[1..=dims.len()].iter().map(String::as_str).collect();
        let n: i64 = r[dims.len() + 1].parse().expect("num");
        let d: i64 = r[dims.len() + 2].parse().expect("den");
        out.entry(period)
            .or_insert_with(|| cube(dims, &[]))
            .add(&labels, n, d)
            .expect("add");
    }
    out
}

fn report_layout(by: &str, dimension: &str, extra: &[&[&str]]) -> Layout {
    let mut l = Layout::new()
        .table("by organisation", &["organisation"])
        .table(&format!("by {by}"), &[dimension])
        .table("all organisations", &[]);
    for (i, dims) in extra.iter().enumerate() {
        l = l.table(&format!("extra {i}"), dims);
    }
    l
}

#[test]
#[ignore]
fn replay_a_reports_cubes() {
    let Ok(dir) = std::env::var("SAFEGUARD_CUBES") else {
        panic!("set SAFEGUARD_CUBES to a folder of cubes (see this file's comment)");
    };
    let dir = Path::new(&dir);
    let orgs: Vec<String> = rows(&dir.join("orgs.csv"))
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let orgs: Vec<&str> = orgs.iter().map(String::as_str).collect();
    let groups: Vec<String> = {
        let mut g: Vec<String> = rows(&dir.join("training.csv"))
            .into_iter()
            .chain(rows(&dir.join("supervision.csv")))
            .map(|r| r[r.len() - 3].clone())
            .collect();
        g.sort();
        g.dedup();
        g
    };
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let only = std::env::var("SAFEGUARD_MEASURE").unwrap_or_default();
    let period = std::env::var("SAFEGUARD_PERIOD").unwrap_or_default();
    let measures = [
        (
            "training",
            cubes(
                &rows(&dir.join("training.csv")),
                &[
                    ("organisation", &orgs),
                    ("level", &LEVELS),
                    ("group", &groups),
                ],
            ),
            report_layout(
                "required level",
                "level",
                &[&["organisation", "level"], &["organisation", "group"]],
            ),
        ),
        (
            "supervision",
            cubes(
                &rows(&dir.join("supervision.csv")),
                &[("organisation", &orgs), ("group", &groups)],
            ),
            report_layout("professional group", "group", &[&["organisation", "group"]]),
        ),
    ];
    let started = Instant::now();
    for (name, cubes, layout) in &measures {
        if !only.is_empty() && only != *name {
            continue;
        }
        let mut times = vec![];
        let measure = Instant::now();
        for (period, cube) in cubes
            .iter()
            .filter(|(p, _)| period.is_empty() || p.to_string() == period)
        {
            let t = Instant::now();
            let plan = Plan::build(cube, layout, RULE).expect("plan");
            let s = plan.summary();
            times.push((
                t.elapsed(),
                *period,
                s.audits,
                s.solves,
                s.secondary,
                s.hidden(),
            ));
        }
        let total = measure.elapsed();
        times.sort_by_key(|t| std::cmp::Reverse(t.0));
        println!("{name}: {} periods in {total:.2?}; slowest:", times.len());
        for (t, period, audits, solves, secondary, hidden) in times.iter().take(6) {
            println!(
                "  {period}: {t:.2?}, {audits} audit rounds, {solves} integer programs, \
                 {secondary} secondary of {hidden} hidden"
            );
        }
    }
    println!("all: {:.2?}", started.elapsed());
}
