//! `safeguard sql`: every output format, files of statements, the prompt, the read-only refusal
//! and the messages users see, snapshotted on the shipped sample data.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::io::Write;

use crate::util::{Run, bin};

/// The sample data loaded once into `w/` (shared with the other read-only tests).
fn warehouse() -> &'static Path {
    crate::util::sample_scratch()
}

/// Runs `safeguard sql` for the year 2025/26 over the shared warehouse.
fn sql(args: &[&str]) -> Run {
    sql_at(&["--year", "2025/26"], args)
}

/// Runs `safeguard sql` with the given period flags.
fn sql_at(period: &[&str], args: &[&str]) -> Run {
    let w: PathBuf = warehouse().join("w");
    Command::new(bin())
        .current_dir(warehouse())
        .env_remove("SAFEGUARD_CONFIG")
        .arg("sql")
        .arg("--warehouse")
        .arg(&w)
        .args(period)
        .args(args)
        .output()
        .unwrap()
        .into()
}

const REVIEWS: &str = "SELECT * FROM review_action_status ORDER BY review_id";

#[test]
fn table_format() {
    let run = sql(&["--format", "table", "-c", REVIEWS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn csv_is_the_default_when_piped() {
    let run = sql(&["-c", REVIEWS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, sql(&["--format", "csv", "-c", REVIEWS]).stdout);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn csv_quotes_dates_and_nulls() {
    let q = "SELECT DATE '2026-03-31' AS d, CAST(NULL AS VARCHAR) AS n, 'a, \"b\"' AS q, 87.5 AS x";
    let run = sql(&["--format", "csv", "-c", q]);
    assert_eq!(run.stdout, "d,n,q,x\n2026-03-31,,\"a, \"\"b\"\"\",87.5\n");
}

#[test]
fn json_is_one_object_per_row() {
    let run = sql(&["--format", "json", "-c", REVIEWS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in run.stdout.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            row.get("median_days_to_complete").is_some(),
            "nulls are written: {line}"
        );
    }
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn parquet_needs_a_file_and_is_written_whole() {
    let refused = sql(&["--format", "parquet", "-c", REVIEWS]);
    assert_eq!(refused.code, 2);
    insta::assert_snapshot!(refused.stderr);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reviews.parquet");
    let run = sql(&[
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
        "-c",
        REVIEWS,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    let file = std::fs::File::open(&out).unwrap();
    let reader =
        datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap();
    let columns: Vec<String> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        columns[..4],
        ["review_id", "review_type", "review_name", "actions_total"]
    );
    let rows: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, sql(&["-c", REVIEWS]).stdout.lines().count() - 1);
}

#[test]
fn a_file_of_statements_runs_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.sql");
    std::fs::write(&file, "-- two statements; the ; in this comment is not a separator\nSELECT as_of FROM params;\nSELECT 'x;y' AS s;\n").unwrap();
    let run = sql(&["--format", "csv", "-f", file.to_str().unwrap()]);
    assert_eq!(run.stdout, "as_of\n2026-03-31\ns\nx;y\n");
}

#[test]
fn writing_statements_are_refused() {
    for statement in [
        "CREATE TABLE t AS SELECT 1",
        "DROP VIEW training_compliance",
        "INSERT INTO organisations VALUES ('X', 'Y', 'other')",
        "COPY (SELECT 1) TO '/tmp/safeguard-should-not-exist.csv'",
        "SET datafusion.execution.batch_size = 1",
    ] {
        let run = sql(&["-c", statement]);
        assert_eq!(run.code, 1, "{statement}: {}", run.stderr);
        assert!(
            run.stderr.contains("safeguard sql is read-only"),
            "{statement}: {}",
            run.stderr
        );
    }
    assert!(!Path::new("/tmp/safeguard-should-not-exist.csv").exists());
    insta::assert_snapshot!(sql(&["-c", "DROP VIEW training_compliance"]).stderr);
    // Named by the words the statement starts with, not the plan's debug name.
    for (statement, named) in [
        (
            "COPY (SELECT 1) TO '/tmp/safeguard-should-not-exist.csv'",
            "COPY",
        ),
        (
            "insert  into organisations values ('X', 'Y', 'other')",
            "INSERT INTO",
        ),
        (
            "CREATE OR REPLACE VIEW v AS SELECT 1",
            "CREATE OR REPLACE VIEW",
        ),
    ] {
        let stderr = sql(&["-c", statement]).stderr;
        assert!(
            stderr.contains(&format!("read-only: {named} is not allowed (")),
            "{statement}: {stderr}"
        );
    }
}

#[test]
fn errors_are_sentences_with_exit_codes() {
    let unknown = sql(&["-c", "SELECT * FROM nonexistent"]);
    assert_eq!(unknown.code, 1);
    insta::assert_snapshot!("unknown_table", unknown.stderr);
    let syntax = sql(&["-c", "SELEC 1"]);
    assert_eq!(syntax.code, 1);
    insta::assert_snapshot!("syntax_error", syntax.stderr);
    // What the SQL parser would backtrack over for hours ends at once, as a sentence.
    let fixture = crate::util::fuzz_fixture("sql-dotted-names-before-brackets.sql");
    let runaway = sql(&["-f", fixture.to_str().unwrap()]);
    assert_eq!(runaway.code, 1);
    insta::assert_snapshot!("too_complex", runaway.stderr);
    let bad_year = sql_at(&["--year", "2025"], &["-c", "SELECT 1"]);
    assert_eq!(bad_year.code, 2, "{}", bad_year.stderr);
    assert!(bad_year.stderr.contains("2025/26"), "{}", bad_year.stderr);
}

#[test]
fn params_explain_the_figures() {
    let run = sql_at(
        &["--as-of", "2024-02-29"],
        &[
            "-c",
            "SELECT as_of, period_end, month_end, training_validity_months, red_below, green_above FROM params",
        ],
    );
    assert_eq!(
        run.stdout,
        "as_of,period_end,month_end,training_validity_months,red_below,green_above\n2024-02-29,2023-12-31,2024-02-29,36,75.0,90.0\n"
    );
}

#[test]
fn the_prompt_reads_statements_over_lines_and_backslash_commands() {
    let mut child = Command::new(bin())
        .current_dir(warehouse())
        .arg("sql")
        .arg("--warehouse")
        .arg(warehouse().join("w"))
        .args(["--year", "2025/26", "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"SELECT count(*)\n  AS n FROM organisations;\n\\d params\nDROP TABLE staff;\n\\q\n",
        )
        .unwrap();
    let run: Run = child.wait_with_output().unwrap().into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let orgs = sql(&["-c", "SELECT count(*) AS n FROM organisations"]).stdout;
    assert!(run.stdout.contains(&orgs), "{}", run.stdout);
    assert!(
        run.stdout.contains("training_validity_months,Int32"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
}

#[test]
fn headline_figures_add_up_to_the_detailed_views() {
    let q = "SELECT h.period_end, h.numerator, h.denominator, SUM(t.staff_compliant) AS compliant, SUM(t.staff_in_post) AS in_post \
             FROM compliance_headline h JOIN training_compliance t ON t.period_end = h.period_end \
             WHERE h.metric = 'training' AND h.organisation_code IS NULL \
             GROUP BY h.period_end, h.numerator, h.denominator ORDER BY h.period_end";
    let run = sql(&["--format", "csv", "-c", q]);
    let lines: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert_eq!(lines.len(), 12, "{}", run.stdout);
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!((f[1], f[2]), (f[3], f[4]), "{line}");
    }
}
