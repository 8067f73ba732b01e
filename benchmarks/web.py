"""Benchmark the web app on a synthetic store: p50/p95/p99 latency of the process, buyer and supplier pages and
API calls, the purchase lists and search, cold (the first requests of a fresh server) and warm, under a bounded
load on loopback.

    python benchmarks/web.py --processes 100000 [--requests 200] [--cold 20] [--concurrency 2] [--db PATH]
    python benchmarks/web.py --processes 1000000 --db PATH --reuse [--reindex]   # reuse a synthesised store

The store is synthesised with SQL (INSERT ... SELECT FROM range(N)): fictional ocids, buyers and suppliers, two
items, two bids, one award and contract per process, 10% classified as surveillance, 5% flagged. Then the
`web-index` analysis step builds the indexes and precomputed tables, a uvicorn server starts on a free loopback
port in a subprocess, and a fixed number of requests is sent to each route from a small thread pool. Nothing
leaves 127.0.0.1; the run stops by itself. It prints the server's CPU seconds and the load average per phase.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote


def synthesise(path: Path, n: int) -> dict:
    """Create a store at ``path`` with ``n`` synthetic processes; return sizes and timings."""
    from nadzor.store import Store
    from nadzor.web.prepare import build_web_index

    if path.exists():
        path.unlink()
    t0 = time.perf_counter()
    buyers = max(100, n // 200)
    suppliers = max(50, n // 100)
    with Store.open(path) as s:
        c = s.con
        c.execute("""INSERT INTO sources (source_id, original_path, publisher, licence, ingested_at, n_releases)
                     VALUES ('bench', 'synthetic.jsonl', 'Synthetic publisher', 'none (synthetic)', now(), ?)""", [n])
        c.execute(f"""
            INSERT INTO processes (ocid, compiled_from, release_count, date, title, status, buyer_id, buyer_name,
                procurement_method, tender_value_amount, tender_value_currency, tender_start, number_of_tenderers,
                award_value_amount, award_value_currency, source_id, locator)
            SELECT 'ocds-bench-' || lpad(i::VARCHAR, 8, '0'), 'merged', 1,
                   (DATE '2015-01-01' + INTERVAL (i % 3650) DAY)::DATE::VARCHAR,
                   CASE WHEN i % 10 = 0 THEN 'Nabavka kamera za video nadzor ' ELSE 'Nabavka materijala ' END || i,
                   'complete', 'B' || (hash(i) % {buyers}), 'Fiktivni naručilac ' || (hash(i) % {buyers}), 'open',
                   (i % 1000) * 1000.0, 'RSD', (DATE '2015-01-01' + INTERVAL (i % 3650) DAY)::DATE::VARCHAR,
                   1 + (i % 3), (i % 1000) * 900.0, 'RSD', 'bench', '/releases/' || i
            FROM range({n}) t(i)""")
        c.execute("""INSERT INTO items (ocid, origin, item_id, description, quantity, source_id, locator)
                     SELECT ocid, 'tender', j::VARCHAR, 'Stavka ' || j || ' za ' || title, 1, 'bench', locator
                     FROM processes, range(2) r(j)""")
        c.execute("""INSERT INTO parties (ocid, party_id, name, roles, source_id, locator)
                     SELECT ocid, buyer_id, buyer_name, ['buyer'], 'bench', locator FROM processes""")
        c.execute("""INSERT INTO bids (ocid, bid_id, bid_index, status, value_amount, value_currency, source_id, locator)
                     SELECT ocid, 'bid-' || j, j, 'valid', 1000.0 * j, 'RSD', 'bench', locator
                     FROM processes, range(2) r(j)""")
        c.execute(f"""INSERT INTO bid_tenderers (ocid, bid_id, bid_index, tenderer_id, tenderer_name, source_id, locator)
                     SELECT ocid, bid_id, bid_index, 'S' || (hash(ocid || bid_id) % {suppliers}),
                            'Fiktivni dobavljač ' || (hash(ocid || bid_id) % {suppliers}), 'bench', locator FROM bids""")
        c.execute("""INSERT INTO awards (ocid, award_id, award_index, status, date, value_amount, value_currency,
                     source_id, locator) SELECT ocid, 'a-1', 0, 'active', date, award_value_amount, 'RSD', 'bench',
                     locator FROM processes""")
        c.execute(f"""INSERT INTO award_suppliers (ocid, award_id, award_index, supplier_id, supplier_name, source_id,
                     locator) SELECT ocid, 'a-1', 0, 'S' || (hash(ocid) % {suppliers}),
                     'Fiktivni dobavljač ' || (hash(ocid) % {suppliers}), 'bench', locator FROM processes""")
        c.execute("""INSERT INTO contracts (ocid, contract_id, award_id, status, value_amount, value_currency,
                     source_id, locator) SELECT ocid, 'c-1', 'a-1', 'active', award_value_amount, 'RSD', 'bench',
                     locator FROM processes""")
        c.execute("""INSERT INTO classifications SELECT ocid, title LIKE '%kamera%',
                     CASE WHEN title LIKE '%kamera%' THEN ['cctv'] ELSE [] END, [], NULL, 'bench', now()
                     FROM processes""")
        c.execute("""INSERT INTO findings (finding_id, code, indicator_version, subject_type, subject_id, ocid, value,
                     explanation, evidence, details) SELECT 'f' || ocid, 'R003', '1', 'process', ocid, ocid, 1,
                     'Only one bid (synthetic). A risk indicator, not proof.', '[]', '{}' FROM processes
                     WHERE hash(ocid) % 20 = 0""")
        t1 = time.perf_counter()
        summary = build_web_index(s)
        t2 = time.perf_counter()
        c.execute("CHECKPOINT")
    return {"processes": n, "buyers": buyers, "suppliers": suppliers, "synthesise_s": round(t1 - t0, 1),
            "web_index_s": round(t2 - t1, 1), **summary, "db_mb": round(path.stat().st_size / 2**20)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (from /proc; 0 where that is not available)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _routes(n: int, buyers: int, suppliers: int, rnd: random.Random) -> dict:
    def ocid():
        return f"ocds-bench-{rnd.randrange(n):08d}"

    return {
        "page /purchases/{ocid}": lambda: "/purchases/" + ocid(),
        "page /buyers/{key}": lambda: f"/buyers/B{rnd.randrange(buyers)}",
        "page /suppliers/{key}": lambda: f"/suppliers/S{rnd.randrange(suppliers)}",
        "api /api/processes/{ocid}": lambda: "/api/processes/" + ocid(),
        "api /api/buyers/{key}": lambda: f"/api/buyers/B{rnd.randrange(buyers)}",
        "api /api/suppliers/{key}": lambda: f"/api/suppliers/S{rnd.randrange(suppliers)}",
        "page /purchases (list, random page)": lambda: f"/purchases?page={1 + rnd.randrange(50)}",
        "api /api/purchases (random page)": lambda: f"/api/purchases?page={1 + rnd.randrange(50)}",
        "api /api/purchases?buyer=": lambda: f"/api/purchases?buyer=B{rnd.randrange(buyers)}",
        "api /api/purchases?year=&sort=": lambda: (f"/api/purchases?year={2015 + rnd.randrange(10)}"
                                                   f"&sort={rnd.choice(['-value', 'title', 'date'])}"),
        "api /api/purchases?bids=&flag=": lambda: f"/api/purchases?bids=single&flag=R003&page={1 + rnd.randrange(5)}",
        "page /search?q= (rare phrase)": lambda: f"/search?q=kamera za video nadzor {rnd.randrange(n)}",
        "api /api/search?q= (rare phrase)": lambda: f"/api/search?q=kamera {rnd.randrange(n)}",
        "api /api/search?q= (Cyrillic word)": lambda: "/api/search?q=" + rnd.choice(["Камера", "набавка", "Фиктивни"]),
        "page / (overview)": lambda: "/",
    }


def _get(conns: threading.local, port: int, url: str) -> tuple[float, int]:
    """GET ``url`` on this thread's keep-alive connection; return (ms, status)."""
    con = getattr(conns, "con", None)
    if con is None:
        con = conns.con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    t = time.perf_counter()
    try:
        con.request("GET", quote(url, safe="/?=&"))
        res = con.getresponse()
        res.read()
        status = res.status
    except (OSError, http.client.HTTPException):
        con.close()
        conns.con = None
        status = 0
    return (time.perf_counter() - t) * 1000, status


def _stats(out: list[tuple[float, int]]) -> dict:
    times = sorted(t for t, _ in out)
    q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return {"n": len(times), "p50": round(q[49], 1), "p95": round(q[94], 1), "p99": round(q[98], 1),
            "max": round(times[-1], 1), "errors": sum(1 for _, st in out if st != 200)}


def measure(path: Path, n: int, buyers: int, suppliers: int, requests: int, concurrency: int, cold: int) -> dict:
    """Start a fresh server, time the first ``cold`` GETs per route, then ``requests`` more per route (warm)."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "nadzor", "--db", str(path), "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    conns = threading.local()
    try:
        deadline = time.monotonic() + 120
        while _get(conns, port, "/api/indicators")[1] != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("server did not start: " + server.stderr.read().decode()[-2000:])
            time.sleep(0.2)
        rnd = random.Random(42)
        routes = _routes(n, buyers, suppliers, rnd)
        results: dict = {"cold": {}, "warm": {}}
        with ThreadPoolExecutor(concurrency) as pool:
            for phase, count in (("cold", cold), ("warm", requests)):
                cpu0, t0, load = _cpu_s(server.pid), time.perf_counter(), os.getloadavg()[0]
                for name, make in routes.items():
                    k = count if "overview" not in name else max(2, count // 10)
                    urls = [make() for _ in range(k)]
                    res = _stats(list(pool.map(lambda u: _get(conns, port, u), urls)))
                    results[phase][name] = res
                    print(f"{phase:4s} {name:38s} n={k:4d} p50={res['p50']:7.1f} p95={res['p95']:7.1f} "
                          f"p99={res['p99']:7.1f} max={res['max']:7.1f} ms non-200={res['errors']}", flush=True)
                results[phase + "_server_cpu_s"] = round(_cpu_s(server.pid) - cpu0, 1)
                results[phase + "_wall_s"] = round(time.perf_counter() - t0, 1)
                print(f"{phase}: wall {results[phase + '_wall_s']} s, server CPU {results[phase + '_server_cpu_s']} s, "
                      f"load average (1 min) at start {load:.2f}, at end {os.getloadavg()[0]:.2f}", flush=True)
        results["server_peak_rss_mb"] = _peak_rss_mb(server.pid)
        print(f"server peak RSS {results['server_peak_rss_mb']} MiB", flush=True)
        return results
    finally:
        server.terminate()
        server.wait(timeout=20)


def _peak_rss_mb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def reindex(path: Path) -> dict:
    """Re-run the `web-index` step on an existing store; return its summary and timing."""
    from nadzor.store import Store
    from nadzor.web.prepare import build_web_index

    t0, c0 = time.perf_counter(), time.process_time()
    with Store.open(path) as s:
        summary = build_web_index(s)
        s.con.execute("CHECKPOINT")
    return {**summary, "web_index_s": round(time.perf_counter() - t0, 1),
            "web_index_cpu_s": round(time.process_time() - c0, 1), "db_mb": round(path.stat().st_size / 2**20)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--processes", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200, help="warm requests per route (bounded load)")
    ap.add_argument("--cold", type=int, default=20, help="first requests per route on a fresh server")
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--db", type=Path, default=Path("nadzor-bench-web.duckdb"))
    ap.add_argument("--reuse", action="store_true", help="reuse an existing --db instead of synthesising")
    ap.add_argument("--reindex", action="store_true", help="with --reuse: run the web-index step again first")
    args = ap.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}, "
          f"load average {os.getloadavg()}")
    buyers, suppliers = max(100, args.processes // 200), max(50, args.processes // 100)
    if not args.reuse:
        print("store:", synthesise(args.db, args.processes), flush=True)
    elif args.reindex:
        print("web-index:", reindex(args.db), flush=True)
    measure(args.db, args.processes, buyers, suppliers, args.requests, args.concurrency, args.cold)


if __name__ == "__main__":
    main()
