//! The executive summary and the document's identity: the headline figures, what changed
//! since the same point last year, which organisations moved RAG band, and the cover's metadata.
//! Built from the sections' figures, after every section has been queried.

use super::compliance::Movement;
use super::model::{
    DateParts, Headline, Meta, Multiagency, Organisation, Reviews, Section11, Summary, Supervision,
    Training,
};
use super::params::Params;
use crate::disclosure::Rule;
use crate::query::Session;
use crate::report::ReportSettings;
use crate::report::format::{Rag, financial_year, long_date, percent};
use crate::report::printed::Shown;
use crate::report::sentences::{self, Compare};

/// The executive summary, from the figures of the sections.
pub(super) fn summary(
    p: &Params,
    organisations: &[Organisation],
    training: &(Movement, Training),
    supervision: &(Movement, Supervision),
    multiagency: Option<&(Movement, Multiagency)>,
    section11: &Section11,
    reviews: &Reviews,
) -> Summary {
    let now_date = long_date(p.period_end);
    let then_date = long_date(p.previous);
    // What changed in a footprint figure, banded by `rag`.
    let change = |what: &str, m: &Movement, rag: fn(&Params, Shown) -> Rag| {
        sentences::compliance_change(&Compare {
            what,
            now: m.now,
            now_rag: rag(p, m.now),
            now_date: &now_date,
            then: m.then,
            then_date: &then_date,
        })
    };
    let mut changes = vec![
        change(
            "overall safeguarding children training compliance",
            &training.0,
            Params::rag,
        ),
        change(
            "safeguarding supervision compliance",
            &supervision.0,
            Params::rag,
        ),
    ];
    if let Some((m, _)) = multiagency {
        changes.push(change(
            "health's contribution to child protection meetings over the year",
            m,
            Params::ma_rag,
        ));
    }
    changes.push(section11.summary.clone());
    changes.push(reviews.summary.clone());
    let band_moves = vec![
        sentences::band_moves("training compliance", &then_date, &training.0.bands()),
        sentences::band_moves("supervision compliance", &then_date, &supervision.0.bands()),
    ];
    let t = &training.1.total;
    let s = &supervision.1.total;
    let green: i64 = section11.grid.iter().map(|o| o.green).sum();
    let rated: i64 = section11
        .grid
        .iter()
        .map(|o| o.green + o.amber + o.red)
        .sum();
    let mut headlines = vec![
        Headline {
            label: "Staff in post".into(),
            value: t.now.denominator.to_string(),
            detail: format!("across {} organisations", organisations.len()),
            rag: Rag::none(),
        },
        Headline {
            label: "Training compliance".into(),
            value: t.now.percent.to_string(),
            detail: format!(
                "{} staff trained to the level their role needs",
                t.now.numerator
            ),
            rag: t.now.rag.clone(),
        },
        Headline {
            label: "Supervision compliance".into(),
            value: s.now.percent.to_string(),
            detail: format!(
                "{} of {} staff who need it were supervised",
                s.now.numerator, s.now.denominator
            ),
            rag: s.now.rag.clone(),
        },
        Headline {
            label: "Section 11 standards green".into(),
            value: format!("{green} of {rated}"),
            detail: format!("in the {} self-audit round", section11.round),
            rag: Rag::none(),
        },
        Headline {
            label: "Review actions completed".into(),
            value: format!("{} of {}", reviews.total.completed, reviews.total.actions),
            detail: format!(
                "{} overdue, {} open",
                reviews.total.overdue, reviews.total.open
            ),
            rag: Rag::none(),
        },
    ];
    if let Some((m, table)) = multiagency {
        headlines.push(Headline {
            label: "Multi-agency contribution".into(),
            value: table.total.percent.to_string(),
            detail: format!(
                "{} of {} child protection meetings in the year",
                table.total.contributed, table.total.meetings
            ),
            rag: p.ma_rag(m.now),
        });
    }
    Summary {
        training_overall: t.now.percent,
        headlines,
        changes,
        band_moves,
    }
}

/// The document's identity and dates.
pub(super) fn meta(
    session: &Session,
    settings: &ReportSettings,
    p: &Params,
    organisations: &[Organisation],
) -> Meta {
    let now_date = long_date(p.period_end);
    let then_date = long_date(p.previous);
    let year = financial_year(p.as_of);
    Meta {
        icb_name: settings.icb_name.clone().unwrap_or_else(|| {
            // The commissioner in the data is the ICB the report is from.
            let mut commissioners = organisations.iter().filter(|o| o.kind == "Commissioner");
            match (commissioners.next(), commissioners.next()) {
                (Some(only), None) => only.name.clone(),
                _ => "Integrated Care Board".to_owned(),
            }
        }),
        title: format!("Safeguarding Children Annual Report {year}"),
        year: year.clone(),
        board_meeting: settings.board_meeting_date.map(long_date),
        authors: settings.authors.clone(),
        as_of: p.as_of.to_string(),
        as_of_long: long_date(p.as_of),
        period_end: now_date.clone(),
        previous_period_end: then_date.clone(),
        date: DateParts {
            year: chrono::Datelike::year(&p.as_of),
            month: chrono::Datelike::month(&p.as_of),
            day: chrono::Datelike::day(&p.as_of),
        },
        program_version: settings.program_version.clone(),
        snapshot: session.manifest().snapshot.clone(),
        disclosure_threshold: p.rule.threshold,
        red_below: p.red_below,
        green_above: p.green_above,
        red_threshold: percent(p.red_below),
        green_threshold: percent(p.green_above),
        disclosure_note: disclosure_note(p.rule),
        disclosure_short: if p.rule.threshold > 1 {
            format!(
                "* suppressed: fewer than {} staff, or a figure that would reveal such a count",
                p.rule.threshold
            )
        } else {
            String::new()
        },
    }
}

/// The footnote every suppressed figure points to.
pub(super) fn disclosure_note(rule: Rule) -> String {
    if rule.threshold <= 1 {
        return "No figures are suppressed in this report (the disclosure threshold is off)."
            .to_owned();
    }
    format!(
        "* Suppressed to protect individuals: counts of staff from 1 to {} are not published, \
         nor the percentage of such a small group, nor how many of it meet the standard (not \
         even 0). Further figures are suppressed so that no hidden count can be worked out from \
         anything else published, across this report's tables or with the reports for earlier \
         periods: a figure of an earlier quarter or month is printed only where that period's \
         own report would print it. Zero is shown as 0.",
        rule.threshold - 1
    )
}
