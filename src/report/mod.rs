//! The annual Safeguarding Children report: the metric views of one warehouse snapshot,
//! typeset to PDF with Typst embedded as a library.
//!
//! ```text
//! Session (views) --data::collect--> ReportData (display strings, suppression applied)
//!     --JSON as /data.json--> ReportWorld (templates, fonts, as_of as today)
//!     --typst::compile--> PagedDocument --typst_pdf::pdf (PDF/A-2a + PDF/UA-1)--> bytes
//! ```
//! Nothing here reads the clock: the document date is the data's as_of, so the same warehouse
//! and templates always give the same bytes.

pub mod data;
pub mod disclosure;
pub mod format;
pub mod pack;
mod pdf;
pub mod printed;
pub mod sentences;
pub mod world;

use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Deserialize;

pub use pdf::TemplateError;
pub use world::Templates;

use crate::query::Session;

/// The `[report]` table of `safeguard.toml`: who the report is from and for.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// The ICB's name for the cover and running header (default: the commissioner in the
    /// organisations dataset).
    pub icb_name: Option<String>,
    /// The board meeting the report goes to, `YYYY-MM-DD`.
    pub board_meeting_date: Option<String>,
    /// The authors' roles (not names), in the order printed.
    pub authors: Option<Vec<String>>,
    /// A templates folder to use instead of the built-in templates.
    pub templates: Option<PathBuf>,
}

/// Everything about one report that does not come from the warehouse.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    /// The ICB's name; `None` takes the one commissioner in the organisations dataset.
    pub icb_name: Option<String>,
    pub board_meeting_date: Option<NaiveDate>,
    pub authors: Vec<String>,
    pub templates: Templates,
    /// Printed in the provenance appendix and the PDF's creator field.
    pub program_version: String,
}

impl Default for ReportSettings {
    fn default() -> ReportSettings {
        ReportSettings {
            icb_name: None,
            board_meeting_date: None,
            authors: vec![
                "Designated Nurse for Safeguarding Children".to_owned(),
                "Designated Doctor for Safeguarding Children".to_owned(),
            ],
            templates: Templates::Embedded,
            program_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

impl ReportSettings {
    /// Settings from the `[report]` table, with defaults for what it leaves out. `templates`
    /// (the `--templates` flag, already resolved) wins over the table's.
    pub fn from_config(
        config: &ReportConfig,
        templates: Option<PathBuf>,
    ) -> anyhow::Result<ReportSettings> {
        let defaults = ReportSettings::default();
        let board_meeting_date = config
            .board_meeting_date
            .as_deref()
            .map(|d| {
                NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                    anyhow::anyhow!(
                        "invalid board_meeting_date {d:?} in [report]: expected YYYY-MM-DD"
                    )
                })
            })
            .transpose()?;
        Ok(ReportSettings {
            icb_name: config.icb_name.clone().or(defaults.icb_name),
            board_meeting_date,
            authors: config.authors.clone().unwrap_or(defaults.authors),
            templates: templates.map_or(Templates::Embedded, Templates::Dir),
            program_version: defaults.program_version,
        })
    }
}

/// A typeset report.
#[derive(Debug)]
pub struct ReportOutput {
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
    pub pages: usize,
    /// Typst's warnings, formatted like its errors (printed by the caller).
    pub warnings: Vec<String>,
}

/// Builds the annual report from an open session: queries the views, typesets the templates
/// and exports PDF/A-2a + PDF/UA-1. A template error is a [`TemplateError`] holding Typst's
/// diagnostics with file, line and hint.
pub async fn build(session: &Session, settings: &ReportSettings) -> anyhow::Result<ReportOutput> {
    let data = data::collect(session, settings).await?;
    data.check_no_staff_ids(session).await?;
    let json = serde_json::to_vec_pretty(&data)?;
    let as_of = NaiveDate::parse_from_str(&data.meta.as_of, "%Y-%m-%d")?;
    pdf::typeset(settings, world::MAIN, json, as_of, &data.meta.title)
}

/// The report data as the template receives it (`/data.json`), for template authors.
pub async fn data_json(session: &Session, settings: &ReportSettings) -> anyhow::Result<String> {
    let data = data::collect(session, settings).await?;
    data.check_no_staff_ids(session).await?;
    Ok(serde_json::to_string_pretty(&data)?)
}
