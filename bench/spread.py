"""Summaries of paired benchmark runs, for bench/run.sh's table rows.

    python bench/spread.py secs "X ..."            # median (min–max); three places below 1 s
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


def spread(xs: list[float], places: int = 2) -> str:
    m = statistics.median(xs)
    return f"{m:.{places}f} ({min(xs):.{places}f}–{max(xs):.{places}f})"


def main(argv: list[str]) -> int:
    match argv:
        case ["secs", xs]:
            figures = numbers(xs)
            print(spread(figures, 3 if statistics.median(figures) < 1 else 2))
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
