//! The report's data: every figure the template prints, queried from the metric views and
//! turned into display strings here, with disclosure control applied, so the template holds no
//! figures of its own and cannot print a suppressed one. The result is serialised to JSON and
//! reaches the template as `/data.json`.
//!
//! One file per report section, each querying its views and building its part of the
//! [`model`]; [`collect`] runs them in the order the report reads. Staff identifiers are never
//! queried into the report, and [`ReportData::check_no_staff_ids`] (in `privacy`) refuses data
//! that holds one anyway.
//!
//! Checklist for a new section: a file here returning its model struct, the struct in `model.rs`
//! (field names are the templates' interface), a line in [`collect`], a template in
//! `report-templates/`, and the model snapshot in `tests/it/report/model.rs` updated.

mod appendix;
mod compliance;
mod definitions;
mod escalations;
mod model;
mod multiagency;
mod organisations;
pub mod pack;
mod params;
pub mod privacy;
mod quality;
mod reviews;
mod rows;
mod section11;
mod spc;
mod summary;
mod supervision;
mod suppression;
mod training;
mod trend;

pub use model::*;

use super::ReportSettings;
use crate::query::Session;
use crate::warehouse::DatasetStatus;

/// Queries every view the report prints and builds its data, section by section.
pub async fn collect(session: &Session, settings: &ReportSettings) -> anyhow::Result<ReportData> {
    Ok(collect_planned(session, settings).await?.0)
}

/// The report's data and the suppression plans it was printed by (which the provider packs
/// print by too).
async fn collect_planned(
    session: &Session,
    settings: &ReportSettings,
) -> anyhow::Result<(ReportData, suppression::Suppression)> {
    let p = params::params(session).await?;
    let organisations = organisations::organisations(session).await?;
    let names = organisations::Names::new(&organisations);
    // Every period's suppression plan before the sections that print counts: those print
    // only what the plans let through. Planning is pure computation, so it runs on its own
    // threads while the sections that print no counts of staff are queried.
    let unplanned = suppression::Unplanned::query(session, &p, &organisations).await?;
    let planning = tokio::task::spawn_blocking(move || unplanned.plan());
    let spc_rows = spc::SpcRows::query(session, spc::Charted::Footprint).await?;
    let section11 = section11::section11(session, &names).await?;
    let reviews = reviews::reviews(session).await?;
    // Optional datasets: their sections are left out when they were not supplied.
    let multiagency = if has_view(session, "multiagency_contribution") {
        Some(multiagency::multiagency(session, &p, &organisations).await?)
    } else {
        None
    };
    let escalations = if supplied(session, "escalations") {
        Some(escalations::escalations(session, &p).await?)
    } else {
        None
    };
    let quality = if has_view(session, "quality_ratings_summary") {
        Some(quality::quality(session, &p, &names).await?)
    } else {
        None
    };
    let plans = planning
        .await
        .map_err(|e| anyhow::anyhow!("disclosure planning stopped unexpectedly: {e}"))??;
    let training = training::training(session, &p, &organisations, &plans.training).await?;
    let supervision =
        supervision::supervision(session, &p, &organisations, &plans.supervision).await?;
    let spc = spc::spc(&spc_rows, &p, &names, &plans, spc::Charted::Footprint)?;
    let appendix = appendix::appendix(session, &p, plans.appendix(&p)).await?;
    let summary = summary::summary(
        &p,
        &organisations,
        &training,
        &supervision,
        multiagency.as_ref(),
        &section11,
        &reviews,
    );
    let data = ReportData {
        meta: summary::meta(session, settings, &p, &organisations),
        summary,
        organisations,
        training: training.1,
        supervision: supervision.1,
        section11,
        reviews,
        multiagency: multiagency.map(|m| m.1),
        escalations,
        quality,
        spc,
        appendix,
        definitions: definitions::definitions(&p),
    };
    Ok((data, plans))
}

/// The disclosure audit of every period the report prints figures of (`report --audit`): each
/// suppressed count and the range a reader with the whole publication could narrow it to.
pub async fn audit(session: &Session) -> anyhow::Result<String> {
    let p = params::params(session).await?;
    let organisations = organisations::organisations(session).await?;
    suppression::Suppression::new(session, &p, &organisations)
        .await?
        .audit(&p)
}

/// Whether an optional dataset was supplied to the load behind the session.
fn supplied(session: &Session, dataset: &str) -> bool {
    session
        .manifest()
        .dataset(dataset)
        .is_some_and(|r| r.status != DatasetStatus::Absent)
}

/// Whether the session has a view (views over optional datasets exist only when supplied).
fn has_view(session: &Session, view: &str) -> bool {
    session.has(view)
}
