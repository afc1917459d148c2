//! Safeguarding supervision compliance (quality metric 11.a.5): the table by organisation and
//! professional group, and the footprint's quarterly trend, as the supervision plans print
//! them.

use super::compliance::{Movement, table};
use super::model::{Organisation, Supervision};
use super::params::Params;
use super::suppression::Measure;
use super::trend::{quarters, series, trend};
use crate::query::Session;
use crate::report::format::{long_date, professional_group};

/// The supervision section, and the footprint's movement for the summary.
pub(super) async fn supervision(
    session: &Session,
    p: &Params,
    organisations: &[Organisation],
    m: &Measure,
) -> anyhow::Result<(Movement, Supervision)> {
    let t = table(m, p, organisations, professional_group, false)?;
    let quarters = quarters(session).await?;
    let trend = trend(
        series(m, &quarters, None)?,
        p,
        &quarters,
        &t.total.name,
        "safeguarding supervision compliance",
    );
    Ok((
        t.headline,
        Supervision {
            period_end: long_date(p.period_end),
            organisations: t.organisations,
            total: t.total,
            groups: t.breakdown,
            trend,
        },
    ))
}
