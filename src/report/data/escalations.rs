//! Professional-difference escalations over the 12 months to as_of, by level, theme and local
//! authority.

use super::model::{Escalations, Tally};
use super::params::Params;
use super::rows::query;
use crate::query::Session;
use crate::report::format::{long_date, thousands};

/// The escalations section.
pub(super) async fn escalations(session: &Session, p: &Params) -> anyhow::Result<Escalations> {
    // escalation_summary counts the 12 months to as_of by one dimension at a time.
    let rows = query(
        session,
        "SELECT dimension, value, raised, resolved FROM escalation_summary",
    )
    .await?;
    let tally = |dimension: &str, label: &dyn Fn(&str) -> String, sort_by_count: bool| {
        let mut v: Vec<(String, i64)> = rows
            .iter()
            .filter(|r| r.text("dimension") == Some(dimension))
            .map(|r| (r.string("value"), r.count("raised")))
            .collect();
        if sort_by_count {
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        } else {
            v.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
        }
        v.into_iter()
            .map(|(value, n)| Tally {
                label: label(&value),
                count: thousands(n),
                n,
            })
            .collect::<Vec<_>>()
    };
    let by_level = tally("level", &|l| format!("Level {l}"), false);
    let by_theme = tally("theme", &str::to_owned, true);
    let by_local_authority = tally("local_authority", &str::to_owned, true);
    let sum = |column: &str| -> i64 {
        rows.iter()
            .filter(|r| r.text("dimension") == Some("level"))
            .map(|r| r.count(column))
            .sum()
    };
    let (total, resolved) = (sum("raised"), sum("resolved"));
    let top = by_theme
        .first()
        .map(|t| {
            format!(
                " The most common theme was {} ({}).",
                t.label.to_lowercase(),
                t.count
            )
        })
        .unwrap_or_default();
    let to = long_date(p.as_of);
    Ok(Escalations {
        year: format!("12 months to {to}"),
        total: thousands(total),
        resolved: thousands(resolved),
        summary: format!(
            "{} professional-difference escalations were raised in the 12 months to {to}, of \
             which {} were resolved by then.{top}",
            thousands(total),
            thousands(resolved),
        ),
        by_level,
        by_theme,
        by_local_authority,
    })
}
