//! Shared helpers: run the binary in a scratch folder, write a small valid input folder, read
//! Parquet folders and the manifest back for assertions.

#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use tempfile::TempDir;

/// The `safeguard` binary Cargo built for this test run.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_safeguard"))
}

/// A command for the binary, run in `cwd` (so no `safeguard.toml` from the repository is
/// picked up) with no configuration from the environment.
pub fn command(cwd: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(cwd).env_remove("SAFEGUARD_CONFIG");
    cmd
}

/// What a finished run of the binary printed.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A scratch folder holding `input/` and, once loaded, `warehouse/`; removed on drop.
pub struct Env {
    pub dir: TempDir,
}

impl Env {
    /// An empty scratch folder with an empty `input/`.
    pub fn empty() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("safeguard-it-")
            .tempdir()
            .expect("temp dir");
        std::fs::create_dir(dir.path().join("input")).unwrap();
        Env { dir }
    }

    /// A scratch folder whose `input/` holds the small valid base input.
    pub fn base() -> Env {
        let env = Env::empty();
        write_base(&env.input());
        env
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn input(&self) -> PathBuf {
        self.root().join("input")
    }

    pub fn warehouse(&self) -> PathBuf {
        self.root().join("warehouse")
    }

    /// Writes (or replaces) a file under `input/`.
    pub fn write(&self, relative: &str, content: &str) -> PathBuf {
        write(&self.input().join(relative), content)
    }

    /// Removes a file under `input/`.
    pub fn remove(&self, relative: &str) {
        std::fs::remove_file(self.input().join(relative)).unwrap();
    }

    /// Runs the binary with `args` in the scratch folder.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        command(self.root())
            .args(args)
            .output()
            .expect("run safeguard")
            .into()
    }

    /// `safeguard check --input input`.
    pub fn check(&self) -> Run {
        self.run([
            OsStr::new("check"),
            OsStr::new("--input"),
            self.input().as_os_str(),
        ])
    }

    /// `safeguard load --input input --warehouse warehouse` plus `extra` flags.
    pub fn load_with(&self, extra: &[&str]) -> Run {
        let mut args: Vec<OsString> = vec![
            "load".into(),
            "--input".into(),
            self.input().into(),
            "--warehouse".into(),
            self.warehouse().into(),
        ];
        args.extend(extra.iter().map(OsString::from));
        self.run(args)
    }

    pub fn load(&self) -> Run {
        self.load_with(&[])
    }

    /// Loads and fails the test unless the load exited 0.
    pub fn load_ok(&self) -> Run {
        let run = self.load();
        assert_eq!(run.code, 0, "load failed: {run:#?}");
        run
    }

    /// The folder `warehouse/current` resolves to.
    pub fn current(&self) -> PathBuf {
        current(&self.warehouse())
    }

    /// A dataset of the live snapshot.
    pub fn table(&self, dataset: &str) -> Table {
        read_parquet_dir(&self.current().join(dataset))
    }

    /// The rejects of one dataset in the live snapshot.
    pub fn rejects(&self, dataset: &str) -> Table {
        read_parquet_file(
            &self
                .current()
                .join("load_rejects")
                .join(format!("{dataset}.parquet")),
        )
    }

    /// The live snapshot's manifest.
    pub fn manifest(&self) -> Value {
        read_manifest(&self.current())
    }

    /// The path `check` and `load` print for an input file.
    pub fn shown(&self, relative: &str) -> String {
        self.input().join(relative).display().to_string()
    }
}

/// Writes a file, creating its folder.
pub fn write(path: &Path, content: &str) -> PathBuf {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, content).unwrap();
    path.to_path_buf()
}

pub const ORGANISATIONS: &str = "\
organisation_code,organisation_name,organisation_type
ORG1,Northshire Hospitals NHS FT,acute
ORG2,Northshire Community Health NHS Trust,community
ICB1,Northshire ICB,commissioner
";

pub const STAFF: &str = "\
staff_id,organisation_code,professional_group,required_level,supervision_interval_months,start_date,end_date
S1,ORG1,nursing,3,3,2020-01-01,
S2,ORG1,medical,3,,2021-06-01,
S3,ORG2,health_visiting,4,3,2019-09-01,2025-01-31
";

pub const TRAINING: &str = "\
record_id,staff_id,level,completed_on,hours,delivery
T1,S1,3,2024-05-01,6,face_to_face
T2,S2,3,2024-06-01,6,e_learning
T3,S3,4,2024-07-01,12,virtual
";

pub const SUPERVISION: &str = "\
session_id,staff_id,session_date,kind
V1,S1,2024-04-01,one_to_one
V2,S3,2024-07-01,group
";

pub const SECTION11_RATINGS: &str = "\
organisation_code,audit_round,standard,rating,assessed_on
ORG1,2024,1,green,2024-06-01
ORG1,2024,2,amber,2024-06-01
ORG2,2024,1,red,2024-06-01
";

pub const REVIEW_ACTIONS: &str = "\
action_id,review_id,review_type,review_name,recommendation,action,lead_organisation_code,agreed_on,due_date,completed_on,impact_evidenced
RA1,R1,lcspr,Child K,Improve information sharing,Audit referrals,ORG1,2024-01-01,2024-06-01,2024-03-01,yes
RA2,R1,lcspr,Child K,Improve information sharing,Update policy,ORG2,2024-01-01,2024-06-01,,
";

/// The required datasets of the base input and their row counts (all rows valid).
pub const BASE: &[(&str, &str, u64)] = &[
    ("organisations", ORGANISATIONS, 3),
    ("staff", STAFF, 3),
    ("training", TRAINING, 3),
    ("supervision", SUPERVISION, 2),
    ("section11_ratings", SECTION11_RATINGS, 3),
    ("review_actions", REVIEW_ACTIONS, 2),
];

/// Writes the small valid base input (every required dataset as CSV) into `dir`.
pub fn write_base(dir: &Path) {
    for (name, content, _) in BASE {
        write(&dir.join(format!("{name}.csv")), content);
    }
}

/// `warehouse/current`, resolved.
pub fn current(warehouse: &Path) -> PathBuf {
    std::fs::canonicalize(warehouse.join("current"))
        .unwrap_or_else(|e| panic!("{}/current does not resolve: {e}", warehouse.display()))
}

/// A Parquet table read back as text, for simple assertions.
#[derive(Debug, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub types: Vec<DataType>,
    /// `None` is a null.
    pub rows: Vec<Vec<Option<String>>>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn index(&self, column: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("no column {column} in {:?}", self.columns))
    }

    pub fn data_type(&self, column: &str) -> &DataType {
        &self.types[self.index(column)]
    }

    /// A cell as text; a null reads as `NULL`.
    pub fn get(&self, row: usize, column: &str) -> &str {
        self.rows[row][self.index(column)]
            .as_deref()
            .unwrap_or("NULL")
    }

    /// Every value of a column, nulls as `NULL`.
    pub fn column(&self, column: &str) -> Vec<&str> {
        (0..self.len()).map(|r| self.get(r, column)).collect()
    }

    /// The first row whose `column` is `value`.
    pub fn row_where(&self, column: &str, value: &str) -> usize {
        (0..self.len())
            .find(|&r| self.get(r, column) == value)
            .unwrap_or_else(|| panic!("no row with {column} = {value}: {:#?}", self.rows))
    }

    fn push_batch(&mut self, batch: &RecordBatch) {
        if self.columns.is_empty() {
            self.columns = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            self.types = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.data_type().clone())
                .collect();
        }
        for r in 0..batch.num_rows() {
            self.rows.push(
                batch
                    .columns()
                    .iter()
                    .map(|a| {
                        (!a.is_null(r)).then(|| array_value_to_string(a, r).expect("displayable"))
                    })
                    .collect(),
            );
        }
    }
}

/// Reads one Parquet file.
pub fn read_parquet_file(path: &Path) -> Table {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut table = Table {
        columns: builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect(),
        types: builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect(),
        rows: vec![],
    };
    for batch in builder.build().unwrap() {
        table.push_batch(&batch.unwrap());
    }
    table
}

/// Reads every `*.parquet` file of a folder (in name order) as one table.
pub fn read_parquet_dir(dir: &Path) -> Table {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no Parquet files in {}", dir.display());
    let mut table = Table::default();
    for f in files {
        let t = read_parquet_file(&f);
        if table.columns.is_empty() {
            table.columns = t.columns;
            table.types = t.types;
        }
        table.rows.extend(t.rows);
    }
    table
}

/// The number of rows in the Parquet files of a folder, from their footers.
pub fn parquet_rows(dir: &Path) -> u64 {
    let mut rows = 0;
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "parquet") {
            rows += parquet_file_rows(&path);
        }
    }
    rows
}

pub fn parquet_file_rows(path: &Path) -> u64 {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    builder.metadata().file_metadata().num_rows() as u64
}

/// A snapshot folder's `manifest.json`.
pub fn read_manifest(snapshot: &Path) -> Value {
    let path = snapshot.join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One dataset's record in a manifest.
pub fn dataset_record<'m>(manifest: &'m Value, name: &str) -> &'m Value {
    manifest["datasets"]
        .as_array()
        .expect("datasets array")
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the manifest: {manifest:#}"))
}

/// `(rows_read, rows_loaded, rows_rejected)` of one dataset in a manifest.
pub fn counts(manifest: &Value, name: &str) -> (u64, u64, u64) {
    let d = dataset_record(manifest, name);
    let n = |k: &str| {
        d[k].as_u64()
            .unwrap_or_else(|| panic!("{name}.{k} missing: {d:#}"))
    };
    (n("rows_read"), n("rows_loaded"), n("rows_rejected"))
}

pub fn status<'m>(manifest: &'m Value, name: &str) -> &'m str {
    dataset_record(manifest, name)["status"]
        .as_str()
        .expect("status is text")
}

/// Checks a whole snapshot against its manifest: for every dataset, read = loaded, plus
/// rejected, plus skipped (by a mapping),
/// its Parquet rows equal rows_loaded and its rejects file rows equal rows_rejected; an absent
/// dataset has no folder. Returns the manifest.
pub fn assert_snapshot_consistent(snapshot: &Path) -> Value {
    let manifest = read_manifest(snapshot);
    let datasets = manifest["datasets"].as_array().expect("datasets array");
    assert!(
        !datasets.is_empty(),
        "empty manifest in {}",
        snapshot.display()
    );
    for d in datasets {
        let name = d["name"].as_str().unwrap();
        let (read, loaded, rejected) = counts(&manifest, name);
        let skipped = d["rows_skipped"].as_u64().unwrap_or(0);
        assert_eq!(
            read,
            loaded + rejected + skipped,
            "{name} in {}: read != loaded + rejected + skipped",
            snapshot.display()
        );
        if d["status"] == "absent" {
            assert_eq!((read, loaded, rejected), (0, 0, 0), "{name}");
            assert!(!snapshot.join(name).exists(), "absent {name} has a folder");
            continue;
        }
        assert_eq!(
            parquet_rows(&snapshot.join(name)),
            loaded,
            "{name} in {}: Parquet rows != rows_loaded",
            snapshot.display()
        );
        let rejects = snapshot
            .join("load_rejects")
            .join(format!("{name}.parquet"));
        assert_eq!(
            parquet_file_rows(&rejects),
            rejected,
            "{name} in {}: rejects rows != rows_rejected",
            snapshot.display()
        );
    }
    manifest
}

/// A cell of an XLSX fixture.
#[derive(Debug, Clone)]
pub enum X {
    S(&'static str),
    N(f64),
    /// A real date cell (year, month, day) with a `dd/mm/yyyy` number format.
    D(u16, u8, u8),
    Blank,
}

/// Writes a one-sheet workbook whose first row (the header) is the 1-based sheet row
/// `first_row`; the rows above it are left empty.
pub fn write_xlsx(path: &Path, first_row: u32, rows: &[Vec<X>]) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        let r = first_row - 1 + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                X::S(s) => {
                    sheet.write_string(r, c, *s).unwrap();
                }
                X::N(n) => {
                    sheet.write_number(r, c, *n).unwrap();
                }
                X::D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    sheet.write_datetime_with_format(r, c, &dt, &date).unwrap();
                }
                X::Blank => {}
            }
        }
    }
    book.save(path).unwrap();
}

/// The lines of `text` that start with `prefix`.
pub fn lines_starting<'t>(text: &'t str, prefix: &str) -> Vec<&'t str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

/// A scratch folder with the shipped sample data loaded into `w/`, loaded once and shared by
/// every test that only reads it.
pub fn sample_scratch() -> &'static Path {
    static DIR: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("safeguard-sample-")
            .tempdir()
            .unwrap();
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
        let out = Command::new(bin())
            .args(["load", "--quiet", "--input"])
            .arg(&sample)
            .arg("--warehouse")
            .arg(dir.path().join("w"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
    .path()
}

/// A file under `tests/fixtures/ingest`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ingest")
        .join(relative)
}

/// An input the fuzzers found, under `tests/fixtures/fuzz`.
pub fn fuzz_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(name)
}

/// The rejects of a dataset as `(source_file, line, reason, column)`, in the order written.
pub fn reject_rows(t: &Table) -> Vec<(String, u64, String, String)> {
    (0..t.len())
        .map(|r| {
            (
                t.get(r, "source_file").to_owned(),
                t.get(r, "line").parse().unwrap(),
                t.get(r, "reason").to_owned(),
                t.get(r, "column").to_owned(),
            )
        })
        .collect()
}

/// One expected reject, as [`reject_rows`] gives them.
pub fn rej(file: &str, line: u64, reason: &str, column: &str) -> (String, u64, String, String) {
    (file.into(), line, reason.into(), column.into())
}

/// Days since 1970-01-01, for DATE32 fixtures.
pub fn days(y: i32, m: u32, d: u32) -> i32 {
    let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    (date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

/// Copies a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Rows of `safeguard sql` over the shared sample warehouse (2025/26) as CSV, without the
/// header.
pub fn sample_sql(query: &str) -> Vec<Vec<String>> {
    let out: Run = Command::new(bin())
        .current_dir(sample_scratch())
        .env_remove("SAFEGUARD_CONFIG")
        .args([
            "sql",
            "--warehouse",
            "w",
            "--year",
            "2025/26",
            "--format",
            "csv",
            "-c",
        ])
        .arg(query)
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, 0, "{}", out.stderr);
    csv::Reader::from_reader(out.stdout.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Asserts `pdf` is tagged and says in its XMP metadata that it is PDF/A-2a and PDF/UA-1, in
/// British English; returns its `pdfinfo` for further checks.
pub fn assert_tagged_pdf_a_and_ua(pdf: &str) -> String {
    let info = poppler("pdfinfo", &[pdf]);
    assert!(info.contains("Tagged:          yes"), "{info}");
    let meta = poppler("pdfinfo", &["-meta", pdf]);
    for needle in [
        "<pdfaid:part>2</pdfaid:part>",
        "<pdfaid:conformance>A</pdfaid:conformance>",
        "<pdfuaid:part>1</pdfuaid:part>",
        "<rdf:li>en-GB</rdf:li>",
    ] {
        assert!(meta.contains(needle), "no {needle} in the XMP metadata");
    }
    info
}

/// Runs a poppler tool (pdftotext, pdfinfo) and returns its standard output.
pub fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {tool} ({e}): install poppler-utils, as scripts/test does")
    });
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
