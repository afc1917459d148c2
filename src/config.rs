//! Configuration: `safeguard.toml` (or `--config FILE`) merged with command-line flags into one
//! checked value before any work starts. Flags win over the file; relative paths in the file
//! are relative to the file.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;

use crate::contract::calendar;
use serde::Deserialize;

/// The configuration file looked for in the working folder when `--config` is not given.
pub const DEFAULT_FILE: &str = "safeguard.toml";

/// The keys of `safeguard.toml`. Unknown keys are an error, so a typo is caught, not ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The input folder.
    pub input: Option<PathBuf>,
    /// The warehouse folder.
    pub warehouse: Option<PathBuf>,
    /// Where `refresh` writes the annual report.
    pub report_dir: Option<PathBuf>,
    /// NHS financial year, `2025/26`.
    pub year: Option<String>,
    /// The date figures are taken at, `2026-03-31`.
    pub as_of: Option<String>,
    /// How many warehouse snapshots to keep (the live one is never deleted).
    pub keep_snapshots: Option<usize>,
    /// RAG bands, training validity and the disclosure threshold (METRICS.md defaults).
    #[serde(default)]
    pub thresholds: crate::query::Thresholds,
    /// The annual report: ICB name, board meeting date, author roles, templates folder.
    #[serde(default)]
    pub report: crate::report::ReportConfig,
    /// The nightly job: how long to wait for input files still being copied in.
    #[serde(default)]
    pub refresh: RefreshConfig,
    /// `[[mapping]]` tables: how files in other layouts become contract datasets (MAPPING.md).
    #[serde(default)]
    pub mapping: Vec<crate::ingest::mapping::MappingConfig>,
    /// `safeguard serve`: the defaults of its flags.
    #[serde(default)]
    pub serve: ServeConfig,
}

/// The `[serve]` table: each key is the `safeguard serve` flag of the same name, which wins over
/// it. Paths are relative to the configuration file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    pub listen: Option<String>,
    pub users: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub max_connections: Option<usize>,
    /// Seconds.
    pub statement_timeout: Option<u64>,
}

/// The `[refresh]` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RefreshConfig {
    /// An input file modified less than this many seconds ago is taken to be still being
    /// written, and waited for. 0 reads files however recently they changed.
    pub settle_seconds: u64,
    /// How long to wait for such files before giving up on them for this run (their datasets
    /// keep the previous data, and the run exits 1 saying so).
    pub max_wait_seconds: u64,
    /// Also typeset every organisation's assurance pack into `report_dir/packs/`.
    pub packs: bool,
}

impl Default for RefreshConfig {
    fn default() -> RefreshConfig {
        RefreshConfig {
            settle_seconds: 10,
            max_wait_seconds: 120,
            packs: false,
        }
    }
}

/// The configuration file, read and with its paths made absolute-or-relative-to-cwd.
#[derive(Debug, Default)]
pub struct Config {
    pub file: FileConfig,
    /// Where the file was read from, if one was.
    pub source: Option<PathBuf>,
}

impl Config {
    /// Reads `explicit`, or `safeguard.toml` in the working folder if it exists, or nothing.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<Config> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok(Config::default()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        let file: FileConfig = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        Ok(Config {
            file,
            source: Some(path),
        })
    }

    /// A path from the file, relative to the file's folder.
    fn resolve(&self, p: &Path) -> PathBuf {
        match self.source.as_ref().and_then(|s| s.parent()) {
            // `input = "."`: the file's own folder, named as such in messages.
            Some(base) if p == Path::new(".") && !base.as_os_str().is_empty() => base.to_path_buf(),
            Some(base) if p.is_relative() && !base.as_os_str().is_empty() => base.join(p),
            _ => p.to_path_buf(),
        }
    }

    /// The flag if given, else the file's key, else the default.
    pub fn path(&self, flag: Option<&Path>, key: Option<&PathBuf>, default: &str) -> PathBuf {
        match (flag, key) {
            (Some(f), _) => f.to_path_buf(),
            (None, Some(k)) => self.resolve(k),
            (None, None) => PathBuf::from(default),
        }
    }

    /// The `[[mapping]]` tables, checked against the contract; a bad one is a configuration
    /// error naming the file and the key.
    pub fn mappings(
        &self,
    ) -> Result<crate::ingest::mapping::Mappings, crate::ingest::mapping::MappingError> {
        let source = self
            .source
            .as_ref()
            .map_or_else(|| DEFAULT_FILE.to_owned(), |p| p.display().to_string());
        crate::ingest::mapping::Mappings::compile(&self.file.mapping, &source)
    }

    pub fn input(&self, flag: Option<&Path>) -> PathBuf {
        self.path(flag, self.file.input.as_ref(), "sample-data")
    }

    pub fn warehouse(&self, flag: Option<&Path>) -> PathBuf {
        self.path(flag, self.file.warehouse.as_ref(), "warehouse")
    }

    /// The as_of date: `--as-of`, else `--year`, else the file's `as_of` or `year`, else the last
    /// complete quarter before `today`.
    pub fn as_of(
        &self,
        as_of: Option<&str>,
        year: Option<&str>,
        today: NaiveDate,
    ) -> anyhow::Result<NaiveDate> {
        if let Some(d) = as_of {
            return parse_as_of(d);
        }
        if let Some(y) = year {
            return financial_year_end(y);
        }
        match (&self.file.as_of, &self.file.year) {
            (Some(_), Some(_)) => bail!("the configuration sets both as_of and year: keep one"),
            (Some(d), None) => parse_as_of(d),
            (None, Some(y)) => financial_year_end(y),
            (None, None) => Ok(calendar::last_quarter_end_before(today)),
        }
    }
}

fn parse_as_of(raw: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").with_context(|| {
        format!("invalid as-of date {raw:?}: expected YYYY-MM-DD, for example 2026-03-31")
    })
}

/// `2025/26` is the NHS financial year 1 April 2025 to 31 March 2026; its end is the as_of.
fn financial_year_end(raw: &str) -> anyhow::Result<NaiveDate> {
    calendar::financial_year_end(raw).ok_or_else(|| {
        anyhow::anyhow!("invalid year {raw:?}: expected an NHS financial year such as 2025/26")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_bad_year_is_named_in_the_error() {
        assert_eq!(
            Config::default()
                .as_of(None, Some("2025/27"), date(2026, 11, 23))
                .unwrap_err()
                .to_string(),
            "invalid year \"2025/27\": expected an NHS financial year such as 2025/26"
        );
        assert_eq!(
            Config::default()
                .as_of(None, None, date(2026, 11, 23))
                .unwrap(),
            date(2026, 9, 30)
        );
    }

    #[test]
    fn flags_win_over_file() {
        let config = Config {
            file: FileConfig {
                year: Some("2024/25".into()),
                ..Default::default()
            },
            source: Some(PathBuf::from("/etc/sg/safeguard.toml")),
        };
        let today = date(2026, 11, 23);
        assert_eq!(config.as_of(None, None, today).unwrap(), date(2025, 3, 31));
        assert_eq!(
            config.as_of(Some("2026-01-31"), None, today).unwrap(),
            date(2026, 1, 31)
        );
        assert_eq!(
            config.as_of(None, Some("2025/26"), today).unwrap(),
            date(2026, 3, 31)
        );
        assert_eq!(config.input(None), PathBuf::from("sample-data"));
        let with_input = Config {
            file: FileConfig {
                input: Some("drop".into()),
                ..Default::default()
            },
            source: Some(PathBuf::from("/etc/sg/safeguard.toml")),
        };
        assert_eq!(with_input.input(None), PathBuf::from("/etc/sg/drop"));
        assert_eq!(with_input.input(Some(Path::new("x"))), PathBuf::from("x"));
    }
}
