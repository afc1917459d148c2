//! The `params` row every figure was computed with (as_of, the periods, the RAG thresholds and
//! the disclosure rule), and the RAG bands that follow from it.

use anyhow::Context;
use chrono::NaiveDate;

use super::rows::query;
use crate::contract::calendar as periods;
use crate::disclosure::Rule;
use crate::query::Session;
use crate::report::format::Rag;
use crate::report::printed::Shown;

/// The `params` row: as_of, the periods and the thresholds every figure was computed with.
#[derive(Debug, Clone)]
pub(super) struct Params {
    pub(super) as_of: NaiveDate,
    /// The latest quarter end on or before as_of: the figures' date.
    pub(super) period_end: NaiveDate,
    /// The same quarter end a year earlier.
    pub(super) previous: NaiveDate,
    pub(super) red_below: f64,
    pub(super) green_above: f64,
    pub(super) ma_red_below: f64,
    pub(super) ma_green_above: f64,
    pub(super) validity_months: i64,
    pub(super) rule: Rule,
}

pub(super) async fn params(session: &Session) -> anyhow::Result<Params> {
    let rows = query(
        session,
        "SELECT as_of, period_end, red_below, green_above, multiagency_red_below, \
         multiagency_green_above, training_validity_months, disclosure_threshold FROM params",
    )
    .await?;
    let p = rows.first().context("the params table is empty")?;
    let period_end = p.date("period_end").context("params has no period_end")?;
    Ok(Params {
        as_of: p.date("as_of").context("params has no as_of")?,
        period_end,
        previous: periods::month_end(periods::months_before(period_end, 12)),
        red_below: p.float("red_below").unwrap_or(75.0),
        green_above: p.float("green_above").unwrap_or(90.0),
        ma_red_below: p.float("multiagency_red_below").unwrap_or(60.0),
        ma_green_above: p.float("multiagency_green_above").unwrap_or(90.0),
        validity_months: p.count("training_validity_months"),
        rule: Rule {
            threshold: p.count("disclosure_threshold"),
        },
    })
}

impl Params {
    /// The training and supervision band of a percentage (none when not printed).
    pub(super) fn rag(&self, shown: Shown) -> Rag {
        match shown {
            Shown::Value(v) => Rag::band(v, self.red_below, self.green_above),
            _ => Rag::none(),
        }
    }

    /// The multi-agency contribution band of a percentage (none when not printed).
    pub(super) fn ma_rag(&self, shown: Shown) -> Rag {
        match shown {
            Shown::Value(v) => Rag::band(v, self.ma_red_below, self.ma_green_above),
            _ => Rag::none(),
        }
    }
}
