//! Files wider than their data. A spreadsheet formatted to the sheet's edge leaves thousands of
//! empty columns behind, named (an Excel table's `Column1` ... `Column16384`) or not. Unnamed
//! ones past the last named column are never read (a row with a value there is rejected, as a
//! row longer than its header always was). A file whose named columns number more than
//! [`MAX_COLUMNS`] is read once first: if every extra column is empty in every row they are
//! dropped, otherwise the file is refused. Either way the warehouse, and the memory of the load,
//! follow the data, not the header.

use super::Open;
use super::discover::InputFile;
use super::limits::MAX_COLUMNS;
use super::mapping::Layout;
use super::source::FileError;
use super::value::trim;
use crate::numbers::thousands;

/// Drops the extra columns of a file wider than [`MAX_COLUMNS`] when every one of them is
/// empty in every row, or refuses the file when one holds a value. A file within the limit is
/// left as it is (its named extra columns are kept, empty or not).
pub fn narrow(layout: &mut Layout, file: &InputFile, open: &Open<'_>) -> Result<(), FileError> {
    if layout.named_width <= MAX_COLUMNS {
        return Ok(());
    }
    let mut extra_at: Vec<Option<usize>> = vec![None; layout.named_width];
    for (k, (_, _, at)) in layout.extras.iter().enumerate() {
        extra_at[*at] = Some(k);
    }
    let mut source = open(file)?;
    let mut filled: Option<(u64, usize)> = None;
    source.rows(&mut |row, line| {
        if filled.is_some() {
            return;
        }
        for (i, extra) in extra_at.iter().enumerate().take(row.len()) {
            if let Some(k) = extra
                && !trim(&row.cell(i).display()).is_empty()
            {
                filled = Some((line, *k));
                return;
            }
        }
    })?;
    if let Some((line, k)) = filled {
        return Err(FileError::Format {
            path: file.relative.clone(),
            message: format!(
                "the header has {} columns, more than the {} a file may have, and its extra column {:?} holds a value on line {line}: a header that wide is read only when its extra columns are empty in every row",
                thousands(layout.named_width as u64),
                thousands(MAX_COLUMNS as u64),
                layout.extras[k].0,
            ),
        });
    }
    layout.empty_dropped = layout.extras.len();
    layout.extras.clear();
    Ok(())
}

/// What a person should know about how a file's columns were read, beyond `check`'s listing:
/// the padding not read and the empty columns dropped.
pub fn notes(layout: &Layout) -> Vec<String> {
    let mut notes = vec![];
    if layout.unnamed_trailing > 0 {
        notes.push(format!(
            "{} after the last named one {} dropped (a spreadsheet's padding; a row with a value there is rejected)",
            columns(layout.unnamed_trailing, "unnamed column"),
            if layout.unnamed_trailing == 1 { "was" } else { "were" },
        ));
    }
    if layout.empty_dropped > 0 {
        notes.push(format!(
            "{} empty in every row {} dropped: the header has {} columns, more than the {} a file may have",
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
