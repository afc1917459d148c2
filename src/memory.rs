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
