//! The machinery training and supervision share: sums of (numerator, denominator) per period,
//! organisation and breakdown (required level or professional group), and the table built from
//! them with complementary suppression over its totals, plus the footprint's movement for the
//! executive summary.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use chrono::NaiveDate;

use super::model::{Figure, LevelRow, OrgLevels, OrgRow, Organisation};
use super::params::Params;
use super::rows::Row;
use crate::report::disclosure::{CellId, Grid, single_percent};
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

/// Sums of (numerator, denominator) keyed by period, organisation and a breakdown.
pub(super) type Sums = BTreeMap<(NaiveDate, String, String), (i64, i64)>;

/// An organisation's total at a period (a range of the ordered map, so large footprints stay
/// quick).
pub(super) fn org_total(sums: &Sums, period: NaiveDate, org: &str) -> (i64, i64) {
    sums.range((period, org.to_owned(), String::new())..)
        .take_while(|((p, o, _), _)| *p == period && o == org)
        .fold((0, 0), |(n, d), (_, (a, b))| (n + a, d + b))
}

/// The footprint's total at a period.
pub(super) fn period_total(sums: &Sums, period: NaiveDate) -> (i64, i64) {
    sums.range((period, String::new(), String::new())..)
        .take_while(|((p, _, _), _)| *p == period)
        .fold((0, 0), |(n, d), (_, (a, b))| (n + a, d + b))
}

/// Sums a view's (num, den) rows by period, organisation and the breakdown `key` reads, and
/// returns the breakdown values in order. `what` names the view in the error for a row
/// without a period.
pub(super) fn sums(
    rows: &[Row],
    key: impl Fn(&Row) -> String,
    what: &str,
) -> anyhow::Result<(Sums, Vec<String>)> {
    let mut sums = Sums::new();
    let mut keys = BTreeSet::new();
    for r in rows {
        let k = key(r);
        keys.insert(k.clone());
        let e = sums
            .entry((
                r.date("period_end")
                    .with_context(|| format!("a {what} row without period_end"))?,
                r.string("organisation_code"),
                k,
            ))
            .or_default();
        e.0 += r.count("num");
        e.1 += r.count("den");
    }
    Ok((sums, keys.into_iter().collect()))
}

/// Per-organisation rows of a measure, with complementary suppression over the organisation
/// totals and the footprint total, and the breakdown totals and the footprint total.
pub(super) struct Table {
    pub(super) organisations: Vec<OrgRow>,
    pub(super) total: OrgRow,
    pub(super) breakdown: Vec<LevelRow>,
    pub(super) headline: Movement,
    /// Per organisation, per breakdown value, when the inner cells are printed too.
    pub(super) detail: Vec<OrgLevels>,
}

/// The table of a measure at the period end: a row per organisation with any denominator, the
/// footprint total, the breakdown totals and (with `print_inner`) every organisation's
/// breakdown, each compared with a year earlier.
pub(super) fn table(
    sums: &Sums,
    p: &Params,
    organisations: &[Organisation],
    breakdown: &[String],
    label: impl Fn(&str) -> String,
    print_inner: bool,
) -> Table {
    let now = p.period_end;
    let orgs: Vec<&Organisation> = organisations
        .iter()
        .filter(|o| org_total(sums, now, &o.code).1 > 0)
        .collect();
    // Numerators and denominators each get a grid of their own lines.
    let mut g = Grid::new(p.rule);
    let inner = |g: &mut Grid, org: &str, b: &str| {
        let (n, d) = sums
            .get(&(now, org.to_owned(), b.to_owned()))
            .copied()
            .unwrap_or((0, 0));
        (g.cell(n), g.cell(d))
    };
    let mut cells: Vec<Vec<(usize, usize)>> = vec![];
    let mut org_cells = vec![];
    for o in &orgs {
        let row: Vec<(usize, usize)> = breakdown
            .iter()
            .map(|b| inner(&mut g, &o.code, b))
            .collect();
        let (n, d) = org_total(sums, now, &o.code);
        let total = (g.cell(n), g.cell(d));
        cells.push(row);
        org_cells.push(total);
    }
    let mut b_cells = vec![];
    for b in breakdown {
        let (n, d) = sums
            .iter()
            .filter(|((pp, _, bb), _)| *pp == now && bb == b)
            .fold((0, 0), |(n, d), (_, (a, c))| (n + a, d + c));
        b_cells.push((g.cell(n), g.cell(d)));
    }
    let (n, d) = period_total(sums, now);
    let grand = (g.cell(n), g.cell(d));
    for side in [0, 1] {
        let pick = |c: &(usize, usize)| if side == 0 { c.0 } else { c.1 };
        g.line(org_cells.iter().map(pick).collect(), pick(&grand));
        g.line(b_cells.iter().map(pick).collect(), pick(&grand));
        if print_inner {
            for (row, total) in cells.iter().zip(&org_cells) {
                g.line(row.iter().map(pick).collect(), pick(total));
            }
            for (j, total) in b_cells.iter().enumerate() {
                g.line(cells.iter().map(|row| pick(&row[j])).collect(), pick(total));
            }
        }
    }
    g.protect();

    let previous = |n: i64, d: i64| single_percent(p.rule, n, d);
    let mut rows = vec![];
    let mut bands = vec![];
    for (o, total) in orgs.iter().zip(&org_cells) {
        let now_fig = figure(&g, total.0, total.1, p);
        let (pn, pd) = org_total(sums, p.previous, &o.code);
        let then = previous(pn, pd);
        let now_shown = g.ratio(total.0, total.1);
        bands.push((o.name.clone(), p.rag(then), p.rag(now_shown)));
        rows.push(OrgRow {
            name: o.name.clone(),
            now: now_fig,
            previous_percent: Percent(then),
            change: Change {
                now: now_shown,
                then,
            },
        });
    }
    let (pn, pd) = period_total(sums, p.previous);
    let then_total = previous(pn, pd);
    let now_total = g.ratio(grand.0, grand.1);
    let total = OrgRow {
        name: "All organisations".into(),
        now: figure(&g, grand.0, grand.1, p),
        previous_percent: Percent(then_total),
        change: Change {
            now: now_total,
            then: then_total,
        },
    };
    let level_rows = breakdown
        .iter()
        .zip(&b_cells)
        .filter(|(_, c)| g.value(c.1) > 0)
        .map(|(b, c)| LevelRow {
            level: label(b),
            figure: figure(&g, c.0, c.1, p),
        })
        .collect();
    let detail = if print_inner {
        orgs.iter()
            .zip(&cells)
            .zip(&org_cells)
            .map(|((o, row), total)| OrgLevels {
                name: o.name.clone(),
                levels: breakdown
                    .iter()
                    .zip(row)
                    .filter(|(_, c)| g.value(c.1) > 0)
                    .map(|(b, c)| LevelRow {
                        level: label(b),
                        figure: figure(&g, c.0, c.1, p),
                    })
                    .collect(),
                total: figure(&g, total.0, total.1, p),
            })
            .collect()
    } else {
        vec![]
    };
    Table {
        organisations: rows,
        total,
        breakdown: level_rows,
        headline: Movement {
            now: now_total,
            then: then_total,
            bands,
        },
        detail,
    }
}

/// A cell of the table as printed: its counts, percentage and band (hidden where the grid hides).
fn figure(grid: &Grid, num: CellId, den: CellId, p: &Params) -> Figure {
    let shown = grid.ratio(num, den);
    Figure {
        denominator: grid.show(den),
        numerator: grid.show(num),
        percent: Percent(shown),
        rag: p.rag(shown),
    }
}
