//! The training data as an Electronic Staff Record (ESR) competence export, for `generate
//! --esr`: ESR-style headers, competence names instead of levels (`NHS|CSTF|Safeguarding
//! Children Level 3 - 3 Years|`), dates as `30-Nov-2028`, and every other mandatory course
//! mixed in (about half the rows), with the `[[mapping]]` that loads it as the contract's
//! training dataset. The safeguarding records are exactly those of the contract layout, so
//! both layouts of one seed load to the same warehouse.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::bad_rows::TrainingRow;
use super::dates::add_days;
use super::histories::{Course, Delivery};
use super::writers::{CsvFile, XlsxCell};
use crate::contract::calendar::add_months;

/// The folder the export goes into, below the output folder.
pub const FOLDER: &str = "esr";
/// The configuration that loads it, beside the folder.
pub const MAPPING_FILE: &str = "esr-mapping.toml";

/// The export's header (ESR's order, not the contract's).
pub const HEADER: [&str; 7] = [
    "Employee Number",
    "Competence Name",
    "Achieved Date",
    "Expiry Date",
    "Competence Record ID",
    "Learning Hours",
    "Delivery Method",
];

/// Mandatory courses other than safeguarding children: rows the mapping skips. Safeguarding
/// adults is among them, so the mapping must tell the two apart.
const OTHER_COURSES: [&str; 10] = [
    "NHS|CSTF|Fire Safety - 2 Years|",
    "NHS|CSTF|Moving and Handling - Level 1 - 3 Years|",
    "NHS|CSTF|Infection Prevention and Control - Level 1 - 3 Years|",
    "NHS|CSTF|Information Governance and Data Security - 1 Year|",
    "NHS|CSTF|Equality, Diversity and Human Rights - 3 Years|",
    "NHS|CSTF|Conflict Resolution - 3 Years|",
    "NHS|CSTF|Health, Safety and Welfare - 3 Years|",
    "NHS|CSTF|Resuscitation - Level 1 - 1 Year|",
    "NHS|CSTF|Safeguarding Adults Level 2 - 3 Years|",
    "NHS|CSTF|Preventing Radicalisation - Basic Prevent Awareness - 3 Years|",
];

/// The configuration that loads the export (a whole `safeguard.toml`: the input folder is
/// the one it sits in).
pub const MAPPING: &str = r#"# Loads the ESR competence export in esr/ as the training dataset:
#   safeguard --config esr-mapping.toml load
# (see "Loading real exports" in the README).
input = "."

[[mapping]]
dataset = "training"
files = ["esr/*.csv", "esr/*.xlsx"]

[mapping.columns]
record_id = "Competence Record ID"
staff_id = "Employee Number"
level = "Competence Name"
completed_on = "Achieved Date"
hours = "Learning Hours"
delivery = "Delivery Method"

# The safeguarding children competences, exactly (the quickest to match)...
[mapping.values.level]
"NHS|CSTF|Safeguarding Children Level 1 - 3 Years|" = "1"
"NHS|CSTF|Safeguarding Children Level 2 - 3 Years|" = "2"
"NHS|CSTF|Safeguarding Children Level 3 - 3 Years|" = "3"

[mapping.values.delivery]
"Classroom" = "face_to_face"
"Virtual Classroom" = "virtual"

# ...then any other spelling of one, and every other course is skipped.
[mapping.patterns]
level = [
  ["(?i)safeguarding children level ([0-9]+)", "$1"],
  [".*", "skip"],
]

[mapping.dates]
completed_on = ["%d-%b-%Y"]
"#;

/// The competence name of a safeguarding children course at `level`: the CSTF names for
/// levels 1 to 3, local names for the specialist levels.
pub fn course_name(level: u8) -> String {
    match level {
        1..=3 => format!("NHS|CSTF|Safeguarding Children Level {level} - 3 Years|"),
        4 => "NHS|MAND|Safeguarding Children Level 4 - Named Professionals - 3 Years|".into(),
        n => format!(
            "NHS|MAND|Safeguarding Children Level {n} - Designated Professionals - 3 Years|"
        ),
    }
}

/// How ESR names a delivery method.
pub fn delivery(d: Delivery) -> &'static str {
    match d {
        Delivery::ELearning => "E-Learning",
        Delivery::FaceToFace => "Classroom",
        Delivery::Virtual => "Virtual Classroom",
        Delivery::Conference => "Conference",
        Delivery::Other => "Other",
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// `30-Nov-2028`, without allocating.
pub fn date(d: NaiveDate) -> [u8; 11] {
    let mut out = *b"00-Mon-0000";
    let (day, year) = (d.day(), d.year().clamp(0, 9999) as u32);
    out[0] = b'0' + (day / 10) as u8;
    out[1] = b'0' + (day % 10) as u8;
    out[3..6].copy_from_slice(MONTHS[d.month0() as usize]);
    for (i, slot) in out[7..11].iter_mut().enumerate() {
        *slot = b'0' + (year / 10u32.pow(3 - i as u32) % 10) as u8;
    }
    out
}

/// Writes a safeguarding record as an export row.
pub fn write_course(
    file: &mut CsvFile,
    record_id: &str,
    staff_id: &str,
    course: &Course,
) -> anyhow::Result<()> {
    let expiry = date(add_months(course.completed_on, 36));
    file.row(&[
        staff_id.as_bytes(),
        course_name(course.level).as_bytes(),
        &date(course.completed_on),
        &expiry,
        record_id.as_bytes(),
        course.hours_text().as_bytes(),
        delivery(course.delivery).as_bytes(),
    ])
}

/// Another mandatory course the same person completed near `course`: the rows the mapping
/// skips. From its own random stream, so the safeguarding records are those of the contract
/// layout whatever is mixed in.
pub struct OtherCourse {
    pub name: &'static str,
    pub completed_on: NaiveDate,
}

impl OtherCourse {
    /// Draws one, no earlier than `earliest`.
    pub fn draw(rng: &mut ChaCha8Rng, course: &Course, earliest: NaiveDate) -> OtherCourse {
        let name = OTHER_COURSES[rng.random_range(0..OTHER_COURSES.len())];
        let completed_on = add_days(course.completed_on, -rng.random_range(0..240)).max(earliest);
        OtherCourse { name, completed_on }
    }

    /// Its record ID: `C` where a safeguarding record has `T`.
    pub fn record_id(number: u32, seq: u32) -> String {
        format!("C{number:07}-{seq:02}")
    }

    /// Writes it as an export row.
    pub fn write(&self, file: &mut CsvFile, record_id: &str, staff_id: &str) -> anyhow::Result<()> {
        let expiry = date(add_months(self.completed_on, 24));
        file.row(&[
            staff_id.as_bytes(),
            self.name.as_bytes(),
            &date(self.completed_on),
            &expiry,
            record_id.as_bytes(),
            b"1.0",
            b"E-Learning",
        ])
    }

    /// It as a row of the late returns sheet.
    pub fn typed_row(&self, record_id: &str, staff_id: &str) -> Vec<XlsxCell> {
        vec![
            XlsxCell::Text(staff_id.to_owned()),
            XlsxCell::Text(self.name.to_owned()),
            XlsxCell::Date(self.completed_on),
            XlsxCell::Date(add_months(self.completed_on, 24)),
            XlsxCell::Text(record_id.to_owned()),
            XlsxCell::Number(1.0),
            XlsxCell::Text("E-Learning".into()),
        ]
    }
}

/// A safeguarding record as a row of the late returns sheet (real date cells).
pub fn typed_row(record_id: &str, staff_id: &str, course: &Course) -> Vec<XlsxCell> {
    vec![
        XlsxCell::Text(staff_id.to_owned()),
        XlsxCell::Text(course_name(course.level)),
        XlsxCell::Date(course.completed_on),
        XlsxCell::Date(add_months(course.completed_on, 36)),
        XlsxCell::Text(record_id.to_owned()),
        XlsxCell::Number(course.hours()),
        XlsxCell::Text(delivery(course.delivery).to_owned()),
    ]
}

/// A deliberately bad record, as the export would carry it: its level as a competence name,
/// every other cell as the contract layout has it, so it is rejected for the same reason.
pub fn bad_row(row: &TrainingRow) -> [String; 7] {
    let level = match row.level.parse::<u8>() {
        Ok(n) => course_name(n),
        Err(_) => row.level.clone(),
    };
    let delivery = match row.delivery.as_str() {
        "e_learning" => "E-Learning".to_owned(),
        other => other.to_owned(),
    };
    [
        row.staff_id.clone(),
        level,
        row.completed_on.clone(),
        String::new(),
        row.record_id.clone(),
        row.hours.clone(),
        delivery,
    ]
}

/// A bad record in the late returns sheet: text cells, numbers where they parse.
pub fn untyped_row(row: &TrainingRow) -> Vec<XlsxCell> {
    bad_row(row)
        .into_iter()
        .map(|cell| match cell.parse::<f64>() {
            Ok(n) => XlsxCell::Number(n),
            Err(_) if cell.is_empty() => XlsxCell::Blank,
            Err(_) => XlsxCell::Text(cell),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esr_dates_and_names() {
        let d = NaiveDate::from_ymd_opt(2028, 11, 30).unwrap();
        assert_eq!(&date(d), b"30-Nov-2028");
        assert_eq!(
            &date(NaiveDate::from_ymd_opt(2016, 4, 1).unwrap()),
            b"01-Apr-2016"
        );
        assert_eq!(
            course_name(3),
            "NHS|CSTF|Safeguarding Children Level 3 - 3 Years|"
        );
    }

    #[test]
    fn the_mapping_is_a_valid_configuration() {
        let config: crate::config::FileConfig = toml::from_str(MAPPING).unwrap();
        let mappings =
            crate::ingest::mapping::Mappings::compile(&config.mapping, MAPPING_FILE).unwrap();
        assert_eq!(mappings.iter().count(), 1);
    }
}
