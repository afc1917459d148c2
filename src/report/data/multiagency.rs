//! Health's contribution to child protection and strategy meetings (quality metric 11.a.2), over
//! the year to the period end and the year before. Meetings are not people, so no disclosure
//! control applies.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::compliance::Movement;
use super::model::{Multiagency, MultiagencyRow, Organisation};
use super::params::Params;
use super::rows::query;
use crate::contract::calendar as periods;
use crate::query::Session;
use crate::report::format::{financial_year, long_date, thousands};
use crate::report::printed::{Percent, Shown};

/// The multi-agency section, and the footprint's movement for the summary.
pub(super) async fn multiagency(
    session: &Session,
    p: &Params,
    organisations: &[Organisation],
) -> anyhow::Result<(Movement, Multiagency)> {
    // The year's four quarters summed, now and a year earlier.
    let rows = query(
        session,
        "SELECT period_end, organisation_code, meetings, contributed FROM multiagency_contribution",
    )
    .await?;
    let year_of = |end: NaiveDate| {
        let start = periods::month_end(periods::months_before(end, 12));
        move |d: NaiveDate| d > start && d <= end
    };
    let in_now = year_of(p.period_end);
    let in_then = year_of(p.previous);
    let mut now: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut then: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for r in &rows {
        let Some(d) = r.date("period_end") else {
            continue;
        };
        let target = if in_now(d) {
            &mut now
        } else if in_then(d) {
            &mut then
        } else {
            continue;
        };
        let e = target.entry(r.string("organisation_code")).or_default();
        e.0 += r.count("contributed");
        e.1 += r.count("meetings");
    }
    // Meetings are not people: disclosure control does not apply, so all figures print.
    let pct = |n: i64, d: i64| {
        if d == 0 {
            Shown::Empty
        } else {
            Shown::Value(100.0 * n as f64 / d as f64)
        }
    };
    let mut out = vec![];
    let mut bands = vec![];
    for o in organisations {
        let Some(&(n, d)) = now.get(&o.code) else {
            continue;
        };
        let (pn, pd) = then.get(&o.code).copied().unwrap_or((0, 0));
        let (s, ps) = (pct(n, d), pct(pn, pd));
        bands.push((o.name.clone(), p.ma_rag(ps), p.ma_rag(s)));
        out.push(MultiagencyRow {
            name: o.name.clone(),
            meetings: thousands(d),
            contributed: thousands(n),
            percent: Percent(s),
            rag: p.ma_rag(s),
            previous_percent: Percent(ps),
        });
    }
    let sum =
        |m: &BTreeMap<String, (i64, i64)>| m.values().fold((0, 0), |(a, b), (n, d)| (a + n, b + d));
    let (n, d) = sum(&now);
    let (pn, pd) = sum(&then);
    let (s, ps) = (pct(n, d), pct(pn, pd));
    let total = MultiagencyRow {
        name: "All organisations".into(),
        meetings: thousands(d),
        contributed: thousands(n),
        percent: Percent(s),
        rag: p.ma_rag(s),
        previous_percent: Percent(ps),
    };
    let summary = format!(
        "Health organisations were asked to contribute to {} child protection and strategy \
         meetings in the year to {} and contributed to {} ({}).",
        thousands(d),
        long_date(p.period_end),
        thousands(n),
        Percent(s)
    );
    Ok((
        Movement {
            now: s,
            then: ps,
            bands,
        },
        Multiagency {
            year: financial_year(p.period_end),
            rows: out,
            total,
            summary,
        },
    ))
}
