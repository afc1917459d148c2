//! The keys of a dataset, as 128-bit hashes: the set a load claims each row's key in (so a
//! duplicate is found) and looks each reference up in (so an unknown staff member is).
//!
//! At 1,000,000 staff that is twelve million claims and as many lookups, each a cache miss in a
//! table of a few hundred megabytes: a general hash set spent about 140 ns on a claim, most of
//! it waiting on two dependent loads (a control byte, then the slot). The keys are already
//! uniform hashes, so here a key's own low bits pick its slot and the slot holds the key itself:
//! one load, found by linear probing within a cache line or two. And since a load knows which
//! keys come next (a chunk's rows), it asks the processor to fetch their slots ahead of time
//! ([`KeySet::prefetch`]), so the misses overlap instead of following one another.

/// Slots are grown once more than three in four would be taken (linear probing stays short
/// below that, and the table takes less memory than a general set's for the same keys).
const MAX_LOAD: (usize, usize) = (3, 4);

/// A set of 128-bit key hashes.
#[derive(Clone, Default)]
pub struct KeySet {
    /// Each key in the slot its low bits pick or the first free one after it; 0 is a free slot
    /// (the key 0 is kept aside, in `zero`). Empty, or a power of two long.
    slots: Vec<u128>,
    len: usize,
    zero: bool,
}

impl KeySet {
    /// Keys in the set.
    pub fn len(&self) -> usize {
        self.len + usize::from(self.zero)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for `more` keys beyond those in the set, so adding them moves nothing.
    pub fn reserve(&mut self, more: usize) {
        let wanted = slots_for(self.len + more);
        if wanted > self.slots.len() {
            self.grow_to(wanted);
        }
    }

    /// Adds `key`; false when it was already in the set.
    pub fn insert(&mut self, key: u128) -> bool {
        if key == 0 {
            return !std::mem::replace(&mut self.zero, true);
        }
        if self.slots.len() * MAX_LOAD.0 <= self.len * MAX_LOAD.1 {
            self.grow_to(slots_for(self.len + 1).max(self.slots.len() * 2));
        }
        match self.probe(key) {
            Ok(_) => false,
            Err(free) => {
                self.slots[free] = key;
                self.len += 1;
                true
            }
        }
    }

    pub fn contains(&self, key: u128) -> bool {
        if key == 0 {
            return self.zero;
        }
        !self.slots.is_empty() && self.probe(key).is_ok()
    }

    /// The slot holding `key` (not 0), or the free slot where it would go: from the slot its
    /// low bits pick, onwards. The table is never full, so a free slot is always found.
    #[inline]
    fn probe(&self, key: u128) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut at = key as usize & mask;
        loop {
            match self.slots[at] {
                0 => return Err(at),
                k if k == key => return Ok(at),
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Asks for `key`'s slot to be brought into the cache, for an insert or a lookup of it a
    /// little later. Only a hint: it changes nothing, and does nothing where it cannot be given.
    #[inline]
    pub fn prefetch(&self, key: u128) {
        if self.slots.is_empty() {
            return;
        }
        let slot = &self.slots[key as usize & (self.slots.len() - 1)];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch reads nothing into the program and cannot fault (the address is
        // a slot of the table anyway); SSE, which it needs, is part of every x86-64 processor.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>((slot as *const u128).cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = slot;
    }

    fn grow_to(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; slots]);
        // The keys are distinct, so each goes to the first free slot from its own.
        for key in old.into_iter().filter(|&k| k != 0) {
            if let Err(free) = self.probe(key) {
                self.slots[free] = key;
            }
        }
    }
}

/// Slots that hold `keys` keys within [`MAX_LOAD`].
fn slots_for(keys: usize) -> usize {
    (keys * MAX_LOAD.1 / MAX_LOAD.0 + 1)
        .next_power_of_two()
        .max(8)
}

impl FromIterator<u128> for KeySet {
    fn from_iter<I: IntoIterator<Item = u128>>(keys: I) -> Self {
        let mut set = KeySet::default();
        for key in keys {
            set.insert(key);
        }
        set
    }
}

/// How far ahead of the key it claims or looks up a loop asks for a slot: far enough that the
/// slot has arrived when it gets there, near enough that it is still in the cache.
pub const PREFETCH_AHEAD: usize = 16;

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the keys (many sharing their low bits, so that they probe past each other,
        /// and 0), the set answers as a standard one does, through every growth.
        #[test]
        fn answers_as_a_standard_set(
            keys in proptest::collection::vec((0u128..4, 0u64..64), 0..600),
            reserve in 0usize..300,
        ) {
            let mut set = KeySet::default();
            set.reserve(reserve);
            let mut standard = HashSet::new();
            for &(high, low) in &keys {
                let key = (high << 64) | u128::from(low) << 3;
                set.prefetch(key);
                prop_assert_eq!(set.insert(key), standard.insert(key));
                prop_assert_eq!(set.len(), standard.len());
            }
            for high in 0..5u128 {
                for low in 0..70u64 {
                    let key = (high << 64) | u128::from(low) << 3;
                    prop_assert_eq!(set.contains(key), standard.contains(&key));
                }
            }
            let cloned = set.clone();
            prop_assert!(standard.iter().all(|&k| cloned.contains(k)));
        }
    }

    #[test]
    fn stays_within_its_load() {
        let mut set: KeySet = (1..=10_000u128)
            .map(|k| k * 0x9e37_79b9_7f4a_7c15)
            .collect();
        assert_eq!(set.len(), 10_000);
        assert!(set.slots.len() * MAX_LOAD.0 >= set.len * MAX_LOAD.1);
        // Reserving room it already has moves nothing; more room grows it once.
        let before = set.slots.len();
        set.reserve(1);
        assert_eq!(set.slots.len(), before);
        set.reserve(100_000);
        assert!(set.slots.len() >= slots_for(110_000));
        assert!((1..=10_000u128).all(|k| set.contains(k * 0x9e37_79b9_7f4a_7c15)));
        assert!(!set.contains(0) && set.insert(0) && !set.insert(0) && set.contains(0));
        assert_eq!(set.len(), 10_001);
    }
}
