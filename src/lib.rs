//! `safeguard`: the NHS safeguarding children assurance pipeline.
//!
//! The stages, one module each, all standing on [`contract`] (the input data contract as data,
//! its Arrow schemas and the NHS calendar): [`ingest`] reads and validates input files, [`warehouse`]
//! keeps them as Parquet snapshots, [`query`] computes the metric views with DataFusion,
//! [`report`] typesets the annual board report with Typst, [`refresh`] runs them all as one
//! locked, atomic nightly job, and [`cli`] wires them to commands. [`narrative`] reads the
//! team's own words (Markdown) for the report; [`disclosure`] decides which counts of people a
//! publication may print and proves that nothing hidden can be worked out. `serve` (cargo
//! feature `serve`, on by default) answers SQL over the PostgreSQL wire protocol.
//! [`generate`] makes synthetic input for trying it all out; [`template`] writes the XLSX
//! return templates providers fill in.

pub mod cli;
pub mod config;
pub mod contract;
pub mod disclosure;
pub mod fsutil;
pub mod fuzz;
pub mod generate;
pub mod ingest;
pub mod memory;
pub mod narrative;
pub mod numbers;
pub mod query;
pub mod refresh;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod template;
pub mod warehouse;
pub mod work;
