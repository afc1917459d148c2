//! Section 11 self-audits: two rounds (the year before as_of and two years before that, 2023
//! and 2025 by default) for every organisation and all eight standards, and the improvement
//! actions that amber and red ratings lead to.

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dates::{DateStyle, add_days, days_between, text};
use super::names;
use super::orgs::Organisation;
use super::writers::{CsvFile, CsvStyle, Written, XlsxCell, XlsxSheet};
use super::{Context, rng_for};

/// Ratings ordered worst first, as the metrics order them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rag {
    Red,
    Amber,
    Green,
}

impl Rag {
    /// The enum value as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
        }
    }

    /// One step towards green (or the same, if already green).
    pub fn better(self) -> Rag {
        if self == Rag::Red {
            Rag::Amber
        } else {
            Rag::Green
        }
    }

    /// One step towards red (or the same, if already red).
    pub fn worse(self) -> Rag {
        if self == Rag::Green {
            Rag::Amber
        } else {
            Rag::Red
        }
    }
}

/// One standard's rating in one round.
struct Rating {
    org: usize,
    round: i32,
    standard: u8,
    rag: Rag,
    assessed_on: NaiveDate,
}

/// Writes `section11_ratings.xlsx` and `section11_actions.csv`.
pub fn write(ctx: &Context<'_>) -> Result<Vec<Written>> {
    let mut rng = rng_for(ctx.cfg.seed, "section11", 0);
    let second = ctx.cfg.as_of.year() - 1;
    let rounds = [second - 2, second];
    let mut ratings = Vec::new();
    for (i, org) in ctx.footprint.orgs.iter().enumerate() {
        let first = round_ratings(i, org, rounds[0], None, &mut rng);
        let next = round_ratings(i, org, rounds[1], Some(&first), &mut rng);
        ratings.extend(first);
        ratings.extend(next);
    }
    let sheet = ratings_sheet(ctx, &ratings);
    let ratings_file = sheet.save(&ctx.cfg.out, "section11_ratings.xlsx", ctx.cfg.as_of)?;
    let actions_file = write_actions(ctx, &ratings, &mut rng)?;
    Ok(vec![ratings_file, actions_file])
}

/// Ratings for all eight standards in one round; the later round mostly improves on `previous`.
fn round_ratings(
    org_index: usize,
    org: &Organisation,
    round: i32,
    previous: Option<&[Rating]>,
    rng: &mut ChaCha8Rng,
) -> Vec<Rating> {
    let submitted =
        NaiveDate::from_yo_opt(round, rng.random_range(60..300)).unwrap_or(NaiveDate::MIN);
    (1..=8u8)
        .map(|standard| {
            let rag = match previous {
                None => first_rating(org, rng.random::<f64>()),
                Some(prev) => next_rating(prev[usize::from(standard) - 1].rag, rng.random::<f64>()),
            };
            let assessed_on = add_days(submitted, rng.random_range(0..14));
            Rating {
                org: org_index,
                round,
                standard,
                rag,
                assessed_on,
            }
        })
        .collect()
}

/// The first round: organisations that struggle with training also rate themselves lower.
fn first_rating(org: &Organisation, u: f64) -> Rag {
    let red = 0.05 + 0.2 * org.profile.late_base;
    let amber = red + 0.30 + 0.2 * org.profile.late_base;
    if u < red {
        Rag::Red
    } else if u < amber {
        Rag::Amber
    } else {
        Rag::Green
    }
}

/// The next round: mostly better, a few worse.
fn next_rating(previous: Rag, u: f64) -> Rag {
    match previous {
        Rag::Red if u < 0.15 => Rag::Green,
        Rag::Red if u < 0.75 => Rag::Amber,
        Rag::Amber if u < 0.55 => Rag::Green,
        Rag::Amber if u < 0.62 => Rag::Red,
        Rag::Green if u < 0.12 => Rag::Amber,
        same => same,
    }
}

fn ratings_sheet(ctx: &Context<'_>, ratings: &[Rating]) -> XlsxSheet {
    let mut rows: Vec<Vec<XlsxCell>> = ratings
        .iter()
        .map(|r| {
            vec![
                XlsxCell::Text(ctx.footprint.orgs[r.org].code.clone()),
                XlsxCell::Text(r.round.to_string()),
                XlsxCell::Number(f64::from(r.standard)),
                XlsxCell::Text(r.rag.as_str().to_string()),
                XlsxCell::Date(r.assessed_on),
            ]
        })
        .collect();
    // Bad row: there is no standard 9.
    if let Some(last) = ratings.last() {
        let mut bad = rows[rows.len() - 1].clone();
        bad[2] = XlsxCell::Number(9.0);
        bad[4] = XlsxCell::Date(last.assessed_on);
        rows.push(bad);
    }
    XlsxSheet {
        sheet_name: "Section 11",
        header: vec![
            "Organisation Code",
            "Audit Round",
            "Standard",
            "Rating",
            "Assessed On",
        ],
        rows,
    }
}

/// Actions for most amber and red ratings, with owners, due dates and progress to as_of.
fn write_actions(ctx: &Context<'_>, ratings: &[Rating], rng: &mut ChaCha8Rng) -> Result<Written> {
    let mut file = CsvFile::create(
        &ctx.cfg.out,
        "section11_actions.csv",
        &[
            "action_id",
            "organisation_code",
            "audit_round",
            "standard",
            "action",
            "owner",
            "due_date",
            "completed_on",
        ],
        CsvStyle::Plain,
    )?;
    let latest_round = ratings.iter().map(|r| r.round).max().unwrap_or(0);
    for rating in ratings {
        let count = match rating.rag {
            Rag::Green => 0,
            Rag::Amber if rng.random_bool(0.15) => 0,
            Rag::Amber => 1,
            Rag::Red => rng.random_range(1..=2),
        };
        let code = &ctx.footprint.orgs[rating.org].code;
        let pool = &names::SECTION11_ACTIONS[usize::from(rating.standard) - 1];
        let offset = rng.random_range(0..pool.len());
        for n in 0..count {
            let id = format!(
                "S11-{}-{code}-{}{}",
                rating.round,
                rating.standard,
                (b'a' + n) as char
            );
            let action = pool[(offset + usize::from(n)) % pool.len()];
            let owner = if rng.random_bool(0.05) {
                ""
            } else {
                names::OWNERS[rng.random_range(0..names::OWNERS.len())]
            };
            let due = add_days(rating.assessed_on, rng.random_range(90..=365));
            let completion_rate = if rating.round == latest_round {
                0.55
            } else {
                0.85
            };
            let span = days_between(rating.assessed_on, due) + 120;
            let completed = rng
                .random_bool(completion_rate)
                .then(|| add_days(rating.assessed_on, rng.random_range(30..span)));
            let completed = completed
                .filter(|d| *d <= ctx.cfg.as_of)
                .map(|d| text(d, DateStyle::Iso));
            file.text_row(&[
                id.as_str(),
                code,
                &rating.round.to_string(),
                &rating.standard.to_string(),
                action,
                owner,
                &text(due, DateStyle::Iso),
                completed.as_deref().unwrap_or(""),
            ])?;
        }
    }
    // Bad row: the action text is missing.
    if let Some(first) = ratings.first() {
        let code = &ctx.footprint.orgs[first.org].code;
        let due = text(add_days(first.assessed_on, 180), DateStyle::Iso);
        let round = first.round.to_string();
        file.text_row(&[
            &format!("S11-{round}-{code}-X"),
            code.as_str(),
            &round,
            "1",
            "",
            "Head of Safeguarding",
            &due,
            "",
        ])?;
    }
    file.finish()
}
