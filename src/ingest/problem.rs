//! What is wrong with a rejected row: each problem's sentence for the person fixing the file,
//! and its kind, the same for every row with the same fault, by which rejects are counted and
//! grouped (the `kind` column of `load_rejects`, the report's appendix).

use std::fmt;

/// One thing wrong with a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The contract column at fault, if one is.
    pub column: Option<&'static str>,
    /// Its 1-based position in the file, for `file:line:column` messages.
    pub column_number: Option<usize>,
    pub kind: ProblemKind,
    /// The problem as a sentence naming the value, e.g. `level 7 is out of range 1-5`.
    pub reason: String,
}

/// A kind of problem. Its text names columns and datasets but never a value, so rows with
/// the same fault share it and it can be printed where the values cannot (a value can be a
/// staff identifier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The reader could not read the row itself (text that is not UTF-8).
    Unreadable,
    /// The row has more (non-blank) fields than the header.
    TooManyFields,
    /// A required column is blank.
    RequiredBlank { column: &'static str },
    /// A value that is not of its column's type at all; `what` is the type as the reason
    /// names it (`date`, `whole number`, `yes/no value`, ...).
    Malformed {
        column: &'static str,
        what: &'static str,
    },
    /// A value of the right type outside its column's range.
    OutOfRange { column: &'static str },
    /// A date before the date it must not precede.
    Before {
        later: &'static str,
        earlier: &'static str,
    },
    /// A date that must be a quarter end and is not.
    NotQuarterEnd { column: &'static str },
    /// An earlier row of the dataset has the same key.
    Duplicate,
    /// A one-column reference to a key the other dataset does not have.
    UnknownKey {
        column: &'static str,
        dataset: &'static str,
    },
    /// A reference of several columns to a row the other dataset does not have.
    NoMatchingRow { dataset: &'static str },
    /// A value of a column the file's mapping maps that no exact value or pattern matched, and
    /// that is not a valid value as it stands (a course left over in an ESR export).
    Unmapped { column: &'static str },
}

impl ProblemKind {
    /// The kind of a cell that did not parse as its column's type.
    pub fn of_invalid(invalid: &super::value::Invalid, column: &'static str) -> ProblemKind {
        match invalid {
            super::value::Invalid::OutOfRange { .. } => ProblemKind::OutOfRange { column },
            super::value::Invalid::Malformed { what, .. } => {
                ProblemKind::Malformed { column, what }
            }
        }
    }
}

impl fmt::Display for ProblemKind {
    /// The wording the report's appendix has always grouped rejects under.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Unreadable => write!(f, "problem in a column"),
            ProblemKind::TooManyFields => write!(f, "the row has more fields than the header"),
            ProblemKind::RequiredBlank { column } => write!(f, "{column} is required but blank"),
            // Only the first word of the type: `invalid whole in level`, `invalid yes/no in
            // contributed`, as the appendix has always printed them.
            ProblemKind::Malformed { column, what } => write!(
                f,
                "invalid {} in {column}",
                what.split_whitespace().next().unwrap_or("value")
            ),
            ProblemKind::OutOfRange { column } => write!(f, "{column} out of range"),
            ProblemKind::Before { later, earlier } => write!(f, "{later} is before {earlier}"),
            ProblemKind::NotQuarterEnd { column } => write!(f, "{column} is not a quarter end"),
            ProblemKind::Duplicate => {
                write!(f, "duplicate key: an earlier row has the same key")
            }
            ProblemKind::UnknownKey { column, dataset } => {
                write!(f, "{column} not found in {dataset}")
            }
            ProblemKind::NoMatchingRow { dataset } => write!(f, "no matching {dataset} row"),
            ProblemKind::Unmapped { column } => write!(f, "{column} value matches no mapping"),
        }
    }
}

/// The kind a rejected row is counted under: its first problem's (rows with several problems
/// are counted once, under the first found, in column order).
pub fn row_kind(problems: &[Problem]) -> Option<ProblemKind> {
    problems.first().map(|p| p.kind)
}

#[cfg(test)]
mod tests {
    //! Every kind of problem the validator finds, from rows read as a provider would send them,
    //! with the reason the validator writes and the kind text the rejects are grouped under.
    use std::path::Path;

    use super::*;
    use crate::contract::dataset;
    use crate::ingest::formats::{self, Format};
    use crate::ingest::mapping::{ColumnPlan, Layout};
    use crate::ingest::validate::{KeyIndex, KeySet, Pushed, Validator, key_hash};
    use crate::ingest::value::Value;

    /// The problems of every row of `csv` (a file of `dataset`), as `(reason, column, kind)`,
    /// with `keys` as the keys of the datasets already loaded.
    fn problems(
        name: &str,
        csv: &[u8],
        keys: &KeyIndex,
    ) -> Vec<(String, Option<&'static str>, String)> {
        let def = dataset(name).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{name}.csv"));
        std::fs::write(&path, csv).unwrap();
        let mut source = formats::open(&path, &display(&path), Format::Csv).unwrap();
        let mut validator = Validator::new(def, vec![], keys);
        let layout = Layout::new(def, None, source.headers(), "x.csv").unwrap();
        let map = ColumnPlan::new(&layout, &[]);
        let mut out = vec![];
        source
            .rows(&mut |row, _| {
                if let Pushed::Rejected(problems) = validator.push(row, &map) {
                    for p in problems {
                        out.push((p.reason, p.column, p.kind.to_string()));
                    }
                }
            })
            .unwrap();
        out
    }

    fn display(path: &Path) -> String {
        path.display().to_string()
    }

    /// Keys of a dataset, each one column.
    fn keys(values: &[&str]) -> KeySet {
        values
            .iter()
            .map(|v| key_hash([&Value::Text((*v).into())]))
            .collect()
    }

    fn case(
        reason: &str,
        column: Option<&'static str>,
        kind: &str,
    ) -> (String, Option<&'static str>, String) {
        (reason.to_owned(), column, kind.to_owned())
    }

    #[test]
    fn each_kind_of_problem_has_the_text_rejects_are_grouped_under() {
        let mut index = KeyIndex::default();
        index.insert("organisations", keys(&["N1"]));
        let staff = problems(
            "staff",
            b"staff_id,organisation_code,professional_group,required_level,start_date,end_date\n\
              ,N1,nursing,2,2024-01-01,\n\
              S2,N1,nursing,two,2024-01-01,\n\
              S3,N1,nursing,7,2024-01-01,\n\
              S4,N1,nursing,2,31/02/2025,\n\
              S5,N1,surgeon,2,2024-01-01,\n\
              S6,N1,nursing,2,2025-01-01,2024-01-01\n\
              S7,N99,nursing,2,2024-01-01,\n\
              S8,N1,nursing,2,2024-01-01,,extra\n\
              S9,N1,nursing,2,2024-01-01,\n\
              S9,N1,nursing,3,2024-01-01,\n\
              S\xff,N1,nursing,2,2024-01-01,\n",
            &index,
        );
        assert_eq!(
            staff,
            [
                case(
                    "staff_id is required but blank",
                    Some("staff_id"),
                    "staff_id is required but blank"
                ),
                case(
                    "invalid whole number \"two\" in required_level",
                    Some("required_level"),
                    "invalid whole in required_level"
                ),
                case(
                    "required_level 7 is out of range 1-5",
                    Some("required_level"),
                    "required_level out of range"
                ),
                case(
                    "invalid date 31/02/2025 in start_date (expected YYYY-MM-DD or DD/MM/YYYY)",
                    Some("start_date"),
                    "invalid date in start_date"
                ),
                case(
                    "invalid value \"surgeon\" in professional_group (expected one of medical, \
                     nursing, midwifery, health_visiting, school_nursing, allied_health, \
                     general_practice, pharmacy, admin_clerical, management, other)",
                    Some("professional_group"),
                    "invalid value in professional_group"
                ),
                case(
                    "end_date 2024-01-01 is before start_date 2025-01-01",
                    Some("end_date"),
                    "end_date is before start_date"
                ),
                case(
                    "unknown organisation_code N99: not in organisations",
                    Some("organisation_code"),
                    "organisation_code not found in organisations"
                ),
                case(
                    "the row has 7 fields but the header has 6",
                    None,
                    "the row has more fields than the header"
                ),
                case(
                    "duplicate staff_id S9: an earlier row has the same key",
                    Some("staff_id"),
                    "duplicate key: an earlier row has the same key"
                ),
                case(
                    "field 1 is not UTF-8 text: save the file as \"CSV UTF-8\"",
                    None,
                    "problem in a column"
                ),
            ]
        );

        index.insert("staff", keys(&["S1"]));
        let training = problems(
            "training",
            b"record_id,staff_id,level,completed_on,hours\n\
              T1,S1,2,2025-01-01,lots\n\
              T2,S1,2,2025-01-01,-1\n",
            &index,
        );
        assert_eq!(
            training,
            [
                case(
                    "invalid number \"lots\" in hours",
                    Some("hours"),
                    "invalid number in hours"
                ),
                case(
                    "hours -1 is below the minimum 0",
                    Some("hours"),
                    "hours out of range"
                ),
            ]
        );

        let meetings = problems(
            "multiagency_meetings",
            b"meeting_id,organisation_code,meeting_type,meeting_date,contributed\n\
              M1,N1,icpc,2025-01-01,maybe\n",
            &index,
        );
        assert_eq!(
            meetings,
            [case(
                "invalid yes/no value \"maybe\" in contributed (expected true/false, yes/no, y/n \
                 or 1/0)",
                Some("contributed"),
                "invalid yes/no in contributed"
            )]
        );

        let ratings = problems(
            "quality_ratings",
            b"organisation_code,quarter_end,metric,rating\nN1,2025-05-15,11.b,green\n",
            &index,
        );
        assert_eq!(
            ratings,
            [case(
                "quarter_end 2025-05-15 is not a quarter end (30 June, 30 September, 31 December \
                 or 31 March)",
                Some("quarter_end"),
                "quarter_end is not a quarter end"
            )]
        );

        index.insert("section11_ratings", KeySet::default());
        let actions = problems(
            "section11_actions",
            b"action_id,organisation_code,audit_round,standard,action,due_date\n\
              A1,N1,2024,3,Audit the audit,2025-01-01\n",
            &index,
        );
        assert_eq!(
            actions,
            [case(
                "no section11_ratings row for organisation_code N1, audit_round 2024, standard 3",
                Some("organisation_code"),
                "no matching section11_ratings row"
            )]
        );
    }

    #[test]
    fn a_row_is_counted_under_its_first_problem() {
        let problem = |kind| Problem {
            column: None,
            column_number: None,
            kind,
            reason: String::new(),
        };
        let first = ProblemKind::RequiredBlank { column: "staff_id" };
        let second = ProblemKind::OutOfRange { column: "level" };
        assert_eq!(row_kind(&[problem(first), problem(second)]), Some(first));
        assert_eq!(row_kind(&[]), None);
    }
}
