//! A mapping from configuration to cells: how a file's header is matched and how each cell
//! reads through the plan.

use std::borrow::Cow;
use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::contract as schema;
use crate::ingest::source::{FileError, Row};
use crate::ingest::value::Cell;

/// A row of cells, as a reader would give it.
struct Cells(Vec<Cell<'static>>);

impl Row for Cells {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn cell(&self, index: usize) -> Cell<'_> {
        self.0.get(index).cloned().unwrap_or(Cell::Empty)
    }
}

fn text(s: &'static str) -> Cell<'static> {
    Cell::Text(Cow::Borrowed(s))
}

/// The mapping of MAPPING.md's example.
fn esr_config() -> MappingConfig {
    MappingConfig {
        dataset: "training".into(),
        files: vec!["esr/*.csv".into(), "esr/*.xlsx".into()],
        columns: BTreeMap::from([
            ("record_id".into(), "Competence Record ID".into()),
            ("staff_id".into(), "Employee Number".into()),
            ("completed_on".into(), "Achieved Date".into()),
            ("level".into(), "Competence Name".into()),
        ]),
        values: BTreeMap::from([(
            "level".into(),
            BTreeMap::from([
                (
                    "NHS|CSTF|Safeguarding Children Level 1 - 3 Years|".into(),
                    "1".into(),
                ),
                ("Fire Safety".into(), "skip".into()),
            ]),
        )]),
        patterns: BTreeMap::from([(
            "level".into(),
            vec![
                (
                    "(?i)safeguarding children level ([1-5])".into(),
                    "$1".into(),
                ),
                ("(?i)fire|manual handling".into(), "skip".into()),
            ],
        )]),
        dates: BTreeMap::from([(
            "completed_on".into(),
            vec!["%d-%b-%Y".into(), "%Y%m%d".into()],
        )]),
        constants: BTreeMap::from([("delivery".into(), "e_learning".into())]),
    }
}

fn esr() -> Mappings {
    Mappings::compile(&[esr_config()], "safeguard.toml").unwrap()
}

const HEADER: [&str; 5] = [
    "Employee Number",
    "Competence Name",
    "Achieved Date",
    "Competence Record ID",
    "Expiry Date",
];

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn plan(mappings: &Mappings) -> (Layout, ColumnPlan) {
    let training = schema::dataset("training").unwrap();
    let mapping = mappings.iter().next();
    let layout = Layout::new(training, mapping, &headers(&HEADER), "esr/2025.csv").unwrap();
    let extras: Vec<String> = layout.extras.iter().map(|e| e.1.clone()).collect();
    let plan = ColumnPlan::new(&layout, &extras);
    (layout, plan)
}

/// Every contract column of a row, as the plan reads it.
fn read_row(plan: &ColumnPlan, row: &Cells) -> Vec<String> {
    let training = schema::dataset("training").unwrap();
    training
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| match plan.read(row, i, c) {
            Read::Value(v) => v.key_text().into_owned(),
            Read::Invalid { reason, .. } => format!("invalid: {reason}"),
            Read::Skip => "skip".into(),
        })
        .collect()
}

#[test]
fn the_layout_says_how_each_column_was_found() {
    let (layout, plan) = plan(&esr());
    use Found::*;
    assert_eq!(
        layout.columns,
        [
            Mapped {
                header: "Competence Record ID".into(),
                at: 3
            },
            Mapped {
                header: "Employee Number".into(),
                at: 0
            },
            Mapped {
                header: "Competence Name".into(),
                at: 1
            },
            Mapped {
                header: "Achieved Date".into(),
                at: 2
            },
            Missing,
            Constant("e_learning".into()),
        ]
    );
    assert_eq!(
        layout.extras,
        [("Expiry Date".into(), "expiry_date".into(), 4)]
    );
    assert_eq!(plan.width(), 5);
    assert_eq!(plan.column_number(1), Some(1));
    assert_eq!(plan.column_number(5), None);
}

#[test]
fn cells_are_mapped_while_read() {
    let (_, plan) = plan(&esr());
    let row = Cells(vec![
        text("10001"),
        text("NHS|CSTF|Safeguarding Children Level 3 - 3 Years|"),
        text("30-Nov-2028"),
        text("C-1"),
        text("30-Nov-2031"),
    ]);
    assert_eq!(
        read_row(&plan, &row),
        ["C-1", "10001", "3", "2028-11-30", "", "e_learning"]
    );
    // Exact values first, whatever their case; a compact date in the second extra format.
    let row = Cells(vec![
        text("10001"),
        text("nhs|cstf|safeguarding children level 1 - 3 years|"),
        text("20281130"),
        text("C-2"),
    ]);
    assert_eq!(read_row(&plan, &row)[2..4], ["1", "2028-11-30"]);
    // An XLSX date cell needs no format.
    let date = chrono::NaiveDate::from_ymd_opt(2028, 11, 30).unwrap();
    let row = Cells(vec![
        text("10001"),
        text("Safeguarding Children Level 2"),
        Cell::Date(date),
        text("C-3"),
    ]);
    assert_eq!(read_row(&plan, &row)[3], "2028-11-30");
}

#[test]
fn skip_drops_the_row_from_an_exact_value_or_a_pattern() {
    let (_, plan) = plan(&esr());
    let level = schema::dataset("training")
        .unwrap()
        .column_index("level")
        .unwrap();
    let column = &schema::dataset("training").unwrap().columns[level];
    for course in [
        "Fire Safety",
        " fire safety ",
        "NHS|CSTF|Manual Handling - 2 Years|",
    ] {
        let row = Cells(vec![text("1"), Cell::Text(Cow::Owned(course.into()))]);
        assert!(
            matches!(plan.read(&row, level, column), Read::Skip),
            "{course}"
        );
    }
}

#[test]
fn skips_gives_the_answer_read_gives_without_reading_every_column() {
    let (_, plan) = plan(&esr());
    assert!(plan.can_skip());
    let training = schema::dataset("training").unwrap();
    for course in [
        "Fire Safety",
        "NHS|CSTF|Manual Handling - 2 Years|",
        "Safeguarding Children Level 2",
        "Basic Life Support",
        "",
    ] {
        let row = Cells(vec![text("1"), Cell::Text(Cow::Owned(course.into()))]);
        let read = training
            .columns
            .iter()
            .enumerate()
            .any(|(i, c)| matches!(plan.read(&row, i, c), Read::Skip));
        assert_eq!(plan.skips(&row), read, "{course:?}");
    }
    let training_plan = ColumnPlan::new(
        &Layout::new(
            training,
            None,
            &headers(&["record_id", "staff_id", "level", "completed_on"]),
            "t.csv",
        )
        .unwrap(),
        &[],
    );
    assert!(!training_plan.can_skip());
}

#[test]
fn a_value_nothing_maps_passes_through_and_is_validated_as_usual() {
    let (_, plan) = plan(&esr());
    let row = Cells(vec![
        text("10001"),
        text("Basic Life Support"),
        text("31-Feb-2028"),
        text("C-1"),
    ]);
    let read = read_row(&plan, &row);
    assert_eq!(
        read[2],
        "invalid: no value for level: \"Basic Life Support\" in Competence Name matches no mapping"
    );
    assert_eq!(
        read[3],
        "invalid: Achieved Date: invalid date 31-Feb-2028 in completed_on (expected YYYY-MM-DD, DD/MM/YYYY or a date like 30-Nov-2028 or 20281130)"
    );
    // A value passed through that is valid loads: the contract's own spelling of a level.
    let row = Cells(vec![text("10001"), text("4")]);
    assert_eq!(read_row(&plan, &row)[2], "4");
    // A mapped value out of range is the validator's reject, naming the file's column.
    let row = Cells(vec![
        text("10001"),
        text("Safeguarding children level 5 refresher"),
        text("2028-11-30"),
    ]);
    assert_eq!(read_row(&plan, &row)[2], "5");
    let mut config = esr_config();
    config.patterns.insert(
        "level".into(),
        vec![("(?i)level (\\d+)".into(), "$1".into())],
    );
    let (_, plan) = self::plan(&Mappings::compile(&[config], "safeguard.toml").unwrap());
    let row = Cells(vec![text("10001"), text("Safeguarding Children Level 7")]);
    assert_eq!(
        read_row(&plan, &row)[2],
        "invalid: Competence Name: level 7 is out of range 1-5"
    );
}

#[test]
fn a_mapped_header_the_file_lacks_names_the_nearest_it_has() {
    let training = schema::dataset("training").unwrap();
    let mappings = esr();
    let mapping = mappings.iter().next();
    let mut file = headers(&HEADER);
    file[2] = "Achievement Date".into();
    let e = Layout::new(training, mapping, &file, "esr/2025.csv").unwrap_err();
    assert!(matches!(e, FileError::Format { .. }));
    assert_eq!(
        e.to_string(),
        "esr/2025.csv: mapping 1 (training) reads completed_on from the column \"Achieved Date\", which is not in the header (the nearest is \"Achievement Date\")"
    );
}

#[test]
fn a_required_column_neither_mapped_nor_named_says_how_to_map_it() {
    let training = schema::dataset("training").unwrap();
    let mut config = esr_config();
    config.columns.remove("record_id");
    let mappings = Mappings::compile(&[config], "safeguard.toml").unwrap();
    let e = Layout::new(training, mappings.iter().next(), &headers(&HEADER), "x.csv").unwrap_err();
    assert!(
        e.to_string()
            .contains("required column record_id is missing"),
        "{e}"
    );
    assert!(e.to_string().contains("mapping 1 (training)"), "{e}");
}

#[test]
fn a_header_named_like_a_column_the_mapping_reads_elsewhere_is_ignored() {
    let training = schema::dataset("training").unwrap();
    let mappings = esr();
    let mut file = headers(&HEADER);
    file.push("Level".into());
    file.push("Delivery".into());
    let layout = Layout::new(training, mappings.iter().next(), &file, "x.csv").unwrap();
    assert_eq!(layout.ignored, ["Level", "Delivery"]);
    assert_eq!(layout.extras.len(), 1);
}

#[test]
fn without_a_mapping_columns_match_by_name_as_before() {
    let training = schema::dataset("training").unwrap();
    let file = headers(&["Record ID", "staff-id", "LEVEL", "completed_on", "Notes"]);
    let layout = Layout::new(training, None, &file, "training.csv").unwrap();
    assert!(matches!(layout.columns[0], Found::ByName { at: 0, .. }));
    assert_eq!(layout.columns[4], Found::Missing);
    assert_eq!(layout.extras[0].1, "notes");
    let e = Layout::new(training, None, &file[1..], "training.csv").unwrap_err();
    assert!(matches!(e, FileError::MissingColumn { .. }));
    let twice = headers(&["record_id", "Record ID"]);
    assert!(Layout::new(training, None, &twice, "t.csv").is_err());
}

#[test]
fn bad_mappings_are_configuration_errors_naming_the_file_and_key() {
    let mut config = esr_config();
    config
        .patterns
        .insert("level".into(), vec![("([1-5".into(), "$1".into())]);
    let e = Mappings::compile(&[esr_config(), config], "/etc/safeguard.toml").unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("/etc/safeguard.toml: [[mapping]] 2 (dataset \"training\"), patterns.level[0]: \"([1-5\" is not a regular expression"),
        "{text}"
    );
}

#[test]
fn globs_pick_the_files_a_mapping_reads() {
    let mappings = esr();
    assert_eq!(mappings.matching("esr/2025.csv").len(), 1);
    assert_eq!(mappings.matching("esr/late.XLSX").len(), 1);
    assert!(mappings.matching("training/2025.csv").is_empty());
    assert!(mappings.matching("esr.csv").is_empty());
}

/// A header as people type it: any case, spaces or hyphens or underscores between words,
/// spaces around.
fn respelled(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    let n = words.len();
    (
        prop::collection::vec(0u8..3, n),
        prop::collection::vec(prop::sample::select(vec![" ", "-", "_", "  "]), n),
        prop::sample::select(vec!["", " ", "  "]),
    )
        .prop_map(move |(cases, seps, pad)| {
            let mut out = String::from(pad);
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    // Runs of separators are not the same name, so one separator between words.
                    out.push_str(if seps[i] == "  " { " " } else { seps[i] });
                }
                out.push_str(&match cases[i] {
                    0 => w.to_lowercase(),
                    1 => w.to_uppercase(),
                    _ => w.to_string(),
                });
            }
            out.push_str(pad);
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_mapping_finds_the_same_columns_however_headers_are_spelled(
        employee in respelled(&["Employee", "Number"]),
        competence in respelled(&["Competence", "Name"]),
        achieved in respelled(&["Achieved", "Date"]),
        record in respelled(&["Competence", "Record", "ID"]),
        order in Just((0..4).collect::<Vec<usize>>()).prop_shuffle(),
    ) {
        let spelled = [employee, competence, achieved, record];
        let file: Vec<String> = order.iter().map(|&i| spelled[i].clone()).collect();
        let training = schema::dataset("training").unwrap();
        let mappings = esr();
        let layout = Layout::new(training, mappings.iter().next(), &file, "x.csv").unwrap();
        // Contract column -> which of the four spelled headers it was read from.
        let want = [3usize, 0, 1, 2];
        for (column, &header) in want.iter().enumerate() {
            match &layout.columns[column] {
                Found::Mapped { at, .. } => prop_assert_eq!(order[*at], header),
                other => prop_assert!(false, "column {column}: {other:?}"),
            }
        }
        prop_assert!(layout.extras.is_empty());
        let plan = ColumnPlan::new(&layout, &[]);
        let mut cells = vec![Cell::Empty; 4];
        let values = [text("10001"), text("Safeguarding Children Level 2"), text("01-Apr-2025"), text("C9")];
        for (at, &i) in order.iter().enumerate() {
            cells[at] = values[i].clone();
        }
        prop_assert_eq!(read_row(&plan, &Cells(cells)), ["C9", "10001", "2", "2025-04-01", "", "e_learning"]);
    }
}
