//! Files wider than their data (issue 21): a spreadsheet's padding of empty trailing columns is
//! dropped with one note and loads the same rows; a header wider than any real export loads
//! only when its extra columns are empty in every row, and is otherwise a file error naming the
//! file and the count. Fixtures are generated here, never committed.

use crate::util::{Env, STAFF, assert_snapshot_consistent, counts, status};

/// Every line of `csv` (header included) followed by `pad` empty fields.
fn padded(csv: &str, pad: usize) -> String {
    let commas = ",".repeat(pad);
    csv.lines()
        .map(|line| format!("{line}{commas}\n"))
        .collect()
}

/// The base staff file under a header of `width` named columns: the contract's seven, then
/// `c1`, `c2`, ... The rows keep their seven fields.
fn wide_header(width: usize) -> String {
    let mut lines = STAFF.lines();
    let mut header = lines.next().unwrap().to_owned();
    let contract = header.split(',').count();
    for i in 1..=width - contract {
        header.push_str(&format!(",c{i}"));
    }
    let mut out = header + "\n";
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn a_padded_file_loads_the_same_rows_as_unpadded_and_notes_the_padding_once() {
    let plain = Env::base();
    plain.load_ok();
    let wide = Env::base();
    wide.write("staff.csv", &padded(STAFF, 16_000));
    let run = wide.load_ok();

    let (a, b) = (plain.table("staff"), wide.table("staff"));
    assert_eq!(a.columns, b.columns, "the padding adds no column");
    assert_eq!(a.rows, b.rows);
    assert_eq!(counts(&wide.manifest(), "staff"), (3, 3, 0));
    assert_snapshot_consistent(&wide.current());

    let note = format!(
        "note: {}: 16,000 unnamed columns after the last named one were dropped",
        wide.shown("staff.csv")
    );
    assert_eq!(run.stderr.matches(&note).count(), 1, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("unnamed column").count(),
        1,
        "{}",
        run.stderr
    );
    // The unpadded load has nothing to say about columns.
    assert!(
        !plain.load_ok().stderr.contains("unnamed column"),
        "a file without padding gets no note"
    );
}

#[test]
fn a_value_in_the_padding_rejects_its_row_and_every_row_is_counted() {
    let env = Env::base();
    let mut staff = padded(STAFF, 500);
    // A fourth row with a value past the header's last named column.
    staff.push_str(&format!(
        "S4,ORG1,nursing,3,3,2020-01-01,{}stray\n",
        ",".repeat(300)
    ));
    env.write("staff.csv", &staff);
    let run = env.load();
    assert_eq!(run.code, 0, "rejected rows are not a failed load: {run:#?}");
    assert_eq!(counts(&env.manifest(), "staff"), (4, 3, 1));
    let rejects = env.rejects("staff");
    assert_eq!(rejects.len(), 1);
    assert!(
        rejects.rows[0]
            .iter()
            .flatten()
            .any(|cell| cell.contains("more fields than the header")),
        "{:?}",
        rejects.rows
    );
    assert_snapshot_consistent(&env.current());
}

#[test]
fn a_100000_column_header_with_empty_extra_columns_loads_and_says_what_it_dropped() {
    let env = Env::base();
    env.write("staff.csv", &wide_header(100_000));
    let started = std::time::Instant::now();
    let run = env.load_ok();
    let took = started.elapsed();
    assert_eq!(counts(&env.manifest(), "staff"), (3, 3, 0));
    let staff = env.table("staff");
    assert_eq!(
        staff.columns.len(),
        7,
        "no extra column is kept: {}",
        staff.columns.len()
    );
    assert_snapshot_consistent(&env.current());
    let note = format!(
        "note: {}: 99,993 extra columns empty in every row were dropped: the header has 100,000 columns, more than the 10,000 a file may have",
        env.shown("staff.csv")
    );
    assert!(run.stderr.contains(&note), "{}", run.stderr);
    // Debug build on a shared machine: generous, but a width-times-batch cost takes minutes.
    assert!(took.as_secs() < 60, "took {took:?}");
}

#[test]
fn a_100000_column_header_with_a_value_in_an_extra_column_is_a_file_error() {
    let env = Env::base();
    env.load_ok();
    let mut staff = wide_header(100_000);
    staff.push_str("S4,ORG1,nursing,3,3,2020-01-01,,,a note in c2\n");
    env.write("staff.csv", &staff);
    let run = env.load();
    assert_eq!(run.code, 2, "{run:#?}");
    let error = format!(
        "{}: the header has 100,000 columns, more than the 10,000 a file may have, and its extra column \"c2\" holds a value on line 5",
        env.shown("staff.csv")
    );
    assert!(run.stdout.contains(&error), "{}", run.stdout);
    // The dataset keeps its previous data.
    let manifest = env.manifest();
    assert_eq!(status(&manifest, "staff"), "kept_previous");
    assert_eq!(env.table("staff").len(), 3);
}

#[test]
fn a_header_just_within_the_limit_keeps_its_named_extra_columns() {
    let env = Env::base();
    let mut staff = wide_header(10_000);
    staff.push_str("S4,ORG1,nursing,3,3,2020-01-01,,x\n");
    env.write("staff.csv", &staff);
    let run = env.load_ok();
    assert!(!run.stderr.contains("dropped"), "{}", run.stderr);
    let table = env.table("staff");
    assert_eq!(table.columns.len(), 10_000);
    assert_eq!(table.get(table.row_where("staff_id", "S4"), "c1"), "x");
    assert_eq!(counts(&env.manifest(), "staff"), (4, 4, 0));
}
