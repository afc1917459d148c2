//! Mappings (MAPPING.md): how files in another layout (an ESR competence export, a provider's
//! own spreadsheet) become a contract dataset without renaming anything by hand.
//!
//! - `config.rs`: a `[[mapping]]` table as written in `safeguard.toml`;
//! - `compile.rs`: checking it against the contract into a [`Mapping`] (globs, a rule per
//!   contract column), once, before any file is read;
//! - `values.rs`: exact value maps and ordered regular expressions, and `skip`;
//! - `memo.rs`: what a value map gave each value already seen (per thread);
//! - `dates.rs`: extra chrono date formats;
//! - `plan.rs`: one file's [`Layout`] (how each contract column was found: what `check` lists)
//!   and [`ColumnPlan`] (how the validator reads each cell: the mapping is applied while the
//!   file is read, by whichever reader and thread reads it).

mod compile;
pub mod config;
mod dates;
mod memo;
mod plan;
mod values;

use std::sync::Arc;

pub use compile::{ColumnRule, Mapping};
pub use config::MappingConfig;
pub use plan::{ColumnPlan, Found, Layout, Read};

/// A mapping that cannot be used: a configuration error, found before anything is read.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// A key of one `[[mapping]]` table.
    #[error("{config}: [[mapping]] {number} (dataset {dataset:?}), {key}: {message}")]
    Key {
        /// The configuration file.
        config: String,
        number: usize,
        dataset: String,
        key: String,
        message: String,
    },
    /// How the input folder's files meet the mappings.
    #[error("{config}: {message}")]
    Files { config: String, message: String },
}

/// Every mapping of the configuration, checked.
#[derive(Debug, Clone, Default)]
pub struct Mappings {
    list: Vec<Arc<Mapping>>,
    /// The configuration file, for messages.
    config: String,
}

impl Mappings {
    /// Checks every `[[mapping]]` of the configuration file `config`.
    pub fn compile(configs: &[MappingConfig], config: &str) -> Result<Mappings, MappingError> {
        let list = configs
            .iter()
            .enumerate()
            .map(|(i, c)| {
                compile::compile(c, i + 1)
                    .map(Arc::new)
                    .map_err(|(key, message)| MappingError::Key {
                        config: config.to_owned(),
                        number: i + 1,
                        dataset: c.dataset.clone(),
                        key,
                        message,
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Mappings {
            list,
            config: config.to_owned(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Mapping>> {
        self.list.iter()
    }

    /// The mappings one of whose globs matches a path relative to the input folder.
    pub fn matching(&self, relative: &str) -> Vec<&Arc<Mapping>> {
        self.list.iter().filter(|m| m.matches(relative)).collect()
    }

    /// A configuration error about files, naming the configuration file.
    pub fn files_error(&self, message: String) -> MappingError {
        MappingError::Files {
            config: self.config.clone(),
            message,
        }
    }

    /// A configuration error about one key of a mapping.
    pub fn key_error(&self, mapping: &Mapping, key: String, message: String) -> MappingError {
        MappingError::Key {
            config: self.config.clone(),
            number: mapping.number,
            dataset: mapping.dataset.name.to_owned(),
            key,
            message,
        }
    }
}

#[cfg(test)]
mod tests;
