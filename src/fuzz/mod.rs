//! Entry points for fuzzing (issue 21). Each takes arbitrary bytes, runs one stage wholly in
//! memory (no folder, no warehouse, no PDF), and panics when something the stage promises does
//! not hold: rows read = loaded + rejected + skipped, every reject has a problem, every error is
//! a sentence naming its file or line, a writing statement is never planned as read-only.
//!
//! Two drivers call them: the cargo-fuzz targets in `fuzz/` (libFuzzer, coverage-guided, for
//! long runs) and the property tests in `tests/it/fuzz` (fixed seed, in CI). Whatever either
//! finds becomes a regression test there.
//!
//! An entry point returns whether the input went all the way (rows loaded, text converted, a
//! statement planned), so a driver can tell a target that refuses everything from one that
//! explores.

mod base;
mod ingest;
mod text;

pub use ingest::{Tally, csv, dataset_holds, mapping, parquet, xlsx};
pub use text::{narrative, sql};

/// An entry point: the input's bytes in, whether it went all the way out.
pub type Entry = fn(&[u8]) -> bool;

/// Every entry point by the name of its cargo-fuzz target (and of its seeds folder).
pub const TARGETS: [(&str, Entry); 6] = [
    ("csv", csv),
    ("xlsx", xlsx),
    ("parquet", parquet),
    ("mapping", mapping),
    ("narrative", narrative),
    ("sql", sql),
];
