"""A psycopg 3 client for the `safeguard serve` tests and benchmark.

    python client.py MODE CONNINFO < request.json > result.json

Modes (the request is JSON on standard input, the result JSON on standard output):
  run     {"statements": [SQL, ...]}: each statement in turn on one connection (autocommit, the
          extended protocol as psycopg uses it); each result is {"columns", "rows", "error"}.
  load    {"queries": [SQL, ...], "clients": N, "seconds": S}: N connections, each running the
          queries round and round for S seconds; every distinct result per query, every error,
          and how many queries ran.
  cancel  {"query": SQL, "after": SECONDS}: runs the query and cancels it from another thread.
  fetch   {"query": SQL, "repeat": R}: connects (timed), then runs the query R times on that
          connection, fetching every row; each run's seconds.
  bench   {"query": SQL, "clients": N, "repeat": R}: N connections each running the query R
          times; queries per second and latency percentiles.
Values are returned as text (None as null) so results compare exactly.
"""

import json
import statistics
import sys
import threading
import time

import psycopg


def text(value):
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def error_of(e):
    diag = getattr(e, "diag", None)
    return {
        "sqlstate": getattr(e, "sqlstate", None) or (diag.sqlstate if diag else None),
        "message": str(e).strip(),
        "type": type(e).__name__,
    }


def execute(cur, sql):
    cur.execute(sql)
    if cur.description is None:
        return {"columns": [], "rows": [], "error": None}
    rows = [[text(v) for v in row] for row in cur.fetchall()]
    return {"columns": [c.name for c in cur.description], "rows": rows, "error": None}


def run(conninfo, request):
    out = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for sql in request["statements"]:
            try:
                with conn.cursor() as cur:
                    out.append(execute(cur, sql))
            except psycopg.Error as e:
                out.append({"columns": [], "rows": [], "error": error_of(e)})
        ssl = conn.pgconn.ssl_in_use
    return {"results": out, "ssl": bool(ssl)}


def load(conninfo, request):
    queries, seconds = request["queries"], request["seconds"]
    results = {q: set() for q in queries}
    errors, counts = [], []
    lock = threading.Lock()
    start = threading.Barrier(request["clients"])

    def client():
        ran = 0
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                start.wait(timeout=120)
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    for q in queries:
                        with conn.cursor() as cur:
                            rows = execute(cur, q)["rows"]
                        with lock:
                            results[q].add(json.dumps(rows))
                        ran += 1
        except Exception as e:  # any failure, the connection's included, is a test failure
            with lock:
                errors.append(error_of(e))
        with lock:
            counts.append(ran)

    threads = [threading.Thread(target=client) for _ in range(request["clients"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "results": {q: sorted(json.loads(r) for r in rs) for q, rs in results.items()},
        "errors": errors,
        "queries": sum(counts),
        "clients_finished": len(counts),
    }


def cancel(conninfo, request):
    with psycopg.connect(conninfo, autocommit=True) as conn:
        timer = threading.Timer(request["after"], conn.cancel_safe)
        began = time.monotonic()
        timer.start()
        try:
            conn.execute(request["query"]).fetchall()
            result = {"error": None}
        except psycopg.Error as e:
            result = {"error": error_of(e)}
        result["seconds"] = time.monotonic() - began
        timer.cancel()
        # The connection is still usable after its statement was cancelled, at once: the
        # stopped work no longer holds the server's threads.
        began = time.monotonic()
        result["after"] = conn.execute("SELECT 42").fetchone()[0]
        result["after_seconds"] = time.monotonic() - began
    return result


def fetch(conninfo, request):
    began = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        connect = time.perf_counter() - began
        runs, rows = [], 0
        for _ in range(request["repeat"]):
            t = time.perf_counter()
            rows = len(conn.execute(request["query"]).fetchall())
            runs.append(time.perf_counter() - t)
    return {"connect": connect, "runs": runs, "rows": rows}


def bench(conninfo, request):
    latencies = []
    lock = threading.Lock()
    start = threading.Barrier(request["clients"] + 1)

    def client():
        own = []
        with psycopg.connect(conninfo, autocommit=True) as conn:
            start.wait(timeout=120)
            for _ in range(request["repeat"]):
                t = time.perf_counter()
                conn.execute(request["query"]).fetchall()
                own.append(time.perf_counter() - t)
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=client) for _ in range(request["clients"])]
    for t in threads:
        t.start()
    start.wait(timeout=120)
    began = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        "queries": len(latencies),
        "seconds": wall,
        "qps": len(latencies) / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
    }


MODES = {"run": run, "load": load, "cancel": cancel, "fetch": fetch, "bench": bench}

if __name__ == "__main__":
    mode, conninfo = sys.argv[1], sys.argv[2]
    json.dump(MODES[mode](conninfo, json.load(sys.stdin)), sys.stdout)
