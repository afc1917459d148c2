//! Safeguarding children training compliance (quality metric 11.b): the table by organisation
//! and required level, and a quarterly trend chart per organisation.

use super::compliance::{Movement, sums, table};
use super::model::{Organisation, Training};
use super::params::Params;
use super::rows::query;
use super::trend::{quarters, trend, trends_summary};
use crate::query::Session;
use crate::report::format::long_date;

/// The training section, and the footprint's movement for the summary.
pub(super) async fn training(
    session: &Session,
    p: &Params,
    organisations: &[Organisation],
) -> anyhow::Result<(Movement, Training)> {
    let rows = query(
        session,
        "SELECT period_end, organisation_code, required_level, SUM(staff_compliant) AS num, \
         SUM(staff_in_post) AS den FROM training_compliance GROUP BY 1, 2, 3",
    )
    .await?;
    let (sums, levels) = sums(&rows, |r| r.count("required_level").to_string(), "training")?;
    let t = table(
        &sums,
        p,
        organisations,
        &levels,
        |l| format!("Level {l}"),
        true,
    );
    let quarters = quarters(session).await?;
    let what = "safeguarding children training compliance";
    let hidden = |name: &str| {
        t.organisations
            .iter()
            .chain([&t.total])
            .any(|r| r.name == name && r.now.percent.is_hidden())
    };
    let mut trends = vec![trend(
        &sums,
        p,
        &quarters,
        None,
        &t.total.name,
        what,
        hidden(&t.total.name),
    )];
    for o in organisations {
        if sums.keys().any(|(_, c, _)| *c == o.code) {
            trends.push(trend(
                &sums,
                p,
                &quarters,
                Some(&o.code),
                &o.name,
                what,
                hidden(&o.name),
            ));
        }
    }
    let trend_alt = trends_summary(what, &quarters, &trends, p);
    Ok((
        t.headline,
        Training {
            period_end: long_date(p.period_end),
            levels: levels.iter().map(|l| format!("Level {l}")).collect(),
            organisations: t.organisations,
            total: t.total,
            detail: t.detail,
            level_totals: t.breakdown,
            trends,
            trend_alt,
        },
    ))
}
