//! A provider's assurance pack: the annual report's sections computed over a session that sees
//! one organisation's rows only (`Session::scoped`), so no query can bring another
//! organisation's figures in, with the footprint's headline figures beside the organisation's
//! for comparison (a footprint total is published in the annual report anyway). The pack's own
//! action lists (Section 11 and reviews it leads) are added; the load appendix, which counts
//! every organisation's rows, and escalations, which name the other party, are left out.

use serde::Serialize;

use super::compliance::breakdown_rows;
use super::model::{
    Definition, LevelRow, Meta, Multiagency, MultiagencyRow, OrgRow, Organisation, Quality,
    Reviews, Section11, Section11Actions, Spc, Supervision, Training,
};
use super::organisations::{self, Names};
use super::rows::{Row, query};
use super::suppression::{GROUP, Suppression};
use super::trend::{quarters, series, trend};
use super::{collect_planned, definitions, has_view, multiagency, params, quality, reviews};
use super::{section11, spc, summary, supervision, training};
use crate::query::Session;
use crate::report::ReportSettings;
use crate::report::format::{Rag, long_date, professional_group};

/// What the pack template receives as `/data.json`. Field names are its interface.
#[derive(Debug, Serialize)]
pub struct PackData {
    pub meta: Meta,
    /// The organisation the pack is about.
    pub organisation: Organisation,
    pub headlines: Vec<PackHeadline>,
    /// The organisation's training: `detail` and `level_totals` are its rows by required level.
    pub training: Training,
    /// The organisation's training by professional group.
    pub training_groups: Vec<LevelRow>,
    /// The organisation's supervision: `groups` are its rows by professional group.
    pub supervision: Supervision,
    pub section11: Section11,
    /// The organisation's Section 11 actions of every round, by due date.
    pub section11_actions: Vec<ActionLine>,
    pub reviews: Reviews,
    /// The review actions the organisation leads, by due date.
    pub review_actions: Vec<ActionLine>,
    pub multiagency: Option<Multiagency>,
    pub quality: Option<Quality>,
    pub spc: Spc,
    pub definitions: Vec<Definition>,
}

/// A headline figure of the organisation beside the footprint's.
#[derive(Debug, Serialize)]
pub struct PackHeadline {
    pub label: String,
    pub value: String,
    pub rag: Rag,
    pub footprint: String,
    pub detail: String,
}

/// One action of an action plan, with where it stands at as_of.
#[derive(Debug, Serialize)]
pub struct ActionLine {
    /// `Standard 3 (2025)` or the review's anonymised name.
    pub reference: String,
    pub action: String,
    pub owner: String,
    pub due: String,
    /// `Complete`, `Overdue` or `Open`.
    pub status: String,
    pub completed: String,
}

/// The footprint's figures printed beside a pack's, taken from the annual report's data so they
/// carry its disclosure control, and the annual report's suppression plans, by which every
/// pack prints its own figures too.
pub struct Footprint {
    training: OrgRow,
    supervision: OrgRow,
    multiagency: Option<MultiagencyRow>,
    section11_actions: Section11Actions,
    /// `40 of 64` standards green in the latest round.
    section11_green: String,
    /// `120 of 150` review actions completed.
    reviews_completed: String,
    /// Every organisation, for the check that a pack names only its own.
    pub organisations: Vec<Organisation>,
    plans: Suppression,
}

/// What the footprint row is called in a pack's tables.
const FOOTPRINT: &str = "All organisations (footprint)";

impl Footprint {
    /// The annual report's data over the whole footprint, and its plans.
    pub async fn collect(session: &Session, settings: &ReportSettings) -> anyhow::Result<Self> {
        let (data, plans) = collect_planned(session, settings).await?;
        let relabel = |row: &OrgRow| OrgRow {
            name: FOOTPRINT.to_owned(),
            ..row.clone()
        };
        Ok(Footprint {
            training: relabel(&data.training.total),
            supervision: relabel(&data.supervision.total),
            multiagency: data.multiagency.as_ref().map(|m| MultiagencyRow {
                name: FOOTPRINT.to_owned(),
                ..m.total.clone()
            }),
            section11_actions: Section11Actions {
                name: FOOTPRINT.to_owned(),
                ..data.section11.actions_total.clone()
            },
            section11_green: green_of_rated(&data.section11),
            reviews_completed: completed_of(&data.reviews),
            organisations: data.organisations,
            plans,
        })
    }
}

fn green_of_rated(s: &Section11) -> String {
    let green: i64 = s.grid.iter().map(|o| o.green).sum();
    let rated: i64 = s.grid.iter().map(|o| o.green + o.amber + o.red).sum();
    format!("{green} of {rated}")
}

fn completed_of(r: &Reviews) -> String {
    format!("{} of {}", r.total.completed, r.total.actions)
}

/// Queries the pack of the organisation `scoped` sees (a session from `Session::scoped`).
pub async fn collect(
    scoped: &Session,
    code: &str,
    footprint: &Footprint,
    settings: &ReportSettings,
) -> anyhow::Result<PackData> {
    let p = params::params(scoped).await?;
    let orgs = organisations::organisations(scoped).await?;
    let Some(organisation) = orgs.iter().find(|o| o.code == code).cloned() else {
        anyhow::bail!("there is no organisation {code} in the organisations dataset");
    };
    let names = Names::new(&orgs);
    // The annual report's plans, which cover every pack's tables too.
    let plans = &footprint.plans;
    let (_, mut training) = training::training(scoped, &p, &orgs, &plans.training).await?;
    let (_, mut supervision) =
        supervision::supervision(scoped, &p, &orgs, &plans.supervision).await?;
    // The breakdowns of the organisation's own rows, not the footprint's.
    let own = Some(code);
    training.level_totals =
        breakdown_rows(&plans.training, &p, own, None, |l| format!("Level {l}"))?;
    let training_groups =
        breakdown_rows(&plans.training, &p, own, Some(GROUP), professional_group)?;
    supervision.groups = breakdown_rows(&plans.supervision, &p, own, None, professional_group)?;
    let quarters = quarters(scoped).await?;
    supervision.trend = trend(
        series(&plans.supervision, &quarters, Some(code))?,
        &p,
        &quarters,
        &organisation.name,
        "safeguarding supervision compliance",
    );
    let mut section11 = section11::section11(scoped, &names).await?;
    let reviews = reviews::reviews(scoped).await?;
    let multiagency = if has_view(scoped, "multiagency_contribution") {
        let (_, mut m) = multiagency::multiagency(scoped, &p, &orgs).await?;
        if let Some(f) = &footprint.multiagency {
            m.total = f.clone();
        }
        Some(m)
    } else {
        None
    };
    let quality = if has_view(scoped, "quality_ratings_summary") {
        Some(quality::quality(scoped, &p, &names).await?)
    } else {
        None
    };
    let charted = spc::Charted::Organisation {
        code,
        name: &organisation.name,
    };
    let spc = spc::spc(
        &spc::SpcRows::query(scoped, charted).await?,
        &p,
        &names,
        plans,
        charted,
    )?;

    // The organisation's own total is its one row; the total row becomes the footprint's.
    let own_training = training.organisations.first().cloned();
    training.total = footprint.training.clone();
    // The first trend is the scoped session's total, which is the organisation again.
    if training.trends.len() > 1 {
        training.trends.remove(0);
    }
    let own_supervision = supervision.organisations.first().cloned();
    supervision.total = footprint.supervision.clone();
    section11.actions_total = footprint.section11_actions.clone();

    let mut headlines = vec![
        headline(
            "Training compliance",
            own_training.as_ref(),
            &footprint.training,
        ),
        headline(
            "Supervision compliance",
            own_supervision.as_ref(),
            &footprint.supervision,
        ),
        PackHeadline {
            label: "Section 11 standards green".into(),
            value: green_of_rated(&section11),
            rag: Rag::none(),
            footprint: footprint.section11_green.clone(),
            detail: format!("in the {} self-audit round", section11.round),
        },
        PackHeadline {
            label: "Review actions completed".into(),
            value: completed_of(&reviews),
            rag: Rag::none(),
            footprint: footprint.reviews_completed.clone(),
            detail: format!(
                "of the actions it leads; {} overdue, {} open",
                reviews.total.overdue, reviews.total.open
            ),
        },
    ];
    if let (Some(m), Some(f)) = (&multiagency, &footprint.multiagency)
        && let Some(own) = m.rows.first()
    {
        headlines.push(PackHeadline {
            label: "Multi-agency contribution".into(),
            value: own.percent.to_string(),
            rag: own.rag.clone(),
            footprint: f.percent.to_string(),
            detail: format!(
                "{} of {} child protection meetings in the year",
                own.contributed, own.meetings
            ),
        });
    }
    let mut meta = summary::meta(scoped, settings, &p, &orgs);
    meta.icb_name = organisation.name.clone();
    meta.title = format!(
        "Safeguarding Children Assurance Pack: {} at {}",
        organisation.name,
        long_date(p.period_end)
    );
    let section11_actions = section11_actions(scoped, p.as_of, &section11.round).await?;
    let review_actions = review_actions(scoped, p.as_of).await?;
    Ok(PackData {
        meta,
        organisation,
        headlines,
        training,
        training_groups,
        supervision,
        section11,
        section11_actions,
        reviews,
        review_actions,
        multiagency,
        quality,
        spc,
        definitions: definitions::definitions(&p),
    })
}

fn headline(label: &str, own: Option<&OrgRow>, footprint: &OrgRow) -> PackHeadline {
    match own {
        Some(row) => PackHeadline {
            label: label.to_owned(),
            value: row.now.percent.to_string(),
            rag: row.now.rag.clone(),
            footprint: footprint.now.percent.to_string(),
            detail: format!(
                "{} of {} staff; a year earlier {}",
                row.now.numerator, row.now.denominator, row.previous_percent
            ),
        },
        None => PackHeadline {
            label: label.to_owned(),
            value: "–".to_owned(),
            rag: Rag::none(),
            footprint: footprint.now.percent.to_string(),
            detail: "no staff in post need it".to_owned(),
        },
    }
}

/// Where an action stands at as_of: complete (on or before as_of), overdue or open; the same
/// rule as `section11_summary` and `review_action_status`.
fn status(r: &Row, as_of: chrono::NaiveDate) -> (&'static str, String) {
    match (r.date("completed_on"), r.date("due_date")) {
        (Some(done), _) if done <= as_of => ("Complete", long_date(done)),
        (_, Some(due)) if due < as_of => ("Overdue", String::new()),
        _ => ("Open", String::new()),
    }
}

fn line(reference: String, r: &Row, as_of: chrono::NaiveDate) -> ActionLine {
    let (status, completed) = status(r, as_of);
    ActionLine {
        reference,
        action: r.string("action"),
        owner: r.text("owner").unwrap_or("–").to_owned(),
        due: r.date("due_date").map(long_date).unwrap_or_default(),
        status: status.to_owned(),
        completed,
    }
}

/// The actions of the latest round, and those of earlier rounds not yet complete.
async fn section11_actions(
    scoped: &Session,
    as_of: chrono::NaiveDate,
    latest: &str,
) -> anyhow::Result<Vec<ActionLine>> {
    let rows = query(
        scoped,
        "SELECT audit_round, standard, action, owner, due_date, completed_on \
         FROM section11_actions ORDER BY due_date, audit_round, standard, action",
    )
    .await?;
    Ok(rows
        .iter()
        .filter(|r| r.text("audit_round") == Some(latest) || status(r, as_of).0 != "Complete")
        .map(|r| {
            let reference = format!(
                "Standard {} ({})",
                r.count("standard"),
                r.string("audit_round")
            );
            line(reference, r, as_of)
        })
        .collect())
}

async fn review_actions(
    scoped: &Session,
    as_of: chrono::NaiveDate,
) -> anyhow::Result<Vec<ActionLine>> {
    let rows = query(
        scoped,
        "SELECT review_name, action, CAST(NULL AS VARCHAR) AS owner, due_date, completed_on \
         FROM review_actions ORDER BY due_date, review_name, action",
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| line(r.string("review_name"), r, as_of))
        .collect())
}
