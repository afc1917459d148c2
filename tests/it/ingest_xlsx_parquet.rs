//! Reading XLSX and Parquet input, and dataset folders that mix all three formats.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Date32Array, Float64Array, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;

use crate::util::{
    Env, X, assert_snapshot_consistent, counts, days, lines_starting, rej, reject_rows, status,
    write_xlsx,
};

#[test]
fn xlsx_date_cells_load_as_dates_and_rejects_name_the_sheet_row() {
    use X::*;
    let env = Env::base();
    env.remove("training.csv");
    // Rows 1 and 2 are empty: the header is on sheet row 3, and row 7 is an empty row.
    write_xlsx(
        &env.input().join("training.xlsx"),
        3,
        &[
            vec![
                S("record_id"),
                S("staff_id"),
                S("level"),
                S("completed_on"),
                S("hours"),
                S("delivery"),
            ],
            vec![
                S("T1"),
                S("S1"),
                N(3.0),
                D(2025, 4, 3),
                N(6.0),
                S("Face to Face"),
            ],
            vec![
                S("T2"),
                S("S2"),
                N(3.0),
                S("03/04/2025"),
                N(1.5),
                S("e_learning"),
            ],
            vec![
                S("T3"),
                S("S99"),
                N(2.0),
                D(2025, 1, 1),
                N(1.0),
                S("virtual"),
            ],
            vec![],
            vec![S("T4"), S("S3"), N(9.0), D(2025, 2, 1), Blank, Blank],
            vec![S("T5"), S("S3"), N(4.0), D(2024, 12, 31), Blank, Blank],
        ],
    );

    let check = env.check();
    assert_eq!(check.code, 1, "{check:#?}");
    let f = env.shown("training.xlsx");
    assert_eq!(
        lines_starting(&check.stdout, &f),
        [
            format!("{f}:6:2: unknown staff_id S99: not in staff"),
            format!("{f}:8:3: level 9 is out of range 1-5"),
        ]
    );

    env.load_ok();
    assert_eq!(counts(&env.manifest(), "training"), (5, 3, 2));
    let t = env.table("training");
    assert_eq!(t.data_type("completed_on"), &DataType::Date32);
    assert_eq!(t.column("record_id"), ["T1", "T2", "T5"]);
    assert_eq!(
        t.column("completed_on"),
        ["2025-04-03", "2025-04-03", "2024-12-31"]
    );
    assert_eq!(t.column("level"), ["3", "3", "4"]);
    assert_eq!(t.column("hours"), ["6.0", "1.5", "NULL"]);
    assert_eq!(t.column("delivery"), ["face_to_face", "e_learning", "NULL"]);
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [
            rej(
                "training.xlsx",
                6,
                "unknown staff_id S99: not in staff",
                "staff_id"
            ),
            rej("training.xlsx", 8, "level 9 is out of range 1-5", "level"),
        ]
    );
}

/// record_id, staff_id, level, completed_on (days since 1970-01-01), hours, delivery.
type TrainingRow<'a> = (&'a str, &'a str, i64, i32, Option<f64>, Option<&'a str>);

/// Writes a training Parquet file with typed columns (DATE32 dates, Utf8 text).
fn write_training_parquet(path: &Path, rows: &[TrainingRow<'_>]) {
    let schema: SchemaRef = Arc::new(Schema::new(vec![
        Field::new("record_id", DataType::Utf8, false),
        Field::new("staff_id", DataType::Utf8, false),
        Field::new("level", DataType::Int64, false),
        Field::new("completed_on", DataType::Date32, false),
        Field::new("hours", DataType::Float64, true),
        Field::new("delivery", DataType::Utf8, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(datafusion::arrow::array::StringArray::from(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        )),
        Arc::new(datafusion::arrow::array::StringArray::from(
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from(
            rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        )),
        Arc::new(Date32Array::from(
            rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(
            rows.iter().map(|r| r.4).collect::<Vec<_>>(),
        )),
        Arc::new(datafusion::arrow::array::StringArray::from(
            rows.iter().map(|r| r.5).collect::<Vec<_>>(),
        )),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn parquet_input_with_typed_columns_loads() {
    let env = Env::base();
    env.remove("training.csv");
    write_training_parquet(
        &env.input().join("training.parquet"),
        &[
            (
                "T1",
                "S1",
                3,
                days(2025, 4, 3),
                Some(6.5),
                Some("Face to Face"),
            ),
            ("T2", "S2", 2, days(2024, 12, 31), None, None),
            ("T3", "S9", 3, days(2025, 1, 2), Some(1.0), Some("virtual")),
            ("T4", "S3", 6, days(2025, 1, 2), Some(1.0), Some("virtual")),
        ],
    );
    env.load_ok();
    let m = env.manifest();
    assert_eq!(counts(&m, "training"), (4, 2, 2));
    let files: Vec<(&str, &str)> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["dataset"] == "training")
        .map(|f| (f["path"].as_str().unwrap(), f["format"].as_str().unwrap()))
        .collect();
    assert_eq!(files, [("training.parquet", "parquet")]);

    let t = env.table("training");
    assert_eq!(t.data_type("completed_on"), &DataType::Date32);
    assert_eq!(t.data_type("level"), &DataType::Int32);
    assert_eq!(t.column("record_id"), ["T1", "T2"]);
    assert_eq!(t.column("completed_on"), ["2025-04-03", "2024-12-31"]);
    assert_eq!(t.column("level"), ["3", "2"]);
    assert_eq!(t.column("hours"), ["6.5", "NULL"]);
    assert_eq!(t.column("delivery"), ["face_to_face", "NULL"]);
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [
            rej(
                "training.parquet",
                3,
                "unknown staff_id S9: not in staff",
                "staff_id"
            ),
            rej(
                "training.parquet",
                4,
                "level 6 is out of range 1-5",
                "level"
            ),
        ]
    );
}

/// A Parquet file is checked a record batch (8,192 rows) at a time on several threads: row
/// numbers run on across batches and a key repeated in a later batch is caught.
#[test]
fn a_large_parquet_file_numbers_rows_across_record_batches() {
    let env = Env::base();
    env.remove("training.csv");
    let ids: Vec<String> = (0..20_000).map(|i| format!("T{i}")).collect();
    let rows: Vec<TrainingRow<'_>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let id = if i == 17_000 { "T3" } else { id.as_str() };
            let level = if i == 9_000 { 7 } else { 3 };
            (
                id,
                "S1",
                level,
                days(2025, 1, 2),
                Some(1.0),
                Some("virtual"),
            )
        })
        .collect();
    write_training_parquet(&env.input().join("training.parquet"), &rows);
    env.load_ok();
    let t = env.table("training");
    assert_eq!(t.len(), 19_998);
    assert_eq!(t.get(19_997, "record_id"), "T19999");
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [
            rej(
                "training.parquet",
                9_001,
                "level 7 is out of range 1-5",
                "level"
            ),
            rej(
                "training.parquet",
                17_001,
                "duplicate record_id T3: an earlier row has the same key",
                "record_id"
            ),
        ]
    );
}

#[test]
fn a_dataset_folder_of_csv_xlsx_and_parquet_is_read_as_one_and_duplicates_across_files_caught() {
    use X::*;
    let env = Env::base();
    env.remove("training.csv");
    env.write(
        "training/2024-q1.csv",
        "record_id,staff_id,level,completed_on,hours,delivery
T1,S1,3,2024-05-01,6,face_to_face
T2,S2,3,2024-06-01,6,e_learning
",
    );
    write_xlsx(
        &env.input().join("training/2024-q2.xlsx"),
        1,
        &[
            vec![S("record_id"), S("staff_id"), S("level"), S("completed_on")],
            vec![S("T3"), S("S3"), N(4.0), D(2024, 7, 1)],
            vec![S("T1"), S("S2"), N(1.0), D(2024, 7, 2)],
        ],
    );
    write_training_parquet(
        &env.input().join("training/2024-q3.parquet"),
        &[
            ("T4", "S1", 2, days(2024, 8, 1), None, None),
            ("T2", "S1", 2, days(2024, 8, 2), None, None),
        ],
    );
    // Lock files and dot files in the folder are not data.
    env.write("training/.DS_Store", "junk");

    let check = env.check();
    assert_eq!(check.code, 1, "{check:#?}");
    env.load_ok();
    let m = env.manifest();
    assert_eq!(counts(&m, "training"), (6, 4, 2));
    let mut files: Vec<(&str, &str)> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["dataset"] == "training")
        .map(|f| (f["path"].as_str().unwrap(), f["format"].as_str().unwrap()))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            ("training/2024-q1.csv", "csv"),
            ("training/2024-q2.xlsx", "xlsx"),
            ("training/2024-q3.parquet", "parquet"),
        ]
    );

    let t = env.table("training");
    assert_eq!(t.column("record_id"), ["T1", "T2", "T3", "T4"]);
    // The first copy of T1 and T2 (from the CSV) is the one kept.
    assert_eq!(t.column("staff_id"), ["S1", "S2", "S3", "S1"]);
    assert_eq!(t.column("level"), ["3", "3", "4", "2"]);
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [
            rej(
                "training/2024-q2.xlsx",
                3,
                "duplicate record_id T1: an earlier row has the same key",
                "record_id"
            ),
            rej(
                "training/2024-q3.parquet",
                2,
                "duplicate record_id T2: an earlier row has the same key",
                "record_id"
            ),
        ]
    );
}

#[test]
fn a_file_error_in_one_file_of_a_dataset_folder_stops_the_whole_dataset() {
    let env = Env::base();
    env.remove("training.csv");
    env.write(
        "training/a.csv",
        "record_id,staff_id,level,completed_on\nT1,S1,3,2024-05-01\n",
    );
    env.write(
        "training/b.csv",
        "record_id,staff_id,completed_on\nT2,S2,2024-05-01\n",
    );
    let check = env.check();
    assert_eq!(check.code, 2, "{check:#?}");
    let f = env.shown("training/b.csv");
    let lines = lines_starting(&check.stdout, &f);
    assert_eq!(lines.len(), 1, "{}", check.stdout);
    assert!(
        lines[0].contains("required column level is missing"),
        "{}",
        lines[0]
    );

    let run = env.load();
    assert_eq!(run.code, 2, "{run:#?}");
    let m = assert_snapshot_consistent(&env.current());
    assert_eq!(status(&m, "training"), "failed");
    assert_eq!(counts(&m, "training"), (0, 0, 0));
    // No row of the good file got in.
    assert_eq!(env.table("training").len(), 0);
    assert_eq!(status(&m, "supervision"), "loaded");

    // A file of a format we do not read inside the folder stops the dataset as well.
    let env = Env::base();
    env.remove("training.csv");
    env.write(
        "training/a.csv",
        "record_id,staff_id,level,completed_on\nT1,S1,3,2024-05-01\n",
    );
    env.write("training/b.txt", "T2,S2,3,2024-05-01\n");
    let check = env.check();
    assert_eq!(check.code, 2, "{check:#?}");
    assert!(
        check.stdout.contains(&env.shown("training/b.txt")),
        "{}",
        check.stdout
    );
}
