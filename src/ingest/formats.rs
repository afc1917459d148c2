//! The input formats: which file names are read as which format, and opening a file as its
//! format's [`Source`]. The only file that knows every reader, so the readers know only the
//! `Source` traits and nothing knows them back.

use std::path::Path;
use std::sync::Arc;

use super::source::{FileError, Source};

/// The formats the loader reads, known by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    Parquet,
}

impl Format {
    /// The format a file name claims, if it is one we read.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }

    /// Whether its reader hashes the bytes it reads ([`Source::digest`]), so the file need not
    /// be read a second time to be hashed.
    pub fn hashed_as_read(self) -> bool {
        matches!(self, Format::Csv | Format::Parquet)
    }
}

/// Opens `path` as `format`; `display` is the name used in messages.
pub fn open(path: &Path, display: &str, format: Format) -> Result<Box<dyn Source>, FileError> {
    match format {
        Format::Csv => Ok(Box::new(super::csv::CsvSource::open(path, display)?)),
        Format::Xlsx => Ok(Box::new(super::xlsx::XlsxSource::open(path, display)?)),
        Format::Parquet => Ok(Box::new(super::parquet::ParquetSource::open(
            path, display,
        )?)),
    }
}

/// Opens a file held in memory as `format`, as [`open`] would open it on disk.
pub fn open_bytes(
    bytes: Arc<[u8]>,
    display: &str,
    format: Format,
) -> Result<Box<dyn Source>, FileError> {
    match format {
        Format::Csv => Ok(Box::new(super::csv::CsvSource::from_bytes(bytes, display)?)),
        Format::Xlsx => Ok(Box::new(super::xlsx::XlsxSource::from_bytes(
            bytes.to_vec(),
            display,
        )?)),
        Format::Parquet => Ok(Box::new(super::parquet::ParquetSource::from_bytes(
            bytes::Bytes::from_owner(bytes),
            display,
        )?)),
    }
}
