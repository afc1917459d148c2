//! The XLSX reader: workbooks built with random cells (text in the shared-strings table,
//! numbers, booleans, dates, formulas, blanks with a format) at random places, then perhaps
//! broken: truncated, or with bytes overwritten inside its zip members.

use proptest::prelude::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::{TRAINING_HEADER, run};

#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    /// An Excel serial date, any value (impossible ones included).
    Date(f64),
    Formula(&'static str),
    Blank,
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::sample::select(vec!["T1", "S1", "S2", "S3", "S9", "e_learning", "Virtual", "", "2024-05-01"])
            .prop_map(|s| Value::Text(s.to_owned())),
        2 => any::<String>().prop_map(Value::Text),
        2 => prop_oneof![(-10.0f64..100.0), any::<f64>()].prop_map(Value::Number),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => prop_oneof![(0.0f64..80_000.0), (-1e6f64..1e9)].prop_map(Value::Date),
        1 => prop::sample::select(vec!["=1/0", "=A1", "=\"x\"&B2", "=NA()", "=SUM(A1:XFD1)"])
            .prop_map(Value::Formula),
        1 => Just(Value::Blank),
    ]
}

/// How a built workbook is damaged.
#[derive(Debug, Clone)]
enum Damage {
    None,
    /// Keeps this share of the bytes (per mille).
    Truncate(u32),
    /// Overwrites bytes at these positions (per mille of the length).
    Overwrite(Vec<(u32, u8)>),
}

#[derive(Debug, Clone)]
struct Book {
    /// The header's sheet row and column.
    at: (u32, u16),
    header: Vec<String>,
    /// Well-formed training rows under the header: (level, date serial, hours).
    good: Vec<(u8, u32, u8)>,
    /// Cells by (row below the header, column from the header's first), written over them.
    cells: Vec<(u32, u16, Value)>,
    damage: Damage,
}

fn book() -> impl Strategy<Value = Book> {
    let header = prop_oneof![
        4 => Just(TRAINING_HEADER.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()),
        1 => prop::collection::vec("[a-z_ ]{0,10}", 0..8),
    ];
    (
        (0u32..4, 0u16..4),
        header,
        prop::collection::vec((1u8..6, 40_000u32..46_000, 0u8..20), 0..20),
        prop::collection::vec((1u32..30, 0u16..9, value()), 0..40),
        prop_oneof![
            6 => Just(Damage::None),
            1 => (0u32..1000).prop_map(Damage::Truncate),
            2 => prop::collection::vec((0u32..1000, any::<u8>()), 1..12).prop_map(Damage::Overwrite),
        ],
    )
        .prop_map(|(at, header, good, cells, damage)| Book {
            at,
            header,
            good,
            cells,
            damage,
        })
}

impl Book {
    fn bytes(&self) -> Vec<u8> {
        let mut workbook = Workbook::new();
        let date_format = Format::new().set_num_format("dd/mm/yyyy");
        let bordered = Format::new().set_bold();
        let sheet = workbook.add_worksheet();
        let (r0, c0) = self.at;
        for (c, h) in self.header.iter().enumerate() {
            sheet.write_string(r0, c0 + c as u16, h).unwrap();
        }
        for (i, (level, serial, hours)) in self.good.iter().enumerate() {
            let r = r0 + 1 + i as u32;
            let date = ExcelDateTime::from_serial_datetime(*serial).unwrap();
            sheet.write_string(r, c0, format!("T{i}")).unwrap();
            sheet
                .write_string(r, c0 + 1, ["S1", "S2", "S3"][i % 3])
                .unwrap();
            sheet.write_number(r, c0 + 2, *level).unwrap();
            sheet
                .write_datetime_with_format(r, c0 + 3, &date, &date_format)
                .unwrap();
            sheet.write_number(r, c0 + 4, *hours).unwrap();
            sheet.write_string(r, c0 + 5, "e_learning").unwrap();
        }
        for (r, c, value) in &self.cells {
            let (r, c) = (r0 + r, c0 + c);
            // The writer refuses some values (over-long text, NaN): those cells stay empty.
            let _ = match value {
                Value::Text(s) => sheet.write_string(r, c, s).map(|_| ()),
                Value::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                Value::Bool(b) => sheet.write_boolean(r, c, *b).map(|_| ()),
                Value::Date(serial) => ExcelDateTime::from_serial_datetime(*serial).and_then(|d| {
                    sheet
                        .write_datetime_with_format(r, c, &d, &date_format)
                        .map(|_| ())
                }),
                Value::Formula(f) => sheet.write_formula(r, c, *f).map(|_| ()),
                Value::Blank => sheet.write_blank(r, c, &bordered).map(|_| ()),
            };
        }
        let mut bytes = workbook.save_to_buffer().unwrap();
        let at = |per_mille: u32, len: usize| len * per_mille as usize / 1000;
        match &self.damage {
            Damage::None => {}
            Damage::Truncate(keep) => bytes.truncate(at(*keep, bytes.len())),
            Damage::Overwrite(changes) => {
                let len = bytes.len();
                for (pos, byte) in changes {
                    bytes[at(*pos, len).min(len - 1)] = *byte;
                }
            }
        }
        bytes
    }
}

#[test]
fn fuzz_xlsx_built_and_broken_workbooks() {
    let loaded = run("xlsx (built, broken)", 256, book(), |b| {
        Ok(safeguard::fuzz::xlsx(&b.bytes()))
    });
    assert!(loaded > 0, "no workbook loaded a row");
}

#[test]
fn fuzz_xlsx_arbitrary_bytes() {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1024),
        // A zip's local header magic first, so the zip reader goes further.
        prop::collection::vec(any::<u8>(), 0..1024).prop_map(|b| [
            b"PK\x03\x04".as_slice(),
            b.as_slice()
        ]
        .concat()),
    ];
    run("xlsx (arbitrary bytes)", 256, bytes, |b| {
        Ok(safeguard::fuzz::xlsx(&b))
    });
}

/// Found by the cargo-fuzz run (`fuzz/run.sh`): a cell reference of eight letters
/// (`r="Einliner..."`, a mangled `E2`) overflowed calamine's column arithmetic, a panic in any
/// build with overflow checks (`cargo run`, the tests), which ended the whole load. The decoder's
/// calls now run under `survive`, so the workbook is a file error naming it.
#[test]
fn fuzz_xlsx_regressions() {
    let fixture = crate::util::fuzz_fixture("xlsx-cell-reference-overflow.xlsx");
    let bytes = std::fs::read(fixture).unwrap();
    assert!(!safeguard::fuzz::xlsx(&bytes), "a damaged workbook loaded");
    let env = crate::util::Env::base();
    env.remove("training.csv");
    std::fs::write(env.input().join("training.xlsx"), &bytes).unwrap();
    let report = super::ingest_holds(&env.input(), &Default::default()).unwrap();
    match super::outcome(&report, "training") {
        safeguard::ingest::Outcome::Failed { error, .. } => {
            let text = error.to_string();
            assert!(text.starts_with("training.xlsx: "), "{text}");
        }
        other => panic!("the damaged workbook gave {other:?}"),
    }
}
