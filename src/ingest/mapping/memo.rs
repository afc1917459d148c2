//! What a value map gave each value it has seen, for one thread: what it maps the value to (a
//! worker's memo), or whether it skips the row (the reader's, which keeps its answer whole so a
//! row is decided with no work beyond the lookup).
//!
//! A mapped column of an export holds few distinct values (ESR: a few dozen course names over
//! millions of rows), and the reader and every worker ask about each row's. A table of every
//! value seen would answer, but that means hashing a 50-byte course name and probing a table
//! for it, twice per row (about a quarter of what an ESR load does beyond a contract one). So a
//! few slots, each picked by a cheap hash of a value's length and three of its words, hold the
//! last value that fell into them: an export's course names each find a slot of their own, and
//! a value found in its slot costs one comparison. The table behind them answers the rest, and
//! keeps the answer for a value that loses its slot to another. (Measured: the memo's share of
//! a profile fell by about a third; the load's wall time did not move beyond the noise.)

use std::cell::RefCell;
use std::collections::HashMap;

use foldhash::fast::FixedState;

/// Distinct values a [`Memo`] keeps: far more than an export's course names, few enough that a
/// column of free text (every value distinct) costs a bounded few hundred kilobytes.
pub(super) const MEMO_VALUES: usize = 4096;

/// Slots of recent values (a power of two).
const SLOTS: usize = 64;

/// Longest value a slot holds (longer ones are looked up in the table each time).
const SLOT_BYTES: usize = 94;

/// The last value that fell into a slot, and what it gave.
#[derive(Clone, Copy)]
struct Slot<T> {
    len: u8,
    bytes: [u8; SLOT_BYTES],
    hit: T,
}

impl<T: Copy + Default> Slot<T> {
    /// A slot no value matches (its length is longer than any a slot holds).
    fn empty() -> Slot<T> {
        Slot {
            len: u8::MAX,
            bytes: [0; SLOT_BYTES],
            hit: T::default(),
        }
    }

    fn holds(&self, value: &[u8]) -> bool {
        usize::from(self.len) == value.len() && &self.bytes[..value.len()] == value
    }
}

/// What a value map gave each value seen so far, for one thread (a clone starts empty).
pub struct Memo<T> {
    recent: RefCell<Box<[Slot<T>; SLOTS]>>,
    /// Keyed by the value's bytes, so a reader can look up a field before checking its UTF-8
    /// (every key was text when it went in).
    seen: RefCell<HashMap<Box<[u8]>, T, FixedState>>,
}

impl<T: Copy + Default> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            recent: RefCell::new(Box::new([Slot::empty(); SLOTS])),
            seen: RefCell::default(),
        }
    }
}

impl<T: Copy + Default> Clone for Memo<T> {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

impl<T> std::fmt::Debug for Memo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo")
            .field("values", &self.seen.borrow().len())
            .finish()
    }
}

impl<T: Copy + Default> Memo<T> {
    /// What `value` gave, if it was seen.
    pub(super) fn get(&self, value: &[u8]) -> Option<T> {
        let at = slot_of(value);
        if let Some(slot) = self.recent.borrow().get(at)
            && slot.holds(value)
        {
            return Some(slot.hit);
        }
        let hit = self.seen.borrow().get(value).copied()?;
        self.hold(at, value, hit);
        Some(hit)
    }

    /// Keeps what `value` gave (in the table while it has room).
    pub(super) fn remember(&self, value: &[u8], hit: T) {
        self.hold(slot_of(value), value, hit);
        let mut seen = self.seen.borrow_mut();
        if seen.len() < MEMO_VALUES {
            seen.insert(value.into(), hit);
        }
    }

    /// Puts `value` in its slot, in place of whatever was there.
    fn hold(&self, at: usize, value: &[u8], hit: T) {
        if value.len() > SLOT_BYTES {
            return;
        }
        let mut recent = self.recent.borrow_mut();
        let slot = &mut recent[at];
        slot.len = value.len() as u8;
        slot.bytes[..value.len()].copy_from_slice(value);
        slot.hit = hit;
    }

    /// Values in the table.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.seen.borrow().len()
    }
}

/// A value's slot: a hash of its length and its first, middle and last eight bytes (where the
/// course names of an export differ: "... Level 1 - 3 Years|" against "... Level 2 - 3 Years|"),
/// cheap enough to cost less than the comparison that follows it.
fn slot_of(value: &[u8]) -> usize {
    let n = value.len();
    let word = |at: usize| u64::from_le_bytes(value[at..at + 8].try_into().unwrap_or_default());
    let mixed = if n >= 16 {
        word(0) ^ word(n / 2 - 4).rotate_left(21) ^ word(n - 16).rotate_left(42) ^ word(n - 8)
    } else if n >= 8 {
        word(0) ^ word(n - 8).rotate_left(32)
    } else {
        value.iter().fold(0u64, |h, &b| (h << 8) | u64::from(b))
    };
    let h = (mixed ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> (64 - SLOTS.trailing_zeros())) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::mapping::values::Hit;

    #[test]
    fn a_value_is_found_whether_its_slot_kept_it_or_lost_it() {
        let memo = Memo::<Hit>::default();
        let values: Vec<String> = (0..500)
            .map(|i| format!("NHS|CSTF|Course number {i} - 3 Years|"))
            .chain((0..50).map(|i| "x".repeat(i)))
            .chain([format!("{}|long", "y".repeat(200))])
            .collect();
        for (i, value) in values.iter().enumerate() {
            assert!(memo.get(value.as_bytes()).is_none(), "{value}");
            memo.remember(value.as_bytes(), Hit::Exact(i));
        }
        // Several values share each slot: the ones that lost it are found in the table, and
        // win it back; asked again in another order, every answer is the value's own.
        for pass in 0..2 {
            for (i, value) in values.iter().enumerate().rev().step_by(pass + 1) {
                assert!(
                    matches!(memo.get(value.as_bytes()), Some(Hit::Exact(at)) if at == i),
                    "{value}"
                );
            }
        }
        // A value that only shares a slot's prefix, or is the prefix of one, is not found.
        assert!(memo.get(b"NHS|CSTF|Course number 1 - 3 Years").is_none());
        assert!(memo.get(b"NHS|CSTF|Course number 1 - 3 Years||").is_none());
        assert!(memo.clone().get(values[0].as_bytes()).is_none());
    }

    #[test]
    fn course_names_that_differ_by_a_digit_find_different_slots() {
        let names = [1, 2, 3].map(|level| {
            slot_of(format!("NHS|CSTF|Safeguarding Children Level {level} - 3 Years|").as_bytes())
        });
        assert!(names[0] != names[1] && names[1] != names[2] && names[0] != names[2]);
    }
}
