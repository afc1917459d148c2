//! Publishing files durably: a reader, or a machine that loses power, sees the old file or the
//! new one, never half of one, and a published name survives a crash.
//!
//! Every file published on its own (the report PDF, `--data-json`, `sql -o`, the report a
//! refresh puts in `report_dir`) goes through [`Staged`]: written to a hidden temporary file
//! beside its final name, flushed to disk, renamed over the name, and the folder flushed so the
//! rename itself is on disk. A snapshot's files are written inside its unpublished folder and
//! flushed all at once by [`sync_tree`] before the folder is renamed into place.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// A file being written beside its final name, `.NAME.PID.tmp` in the same folder (so the
/// rename cannot cross file systems). Published by [`Staged::publish`]; dropped unpublished,
/// the temporary file is removed.
pub struct Staged {
    target: PathBuf,
    temporary: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl Staged {
    /// Creates the temporary file beside `target`. The folder must exist.
    pub fn create(target: &Path) -> io::Result<Staged> {
        let temporary = temporary_name(target);
        let file = File::create(&temporary)?;
        Ok(Staged {
            target: target.to_path_buf(),
            temporary,
            writer: Some(BufWriter::new(file)),
        })
    }

    /// Writes `bytes` into a new staged file for `target` and flushes them to disk.
    pub fn write(target: &Path, bytes: &[u8]) -> io::Result<Staged> {
        let mut staged = Staged::create(target)?;
        staged.write_all(bytes)?;
        staged.sync()?;
        Ok(staged)
    }

    /// The temporary file's path, for messages.
    pub fn temporary(&self) -> &Path {
        &self.temporary
    }

    /// Flushes what was written to disk: after this, publishing only renames.
    pub fn sync(&mut self) -> io::Result<()> {
        let writer = self.writer_mut()?;
        writer.flush()?;
        writer.get_ref().sync_all()
    }

    /// Flushes the file to disk, renames it over the target and flushes the folder, so the new
    /// name is what a reader (or the machine after a crash) finds. A failed rename is the bare
    /// I/O error, for the caller to name the file in its own words.
    pub fn publish(mut self) -> anyhow::Result<()> {
        self.sync()?;
        self.writer = None;
        std::fs::rename(&self.temporary, &self.target)?;
        // Renamed: nothing is left for drop to remove.
        self.temporary = PathBuf::new();
        sync_dir(&parent(&self.target))
    }

    fn writer_mut(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.writer
            .as_mut()
            .ok_or_else(|| io::Error::other("the staged file was already published"))
    }
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer_mut()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer_mut()?.flush()
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        self.writer = None;
        if !self.temporary.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Writes `bytes` to `path` durably and atomically (see [`Staged`]). The folder must exist.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    Staged::write(path, bytes)?.publish()
}

/// `.NAME.PID.tmp` beside `target`: hidden, and unique to this process, so a process that finds
/// one whose PID is gone knows it is a killed run's leftover.
pub fn temporary_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent(target).join(format!(".{name}.{}.tmp", std::process::id()))
}

/// The folder a path is in: `.` for a bare file name.
pub fn parent(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Flushes a folder's entries (new names, renames) to disk.
pub fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {} to disk", dir.display()))
}

/// Flushes every file and folder below `dir` to disk, so renaming `dir` into place cannot
/// publish files whose contents never reached the disk.
pub fn sync_tree(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            sync_tree(&entry.path())?;
        } else {
            File::open(entry.path())
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot flush {} to disk", entry.path().display()))?;
        }
    }
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_published_file_replaces_the_old_one_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["report.pdf"]);
    }

    #[test]
    fn until_published_the_old_file_stands_and_an_unpublished_one_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, b"old").unwrap();
        let mut staged = Staged::create(&path).unwrap();
        staged.write_all(b"new, streamed").unwrap();
        staged.sync().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let temporary = staged.temporary().to_path_buf();
        assert_eq!(
            std::fs::read(&temporary).unwrap(),
            b"new, streamed",
            "synced bytes are in the temporary file"
        );
        assert!(
            temporary
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".out.csv.")
        );
        drop(staged);
        assert_eq!(names(dir.path()), ["out.csv"]);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
    }

    #[test]
    fn a_bare_file_name_is_in_the_working_folder() {
        assert_eq!(parent(Path::new("x.pdf")), PathBuf::from("."));
        assert_eq!(parent(Path::new("a/x.pdf")), PathBuf::from("a"));
    }
}
