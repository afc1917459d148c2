//! The session's catalog: every table and view it defines, with the one-line description `\d`
//! prints. Datasets are described here, views by the header comment of their query file.

/// The tables of the load that made the snapshot, with their descriptions.
pub(super) const LOAD_TABLES: [(&str, &str); 3] = [
    (
        "load_rejects",
        "every row error of the last load: file, line, reason, kind, column, raw row",
    ),
    (
        "load_summary",
        "rows read, loaded and rejected per dataset in the last load",
    ),
    (
        "load_files",
        "every input file of the last load with its size and content hash",
    ),
];

/// The tables of the warehouse's refresh history.
pub(super) const HISTORY_TABLES: [(&str, &str); 2] = [
    (
        "refresh_runs",
        "every refresh run: when, status, what changed, rows, report, error",
    ),
    (
        "refresh_run_datasets",
        "rows read, loaded and rejected per dataset in each refresh run",
    ),
];

/// The parameter and period tables.
pub(super) const PERIOD_TABLES: [(&str, &str); 5] = [
    (
        "params",
        "as_of, the periods and every threshold the views use (one row)",
    ),
    ("quarter_ends", "the 12 quarter ends the trend views cover"),
    ("month_ends", "the 36 month ends the SPC series cover"),
    ("period_ends", "every quarter end and month end above, once"),
    (
        "period_offsets",
        "each period end minus 1..N calendar months, clamped to month end",
    ),
];

/// A dataset's one-line description.
pub(super) fn describe_dataset(name: &str) -> &'static str {
    match name {
        "organisations" => "organisations in the footprint (ODS code, name, type)",
        "staff" => "the establishment: one row per post holder (never print staff_id)",
        "training" => "safeguarding children training records (Intercollegiate levels 1-5)",
        "supervision" => "safeguarding supervision sessions",
        "section11_ratings" => {
            "Section 11 self-audit ratings, 8 standards per organisation and round"
        }
        "section11_actions" => "Section 11 action plans",
        "review_actions" => "SCR / CSPR / rapid review action plans",
        "multiagency_meetings" => {
            "child protection and strategy meetings health was asked to contribute to"
        }
        "escalations" => "professional-difference escalations",
        "quality_ratings" => "the commissioner's quarterly RAG ratings of each provider",
        _ => "",
    }
}
