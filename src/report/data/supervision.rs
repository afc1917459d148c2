//! Safeguarding supervision compliance (quality metric 11.a.5): the table by organisation and
//! professional group, and the footprint's quarterly trend.

use super::compliance::{Movement, sums, table};
use super::model::{Organisation, Supervision};
use super::params::Params;
use super::rows::query;
use super::trend::{quarters, trend};
use crate::query::Session;
use crate::report::format::{long_date, professional_group};

/// The supervision section, and the footprint's movement for the summary.
pub(super) async fn supervision(
    session: &Session,
    p: &Params,
    organisations: &[Organisation],
) -> anyhow::Result<(Movement, Supervision)> {
    let rows = query(
        session,
        "SELECT period_end, organisation_code, professional_group, SUM(staff_supervised) AS num, \
         SUM(staff_requiring) AS den FROM supervision_compliance GROUP BY 1, 2, 3",
    )
    .await?;
    let (sums, groups) = sums(&rows, |r| r.string("professional_group"), "supervision")?;
    let t = table(&sums, p, organisations, &groups, professional_group, false);
    let quarters = quarters(session).await?;
    let trend = trend(
        &sums,
        p,
        &quarters,
        None,
        &t.total.name,
        "safeguarding supervision compliance",
        t.total.now.percent.is_hidden(),
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
