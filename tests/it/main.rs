//! The one integration-test binary (each file under tests/ would link the whole stack again).

#[cfg(feature = "cluster")]
mod cluster;
mod fuzz;
mod ingest_csv;
mod ingest_digest;
mod ingest_file_errors;
mod ingest_limits;
mod ingest_property;
mod ingest_rules;
mod ingest_wide;
mod ingest_xlsx_parquet;
mod mapping;
mod narrative;
mod oracle;
mod packs;
mod refresh;
mod report;
mod sample_data;
#[cfg(feature = "serve")]
mod serve;
mod sql;
mod template;
mod util;
mod warehouse;
