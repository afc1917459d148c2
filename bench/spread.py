"""Summaries of paired benchmark runs, for bench/run.sh's table rows.

    python bench/spread.py secs "X ..."            # median (min–max), two places
    python bench/spread.py ratio "A ..." "B ..."   # A/B run by run (paired): median (min–max)
    python bench/spread.py median "X ..."          # the median, nearest whole number

Each argument is the runs' figures separated by spaces, in run order; ratio pairs A's nth run
with B's nth run (the two ran in the same round, one after the other).
"""

from __future__ import annotations

import statistics
import sys


def numbers(text: str) -> list[float]:
    xs = [float(x) for x in text.split()]
    if not xs:
        raise SystemExit("bench/spread.py: no figures given")
    return xs


def spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} ({min(xs):.2f}–{max(xs):.2f})"


def main(argv: list[str]) -> int:
    match argv:
        case ["secs", xs]:
            print(spread(numbers(xs)))
        case ["ratio", a, b]:
            xa, xb = numbers(a), numbers(b)
            if len(xa) != len(xb) or not all(xb):
                raise SystemExit("bench/spread.py: ratio needs the same number of runs, none zero")
            print(spread([x / y for x, y in zip(xa, xb)]))
        case ["median", xs]:
            print(f"{statistics.median(numbers(xs)):.0f}")
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
