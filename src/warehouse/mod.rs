//! The warehouse: a folder of immutable snapshots, each a complete set of Parquet datasets with
//! a manifest, and `current`, a symbolic link switched atomically to the newest whole snapshot.
//!
//! ```text
//! WAREHOUSE/
//!   .lock                       held by the one process writing
//!   current -> snapshots/20261123T201500.123Z
//!   snapshots/<id>/<dataset>/part-0.parquet
//!   snapshots/<id>/load_rejects/<dataset>.parquet
//!   snapshots/<id>/load_summary/part-0.parquet, load_files/part-0.parquet, manifest.json
//! ```
//! A snapshot is written as `<id>.partial` and renamed when complete, and `current` is replaced
//! by renaming a new link over it, so a reader, or a writer killed at any moment, leaves
//! `current` naming the old or the new snapshot, never a mix.

pub mod history;
pub mod load;
mod lock;
pub mod manifest;
mod snapshot;

use std::path::{Path, PathBuf};

use anyhow::Context;

pub use lock::WarehouseLock;
pub use manifest::{DatasetRecord, DatasetStatus, Manifest};
pub use snapshot::{SealedSnapshot, SnapshotWriter};

/// The name of the link to the live snapshot.
pub const CURRENT: &str = "current";
/// The folder holding every snapshot.
pub const SNAPSHOTS: &str = "snapshots";
/// The folder of rejects inside a snapshot (one file per dataset).
pub const REJECTS: &str = "load_rejects";
/// How many snapshots a load keeps by default.
pub const DEFAULT_KEEP: usize = 5;

/// A warehouse folder.
#[derive(Debug, Clone)]
pub struct Warehouse {
    root: PathBuf,
}

impl Warehouse {
    pub fn new(root: impl Into<PathBuf>) -> Warehouse {
        Warehouse { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The live snapshot's folder, resolved once so that a reader keeps seeing one snapshot even
    /// if a load switches `current` meanwhile. `None` before the first load.
    pub fn current(&self) -> anyhow::Result<Option<PathBuf>> {
        let link = self.root.join(CURRENT);
        match std::fs::read_link(&link) {
            Ok(target) => Ok(Some(self.root.join(target))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", link.display())),
        }
    }

    /// The live snapshot's manifest, if there is a live snapshot.
    pub fn current_manifest(&self) -> anyhow::Result<Option<Manifest>> {
        self.current()?.map(|dir| Manifest::read(&dir)).transpose()
    }

    /// Takes the writer's lock; fails at once, naming the holder, if another process has it.
    pub fn lock(&self) -> anyhow::Result<WarehouseLock> {
        WarehouseLock::acquire(&self.root)
    }

    /// Starts a new snapshot. The caller must hold the lock.
    pub fn begin_snapshot(&self, _lock: &WarehouseLock) -> anyhow::Result<SnapshotWriter> {
        SnapshotWriter::create(self)
    }

    /// Snapshot folder names, oldest first.
    pub fn snapshots(&self) -> anyhow::Result<Vec<String>> {
        let dir = self.root.join(SNAPSHOTS);
        let mut names = vec![];
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                for entry in entries {
                    let name = entry?.file_name().to_string_lossy().into_owned();
                    if !name.ends_with(".partial") {
                        names.push(name);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
        }
        names.sort();
        Ok(names)
    }

    /// Deletes the unfinished snapshots killed writers left behind. The caller must hold the
    /// lock, so no living writer owns one.
    pub fn remove_partials(&self, _lock: &WarehouseLock) -> anyhow::Result<()> {
        let dir = self.root.join(SNAPSHOTS);
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".partial") {
                    std::fs::remove_dir_all(entry.path())
                        .with_context(|| format!("cannot remove {}", entry.path().display()))?;
                }
            }
        }
        Ok(())
    }

    /// Deletes all but the newest `keep` snapshots, never the live one, and any partial snapshot
    /// a killed writer left behind. The caller must hold the lock.
    pub fn prune(&self, keep: usize, _lock: &WarehouseLock) -> anyhow::Result<Vec<String>> {
        let live = self
            .current()?
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        let dir = self.root.join(SNAPSHOTS);
        let mut removed = vec![];
        self.remove_partials(_lock)?;
        let snapshots = self.snapshots()?;
        let excess = snapshots.len().saturating_sub(keep.max(1));
        for name in snapshots.into_iter().take(excess) {
            if Some(&name) == live.as_ref() {
                continue;
            }
            let path = dir.join(&name);
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
            removed.push(name);
        }
        Ok(removed)
    }
}
