//! The report's disclosure control (METRICS.md, "Disclosure control in the published report"):
//! one suppression plan per period whose figures the report prints, made by
//! [`crate::disclosure`] from that period's true counts and the margins the report prints.
//!
//! Every period end (the quarter ends of the tables, the year-earlier column and the trends,
//! and the month ends of the SPC series) gets a plan for training (organisation × required
//! level × professional group, printed by organisation, by level, by both and in total, and by
//! organisation and group in the provider packs) and one for supervision (organisation ×
//! professional group, printed by organisation, by group, by both in the packs, and in total),
//! each with the same layout. Linked tables are suppressed together, the annual report's and
//! every pack's as one publication, and a figure of an earlier period is printed only where
//! that period's own plan prints it, so this year's report, last year's and any pack read
//! together reveal nothing any of them hides.
//!
//! The sections read their figures from here as the typed values they print; nothing else in
//! the report decides what to hide.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use anyhow::Context;
use chrono::NaiveDate;

use super::model::{DisclosureAudit, Figure, Organisation};
use super::params::Params;
use super::rows::{Row, query};
use crate::disclosure::{self, AuditReport, Cube, Dimension, Layout, Plans, Rule, Summary};
use crate::query::Session;
use crate::report::format::{long_date, sentence_case};
use crate::report::printed::{Count, Percent, Shown};

/// The dimension every measure breaks down by first.
const ORGANISATION: &str = "organisation";
/// Training's breakdown in the annual report.
const LEVEL: &str = "required level";
/// Supervision's breakdown, and training's in the provider packs.
pub(super) const GROUP: &str = "professional group";

/// One measure's plans: a plan per period end, all with the report's layout for the measure.
pub(super) struct Measure {
    /// `training` or `supervision`, for messages.
    what: &'static str,
    /// The breakdown dimension's name in the plans (`required level`, `professional group`).
    dimension: &'static str,
    /// The breakdown's values, in the order tables list them.
    pub(super) breakdown: Vec<String>,
    /// Further breakdowns the plans cover, with their values (training's professional group,
    /// which the provider packs print).
    others: Vec<(&'static str, Vec<String>)>,
    plans: Plans,
}

impl Measure {
    /// A row at `period` (an organisation's, a breakdown value's, both, or the footprint's with
    /// neither) as its period's plan lets it be printed.
    pub(super) fn figure(
        &self,
        period: NaiveDate,
        organisation: Option<&str>,
        breakdown: Option<&str>,
    ) -> anyhow::Result<disclosure::Figure> {
        let by = breakdown.map(|b| (self.dimension, b));
        self.lookup(period, organisation, by, String::new)
    }

    /// A row at `period` of a further breakdown (`professional group` of training): an
    /// organisation's or the footprint's figure for one of its values.
    pub(super) fn figure_by(
        &self,
        period: NaiveDate,
        organisation: Option<&str>,
        dimension: &str,
        value: &str,
    ) -> anyhow::Result<disclosure::Figure> {
        self.lookup(period, organisation, Some((dimension, value)), || {
            format!(" by {dimension}")
        })
    }

    /// The row of `organisation` (none: every organisation) and the breakdown value `by` (none:
    /// every value) at `period`; `described` names the breakdown in the error.
    fn lookup(
        &self,
        period: NaiveDate,
        organisation: Option<&str>,
        by: Option<(&str, &str)>,
        described: impl FnOnce() -> String,
    ) -> anyhow::Result<disclosure::Figure> {
        let at: Vec<(&str, &str)> = organisation
            .map(|o| (ORGANISATION, o))
            .into_iter()
            .chain(by)
            .collect();
        self.plans.figure(period, &at).with_context(|| {
            format!(
                "the {} figure{} at {} has no disclosure plan",
                self.what,
                described(),
                long_date(period)
            )
        })
    }

    /// The values of a further breakdown, in the order tables list them (none when the plans
    /// do not cover it).
    pub(super) fn values_of(&self, dimension: &str) -> &[String] {
        self.others
            .iter()
            .find(|(d, _)| *d == dimension)
            .map_or(&[], |(_, v)| v.as_slice())
    }

    /// A row's percentage at `period`: a trend point, an SPC point, a year-earlier figure.
    pub(super) fn percent(
        &self,
        period: NaiveDate,
        organisation: Option<&str>,
    ) -> anyhow::Result<Shown> {
        Ok(shown(self.figure(period, organisation, None)?.percent()))
    }

    /// Whether a row at `period` is printed in full (its counts and percentage).
    pub(super) fn printed(
        &self,
        period: NaiveDate,
        organisation: Option<&str>,
    ) -> anyhow::Result<bool> {
        Ok(!self.figure(period, organisation, None)?.is_hidden())
    }

    /// How much the plan of `period` hides.
    pub(super) fn summary(&self, period: NaiveDate) -> Summary {
        self.plans
            .get(period)
            .map(disclosure::Plan::summary)
            .unwrap_or_default()
    }
}

/// The plans of both measures and the rule they apply.
pub(super) struct Suppression {
    pub(super) rule: Rule,
    pub(super) training: Measure,
    pub(super) supervision: Measure,
}

/// The report's layout for a measure: every margin the report prints, as one publication.
fn layout(what: &str, by: &str, dimension: &str) -> Layout {
    Layout::new()
        .table(
            &format!("{what} compliance by organisation"),
            &[ORGANISATION],
        )
        .table(&format!("{what} compliance by {by}"), &[dimension])
        .table(&format!("{what} compliance, all organisations"), &[])
}

/// Both measures' true counts and layouts, queried but not yet planned: planning is pure
/// computation, so it can run on its own threads while the other sections are queried.
pub(super) struct Unplanned {
    rule: Rule,
    periods: Vec<NaiveDate>,
    training: (Counts, Layout),
    supervision: (Counts, Layout),
}

impl Unplanned {
    /// Queries the true counts of every period end.
    pub(super) async fn query(
        session: &Session,
        p: &Params,
        organisations: &[Organisation],
    ) -> anyhow::Result<Unplanned> {
        let periods: Vec<NaiveDate> = query(session, "SELECT period_end FROM period_ends")
            .await?
            .iter()
            .filter_map(|r| r.date("period_end"))
            .collect();
        let training = query(
            session,
            "SELECT period_end, organisation_code, required_level, professional_group, \
             SUM(staff_compliant) AS num, SUM(staff_in_post) AS den FROM training_counts \
             GROUP BY 1, 2, 3, 4",
        )
        .await?;
        let supervision = query(
            session,
            "SELECT period_end, organisation_code, professional_group, \
             SUM(staff_supervised) AS num, SUM(staff_requiring) AS den FROM supervision_counts \
             GROUP BY 1, 2, 3",
        )
        .await?;
        let codes: Vec<&str> = organisations.iter().map(|o| o.code.as_str()).collect();
        let level = |r: &Row| {
            r.int("required_level")
                .map_or_else(|| r.string("required_level"), |l| l.to_string())
        };
        let group = |r: &Row| r.string("professional_group");
        let training = Counts::read(&training, &codes, &[(LEVEL, &level), (GROUP, &group)])?;
        let supervision = Counts::read(&supervision, &codes, &[(GROUP, &group)])?;
        // The annual report's tables and every provider pack's, planned together: a pack
        // prints its organisation's row of the tables by organisation and level and by
        // organisation and group, so a cell hidden in one publication is hidden in all, and
        // the annual report and any pack read side by side reveal nothing either hides.
        let by_organisation_and_group = |what: &str| {
            (
                format!("{what} compliance by organisation and professional group (packs)"),
                [ORGANISATION, GROUP],
            )
        };
        let (name, dims) = by_organisation_and_group("Training");
        let training_layout = layout("Training", "required level", LEVEL)
            .table(
                "Training compliance by organisation and required level",
                &[ORGANISATION, LEVEL],
            )
            .table(&name, &dims);
        let (name, dims) = by_organisation_and_group("Supervision");
        let supervision_layout =
            layout("Supervision", "professional group", GROUP).table(&name, &dims);
        Ok(Unplanned {
            rule: p.rule,
            periods,
            training: (training, training_layout),
            supervision: (supervision, supervision_layout),
        })
    }

    /// Plans each period's suppression, both measures at once. Fails with a sentence when a
    /// plan cannot be made: no report is then written.
    pub(super) fn plan(self) -> anyhow::Result<Suppression> {
        let Unplanned {
            rule,
            periods,
            training: (training, training_layout),
            supervision: (supervision, supervision_layout),
        } = self;
        let (training, supervision) = std::thread::scope(|scope| {
            let supervision = scope
                .spawn(|| supervision.plan("supervision", &supervision_layout, rule, &periods));
            let training = training.plan("training", &training_layout, rule, &periods);
            (
                training,
                supervision
                    .join()
                    .expect("the supervision planning thread panicked"),
            )
        });
        Ok(Suppression {
            rule,
            training: training?,
            supervision: supervision?,
        })
    }
}

impl Suppression {
    /// Queries the true counts of every period end and plans each period's suppression.
    pub(super) async fn new(
        session: &Session,
        p: &Params,
        organisations: &[Organisation],
    ) -> anyhow::Result<Suppression> {
        Unplanned::query(session, p, organisations).await?.plan()
    }

    /// The exact audit of every plan, as an information governance lead reads it: for each
    /// period and measure, each suppressed count and the range a reader can narrow it to.
    /// The periods are audited on one thread a core (each audit is independent and can take
    /// minutes at a national roll-up's size) and printed in order.
    pub(super) fn audit(&self, p: &Params) -> anyhow::Result<String> {
        let audited: Vec<(&Measure, NaiveDate)> = [&self.training, &self.supervision]
            .into_iter()
            .flat_map(|m| m.plans.periods().map(move |period| (m, period)))
            .collect();
        let reports = crate::work::map_in_order(&audited, crate::work::cores(), |&(m, period)| {
            let plan = m.plans.get(period).expect("a planned period");
            plan.audit().with_context(|| {
                format!(
                    "the disclosure audit of {} at {} failed",
                    m.what,
                    long_date(period)
                )
            })
        });
        let mut out = String::new();
        let mut leaks = 0;
        for (&(m, period), report) in audited.iter().zip(reports) {
            let report: AuditReport = report?;
            leaks += report.leaks;
            let role = if period == p.period_end {
                " (this report's tables)"
            } else if period == p.previous {
                " (the year-earlier column)"
            } else {
                ""
            };
            writeln!(
                out,
                "== {} at {}{role}\n{report}",
                sentence_case(m.what),
                long_date(period)
            )?;
        }
        let t = self.training.plans.summary();
        let s = self.supervision.plans.summary();
        writeln!(
            out,
            "== All periods\n{} plans audited; {} of {} printed counts hidden ({} primary, {} \
             with their denominator, {} secondary); {} hidden figures can be worked out.",
            self.training.plans.periods().count() + self.supervision.plans.periods().count(),
            t.hidden() + s.hidden(),
            t.counts + s.counts,
            t.primary + s.primary,
            t.derived + s.derived,
            t.secondary + s.secondary,
            leaks
        )?;
        Ok(out)
    }
}

impl Suppression {
    /// What the appendix says: how many of the period-end tables' counts are suppressed,
    /// primary and secondary, and that every period's publication was audited.
    pub(super) fn appendix(&self, p: &Params) -> DisclosureAudit {
        let t = self.training.summary(p.period_end);
        let s = self.supervision.summary(p.period_end);
        let n = |f: fn(&Summary) -> usize| (f(&t) + f(&s)) as i64;
        let counts = n(|x| x.counts);
        let primary = n(|x| x.primary);
        let derived = n(|x| x.derived);
        let secondary = n(|x| x.secondary);
        let primary_only = n(|x| x.primary_only);
        let periods = self.training.plans.periods().count() as i64;
        let text = if self.rule.threshold <= 1 {
            "No counts are suppressed in this report: the disclosure threshold is off.".to_owned()
        } else {
            format!(
                "Of the {counts} counts of staff in the training and supervision tables at {} (this \
                 report's and those of every provider's assurance pack, which are planned \
                 together so that no two of them read side by side reveal what either hides; \
                 rows with nobody in them included), {} are suppressed: {primary} because they are from 1 to {}, {derived} because \
                 they count within such a small group, and {secondary} more (secondary \
                 suppression) so that none of those can be worked out from the other tables, \
                 their totals or the reports for earlier periods; primary suppression alone \
                 would have hidden {primary_only}. The figures of each of the {periods} quarter \
                 and month ends the report shows (the year-earlier column, the trends and the \
                 SPC series) are suppressed as that period's own tables would be. Before this \
                 report was written, an exact audit of every period's tables (every printed \
                 count and total as integer constraints) found that no suppressed count can be \
                 worked out and no suppressed group is shown to be all or none compliant unless \
                 a printed total says so. The audit, with the range each suppressed count could \
                 take, is printed by safeguard report --audit.",
                long_date(p.period_end),
                primary + derived + secondary,
                self.rule.threshold - 1,
            )
        };
        DisclosureAudit {
            counts,
            primary,
            derived,
            secondary,
            primary_only,
            periods,
            text,
        }
    }
}

/// (numerator, denominator) by organisation and breakdown values, at one period.
type Period = HashMap<(String, Vec<String>), (i64, i64)>;

/// What reads a breakdown's value from a row of counts.
type Key<'k> = (&'static str, &'k dyn Fn(&Row) -> String);

/// One measure's true counts: (numerator, denominator) by period, organisation and breakdowns.
struct Counts {
    cells: BTreeMap<NaiveDate, Period>,
    organisations: Vec<String>,
    /// Each breakdown's name and values, the first the measure's main breakdown.
    breakdowns: Vec<(&'static str, Vec<String>)>,
}

impl Counts {
    /// The counts of a view's (period_end, organisation_code, num, den) rows, with the
    /// breakdown values `keys` read. Organisations are the dataset's (`codes`) and any others
    /// counted.
    fn read(rows: &[Row], codes: &[&str], keys: &[Key<'_>]) -> anyhow::Result<Counts> {
        let mut cells: BTreeMap<NaiveDate, Period> = BTreeMap::new();
        let mut organisations: BTreeSet<String> = codes.iter().map(|c| (*c).to_owned()).collect();
        let mut values = vec![BTreeSet::new(); keys.len()];
        for r in rows {
            let period = r
                .date("period_end")
                .context("a count of staff without period_end")?;
            let org = r.string("organisation_code");
            let labels: Vec<String> = keys.iter().map(|(_, key)| key(r)).collect();
            organisations.insert(org.clone());
            for (seen, label) in values.iter_mut().zip(&labels) {
                seen.insert(label.clone());
            }
            let e = cells
                .entry(period)
                .or_default()
                .entry((org, labels))
                .or_default();
            e.0 += r.count("num");
            e.1 += r.count("den");
        }
        Ok(Counts {
            cells,
            organisations: organisations.into_iter().collect(),
            breakdowns: keys
                .iter()
                .zip(values)
                .map(|((name, _), v)| (*name, v.into_iter().collect()))
                .collect(),
        })
    }

    /// A plan for every period, each from that period's cube with the same layout.
    fn plan(
        self,
        what: &'static str,
        layout: &Layout,
        rule: Rule,
        periods: &[NaiveDate],
    ) -> anyhow::Result<Measure> {
        let empty = HashMap::new();
        let mut cubes = vec![];
        for &period in periods {
            let mut dimensions = vec![Dimension::new(
                ORGANISATION,
                self.organisations.iter().cloned(),
            )];
            dimensions.extend(
                self.breakdowns
                    .iter()
                    .map(|(name, values)| Dimension::new(name, values.iter().cloned())),
            );
            let mut cube = Cube::new(dimensions)?;
            for ((org, labels), (num, den)) in self.cells.get(&period).unwrap_or(&empty) {
                let mut at: Vec<&str> = vec![org];
                at.extend(labels.iter().map(String::as_str));
                cube.add(&at, *num, *den).with_context(|| {
                    format!(
                        "the {what} counts at {} are inconsistent",
                        long_date(period)
                    )
                })?;
            }
            cubes.push((period, cube));
        }
        let plans = Plans::build(layout, rule, cubes).map_err(|e| {
            anyhow::anyhow!(
                "disclosure control could not make the {what} figures safe to publish ({e}), so \
                 no report was written"
            )
        })?;
        let mut breakdowns = self.breakdowns.into_iter();
        let (dimension, breakdown) = breakdowns.next().expect("every measure has a breakdown");
        Ok(Measure {
            what,
            dimension,
            breakdown,
            others: breakdowns.collect(),
            plans,
        })
    }
}

/// A count as the report prints it.
pub(super) fn count(c: disclosure::Count) -> Count {
    match c {
        disclosure::Count::Shown(v) => Count::Shown(v),
        disclosure::Count::Hidden(_) => Count::Hidden,
    }
}

/// A percentage as the report prints it.
pub(super) fn shown(p: disclosure::Percent) -> Shown {
    match p {
        disclosure::Percent::Value(v) => Shown::Value(v),
        disclosure::Percent::Hidden => Shown::Hidden,
        disclosure::Percent::Empty => Shown::Empty,
    }
}

/// A row as the report prints it: its counts, percentage and band.
pub(super) fn printed(f: disclosure::Figure, p: &Params) -> Figure {
    let percent = shown(f.percent());
    Figure {
        denominator: count(f.denominator),
        numerator: count(f.numerator),
        percent: Percent(percent),
        rag: p.rag(percent),
    }
}

/// Whether a row counts anybody (a hidden count is never 0).
pub(super) fn counts_anybody(f: disclosure::Figure) -> bool {
    f.denominator != disclosure::Count::Shown(0)
}
