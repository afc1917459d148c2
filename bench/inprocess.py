"""The clock of the DuckDB side of the bench: seconds and peak memory inside this process.

A program embedding DuckDB starts once and pays its loader, and Python's, once; so the DuckDB
figures leave out starting Python and `import duckdb` (about 0.3 s), as safeguard's figures
cannot (they are whole processes). `Clock()` is made after the imports and just before the
work; `report()` prints one line, `seconds peak_mib`:

- seconds: wall-clock from the Clock's making to report();
- peak_mib: the process's peak resident memory (getrusage's ru_maxrss) less its resident
  memory when the Clock was made (the interpreter and the DuckDB library, about 50 MiB), so
  the figure is DuckDB's working memory. safeguard's peak is its whole process, so this
  leaves the comparison, if anything, on DuckDB's side.
"""

from __future__ import annotations

import resource
import time


def rss_kib() -> int:
    """This process's resident memory now, in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise SystemExit("bench/inprocess.py: no VmRSS in /proc/self/status")


class Clock:
    """Started when made; report() prints `seconds peak_mib` on stdout."""

    def __init__(self) -> None:
        self.base_kib = rss_kib()
        self.began = time.perf_counter()

    def report(self) -> None:
        seconds = time.perf_counter() - self.began
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        print(f"{seconds:.3f} {max(peak_kib - self.base_kib, 0) / 1024:.0f}", flush=True)
