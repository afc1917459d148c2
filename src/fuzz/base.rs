//! The small valid input every ingest entry point starts from: organisations and staff already
//! read, so a fuzzed training file's references can resolve and its rows get all the way to a
//! batch rather than stopping at "unknown staff".

use std::sync::{Arc, OnceLock};

use crate::contract;
use crate::ingest::memory::{Memory, MemoryFile};

const ORGANISATIONS: &str = "\
organisation_code,organisation_name,organisation_type
ORG1,Northshire Hospitals NHS FT,acute
ORG2,Northshire Community Health NHS Trust,community
ICB1,Northshire ICB,commissioner
";

const STAFF: &str = "\
staff_id,organisation_code,professional_group,required_level,supervision_interval_months,start_date,end_date
S1,ORG1,nursing,3,3,2020-01-01,
S2,ORG1,medical,3,,2021-06-01,
S3,ORG2,health_visiting,4,3,2019-09-01,2025-01-31
";

/// A reading with the organisations and staff loaded, to be cloned for each case.
pub fn loaded() -> Memory {
    static BASE: OnceLock<Memory> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut memory = Memory::new();
        for (name, text) in [("organisations", ORGANISATIONS), ("staff", STAFF)] {
            let def = contract::dataset(name).expect("a contract dataset");
            let file = MemoryFile {
                name: format!("{name}.csv"),
                bytes: Arc::from(text.as_bytes()),
                mapping: None,
            };
            let report = memory
                .read(def, vec![file], &mut super::Tally::default())
                .expect("the tally never fails");
            assert!(
                matches!(report.outcome, crate::ingest::Outcome::Loaded(s) if s.rows_rejected == 0),
                "the base {name} must load whole"
            );
        }
        memory
    })
    .clone()
}
