//! Row validation: types, required fields, cross-field rules, foreign keys and unique keys,
//! building Arrow columns from the rows that pass.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int32Builder,
    StringBuilder, new_null_array,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};

pub use super::keys::KeySet;
use super::keys::PREFETCH_AHEAD;
use super::mapping::{ColumnPlan, Read};
use super::problem::{Problem, ProblemKind};
use super::source::{Row, RowChunk};
use super::value::{Value, trim};
use crate::contract::calendar::is_quarter_end;
use crate::contract::{Dataset, ForeignKey, Kind, Rule, date32, warehouse_schema};

/// Rows per record batch written to the warehouse.
pub const BATCH_ROWS: usize = 65_536;

/// The keys of every dataset loaded so far, for foreign-key checks.
#[derive(Default, Clone)]
pub struct KeyIndex {
    sets: HashMap<&'static str, KeySet>,
}

impl KeyIndex {
    /// Records a dataset's keys once it is loaded (or kept from the previous snapshot).
    pub fn insert(&mut self, dataset: &'static str, keys: KeySet) {
        self.sets.insert(dataset, keys);
    }

    /// The keys of a dataset, or `None` when it has no data at all, in which case references
    /// to it cannot be checked (the dataset's own error says why).
    pub fn get(&self, dataset: &str) -> Option<&KeySet> {
        self.sets.get(dataset)
    }
}

/// Hashes the values of a key so that equal keys hash alike whatever format they came from.
pub fn key_hash<'v>(parts: impl IntoIterator<Item = &'v Value<'v>>) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for v in parts {
        h.update(v.key_text().as_bytes());
        h.update(b"\x1f");
    }
    h.digest128()
}

/// What checking one row found.
#[derive(Debug)]
pub enum Verdict<'r> {
    /// Every check passed: the row's contract values.
    Pass(Vec<Value<'r>>),
    /// Every problem found.
    Fail(Vec<Problem>),
    /// The file's mapping drops the row on purpose: neither loaded nor rejected.
    Skip,
}

/// What became of a row given to [`Validator::push`].
#[derive(Debug)]
pub enum Pushed {
    Loaded,
    Rejected(Vec<Problem>),
    Skipped,
}

enum Builder {
    Text(StringBuilder),
    Int(Int32Builder),
    Decimal(Float64Builder),
    Date(Date32Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Text | Kind::Enum(_) => Builder::Text(StringBuilder::new()),
            Kind::Int { .. } => Builder::Int(Int32Builder::new()),
            Kind::Decimal { .. } => Builder::Decimal(Float64Builder::new()),
            Kind::Date => Builder::Date(Date32Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
        }
    }

    fn append(&mut self, value: &Value<'_>) {
        match (self, value) {
            (Builder::Text(b), Value::Text(s)) => b.append_value(s),
            (Builder::Text(b), Value::Enum(s)) => b.append_value(s),
            (Builder::Int(b), Value::Int(i)) => b.append_value(*i as i32),
            (Builder::Decimal(b), Value::Decimal(f)) => b.append_value(*f),
            (Builder::Date(b), Value::Date(d)) => b.append_value(date32(*d)),
            (Builder::Bool(b), Value::Bool(v)) => b.append_value(*v),
            (b, _) => b.append_null(),
        }
    }

    fn append_null(&mut self) {
        match self {
            Builder::Text(b) => b.append_null(),
            Builder::Int(b) => b.append_null(),
            Builder::Decimal(b) => b.append_null(),
            Builder::Date(b) => b.append_null(),
            Builder::Bool(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Decimal(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Builder::Text(b) => b.len(),
            Builder::Int(b) => b.len(),
            Builder::Decimal(b) => b.len(),
            Builder::Date(b) => b.len(),
            Builder::Bool(b) => b.len(),
        }
    }
}

/// An extra column's values in the batch being built. Nothing is allocated while every value so
/// far is null: the extra columns of a wide file are mostly empty, and a builder for each would
/// cost the file's width times the batch, whatever the data.
#[derive(Default)]
struct Extra {
    /// Nulls before the first value (all of them while `values` is `None`).
    nulls: usize,
    values: Option<StringBuilder>,
}

impl Extra {
    fn append(&mut self, value: Option<&str>) {
        match (value, &mut self.values) {
            (None, None) => self.nulls += 1,
            (None, Some(b)) => b.append_null(),
            (Some(v), Some(b)) => b.append_value(v),
            (Some(v), None) => {
                let mut b = StringBuilder::new();
                b.append_nulls(self.nulls);
                b.append_value(v);
                self.values = Some(b);
            }
        }
    }

    /// The column, or `None` when it is null in every row; the builder starts over.
    fn finish(&mut self) -> Option<ArrayRef> {
        self.nulls = 0;
        self.values
            .take()
            .map(|mut b| Arc::new(b.finish()) as ArrayRef)
    }
}

/// Each foreign key with its columns' positions and the keys it must find (`None` when the
/// referenced dataset has no data at all, so the reference cannot be checked).
type References<'k> = Vec<(&'static ForeignKey, Vec<usize>, Option<&'k KeySet>)>;

/// Checks one dataset's rows and builds the record batches of those that pass.
pub struct Validator<'k> {
    def: &'static Dataset,
    schema: SchemaRef,
    builders: Vec<Builder>,
    extras: Vec<String>,
    extra_builders: Vec<Extra>,
    /// About how many bytes the buffered rows hold, so a batch of wide rows is cut short.
    buffered_bytes: usize,
    keys: KeySet,
    references: References<'k>,
    key_columns: Vec<usize>,
}

impl<'k> Validator<'k> {
    /// `extras` are the normalised names of the non-contract columns of all the dataset's files.
    pub fn new(def: &'static Dataset, extras: Vec<String>, index: &'k KeyIndex) -> Validator<'k> {
        let column = |name: &str| {
            def.column_index(name)
                .expect("contract names its own columns")
        };
        let references = def
            .foreign_keys
            .iter()
            .map(|fk| {
                (
                    fk,
                    fk.columns.iter().map(|c| column(c)).collect(),
                    index.get(fk.dataset),
                )
            })
            .collect();
        let key_columns = def.key.iter().map(|c| column(c)).collect();
        Validator::with_checks(def, extras, references, key_columns)
    }

    /// A validator for another thread: the same checks and foreign keys, its own buffer, and
    /// no unique keys (those are claimed in row order by the validator it came from).
    pub fn worker(&self) -> Validator<'k> {
        Validator::with_checks(
            self.def,
            self.extras.clone(),
            self.references.clone(),
            self.key_columns.clone(),
        )
    }

    /// An empty validator: no rows buffered, no keys seen.
    fn with_checks(
        def: &'static Dataset,
        extras: Vec<String>,
        references: References<'k>,
        key_columns: Vec<usize>,
    ) -> Validator<'k> {
        Validator {
            def,
            schema: warehouse_schema(def, &extras),
            builders: def.columns.iter().map(|c| Builder::new(c.kind)).collect(),
            extra_builders: extras.iter().map(|_| Extra::default()).collect(),
            buffered_bytes: 0,
            extras,
            keys: KeySet::default(),
            references,
            key_columns,
        }
    }

    /// The dataset being validated.
    pub fn dataset_name(&self) -> &'static str {
        self.def.name
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Validates a row; when it passes it is buffered for the next batch, otherwise every
    /// problem found is returned and nothing is kept.
    pub fn push(&mut self, row: &dyn Row, map: &ColumnPlan) -> Pushed {
        let values = match self.check(row, map) {
            Verdict::Pass(values) => values,
            Verdict::Fail(problems) => return Pushed::Rejected(problems),
            Verdict::Skip => return Pushed::Skipped,
        };
        let key = self.key_of(&values);
        if !self.claim_key(key) {
            return Pushed::Rejected(vec![self.duplicate(&values, map)]);
        }
        self.append(row, map, &values);
        Pushed::Loaded
    }

    /// Every check that needs only the row itself and the keys of earlier datasets: types,
    /// required fields, cross-field rules and foreign keys (not this dataset's own unique key).
    pub fn check<'r>(&self, row: &'r dyn Row, map: &'r ColumnPlan) -> Verdict<'r> {
        self.check_with(row, map, &[])
    }

    /// [`Validator::check`], with the row's foreign keys already looked up (one entry per
    /// foreign key, `None` where it was not; an empty slice when none were). A row the
    /// mapping skips in any column is skipped, whatever else is wrong with it.
    pub fn check_with<'r>(
        &self,
        row: &'r dyn Row,
        map: &'r ColumnPlan,
        known: &[Option<bool>],
    ) -> Verdict<'r> {
        let def = self.def;
        let mut problems = Vec::new();
        if let Some(defect) = row.defect() {
            problems.push(Problem {
                column: None,
                column_number: None,
                kind: ProblemKind::Unreadable,
                reason: defect,
            });
        }
        let width = map.width();
        if row.len() > width.max(1)
            && (width..row.len()).any(|i| !trim(&row.cell(i).display()).is_empty())
        {
            problems.push(Problem {
                column: None,
                column_number: Some(width + 1),
                kind: ProblemKind::TooManyFields,
                reason: format!(
                    "the row has {} fields but the header has {width}",
                    row.len()
                ),
            });
        }
        let mut values = Vec::with_capacity(def.columns.len());
        for (i, column) in def.columns.iter().enumerate() {
            let value = match map.read(row, i, column) {
                Read::Value(Value::Null) if column.required => {
                    problems.push(self.problem(
                        map,
                        i,
                        ProblemKind::RequiredBlank {
                            column: column.name,
                        },
                        format!("{} is required but blank", column.name),
                    ));
                    Value::Null
                }
                Read::Value(v) => v,
                Read::Invalid { kind, reason } => {
                    problems.push(Problem {
                        column: Some(column.name),
                        column_number: map.column_number(i),
                        kind,
                        reason,
                    });
                    Value::Null
                }
                Read::Skip => return Verdict::Skip,
            };
            values.push(value);
        }
        if problems.is_empty() {
            self.check_rules(&values, map, &mut problems);
            self.check_references(&values, map, known, &mut problems);
        }
        if problems.is_empty() {
            Verdict::Pass(values)
        } else {
            Verdict::Fail(problems)
        }
    }

    /// The hash of a checked row's unique key.
    pub fn key_of(&self, values: &[Value<'_>]) -> u128 {
        key_hash(self.key_columns.iter().map(|&i| &values[i]))
    }

    /// Makes room for about `rows` more keys at once.
    pub fn reserve_keys(&mut self, rows: usize) {
        self.keys.reserve(rows);
    }

    /// Records a key as seen; false when an earlier row already had it.
    pub fn claim_key(&mut self, key: u128) -> bool {
        self.keys.insert(key)
    }

    /// Fetches the slot of a key claimed a little later (see [`KeySet::prefetch`]).
    pub fn prefetch_key(&self, key: u128) {
        self.keys.prefetch(key);
    }

    /// The problem of a checked row whose key an earlier row already had.
    pub fn duplicate(&self, values: &[Value<'_>], map: &ColumnPlan) -> Problem {
        let described = self.describe(&self.key_columns, values);
        self.problem(
            map,
            self.key_columns[0],
            ProblemKind::Duplicate,
            format!("duplicate {described}: an earlier row has the same key"),
        )
    }

    /// Buffers a checked row for the next batch.
    pub fn append(&mut self, row: &dyn Row, map: &ColumnPlan, values: &[Value<'_>]) {
        for (b, v) in self.builders.iter_mut().zip(values) {
            b.append(v);
        }
        self.buffered_bytes += 8 * values.len();
        for (b, &source) in self.extra_builders.iter_mut().zip(map.extras()) {
            // A CSV field is taken as it is held, with no `Cell` in between (that round trip
            // through memory stalled on every row of an export with an extra column).
            let cell;
            let text = match source {
                None => None,
                Some(s) => match row.text(s) {
                    Some(text) => Some(Cow::Borrowed(text)),
                    None => {
                        cell = row.cell(s);
                        Some(cell.display())
                    }
                },
            };
            match text.as_deref().map(trim) {
                Some(value) if !value.is_empty() => {
                    self.buffered_bytes += 8 + value.len();
                    b.append(Some(value));
                }
                _ => b.append(None),
            }
        }
    }

    /// A problem with contract column `index`, naming the file's header if the mapping renamed it.
    fn problem(
        &self,
        map: &ColumnPlan,
        index: usize,
        kind: ProblemKind,
        reason: String,
    ) -> Problem {
        Problem {
            column: Some(self.def.columns[index].name),
            column_number: map.column_number(index),
            kind,
            reason: map.label(index, reason),
        }
    }

    fn describe(&self, columns: &[usize], values: &[Value<'_>]) -> String {
        columns
            .iter()
            .map(|&i| format!("{} {}", self.def.columns[i].name, values[i].key_text()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn check_rules(&self, values: &[Value<'_>], map: &ColumnPlan, problems: &mut Vec<Problem>) {
        let index = |name| {
            self.def
                .column_index(name)
                .expect("rules name contract columns")
        };
        for rule in self.def.rules {
            match *rule {
                Rule::NotBefore { later, earlier } => {
                    let (l, e) = (index(later), index(earlier));
                    if let (Some(ld), Some(ed)) = (values[l].as_date(), values[e].as_date())
                        && ld < ed
                    {
                        problems.push(self.problem(
                            map,
                            l,
                            ProblemKind::Before { later, earlier },
                            format!("{later} {ld} is before {earlier} {ed}"),
                        ));
                    }
                }
                Rule::QuarterEnd(column) => {
                    let c = index(column);
                    if let Some(d) = values[c].as_date().filter(|d| !is_quarter_end(*d)) {
                        problems.push(self.problem(
                            map,
                            c,
                            ProblemKind::NotQuarterEnd { column },
                            format!(
                                "{column} {d} is not a quarter end (30 June, 30 September, 31 December or 31 March)"
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// The foreign keys of every row of a chunk, looked up before the rows are checked: one
    /// lookup after another, their cache misses overlap, where lookups spread among the rest
    /// of each row's checks wait for memory one at a time (at a million staff the lookups were
    /// the load's largest cost). `rows × foreign keys` entries, `None` where a row's key is
    /// blank or not of its type (the row's own checks report that).
    ///
    /// Rows the file's mapping skips are found here too, and look nothing up: in an export with
    /// every mandatory course, half the rows are skipped, and their lookups would be half the
    /// cost. The second vector says which rows are skipped (empty when the mapping skips none,
    /// or when `test_skips` is false: the reader left them out, and the rare one it could not
    /// judge is skipped by the row's own checks).
    pub fn look_up_references(
        &self,
        chunk: &dyn RowChunk,
        map: &ColumnPlan,
        test_skips: bool,
    ) -> (Vec<Option<bool>>, Vec<bool>) {
        let count = self.references.len();
        let test_skips = test_skips && map.can_skip();
        let mut hashes: Vec<Option<u128>> = Vec::with_capacity(chunk.len() * count);
        let mut skips = Vec::with_capacity(if test_skips { chunk.len() } else { 0 });
        for i in 0..chunk.len() {
            chunk.row(i, &mut |row, _| {
                let skipped = test_skips && map.skips(row);
                if test_skips {
                    skips.push(skipped);
                }
                let value = |c: usize| match map.read(row, c, &self.def.columns[c]) {
                    Read::Value(v) if v != Value::Null => Some(v),
                    _ => None,
                };
                for (_, columns, target) in &self.references {
                    let hash = match columns[..] {
                        _ if target.is_none() || skipped => None,
                        [c] => value(c).map(|v| key_hash([&v])),
                        _ => columns
                            .iter()
                            .map(|&c| value(c))
                            .collect::<Option<Vec<_>>>()
                            .map(|v| key_hash(v.iter())),
                    };
                    hashes.push(hash);
                }
            });
        }
        // Each lookup is a cache miss in a large set: the slot of the one a few ahead is
        // fetched while this one is answered.
        let target = |n: usize| self.references[n % count].2;
        let known = (0..hashes.len())
            .map(|n| {
                let ahead = n + PREFETCH_AHEAD;
                if let (Some(Some(h)), Some(set)) = (hashes.get(ahead), target(ahead)) {
                    set.prefetch(*h);
                }
                hashes[n].and_then(|h| Some(target(n)?.contains(h)))
            })
            .collect();
        (known, skips)
    }

    fn check_references(
        &self,
        values: &[Value<'_>],
        map: &ColumnPlan,
        known: &[Option<bool>],
        problems: &mut Vec<Problem>,
    ) {
        for (n, (fk, columns, target)) in self.references.iter().enumerate() {
            let Some(target) = target else { continue };
            if columns.iter().any(|&i| values[i] == Value::Null) {
                continue;
            }
            let found =
                known.get(n).copied().flatten().unwrap_or_else(|| {
                    target.contains(key_hash(columns.iter().map(|&i| &values[i])))
                });
            if !found {
                let (kind, reason) = if columns.len() == 1 {
                    let kind = ProblemKind::UnknownKey {
                        column: fk.columns[0],
                        dataset: fk.dataset,
                    };
                    let reason = format!(
                        "unknown {} {}: not in {}",
                        fk.columns[0],
                        values[columns[0]].key_text(),
                        fk.dataset
                    );
                    (kind, reason)
                } else {
                    let kind = ProblemKind::NoMatchingRow {
                        dataset: fk.dataset,
                    };
                    let reason = format!(
                        "no {} row for {}",
                        fk.dataset,
                        self.describe(columns, values)
                    );
                    (kind, reason)
                };
                problems.push(self.problem(map, columns[0], kind, reason));
            }
        }
    }

    /// Rows validated and not yet taken as a batch.
    pub fn buffered(&self) -> usize {
        self.builders.first().map_or(0, Builder::len)
    }

    /// About how many bytes the buffered rows hold.
    pub fn buffered_bytes(&self) -> usize {
        self.buffered_bytes
    }

    /// The buffered rows as one record batch. Extra columns null in every row share one array.
    pub fn take_batch(&mut self) -> RecordBatch {
        let rows = self.buffered();
        let mut columns: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        let mut nulls: Option<ArrayRef> = None;
        for extra in &mut self.extra_builders {
            let column = extra.finish().unwrap_or_else(|| {
                nulls
                    .get_or_insert_with(|| new_null_array(&DataType::Utf8, rows))
                    .clone()
            });
            columns.push(column);
        }
        self.buffered_bytes = 0;
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)
            .expect("builders follow the schema")
    }

    /// The keys of every row that passed, for the foreign-key checks of later datasets.
    pub fn into_keys(self) -> KeySet {
        self.keys
    }
}
