//! One writer at a time: an OS file lock on `WAREHOUSE/.lock`. The kernel drops it when the
//! holder exits, however it exits, so a killed run never blocks the next one.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;

use anyhow::Context;

/// Held while a process writes to the warehouse; released on drop.
#[derive(Debug)]
pub struct WarehouseLock {
    _file: File,
}

impl WarehouseLock {
    pub(super) fn acquire(root: &Path) -> anyhow::Result<WarehouseLock> {
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create the warehouse folder {}", root.display()))?;
        let path = root.join(".lock");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                anyhow::bail!(
                    "another safeguard run is writing to the warehouse {} ({}); try again when it has finished",
                    root.display(),
                    if holder.is_empty() {
                        "holder unknown"
                    } else {
                        holder
                    }
                );
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        let note = format!(
            "pid {} on {} since {}",
            std::process::id(),
            super::history::host_name(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
        file.set_len(0)
            .and_then(|_| file.rewind())
            .and_then(|_| file.write_all(note.as_bytes()))
            .ok();
        Ok(WarehouseLock { _file: file })
    }
}
