//! Query: one DataFusion session over the live warehouse snapshot, with the datasets as tables,
//! the parameters and periods as small tables, and the named metric views of `queries/*.sql`.
//! The report, `sql -c`, `sql -f` and the REPL all query through it.
//!
//! `session` opens it, `config` is what it is opened with, `catalog` describes what it
//! defines, `period_tables` and `tables` make its small tables, `views` and `cache` define the
//! views, `functions` adds the SQL functions they call that DataFusion lacks, and `exec` is the one path every statement takes (`parse_budget` keeps its parse
//! from running away). `scope` makes a session that sees
//! only some organisations' rows (a scoped `serve` login, a provider pack).

mod cache;
mod catalog;
#[cfg(feature = "cluster")]
pub mod cluster;
mod config;
pub mod exec;
pub mod functions;
pub mod parse_budget;
mod period_tables;
pub mod print_format;
pub mod repl;
pub mod scope;
mod scoped_table;
mod session;
#[cfg(test)]
mod spc_tests;
mod tables;
mod views;

pub use config::{Engine, Params, Thresholds};
pub use session::{Session, open, open_snapshot};
pub use views::{VIEWS, View};
