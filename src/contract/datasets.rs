//! The input data contract (`DATA.md`) as data: every dataset, its columns, keys and rules,
//! the values its enumerated columns allow, and how header and file names are matched.
//!
//! Adding a dataset or a column happens here and only here; readers, validation, the warehouse,
//! the query session and the report all work from these definitions.

/// The type a column's values must parse as.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Free text, kept as given (trimmed).
    Text,
    /// A whole number within an inclusive range.
    Int { min: i64, max: i64 },
    /// A decimal number at or above a minimum.
    Decimal { min: f64 },
    /// A calendar date (`YYYY-MM-DD`, `DD/MM/YYYY` or an XLSX date cell).
    Date,
    /// `true/false`, `yes/no`, `y/n`, `1/0` in any case.
    Bool,
    /// One of a fixed list of values, matched case-insensitively with spaces as underscores.
    Enum(&'static [&'static str]),
}

/// One column of a dataset.
#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// A blank value is a row error.
    pub required: bool,
    /// What the column means, as the provider return templates explain it.
    pub description: &'static str,
}

/// A rule between two columns of the same row, checked after each value parsed.
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// The second date must not be before the first (when both are present).
    NotBefore {
        later: &'static str,
        earlier: &'static str,
    },
    /// The date must be a quarter end (30 June, 30 September, 31 December, 31 March).
    QuarterEnd(&'static str),
}

/// Columns of one dataset that must match the key of another (already loaded) dataset.
#[derive(Debug)]
pub struct ForeignKey {
    pub columns: &'static [&'static str],
    pub dataset: &'static str,
}

/// A dataset of the contract.
#[derive(Debug)]
pub struct Dataset {
    pub name: &'static str,
    /// What one row is, as the provider return templates explain it.
    pub description: &'static str,
    /// A load without it is incomplete; the optional ones switch report sections on.
    pub required: bool,
    pub columns: &'static [Column],
    /// Columns whose values together must be unique.
    pub key: &'static [&'static str],
    pub foreign_keys: &'static [ForeignKey],
    pub rules: &'static [Rule],
}

impl Dataset {
    /// The position of a contract column, by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

const fn req(name: &'static str, kind: Kind, description: &'static str) -> Column {
    Column {
        name,
        kind,
        required: true,
        description,
    }
}

const fn opt(name: &'static str, kind: Kind, description: &'static str) -> Column {
    Column {
        name,
        kind,
        required: false,
        description,
    }
}

const TEXT: Kind = Kind::Text;
const DATE: Kind = Kind::Date;
const BOOL: Kind = Kind::Bool;
const LEVEL: Kind = Kind::Int { min: 1, max: 5 };

pub const ORGANISATION_TYPES: &[&str] = &[
    "commissioner",
    "acute",
    "community",
    "mental_health",
    "ambulance",
    "primary_care",
    "independent",
    "other",
];
pub const PROFESSIONAL_GROUPS: &[&str] = &[
    "medical",
    "nursing",
    "midwifery",
    "health_visiting",
    "school_nursing",
    "allied_health",
    "general_practice",
    "pharmacy",
    "admin_clerical",
    "management",
    "other",
];
pub const DELIVERY: &[&str] = &[
    "e_learning",
    "face_to_face",
    "virtual",
    "conference",
    "other",
];
pub const SUPERVISION_KINDS: &[&str] = &["one_to_one", "group", "ad_hoc"];
pub const RAG: &[&str] = &["green", "amber", "red"];
pub const REVIEW_TYPES: &[&str] = &[
    "scr",
    "lcspr",
    "rapid_review",
    "national_review",
    "dhr",
    "sar",
    "other",
];
pub const MEETING_TYPES: &[&str] = &["icpc", "rcpc", "strategy", "core_group", "other"];

/// The quality metrics of the schedule, `(code, name)`, in the order the report prints them:
/// the commissioner rates each provider on each of them every quarter (`quality_ratings`).
pub const QUALITY_METRICS: [(&str, &str); 6] = [
    ("11.a.1", "Recognition and response to vulnerable children"),
    ("11.a.2", "Multi-agency working and learning"),
    (
        "11.a.3",
        "Organisational safeguarding leadership and workforce",
    ),
    ("11.a.4", "Adult issues and early help"),
    ("11.a.5", "Safeguarding supervision"),
    ("11.b", "Safeguarding training"),
];

/// The codes of [`QUALITY_METRICS`]: the values `quality_ratings.metric` allows.
pub const QUALITY_METRIC_CODES: [&str; QUALITY_METRICS.len()] = codes(QUALITY_METRICS);

/// The first of each pair, at compile time, so the codes are written down once.
const fn codes<const N: usize>(metrics: [(&'static str, &'static str); N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = metrics[i].0;
        i += 1;
    }
    out
}

const TO_ORGANISATIONS: ForeignKey = ForeignKey {
    columns: &["organisation_code"],
    dataset: "organisations",
};
const TO_STAFF: ForeignKey = ForeignKey {
    columns: &["staff_id"],
    dataset: "staff",
};

/// Every dataset, in load order: a dataset comes after every dataset its foreign keys name.
pub const DATASETS: &[Dataset] = &[
    Dataset {
        name: "organisations",
        description: "Every organisation in the footprint",
        required: true,
        columns: &[
            req(
                "organisation_code",
                TEXT,
                "ODS code of the organisation, e.g. RWH",
            ),
            req("organisation_name", TEXT, "The organisation's name"),
            req(
                "organisation_type",
                Kind::Enum(ORGANISATION_TYPES),
                "What kind of organisation it is",
            ),
        ],
        key: &["organisation_code"],
        foreign_keys: &[],
        rules: &[],
    },
    Dataset {
        name: "staff",
        description: "The establishment: one row per post holder",
        required: true,
        columns: &[
            req(
                "staff_id",
                TEXT,
                "Pseudonymised staff identifier; never printed in a report",
            ),
            req(
                "organisation_code",
                TEXT,
                "ODS code of the employing organisation; must exist in organisations",
            ),
            req(
                "professional_group",
                Kind::Enum(PROFESSIONAL_GROUPS),
                "The post holder's professional group",
            ),
            req(
                "required_level",
                LEVEL,
                "Intercollegiate safeguarding children level (1-5) the role needs",
            ),
            opt(
                "supervision_interval_months",
                Kind::Int { min: 1, max: 12 },
                "Months between safeguarding supervision sessions the role needs (3 = quarterly); blank when the role has no supervision requirement",
            ),
            req("start_date", DATE, "First day in post"),
            opt(
                "end_date",
                DATE,
                "Last day in post; blank while still in post; not before start_date",
            ),
        ],
        key: &["staff_id"],
        foreign_keys: &[TO_ORGANISATIONS],
        rules: &[Rule::NotBefore {
            later: "end_date",
            earlier: "start_date",
        }],
    },
    Dataset {
        name: "training",
        description: "Safeguarding children training completed: one row per course",
        required: true,
        columns: &[
            req(
                "record_id",
                TEXT,
                "Unique identifier of the training record",
            ),
            req(
                "staff_id",
                TEXT,
                "Pseudonymised identifier of the person trained; must exist in staff",
            ),
            req(
                "level",
                LEVEL,
                "Intercollegiate safeguarding children level (1-5) of the course completed",
            ),
            req("completed_on", DATE, "Date the course was completed"),
            opt(
                "hours",
                Kind::Decimal { min: 0.0 },
                "Learning hours (0 or more)",
            ),
            opt(
                "delivery",
                Kind::Enum(DELIVERY),
                "How the course was delivered",
            ),
        ],
        key: &["record_id"],
        foreign_keys: &[TO_STAFF],
        rules: &[],
    },
    Dataset {
        name: "supervision",
        description: "Safeguarding supervision sessions: one row per session and person",
        required: true,
        columns: &[
            req(
                "session_id",
                TEXT,
                "Unique identifier of the supervision session",
            ),
            req(
                "staff_id",
                TEXT,
                "Pseudonymised identifier of the person supervised; must exist in staff",
            ),
            req("session_date", DATE, "Date of the session"),
            req(
                "kind",
                Kind::Enum(SUPERVISION_KINDS),
                "One-to-one, group or ad hoc (ad hoc sessions do not count towards the interval)",
            ),
        ],
        key: &["session_id"],
        foreign_keys: &[TO_STAFF],
        rules: &[],
    },
    Dataset {
        name: "section11_ratings",
        description: "Section 11 (Children Act 2004) self-audit: one row per organisation, audit round and standard",
        required: true,
        columns: &[
            req(
                "organisation_code",
                TEXT,
                "ODS code of the organisation audited; must exist in organisations",
            ),
            req("audit_round", TEXT, "The audit round, e.g. 2024"),
            req(
                "standard",
                Kind::Int { min: 1, max: 8 },
                "Section 11 standard (1-8): 1 senior management commitment; 2 statement of responsibilities; 3 line of accountability; 4 service development; 5 training; 6 safer recruitment; 7 inter-agency working; 8 information sharing",
            ),
            req("rating", Kind::Enum(RAG), "The self-assessed rating"),
            req("assessed_on", DATE, "Date of the assessment"),
        ],
        key: &["organisation_code", "audit_round", "standard"],
        foreign_keys: &[TO_ORGANISATIONS],
        rules: &[],
    },
    Dataset {
        name: "section11_actions",
        description: "Actions from the Section 11 self-audit",
        required: false,
        columns: &[
            req("action_id", TEXT, "Unique identifier of the action"),
            req(
                "organisation_code",
                TEXT,
                "ODS code of the organisation; must exist in organisations",
            ),
            req(
                "audit_round",
                TEXT,
                "The audit round the action answers, e.g. 2024",
            ),
            req(
                "standard",
                Kind::Int { min: 1, max: 8 },
                "Section 11 standard (1-8) the action answers; must be rated in section11_ratings for the same organisation and round",
            ),
            req("action", TEXT, "What will be done"),
            opt("owner", TEXT, "Who owns the action: a role, not a person"),
            req("due_date", DATE, "Date the action is due"),
            opt(
                "completed_on",
                DATE,
                "Date the action was completed; blank while open",
            ),
        ],
        key: &["action_id"],
        // An action for a standard nobody rated would never reach section11_summary.
        foreign_keys: &[
            TO_ORGANISATIONS,
            ForeignKey {
                columns: &["organisation_code", "audit_round", "standard"],
                dataset: "section11_ratings",
            },
        ],
        rules: &[],
    },
    Dataset {
        name: "review_actions",
        description: "Serious Case Review and Child Safeguarding Practice Review action plans: one row per action",
        required: true,
        columns: &[
            req("action_id", TEXT, "Unique identifier of the action"),
            req(
                "review_id",
                TEXT,
                "Identifier of the review the action comes from",
            ),
            req(
                "review_type",
                Kind::Enum(REVIEW_TYPES),
                "Kind of review: serious case review, local or national child safeguarding practice review, rapid review, domestic homicide review, safeguarding adults review or other",
            ),
            req(
                "review_name",
                TEXT,
                "Anonymised name of the review, e.g. Child K",
            ),
            req("recommendation", TEXT, "The review's recommendation"),
            req("action", TEXT, "What will be done"),
            req(
                "lead_organisation_code",
                TEXT,
                "ODS code of the lead organisation; must exist in organisations",
            ),
            req("agreed_on", DATE, "Date the action was agreed"),
            req(
                "due_date",
                DATE,
                "Date the action is due; not before agreed_on",
            ),
            opt(
                "completed_on",
                DATE,
                "Date the action was completed; blank while open; not before agreed_on",
            ),
            opt(
                "impact_evidenced",
                BOOL,
                "Whether the action's effect on practice has been evidenced",
            ),
        ],
        key: &["action_id"],
        foreign_keys: &[ForeignKey {
            columns: &["lead_organisation_code"],
            dataset: "organisations",
        }],
        rules: &[
            Rule::NotBefore {
                later: "due_date",
                earlier: "agreed_on",
            },
            Rule::NotBefore {
                later: "completed_on",
                earlier: "agreed_on",
            },
        ],
    },
    Dataset {
        name: "multiagency_meetings",
        description: "Child protection meetings a health organisation was asked to contribute to",
        required: false,
        columns: &[
            req("meeting_id", TEXT, "Unique identifier of the meeting"),
            req(
                "organisation_code",
                TEXT,
                "ODS code of the health organisation asked to contribute; must exist in organisations",
            ),
            req(
                "meeting_type",
                Kind::Enum(MEETING_TYPES),
                "Initial or review child protection conference, strategy meeting, core group or other",
            ),
            req("meeting_date", DATE, "Date of the meeting"),
            req(
                "contributed",
                BOOL,
                "Whether the organisation attended or sent a report",
            ),
        ],
        key: &["meeting_id"],
        foreign_keys: &[TO_ORGANISATIONS],
        rules: &[],
    },
    Dataset {
        name: "escalations",
        description: "Professional-difference escalations",
        required: false,
        columns: &[
            req("escalation_id", TEXT, "Unique identifier of the escalation"),
            req(
                "organisation_code",
                TEXT,
                "ODS code of the organisation raising it; must exist in organisations",
            ),
            req("raised_on", DATE, "Date the escalation was raised"),
            req(
                "level",
                LEVEL,
                "Escalation level: 1 front line up to 5 director or partnership chair",
            ),
            req("theme", TEXT, "What the professional difference was about"),
            req("local_authority", TEXT, "The local authority involved"),
            opt(
                "resolved_on",
                DATE,
                "Date it was resolved; blank while open; not before raised_on",
            ),
        ],
        key: &["escalation_id"],
        foreign_keys: &[TO_ORGANISATIONS],
        rules: &[Rule::NotBefore {
            later: "resolved_on",
            earlier: "raised_on",
        }],
    },
    Dataset {
        name: "quality_ratings",
        description: "The commissioner's quarterly assurance ratings of each provider",
        required: false,
        columns: &[
            req(
                "organisation_code",
                TEXT,
                "ODS code of the provider rated; must exist in organisations",
            ),
            req(
                "quarter_end",
                DATE,
                "The quarter end rated: 30 June, 30 September, 31 December or 31 March",
            ),
            req(
                "metric",
                Kind::Enum(&QUALITY_METRIC_CODES),
                "The quality metric: 11.a.1 to 11.a.5 or 11.b",
            ),
            req("rating", Kind::Enum(RAG), "The commissioner's rating"),
            opt("commentary", TEXT, "The commissioner's reason"),
            opt("rated_on", DATE, "Date of the rating"),
        ],
        key: &["organisation_code", "quarter_end", "metric"],
        foreign_keys: &[TO_ORGANISATIONS],
        rules: &[Rule::QuarterEnd("quarter_end")],
    },
];

/// Looks a dataset up by its name.
pub fn dataset(name: &str) -> Option<&'static Dataset> {
    DATASETS.iter().find(|d| d.name == name)
}

/// Header and file names are matched case-insensitively, with spaces and hyphens as
/// underscores, so `Staff ID`, `staff-id` and `staff_id` name the same column.
pub fn normalise_name(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_keys_point_backwards_in_load_order() {
        for (i, d) in DATASETS.iter().enumerate() {
            for fk in d.foreign_keys {
                let target = DATASETS.iter().position(|t| t.name == fk.dataset).unwrap();
                assert!(
                    target < i,
                    "{} refers to {} loaded later",
                    d.name,
                    fk.dataset
                );
                let t = &DATASETS[target];
                assert_eq!(fk.columns.len(), t.key.len(), "{} -> {}", d.name, t.name);
            }
            for k in d.key {
                assert!(d.column_index(k).is_some(), "{}.{}", d.name, k);
            }
        }
    }

    #[test]
    fn quality_metric_codes_follow_the_metrics() {
        assert_eq!(
            QUALITY_METRIC_CODES,
            ["11.a.1", "11.a.2", "11.a.3", "11.a.4", "11.a.5", "11.b"]
        );
    }

    #[test]
    fn names_normalise() {
        assert_eq!(normalise_name(" Staff ID "), "staff_id");
        assert_eq!(normalise_name("\u{feff}Record-Id"), "record_id");
    }
}
