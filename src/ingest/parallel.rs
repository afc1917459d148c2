//! Validating a large file (CSV or Parquet) on every core. Reading stays on the calling thread
//! (it is sequential by nature, and cheap); workers check chunks of rows against the contract
//! and build their Arrow columns; the calling thread then takes each chunk back in file order,
//! claims its unique keys (so "the earlier row wins" means what it does in a single pass), and
//! hands the rows and the rejects, in line order, to the sink. The result is the same as
//! reading the file row by row.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::BooleanArray;
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::record_batch::RecordBatch;

use super::keys::PREFETCH_AHEAD;
use super::mapping::ColumnPlan;
use super::problem::Problem;
use super::sink::{DatasetStats, Progress, Reject, Sink};
use super::source::{Chunked, FileError, RowChunk, is_blank, raw_row};
use super::validate::{Validator, Verdict};

/// Rows a worker checks at a time: big enough that handing chunks over costs nothing, small
/// enough that every core has work until the end of a file.
const CHUNK_ROWS: usize = 8192;

/// Threads that check rows, or `None` when this machine has one core (then reading row by row
/// is as fast and simpler).
pub fn workers() -> Option<usize> {
    std::thread::available_parallelism()
        .map(usize::from)
        .ok()
        .filter(|&n| n > 1)
}

/// A chunk and its place in the file.
type Numbered = (u64, Box<dyn RowChunk>);

/// One chunk after a worker checked it.
struct Checked {
    chunk: Box<dyn RowChunk>,
    /// Non-blank rows (blank rows are not data and are not counted).
    read: u64,
    /// Rows the file's mapping dropped on purpose.
    skipped: u64,
    /// The rows that passed, as one batch, with each row's index in the chunk and key hash.
    batch: RecordBatch,
    passed: Vec<usize>,
    keys: Vec<u128>,
    /// The rows that failed: line, problems, the row as CSV.
    rejected: Vec<(u64, Vec<Problem>, String)>,
}

/// Checks a chunk; `left_out` when its reader leaves out the rows the mapping skips.
fn check(
    validator: &mut Validator<'_>,
    map: &ColumnPlan,
    left_out: bool,
    chunk: Box<dyn RowChunk>,
) -> Checked {
    let mut passed = Vec::with_capacity(chunk.len());
    let mut keys = Vec::with_capacity(chunk.len());
    let mut rejected = vec![];
    // Rows the reader left out are rows the mapping skips.
    let (mut read, mut skipped) = (chunk.left(), chunk.left());
    let (known, skips) = validator.look_up_references(chunk.as_ref(), map, !left_out);
    let per_row = known.len() / chunk.len().max(1);
    for i in 0..chunk.len() {
        let known = &known[i * per_row..(i + 1) * per_row];
        chunk.row(i, &mut |row, line| {
            if is_blank(row) {
                return;
            }
            read += 1;
            if skips.get(i).copied().unwrap_or(false) {
                skipped += 1;
                return;
            }
            match validator.check_with(row, map, known) {
                Verdict::Pass(values) => {
                    keys.push(validator.key_of(&values));
                    passed.push(i);
                    validator.append(row, map, &values);
                }
                Verdict::Fail(problems) => rejected.push((line, problems, raw_row(row))),
                Verdict::Skip => skipped += 1,
            }
        });
    }
    Checked {
        chunk,
        read,
        skipped,
        batch: validator.take_batch(),
        passed,
        keys,
        rejected,
    }
}

/// Reads, checks and hands over one file; counts go to `stats`. A sink error stops the file.
#[allow(clippy::too_many_arguments)]
pub fn read_file(
    source: &mut dyn Chunked,
    validator: &mut Validator<'_>,
    map: &ColumnPlan,
    file: &str,
    workers: usize,
    sink: &mut dyn Sink,
    progress: &dyn Progress,
    stats: &mut DatasetStats,
) -> Result<Result<(), anyhow::Error>, FileError> {
    let left_out = map.leave().is_some_and(|leave| source.leave(leave));
    validator.reserve_keys(source.rows_hint());
    // Chunks read but not yet handed over; bounds memory whatever the file size.
    let max_in_flight = workers * 3;
    std::thread::scope(|scope| {
        let (to_workers, chunks) = sync_channel::<Numbered>(workers * 2);
        // Only the workers hold the receiving end, so if they all stop, sending fails.
        let chunks: Arc<Mutex<Receiver<Numbered>>> = Arc::new(Mutex::new(chunks));
        let (done, results) = std::sync::mpsc::channel::<(u64, Checked)>();
        for chunks in std::iter::repeat_n(chunks, workers) {
            let done = done.clone();
            let mut mine = validator.worker();
            // Its own plan: what the mapping gave each value is remembered per thread.
            let map = map.clone();
            scope.spawn(move || {
                loop {
                    let next = chunks
                        .lock()
                        .map_err(|_| ())
                        .and_then(|r| r.recv().map_err(|_| ()));
                    let Ok((seq, chunk)) = next else { break };
                    if done
                        .send((seq, check(&mut mine, &map, left_out, chunk)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(done);

        let mut handover = Handover {
            validator: &mut *validator,
            map,
            file,
            sink: &mut *sink,
            progress,
            stats: &mut *stats,
            waiting: BTreeMap::new(),
            next: 0,
            failure: None,
        };
        let mut sent = 0u64;
        let read = source.chunks(CHUNK_ROWS, &mut |chunk| {
            while sent - handover.next >= max_in_flight as u64 && handover.failure.is_none() {
                let Ok((seq, checked)) = results.recv() else {
                    break;
                };
                handover.arrived(seq, checked);
            }
            if handover.failure.is_some() || to_workers.send((sent, chunk)).is_err() {
                return false;
            }
            sent += 1;
            while let Ok((seq, checked)) = results.try_recv() {
                handover.arrived(seq, checked);
            }
            true
        });
        drop(to_workers);
        while handover.next < sent && handover.failure.is_none() {
            let Ok((seq, checked)) = results.recv() else {
                break;
            };
            handover.arrived(seq, checked);
        }
        read?;
        Ok(handover.failure.map_or(Ok(()), Err))
    })
}

/// Takes checked chunks back in file order and passes them to the sink.
struct Handover<'a, 'k> {
    validator: &'a mut Validator<'k>,
    map: &'a ColumnPlan,
    file: &'a str,
    sink: &'a mut dyn Sink,
    progress: &'a dyn Progress,
    stats: &'a mut DatasetStats,
    waiting: BTreeMap<u64, Checked>,
    next: u64,
    failure: Option<anyhow::Error>,
}

impl Handover<'_, '_> {
    fn arrived(&mut self, seq: u64, checked: Checked) {
        self.waiting.insert(seq, checked);
        while let Some(checked) = self.waiting.remove(&self.next) {
            self.next += 1;
            if self.failure.is_none()
                && let Err(e) = self.hand_over(checked)
            {
                self.failure = Some(e);
            }
        }
    }

    fn hand_over(&mut self, checked: Checked) -> anyhow::Result<()> {
        let Checked {
            chunk,
            read,
            skipped,
            batch,
            passed,
            keys,
            mut rejected,
        } = checked;
        self.stats.rows_read += read;
        self.stats.rows_skipped += skipped;
        let mut keep = Vec::new();
        for (n, (&index, &key)) in passed.iter().zip(&keys).enumerate() {
            if let Some(&ahead) = keys.get(n + PREFETCH_AHEAD) {
                self.validator.prefetch_key(ahead);
            }
            if self.validator.claim_key(key) {
                continue;
            }
            if keep.is_empty() {
                keep = vec![true; passed.len()];
            }
            keep[n] = false;
            let (validator, map) = (&*self.validator, self.map);
            chunk.row(index, &mut |row, line| {
                let Verdict::Pass(values) = validator.check(row, map) else {
                    unreachable!("a row that passed its worker's checks passes them again");
                };
                rejected.push((line, vec![validator.duplicate(&values, map)], raw_row(row)));
            });
        }
        // Duplicates were found after the other rejects of the chunk: put them in line order.
        rejected.sort_by_key(|r| r.0);
        for (line, problems, raw) in rejected {
            self.stats.rows_rejected += 1;
            self.sink.reject(Reject {
                dataset: self.validator.dataset_name(),
                file: self.file,
                line,
                problems: &problems,
                raw,
            })?;
        }
        let batch = if keep.is_empty() {
            batch
        } else {
            filter_record_batch(&batch, &BooleanArray::from(keep))?
        };
        self.stats.rows_loaded += batch.num_rows() as u64;
        if batch.num_rows() > 0 {
            self.sink.rows(batch)?;
        }
        self.progress.rows(self.stats.rows_read);
        Ok(())
    }
}
