//! The annual Safeguarding Children report: the metric views of one warehouse snapshot,
//! typeset to PDF with Typst embedded as a library.
//!
//! ```text
//! Session (views) --data::collect--> ReportData (display strings, suppression applied)
//!     --figures::figures--> Figures (named values as printed) --narrated::read--> Narrative
//!     --JSON as /data.json and /narrative.json--> ReportWorld (templates, fonts, as_of as today)
//!     --typst::compile--> PagedDocument --typst_pdf::pdf (PDF/A-2a + PDF/UA-1)--> bytes
//! ```
//! Nothing here reads the clock: the document date is the data's as_of, so the same warehouse
//! and templates always give the same bytes.

pub mod data;
pub mod figures;
pub mod format;
pub mod narrated;
pub mod pack;
mod pdf;
pub mod printed;
pub mod sentences;
pub mod world;

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Deserialize;

pub use pdf::TemplateError;
pub use world::Templates;

use crate::narrative::{Figures, Slot};
use crate::query::Session;
use data::privacy::staff_ids;

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
    /// The narrative folder: the team's own words, one Markdown file per slot
    /// (`shared/contract/NARRATIVE.md`). None: the data-only report.
    pub narrative: Option<PathBuf>,
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
    /// The narrative folder, already resolved (`--narrative` or `[report] narrative`).
    pub narrative: Option<PathBuf>,
    /// Mark every page DRAFT and list the slots still to write (`--draft`).
    pub draft: bool,
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
            narrative: None,
            draft: false,
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
            narrative: None,
            draft: false,
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
    /// The narrative's slots still to write (none without a narrative).
    pub unwritten: Vec<Slot>,
}

/// Everything one report prints, gathered and checked but not yet typeset: the data of every
/// section, the figures the narrative may quote, and the narrative read with them.
#[derive(Debug)]
pub struct Prepared {
    pub data: data::ReportData,
    pub figures: Figures,
    /// The narrative, when one is configured.
    pub narrative: Option<narrated::ReadNarrative>,
}

impl Prepared {
    /// The slots still to write, in report order (none without a narrative).
    pub fn unwritten(&self) -> Vec<Slot> {
        self.narrative
            .as_ref()
            .map(|n| n.narrative.unwritten())
            .unwrap_or_default()
    }

    /// The data as the templates receive it (`/data.json`), for `--data-json`.
    pub fn data_json(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string_pretty(&self.data)?)
    }

    /// Typesets the report: the templates with the data and the narrative, exported as
    /// PDF/A-2a + PDF/UA-1. A template error is a [`TemplateError`].
    pub fn typeset(&self, settings: &ReportSettings) -> anyhow::Result<ReportOutput> {
        // The queries are done: what they freed would otherwise stay resident beside the
        // typesetting's own memory.
        crate::memory::give_back_freed();
        let json = serde_json::to_vec_pretty(&self.data)?;
        let as_of = NaiveDate::parse_from_str(&self.data.meta.as_of, "%Y-%m-%d")?;
        let narrative = self.narrative.as_ref();
        let extra = narrated::world_files(narrative, settings.draft)?;
        let mut out = pdf::typeset(
            settings,
            world::MAIN,
            json,
            extra,
            as_of,
            &self.data.meta.title,
        )?;
        out.unwritten = self.unwritten();
        Ok(out)
    }
}

/// Queries the views into the report's data and checks it holds none of the staff
/// identifiers `staff_ids`.
async fn collect(
    session: &Session,
    settings: &ReportSettings,
    staff_ids: &HashSet<String>,
) -> anyhow::Result<data::ReportData> {
    let data = data::collect(session, settings).await?;
    data.check_no_staff_ids(staff_ids)?;
    Ok(data)
}

/// Gathers the report: the data, its figures and the configured narrative. A narrative with
/// problems is a [`crate::narrative::Problems`] error (each `file:line: reason`).
pub async fn prepare(session: &Session, settings: &ReportSettings) -> anyhow::Result<Prepared> {
    let staff_ids = staff_ids(session).await?;
    let data = collect(session, settings, &staff_ids).await?;
    let figures = figures::figures(&data);
    let narrative = match &settings.narrative {
        Some(dir) => Some(narrated::read(dir, &figures, &staff_ids)?),
        None => None,
    };
    Ok(Prepared {
        data,
        figures,
        narrative,
    })
}

/// Builds the annual report from an open session: queries the views, reads the narrative,
/// typesets the templates and exports PDF/A-2a + PDF/UA-1. A template error is a
/// [`TemplateError`] holding Typst's diagnostics with file, line and hint.
pub async fn build(session: &Session, settings: &ReportSettings) -> anyhow::Result<ReportOutput> {
    prepare(session, settings).await?.typeset(settings)
}

/// The figures the narrative may quote, as the report prints them (`--list-figures`). The
/// narrative itself is not read, so the list can be printed while it still has problems.
pub async fn list_figures(session: &Session, settings: &ReportSettings) -> anyhow::Result<Figures> {
    let staff_ids = staff_ids(session).await?;
    Ok(figures::figures(
        &collect(session, settings, &staff_ids).await?,
    ))
}

/// The disclosure audit of everything the report prints (`safeguard report --audit`): for each
/// period and measure, every suppressed count and the range a reader could narrow it to.
pub async fn audit(session: &Session) -> anyhow::Result<String> {
    data::audit(session).await
}

/// The report data as the template receives it (`/data.json`), for template authors.
pub async fn data_json(session: &Session, settings: &ReportSettings) -> anyhow::Result<String> {
    let staff_ids = staff_ids(session).await?;
    Ok(serde_json::to_string_pretty(
        &collect(session, settings, &staff_ids).await?,
    )?)
}
