//! A `[[mapping]]` table of `safeguard.toml` as written, before it is checked (MAPPING.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One `[[mapping]]` table: how files of another layout become a contract dataset.
///
/// Maps are `BTreeMap`s so the configuration digest a refresh compares does not depend on the
/// order keys were written in; patterns keep their order, which is their meaning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingConfig {
    /// The contract dataset these files feed.
    pub dataset: String,
    /// Globs relative to the input folder (`esr/*.csv`).
    pub files: Vec<String>,
    /// Contract column = the file's header.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Contract column = { file value = contract value or `skip` }, matched trimmed, any case.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Contract column = [[regular expression, replacement or `skip`], ...], first match wins.
    #[serde(default)]
    pub patterns: BTreeMap<String, Vec<(String, String)>>,
    /// Contract column = extra chrono date formats, tried after the contract's.
    #[serde(default)]
    pub dates: BTreeMap<String, Vec<String>>,
    /// Contract column = a value for every row (the file lacks the column).
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
}
