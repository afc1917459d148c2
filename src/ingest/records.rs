//! CSV records cut from the bytes of a file in one pass: each record's fields, where the
//! record's physical line starts, and the hash of every byte read.
//!
//! Most lines of an export hold no quote, and such a line is its record: it is found with one
//! vectorised search for a quote or a line break, and split at its commas. Only a record with a
//! quote in it goes through `csv_core`'s state machine (which the `csv` crate is built on, so
//! both read a file alike). Line breaks are counted as they are passed, rather than by reading
//! the file a second time, and a record's trailing empty fields (a spreadsheet's padding) are
//! dropped with one backwards scan instead of being handed over one by one: past its last
//! value a row reads as blank however long it is, so nothing is lost.
//!
//! Like `csv` (with its defaults), blank lines are not records, `\r\n`, `\n` and a bare `\r`
//! each end a record, and a UTF-8 byte-order mark at the very start of the file is dropped.

use std::io::{ErrorKind, Read};

use csv_core::ReadRecordResult;
use memchr::memchr3;

use super::digest::{Digest, Hasher};
use super::limits::MAX_ROW_BYTES;
use super::split::{nth_field, split, split_quoted};

/// Bytes read from the file at a time.
const READ_BYTES: usize = 1 << 20;

/// Why records stopped.
#[derive(Debug)]
pub enum RecordError {
    Io(std::io::Error),
    /// The record starting on `line` runs past [`MAX_ROW_BYTES`].
    TooLong {
        line: u64,
    },
}

impl From<std::io::Error> for RecordError {
    fn from(e: std::io::Error) -> Self {
        RecordError::Io(e)
    }
}

/// Records as they are read from `R`.
pub struct Records<R> {
    inner: R,
    hasher: Hasher,
    at_end: bool,
    /// Bytes read and not yet consumed are `buf[pos..end]`.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Line breaks (`\n`) before `pos`.
    newlines: u64,
    core: csv_core::Reader,
    /// A quoted record's fields as `csv_core` writes them, and where each ends.
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Whether trailing empty fields are kept (for a header: its width is reported).
    keep_padding: bool,
    /// Whether the start of the file was looked at for a byte-order mark.
    past_bom: bool,
    /// Records left out as they are read, and how many were.
    leave: Option<Leave>,
    left: u64,
    /// The note of the last record read (see [`Decision`]).
    note: u64,
}

/// Records to leave out as they are read: those whose field `column` passes `test` (the rows a
/// mapping skips, half of an ESR export). A record without a quote is tested before it is
/// split or copied, so such a row costs little more than finding its line break.
pub struct Leave {
    pub column: usize,
    pub test: FieldTest,
}

/// What a field's bytes make of its record: left out, or kept with a note for whoever reads
/// it (a mapping notes what its memo found for the field, so that is not looked up again).
pub type FieldTest = Box<dyn Fn(&[u8]) -> Decision + Send>;

/// A [`FieldTest`]'s answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    Leave,
    /// Kept, with a note (0 for none).
    Keep(u64),
}

impl Default for Decision {
    fn default() -> Self {
        Decision::Keep(0)
    }
}

/// What [`Records::next_record`] found.
enum Next {
    End,
    /// A record, and whether it was already tested against [`Leave`] and kept.
    Record {
        line: u64,
        tested: bool,
    },
    Left,
}

impl<R: Read> Records<R> {
    pub fn new(inner: R) -> Self {
        // The parser drops a byte-order mark from the first input it is given, and a quoted
        // record is given to it from wherever it starts: so it is first given a line break
        // (which it passes over) and the mark is dropped here, only at the file's start. After a
        // record it is always where a record starts, and is never reset.
        let mut core = csv_core::Reader::new();
        let primed = core.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        debug_assert_eq!(primed.0, ReadRecordResult::InputEmpty);
        Records {
            inner,
            hasher: Hasher::default(),
            at_end: false,
            buf: vec![0; READ_BYTES],
            pos: 0,
            end: 0,
            newlines: 0,
            core,
            out: vec![0; 4096],
            ends: vec![0; 64],
            keep_padding: false,
            past_bom: false,
            leave: None,
            left: 0,
            note: 0,
        }
    }

    /// [`Records::read`], keeping the record's trailing empty fields: the header, whose
    /// unnamed padding a load reports.
    pub fn read_whole(
        &mut self,
        bytes: &mut Vec<u8>,
        starts: &mut Vec<usize>,
    ) -> Result<Option<u64>, RecordError> {
        self.keep_padding = true;
        let read = self.read(bytes, starts);
        self.keep_padding = false;
        read
    }

    /// The size and hash of every byte, once the file has been read to its end.
    pub fn digest(&self) -> Option<Digest> {
        self.at_end.then(|| self.hasher.digest())
    }

    /// Leaves out, from now on, the records `leave` picks.
    pub fn leave(&mut self, leave: Leave) {
        self.leave = Some(leave);
    }

    /// Whether records are being left out.
    pub fn leaves(&self) -> bool {
        self.leave.is_some()
    }

    /// Records left out so far.
    pub fn left(&self) -> u64 {
        self.left
    }

    /// What the [`Leave`] test noted of the last record read (0 without a test).
    pub fn note(&self) -> u64 {
        self.note
    }

    /// Reads the next record that is not left out, up to its last non-empty field: each field
    /// is appended to `bytes` followed by one separator byte, and the offset after that byte
    /// (where the next field starts) is pushed to `starts`. Returns the line the record starts
    /// on, or `None` after the last record.
    pub fn read(
        &mut self,
        bytes: &mut Vec<u8>,
        starts: &mut Vec<usize>,
    ) -> Result<Option<u64>, RecordError> {
        loop {
            let before = (bytes.len(), starts.len());
            match self.next_record(bytes, starts)? {
                Next::End => return Ok(None),
                Next::Left => self.left += 1,
                Next::Record { line, tested: true } => return Ok(Some(line)),
                Next::Record {
                    line,
                    tested: false,
                } => {
                    let Some(leave) = &self.leave else {
                        return Ok(Some(line));
                    };
                    // The record's fields, as split: field k ends where field k + 1 starts.
                    let at = before.1 + leave.column;
                    let field = match starts.get(at) {
                        Some(&end) => &bytes[starts[at - 1]..end - 1],
                        None => &[][..],
                    };
                    if let Decision::Keep(note) = (leave.test)(field) {
                        self.note = note;
                        return Ok(Some(line));
                    }
                    bytes.truncate(before.0);
                    starts.truncate(before.1);
                    self.left += 1;
                }
            }
        }
    }

    /// The lines of `bytes` (a file's first few hundred kilobytes) that would not be left out:
    /// a line with a quote in it counts as kept, so the estimate errs high.
    pub fn kept_lines(&self, bytes: &[u8]) -> usize {
        bytes
            .split(|&b| b == b'\n')
            .skip(1)
            .filter(|line| line.contains(&b'"') || self.decide(line) != Decision::Leave)
            .count()
    }

    /// What the test makes of the line of a record with no quote in it.
    fn decide(&self, line: &[u8]) -> Decision {
        match &self.leave {
            Some(leave) => (leave.test)(nth_field(line, leave.column)),
            None => Decision::Keep(0),
        }
    }

    fn next_record(
        &mut self,
        bytes: &mut Vec<u8>,
        starts: &mut Vec<usize>,
    ) -> Result<Next, RecordError> {
        if !self.past_bom {
            self.past_bom = true;
            if self.end == 0 && !self.more()? {
                return Ok(Next::End);
            }
            if self.buf[..self.end].starts_with(b"\xef\xbb\xbf") {
                self.pos = 3;
            }
        }
        // Line breaks before a record are blank lines, not records.
        loop {
            if self.pos == self.end && !self.more()? {
                return Ok(Next::End);
            }
            let blank = self.buf[self.pos..self.end]
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            self.newlines += count_newlines(&self.buf[self.pos..self.pos + blank]);
            self.pos += blank;
            if self.pos < self.end {
                break;
            }
        }
        let line = self.newlines + 1;
        // Bytes after `pos` known to hold neither a quote nor a line break.
        let mut clear = 0;
        loop {
            let rest = &self.buf[self.pos + clear..self.end];
            match memchr3(b'"', b'\n', b'\r', rest) {
                Some(i) if rest[i] == b'"' => {
                    let data = &self.buf[self.pos..self.end];
                    return match split_quoted(data, self.at_end, self.keep_padding, bytes, starts) {
                        Some(stop) => {
                            self.pos += stop;
                            Ok(Next::Record {
                                line,
                                tested: false,
                            })
                        }
                        None => self.read_quoted(line, bytes, starts),
                    };
                }
                // The line break is passed, and counted, before the next record.
                Some(i) => return Ok(self.split_line(self.pos + clear + i, line, bytes, starts)),
                None if self.at_end => return Ok(self.split_line(self.end, line, bytes, starts)),
                None => {
                    clear = self.end - self.pos;
                    if clear > MAX_ROW_BYTES {
                        return Err(RecordError::TooLong { line });
                    }
                    self.more()?;
                }
            }
        }
    }

    /// The record with no quote in it that ends at `stop`, unless it is left out.
    fn split_line(
        &mut self,
        stop: usize,
        line: u64,
        bytes: &mut Vec<u8>,
        starts: &mut Vec<usize>,
    ) -> Next {
        let record = &self.buf[self.pos..stop];
        self.pos = stop;
        match self.decide(record) {
            Decision::Leave => return Next::Left,
            Decision::Keep(note) => self.note = note,
        }
        split(record, self.keep_padding, bytes, starts);
        Next::Record { line, tested: true }
    }

    /// A record with a quote in it, through `csv_core`.
    fn read_quoted(
        &mut self,
        line: u64,
        bytes: &mut Vec<u8>,
        starts: &mut Vec<usize>,
    ) -> Result<Next, RecordError> {
        let (mut written, mut fields, mut consumed) = (0, 0, 0);
        loop {
            let input = &self.buf[self.pos..self.end];
            let (result, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.out[written..], &mut self.ends[fields..]);
            self.newlines += count_newlines(&input[..nin]);
            self.pos += nin;
            consumed += nin;
            written += nout;
            fields += nend;
            match result {
                ReadRecordResult::InputEmpty => {
                    if consumed > MAX_ROW_BYTES {
                        return Err(RecordError::TooLong { line });
                    }
                    // At the end of the file, empty input tells the parser the record ends.
                    if !self.at_end {
                        self.more()?;
                    }
                }
                ReadRecordResult::OutputFull => {
                    let len = self.out.len() * 2;
                    self.out.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len() * 2;
                    self.ends.resize(len, 0);
                }
                ReadRecordResult::Record | ReadRecordResult::End => break,
            }
        }
        let ends = &self.ends[..fields];
        let start = |k: usize| if k == 0 { 0 } else { ends[k - 1] };
        let kept = match self.keep_padding {
            true => fields,
            false => (0..fields)
                .rposition(|k| ends[k] > start(k))
                .map_or(0, |k| k + 1),
        };
        for (k, &end) in ends.iter().enumerate().take(kept) {
            bytes.extend_from_slice(&self.out[start(k)..end]);
            bytes.push(b',');
            starts.push(bytes.len());
        }
        Ok(Next::Record {
            line,
            tested: false,
        })
    }

    /// Reads more of the file after what is left unconsumed (moved to the buffer's start, the
    /// buffer grown when a record fills it); false at the end of the file with nothing left.
    fn more(&mut self) -> std::io::Result<bool> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            let len = self.buf.len() * 2;
            self.buf.resize(len, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.hasher.update(&self.buf[self.end..self.end + n]);
                    self.end += n;
                    self.at_end |= n == 0;
                    return Ok(self.end > 0);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// A plain count the compiler vectorises (faster here than searching newline by newline).
pub fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `input` as (line, fields), the fields as text.
    fn records(input: &[u8]) -> Vec<(u64, Vec<String>)> {
        let mut reader = Records::new(input);
        let mut out = vec![];
        loop {
            let (mut bytes, mut starts) = (vec![], vec![0]);
            let Some(line) = reader.read(&mut bytes, &mut starts).unwrap() else {
                break;
            };
            let fields = starts
                .windows(2)
                .map(|w| String::from_utf8_lossy(&bytes[w[0]..w[1] - 1]).into_owned())
                .collect();
            out.push((line, fields));
        }
        assert_eq!(reader.digest().map(|d| d.bytes), Some(input.len() as u64));
        out
    }

    /// What the `csv` crate reads, trailing empty fields dropped, lines counted from the bytes.
    fn by_csv(input: &[u8]) -> Vec<Vec<String>> {
        let mut reader = ::csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(input);
        reader
            .byte_records()
            .map(|r| {
                let r = r.unwrap();
                let kept = r.iter().rposition(|f| !f.is_empty()).map_or(0, |k| k + 1);
                r.iter()
                    .take(kept)
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect()
            })
            .collect()
    }

    fn fields(rows: &[(u64, Vec<String>)]) -> Vec<Vec<String>> {
        rows.iter().map(|(_, f)| f.clone()).collect()
    }

    #[test]
    fn records_and_their_lines() {
        let input = b"a,b,c\r\n\r\n1,\"two, 2\",3\n4,\"five\nlines\",6\r7,,\n,,,\n\n8";
        let rows = records(input);
        assert_eq!(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            [1, 3, 4, 5, 6, 8]
        );
        assert_eq!(fields(&rows), by_csv(input));
        assert_eq!(rows[2].1, ["4", "five\nlines", "6"]);
        assert_eq!(rows[3].1, ["7"]);
        assert!(rows[4].1.is_empty());
    }

    #[test]
    fn a_header_keeps_its_padding() {
        let mut reader = Records::new(&b"a,,b,,\n\"c\",,\n1,,2,,\n"[..]);
        for expected in [5, 3, 5] {
            let (mut bytes, mut starts) = (vec![], vec![0]);
            reader.read_whole(&mut bytes, &mut starts).unwrap();
            assert_eq!(starts.len() - 1, expected, "{bytes:?}");
        }
        let mut reader = Records::new(&b"a,,b,,\n1,,2,,\n"[..]);
        let (mut bytes, mut starts) = (vec![], vec![0]);
        reader.read_whole(&mut bytes, &mut starts).unwrap();
        reader.read(&mut bytes, &mut starts).unwrap();
        assert_eq!(starts.len() - 1, 5 + 3);
    }

    #[test]
    fn padding_is_dropped_and_inner_empty_fields_kept() {
        let mut input = b"S1,,3".to_vec();
        input.extend(std::iter::repeat_n(b',', 16_000));
        input.extend_from_slice(b"\n,x,\"\",\n");
        input.extend(std::iter::repeat_n(b',', 13));
        let rows = records(&input);
        assert_eq!(rows[0].1, ["S1", "", "3"]);
        assert_eq!(rows[1].1, ["", "x"]);
        assert_eq!(fields(&rows), by_csv(&input));
    }

    /// Long records that cross the 1 MiB read size; quotes, escaped quotes, bare carriage
    /// returns, a byte-order mark and a last line without a break.
    fn mixed_input() -> Vec<u8> {
        let mut input = "\u{feff}id,\"name\",note\n".as_bytes().to_vec();
        for i in 0..40_000 {
            let row = match i % 5 {
                0 => format!("{i},plain {i},\r\n"),
                1 => format!("{i},\"quoted, \"\"{i}\"\"\",x\n"),
                2 => format!("{i},ab\"c,\"multi\r\nline\"\r"),
                3 => format!("{i},{},\"simple, {i}\",\"\",z\"\n", "y".repeat(i % 300)),
                _ => format!("\n{i},,,,,,,\n"),
            };
            input.extend_from_slice(row.as_bytes());
        }
        input.extend_from_slice(b"\"a\"b,\"\"\"\",\"x\" ,\"\n\"\n\"y\"\n\"\"\n,\"\",\n");
        input.extend_from_slice(b"last,row");
        input
    }

    #[test]
    fn the_same_records_as_the_csv_crate_over_buffer_edges() {
        let input = mixed_input();
        let rows = records(&input);
        let expected = by_csv(&input);
        assert_eq!(rows.len(), expected.len());
        for (n, (row, expected)) in fields(&rows).iter().zip(&expected).enumerate() {
            assert_eq!(row, expected, "record {n}");
        }
        assert_eq!(rows[0].1[0], "id");
        let lines = |at: usize| count_newlines(&input[..at]) + 1;
        let last = input.len() - "last,row".len();
        assert_eq!(rows.last().unwrap().0, lines(last));
    }

    #[test]
    fn kept_lines_leaves_out_what_the_test_picks_and_counts_quoted_lines_kept() {
        let head = b"id,course\n1,fire\n2,level 3\n3,\"fire, drill\"\n4,fire\n5,level";
        let mut reader = Records::new(&b""[..]);
        assert_eq!(reader.kept_lines(head), 5);
        reader.leave(Leave {
            column: 1,
            test: Box::new(|field| match field.starts_with(b"fire") {
                true => Decision::Leave,
                false => Decision::Keep(field.len() as u64),
            }),
        });
        // Lines 2 and 5 are left out; line 4 has a quote, so it is not looked into.
        assert_eq!(reader.kept_lines(head), 3);
    }

    #[test]
    fn records_left_out_are_those_the_test_picks_and_are_counted() {
        let input = mixed_input();
        let picks = |field: &[u8]| field.is_empty() || field.last() == Some(&b'7');
        let all = records(&input);
        let kept: Vec<_> = all
            .iter()
            .filter(|(_, fields)| !picks(fields.get(1).map_or(b"", |f| f.as_bytes())))
            .cloned()
            .collect();
        assert!(kept.len() < all.len() && kept.len() > all.len() / 2);
        let mut reader = Records::new(&input[..]);
        reader.leave(Leave {
            column: 1,
            test: Box::new(move |field| match picks(field) {
                true => Decision::Leave,
                false => Decision::Keep(field.len() as u64 + 1),
            }),
        });
        // One buffer for every record, as a chunk holds them: a record left out after it was
        // split must leave no trace in it.
        let (mut read, mut bytes, mut starts) = (vec![], vec![], vec![0]);
        loop {
            let first = starts.len();
            let Some(line) = reader.read(&mut bytes, &mut starts).unwrap() else {
                break;
            };
            let fields = starts[first - 1..]
                .windows(2)
                .map(|w| String::from_utf8_lossy(&bytes[w[0]..w[1] - 1]).into_owned())
                .collect::<Vec<_>>();
            // Each record kept carries the note its own field was given.
            assert_eq!(
                reader.note(),
                fields.get(1).map_or(0, String::len) as u64 + 1
            );
            read.push((line, fields));
        }
        assert_eq!(read, kept);
        assert_eq!(reader.left(), (all.len() - kept.len()) as u64);
        assert_eq!(reader.digest().map(|d| d.bytes), Some(input.len() as u64));
    }

    #[test]
    fn a_row_that_never_ends_stops_reading() {
        let mut input = b"a,b\n1,\"".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_ROW_BYTES + (2 << 20)));
        let mut reader = Records::new(&input[..]);
        let (mut bytes, mut starts) = (vec![], vec![0]);
        assert_eq!(reader.read(&mut bytes, &mut starts).unwrap(), Some(1));
        match reader.read(&mut bytes, &mut starts) {
            Err(RecordError::TooLong { line: 2 }) => {}
            other => panic!("{other:?}"),
        }
        let mut unquoted = b"a\n".to_vec();
        unquoted.extend(std::iter::repeat_n(b'x', MAX_ROW_BYTES + (2 << 20)));
        let mut reader = Records::new(&unquoted[..]);
        reader.read(&mut bytes, &mut starts).unwrap();
        assert!(matches!(
            reader.read(&mut bytes, &mut starts),
            Err(RecordError::TooLong { line: 2 })
        ));
    }
}
