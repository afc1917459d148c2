//! The CSV reader: generated training files with random quoting, line ends, encodings and
//! headers, and arbitrary bytes.

use proptest::prelude::*;
use safeguard::fuzz;
use safeguard::ingest::mapping::Mappings;

use super::{TRAINING_HEADER, ingest_holds, loaded_rows, run};
use crate::util::Env;

/// A cell: mostly plausible values, some arbitrary text, some of the characters that break
/// CSV (quotes, separators, line ends, NUL).
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "T1", "S1", "S2", "S3", "S9", "3", "4", "0", "2024-05-01", "01/05/2024",
            "31/02/2024", "45000", "6", "-1", "1e308", "NaN", "face_to_face", "e_learning",
            "Virtual", "", " ", "\u{feff}",
        ])
        .prop_map(String::from),
        2 => any::<String>(),
        2 => "[\",\r\n \t\u{0}a-z0-9é]{0,12}",
    ]
}

/// How a file's text becomes bytes.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Utf8,
    Utf8Bom,
    /// Windows-1252 as many UK exports still are: every char below 256 as one byte.
    Latin1,
    Utf16Le,
}

/// A row: each column's value as a well-formed row has it (`None`) or replaced, quoted or
/// not, then perhaps cut short or run on.
#[derive(Debug, Clone)]
struct Line {
    cells: Vec<(Option<String>, bool)>,
    length: Length,
}

#[derive(Debug, Clone)]
enum Length {
    Whole,
    Cut(usize),
    RunOn(Vec<String>),
}

/// The well-formed value of column `column` on row `row`.
fn good(row: usize, column: usize) -> String {
    match column {
        0 => format!("T{row}"),
        1 => ["S1", "S2", "S3"][row % 3].to_owned(),
        2 => (1 + row % 5).to_string(),
        3 => ["2024-05-01", "01/05/2024"][row % 2].to_owned(),
        4 => "6".to_owned(),
        _ => "e_learning".to_owned(),
    }
}

#[derive(Debug, Clone)]
struct File {
    header: Vec<String>,
    rows: Vec<Line>,
    line_end: &'static str,
    encoding: Encoding,
    final_line_end: bool,
}

impl File {
    fn bytes(&self) -> Vec<u8> {
        let cell = |(text, quoted): &(String, bool)| {
            if *quoted {
                format!("\"{}\"", text.replace('"', "\"\""))
            } else {
                text.clone()
            }
        };
        let mut lines = vec![self.header.join(",")];
        for (r, line) in self.rows.iter().enumerate() {
            let mut cells: Vec<String> = line
                .cells
                .iter()
                .enumerate()
                .map(|(c, (text, quoted))| {
                    cell(&(text.clone().unwrap_or_else(|| good(r, c)), *quoted))
                })
                .collect();
            match &line.length {
                Length::Whole => {}
                Length::Cut(n) => cells.truncate(*n),
                Length::RunOn(more) => cells.extend(more.iter().cloned()),
            }
            lines.push(cells.join(","));
        }
        let mut text = lines.join(self.line_end);
        if self.final_line_end {
            text.push_str(self.line_end);
        }
        match self.encoding {
            Encoding::Utf8 => text.into_bytes(),
            Encoding::Utf8Bom => [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat(),
            Encoding::Latin1 => text
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
            Encoding::Utf16Le => [0xff, 0xfe]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
        }
    }
}

fn header() -> impl Strategy<Value = Vec<String>> {
    let contract: Vec<String> = TRAINING_HEADER.iter().map(|h| (*h).to_owned()).collect();
    prop_oneof![
        4 => Just(contract.clone()),
        1 => Just(contract.clone()).prop_shuffle(),
        1 => (Just(contract.clone()), "[a-z ]{0,8}")
            .prop_map(|(mut h, extra)| { h.push(extra); h }),
        1 => (Just(contract), 0usize..6).prop_map(|(mut h, i)| { h.remove(i); h }),
        1 => prop::collection::vec(field(), 0..8),
    ]
}

fn file() -> impl Strategy<Value = File> {
    let cell = (
        prop::option::weighted(0.15, field()),
        prop::bool::weighted(0.2),
    );
    let length = prop_oneof![
        8 => Just(Length::Whole),
        1 => (0usize..6).prop_map(Length::Cut),
        1 => prop::collection::vec(field(), 1..4).prop_map(Length::RunOn),
    ];
    let row =
        (prop::collection::vec(cell, 6), length).prop_map(|(cells, length)| Line { cells, length });
    (
        header(),
        prop::collection::vec(row, 0..24),
        prop::sample::select(vec!["\n", "\r\n", "\r"]),
        prop_oneof![
            4 => Just(Encoding::Utf8),
            1 => Just(Encoding::Utf8Bom),
            1 => Just(Encoding::Latin1),
            1 => Just(Encoding::Utf16Le),
        ],
        any::<bool>(),
    )
        .prop_map(|(header, rows, line_end, encoding, final_line_end)| File {
            header,
            rows,
            line_end,
            encoding,
            final_line_end,
        })
}

/// Loads the base input with `training.csv` replaced by `bytes`.
fn load_training(bytes: &[u8]) -> Result<bool, TestCaseError> {
    let env = Env::base();
    std::fs::write(env.input().join("training.csv"), bytes).unwrap();
    ingest_holds(&env.input(), &Mappings::default()).map(|r| loaded_rows(&r, "training"))
}

#[test]
fn fuzz_csv_generated_files() {
    let loaded = run("csv (generated)", 512, file(), |f| {
        Ok(fuzz::csv(&f.bytes()))
    });
    assert!(loaded > 0, "no generated file loaded a row");
}

#[test]
fn fuzz_csv_arbitrary_bytes() {
    let bytes = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        // After a good header, so the rows are read too.
        prop::collection::vec(any::<u8>(), 0..2048).prop_map(|b| {
            [
                TRAINING_HEADER.join(",").as_bytes(),
                b"\n".as_slice(),
                b.as_slice(),
            ]
            .concat()
        }),
    ];
    run("csv (arbitrary bytes)", 512, bytes, |b| Ok(fuzz::csv(&b)));
}

/// The hostile inputs tried by hand when the issue was filed; each must load or fail cleanly.
#[test]
fn fuzz_csv_regressions() {
    let header = TRAINING_HEADER.join(",");
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        header.clone().into_bytes(),
        format!("{header}\r").into_bytes(),
        format!("{header}\rT1,S1,3,2024-05-01,6,e_learning\r").into_bytes(),
        format!("{header}\nT1,S1,3,2024-05-01,6,\"e_learning\n").into_bytes(),
        format!("{header}\nT1,S1\u{0},3,2024-05-01,6,e_learning\n").into_bytes(),
        format!("{header}\n\"\"\"\n,,,,,,,,,,,,,,,,,,,,,,\n").into_bytes(),
        [
            header.as_bytes(),
            b"\nT1,S1,3,\xff\xfe,6,e_learning\n".as_slice(),
        ]
        .concat(),
        format!("\"{}", "x".repeat(100_000)).into_bytes(),
    ];
    for bytes in cases {
        load_training(&bytes)
            .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(&bytes)));
    }
}
