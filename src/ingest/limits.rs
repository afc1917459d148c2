//! What `load` and `check` accept from an input folder, whoever wrote it: the bounds that keep
//! a broken or hostile return from taking the machine's memory or time. Each is enforced where
//! the input is read, with a message naming the file; the README's "Limits" table lists them
//! (keep the two in step).

/// Columns a file may use: named header cells, up to the last named one. A wider header is
/// read only if its columns beyond the contract's are empty in every row (they are then
/// dropped); otherwise it is a file error naming the file and its count. No real export comes close (Excel's sheet
/// stops at 16,384 columns).
pub const MAX_COLUMNS: usize = 10_000;

/// Bytes of one CSV row, all its fields together (so also the largest field). A longer row is
/// a file error: it is almost always a quote that is never closed, which would otherwise make
/// the rest of the file one field held in memory.
pub const MAX_ROW_BYTES: usize = 16 << 20;

/// Bytes an XLSX workbook may unpack to (the sum of its parts' sizes as its zip directory
/// declares them, which the unzipping enforces). A compressed bomb is refused before any part
/// is unpacked.
pub const MAX_XLSX_UNPACKED: u64 = 1 << 30;

/// The last column an XLSX sheet can have (XFD). A cell claiming a column beyond it is not
/// from a spreadsheet program, and would otherwise size each row.
pub const XLSX_COLUMNS: u32 = 16_384;

/// Folders below the input folder: `training/2024/q1/file.csv` is two deep. A file deeper
/// than this stops its dataset; it also stops a folder link that leads back up the tree.
pub const MAX_DEPTH: usize = 8;

/// Files one dataset may have. A dataset folder holding more stops that dataset, and listing
/// it stops there, so a folder of millions of files costs no more than this many.
pub const MAX_FILES: usize = 10_000;

/// Rows checked, built into Arrow columns and handed to the warehouse at once are cut by
/// size as well as by count: a batch holds at most this many bytes of cells (each field's
/// bytes plus eight for its place), so a wide file makes short batches rather than big ones.
pub const BATCH_BYTES: usize = 8 << 20;
