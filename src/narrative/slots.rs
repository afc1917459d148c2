//! The slot table of the narrative contract: one optional Markdown file per place in the report
//! where the team's own words are printed. The report places each slot; this table names them.

use serde::Serialize;

/// One place in the report for the team's words, read from `<file>` in the narrative folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Cover,
    Foreword,
    Context,
    Governance,
    Training,
    Supervision,
    Section11,
    Reviews,
    Multiagency,
    Quality,
    CaseStudies,
    Achievements,
    Priorities,
    Risks,
}

impl Slot {
    /// Every slot, in the order the report prints them.
    pub const ALL: [Slot; 14] = [
        Slot::Cover,
        Slot::Foreword,
        Slot::Context,
        Slot::Governance,
        Slot::Training,
        Slot::Supervision,
        Slot::Section11,
        Slot::Reviews,
        Slot::Multiagency,
        Slot::Quality,
        Slot::CaseStudies,
        Slot::Achievements,
        Slot::Priorities,
        Slot::Risks,
    ];

    /// The file the slot is read from: `foreword.md`.
    pub fn file(self) -> &'static str {
        match self {
            Slot::Cover => "cover.md",
            Slot::Foreword => "foreword.md",
            Slot::Context => "context.md",
            Slot::Governance => "governance.md",
            Slot::Training => "training.md",
            Slot::Supervision => "supervision.md",
            Slot::Section11 => "section11.md",
            Slot::Reviews => "reviews.md",
            Slot::Multiagency => "multiagency.md",
            Slot::Quality => "quality.md",
            Slot::CaseStudies => "case-studies.md",
            Slot::Achievements => "achievements.md",
            Slot::Priorities => "priorities.md",
            Slot::Risks => "risks.md",
        }
    }

    /// The key of the slot in the narrative's JSON (`case_studies`): a Typst field name.
    pub fn key(self) -> &'static str {
        match self {
            Slot::Cover => "cover",
            Slot::Foreword => "foreword",
            Slot::Context => "context",
            Slot::Governance => "governance",
            Slot::Training => "training",
            Slot::Supervision => "supervision",
            Slot::Section11 => "section11",
            Slot::Reviews => "reviews",
            Slot::Multiagency => "multiagency",
            Slot::Quality => "quality",
            Slot::CaseStudies => "case_studies",
            Slot::Achievements => "achievements",
            Slot::Priorities => "priorities",
            Slot::Risks => "risks",
        }
    }

    /// The heading the slot is printed under.
    pub fn heading(self) -> &'static str {
        match self {
            Slot::Cover => "Report to the board",
            Slot::Foreword => "Foreword",
            Slot::Context => "Local context",
            Slot::Governance => "Governance and partnership",
            Slot::Training
            | Slot::Supervision
            | Slot::Section11
            | Slot::Multiagency
            | Slot::Quality => "Commentary",
            Slot::Reviews => "Learning from reviews",
            Slot::CaseStudies => "Case studies and the voice of the child",
            Slot::Achievements => "Achievements in the year",
            Slot::Priorities => "Priorities for next year",
            Slot::Risks => "Risks and issues for the board",
        }
    }

    /// Where the report prints the slot, in words (for "Still to write" and warnings).
    pub fn printed(self) -> &'static str {
        match self {
            Slot::Cover => "the board cover sheet, after the title page",
            Slot::Foreword => "before the executive summary",
            Slot::Context => "after the executive summary",
            Slot::Governance => "after the local context",
            Slot::Training => "at the end of the training section",
            Slot::Supervision => "at the end of the supervision section",
            Slot::Section11 => "at the end of the Section 11 section",
            Slot::Reviews => "at the end of the review action plans section",
            Slot::Multiagency => "at the end of the multi-agency section",
            Slot::Quality => "at the end of the provider quality ratings section",
            Slot::CaseStudies | Slot::Achievements | Slot::Priorities | Slot::Risks => {
                "as a section of its own"
            }
        }
    }

    /// Whether the slot is a section of its own (its `#` headings sit one level below a
    /// section heading) rather than a commentary inside a data section.
    pub fn own_section(self) -> bool {
        matches!(
            self,
            Slot::CaseStudies | Slot::Achievements | Slot::Priorities | Slot::Risks
        )
    }

    /// The slot read from `file`, if `file` is a slot's file name (exactly, lower case).
    pub fn from_file(file: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.file() == file)
    }

    /// The slot whose file name is nearest to `file` (for "did you mean" messages).
    pub fn nearest(file: &str) -> Slot {
        let lower = file.to_lowercase();
        Slot::ALL
            .into_iter()
            .max_by(|a, b| {
                let da = strsim::normalized_damerau_levenshtein(&lower, a.file());
                let db = strsim::normalized_damerau_levenshtein(&lower, b.file());
                da.total_cmp(&db)
            })
            .expect("there are slots")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slot_round_trips_through_its_file_name() {
        for slot in Slot::ALL {
            assert_eq!(Slot::from_file(slot.file()), Some(slot));
            assert!(!slot.heading().is_empty() && !slot.printed().is_empty());
        }
        assert_eq!(Slot::from_file("Foreword.md"), None);
        assert_eq!(Slot::from_file("notes.md"), None);
    }

    #[test]
    fn nearest_slot_names_a_likely_typo() {
        assert_eq!(Slot::nearest("forward.md"), Slot::Foreword);
        assert_eq!(Slot::nearest("Foreword.md"), Slot::Foreword);
        assert_eq!(Slot::nearest("case_studies.md"), Slot::CaseStudies);
        assert_eq!(Slot::nearest("section-11.md"), Slot::Section11);
        assert_eq!(Slot::nearest("risk.md"), Slot::Risks);
    }

    #[test]
    fn keys_are_typst_field_names() {
        for slot in Slot::ALL {
            assert!(
                slot.key()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
        }
    }
}
