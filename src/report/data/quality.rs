//! The commissioner's quality ratings of each provider against the schedule's metrics over the
//! latest four quarters, with the movement in the latest quarter.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::model::{Quality, QualityCell, QualityRow, Standard};
use super::organisations::Names;
use super::params::Params;
use super::rows::query;
use crate::contract::QUALITY_METRICS;
use crate::contract::calendar as periods;
use crate::query::Session;
use crate::report::format::{Rag, financial_quarter, long_date};

/// An organisation's ratings: (metric, quarter end) -> (rating, change since the quarter before).
type QualityRatings = HashMap<(String, NaiveDate), (String, Option<String>)>;

/// The provider quality ratings section.
pub(super) async fn quality(
    session: &Session,
    p: &Params,
    names: &Names,
) -> anyhow::Result<Quality> {
    let quarters: Vec<NaiveDate> = (0..4)
        .rev()
        .map(|i| periods::month_end(periods::months_before(p.period_end, 3 * i)))
        .collect();
    let rows = query(
        session,
        "SELECT organisation_code, metric, quarter_end, rating, change \
         FROM quality_ratings_summary",
    )
    .await?;
    let mut by: BTreeMap<String, QualityRatings> = BTreeMap::new();
    for r in &rows {
        let Some(q) = r.date("quarter_end") else {
            continue;
        };
        if !quarters.contains(&q) {
            continue;
        }
        by.entry(r.string("organisation_code")).or_default().insert(
            (r.string("metric"), q),
            (r.string("rating"), r.text("change").map(str::to_owned)),
        );
    }
    let mut improved = 0;
    let mut worsened = 0;
    let mut out = vec![];
    for (org, ratings) in &by {
        let cells = QUALITY_METRICS
            .iter()
            .map(|(code, _)| {
                let get = |q: &NaiveDate| ratings.get(&((*code).to_owned(), *q));
                let last = quarters.last().and_then(get);
                let change = last.and_then(|(_, c)| c.clone()).unwrap_or_default();
                match change.as_str() {
                    "improved" => improved += 1,
                    "worsened" => worsened += 1,
                    _ => {}
                }
                QualityCell {
                    metric: (*code).to_owned(),
                    ratings: quarters
                        .iter()
                        .map(|q| Rag::from_key(get(q).map(|(r, _)| r.as_str())))
                        .collect(),
                    change,
                }
            })
            .collect();
        out.push(QualityRow {
            name: names.of(org),
            cells,
        });
    }
    let summary = format!(
        "At {} the commissioner rated {} providers against {} quality metrics; since the \
         previous quarter {improved} ratings improved and {worsened} worsened.",
        long_date(p.period_end),
        out.len(),
        QUALITY_METRICS.len()
    );
    Ok(Quality {
        quarters: quarters.iter().map(|q| financial_quarter(*q)).collect(),
        metrics: QUALITY_METRICS
            .iter()
            .enumerate()
            .map(|(i, (_, n))| Standard {
                number: i as i64 + 1,
                name: (*n).to_owned(),
            })
            .collect(),
        metric_codes: QUALITY_METRICS
            .iter()
            .map(|(c, _)| (*c).to_owned())
            .collect(),
        rows: out,
        summary,
    })
}
