//! `safeguard`: the NHS safeguarding children assurance pipeline.
//!
//! The stages, one module each: [`ingest`] reads and validates input files, [`warehouse`]
//! keeps them as Parquet snapshots, [`query`] computes the metric views with DataFusion,
//! [`report`] typesets the annual board report with Typst, [`refresh`] runs them all as one
//! locked, atomic nightly job, and [`cli`] wires them to commands.
//! [`generate`] makes synthetic input for trying it all out. [`disclosure`] decides which
//! counts of people a publication may print and proves that nothing hidden can be worked out.

pub mod cli;
pub mod config;
pub mod disclosure;
pub mod generate;
pub mod ingest;
pub mod query;
pub mod refresh;
pub mod report;
pub mod warehouse;
