"""The DuckDB peer of `safeguard load`, timed inside the process: every input file into Parquet.

    python bench/duckdb_load.py INPUT_DIR OUTPUT_DIR

Prints one line, `seconds peak_mib` (bench/inprocess.py): from connecting to the last Parquet
file written, Python's start-up and `import duckdb` left out. CSV files go through read_csv
(DuckDB's multi-threaded reader, its types sniffed) with store_rejects = true, its own way of
keeping rows that do not parse, as safeguard keeps rejects; there is no other validation (no
keys, no references, no contract types). Parquet inputs are rewritten. XLSX inputs are skipped
(DuckDB reads them only through an extension fetched from the network), and named on stderr:
safeguard reads them, so on an input with XLSX files DuckDB does a little less work.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inprocess import Clock  # noqa: E402


def quoted(path: pathlib.Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = map(pathlib.Path, argv)
    files = sorted(f for f in src.rglob("*") if f.is_file() and not f.name.startswith("."))
    if not any(f.suffix == ".csv" for f in files):
        raise SystemExit(f"bench/duckdb_load.py: no CSV files under {src}")
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    skipped = []
    clock = Clock()
    con = duckdb.connect()
    for f in files:
        out = dst / f.relative_to(src).with_suffix(".parquet")
        out.parent.mkdir(parents=True, exist_ok=True)
        if f.suffix == ".csv":
            source = f"read_csv({quoted(f)}, header = true, store_rejects = true)"
        elif f.suffix == ".parquet":
            source = f"read_parquet({quoted(f)})"
        else:
            skipped.append(str(f.relative_to(src)))
            continue
        con.execute(f"COPY (SELECT * FROM {source}) TO {quoted(out)} (FORMAT parquet)")
    con.close()
    clock.report()
    if skipped:
        print(f"bench/duckdb_load.py: skipped (not CSV or Parquet): {', '.join(skipped)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
