#!/usr/bin/env bash
# `safeguard serve` against `safeguard sql` on one warehouse; prints Markdown table rows.
#
#   bash bench/serve.sh BIN WAREHOUSE LABEL PYTHON
#
# Called by bench/run.sh for each size; runs alone too (with a debug binary, say). Measures:
# - one view (training_compliance) fetched whole through psycopg, on a server started just
#   before (so its first query computes what a fresh `safeguard sql` computes) and again on the
#   same connection, against the same view through `safeguard sql` as a whole process;
# - 32 clients each running 100 small queries (one organisation's row of the headline):
#   queries per second and the 50th and 95th percentile latency.
set -euo pipefail
bin=$1 warehouse=$2 label=$3 py=$4
root=$(cd "$(dirname "$0")/.." && pwd)
runs="${RUNS:-3}"
repeat="${SERVE_REPEAT:-100}"
site=$(mktemp -d /tmp/safeguard-bench-serve.XXXXXX)
server=""
trap 'kill "$server" 2>/dev/null || true; rm -rf "$site"' EXIT
printf 'as_of = "2026-03-31"\n' > "$site/safeguard.toml"
printf 'bench-password-1\n' | "$bin" --quiet --config "$site/safeguard.toml" serve add-user bench --all >/dev/null 2>&1
view="SELECT * FROM training_compliance"
median() { "$py" -c 'import statistics, sys; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.3f}")' "$@"; }

# Starts a server on a free port; sets $server (pid), $conninfo and $started (seconds until it
# listened: opening the snapshot and computing the counts the views share).
start() {
    local began
    began=$(date +%s.%N)
    "$bin" --config "$site/safeguard.toml" serve --warehouse "$warehouse" --listen 127.0.0.1:0 \
        --max-connections 100 2> "$site/serve.log" &
    server=$!
    local port=""
    for _ in $(seq 600); do
        port=$(sed -n 's/.*listening: 127.0.0.1:\([0-9]*\).*/\1/p' "$site/serve.log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$site/serve.log" >&2; exit 1; }
    started=$("$py" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$began" "$(date +%s.%N)")
    conninfo="host=127.0.0.1 port=$port dbname=safeguard user=bench password=bench-password-1"
}

sql_s=() first_s=() again_s=() connect_s=() start_s=()
for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e' -o "$site/time.txt" "$bin" sql --warehouse "$warehouse" --as-of 2026-03-31 \
        --format csv -c "$view" > /dev/null
    sql_s+=("$(tail -1 "$site/time.txt")")
    start
    start_s+=("$started")
    out=$(echo "{\"query\": \"$view\", \"repeat\": 2}" | "$py" "$root/tests/serve/client.py" fetch "$conninfo")
    read -r c f a <<<"$("$py" -c 'import json, sys; r = json.loads(sys.argv[1]); print(r["connect"], *r["runs"])' "$out")"
    connect_s+=("$c") first_s+=("$f") again_s+=("$a")
    kill "$server"; wait "$server" 2>/dev/null || true
done
start
small="SELECT organisation_code, numerator, denominator, pct FROM compliance_headline WHERE metric = 'training' AND period_end = (SELECT period_end FROM params) ORDER BY pct LIMIT 1"
bench=$(echo "{\"query\": \"$small\", \"clients\": 32, \"repeat\": $repeat}" | "$py" "$root/tests/serve/client.py" bench "$conninfo")
read -r qps p50 p95 <<<"$("$py" -c 'import json, sys; r = json.loads(sys.argv[1]); print("%.0f %.1f %.1f" % (r["qps"], r["p50_ms"], r["p95_ms"]))' "$bench")"
s=$(median "${sql_s[@]}") f=$(median "${first_s[@]}") a=$(median "${again_s[@]}") c=$(median "${connect_s[@]}") st=$(median "${start_s[@]}")
ratio=$("$py" -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$f" "$s")
echo "| training_compliance, $label | $s s | $st s | $f s | $a s | $c s | $ratio |"
echo "SERVE_LOAD| 32 clients × $repeat small queries, $label | $qps | $p50 ms | $p95 ms |"
