#!/usr/bin/env bash
# Runs the cargo-fuzz targets, each for RUNS cases (default 1,000,000) from its seeds, and
# prints each target's cases, coverage, corpus and crashes. Needs the nightly toolchain and
# cargo-fuzz (`cargo install cargo-fuzz`); see README.md.
#
#   bash fuzz/run.sh                  # every target, a million cases each
#   bash fuzz/run.sh 20000 csv sql    # some targets, fewer cases
set -euo pipefail
cd "$(dirname "$0")"
runs="${1:-1000000}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv xlsx parquet mapping narrative sql)
# Outside the clone, like the main build's; instrumented, so never shared with it.
target_dir="${SAFEGUARD_FUZZ_TARGET:-$HOME/.cache/safeguard-fuzz-target}"
mkdir -p logs
# No sanitizer: the code is safe Rust (what unsafe there is lives in well-fuzzed crates), and
# debug assertions and overflow checks stay on, as cargo-fuzz builds by default.
cargo +nightly fuzz build -s none --target-dir "$target_dir"
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    # A case may take at most 20 s (what the property tests allow one) and 2 GiB.
    if ! cargo +nightly fuzz run -s none --target-dir "$target_dir" "$t" "corpus/$t" "seeds/$t" -- \
        -runs="$runs" -max_len=16384 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
        >"logs/$t.log" 2>&1; then
        status=1
    fi
    cases=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 || true)
    crashes=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
    printf '%-10s %10s cases  %-10s corpus %5s  crashes %s\n' \
        "$t" "$cases" "${cov:-cov: ?}" "$(find "corpus/$t" -type f | wc -l)" "$crashes"
done
exit $status
