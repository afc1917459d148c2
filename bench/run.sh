#!/usr/bin/env bash
# Benchmarks safeguard against DuckDB on this machine, in one run, and writes docs/benchmarks.md.
#
#   bash bench/run.sh                 # 100,000 staff, every part, docs/benchmarks.md rewritten
#   STAFF="100000 1000000" RUNS=5 bash bench/run.sh
#   ONLY=views,load STAFF=1000000 SAFEGUARD_BIN=/path/to/safeguard bash bench/run.sh
#
# Settings (environment):
#   STAFF          sizes to generate and measure (default 100000)
#   RUNS           runs of each figure (default 3); paired figures run in rounds, below
#   ONLY           a comma-separated list of parts to run, from: generate, load, esr, views,
#                  report, packs, refresh, serve (default: all of them)
#   DOC            1: write the tables into docs/benchmarks.md between its markers (the default
#                  when ONLY is not set); 0: print them on stdout (the default with ONLY; a
#                  partial run cannot write the doc, whose block holds every table)
#   OUT            a file to write the tables to instead (implies DOC=0)
#   SAFEGUARD_BIN  a release binary to measure (otherwise `cargo build --release` here)
#   INPUT_<staff>  an input folder to use for that size instead of generating one, for example
#                  INPUT_1000000=/data/in-1m (its generate row is then left out)
#   WAREHOUSE_<staff>  a loaded warehouse for that size's views, report, packs and serve parts
#                  (only read); otherwise $BENCH_DIR/warehouse-<staff>, where the load part
#                  loads, loaded once from the input when absent.
#   BENCH_DIR      scratch folder, kept between runs (default /tmp/safeguard-bench)
#
# Public tools only: a release build of safeguard, Python duckdb (the same virtual environment as
# the tests), and GNU time for wall-clock seconds and peak memory (maximum resident set size).
#
# DuckDB is timed inside its Python process (bench/inprocess.py): from connecting to the last
# file written, Python's start-up and `import duckdb` (about 0.3 s) left out, as a program
# embedding DuckDB pays them once. safeguard is timed as a whole process.
#
# Views are compared three ways, run in rounds (safeguard, DuckDB on the same SQL, DuckDB on
# the oracle's SQL, the order rotating each round) so that a slower minute of this shared machine
# falls on all three: safeguard as a whole `safeguard sql` process writing CSV (its start-up,
# `sql -c 'SELECT 1'`, measured apart), and DuckDB by bench/duckdb_run.py (connect, define, run,
# write CSV) running the project's own queries/*.sql (translated by bench/translate.py, which
# stops the bench naming the view that no longer translates) and the test oracle's definitions
# (tests/oracle/duckdb_views.py). The same-SQL results are checked equal to safeguard's
# (bench/same_results.py), view by view and for the nine in one process, before any figure is
# kept. Load is paired the same way: `safeguard load` (whole process, full validation) against
# DuckDB's CSV-to-Parquet (bench/duckdb_load.py). Times are the median (min–max) of the rounds,
# ratios (safeguard / DuckDB) are taken round by round, then the same.
# `safeguard serve` is measured by bench/serve.sh (psycopg from the same environment).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/safeguard-target}"
runs="${RUNS:-3}"
staff_sizes="${STAFF:-100000}"
work="${BENCH_DIR:-/tmp/safeguard-bench}"
venv="${SAFEGUARD_VENV:-$HOME/.cache/safeguard-venv}"

parts="generate load esr views report packs refresh serve"
only="${ONLY:-}"
for part in ${only//,/ }; do
    case " $parts " in
        *" $part "*) ;;
        *) echo "bench/run.sh: ONLY names an unknown part \"$part\" (parts: ${parts// /, })" >&2; exit 2 ;;
    esac
done
# Whether a part runs: every part when ONLY is not set.
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
out_file="${OUT:-}"
if [ -n "$out_file" ]; then
    doc_mode=0
    out_file=$(realpath -m "$out_file")
else
    doc_mode="${DOC:-$([ -z "$only" ] && echo 1 || echo 0)}"
fi
if [ "$doc_mode" = 1 ] && [ -n "$only" ]; then
    echo "bench/run.sh: ONLY=$only measures part of the tables; docs/benchmarks.md's block holds them all (use DOC=0 or OUT=FILE)" >&2
    exit 2
fi

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
if ! "$venv/bin/python" -c 'import duckdb, psycopg' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r tests/oracle/requirements.txt
fi
py="$venv/bin/python"

# SAFEGUARD_BIN skips the build (for example a binary from `cargo install --path .`).
bin="${SAFEGUARD_BIN:-}"
if [ -z "$bin" ]; then
    echo "==> cargo build --release" >&2
    cargo build --release --quiet
    bin="$CARGO_TARGET_DIR/release/safeguard"
fi
bin=$(realpath "$bin")

source "$root/bench/measure.sh"

# Data rows in every CSV file under a folder (lines less one header each).
csv_rows() { find "$1" -name '*.csv' -exec awk 'FNR > 1 { n++ } END { print n + 0 }' {} + | awk '{ s += $1 } END { print s }'; }

# Summaries of paired runs (bench/spread.py): secs "X ...", ratio "A ..." "B ...", median "X ...".
spread() { "$py" "$root/bench/spread.py" "$@"; }

# The order of round $1's tools, from the list $2..: rotated by one each round, so every tool
# runs first, second, ... equally often over len(list) rounds.
rotation() {
    local i=$1
    shift
    local tools=("$@") n=$# k out=()
    for ((k = 0; k < n; k++)); do out+=("${tools[$(((i + k) % n))]}"); done
    echo "${out[*]}"
}

# Runs a command as a whole process, its output to the file $1; prints "seconds peak_kib", or
# stops the bench with the command's error output if it fails. (Call it as out=$(...), so that
# its exit stops the bench.) Seconds from the shell's microsecond clock around the process
# (GNU time's own are to the hundredth, too coarse for the small views; a comma locale's
# decimal comma read as a point); peak from GNU time.
whole_process() {
    local output=$1 began ended
    shift
    began=${EPOCHREALTIME/,/.}
    /usr/bin/time -f '%M' -o "$work/time.txt" "$@" > "$output" 2> "$work/err.txt" \
        || { cat "$work/err.txt" >&2; echo "bench/run.sh: failed: $*" >&2; exit 1; }
    ended=${EPOCHREALTIME/,/.}
    echo "$(awk -v a="$began" -v b="$ended" 'BEGIN { printf "%.3f", b - a }') $(tail -1 "$work/time.txt")"
}

# Runs a DuckDB script that prints "seconds peak_mib" on its last line of stdout; prints that
# line, or stops the bench with the script's error (a view that no longer translates, say).
# (Call it as out=$(...), so that its exit stops the bench.)
in_process() {
    local out
    out=$("$py" "$@" 2> "$work/err.txt") || { cat "$work/err.txt" >&2; echo "bench/run.sh: failed: $py $*" >&2; exit 1; }
    echo "$out" | tail -1
}

# Runs one view (or every view) in RUNS rounds on each side and appends its row to view_rows:
#   paired_views LABEL STARTUP_SECONDS (-c SQL | -f FILE) -- VIEW ...
# safeguard writes the CSV to a file as DuckDB does; the last round's results on both DuckDB
# sides are then checked equal to safeguard's (the nine together: the same-SQL side), and the
# benchmark stops if they are not.
# Sets $views_median, safeguard's median seconds.
paired_views() {
    local label=$1 start_s=$2 flag=$3 arg=$4
    shift 5
    local names=("$@") sg=() sg_mb=() dp=() dp_mb=() oq=() oq_mb=() out s m tool i
    local out_sg="$work/out-safeguard" out_dp="$work/out-duckdb-sql" out_do="$work/out-duckdb-oracle"
    mkdir -p "$out_sg"
    local target="$out_sg/${names[0]}.csv"
    [ "$flag" = -f ] && target="$work/out-safeguard-all.csv"
    for ((i = 0; i < runs; i++)); do
        for tool in $(rotation "$i" sg dp oq); do
            case $tool in
                sg) out=$(whole_process "$target" "$bin" sql --warehouse "$wh" --as-of "$as_of" \
                        --format csv "$flag" "$arg") ;;
                dp) out=$(in_process "$root/bench/duckdb_run.py" --sql project "$wh" "$as_of" "$out_dp" "${names[@]}") ;;
                oq) out=$(in_process "$root/bench/duckdb_run.py" --sql oracle "$wh" "$as_of" "$out_do" "${names[@]}") ;;
            esac
            read -r s m <<<"$out"
            case $tool in
                sg) sg+=("$s") sg_mb+=("$((m / 1024))") ;;
                dp) dp+=("$s") dp_mb+=("$m") ;;
                oq) oq+=("$s") oq_mb+=("$m") ;;
            esac
        done
    done
    if [ "$flag" = -f ]; then
        "$py" "$root/bench/same_results.py" --concatenated "$target" "$out_dp" "${names[@]}" >&2 || exit 1
    else
        "$py" "$root/bench/same_results.py" "$out_sg" "$out_dp" "${names[@]}" >&2 || exit 1
        # The oracle computes the same figures too (its load_rejects has fewer columns).
        "$py" "$root/bench/same_results.py" --b-columns "$out_sg" "$out_do" "${names[@]}" >/dev/null || exit 1
    fi
    views_median=$("$py" -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])):.3f}")' "${sg[@]}")
    local less
    less=$("$py" -c 'import sys; print(f"{max(float(sys.argv[1]) - float(sys.argv[2]), 0):.2f}")' "$views_median" "$start_s")
    view_rows+=("| $label | $(spread secs "${sg[*]}") s | $less s | $(spread median "${sg_mb[*]}") MiB \
| $(spread secs "${dp[*]}") s | $(spread median "${dp_mb[*]}") MiB | $(spread ratio "${sg[*]}" "${dp[*]}") \
| $(spread secs "${oq[*]}") s | $(spread median "${oq_mb[*]}") MiB | $(spread ratio "${sg[*]}" "${oq[*]}") |")
}

# Runs two measured commands in RUNS rounds, the order alternating: $1 and $2 name shell
# functions that each run theirs once and print "seconds peak_mib", or exit non-zero (as
# whole_process and in_process do), which stops the bench. Sets a_secs, a_mb, b_secs and b_mb:
# each side's figures in run order, separated by spaces.
paired_rounds() {
    local out s m tool i
    a_secs="" a_mb="" b_secs="" b_mb=""
    for ((i = 0; i < runs; i++)); do
        for tool in $(rotation "$i" "$1" "$2"); do
            out=$("$tool")
            read -r s m <<<"$out"
            if [ "$tool" = "$1" ]; then
                a_secs+=" $s" a_mb+=" $m"
            else
                b_secs+=" $s" b_mb+=" $m"
            fi
        done
    done
}

# whole_process, its peak in MiB.
whole_process_mib() {
    local out s k
    out=$(whole_process "$@") || exit 1
    read -r s k <<<"$out"
    echo "$s $((k / 1024))"
}

# `safeguard load` (whole process) against DuckDB's CSV-to-Parquet (in process), in RUNS rounds,
# the order alternating; appends the row to load_rows.
paired_load() {
    local label=$1
    load_input=$2
    sg_load() { whole_process_mib /dev/null "$bin" load --quiet --input "$load_input" --warehouse "$work/warehouse-$staff" --keep 1; }
    duckdb_load() { in_process "$root/bench/duckdb_load.py" "$load_input" "$work/duckdb-$staff"; }
    paired_rounds sg_load duckdb_load
    load_rows+=("| $label | $(spread secs "$a_secs") s | $(spread median "$a_mb") MiB | $(spread secs "$b_secs") s \
| $(spread median "$b_mb") MiB | $(spread ratio "$a_secs" "$b_secs") |")
}

# The same data loaded from its ESR layout and from the contract layout (both whole `safeguard
# load` processes), in RUNS rounds, the order alternating, after one ESR load not counted (the
# export may just have been written, and its first read would race the kernel writing it back);
# appends the row to esr_rows.
paired_esr() {
    local esr_mb_in=$3 csv_mb=$4 out
    load_input=$1 esr_input=$2
    esr_load() { whole_process_mib /dev/null "$bin" --config "$esr_input/esr-mapping.toml" load --quiet --warehouse "$work/warehouse-esr-$staff" --keep 1; }
    contract_load() { whole_process_mib /dev/null "$bin" load --quiet --input "$load_input" --warehouse "$work/warehouse-$staff" --keep 1; }
    out=$(esr_load)
    paired_rounds esr_load contract_load
    esr_rows+=("| load, $staff staff | $(spread secs "$a_secs") s ($esr_mb_in MB) | $(spread median "$a_mb") MiB \
| $(spread secs "$b_secs") s ($csv_mb MB) | $(spread median "$b_mb") MiB | $(spread ratio "$a_secs" "$b_secs") |")
}

# Run from the scratch folder, so a safeguard.toml in the clone cannot change what is measured.
mkdir -p "$work"
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
cd "$work"

# The annual report from a loaded warehouse: time, peak memory and pages; the ratio column is
# against computing every contract view once (`all views`), the work the report cannot avoid.
# Arguments after the third go to `report` (the sample narrative, say).
report_rows=()
report_row() {
    local label=$1 wh=$2 views_s=$3 pdf="$work/report.pdf"
    shift 3
    echo "==> report ($label)" >&2
    read -r r_s r_mb <<<"$(measure "$bin" report --warehouse "$wh" --as-of 2026-03-31 -o "$pdf" "$@")"
    local pages
    pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
    report_rows+=("| report, $label | $r_s s | $r_mb MiB | ${pages:-?} | $views_s s | $(ratio "$r_s" "$views_s") |")
}

# The nightly job: a full refresh (forced, so each run loads and typesets) against an unchanged
# one (hash the inputs, compare, record a no-op). Ratio = unchanged / full.
refresh_rows=()
refresh_row() {
    local label=$1 input=$2 site="$work/refresh-$3"
    rm -rf "$site" && mkdir -p "$site"
    printf 'input = "%s"\nwarehouse = "warehouse"\nreport_dir = "reports"\nas_of = "2026-03-31"\nkeep_snapshots = 2\n[refresh]\nsettle_seconds = 0\n' "$input" > "$site/safeguard.toml"
    echo "==> refresh ($label)" >&2
    "$bin" --quiet --config "$site/safeguard.toml" refresh >/dev/null
    read -r full_s full_mb <<<"$(measure "$bin" --quiet --config "$site/safeguard.toml" refresh --force)"
    read -r same_s same_mb <<<"$(measure "$bin" --quiet --config "$site/safeguard.toml" refresh)"
    refresh_rows+=("| refresh, $label | $full_s s | $full_mb MiB | $same_s s | $same_mb MiB | $(ratio "$same_s" "$full_s") |")
}

generate_rows=()
load_rows=()
# The same data as an ESR competence export (about half its rows other courses, skipped by the
# mapping) against the contract layout. Ratio = ESR / contract (goal: 1.2 or less).
esr_rows=()
# Every organisation's assurance pack against one annual report on the same warehouse.
# Ratios = packs / report (goals: 3 or less in time, 1.5 or less in memory).
pack_rows=()
pack_row() {
    local label=$1 wh=$2
    echo "==> packs ($label)" >&2
    read -r a_s a_mb <<<"$(measure "$bin" report --warehouse "$wh" --as-of 2026-03-31 -o "$work/annual.pdf")"
    rm -rf "$work/packs"
    read -r p_s p_mb <<<"$(measure "$bin" report --warehouse "$wh" --as-of 2026-03-31 --each-organisation --out-dir "$work/packs")"
    local n
    n=$(find "$work/packs" -name '*.pdf' | wc -l)
    pack_rows+=("| $label, $n packs | $a_s s | $a_mb MiB | $p_s s | $p_mb MiB | $(ratio "$p_s" "$a_s") | $(ratio "$p_mb" "$a_mb") |")
}
serve_rows=()
serve_load_rows=()
view_rows=()
start_rows=()
as_of=2026-03-31
views="training_compliance supervision_compliance section11_summary review_action_status multiagency_contribution quality_ratings_summary spc_monthly spc_summary load_rejects"
all_sql="$work/all-views.sql"
: > "$all_sql"
for view in $views; do echo "SELECT * FROM $view;" >> "$all_sql"; done

if want report || want refresh; then
    sample_wh="$work/warehouse-sample"
    "$bin" load --quiet --input "$root/sample-data" --warehouse "$sample_wh" --keep 1 >/dev/null
fi
if want report; then
    read -r sv_s _ <<<"$(measure "$bin" sql --warehouse "$sample_wh" --as-of 2026-03-31 --format csv -f "$all_sql")"
    report_row "sample data" "$sample_wh" "$sv_s"
    report_row "sample data, with the sample narrative" "$sample_wh" "$sv_s" --narrative "$root/sample-narrative"
fi
want refresh && refresh_row "sample data" "$root/sample-data" sample
for staff in $staff_sizes; do
    given="INPUT_$staff"
    input="${!given:-}"
    if [ -n "$input" ]; then
        input=$(realpath "$input")
        [ -d "$input" ] || { echo "bench/run.sh: $given=$input is not a folder" >&2; exit 2; }
    else
        input="$work/input-$staff"
        # Generated once per size and kept between runs (BENCH_DIR); its one timing is kept with it.
        if [ ! -f "$input/.complete" ]; then
            echo "==> generate $staff staff" >&2
            rm -rf "$input"
            /usr/bin/time -f '%e %M' -o "$work/generate.txt" "$bin" generate --quiet --out "$input" --staff "$staff" >/dev/null
            tail -1 "$work/generate.txt" > "$input/.complete"
        fi
    fi
    read -r t_csv_mb <<<"$(du -sm "$input" | cut -f1)"
    if want generate && [ -f "$input/.complete" ]; then
        read -r g_s g_kb <<<"$(cat "$input/.complete")"
        generate_rows+=("| generate, $staff staff | ${g_s:-?} s | $(( ${g_kb:-0} / 1024 )) MiB | $t_csv_mb MB | $(csv_rows "$input") |")
    fi
    if want load; then
        echo "==> load against DuckDB's CSV to Parquet ($staff staff)" >&2
        paired_load "load, $staff staff ($t_csv_mb MB input)" "$input"
    fi

    if want esr; then
        esr_input="$work/input-esr-$staff"
        if [ ! -f "$esr_input/.complete" ]; then
            echo "==> generate --esr $staff staff" >&2
            rm -rf "$esr_input"
            "$bin" generate --quiet --esr --out "$esr_input" --staff "$staff" >/dev/null
            touch "$esr_input/.complete"
        fi
        read -r esr_mb_in <<<"$(du -sm "$esr_input" | cut -f1)"
        echo "==> load, ESR layout against the contract layout ($staff staff)" >&2
        paired_esr "$input" "$esr_input" "$esr_mb_in" "$t_csv_mb"
    fi

    given="WAREHOUSE_$staff"
    wh="${!given:-}"
    if [ -n "$wh" ]; then
        wh=$(realpath "$wh")
        [ -d "$wh/current" ] || { echo "bench/run.sh: $given=$wh holds no loaded warehouse (no current/)" >&2; exit 2; }
    else
        wh="$work/warehouse-$staff"
        if { want views || want report || want packs || want serve; } && [ ! -d "$wh/current" ]; then
            echo "==> load $staff staff (once, not measured)" >&2
            "$bin" load --quiet --input "$input" --warehouse "$wh" --keep 1 >/dev/null
        fi
    fi

    v_s=""
    if want views; then
        # Every contract view alone, then the nine in one process (safeguard: one `sql -f`).
        echo "==> start-up ($staff staff)" >&2
        read -r start_s start_mb <<<"$(measure "$bin" sql --warehouse "$wh" --as-of "$as_of" --format csv -c "SELECT 1")"
        start_rows+=("| $staff staff | $start_s s | $start_mb MiB |")
        for view in $views all; do
            echo "==> view $view ($staff staff)" >&2
            if [ "$view" = all ]; then
                # shellcheck disable=SC2086 # the view names are words
                paired_views "**all views**, $staff staff" "$start_s" -f "$all_sql" -- $views
                v_s=$views_median
            else
                paired_views "$view, $staff staff" "$start_s" -c "SELECT * FROM $view" -- "$view"
            fi
        done
    fi
    if want report; then
        [ -n "$v_s" ] || read -r v_s _ <<<"$(measure "$bin" sql --warehouse "$wh" --as-of "$as_of" --format csv -f "$all_sql")"
        report_row "$staff staff" "$wh" "$v_s"
    fi
    want packs && pack_row "$staff staff" "$wh"
    want refresh && refresh_row "$staff staff" "$input" "$staff"
    if want serve; then
        echo "==> serve ($staff staff)" >&2
        while IFS= read -r line; do
            case "$line" in
                SERVE_LOAD*) serve_load_rows+=("${line#SERVE_LOAD}") ;;
                *) serve_rows+=("$line") ;;
            esac
        done < <(RUNS="$runs" bash "$root/bench/serve.sh" "$bin" "$wh" "$staff staff" "$py")
    fi
done

# Only the measured block between the markers is rewritten, so notes written around it (what a
# profile showed, figures taken by hand) survive a rerun.
begin='<!-- measured by bench/run.sh: begin -->'
end='<!-- measured by bench/run.sh: end -->'
{
    echo "$begin"
    echo "Measured by \`${ONLY:+ONLY=$ONLY }bash bench/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB memory,"
    echo "load average $load_at_start at the start of the run, $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
    echo "$("$bin" --version) ($(case "$bin" in */release/*) echo "release build" ;; *) echo "binary $bin" ;; esac)), DuckDB $("$py" -c 'import duckdb; print(duckdb.__version__)')$(command -v rustc >/dev/null && echo ", $(rustc --version | cut -d' ' -f1-2)")."
    echo "$runs runs each; peak memory is the maximum resident set size; ratio = safeguard / DuckDB."
    if want views; then
        echo
        echo "Views: times are the median (min–max) of $runs rounds, each round running the three in"
        echo "turn, the order rotating; ratios are taken round by round, then the same; peaks are medians."
        echo
        echo "| view | safeguard sql | less start-up | peak | DuckDB, same SQL | peak | ratio | DuckDB, oracle SQL | peak | ratio |"
        echo "|---|---|---|---|---|---|---|---|---|---|"
        printf '%s\n' "${view_rows[@]}"
        echo
        echo "safeguard's figures are the whole \`safeguard sql\` process (start, open the snapshot, run,"
        echo "write CSV to a file); \`less start-up\` takes off the median of \`safeguard sql -c 'SELECT 1'\`"
        echo "over the same warehouse (below), which also opens the snapshot. DuckDB's are timed inside"
        echo "Python by \`bench/duckdb_run.py\`: connect, define the tables and views, run, write CSV; its"
        echo "peak is the process's peak resident memory less what it held once \`import duckdb\` was done."
        echo "Python's start-up and \`import duckdb\` are left out. \`same SQL\` is the project's"
        echo "\`queries/*.sql\` as \`bench/translate.py\` defines them on DuckDB (results checked equal to"
        echo "safeguard's by \`bench/same_results.py\` in every run of the bench; a view that safeguard keeps"
        echo "once computed is a DuckDB table, computed once, when two or more of the views run read it);"
        echo "\`oracle SQL\` is the test oracle's independent definitions (\`tests/oracle/duckdb_views.py\`,"
        echo "its SPC rules in Python; its results checked equal to safeguard's too, on its columns)."
        echo "Ratios use safeguard's whole-process time."
        echo
        echo "| start-up: \`safeguard sql -c 'SELECT 1'\` | time | peak |"
        echo "|---|---|---|"
        printf '%s\n' "${start_rows[@]}"
    fi
    if want load; then
        echo
        echo "| task | safeguard load | peak | DuckDB, CSV to Parquet | peak | ratio |"
        echo "|---|---|---|---|---|---|"
        printf '%s\n' "${load_rows[@]}"
        echo
        echo "Load: $runs rounds, the order alternating; times median (min–max), ratios round by round."
        echo "safeguard's is the whole \`safeguard load\` process, which validates every row (types, keys,"
        echo "references) and reads the XLSX inputs too. DuckDB's is \`COPY (SELECT * FROM read_csv(...,"
        echo "store_rejects = true)) TO ... (FORMAT parquet)\` for every CSV input file (Parquet inputs"
        echo "rewritten, XLSX skipped), with no other validation, timed inside Python by"
        echo "\`bench/duckdb_load.py\` (Python's start-up and \`import duckdb\` left out; peak less what the"
        echo "process held before connecting)."
    fi
    if want report; then
        echo
        echo "| task | time | peak | pages | all views | ratio to all views |"
        echo "|---|---|---|---|---|---|"
        printf '%s\n' "${report_rows[@]}"
    fi
    if want refresh; then
        echo
        echo "| task | full | peak | unchanged | peak | ratio unchanged / full |"
        echo "|---|---|---|---|---|---|"
        printf '%s\n' "${refresh_rows[@]}"
    fi
    if want packs; then
        echo
        echo "| packs | annual report | peak | --each-organisation | peak | time ratio | memory ratio |"
        echo "|---|---|---|---|---|---|---|"
        printf '%s\n' "${pack_rows[@]}"
    fi
    if want esr; then
        echo
        echo "| task | ESR layout | peak | contract layout | peak | ratio ESR / contract |"
        echo "|---|---|---|---|---|---|"
        printf '%s\n' "${esr_rows[@]}"
        echo
        echo "ESR: $runs rounds after one ESR load not counted, the order alternating; times median"
        echo "(min–max), ratios round by round; both whole \`safeguard load\` processes."
    fi
    if want serve; then
        echo
        echo "| view | safeguard sql | serve start | serve, first query | serve, again | connect | ratio first / sql |"
        echo "|---|---|---|---|---|---|---|"
        printf '%s\n' "${serve_rows[@]}"
        echo
        echo "| task | queries per second | p50 | p95 |"
        echo "|---|---|---|---|"
        printf '%s\n' "${serve_load_rows[@]}"
        echo
        echo "\`serve\` figures are psycopg fetching the whole result, on a server started just before"
        echo "(first query) and on the same connection (again); the server computes the counts the views"
        echo "share while it starts (serve start: until it listens), \`safeguard sql\` computes them in its"
        echo "query. \`safeguard sql\` is a whole process writing CSV. The small queries are one"
        echo "organisation's training headline row, 100 per client, 32 clients at once."
    fi
    if want generate && [ ${#generate_rows[@]} -gt 0 ]; then
        echo
        echo "| task | time (one run) | peak | CSV written | CSV data rows |"
        echo "|---|---|---|---|---|"
        printf '%s\n' "${generate_rows[@]}"
    fi
    echo
    echo "Every view is computed as of $as_of."
    echo "$end"
} > "$work/measured.md"
if [ "$doc_mode" != 1 ]; then
    if [ -n "$out_file" ]; then
        cp "$work/measured.md" "$out_file"
        echo "==> tables written to $out_file" >&2
    else
        cat "$work/measured.md"
    fi
    exit 0
fi
doc="$root/docs/benchmarks.md"
"$py" - "$doc" "$work/measured.md" "$begin" "$end" <<'PY'
import pathlib, sys
doc, measured, begin, end = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], sys.argv[4]
block = measured.read_text().rstrip("\n")
text = doc.read_text() if doc.exists() else "# Benchmarks\n\n" + begin + "\n" + end + "\n"
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + block + rest.split(end, 1)[1]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
doc.write_text(text)
PY
cat "$doc"
