//! Safeguarding children training compliance (quality metric 11.b): the table by organisation
//! and required level, and a quarterly trend chart per organisation, as the training plans
//! print them.

use super::compliance::{Movement, table};
use super::model::{Organisation, Training};
use super::params::Params;
use super::suppression::Measure;
use super::trend::{quarters, series, trend, trends_summary};
use crate::query::Session;
use crate::report::format::long_date;
use crate::report::printed::Shown;

/// The training section, and the footprint's movement for the summary.
pub(super) async fn training(
    session: &Session,
    p: &Params,
    organisations: &[Organisation],
    m: &Measure,
) -> anyhow::Result<(Movement, Training)> {
    let t = table(m, p, organisations, |l| format!("Level {l}"), true)?;
    let quarters = quarters(session).await?;
    let what = "safeguarding children training compliance";
    let mut trends = vec![trend(
        series(m, &quarters, None)?,
        p,
        &quarters,
        &t.total.name,
        what,
    )];
    for o in organisations {
        let values = series(m, &quarters, Some(&o.code))?;
        // An organisation with nobody in post at any quarter has no chart.
        if values.iter().any(|v| *v != Shown::Empty) {
            trends.push(trend(values, p, &quarters, &o.name, what));
        }
    }
    let trend_alt = trends_summary(what, &quarters, &trends, p);
    Ok((
        t.headline,
        Training {
            period_end: long_date(p.period_end),
            levels: m.breakdown.iter().map(|l| format!("Level {l}")).collect(),
            organisations: t.organisations,
            total: t.total,
            detail: t.detail,
            level_totals: t.breakdown,
            trends,
            trend_alt,
        },
    ))
}
