//! The manifest every snapshot carries: what went in (files, sizes, content hashes), what came
//! out (rows per dataset), and when and by which program version. Refresh compares against it
//! to see what changed; the report prints it as provenance.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::ingest::{DatasetStats, Format};

/// The file name of the manifest inside a snapshot.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The record of one load.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The snapshot's folder name under `snapshots/`.
    pub snapshot: String,
    pub program_version: String,
    /// RFC 3339 UTC.
    pub load_started: String,
    pub load_finished: String,
    /// The input folder as given.
    pub input: String,
    pub files: Vec<InputFileRecord>,
    pub datasets: Vec<DatasetRecord>,
    /// Files in the input folder that belong to no dataset.
    pub ignored_files: Vec<String>,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFileRecord {
    pub dataset: String,
    /// Relative to the input folder.
    pub path: String,
    pub format: Format,
    pub bytes: u64,
    /// XXH3-128 of the file's bytes, in hex.
    pub xxh3_128: String,
    /// The mapping it was read through (`mapping 1 (training)`), if one matched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    /// Its rows that mapping dropped on purpose.
    #[serde(default)]
    pub rows_skipped: u64,
}

/// How a dataset's data came to be in the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetStatus {
    /// Read from this load's input.
    Loaded,
    /// This load's files could not be used; the previous snapshot's data was kept.
    KeptPrevious,
    /// This load's files could not be used and there was no previous data.
    Failed,
    /// An optional dataset that was not supplied.
    Absent,
}

impl DatasetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetStatus::Loaded => "loaded",
            DatasetStatus::KeptPrevious => "kept_previous",
            DatasetStatus::Failed => "failed",
            DatasetStatus::Absent => "absent",
        }
    }
}

/// One dataset's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatasetRecord {
    pub name: String,
    pub status: DatasetStatus,
    #[serde(flatten)]
    pub stats: DatasetStats,
    /// The file error that stopped this load's files, if any.
    pub error: Option<String>,
    /// For kept data: the snapshot it was first loaded in.
    pub loaded_in: Option<String>,
}

impl Manifest {
    pub fn read(snapshot_dir: &Path) -> anyhow::Result<Manifest> {
        let path = snapshot_dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid manifest", path.display()))
    }

    pub fn dataset(&self, name: &str) -> Option<&DatasetRecord> {
        self.datasets.iter().find(|d| d.name == name)
    }

    /// How `files` (an input folder's files, hashed now) differ from the files this snapshot
    /// was loaded from, one sentence per file (`training.csv changed`), in path order: added and
    /// changed files first, then removed ones. Empty when the same input would be loaded again.
    pub fn input_changes(&self, files: &[InputFileRecord]) -> Vec<String> {
        let before: BTreeMap<&str, &str> = self
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.xxh3_128.as_str()))
            .collect();
        let after: BTreeMap<&str, &str> = files
            .iter()
            .map(|f| (f.path.as_str(), f.xxh3_128.as_str()))
            .collect();
        let mut out = vec![];
        for (path, hash) in &after {
            match before.get(path) {
                None => out.push(format!("{path} added")),
                Some(old) if old != hash => out.push(format!("{path} changed")),
                Some(_) => {}
            }
        }
        for path in before.keys().filter(|p| !after.contains_key(*p)) {
            out.push(format!("{path} removed"));
        }
        out
    }
}

/// Hashes a file's bytes with XXH3-128, streaming: its size and the hash in hex.
pub fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let digest = crate::ingest::digest::hash_file(path)?;
    Ok((digest.bytes, digest.hex()))
}
