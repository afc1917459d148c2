//! Fuzzed readers (issue 21): property tests over arbitrary bytes and arbitrary structures for
//! each reader, the mapping step, the narrative Markdown converter and `sql`'s read-only check.
//! Every case must finish without a panic within [`BOUND`], and for every dataset that loads,
//! rows read = loaded + rejected + skipped, with the sink seeing exactly those rows.
//!
//! Most cases go through `safeguard::fuzz`, the in-memory entry points the cargo-fuzz targets
//! in `fuzz/` drive too; the regressions and the mapping cases load a real input folder, so
//! listing and hashing are fuzzed as well.
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

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::Env;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use safeguard::fuzz::{Tally, dataset_holds};
use safeguard::ingest::mapping::Mappings;
use safeguard::ingest::{IngestReport, Outcome, discover, ingest_discovered};

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

/// Reads `input` through `mappings` as `load` would and checks every dataset that loaded:
/// read = loaded + rejected + skipped, and the sink saw exactly the loaded and rejected rows.
/// A file error is a fine outcome for a broken file; its message must name the file.
pub fn ingest_holds(input: &Path, mappings: &Mappings) -> Result<IngestReport, TestCaseError> {
    let discovery = discover(input, mappings).map_err(|e| TestCaseError::fail(format!("{e:#}")))?;
    let mut tally = Tally::default();
    let report = ingest_discovered(discovery, &mut tally, &())
        .map_err(|e| TestCaseError::fail(format!("ingest failed outright: {e:#}")))?;
    for d in &report.datasets {
        dataset_holds(d, &tally);
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

/// Every seed committed for the cargo-fuzz targets (`fuzz/seeds/<target>/`) goes all the way
/// through its entry point, so a long run starts from inputs that load, convert or plan.
#[test]
fn fuzz_seeds_go_all_the_way() {
    for (target, entry) in safeguard::fuzz::TARGETS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(target);
        let mut seeds = 0;
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            assert!(entry(&bytes), "{} did not go all the way", path.display());
            seeds += 1;
        }
        assert!(seeds > 0, "no seeds in {}", dir.display());
    }
}
