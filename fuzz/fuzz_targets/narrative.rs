//! libFuzzer over `safeguard::fuzz::narrative`: see that function for the input and what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(
    // The default panic hook, not libFuzzer's aborting one: a panic the reader catches and turns
    // into a file error (the Parquet decoder's) is an answer, not a crash. One that escapes
    // still aborts the run.
    init: drop(std::panic::take_hook()),
    |data: &[u8]| {
        safeguard::fuzz::narrative(data);
    }
);
