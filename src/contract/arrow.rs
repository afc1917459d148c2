//! How the contract's datasets are stored: the Arrow type of each column kind, the warehouse
//! schema of a dataset, and Arrow's DATE32 day numbers. The validator builds batches with these
//! schemas, the warehouse writes them, and the query session reads them back (or stands in an
//! empty table of the same shape for a dataset that was not supplied).

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::datasets::{Dataset, Kind};

/// The warehouse type of a contract column.
pub fn arrow_type(kind: Kind) -> DataType {
    match kind {
        Kind::Text | Kind::Enum(_) => DataType::Utf8,
        Kind::Int { .. } => DataType::Int32,
        Kind::Decimal { .. } => DataType::Float64,
        Kind::Date => DataType::Date32,
        Kind::Bool => DataType::Boolean,
    }
}

/// The warehouse schema of a dataset: its contract columns, then the extra columns its files
/// carried (kept as text so nothing a provider sent is lost).
pub fn warehouse_schema(def: &Dataset, extras: &[String]) -> SchemaRef {
    let mut fields: Vec<Field> = def
        .columns
        .iter()
        .map(|c| Field::new(c.name, arrow_type(c.kind), !c.required))
        .collect();
    fields.extend(extras.iter().map(|e| Field::new(e, DataType::Utf8, true)));
    Arc::new(Schema::new(fields))
}

/// Days from 0001-01-01 to 1970-01-01: Arrow's DATE32 counts days from the Unix epoch.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// A date as Arrow's DATE32 (days since 1970-01-01).
pub fn date32(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

/// Arrow's DATE32 as a date.
pub fn from_date32(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_DAYS_FROM_CE)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date32_counts_days_from_the_unix_epoch() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(date32(d(1970, 1, 1)), 0);
        assert_eq!(date32(d(1970, 1, 2)), 1);
        assert_eq!(date32(d(1969, 12, 31)), -1);
        for date in [d(2024, 2, 29), d(1900, 3, 1), d(2099, 12, 31)] {
            assert_eq!(from_date32(date32(date)), Some(date));
        }
    }

    #[test]
    fn optional_columns_are_nullable_and_extras_are_text() {
        let staff = crate::contract::dataset("staff").unwrap();
        let schema = warehouse_schema(staff, &["band".to_owned()]);
        let field = |n: &str| schema.field_with_name(n).unwrap().clone();
        assert!(!field("staff_id").is_nullable());
        assert!(field("end_date").is_nullable());
        assert_eq!(field("start_date").data_type(), &DataType::Date32);
        assert_eq!(field("band").data_type(), &DataType::Utf8);
    }
}
