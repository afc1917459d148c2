//! Finding each dataset's files in the input folder: by name (`training.csv`, any file below a
//! folder `training/`) and by the globs of the configuration's mappings. A file matched by a
//! mapping belongs to its dataset, whatever its name, and is read through it.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::digest::Listed;
use super::formats::Format;
use super::limits::{MAX_DEPTH, MAX_FILES};
use super::mapping::{Mapping, Mappings};
use super::source::FileError;
use crate::contract::{self, Dataset};
use crate::numbers::thousands;

/// A file of a dataset, found in the input folder.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Relative to the input folder, with `/` separators: what rejects and messages name.
    pub relative: String,
    pub format: Format,
    /// The mapping it is read through, when one of the configuration's mappings matched it.
    pub mapping: Option<Arc<Mapping>>,
    /// What a load knew of it when it listed it (`None` for `check`): the file read must still
    /// be that file, or it changed while it was being read.
    pub listed: Option<Listed>,
}

/// The files of each dataset in an input folder, in path order.
pub struct Discovery {
    pub datasets: BTreeMap<&'static str, Vec<InputFile>>,
    /// Datasets that must not be read this time, with the reason: a file inside a dataset
    /// folder that is not a format we read, or (in a refresh) a file still being written.
    pub blocked: BTreeMap<&'static str, FileError>,
    pub ignored: Vec<String>,
}

/// Lists the input folder. An unreadable folder is an error, and so is a mapping that does not
/// fit the folder (a file claimed twice, a required dataset's glob matching nothing): a
/// [`super::mapping::MappingError`], before anything is read.
pub fn discover(input: &Path, mappings: &Mappings) -> anyhow::Result<Discovery> {
    let mut found = Finder {
        mappings,
        discovery: Discovery {
            datasets: BTreeMap::new(),
            blocked: BTreeMap::new(),
            ignored: vec![],
        },
        hits: HashSet::new(),
    };
    let cannot_read = || format!("cannot read the input folder {}", input.display());
    let root = std::fs::canonicalize(input).with_context(cannot_read)?;
    let mut entries = vec![];
    for entry in std::fs::read_dir(input).with_context(cannot_read)? {
        entries.push(entry.with_context(cannot_read)?);
        if entries.len() > MAX_FILES {
            anyhow::bail!(
                "the input folder {} holds more than {} files and folders, more than an input folder may (is it the right folder?)",
                input.display(),
                thousands(MAX_FILES as u64)
            );
        }
    }
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_hidden(&name) {
            continue;
        }
        let kind = match kind_of(&entry, &root) {
            Ok(kind) => kind,
            Err(message) => {
                let stem = Path::new(&name)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                found.refuse(
                    &name,
                    contract::dataset(&contract::normalise_name(&stem)),
                    message,
                );
                continue;
            }
        };
        if kind == Kind::Folder {
            let by_name = contract::dataset(&contract::normalise_name(&name));
            if by_name.is_none() && mappings.is_empty() {
                found.discovery.ignored.push(format!("{name}/"));
                continue;
            }
            let mut walked = Walk {
                root: &root,
                files: vec![],
                refused: vec![],
                full: false,
            };
            walked.walk(&path, &name, 1)?;
            for (relative, message) in walked.refused {
                found.refuse(&relative, by_name, message);
            }
            let total = walked.files.len();
            let mut unclaimed = vec![];
            for (path, relative) in walked.files {
                if !found.file(path, &relative, by_name, true)? {
                    unclaimed.push(relative);
                }
            }
            if !unclaimed.is_empty() {
                if unclaimed.len() == total {
                    found.discovery.ignored.push(format!("{name}/"));
                } else {
                    found.discovery.ignored.extend(unclaimed);
                }
            }
        } else {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            // At the top level a file is a dataset's by name only if it is a format we read.
            let by_name = contract::dataset(&contract::normalise_name(&stem))
                .filter(|_| Format::from_path(&path).is_some());
            if !found.file(path, &name, by_name, false)? {
                found.discovery.ignored.push(name);
            }
        }
    }
    found.check_globs(input)?;
    let mut discovery = found.discovery;
    for files in discovery.datasets.values_mut() {
        files.sort_by(|a, b| a.relative.cmp(&b.relative));
    }
    Ok(discovery)
}

struct Finder<'m> {
    mappings: &'m Mappings,
    discovery: Discovery,
    /// (mapping number, glob index) of every glob that matched a file.
    hits: HashSet<(usize, usize)>,
}

impl Finder<'_> {
    /// Gives one file to its dataset; false when it belongs to none. `by_name` is the dataset
    /// its name (or its folder's) gives it; `in_folder` says the name came from a folder.
    fn file(
        &mut self,
        path: PathBuf,
        relative: &str,
        by_name: Option<&'static Dataset>,
        in_folder: bool,
    ) -> anyhow::Result<bool> {
        let matching = self.mappings.matching(relative);
        for m in &matching {
            self.hits
                .extend(m.matching_globs(relative).map(|i| (m.number, i)));
        }
        let mapping: Option<Arc<Mapping>> = match matching.as_slice() {
            [] => None,
            [m] => Some(Arc::clone(m)),
            [a, b, ..] => {
                return Err(self
                    .mappings
                    .files_error(format!(
                        "{relative} is matched by {} and by {}: a file can be read through one mapping only (narrow their files globs)",
                        a.name(),
                        b.name()
                    ))
                    .into());
            }
        };
        let dataset = match (&mapping, by_name) {
            (Some(m), Some(d)) if m.dataset.name != d.name => {
                return Err(self
                    .mappings
                    .files_error(format!(
                        "{relative} is matched by {} but is named as a file of {}: rename it, or narrow the mapping's files globs",
                        m.name(),
                        d.name
                    ))
                    .into());
            }
            (Some(m), _) => m.dataset,
            (None, Some(d)) => d,
            (None, None) => return Ok(false),
        };
        match Format::from_path(&path) {
            Some(format) => self
                .discovery
                .datasets
                .entry(dataset.name)
                .or_default()
                .push(InputFile {
                    path,
                    relative: relative.to_owned(),
                    format,
                    mapping,
                    listed: None,
                }),
            None => {
                let message = if in_folder && mapping.is_none() {
                    "not a CSV, XLSX or Parquet file, so the dataset cannot be read as a whole"
                } else {
                    "matched by a mapping but not a CSV, XLSX or Parquet file, so the dataset cannot be read as a whole"
                };
                self.discovery
                    .blocked
                    .entry(dataset.name)
                    .or_insert(FileError::Dataset {
                        path: relative.to_owned(),
                        message: message.into(),
                    });
            }
        }
        Ok(true)
    }

    /// Stops the dataset a path that cannot be read belongs to (by a mapping's globs, or by
    /// name): a link leading out of the input folder, a folder too deep or too full. A path
    /// that belongs to no dataset is left alone, like any other file of no dataset.
    fn refuse(&mut self, relative: &str, by_name: Option<&'static Dataset>, message: String) {
        let dataset = self
            .mappings
            .matching(relative)
            .first()
            .map(|m| m.dataset)
            .or(by_name);
        if let Some(dataset) = dataset {
            self.discovery
                .blocked
                .entry(dataset.name)
                .or_insert(FileError::Dataset {
                    path: relative.to_owned(),
                    message,
                });
        }
    }

    /// A glob of a required dataset's mapping that matched no file is a configuration error:
    /// the export was probably saved somewhere else, and loading without it would drop data.
    fn check_globs(&self, input: &Path) -> anyhow::Result<()> {
        for m in self.mappings.iter().filter(|m| m.dataset.required) {
            for (i, (glob, _)) in m.globs.iter().enumerate() {
                if !self.hits.contains(&(m.number, i)) {
                    return Err(self
                        .mappings
                        .key_error(
                            m,
                            format!("files[{i}]"),
                            format!(
                                "no file in {} matches {glob:?}, and {} is a required dataset",
                                input.display(),
                                m.dataset.name
                            ),
                        )
                        .into());
                }
            }
        }
        Ok(())
    }
}

/// Dot files and Excel's `~$` lock files are never data.
fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("~$")
}

/// What an entry of the input folder is, links followed; a link that leads out of the input
/// folder, or nowhere, is refused with the reason. (A hostile return could otherwise link to
/// any file the load can read, and its rows would land in the rejects table.)
fn kind_of(entry: &std::fs::DirEntry, root: &Path) -> Result<Kind, String> {
    let file_type = entry
        .file_type()
        .map_err(|e| format!("cannot read it: {e}"))?;
    if !file_type.is_symlink() {
        return Ok(if file_type.is_dir() {
            Kind::Folder
        } else {
            Kind::File
        });
    }
    let target = std::fs::canonicalize(entry.path())
        .map_err(|e| format!("is a link that cannot be followed ({e})"))?;
    if !target.starts_with(root) {
        return Err(format!(
            "is a link to {}, outside the input folder: links are followed only within it (copy the file in instead)",
            target.display()
        ));
    }
    Ok(if target.is_dir() {
        Kind::Folder
    } else {
        Kind::File
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Folder,
}

/// Lists one top-level folder of the input: its files (path, relative name), and the paths
/// refused with the reason (a link out of the input folder, a folder too deep, too many files).
struct Walk<'r> {
    root: &'r Path,
    files: Vec<(PathBuf, String)>,
    refused: Vec<(String, String)>,
    /// Whether [`MAX_FILES`] files were found: nothing more is listed.
    full: bool,
}

impl Walk<'_> {
    /// Lists `dir`, `depth` folders below the input folder. Stops listing at [`MAX_FILES`]
    /// files, so a folder of millions costs no more than that.
    fn walk(&mut self, dir: &Path, relative: &str, depth: usize) -> anyhow::Result<()> {
        let read = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the folder {}", dir.display()))?;
        for entry in read {
            if self.full {
                return Ok(());
            }
            let entry =
                entry.with_context(|| format!("cannot read the folder {}", dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_hidden(&name) {
                continue;
            }
            let rel = format!("{relative}/{name}");
            match kind_of(&entry, self.root) {
                Err(message) => self.refused.push((rel, message)),
                Ok(Kind::Folder) if depth >= MAX_DEPTH => self.refused.push((
                    format!("{rel}/"),
                    format!(
                        "is more than {MAX_DEPTH} folders below the input folder, deeper than its files are read (is a link leading back up the tree?)"
                    ),
                )),
                Ok(Kind::Folder) => self.walk(&entry.path(), &rel, depth + 1)?,
                Ok(Kind::File) if self.files.len() >= MAX_FILES => {
                    self.full = true;
                    let top = relative.split('/').next().unwrap_or(relative);
                    self.refused.push((
                        format!("{top}/"),
                        format!(
                            "holds more than {} files, more than a dataset may have",
                            thousands(MAX_FILES as u64)
                        ),
                    ));
                    return Ok(());
                }
                Ok(Kind::File) => self.files.push((entry.path(), rel)),
            }
        }
        Ok(())
    }
}
