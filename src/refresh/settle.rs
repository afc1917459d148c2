//! Input files still being written: a provider's return copied over the network at the moment
//! the nightly job starts must not be read half-way. Files modified within the last few seconds
//! are waited for; one still changing after the wait is not read this time (its dataset keeps
//! the previous data and the run says why). A file that changes while it is being read stops
//! the run before anything is published.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crate::ingest::{Discovery, FileError};

/// How long a file must have been left alone before it is read, and how long to wait for that.
#[derive(Debug, Clone, Copy)]
pub struct Settle {
    pub quiet: Duration,
    pub max_wait: Duration,
}

/// Size and modification time of every input file, to notice a file that is being written.
pub type Stats = BTreeMap<PathBuf, (u64, Option<SystemTime>)>;

/// The size and modification time of every file in the listing.
pub fn stat_all(discovery: &Discovery) -> Stats {
    discovery
        .datasets
        .values()
        .flatten()
        .map(|f| {
            let meta = std::fs::metadata(&f.path).ok();
            let len = meta.as_ref().map_or(0, |m| m.len());
            let modified = meta.and_then(|m| m.modified().ok());
            (f.path.clone(), (len, modified))
        })
        .collect()
}

/// Waits (up to `settle.max_wait`) until no input file has been modified for `settle.quiet`.
/// Datasets with a file still being written after that are blocked in the listing, so the
/// load keeps their previous data; the returned sentences say which and why.
pub fn wait_for_quiet(
    discovery: &mut Discovery,
    settle: Settle,
    step: &dyn Fn(&str),
) -> Vec<String> {
    if settle.quiet.is_zero() {
        return vec![];
    }
    let started = Instant::now();
    let mut announced = false;
    loop {
        let now = SystemTime::now();
        let busy: Vec<(&'static str, String, Duration)> = discovery
            .datasets
            .iter()
            .flat_map(|(dataset, files)| files.iter().map(move |f| (*dataset, f)))
            .filter_map(|(dataset, f)| {
                let modified = std::fs::metadata(&f.path).and_then(|m| m.modified()).ok()?;
                // A modification time in the future (clock skew on a share) counts as now.
                let age = now.duration_since(modified).unwrap_or_default();
                (age < settle.quiet).then(|| (dataset, f.relative.clone(), age))
            })
            .collect();
        if busy.is_empty() {
            return vec![];
        }
        if started.elapsed() >= settle.max_wait {
            let mut notes = vec![];
            for (dataset, relative, age) in busy {
                let message = format!(
                    "is still being written (modified {:.1} s ago, after waiting {} s): not read this time, the previous data is kept",
                    age.as_secs_f64(),
                    settle.max_wait.as_secs()
                );
                notes.push(format!("{relative} {message}"));
                discovery
                    .blocked
                    .entry(dataset)
                    .or_insert(FileError::Dataset {
                        path: relative,
                        message,
                    });
            }
            return notes;
        }
        if !announced {
            step(&format!(
                "waiting for {} to be left alone for {} s",
                busy[0].1,
                settle.quiet.as_secs()
            ));
            announced = true;
        }
        let remaining = settle.max_wait.saturating_sub(started.elapsed());
        std::thread::sleep(remaining.min(Duration::from_millis(250)));
    }
}

/// Input files whose size or modification time is no longer what `before` recorded: they
/// changed while the run was reading them.
pub fn changed_since(before: &Stats) -> Vec<PathBuf> {
    before
        .iter()
        .filter(|(path, stat)| {
            let meta = std::fs::metadata(path).ok();
            let now = (
                meta.as_ref().map_or(0, |m| m.len()),
                meta.and_then(|m| m.modified().ok()),
            );
            now != **stat
        })
        .map(|(path, _)| path.clone())
        .collect()
}
