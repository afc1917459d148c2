//! Files held in memory, read as a load reads an input folder's files: the same readers,
//! mapping, validator and worker threads, but no folder to list and nothing written unless the
//! sink writes it. The fuzz entry points (`crate::fuzz`) read arbitrary bytes this way, a
//! thousand times faster than through a temporary folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::mapping::Mapping;
use super::sink::Sink;
use super::source::{FileError, Source};
use super::validate::KeyIndex;
use super::{DatasetReport, Format, InputFile, formats, read_dataset, settle};
use crate::contract::Dataset;

/// Datasets read one after another from memory, each seeing the keys of those before it (read
/// them in contract order, as a load does, for references to resolve).
#[derive(Default, Clone)]
pub struct Memory {
    keys: KeyIndex,
}

/// One file of a dataset: its name (relative to an imagined input folder; its extension says
/// its format, as on disk) and its bytes.
pub struct MemoryFile {
    pub name: String,
    pub bytes: Arc<[u8]>,
    /// The mapping it is read through, if any.
    pub mapping: Option<Arc<Mapping>>,
}

impl Memory {
    pub fn new() -> Memory {
        Memory::default()
    }

    /// Reads `files` as all of `dataset`'s files, handing rows and rejects to `sink` and then
    /// committing or abandoning the dataset, exactly as a load does. An error is the sink's.
    pub fn read(
        &mut self,
        dataset: &'static Dataset,
        files: Vec<MemoryFile>,
        sink: &mut dyn Sink,
    ) -> anyhow::Result<DatasetReport> {
        let mut listed = Vec::with_capacity(files.len());
        let mut held = Vec::with_capacity(files.len());
        for file in files {
            let Some(format) = Format::from_path(Path::new(&file.name)) else {
                anyhow::bail!("{}: not the name of a CSV, XLSX or Parquet file", file.name);
            };
            listed.push(InputFile {
                path: PathBuf::from(&file.name),
                relative: file.name,
                format,
                mapping: file.mapping,
                listed: None,
            });
            held.push(file.bytes);
        }
        let open = |file: &InputFile| -> Result<Box<dyn Source>, FileError> {
            let at = listed_index(&listed, file);
            formats::open_bytes(held[at].clone(), &file.relative, file.format)
        };
        let mut reports = vec![];
        let result = read_dataset(dataset, &listed, &open, &self.keys, sink, &(), &mut reports);
        settle(dataset, listed, reports, result, &mut self.keys, sink)
    }
}

/// Which of `listed` is `file` (the reader is handed the listing's own entries).
fn listed_index(listed: &[InputFile], file: &InputFile) -> usize {
    listed
        .iter()
        .position(|f| std::ptr::eq(f, file))
        .expect("a file of the listing")
}
