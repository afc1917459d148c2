//! Differential tests: every metric view against a second, independent implementation in DuckDB
//! (`tests/oracle/duckdb_views.py`, written from METRICS.md without reading `queries/`), on
//! generated data for several seeds and as_of dates, and on hand-worked boundary fixtures.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python with `duckdb` that `scripts/test` installs (`SAFEGUARD_PYTHON`), else `python3`.
fn python() -> String {
    let python = std::env::var("SAFEGUARD_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import duckdb"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{python} cannot import duckdb: run the tests with `bash scripts/test`, which installs it"
    );
    python
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_safeguard"))
}

fn oracle(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oracle")
        .join(script)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the command starts");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// `N passed, M failed` from the comparison's last line.
fn passed(output: &str) -> usize {
    let last = output
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .expect("a summary line");
    assert!(last.ends_with(" 0 failed"), "{output}");
    last.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn views_match_duckdb_on_generated_data() {
    let python = python();
    let tmp = tempfile::tempdir().unwrap();
    let mut comparisons = 0;
    // Quarter end, the day after one, a leap day, and a month end that clamps (31 May - 3 months).
    let as_of_dates = ["2026-03-31", "2025-10-01", "2024-02-29", "2025-05-31"];
    for (seed, staff) in [(1, 600), (2, 900), (3, 1200)] {
        let input = tmp.path().join(format!("input-{seed}"));
        let warehouse = tmp.path().join(format!("warehouse-{seed}"));
        run(Command::new(bin())
            .args([
                "generate",
                "--quiet",
                "--staff",
                &staff.to_string(),
                "--seed",
                &seed.to_string(),
            ])
            .arg("--out")
            .arg(&input));
        run(Command::new(bin())
            .args(["load", "--quiet"])
            .arg("--input")
            .arg(&input)
            .arg("--warehouse")
            .arg(&warehouse));
        for as_of in as_of_dates {
            let out = run(Command::new(&python)
                .arg(oracle("compare.py"))
                .arg("--warehouse")
                .arg(&warehouse)
                .args(["--as-of", as_of])
                .arg("--safeguard")
                .arg(bin()));
            let views = passed(&out);
            assert!(
                views >= 9,
                "seed {seed} as of {as_of}: only {views} views compared\n{out}"
            );
            comparisons += views;
        }
    }
    eprintln!("{comparisons} view comparisons against DuckDB, all equal");
}

#[test]
fn hand_worked_boundaries_hold_in_both_implementations() {
    let out = run(Command::new(python())
        .arg(oracle("check_boundaries.py"))
        .arg("--compare")
        .arg("--safeguard")
        .arg(bin()));
    assert!(out.contains("boundaries: ok"), "{out}");
    assert!(passed(&out) >= 9, "{out}");
}

#[test]
fn oracle_spc_rules_match_hand_made_series() {
    run(Command::new(python()).arg(oracle("test_spc.py")));
}
