//! What a session is opened with: the as_of date and the thresholds every figure depends on
//! ([`Params`], shown to SQL users as the `params` table), and where its queries run
//! ([`Engine`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The thresholds of the quality metrics schedule (METRICS.md defaults), configurable in the
/// `[thresholds]` table of `safeguard.toml`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// A training record is valid for this many calendar months.
    pub training_validity_months: u32,
    /// Training and supervision: red below this percentage.
    pub red_below: f64,
    /// Training and supervision: green above this percentage (amber up to and including it).
    pub green_above: f64,
    /// Multi-agency contribution: red below this percentage.
    pub multiagency_red_below: f64,
    /// Multi-agency contribution: green above this percentage.
    pub multiagency_green_above: f64,
    /// The published report prints counts (and percentages of denominators) below this as `*`.
    pub disclosure_threshold: u32,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            training_validity_months: 36,
            red_below: 75.0,
            green_above: 90.0,
            multiagency_red_below: 60.0,
            multiagency_green_above: 90.0,
            disclosure_threshold: 5,
        }
    }
}

/// Everything a figure depends on besides the data: visible to SQL users as the `params` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub as_of: NaiveDate,
    pub thresholds: Thresholds,
}

/// Where a session's queries run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// In this process, on DataFusion.
    #[default]
    Local,
    /// On an Apache DataFusion Ballista cluster, given its scheduler's `df://HOST:PORT`. The
    /// executors read the warehouse's Parquet files themselves, so the warehouse must be at the
    /// same path on every machine (a shared file system).
    Cluster(String),
}
