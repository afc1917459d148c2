//! Disclosure control across the whole report (METRICS.md, "Disclosure control in the published
//! report"), on the sample data and on small generated footprints, for this year's report and
//! last year's: `report --audit` proves every plan leak-free without writing a PDF, and the data
//! the templates receive is checked independently of the audit — no hidden count is the only
//! unknown of a printed sum, no count printed beside a hidden denominator (`0` included), no SPC
//! reading for a hidden latest point, and the "a year earlier" column is exactly what last
//! year's report printed.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::util::{Run, command};

/// `report --audit` for a financial year over `warehouse` (relative to `dir`).
fn audit(dir: &Path, warehouse: &str, year: &str) -> Run {
    command(dir)
        .args([
            "-q",
            "report",
            "--warehouse",
            warehouse,
            "--year",
            year,
            "--audit",
        ])
        .output()
        .unwrap()
        .into()
}

/// The report data (`--data-json`) of a financial year over `warehouse`.
fn data(dir: &Path, warehouse: &str, year: &str) -> Value {
    let tag = year.replace('/', "-");
    let json = dir.join(format!("data-{tag}.json"));
    let pdf = dir.join(format!("report-{tag}.pdf"));
    let run: Run = command(dir)
        .args(["-q", "report", "--warehouse", warehouse, "--year", year])
        .arg("-o")
        .arg(&pdf)
        .arg("--data-json")
        .arg(&json)
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap()
}

/// Everything the audit of one report promises, read from its text.
fn assert_audit_clean(run: &Run, what: &str) {
    assert_eq!(run.code, 0, "{what}: {}", run.stderr);
    let out = &run.stdout;
    assert!(!out.contains("wrote "), "{what}: --audit wrote a PDF");
    assert!(
        out.contains("; 0 hidden figures can be worked out."),
        "{what}: {}",
        out.lines().last().unwrap_or_default()
    );
    assert!(!out.contains("LEAKS"), "{what}: a plan leaks");
    // The periods: every quarter end of the trends and every month end of the SPC series.
    assert!(out.matches("== Training at ").count() >= 36, "{what}");
    assert!(out.matches("== Supervision at ").count() >= 36, "{what}");
    // Each suppressed row: a hidden in-post count has more than one possible value, and a
    // hidden compliant count is pinned only where printed figures already say it (everyone
    // compliant beside a printed in-post count, or nobody).
    let blocks: Vec<&str> = out.split("\n\n").collect();
    let mut rows = 0;
    for block in blocks {
        let field = |name: &str| {
            block
                .lines()
                .find_map(|l| l.trim_start().strip_prefix(name))
                .map(str::trim)
        };
        let (Some(in_post), Some(compliant)) = (field("in post:"), field("compliant:")) else {
            continue;
        };
        rows += 1;
        assert!(
            !(in_post.starts_with('*') && in_post.contains("exactly")),
            "{what}: a hidden in-post count is recovered:\n{block}"
        );
        if compliant.starts_with('*')
            && let Some(v) = compliant.split("exactly ").nth(1)
        {
            let printed = in_post.strip_suffix(" (printed)");
            assert!(
                v == "0" || printed == Some(v),
                "{what}: a hidden compliant count is recovered:\n{block}"
            );
        }
    }
    assert!(rows > 0, "{what}: the audit lists no suppressed row");
}

/// A printed figure's three strings.
fn figure(v: &Value) -> (&str, &str, &str) {
    let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("no {k} in {v}"));
    (s("numerator"), s("denominator"), s("percent"))
}

/// No count beside a hidden denominator, and no sum with exactly one hidden term.
fn assert_tables_safe(d: &Value, what: &str) {
    let mut figures = vec![];
    for section in ["training", "supervision"] {
        let s = &d[section];
        let orgs: Vec<&Value> = s["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["now"])
            .collect();
        let total = &s["total"]["now"];
        let breakdown_key = if section == "training" {
            "level_totals"
        } else {
            "groups"
        };
        let breakdown: Vec<&Value> = s[breakdown_key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["figure"])
            .collect();
        // (parts, total) of every printed sum.
        let mut sums: Vec<(Vec<&Value>, &Value)> =
            vec![(orgs.clone(), total), (breakdown.clone(), total)];
        if section == "training" {
            let mut columns: HashMap<&str, Vec<&Value>> = HashMap::new();
            for o in d["training"]["detail"].as_array().unwrap() {
                let levels = o["levels"].as_array().unwrap();
                sums.push((levels.iter().map(|r| &r["figure"]).collect(), &o["total"]));
                for r in levels {
                    columns
                        .entry(r["level"].as_str().unwrap())
                        .or_default()
                        .push(&r["figure"]);
                }
            }
            for r in s["level_totals"].as_array().unwrap() {
                let parts = columns.remove(r["level"].as_str().unwrap()).unwrap();
                sums.push((parts, &r["figure"]));
            }
        }
        for (parts, total) in &sums {
            for side in ["numerator", "denominator"] {
                let hidden = parts
                    .iter()
                    .chain([total])
                    .filter(|f| f[side] == "*")
                    .count();
                assert_ne!(
                    hidden, 1,
                    "{what}: one hidden {side} in a printed {section} sum: {parts:?} = {total}"
                );
            }
        }
        figures.extend(orgs);
        figures.push(total);
        figures.extend(breakdown);
    }
    for o in d["training"]["detail"].as_array().unwrap() {
        figures.extend(o["levels"].as_array().unwrap().iter().map(|r| &r["figure"]));
    }
    for f in figures {
        let (num, den, pct) = figure(f);
        if den == "*" {
            assert_eq!(
                (num, pct),
                ("*", "*"),
                "{what}: a figure beside a hidden denominator"
            );
        }
    }
}

/// An SPC series whose latest month (the tables' quarter end here) is hidden prints no
/// reading, and no series prints its mean without its variation or the other way round.
fn assert_spc_follows_tables(d: &Value, what: &str) {
    let metric = |section: &str| {
        if section == "training" {
            "Training compliance"
        } else {
            "Supervision compliance"
        }
    };
    let readings = d["spc"]["readings"].as_array().unwrap();
    for section in ["training", "supervision"] {
        let rows = d[section]["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .chain([&d[section]["total"]]);
        for row in rows {
            if row["now"]["percent"] != "*" {
                continue;
            }
            if let Some(r) = readings
                .iter()
                .find(|r| r["name"] == row["name"] && r["metric"] == metric(section))
            {
                assert_eq!(r["latest"], "*", "{what}: a reading of a hidden point: {r}");
            }
        }
    }
    for r in readings {
        let hidden = |k: &str| r[k] == "*";
        assert!(
            hidden("mean") == hidden("variation") && hidden("mean") == hidden("assurance"),
            "{what}: {r}"
        );
    }
}

/// Last year's report printed exactly what this year's prints as "a year earlier".
fn assert_year_earlier_is_last_years(now: &Value, then: &Value, what: &str) {
    for section in ["training", "supervision"] {
        let last: HashMap<&str, &Value> = then[section]["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .chain([&then[section]["total"]])
            .map(|r| (r["name"].as_str().unwrap(), &r["now"]["percent"]))
            .collect();
        for r in now[section]["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .chain([&now[section]["total"]])
        {
            let name = r["name"].as_str().unwrap();
            let printed = last.get(name).map_or("–", |v| v.as_str().unwrap());
            assert_eq!(
                r["previous_percent"], printed,
                "{what}: {section} of {name} a year earlier"
            );
        }
    }
}

fn assert_audits_clean(dir: &Path, warehouse: &str, what: &str) {
    for year in ["2025/26", "2024/25"] {
        assert_audit_clean(&audit(dir, warehouse, year), &format!("{what} {year}"));
    }
}

fn assert_reports_safe(dir: &Path, warehouse: &str, what: &str) {
    assert_audits_clean(dir, warehouse, what);
    let now = data(dir, warehouse, "2025/26");
    let then = data(dir, warehouse, "2024/25");
    for (d, year) in [(&now, "2025/26"), (&then, "2024/25")] {
        let what = format!("{what} {year}");
        assert_tables_safe(d, &what);
        assert_spc_follows_tables(d, &what);
        assert!(
            d["appendix"]["disclosure"]["text"]
                .as_str()
                .unwrap()
                .contains("an exact audit"),
            "{what}: the appendix does not say the report was audited"
        );
    }
    assert_year_earlier_is_last_years(&now, &then, what);
}

#[test]
fn the_sample_reports_leak_nothing_alone_or_together() {
    assert_reports_safe(crate::util::sample_scratch(), "w", "the sample data");
}

#[test]
fn small_generated_footprints_leak_nothing() {
    for (staff, seed) in [("400", "3"), ("800", "17")] {
        let dir = tempfile::Builder::new()
            .prefix("safeguard-disclosure-")
            .tempdir()
            .unwrap();
        let run: Run = command(dir.path())
            .args([
                "-q", "generate", "--out", "input", "--staff", staff, "--seed", seed,
            ])
            .output()
            .unwrap()
            .into();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let run: Run = command(dir.path())
            .args(["-q", "load", "--input", "input", "--warehouse", "w"])
            .output()
            .unwrap()
            .into();
        assert!(run.code <= 1, "{}", run.stderr);
        let what = format!("{staff} staff, seed {seed}");
        // The second footprint's audits only: the report data's checks cost a typesetting each.
        if staff == "400" {
            assert_reports_safe(dir.path(), "w", &what);
        } else {
            assert_audits_clean(dir.path(), "w", &what);
        }
    }
}
