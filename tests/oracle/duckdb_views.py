#!/usr/bin/env python3
"""Independent test oracle: every view of METRICS.md computed again in DuckDB SQL.

Written from /work/shared/contract/METRICS.md and DATA.md only (not from the
project's queries/), so that agreement with the DataFusion views is evidence
that both read the contract the same way.

Usage:
    python3 tests/oracle/duckdb_views.py --warehouse W --as-of 2025-03-31 \
        [--view NAME] [--out DIR]

It reads `W/current/<dataset>/*.parquet` and writes one CSV per view,
`<view>.csv`, in --out (default: the current folder): header row, RFC 4180
quoting, dates YYYY-MM-DD, nulls as empty fields, doubles as repr(float).

As a module: `Oracle(warehouse, as_of, Params()).view("training_compliance")`
returns (columns, rows) with Python values (date, int, float, str, None).

Conventions used throughout, all taken from the contract:
  * P is a period end (quarter end, or month end for SPC).
  * "In post at P": start_date <= P and (end_date is null or end_date >= P).
  * "n months before P": DuckDB's `P - INTERVAL (n) MONTH`, which is calendar
    months clamped to the month end, exactly as METRICS.md asks
    (31 May - 3 months = 28/29 February; 30 June - 1 month = 30 May).
  * Percentages are `100.0 * numerator / denominator` evaluated left to right
    in DOUBLE, never rounded; a zero denominator gives a null percentage and
    a null rag.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import math
import os
import sys
from dataclasses import dataclass
from typing import Any, Optional

import duckdb

# --------------------------------------------------------------------------
# The contract: view -> columns (name, type) in contract order.
# Types: DATE, TEXT, INT (INT/BIGINT, compared as integers), DOUBLE.
# --------------------------------------------------------------------------
CONTRACT: dict[str, list[tuple[str, str]]] = {
    "training_compliance": [
        ("period_end", "DATE"), ("organisation_code", "TEXT"), ("professional_group", "TEXT"),
        ("required_level", "INT"), ("staff_in_post", "INT"), ("staff_compliant", "INT"),
        ("compliance_pct", "DOUBLE"), ("rag", "TEXT"),
    ],
    "supervision_compliance": [
        ("period_end", "DATE"), ("organisation_code", "TEXT"), ("professional_group", "TEXT"),
        ("staff_requiring", "INT"), ("staff_supervised", "INT"), ("compliance_pct", "DOUBLE"),
        ("rag", "TEXT"),
    ],
    "section11_summary": [
        ("organisation_code", "TEXT"), ("audit_round", "TEXT"), ("green", "INT"), ("amber", "INT"),
        ("red", "INT"), ("previous_round", "TEXT"), ("improved", "INT"), ("worsened", "INT"),
        ("actions_total", "INT"), ("actions_completed", "INT"), ("actions_overdue", "INT"),
    ],
    "review_action_status": [
        ("review_id", "TEXT"), ("review_type", "TEXT"), ("review_name", "TEXT"),
        ("actions_total", "INT"), ("actions_completed", "INT"), ("actions_overdue", "INT"),
        ("actions_open", "INT"), ("completion_pct", "DOUBLE"), ("impact_evidenced", "INT"),
        ("median_days_to_complete", "DOUBLE"),
    ],
    "multiagency_contribution": [
        ("period_end", "DATE"), ("organisation_code", "TEXT"), ("meetings", "INT"),
        ("contributed", "INT"), ("contribution_pct", "DOUBLE"), ("rag", "TEXT"),
    ],
    "quality_ratings_summary": [
        ("organisation_code", "TEXT"), ("metric", "TEXT"), ("quarter_end", "DATE"), ("rating", "TEXT"),
        ("previous_rating", "TEXT"), ("change", "TEXT"),
    ],
    "spc_monthly": [
        ("metric", "TEXT"), ("organisation_code", "TEXT"), ("month_end", "DATE"), ("numerator", "INT"),
        ("denominator", "INT"), ("value", "DOUBLE"), ("mean", "DOUBLE"), ("lower_limit", "DOUBLE"),
        ("upper_limit", "DOUBLE"), ("special_cause", "TEXT"), ("point_type", "TEXT"),
    ],
    "spc_summary": [
        ("metric", "TEXT"), ("organisation_code", "TEXT"), ("points", "INT"), ("latest_month", "DATE"),
        ("latest_value", "DOUBLE"), ("mean", "DOUBLE"), ("lower_limit", "DOUBLE"),
        ("upper_limit", "DOUBLE"), ("target", "DOUBLE"), ("variation", "TEXT"), ("assurance", "TEXT"),
    ],
    "load_rejects": [
        ("dataset", "TEXT"), ("source_file", "TEXT"), ("line", "INT"), ("reason", "TEXT"),
    ],
}

VIEWS = list(CONTRACT)

# Views that exist only when an optional dataset is present in the warehouse.
VIEW_NEEDS_DATASET = {
    "multiagency_contribution": "multiagency_meetings",
    "quality_ratings_summary": "quality_ratings",
}

# Columns of every dataset per DATA.md (what the oracle reads), used to build an
# empty stand-in table when an optional dataset that a view only joins to is absent.
DATASET_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "organisations": [("organisation_code", "VARCHAR"), ("organisation_name", "VARCHAR"),
                      ("organisation_type", "VARCHAR")],
    "staff": [("staff_id", "VARCHAR"), ("organisation_code", "VARCHAR"),
              ("professional_group", "VARCHAR"), ("required_level", "INTEGER"),
              ("supervision_interval_months", "INTEGER"), ("start_date", "DATE"),
              ("end_date", "DATE")],
    "training": [("record_id", "VARCHAR"), ("staff_id", "VARCHAR"), ("level", "INTEGER"),
                 ("completed_on", "DATE"), ("hours", "DOUBLE"), ("delivery", "VARCHAR")],
    "supervision": [("session_id", "VARCHAR"), ("staff_id", "VARCHAR"), ("session_date", "DATE"),
                    ("kind", "VARCHAR")],
    "section11_ratings": [("organisation_code", "VARCHAR"), ("audit_round", "VARCHAR"),
                          ("standard", "INTEGER"), ("rating", "VARCHAR"), ("assessed_on", "DATE")],
    "section11_actions": [("action_id", "VARCHAR"), ("organisation_code", "VARCHAR"),
                          ("audit_round", "VARCHAR"), ("standard", "INTEGER"), ("action", "VARCHAR"),
                          ("owner", "VARCHAR"), ("due_date", "DATE"), ("completed_on", "DATE")],
    "review_actions": [("action_id", "VARCHAR"), ("review_id", "VARCHAR"), ("review_type", "VARCHAR"),
                       ("review_name", "VARCHAR"), ("recommendation", "VARCHAR"), ("action", "VARCHAR"),
                       ("lead_organisation_code", "VARCHAR"), ("agreed_on", "DATE"),
                       ("due_date", "DATE"), ("completed_on", "DATE"), ("impact_evidenced", "BOOLEAN")],
    "multiagency_meetings": [("meeting_id", "VARCHAR"), ("organisation_code", "VARCHAR"),
                             ("meeting_type", "VARCHAR"), ("meeting_date", "DATE"),
                             ("contributed", "BOOLEAN")],
    "escalations": [("escalation_id", "VARCHAR"), ("organisation_code", "VARCHAR"),
                    ("raised_on", "DATE"), ("level", "INTEGER"), ("theme", "VARCHAR"),
                    ("local_authority", "VARCHAR"), ("resolved_on", "DATE")],
    "quality_ratings": [("organisation_code", "VARCHAR"), ("quarter_end", "DATE"), ("metric", "VARCHAR"),
                        ("rating", "VARCHAR"), ("commentary", "VARCHAR"), ("rated_on", "DATE")],
    "load_rejects": [("dataset", "VARCHAR"), ("source_file", "VARCHAR"), ("line", "BIGINT"),
                     ("reason", "VARCHAR"), ("kind", "VARCHAR"), ("column", "VARCHAR"),
                     ("raw_row", "VARCHAR")],
}


@dataclass
class Params:
    """Configurable thresholds, with the METRICS.md defaults."""
    training_validity_months: int = 36
    red_below: float = 75.0          # training and supervision: red below this
    green_above: float = 90.0        # training and supervision: green above this
    multiagency_red_below: float = 60.0
    multiagency_green_above: float = 90.0
    spc_target: Optional[float] = None   # None: the green threshold (green_above)

    @property
    def target(self) -> float:
        return self.green_above if self.spc_target is None else self.spc_target


# --------------------------------------------------------------------------
# Periods (computed in plain Python from the calendar, not by month
# arithmetic, because e.g. 30 June - 3 months = 30 March is not a quarter end).
# --------------------------------------------------------------------------
def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _month_ends_back(last_year: int, last_month: int, count: int, step: int) -> list[dt.date]:
    """`count` month ends going back `step` months at a time from (last_year, last_month), ascending."""
    out = []
    index = last_year * 12 + (last_month - 1)  # months since year 0
    for k in range(count):
        i = index - k * step
        out.append(month_end(i // 12, i % 12 + 1))
    return sorted(out)


def quarter_ends(as_of: dt.date) -> list[dt.date]:
    """The 12 quarter ends (31 Mar, 30 Jun, 30 Sep, 31 Dec) up to and including
    the last quarter end on or before as_of, ascending."""
    year, month = as_of.year, as_of.month
    # Walk back month by month to the last quarter-end month whose end is <= as_of.
    while not (month in (3, 6, 9, 12) and month_end(year, month) <= as_of):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return _month_ends_back(year, month, 12, 3)


def month_ends(as_of: dt.date) -> list[dt.date]:
    """The 36 month ends up to and including the last month end on or before as_of, ascending."""
    year, month = as_of.year, as_of.month
    if month_end(year, month) > as_of:
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return _month_ends_back(year, month, 36, 1)


# --------------------------------------------------------------------------
# SPC rules (METRICS.md spc_monthly), in plain Python for clarity.
# --------------------------------------------------------------------------
IMPROVEMENT_CAUSES = {"above_upper_limit", "trend_increasing", "two_of_three_above", "run_above"}
CONCERN_CAUSES = {"below_lower_limit", "trend_decreasing", "two_of_three_below", "run_below"}


@dataclass
class SpcResult:
    mean: float
    amr: float
    lower_limit: float
    upper_limit: float
    special_causes: list[str]
    point_types: list[str]


def _average(xs: list[float]) -> float:
    # math.fsum: the correctly rounded sum, so the figure does not depend on summation order.
    return math.fsum(xs) / len(xs)


def _maximal_runs(flags: list[bool]) -> list[tuple[int, int]]:
    """Maximal stretches [a, b] (inclusive) where flags[k] is true for every k."""
    runs, start = [], None
    for k, f in enumerate(flags + [False]):
        if f and start is None:
            start = k
        elif not f and start is not None:
            runs.append((start, k - 1))
            start = None
    return runs


def spc(values: list[float]) -> SpcResult:
    """Apply the METRICS.md / NHSRplotthedots rules to one series (in date order)."""
    n = len(values)
    mean = _average(values)

    # Moving ranges, average moving range, outlier screening, recomputed AMR.
    moving_ranges = [abs(values[i] - values[i - 1]) for i in range(1, n)]
    amr = _average(moving_ranges) if moving_ranges else 0.0
    kept = [mr for mr in moving_ranges if not (mr >= 3.267 * amr)]
    amr = _average(kept) if kept else 0.0

    lower = mean - 2.66 * amr
    upper = mean + 2.66 * amr
    near_low = mean - (2 / 3) * 2.66 * amr
    near_high = mean + (2 / 3) * 2.66 * amr

    outside = [v > upper or v < lower for v in values]
    # Near a limit: not outside the limits, but beyond two thirds of the way to one.
    near = [(not outside[k]) and (v < near_low or v > near_high) for k, v in enumerate(values)]
    # Side of the mean: +1 above, -1 below, 0 equal (a point equal to the mean is on neither side).
    side = [1 if v > mean else (-1 if v < mean else 0) for v in values]

    # Trends: maximal stretches of 7+ points each strictly higher (lower) than the one
    # before. The first point of a stretch belongs to it. A stretch of k points has
    # k-1 steps; a point can belong to an increasing and a decreasing stretch only as
    # the shared turning point, which takes the later stretch's direction.
    up_step = [False] + [values[k] > values[k - 1] for k in range(1, n)]
    down_step = [False] + [values[k] < values[k - 1] for k in range(1, n)]
    trends = []  # (start, end, direction)
    for steps, direction in ((up_step, 1), (down_step, -1)):
        for a, b in _maximal_runs(steps):
            start = a - 1  # the point before the first step starts the stretch
            if b - start + 1 >= 7:
                trends.append((start, b, direction))
    trend = [0] * n
    for start, end, direction in sorted(trends):  # later stretches overwrite earlier ones
        for k in range(start, end + 1):
            trend[k] = direction

    # Two of three: the point is near a limit and belongs to a window of 3 consecutive
    # points all on the same side of the mean with at least 2 of them near a limit.
    two_of_three = [0] * n
    for k in range(n):
        if not near[k]:
            continue
        for w in (k - 2, k - 1, k):
            if w < 0 or w + 2 >= n:
                continue
            window = range(w, w + 3)
            s = side[w]
            if s != 0 and all(side[j] == s for j in window) and sum(near[j] for j in window) >= 2:
                two_of_three[k] = s

    # Runs: maximal stretches of 7+ points all above (or all below) the mean.
    run = [0] * n
    for s in (1, -1):
        for a, b in _maximal_runs([x == s for x in side]):
            if b - a + 1 >= 7:
                for k in range(a, b + 1):
                    run[k] = s

    causes, types = [], []
    for k, v in enumerate(values):
        if v > upper:
            c = "above_upper_limit"
        elif v < lower:
            c = "below_lower_limit"
        elif trend[k] == 1:
            c = "trend_increasing"
        elif trend[k] == -1:
            c = "trend_decreasing"
        elif two_of_three[k] == 1:
            c = "two_of_three_above"
        elif two_of_three[k] == -1:
            c = "two_of_three_below"
        elif run[k] == 1:
            c = "run_above"
        elif run[k] == -1:
            c = "run_below"
        else:
            c = "common_cause"
        causes.append(c)
        # Higher is better for both metrics.
        if c in IMPROVEMENT_CAUSES:
            types.append("special_cause_improvement")
        elif c in CONCERN_CAUSES:
            types.append("special_cause_concern")
        else:
            types.append("common_cause")
    return SpcResult(mean, amr, lower, upper, causes, types)


# --------------------------------------------------------------------------
# The oracle over a warehouse
# --------------------------------------------------------------------------
def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


class Oracle:
    def __init__(self, warehouse: str, as_of: dt.date, params: Optional[Params] = None):
        self.warehouse = warehouse
        self.as_of = as_of
        self.params = params or Params()
        self.current = os.path.join(warehouse, "current")
        if not os.path.isdir(self.current):
            raise SystemExit(f"no warehouse snapshot at {self.current}")
        self.con = duckdb.connect()
        self.present: set[str] = set()
        self._register_datasets()
        self._register_periods()
        self._register_macros()
        self._cache: dict[str, tuple[list[str], list[tuple]]] = {}

    # -- setup -------------------------------------------------------------
    def dataset_present(self, name: str) -> bool:
        """A dataset is present when its folder holds at least one Parquet file
        (possibly an empty one)."""
        folder = os.path.join(self.current, name)
        return os.path.isdir(folder) and any(f.endswith(".parquet") for f in os.listdir(folder))

    def _register_datasets(self) -> None:
        for name, cols in DATASET_COLUMNS.items():
            if self.dataset_present(name):
                self.present.add(name)
                glob = os.path.join(self.current, name, "*.parquet")
                self.con.execute(
                    f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_sql_str(glob)})")
            else:
                # Absent: an empty table of the DATA.md columns, so that views that only
                # join to it (section11_actions in section11_summary) still run.
                col_sql = ", ".join(f'"{c}" {t}' for c, t in cols)
                self.con.execute(f"CREATE TABLE {name} ({col_sql})")

    def _register_periods(self) -> None:
        self.quarters = quarter_ends(self.as_of)
        self.months = month_ends(self.as_of)
        self.con.execute("CREATE TABLE quarter_periods (period_end DATE)")
        self.con.executemany("INSERT INTO quarter_periods VALUES (?)", [(d,) for d in self.quarters])
        self.con.execute("CREATE TABLE month_periods (period_end DATE)")
        self.con.executemany("INSERT INTO month_periods VALUES (?)", [(d,) for d in self.months])

    def _register_macros(self) -> None:
        # pct: 100.0 * n / d in DOUBLE, null when the denominator is 0.
        self.con.execute("""
            CREATE MACRO pct(n, d) AS
                CASE WHEN d = 0 THEN NULL ELSE CAST(100.0 AS DOUBLE) * n / d END""")
        # rag: red below the red threshold, green above the green one, amber between
        # (both thresholds inclusive in amber); null percentage -> null rag.
        self.con.execute("""
            CREATE MACRO rag(p, red_below, green_above) AS
                CASE WHEN p IS NULL THEN NULL
                     WHEN p < red_below THEN 'red'
                     WHEN p > green_above THEN 'green'
                     ELSE 'amber' END""")
        # rating_rank: red < amber < green.
        self.con.execute("""
            CREATE MACRO rating_rank(r) AS
                CASE r WHEN 'red' THEN 1 WHEN 'amber' THEN 2 WHEN 'green' THEN 3 END""")

    def _query(self, sql: str, **params: Any) -> tuple[list[str], list[tuple]]:
        cur = self.con.execute(sql, params) if params else self.con.execute(sql)
        cols = [d[0] for d in cur.description]
        return cols, cur.fetchall()

    # -- per-person building blocks, shared by the quarterly views and SPC ----
    def _training_people_sql(self, periods: str) -> str:
        """One row per (P, post holder in post at P) with a `compliant` flag.

        Compliant: a training record with level >= required_level and
        completed_on <= P and P < completed_on + <validity> months."""
        months = int(self.params.training_validity_months)
        return f"""
            SELECT p.period_end, s.staff_id, s.organisation_code, s.professional_group, s.required_level,
                   EXISTS (
                       SELECT 1 FROM training t
                       WHERE t.staff_id = s.staff_id
                         AND t.level >= s.required_level
                         AND t.completed_on <= p.period_end
                         AND p.period_end < t.completed_on + INTERVAL ({months}) MONTH
                   ) AS compliant
            FROM {periods} p
            JOIN staff s
              ON s.start_date <= p.period_end
             AND (s.end_date IS NULL OR s.end_date >= p.period_end)"""

    def _supervision_people_sql(self, periods: str) -> str:
        """One row per (P, post holder requiring supervision at P) with a `supervised` flag.

        Requiring: in post at P, m = supervision_interval_months not null, and
        start_date <= P - m months. Supervised: a one_to_one or group session with
        P - m months < session_date <= P (ad_hoc never counts)."""
        return f"""
            SELECT p.period_end, s.staff_id, s.organisation_code, s.professional_group,
                   EXISTS (
                       SELECT 1 FROM supervision x
                       WHERE x.staff_id = s.staff_id
                         AND x.kind IN ('one_to_one', 'group')
                         AND p.period_end - INTERVAL (s.supervision_interval_months) MONTH < x.session_date
                         AND x.session_date <= p.period_end
                   ) AS supervised
            FROM {periods} p
            JOIN staff s
              ON s.start_date <= p.period_end
             AND (s.end_date IS NULL OR s.end_date >= p.period_end)
             AND s.supervision_interval_months IS NOT NULL
             AND s.start_date <= p.period_end - INTERVAL (s.supervision_interval_months) MONTH"""

    # -- views ---------------------------------------------------------------
    def view_exists(self, name: str) -> bool:
        needed = VIEW_NEEDS_DATASET.get(name)
        return needed is None or needed in self.present

    def view(self, name: str) -> tuple[list[str], list[tuple]]:
        if name not in CONTRACT:
            raise KeyError(f"unknown view {name}")
        if not self.view_exists(name):
            raise LookupError(f"view {name} does not exist: dataset {VIEW_NEEDS_DATASET[name]} is absent")
        if name not in self._cache:
            cols, rows = getattr(self, "_" + name)()
            expected = [c for c, _ in CONTRACT[name]]
            assert cols == expected, f"{name}: oracle columns {cols} != contract {expected}"
            self._cache[name] = (cols, rows)
        return self._cache[name]

    def _training_compliance(self):
        # One row per (P, organisation, professional group, required level) with
        # staff_in_post > 0: grouping the in-post people only ever makes groups with at
        # least one member, so groups with nobody in post (denominator 0) never appear.
        p = self.params
        return self._query(f"""
            WITH people AS ({self._training_people_sql('quarter_periods')})
            SELECT period_end, organisation_code, professional_group, required_level,
                   CAST(count(*) AS BIGINT) AS staff_in_post,
                   CAST(count(*) FILTER (WHERE compliant) AS BIGINT) AS staff_compliant,
                   pct(count(*) FILTER (WHERE compliant), count(*)) AS compliance_pct,
                   rag(pct(count(*) FILTER (WHERE compliant), count(*)), $red, $green) AS rag
            FROM people
            GROUP BY period_end, organisation_code, professional_group, required_level
            ORDER BY ALL""", red=p.red_below, green=p.green_above)

    def _supervision_compliance(self):
        # One row per (P, organisation, professional group) with staff_requiring > 0
        # (groups are formed from requiring people only, so a 0 denominator cannot occur).
        p = self.params
        return self._query(f"""
            WITH people AS ({self._supervision_people_sql('quarter_periods')})
            SELECT period_end, organisation_code, professional_group,
                   CAST(count(*) AS BIGINT) AS staff_requiring,
                   CAST(count(*) FILTER (WHERE supervised) AS BIGINT) AS staff_supervised,
                   pct(count(*) FILTER (WHERE supervised), count(*)) AS compliance_pct,
                   rag(pct(count(*) FILTER (WHERE supervised), count(*)), $red, $green) AS rag
            FROM people
            GROUP BY period_end, organisation_code, professional_group
            ORDER BY ALL""", red=p.red_below, green=p.green_above)

    def _section11_summary(self):
        # One row per (organisation, audit round) present in section11_ratings.
        # previous_round: the organisation's greatest audit_round (text order) below this one.
        # improved / worsened: standards rated in both rounds whose rating rank
        # (red < amber < green) went up / down; 0 when there is no previous round.
        # Actions of that organisation and round: completed when completed_on <= as_of;
        # overdue when not completed (no completed_on, or one after as_of) and due_date < as_of.
        return self._query("""
            WITH rounds AS (
                SELECT organisation_code, audit_round,
                       count(*) FILTER (WHERE rating = 'green') AS green,
                       count(*) FILTER (WHERE rating = 'amber') AS amber,
                       count(*) FILTER (WHERE rating = 'red')   AS red
                FROM section11_ratings
                GROUP BY organisation_code, audit_round
            ),
            with_previous AS (
                SELECT r.*,
                       (SELECT max(e.audit_round) FROM rounds e
                        WHERE e.organisation_code = r.organisation_code
                          AND e.audit_round < r.audit_round) AS previous_round
                FROM rounds r
            ),
            moves AS (
                SELECT w.organisation_code, w.audit_round,
                       count(*) FILTER (WHERE rating_rank(cur.rating) > rating_rank(old.rating)) AS improved,
                       count(*) FILTER (WHERE rating_rank(cur.rating) < rating_rank(old.rating)) AS worsened
                FROM with_previous w
                JOIN section11_ratings cur
                  ON cur.organisation_code = w.organisation_code AND cur.audit_round = w.audit_round
                JOIN section11_ratings old
                  ON old.organisation_code = w.organisation_code AND old.audit_round = w.previous_round
                 AND old.standard = cur.standard
                GROUP BY w.organisation_code, w.audit_round
            ),
            actions AS (
                SELECT organisation_code, audit_round,
                       count(*) AS actions_total,
                       count(*) FILTER (WHERE completed_on <= $as_of) AS actions_completed,
                       count(*) FILTER (WHERE (completed_on IS NULL OR completed_on > $as_of)
                                          AND due_date < $as_of) AS actions_overdue
                FROM section11_actions
                GROUP BY organisation_code, audit_round
            )
            SELECT w.organisation_code, w.audit_round,
                   CAST(w.green AS BIGINT) AS green, CAST(w.amber AS BIGINT) AS amber,
                   CAST(w.red AS BIGINT) AS red,
                   w.previous_round,
                   CAST(coalesce(m.improved, 0) AS BIGINT) AS improved,
                   CAST(coalesce(m.worsened, 0) AS BIGINT) AS worsened,
                   CAST(coalesce(a.actions_total, 0) AS BIGINT) AS actions_total,
                   CAST(coalesce(a.actions_completed, 0) AS BIGINT) AS actions_completed,
                   CAST(coalesce(a.actions_overdue, 0) AS BIGINT) AS actions_overdue
            FROM with_previous w
            LEFT JOIN moves m USING (organisation_code, audit_round)
            LEFT JOIN actions a USING (organisation_code, audit_round)
            ORDER BY ALL""", as_of=self.as_of)

    def _review_action_status(self):
        # One row per review with an action agreed on or before as_of; only those actions count.
        # completed: completed_on <= as_of; overdue: not completed and due_date < as_of;
        # open: neither. impact_evidenced: completed actions with impact_evidenced true.
        # median_days_to_complete: median of completed_on - agreed_on (days) over completed
        # actions (mean of the middle two for an even count), null if none.
        # review_type / review_name: one row per review_id, so if the actions of a review
        # disagree the smallest value is shown (the contract assumes they agree).
        return self._query("""
            WITH actions AS (
                SELECT *,
                       coalesce(completed_on <= $as_of, false) AS is_completed
                FROM review_actions
                WHERE agreed_on <= $as_of
            ),
            marked AS (
                SELECT *,
                       (NOT is_completed) AND due_date < $as_of AS is_overdue
                FROM actions
            )
            SELECT review_id, min(review_type) AS review_type, min(review_name) AS review_name,
                   CAST(count(*) AS BIGINT) AS actions_total,
                   CAST(count(*) FILTER (WHERE is_completed) AS BIGINT) AS actions_completed,
                   CAST(count(*) FILTER (WHERE is_overdue) AS BIGINT) AS actions_overdue,
                   CAST(count(*) FILTER (WHERE NOT is_completed AND NOT is_overdue) AS BIGINT) AS actions_open,
                   pct(count(*) FILTER (WHERE is_completed), count(*)) AS completion_pct,
                   CAST(count(*) FILTER (WHERE is_completed AND impact_evidenced) AS BIGINT) AS impact_evidenced,
                   median(CAST(completed_on - agreed_on AS DOUBLE)) FILTER (WHERE is_completed)
                       AS median_days_to_complete
            FROM marked
            GROUP BY review_id
            ORDER BY ALL""", as_of=self.as_of)

    def _multiagency_contribution(self):
        # Per quarter end P and organisation, over meetings with
        # P - 3 months < meeting_date <= P: meetings, those contributed to, the
        # percentage and the multi-agency rag (red < 60, green > 90 by default).
        # Rows exist for (P, organisation) pairs with at least one meeting in the window.
        p = self.params
        return self._query("""
            SELECT q.period_end, m.organisation_code,
                   CAST(count(*) AS BIGINT) AS meetings,
                   CAST(count(*) FILTER (WHERE m.contributed) AS BIGINT) AS contributed,
                   pct(count(*) FILTER (WHERE m.contributed), count(*)) AS contribution_pct,
                   rag(pct(count(*) FILTER (WHERE m.contributed), count(*)), $red, $green) AS rag
            FROM quarter_periods q
            JOIN multiagency_meetings m
              ON q.period_end - INTERVAL (3) MONTH < m.meeting_date
             AND m.meeting_date <= q.period_end
            GROUP BY q.period_end, m.organisation_code
            ORDER BY ALL""", red=p.multiagency_red_below, green=p.multiagency_green_above)

    def _quality_ratings_summary(self):
        # One row per rating whose quarter_end is one of the 12 trend quarter ends.
        # previous_rating: the same organisation's and metric's rating at the previous
        # quarter end (anywhere in the dataset, also before the 12-quarter window). The
        # previous quarter end is the end of the month 3 months earlier:
        # last_day(30 June - 3 months = 30 March) = 31 March, and so on.
        # change: improved / worsened / same by red < amber < green; null without a previous rating.
        return self._query("""
            SELECT q.organisation_code, q.metric, q.quarter_end, q.rating,
                   prev.rating AS previous_rating,
                   CASE WHEN prev.rating IS NULL THEN NULL
                        WHEN rating_rank(q.rating) > rating_rank(prev.rating) THEN 'improved'
                        WHEN rating_rank(q.rating) < rating_rank(prev.rating) THEN 'worsened'
                        ELSE 'same' END AS change
            FROM quality_ratings q
            JOIN quarter_periods p ON p.period_end = q.quarter_end
            LEFT JOIN quality_ratings prev
              ON prev.organisation_code = q.organisation_code
             AND prev.metric = q.metric
             AND prev.quarter_end = last_day(q.quarter_end - INTERVAL (3) MONTH)
            ORDER BY ALL""")

    def _load_rejects(self):
        # Every row error from the last load: its four contract columns.
        return self._query("""
            SELECT dataset, source_file, CAST(line AS BIGINT) AS line, reason
            FROM load_rejects
            ORDER BY ALL""")

    # -- SPC -------------------------------------------------------------------
    def spc_counts(self) -> list[tuple]:
        """(metric, organisation_code, month_end, numerator, denominator) for each of the
        36 month ends, for each organisation and for the whole footprint (null
        organisation), by the training_compliance / supervision_compliance rules."""
        _, rows = self._query(f"""
            WITH training_people AS ({self._training_people_sql('month_periods')}),
                 supervision_people AS ({self._supervision_people_sql('month_periods')}),
                 per_person AS (
                     SELECT 'training' AS metric, organisation_code, period_end, compliant AS hit
                     FROM training_people
                     UNION ALL
                     SELECT 'supervision', organisation_code, period_end, supervised
                     FROM supervision_people
                 )
            -- per organisation
            SELECT metric, organisation_code, period_end AS month_end,
                   CAST(count(*) FILTER (WHERE hit) AS BIGINT) AS numerator,
                   CAST(count(*) AS BIGINT) AS denominator
            FROM per_person GROUP BY metric, organisation_code, period_end
            UNION ALL
            -- whole footprint
            SELECT metric, NULL, period_end,
                   CAST(count(*) FILTER (WHERE hit) AS BIGINT),
                   CAST(count(*) AS BIGINT)
            FROM per_person GROUP BY metric, period_end
            ORDER BY 1, 2 NULLS FIRST, 3""")
        return rows

    def _spc_series(self):
        """{(metric, org): [(month_end, num, den), ...]} for series with >= 12 months of
        denominator > 0 (months with denominator 0 are dropped first)."""
        series: dict[tuple, list[tuple]] = {}
        for metric, org, month, num, den in self.spc_counts():
            if den > 0:  # grouping people makes den >= 1 already; kept for clarity
                series.setdefault((metric, org), []).append((month, num, den))
        return {k: sorted(v) for k, v in series.items() if len(v) >= 12}

    def _spc_monthly(self):
        cols = [c for c, _ in CONTRACT["spc_monthly"]]
        rows = []
        for (metric, org), points in self._spc_series().items():
            values = [100.0 * num / den for _, num, den in points]
            r = spc(values)
            for (month, num, den), v, cause, ptype in zip(points, values, r.special_causes, r.point_types):
                rows.append((metric, org, month, num, den, v, r.mean, r.lower_limit, r.upper_limit,
                             cause, ptype))
        rows.sort(key=_sort_key)
        return cols, rows

    def _spc_summary(self):
        cols = [c for c, _ in CONTRACT["spc_summary"]]
        _, monthly = self.view("spc_monthly")
        target = self.params.target
        by_series: dict[tuple, list[tuple]] = {}
        for row in monthly:
            by_series.setdefault((row[0], row[1]), []).append(row)
        rows = []
        for (metric, org), points in by_series.items():
            points.sort(key=lambda r: r[2])
            last = points[-1]
            mean, lower, upper = last[6], last[7], last[8]
            if target > upper:
                assurance = "consistent_fail"
            elif target < lower:
                assurance = "consistent_pass"
            else:
                assurance = "inconsistent"
            rows.append((metric, org, len(points), last[2], last[5], mean, lower, upper, target,
                         last[10], assurance))
        rows.sort(key=_sort_key)
        return cols, rows


def _sort_key(row: tuple) -> tuple:
    """Sort key with nulls first, usable for mixed None / value columns."""
    return tuple((v is not None, v if v is not None else 0) for v in row)


# --------------------------------------------------------------------------
# CSV output
# --------------------------------------------------------------------------
def format_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    return str(v)


def write_csv(path: str, cols: list[str], rows: list[tuple]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")  # RFC 4180: CRLF, minimal quoting
        w.writerow(cols)
        for row in rows:
            w.writerow([format_value(v) for v in row])


def add_param_args(ap: argparse.ArgumentParser) -> None:
    d = Params()
    ap.add_argument("--training-validity-months", type=int, default=d.training_validity_months)
    ap.add_argument("--red-below", type=float, default=d.red_below,
                    help="training/supervision: red below this percentage (default 75.0)")
    ap.add_argument("--green-above", type=float, default=d.green_above,
                    help="training/supervision: green above this percentage (default 90.0)")
    ap.add_argument("--multiagency-red-below", type=float, default=d.multiagency_red_below)
    ap.add_argument("--multiagency-green-above", type=float, default=d.multiagency_green_above)
    ap.add_argument("--spc-target", type=float, default=None,
                    help="SPC target (default: the green threshold, 90.0)")


def params_from_args(a: argparse.Namespace) -> Params:
    return Params(a.training_validity_months, a.red_below, a.green_above,
                  a.multiagency_red_below, a.multiagency_green_above, a.spc_target)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--as-of", required=True, type=dt.date.fromisoformat)
    ap.add_argument("--view", action="append", choices=VIEWS,
                    help="only this view (repeatable); default: every view")
    ap.add_argument("--out", default=".", help="folder for <view>.csv (created if missing)")
    add_param_args(ap)
    a = ap.parse_args(argv)

    oracle = Oracle(a.warehouse, a.as_of, params_from_args(a))
    os.makedirs(a.out, exist_ok=True)
    for name in a.view or VIEWS:
        if not oracle.view_exists(name):
            print(f"{name}: skipped ({VIEW_NEEDS_DATASET[name]} absent)", file=sys.stderr)
            continue
        cols, rows = oracle.view(name)
        write_csv(os.path.join(a.out, f"{name}.csv"), cols, rows)
        print(f"{name}: {len(rows)} rows", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
