#!/usr/bin/env bash
# Files whose shape, not their data, is large: `load` of a generated input whose staff.csv is
#   - as generated (the baseline),
#   - padded with 16,000 empty trailing columns on every line (what a spreadsheet leaves behind
#     when formatting runs to the sheet's edge),
#   - given a header of 100,000 named columns over its rows as generated (the extra columns are
#     empty in every row, so they are dropped; one value in any of them would refuse the file).
# Prints Markdown table rows: time and peak memory of each, and the ratio to the baseline.
#
#   bash bench/wide.sh BIN WORKDIR PYTHON [STAFF]
#
# Runs alone (with a debug binary, say: its times are then far above a release build's, the
# ratios less so). RUNS (default 3) runs each, the median of them. Needs GNU time.
set -euo pipefail
bin=$1 work=$2 py=$3 staff=${4:-10000}
runs="${RUNS:-3}"
mkdir -p "$work"
base="$work/wide-$staff"
if [ ! -f "$base/plain/.complete" ]; then
    rm -rf "$base"
    "$bin" generate --quiet --out "$base/plain" --staff "$staff" >/dev/null
    for variant in padded header; do
        cp -r "$base/plain" "$base/$variant"
    done
    "$py" - "$base" <<'PY'
import pathlib, sys
base = pathlib.Path(sys.argv[1])
lines = (base / "plain" / "staff.csv").read_text().splitlines()
# Every line, header included, ends in 16,000 empty fields.
pad = "," * 16000
(base / "padded" / "staff.csv").write_text("".join(line + pad + "\n" for line in lines))
# A header of 100,000 named columns over the rows as they were.
named = len(lines[0].split(","))
header = lines[0] + "," + ",".join(f"c{i}" for i in range(named + 1, 100001))
(base / "header" / "staff.csv").write_text("\n".join([header, *lines[1:]]) + "\n")
PY
    touch "$base/plain/.complete"
fi

source "$(dirname "${BASH_SOURCE[0]}")/measure.sh"

declare -A label=(
    [plain]="staff.csv as generated"
    [padded]="staff.csv padded with 16,000 empty trailing columns"
    [header]="staff.csv under a 100,000-column header"
)
for variant in plain padded header; do
    echo "==> load, $staff staff: ${label[$variant]}" >&2
    size=$(du -m "$base/$variant/staff.csv" | cut -f1)
    read -r s mb <<<"$(measure "$bin" load --quiet --input "$base/$variant" --warehouse "$work/wide-warehouse-$variant" --keep 1)"
    [ "$variant" = plain ] && { plain_s=$s; plain_mb=$mb; }
    echo "| load, $staff staff, ${label[$variant]} (${size} MB) | $s s | $mb MiB | $(ratio "$s" "$plain_s") | $(ratio "$mb" "$plain_mb") |"
done
