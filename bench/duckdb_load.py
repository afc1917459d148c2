"""The DuckDB peer of `safeguard load`: every input file into Parquet, no validation.

    python bench/duckdb_load.py INPUT_DIR OUTPUT_DIR

CSV files go through read_csv (DuckDB's fast, multi-threaded reader) with store_rejects, its
own way of keeping rows that do not parse, as safeguard keeps rejects; XLSX is skipped (DuckDB needs
an extension for it) and Parquet inputs are rewritten, so both tools handle the same CSV bytes.
"""

import pathlib
import shutil
import sys

import duckdb

src, dst = map(pathlib.Path, sys.argv[1:3])
shutil.rmtree(dst, ignore_errors=True)
dst.mkdir(parents=True)
con = duckdb.connect()
for f in sorted(src.rglob("*")):
    rel = f.relative_to(src)
    out = dst / rel.with_suffix(".parquet")
    out.parent.mkdir(parents=True, exist_ok=True)
    if f.suffix == ".csv":
        con.execute(f"COPY (SELECT * FROM read_csv('{f}', header = true, store_rejects = true)) TO '{out}' (FORMAT parquet)")
    elif f.suffix == ".parquet":
        con.execute(f"COPY (SELECT * FROM read_parquet('{f}')) TO '{out}' (FORMAT parquet)")
