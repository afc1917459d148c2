//! The data the templates receive, as `/data.json`: every struct here is serialised as it
//! stands, so its field names are the templates' interface (pinned by the model snapshot in
//! `tests/it/report/model.rs`). Renaming a field breaks custom templates: add rather than rename.

use serde::Serialize;

use crate::report::format::Rag;
use crate::report::printed::{Change, Count, Percent, Words};

/// Everything the template prints. Field names are the template's interface: renaming one
/// breaks custom templates, so add rather than rename.
#[derive(Debug, Serialize)]
pub struct ReportData {
    pub meta: Meta,
    pub summary: Summary,
    pub organisations: Vec<Organisation>,
    pub training: Training,
    pub supervision: Supervision,
    pub section11: Section11,
    pub reviews: Reviews,
    pub multiagency: Option<Multiagency>,
    pub escalations: Option<Escalations>,
    pub quality: Option<Quality>,
    pub spc: Spc,
    pub appendix: Appendix,
    pub definitions: Vec<Definition>,
}

/// The document's identity and dates.
#[derive(Debug, Serialize)]
pub struct Meta {
    pub icb_name: String,
    /// `Safeguarding Children Annual Report 2025/26`.
    pub title: String,
    pub year: String,
    pub board_meeting: Option<String>,
    pub authors: Vec<String>,
    pub as_of: String,
    pub as_of_long: String,
    /// The latest quarter end on or before as_of: the figures' date.
    pub period_end: String,
    /// The same quarter end a year earlier.
    pub previous_period_end: String,
    /// as_of as numbers, for `datetime(..)` in the template.
    pub date: DateParts,
    pub program_version: String,
    pub snapshot: String,
    pub disclosure_threshold: i64,
    /// The training and supervision RAG thresholds, for the charts' reference lines.
    pub red_below: f64,
    pub green_above: f64,
    /// The same thresholds as printed: `75.0%`.
    pub red_threshold: String,
    pub green_threshold: String,
    /// The footnote every suppressed figure points to.
    pub disclosure_note: String,
    /// The same in a few words, for the foot of every page.
    pub disclosure_short: String,
}

#[derive(Debug, Serialize)]
pub struct DateParts {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// The executive summary.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub headlines: Vec<Headline>,
    /// What changed since the same point last year.
    pub changes: Vec<String>,
    /// Which RAG bands moved.
    pub band_moves: Vec<String>,
    /// The overall training compliance as printed (`87.4%`): the report's key figure.
    pub training_overall: Percent,
}

/// One headline figure.
#[derive(Debug, Serialize)]
pub struct Headline {
    pub label: String,
    pub value: String,
    pub detail: String,
    pub rag: Rag,
}

#[derive(Debug, Serialize, Clone)]
pub struct Organisation {
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// A count, a percentage and a band as printed.
#[derive(Debug, Serialize, Clone)]
pub struct Figure {
    pub denominator: Count,
    pub numerator: Count,
    pub percent: Percent,
    pub rag: Rag,
}

#[derive(Debug, Serialize)]
pub struct Training {
    pub period_end: String,
    pub levels: Vec<String>,
    /// One row per organisation: its total now, a year ago, and the change.
    pub organisations: Vec<OrgRow>,
    pub total: OrgRow,
    /// Per organisation, per required level.
    pub detail: Vec<OrgLevels>,
    /// The footprint per required level.
    pub level_totals: Vec<LevelRow>,
    /// Quarterly compliance per organisation (footprint first), each chart with its own
    /// alternative text.
    pub trends: Vec<Trend>,
    /// What the charts show together, in a few sentences whatever the number of organisations
    /// (the footprint's series, the latest quarter's bands, the highest and lowest): one PDF
    /// string can hold at most 32,767 characters, so this never lists every organisation.
    pub trend_alt: String,
}

/// An organisation's figure now and a year ago.
#[derive(Debug, Serialize, Clone)]
pub struct OrgRow {
    pub name: String,
    pub now: Figure,
    pub previous_percent: Percent,
    /// Percentage points from a year earlier to now.
    pub change: Change,
}

#[derive(Debug, Serialize)]
pub struct OrgLevels {
    pub name: String,
    pub levels: Vec<LevelRow>,
    pub total: Figure,
}

#[derive(Debug, Serialize)]
pub struct LevelRow {
    pub level: String,
    pub figure: Figure,
}

/// A quarterly series for a small chart; hidden or missing quarters are null.
#[derive(Debug, Serialize)]
pub struct Trend {
    pub name: String,
    pub labels: Vec<String>,
    pub values: Vec<Option<f64>>,
    pub alt: String,
}

#[derive(Debug, Serialize)]
pub struct Supervision {
    pub period_end: String,
    pub organisations: Vec<OrgRow>,
    pub total: OrgRow,
    pub groups: Vec<LevelRow>,
    pub trend: Trend,
}

#[derive(Debug, Serialize)]
pub struct Section11 {
    /// The latest audit round.
    pub round: String,
    /// The round most organisations in the grid were last rated in before `round`; null when
    /// none was.
    pub previous_round: Option<String>,
    /// The rounds the grid shows side by side, oldest first: `[previous_round, round]`, or
    /// `[round]` alone when there is no previous round.
    pub rounds: Vec<String>,
    /// One sentence saying which rounds the grid shows (or that only one exists).
    pub rounds_note: String,
    pub standards: Vec<Standard>,
    pub grid: Vec<Section11Org>,
    pub actions: Vec<Section11Actions>,
    pub actions_total: Section11Actions,
    pub summary: String,
}

#[derive(Debug, Serialize)]
pub struct Standard {
    pub number: i64,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Section11Org {
    pub name: String,
    /// The organisation's own previous round (it may differ from the grid's, or be null).
    pub previous_round: Option<String>,
    /// Set when the previous-round cells are not of the grid's previous round: `first round`
    /// or `previous round 2021`.
    pub previous_note: Option<String>,
    pub cells: Vec<Section11Cell>,
    pub green: i64,
    pub amber: i64,
    pub red: i64,
    pub improved: i64,
    pub worsened: i64,
}

#[derive(Debug, Serialize)]
pub struct Section11Cell {
    pub standard: i64,
    pub rating: Rag,
    /// The same standard's rating in the organisation's previous round (`none` if unrated).
    pub previous_rating: Rag,
    /// `improved`, `worsened`, `same`, or `new` (no previous rating).
    pub change: &'static str,
}

#[derive(Debug, Serialize, Default, Clone)]
pub struct Section11Actions {
    pub name: String,
    pub total: i64,
    pub completed: i64,
    pub overdue: i64,
    pub open: i64,
}

#[derive(Debug, Serialize)]
pub struct Reviews {
    pub rows: Vec<ReviewRow>,
    pub total: ReviewRow,
    pub summary: String,
}

#[derive(Debug, Serialize, Default)]
pub struct ReviewRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub actions: String,
    pub completed: String,
    pub overdue: String,
    pub open: String,
    pub completion: String,
    pub impact: String,
    pub median_days: String,
    /// Raw counts for the bar (actions are not people: no disclosure control applies).
    pub completed_n: i64,
    pub overdue_n: i64,
    pub open_n: i64,
}

#[derive(Debug, Serialize)]
pub struct Multiagency {
    pub year: String,
    pub rows: Vec<MultiagencyRow>,
    pub total: MultiagencyRow,
    pub summary: String,
}

#[derive(Debug, Serialize, Clone)]
pub struct MultiagencyRow {
    pub name: String,
    pub meetings: String,
    pub contributed: String,
    pub percent: Percent,
    pub rag: Rag,
    pub previous_percent: Percent,
}

#[derive(Debug, Serialize)]
pub struct Escalations {
    pub year: String,
    pub total: String,
    pub resolved: String,
    pub by_level: Vec<Tally>,
    pub by_theme: Vec<Tally>,
    pub by_local_authority: Vec<Tally>,
    pub summary: String,
}

#[derive(Debug, Serialize)]
pub struct Tally {
    pub label: String,
    pub count: String,
    pub n: i64,
}

#[derive(Debug, Serialize)]
pub struct Quality {
    pub quarters: Vec<String>,
    pub metrics: Vec<Standard>,
    pub metric_codes: Vec<String>,
    pub rows: Vec<QualityRow>,
    pub summary: String,
}

#[derive(Debug, Serialize)]
pub struct QualityRow {
    pub name: String,
    /// One per metric: the ratings of the four quarters.
    pub cells: Vec<QualityCell>,
}

#[derive(Debug, Serialize)]
pub struct QualityCell {
    pub metric: String,
    pub ratings: Vec<Rag>,
    /// Movement of the latest quarter since the one before: `improved`, `worsened`, `same`, ``.
    pub change: String,
}

#[derive(Debug, Serialize)]
pub struct Spc {
    pub charts: Vec<SpcChart>,
    /// Why a headline chart is not shown (disclosure control), one sentence each.
    pub withheld: Vec<String>,
    pub readings: Vec<SpcReading>,
}

#[derive(Debug, Serialize)]
pub struct SpcChart {
    pub title: String,
    pub metric: String,
    pub points: Vec<SpcPoint>,
    pub mean: f64,
    pub lower: f64,
    pub upper: f64,
    pub target: f64,
    /// The mean, limits and target as printed beside the chart.
    pub labels: SpcLabels,
    pub reading: String,
    pub alt: String,
    pub variation: String,
    pub assurance: String,
}

#[derive(Debug, Serialize)]
pub struct SpcLabels {
    pub mean: String,
    pub lower: String,
    pub upper: String,
    pub target: String,
}

#[derive(Debug, Serialize)]
pub struct SpcPoint {
    pub label: String,
    pub value: Option<f64>,
    /// `improvement`, `concern` or `common`.
    pub kind: String,
}

#[derive(Debug, Serialize)]
pub struct SpcReading {
    pub name: String,
    pub metric: String,
    pub latest: Percent,
    pub mean: Percent,
    pub variation: Words,
    pub assurance: Words,
}

#[derive(Debug, Serialize)]
pub struct Appendix {
    pub datasets: Vec<DatasetRow>,
    pub rejects: Vec<RejectRow>,
    pub rejects_total: String,
    /// `12,480 rows skipped by the mapping for esr/competences.csv (training)`: rows a
    /// configured mapping skips are counted, not loaded.
    pub skipped: Vec<String>,
    pub files: Vec<FileRow>,
    /// The last refresh runs before this report (empty when the warehouse is loaded by hand).
    pub refresh_runs: Vec<RefreshRow>,
    pub snapshot: String,
    pub load_finished: String,
    pub program_version: String,
    pub as_of: String,
    pub input: String,
    /// How many counts disclosure control suppressed, and that the publication was audited.
    pub disclosure: DisclosureAudit,
}

/// Disclosure control in this report, for the appendix: the training and supervision tables'
/// counts at the period end and how many are suppressed, and why.
#[derive(Debug, Serialize)]
pub struct DisclosureAudit {
    /// Counts of staff the tables print (in post and compliant, requiring and supervised).
    pub counts: i64,
    /// Counts from 1 to threshold - 1.
    pub primary: i64,
    /// Counts hidden because they count within such a small group.
    pub derived: i64,
    /// Counts hidden so that no suppressed count can be worked out (secondary suppression).
    pub secondary: i64,
    /// What primary suppression alone would hide.
    pub primary_only: i64,
    /// The period ends whose figures the report prints, each with its own audited plan.
    pub periods: i64,
    /// The paragraph the appendix prints.
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct DatasetRow {
    pub dataset: String,
    pub status: String,
    pub read: String,
    pub loaded: String,
    pub rejected: String,
}

#[derive(Debug, Serialize)]
pub struct RejectRow {
    pub dataset: String,
    pub reason: String,
    pub count: String,
}

#[derive(Debug, Serialize)]
pub struct FileRow {
    pub dataset: String,
    pub path: String,
    pub format: String,
    pub bytes: String,
    pub hash: String,
}

#[derive(Debug, Serialize)]
pub struct RefreshRow {
    pub started: String,
    pub status: String,
    pub changes: String,
    pub loaded: String,
    pub rejected: String,
    pub error: String,
}

#[derive(Debug, Serialize)]
pub struct Definition {
    pub term: String,
    pub text: String,
}
