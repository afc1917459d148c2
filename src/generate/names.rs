//! Fictional names and free-text pools.
//!
//! Every organisation, place and council here is invented: place names are built from
//! made-up parts so no real trust, ICB or ODS code appears in generated data. The texts
//! read like real safeguarding returns (and carry commas, and one a line break) so the
//! loaders' quoting and the report's text handling get exercised.

/// Councils of the local footprint; escalations are raised with these.
pub const LOCAL_COUNCILS: [&str; 4] = [
    "Northshire County Council",
    "Riverton City Council",
    "Eastmoor Borough Council",
    "Westbrook Metropolitan Borough Council",
];

const ROOTS: [&str; 24] = [
    "Aln", "Brack", "Carrow", "Dunn", "Elder", "Fallow", "Gorse", "Heron", "Ivel", "Kestrel",
    "Lark", "Mallow", "Nettle", "Orrin", "Pike", "Quill", "Rook", "Sorrel", "Teasel", "Umber",
    "Vetch", "Wren", "Yarrow", "Bexel",
];

const SUFFIXES: [&str; 16] = [
    "shire", "ton", "bury", "moor", "dale", "field", "ford", "ley", "wick", "mouth", "combe",
    "stead", "worth", "by", "ham", "well",
];

const QUALIFIERS: [&str; 6] = ["North", "South", "East", "West", "Upper", "Lower"];

/// The `i`-th generated place name; distinct for every `i` below 2,688.
pub fn place(i: usize) -> String {
    let combos = ROOTS.len() * SUFFIXES.len();
    // 131 is coprime with 384, so this visits every root/suffix pair once before repeating.
    let idx = (i % combos * 131 + 17) % combos;
    let base = format!(
        "{}{}",
        ROOTS[idx / SUFFIXES.len()],
        SUFFIXES[idx % SUFFIXES.len()]
    );
    match i / combos {
        0 => base,
        n => format!("{} {base}", QUALIFIERS[(n - 1) % QUALIFIERS.len()]),
    }
}

/// Councils around a generated place.
pub const COUNCIL_FORMS: [&str; 4] = [
    "County Council",
    "City Council",
    "Borough Council",
    "Metropolitan Borough Council",
];

/// Name patterns per provider type; `{}` is a place, `{2}` a second place.
pub const ACUTE_NAMES: [&str; 4] = [
    "{} Teaching Hospitals NHS Foundation Trust",
    "{} Hospitals NHS Trust",
    "{} and {2} Hospitals NHS Foundation Trust",
    "{} General Hospital NHS Trust",
];
pub const COMMUNITY_NAMES: [&str; 2] = [
    "{} Community Health NHS Trust",
    "{} Community Healthcare NHS Foundation Trust",
];
pub const MENTAL_HEALTH_NAMES: [&str; 2] = [
    "{} Mental Health NHS Foundation Trust",
    "{} and {2} Partnership NHS Foundation Trust",
];
pub const AMBULANCE_NAMES: [&str; 1] = ["{} Ambulance Service NHS Trust"];
pub const PRIMARY_CARE_NAMES: [&str; 3] = [
    "{} GP Federation",
    "{} Primary Care Network",
    "{} Health Partnership",
];
pub const INDEPENDENT_NAMES: [&str; 2] = ["{} Independent Hospital Ltd", "{} Healthcare Ltd"];

/// Fills a name pattern.
pub fn fill(pattern: &str, first: &str, second: &str) -> String {
    pattern.replace("{2}", second).replace("{}", first)
}

/// Roles that own Section 11 actions (a role, never a person).
pub const OWNERS: [&str; 12] = [
    "Named Nurse for Safeguarding Children",
    "Named Doctor",
    "Named Midwife",
    "Head of Safeguarding",
    "Chief Nurse",
    "Director of Nursing and Quality",
    "Designated Nurse",
    "Safeguarding Training Lead",
    "Director of People",
    "Deputy Director of Quality",
    "Named GP",
    "Information Governance Lead",
];

/// Section 11 improvement actions, by standard (index 0 is standard 1).
pub const SECTION11_ACTIONS: [[&str; 3]; 8] = [
    [
        "Add a standing safeguarding item to the board agenda, with a quarterly assurance report",
        "Appoint a non-executive director as safeguarding champion and publish their role",
        "Refresh the safeguarding strategy, with priorities agreed by the executive team",
    ],
    [
        "Publish a safeguarding responsibilities statement on the intranet, linked from every job description",
        "Include safeguarding responsibilities in corporate induction, for all staff groups",
        "Review job descriptions so that safeguarding duties are stated, including for bank and agency staff",
    ],
    [
        "Update the accountability framework so that the safeguarding lead reports to an executive director",
        "Clarify escalation routes to the named professionals, and circulate a one-page chart",
        "Agree terms of reference for the safeguarding committee, including attendance and quoracy",
    ],
    [
        "Set up a young people's reference group to inform service redesign, with feedback published",
        "Include a child impact assessment in the service change template",
        "Collect feedback from children and families after safeguarding contacts, and report themes quarterly",
    ],
    [
        "Agree a recovery plan for level 3 training compliance, with monthly reporting by division",
        "Commission additional face-to-face level 3 sessions, prioritising maternity, paediatrics and ED",
        "Cleanse the training needs analysis so that every role is mapped to the correct level",
    ],
    [
        "Audit DBS renewals for staff in regulated activity, and close any gaps found",
        "Refresh the allegations management policy, with LADO referral guidance, and brief HR business partners",
        "Add safer recruitment training for recruiting managers, with compliance reported to the workforce committee",
    ],
    [
        "Ensure health representation at every strategy discussion, with a rota of safeguarding practitioners",
        "Agree a protocol with children's social care for sharing health information before case conferences",
        "Review attendance at multi-agency meetings quarterly and escalate gaps to the partnership",
    ],
    [
        "Roll out child protection information sharing (CP-IS) alerts to the urgent care and maternity systems",
        "Deliver information sharing briefings, covering consent, proportionality and the seven golden rules",
        "Audit records for evidence of information shared with the health visitor on discharge",
    ],
];

/// Recommendations made by reviews.
pub const RECOMMENDATIONS: [&str; 10] = [
    "Practitioners should use a structured approach to assessing neglect, such as the graded care profile, when concerns persist",
    "Agencies should ensure that fathers and male carers are identified, assessed and included in safeguarding plans",
    "Health partners should strengthen information sharing between midwifery, health visiting and GP practices at transfer of care",
    "The partnership should be assured that the was-not-brought policy is applied consistently across health services",
    "Professionals should show professional curiosity when bruising is seen in a non-mobile baby, and follow the bruising protocol",
    "Practitioners should use the escalation policy when they disagree about thresholds, and record the outcome",
    "Safe sleep advice should be given, and recorded, at every antenatal and postnatal contact",
    "Health should be invited to, and contribute to, every strategy discussion, with relevant records reviewed beforehand",
    "Adult mental health services should consider the impact of parental illness on children, at assessment and at discharge",
    "Agencies should improve the recognition of coercive control, and its effect on children, in routine enquiry",
];

/// Actions agreed against review recommendations; one holds a line break inside the text.
pub const REVIEW_ACTIONS: [&str; 16] = [
    "Relaunch the was-not-brought policy, with a compliance audit at six months",
    "Deliver ICON training (babies cry, you can cope) to maternity, ED and health visiting staff",
    "Add a prompt to the electronic record to capture details of fathers and male carers",
    "Audit 20 records each quarter for evidence of safe sleep advice, and report to the safeguarding committee",
    "Update the bruising protocol for non-mobile infants.\nCirculate it via the safeguarding bulletin and team briefings",
    "Introduce the graded care profile 2 in health visiting and school nursing, with champions in each team",
    "Agree a template for health chronologies, so that information is shared before strategy discussions",
    "Run a learning event on professional curiosity, and evaluate the change in practice after three months",
    "Include routine enquiry about domestic abuse in the antenatal booking template",
    "Brief GP practices on the escalation policy through the safeguarding leads forum",
    "Review the discharge pathway for children seen after self-harm, including the handover to school nursing",
    "Add a think family prompt to adult mental health assessments, with audit of its use",
    "Set up a multi-agency audit of neglect cases, led by the designated nurse",
    "Share the learning briefing with all frontline staff, and record receipt in the learning system",
    "Review supervision arrangements for health visitors holding complex caseloads",
    "Check that CP-IS alerts are visible in the urgent treatment centre, and test them quarterly",
];

/// Forms of anonymised review names (`Child K`).
pub const REVIEW_SUBJECTS: [&str; 5] = ["Child", "Baby", "Family", "Child", "Sibling Group"];

/// Letters used in anonymised review names.
pub const REVIEW_LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTWXYZ";

/// Themes of professional-difference escalations.
pub const ESCALATION_THEMES: [&str; 11] = [
    "Threshold for early help",
    "Information sharing",
    "Strategy discussion not convened",
    "Discharge planning",
    "Neglect",
    "Threshold for section 47 enquiry",
    "Child protection plan ended without health view",
    "Delay in initial health assessment for a looked-after child",
    "Referral not acknowledged",
    "Domestic abuse, risk not shared",
    "Child missing from education",
];

/// Commissioner commentary on a quality rating, by rating (green, amber, red).
pub const COMMENTARY_GREEN: [&str; 6] = [
    "Assurance received, evidence provided is comprehensive.",
    "Good progress, audit findings are positive and actions are complete.",
    "Report received on time, with clear evidence of learning embedded in practice.",
    "Metric met this quarter, the provider continues to demonstrate strong oversight through its safeguarding committee.",
    "Assurance provided.",
    "Evidence of sustained improvement, including case examples, audit results and staff feedback.",
];
pub const COMMENTARY_AMBER: [&str; 6] = [
    "Partial assurance, the action plan is in place but not yet complete.",
    "Improvement seen, however compliance remains below the expected level in some staff groups.",
    "Report received late, evidence of progress is limited, follow-up agreed at the next contract review.",
    "Some assurance, the provider has identified the gaps and a recovery trajectory has been agreed, with monthly monitoring by the designated nurse.",
    "Audit completed, but the sample was small and findings were mixed.",
    "Progress noted, further evidence requested on impact for children and families.",
];
pub const COMMENTARY_RED: [&str; 6] = [
    "Limited assurance, no report received for this quarter.",
    "Compliance is significantly below target, an escalation letter has been sent to the chief nurse.",
    "Concerns raised at the quality committee, remedial action plan requested within 30 days.",
    "Evidence does not demonstrate that actions from previous quarters have been completed, and the provider has been asked to attend the safeguarding assurance meeting to present its recovery plan.",
    "Not assured.\nThe provider was unable to evidence oversight of this area; the matter is on the risk register.",
    "Repeated gaps identified, the commissioner will undertake an assurance visit next quarter.",
];
