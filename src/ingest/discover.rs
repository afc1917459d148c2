//! Finding each dataset's files in the input folder: `name.csv|xlsx|parquet`, or any such files
//! below a folder `name/`, matched by the contract's normalised dataset names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::formats::Format;
use super::source::FileError;
use crate::contract::{self, Dataset};

/// A file of a dataset, found in the input folder.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Relative to the input folder, with `/` separators: what rejects and messages name.
    pub relative: String,
    pub format: Format,
}

/// The files of each dataset in an input folder: `name.csv|xlsx|parquet` and any such files
/// below a folder `name/`, in path order.
pub struct Discovery {
    pub datasets: BTreeMap<&'static str, Vec<InputFile>>,
    /// Datasets that must not be read this time, with the reason: a file inside a dataset
    /// folder that is not a format we read, or (in a refresh) a file still being written.
    pub blocked: BTreeMap<&'static str, FileError>,
    pub ignored: Vec<String>,
}

/// Lists the input folder. Only an unreadable folder is an error here.
pub fn discover(input: &Path) -> anyhow::Result<Discovery> {
    let mut found = Discovery {
        datasets: BTreeMap::new(),
        blocked: BTreeMap::new(),
        ignored: vec![],
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
            let Some(def) = contract::dataset(&contract::normalise_name(&name)) else {
                found.ignored.push(format!("{name}/"));
                continue;
            };
            let mut files = vec![];
            walk(&path, &name, &mut files)?;
            for (path, relative) in files {
                match Format::from_path(&path) {
                    Some(format) => push(
                        &mut found,
                        def,
                        InputFile {
                            path,
                            relative,
                            format,
                        },
                    ),
                    None => {
                        found
                            .blocked
                            .entry(def.name)
                            .or_insert(FileError::Dataset {
                                path: relative,
                                message: "not a CSV, XLSX or Parquet file, so the dataset cannot be read as a whole".into(),
                            });
                    }
                }
            }
        } else {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match (
                contract::dataset(&contract::normalise_name(&stem)),
                Format::from_path(&path),
            ) {
                (Some(def), Some(format)) => push(
                    &mut found,
                    def,
                    InputFile {
                        path,
                        relative: name,
                        format,
                    },
                ),
                _ => found.ignored.push(name),
            }
        }
    }
    for files in found.datasets.values_mut() {
        files.sort_by(|a, b| a.relative.cmp(&b.relative));
    }
    Ok(found)
}

fn push(found: &mut Discovery, def: &'static Dataset, file: InputFile) {
    found.datasets.entry(def.name).or_default().push(file);
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
