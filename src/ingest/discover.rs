//! Finding each dataset's files in the input folder: by name (`training.csv`, any file below a
//! folder `training/`) and by the globs of the configuration's mappings. A file matched by a
//! mapping belongs to its dataset, whatever its name, and is read through it.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::formats::Format;
use super::mapping::{Mapping, Mappings};
use super::source::FileError;
use crate::contract::{self, Dataset};

/// A file of a dataset, found in the input folder.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Relative to the input folder, with `/` separators: what rejects and messages name.
    pub relative: String,
    pub format: Format,
    /// The mapping it is read through, when one of the configuration's mappings matched it.
    pub mapping: Option<Arc<Mapping>>,
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
    let mut entries: Vec<_> = std::fs::read_dir(input)
        .with_context(|| format!("cannot read the input folder {}", input.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read the input folder {}", input.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_hidden(&name) {
            continue;
        }
        if path.is_dir() {
            let by_name = contract::dataset(&contract::normalise_name(&name));
            if by_name.is_none() && mappings.is_empty() {
                found.discovery.ignored.push(format!("{name}/"));
                continue;
            }
            let mut files = vec![];
            walk(&path, &name, &mut files)?;
            let total = files.len();
            let mut unclaimed = vec![];
            for (path, relative) in files {
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

fn walk(dir: &Path, relative: &str, out: &mut Vec<(PathBuf, String)>) -> anyhow::Result<()> {
    let read = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    for entry in read {
        let entry = entry.with_context(|| format!("cannot read the folder {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_hidden(&name) {
            continue;
        }
        let rel = format!("{relative}/{name}");
        if entry.path().is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            out.push((entry.path(), rel));
        }
    }
    Ok(())
}
