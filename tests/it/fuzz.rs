//! Fuzzed readers (issue 21): property tests over arbitrary bytes and arbitrary structures for
//! each reader, the mapping step, the narrative Markdown converter and `sql`'s read-only check.
//! Every case must finish without a panic within [`BOUND`], and for every dataset that loads,
//! rows read = loaded + rejected + skipped, with the sink seeing exactly those rows.
//!
//! CI runs a fixed seed and a modest number of cases. A long run sets the count (and, to
//! explore further, another seed) per target:
//!
//! ```text
//! PROPTEST_CASES=100000 PROPTEST_RNG_SEED=7 cargo test --release --test it fuzz
//! ```
//!
//! Each target prints how many cases it ran. Every crash found becomes a test in the
//! target's `regressions` function.

mod csv;
mod mapping;
mod narrative;
mod parquet;
mod sql;
mod xlsx;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::Env;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use safeguard::contract::Dataset;
use safeguard::ingest::mapping::Mappings;
use safeguard::ingest::{
    DatasetStats, FileError, IngestReport, Kept, Outcome, Progress, Reject, Sink, discover,
    ingest_discovered,
};

/// The most one case may take (a debug build on a shared machine): an input that takes longer
/// is a hang as far as a nightly load is concerned.
pub const BOUND: Duration = Duration::from_secs(20);

/// The seed CI runs with, unless `PROPTEST_RNG_SEED` names another.
const SEED: u64 = 21;

/// Runs `test` on `cases` values of `strategy` (or `PROPTEST_CASES` of them), from the fixed
/// seed; fails with the smallest failing input proptest finds. `test` says whether the case
/// went all the way (rows loaded, text converted); prints the count of cases and of those, and
/// returns the second, so a target can show it is not refusing everything.
pub fn run<S: Strategy>(
    target: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) -> u64
where
    S::Value: std::fmt::Debug,
{
    let env_u64 = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let cases = env_u64("PROPTEST_CASES").map_or(cases, |n| n as u32);
    let config = Config {
        cases,
        rng_seed: RngSeed::Fixed(env_u64("PROPTEST_RNG_SEED").unwrap_or(SEED)),
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    };
    let started = Instant::now();
    let mut runner = TestRunner::new(config);
    let through = std::sync::atomic::AtomicU64::new(0);
    let result = runner.run(&strategy, |value| {
        let at = Instant::now();
        if test(value)? {
            through.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let took = at.elapsed();
        proptest::prop_assert!(took < BOUND, "one case took {took:?}");
        Ok(())
    });
    if let Err(e) = result {
        panic!("fuzz target {target}: {e}");
    }
    // Shrinking may run a case more than once; the count is of runs that went through.
    let through = through.into_inner();
    eprintln!(
        "fuzz target {target}: {cases} cases passed in {:.1} s ({through} went all the way)",
        started.elapsed().as_secs_f64()
    );
    through
}

/// What ingest handed over, per dataset: rows in batches, and rejects.
#[derive(Default)]
struct Tally {
    current: Option<&'static str>,
    loaded: BTreeMap<&'static str, u64>,
    rejected: BTreeMap<&'static str, u64>,
}

impl Sink for Tally {
    fn begin(&mut self, dataset: &'static Dataset, _: SchemaRef) -> anyhow::Result<()> {
        self.current = Some(dataset.name);
        self.loaded.remove(dataset.name);
        self.rejected.remove(dataset.name);
        Ok(())
    }
    fn rows(&mut self, batch: RecordBatch) -> anyhow::Result<()> {
        let name = self.current.expect("begin before rows");
        *self.loaded.entry(name).or_default() += batch.num_rows() as u64;
        Ok(())
    }
    fn reject(&mut self, reject: Reject<'_>) -> anyhow::Result<()> {
        assert_eq!(
            Some(reject.dataset),
            self.current,
            "a reject outside its dataset"
        );
        assert!(!reject.problems.is_empty(), "a reject without a problem");
        *self.rejected.entry(reject.dataset).or_default() += 1;
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

struct Quiet;

impl Progress for Quiet {
    fn dataset(&self, _: &str) {}
    fn rows(&self, _: u64) {}
}

/// Reads `input` through `mappings` as `load` would and checks every dataset that loaded:
/// read = loaded + rejected + skipped, and the sink saw exactly the loaded and rejected rows.
/// A file error is a fine outcome for a broken file; its message must name the file.
pub fn ingest_holds(input: &Path, mappings: &Mappings) -> Result<IngestReport, TestCaseError> {
    let discovery = discover(input, mappings).map_err(|e| TestCaseError::fail(format!("{e:#}")))?;
    let mut tally = Tally::default();
    let report = ingest_discovered(discovery, &mut tally, &Quiet)
        .map_err(|e| TestCaseError::fail(format!("ingest failed outright: {e:#}")))?;
    for d in &report.datasets {
        let name = d.dataset.name;
        match &d.outcome {
            Outcome::Loaded(s) => {
                proptest::prop_assert_eq!(
                    s.rows_read,
                    s.rows_loaded + s.rows_rejected + s.rows_skipped,
                    "{}: read = loaded + rejected + skipped",
                    name
                );
                proptest::prop_assert_eq!(
                    tally.loaded.get(name).copied().unwrap_or(0),
                    s.rows_loaded
                );
                proptest::prop_assert_eq!(
                    tally.rejected.get(name).copied().unwrap_or(0),
                    s.rows_rejected
                );
                let per_file: u64 = d.file_reports.iter().map(|f| f.stats.rows_read).sum();
                proptest::prop_assert_eq!(per_file, s.rows_read, "{}: files add up", name);
            }
            Outcome::Failed { error, .. } => {
                let text = error.to_string();
                proptest::prop_assert!(!text.trim().is_empty());
            }
            Outcome::Absent => {}
        }
    }
    Ok(report)
}

/// The training dataset's contract header, in order.
pub const TRAINING_HEADER: &[&str] = &[
    "record_id",
    "staff_id",
    "level",
    "completed_on",
    "hours",
    "delivery",
];

/// Loads the base input with its training data as the file `name` holding `bytes` (a Parquet
/// file or a workbook): whether it loaded a row.
pub fn training_file_holds(name: &str, bytes: &[u8]) -> Result<bool, TestCaseError> {
    let env = Env::base();
    env.remove("training.csv");
    std::fs::write(env.input().join(name), bytes).unwrap();
    ingest_holds(&env.input(), &Mappings::default()).map(|r| loaded_rows(&r, "training"))
}

/// Whether `dataset` loaded at least one row.
pub fn loaded_rows(report: &IngestReport, dataset: &str) -> bool {
    matches!(outcome(report, dataset), Outcome::Loaded(s) if s.rows_loaded > 0)
}

/// The outcome of one dataset in a report.
pub fn outcome<'r>(report: &'r IngestReport, dataset: &str) -> &'r Outcome {
    &report
        .datasets
        .iter()
        .find(|d| d.dataset.name == dataset)
        .expect("every dataset is reported")
        .outcome
}
