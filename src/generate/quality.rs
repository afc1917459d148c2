//! The commissioner's quarterly assurance ratings of each provider against the six quality
//! metrics, over the 12 trend quarters. Ratings start from the provider's profile (training
//! and supervision ratings agree with its data) and drift quarter by quarter.

use anyhow::Result;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dates::{DateStyle, add_days, text};
use super::names;
use super::orgs::Organisation;
use super::section11::Rag;
use super::writers::{CsvFile, CsvStyle, Written};
use super::{Context, rng_for};

const METRICS: [&str; 6] = ["11.a.1", "11.a.2", "11.a.3", "11.a.4", "11.a.5", "11.b"];

/// Writes `quality_ratings.csv`.
pub fn write(ctx: &Context<'_>) -> Result<Written> {
    let mut file = CsvFile::create(
        &ctx.cfg.out,
        "quality_ratings.csv",
        &[
            "organisation_code",
            "quarter_end",
            "metric",
            "rating",
            "commentary",
            "rated_on",
        ],
        CsvStyle::Plain,
    )?;
    let providers: Vec<usize> = ctx.footprint.providers().collect();
    for &org_index in &providers {
        let org = &ctx.footprint.orgs[org_index];
        let mut rng = rng_for(ctx.cfg.seed, "quality", org_index as u64);
        let mut ratings: Vec<Rag> = METRICS
            .iter()
            .map(|m| starting_rating(org, m, rng.random::<f64>()))
            .collect();
        for &quarter_end in &ctx.timeline.quarter_ends {
            for (metric, rating) in METRICS.iter().zip(ratings.iter_mut()) {
                *rating = drift(*rating, org, rng.random::<f64>());
                let rated_on = add_days(quarter_end, rng.random_range(14..=49));
                let rated_on = if rated_on <= ctx.cfg.as_of {
                    text(rated_on, DateStyle::Iso)
                } else {
                    String::new()
                };
                file.text_row(&[
                    org.code.as_str(),
                    &text(quarter_end, DateStyle::Iso),
                    metric,
                    rating.as_str(),
                    &commentary(*rating, &mut rng),
                    &rated_on,
                ])?;
            }
        }
    }
    // Bad row: 15 May is not a quarter end.
    if let Some(&first) = providers.first() {
        let code = &ctx.footprint.orgs[first].code;
        let y = ctx.bad_year();
        file.text_row(&[
            code.as_str(),
            &format!("{y}-05-15"),
            "11.b",
            "amber",
            "Interim report.",
            &format!("{y}-06-02"),
        ])?;
    }
    file.finish()
}

/// Where a provider starts: training and supervision follow its profile, the rest is a draw.
fn starting_rating(org: &Organisation, metric: &str, u: f64) -> Rag {
    let p = &org.profile;
    let from_score = |score: f64, amber: f64, red: f64| {
        if score >= red {
            Rag::Red
        } else if score >= amber {
            Rag::Amber
        } else {
            Rag::Green
        }
    };
    match metric {
        "11.b" => from_score(p.late_base, 0.25, 0.45),
        "11.a.5" => from_score(p.miss_base, 0.12, 0.28),
        "11.a.2" => from_score(1.0 - p.contribution, 0.12, 0.35),
        _ => from_score(u, 0.45, 0.85),
    }
}

/// Mostly the same as last quarter; improving organisations move up more often.
fn drift(rating: Rag, org: &Organisation, u: f64) -> Rag {
    let (up, down) = if org.profile.late_trend < -0.05 {
        (0.22, 0.05)
    } else if org.profile.late_trend > 0.05 {
        (0.08, 0.18)
    } else {
        (0.14, 0.11)
    };
    if u < up {
        rating.better()
    } else if u < up + down {
        rating.worse()
    } else {
        rating
    }
}

/// One or two sentences in the commissioner's voice.
fn commentary(rating: Rag, rng: &mut ChaCha8Rng) -> String {
    let pool: &[&str] = match rating {
        Rag::Green => &names::COMMENTARY_GREEN,
        Rag::Amber => &names::COMMENTARY_AMBER,
        Rag::Red => &names::COMMENTARY_RED,
    };
    let first = rng.random_range(0..pool.len());
    if rng.random_bool(0.25) {
        let second = (first + 1 + rng.random_range(0..pool.len() - 1)) % pool.len();
        format!("{} {}", pool[first], pool[second])
    } else {
        pool[first].to_string()
    }
}
