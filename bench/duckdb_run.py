"""Views on DuckDB, timed inside the process: the DuckDB side of bench/run.sh.

    python bench/duckdb_run.py --sql project|oracle WAREHOUSE AS_OF OUT_DIR [VIEW ...]

Writes each view (default: the nine contract views) as OUT_DIR/<view>.csv and prints one line,
`seconds peak_mib`: the seconds from connecting to the last CSV written (connect, define the
tables and views, run, write), and the process's peak resident memory less its resident memory
once `import duckdb` has finished. Starting Python and importing duckdb (about 0.3 s) is left
out: a program embedding DuckDB pays it once, not per query.

--sql project: the project's own queries/*.sql, translated by bench/translate.py, each result
written by DuckDB's COPY. A view that safeguard keeps once computed (cached in
src/query/views.rs) and that two or more of the views asked for read becomes a table, computed
once, as a safeguard session computes it once; otherwise views stay views, so DuckDB plans each
query whole.
--sql oracle: the test oracle's own definitions (tests/oracle/duckdb_views.py), its SPC rules
in Python, written by its own CSV writer.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "oracle"))
import duckdb_views as dv  # noqa: E402  (imported before the clock starts, like duckdb)
import translate  # noqa: E402

CONTRACT_VIEWS = [
    "training_compliance", "supervision_compliance", "section11_summary", "review_action_status",
    "multiagency_contribution", "quality_ratings_summary", "spc_monthly", "spc_summary",
    "load_rejects",
]


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("bench/duckdb_run.py: no VmRSS in /proc/self/status")


def run_project(warehouse: str, as_of: dt.date, out: str, names: list[str]) -> None:
    every = translate.views()
    cached = {v.name for v in every if v.cached}
    closure = {n: translate._closure(every, [n]) for n in names}
    shared = {c for c in cached if sum(c in closure[n] for n in names) >= 2}
    con = duckdb.connect()
    defined = {v.name for v in translate.define(con, warehouse, as_of, names, shared)}
    for name in names:
        if name not in defined and name != "load_rejects":
            continue  # an optional dataset's view, absent like the dataset
        path = os.path.join(out, f"{name}.csv").replace("'", "''")
        con.execute(f"COPY (SELECT * FROM {name}) TO '{path}' (HEADER)")


def run_oracle(warehouse: str, as_of: dt.date, out: str, names: list[str]) -> None:
    o = dv.Oracle(warehouse, as_of, dv.Params())
    for name in names:
        if o.view_exists(name):
            cols, rows = o.view(name)
            dv.write_csv(os.path.join(out, f"{name}.csv"), cols, rows)


def main(argv: list[str]) -> int:
    if len(argv) < 5 or argv[0] != "--sql" or argv[1] not in ("project", "oracle"):
        print(__doc__, file=sys.stderr)
        return 2
    which, warehouse, as_of, out = argv[1], argv[2], dt.date.fromisoformat(argv[3]), argv[4]
    names = argv[5:] or CONTRACT_VIEWS
    os.makedirs(out, exist_ok=True)
    base = rss_kib()
    began = time.perf_counter()
    (run_project if which == "project" else run_oracle)(warehouse, as_of, out, names)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"{seconds:.3f} {(peak - base) / 1024:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
