//! The ingest entry points: one training file of each format, and an export read through a
//! `[[mapping]]` that the input itself writes. Each reads the bytes as a load reads a file,
//! after the base organisations and staff, and checks what every load promises.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;

use crate::contract::{self, Dataset};
use crate::ingest::mapping::{MappingConfig, Mappings};
use crate::ingest::memory::MemoryFile;
use crate::ingest::{DatasetReport, DatasetStats, FileError, Kept, Outcome, Reject, Sink};

/// A sink that counts what ingest hands over, per dataset, and checks each hand-over is in
/// its place: rows and rejects only between a dataset's begin and its end, batches of the
/// schema begun, a problem on every reject.
#[derive(Default)]
pub struct Tally {
    current: Option<(&'static str, SchemaRef)>,
    pub loaded: BTreeMap<&'static str, u64>,
    pub rejected: BTreeMap<&'static str, u64>,
}

impl Sink for Tally {
    fn begin(&mut self, dataset: &'static Dataset, schema: SchemaRef) -> anyhow::Result<()> {
        assert!(self.current.is_none(), "a dataset begun inside another");
        self.current = Some((dataset.name, schema));
        self.loaded.remove(dataset.name);
        self.rejected.remove(dataset.name);
        Ok(())
    }

    fn rows(&mut self, batch: RecordBatch) -> anyhow::Result<()> {
        let (name, schema) = self.current.as_ref().expect("rows before begin");
        assert_eq!(batch.schema(), *schema, "a batch not of the schema begun");
        *self.loaded.entry(name).or_default() += batch.num_rows() as u64;
        Ok(())
    }

    fn reject(&mut self, reject: Reject<'_>) -> anyhow::Result<()> {
        let (name, _) = self.current.as_ref().expect("a reject before begin");
        assert_eq!(reject.dataset, *name, "a reject outside its dataset");
        assert!(!reject.problems.is_empty(), "a reject without a problem");
        assert!(reject.line > 0, "a reject without a line");
        for problem in reject.problems {
            assert!(!problem.reason.trim().is_empty(), "a silent problem");
        }
        *self.rejected.entry(name).or_default() += 1;
        Ok(())
    }

    fn commit(&mut self, _: &DatasetStats) -> anyhow::Result<()> {
        self.current = None;
        Ok(())
    }

    fn abandon(
        &mut self,
        dataset: &'static Dataset,
        _: &FileError,
    ) -> anyhow::Result<Option<Kept>> {
        self.current = None;
        self.loaded.remove(dataset.name);
        self.rejected.remove(dataset.name);
        Ok(None)
    }
}

/// Checks one dataset's report against what `tally` was handed: a dataset that loaded accounts
/// for every row it read (read = loaded + rejected + skipped, its files adding up to it) and
/// the sink saw exactly those rows and rejects; one that failed says why, naming a file.
/// Returns whether it loaded a row.
pub fn dataset_holds(report: &DatasetReport, tally: &Tally) -> bool {
    let name = report.dataset.name;
    match &report.outcome {
        Outcome::Loaded(s) => {
            assert_eq!(
                s.rows_read,
                s.rows_loaded + s.rows_rejected + s.rows_skipped,
                "{name}: rows read = loaded + rejected + skipped"
            );
            assert_eq!(
                tally.loaded.get(name).copied().unwrap_or(0),
                s.rows_loaded,
                "{name}: the sink was handed every loaded row, once"
            );
            assert_eq!(
                tally.rejected.get(name).copied().unwrap_or(0),
                s.rows_rejected,
                "{name}: the sink was handed every reject, once"
            );
            let per_file: u64 = report.file_reports.iter().map(|f| f.stats.rows_read).sum();
            assert_eq!(per_file, s.rows_read, "{name}: its files add up");
            s.rows_loaded > 0
        }
        Outcome::Failed { error, .. } => {
            let text = error.to_string();
            let message = text.strip_prefix(error.path()).unwrap_or("");
            assert!(
                !error.path().is_empty() && message.len() > 2,
                "{name}: an error that names no file or says nothing: {text:?}"
            );
            false
        }
        Outcome::Absent => false,
    }
}

/// Reads `bytes` as `dataset`'s file `name` (its extension is its format), through `mapping`
/// if given, after the base organisations and staff; checks the read (see [`dataset_holds`]).
fn read_as(
    dataset: &str,
    name: &str,
    bytes: &[u8],
    mapping: Option<Arc<crate::ingest::mapping::Mapping>>,
) -> bool {
    let def = contract::dataset(dataset).expect("a contract dataset");
    let mut memory = super::base::loaded();
    let mut tally = Tally::default();
    let file = MemoryFile {
        name: name.to_owned(),
        bytes: Arc::from(bytes),
        mapping,
    };
    let report = memory
        .read(def, vec![file], &mut tally)
        .expect("the tally never fails");
    dataset_holds(&report, &tally)
}

/// A training CSV: any bytes, any encoding, any quoting or line ends.
pub fn csv(bytes: &[u8]) -> bool {
    read_as("training", "training.csv", bytes, None)
}

/// A training workbook: any bytes (a zip or not, any members, cells and shared strings).
pub fn xlsx(bytes: &[u8]) -> bool {
    read_as("training", "training.xlsx", bytes, None)
}

/// A training Parquet file: any bytes (any schema, types, footer or truncation).
pub fn parquet(bytes: &[u8]) -> bool {
    read_as("training", "training.parquet", bytes, None)
}

/// An export read through a mapping: the input is a `safeguard.toml` fragment of `[[mapping]]`
/// tables, a NUL byte, then the export as CSV, named `export.csv` in the folder. A
/// configuration that does not parse or compile is refused as a whole (what `load` does);
/// one that does is applied, the export read as the dataset its first mapping names.
pub fn mapping(bytes: &[u8]) -> bool {
    let split = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let (config, export) = (&bytes[..split], bytes.get(split + 1..).unwrap_or(&[]));
    let Ok(config) = std::str::from_utf8(config) else {
        return false;
    };
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        mapping: Vec<MappingConfig>,
    }
    let Ok(file) = toml::from_str::<File>(config) else {
        return false;
    };
    let mappings = match Mappings::compile(&file.mapping, "safeguard.toml") {
        Ok(mappings) => mappings,
        Err(e) => {
            assert!(!e.to_string().trim().is_empty(), "a silent mapping error");
            return false;
        }
    };
    let Some(mapping) = mappings
        .matching("export.csv")
        .first()
        .map(|m| (*m).clone())
    else {
        return false;
    };
    let dataset = mapping.dataset.name;
    read_as(dataset, "export.csv", export, Some(mapping))
}
