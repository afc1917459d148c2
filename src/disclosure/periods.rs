//! One plan per published period, so a figure of an earlier period (the "a year earlier"
//! column, a trend point, an SPC point at a quarter end) is printed only where that period's
//! own publication prints it, secondary suppression included. Periods share no additive
//! relation, so this year's report and last year's together reveal nothing either hides,
//! provided each period's plan is made from that period's cube with the same layout.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Cube, Error, Figure, Layout, Percent, Plan, Rule, Summary};

/// The plans of every period a report prints figures of, keyed by period end.
#[derive(Debug, Clone, Default)]
pub struct Plans {
    plans: BTreeMap<NaiveDate, Plan>,
}

impl Plans {
    /// A plan for each period's cube, all with the same layout and rule (made on up to two
    /// threads: the periods are independent). Each thread takes the next period not yet
    /// taken, so a slow period does not leave the other thread idle at the end.
    pub fn build(
        layout: &Layout,
        rule: Rule,
        cubes: impl IntoIterator<Item = (NaiveDate, Cube)>,
    ) -> Result<Plans, Error> {
        let cubes: Vec<(NaiveDate, Cube)> = cubes.into_iter().collect();
        let made = crate::work::map_in_order(&cubes, crate::work::cores().min(2), |(_, cube)| {
            Plan::build(cube, layout, rule)
        });
        // Earliest period first, so the error reported does not depend on which thread got it.
        let made: BTreeMap<NaiveDate, Result<Plan, Error>> =
            cubes.iter().map(|(period, _)| *period).zip(made).collect();
        let plans = made
            .into_iter()
            .map(|(period, plan)| Ok((period, plan?)))
            .collect::<Result<_, Error>>()?;
        Ok(Plans { plans })
    }

    /// Adds (or replaces) the plan of one period.
    pub fn insert(&mut self, period: NaiveDate, plan: Plan) {
        self.plans.insert(period, plan);
    }

    pub fn get(&self, period: NaiveDate) -> Option<&Plan> {
        self.plans.get(&period)
    }

    /// A cell's row at `period`, as that period's plan lets it be printed.
    pub fn figure(&self, period: NaiveDate, at: &[(&str, &str)]) -> Result<Figure, Error> {
        self.plans
            .get(&period)
            .ok_or_else(|| Error::NoPlan(period.to_string()))?
            .figure(at)
    }

    /// A cell's percentage at `period` (a trend or SPC point, a year-earlier figure).
    pub fn percent(&self, period: NaiveDate, at: &[(&str, &str)]) -> Result<Percent, Error> {
        Ok(self.figure(period, at)?.percent())
    }

    /// The periods planned, earliest first.
    pub fn periods(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.plans.keys().copied()
    }

    /// How much every plan hides, added up.
    pub fn summary(&self) -> Summary {
        self.plans.values().fold(Summary::default(), |a, p| {
            let b = p.summary();
            Summary {
                counts: a.counts + b.counts,
                primary: a.primary + b.primary,
                derived: a.derived + b.derived,
                secondary: a.secondary + b.secondary,
                primary_only: a.primary_only + b.primary_only,
                audits: a.audits + b.audits,
                solves: a.solves + b.solves,
            }
        })
    }
}
