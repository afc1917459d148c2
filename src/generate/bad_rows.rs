//! Deliberately bad rows, so the loader's rejects path has something to show.
//!
//! A fixed set of 17 rows, whatever the scale (`y` is the year before as_of, 2025 by default):
//!
//! | file | row | expected reject |
//! |---|---|---|
//! | staff.csv | end_date 31/08/y before start_date 01/09/y | end_date before start_date |
//! | staff.csv | organisation_code `N99` | unknown organisation |
//! | training/y.csv (1) | completed_on `31/02/y` | invalid date |
//! | training/y.csv (1) | completed_on `y-13-01` | invalid date |
//! | training/y.csv (1) | staff_id not in staff | unknown staff_id |
//! | training/y.csv (1) | level 7 | level out of range 1-5 |
//! | training/y.csv (1) | staff_id blank | required field blank |
//! | training/late-returns.xlsx | record_id of the first record in the yearly files, resubmitted | duplicate key |
//! | training/late-returns.xlsx | Completed On is the text `TBC` | invalid date |
//! | supervision.parquet | staff_id not in staff | unknown staff_id |
//! | section11_ratings.xlsx | standard 9 | standard out of range 1-8 |
//! | section11_actions.csv | action blank | required field blank |
//! | review_actions.csv | due_date 30 days before agreed_on | due_date before agreed_on |
//! | multiagency_meetings.csv | meeting_type `phone_call` | invalid enum value |
//! | multiagency_meetings.csv | contributed `maybe` | invalid boolean |
//! | escalations.csv | level 6 | level out of range 1-5 |
//! | quality_ratings.csv | quarter_end `y-05-15` | not a quarter end |
//!
//! (1) With `parquet: true` the yearly files are typed Parquet and cannot hold these, so the
//! five rows go to `training/late-returns.xlsx` instead (dates as text cells).

use super::workforce::{staff_id, staff_number};

/// A training row as text, good or bad.
#[derive(Clone, Debug)]
pub struct TrainingRow {
    pub record_id: String,
    pub staff_id: String,
    pub level: String,
    pub completed_on: String,
    pub hours: String,
    pub delivery: String,
}

/// A staff id that looks real but belongs to nobody (staff numbers are a bijection, and the
/// indexes from `staff` upwards are never drawn for real post holders).
pub fn unknown_staff_id(staff: u64, offset: u64) -> String {
    staff_id(staff_number(staff + offset))
}

/// The two bad `staff.csv` rows (ESR layout: UK dates).
pub fn staff(staff: u64, y: i32, org_code: &str) -> Vec<[String; 7]> {
    vec![
        [
            unknown_staff_id(staff, 0),
            org_code.to_string(),
            "nursing".into(),
            "2".into(),
            String::new(),
            format!("01/09/{y}"),
            format!("31/08/{y}"),
        ],
        [
            unknown_staff_id(staff, 1),
            "N99".into(),
            "admin_clerical".into(),
            "1".into(),
            String::new(),
            format!("03/01/{y}"),
            String::new(),
        ],
    ]
}

/// The five bad training rows that go into a yearly file (or the late returns sheet).
pub fn training(staff: u64, y: i32, real_staff_id: &str) -> Vec<TrainingRow> {
    let row = |n: u32, staff_id: &str, level: &str, completed_on: String| TrainingRow {
        record_id: format!("TX{y}-{n:03}"),
        staff_id: staff_id.to_string(),
        level: level.to_string(),
        completed_on,
        hours: "1.5".into(),
        delivery: "e_learning".into(),
    };
    let unknown = unknown_staff_id(staff, 2);
    vec![
        row(1, real_staff_id, "2", format!("31/02/{y}")),
        row(2, real_staff_id, "3", format!("{y}-13-01")),
        row(3, &unknown, "2", format!("{y}-06-12")),
        row(4, real_staff_id, "7", format!("{y}-07-01")),
        row(5, "", "1", format!("{y}-03-14")),
    ]
}

/// The late returns row whose completion date is the text `TBC`.
pub fn late_return_tbc(y: i32, real_staff_id: &str) -> TrainingRow {
    TrainingRow {
        record_id: format!("TX{y}-006"),
        staff_id: real_staff_id.to_string(),
        level: "3".into(),
        completed_on: "TBC".into(),
        hours: "6".into(),
        delivery: "Face to face".into(),
    }
}

/// The bad supervision row's staff id.
pub fn supervision_staff_id(staff: u64) -> String {
    unknown_staff_id(staff, 3)
}
