//! The report's data: every figure the template prints, queried from the metric views and
//! turned into display strings here, with disclosure control applied, so the template holds no
//! figures of its own and cannot print a suppressed one. The result is serialised to JSON and
//! reaches the template as `/data.json`.
//!
//! Staff identifiers are never queried into the report, and [`ReportData::check_no_staff_ids`]
//! refuses data that holds one anyway.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type};
use serde::Serialize;

use super::ReportSettings;
use super::disclosure::{Disclosure, Grid, Shown, single_percent};
use super::format::{
    Rag, financial_quarter, financial_year, long_date, organisation_type, percent,
    professional_group, review_type, sentence_case, short_month, thousands,
};
use super::narrative::{self, Band, Compare};
use crate::ingest::value::from_date32;
use crate::query::{Session, periods};
use crate::warehouse::DatasetStatus;

// ---------------------------------------------------------------------------------------------
// Query results as simple rows.

/// One value of a query result.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
}

/// One row of a query result, with its column names.
#[derive(Debug, Clone)]
struct Row {
    names: Arc<Vec<String>>,
    cells: Vec<Cell>,
}

impl Row {
    fn get(&self, name: &str) -> &Cell {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("the report queries no column {name}"));
        &self.cells[i]
    }

    fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }

    fn string(&self, name: &str) -> String {
        self.text(name).unwrap_or_default().to_owned()
    }

    fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Cell::Int(i) => Some(*i),
            Cell::Float(f) => Some(*f as i64),
            _ => None,
        }
    }

    fn count(&self, name: &str) -> i64 {
        self.int(name).unwrap_or(0)
    }

    fn float(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Cell::Float(f) => Some(*f),
            Cell::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    fn date(&self, name: &str) -> Option<NaiveDate> {
        match self.get(name) {
            Cell::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// Runs one query and returns its rows.
async fn query(session: &Session, sql: &str) -> anyhow::Result<Vec<Row>> {
    let batches = session
        .ctx
        .sql(sql)
        .await
        .with_context(|| format!("the report query failed to plan: {sql}"))?
        .collect()
        .await
        .with_context(|| format!("the report query failed: {sql}"))?;
    let mut rows = vec![];
    for batch in batches {
        let schema = batch.schema();
        let names: Arc<Vec<String>> =
            Arc::new(schema.fields().iter().map(|f| f.name().clone()).collect());
        let mut columns = vec![];
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            columns.push(cells(field.data_type(), column)?);
        }
        for i in 0..batch.num_rows() {
            rows.push(Row {
                names: names.clone(),
                cells: columns.iter().map(|c| c[i].clone()).collect(),
            });
        }
    }
    Ok(rows)
}

/// A column as cells: text, integers, floats, dates and booleans, the types the views use.
fn cells(data_type: &DataType, column: &Arc<dyn Array>) -> anyhow::Result<Vec<Cell>> {
    let n = column.len();
    let out = match data_type {
        DataType::Boolean => {
            let a = column.as_boolean();
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Cell::Null
                    } else {
                        Cell::Bool(a.value(i))
                    }
                })
                .collect()
        }
        DataType::Date32 => {
            let a = column.as_primitive::<Date32Type>();
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Cell::Null
                    } else {
                        from_date32(a.value(i)).map_or(Cell::Null, Cell::Date)
                    }
                })
                .collect()
        }
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => {
            let c = cast(column, &DataType::Float64)?;
            let a = c.as_primitive::<Float64Type>();
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Cell::Null
                    } else {
                        Cell::Float(a.value(i))
                    }
                })
                .collect()
        }
        t if t.is_integer() => {
            let c = cast(column, &DataType::Int64)?;
            let a = c.as_primitive::<Int64Type>();
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Cell::Null
                    } else {
                        Cell::Int(a.value(i))
                    }
                })
                .collect()
        }
        DataType::Null => vec![Cell::Null; n],
        _ => {
            let c = cast(column, &DataType::Utf8)?;
            let a = c.as_string::<i32>();
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Cell::Null
                    } else {
                        Cell::Text(a.value(i).to_owned())
                    }
                })
                .collect()
        }
    };
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The data the template reads.

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
    pub training_overall: String,
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
    pub denominator: String,
    pub numerator: String,
    pub percent: String,
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
    pub previous_percent: String,
    pub change: String,
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

#[derive(Debug, Serialize, Default)]
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

#[derive(Debug, Serialize)]
pub struct MultiagencyRow {
    pub name: String,
    pub meetings: String,
    pub contributed: String,
    pub percent: String,
    pub rag: Rag,
    pub previous_percent: String,
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
    pub latest: String,
    pub mean: String,
    pub variation: String,
    pub assurance: String,
}

#[derive(Debug, Serialize)]
pub struct Appendix {
    pub datasets: Vec<DatasetRow>,
    pub rejects: Vec<RejectRow>,
    pub rejects_total: String,
    pub files: Vec<FileRow>,
    /// The last refresh runs before this report (empty when the warehouse is loaded by hand).
    pub refresh_runs: Vec<RefreshRow>,
    pub snapshot: String,
    pub load_finished: String,
    pub program_version: String,
    pub as_of: String,
    pub input: String,
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

// ---------------------------------------------------------------------------------------------
// Parameters.

/// The `params` row: as_of, the periods and the thresholds every figure was computed with.
#[derive(Debug, Clone)]
struct Params {
    as_of: NaiveDate,
    period_end: NaiveDate,
    previous: NaiveDate,
    red_below: f64,
    green_above: f64,
    ma_red_below: f64,
    ma_green_above: f64,
    validity_months: i64,
    rule: Disclosure,
}

async fn params(session: &Session) -> anyhow::Result<Params> {
    let rows = query(
        session,
        "SELECT as_of, period_end, red_below, green_above, multiagency_red_below, \
         multiagency_green_above, training_validity_months, disclosure_threshold FROM params",
    )
    .await?;
    let p = rows.first().context("the params table is empty")?;
    let period_end = p.date("period_end").context("params has no period_end")?;
    Ok(Params {
        as_of: p.date("as_of").context("params has no as_of")?,
        period_end,
        previous: periods::month_end(periods::months_before(period_end, 12)),
        red_below: p.float("red_below").unwrap_or(75.0),
        green_above: p.float("green_above").unwrap_or(90.0),
        ma_red_below: p.float("multiagency_red_below").unwrap_or(60.0),
        ma_green_above: p.float("multiagency_green_above").unwrap_or(90.0),
        validity_months: p.count("training_validity_months"),
        rule: Disclosure {
            threshold: p.count("disclosure_threshold"),
        },
    })
}

impl Params {
    fn rag(&self, shown: Shown) -> Rag {
        match shown {
            Shown::Value(v) => Rag::band(v, self.red_below, self.green_above),
            _ => Rag::none(),
        }
    }

    fn ma_rag(&self, shown: Shown) -> Rag {
        match shown {
            Shown::Value(v) => Rag::band(v, self.ma_red_below, self.ma_green_above),
            _ => Rag::none(),
        }
    }
}

fn shown_text(s: Shown) -> String {
    match s {
        Shown::Value(v) => percent(v),
        Shown::Hidden => "*".to_owned(),
        Shown::Empty => "–".to_owned(),
    }
}

fn change_text(now: Shown, then: Shown) -> String {
    match (now, then) {
        (Shown::Value(n), Shown::Value(t)) => {
            let d = ((n - t) * 10.0).round() / 10.0;
            if d == 0.0 {
                "0.0".to_owned()
            } else {
                format!("{d:+.1}")
            }
        }
        (Shown::Hidden, _) | (_, Shown::Hidden) => "*".to_owned(),
        _ => "–".to_owned(),
    }
}

fn figure(grid: &Grid, num: usize, den: usize, p: &Params) -> Figure {
    let shown = grid.ratio(num, den);
    Figure {
        denominator: grid.show(den),
        numerator: grid.show(num),
        percent: shown_text(shown),
        rag: p.rag(shown),
    }
}

// ---------------------------------------------------------------------------------------------
// Assembly.

/// Queries every view the report prints and builds its data.
pub async fn collect(session: &Session, settings: &ReportSettings) -> anyhow::Result<ReportData> {
    let p = params(session).await?;
    let organisations: Vec<Organisation> = query(
        session,
        "SELECT organisation_code, organisation_name, organisation_type FROM organisations \
         ORDER BY organisation_code",
    )
    .await?
    .iter()
    .map(|r| Organisation {
        code: r.string("organisation_code"),
        name: r.string("organisation_name"),
        kind: organisation_type(r.text("organisation_type").unwrap_or("other")),
    })
    .collect();
    let names: HashMap<String, String> = organisations
        .iter()
        .map(|o| (o.code.clone(), o.name.clone()))
        .collect();
    let name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());

    let training = training(session, &p, &organisations).await?;
    let supervision = supervision(session, &p, &organisations).await?;
    let section11 = section11(session, &name).await?;
    let reviews = reviews(session).await?;
    let supplied = |dataset: &str| {
        session
            .manifest
            .dataset(dataset)
            .is_some_and(|r| r.status != DatasetStatus::Absent)
    };
    let has_view = |view: &str| session.catalog.iter().any(|(n, _)| n == view);
    let multiagency = if has_view("multiagency_contribution") {
        Some(multiagency(session, &p, &organisations).await?)
    } else {
        None
    };
    let escalations = if supplied("escalations") {
        Some(escalations(session, &p).await?)
    } else {
        None
    };
    let quality = if has_view("quality_ratings_summary") {
        Some(quality(session, &p, &name).await?)
    } else {
        None
    };
    let mut spc = spc(session, &p, &name).await?;
    // An SPC series' latest month is the tables' quarter-end figure: where a table hides it,
    // the readings hide it too.
    for r in &mut spc.readings {
        let rows = match r.metric.as_str() {
            "Training compliance" => (&training.1.organisations, &training.1.total),
            _ => (&supervision.1.organisations, &supervision.1.total),
        };
        if rows
            .0
            .iter()
            .chain([rows.1])
            .any(|row| row.name == r.name && row.now.percent == "*")
        {
            r.latest = "*".to_owned();
        }
    }
    let appendix = appendix(session, &p).await?;

    // The executive summary, from the figures above.
    let now_date = long_date(p.period_end);
    let then_date = long_date(p.previous);
    let mut changes = vec![
        narrative::compliance_change(&Compare {
            what: "overall safeguarding children training compliance",
            now: training.0.now,
            now_rag: p.rag(training.0.now),
            now_date: &now_date,
            then: training.0.then,
            then_date: &then_date,
        }),
        narrative::compliance_change(&Compare {
            what: "safeguarding supervision compliance",
            now: supervision.0.now,
            now_rag: p.rag(supervision.0.now),
            now_date: &now_date,
            then: supervision.0.then,
            then_date: &then_date,
        }),
    ];
    if let Some(m) = &multiagency.as_ref().map(|m| &m.0) {
        changes.push(narrative::compliance_change(&Compare {
            what: "health's contribution to child protection meetings over the year",
            now: m.now,
            now_rag: p.ma_rag(m.now),
            now_date: &now_date,
            then: m.then,
            then_date: &then_date,
        }));
    }
    changes.push(section11.summary.clone());
    changes.push(reviews.summary.clone());
    let band_moves = vec![
        narrative::band_moves("training compliance", &then_date, &training.0.bands()),
        narrative::band_moves("supervision compliance", &then_date, &supervision.0.bands()),
    ];
    let t = &training.1.total;
    let s = &supervision.1.total;
    let green: i64 = section11.grid.iter().map(|o| o.green).sum();
    let rated: i64 = section11
        .grid
        .iter()
        .map(|o| o.green + o.amber + o.red)
        .sum();
    let mut headlines = vec![
        Headline {
            label: "Staff in post".into(),
            value: t.now.denominator.clone(),
            detail: format!("across {} organisations", organisations.len()),
            rag: Rag::none(),
        },
        Headline {
            label: "Training compliance".into(),
            value: t.now.percent.clone(),
            detail: format!(
                "{} staff trained to the level their role needs",
                t.now.numerator
            ),
            rag: t.now.rag.clone(),
        },
        Headline {
            label: "Supervision compliance".into(),
            value: s.now.percent.clone(),
            detail: format!(
                "{} of {} staff who need it were supervised",
                s.now.numerator, s.now.denominator
            ),
            rag: s.now.rag.clone(),
        },
        Headline {
            label: "Section 11 standards green".into(),
            value: format!("{green} of {rated}"),
            detail: format!("in the {} self-audit round", section11.round),
            rag: Rag::none(),
        },
        Headline {
            label: "Review actions completed".into(),
            value: format!("{} of {}", reviews.total.completed, reviews.total.actions),
            detail: format!(
                "{} overdue, {} open",
                reviews.total.overdue, reviews.total.open
            ),
            rag: Rag::none(),
        },
    ];
    if let Some((m, table)) = &multiagency {
        headlines.push(Headline {
            label: "Multi-agency contribution".into(),
            value: table.total.percent.clone(),
            detail: format!(
                "{} of {} child protection meetings in the year",
                table.total.contributed, table.total.meetings
            ),
            rag: p.ma_rag(m.now),
        });
    }
    let summary = Summary {
        training_overall: t.now.percent.clone(),
        headlines,
        changes,
        band_moves,
    };

    let year = financial_year(p.as_of);
    let meta = Meta {
        icb_name: settings.icb_name.clone().unwrap_or_else(|| {
            // The commissioner in the data is the ICB the report is from.
            let mut commissioners = organisations.iter().filter(|o| o.kind == "Commissioner");
            match (commissioners.next(), commissioners.next()) {
                (Some(only), None) => only.name.clone(),
                _ => "Integrated Care Board".to_owned(),
            }
        }),
        title: format!("Safeguarding Children Annual Report {year}"),
        year: year.clone(),
        board_meeting: settings.board_meeting_date.map(long_date),
        authors: settings.authors.clone(),
        as_of: p.as_of.to_string(),
        as_of_long: long_date(p.as_of),
        period_end: now_date.clone(),
        previous_period_end: then_date.clone(),
        date: DateParts {
            year: chrono::Datelike::year(&p.as_of),
            month: chrono::Datelike::month(&p.as_of),
            day: chrono::Datelike::day(&p.as_of),
        },
        program_version: settings.program_version.clone(),
        snapshot: session.manifest.snapshot.clone(),
        disclosure_threshold: p.rule.threshold,
        red_below: p.red_below,
        green_above: p.green_above,
        red_threshold: percent(p.red_below),
        green_threshold: percent(p.green_above),
        disclosure_note: disclosure_note(p.rule),
        disclosure_short: if p.rule.threshold > 1 {
            format!(
                "* suppressed: fewer than {} staff, or a figure that would reveal such a count",
                p.rule.threshold
            )
        } else {
            String::new()
        },
    };
    Ok(ReportData {
        meta,
        summary,
        organisations: organisations.clone(),
        training: training.1,
        supervision: supervision.1,
        section11,
        reviews,
        multiagency: multiagency.map(|m| m.1),
        escalations,
        quality,
        spc,
        appendix,
        definitions: definitions(&p),
    })
}

fn disclosure_note(rule: Disclosure) -> String {
    if rule.threshold <= 1 {
        return "No figures are suppressed in this report (the disclosure threshold is off)."
            .to_owned();
    }
    format!(
        "* Suppressed to protect individuals: counts of staff from 1 to {} are not published, \
         nor percentages of such small groups, nor any percentage that would reveal such a count. \
         Where a table has totals, a second figure is also suppressed so that a hidden one cannot \
         be worked out by subtraction. Zero is shown as 0.",
        rule.threshold - 1
    )
}

/// A footprint figure now and a year ago, and each organisation's band now and then.
struct Movement {
    now: Shown,
    then: Shown,
    bands: Vec<(String, Rag, Rag)>,
}

impl Movement {
    fn bands(&self) -> Vec<Band<'_>> {
        self.bands
            .iter()
            .map(|(org, then, now)| Band {
                organisation: org,
                then: then.clone(),
                now: now.clone(),
            })
            .collect()
    }
}

/// Sums of (numerator, denominator) keyed by period, organisation and a breakdown.
type Sums = BTreeMap<(NaiveDate, String, String), (i64, i64)>;

/// An organisation's total at a period (a range of the ordered map, so large footprints stay
/// quick).
fn org_total(sums: &Sums, period: NaiveDate, org: &str) -> (i64, i64) {
    sums.range((period, org.to_owned(), String::new())..)
        .take_while(|((p, o, _), _)| *p == period && o == org)
        .fold((0, 0), |(n, d), (_, (a, b))| (n + a, d + b))
}

/// The footprint's total at a period.
fn period_total(sums: &Sums, period: NaiveDate) -> (i64, i64) {
    sums.range((period, String::new(), String::new())..)
        .take_while(|((p, _, _), _)| *p == period)
        .fold((0, 0), |(n, d), (_, (a, b))| (n + a, d + b))
}

/// Per-organisation rows of a measure, with complementary suppression over the organisation
/// totals and the footprint total, and the breakdown totals and the footprint total.
struct Table {
    organisations: Vec<OrgRow>,
    total: OrgRow,
    breakdown: Vec<LevelRow>,
    headline: Movement,
    /// Per organisation, per breakdown value, when the inner cells are printed too.
    detail: Vec<OrgLevels>,
}

fn table(
    sums: &Sums,
    p: &Params,
    organisations: &[Organisation],
    breakdown: &[String],
    label: impl Fn(&str) -> String,
    print_inner: bool,
) -> Table {
    let now = p.period_end;
    let orgs: Vec<&Organisation> = organisations
        .iter()
        .filter(|o| org_total(sums, now, &o.code).1 > 0)
        .collect();
    // Numerators and denominators each get a grid of their own lines.
    let mut g = Grid::new(p.rule);
    let inner = |g: &mut Grid, org: &str, b: &str| {
        let (n, d) = sums
            .get(&(now, org.to_owned(), b.to_owned()))
            .copied()
            .unwrap_or((0, 0));
        (g.cell(n), g.cell(d))
    };
    let mut cells: Vec<Vec<(usize, usize)>> = vec![];
    let mut org_cells = vec![];
    for o in &orgs {
        let row: Vec<(usize, usize)> = breakdown
            .iter()
            .map(|b| inner(&mut g, &o.code, b))
            .collect();
        let (n, d) = org_total(sums, now, &o.code);
        let total = (g.cell(n), g.cell(d));
        cells.push(row);
        org_cells.push(total);
    }
    let mut b_cells = vec![];
    for b in breakdown {
        let (n, d) = sums
            .iter()
            .filter(|((pp, _, bb), _)| *pp == now && bb == b)
            .fold((0, 0), |(n, d), (_, (a, c))| (n + a, d + c));
        b_cells.push((g.cell(n), g.cell(d)));
    }
    let (n, d) = period_total(sums, now);
    let grand = (g.cell(n), g.cell(d));
    for side in [0, 1] {
        let pick = |c: &(usize, usize)| if side == 0 { c.0 } else { c.1 };
        g.line(org_cells.iter().map(pick).collect(), pick(&grand));
        g.line(b_cells.iter().map(pick).collect(), pick(&grand));
        if print_inner {
            for (row, total) in cells.iter().zip(&org_cells) {
                g.line(row.iter().map(pick).collect(), pick(total));
            }
            for (j, total) in b_cells.iter().enumerate() {
                g.line(cells.iter().map(|row| pick(&row[j])).collect(), pick(total));
            }
        }
    }
    g.protect();

    let previous = |n: i64, d: i64| single_percent(p.rule, n, d);
    let mut rows = vec![];
    let mut bands = vec![];
    for (o, total) in orgs.iter().zip(&org_cells) {
        let now_fig = figure(&g, total.0, total.1, p);
        let (pn, pd) = org_total(sums, p.previous, &o.code);
        let then = previous(pn, pd);
        let now_shown = g.ratio(total.0, total.1);
        bands.push((o.name.clone(), p.rag(then), p.rag(now_shown)));
        rows.push(OrgRow {
            name: o.name.clone(),
            now: now_fig,
            previous_percent: shown_text(then),
            change: change_text(now_shown, then),
        });
    }
    let (pn, pd) = period_total(sums, p.previous);
    let then_total = previous(pn, pd);
    let now_total = g.ratio(grand.0, grand.1);
    let total = OrgRow {
        name: "All organisations".into(),
        now: figure(&g, grand.0, grand.1, p),
        previous_percent: shown_text(then_total),
        change: change_text(now_total, then_total),
    };
    let level_rows = breakdown
        .iter()
        .zip(&b_cells)
        .filter(|(_, c)| g.value(c.1) > 0)
        .map(|(b, c)| LevelRow {
            level: label(b),
            figure: figure(&g, c.0, c.1, p),
        })
        .collect();
    let detail = if print_inner {
        orgs.iter()
            .zip(&cells)
            .zip(&org_cells)
            .map(|((o, row), total)| OrgLevels {
                name: o.name.clone(),
                levels: breakdown
                    .iter()
                    .zip(row)
                    .filter(|(_, c)| g.value(c.1) > 0)
                    .map(|(b, c)| LevelRow {
                        level: label(b),
                        figure: figure(&g, c.0, c.1, p),
                    })
                    .collect(),
                total: figure(&g, total.0, total.1, p),
            })
            .collect()
    } else {
        vec![]
    };
    Table {
        organisations: rows,
        total,
        breakdown: level_rows,
        headline: Movement {
            now: now_total,
            then: then_total,
            bands,
        },
        detail,
    }
}

/// A quarterly series of an organisation's (or the footprint's) percentage.
fn trend(
    sums: &Sums,
    p: &Params,
    quarters: &[NaiveDate],
    org: Option<&str>,
    name: &str,
    what: &str,
    hide_last: bool,
) -> Trend {
    let mut values: Vec<Option<f64>> = quarters
        .iter()
        .map(|q| {
            let (n, d) = match org {
                Some(o) => org_total(sums, *q, o),
                None => period_total(sums, *q),
            };
            single_percent(p.rule, n, d).value()
        })
        .collect();
    // The latest quarter is the tables' figure: hidden there (by complementary suppression
    // too), hidden here.
    if hide_last && let Some(last) = values.last_mut() {
        *last = None;
    }
    let shown: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let alt = match (shown.first(), shown.last()) {
        (Some(&(fi, first)), Some(&(li, last))) => {
            let (lo_i, lo) = shown
                .iter()
                .copied()
                .fold((fi, first), |a, b| if b.1 < a.1 { b } else { a });
            let (hi_i, hi) = shown
                .iter()
                .copied()
                .fold((fi, first), |a, b| if b.1 > a.1 { b } else { a });
            format!(
                "Line chart of {what} for {name} at each quarter end from {} to {}: {} at the \
                 start and {} at the end, lowest {} ({}), highest {} ({}). A dashed line marks \
                 the red threshold, {}, and a dotted line the green threshold, {}.",
                financial_quarter(quarters[0]),
                financial_quarter(*quarters.last().expect("quarters")),
                percent(first),
                percent(last),
                percent(lo),
                financial_quarter(quarters[lo_i]),
                percent(hi),
                financial_quarter(quarters[hi_i]),
                percent(p.red_below),
                percent(p.green_above),
            ) + if li - fi + 1 < values.len() || shown.len() < values.len() {
                " Quarters with no published figure are left out."
            } else {
                ""
            }
        }
        _ => format!("No published figures of {what} for {name}."),
    };
    Trend {
        name: name.to_owned(),
        labels: quarters.iter().map(|q| financial_quarter(*q)).collect(),
        values,
        alt,
    }
}

/// One description of a set of small trend charts (`trends[0]` the footprint, the rest one per
/// organisation) that stays a few sentences long however many organisations there are: the
/// footprint's own description, how many organisations are in each band at the latest quarter,
/// the highest and lowest, and how many rose or fell since the first quarter. Each chart's
/// own `alt` carries its detail.
fn trends_summary(what: &str, quarters: &[NaiveDate], trends: &[Trend], p: &Params) -> String {
    let (Some(first_q), Some(last_q)) = (quarters.first(), quarters.last()) else {
        return format!("No quarterly figures of {what}.");
    };
    let orgs = trends.get(1..).unwrap_or_default();
    let mut text = format!(
        "Small line charts of {what} at each of the {} quarter ends from {} to {}, on one \
         scale: one for all organisations together and one for each of the {} organisations, \
         each with its own description.",
        quarters.len(),
        financial_quarter(*first_q),
        financial_quarter(*last_q),
        orgs.len(),
    );
    if let Some(all) = trends.first() {
        text.push(' ');
        text.push_str(&all.alt);
    }
    let latest: Vec<(&str, f64)> = orgs
        .iter()
        .filter_map(|t| {
            t.values
                .last()
                .copied()
                .flatten()
                .map(|v| (t.name.as_str(), v))
        })
        .collect();
    if orgs.is_empty() {
        return text;
    }
    let band = |key: &str| {
        latest
            .iter()
            .filter(|(_, v)| Rag::band(*v, p.red_below, p.green_above).key == key)
            .count()
    };
    text.push_str(&format!(
        " At {}, {} organisations were green (above {}), {} amber and {} red (below {})",
        financial_quarter(*last_q),
        band("green"),
        percent(p.green_above),
        band("amber"),
        band("red"),
        percent(p.red_below),
    ));
    let unpublished = orgs.len() - latest.len();
    if unpublished > 0 {
        text.push_str(&format!(", and {unpublished} had no published figure"));
    }
    text.push('.');
    // The first of equal values wins, so ties name the organisation listed first.
    let highest = latest
        .iter()
        .copied()
        .reduce(|a, b| if b.1 > a.1 { b } else { a });
    let lowest = latest
        .iter()
        .copied()
        .reduce(|a, b| if b.1 < a.1 { b } else { a });
    if let (Some(hi), Some(lo)) = (highest, lowest)
        && latest.len() > 1
    {
        text.push_str(&format!(
            " The highest was {} ({}) and the lowest {} ({}).",
            hi.0,
            percent(hi.1),
            lo.0,
            percent(lo.1)
        ));
    }
    let (mut rose, mut fell) = (0, 0);
    for t in orgs {
        if let (Some(Some(a)), Some(Some(b))) = (t.values.first(), t.values.last()) {
            let change = ((b - a) * 10.0).round() / 10.0;
            if change > 0.0 {
                rose += 1;
            } else if change < 0.0 {
                fell += 1;
            }
        }
    }
    text.push_str(&format!(
        " Of the organisations with figures at both ends, {rose} rose and {fell} fell since {}.",
        financial_quarter(*first_q)
    ));
    text
}

async fn quarters(session: &Session) -> anyhow::Result<Vec<NaiveDate>> {
    Ok(query(
        session,
        "SELECT period_end FROM quarter_ends ORDER BY period_end",
    )
    .await?
    .iter()
    .filter_map(|r| r.date("period_end"))
    .collect())
}

async fn training(
    session: &Session,
    p: &Params,
    organisations: &[Organisation],
) -> anyhow::Result<(Movement, Training)> {
    let rows = query(
        session,
        "SELECT period_end, organisation_code, required_level, SUM(staff_compliant) AS num, \
         SUM(staff_in_post) AS den FROM training_compliance GROUP BY 1, 2, 3",
    )
    .await?;
    let mut sums = Sums::new();
    let mut levels = std::collections::BTreeSet::new();
    for r in &rows {
        let level = r.count("required_level").to_string();
        levels.insert(level.clone());
        let e = sums
            .entry((
                r.date("period_end")
                    .context("a training row without period_end")?,
                r.string("organisation_code"),
                level,
            ))
            .or_default();
        e.0 += r.count("num");
        e.1 += r.count("den");
    }
    let levels: Vec<String> = levels.into_iter().collect();
    let t = table(
        &sums,
        p,
        organisations,
        &levels,
        |l| format!("Level {l}"),
        true,
    );
    let quarters = quarters(session).await?;
    let what = "safeguarding children training compliance";
    let hidden = |name: &str| {
        t.organisations
            .iter()
            .chain([&t.total])
            .any(|r| r.name == name && r.now.percent == "*")
    };
    let mut trends = vec![trend(
        &sums,
        p,
        &quarters,
        None,
        &t.total.name,
        what,
        hidden(&t.total.name),
    )];
    for o in organisations {
        if sums.keys().any(|(_, c, _)| *c == o.code) {
            trends.push(trend(
                &sums,
                p,
                &quarters,
                Some(&o.code),
                &o.name,
                what,
                hidden(&o.name),
            ));
        }
    }
    let trend_alt = trends_summary(what, &quarters, &trends, p);
    Ok((
        t.headline,
        Training {
            period_end: long_date(p.period_end),
            levels: levels.iter().map(|l| format!("Level {l}")).collect(),
            organisations: t.organisations,
            total: t.total,
            detail: t.detail,
            level_totals: t.breakdown,
            trends,
            trend_alt,
        },
    ))
}

async fn supervision(
    session: &Session,
    p: &Params,
    organisations: &[Organisation],
) -> anyhow::Result<(Movement, Supervision)> {
    let rows = query(
        session,
        "SELECT period_end, organisation_code, professional_group, SUM(staff_supervised) AS num, \
         SUM(staff_requiring) AS den FROM supervision_compliance GROUP BY 1, 2, 3",
    )
    .await?;
    let mut sums = Sums::new();
    let mut groups = std::collections::BTreeSet::new();
    for r in &rows {
        let group = r.string("professional_group");
        groups.insert(group.clone());
        let e = sums
            .entry((
                r.date("period_end")
                    .context("a supervision row without period_end")?,
                r.string("organisation_code"),
                group,
            ))
            .or_default();
        e.0 += r.count("num");
        e.1 += r.count("den");
    }
    let groups: Vec<String> = groups.into_iter().collect();
    let t = table(&sums, p, organisations, &groups, professional_group, false);
    let quarters = quarters(session).await?;
    let trend = trend(
        &sums,
        p,
        &quarters,
        None,
        &t.total.name,
        "safeguarding supervision compliance",
        t.total.now.percent == "*",
    );
    Ok((
        t.headline,
        Supervision {
            period_end: long_date(p.period_end),
            organisations: t.organisations,
            total: t.total,
            groups: t.breakdown,
            trend,
        },
    ))
}

async fn section11(session: &Session, name: &impl Fn(&str) -> String) -> anyhow::Result<Section11> {
    // The grid reads section11_standards, so the report and ad-hoc SQL agree on every cell.
    let ratings = query(
        session,
        "SELECT organisation_code, audit_round, standard, standard_name, rating, change \
         FROM section11_standards",
    )
    .await?;
    let round = ratings
        .iter()
        .filter_map(|r| r.text("audit_round"))
        .max()
        .unwrap_or_default()
        .to_owned();
    // (org, round) -> standard -> (rating, change), for every round: the grid shows the
    // latest round and each organisation's previous one.
    type Ratings = BTreeMap<(String, String), BTreeMap<i64, (String, Option<String>)>>;
    let mut by: Ratings = BTreeMap::new();
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    for r in &ratings {
        names.insert(r.count("standard"), r.string("standard_name"));
        by.entry((r.string("organisation_code"), r.string("audit_round")))
            .or_default()
            .insert(
                r.count("standard"),
                (r.string("rating"), r.text("change").map(str::to_owned)),
            );
    }
    let summary_rows = query(
        session,
        "SELECT organisation_code, audit_round, green, amber, red, previous_round, improved, \
         worsened, actions_total, actions_completed, actions_overdue FROM section11_summary \
         ORDER BY organisation_code",
    )
    .await?;
    let latest: Vec<&Row> = summary_rows
        .iter()
        .filter(|s| s.text("audit_round") == Some(round.as_str()))
        .collect();
    let previous_round =
        grid_previous_round(latest.iter().filter_map(|s| s.text("previous_round")));
    let mut grid = vec![];
    let mut actions = vec![];
    let mut total = Section11Actions {
        name: "All organisations".into(),
        ..Default::default()
    };
    for s in latest {
        let org = s.string("organisation_code");
        let prev = s.text("previous_round").map(str::to_owned);
        let now = by.get(&(org.clone(), round.clone()));
        let then = prev
            .as_ref()
            .and_then(|p| by.get(&(org.clone(), p.clone())));
        let cells = (1..=8)
            .map(|standard| {
                let cell = now.and_then(|m| m.get(&standard));
                Section11Cell {
                    standard,
                    rating: Rag::from_key(cell.map(|(r, _)| r.as_str())),
                    previous_rating: Rag::from_key(
                        then.and_then(|m| m.get(&standard)).map(|(r, _)| r.as_str()),
                    ),
                    change: match cell.and_then(|(_, c)| c.as_deref()) {
                        Some("improved") => "improved",
                        Some("worsened") => "worsened",
                        Some(_) => "same",
                        None => "new",
                    },
                }
            })
            .collect();
        let previous_note = match (&prev, &previous_round) {
            (None, Some(_)) => Some("first round".to_owned()),
            (Some(p), Some(g)) if p != g => Some(format!("previous round {p}")),
            _ => None,
        };
        grid.push(Section11Org {
            name: name(&org),
            previous_round: prev,
            previous_note,
            cells,
            green: s.count("green"),
            amber: s.count("amber"),
            red: s.count("red"),
            improved: s.count("improved"),
            worsened: s.count("worsened"),
        });
        let (t, c, o) = (
            s.count("actions_total"),
            s.count("actions_completed"),
            s.count("actions_overdue"),
        );
        total.total += t;
        total.completed += c;
        total.overdue += o;
        total.open += t - c - o;
        actions.push(Section11Actions {
            name: name(&org),
            total: t,
            completed: c,
            overdue: o,
            open: t - c - o,
        });
    }
    let green: i64 = grid.iter().map(|o| o.green).sum();
    let amber: i64 = grid.iter().map(|o| o.amber).sum();
    let red: i64 = grid.iter().map(|o| o.red).sum();
    let improved: i64 = grid.iter().map(|o| o.improved).sum();
    let worsened: i64 = grid.iter().map(|o| o.worsened).sum();
    let actions_text = if total.total == 0 {
        "No Section 11 actions were supplied for this round.".to_owned()
    } else {
        format!(
            "Of {} Section 11 actions, {} are complete and {} overdue.",
            total.total, total.completed, total.overdue
        )
    };
    let movement = if previous_round.is_some() {
        format!("Since the previous round {improved} standards improved and {worsened} worsened.")
    } else {
        "No earlier round was returned, so there is no movement to report.".to_owned()
    };
    let summary = format!(
        "In the {round} Section 11 self-audit, {} organisations rated {} standards: {green} \
         green, {amber} amber and {red} red. {movement} {actions_text}",
        grid.len(),
        green + amber + red,
    );
    let (rounds, rounds_note) = match &previous_round {
        Some(p) => (
            vec![p.clone(), round.clone()],
            format!(
                "For each standard the {p} round is on the left and the {round} round on the \
                 right, marked ▲ where it improved and ▼ where it worsened."
            ),
        ),
        None => (
            vec![round.clone()],
            format!(
                "Only one audit round, {round}, has been returned, so the grid shows that round \
                 alone and no movement."
            ),
        ),
    };
    Ok(Section11 {
        round,
        previous_round,
        rounds,
        rounds_note,
        standards: names
            .into_iter()
            .map(|(number, name)| Standard { number, name })
            .collect(),
        grid,
        actions,
        actions_total: total,
        summary,
    })
}

/// The previous round the Section 11 grid's left-hand columns are headed with: the one most
/// organisations were last rated in before the latest round, the later on a tie; none when no
/// organisation has an earlier round.
fn grid_previous_round<'a>(rounds: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rounds {
        *counts.entry(r).or_default() += 1;
    }
    // max_by_key keeps the last of equal maxima: BTreeMap order makes that the latest round.
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(r, _)| r.to_owned())
}

async fn reviews(session: &Session) -> anyhow::Result<Reviews> {
    let rows = query(
        session,
        "SELECT * FROM review_action_status ORDER BY review_id",
    )
    .await?;
    let mut out = vec![];
    let (mut t, mut c, mut o, mut op, mut im) = (0, 0, 0, 0, 0);
    for r in &rows {
        let (total, done, overdue, open, impact) = (
            r.count("actions_total"),
            r.count("actions_completed"),
            r.count("actions_overdue"),
            r.count("actions_open"),
            r.count("impact_evidenced"),
        );
        t += total;
        c += done;
        o += overdue;
        op += open;
        im += impact;
        out.push(ReviewRow {
            id: r.string("review_id"),
            kind: review_type(r.text("review_type").unwrap_or("other")).to_owned(),
            name: r.string("review_name"),
            actions: thousands(total),
            completed: thousands(done),
            overdue: thousands(overdue),
            open: thousands(open),
            completion: r
                .float("completion_pct")
                .map_or_else(|| "–".to_owned(), percent),
            impact: thousands(impact),
            median_days: r
                .float("median_days_to_complete")
                .map_or_else(|| "–".to_owned(), |d| format!("{d:.0}")),
            completed_n: done,
            overdue_n: overdue,
            open_n: open,
        });
    }
    let total = ReviewRow {
        id: String::new(),
        kind: String::new(),
        name: "All reviews".into(),
        actions: thousands(t),
        completed: thousands(c),
        overdue: thousands(o),
        open: thousands(op),
        completion: if t > 0 {
            percent(100.0 * c as f64 / t as f64)
        } else {
            "–".into()
        },
        impact: thousands(im),
        median_days: String::new(),
        completed_n: c,
        overdue_n: o,
        open_n: op,
    };
    let summary = format!(
        "Across {} review action plans, {} of {} actions are complete ({}), {} are overdue and \
         {} are open and within their due date; the impact on practice is evidenced for {} \
         completed actions.",
        rows.len(),
        thousands(c),
        thousands(t),
        total.completion,
        thousands(o),
        thousands(op),
        thousands(im)
    );
    Ok(Reviews {
        rows: out,
        total,
        summary,
    })
}

async fn multiagency(
    session: &Session,
    p: &Params,
    organisations: &[Organisation],
) -> anyhow::Result<(Movement, Multiagency)> {
    // The year's four quarters summed, now and a year earlier.
    let rows = query(
        session,
        "SELECT period_end, organisation_code, meetings, contributed FROM multiagency_contribution",
    )
    .await?;
    let year_of = |end: NaiveDate| {
        let start = periods::month_end(periods::months_before(end, 12));
        move |d: NaiveDate| d > start && d <= end
    };
    let in_now = year_of(p.period_end);
    let in_then = year_of(p.previous);
    let mut now: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut then: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for r in &rows {
        let Some(d) = r.date("period_end") else {
            continue;
        };
        let target = if in_now(d) {
            &mut now
        } else if in_then(d) {
            &mut then
        } else {
            continue;
        };
        let e = target.entry(r.string("organisation_code")).or_default();
        e.0 += r.count("contributed");
        e.1 += r.count("meetings");
    }
    // Meetings are not people: disclosure control does not apply, so all figures print.
    let pct = |n: i64, d: i64| {
        if d == 0 {
            Shown::Empty
        } else {
            Shown::Value(100.0 * n as f64 / d as f64)
        }
    };
    let mut out = vec![];
    let mut bands = vec![];
    for o in organisations {
        let Some(&(n, d)) = now.get(&o.code) else {
            continue;
        };
        let (pn, pd) = then.get(&o.code).copied().unwrap_or((0, 0));
        let (s, ps) = (pct(n, d), pct(pn, pd));
        bands.push((o.name.clone(), p.ma_rag(ps), p.ma_rag(s)));
        out.push(MultiagencyRow {
            name: o.name.clone(),
            meetings: thousands(d),
            contributed: thousands(n),
            percent: shown_text(s),
            rag: p.ma_rag(s),
            previous_percent: shown_text(ps),
        });
    }
    let sum =
        |m: &BTreeMap<String, (i64, i64)>| m.values().fold((0, 0), |(a, b), (n, d)| (a + n, b + d));
    let (n, d) = sum(&now);
    let (pn, pd) = sum(&then);
    let (s, ps) = (pct(n, d), pct(pn, pd));
    let total = MultiagencyRow {
        name: "All organisations".into(),
        meetings: thousands(d),
        contributed: thousands(n),
        percent: shown_text(s),
        rag: p.ma_rag(s),
        previous_percent: shown_text(ps),
    };
    let summary = format!(
        "Health organisations were asked to contribute to {} child protection and strategy \
         meetings in the year to {} and contributed to {} ({}).",
        thousands(d),
        long_date(p.period_end),
        thousands(n),
        shown_text(s)
    );
    Ok((
        Movement {
            now: s,
            then: ps,
            bands,
        },
        Multiagency {
            year: financial_year(p.period_end),
            rows: out,
            total,
            summary,
        },
    ))
}

async fn escalations(session: &Session, p: &Params) -> anyhow::Result<Escalations> {
    // escalation_summary counts the 12 months to as_of by one dimension at a time.
    let rows = query(
        session,
        "SELECT dimension, value, raised, resolved FROM escalation_summary",
    )
    .await?;
    let tally = |dimension: &str, label: &dyn Fn(&str) -> String, sort_by_count: bool| {
        let mut v: Vec<(String, i64)> = rows
            .iter()
            .filter(|r| r.text("dimension") == Some(dimension))
            .map(|r| (r.string("value"), r.count("raised")))
            .collect();
        if sort_by_count {
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        } else {
            v.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
        }
        v.into_iter()
            .map(|(value, n)| Tally {
                label: label(&value),
                count: thousands(n),
                n,
            })
            .collect::<Vec<_>>()
    };
    let by_level = tally("level", &|l| format!("Level {l}"), false);
    let by_theme = tally("theme", &str::to_owned, true);
    let by_local_authority = tally("local_authority", &str::to_owned, true);
    let sum = |column: &str| -> i64 {
        rows.iter()
            .filter(|r| r.text("dimension") == Some("level"))
            .map(|r| r.count(column))
            .sum()
    };
    let (total, resolved) = (sum("raised"), sum("resolved"));
    let top = by_theme
        .first()
        .map(|t| {
            format!(
                " The most common theme was {} ({}).",
                t.label.to_lowercase(),
                t.count
            )
        })
        .unwrap_or_default();
    let to = long_date(p.as_of);
    Ok(Escalations {
        year: format!("12 months to {to}"),
        total: thousands(total),
        resolved: thousands(resolved),
        summary: format!(
            "{} professional-difference escalations were raised in the 12 months to {to}, of \
             which {} were resolved by then.{top}",
            thousands(total),
            thousands(resolved),
        ),
        by_level,
        by_theme,
        by_local_authority,
    })
}

/// An organisation's ratings: (metric, quarter end) -> (rating, change since the quarter before).
type QualityRatings = HashMap<(String, NaiveDate), (String, Option<String>)>;

/// The quality metrics of the schedule (input data contract).
const QUALITY_METRICS: [(&str, &str); 6] = [
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

async fn quality(
    session: &Session,
    p: &Params,
    name: &impl Fn(&str) -> String,
) -> anyhow::Result<Quality> {
    let quarters: Vec<NaiveDate> = (0..4)
        .rev()
        .map(|i| periods::month_end(periods::months_before(p.period_end, 3 * i)))
        .collect();
    let rows = query(
        session,
        "SELECT organisation_code, metric, quarter_end, rating, change \
         FROM quality_ratings_summary",
    )
    .await?;
    let mut by: BTreeMap<String, QualityRatings> = BTreeMap::new();
    for r in &rows {
        let Some(q) = r.date("quarter_end") else {
            continue;
        };
        if !quarters.contains(&q) {
            continue;
        }
        by.entry(r.string("organisation_code")).or_default().insert(
            (r.string("metric"), q),
            (r.string("rating"), r.text("change").map(str::to_owned)),
        );
    }
    let mut improved = 0;
    let mut worsened = 0;
    let mut out = vec![];
    for (org, ratings) in &by {
        let cells = QUALITY_METRICS
            .iter()
            .map(|(code, _)| {
                let get = |q: &NaiveDate| ratings.get(&((*code).to_owned(), *q));
                let last = quarters.last().and_then(get);
                let change = last.and_then(|(_, c)| c.clone()).unwrap_or_default();
                match change.as_str() {
                    "improved" => improved += 1,
                    "worsened" => worsened += 1,
                    _ => {}
                }
                QualityCell {
                    metric: (*code).to_owned(),
                    ratings: quarters
                        .iter()
                        .map(|q| Rag::from_key(get(q).map(|(r, _)| r.as_str())))
                        .collect(),
                    change,
                }
            })
            .collect();
        out.push(QualityRow {
            name: name(org),
            cells,
        });
    }
    let summary = format!(
        "At {} the commissioner rated {} providers against {} quality metrics; since the \
         previous quarter {improved} ratings improved and {worsened} worsened.",
        long_date(p.period_end),
        out.len(),
        QUALITY_METRICS.len()
    );
    Ok(Quality {
        quarters: quarters.iter().map(|q| financial_quarter(*q)).collect(),
        metrics: QUALITY_METRICS
            .iter()
            .enumerate()
            .map(|(i, (_, n))| Standard {
                number: i as i64 + 1,
                name: (*n).to_owned(),
            })
            .collect(),
        metric_codes: QUALITY_METRICS
            .iter()
            .map(|(c, _)| (*c).to_owned())
            .collect(),
        rows: out,
        summary,
    })
}

fn metric_name(metric: &str) -> &'static str {
    match metric {
        "training" => "training compliance",
        "supervision" => "supervision compliance",
        _ => "the measure",
    }
}

fn variation_words(v: &str) -> &'static str {
    match v {
        "special_cause_improvement" => "special cause variation: improvement",
        "special_cause_concern" => "special cause variation: concern",
        _ => "common cause variation only",
    }
}

/// The Making Data Count variation icon in words, for narrow table cells.
fn variation_short(v: &str) -> &'static str {
    match v {
        "special_cause_improvement" => "Improvement (special cause)",
        "special_cause_concern" => "Concern (special cause)",
        _ => "Common cause",
    }
}

/// The Making Data Count assurance icon in words, for narrow table cells.
fn assurance_short(a: &str) -> &'static str {
    match a {
        "consistent_pass" => "Consistently passes the target",
        "consistent_fail" => "Consistently fails the target",
        _ => "Hit and miss",
    }
}

fn assurance_words(a: &str) -> &'static str {
    match a {
        "consistent_pass" => "the target will be met consistently",
        "consistent_fail" => "the target will not be met without a change to the process",
        _ => "the target may or may not be met (the limits straddle it)",
    }
}

async fn spc(session: &Session, p: &Params, name: &impl Fn(&str) -> String) -> anyhow::Result<Spc> {
    let points = query(
        session,
        "SELECT metric, month_end, numerator, denominator, value, mean, lower_limit, upper_limit, \
         special_cause, point_type FROM spc_monthly WHERE organisation_code IS NULL \
         ORDER BY metric, month_end",
    )
    .await?;
    let summaries = query(
        session,
        // `small`: the series has a month whose counts disclosure control hides, so its mean
        // is not printed either.
        "WITH small AS (SELECT m.metric, m.organisation_code, MAX(CASE WHEN \
         (m.denominator >= 1 AND m.denominator < p.disclosure_threshold) OR \
         (m.numerator >= 1 AND m.numerator < p.disclosure_threshold) THEN 1 ELSE 0 END) AS small \
         FROM spc_monthly m CROSS JOIN params p GROUP BY m.metric, m.organisation_code) \
         SELECT s.metric, s.organisation_code, s.latest_month, s.latest_value, s.mean, \
         s.lower_limit, s.upper_limit, s.target, s.variation, s.assurance, m.numerator, \
         m.denominator, k.small FROM spc_summary s JOIN spc_monthly m ON (m.metric = s.metric) \
         AND (m.organisation_code IS NOT DISTINCT FROM s.organisation_code) \
         AND (m.month_end = s.latest_month) JOIN small k ON (k.metric = s.metric) \
         AND (k.organisation_code IS NOT DISTINCT FROM s.organisation_code) \
         ORDER BY CASE s.metric WHEN 'training' THEN 0 ELSE 1 END, s.metric, \
         s.organisation_code NULLS FIRST",
    )
    .await?;
    let mut charts = vec![];
    let mut withheld = vec![];
    for metric in ["training", "supervision"] {
        let series: Vec<&Row> = points
            .iter()
            .filter(|r| r.text("metric") == Some(metric))
            .collect();
        let Some(first) = series.first() else {
            continue;
        };
        let Some(summary) = summaries
            .iter()
            .find(|s| s.text("metric") == Some(metric) && s.text("organisation_code").is_none())
        else {
            continue;
        };
        let pts: Vec<SpcPoint> = series
            .iter()
            .map(|r| {
                let value = single_percent(p.rule, r.count("numerator"), r.count("denominator"))
                    .value()
                    .and(r.float("value"));
                let kind = match r.text("point_type") {
                    Some("special_cause_improvement") => "improvement",
                    Some("special_cause_concern") => "concern",
                    _ => "common",
                };
                SpcPoint {
                    label: r.date("month_end").map(short_month).unwrap_or_default(),
                    value,
                    kind: kind.to_owned(),
                }
            })
            .collect();
        let what = metric_name(metric);
        // One hidden month withholds the chart: the mean and limits, with the other months,
        // would give the hidden value away.
        if pts.iter().any(|x| x.value.is_none()) {
            withheld.push(format!(
                "The chart of {what} across all organisations is not published: in some months \
                 it counts fewer than {} staff.",
                p.rule.threshold
            ));
            continue;
        }
        let mean = first.float("mean").unwrap_or(0.0);
        let lower = first.float("lower_limit").unwrap_or(0.0);
        let upper = first.float("upper_limit").unwrap_or(0.0);
        let target = summary.float("target").unwrap_or(p.green_above);
        let variation = summary.string("variation");
        let assurance = summary.string("assurance");
        let improvements = pts.iter().filter(|x| x.kind == "improvement").count();
        let concerns = pts.iter().filter(|x| x.kind == "concern").count();
        let latest = summary
            .float("latest_value")
            .map_or_else(|| "–".to_owned(), percent);
        let latest_month = summary
            .date("latest_month")
            .map(long_date)
            .unwrap_or_default();
        let reading = format!(
            "Over {} months {what} averaged {} (process limits {} to {}). The latest month, {}, \
             was {}: {}. Against the {} target, {}.",
            pts.len(),
            percent(mean),
            percent(lower),
            percent(upper),
            latest_month,
            latest,
            variation_words(&variation),
            percent(target),
            assurance_words(&assurance)
        );
        let alt = format!(
            "Statistical process control chart of monthly {what} across all organisations, {} to \
             {}, with the mean ({}) as a solid line, the process limits ({} and {}) as dashed \
             lines and the {} target as a dotted line. {} points are marked as special cause \
             improvement (squares) and {} as special cause concern (diamonds). The latest value \
             is {}.",
            pts.first().map(|x| x.label.clone()).unwrap_or_default(),
            pts.last().map(|x| x.label.clone()).unwrap_or_default(),
            percent(mean),
            percent(lower),
            percent(upper),
            percent(target),
            narrative::number_word(improvements),
            narrative::number_word(concerns),
            latest
        );
        charts.push(SpcChart {
            title: format!("{} across all organisations, monthly", sentence_case(what)),
            metric: metric.to_owned(),
            points: pts,
            mean,
            lower,
            upper,
            target,
            labels: SpcLabels {
                mean: percent(mean),
                lower: percent(lower),
                upper: percent(upper),
                target: percent(target),
            },
            reading,
            alt,
            variation: variation_words(&variation).to_owned(),
            assurance: assurance_words(&assurance).to_owned(),
        });
    }
    let readings = summaries
        .iter()
        .map(|s| {
            let name = s
                .text("organisation_code")
                .map_or_else(|| "All organisations".to_owned(), name);
            let metric = sentence_case(metric_name(s.text("metric").unwrap_or_default()));
            // A series with a hidden month describes a small group: its mean and readings
            // would say what the hidden counts are, so none of them is printed.
            if s.count("small") > 0 {
                return SpcReading {
                    name,
                    metric,
                    latest: "*".to_owned(),
                    mean: "*".to_owned(),
                    variation: "*".to_owned(),
                    assurance: "*".to_owned(),
                };
            }
            let latest = single_percent(p.rule, s.count("numerator"), s.count("denominator"));
            SpcReading {
                name,
                metric,
                latest: match latest {
                    Shown::Value(_) => s
                        .float("latest_value")
                        .map_or_else(|| "–".to_owned(), percent),
                    other => shown_text(other),
                },
                mean: s.float("mean").map_or_else(|| "–".to_owned(), percent),
                variation: variation_short(&s.string("variation")).to_owned(),
                assurance: assurance_short(&s.string("assurance")).to_owned(),
            }
        })
        .collect();
    Ok(Spc {
        charts,
        withheld,
        readings,
    })
}

/// A reject's reason without the rejected value, which may be a staff identifier: "unknown
/// staff_id SG123: not in staff" becomes "staff_id not found in staff".
pub fn reason_kind(reason: &str, column: Option<&str>) -> String {
    let col = column.unwrap_or("a column");
    if reason.ends_with("is required but blank") {
        format!("{col} is required but blank")
    } else if reason.starts_with("duplicate ") {
        "duplicate key: an earlier row has the same key".to_owned()
    } else if let Some(rest) = reason.strip_prefix("unknown ") {
        let target = rest.rsplit_once(": not in ").map_or("", |(_, t)| t);
        format!("{col} not found in {target}")
    } else if let Some(rest) = reason.strip_prefix("no ") {
        let target = rest.split_once(" row for ").map_or("", |(t, _)| t);
        format!("no matching {target} row")
    } else if reason.starts_with("invalid ") {
        let what = reason
            .strip_prefix("invalid ")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("value");
        format!("invalid {what} in {col}")
    } else if reason.contains(" is before ") {
        let later = reason.split_whitespace().next().unwrap_or(col);
        let earlier = reason
            .split_once(" is before ")
            .and_then(|(_, r)| r.split_whitespace().next())
            .unwrap_or("");
        format!("{later} is before {earlier}")
    } else if reason.contains("is not a quarter end") {
        format!("{col} is not a quarter end")
    } else if reason.starts_with("the row has ") {
        "the row has more fields than the header".to_owned()
    } else if reason.contains(" is ") && column.is_some() {
        format!("{col} out of range")
    } else {
        format!("problem in {col}")
    }
}

async fn appendix(session: &Session, p: &Params) -> anyhow::Result<Appendix> {
    let summary = query(
        session,
        "SELECT dataset, status, rows_read, rows_loaded, rows_rejected FROM load_summary",
    )
    .await
    .unwrap_or_default();
    let order = |d: &str| {
        crate::ingest::DATASETS
            .iter()
            .position(|x| x.name == d)
            .unwrap_or(usize::MAX)
    };
    let mut datasets: Vec<(usize, DatasetRow)> = summary
        .iter()
        .map(|r| {
            let d = r.string("dataset");
            (
                order(&d),
                DatasetRow {
                    status: sentence_case(&r.string("status")),
                    read: thousands(r.count("rows_read")),
                    loaded: thousands(r.count("rows_loaded")),
                    rejected: thousands(r.count("rows_rejected")),
                    dataset: d,
                },
            )
        })
        .collect();
    datasets.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.dataset.cmp(&b.1.dataset)));
    // Only the reason and column: raw_row (which holds staff ids) is never read.
    let rejects = query(
        session,
        "SELECT dataset, \"column\", reason FROM load_rejects",
    )
    .await
    .unwrap_or_default();
    let mut kinds: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in &rejects {
        let kind = reason_kind(r.text("reason").unwrap_or_default(), r.text("column"));
        *kinds.entry((r.string("dataset"), kind)).or_default() += 1;
    }
    let mut kinds: Vec<((String, String), i64)> = kinds.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let files = query(
        session,
        "SELECT dataset, path, format, bytes, xxh3_128 FROM load_files ORDER BY dataset, path",
    )
    .await
    .unwrap_or_default();
    // Finished runs only: the run typesetting this report is still going.
    let runs = query(
        session,
        "SELECT started, status, changes, rows_loaded, rows_rejected, error FROM refresh_runs \
         WHERE status <> 'running' ORDER BY run_id DESC LIMIT 10",
    )
    .await
    .unwrap_or_default();
    let refresh_runs = runs
        .iter()
        .map(|r| RefreshRow {
            started: chrono::DateTime::parse_from_rfc3339(&r.string("started"))
                .map(|t| t.format("%-d %b %Y %H:%M").to_string())
                .unwrap_or_else(|_| r.string("started")),
            status: match r.string("status").as_str() {
                "ok" => "Published".to_owned(),
                "no_change" => "Nothing changed".to_owned(),
                _ => "Failed".to_owned(),
            },
            changes: r.text("changes").unwrap_or("").to_owned(),
            loaded: r.int("rows_loaded").map_or(String::new(), thousands),
            rejected: r.int("rows_rejected").map_or(String::new(), thousands),
            // The first line: a template error's diagnostics are for the log, not the board.
            error: r
                .text("error")
                .and_then(|e| e.lines().next())
                .unwrap_or("")
                .to_owned(),
        })
        .collect();
    let m = &session.manifest;
    Ok(Appendix {
        refresh_runs,
        datasets: datasets.into_iter().map(|(_, d)| d).collect(),
        rejects_total: thousands(rejects.len() as i64),
        rejects: kinds
            .into_iter()
            .take(12)
            .map(|((dataset, reason), n)| RejectRow {
                dataset,
                reason,
                count: thousands(n),
            })
            .collect(),
        files: files
            .iter()
            .map(|r| FileRow {
                dataset: r.string("dataset"),
                path: r.string("path"),
                format: r.string("format"),
                bytes: thousands(r.count("bytes")),
                hash: r.string("xxh3_128"),
            })
            .collect(),
        snapshot: m.snapshot.clone(),
        load_finished: chrono::DateTime::parse_from_rfc3339(&m.load_finished)
            .map(|t| t.format("%-d %B %Y at %H:%M:%S UTC").to_string())
            .unwrap_or_else(|_| m.load_finished.clone()),
        program_version: m.program_version.clone(),
        as_of: long_date(p.as_of),
        input: m.input.clone(),
    })
}

fn definitions(p: &Params) -> Vec<Definition> {
    let d = |term: &str, text: String| Definition {
        term: term.to_owned(),
        text,
    };
    let years = if p.validity_months % 12 == 0 {
        format!("{} years", p.validity_months / 12)
    } else {
        format!("{} months", p.validity_months)
    };
    vec![
        d(
            "as_of",
            format!(
                "The date the figures are taken at: {}. Quarterly figures are at the last quarter \
                 end on or before it ({}); \"a year earlier\" is the same quarter end twelve \
                 months before ({}).",
                long_date(p.as_of),
                long_date(p.period_end),
                long_date(p.previous)
            ),
        ),
        d(
            "In post",
            "A post holder is in post at a date when they started on or before it and have not \
             left before it."
                .to_owned(),
        ),
        d(
            "Training compliance (quality metric 11.b)",
            format!(
                "Staff in post who hold safeguarding children training at or above the \
                 Intercollegiate level their role requires, completed on or before the date and \
                 within the previous {years}, as a percentage of staff in post. RAG: red below {}, \
                 amber from {} to {} inclusive, green above {}.",
                percent(p.red_below),
                percent(p.red_below),
                percent(p.green_above),
                percent(p.green_above)
            ),
        ),
        d(
            "Supervision compliance (quality metric 11.a.5)",
            "Staff in post whose role has a safeguarding supervision interval of m months and who \
             have been in post for at least m months are \"requiring\"; they are \"supervised\" \
             when they had a one-to-one or group session in the m months up to the date (ad hoc \
             sessions do not count). Compliance is supervised as a percentage of requiring, with \
             the same RAG bands as training."
                .to_owned(),
        ),
        d(
            "Section 11 self-audit",
            "Each organisation rates itself green, amber or red against the eight Section 11 \
             (Children Act 2004) standards in each audit round. A standard improved when its \
             rating moved towards green since the organisation's previous round and worsened \
             when it moved towards red. An action is complete when completed on or before as_of \
             and overdue when not complete and past its due date."
                .to_owned(),
        ),
        d(
            "Review action plans",
            "Actions agreed on or before as_of from Serious Case Reviews, Child Safeguarding \
             Practice Reviews, rapid reviews and related reviews. Completed: completed on or \
             before as_of; overdue: not completed and past the due date; open: neither. Impact \
             evidenced counts completed actions whose effect on practice has been evidenced. \
             Median days: the median number of days from agreement to completion."
                .to_owned(),
        ),
        d(
            "Multi-agency contribution (quality metric 11.a.2)",
            format!(
                "Child protection conferences, strategy meetings and similar meetings a health \
                 organisation was asked to contribute to, and the share it contributed to by \
                 attending or sending a report. RAG: red below {}, amber from {} to {} \
                 inclusive, green above {}.",
                percent(p.ma_red_below),
                percent(p.ma_red_below),
                percent(p.ma_green_above),
                percent(p.ma_green_above)
            ),
        ),
        d(
            "Statistical process control (SPC)",
            format!(
                "XmR charts in the NHS \"Making Data Count\" style over the 36 months to as_of. \
                 The mean is the average of the monthly values; the process limits are the mean \
                 plus and minus 2.66 times the average moving range (moving ranges of 3.267 times \
                 the average or more are left out). Special cause: a point outside the limits, a \
                 run of 7 or more points rising or falling, two of three points near a limit on \
                 the same side, or a run of 7 or more points on one side of the mean. Assurance \
                 compares the {} target with the limits.",
                percent(p.green_above)
            ),
        ),
        d(
            "Disclosure control",
            disclosure_note(p.rule).trim_start_matches("* ").to_owned(),
        ),
    ]
}

impl ReportData {
    /// Refuses data holding any staff identifier of the warehouse, as defence in depth: no
    /// query above reads staff_id, and this keeps it so.
    pub async fn check_no_staff_ids(&self, session: &Session) -> anyhow::Result<()> {
        let json = serde_json::to_string(self)?;
        let ids = query(session, "SELECT DISTINCT staff_id FROM staff").await?;
        let tokens: HashSet<&str> = json
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        for r in &ids {
            let Some(id) = r.text("staff_id") else {
                continue;
            };
            let simple = id.chars().all(|c| c.is_ascii_alphanumeric());
            let found = if simple {
                tokens.contains(id)
            } else {
                json.contains(id)
            };
            if found {
                anyhow::bail!(
                    "the report data holds a staff identifier; staff identifiers must never be \
                     published, so no report was written"
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_reasons_lose_their_values() {
        let cases = [
            (
                "unknown staff_id SG1234567: not in staff",
                Some("staff_id"),
                "staff_id not found in staff",
            ),
            (
                "duplicate staff_id SG1234567: an earlier row has the same key",
                Some("staff_id"),
                "duplicate key: an earlier row has the same key",
            ),
            (
                "invalid date 31/02/2025 in completed_on (no such day)",
                Some("completed_on"),
                "invalid date in completed_on",
            ),
            (
                "level 7 is between 1 and 5",
                Some("level"),
                "level out of range",
            ),
            (
                "end_date 2020-01-01 is before start_date 2021-01-01",
                Some("end_date"),
                "end_date is before start_date",
            ),
            (
                "no section11_ratings row for organisation_code N1A, audit_round 2024, standard 9",
                Some("organisation_code"),
                "no matching section11_ratings row",
            ),
        ];
        for (reason, column, want) in cases {
            let got = reason_kind(reason, column);
            assert_eq!(got, want, "{reason}");
            assert!(!got.contains("SG1234567"));
        }
    }

    #[test]
    fn the_grid_heads_its_left_columns_with_the_most_common_previous_round() {
        assert_eq!(grid_previous_round([].into_iter()), None);
        assert_eq!(
            grid_previous_round(["2023", "2021", "2023"].into_iter()),
            Some("2023".to_owned())
        );
        // A tie goes to the later round.
        assert_eq!(
            grid_previous_round(["2021", "2023"].into_iter()),
            Some("2023".to_owned())
        );
    }

    /// What one PDF string can hold under PDF/A (the limit the national-scale report hit).
    const PDF_STRING_LIMIT: usize = 32_767;

    fn params() -> Params {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        Params {
            as_of: d(2026, 3, 31),
            period_end: d(2026, 3, 31),
            previous: d(2025, 3, 31),
            red_below: 75.0,
            green_above: 90.0,
            ma_red_below: 60.0,
            ma_green_above: 90.0,
            validity_months: 36,
            rule: Disclosure { threshold: 5 },
        }
    }

    #[test]
    fn trend_descriptions_stay_short_at_national_scale() {
        let p = params();
        let quarters: Vec<NaiveDate> = (0..12)
            .map(|i| periods::month_end(periods::months_before(p.period_end, 3 * (11 - i))))
            .collect();
        // A thousand organisations with long names, every fifth one's latest quarter hidden.
        let mut sums = Sums::new();
        let orgs: Vec<(String, String)> = (0..1000)
            .map(|i| {
                (
                    format!("X{i:04}"),
                    format!(
                        "{} Hospitals and Community Services NHS Foundation Trust {i}",
                        "Northshire and Riverton ".repeat(3)
                    ),
                )
            })
            .collect();
        for (i, (code, _)) in orgs.iter().enumerate() {
            for (q, quarter) in quarters.iter().enumerate() {
                let den = 1000;
                let num = 600 + ((i * 7 + q * 13) % 400) as i64;
                sums.insert((*quarter, code.clone(), "3".into()), (num, den));
            }
        }
        let what = "safeguarding children training compliance";
        let mut trends = vec![trend(
            &sums,
            &p,
            &quarters,
            None,
            "All organisations",
            what,
            false,
        )];
        for (i, (code, name)) in orgs.iter().enumerate() {
            trends.push(trend(
                &sums,
                &p,
                &quarters,
                Some(code),
                name,
                what,
                i % 5 == 0,
            ));
        }
        for t in &trends {
            assert!(t.alt.len() < 1_000, "{} characters: {}", t.alt.len(), t.alt);
        }
        let summary = trends_summary(what, &quarters, &trends, &p);
        assert!(
            summary.len() < 2_000 && summary.len() < PDF_STRING_LIMIT,
            "{} characters: {summary}",
            summary.len()
        );
        // Informative: the footprint's series, the bands at the latest quarter, the extremes.
        assert!(
            summary.contains("one for each of the 1000 organisations"),
            "{summary}"
        );
        assert!(
            summary.contains("for All organisations at each quarter end"),
            "{summary}"
        );
        assert!(
            summary.contains("and 200 had no published figure"),
            "{summary}"
        );
        assert!(summary.contains("The highest was "), "{summary}");
        assert!(!summary.contains("Trust 999 at each quarter"), "{summary}");
    }
}
