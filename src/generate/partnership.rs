//! Multi-agency working: child protection meetings providers were asked to contribute to (over
//! the 12 trend quarters, ISO dates, `Yes`/`No`), and professional-difference escalations
//! raised with local authorities (UK dates).

use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::dates::{DateStyle, add_days, days_between, text};
use super::names;
use super::orgs::OrgKind;
use super::writers::{CsvFile, CsvStyle, Written};
use super::{Context, rng_for};
use crate::contract::calendar::{add_months, month_end};

const MEETING_TYPES: [(&str, f64); 5] = [
    ("icpc", 0.25),
    ("rcpc", 0.25),
    ("strategy", 0.30),
    ("core_group", 0.15),
    ("other", 0.05),
];

const ESCALATION_LEVELS: [f64; 5] = [0.45, 0.28, 0.15, 0.08, 0.04];

/// Writes `multiagency_meetings.csv` and `escalations.csv`.
pub fn write(ctx: &Context<'_>) -> Result<Vec<Written>> {
    Ok(vec![write_meetings(ctx)?, write_escalations(ctx)?])
}

fn write_meetings(ctx: &Context<'_>) -> Result<Written> {
    let mut file = CsvFile::create(
        &ctx.cfg.out,
        "multiagency_meetings.csv",
        &[
            "meeting_id",
            "organisation_code",
            "meeting_type",
            "meeting_date",
            "contributed",
        ],
        CsvStyle::Plain,
    )?;
    let providers: Vec<usize> = ctx.footprint.providers().collect();
    for (i, &org_index) in providers.iter().enumerate() {
        let mut rng = rng_for(ctx.cfg.seed, "meetings", org_index as u64);
        let org = &ctx.footprint.orgs[org_index];
        let invited = match org.kind {
            OrgKind::Ambulance => 0.2,
            OrgKind::PrimaryCare => 1.5,
            _ => 1.0,
        };
        let per_quarter = (ctx.footprint.expected_staff(org_index, ctx.cfg.staff) * invited / 25.0)
            .round()
            .clamp(3.0, 40.0) as u32;
        let mut seq = 0u32;
        for &quarter_end in &ctx.timeline.quarter_ends {
            let rate = (org.profile.contribution + rng.random_range(-0.08..0.08)).clamp(0.3, 1.0);
            let mut dates: Vec<NaiveDate> = (0..per_quarter)
                .map(|_| date_in_quarter(quarter_end, &mut rng))
                .collect();
            dates.sort();
            for date in dates {
                seq += 1;
                let kind = weighted(&MEETING_TYPES, rng.random::<f64>());
                let contributed = if rng.random_bool(rate) { "Yes" } else { "No" };
                let id = format!("MAM-{}-{seq:05}", org.code);
                file.text_row(&[
                    id.as_str(),
                    &org.code,
                    kind,
                    &text(date, DateStyle::Iso),
                    contributed,
                ])?;
            }
        }
        if i == 0 {
            // Bad rows: a meeting type that does not exist, and a boolean that is not one.
            let date = text(add_days(ctx.timeline.quarter_ends[11], -20), DateStyle::Iso);
            file.text_row(&[
                format!("MAM-{}-90001", org.code).as_str(),
                &org.code,
                "phone_call",
                &date,
                "Yes",
            ])?;
            file.text_row(&[
                format!("MAM-{}-90002", org.code).as_str(),
                &org.code,
                "icpc",
                &date,
                "maybe",
            ])?;
        }
    }
    file.finish()
}

/// A day in the calendar quarter ending `quarter_end`.
fn date_in_quarter(quarter_end: NaiveDate, rng: &mut ChaCha8Rng) -> NaiveDate {
    let start = month_end(add_months(quarter_end, -3));
    let span = days_between(start, quarter_end).max(1);
    add_days(start, rng.random_range(1..=span))
}

fn weighted(options: &[(&'static str, f64)], u: f64) -> &'static str {
    let mut acc = 0.0;
    for &(value, share) in options {
        acc += share;
        if u < acc {
            return value;
        }
    }
    options[options.len() - 1].0
}

/// A few dozen escalations for one footprint, a few hundred nationally.
fn write_escalations(ctx: &Context<'_>) -> Result<Written> {
    let mut rng = rng_for(ctx.cfg.seed, "escalations", 0);
    let count = 30 + (ctx.cfg.staff as f64).sqrt() as usize / 2;
    let mut rows: Vec<(NaiveDate, usize, usize)> = (0..count)
        .map(|_| {
            let raised = add_days(ctx.cfg.as_of, -rng.random_range(0..1095));
            let org = ctx.footprint.pick(rng.random::<f64>());
            let u = rng.random::<f64>();
            let mut acc = 0.0;
            let level = ESCALATION_LEVELS.iter().position(|p| {
                acc += p;
                u < acc
            });
            (raised, org, level.unwrap_or(0) + 1)
        })
        .collect();
    rows.sort_by_key(|r| (r.0, r.1));
    let mut file = CsvFile::create(
        &ctx.cfg.out,
        "escalations.csv",
        &[
            "escalation_id",
            "organisation_code",
            "raised_on",
            "level",
            "theme",
            "local_authority",
            "resolved_on",
        ],
        CsvStyle::Plain,
    )?;
    for (n, &(raised, org_index, level)) in (1u32..).zip(&rows) {
        let org = &ctx.footprint.orgs[org_index];
        let councils = &ctx.footprint.councils[org.region];
        let council = &councils[rng.random_range(0..councils.len())];
        let theme = names::ESCALATION_THEMES[rng.random_range(0..names::ESCALATION_THEMES.len())];
        let resolved = rng
            .random_bool(0.88)
            .then(|| add_days(raised, rng.random_range(3..=30 * level as i64 + 30)))
            .filter(|d| *d <= ctx.cfg.as_of)
            .map(|d| text(d, DateStyle::Uk))
            .unwrap_or_default();
        let id = format!("ESC-{}-{n:04}", raised.year());
        file.text_row(&[
            id.as_str(),
            &org.code,
            &text(raised, DateStyle::Uk),
            &level.to_string(),
            theme,
            council,
            &resolved,
        ])?;
    }
    // Bad row: escalation levels stop at 5.
    let org = &ctx.footprint.orgs[0];
    let raised = add_days(ctx.cfg.as_of, -60);
    let id = format!("ESC-{}-9999", raised.year());
    file.text_row(&[
        id.as_str(),
        &org.code,
        &text(raised, DateStyle::Uk),
        "6",
        "Neglect",
        &ctx.footprint.councils[0][0],
        "",
    ])?;
    file.finish()
}
