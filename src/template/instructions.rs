//! The `instructions` sheet of a template: every column, what it means, whether it is
//! required, the values it allows, and the dataset's keys and rules, all read from the
//! contract table the loader validates against.

use rust_xlsxwriter::{Format, Worksheet};

use super::allowed;
use crate::contract::{Dataset, Rule};

/// Fills `sheet` (named `instructions`) for `def`.
pub fn write(sheet: &mut Worksheet, def: &Dataset) -> anyhow::Result<()> {
    sheet.set_name("instructions")?;
    let title = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap();
    sheet.write_string_with_format(0, 0, def.name, &title)?;
    sheet.write_string(1, 0, def.description)?;
    sheet.write_string(
        2,
        0,
        format!(
            "Fill in the data sheet, one row per {}, under the header row (leave it as it is), and return the workbook as {}.xlsx. Dates may be typed as dates; blank cells are allowed only in optional columns.",
            row_noun(def),
            def.name
        ),
    )?;
    let mut row = 4;
    bold_row(
        sheet,
        row,
        &["column", "required", "allowed values", "what it means"],
    )?;
    for column in def.columns {
        row += 1;
        sheet.write_string(row, 0, column.name)?;
        sheet.write_string(row, 1, if column.required { "yes" } else { "no" })?;
        sheet.write_string_with_format(row, 2, allowed(column), &wrap)?;
        sheet.write_string_with_format(row, 3, column.description, &wrap)?;
    }
    row += 2;
    bold_row(sheet, row, &["rules"])?;
    for rule in rules(def) {
        row += 1;
        sheet.write_string(row, 0, rule)?;
    }
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 10)?;
    sheet.set_column_width(2, 48)?;
    sheet.set_column_width(3, 72)?;
    Ok(())
}

/// What one row is, from the dataset's key.
fn row_noun(def: &Dataset) -> String {
    def.key.join(" and ").replace('_', " ")
}

/// The dataset's key, references and cross-column rules as sentences.
pub fn rules(def: &Dataset) -> Vec<String> {
    let mut out = vec![format!(
        "Each row needs a unique {}: a later row repeating one is rejected.",
        def.key.join(" and ")
    )];
    for fk in def.foreign_keys {
        out.push(format!(
            "{} must match a row of {} already sent.",
            fk.columns.join(" and "),
            fk.dataset
        ));
    }
    for rule in def.rules {
        out.push(match rule {
            Rule::NotBefore { later, earlier } => {
                format!("{later}, when given, must not be before {earlier}.")
            }
            Rule::QuarterEnd(column) => format!(
                "{column} must be a quarter end: 30 June, 30 September, 31 December or 31 March."
            ),
        });
    }
    out
}

/// A row of bold cells.
fn bold_row(sheet: &mut Worksheet, row: u32, cells: &[&str]) -> anyhow::Result<()> {
    let bold = Format::new().set_bold();
    for (col, text) in (0u16..).zip(cells) {
        sheet.write_string_with_format(row, col, *text, &bold)?;
    }
    Ok(())
}
