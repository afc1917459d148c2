//! The organisations of the generated footprint, and the behaviour that makes each one's
//! figures different.
//!
//! Up to [`NATIONAL_FROM`] staff the footprint is one fictional ICB area (Northshire) with a
//! hand-tuned mix: one acute trust improving, one declining, an ambulance trust that is
//! persistently red, and so on. Above it the footprint is a national roll-up: dozens of ICBs
//! and a few hundred providers with randomly drawn behaviour. All names and codes are
//! invented (see [`super::names`]).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::groups::GROUP_COUNT;
use super::names;

/// Staff counts above this generate a national roll-up instead of one ICB footprint.
pub const NATIONAL_FROM: u64 = 20_000;

/// Organisation types of DATA.md (`other` is never generated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgKind {
    Commissioner,
    Acute,
    Community,
    MentalHealth,
    Ambulance,
    PrimaryCare,
    Independent,
}

impl OrgKind {
    /// The enum value as written to `organisations.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Commissioner => "commissioner",
            OrgKind::Acute => "acute",
            OrgKind::Community => "community",
            OrgKind::MentalHealth => "mental_health",
            OrgKind::Ambulance => "ambulance",
            OrgKind::PrimaryCare => "primary_care",
            OrgKind::Independent => "independent",
        }
    }
}

/// How an organisation behaves; drives its compliance and contribution figures.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// Chance that a training renewal is late, in the middle of the trend window.
    pub late_base: f64,
    /// Change of that chance per year (negative: the organisation is improving).
    pub late_trend: f64,
    /// Chance that a supervision session slips past its interval, mid-window.
    pub miss_base: f64,
    /// Change of that chance per year.
    pub miss_trend: f64,
    /// Share of multi-agency meetings the organisation contributes to.
    pub contribution: f64,
}

/// One generated organisation.
#[derive(Clone, Debug)]
pub struct Organisation {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    /// Index of the ICB area it belongs to (its councils are that area's).
    pub region: usize,
    /// Relative share of the workforce.
    pub weight: f64,
    pub profile: Profile,
    /// Per professional group adjustment of `late_base`, so cells within an organisation differ.
    pub group_bias: [f64; GROUP_COUNT],
}

/// All organisations, plus what is needed to place staff and escalations among them.
pub struct Footprint {
    pub orgs: Vec<Organisation>,
    /// Local authorities per region.
    pub councils: Vec<Vec<String>>,
    cumulative: Vec<f64>,
}

impl Footprint {
    /// The footprint for a workforce of `staff` people.
    pub fn build(staff: u64, rng: &mut ChaCha8Rng) -> Footprint {
        let (mut orgs, councils) = if staff <= NATIONAL_FROM {
            local(rng)
        } else {
            national(staff, rng)
        };
        for (i, org) in orgs.iter_mut().enumerate() {
            org.code = code(i);
        }
        let mut total = 0.0;
        let cumulative = orgs
            .iter()
            .map(|o| {
                total += o.weight;
                total
            })
            .collect();
        Footprint {
            orgs,
            councils,
            cumulative,
        }
    }

    /// The organisation a uniform draw `u` in [0, 1) falls on, weighted by size.
    pub fn pick(&self, u: f64) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let i = self.cumulative.partition_point(|&c| c <= u * total);
        i.min(self.orgs.len() - 1)
    }

    /// Indexes of the provider organisations (everything but commissioners).
    pub fn providers(&self) -> impl Iterator<Item = usize> + '_ {
        self.orgs
            .iter()
            .enumerate()
            .filter(|(_, o)| o.kind != OrgKind::Commissioner)
            .map(|(i, _)| i)
    }

    /// Expected number of staff of organisation `org` in a workforce of `staff`.
    pub fn expected_staff(&self, org: usize, staff: u64) -> f64 {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        staff as f64 * self.orgs[org].weight / total
    }
}

/// The fictional code of the `i`-th organisation: `N1A`, `N2B`, ... then `M..`, `K..` blocks.
///
/// Within a block of 260 the digit is `i mod 10` and the letter `(11a + b) mod 26` for
/// `i = 10a + b`; 11 is coprime with 26, so every code is distinct.
pub fn code(i: usize) -> String {
    const PREFIXES: [char; 4] = ['N', 'M', 'K', 'J'];
    let (block, j) = (i / 260, i % 260);
    let digit = (j % 10 + 1) % 10;
    let letter = (b'A' + ((11 * (j / 10) + j % 10) % 26) as u8) as char;
    format!("{}{digit}{letter}", PREFIXES[block % PREFIXES.len()])
}

/// One ICB area, tuned so its cells span red, amber and green and its trends move.
fn local(rng: &mut ChaCha8Rng) -> (Vec<Organisation>, Vec<Vec<String>>) {
    use OrgKind::*;
    // kind, name, weight, [late_base, late_trend, miss_base, miss_trend, contribution]
    let spec: [(OrgKind, &str, f64, [f64; 5]); 10] = [
        (
            Commissioner,
            "Northshire ICB",
            0.5,
            [0.10, 0.0, 0.05, 0.0, 0.95],
        ),
        (
            Acute,
            "Northshire Teaching Hospitals NHS Foundation Trust",
            34.0,
            [0.42, -0.14, 0.12, -0.04, 0.86],
        ),
        (
            Acute,
            "Riverton and Eastmoor Hospitals NHS Trust",
            22.0,
            [0.32, 0.18, 0.24, 0.08, 0.74],
        ),
        (
            Community,
            "Northshire Community Health NHS Trust",
            13.0,
            [0.15, 0.0, 0.05, 0.0, 0.96],
        ),
        (
            MentalHealth,
            "Northshire and Riverton Mental Health NHS Foundation Trust",
            12.0,
            [0.34, -0.04, 0.32, 0.0, 0.80],
        ),
        (
            Ambulance,
            "Larkmoor and Northshire Ambulance Service NHS Trust",
            6.0,
            [0.72, 0.0, 0.35, 0.0, 0.58],
        ),
        (
            PrimaryCare,
            "Riverton GP Federation",
            5.0,
            [0.48, 0.05, 0.15, 0.0, 0.70],
        ),
        (
            PrimaryCare,
            "Eastmoor Primary Care Network",
            2.5,
            [0.20, -0.06, 0.10, 0.0, 0.90],
        ),
        (
            PrimaryCare,
            "Westbrook Health Partnership",
            2.5,
            [0.25, 0.0, 0.20, 0.0, 0.82],
        ),
        (
            Independent,
            "Dalebury Independent Hospital Ltd",
            2.5,
            [0.35, 0.06, 0.25, 0.05, 0.66],
        ),
    ];
    let orgs = spec
        .iter()
        .map(|&(kind, name, weight, p)| {
            let profile = Profile {
                late_base: p[0],
                late_trend: p[1],
                miss_base: p[2],
                miss_trend: p[3],
                contribution: p[4],
            };
            organisation(kind, name.to_string(), 0, weight, profile, rng)
        })
        .collect();
    let councils = vec![
        names::LOCAL_COUNCILS
            .iter()
            .map(|c| c.to_string())
            .collect(),
    ];
    (orgs, councils)
}

/// Dozens of ICB areas with a few hundred providers between them, ordered area by area.
fn national(staff: u64, rng: &mut ChaCha8Rng) -> (Vec<Organisation>, Vec<Vec<String>>) {
    let providers = (staff / 3000).clamp(10, 500) as usize;
    let regions = (providers / 8).clamp(2, 42);
    let mut places = 0usize;
    let mut next_place = || {
        places += 1;
        names::place(places - 1)
    };
    let mut areas: Vec<Vec<Organisation>> = (0..regions)
        .map(|r| {
            let name = format!("{} ICB", next_place());
            let profile = random_profile(rng);
            vec![organisation(
                OrgKind::Commissioner,
                name,
                r,
                0.0,
                profile,
                rng,
            )]
        })
        .collect();
    for j in 0..providers {
        let region = j % regions;
        let kind = provider_kind(rng.random::<f64>());
        let pattern = name_pattern(kind, rng);
        let name = names::fill(pattern, &next_place(), &next_place());
        let weight = typical_size(kind) * rng.random_range(0.5..1.5);
        let profile = random_profile(rng);
        areas[region].push(organisation(kind, name, region, weight, profile, rng));
    }
    // Commissioners employ about 0.5% of the workforce between them.
    let provider_weight: f64 = areas.iter().flatten().map(|o| o.weight).sum();
    for area in &mut areas {
        area[0].weight = provider_weight * 0.005 / regions as f64;
    }
    let councils = (0..regions)
        .map(|_| {
            let n = rng.random_range(2..=4);
            (0..n)
                .map(|_| {
                    let form =
                        names::COUNCIL_FORMS[rng.random_range(0..names::COUNCIL_FORMS.len())];
                    format!("{} {form}", next_place())
                })
                .collect()
        })
        .collect();
    (areas.into_iter().flatten().collect(), councils)
}

fn organisation(
    kind: OrgKind,
    name: String,
    region: usize,
    weight: f64,
    profile: Profile,
    rng: &mut ChaCha8Rng,
) -> Organisation {
    let group_bias = std::array::from_fn(|_| rng.random_range(-0.08..0.08));
    Organisation {
        code: String::new(),
        name,
        kind,
        region,
        weight,
        profile,
        group_bias,
    }
}

fn random_profile(rng: &mut ChaCha8Rng) -> Profile {
    Profile {
        late_base: rng.random_range(0.10..0.65),
        late_trend: rng.random_range(-0.12..0.12),
        miss_base: rng.random_range(0.03..0.40),
        miss_trend: rng.random_range(-0.05..0.05),
        contribution: rng.random_range(0.60..0.98),
    }
}

fn provider_kind(u: f64) -> OrgKind {
    const MIX: [(OrgKind, f64); 6] = [
        (OrgKind::Acute, 0.28),
        (OrgKind::Community, 0.12),
        (OrgKind::MentalHealth, 0.12),
        (OrgKind::Ambulance, 0.04),
        (OrgKind::PrimaryCare, 0.34),
        (OrgKind::Independent, 0.10),
    ];
    let mut acc = 0.0;
    for (kind, share) in MIX {
        acc += share;
        if u < acc {
            return kind;
        }
    }
    OrgKind::Independent
}

fn name_pattern(kind: OrgKind, rng: &mut ChaCha8Rng) -> &'static str {
    let pool: &[&'static str] = match kind {
        OrgKind::Acute => &names::ACUTE_NAMES,
        OrgKind::Community => &names::COMMUNITY_NAMES,
        OrgKind::MentalHealth => &names::MENTAL_HEALTH_NAMES,
        OrgKind::Ambulance => &names::AMBULANCE_NAMES,
        OrgKind::PrimaryCare => &names::PRIMARY_CARE_NAMES,
        OrgKind::Independent | OrgKind::Commissioner => &names::INDEPENDENT_NAMES,
    };
    pool[rng.random_range(0..pool.len())]
}

/// Typical relative headcount of a provider of this kind.
fn typical_size(kind: OrgKind) -> f64 {
    match kind {
        OrgKind::Acute => 6000.0,
        OrgKind::Community => 2500.0,
        OrgKind::MentalHealth => 2800.0,
        OrgKind::Ambulance => 4000.0,
        OrgKind::PrimaryCare => 400.0,
        OrgKind::Independent => 500.0,
        OrgKind::Commissioner => 100.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_start_as_documented() {
        let codes: Vec<String> = (0..1040).map(code).collect();
        assert_eq!(&codes[..3], ["N1A", "N2B", "N3C"]);
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
    }
}
