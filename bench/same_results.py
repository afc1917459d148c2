"""Checks that two folders of view results hold the same rows: safeguard's and DuckDB's.

    python bench/same_results.py DIR_A DIR_B VIEW ...

For each VIEW, DIR_A/<view>.csv and DIR_B/<view>.csv must have the same header and, once both
are sorted, the same rows: numbers equal within 1e-9 (relative or absolute), `true`/`false`
and text exactly, an empty field a null. Prints one line per view; exits 1 at the first
difference, so a benchmark never compares engines computing different things.
"""

from __future__ import annotations

import csv
import math
import os
import sys

TOL = 1e-9


def value(text: str):
    if text == "":
        return (0, "")
    try:
        return (1, float(text))
    except ValueError:
        return (2, text)


def rows(path: str) -> tuple[list[str], list[tuple]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        body = [tuple(value(x) for x in row) for row in reader]
    body.sort(key=sort_key)
    return header, body


def sort_key(row: tuple) -> tuple:
    """Nulls, then numbers (rounded, so floating-point noise cannot reorder rows; NaN and the
    infinities after the finite ones), then text, field by field."""
    return tuple((k, 0, round(v, 6)) if k == 1 and math.isfinite(v)
                 else (k, 1, str(v)) if k == 1 else (k, 0, v) for k, v in row)


def same(a, b) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == 1:
        if math.isnan(a[1]) or math.isnan(b[1]):
            return math.isnan(a[1]) and math.isnan(b[1])
        return math.isclose(a[1], b[1], rel_tol=TOL, abs_tol=TOL)
    return a[1] == b[1]


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    dir_a, dir_b, names = argv[0], argv[1], argv[2:]
    for name in names:
        path_a, path_b = os.path.join(dir_a, f"{name}.csv"), os.path.join(dir_b, f"{name}.csv")
        if not os.path.exists(path_a) and not os.path.exists(path_b):
            print(f"{name}: absent on both sides")
            continue
        for path in (path_a, path_b):
            if not os.path.exists(path):
                print(f"{name}: no result in {path} (the other side has one)", file=sys.stderr)
                return 1
        (head_a, rows_a), (head_b, rows_b) = rows(path_a), rows(path_b)
        if head_a != head_b:
            print(f"{name}: columns differ: {head_a} / {head_b}", file=sys.stderr)
            return 1
        if len(rows_a) != len(rows_b):
            print(f"{name}: {len(rows_a)} rows in {path_a}, {len(rows_b)} in {path_b}", file=sys.stderr)
            return 1
        for i, (ra, rb) in enumerate(zip(rows_a, rows_b)):
            if len(ra) != len(rb) or not all(same(x, y) for x, y in zip(ra, rb)):
                print(f"{name}: sorted row {i + 1} differs: {ra} / {rb}", file=sys.stderr)
                return 1
        print(f"{name}: {len(rows_a)} rows equal")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
