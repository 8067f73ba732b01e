"""Benchmark the web app on a synthetic store: p50/p95/p99 latency of the process, buyer and supplier pages and
API calls, under a bounded load on loopback.

    python benchmarks/web.py --processes 100000 [--requests 200] [--concurrency 4] [--db /tmp/bench.duckdb]

The store is synthesised with SQL (INSERT ... SELECT FROM range(N)): fictional ocids, buyers and suppliers, two
items, two bids, one award and contract per process, 10% classified as surveillance, 5% flagged. Then the
`web-index` analysis step builds the indexes and search table, a uvicorn server starts on a free loopback port in
a subprocess, and a fixed number of requests is sent to each route from a small thread pool. Nothing leaves
127.0.0.1; the run stops by itself.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


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
        c.execute(f"""INSERT INTO bids (ocid, bid_id, bid_index, status, value_amount, value_currency, source_id, locator)
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


def measure(path: Path, n: int, buyers: int, suppliers: int, requests: int, concurrency: int) -> dict:
    """Start the server and time ``requests`` GETs per route; return percentiles in ms."""
    import httpx

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "nadzor", "--db", str(path), "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/api/indicators", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not start: " + server.stderr.read().decode()[-2000:])
                time.sleep(0.2)
        rnd = random.Random(42)

        def ocid():
            return f"ocds-bench-{rnd.randrange(n):08d}"

        routes = {
            "page /purchases/{ocid}": lambda: "/purchases/" + ocid(),
            "page /buyers/{key}": lambda: f"/buyers/B{rnd.randrange(buyers)}",
            "page /suppliers/{key}": lambda: f"/suppliers/S{rnd.randrange(suppliers)}",
            "api /api/processes/{ocid}": lambda: "/api/processes/" + ocid(),
            "api /api/buyers/{key}": lambda: f"/api/buyers/B{rnd.randrange(buyers)}",
            "api /api/suppliers/{key}": lambda: f"/api/suppliers/S{rnd.randrange(suppliers)}",
            "api /api/purchases?buyer=": lambda: f"/api/purchases?buyer=B{rnd.randrange(buyers)}",
            "api /api/purchases (first page)": lambda: "/api/purchases",
            "api /api/search?q=": lambda: f"/api/search?q=kamera {rnd.randrange(n)}",
            "page / (overview)": lambda: "/",
        }
        results = {}
        with httpx.Client(base_url=base, timeout=30) as client, ThreadPoolExecutor(concurrency) as pool:
            for name, make in routes.items():
                count = requests if "overview" not in name and "first page" not in name else max(10, requests // 10)
                urls = [make() for _ in range(count)]
                client.get(urls[0])  # warm up

                def one(u):
                    t = time.perf_counter()
                    r = client.get(u)
                    dt = (time.perf_counter() - t) * 1000
                    return dt, r.status_code

                out = list(pool.map(one, urls))
                times = sorted(t for t, _ in out)
                bad = sum(1 for _, st in out if st != 200)
                q = statistics.quantiles(times, n=100)
                results[name] = {"n": count, "p50": round(q[49], 1), "p95": round(q[94], 1), "p99": round(q[98], 1),
                                 "errors": bad}
                print(f"{name:36s} n={count:4d} p50={q[49]:7.1f} ms p95={q[94]:7.1f} ms p99={q[98]:7.1f} ms "
                      f"non-200={bad}", flush=True)
        return results
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--processes", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200, help="requests per route (bounded load)")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--db", type=Path, default=Path("/tmp/nadzor-bench-web.duckdb"))
    ap.add_argument("--reuse", action="store_true", help="reuse an existing --db instead of synthesising")
    args = ap.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}")
    buyers, suppliers = max(100, args.processes // 200), max(50, args.processes // 100)
    if not args.reuse:
        info = synthesise(args.db, args.processes)
        print("store:", info, flush=True)
    measure(args.db, args.processes, buyers, suppliers, args.requests, args.concurrency)


if __name__ == "__main__":
    main()
