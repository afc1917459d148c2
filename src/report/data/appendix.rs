//! Appendix A, data quality and provenance: rows read, loaded and rejected per dataset, the
//! commonest reject reasons (without the rejected values), the input files with their hashes,
//! the recent refresh runs, the snapshot the figures came from, and how many counts disclosure
//! control suppressed.

use std::collections::BTreeMap;

use super::model::{Appendix, DatasetRow, DisclosureAudit, FileRow, RefreshRow, RejectRow};
use super::params::Params;
use super::rows::query;
use crate::query::Session;
use crate::report::format::{long_date, sentence_case, thousands};

/// The provenance appendix. Its tables are absent from a warehouse loaded before they existed,
/// so a failed query leaves its table empty rather than failing the report.
pub(super) async fn appendix(
    session: &Session,
    p: &Params,
    disclosure: DisclosureAudit,
) -> anyhow::Result<Appendix> {
    let summary = query(
        session,
        "SELECT dataset, status, rows_read, rows_loaded, rows_rejected FROM load_summary",
    )
    .await
    .unwrap_or_default();
    let order = |d: &str| {
        crate::contract::DATASETS
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
    // Only the kind: the reason and raw_row hold the rejected values, which may be staff ids.
    // A snapshot loaded before kinds were stored has no kind column; its rejects still count.
    let rejects = match query(session, "SELECT dataset, kind FROM load_rejects").await {
        Ok(rows) => rows,
        Err(_) => query(session, "SELECT dataset, NULL AS kind FROM load_rejects")
            .await
            .unwrap_or_default(),
    };
    let mut kinds: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in &rejects {
        let kind = r
            .text("kind")
            .unwrap_or("a row error (its kind was not recorded by that load)")
            .to_owned();
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
    // Rows an explicit mapping skipped (other courses in an ESR export, say), per file. Rows,
    // not people: no disclosure control applies.
    let skipped = query(
        session,
        "SELECT dataset, path, rows_skipped FROM load_files WHERE rows_skipped > 0 \
         ORDER BY dataset, path",
    )
    .await
    .unwrap_or_default()
    .iter()
    .map(|r| {
        format!(
            "{} rows skipped by the mapping for {} ({})",
            thousands(r.count("rows_skipped")),
            r.string("path"),
            r.string("dataset")
        )
    })
    .collect();
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
    let m = session.manifest();
    Ok(Appendix {
        refresh_runs,
        datasets: datasets.into_iter().map(|(_, d)| d).collect(),
        rejects_total: thousands(rejects.len() as i64),
        skipped,
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
        disclosure,
    })
}
