"""Checks that two sets of view results hold the same rows: safeguard's and DuckDB's.

    python bench/same_results.py DIR_A DIR_B VIEW ...
    python bench/same_results.py --concatenated FILE_A DIR_B VIEW ...
    python bench/same_results.py --b-columns DIR_A DIR_B VIEW ...

For each VIEW, DIR_A/<view>.csv and DIR_B/<view>.csv must have the same header and, once both
are sorted, the same rows: numbers equal within 1e-9 (relative or absolute), `true`/`false`
and text exactly, an empty field a null. With --concatenated, side A is one file holding the
views' results one after another, in the order given, each with its header (what
`safeguard sql --format csv -f` writes for a file of SELECTs); it is cut where the next view's
header (DIR_B's) begins. With --b-columns, side A is compared on side B's columns only (the
test oracle's load_rejects has four of safeguard's seven). Prints one line per view; exits 1 at the first difference, so a
benchmark never compares engines computing different things.

A difference is reported by view, sorted row number and column names, never by value: the
results include staff identifiers (load_rejects' raw rows).
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


def sort_key(row: tuple) -> tuple:
    """Nulls, then numbers (rounded, so floating-point noise cannot reorder rows; NaN and the
    infinities after the finite ones), then text, field by field."""
    return tuple((k, 0, round(v, 6)) if k == 1 and math.isfinite(v)
                 else (k, 1, str(v)) if k == 1 else (k, 0, v) for k, v in row)


def parsed(records: list[list[str]]) -> tuple[list[str], list[tuple]]:
    """A result's header and its rows, typed and sorted."""
    header = records[0] if records else []
    body = sorted((tuple(value(x) for x in r) for r in records[1:]), key=sort_key)
    return header, body


def read(path: str) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def same(a, b) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == 1:
        if math.isnan(a[1]) or math.isnan(b[1]):
            return math.isnan(a[1]) and math.isnan(b[1])
        return math.isclose(a[1], b[1], rel_tol=TOL, abs_tol=TOL)
    return a[1] == b[1]


def split(path: str, headers: list[tuple[str, list[str]]]) -> dict[str, list[list[str]]]:
    """Cuts one file of results, one after another, into each view's records (header first)."""
    records = read(path)
    out: dict[str, list[list[str]]] = {}
    at = 0
    for i, (name, header) in enumerate(headers):
        if at >= len(records) or records[at] != header:
            raise SystemExit(f"bench/same_results.py: {path}: {name}'s header is not where its "
                             f"result should begin (record {at + 1})")
        nxt = headers[i + 1][1] if i + 1 < len(headers) else None
        end = at + 1
        while end < len(records) and records[end] != nxt:
            end += 1
        out[name], at = records[at:end], end
    if at != len(records):
        raise SystemExit(f"bench/same_results.py: {path}: {len(records) - at} records after the "
                         "last view's result")
    return out


def projected(records: list[list[str]], onto: list[str], where: str) -> list[list[str]]:
    """The records' columns named in `onto`, in its order."""
    header = records[0] if records else []
    missing = [c for c in onto if c not in header]
    if missing:
        raise SystemExit(f"bench/same_results.py: {where} has no column {', '.join(missing)}")
    index = [header.index(c) for c in onto]
    return [[r[i] if i < len(r) else "" for i in index] for r in records]


def compare(name: str, a: list[list[str]], b: list[list[str]], where_a: str, where_b: str) -> bool:
    (head_a, rows_a), (head_b, rows_b) = parsed(a), parsed(b)
    if head_a != head_b:
        print(f"{name}: columns differ: {head_a} in {where_a}, {head_b} in {where_b}", file=sys.stderr)
        return False
    if len(rows_a) != len(rows_b):
        print(f"{name}: {len(rows_a)} rows in {where_a}, {len(rows_b)} in {where_b}", file=sys.stderr)
        return False
    for i, (ra, rb) in enumerate(zip(rows_a, rows_b)):
        if len(ra) != len(rb):
            print(f"{name}: sorted row {i + 1} has {len(ra)} fields in {where_a}, {len(rb)} in "
                  f"{where_b}", file=sys.stderr)
            return False
        cols = [head_a[j] if j < len(head_a) else f"#{j + 1}"
                for j, (x, y) in enumerate(zip(ra, rb)) if not same(x, y)]
        if cols:
            print(f"{name}: sorted row {i + 1} differs in {', '.join(cols)} between {where_a} "
                  f"and {where_b}", file=sys.stderr)
            return False
    print(f"{name}: {len(rows_a)} rows equal")
    return True


def main(argv: list[str]) -> int:
    concatenated = argv[:1] == ["--concatenated"]
    b_columns = argv[:1] == ["--b-columns"]
    if concatenated or b_columns:
        argv = argv[1:]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    side_a, dir_b, names = argv[0], argv[1], argv[2:]
    paths_b = {n: os.path.join(dir_b, f"{n}.csv") for n in names}
    if concatenated:
        present = [n for n in names if os.path.exists(paths_b[n])]
        results_a = split(side_a, [(n, read(paths_b[n])[0]) for n in present])
        for name in names:
            if name not in results_a:
                print(f"{name}: absent from DuckDB's results, so not cut from {side_a}")
                continue
            if not compare(name, results_a[name], read(paths_b[name]), side_a, paths_b[name]):
                return 1
        return 0
    for name in names:
        path_a, path_b = os.path.join(side_a, f"{name}.csv"), paths_b[name]
        if not os.path.exists(path_a) and not os.path.exists(path_b):
            print(f"{name}: absent on both sides")
            continue
        for path in (path_a, path_b):
            if not os.path.exists(path):
                print(f"{name}: no result in {path} (the other side has one)", file=sys.stderr)
                return 1
        records_a, records_b = read(path_a), read(path_b)
        if b_columns and records_b:
            records_a = projected(records_a, records_b[0], path_a)
        if not compare(name, records_a, records_b, path_a, path_b):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
