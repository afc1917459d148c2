//! Query results as simple rows: each value a [`Cell`] (text, integer, float, date, boolean),
//! read by column name. The sections read the views through [`query`] and never touch Arrow.

use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type};

use crate::contract::from_date32;
use crate::query::{Session, exec};

/// One value of a query result.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Date(NaiveDate),
    Bool(bool),
}

/// One row of a query result, with its column names.
#[derive(Debug, Clone)]
pub(super) struct Row {
    names: Arc<Vec<String>>,
    cells: Vec<Cell>,
}

impl Row {
    pub(super) fn get(&self, name: &str) -> &Cell {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("the report queries no column {name}"));
        &self.cells[i]
    }

    pub(super) fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn string(&self, name: &str) -> String {
        self.text(name).unwrap_or_default().to_owned()
    }

    pub(super) fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Cell::Int(i) => Some(*i),
            Cell::Float(f) => Some(*f as i64),
            _ => None,
        }
    }

    pub(super) fn count(&self, name: &str) -> i64 {
        self.int(name).unwrap_or(0)
    }

    pub(super) fn float(&self, name: &str) -> Option<f64> {
        match self.get(name) {
            Cell::Float(f) => Some(*f),
            Cell::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    pub(super) fn date(&self, name: &str) -> Option<NaiveDate> {
        match self.get(name) {
            Cell::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// Runs one query through the same path as `safeguard sql` and returns its rows.
pub(super) async fn query(session: &Session, sql: &str) -> anyhow::Result<Vec<Row>> {
    let batches = exec::collect(session, sql)
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
