//! Files wider than their data. A spreadsheet formatted to the sheet's edge leaves thousands of
//! empty columns behind, named (an Excel table's `Column1` ... `Column16384`) or not. Unnamed
//! ones past the last named column are never read. A file whose named columns number more than
//! [`MAX_COLUMNS`] is read once first to find the columns that hold a value anywhere: the empty
//! ones are dropped, and if more than [`MAX_COLUMNS`] still hold values the file is refused.
//! Either way the warehouse, and the memory of the load, follow the data, not the header.

use super::discover::InputFile;
use super::formats;
use super::limits::MAX_COLUMNS;
use super::mapping::Layout;
use super::source::FileError;
use super::value::trim;
use crate::numbers::thousands;

/// Drops the empty extra columns of a file wider than [`MAX_COLUMNS`], or refuses it when too
/// many of its columns hold values. A file within the limit is left as it is (its named extra
/// columns are kept, empty or not).
pub fn narrow(layout: &mut Layout, file: &InputFile) -> Result<(), FileError> {
    if layout.named_width <= MAX_COLUMNS {
        return Ok(());
    }
    let read: Vec<usize> = layout.read_positions().collect();
    let too_wide = || FileError::Format {
        path: file.relative.clone(),
        message: format!(
            "the header has {} columns and more than {} of them hold values: a file may have at most {} (no real export comes close)",
            thousands(layout.named_width as u64),
            thousands(MAX_COLUMNS as u64),
            thousands(MAX_COLUMNS as u64),
        ),
    };
    let mut candidate = vec![false; layout.named_width];
    for (_, _, at) in &layout.extras {
        candidate[*at] = true;
    }
    let mut filled = vec![false; layout.named_width];
    let mut holding = read.len();
    let mut source = formats::open(&file.path, &file.relative, file.format)?;
    let mut over = false;
    source.rows(&mut |row, _| {
        if over {
            return;
        }
        for i in 0..row.len().min(candidate.len()) {
            if candidate[i] && !filled[i] && !trim(&row.cell(i).display()).is_empty() {
                filled[i] = true;
                holding += 1;
            }
        }
        over = holding > MAX_COLUMNS;
    })?;
    if over {
        return Err(too_wide());
    }
    layout.drop_empty_extras(&filled);
    Ok(())
}

/// What a person should know about how a file's columns were read, beyond `check`'s listing:
/// the padding not read and the empty columns dropped.
pub fn notes(layout: &Layout) -> Vec<String> {
    let mut notes = vec![];
    if layout.unnamed_trailing > 0 {
        notes.push(format!(
            "{} after the last named one {} not read (a spreadsheet's padding; a row with a value there is rejected)",
            columns(layout.unnamed_trailing, "unnamed column"),
            if layout.unnamed_trailing == 1 { "was" } else { "were" },
        ));
    }
    if layout.empty_dropped > 0 {
        notes.push(format!(
            "{} empty in every row {} dropped: the header has {} columns, more than the {} kept as they are",
            columns(layout.empty_dropped, "extra column"),
            if layout.empty_dropped == 1 { "was" } else { "were" },
            thousands(layout.named_width as u64),
            thousands(MAX_COLUMNS as u64),
        ));
    }
    notes
}

fn columns(n: usize, what: &str) -> String {
    format!(
        "{} {what}{}",
        thousands(n as u64),
        if n == 1 { "" } else { "s" }
    )
}
