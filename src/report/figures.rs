//! The named figures the narrative quotes (`{{training_compliance}}`), read from the report's
//! data model: every value is the string a table or headline of the report prints, after
//! disclosure control, so a figure in the text can never differ from the same figure in a
//! table, and a suppressed one prints `*` in both. Nothing here computes a figure; it only
//! names the ones the sections built.
//!
//! The names of `shared/contract/NARRATIVE.md` come first (in its order), then more detail:
//! per organisation (`.CODE`, its ODS code), per required level and professional group, and
//! the counts behind each percentage. `safeguard report --list-figures` prints them in this
//! order.

use super::data::pack::PackData;
use super::data::{Figure, OrgRow, ReportData};
use super::printed::EMPTY;
use crate::narrative::Figures;

/// Every named figure of `data`.
pub fn figures(data: &ReportData) -> Figures {
    let mut f = Figures::new();
    let m = &data.meta;
    let t = &data.training.total;
    let s = &data.supervision.total;
    let s11 = &data.section11;
    let rv = &data.reviews.total;
    let ma = data.multiagency.as_ref().map(|m| &m.total);
    let count = |rag: fn(i64, i64, i64) -> i64| -> String {
        s11.grid
            .iter()
            .map(|o| rag(o.green, o.amber, o.red))
            .sum::<i64>()
            .to_string()
    };

    // The contract's names, in its order.
    f.insert("as_of", &m.as_of_long);
    f.insert("year", &m.year);
    f.insert("icb_name", &m.icb_name);
    // As the executive summary counts them ("across 10 organisations").
    f.insert("organisations", data.organisations.len().to_string());
    f.insert("staff_in_post", t.now.denominator.to_string());
    f.insert("training_compliance", t.now.percent.to_string());
    f.insert("training_rag", t.now.rag.word);
    f.insert(
        "training_compliance_last_year",
        t.previous_percent.to_string(),
    );
    f.insert("supervision_compliance", s.now.percent.to_string());
    f.insert("supervision_rag", s.now.rag.word);
    f.insert("section11_standards_green", count(|g, _, _| g));
    f.insert("section11_standards_rated", count(|g, a, r| g + a + r));
    f.insert("review_actions", &rv.actions);
    f.insert("review_actions_overdue", &rv.overdue);
    f.insert(
        "multiagency_contribution",
        ma.map_or_else(|| EMPTY.to_owned(), |t| t.percent.to_string()),
    );
    f.insert("rows_rejected", &data.appendix.rejects_total);

    // Dates and the board.
    f.insert("period_end", &m.period_end);
    f.insert("previous_period_end", &m.previous_period_end);
    f.insert("board_meeting", m.board_meeting.as_deref().unwrap_or(EMPTY));
    f.insert("disclosure_threshold", m.disclosure_threshold.to_string());
    f.insert("red_threshold", &m.red_threshold);
    f.insert("green_threshold", &m.green_threshold);

    // Training and supervision: the counts and movement behind the headline percentages.
    f.insert("staff_trained", t.now.numerator.to_string());
    f.insert("training_change", t.change.to_string());
    f.insert("supervision_requiring", s.now.denominator.to_string());
    f.insert("supervision_supervised", s.now.numerator.to_string());
    f.insert(
        "supervision_compliance_last_year",
        s.previous_percent.to_string(),
    );
    f.insert("supervision_change", s.change.to_string());
    for l in &data.training.level_totals {
        breakdown(&mut f, "training", &slug(&l.level), &l.figure);
    }
    for g in &data.supervision.groups {
        breakdown(&mut f, "supervision", &slug(&g.level), &g.figure);
    }

    // Section 11 and reviews.
    f.insert("section11_round", &s11.round);
    f.insert(
        "section11_previous_round",
        s11.previous_round.as_deref().unwrap_or(EMPTY),
    );
    f.insert("section11_standards_amber", count(|_, a, _| a));
    f.insert("section11_standards_red", count(|_, _, r| r));
    let (improved, worsened) = s11
        .grid
        .iter()
        .fold((0, 0), |(i, w), o| (i + o.improved, w + o.worsened));
    f.insert("section11_standards_improved", improved.to_string());
    f.insert("section11_standards_worsened", worsened.to_string());
    let a = &s11.actions_total;
    f.insert("section11_actions", a.total.to_string());
    f.insert("section11_actions_completed", a.completed.to_string());
    f.insert("section11_actions_overdue", a.overdue.to_string());
    f.insert("section11_actions_open", a.open.to_string());
    f.insert("reviews", data.reviews.rows.len().to_string());
    f.insert("review_actions_completed", &rv.completed);
    f.insert("review_actions_open", &rv.open);
    f.insert("review_actions_completion", &rv.completion);
    f.insert("review_actions_impact_evidenced", &rv.impact);

    // Multi-agency working, when its datasets were supplied.
    if let Some(ma) = &data.multiagency {
        f.insert("multiagency_meetings", &ma.total.meetings);
        f.insert("multiagency_contributed", &ma.total.contributed);
        f.insert(
            "multiagency_contribution_last_year",
            ma.total.previous_percent.to_string(),
        );
        f.insert("multiagency_rag", ma.total.rag.word);
    }
    if let Some(e) = &data.escalations {
        f.insert("escalations", &e.total);
        f.insert("escalations_resolved", &e.resolved);
    }

    // Per organisation, by ODS code: every organisation of the footprint has each name, with
    // `–` where the report has no row for it (as the tables print a figure of nobody). The
    // tables' rows carry the organisation's name as printed, so a row is found by that name;
    // a name two organisations share would be ambiguous, and their figures print `–` rather
    // than risk quoting the other's.
    for o in &data.organisations {
        let c = &o.code;
        let unique = data
            .organisations
            .iter()
            .filter(|other| other.name == o.name)
            .count()
            == 1;
        let name = unique.then_some(o.name.as_str());
        f.insert(format!("organisation_name.{c}"), &o.name);
        org(
            &mut f,
            "training",
            c,
            row(&data.training.organisations, name),
        );
        org(
            &mut f,
            "supervision",
            c,
            row(&data.supervision.organisations, name),
        );
        if let Some(ma) = &data.multiagency {
            let r = name.and_then(|n| ma.rows.iter().find(|r| r.name == n));
            f.insert(
                format!("multiagency_contribution.{c}"),
                r.map_or_else(|| EMPTY.to_owned(), |r| r.percent.to_string()),
            );
        }
    }
    f
}

/// Every named figure of a provider's pack: the annual report's names, meaning the
/// organisation's own figure (`training_compliance` is its compliance), and `footprint_...`
/// for the footprint's figure printed beside it. Only the pack's own data is read, so a pack's
/// narrative can quote nothing of another organisation.
pub fn pack_figures(data: &PackData) -> Figures {
    let mut f = Figures::new();
    let m = &data.meta;
    let o = &data.organisation;
    f.insert("as_of", &m.as_of_long);
    f.insert("year", &m.year);
    f.insert("organisation_name", &o.name);
    f.insert("organisation_code", &o.code);
    f.insert("period_end", &m.period_end);
    f.insert("previous_period_end", &m.previous_period_end);
    f.insert("disclosure_threshold", m.disclosure_threshold.to_string());
    f.insert("red_threshold", &m.red_threshold);
    f.insert("green_threshold", &m.green_threshold);
    for (what, rows, total, breakdown) in [
        (
            "training",
            &data.training.organisations,
            &data.training.total,
            &data.training.level_totals,
        ),
        (
            "supervision",
            &data.supervision.organisations,
            &data.supervision.total,
            &data.supervision.groups,
        ),
    ] {
        let own = rows.first();
        let or_empty = |v: Option<String>| v.unwrap_or_else(|| EMPTY.to_owned());
        let (counted, met) = match what {
            "training" => ("staff_in_post", "staff_trained"),
            _ => ("supervision_requiring", "supervision_supervised"),
        };
        f.insert(
            counted,
            or_empty(own.map(|r| r.now.denominator.to_string())),
        );
        f.insert(met, or_empty(own.map(|r| r.now.numerator.to_string())));
        f.insert(
            format!("{what}_compliance"),
            or_empty(own.map(|r| r.now.percent.to_string())),
        );
        f.insert(
            format!("{what}_rag"),
            or_empty(own.map(|r| r.now.rag.word.to_owned())),
        );
        f.insert(
            format!("{what}_compliance_last_year"),
            or_empty(own.map(|r| r.previous_percent.to_string())),
        );
        f.insert(
            format!("{what}_change"),
            or_empty(own.map(|r| r.change.to_string())),
        );
        f.insert(
            format!("footprint_{what}_compliance"),
            total.now.percent.to_string(),
        );
        for b in breakdown {
            self::breakdown(&mut f, what, &slug(&b.level), &b.figure);
        }
    }
    for g in &data.training_groups {
        breakdown(&mut f, "training", &slug(&g.level), &g.figure);
    }
    let s11 = &data.section11;
    let rated = |pick: fn(i64, i64, i64) -> i64| -> String {
        s11.grid
            .iter()
            .map(|o| pick(o.green, o.amber, o.red))
            .sum::<i64>()
            .to_string()
    };
    f.insert("section11_round", &s11.round);
    f.insert("section11_standards_green", rated(|g, _, _| g));
    f.insert("section11_standards_amber", rated(|_, a, _| a));
    f.insert("section11_standards_red", rated(|_, _, r| r));
    f.insert("section11_standards_rated", rated(|g, a, r| g + a + r));
    let actions = |status: &str| {
        data.section11_actions
            .iter()
            .filter(|a| a.status == status)
            .count()
            .to_string()
    };
    f.insert("section11_actions_completed", actions("Complete"));
    f.insert("section11_actions_overdue", actions("Overdue"));
    f.insert("section11_actions_open", actions("Open"));
    let rv = &data.reviews.total;
    f.insert("review_actions", &rv.actions);
    f.insert("review_actions_overdue", &rv.overdue);
    f.insert("review_actions_completed", &rv.completed);
    f.insert("review_actions_open", &rv.open);
    if let Some(ma) = &data.multiagency {
        let own = ma.rows.first();
        let or_empty = |v: Option<String>| v.unwrap_or_else(|| EMPTY.to_owned());
        f.insert(
            "multiagency_contribution",
            or_empty(own.map(|r| r.percent.to_string())),
        );
        f.insert(
            "multiagency_meetings",
            or_empty(own.map(|r| r.meetings.clone())),
        );
        f.insert(
            "multiagency_contributed",
            or_empty(own.map(|r| r.contributed.clone())),
        );
        f.insert(
            "footprint_multiagency_contribution",
            ma.total.percent.to_string(),
        );
    }
    f
}

/// `training_compliance.CODE`, `training_rag.CODE`, `training_compliance_last_year.CODE`.
fn org(f: &mut Figures, what: &str, code: &str, row: Option<&OrgRow>) {
    let or_empty = |v: Option<String>| v.unwrap_or_else(|| EMPTY.to_owned());
    f.insert(
        format!("{what}_compliance.{code}"),
        or_empty(row.map(|r| r.now.percent.to_string())),
    );
    f.insert(
        format!("{what}_rag.{code}"),
        or_empty(row.map(|r| r.now.rag.word.to_owned())),
    );
    f.insert(
        format!("{what}_compliance_last_year.{code}"),
        or_empty(row.map(|r| r.previous_percent.to_string())),
    );
}

/// `training_compliance.level3`, `supervision_compliance.nursing`.
fn breakdown(f: &mut Figures, what: &str, key: &str, figure: &Figure) {
    f.insert(
        format!("{what}_compliance.{key}"),
        figure.percent.to_string(),
    );
}

/// The table row of the organisation named `name` (none when it has no row, or its name is
/// ambiguous).
fn row<'r>(rows: &'r [OrgRow], name: Option<&str>) -> Option<&'r OrgRow> {
    name.and_then(|n| rows.iter().find(|r| r.name == n))
}

/// A breakdown's label as a name: `Level 3` -> `level3`, `Health visiting` -> `health_visiting`.
fn slug(label: &str) -> String {
    let lower = label.to_lowercase();
    if let Some(n) = lower.strip_prefix("level ") {
        return format!("level{n}");
    }
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakdown_labels_become_names() {
        assert_eq!(slug("Level 3"), "level3");
        assert_eq!(slug("Health visiting"), "health_visiting");
        assert_eq!(
            slug("Allied health professionals"),
            "allied_health_professionals"
        );
        assert_eq!(slug("Nursing & midwifery"), "nursing_midwifery");
    }
}
