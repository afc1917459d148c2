"""Views on DuckDB, timed inside the process: the DuckDB side of bench/run.sh.

    python bench/duckdb_run.py --sql project|oracle WAREHOUSE AS_OF OUT_DIR [VIEW ...]

Writes each view (default: the nine contract views) as OUT_DIR/<view>.csv and prints one line,
`seconds peak_mib` (bench/inprocess.py): the seconds from connecting to the last CSV written
(connect, define the tables and views, run, write), and the peak resident memory less what the
process held once `import duckdb` was done. Starting Python and importing duckdb (about 0.3 s)
is left out: a program embedding DuckDB pays it once, not per query.

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
import sys

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "oracle"))
import duckdb_views as dv  # noqa: E402  (imported before the clock starts, like duckdb)
import translate  # noqa: E402
from inprocess import Clock  # noqa: E402

CONTRACT_VIEWS = [
    "training_compliance", "supervision_compliance", "section11_summary", "review_action_status",
    "multiagency_contribution", "quality_ratings_summary", "spc_monthly", "spc_summary",
    "load_rejects",
]


def run_project(warehouse: str, as_of: dt.date, out: str, names: list[str],
                every: list[translate.View]) -> None:
    cached = {v.name for v in every if v.cached}
    closure = {n: translate.closure(every, [n]) for n in names}
    shared = {c for c in cached if sum(c in closure[n] for n in names) >= 2}
    con = duckdb.connect()
    defined = {v.name for v in translate.define(con, warehouse, as_of, names, shared, every)}
    for name in names:
        if name not in defined and name != "load_rejects":
            continue  # an optional dataset's view, absent like the dataset
        path = os.path.join(out, f"{name}.csv").replace("'", "''")
        try:
            con.execute(f"COPY (SELECT * FROM {name}) TO '{path}' (HEADER)")
        except duckdb.Error as e:
            raise translate.TranslationError(
                f"bench/duckdb_run.py: DuckDB cannot run {name} (queries/{name}.sql as "
                f"bench/translate.py defines it): {e}") from e


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
    for name in names:  # a stale result must not pass for this run's
        path = os.path.join(out, f"{name}.csv")
        if os.path.exists(path):
            os.remove(path)
    if which == "project":
        every = translate.views()  # reading queries/*.sql: before the clock, as safeguard embeds them
        clock = Clock()
        run_project(warehouse, as_of, out, names, every)
    else:
        clock = Clock()
        run_oracle(warehouse, as_of, out, names)
    clock.report()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
