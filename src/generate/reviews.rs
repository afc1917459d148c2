//! Review action plans (child safeguarding practice reviews, rapid reviews, domestic homicide
//! reviews and the like): a handful of reviews agreed over the last three years, each with
//! several actions in various states; one review is agreed just after as_of.
//!
//! Written with UK dates and `true`/`false` booleans.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dates::{DateStyle, add_days, days_between, text};
use super::names;
use super::orgs::{Footprint, OrgKind};
use super::writers::{CsvFile, CsvStyle, Written};
use super::{Context, rng_for};

const TYPES: [(&str, &str, f64); 5] = [
    ("lcspr", "CSPR", 0.45),
    ("rapid_review", "RR", 0.20),
    ("dhr", "DHR", 0.15),
    ("scr", "SCR", 0.10),
    ("national_review", "NR", 0.10),
];

/// One review, before its id is known.
struct Review {
    kind: usize,
    name: String,
    agreed_on: NaiveDate,
}

/// Writes `review_actions.csv`.
pub fn write(ctx: &Context<'_>) -> Result<Written> {
    let mut rng = rng_for(ctx.cfg.seed, "reviews", 0);
    let count = review_count(&ctx.footprint, &mut rng);
    let mut reviews: Vec<Review> = (0..count)
        .map(|i| draw_review(ctx, i, i + 1 == count, &mut rng))
        .collect();
    reviews.sort_by_key(|r| r.agreed_on);
    let mut file = CsvFile::create(
        &ctx.cfg.out,
        "review_actions.csv",
        &[
            "action_id",
            "review_id",
            "review_type",
            "review_name",
            "recommendation",
            "action",
            "lead_organisation_code",
            "agreed_on",
            "due_date",
            "completed_on",
            "impact_evidenced",
        ],
        CsvStyle::Plain,
    )?;
    let mut numbering: BTreeMap<(usize, i32), u32> = BTreeMap::new();
    for (i, review) in reviews.iter().enumerate() {
        let seq = numbering
            .entry((review.kind, review.agreed_on.year()))
            .or_insert(0);
        *seq += 1;
        let review_id = format!(
            "{}-{}-{:02}",
            TYPES[review.kind].1,
            review.agreed_on.year(),
            seq
        );
        write_actions(ctx, &mut file, review, &review_id, i == 0, &mut rng)?;
    }
    file.finish()
}

/// Six to eight reviews for one footprint, more for a national roll-up.
fn review_count(footprint: &Footprint, rng: &mut ChaCha8Rng) -> usize {
    let extra = footprint.orgs.len().saturating_sub(10) / 25;
    rng.random_range(6..=8) + extra.min(32)
}

fn draw_review(ctx: &Context<'_>, i: usize, after_as_of: bool, rng: &mut ChaCha8Rng) -> Review {
    // The first five reviews cover every type; later ones follow the usual mix.
    let u = rng.random::<f64>();
    let mut acc = 0.0;
    let weighted = TYPES.iter().position(|t| {
        acc += t.2;
        u < acc
    });
    let kind = if i < TYPES.len() {
        i
    } else {
        weighted.unwrap_or(0)
    };
    let subject = names::REVIEW_SUBJECTS[rng.random_range(0..names::REVIEW_SUBJECTS.len())];
    let letters = names::REVIEW_LETTERS;
    // 8 is coprime with the 21 letters, so names repeat only after 21 reviews.
    let letter = letters[(i * 8 + 9) % letters.len()] as char;
    let name = match i / letters.len() {
        0 => format!("{subject} {letter}"),
        n => format!("{subject} {letter}{}", n + 1),
    };
    let agreed_on = if after_as_of {
        add_days(ctx.cfg.as_of, rng.random_range(10..=45))
    } else {
        add_days(ctx.cfg.as_of, -rng.random_range(30..=1095))
    };
    Review {
        kind,
        name,
        agreed_on,
    }
}

/// Four to twelve actions against two to four recommendations, in various states at as_of.
fn write_actions(
    ctx: &Context<'_>,
    file: &mut CsvFile,
    review: &Review,
    review_id: &str,
    with_bad_row: bool,
    rng: &mut ChaCha8Rng,
) -> Result<()> {
    let recommendations = pick_distinct(names::RECOMMENDATIONS.len(), rng.random_range(2..=4), rng);
    let actions = pick_distinct(names::REVIEW_ACTIONS.len(), rng.random_range(4..=12), rng);
    let review_type = TYPES[review.kind].0;
    for (n, &action) in (1u32..).zip(&actions) {
        let recommendation =
            names::RECOMMENDATIONS[recommendations[(n as usize - 1) % recommendations.len()]];
        let lead = lead_organisation(&ctx.footprint, rng);
        // Most actions are agreed with the review; some are added at a later panel.
        let agreed_on = if rng.random_bool(0.15) {
            add_days(review.agreed_on, rng.random_range(14..=90))
        } else {
            review.agreed_on
        };
        let due = add_days(agreed_on, rng.random_range(60..=365));
        let span = days_between(agreed_on, due) + 150;
        let completed = rng
            .random_bool(0.85)
            .then(|| add_days(agreed_on, rng.random_range(20..span)));
        let completed = completed.filter(|d| *d <= ctx.cfg.as_of);
        let impact = match completed {
            Some(_) if rng.random_bool(0.45) => "true",
            Some(_) => "false",
            None => "",
        };
        file.text_row(&[
            format!("{review_id}-A{n:02}").as_str(),
            review_id,
            review_type,
            &review.name,
            recommendation,
            names::REVIEW_ACTIONS[action],
            &lead,
            &text(agreed_on, DateStyle::Uk),
            &text(due, DateStyle::Uk),
            &completed
                .map(|d| text(d, DateStyle::Uk))
                .unwrap_or_default(),
            impact,
        ])?;
    }
    if with_bad_row {
        // Bad row: due 30 days before it was agreed.
        let due = add_days(review.agreed_on, -30);
        file.text_row(&[
            format!("{review_id}-A99").as_str(),
            review_id,
            review_type,
            &review.name,
            names::RECOMMENDATIONS[recommendations[0]],
            names::REVIEW_ACTIONS[actions[0]],
            &ctx.footprint.orgs[0].code,
            &text(review.agreed_on, DateStyle::Uk),
            &text(due, DateStyle::Uk),
            "",
            "",
        ])?;
    }
    Ok(())
}

/// The commissioner leads about a fifth of actions, trusts and practices the rest.
fn lead_organisation(footprint: &Footprint, rng: &mut ChaCha8Rng) -> String {
    let wanted = rng.random_bool(0.2);
    let candidates: Vec<&str> = footprint
        .orgs
        .iter()
        .filter(|o| (o.kind == OrgKind::Commissioner) == wanted)
        .map(|o| o.code.as_str())
        .collect();
    candidates[rng.random_range(0..candidates.len())].to_string()
}

/// `n` distinct indexes below `len`, in random order (`n` is capped at `len`).
fn pick_distinct(len: usize, n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut all: Vec<usize> = (0..len).collect();
    for i in 0..n.min(len) {
        let j = rng.random_range(i..len);
        all.swap(i, j);
    }
    all.truncate(n.min(len));
    all
}
