//! The refresh run history: `WAREHOUSE/refresh_runs.jsonl`, an append-only log with one line
//! when a run starts and one when it ends. Appending a line never rewrites what is there, so a
//! run killed at any moment loses at most its own last line; a run that started and never
//! finished is shown as failed ("did not finish"). SQL sees the log as two tables,
//! `refresh_runs` and `refresh_run_datasets`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use serde::{Deserialize, Serialize};

/// The log's file name in the warehouse folder.
pub const HISTORY_FILE: &str = "refresh_runs.jsonl";

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Published a new snapshot and report (or restored a missing report).
    Ok,
    /// Nothing had changed since the last run: nothing was done.
    NoChange,
    /// Something stopped it, or it published with problems (a file error): see `error`.
    Failed,
    /// Started and has not finished: still running, or killed.
    Running,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::NoChange => "no_change",
            RunStatus::Failed => "failed",
            RunStatus::Running => "running",
        }
    }
}

/// Rows read, loaded, rejected and skipped by a mapping for one dataset in one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDataset {
    pub dataset: String,
    /// loaded, kept_previous, failed or absent (as in `load_summary`).
    pub status: String,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    /// Absent from runs recorded before mappings: 0.
    #[serde(default)]
    pub rows_skipped: u64,
}

/// Everything recorded about one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub run_id: String,
    /// RFC 3339 UTC.
    pub started: String,
    pub finished: Option<String>,
    pub status: RunStatus,
    pub pid: u32,
    pub host: String,
    /// Why it ran: `training.csv changed`, `configuration changed`, ...
    #[serde(default)]
    pub changes: Vec<String>,
    #[serde(default)]
    pub datasets: Vec<RunDataset>,
    /// The snapshot it published, if it published one.
    pub snapshot: Option<String>,
    /// The report it wrote, if it wrote one.
    pub report: Option<String>,
    pub pages: Option<u64>,
    pub error: Option<String>,
    pub exit_code: Option<u8>,
}

impl Run {
    /// A run that has just started, with nothing yet to say about it.
    pub fn new(run_id: String, started: String, pid: u32, host: String) -> Run {
        Run {
            run_id,
            started,
            finished: None,
            status: RunStatus::Running,
            pid,
            host,
            changes: vec![],
            datasets: vec![],
            snapshot: None,
            report: None,
            pages: None,
            error: None,
            exit_code: None,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    Started {
        run_id: String,
        started: String,
        pid: u32,
        host: String,
    },
    Finished(Run),
}

/// This machine's name, as recorded for runs and locks.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default()
}

/// Records that a run has started. Call with the warehouse lock held (or, for a run that
/// could not get the lock, [`record`] its whole outcome at once).
pub fn started(root: &Path, run: &Run) -> anyhow::Result<()> {
    append(
        root,
        &Event::Started {
            run_id: run.run_id.clone(),
            started: run.started.clone(),
            pid: run.pid,
            host: run.host.clone(),
        },
    )
}

/// Records how a run ended.
pub fn record(root: &Path, run: &Run) -> anyhow::Result<()> {
    append(root, &Event::Finished(run.clone()))
}

fn append(root: &Path, event: &Event) -> anyhow::Result<()> {
    let path = root.join(HISTORY_FILE);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open the run history {}", path.display()))?;
    // A writer killed mid-line left no newline: start afresh so this line stays readable.
    let mut line = if ends_mid_line(&mut file)? {
        vec![b'\n']
    } else {
        vec![]
    };
    line.extend(serde_json::to_vec(event)?);
    line.push(b'\n');
    // One write of a whole line: a kill leaves the line whole or absent (a torn last line is
    // skipped when reading).
    file.write_all(&line)
        .and_then(|_| file.sync_data())
        .with_context(|| format!("cannot write to the run history {}", path.display()))
}

fn ends_mid_line(file: &mut std::fs::File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// Every run, oldest first. A run with no end record is `running` if its process is alive on
/// this machine, else `failed` with the reason that it did not finish.
pub fn read(root: &Path) -> anyhow::Result<Vec<Run>> {
    let path = root.join(HISTORY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut order = vec![];
    let mut runs: BTreeMap<String, Run> = BTreeMap::new();
    for line in text.lines() {
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            continue;
        };
        let run = match event {
            Event::Started {
                run_id,
                started,
                pid,
                host,
            } => Run::new(run_id, started, pid, host),
            Event::Finished(run) => run,
        };
        if !runs.contains_key(&run.run_id) {
            order.push(run.run_id.clone());
        }
        runs.insert(run.run_id.clone(), run);
    }
    let here = host_name();
    Ok(order
        .into_iter()
        .filter_map(|id| runs.remove(&id))
        .map(|mut run| {
            let alive = run.host == here && Path::new(&format!("/proc/{}", run.pid)).exists();
            if run.status == RunStatus::Running && !alive {
                run.status = RunStatus::Failed;
                run.error = Some(
                    "did not finish: the process was stopped (killed, or the machine went down)"
                        .into(),
                );
            }
            run
        })
        .collect())
}

/// The schema of `refresh_runs`.
pub fn runs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("started", DataType::Utf8, false),
        Field::new("finished", DataType::Utf8, true),
        Field::new("status", DataType::Utf8, false),
        Field::new("changes", DataType::Utf8, true),
        Field::new("rows_loaded", DataType::Int64, true),
        Field::new("rows_rejected", DataType::Int64, true),
        Field::new("snapshot", DataType::Utf8, true),
        Field::new("report", DataType::Utf8, true),
        Field::new("pages", DataType::Int64, true),
        Field::new("error", DataType::Utf8, true),
        Field::new("exit_code", DataType::Int64, true),
        Field::new("host", DataType::Utf8, false),
        Field::new("pid", DataType::Int64, false),
    ]))
}

/// The schema of `refresh_run_datasets`.
pub fn datasets_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("dataset", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("rows_read", DataType::Int64, false),
        Field::new("rows_loaded", DataType::Int64, false),
        Field::new("rows_rejected", DataType::Int64, false),
        Field::new("rows_skipped", DataType::Int64, false),
    ]))
}

/// The history as `refresh_runs` (one row per run, `changes` joined with "; ") and
/// `refresh_run_datasets` (one row per run and dataset).
pub fn tables(runs: &[Run]) -> anyhow::Result<(RecordBatch, RecordBatch)> {
    let text = |f: &dyn Fn(&Run) -> Option<String>| -> ArrayRef {
        Arc::new(runs.iter().map(f).collect::<StringArray>())
    };
    let int = |f: &dyn Fn(&Run) -> Option<i64>| -> ArrayRef {
        Arc::new(runs.iter().map(f).collect::<Int64Array>())
    };
    let loaded = |r: &Run| {
        (!r.datasets.is_empty()).then(|| r.datasets.iter().map(|d| d.rows_loaded as i64).sum())
    };
    let rejected = |r: &Run| {
        (!r.datasets.is_empty()).then(|| r.datasets.iter().map(|d| d.rows_rejected as i64).sum())
    };
    let run_rows = RecordBatch::try_new(
        runs_schema(),
        vec![
            text(&|r| Some(r.run_id.clone())),
            text(&|r| Some(r.started.clone())),
            text(&|r| r.finished.clone()),
            text(&|r| Some(r.status.as_str().to_owned())),
            text(&|r| (!r.changes.is_empty()).then(|| r.changes.join("; "))),
            int(&loaded),
            int(&rejected),
            text(&|r| r.snapshot.clone()),
            text(&|r| r.report.clone()),
            int(&|r| r.pages.map(|p| p as i64)),
            text(&|r| r.error.clone()),
            int(&|r| r.exit_code.map(i64::from)),
            text(&|r| Some(r.host.clone())),
            int(&|r| Some(i64::from(r.pid))),
        ],
    )?;
    let rows: Vec<(&Run, &RunDataset)> = runs
        .iter()
        .flat_map(|r| r.datasets.iter().map(move |d| (r, d)))
        .collect();
    let dtext = |f: &dyn Fn(&Run, &RunDataset) -> String| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|(r, d)| Some(f(r, d)))
                .collect::<StringArray>(),
        )
    };
    let dint = |f: &dyn Fn(&RunDataset) -> u64| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|(_, d)| Some(f(d) as i64))
                .collect::<Int64Array>(),
        )
    };
    let dataset_rows = RecordBatch::try_new(
        datasets_schema(),
        vec![
            dtext(&|r, _| r.run_id.clone()),
            dtext(&|_, d| d.dataset.clone()),
            dtext(&|_, d| d.status.clone()),
            dint(&|d| d.rows_read),
            dint(&|d| d.rows_loaded),
            dint(&|d| d.rows_rejected),
            dint(&|d| d.rows_skipped),
        ],
    )?;
    Ok((run_rows, dataset_rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::Array;

    fn run(id: &str, status: RunStatus) -> Run {
        let mut run = Run::new(
            id.into(),
            "2026-11-23T02:00:00.000Z".into(),
            u32::MAX,
            host_name(),
        );
        run.status = status;
        run
    }

    #[test]
    fn a_run_that_never_finished_reads_as_failed_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let a = run("a", RunStatus::Running);
        started(dir.path(), &a).unwrap();
        let mut b = run("b", RunStatus::Ok);
        b.changes = vec!["training.csv changed".into()];
        b.datasets = vec![RunDataset {
            dataset: "training".into(),
            status: "loaded".into(),
            rows_read: 10,
            rows_loaded: 9,
            rows_rejected: 1,
            rows_skipped: 0,
        }];
        started(dir.path(), &b).unwrap();
        record(dir.path(), &b).unwrap();
        // A writer killed half-way through a line.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(HISTORY_FILE))
            .unwrap();
        f.write_all(br#"{"event":"started","run_id":"c","sta"#)
            .unwrap();
        let d = run("d", RunStatus::NoChange);
        record(dir.path(), &d).unwrap();

        let runs = read(dir.path()).unwrap();
        assert_eq!(runs.len(), 3, "the line after the torn one is readable");
        assert_eq!(runs[2], d);
        assert_eq!(runs[0].status, RunStatus::Failed);
        assert!(runs[0].error.as_deref().unwrap().contains("did not finish"));
        assert_eq!(runs[1], b);

        let (r, d) = tables(&runs).unwrap();
        assert_eq!(r.num_rows(), 3);
        assert_eq!(d.num_rows(), 1);
        let loaded = r.column(5).as_any().downcast_ref::<Int64Array>().unwrap();
        assert!(loaded.is_null(0));
        assert_eq!(loaded.value(1), 9);
    }

    #[test]
    fn the_live_process_is_running() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = run("a", RunStatus::Running);
        a.pid = std::process::id();
        started(dir.path(), &a).unwrap();
        assert_eq!(read(dir.path()).unwrap()[0].status, RunStatus::Running);
    }
}
