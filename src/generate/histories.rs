//! A post holder's training and supervision history over the generated window.
//!
//! Training: new starters take a level 1 induction, then their required level within a few
//! months; everyone renews roughly every 36 months. Whether a renewal is late, and how late,
//! depends on the organisation's profile (and its trend over time) and the professional
//! group, which is what makes compliance differ by cell and move from quarter to quarter.
//! Lower-level e-learning refreshers fill the years between (they do not count towards a
//! higher required level).
//!
//! Supervision: sessions at roughly the person's interval, slipping past it with an
//! organisation-specific chance; occasional ad hoc sessions (which do not count) in between.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Timeline;
use super::dates::{add_days, days_between};
use super::orgs::Organisation;
use super::workforce::Person;
use crate::contract::calendar::add_months;

/// Training validity the metrics assume.
const VALIDITY_MONTHS: i32 = 36;

/// How a course was delivered (DATA.md `delivery`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    ELearning,
    FaceToFace,
    Virtual,
    Conference,
    Other,
}

impl Delivery {
    /// The enum value as written to CSV and Parquet.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::ELearning => "e_learning",
            Delivery::FaceToFace => "face_to_face",
            Delivery::Virtual => "virtual",
            Delivery::Conference => "conference",
            Delivery::Other => "other",
        }
    }

    /// The value the way a person types it into a spreadsheet.
    pub fn as_typed(self) -> &'static str {
        match self {
            Delivery::ELearning => "E Learning",
            Delivery::FaceToFace => "Face to face",
            Delivery::Virtual => "Virtual",
            Delivery::Conference => "Conference",
            Delivery::Other => "Other",
        }
    }
}

/// One completed course.
#[derive(Clone, Copy, Debug)]
pub struct Course {
    pub level: u8,
    pub completed_on: NaiveDate,
    /// Learning hours in quarter hours (6 = 1.5 hours).
    pub quarter_hours: u8,
    pub delivery: Delivery,
}

impl Course {
    /// Learning hours.
    pub fn hours(&self) -> f64 {
        f64::from(self.quarter_hours) / 4.0
    }

    /// Learning hours as decimal text (`1.5`, `3.25`, `7.0`).
    pub fn hours_text(&self) -> String {
        let whole = self.quarter_hours / 4;
        let frac = match self.quarter_hours % 4 {
            0 => "0",
            1 => "25",
            2 => "5",
            _ => "75",
        };
        format!("{whole}.{frac}")
    }
}

/// Supervision session kinds (DATA.md `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    OneToOne,
    Group,
    AdHoc,
}

impl SessionKind {
    /// The enum value as written.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::OneToOne => "one_to_one",
            SessionKind::Group => "group",
            SessionKind::AdHoc => "ad_hoc",
        }
    }
}

/// One supervision session.
#[derive(Clone, Copy, Debug)]
pub struct Session {
    pub date: NaiveDate,
    pub kind: SessionKind,
}

/// Chance that something due on `when` happens late, for an organisation/group baseline that
/// moves by `trend` a year around the middle of the trend window.
fn chance(base: f64, trend: f64, when: NaiveDate, timeline: &Timeline) -> f64 {
    let years = days_between(timeline.trend_mid, when) as f64 / 365.25;
    (base + trend * years).clamp(0.02, 0.95)
}

/// Fills `out` (cleared first) with `person`'s courses in date order.
pub fn training(
    person: &Person,
    org: &Organisation,
    timeline: &Timeline,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Course>,
) {
    out.clear();
    let until = person.until(timeline.as_of);
    if person.start > until {
        return;
    }
    let level = person.required_level;
    let mut base =
        org.profile.late_base + person.group.late_bias() + org.group_bias[person.group.index()];
    if level >= 4 {
        base -= 0.25;
    }
    let late = |when: NaiveDate| chance(base, org.profile.late_trend, when, timeline);
    let from = person.start.max(timeline.history_start);
    let mut push = |course: Course| {
        if course.completed_on >= from && course.completed_on <= until {
            out.push(course);
        }
    };

    // The last completion at the required level; before the window it is not written.
    let mut last = if person.start >= timeline.history_start {
        if level >= 2 && rng.random_bool(0.7) {
            push(course(
                1,
                add_days(person.start, rng.random_range(0..30)),
                rng,
            ));
        }
        let p = late(person.start);
        let delay = if rng.random_bool(p) {
            rng.random_range(60..=90 + (700.0 * p) as i64)
        } else {
            rng.random_range(14..=100)
        };
        let first = add_days(person.start, delay);
        sessions(level, first, rng, &mut push);
        first
    } else {
        add_days(timeline.history_start, -rng.random_range(0..3 * 365))
    };
    while last <= until {
        let due = add_months(last, VALIDITY_MONTHS);
        let p = late(due);
        last = if rng.random_bool(p) {
            if level >= 2 && rng.random_bool(0.35) {
                // Did the e-learning at a lower level, which does not count for the role.
                push(course(
                    level - 1,
                    add_days(due, -rng.random_range(0..60)),
                    rng,
                ));
            }
            add_days(due, rng.random_range(7..=30 + (1500.0 * p) as i64))
        } else {
            add_days(due, -rng.random_range(0..100))
        };
        sessions(level, last, rng, &mut push);
    }
    refreshers(person, timeline, until, rng, &mut push);
    out.sort_by_key(|c| c.completed_on);
}

/// A course at `level` finished on `done`, recorded the way it is taught: level 2 in one or two
/// sessions, level 3 and above as several (the Intercollegiate 12-16 hours over a cycle), the
/// earlier ones a week or three apart before `done`. Most people first refresh the lower
/// levels' e-learning, which trusts set as the course's prerequisite (and which does not count
/// for the role).
fn sessions(level: u8, done: NaiveDate, rng: &mut ChaCha8Rng, push: &mut impl FnMut(Course)) {
    let count = match level {
        0 | 1 => 1,
        2 => rng.random_range(1..=2),
        3 => rng.random_range(2..=4),
        _ => rng.random_range(2..=3),
    };
    let mut date = done;
    let mut dates = [done; 4];
    for slot in dates.iter_mut().take(count).skip(1) {
        date = add_days(date, -rng.random_range(7..=21));
        *slot = date;
    }
    for prerequisite in 1..level.min(3) {
        if rng.random_bool(0.75) {
            let on = add_days(date, -rng.random_range(3..=42));
            push(course(prerequisite, on, rng));
        }
    }
    for &date in dates[..count].iter().rev() {
        push(course(level, date, rng));
    }
}

/// Annual updates: lower-level e-learning for levels 2-3, conferences for levels 4-5.
fn refreshers(
    person: &Person,
    timeline: &Timeline,
    until: NaiveDate,
    rng: &mut ChaCha8Rng,
    push: &mut impl FnMut(Course),
) {
    let level = person.required_level;
    if level < 2 {
        return;
    }
    let from = person.start.max(timeline.history_start);
    for year in from.year()..=until.year() {
        if !rng.random_bool(if level >= 4 { 0.8 } else { 0.85 }) {
            continue;
        }
        let day = rng.random_range(0..365);
        let Some(date) = NaiveDate::from_yo_opt(year, day + 1).filter(|d| *d >= from) else {
            continue;
        };
        let refresher_level = if level >= 4 { level } else { level - 1 };
        push(course(refresher_level, date, rng));
    }
}

/// A course at `level` completed on `date`, with typical hours and delivery for that level.
fn course(level: u8, completed_on: NaiveDate, rng: &mut ChaCha8Rng) -> Course {
    let u = rng.random::<f64>();
    let (delivery, quarter_hours) = match level {
        1 => (
            if u < 0.9 {
                Delivery::ELearning
            } else {
                Delivery::Virtual
            },
            rng.random_range(2..=6),
        ),
        2 if u < 0.65 => (Delivery::ELearning, rng.random_range(4..=8)),
        2 => (
            if u < 0.85 {
                Delivery::Virtual
            } else {
                Delivery::FaceToFace
            },
            rng.random_range(8..=14),
        ),
        3 => {
            let delivery = match u {
                u if u < 0.40 => Delivery::FaceToFace,
                u if u < 0.75 => Delivery::Virtual,
                u if u < 0.90 => Delivery::ELearning,
                u if u < 0.95 => Delivery::Conference,
                _ => Delivery::Other,
            };
            (delivery, rng.random_range(12..=30))
        }
        _ => {
            let delivery = match u {
                u if u < 0.40 => Delivery::Conference,
                u if u < 0.70 => Delivery::FaceToFace,
                u if u < 0.90 => Delivery::Virtual,
                _ => Delivery::Other,
            };
            (delivery, rng.random_range(12..=30))
        }
    };
    Course {
        level,
        completed_on,
        quarter_hours,
        delivery,
    }
}

/// Fills `out` (cleared first) with `person`'s supervision sessions in date order; empty when
/// the role has no supervision requirement.
pub fn supervision(
    person: &Person,
    org: &Organisation,
    timeline: &Timeline,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Session>,
) {
    out.clear();
    let Some(interval) = person.interval else {
        return;
    };
    let months = i32::from(interval);
    let period_days = i64::from(interval) * 30;
    let until = person.until(timeline.as_of);
    let mut date = if person.start >= timeline.history_start {
        add_days(person.start, rng.random_range(14..=75))
    } else {
        add_days(timeline.history_start, rng.random_range(0..period_days))
    };
    while date <= until {
        let kind = if rng.random_bool(0.24) {
            SessionKind::Group
        } else {
            SessionKind::OneToOne
        };
        out.push(Session { date, kind });
        if rng.random_bool(0.1) {
            let extra = add_days(date, rng.random_range(5..period_days.max(6)));
            if extra <= until {
                out.push(Session {
                    date: extra,
                    kind: SessionKind::AdHoc,
                });
            }
        }
        let nominal = add_months(date, months);
        let p = chance(
            org.profile.miss_base,
            org.profile.miss_trend,
            nominal,
            timeline,
        );
        date = if rng.random_bool(p) {
            add_days(nominal, rng.random_range(10..=period_days * 2 + 30))
        } else {
            add_days(nominal, -rng.random_range(0..=21))
        };
    }
    out.sort_by_key(|s| s.date);
}
