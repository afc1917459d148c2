//! The one integration-test binary (each file under tests/ would link the whole stack again).

#[cfg(feature = "cluster")]
mod cluster;
mod ingest;
mod mapping;
mod oracle;
mod refresh;
mod report;
mod sample_data;
mod sql;
mod template;
mod util;
mod warehouse;
