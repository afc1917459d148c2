# Sourced by the bench scripts. Needs $runs (how many runs), $py (Python with duckdb) and
# $work (a scratch folder).

# Runs a command $runs times; prints "median_seconds median_peak_mib".
measure() {
    local out secs=() mems=() stats
    stats=$(mktemp "$work/time.XXXXXX")
    for _ in $(seq "$runs"); do
        /usr/bin/time -f '%e %M' -o "$stats" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; rm -f "$stats"; return 1; }
        out=$(tail -1 "$stats")
        secs+=("${out% *}"); mems+=("${out#* }")
    done
    rm -f "$stats"
    "$py" - "${secs[*]}" "${mems[*]}" <<'PY'
import statistics, sys
secs = [float(x) for x in sys.argv[1].split()]
mems = [float(x) / 1024 for x in sys.argv[2].split()]
print(f"{statistics.median(secs):.3f} {statistics.median(mems):.0f}")
PY
}

# a / b to two places ("n/a" when b is 0).
ratio() { "$py" -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{a / b:.2f}' if b else 'n/a')" "$1" "$2"; }
