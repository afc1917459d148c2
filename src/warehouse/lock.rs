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
                anyhow::bail!(
                    "another safeguard run is writing to the warehouse {} ({}); try again when it has finished",
                    root.display(),
                    holder(&mut file).unwrap_or_else(|| "holder unknown".to_owned())
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

/// Who holds the lock, from the note the holder writes. It writes it just after taking the lock
/// (emptying the file first), so a run that loses the race by a moment can find the file empty:
/// look again for up to half a second before calling the holder unknown.
fn holder(file: &mut File) -> Option<String> {
    for _ in 0..50 {
        let mut note = String::new();
        let _ = file.rewind().and_then(|_| file.read_to_string(&mut note));
        if !note.trim().is_empty() {
            return Some(note.trim().to_owned());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run that loses the race just after the winner took the lock, before its note is
    /// written, still names the winner.
    #[test]
    fn a_run_that_loses_by_a_moment_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".lock");
        let mut winner = File::create(&path).unwrap();
        winner.lock().unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            winner.write_all(b"pid 42 on test since now").unwrap();
            winner
        });
        let refused = WarehouseLock::acquire(dir.path()).unwrap_err().to_string();
        let _winner = writer.join().unwrap();
        assert!(refused.contains("(pid 42 on test since now)"), "{refused}");
    }
}
