//! Reading CSV input: byte order marks, CRLF, quoted commas and newlines, physical line
//! numbers, text that is not UTF-8, both date spellings, and headers in any case and spacing.

use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};

use crate::util::{Env, counts, fixture, lines_starting, read_parquet_dir, rej, reject_rows};

/// Copies the committed BOM + CRLF fixture into `env` as `training.csv`.
fn install_bom_crlf_fixture(env: &Env) {
    let bytes = std::fs::read(fixture("bom_crlf/training.csv")).unwrap();
    assert!(
        bytes.starts_with(b"\xef\xbb\xbf") && bytes.windows(2).any(|w| w == b"\r\n"),
        "the fixture lost its BOM or CRLF line ends (check .gitattributes)"
    );
    std::fs::write(env.input().join("training.csv"), &bytes).unwrap();
}

#[test]
fn csv_with_bom_crlf_and_a_quoted_comma_and_newline_loads_intact() {
    let env = Env::base();
    install_bom_crlf_fixture(&env);

    let run = env.load_ok();
    let m = env.manifest();
    assert_eq!(counts(&m, "training"), (5, 4, 1), "{}", run.stdout);

    let t = env.table("training");
    // The BOM is not part of the first column's name.
    assert_eq!(
        t.columns,
        [
            "record_id",
            "staff_id",
            "level",
            "completed_on",
            "hours",
            "delivery",
            "notes"
        ]
    );
    assert_eq!(t.column("record_id"), ["T1", "T2", "T3", "T5"]);
    let t2 = t.row_where("record_id", "T2");
    assert_eq!(
        t.get(t2, "notes"),
        "Refresher, after the audit\r\nsecond line of notes"
    );
    assert_eq!(t.get(t2, "completed_on"), "2024-06-01");
    assert_eq!(
        t.get(t.row_where("record_id", "T3"), "notes"),
        "quoted \"word\""
    );
    // The last field of each line carries no stray carriage return.
    assert_eq!(t.column("notes")[0], "plain");
    assert_eq!(t.column("notes")[3], "last");
    assert_eq!(t.get(t.row_where("record_id", "T5"), "delivery"), "other");

    let r = env.rejects("training");
    assert_eq!(r.len(), 1);
    assert_eq!(r.get(0, "source_file"), "training.csv");
    assert_eq!(r.get(0, "reason"), "level 7 is out of range 1-5");
    assert_eq!(r.get(0, "kind"), "level out of range");
    assert_eq!(r.get(0, "column"), "level");
    assert_eq!(
        r.get(0, "raw_row"),
        "T4,S1,7,2024-08-01,1,virtual,level out of range"
    );

    let check = env.check();
    assert_eq!(check.code, 1, "{check:#?}");
    let lines = lines_starting(&check.stdout, &env.shown("training.csv"));
    assert_eq!(lines.len(), 1, "{}", check.stdout);
    assert!(
        lines[0].ends_with(":3: level 7 is out of range 1-5"),
        "{}",
        lines[0]
    );
}

#[test]
fn csv_line_numbers_count_the_physical_lines_of_quoted_newlines() {
    let env = Env::base();
    env.write(
        "training.csv",
        "record_id,staff_id,level,completed_on,hours,delivery,notes
T1,S1,3,2024-05-01,6,face_to_face,\"two
lines\"
T2,S9,3,2024-06-01,6,e_learning,after the two lines
T3,S2,3,2024-06-01,6,e_learning,\"three, with commas,
and
lines\"
T4,S2,8,2024-06-01,6,e_learning,
",
    );
    env.load_ok();
    assert_eq!(
        env.table("training").column("notes"),
        ["two\nlines", "three, with commas,\nand\nlines"]
    );
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [
            rej(
                "training.csv",
                4,
                "unknown staff_id S9: not in staff",
                "staff_id"
            ),
            rej("training.csv", 8, "level 8 is out of range 1-5", "level"),
        ]
    );
}

/// Lines are the file's physical lines, as an editor numbers them: a CRLF ends one line, and
/// empty lines (LF or CRLF) count, so a record after them keeps its own line.
#[test]
fn csv_line_numbers_are_physical_lines_in_crlf_files_and_after_empty_lines() {
    // The committed fixture: BOM, CRLF, a quoted field with a comma and a CRLF inside.
    // T4 (level 7) is on physical line 6.
    let env = Env::base();
    install_bom_crlf_fixture(&env);
    let check = env.check();
    let f = env.shown("training.csv");
    assert_eq!(
        lines_starting(&check.stdout, &f),
        [format!("{f}:6:3: level 7 is out of range 1-5")]
    );
    env.load_ok();
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [rej(
            "training.csv",
            6,
            "level 7 is out of range 1-5",
            "level"
        )]
    );

    // Plain CRLF, no quoting: T2 is on line 3.
    let env = Env::base();
    env.write(
        "training.csv",
        "record_id,staff_id,level,completed_on\r\nT1,S1,3,2024-05-01\r\nT2,S9,3,2024-05-01\r\n",
    );
    env.load_ok();
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [rej(
            "training.csv",
            3,
            "unknown staff_id S9: not in staff",
            "staff_id"
        )]
    );

    // LF with an empty line: T2 is on line 4.
    let env = Env::base();
    env.write(
        "training.csv",
        "record_id,staff_id,level,completed_on\nT1,S1,3,2024-05-01\n\nT2,S9,3,2024-05-01\n",
    );
    env.load_ok();
    assert_eq!(
        reject_rows(&env.rejects("training")),
        [rej(
            "training.csv",
            4,
            "unknown staff_id S9: not in staff",
            "staff_id"
        )]
    );
}

/// A spreadsheet saved in a Windows code page rather than as CSV UTF-8: the rows with such text
/// are rejected naming the field, the rest load. A UTF-8 character cut in two by a comma is not
/// text either, though the bytes of the whole file would be.
#[test]
fn csv_fields_that_are_not_utf8_are_row_errors_naming_the_field() {
    let env = Env::base();
    let mut csv = b"record_id,staff_id,level,completed_on,hours,delivery\n".to_vec();
    csv.extend_from_slice(b"T1,S1,3,2024-05-01,6,face_to_face\n");
    csv.extend_from_slice(b"T2,S1,3,2024-05-02,6,Caf\xe9 session\n");
    csv.extend_from_slice(b"T3,S1,3,2024-05-03,6\xc3,\xa9virtual\n");
    csv.extend_from_slice(b"T4,S1,3,2024-05-04,6,virtual\n");
    std::fs::write(env.input().join("training.csv"), csv).unwrap();
    env.load_ok();
    // Each reject's reason starts with the field that is not text (what else is wrong with the
    // row follows).
    let rejects: Vec<(u64, String)> = reject_rows(&env.rejects("training"))
        .into_iter()
        .map(|(_, line, reason, _)| (line, reason))
        .collect();
    let first =
        |field: usize| format!("field {field} is not UTF-8 text: save the file as \"CSV UTF-8\"");
    assert_eq!(rejects.len(), 2, "{rejects:#?}");
    assert_eq!(rejects[0].0, 3);
    assert!(rejects[0].1.starts_with(&first(6)), "{rejects:#?}");
    assert_eq!(rejects[1].0, 4);
    assert!(rejects[1].1.starts_with(&first(5)), "{rejects:#?}");
    let loaded = read_parquet_dir(&env.current().join("training"));
    let ids: Vec<&str> = (0..loaded.len())
        .map(|r| loaded.get(r, "record_id"))
        .collect();
    assert_eq!(ids, ["T1", "T4"]);
}

#[test]
fn uk_and_iso_dates_are_the_same_date_and_bad_dates_are_rejected_with_their_column() {
    let env = Env::base();
    // completed_on is the 5th column here, not where the contract lists it.
    env.write(
        "training.csv",
        "staff_id,level,record_id,hours,completed_on,delivery
S1,3,T1,6,03/04/2025,face_to_face
S2,3,T2,6,2025-04-03,e_learning
S3,4,T3,6,31/02/2025,virtual
S1,4,T4,6,2025-13-01,virtual
",
    );
    let check = env.check();
    assert_eq!(check.code, 1, "{check:#?}");
    let f = env.shown("training.csv");
    let lines = lines_starting(&check.stdout, &f);
    assert_eq!(lines.len(), 2, "{}", check.stdout);
    assert!(
        lines[0].starts_with(&format!("{f}:4:5: invalid date 31/02/2025 in completed_on")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(&format!("{f}:5:5: invalid date 2025-13-01 in completed_on")),
        "{}",
        lines[1]
    );

    env.load_ok();
    let t = env.table("training");
    assert_eq!(t.data_type("completed_on"), &DataType::Date32);
    assert_eq!(t.column("record_id"), ["T1", "T2"]);
    assert_eq!(t.column("completed_on"), ["2025-04-03", "2025-04-03"]);
    let r = reject_rows(&env.rejects("training"));
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(
        (r[0].0.as_str(), r[0].1, r[0].3.as_str()),
        ("training.csv", 4, "completed_on")
    );
    assert!(
        r[0].2.contains("invalid date 31/02/2025 in completed_on"),
        "{}",
        r[0].2
    );
    assert_eq!((r[1].1, r[1].3.as_str()), (5, "completed_on"));
    assert!(
        r[1].2.contains("invalid date 2025-13-01 in completed_on"),
        "{}",
        r[1].2
    );
}

#[test]
fn headers_match_whatever_their_case_and_spacing_and_extra_columns_are_kept_as_text() {
    let env = Env::base();
    env.write(
        "staff.csv",
        " STAFF-ID ,Organisation Code,PROFESSIONAL GROUP,Required-Level,supervision interval months, Start Date ,End_Date,Pay Band
S1,ORG1,nursing,3,3,2020-01-01,,Band 6
S2,ORG1,medical,3,,2021-06-01,,
S3,ORG2,health_visiting,4,3,2019-09-01,2025-01-31,Band 7
",
    );
    env.write(
        "training.csv",
        "Record ID,Staff ID,Level,Completed On,HOURS,Delivery,Trainer Name,room-number
T1,S1,3,2024-05-01,6,face_to_face,Dr A Patel,12
T2,S2,3,2024-06-01,6,e_learning,,
T3,S3,4,2024-07-01,12,virtual,  Named Nurse  ,B2
",
    );
    let check = env.check();
    assert_eq!(check.code, 0, "{check:#?}");

    env.load_ok();
    let m = env.manifest();
    assert_eq!(counts(&m, "staff"), (3, 3, 0));
    assert_eq!(counts(&m, "training"), (3, 3, 0));

    let s = env.table("staff");
    assert_eq!(s.columns.last().unwrap(), "pay_band");
    assert_eq!(s.data_type("pay_band"), &DataType::Utf8);
    assert_eq!(s.column("staff_id"), ["S1", "S2", "S3"]);
    assert_eq!(s.column("pay_band"), ["Band 6", "NULL", "Band 7"]);
    assert_eq!(
        s.column("start_date"),
        ["2020-01-01", "2021-06-01", "2019-09-01"]
    );
    assert_eq!(s.column("end_date"), ["NULL", "NULL", "2025-01-31"]);

    let t = env.table("training");
    assert_eq!(
        t.columns,
        [
            "record_id",
            "staff_id",
            "level",
            "completed_on",
            "hours",
            "delivery",
            "trainer_name",
            "room_number"
        ]
    );
    assert_eq!(t.data_type("room_number"), &DataType::Utf8);
    assert_eq!(
        t.column("trainer_name"),
        ["Dr A Patel", "NULL", "Named Nurse"]
    );
    assert_eq!(t.column("room_number"), ["12", "NULL", "B2"]);
    assert_eq!(t.column("level"), ["3", "3", "4"]);

    // Extra columns are stored without a minimum and maximum (no view filters them); the
    // contract's columns keep theirs.
    let file = std::fs::File::open(env.current().join("training/part-0.parquet")).unwrap();
    let footer = SerializedFileReader::new(file).unwrap();
    let group = footer.metadata().row_group(0);
    let summarised: Vec<(String, bool)> = group
        .columns()
        .iter()
        .map(|c| (c.column_path().string(), c.statistics().is_some()))
        .collect();
    let expected: Vec<(String, bool)> = t
        .columns
        .iter()
        .map(|c| {
            (
                c.clone(),
                !["trainer_name", "room_number"].contains(&c.as_str()),
            )
        })
        .collect();
    assert_eq!(summarised, expected);
}
