#!/usr/bin/env bash
# Benchmarks safeguard against DuckDB on this machine, in one run, and writes docs/benchmarks.md.
#
#   bash bench/run.sh                 # 100,000 staff
#   STAFF="100000 1000000" RUNS=5 bash bench/run.sh
#
# Public tools only: a release build of safeguard, Python duckdb (the same virtual environment as
# the tests), and GNU time for wall-clock seconds and peak memory (maximum resident set size).
# Each figure is the median of RUNS runs; ratios are safeguard / DuckDB on the same input.
#
# The views are compared three ways, run in turn (safeguard, DuckDB on the same SQL, DuckDB on
# the oracle's SQL, the order rotating each round) so that a slower minute of this shared machine
# falls on all three: safeguard as a whole `safeguard sql` process writing CSV (its start-up,
# `sql -c 'SELECT 1'`, measured apart), and DuckDB timed inside Python by bench/duckdb_run.py
# (connect, define, run, write CSV; Python's start-up and `import duckdb` left out), running
# the project's own queries/*.sql (translated by bench/translate.py) and the test oracle's
# definitions (tests/oracle/duckdb_views.py). Ratios are pair by pair, given as median (min-max).
# The same-SQL results are checked equal to safeguard's (bench/same_results.py) before any
# figure is written.
# `safeguard serve` is measured by bench/serve.sh (psycopg from the same environment).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/safeguard-target}"
runs="${RUNS:-3}"
staff_sizes="${STAFF:-100000}"
work="${BENCH_DIR:-/tmp/safeguard-bench}"
venv="${SAFEGUARD_VENV:-$HOME/.cache/safeguard-venv}"

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

source "$root/bench/measure.sh"

# Data rows in every CSV file under a folder (lines less one header each).
csv_rows() { find "$1" -name '*.csv' -exec awk 'FNR > 1 { n++ } END { print n + 0 }' {} + | awk '{ s += $1 } END { print s }'; }


# Runs one view (or every view) RUNS times on each side in turn and prints its table row:
#   paired_views LABEL STARTUP_SECONDS (-c SQL | -f FILE) -- VIEW ...
# safeguard writes the CSV to a file as DuckDB does; the same-SQL results are then checked equal
# to safeguard's, view by view, and the benchmark stops if they are not. Leaves safeguard's
# median seconds in $work/safeguard_median.txt.
paired_views() {
    local label=$1 start_s=$2 flag=$3 arg=$4
    shift 5
    local names=("$@") sg=() sg_kb=() dp=() dp_mb=() oq=() oq_mb=() s m tool order
    local out_sg="$work/out-safeguard" out_dp="$work/out-duckdb-sql" out_do="$work/out-duckdb-oracle"
    mkdir -p "$out_sg"
    local target="$out_sg/${names[0]}.csv"
    [ "$flag" = -f ] && target="$work/out-safeguard-all.csv"
    for i in $(seq "$runs"); do
        case $((i % 3)) in
            1) order="sg dp oq" ;;
            2) order="dp oq sg" ;;
            0) order="oq sg dp" ;;
        esac
        for tool in $order; do
            case $tool in
                sg)
                    /usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" sql --warehouse "$wh" \
                        --as-of "$as_of" --format csv "$flag" "$arg" > "$target" 2> "$work/err.txt" \
                        || { cat "$work/err.txt" >&2; echo "failed: safeguard sql $flag $arg" >&2; exit 1; }
                    read -r s m < <(tail -1 "$work/time.txt")
                    sg+=("$s") sg_kb+=("$m") ;;
                dp)
                    read -r s m < <("$py" "$root/bench/duckdb_run.py" --sql project "$wh" "$as_of" "$out_dp" "${names[@]}")
                    dp+=("$s") dp_mb+=("$m") ;;
                oq)
                    read -r s m < <("$py" "$root/bench/duckdb_run.py" --sql oracle "$wh" "$as_of" "$out_do" "${names[@]}")
                    oq+=("$s") oq_mb+=("$m") ;;
            esac
        done
    done
    "$py" "$root/bench/same_results.py" "$out_sg" "$out_dp" "${names[@]}" >&2 || exit 1
    "$py" - "$label" "$start_s" "${sg[*]}" "${sg_kb[*]}" "${dp[*]}" "${dp_mb[*]}" "${oq[*]}" "${oq_mb[*]}" \
        "$work/safeguard_median.txt" <<'PY'
import statistics as st, sys
label, start = sys.argv[1], float(sys.argv[2])
nums = lambda i: [float(x) for x in sys.argv[i].split()]
sg, sg_mb, dp, dp_mb, do, do_mb = nums(3), [x / 1024 for x in nums(4)], nums(5), nums(6), nums(7), nums(8)
spread = lambda xs, f: f"{f(st.median(xs))} ({f(min(xs))}–{f(max(xs))})"
secs = lambda x: f"{x:.2f}"
ratio = lambda a, b: spread([x / y for x, y in zip(a, b)], lambda r: f"{r:.2f}")
open(sys.argv[9], "w").write(f"{st.median(sg):.3f}\n")
print(f"| {label} | {spread(sg, secs)} s | {max(st.median(sg) - start, 0):.2f} s | {st.median(sg_mb):.0f} MiB "
      f"| {spread(dp, secs)} s | {st.median(dp_mb):.0f} MiB | {ratio(sg, dp)} "
      f"| {spread(do, secs)} s | {st.median(do_mb):.0f} MiB | {ratio(sg, do)} |")
PY
}

# Run from the scratch folder, so a safeguard.toml in the clone cannot change what is measured.
mkdir -p "$work"
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
rows=()
sample_wh="$work/warehouse-sample"
"$bin" load --quiet --input "$root/sample-data" --warehouse "$sample_wh" --keep 1 >/dev/null
echo "SELECT * FROM training_compliance; SELECT * FROM supervision_compliance; SELECT * FROM section11_summary; SELECT * FROM review_action_status; SELECT * FROM multiagency_contribution; SELECT * FROM quality_ratings_summary; SELECT * FROM spc_monthly; SELECT * FROM spc_summary; SELECT * FROM load_rejects;" > "$work/sample-views.sql"
read -r sv_s _ <<<"$(measure "$bin" sql --warehouse "$sample_wh" --as-of 2026-03-31 --format csv -f "$work/sample-views.sql")"
report_row "sample data" "$sample_wh" "$sv_s"
report_row "sample data, with the sample narrative" "$sample_wh" "$sv_s" --narrative "$root/sample-narrative"
refresh_row "sample data" "$root/sample-data" sample
for staff in $staff_sizes; do
    input="$work/input-$staff"
    wh="$work/warehouse-$staff"
    # Generated once per size and kept between runs (BENCH_DIR); its one timing is kept with it.
    if [ ! -f "$input/.complete" ]; then
        echo "==> generate $staff staff" >&2
        rm -rf "$input"
        /usr/bin/time -f '%e %M' -o "$work/generate.txt" "$bin" generate --quiet --out "$input" --staff "$staff" >/dev/null
        tail -1 "$work/generate.txt" > "$input/.complete"
    fi
    read -r t_csv_mb <<<"$(du -sm "$input" | cut -f1)"
    read -r g_s g_kb <<<"$(cat "$input/.complete")"
    generate_rows+=("| generate, $staff staff | ${g_s:-?} s | $(( ${g_kb:-0} / 1024 )) MiB | $t_csv_mb MB | $(csv_rows "$input") |")

    echo "==> load ($staff staff)" >&2
    read -r load_s load_mb <<<"$(measure "$bin" load --quiet --input "$input" --warehouse "$wh" --keep 1)"
    echo "==> DuckDB CSV to Parquet ($staff staff)" >&2
    read -r duck_s duck_mb <<<"$(measure "$py" "$root/bench/duckdb_load.py" "$input" "$work/duckdb-$staff")"
    rows+=("| load, $staff staff ($t_csv_mb MB input) | $load_s s | $load_mb MiB | $duck_s s | $duck_mb MiB | $(ratio "$load_s" "$duck_s") |")

    esr_input="$work/input-esr-$staff"
    if [ ! -f "$esr_input/.complete" ]; then
        echo "==> generate --esr $staff staff" >&2
        rm -rf "$esr_input"
        "$bin" generate --quiet --esr --out "$esr_input" --staff "$staff" >/dev/null
        touch "$esr_input/.complete"
    fi
    read -r esr_mb_in <<<"$(du -sm "$esr_input" | cut -f1)"
    echo "==> load, ESR layout ($staff staff)" >&2
    read -r esr_s esr_mb <<<"$(measure "$bin" --config "$esr_input/esr-mapping.toml" load --quiet --warehouse "$work/warehouse-esr-$staff" --keep 1)"
    esr_rows+=("| load, $staff staff | $esr_s s ($esr_mb_in MB) | $esr_mb MiB | $load_s s ($t_csv_mb MB) | $load_mb MiB | $(ratio "$esr_s" "$load_s") |")

    # Every contract view alone, then the nine in one process (safeguard: one `sql -f`).
    all_sql="$work/all-views.sql"
    : > "$all_sql"
    for view in $views; do echo "SELECT * FROM $view;" >> "$all_sql"; done
    echo "==> start-up ($staff staff)" >&2
    read -r start_s start_mb <<<"$(measure "$bin" sql --warehouse "$wh" --as-of "$as_of" --format csv -c "SELECT 1")"
    start_rows+=("| $staff staff | $start_s s | $start_mb MiB |")
    for view in $views all; do
        echo "==> view $view ($staff staff)" >&2
        if [ "$view" = all ]; then
            view_rows+=("$(paired_views "**all views**, $staff staff" "$start_s" -f "$all_sql" -- $views)")
            v_s=$(cat "$work/safeguard_median.txt")
        else
            view_rows+=("$(paired_views "$view, $staff staff" "$start_s" -c "SELECT * FROM $view" -- "$view")")
        fi
    done
    report_row "$staff staff" "$wh" "$v_s"
    pack_row "$staff staff" "$wh"
    refresh_row "$staff staff" "$input" "$staff"
    echo "==> serve ($staff staff)" >&2
    while IFS= read -r line; do
        case "$line" in
            SERVE_LOAD*) serve_load_rows+=("${line#SERVE_LOAD}") ;;
            *) serve_rows+=("$line") ;;
        esac
    done < <(RUNS="$runs" bash "$root/bench/serve.sh" "$bin" "$wh" "$staff staff" "$py")
done

# Only the measured block between the markers is rewritten, so notes written around it (what a
# profile showed, figures taken by hand) survive a rerun.
begin='<!-- measured by bench/run.sh: begin -->'
end='<!-- measured by bench/run.sh: end -->'
{
    echo "$begin"
    echo "Measured by \`bash bench/run.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB memory,"
    echo "$("$bin" --version) ($(case "$bin" in */release/*) echo "release build" ;; *) echo "binary $bin" ;; esac)), DuckDB $("$py" -c 'import duckdb; print(duckdb.__version__)'), $(rustc --version | cut -d' ' -f1-2)."
    echo "Median of $runs runs each; peak memory is the maximum resident set size; ratio = safeguard / DuckDB."
    echo
    echo "Views: time as median (min–max) of $runs rounds, each round running the three in turn;"
    echo "ratios pair by pair, median (min–max)."
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
    echo "its SPC rules in Python). Ratios use safeguard's whole-process time."
    echo
    echo "| start-up: \`safeguard sql -c 'SELECT 1'\` | time | peak |"
    echo "|---|---|---|"
    printf '%s\n' "${start_rows[@]}"
    echo
    echo "| task | safeguard | peak | DuckDB | peak | ratio |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "| task | time | peak | pages | all views | ratio to all views |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${report_rows[@]}"
    echo
    echo "| task | full | peak | unchanged | peak | ratio unchanged / full |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${refresh_rows[@]}"
    echo
    echo "| packs | annual report | peak | --each-organisation | peak | time ratio | memory ratio |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${pack_rows[@]}"
    echo
    echo "| task | ESR layout | peak | contract layout | peak | ratio ESR / contract |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${esr_rows[@]}"
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
    echo
    echo "| task | time (one run) | peak | CSV written | CSV data rows |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${generate_rows[@]}"
    echo
    echo "DuckDB's load is \`COPY (SELECT * FROM read_csv(...)) TO ... (FORMAT parquet)\` for every CSV"
    echo "input file, with no validation; safeguard's validates every row (types, keys, references)."
    echo "Both load figures are whole processes (DuckDB's includes starting Python, about 0.3 s)."
    echo "Every view is computed as of $as_of."
    echo "$end"
} > "$work/measured.md"
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
