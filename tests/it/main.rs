//! The one integration-test binary (each file under tests/ would link the whole stack again).

#[cfg(feature = "cluster")]
mod cluster;
mod ingest;
mod oracle;
mod refresh;
mod report;
mod sample_data;
#[cfg(feature = "serve")]
mod serve;
mod sql;
mod util;
mod warehouse;
