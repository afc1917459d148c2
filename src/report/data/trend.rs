//! The quarterly trend charts of training and supervision: one series per organisation (and
//! the footprint), each with its own alternative text, and one short description of a whole
//! set of small charts that stays short at national scale.

use chrono::NaiveDate;

use super::model::Trend;
use super::params::Params;
use super::rows::query;
use super::suppression::Measure;
use crate::query::Session;
use crate::report::format::{Rag, financial_quarter, percent};
use crate::report::printed::Shown;

/// An organisation's (or with `None` the footprint's) percentage at each quarter end, as each
/// quarter's own plan prints it.
pub(super) fn series(
    m: &Measure,
    quarters: &[NaiveDate],
    org: Option<&str>,
) -> anyhow::Result<Vec<Shown>> {
    quarters.iter().map(|q| m.percent(*q, org)).collect()
}

/// A quarterly chart of a series, with its alternative text; hidden and empty quarters are
/// gaps.
pub(super) fn trend(
    series: Vec<Shown>,
    p: &Params,
    quarters: &[NaiveDate],
    name: &str,
    what: &str,
) -> Trend {
    let values: Vec<Option<f64>> = series.into_iter().map(Shown::value).collect();
    let shown: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let alt = match (shown.first(), shown.last()) {
        (Some(&(fi, first)), Some(&(li, last))) => {
            let (lo_i, lo) = shown
                .iter()
                .copied()
                .fold((fi, first), |a, b| if b.1 < a.1 { b } else { a });
            let (hi_i, hi) = shown
                .iter()
                .copied()
                .fold((fi, first), |a, b| if b.1 > a.1 { b } else { a });
            format!(
                "Line chart of {what} for {name} at each quarter end from {} to {}: {} at the \
                 start and {} at the end, lowest {} ({}), highest {} ({}). A dashed line marks \
                 the red threshold, {}, and a dotted line the green threshold, {}.",
                financial_quarter(quarters[0]),
                financial_quarter(*quarters.last().expect("quarters")),
                percent(first),
                percent(last),
                percent(lo),
                financial_quarter(quarters[lo_i]),
                percent(hi),
                financial_quarter(quarters[hi_i]),
                percent(p.red_below),
                percent(p.green_above),
            ) + if li - fi + 1 < values.len() || shown.len() < values.len() {
                " Quarters with no published figure are left out."
            } else {
                ""
            }
        }
        _ => format!("No published figures of {what} for {name}."),
    };
    Trend {
        name: name.to_owned(),
        labels: quarters.iter().map(|q| financial_quarter(*q)).collect(),
        values,
        alt,
    }
}

/// One description of a set of small trend charts (`trends[0]` the footprint, the rest one per
/// organisation) that stays a few sentences long however many organisations there are: the
/// footprint's own description, how many organisations are in each band at the latest quarter,
/// the highest and lowest, and how many rose or fell since the first quarter. Each chart's
/// own `alt` carries its detail.
pub(super) fn trends_summary(
    what: &str,
    quarters: &[NaiveDate],
    trends: &[Trend],
    p: &Params,
) -> String {
    let (Some(first_q), Some(last_q)) = (quarters.first(), quarters.last()) else {
        return format!("No quarterly figures of {what}.");
    };
    let orgs = trends.get(1..).unwrap_or_default();
    let mut text = format!(
        "Small line charts of {what} at each of the {} quarter ends from {} to {}, on one \
         scale: one for all organisations together and one for each of the {} organisations, \
         each with its own description.",
        quarters.len(),
        financial_quarter(*first_q),
        financial_quarter(*last_q),
        orgs.len(),
    );
    if let Some(all) = trends.first() {
        text.push(' ');
        text.push_str(&all.alt);
    }
    let latest: Vec<(&str, f64)> = orgs
        .iter()
        .filter_map(|t| {
            t.values
                .last()
                .copied()
                .flatten()
                .map(|v| (t.name.as_str(), v))
        })
        .collect();
    if orgs.is_empty() {
        return text;
    }
    let band = |key: &str| {
        latest
            .iter()
            .filter(|(_, v)| Rag::band(*v, p.red_below, p.green_above).key == key)
            .count()
    };
    text.push_str(&format!(
        " At {}, {} organisations were green (above {}), {} amber and {} red (below {})",
        financial_quarter(*last_q),
        band("green"),
        percent(p.green_above),
        band("amber"),
        band("red"),
        percent(p.red_below),
    ));
    let unpublished = orgs.len() - latest.len();
    if unpublished > 0 {
        text.push_str(&format!(", and {unpublished} had no published figure"));
    }
    text.push('.');
    // The first of equal values wins, so ties name the organisation listed first.
    let highest = latest
        .iter()
        .copied()
        .reduce(|a, b| if b.1 > a.1 { b } else { a });
    let lowest = latest
        .iter()
        .copied()
        .reduce(|a, b| if b.1 < a.1 { b } else { a });
    if let (Some(hi), Some(lo)) = (highest, lowest)
        && latest.len() > 1
    {
        text.push_str(&format!(
            " The highest was {} ({}) and the lowest {} ({}).",
            hi.0,
            percent(hi.1),
            lo.0,
            percent(lo.1)
        ));
    }
    let (mut rose, mut fell) = (0, 0);
    for t in orgs {
        if let (Some(Some(a)), Some(Some(b))) = (t.values.first(), t.values.last()) {
            let change = ((b - a) * 10.0).round() / 10.0;
            if change > 0.0 {
                rose += 1;
            } else if change < 0.0 {
                fell += 1;
            }
        }
    }
    text.push_str(&format!(
        " Of the organisations with figures at both ends, {rose} rose and {fell} fell since {}.",
        financial_quarter(*first_q)
    ));
    text
}

/// The quarter ends the trend charts cover, oldest first.
pub(super) async fn quarters(session: &Session) -> anyhow::Result<Vec<NaiveDate>> {
    Ok(query(
        session,
        "SELECT period_end FROM quarter_ends ORDER BY period_end",
    )
    .await?
    .iter()
    .filter_map(|r| r.date("period_end"))
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::calendar as periods;
    use crate::disclosure::Rule;

    /// What one PDF string can hold under PDF/A (the limit the national-scale report hit).
    const PDF_STRING_LIMIT: usize = 32_767;

    fn params() -> Params {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        Params {
            as_of: d(2026, 3, 31),
            period_end: d(2026, 3, 31),
            previous: d(2025, 3, 31),
            red_below: 75.0,
            green_above: 90.0,
            ma_red_below: 60.0,
            ma_green_above: 90.0,
            validity_months: 36,
            rule: Rule { threshold: 5 },
        }
    }

    #[test]
    fn trend_descriptions_stay_short_at_national_scale() {
        let p = params();
        let quarters: Vec<NaiveDate> = (0..12)
            .map(|i| periods::month_end(periods::months_before(p.period_end, 3 * (11 - i))))
            .collect();
        // A thousand organisations with long names, every fifth one's latest quarter hidden.
        let names: Vec<String> = (0..1000)
            .map(|i| {
                format!(
                    "{} Hospitals and Community Services NHS Foundation Trust {i}",
                    "Northshire and Riverton ".repeat(3)
                )
            })
            .collect();
        let values = |i: usize, hide_last: bool| -> Vec<Shown> {
            (0..quarters.len())
                .map(|q| {
                    if hide_last && q + 1 == quarters.len() {
                        Shown::Hidden
                    } else {
                        Shown::Value((600 + (i * 7 + q * 13) % 400) as f64 / 10.0)
                    }
                })
                .collect()
        };
        let what = "safeguarding children training compliance";
        let mut trends = vec![trend(
            values(0, false),
            &p,
            &quarters,
            "All organisations",
            what,
        )];
        for (i, name) in names.iter().enumerate() {
            trends.push(trend(values(i, i % 5 == 0), &p, &quarters, name, what));
        }
        for t in &trends {
            assert!(t.alt.len() < 1_000, "{} characters: {}", t.alt.len(), t.alt);
        }
        let summary = trends_summary(what, &quarters, &trends, &p);
        assert!(
            summary.len() < 2_000 && summary.len() < PDF_STRING_LIMIT,
            "{} characters: {summary}",
            summary.len()
        );
        // Informative: the footprint's series, the bands at the latest quarter, the extremes.
        assert!(
            summary.contains("one for each of the 1000 organisations"),
            "{summary}"
        );
        assert!(
            summary.contains("for All organisations at each quarter end"),
            "{summary}"
        );
        assert!(
            summary.contains("and 200 had no published figure"),
            "{summary}"
        );
        assert!(summary.contains("The highest was "), "{summary}");
        assert!(!summary.contains("Trust 999 at each quarter"), "{summary}");
    }
}
