//! The table training and supervision share: compliance by organisation now and a year
//! earlier, by the breakdown (required level or professional group) and, for training, both
//! together, read from the measure's suppression plans; plus the footprint's movement for the
//! executive summary.

use super::model::{LevelRow, OrgLevels, OrgRow, Organisation};
use super::params::Params;
use super::suppression::{Measure, counts_anybody, printed, shown};
use crate::report::format::Rag;
use crate::report::printed::{Change, Percent, Shown};
use crate::report::sentences::Band;

/// A footprint figure now and a year ago, and each organisation's band now and then.
pub(super) struct Movement {
    pub(super) now: Shown,
    pub(super) then: Shown,
    /// (organisation, band a year ago, band now).
    pub(super) bands: Vec<(String, Rag, Rag)>,
}

impl Movement {
    /// The bands as the summary sentences take them.
    pub(super) fn bands(&self) -> Vec<Band<'_>> {
        self.bands
            .iter()
            .map(|(org, then, now)| Band {
                organisation: org,
                then: then.clone(),
                now: now.clone(),
            })
            .collect()
    }
}

/// Per-organisation rows of a measure, the breakdown rows, the footprint total and the
/// footprint's movement, as the measure's plans print them.
pub(super) struct Table {
    pub(super) organisations: Vec<OrgRow>,
    pub(super) total: OrgRow,
    pub(super) breakdown: Vec<LevelRow>,
    pub(super) headline: Movement,
    /// Per organisation, per breakdown value, when the inner cells are printed too.
    pub(super) detail: Vec<OrgLevels>,
}

/// The table of a measure at the period end: a row per organisation counting anybody, the
/// footprint total, the breakdown totals and (with `print_inner`) every organisation's
/// breakdown, each compared with a year earlier as that period's plan prints it.
pub(super) fn table(
    m: &Measure,
    p: &Params,
    organisations: &[Organisation],
    label: impl Fn(&str) -> String,
    print_inner: bool,
) -> anyhow::Result<Table> {
    let now = p.period_end;
    let mut orgs = vec![];
    for o in organisations {
        if counts_anybody(m.figure(now, Some(&o.code), None)?) {
            orgs.push(o);
        }
    }
    let row = |name: &str, org: Option<&str>| -> anyhow::Result<OrgRow> {
        let now_fig = m.figure(now, org, None)?;
        let then = m.percent(p.previous, org)?;
        let now_shown = shown(now_fig.percent());
        Ok(OrgRow {
            name: name.to_owned(),
            now: printed(now_fig, p),
            previous_percent: Percent(then),
            change: Change {
                now: now_shown,
                then,
            },
        })
    };
    let mut rows = vec![];
    let mut bands = vec![];
    for o in &orgs {
        let r = row(&o.name, Some(&o.code))?;
        bands.push((o.name.clone(), p.rag(r.change.then), r.now.rag.clone()));
        rows.push(r);
    }
    let total = row("All organisations", None)?;
    let rows_of = |org: Option<&str>| breakdown_rows(m, p, org, None, &label);
    let level_rows = rows_of(None)?;
    let mut detail = vec![];
    if print_inner {
        for (o, r) in orgs.iter().zip(&rows) {
            detail.push(OrgLevels {
                name: o.name.clone(),
                levels: rows_of(Some(&o.code))?,
                total: r.now.clone(),
            });
        }
    }
    Ok(Table {
        headline: Movement {
            now: total.change.now,
            then: total.change.then,
            bands,
        },
        organisations: rows,
        total,
        breakdown: level_rows,
        detail,
    })
}

/// An organisation's (or, with `org` none, the footprint's) rows at the period end by the
/// measure's breakdown (`by` none) or by a further breakdown the plans cover, for every value
/// with anyone in it, as the plans print them.
pub(super) fn breakdown_rows(
    m: &Measure,
    p: &Params,
    org: Option<&str>,
    by: Option<&str>,
    label: impl Fn(&str) -> String,
) -> anyhow::Result<Vec<LevelRow>> {
    let values = match by {
        Some(dimension) => m.values_of(dimension),
        None => &m.breakdown,
    };
    let mut rows = vec![];
    for v in values {
        let f = match by {
            Some(dimension) => m.figure_by(p.period_end, org, dimension, v)?,
            None => m.figure(p.period_end, org, Some(v))?,
        };
        if counts_anybody(f) {
            rows.push(LevelRow {
                level: label(v),
                figure: printed(f, p),
            });
        }
    }
    Ok(rows)
}
