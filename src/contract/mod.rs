//! The ground floor every stage stands on: the input data contract as data (datasets, columns,
//! keys, rules, enumerated values, quality metrics), how it is stored in Arrow and Parquet,
//! and the NHS calendar (month ends, quarter ends, financial years).
//!
//! Nothing here reads a file or runs a query; `ingest`, `warehouse`, `query`, `report`,
//! `refresh`, `config` and `generate` all import it, and it imports none of them.

pub mod arrow;
pub mod calendar;
pub mod datasets;

pub use arrow::{date32, from_date32, warehouse_schema};
pub use datasets::{
    Column, DATASETS, Dataset, ForeignKey, Kind, QUALITY_METRICS, Rule, dataset, normalise_name,
};
