//! A record's fields: a line with no quote in it split at its commas (found 32 bytes at a
//! time), and a record whose quoted fields are simple.
//!
//! A line of an export has a comma every few bytes, and searching for each one afresh (as
//! `memchr` does, built for needles that are rare) pays a search's set-up cost per field:
//! finding commas so was a twentieth of an ESR load's profile. Comparing a block of the line
//! with the comma at once gives a bit for every comma in it, and the commas are then read off
//! the bits.

use memchr::memchr3;

/// Bytes compared at a time.
const BLOCK: usize = 32;

/// The positions of the commas in `line`, in order.
pub fn commas(line: &[u8]) -> Commas<'_> {
    Commas {
        line,
        next_block: 0,
        base: 0,
        bits: 0,
    }
}

/// An iterator over the positions of the commas in a line.
pub struct Commas<'a> {
    line: &'a [u8],
    /// Where the next block to compare starts.
    next_block: usize,
    /// Where the block that `bits` describes starts.
    base: usize,
    /// The commas of that block not yet handed out, one bit each.
    bits: u32,
}

impl Iterator for Commas<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            let rest = self.line.get(self.next_block..).filter(|r| !r.is_empty())?;
            self.base = self.next_block;
            self.bits = match rest.first_chunk::<BLOCK>() {
                Some(block) => comma_bits(block),
                None => rest
                    .iter()
                    .enumerate()
                    .fold(0, |bits, (i, &b)| bits | (u32::from(b == b',') << i)),
            };
            self.next_block += BLOCK;
        }
        let at = self.base + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }
}

/// A bit for each comma in `block`: two SSE2 comparisons (every x86-64 processor has SSE2).
#[cfg(target_arch = "x86_64")]
fn comma_bits(block: &[u8; BLOCK]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let (Some(low), Some(high)) = (block.first_chunk::<16>(), block.last_chunk::<16>()) else {
        unreachable!("a block is two halves of 16 bytes");
    };
    // SAFETY: SSE2 is part of the x86-64 instruction set, so these instructions exist on every
    // processor this code runs on; each load reads the 16 bytes of an array it is given.
    unsafe {
        let comma = _mm_set1_epi8(b',' as i8);
        let half = |bytes: &[u8; 16]| {
            let v = _mm_loadu_si128(bytes.as_ptr().cast::<__m128i>());
            _mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) as u32 & 0xffff
        };
        half(low) | (half(high) << 16)
    }
}

/// A bit for each comma in `block`, elsewhere.
#[cfg(not(target_arch = "x86_64"))]
fn comma_bits(block: &[u8; BLOCK]) -> u32 {
    block
        .iter()
        .enumerate()
        .fold(0, |bits, (i, &b)| bits | (u32::from(b == b',') << i))
}

/// Field `n` of a line with no quote in it (empty past its last field).
pub fn nth_field(line: &[u8], n: usize) -> &[u8] {
    let mut commas = commas(line);
    let mut start = 0;
    for _ in 0..n {
        match commas.next() {
            Some(i) => start = i + 1,
            None => return &[],
        }
    }
    &line[start..commas.next().unwrap_or(line.len())]
}

/// Splits a line with no quote in it at its commas, up to its last non-empty field unless
/// `keep_padding`.
pub fn split(line: &[u8], keep_padding: bool, bytes: &mut Vec<u8>, starts: &mut Vec<usize>) {
    let line = match keep_padding {
        true => line,
        false => &line[..without_trailing_separators(line)],
    };
    if line.is_empty() {
        return;
    }
    let base = bytes.len();
    bytes.extend_from_slice(line);
    bytes.push(b',');
    starts.extend(commas(line).map(|i| base + i + 1));
    starts.push(bytes.len());
}

/// Splits the record at the start of `data` when its quoted fields are simple (no doubled quote
/// or line break inside, the closing quote followed by a comma or the record's end): in an
/// export, a quoted field is mostly a name with a comma in it. Returns where the record ends, or
/// `None`, with nothing written, for any other record (`csv_core` reads it) or one that runs
/// past `data` before the file's end.
pub fn split_quoted(
    data: &[u8],
    at_end: bool,
    keep_padding: bool,
    bytes: &mut Vec<u8>,
    starts: &mut Vec<usize>,
) -> Option<usize> {
    let before = (bytes.len(), starts.len());
    let split = split_quoted_fields(data, at_end, bytes, starts);
    let Some((stop, kept)) = split else {
        bytes.truncate(before.0);
        starts.truncate(before.1);
        return None;
    };
    if !keep_padding {
        bytes.truncate(kept.0);
        starts.truncate(kept.1);
    }
    Some(stop)
}

/// [`split_quoted`]'s fields: where the record ends, and the lengths of `bytes` and `starts`
/// after its last non-empty field.
fn split_quoted_fields(
    data: &[u8],
    at_end: bool,
    bytes: &mut Vec<u8>,
    starts: &mut Vec<usize>,
) -> Option<(usize, (usize, usize))> {
    let mut kept = (bytes.len(), starts.len());
    let mut at = 0;
    loop {
        let (field, next) = if data.get(at) == Some(&b'"') {
            let close = at + 1 + memchr3(b'"', b'\n', b'\r', &data[at + 1..])?;
            match (data[close], data.get(close + 1)) {
                (b'"', Some(b',' | b'\n' | b'\r')) => {}
                (b'"', None) if at_end => {}
                _ => return None,
            }
            (&data[at + 1..close], close + 1)
        } else {
            // A quote inside an unquoted field is text, as `csv_core` reads it.
            let stop = match memchr3(b',', b'\n', b'\r', &data[at..]) {
                Some(i) => at + i,
                None if at_end => data.len(),
                None => return None,
            };
            (&data[at..stop], stop)
        };
        bytes.extend_from_slice(field);
        bytes.push(b',');
        starts.push(bytes.len());
        if !field.is_empty() {
            kept = (bytes.len(), starts.len());
        }
        match data.get(next) {
            Some(b',') => at = next + 1,
            _ => return Some((next, kept)),
        }
    }
}

/// The length of `line` without the run of commas it ends in, as a padded line may end in
/// thousands: 64 bytes at a time, each block compared whole (no early exit inside it, so the
/// compiler checks it in a few vector instructions; three times faster than eight bytes at a
/// time on a line of 16,000 commas).
fn without_trailing_separators(line: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let mut n = line.len();
    while let Some(block) = n.checked_sub(BLOCK).map(|start| &line[start..n]) {
        let block: &[u8; BLOCK] = block.try_into().expect("a block is BLOCK bytes");
        if !block.iter().fold(true, |all, &b| all & (b == b',')) {
            break;
        }
        n -= BLOCK;
    }
    while n > 0 && line[n - 1] == b',' {
        n -= 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_trailing_run_of_commas_of_any_length_is_cut_at_the_last_value() {
        for value in ["", "x", "a,b", "a,,\"\""] {
            for run in [0, 1, 63, 64, 65, 127, 128, 129, 1000] {
                let mut line = value.as_bytes().to_vec();
                line.extend(std::iter::repeat_n(b',', run));
                let kept = without_trailing_separators(&line);
                let expected = line.iter().rposition(|&b| b != b',').map_or(0, |i| i + 1);
                assert_eq!(kept, expected, "{value:?} and {run} commas");
            }
        }
    }

    fn by_hand(line: &[u8]) -> Vec<usize> {
        line.iter()
            .enumerate()
            .filter(|&(_, &b)| b == b',')
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn commas_at_block_edges_and_in_the_tail() {
        for len in [0, 1, 31, 32, 33, 63, 64, 65, 100] {
            for at in 0..len {
                let mut line = vec![b'x'; len];
                line[at] = b',';
                line[len - 1] = b',';
                assert_eq!(
                    commas(&line).collect::<Vec<_>>(),
                    by_hand(&line),
                    "{len} {at}"
                );
            }
        }
        assert_eq!(commas(&[b','; 70]).count(), 70);
    }

    proptest! {
        #[test]
        fn every_comma_in_order(line in proptest::collection::vec(
            prop_oneof![Just(b','), Just(b'a'), Just(b'"'), any::<u8>()], 0..300)) {
            prop_assert_eq!(commas(&line).collect::<Vec<_>>(), by_hand(&line));
        }
    }
}
