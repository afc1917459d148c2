//! The mapping step: an export read through a `[[mapping]]` whose patterns and date formats are
//! random (some not valid at all), over rows whose values the mapping maps, skips, or cannot
//! read. A configuration that does not compile is refused as a whole; one that does must
//! account for every row: read = loaded + rejected + skipped.

use std::collections::BTreeMap;

use proptest::prelude::*;
use safeguard::ingest::mapping::{MappingConfig, Mappings};

use super::{ingest_holds, outcome, run};
use crate::util::Env;

#[derive(Debug, Clone)]
struct Case {
    patterns: Vec<(String, String)>,
    dates: Vec<String>,
    skip_value: String,
    rows: Vec<[String; 5]>,
}

fn text(choices: Vec<&'static str>) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(choices).prop_map(String::from),
        1 => "[ -~]{0,16}",
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let pattern = (
        text(vec![
            "(?i)safeguarding children level ([0-9]+)",
            "^L([0-9])$",
            "(",
            "[",
            "(?i)fire",
            ".*",
            "(a*)*b",
        ]),
        text(vec!["$1", "skip", "3", "$2", "${1}"]),
    );
    let row = (
        text(vec!["S1", "S2", "S3", "S9", ""]),
        text(vec![
            "Fire Safety",
            "Safeguarding Children Level 3",
            "safeguarding children level 7",
            "NHS|CSTF|Safeguarding Children Level 2 - 3 Years|",
            "L4",
            "",
        ]),
        text(vec![
            "01-May-2024",
            "2024-05-01",
            "31-Feb-2024",
            "1/5/24",
            "",
        ]),
        text(vec!["C1", "", "", ""]),
        any::<String>(),
    )
        .prop_map(|(a, b, c, d, e)| [a, b, c, d, e]);
    (
        prop::collection::vec(pattern, 0..4),
        prop::collection::vec(text(vec!["%d-%b-%Y", "%d/%m/%y", "%Q", "%Y", ""]), 0..3),
        text(vec!["Fire Safety", "", "L4"]),
        prop::collection::vec(row, 0..30),
    )
        .prop_map(|(patterns, dates, skip_value, rows)| Case {
            patterns,
            dates,
            skip_value,
            rows,
        })
}

impl Case {
    fn config(&self) -> MappingConfig {
        // The pattern the export's levels are written for first, then the random ones.
        let mut patterns = vec![(
            "(?i)safeguarding children level ([0-9]+)".to_owned(),
            "$1".to_owned(),
        )];
        patterns.extend(self.patterns.iter().cloned());
        let columns = [
            ("record_id", "Competence Record ID"),
            ("staff_id", "Employee Number"),
            ("completed_on", "Achieved Date"),
            ("level", "Competence Name"),
        ];
        MappingConfig {
            dataset: "training".into(),
            files: vec!["esr/*.csv".into()],
            columns: columns
                .iter()
                .map(|(c, h)| ((*c).to_owned(), (*h).to_owned()))
                .collect(),
            values: BTreeMap::from([(
                "level".to_owned(),
                BTreeMap::from([(self.skip_value.clone(), "skip".to_owned())]),
            )]),
            patterns: BTreeMap::from([("level".to_owned(), patterns)]),
            dates: BTreeMap::from([("completed_on".to_owned(), self.dates.clone())]),
            constants: BTreeMap::from([("delivery".to_owned(), "e_learning".to_owned())]),
        }
    }

    fn export(&self) -> String {
        let quote = |s: &String| format!("\"{}\"", s.replace('"', "\"\""));
        let mut out = String::from(
            "Employee Number,Competence Name,Achieved Date,Competence Record ID,Notes\n",
        );
        for (i, row) in self.rows.iter().enumerate() {
            let mut row = row.clone();
            if row[3].is_empty() {
                row[3] = format!("C{i}");
            }
            out.push_str(&row.iter().map(quote).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
    }
}

#[test]
fn fuzz_mapping_accounts_for_every_row() {
    let loaded = run("mapping", 64, case(), |case| {
        let Ok(mappings) = Mappings::compile(&[case.config()], "fuzz.toml") else {
            // Refused as a configuration error before anything is read: what `load` does.
            return Ok(false);
        };
        let env = Env::base();
        env.remove("training.csv");
        env.write("esr/export.csv", &case.export());
        let report = ingest_holds(&env.input(), &mappings)?;
        if let safeguard::ingest::Outcome::Loaded(stats) = outcome(&report, "training") {
            // Every row has a record id, so none is blank.
            prop_assert_eq!(stats.rows_read, case.rows.len() as u64);
        }
        Ok(super::loaded_rows(&report, "training"))
    });
    assert!(loaded > 0, "no export loaded a row");
}
