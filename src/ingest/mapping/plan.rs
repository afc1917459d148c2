//! Where each contract column of one file comes from, worked out once from its header: a
//! header the mapping names, the header of the same name, a constant, or nothing. The
//! validator reads every cell through this plan, so a mapping is applied while the file is
//! read, in whichever reader and thread reads it. A column with no mapping costs one branch.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::compile::{ColumnRule, Mapping};
use super::values::{Hit, Mapped, Memo};
use crate::contract::{Column, Dataset, Kind, normalise_name};
use crate::ingest::problem::ProblemKind;
use crate::ingest::records::{Decision, Leave};
use crate::ingest::source::{FileError, Row};
use crate::ingest::value::{Cell, Invalid, Value, nothing_to_trim, parse, parse_date, trim};

/// How one contract column of a file was found: what `check` lists.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// Read from the header the mapping names.
    Mapped { header: String, at: usize },
    /// Read from the header of the same name.
    ByName { header: String, at: usize },
    /// The mapping's constant.
    Constant(String),
    /// Not in the file: an optional column, blank on every row.
    Missing,
}

/// How a file's header meets the contract (and the file's mapping, if it has one).
#[derive(Debug, Clone)]
pub struct Layout {
    pub mapping: Option<Arc<Mapping>>,
    /// One entry per contract column, in contract order.
    pub columns: Vec<Found>,
    /// Headers kept as extra columns: (header as written, normalised name, position).
    pub extras: Vec<(String, String, usize)>,
    /// Headers named like a contract column the mapping reads from another header or a
    /// constant: not loaded.
    pub ignored: Vec<String>,
    /// Header cells up to the last named one: the columns the file uses.
    pub named_width: usize,
    /// Unnamed header cells after the last named one (a spreadsheet's padding): not read.
    pub unnamed_trailing: usize,
    /// Extra columns dropped because they were empty in every row (only in a file wider than
    /// [`MAX_COLUMNS`](crate::ingest::limits::MAX_COLUMNS), where every extra column must be).
    pub empty_dropped: usize,
}

impl Layout {
    /// Matches a file's header. A header named twice, a required column the file lacks, or a
    /// header the mapping names that the file lacks stops the file.
    pub fn new(
        def: &'static Dataset,
        mapping: Option<&Arc<Mapping>>,
        headers: &[String],
        display: &str,
    ) -> Result<Layout, FileError> {
        let names: Vec<String> = headers.iter().map(|h| normalise_name(h)).collect();
        let mut seen = HashSet::new();
        for n in names.iter().filter(|n| !n.is_empty()) {
            if !seen.insert(n.as_str()) {
                return Err(FileError::Format {
                    path: display.to_owned(),
                    message: format!("column {n} appears twice in the header"),
                });
            }
        }
        let find = |name: &str| names.iter().position(|n| n == name);
        let shown = |at: usize| headers[at].trim().trim_start_matches('\u{feff}').to_owned();
        let mut columns = Vec::with_capacity(def.columns.len());
        for (i, c) in def.columns.iter().enumerate() {
            let rule = mapping.map(|m| &m.columns[i]);
            let found = match rule {
                Some(ColumnRule {
                    header: Some(header),
                    ..
                }) => match find(&normalise_name(header)) {
                    Some(at) => Found::Mapped {
                        header: shown(at),
                        at,
                    },
                    None => {
                        return Err(FileError::Format {
                            path: display.to_owned(),
                            message: format!(
                                "{} reads {} from the column {header:?}, which is not in the header{}",
                                mapping.map_or_else(String::new, |m| m.name()),
                                c.name,
                                nearest(header, headers).map_or_else(String::new, |n| format!(
                                    " (the nearest is {n:?})"
                                ))
                            ),
                        });
                    }
                },
                Some(ColumnRule {
                    constant: Some(value),
                    ..
                }) => Found::Constant(value.clone()),
                _ => match find(c.name) {
                    Some(at) => Found::ByName {
                        header: shown(at),
                        at,
                    },
                    None if c.required => {
                        return Err(match mapping {
                            None => FileError::MissingColumn {
                                path: display.to_owned(),
                                column: c.name.to_owned(),
                                column_number: headers.len() + 1,
                            },
                            Some(m) => FileError::Format {
                                path: display.to_owned(),
                                message: format!(
                                    "required column {} is missing from the header: name the file's column for it in the columns of {}, or give it a constant",
                                    c.name,
                                    m.name()
                                ),
                            },
                        });
                    }
                    None => Found::Missing,
                },
            };
            columns.push(found);
        }
        let claimed: HashSet<usize> = columns
            .iter()
            .filter_map(|f| match f {
                Found::Mapped { at, .. } | Found::ByName { at, .. } => Some(*at),
                _ => None,
            })
            .collect();
        let mut extras = vec![];
        let mut ignored = vec![];
        for (at, n) in names.iter().enumerate() {
            if n.is_empty() || claimed.contains(&at) {
                continue;
            }
            if def.column_index(n).is_some() {
                ignored.push(shown(at));
            } else {
                extras.push((shown(at), n.clone(), at));
            }
        }
        let named_width = names
            .iter()
            .rposition(|n| !n.is_empty())
            .map_or(0, |p| p + 1);
        Ok(Layout {
            mapping: mapping.cloned(),
            columns,
            extras,
            ignored,
            named_width,
            unnamed_trailing: headers.len() - named_width,
            empty_dropped: 0,
        })
    }
}

/// The header closest to `wanted` (case, spaces and hyphens aside), if any is close at all.
fn nearest<'h>(wanted: &str, headers: &'h [String]) -> Option<&'h str> {
    let wanted = normalise_name(wanted);
    headers
        .iter()
        .filter(|h| !h.trim().is_empty())
        .map(|h| {
            (
                strsim::normalized_levenshtein(&wanted, &normalise_name(h)),
                h,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, h)| h.trim())
}

/// Where a contract column's cells come from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Missing,
    Column(usize),
    Constant,
}

#[derive(Debug, Clone)]
struct Slot {
    source: Source,
    /// Whether the mapping changes the column's values (value maps, extra date formats).
    transforms: bool,
    /// Whether some value of the column makes the mapping skip the row.
    can_skip: bool,
    /// The file's header, when the mapping named it (rejects about the column name it).
    mapped_header: Option<String>,
    /// The file's header the cells come from, however it was found.
    header: Option<String>,
    /// What the column's value map gave each value so far (a plan is cloned for each thread
    /// that reads with it, and the clone starts empty).
    memo: Memo<Hit>,
}

/// A contract column's value in one row, as the plan reads it.
#[derive(Debug)]
pub enum Read<'r> {
    Value(Value<'r>),
    /// Why the cell cannot be the column's value: its kind, and the reason naming the file's
    /// header where the mapping renamed the column.
    Invalid {
        kind: ProblemKind,
        reason: String,
    },
    /// The mapping drops the row on purpose.
    Skip,
}

/// How to read one file's rows as contract rows.
#[derive(Debug, Clone)]
pub struct ColumnPlan {
    mapping: Option<Arc<Mapping>>,
    slots: Vec<Slot>,
    /// Position of each of the dataset's extra columns in this file.
    extras: Vec<Option<usize>>,
    /// Columns before the first header cell (an XLSX sheet need not start in column A).
    pub first_column: usize,
    /// Cells up to the last column used; a row may run past it only with blank cells.
    width: usize,
    /// The slot whose values decide which rows a reader leaves out (see [`ColumnPlan::leave`]).
    deciding: Option<usize>,
}

impl ColumnPlan {
    /// The plan of a file laid out as `layout`; `extras` are the extra columns of all the
    /// dataset's files (normalised names), in warehouse order.
    pub fn new(layout: &Layout, extras: &[String]) -> ColumnPlan {
        let slots: Vec<Slot> = layout
            .columns
            .iter()
            .enumerate()
            .map(|(i, found)| {
                let rule = layout.mapping.as_ref().map(|m| &m.columns[i]);
                let (source, header, mapped_header) = match found {
                    Found::Mapped { header, at } => (
                        Source::Column(*at),
                        Some(header.clone()),
                        Some(header.clone()),
                    ),
                    Found::ByName { header, at } => {
                        (Source::Column(*at), Some(header.clone()), None)
                    }
                    Found::Constant(_) => (Source::Constant, None, None),
                    Found::Missing => (Source::Missing, None, None),
                };
                Slot {
                    source,
                    transforms: rule.is_some_and(ColumnRule::transforms),
                    can_skip: rule
                        .and_then(|r| r.values.as_ref())
                        .is_some_and(|v| v.can_skip()),
                    mapped_header,
                    header,
                    memo: Memo::default(),
                }
            })
            .collect();
        let positions: HashMap<&str, usize> = layout
            .extras
            .iter()
            .map(|(_, n, at)| (n.as_str(), *at))
            .collect();
        let extras: Vec<Option<usize>> = extras
            .iter()
            .map(|e| positions.get(e.as_str()).copied())
            .collect();
        let width = slots
            .iter()
            .filter_map(|s| match s.source {
                Source::Column(at) => Some(at),
                _ => None,
            })
            .chain(extras.iter().flatten().copied())
            .max()
            .map_or(0, |m| m + 1);
        let deciding = slots
            .iter()
            .position(|s| s.can_skip && matches!(s.source, Source::Column(_)));
        ColumnPlan {
            mapping: layout.mapping.clone(),
            slots,
            extras,
            first_column: 0,
            width,
            deciding,
        }
    }

    /// Cells up to the last column used.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the mapping can skip a row of this file.
    pub fn can_skip(&self) -> bool {
        self.slots.iter().any(|s| s.can_skip)
    }

    /// Whether the mapping skips `row`: the same answer [`ColumnPlan::read`] gives for some
    /// column, found without reading the others.
    pub fn skips(&self, row: &dyn Row) -> bool {
        self.slots.iter().enumerate().any(|(i, slot)| {
            let Some(values) = slot
                .can_skip
                .then(|| self.rule(i))
                .flatten()
                .and_then(|r| r.values.as_ref())
            else {
                return false;
            };
            let cell = match slot.source {
                Source::Column(at) => row.cell(at),
                Source::Missing => Cell::Empty,
                Source::Constant => Cell::Text(Cow::Borrowed(
                    self.rule(i)
                        .and_then(|r| r.constant.as_deref())
                        .unwrap_or_default(),
                )),
            };
            match cell {
                Cell::Text(text) => {
                    values.apply_remembered(trim(&text), &slot.memo) == Mapped::Skip
                }
                other => {
                    values.apply_remembered(trim(&other.display()), &slot.memo) == Mapped::Skip
                }
            }
        })
    }

    /// A test that leaves out, as a CSV file is read, rows this plan skips: field `column`
    /// holding a value the mapping skips is enough (whatever else is wrong with the row). An
    /// empty or non-UTF-8 field is kept, for the checks to decide as they would.
    pub fn leave(&self) -> Option<Leave> {
        let slot = self.deciding?;
        let Source::Column(column) = self.slots[slot].source else {
            return None;
        };
        // The reader's own copy of the column's map, and a memo of its own (it runs on the
        // reading thread). What it finds for a row it keeps is noted, for `read` to use.
        let values = self.rule(slot)?.values.clone()?;
        let memo = Memo::default();
        Some(Leave {
            column,
            test: Box::new(move |field| {
                // Most fields have nothing to trim, and are looked up as they are.
                if nothing_to_trim(field) {
                    return values.decide_remembered(field, &memo);
                }
                let Ok(text) = std::str::from_utf8(field) else {
                    return Decision::Keep(0);
                };
                match trim(text) {
                    "" => Decision::Keep(0),
                    text => values.decide_remembered(text.as_bytes(), &memo),
                }
            }),
        })
    }

    /// The position in the file of each of the dataset's extra columns.
    pub fn extras(&self) -> &[Option<usize>] {
        &self.extras
    }

    /// The 1-based position in the file of a contract column.
    pub fn column_number(&self, index: usize) -> Option<usize> {
        match self.slots[index].source {
            Source::Column(at) => Some(self.first_column + at + 1),
            _ => None,
        }
    }

    /// A problem's reason, naming the file's header when the mapping renamed the column.
    pub fn label(&self, index: usize, reason: String) -> String {
        match &self.slots[index].mapped_header {
            Some(header) => format!("{header}: {reason}"),
            None => reason,
        }
    }

    /// Contract column `index` of `row` as its type: the cell, mapped if the mapping maps it,
    /// parsed by the contract's rules.
    pub fn read<'r>(&'r self, row: &'r dyn Row, index: usize, column: &Column) -> Read<'r> {
        let slot = &self.slots[index];
        let cell = match slot.source {
            Source::Column(at) => row.cell(at),
            Source::Missing => Cell::Empty,
            Source::Constant => {
                let constant = self
                    .rule(index)
                    .and_then(|r| r.constant.as_deref())
                    .unwrap_or_default();
                Cell::Text(Cow::Borrowed(constant))
            }
        };
        if !slot.transforms {
            return match parse(cell, column.kind) {
                Ok(v) => Read::Value(v),
                Err(invalid) => Read::Invalid {
                    kind: ProblemKind::of_invalid(&invalid, column.name),
                    reason: self.label(index, invalid.reason(column.name)),
                },
            };
        }
        // What the reader noted of the row is of the deciding column's value.
        let note = match self.deciding == Some(index) {
            true => row.note(),
            false => 0,
        };
        match self.rule(index) {
            Some(rule) => self.read_mapped(index, rule, cell, note, column),
            // A slot transforms only when its mapping has a rule for it.
            None => Read::Value(Value::Null),
        }
    }

    fn rule(&self, index: usize) -> Option<&ColumnRule> {
        self.mapping.as_ref().map(|m| &m.columns[index])
    }

    /// The value maps, then the extra date formats, then the contract's parse.
    fn read_mapped<'r>(
        &self,
        index: usize,
        rule: &'r ColumnRule,
        cell: Cell<'r>,
        note: u64,
        column: &Column,
    ) -> Read<'r> {
        let mut unmatched: Option<Cell<'r>> = None;
        let memo = &self.slots[index].memo;
        let cell = match &rule.values {
            None => cell,
            Some(values) => match cell {
                Cell::Text(Cow::Borrowed(text)) => {
                    match values.apply_noted(trim(text), note, memo) {
                        Mapped::Skip => return Read::Skip,
                        Mapped::Value(v) => Cell::Text(v),
                        Mapped::Unmatched => {
                            let cell = Cell::Text(Cow::Borrowed(text));
                            unmatched = Some(cell.clone());
                            cell
                        }
                    }
                }
                other => {
                    let text = other.display().into_owned();
                    match values.apply_remembered(trim(&text), memo) {
                        Mapped::Skip => return Read::Skip,
                        Mapped::Value(v) => Cell::Text(Cow::Owned(v.into_owned())),
                        Mapped::Unmatched => {
                            unmatched = Some(other.clone());
                            other
                        }
                    }
                }
            },
        };
        let cell = match (&rule.dates, cell) {
            (Some(formats), Cell::Text(text)) => {
                let trimmed = trim(&text);
                let date = formats.first_glance(trimmed).or_else(|| {
                    // Extra formats come after the contract's spellings, which parse as usual.
                    parse_date(trimmed)
                        .is_none()
                        .then(|| formats.parse(trimmed))
                        .flatten()
                });
                match date {
                    Some(date) => Cell::Date(date),
                    None => Cell::Text(text),
                }
            }
            (_, cell) => cell,
        };
        match parse(cell, column.kind) {
            Ok(v) => Read::Value(v),
            Err(_) if unmatched.is_some() => Read::Invalid {
                kind: ProblemKind::Unmapped {
                    column: column.name,
                },
                reason: format!(
                    "no value for {}: \"{}\" in {} matches no mapping",
                    column.name,
                    trim(&unmatched.as_ref().map(Cell::display).unwrap_or_default()),
                    self.slots[index]
                        .header
                        .as_deref()
                        .unwrap_or("the constant")
                ),
            },
            Err(invalid) => {
                let kind = ProblemKind::of_invalid(&invalid, column.name);
                let invalid = match (invalid, &rule.dates) {
                    (Invalid::Malformed { what, value, .. }, Some(formats))
                        if column.kind == Kind::Date =>
                    {
                        Invalid::Malformed {
                            what,
                            value,
                            hint: formats.hint(),
                        }
                    }
                    (invalid, _) => invalid,
                };
                Read::Invalid {
                    kind,
                    reason: self.label(index, invalid.reason(column.name)),
                }
            }
        }
    }
}
