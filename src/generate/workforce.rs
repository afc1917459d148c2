//! One post holder at a time: organisation, professional group, required training level,
//! supervision interval and dates in post, drawn to look like an NHS workforce.

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Timeline;
use super::dates::{add_days, days_between};
use super::groups::Group;
use super::orgs::{Footprint, OrgKind};

/// A post holder, as written to `staff.csv`.
#[derive(Clone, Debug)]
pub struct Person {
    /// The seven digits of the pseudonymised staff id.
    pub number: u32,
    pub org: usize,
    pub group: Group,
    pub required_level: u8,
    pub interval: Option<u8>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

impl Person {
    /// The pseudonymised id, `SG` and seven digits.
    pub fn staff_id(&self) -> String {
        staff_id(self.number)
    }

    /// The last day anything can happen for this person: leaving date or as_of.
    pub fn until(&self, as_of: NaiveDate) -> NaiveDate {
        self.end.map_or(as_of, |end| end.min(as_of))
    }
}

/// `SG` and seven digits.
pub fn staff_id(number: u32) -> String {
    format!("SG{number:07}")
}

/// Seven distinct digits for every index below ten million (an affine bijection mod 10^7),
/// so ids look random but never collide.
pub fn staff_number(index: u64) -> u32 {
    ((index % 10_000_000 * 4_870_847 + 1_234_567) % 10_000_000) as u32
}

/// Draws post holder `index`.
pub fn person(
    index: u64,
    footprint: &Footprint,
    timeline: &Timeline,
    rng: &mut ChaCha8Rng,
) -> Person {
    let org = footprint.pick(rng.random::<f64>());
    let kind = footprint.orgs[org].kind;
    let group = pick_group(kind, rng.random::<f64>());
    let required_level = required_level(kind, group, rng);
    let interval = supervision_interval(group, required_level, rng);
    let (start, end) = dates_in_post(timeline.as_of, rng);
    Person {
        number: staff_number(index),
        org,
        group,
        required_level,
        interval,
        start,
        end,
    }
}

/// Professional group mix by organisation type; overall close to the NHS workforce.
fn group_mix(kind: OrgKind) -> &'static [(Group, f64)] {
    use Group::*;
    match kind {
        OrgKind::Acute => &[
            (Nursing, 36.0),
            (Medical, 16.0),
            (AlliedHealth, 11.0),
            (AdminClerical, 18.0),
            (Midwifery, 7.0),
            (Pharmacy, 3.5),
            (Management, 5.5),
            (Other, 3.0),
        ],
        OrgKind::Community => &[
            (Nursing, 30.0),
            (HealthVisiting, 22.0),
            (SchoolNursing, 11.0),
            (AlliedHealth, 18.0),
            (AdminClerical, 15.0),
            (Management, 6.0),
            (Medical, 3.0),
            (Pharmacy, 2.0),
            (Other, 3.0),
        ],
        OrgKind::MentalHealth => &[
            (Nursing, 35.0),
            (Medical, 10.0),
            (AlliedHealth, 15.0),
            (AdminClerical, 18.0),
            (Management, 7.0),
            (Pharmacy, 2.0),
            (Other, 13.0),
        ],
        OrgKind::Ambulance => &[
            (AlliedHealth, 45.0),
            (Other, 25.0),
            (AdminClerical, 15.0),
            (Management, 8.0),
            (Nursing, 5.0),
            (Medical, 2.0),
        ],
        OrgKind::PrimaryCare => &[
            (GeneralPractice, 50.0),
            (Nursing, 14.0),
            (AdminClerical, 24.0),
            (Pharmacy, 5.0),
            (Management, 5.0),
            (AlliedHealth, 2.0),
        ],
        OrgKind::Independent => &[
            (Nursing, 30.0),
            (Medical, 10.0),
            (AlliedHealth, 20.0),
            (AdminClerical, 20.0),
            (Management, 10.0),
            (Other, 10.0),
        ],
        OrgKind::Commissioner => &[
            (Nursing, 35.0),
            (Medical, 10.0),
            (Management, 30.0),
            (AdminClerical, 25.0),
        ],
    }
}

fn pick_group(kind: OrgKind, u: f64) -> Group {
    let mix = group_mix(kind);
    let total: f64 = mix.iter().map(|(_, w)| w).sum();
    let mut acc = 0.0;
    for &(group, weight) in mix {
        acc += weight / total;
        if u < acc {
            return group;
        }
    }
    mix[mix.len() - 1].0
}

/// The Intercollegiate level the role needs: named professionals (a small safeguarding team
/// in every provider) at 4, designated professionals at the commissioner at 5.
fn required_level(kind: OrgKind, group: Group, rng: &mut ChaCha8Rng) -> u8 {
    let u = rng.random::<f64>();
    if kind == OrgKind::Commissioner {
        return match group {
            Group::Nursing | Group::Medical if u < 0.45 => 5,
            Group::Nursing | Group::Medical => 4,
            Group::Management => 2,
            _ => 1,
        };
    }
    if group.is_clinical() && u < 0.01 {
        return 4;
    }
    let u = rng.random::<f64>();
    let level3_share = match group {
        Group::Midwifery | Group::HealthVisiting | Group::SchoolNursing => 1.0,
        Group::GeneralPractice => 0.8,
        Group::Medical => 0.65,
        Group::Nursing => 0.45,
        Group::AlliedHealth => 0.35,
        Group::Pharmacy => 0.2,
        Group::Management => 0.1,
        Group::AdminClerical | Group::Other => 0.0,
    };
    let level1_share = match group {
        Group::AdminClerical => 0.6,
        Group::Other => 0.5,
        Group::Management => 0.3,
        _ => 0.0,
    };
    if u < level3_share {
        3
    } else if u < level3_share + level1_share {
        1
    } else {
        2
    }
}

/// Months between supervision sessions, for the roles that need safeguarding supervision.
fn supervision_interval(group: Group, level: u8, rng: &mut ChaCha8Rng) -> Option<u8> {
    let needs = level >= 4
        || matches!(
            group,
            Group::HealthVisiting | Group::SchoolNursing | Group::Midwifery
        );
    if !needs {
        return None;
    }
    let u = rng.random::<f64>();
    Some(if u < 0.08 {
        1
    } else if u < 0.88 {
        3
    } else {
        6
    })
}

/// Start and (for about 12%, leavers within the last four years) end dates.
///
/// Tenure is exponential with a 13-year mean, so about a fifth started in the last three years
/// and the workforce grows a little over the trend window; start dates never precede 1995.
fn dates_in_post(as_of: NaiveDate, rng: &mut ChaCha8Rng) -> (NaiveDate, Option<NaiveDate>) {
    let earliest = NaiveDate::from_ymd_opt(1995, 1, 1).unwrap_or(NaiveDate::MIN);
    let end = rng
        .random_bool(0.12)
        .then(|| add_days(as_of, -rng.random_range(1..=4 * 365)));
    let anchor = end.unwrap_or(as_of);
    let tenure_days = (-rng.random::<f64>().max(1e-12).ln() * 13.0 * 365.25) as i64 + 30;
    let span = days_between(earliest, anchor).max(1);
    let tenure = if tenure_days >= span {
        rng.random_range(0..span)
    } else {
        tenure_days
    };
    (add_days(anchor, -tenure), end)
}
