//! Giving freed memory back to the operating system between stages.
//!
//! glibc's malloc gives threads arenas of their own (up to eight per core) and keeps what is
//! freed in each for that arena's next allocations. The report queries on DataFusion's threads
//! and then typesets on others, so the queries' freed memory stayed resident, unused, under
//! the typesetting's: the annual report at 1,000,000 staff peaked at 1,807 MiB resident where
//! its queries alone peak at 1,075 MiB. See docs/benchmarks.md, "Freed memory given back".

/// Returns the memory freed so far to the operating system, where the allocator holds it
/// (glibc: `malloc_trim`, which also releases free pages inside every arena). Meant for the
/// boundary between two stages that run on different threads.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn give_back_freed() {
    // SAFETY: malloc_trim takes each arena's lock and only releases pages no allocation uses;
    // it is safe to call from any thread at any time. Its result (whether anything was
    // released) needs no action.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators give memory back on their own, or have no such call.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn give_back_freed() {}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// This process's resident memory, in bytes.
    fn resident() -> usize {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        // SAFETY: sysconf only reads a constant of the system.
        pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize
    }

    /// Memory a finished thread freed between blocks still in use (as the report's queries leave
    /// it) is resident until given back: 256 MiB of 64 KiB holes, each below the size glibc
    /// maps apart, so they stay in the thread's arena.
    #[test]
    fn freed_memory_between_live_blocks_is_given_back() {
        let keepers = std::thread::spawn(|| {
            let mut freed = Vec::with_capacity(4096);
            let mut keepers = Vec::with_capacity(4096);
            for _ in 0..4096 {
                freed.push(vec![1u8; 64 * 1024]);
                keepers.push(vec![1u8; 64]);
            }
            drop(freed);
            keepers
        })
        .join()
        .unwrap();
        let before = resident();
        super::give_back_freed();
        let after = resident();
        assert!(
            before.saturating_sub(after) >= 128 << 20,
            "resident {} MiB before, {} MiB after",
            before >> 20,
            after >> 20
        );
        drop(keepers);
    }
}
