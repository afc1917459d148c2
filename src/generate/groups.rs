//! The professional groups of DATA.md, as the generator draws them: their `staff.csv` values
//! and how each group's training habits differ. Organisations and post holders both use them.

/// Professional groups of DATA.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Medical,
    Nursing,
    Midwifery,
    HealthVisiting,
    SchoolNursing,
    AlliedHealth,
    GeneralPractice,
    Pharmacy,
    AdminClerical,
    Management,
    Other,
}

/// Number of [`Group`] variants.
pub const GROUP_COUNT: usize = 11;

impl Group {
    /// The enum value as written to `staff.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Medical => "medical",
            Group::Nursing => "nursing",
            Group::Midwifery => "midwifery",
            Group::HealthVisiting => "health_visiting",
            Group::SchoolNursing => "school_nursing",
            Group::AlliedHealth => "allied_health",
            Group::GeneralPractice => "general_practice",
            Group::Pharmacy => "pharmacy",
            Group::AdminClerical => "admin_clerical",
            Group::Management => "management",
            Group::Other => "other",
        }
    }

    /// Position in per-group tables.
    pub fn index(self) -> usize {
        self as usize
    }

    /// How much more (or less) likely than average this group is to renew training late.
    pub fn late_bias(self) -> f64 {
        match self {
            Group::Medical => 0.15,
            Group::Nursing => 0.0,
            Group::Midwifery => -0.08,
            Group::HealthVisiting => -0.10,
            Group::SchoolNursing => -0.05,
            Group::AlliedHealth => 0.02,
            Group::GeneralPractice => 0.05,
            Group::Pharmacy => -0.02,
            Group::AdminClerical => 0.08,
            Group::Management => 0.05,
            Group::Other => 0.10,
        }
    }

    /// Whether the group is a clinical profession (a few of whom are named professionals, at
    /// level 4).
    pub fn is_clinical(self) -> bool {
        matches!(
            self,
            Group::Medical
                | Group::Nursing
                | Group::Midwifery
                | Group::HealthVisiting
                | Group::GeneralPractice
        )
    }
}
