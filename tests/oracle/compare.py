#!/usr/bin/env python3
"""Compare the DataFusion views (`safeguard sql`) with the DuckDB oracle, view by view.

Usage:
    python3 tests/oracle/compare.py --warehouse W --as-of 2025-03-31 \
        --safeguard $CARGO_TARGET_DIR/debug/safeguard [--views a,b,...] [--keep DIR]

For each view it runs the oracle and
    safeguard sql --warehouse W --as-of D --format csv -c "SELECT <contract columns> FROM <view>"
and checks: same header, same number of rows, and every row equal after sorting both
sides by all columns (empty = null; doubles within 1e-9 absolute or relative; integers
exactly; text and dates exactly). Views whose optional dataset is absent are skipped on
both sides. Prints `view: N rows equal` per view and a final `N passed, M failed`;
exits 0 only when nothing failed.

`safeguard` runs in a scratch working directory so that a ./safeguard.toml does not
change its thresholds (pass --config to give it one on purpose).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter
from typing import Any, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import duckdb_views as dv  # noqa: E402

ABS_TOL = 1e-9
REL_TOL = 1e-9
MAX_DIFF_LINES = 20


class ParseError(Exception):
    pass


def parse_field(text: str, typ: str) -> Any:
    """One CSV field of the given contract type to a Python value (empty -> None)."""
    if text == "":
        return None
    if typ == "INT":
        try:
            return int(text)
        except ValueError:
            raise ParseError(f"not an integer: {text!r}")
    if typ == "DOUBLE":
        try:
            return float(text)
        except ValueError:
            raise ParseError(f"not a number: {text!r}")
    if typ == "DATE":
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise ParseError(f"not a YYYY-MM-DD date: {text!r}")
        return text
    return text


def oracle_value(v: Any, typ: str) -> Any:
    """An oracle value in the same representation parse_field gives."""
    if v is None:
        return None
    if typ == "DATE":
        return v.isoformat()[:10]
    if typ == "DOUBLE":
        return float(v)
    if typ == "INT":
        return int(v)
    return str(v)


def sort_key(row: tuple, types: list[str]) -> tuple:
    # Nulls first; doubles rounded so that sub-tolerance noise does not reorder rows.
    key = []
    for v, t in zip(row, types):
        if v is None:
            key.append((0, 0))
        elif t == "DOUBLE":
            key.append((1, round(v, 6)))
        else:
            key.append((1, v))
    return tuple(key)


def values_equal(a: Any, b: Any, typ: str) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if typ == "DOUBLE":
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def fmt_row(row: tuple) -> str:
    return ",".join("" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in row)


def diff_rows(cols: list[str], types: list[str], ours: list[tuple], theirs: list[tuple]) -> list[str]:
    """A short readable diff: with different row counts, the rows found on one side only
    (matched by their rounded sort key); with equal counts, the differing pairs of rows
    in sorted order, naming the columns that differ."""
    lines = []
    ko = Counter(sort_key(r, types) for r in ours)
    kt = Counter(sort_key(r, types) for r in theirs)
    only_ours = [r for r in ours if ko[sort_key(r, types)] > kt.get(sort_key(r, types), 0)]
    only_theirs = [r for r in theirs if kt[sort_key(r, types)] > ko.get(sort_key(r, types), 0)]
    lines.append("  columns: " + ",".join(cols))
    if len(ours) != len(theirs) and (only_ours or only_theirs):
        for r in only_ours[:MAX_DIFF_LINES // 2]:
            lines.append("  only in oracle:    " + fmt_row(r))
        if len(only_ours) > MAX_DIFF_LINES // 2:
            lines.append(f"  ... {len(only_ours) - MAX_DIFF_LINES // 2} more only in oracle")
        for r in only_theirs[:MAX_DIFF_LINES // 2]:
            lines.append("  only in safeguard: " + fmt_row(r))
        if len(only_theirs) > MAX_DIFF_LINES // 2:
            lines.append(f"  ... {len(only_theirs) - MAX_DIFF_LINES // 2} more only in safeguard")
        return lines
    shown = 0
    for a, b in zip(ours, theirs):
        if not all(values_equal(x, y, t) for x, y, t in zip(a, b, types)):
            cols_diff = [c for c, x, y, t in zip(cols, a, b, types) if not values_equal(x, y, t)]
            lines.append(f"  differs in {','.join(cols_diff)}:")
            lines.append("    oracle:    " + fmt_row(a))
            lines.append("    safeguard: " + fmt_row(b))
            shown += 1
            if shown * 3 >= MAX_DIFF_LINES:
                break
    return lines


def run_safeguard(binary: str, warehouse: str, as_of: str, view: str, config: Optional[str],
                  cwd: str) -> tuple[list[str], list[list[str]]]:
    cols = ", ".join(f'"{c}"' for c, _ in dv.CONTRACT[view])
    cmd = [binary]
    if config:
        cmd += ["--config", config]
    cmd += ["sql", "--warehouse", warehouse, "--as-of", as_of, "--format", "csv",
            "-c", f"SELECT {cols} FROM {view}"]
    env = dict(os.environ)
    env.pop("SAFEGUARD_CONFIG", None)
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"safeguard sql exited {p.returncode}: {p.stderr.strip()[:2000]}")
    records = list(csv.reader(io.StringIO(p.stdout, newline="")))
    if not records:
        raise RuntimeError("safeguard sql printed no CSV header")
    return records[0], records[1:]


def compare_view(oracle: dv.Oracle, view: str, a: argparse.Namespace, cwd: str) -> tuple[bool, list[str]]:
    names = [c for c, _ in dv.CONTRACT[view]]
    types = [t for _, t in dv.CONTRACT[view]]
    _, orows = oracle.view(view)
    ours = [tuple(oracle_value(v, t) for v, t in zip(r, types)) for r in orows]
    if a.keep:
        dv.write_csv(os.path.join(a.keep, f"{view}.oracle.csv"), names, orows)

    try:
        header, raw = run_safeguard(a.safeguard, os.path.abspath(a.warehouse), a.as_of, view,
                                    a.config, cwd)
    except RuntimeError as e:
        return False, [f"  {e}"]
    if a.keep:
        with open(os.path.join(a.keep, f"{view}.safeguard.csv"), "w", newline="") as f:
            csv.writer(f, lineterminator="\r\n").writerows([header] + raw)
    if [h.strip() for h in header] != names:
        return False, [f"  columns differ:\n    oracle:    {','.join(names)}\n    safeguard: {','.join(header)}"]
    theirs = []
    for i, rec in enumerate(raw, start=2):
        if len(rec) != len(names):
            return False, [f"  safeguard CSV line {i} has {len(rec)} fields, expected {len(names)}: {rec}"]
        try:
            theirs.append(tuple(parse_field(x, t) for x, t in zip(rec, types)))
        except ParseError as e:
            return False, [f"  safeguard CSV line {i}: {e}"]

    ours.sort(key=lambda r: sort_key(r, types))
    theirs.sort(key=lambda r: sort_key(r, types))
    lines = []
    if len(ours) != len(theirs):
        lines.append(f"  row counts differ: oracle {len(ours)}, safeguard {len(theirs)}")
    equal = len(ours) == len(theirs) and all(
        values_equal(x, y, t) for ra, rb in zip(ours, theirs) for x, y, t in zip(ra, rb, types))
    if equal:
        return True, [f"{view}: {len(ours)} rows equal"]
    return False, lines + diff_rows(names, types, ours, theirs)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Compare safeguard's views with the DuckDB oracle.")
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--safeguard", required=True, help="path of the safeguard binary")
    ap.add_argument("--views", help="comma-separated view names (default: all)")
    ap.add_argument("--config", help="a safeguard configuration file to pass to `safeguard sql`")
    ap.add_argument("--keep", help="write <view>.oracle.csv and <view>.safeguard.csv here")
    dv.add_param_args(ap)
    a = ap.parse_args(argv)

    views = a.views.split(",") if a.views else dv.VIEWS
    unknown = [v for v in views if v not in dv.CONTRACT]
    if unknown:
        ap.error(f"unknown view(s): {', '.join(unknown)}")
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)
    oracle = dv.Oracle(a.warehouse, dt.date.fromisoformat(a.as_of), dv.params_from_args(a))

    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="safeguard-compare-") as cwd:
        for view in views:
            if not oracle.view_exists(view):
                print(f"{view}: skipped ({dv.VIEW_NEEDS_DATASET[view]} absent)")
                continue
            try:
                ok, lines = compare_view(oracle, view, a, cwd)
            except Exception as e:  # an oracle crash is a failure of this view, not of the run
                ok, lines = False, [f"  oracle error: {type(e).__name__}: {e}"]
            if ok:
                passed += 1
                print("\n".join(lines))
            else:
                failed += 1
                print(f"{view}: MISMATCH")
                print("\n".join(lines[:MAX_DIFF_LINES + 2]))
            sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
