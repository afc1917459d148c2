//! The Section 11 self-audit: the grid of every organisation's ratings per standard in the
//! latest round beside its previous round, the movement between them, and the action plans.

use std::collections::BTreeMap;

use super::model::{Section11, Section11Actions, Section11Cell, Section11Org, Standard};
use super::organisations::Names;
use super::rows::{Row, query};
use crate::query::Session;
use crate::report::format::Rag;

/// The Section 11 section.
pub(super) async fn section11(session: &Session, orgs: &Names) -> anyhow::Result<Section11> {
    // The grid reads section11_standards, so the report and ad-hoc SQL agree on every cell.
    let ratings = query(
        session,
        "SELECT organisation_code, audit_round, standard, standard_name, rating, change \
         FROM section11_standards",
    )
    .await?;
    let round = ratings
        .iter()
        .filter_map(|r| r.text("audit_round"))
        .max()
        .unwrap_or_default()
        .to_owned();
    // (org, round) -> standard -> (rating, change), for every round: the grid shows the
    // latest round and each organisation's previous one.
    type Ratings = BTreeMap<(String, String), BTreeMap<i64, (String, Option<String>)>>;
    let mut by: Ratings = BTreeMap::new();
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    for r in &ratings {
        names.insert(r.count("standard"), r.string("standard_name"));
        by.entry((r.string("organisation_code"), r.string("audit_round")))
            .or_default()
            .insert(
                r.count("standard"),
                (r.string("rating"), r.text("change").map(str::to_owned)),
            );
    }
    let summary_rows = query(
        session,
        "SELECT organisation_code, audit_round, green, amber, red, previous_round, improved, \
         worsened, actions_total, actions_completed, actions_overdue FROM section11_summary \
         ORDER BY organisation_code",
    )
    .await?;
    let latest: Vec<&Row> = summary_rows
        .iter()
        .filter(|s| s.text("audit_round") == Some(round.as_str()))
        .collect();
    let previous_round =
        grid_previous_round(latest.iter().filter_map(|s| s.text("previous_round")));
    let mut grid = vec![];
    let mut actions = vec![];
    let mut total = Section11Actions {
        name: "All organisations".into(),
        ..Default::default()
    };
    for s in latest {
        let org = s.string("organisation_code");
        let prev = s.text("previous_round").map(str::to_owned);
        let now = by.get(&(org.clone(), round.clone()));
        let then = prev
            .as_ref()
            .and_then(|p| by.get(&(org.clone(), p.clone())));
        let cells = (1..=8)
            .map(|standard| {
                let cell = now.and_then(|m| m.get(&standard));
                Section11Cell {
                    standard,
                    rating: Rag::from_key(cell.map(|(r, _)| r.as_str())),
                    previous_rating: Rag::from_key(
                        then.and_then(|m| m.get(&standard)).map(|(r, _)| r.as_str()),
                    ),
                    change: match cell.and_then(|(_, c)| c.as_deref()) {
                        Some("improved") => "improved",
                        Some("worsened") => "worsened",
                        Some(_) => "same",
                        None => "new",
                    },
                }
            })
            .collect();
        let previous_note = match (&prev, &previous_round) {
            (None, Some(_)) => Some("first round".to_owned()),
            (Some(p), Some(g)) if p != g => Some(format!("previous round {p}")),
            _ => None,
        };
        grid.push(Section11Org {
            name: orgs.of(&org),
            previous_round: prev,
            previous_note,
            cells,
            green: s.count("green"),
            amber: s.count("amber"),
            red: s.count("red"),
            improved: s.count("improved"),
            worsened: s.count("worsened"),
        });
        let (t, c, o) = (
            s.count("actions_total"),
            s.count("actions_completed"),
            s.count("actions_overdue"),
        );
        total.total += t;
        total.completed += c;
        total.overdue += o;
        total.open += t - c - o;
        actions.push(Section11Actions {
            name: orgs.of(&org),
            total: t,
            completed: c,
            overdue: o,
            open: t - c - o,
        });
    }
    let green: i64 = grid.iter().map(|o| o.green).sum();
    let amber: i64 = grid.iter().map(|o| o.amber).sum();
    let red: i64 = grid.iter().map(|o| o.red).sum();
    let improved: i64 = grid.iter().map(|o| o.improved).sum();
    let worsened: i64 = grid.iter().map(|o| o.worsened).sum();
    let actions_text = if total.total == 0 {
        "No Section 11 actions were supplied for this round.".to_owned()
    } else {
        format!(
            "Of {} Section 11 actions, {} are complete and {} overdue.",
            total.total, total.completed, total.overdue
        )
    };
    let movement = if previous_round.is_some() {
        format!("Since the previous round {improved} standards improved and {worsened} worsened.")
    } else {
        "No earlier round was returned, so there is no movement to report.".to_owned()
    };
    let summary = format!(
        "In the {round} Section 11 self-audit, {} rated {} standards: {green} \
         green, {amber} amber and {red} red. {movement} {actions_text}",
        match grid.len() {
            1 => "1 organisation".to_owned(),
            n => format!("{n} organisations"),
        },
        green + amber + red,
    );
    let (rounds, rounds_note) = match &previous_round {
        Some(p) => (
            vec![p.clone(), round.clone()],
            format!(
                "For each standard the {p} round is on the left and the {round} round on the \
                 right, marked ▲ where it improved and ▼ where it worsened."
            ),
        ),
        None => (
            vec![round.clone()],
            format!(
                "Only one audit round, {round}, has been returned, so the grid shows that round \
                 alone and no movement."
            ),
        ),
    };
    Ok(Section11 {
        round,
        previous_round,
        rounds,
        rounds_note,
        standards: names
            .into_iter()
            .map(|(number, name)| Standard { number, name })
            .collect(),
        grid,
        actions,
        actions_total: total,
        summary,
    })
}

/// The previous round the Section 11 grid's left-hand columns are headed with: the one most
/// organisations were last rated in before the latest round, the later on a tie; none when no
/// organisation has an earlier round.
fn grid_previous_round<'a>(rounds: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rounds {
        *counts.entry(r).or_default() += 1;
    }
    // max_by_key keeps the last of equal maxima: BTreeMap order makes that the latest round.
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(r, _)| r.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_heads_its_left_columns_with_the_most_common_previous_round() {
        assert_eq!(grid_previous_round([].into_iter()), None);
        assert_eq!(
            grid_previous_round(["2023", "2021", "2023"].into_iter()),
            Some("2023".to_owned())
        );
        // A tie goes to the later round.
        assert_eq!(
            grid_previous_round(["2021", "2023"].into_iter()),
            Some("2023".to_owned())
        );
    }
}
