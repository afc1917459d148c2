//! Statistical process control: XmR charts of monthly training and supervision compliance
//! across all organisations in the Making Data Count style, and each series' variation and
//! assurance for every organisation. Each month's point is printed only where that month's
//! suppression plan prints the figure; a series with a hidden month is not charted and its
//! mean, variation and assurance are not printed (with the other months they would narrow the
//! hidden one down), and a hidden latest month hides the latest value.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::model::{Spc, SpcChart, SpcLabels, SpcPoint, SpcReading};
use super::organisations::Names;
use super::params::Params;
use super::rows::{Row, query};
use super::suppression::{Measure, Suppression};
use crate::disclosure::{SpcShown, spc as spc_shown};
use crate::query::Session;
use crate::report::format::{long_date, percent, sentence_case, short_month};
use crate::report::printed::{Percent, Shown, Words};
use crate::report::sentences;

fn metric_name(metric: &str) -> &'static str {
    match metric {
        "training" => "training compliance",
        "supervision" => "supervision compliance",
        _ => "the measure",
    }
}

fn variation_words(v: &str) -> &'static str {
    match v {
        "special_cause_improvement" => "special cause variation: improvement",
        "special_cause_concern" => "special cause variation: concern",
        _ => "common cause variation only",
    }
}

/// The Making Data Count variation icon in words, for narrow table cells.
fn variation_short(v: &str) -> &'static str {
    match v {
        "special_cause_improvement" => "Improvement (special cause)",
        "special_cause_concern" => "Concern (special cause)",
        _ => "Common cause",
    }
}

/// The Making Data Count assurance icon in words, for narrow table cells.
fn assurance_short(a: &str) -> &'static str {
    match a {
        "consistent_pass" => "Consistently passes the target",
        "consistent_fail" => "Consistently fails the target",
        _ => "Hit and miss",
    }
}

fn assurance_words(a: &str) -> &'static str {
    match a {
        "consistent_pass" => "the target will be met consistently",
        "consistent_fail" => "the target will not be met without a change to the process",
        _ => "the target may or may not be met (the limits straddle it)",
    }
}

/// Whose monthly series the section charts (every organisation's readings are listed).
#[derive(Debug, Clone, Copy)]
pub(super) enum Charted<'a> {
    /// The footprint's, in the annual report.
    Footprint,
    /// One organisation's, in its pack.
    Organisation { code: &'a str, name: &'a str },
}

/// The SPC views' rows for one section, queried before the suppression plans are made.
pub(super) struct SpcRows {
    points: Vec<Row>,
    summaries: Vec<Row>,
    /// The months of every series (metric, organisation), earliest first.
    months: HashMap<(String, Option<String>), Vec<NaiveDate>>,
}

impl SpcRows {
    /// The points charted for `charted`, every series' reading and every series' months.
    pub(super) async fn query(session: &Session, charted: Charted<'_>) -> anyhow::Result<SpcRows> {
        let filter = match charted {
            Charted::Footprint => "organisation_code IS NULL".to_owned(),
            Charted::Organisation { code, .. } => {
                format!("organisation_code = '{}'", code.replace('\'', "''"))
            }
        };
        let points = query(
            session,
            &format!(
                "SELECT metric, month_end, numerator, denominator, value, mean, lower_limit, \
                 upper_limit, special_cause, point_type FROM spc_monthly WHERE {filter} \
                 ORDER BY metric, month_end"
            ),
        )
        .await?;
        // The readings of every series.
        let summaries = query(
            session,
            "SELECT metric, organisation_code, latest_month, latest_value, mean, lower_limit, \
             upper_limit, target, variation, assurance FROM spc_summary \
             ORDER BY CASE metric WHEN 'training' THEN 0 ELSE 1 END, metric, \
             organisation_code NULLS FIRST",
        )
        .await?;
        let mut months: HashMap<(String, Option<String>), Vec<NaiveDate>> = HashMap::new();
        for r in query(
            session,
            "SELECT metric, organisation_code, month_end FROM spc_monthly ORDER BY month_end",
        )
        .await?
        {
            if let Some(month) = r.date("month_end") {
                months
                    .entry((
                        r.string("metric"),
                        r.text("organisation_code").map(str::to_owned),
                    ))
                    .or_default()
                    .push(month);
            }
        }
        Ok(SpcRows {
            points,
            summaries,
            months,
        })
    }
}

/// The SPC section, each month's figure printed as its period's plan lets it be.
pub(super) fn spc(
    rows: &SpcRows,
    p: &Params,
    names: &Names,
    plans: &Suppression,
    charted: Charted<'_>,
) -> anyhow::Result<Spc> {
    let SpcRows {
        points,
        summaries,
        months,
    } = rows;
    let whose = match charted {
        Charted::Footprint => "across all organisations".to_owned(),
        Charted::Organisation { name, .. } => format!("of {name}"),
    };
    let charted_code = match charted {
        Charted::Footprint => None,
        Charted::Organisation { code, .. } => Some(code),
    };
    let shown = |metric: &str, org: Option<&str>| -> anyhow::Result<SpcShown> {
        let measure: &Measure = match metric {
            "training" => &plans.training,
            _ => &plans.supervision,
        };
        let key = (metric.to_owned(), org.map(str::to_owned));
        let printed = months
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|m| measure.printed(*m, org))
            .collect::<anyhow::Result<Vec<bool>>>()?;
        Ok(spc_shown(&printed))
    };
    let mut charts = vec![];
    let mut withheld = vec![];
    for metric in ["training", "supervision"] {
        let series: Vec<&Row> = points
            .iter()
            .filter(|r| r.text("metric") == Some(metric))
            .collect();
        let Some(first) = series.first() else {
            continue;
        };
        let Some(summary) = summaries.iter().find(|s| {
            s.text("metric") == Some(metric) && s.text("organisation_code") == charted_code
        }) else {
            continue;
        };
        let what = metric_name(metric);
        // One hidden month withholds the chart: the mean and limits, with the other months,
        // would give the hidden value away.
        if !shown(metric, charted_code)?.summary {
            withheld.push(format!(
                "The chart of {what} {whose} is not published: in some months its figure is \
                 suppressed to protect small groups of staff."
            ));
            continue;
        }
        let pts: Vec<SpcPoint> = series
            .iter()
            .map(|r| {
                let kind = match r.text("point_type") {
                    Some("special_cause_improvement") => "improvement",
                    Some("special_cause_concern") => "concern",
                    _ => "common",
                };
                SpcPoint {
                    label: r.date("month_end").map(short_month).unwrap_or_default(),
                    value: r.float("value"),
                    kind: kind.to_owned(),
                }
            })
            .collect();
        let mean = first.float("mean").unwrap_or(0.0);
        let lower = first.float("lower_limit").unwrap_or(0.0);
        let upper = first.float("upper_limit").unwrap_or(0.0);
        let target = summary.float("target").unwrap_or(p.green_above);
        let variation = summary.string("variation");
        let assurance = summary.string("assurance");
        let improvements = pts.iter().filter(|x| x.kind == "improvement").count();
        let concerns = pts.iter().filter(|x| x.kind == "concern").count();
        let latest = summary
            .float("latest_value")
            .map_or_else(|| "–".to_owned(), percent);
        let latest_month = summary
            .date("latest_month")
            .map(long_date)
            .unwrap_or_default();
        let reading = format!(
            "Over {} months {what} averaged {} (process limits {} to {}). The latest month, {}, \
             was {}: {}. Against the {} target, {}.",
            pts.len(),
            percent(mean),
            percent(lower),
            percent(upper),
            latest_month,
            latest,
            variation_words(&variation),
            percent(target),
            assurance_words(&assurance)
        );
        let alt = format!(
            "Statistical process control chart of monthly {what} {whose}, {} to \
             {}, with the mean ({}) as a solid line, the process limits ({} and {}) as dashed \
             lines and the {} target as a dotted line. {} points are marked as special cause \
             improvement (squares) and {} as special cause concern (diamonds). The latest value \
             is {}.",
            pts.first().map(|x| x.label.clone()).unwrap_or_default(),
            pts.last().map(|x| x.label.clone()).unwrap_or_default(),
            percent(mean),
            percent(lower),
            percent(upper),
            percent(target),
            sentences::number_word(improvements),
            sentences::number_word(concerns),
            latest
        );
        charts.push(SpcChart {
            title: format!("{} {whose}, monthly", sentence_case(what)),
            metric: metric.to_owned(),
            points: pts,
            mean,
            lower,
            upper,
            target,
            labels: SpcLabels {
                mean: percent(mean),
                lower: percent(lower),
                upper: percent(upper),
                target: percent(target),
            },
            reading,
            alt,
            variation: variation_words(&variation).to_owned(),
            assurance: assurance_words(&assurance).to_owned(),
        });
    }
    let mut readings = vec![];
    for s in summaries {
        let org = s.text("organisation_code");
        let name = org.map_or_else(|| "All organisations".to_owned(), |c| names.of(c));
        let code = s.text("metric").unwrap_or_default();
        let metric = sentence_case(metric_name(code));
        let show = shown(code, org)?;
        let hidden_unless = |printed: bool, value: Shown| {
            if printed { value } else { Shown::Hidden }
        };
        let words = |w: &'static str| {
            if show.summary {
                Words::Shown(w)
            } else {
                Words::Hidden
            }
        };
        readings.push(SpcReading {
            name,
            metric,
            latest: Percent(hidden_unless(
                show.latest,
                Shown::or_empty(s.float("latest_value")),
            )),
            mean: Percent(hidden_unless(
                show.summary,
                Shown::or_empty(s.float("mean")),
            )),
            variation: words(variation_short(&s.string("variation"))),
            assurance: words(assurance_short(&s.string("assurance"))),
        });
    }
    Ok(Spc {
        charts,
        withheld,
        readings,
    })
}
