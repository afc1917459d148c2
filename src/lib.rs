//! `safeguard`: the NHS safeguarding children assurance pipeline.
//!
//! The stages, one module each: [`ingest`] reads and validates input files, [`warehouse`]
//! keeps them as Parquet snapshots, [`query`] computes the metric views with DataFusion,
//! [`report`] typesets the annual board report with Typst, [`refresh`] runs them all as one
//! locked, atomic nightly job, and [`cli`] wires them to commands. `serve` (cargo feature
//! `serve`, on by default) answers SQL over the PostgreSQL wire protocol.
//! [`generate`] makes synthetic input for trying it all out.

pub mod cli;
pub mod config;
pub mod generate;
pub mod ingest;
pub mod query;
pub mod refresh;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod warehouse;
