//! Appendix A, data quality and provenance: rows read, loaded and rejected per dataset, the
//! commonest reject reasons (without the rejected values), the input files with their hashes,
//! the recent refresh runs, and the snapshot the figures came from.

use std::collections::BTreeMap;

use super::model::{Appendix, DatasetRow, FileRow, RefreshRow, RejectRow};
use super::params::Params;
use super::rows::query;
use crate::query::Session;
use crate::report::format::{long_date, sentence_case, thousands};

/// A reject's reason without the rejected value, which may be a staff identifier: "unknown
/// staff_id SG123: not in staff" becomes "staff_id not found in staff".
pub fn reason_kind(reason: &str, column: Option<&str>) -> String {
    let col = column.unwrap_or("a column");
    if reason.ends_with("is required but blank") {
        format!("{col} is required but blank")
    } else if reason.starts_with("duplicate ") {
        "duplicate key: an earlier row has the same key".to_owned()
    } else if let Some(rest) = reason.strip_prefix("unknown ") {
        let target = rest.rsplit_once(": not in ").map_or("", |(_, t)| t);
        format!("{col} not found in {target}")
    } else if let Some(rest) = reason.strip_prefix("no ") {
        let target = rest.split_once(" row for ").map_or("", |(t, _)| t);
        format!("no matching {target} row")
    } else if reason.starts_with("invalid ") {
        let what = reason
            .strip_prefix("invalid ")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("value");
        format!("invalid {what} in {col}")
    } else if reason.contains(" is before ") {
        let later = reason.split_whitespace().next().unwrap_or(col);
        let earlier = reason
            .split_once(" is before ")
            .and_then(|(_, r)| r.split_whitespace().next())
            .unwrap_or("");
        format!("{later} is before {earlier}")
    } else if reason.contains("is not a quarter end") {
        format!("{col} is not a quarter end")
    } else if reason.starts_with("the row has ") {
        "the row has more fields than the header".to_owned()
    } else if reason.contains(" is ") && column.is_some() {
        format!("{col} out of range")
    } else {
        format!("problem in {col}")
    }
}

/// The provenance appendix. Its tables are absent from a warehouse loaded before they existed,
/// so a failed query leaves its table empty rather than failing the report.
pub(super) async fn appendix(session: &Session, p: &Params) -> anyhow::Result<Appendix> {
    let summary = query(
        session,
        "SELECT dataset, status, rows_read, rows_loaded, rows_rejected FROM load_summary",
    )
    .await
    .unwrap_or_default();
    let order = |d: &str| {
        crate::ingest::DATASETS
            .iter()
            .position(|x| x.name == d)
            .unwrap_or(usize::MAX)
    };
    let mut datasets: Vec<(usize, DatasetRow)> = summary
        .iter()
        .map(|r| {
            let d = r.string("dataset");
            (
                order(&d),
                DatasetRow {
                    status: sentence_case(&r.string("status")),
                    read: thousands(r.count("rows_read")),
                    loaded: thousands(r.count("rows_loaded")),
                    rejected: thousands(r.count("rows_rejected")),
                    dataset: d,
                },
            )
        })
        .collect();
    datasets.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.dataset.cmp(&b.1.dataset)));
    // Only the reason and column: raw_row (which holds staff ids) is never read.
    let rejects = query(
        session,
        "SELECT dataset, \"column\", reason FROM load_rejects",
    )
    .await
    .unwrap_or_default();
    let mut kinds: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in &rejects {
        let kind = reason_kind(r.text("reason").unwrap_or_default(), r.text("column"));
        *kinds.entry((r.string("dataset"), kind)).or_default() += 1;
    }
    let mut kinds: Vec<((String, String), i64)> = kinds.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let files = query(
        session,
        "SELECT dataset, path, format, bytes, xxh3_128 FROM load_files ORDER BY dataset, path",
    )
    .await
    .unwrap_or_default();
    // Finished runs only: the run typesetting this report is still going.
    let runs = query(
        session,
        "SELECT started, status, changes, rows_loaded, rows_rejected, error FROM refresh_runs \
         WHERE status <> 'running' ORDER BY run_id DESC LIMIT 10",
    )
    .await
    .unwrap_or_default();
    let refresh_runs = runs
        .iter()
        .map(|r| RefreshRow {
            started: chrono::DateTime::parse_from_rfc3339(&r.string("started"))
                .map(|t| t.format("%-d %b %Y %H:%M").to_string())
                .unwrap_or_else(|_| r.string("started")),
            status: match r.string("status").as_str() {
                "ok" => "Published".to_owned(),
                "no_change" => "Nothing changed".to_owned(),
                _ => "Failed".to_owned(),
            },
            changes: r.text("changes").unwrap_or("").to_owned(),
            loaded: r.int("rows_loaded").map_or(String::new(), thousands),
            rejected: r.int("rows_rejected").map_or(String::new(), thousands),
            // The first line: a template error's diagnostics are for the log, not the board.
            error: r
                .text("error")
                .and_then(|e| e.lines().next())
                .unwrap_or("")
                .to_owned(),
        })
        .collect();
    let m = &session.manifest;
    Ok(Appendix {
        refresh_runs,
        datasets: datasets.into_iter().map(|(_, d)| d).collect(),
        rejects_total: thousands(rejects.len() as i64),
        rejects: kinds
            .into_iter()
            .take(12)
            .map(|((dataset, reason), n)| RejectRow {
                dataset,
                reason,
                count: thousands(n),
            })
            .collect(),
        files: files
            .iter()
            .map(|r| FileRow {
                dataset: r.string("dataset"),
                path: r.string("path"),
                format: r.string("format"),
                bytes: thousands(r.count("bytes")),
                hash: r.string("xxh3_128"),
            })
            .collect(),
        snapshot: m.snapshot.clone(),
        load_finished: chrono::DateTime::parse_from_rfc3339(&m.load_finished)
            .map(|t| t.format("%-d %B %Y at %H:%M:%S UTC").to_string())
            .unwrap_or_else(|_| m.load_finished.clone()),
        program_version: m.program_version.clone(),
        as_of: long_date(p.as_of),
        input: m.input.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_reasons_lose_their_values() {
        let cases = [
            (
                "unknown staff_id SG1234567: not in staff",
                Some("staff_id"),
                "staff_id not found in staff",
            ),
            (
                "duplicate staff_id SG1234567: an earlier row has the same key",
                Some("staff_id"),
                "duplicate key: an earlier row has the same key",
            ),
            (
                "invalid date 31/02/2025 in completed_on (no such day)",
                Some("completed_on"),
                "invalid date in completed_on",
            ),
            (
                "level 7 is between 1 and 5",
                Some("level"),
                "level out of range",
            ),
            (
                "end_date 2020-01-01 is before start_date 2021-01-01",
                Some("end_date"),
                "end_date is before start_date",
            ),
            (
                "no section11_ratings row for organisation_code N1A, audit_round 2024, standard 9",
                Some("organisation_code"),
                "no matching section11_ratings row",
            ),
        ];
        for (reason, column, want) in cases {
            let got = reason_kind(reason, column);
            assert_eq!(got, want, "{reason}");
            assert!(!got.contains("SG1234567"));
        }
    }
}
