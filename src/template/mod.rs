//! `safeguard template`: an XLSX workbook per dataset providers return, so a return loads
//! first time. Everything in it comes from the contract table the loader validates against
//! (`contract`): the header, what each column means, whether it is required, and the
//! values it allows, both as Excel data validation on the `data` sheet and as text on the
//! `instructions` sheet.

mod instructions;

use std::path::{Path, PathBuf};

use anyhow::Context;
use rust_xlsxwriter::{
    DataValidation, DataValidationRule, ExcelDateTime, Format, FormatAlign, Formula, Workbook,
};

use crate::contract::{self as schema, Column, Dataset, Kind};

/// The datasets providers return, in the order a commissioner asks for them.
pub const PROVIDER_RETURNS: [&str; 7] = [
    "training",
    "supervision",
    "section11_ratings",
    "section11_actions",
    "review_actions",
    "multiagency_meetings",
    "escalations",
];

/// The date range data validation allows.
const FIRST_DATE: (u16, u8, u8) = (2000, 1, 1);
const LAST_DATE: (u16, u8, u8) = (2099, 12, 31);
/// Rows of the data sheet validation covers (Excel's last row, 0-based).
const LAST_ROW: u32 = 1_048_575;
/// How dates show in the templates: the way a UK provider types them.
pub const DATE_FORMAT: &str = "dd/mm/yyyy";
/// Excel's limits on an input message's title and text.
const TITLE_LIMIT: usize = 32;
const MESSAGE_LIMIT: usize = 255;
/// The (hidden) sheet holding lists too long to write into a validation rule.
const LISTS_SHEET: &str = "lists";

/// Where the templates go and what they know of the warehouse.
pub struct TemplateConfig {
    pub out: PathBuf,
    /// The warehouse's organisation codes, for organisation code drop-downs (empty: none).
    pub organisation_codes: Vec<String>,
}

/// Writes one `<dataset>.xlsx` per provider return into `config.out`; returns their paths.
pub fn write_all(config: &TemplateConfig) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(&config.out)
        .with_context(|| format!("cannot create {}", config.out.display()))?;
    let mut written = vec![];
    for name in PROVIDER_RETURNS {
        let def = schema::dataset(name).context("a provider return is a contract dataset")?;
        let path = config.out.join(format!("{name}.xlsx"));
        write(def, &config.organisation_codes, &path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// Writes the template of one dataset.
pub fn write(
    def: &'static Dataset,
    organisation_codes: &[String],
    path: &Path,
) -> anyhow::Result<()> {
    let mut book = Workbook::new();
    let data = book.add_worksheet();
    data.set_name("data")?;
    let header = Format::new()
        .set_bold()
        .set_background_color("#D9E1F2")
        .set_align(FormatAlign::Center);
    let date = Format::new().set_num_format(DATE_FORMAT);
    let codes = !organisation_codes.is_empty();
    for (col, column) in (0u16..).zip(def.columns) {
        data.write_string_with_format(0, col, column.name, &header)?;
        data.set_column_width(col, width(column, organisation_codes))?;
        if column.kind == Kind::Date {
            data.set_column_format(col, &date)?;
        }
        let validation = validation(column, codes.then_some(organisation_codes.len()))?;
        data.add_data_validation(1, col, LAST_ROW, col, &validation)?;
    }
    data.set_freeze_panes(1, 0)?;
    instructions::write(book.add_worksheet(), def)?;
    if codes {
        let lists = book.add_worksheet();
        lists.set_name(LISTS_SHEET)?;
        lists.write_string(0, 0, "organisation_code")?;
        for (row, code) in (1u32..).zip(organisation_codes) {
            lists.write_string(row, 0, code)?;
        }
        lists.set_hidden(true);
    }
    book.save(path)?;
    Ok(())
}

/// Wide enough for the header and the longest value the column allows.
fn width(column: &Column, organisation_codes: &[String]) -> f64 {
    let longest = match column.kind {
        Kind::Enum(values) => values.iter().map(|v| v.len()).max().unwrap_or(0),
        Kind::Date => DATE_FORMAT.len(),
        _ if is_organisation_code(column) => organisation_codes
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(0),
        _ => 0,
    };
    (column.name.len().max(longest) + 3) as f64
}

/// A column whose values must be an organisation's code.
fn is_organisation_code(column: &Column) -> bool {
    column.name.ends_with("organisation_code")
}

/// The data validation of a column: a drop-down, a range or (for free text) only the input
/// message. `organisation_codes` is how many codes the lists sheet holds, if any.
fn validation(
    column: &Column,
    organisation_codes: Option<usize>,
) -> anyhow::Result<DataValidation> {
    let rule = match column.kind {
        Kind::Enum(values) => DataValidation::new().allow_list_strings(values)?,
        Kind::Int { min, max } if max - min < 20 => {
            let values: Vec<String> = (min..=max).map(|n| n.to_string()).collect();
            DataValidation::new().allow_list_strings(&values)?
        }
        Kind::Int { min, max } => DataValidation::new().allow_whole_number(
            DataValidationRule::Between(i32::try_from(min)?, i32::try_from(max)?),
        ),
        Kind::Decimal { min } => DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(min)),
        Kind::Date => {
            let day = |(y, m, d): (u16, u8, u8)| ExcelDateTime::from_ymd(y, m, d);
            DataValidation::new().allow_date(DataValidationRule::Between(
                day(FIRST_DATE)?,
                day(LAST_DATE)?,
            ))
        }
        Kind::Bool => DataValidation::new().allow_list_strings(&["yes", "no"])?,
        Kind::Text => match organisation_codes {
            Some(n) if is_organisation_code(column) => DataValidation::new()
                .allow_list_formula(Formula::new(format!("={LISTS_SHEET}!$A$2:$A${}", n + 1))),
            _ => DataValidation::new().allow_any_value(),
        },
    };
    let title = truncate(column.name, TITLE_LIMIT);
    let message = truncate(&input_message(column), MESSAGE_LIMIT);
    Ok(rule
        .ignore_blank(!column.required)
        .set_input_title(title)?
        .set_input_message(message)?
        .set_error_title("Not a value the loader accepts")?
        .set_error_message(truncate(
            &format!("{}: {}", column.name, allowed(column)),
            MESSAGE_LIMIT,
        ))?)
}

/// What shows when a cell of the column is selected.
fn input_message(column: &Column) -> String {
    format!(
        "{}. {}. {}.",
        if column.required {
            "Required"
        } else {
            "Optional"
        },
        column.description,
        allowed(column)
    )
}

/// The values a column allows, as a sentence (also the instructions sheet's column).
pub fn allowed(column: &Column) -> String {
    match column.kind {
        Kind::Text if is_organisation_code(column) => {
            "An organisation code from the organisations list".into()
        }
        Kind::Text => "Any text".into(),
        Kind::Enum(values) => format!("One of: {}", values.join(", ")),
        Kind::Int { min, max } => format!("A whole number from {min} to {max}"),
        Kind::Decimal { min } => format!("A number, {min} or more"),
        Kind::Date => format!(
            "A date from {:02}/{:02}/{} to {:02}/{:02}/{}",
            FIRST_DATE.2, FIRST_DATE.1, FIRST_DATE.0, LAST_DATE.2, LAST_DATE.1, LAST_DATE.0
        ),
        Kind::Bool => "yes or no".into(),
    }
}

/// At most `limit` characters, ending in an ellipsis when cut.
fn truncate(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(limit - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_returns_are_contract_datasets() {
        for name in PROVIDER_RETURNS {
            assert!(schema::dataset(name).is_some(), "{name}");
        }
    }

    #[test]
    fn every_input_message_fits_excel() {
        for name in PROVIDER_RETURNS {
            let def = schema::dataset(name).unwrap();
            for column in def.columns {
                assert!(
                    validation(column, Some(3)).is_ok(),
                    "{name}.{}",
                    column.name
                );
                assert!(
                    truncate(&input_message(column), MESSAGE_LIMIT)
                        .chars()
                        .count()
                        <= 255
                );
            }
        }
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
