"""The project's own views (queries/*.sql) on DuckDB, for comparing the two engines on the same SQL.

    python bench/translate.py WAREHOUSE AS_OF     # defines every view on DuckDB; fails loudly
    python bench/translate.py --print             # the translated SQL, view by view

As a module: `views(root)` gives the views in dependency order, translated; `define(con, ...)`
registers the warehouse, the session's small tables and the views in a DuckDB connection.

The views are those of src/query/views.rs, in its order, each from queries/<name>.sql. The SQL
runs unchanged except for the rewrites in REWRITES, each of which must match exactly as often as
it says (so a changed query cannot silently stop being rewritten, or be rewritten somewhere new).
A view DuckDB cannot define is an error naming the view and DuckDB's message: the benchmark
stops rather than compare something else.

The small tables are made as `safeguard` makes them (src/query/period_tables.rs): `params` with
the METRICS.md defaults, `quarter_ends`, `month_ends`, `period_ends` and `period_offsets`
(each period end minus 1..N calendar months, clamped to month end, as DuckDB's date - INTERVAL
clamps); the period ends come from the oracle's own calendar (tests/oracle/duckdb_views.py).
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import re
import sys
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "oracle"))
import duckdb_views as oracle  # noqa: E402

# (view, pattern, replacement, how many matches the view must have, why)
REWRITES = [
    (
        "review_action_status",
        r"CAST\((a\.\w+) AS BIGINT\)",
        r"(\1 - DATE '1970-01-01')",
        2,
        "DataFusion casts a DATE to BIGINT as days since 1970-01-01; DuckDB has no such cast",
    ),
    (
        "training_counts",
        r"\bmonth_end\(",
        "last_day(",
        2,
        "safeguard's month_end (src/query/functions.rs) is DuckDB's built-in last_day",
    ),
    (
        "training_spells",
        r"add_months\((o\.completed_on), p\.training_validity_months\)",
        r"(\1 + p.training_validity)",
        1,
        "safeguard's add_months (src/query/functions.rs) is DuckDB's date + INTERVAL",
    ),
]

# The thresholds of src/query/config.rs (Thresholds::default), as the bench runs safeguard with
# no safeguard.toml.
TRAINING_VALIDITY_MONTHS = 36
DISCLOSURE_THRESHOLD = 5


@dataclass
class View:
    name: str
    sql: str
    requires: list[str]
    cached: bool


class TranslationError(SystemExit):
    """A view that no longer translates: the benchmark must not go on without it."""


def views(root: pathlib.Path = ROOT) -> list[View]:
    """Every view of src/query/views.rs, in its order, with the rewrites applied."""
    source = (root / "src" / "query" / "views.rs").read_text()
    block = source.split("pub const VIEWS", 1)[-1].split("];", 1)[0]
    found = re.findall(r'(view|cached)!\("(\w+)"(?:,\s*\[([^\]]*)\])?\)', block)
    entries = re.findall(r'\w+!\(', block)
    if not found or len(found) != len(entries):
        raise TranslationError(
            f"bench/translate.py: read {len(found)} of the {len(entries)} entries of VIEWS in "
            "src/query/views.rs; teach views() its new form")
    out = []
    for kind, name, requires in found:
        sql = (root / "queries" / f"{name}.sql").read_text()
        for view, pattern, replacement, count, why in REWRITES:
            if view != name:
                continue
            sql, n = re.subn(pattern, replacement, sql)
            if n != count:
                raise TranslationError(
                    f"bench/translate.py: {name}: expected {count} matches of {pattern!r} "
                    f"({why}), found {n}; update REWRITES for the new queries/{name}.sql")
        out.append(View(name, sql, re.findall(r'"(\w+)"', requires), kind == "cached"))
    unused = {v for v, *_ in REWRITES} - {v.name for v in out}
    if unused:
        raise TranslationError(f"bench/translate.py: REWRITES name views that no longer exist: {unused}")
    return out


def _present(snapshot: str, name: str) -> bool:
    folder = os.path.join(snapshot, name)
    return os.path.isdir(folder) and any(f.endswith(".parquet") for f in os.listdir(folder))


def _dates(values: list[dt.date]) -> str:
    return ", ".join(f"(DATE '{d.isoformat()}')" for d in values)


def define(con, warehouse: str, as_of: dt.date, names: list[str] | None = None,
           materialise: set[str] = frozenset(), all_views: list[View] | None = None) -> list[View]:
    """Registers the warehouse's datasets and load tables, the small tables and the views in
    `con`; returns the views defined (an optional dataset's views only when it is present).
    Views in `materialise` become tables, computed here once, as a safeguard session keeps its
    cached views. `names`: define only these views and the ones they read. `all_views`: views(),
    when the caller has it already."""
    snapshot = os.path.join(warehouse, "current")
    present = set()
    for name, cols in oracle.DATASET_COLUMNS.items():
        if _present(snapshot, name):
            present.add(name)
            glob = os.path.join(snapshot, name, "*.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}')")
        else:
            col_sql = ", ".join(f'"{c}" {t}' for c, t in cols)
            con.execute(f"CREATE TABLE {name} ({col_sql})")
    for name in ("load_summary", "load_files"):
        if _present(snapshot, name):
            glob = os.path.join(snapshot, name, "*.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}')")

    p = oracle.Params()
    quarters = oracle.quarter_ends(as_of)
    months = oracle.month_ends(as_of)
    con.execute(f"""
        CREATE TABLE params AS SELECT
            DATE '{as_of.isoformat()}' AS as_of,
            DATE '{quarters[-1].isoformat()}' AS period_end,
            DATE '{months[-1].isoformat()}' AS month_end,
            CAST({TRAINING_VALIDITY_MONTHS} AS INTEGER) AS training_validity_months,
            INTERVAL ({TRAINING_VALIDITY_MONTHS}) MONTH AS training_validity,
            CAST({p.red_below} AS DOUBLE) AS red_below,
            CAST({p.green_above} AS DOUBLE) AS green_above,
            CAST({p.multiagency_red_below} AS DOUBLE) AS multiagency_red_below,
            CAST({p.multiagency_green_above} AS DOUBLE) AS multiagency_green_above,
            CAST({p.target} AS DOUBLE) AS spc_target,
            CAST({DISCLOSURE_THRESHOLD} AS INTEGER) AS disclosure_threshold""")
    con.execute(f"""
        CREATE TABLE quarter_ends AS
        SELECT period_end, CAST(last_day(period_end - INTERVAL 3 MONTH) AS DATE) AS previous_period_end
        FROM (VALUES {_dates(quarters)}) q(period_end)""")
    con.execute(f"CREATE TABLE month_ends AS SELECT * FROM (VALUES {_dates(months)}) m(month_end)")
    con.execute(f"""
        CREATE TABLE period_ends AS
        SELECT DISTINCT period_end FROM (VALUES {_dates(quarters + months)}) e(period_end)
        ORDER BY period_end""")
    con.execute(f"""
        CREATE TABLE period_offsets AS
        SELECT e.period_end, CAST(m AS INTEGER) AS months,
               CAST(e.period_end - INTERVAL (m) MONTH AS DATE) AS shifted
        FROM period_ends e, range(1, {max(TRAINING_VALIDITY_MONTHS, 12) + 1}) r(m)""")

    all_views = all_views if all_views is not None else views()
    wanted = closure(all_views, names) if names else {v.name for v in all_views}
    defined = []
    for v in all_views:
        if v.name not in wanted or not all(d in present for d in v.requires):
            continue
        kind = "TABLE" if v.name in materialise else "VIEW"
        try:
            con.execute(f"CREATE {kind} {v.name} AS {v.sql}")
        except Exception as e:  # DuckDB's own error types differ between versions
            raise TranslationError(
                f"bench/translate.py: DuckDB cannot define queries/{v.name}.sql: {e}\n"
                f"(add a rewrite to REWRITES in bench/translate.py, or fix the query)") from e
        defined.append(v)
    return defined


def reads(view: View, names: set[str]) -> set[str]:
    """The names of `names` that the view's SQL mentions as a word."""
    return {n for n in names if re.search(rf"\b{n}\b", view.sql)}


def closure(all_views: list[View], names: list[str]) -> set[str]:
    """`names` and every view they read, directly or not."""
    by_name = {v.name: v for v in all_views}
    unknown = [n for n in names if n not in by_name and n != "load_rejects"]
    if unknown:
        raise TranslationError(f"bench/translate.py: no such view: {', '.join(unknown)}")
    out: set[str] = set()
    todo = [n for n in names if n in by_name]
    while todo:
        n = todo.pop()
        if n in out:
            continue
        out.add(n)
        todo.extend(reads(by_name[n], set(by_name)) - out)
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["--print"]:
        for v in views():
            print(f"-- {v.name}{' (cached)' if v.cached else ''}\n{v.sql}\n")
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    import duckdb
    con = duckdb.connect()
    for v in define(con, argv[0], dt.date.fromisoformat(argv[1])):
        rows = con.execute(f"SELECT COUNT(*) FROM {v.name}").fetchone()[0]
        print(f"{v.name}: {rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
